package lifecycle

import (
	"context"
	"fmt"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/synth"
)

func BenchmarkApply(b *testing.B) {
	// A steady monthly buyer: one purchase and one tick per month, so half
	// the events are ticks that evaluate every rule.
	evs := script(monthly(date(2022, 1, 15), date(2025, 12, 15), 100), date(2026, 1, 1))
	b.ReportAllocs()
	defer reportCPU(b)()
	var s State
	j := 0
	for b.Loop() {
		if j == len(evs) {
			s, j = State{}, 0
		}
		var err error
		s, _, err = Apply(s, evs[j], nil)
		if err != nil {
			b.Fatal(err)
		}
		j++
	}
}

func BenchmarkClassify(b *testing.B) { benchmarkClassify(b, false) }

// BenchmarkClassifyTimeOrdered feeds the rows in time order, as most
// files come, instead of grouped by customer.
func BenchmarkClassifyTimeOrdered(b *testing.B) { benchmarkClassify(b, true) }

func benchmarkClassify(b *testing.B, timeOrdered bool) {
	for _, n := range []int{1_000, 100_000, 1_000_000} {
		if n > 100_000 && testing.Short() {
			continue
		}
		// The default synthetic base averages about 10.5 rows a customer,
		// so 1M customers are about 10.5M transactions.
		cfg := synth.Config{Customers: n, Seed: 1}
		var txs []cvm.Transaction
		for t := range synth.Transactions(cfg) {
			txs = append(txs, t)
		}
		if timeOrdered {
			slices.SortStableFunc(txs, func(a, b cvm.Transaction) int { return a.Time.Compare(b.Time) })
		}
		b.Run(fmt.Sprintf("customers=%d/rows=%d", n, len(txs)), func(b *testing.B) {
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				res, err := Classify(context.Background(), func(yield func(cvm.Transaction) bool) {
					for _, t := range txs {
						if !yield(t) {
							return
						}
					}
				}, &ClassifySettings{AsOf: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
				if err != nil || len(res) != n {
					b.Fatal(err, len(res))
				}
			}
		})
	}
}

// reportCPU reports the process CPU time (user + system) per operation as
// "cpu-ns/op", a figure that does not depend on how busy a shared machine
// is the way wall time does. Call as defer reportCPU(b)().
func reportCPU(b *testing.B) func() {
	cpu := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			return 0
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	start := cpu()
	return func() {
		b.ReportMetric(float64(cpu()-start)/float64(b.N), "cpu-ns/op")
	}
}
