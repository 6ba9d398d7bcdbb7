package chunks

import "testing"

// TestList pushes 2*Len+5 elements (the first chunk grown, two full
// chunks and a partial one): Push returns the element's place, At finds
// every element, Chunks holds them in order, Flat returns them all and
// empties the list.
func TestList(t *testing.T) {
	var l List[int]
	const n = 2*Len + 5
	for i := range n {
		p := l.Push(i * 3)
		if *p != i*3 || p != l.At(i) {
			t.Fatalf("Push #%d returned %p (%d), At(%d) = %p", i, p, *p, i, l.At(i))
		}
	}
	if l.Len() != n {
		t.Fatalf("Len = %d, want %d", l.Len(), n)
	}
	for i := range n {
		if got := *l.At(i); got != i*3 {
			t.Fatalf("At(%d) = %d, want %d", i, got, i*3)
		}
	}
	k := 0
	for _, c := range l.Chunks() {
		for _, v := range c {
			if v != k*3 {
				t.Fatalf("Chunks: element %d is %d, want %d", k, v, k*3)
			}
			k++
		}
	}
	if k != n || len(l.Chunks()) != 3 {
		t.Fatalf("Chunks: %d elements in %d chunks, want %d in 3", k, len(l.Chunks()), n)
	}
	flat := l.Flat()
	if len(flat) != n || cap(flat) != n || l.Len() != 0 || len(l.Chunks()) != 1 || len(l.Chunks()[0]) != 0 {
		t.Fatalf("Flat: %d elements (cap %d), list left with %d", len(flat), cap(flat), l.Len())
	}
	for i, v := range flat {
		if v != i*3 {
			t.Fatalf("Flat[%d] = %d, want %d", i, v, i*3)
		}
	}
}
