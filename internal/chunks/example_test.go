package chunks_test

import (
	"fmt"

	"github.com/cvmkit/cvm/internal/chunks"
)

// A column collected row by row, then copied once into a slice of its
// exact length.
func ExampleList() {
	var l chunks.List[float64]
	for i := range chunks.Len + 2 {
		l.Push(float64(i) / 2)
	}
	fmt.Println(l.Len(), len(l.Chunks()), *l.At(chunks.Len + 1))
	col := l.Flat()
	fmt.Println(len(col), cap(col), col[3], l.Len())
	// Output:
	// 65538 2 32768.5
	// 65538 65538 1.5 0
}
