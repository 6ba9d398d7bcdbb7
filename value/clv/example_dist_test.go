package clv_test

import (
	"context"
	"fmt"

	"github.com/cvmkit/cvm/value/clv"
)

// The distribution of the purchases of the CDNOW customer of Fader,
// Hardie & Lee 2005 (x = 2, t_x = 30.43, T = 38.86) in the next 39 weeks
// under the published BG/NBD, and its 90% interval; the mean is the
// published 1.226 of FHL 2005, section 5.
func ExampleConditionalPMF() {
	m := &clv.BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
	c := clv.Customer{ID: "1", Frequency: 2, Recency: 30.43, T: 38.86}
	p, err := clv.ConditionalPMF(nil, m, 39, c, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	mean := 0.0
	for n, v := range p {
		mean += float64(n) * v
		if n < 4 {
			fmt.Printf("P(X = %d) = %.4f\n", n, v)
		}
	}
	fmt.Printf("mean %.3f\n", mean)
	iv, err := clv.PredictIntervals(context.Background(), nil, m, 39, []clv.Customer{c}, &clv.IntervalSettings{Level: 0.9})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("90%% interval [%g, %g]\n", iv[0].Lo, iv[0].Hi)
	// Output:
	// P(X = 0) = 0.4454
	// P(X = 1) = 0.2393
	// P(X = 2) = 0.1442
	// P(X = 3) = 0.0809
	// mean 1.226
	// 90% interval [0, 4]
}

// The share of new customers with 0, 1, 2 and more repeat purchases in
// their first 39 weeks under the published Pareto/NBD fit to CDNOW.
func ExamplePMF() {
	m := &clv.ParetoNBD{R: 0.553, Alpha: 10.578, S: 0.606, Beta: 11.669}
	p, err := clv.PMF(nil, m, 39, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("P(0) %.4f, P(1) %.4f, P(2) %.4f, P(3+) %.4f\n", p[0], p[1], p[2], 1-p[0]-p[1]-p[2])
	// Output:
	// P(0) 0.5936, P(1) 0.1656, P(2) 0.0825, P(3+) 0.1583
}

// The discounted expected residual transactions of the FHL 2005 CDNOW
// customer (x = 2, t_x = 30.43, T = 38.86) at 15% a year, continuously
// compounded (0.0027 a week), under the published BG/NBD and Pareto/NBD.
func ExampleDERT() {
	cs := []clv.Customer{{ID: "1", Frequency: 2, Recency: 30.43, T: 38.86}}
	delta := clv.ContinuousRate(0.15, clv.Weeks)
	for _, m := range []clv.PurchaseModel{
		&clv.BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426},
		&clv.ParetoNBD{R: 0.553, Alpha: 10.578, S: 0.606, Beta: 11.669},
	} {
		d, err := clv.DERT(nil, m, delta, cs)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s DERT %.3f\n", m.Name(), d[0])
	}
	// Output:
	// bgnbd DERT 5.177
	// pareto DERT 6.513
}
