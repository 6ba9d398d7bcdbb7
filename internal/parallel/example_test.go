package parallel_test

import (
	"fmt"

	"github.com/cvmkit/cvm/internal/parallel"
)

func ExampleFor() {
	// Each call writes only to its own range, so the result does not
	// depend on the number of goroutines.
	sq := make([]int, 8)
	parallel.For(len(sq), 2, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			sq[i] = i * i
		}
	})
	fmt.Println(sq)
	// Output:
	// [0 1 4 9 16 25 36 49]
}

func ExamplePool() {
	// One partial sum per chunk, reduced in chunk order: the same bits
	// whatever GOMAXPROCS is.
	x := []float64{1, 2, 3, 4, 5, 6, 7}
	p := parallel.NewPool(len(x), 3)
	defer p.Close()
	part := make([]float64, p.Chunks())
	p.Run(func(c int) {
		lo, hi := p.Bounds(c)
		for _, v := range x[lo:hi] {
			part[c] += v
		}
	})
	total := 0.0
	for _, s := range part {
		total += s
	}
	fmt.Println(p.Chunks(), part, total)
	// Output:
	// 3 [6 15 7] 28
}
