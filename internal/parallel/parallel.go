// Package parallel holds the one parallel loop cvm's packages use: a range
// split across up to GOMAXPROCS goroutines, joined before return.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// For calls fn on consecutive ranges [lo, hi) covering [0, n), on up to
// GOMAXPROCS goroutines when n is at least minPar (serially otherwise),
// and returns when all calls have returned. The ranges depend on n and
// GOMAXPROCS only; fn must write only to its own range, so that results
// do not depend on the number of goroutines.
func For(n, minPar int, fn func(lo, hi int)) {
	w := runtime.GOMAXPROCS(0)
	if w == 1 || n < minPar || n < 2 {
		if n > 0 {
			fn(0, n)
		}
		return
	}
	w = min(w, n)
	var wg sync.WaitGroup
	for k := range w {
		lo, hi := n*k/w, n*(k+1)/w
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}

// Chunks calls fn on the ranges [c*size, min((c+1)*size, n)) of [0, n),
// handed out dynamically to up to GOMAXPROCS goroutines (serially when
// there is one chunk), and returns when all calls have returned. worker
// numbers the goroutine (0 <= worker < GOMAXPROCS) so fn can keep
// per-worker scratch space. The chunk boundaries do not depend on the
// number of goroutines.
func Chunks(n, size int, fn func(worker, lo, hi int)) {
	if n <= 0 {
		return
	}
	if size < 1 {
		size = 1
	}
	chunks := (n + size - 1) / size
	w := min(runtime.GOMAXPROCS(0), chunks)
	if w <= 1 {
		for lo := 0; lo < n; lo += size {
			fn(0, lo, min(lo+size, n))
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for k := range w {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c := int(next.Add(1) - 1)
				if c >= chunks {
					return
				}
				lo := c * size
				fn(k, lo, min(lo+size, n))
			}
		}()
	}
	wg.Wait()
}

// Workers returns the number of goroutines [For] and [Chunks] use at most.
func Workers() int { return runtime.GOMAXPROCS(0) }
