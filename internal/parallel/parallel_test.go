package parallel

import (
	"runtime"
	"sync/atomic"
	"testing"
)

func TestForAndChunksCoverOnce(t *testing.T) {
	for _, procs := range []int{1, 2, 3} {
		old := runtime.GOMAXPROCS(procs)
		for _, n := range []int{0, 1, 2, 7, 100, 1001} {
			seen := make([]int32, n)
			For(n, 4, func(lo, hi int) {
				for i := lo; i < hi; i++ {
					atomic.AddInt32(&seen[i], 1)
				}
			})
			for i, c := range seen {
				if c != 1 {
					t.Fatalf("For procs=%d n=%d: index %d visited %d times", procs, n, i, c)
				}
			}
			seen = make([]int32, n)
			Chunks(n, 3, func(w, lo, hi int) {
				if w < 0 || w >= procs {
					t.Errorf("worker %d out of range", w)
				}
				if lo%3 != 0 || hi-lo > 3 {
					t.Errorf("chunk [%d,%d) not aligned to 3", lo, hi)
				}
				for i := lo; i < hi; i++ {
					atomic.AddInt32(&seen[i], 1)
				}
			})
			for i, c := range seen {
				if c != 1 {
					t.Fatalf("Chunks procs=%d n=%d: index %d visited %d times", procs, n, i, c)
				}
			}
		}
		runtime.GOMAXPROCS(old)
	}
}

func TestPoolCoversOnce(t *testing.T) {
	for _, procs := range []int{1, 2, 3} {
		old := runtime.GOMAXPROCS(procs)
		for _, n := range []int{0, 1, 5, 100, 1001} {
			p := NewPool(n, 7)
			seen := make([]int32, n)
			fn := func(c int) {
				lo, hi := p.Bounds(c)
				if lo != c*7 || hi > n || hi-lo > 7 {
					t.Errorf("chunk %d bounds [%d,%d)", c, lo, hi)
				}
				for i := lo; i < hi; i++ {
					atomic.AddInt32(&seen[i], 1)
				}
			}
			for range 3 {
				clear(seen)
				p.Run(fn)
				for i, c := range seen {
					if c != 1 {
						t.Fatalf("Pool procs=%d n=%d: index %d visited %d times", procs, n, i, c)
					}
				}
			}
			if want := (n + 6) / 7; p.Chunks() != want {
				t.Errorf("Chunks() = %d, want %d", p.Chunks(), want)
			}
			p.Close()
		}
		runtime.GOMAXPROCS(old)
	}
}

func TestMakeIsZeroed(t *testing.T) {
	type rec struct {
		s string
		p *int
		x [5]float64
	}
	for _, n := range []int{0, 1, 1000, 1 << 16, 1<<16 + 3} { // 1<<16 is 3.7 MB: paged in
		s := Make[rec](n)
		if len(s) != n || cap(s) != n {
			t.Fatalf("Make(%d): len %d cap %d", n, len(s), cap(s))
		}
		for i := range s {
			if r := s[i]; r.s != "" || r.p != nil || r.x != [5]float64{} {
				t.Fatalf("Make(%d)[%d] = %v, want zero", n, i, r)
			}
		}
		if n > 0 {
			// Writable, pointers and all.
			v := 7
			s[n-1] = rec{s: "x", p: &v, x: [5]float64{1}}
			if *s[n-1].p != 7 || s[n-1].s != "x" || s[n-1].x[0] != 1 {
				t.Fatalf("Make(%d): last element not written", n)
			}
		}
	}
	if b := Make[struct{}](10); len(b) != 10 {
		t.Fatalf("Make of a zero-size type: len %d", len(b))
	}
}
