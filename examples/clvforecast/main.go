// Command clvforecast shows the CLV models from a host application's point
// of view: a nightly job reads a transactions file (or, without -in, a
// synthetic one), fits BG/NBD and Gamma-Gamma, and lists each customer's
// 12-month lifetime value and probability of still being active, the
// figures that drive potential value: go run ./examples/clvforecast -in FILE
package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/synth"
	"github.com/cvmkit/cvm/value/clv"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "clvforecast:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("clvforecast", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := fs.String("in", "", "transactions CSV with columns customer,time,amount,order (default: synthetic)")
	top := fs.Int("top", 5, "customers to list")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var txs []cvm.Transaction
	if *in == "" {
		*in, txs = "synthetic", slices.Collect(synth.Transactions(synth.Config{Customers: 2000, Seed: 9}))
	} else {
		f, err := os.Open(*in)
		if err != nil {
			return err
		}
		defer f.Close()
		rd, err := cvm.NewReader(f, nil) // gzip is recognised
		if err != nil {
			return err
		}
		if txs, err = rd.ReadAll(context.Background()); err != nil {
			return err
		}
	}
	if len(txs) == 0 {
		return fmt.Errorf("%s: no transactions", *in)
	}
	// The calibration period ends with the last day in the file.
	end := slices.MaxFunc(txs, func(a, b cvm.Transaction) int { return a.Time.Compare(b.Time) }).Time
	ctx := context.Background()
	data, err := clv.Prepare(ctx, slices.Values(txs), end, nil) // weeks, same-day purchases merged
	if err != nil {
		return err
	}
	fit := &clv.FitSettings{Source: data} // the models' cards record the data's periods
	bg, err := clv.FitBGNBD(ctx, data.Customers, fit)
	if err != nil {
		return err
	}
	gg, err := clv.FitGammaGamma(ctx, data.Customers, fit)
	if err != nil {
		return err
	}
	alive, err := clv.PredictAlive(nil, bg, data.Customers)
	if err != nil {
		return err
	}
	spend, err := clv.PredictSpend(nil, gg, data.Customers) // expected value of one purchase
	if err != nil {
		return err
	}
	// 12 months at the default discount, clv.DefaultAnnualDiscount (10% a year).
	value, err := clv.CLV(nil, bg, spend, data.Customers, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d customers to %s; BG/NBD r=%.3f alpha=%.3f a=%.3f b=%.3f; Gamma-Gamma p=%.3f q=%.3f gamma=%.3f\n",
		*in, len(data.Customers), end.Format(time.DateOnly), bg.R, bg.Alpha, bg.A, bg.B, gg.P, gg.Q, gg.Gamma)
	order := make([]int, len(value))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int { return cmp.Compare(value[j], value[i]) })
	fmt.Fprintln(stdout, "customer  repeat buys  P(alive)  12-month CLV")
	for _, i := range order[:min(*top, len(order))] {
		c := data.Customers[i]
		fmt.Fprintf(stdout, "%-8s  %11.0f  %8.2f  %12.2f\n", c.ID, c.Frequency, alive[i], value[i])
	}
	return nil
}
