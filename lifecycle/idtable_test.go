package lifecycle

import (
	"strconv"
	"testing"
)

func TestIDTable(t *testing.T) {
	// Against a plain map: first-appearance indexes, duplicates found,
	// through several growths.
	tab := newIDTable()
	ref := map[string]int32{}
	for i := range 20000 {
		name := "c" + strconv.Itoa((i*7919)%5003)
		id, added := tab.lookup(name)
		want, ok := ref[name]
		if !ok {
			want = int32(len(ref))
			ref[name] = want
		}
		if id != want || added == ok {
			t.Fatalf("lookup(%q) = %d, %v; want %d, %v", name, id, added, want, !ok)
		}
	}
	if len(tab.names) != len(ref) {
		t.Errorf("%d names, want %d", len(tab.names), len(ref))
	}
}
