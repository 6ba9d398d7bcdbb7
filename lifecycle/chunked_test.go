package lifecycle

import "testing"

func TestChunked(t *testing.T) {
	// Through the growth of the first chunk and into a third: every element
	// where it was put, and each pointer from push pointing at its element.
	var c chunked[int]
	const n = 2*chunkLen + 5
	for i := range n {
		p := c.push(i * 3)
		if *p != i*3 || p != c.at(i) {
			t.Fatalf("push #%d returned %p (%d), at(%d) = %p", i, p, *p, i, c.at(i))
		}
		*p = i * 3 // writable
	}
	if c.len() != n {
		t.Fatalf("len %d, want %d", c.len(), n)
	}
	for i := range n {
		if got := *c.at(i); got != i*3 {
			t.Fatalf("at(%d) = %d, want %d", i, got, i*3)
		}
	}
}
