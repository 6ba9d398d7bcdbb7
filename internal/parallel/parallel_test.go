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
