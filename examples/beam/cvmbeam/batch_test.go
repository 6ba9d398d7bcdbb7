package cvmbeam

import (
	"hash/fnv"
	"testing"
)

// TestBatchFnHash checks the inline FNV-1a of batchFn against hash/fnv.
func TestBatchFnHash(t *testing.T) {
	f := &batchFn{Batches: 64}
	for _, id := range []string{"", "a", "12345", "customer\x00with nul", "ünïcode"} {
		h := fnv.New64a()
		h.Write([]byte(id))
		want := int(h.Sum64() % 64)
		if got, row := f.ProcessElement(id, Row{}); got != want || row.Customer != id {
			t.Errorf("batch of %q = %d (%q); want %d", id, got, row.Customer, want)
		}
	}
}
