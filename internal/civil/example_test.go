package civil_test

import (
	"fmt"

	"github.com/cvmkit/cvm/internal/civil"
)

func Example() {
	days := civil.Days(2000, 3, 1)
	y, m, d := civil.Date(days)
	fmt.Println(days, y, m, d, civil.DaysIn(2000, 2), civil.DaysIn(1900, 2))
	// Output: 11017 2000 3 1 29 28
}
