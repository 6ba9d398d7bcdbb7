package check_test

import (
	"fmt"
	"math"

	"github.com/cvmkit/cvm/internal/check"
)

func ExampleClose() {
	fmt.Println(check.Close(1.0, 1.0+1e-12, 1e-9, 0))
	fmt.Println(check.Close(1.0, 1.1, 1e-9, 0))
	fmt.Println(check.Close(0, 1e-15, 0, 1e-12))
	fmt.Println(check.Close(math.NaN(), math.NaN(), 0, 0))
	fmt.Println(check.Close(math.Inf(1), math.MaxFloat64, 1, 1))
	// Output:
	// true
	// false
	// true
	// true
	// false
}
