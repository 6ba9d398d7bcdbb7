package parallel

// Gather collects values in order, for a result of unknown length: it
// keeps them in segments and joins them into one slice at the end.
// Appending to one slice instead copies it at every doubling, and a slice
// of pointerful values of a gigabyte or more copied while the collector
// runs is slow three ways: every pointer is copied through a write
// barrier, the collector waits on the goroutine inside the copy (which it
// cannot preempt) while the other cores spin, and the new slice's pages
// are first touched one at a time. The segments double from 256 values to
// gatherSeg, so a few values cost a small allocation and are returned
// without a copy; past one segment Gather touches each value twice, once
// in its segment and once in the result, which Slice fills on every core.
// The zero Gather is empty and ready to use.
type Gather[T any] struct {
	segs [][]T
}

// gatherSeg is the most values in a segment (a segment of cvm.Transaction
// values, 120 bytes each, is about 4 MB).
const gatherSeg = 1 << 15

// last returns the segment to append to, a new one when the last is full.
func (g *Gather[T]) last() *[]T {
	k := len(g.segs) - 1
	if k < 0 || len(g.segs[k]) == cap(g.segs[k]) {
		size := 256
		if k >= 0 {
			size = min(2*cap(g.segs[k]), gatherSeg)
		}
		g.segs = append(g.segs, make([]T, 0, size))
		k++
	}
	return &g.segs[k]
}

// Add appends v.
func (g *Gather[T]) Add(v T) {
	s := g.last()
	*s = append(*s, v)
}

// Append appends vs.
func (g *Gather[T]) Append(vs ...T) {
	for len(vs) > 0 {
		s := g.last()
		m := min(len(vs), cap(*s)-len(*s))
		*s = append(*s, vs[:m]...)
		vs = vs[m:]
	}
}

// Len returns the number of values appended.
func (g *Gather[T]) Len() int {
	n := 0
	for _, s := range g.segs {
		n += len(s)
	}
	return n
}

// Slice returns the values appended, in order, in one slice (nil when
// there are none), and empties g.
func (g *Gather[T]) Slice() []T {
	n := g.Len()
	if n == 0 || len(g.segs) == 1 {
		var out []T
		if n > 0 {
			out = g.segs[0][:n:n]
		}
		g.segs = nil
		return out
	}
	out := Make[T](n)
	starts := make([]int, len(g.segs))
	at := 0
	for i, s := range g.segs {
		starts[i] = at
		at += len(s)
	}
	segs := g.segs
	Chunks(len(segs), 1, func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			copy(out[starts[i]:], segs[i])
			segs[i] = nil
		}
	})
	g.segs = nil
	return out
}
