package cvm

import (
	"encoding/json"
	"math"
	"testing"
)

func TestModelCard(t *testing.T) {
	c := NewModelCard()
	c.SetQuality("ll", -2)
	c.SetQuality("nan", math.NaN())
	c.SetQuality("inf", math.Inf(1))
	if _, err := json.Marshal(c); err != nil {
		t.Fatalf("card with non-finite figures does not encode: %v", err)
	}
	if len(c.Quality) != 1 {
		t.Fatalf("quality %v, want only ll", c.Quality)
	}
	if first, again := Fingerprint(1, 2), Fingerprint(1, 2); first == Fingerprint(2, 1) || first != again {
		t.Fatal("fingerprint not order-sensitive or not deterministic")
	}
	if len(Fingerprint()) != 24 {
		t.Fatalf("fingerprint length %d, want 24", len(Fingerprint()))
	}
}
