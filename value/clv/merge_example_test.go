package clv_test

import (
	"context"
	"fmt"

	"github.com/cvmkit/cvm/value/clv"
)

// Two workers compress their own customers; the merged rows are what
// Compress of all the customers gives, and fit centrally.
func ExampleMergeRows() {
	a := clv.Compress([]clv.Customer{
		{ID: "1", Frequency: 0, Recency: 0, T: 30},
		{ID: "2", Frequency: 2, Recency: 12, T: 30},
		{ID: "3", Frequency: 0, Recency: 0, T: 30},
	})
	b := clv.Compress([]clv.Customer{
		{ID: "4", Frequency: 2, Recency: 12, T: 30},
		{ID: "5", Frequency: 5, Recency: 28, T: 30},
		{ID: "6", Frequency: 0, Recency: 0, T: 30},
	})
	rows := clv.MergeRows(b, a)
	for _, r := range rows {
		fmt.Printf("x=%g t_x=%g T=%g: %g customers\n", r.Frequency, r.Recency, r.T, r.Count)
	}
	m, err := clv.FitBGNBDRows(context.Background(), rows, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("fitted on %g customers\n", m.Info.Customers)
	// Output:
	// x=0 t_x=0 T=30: 3 customers
	// x=2 t_x=12 T=30: 2 customers
	// x=5 t_x=28 T=30: 1 customers
	// fitted on 6 customers
}
