package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Pool runs a function over the fixed chunks of [0, n) on up to GOMAXPROCS
// goroutines started once by [NewPool] and kept until [Pool.Close]: the
// form of [Chunks] for a loop run many times over the same range, such as
// the passes of an iterative fit, where starting goroutines on every pass
// would allocate. The chunk boundaries depend only on n and the chunk
// size, never on the number of goroutines, so a caller that writes one
// result per chunk and reduces them in chunk order gets the same bits
// whatever GOMAXPROCS is.
//
// A Pool is used by one goroutine at a time: Run must not be called
// concurrently or from inside fn. Close must be called once, after the
// last Run.
type Pool struct {
	n, size, chunks, workers int
	ch                       chan func(int)
	next                     atomic.Int64
	wg                       sync.WaitGroup
}

// NewPool returns a pool over [0, n) in chunks of size rows (size < 1
// means 1), with min(GOMAXPROCS, number of chunks) goroutines: the calling
// goroutine of Run and the others started here. With one chunk or
// GOMAXPROCS 1 no goroutine is started and Run calls fn serially.
func NewPool(n, size int) *Pool {
	size = max(size, 1)
	p := &Pool{n: max(n, 0), size: size}
	p.chunks = (p.n + size - 1) / size
	p.workers = min(runtime.GOMAXPROCS(0), p.chunks)
	if p.workers > 1 {
		p.ch = make(chan func(int))
		for range p.workers - 1 {
			go p.work(p.ch)
		}
	}
	return p
}

// Chunks returns the number of chunks.
func (p *Pool) Chunks() int { return p.chunks }

// Bounds returns the range [lo, hi) of chunk c.
func (p *Pool) Bounds(c int) (lo, hi int) {
	lo = c * p.size
	return lo, min(p.n, lo+p.size)
}

// Run calls fn(c) for every chunk c, each exactly once, in any order and
// on any of the pool's goroutines, and returns when all calls have
// returned. It allocates nothing when fn is a func value made once.
func (p *Pool) Run(fn func(c int)) {
	if p.workers <= 1 {
		for c := range p.chunks {
			fn(c)
		}
		return
	}
	p.next.Store(0)
	p.wg.Add(p.workers - 1)
	for range p.workers - 1 {
		p.ch <- fn
	}
	p.drain(fn)
	p.wg.Wait()
}

// Close stops the pool's goroutines.
func (p *Pool) Close() {
	if p.ch != nil {
		close(p.ch)
		p.ch = nil
	}
}

// work takes the channel as an argument rather than reading p.ch, which
// Close clears: a goroutine that has not yet started when Close runs must
// still see the channel close and return.
func (p *Pool) work(ch <-chan func(int)) {
	for fn := range ch {
		p.drain(fn)
		p.wg.Done()
	}
}

func (p *Pool) drain(fn func(int)) {
	for {
		c := int(p.next.Add(1)) - 1
		if c >= p.chunks {
			return
		}
		fn(c)
	}
}
