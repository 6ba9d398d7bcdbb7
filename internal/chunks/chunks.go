// Package chunks is an append-only list kept in chunks of a fixed length,
// so that appending never copies a long list, for the column stores and
// buffers of cvm's packages.
package chunks

import "github.com/cvmkit/cvm/internal/parallel"

// Len is the length of a full chunk; Bits its base-2 logarithm.
const (
	Bits = 16
	Len  = 1 << Bits
)

// List is an append-only list of Ts: full chunks of Len elements and the
// current one. The first chunk grows as a slice does, so a short list
// costs little; the others are allocated whole. The zero value is empty.
type List[T any] struct {
	full [][]T
	cur  []T
	n    int
}

// Push appends x and returns a pointer to it, valid until the next Push
// (the first chunk may move as it grows).
func (l *List[T]) Push(x T) *T {
	if len(l.cur) == Len {
		l.full = append(l.full, l.cur)
		l.cur = make([]T, 0, Len)
	}
	l.cur = append(l.cur, x)
	l.n++
	return &l.cur[len(l.cur)-1]
}

// Len returns the number of elements.
func (l *List[T]) Len() int { return l.n }

// At returns a pointer to element i, which must be below Len.
func (l *List[T]) At(i int) *T {
	if k := i >> Bits; k < len(l.full) {
		return &l.full[k][i&(Len-1)]
	}
	return &l.cur[i&(Len-1)]
}

// Chunks returns the chunks in order, the elements of each in order.
func (l *List[T]) Chunks() [][]T { return append(l.full[:len(l.full):len(l.full)], l.cur) }

// Flat returns the elements in one slice of their exact length and
// empties the list. The chunks are copied on every core: the slice is
// usually fresh memory, whose first writes (page faults) cost more than
// the copy on one core.
func (l *List[T]) Flat() []T {
	out := make([]T, l.n)
	chunks := l.Chunks()
	parallel.For(len(chunks), 2, func(lo, hi int) {
		for k := lo; k < hi; k++ {
			copy(out[k<<Bits:], chunks[k])
		}
	})
	*l = List[T]{}
	return out
}
