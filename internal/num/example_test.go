package num_test

import (
	"fmt"

	"github.com/cvmkit/cvm/internal/num"
)

func ExampleAddNeumaier() {
	// 1 + 1e100 + 1 - 1e100: a plain float64 sum gives 0.
	var sum, c float64
	for _, x := range []float64{1, 1e100, 1, -1e100} {
		sum, c = num.AddNeumaier(sum, c, x)
	}
	fmt.Println(sum + c)
	// Output: 2
}

func ExampleQuantileSorted() {
	// R: quantile(1:10, 0.25) is 3.25.
	x := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	fmt.Println(num.QuantileSorted(x, 0.25))
	// Output: 3.25
}
