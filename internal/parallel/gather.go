package parallel

// Gather collects values in order, for a result of unknown length: it
// keeps them in segments of a fixed size and joins them into one slice
// at the end. Appending to one slice instead copies it at every doubling,
// and a slice of pointerful values of a gigabyte or more copied while the
// collector runs is slow three ways: every pointer is copied through a
// write barrier, the collector waits on the goroutine inside the copy
// (which it cannot preempt) while the other cores spin, and the new
// slice's pages are first touched one at a time. Gather touches each
// value twice, once in its segment and once in the result, which Slice
// fills on every core. The zero Gather is empty and ready to use.
type Gather[T any] struct {
	segs [][]T
}

// gatherSeg is the number of values in a segment (a segment of
// cvm.Transaction values, 120 bytes each, is about 4 MB).
const gatherSeg = 1 << 15

// Add appends v.
func (g *Gather[T]) Add(v T) {
	k := len(g.segs) - 1
	if k < 0 || len(g.segs[k]) == cap(g.segs[k]) {
		g.segs = append(g.segs, make([]T, 0, gatherSeg))
		k++
	}
	g.segs[k] = append(g.segs[k], v)
}

// Append appends vs.
func (g *Gather[T]) Append(vs ...T) {
	for len(vs) > 0 {
		k := len(g.segs) - 1
		if k < 0 || len(g.segs[k]) == cap(g.segs[k]) {
			g.segs = append(g.segs, make([]T, 0, gatherSeg))
			k++
		}
		s := &g.segs[k]
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
	if n == 0 {
		g.segs = nil
		return nil
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
