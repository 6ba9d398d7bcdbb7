package value

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"testing"

	"github.com/cvmkit/cvm/internal/cputime"
)

var benchTables = map[int]IndicatorTable{}

func benchTable(n int) IndicatorTable {
	if t, ok := benchTables[n]; ok {
		return t
	}
	t := synthTable(n, 1, 0)
	benchTables[n] = t
	return t
}

// BenchmarkScore scores n customers x 30 indicators with the default
// catalog (5 log-transformed indicators), reusing dst, on one core and on
// all cores.
func BenchmarkScore(b *testing.B) {
	for _, n := range []int{1_000, 100_000, 1_000_000} {
		tb := benchTable(n)
		m, err := Fit(ctx, tb, &Settings{Missing: MissingImpute})
		if err != nil {
			b.Fatal(err)
		}
		dst := make([]Score, n)
		for _, procs := range []int{1, runtime.NumCPU()} {
			b.Run(fmt.Sprintf("n=%d/procs=%d", n, procs), func(b *testing.B) {
				prev := runtime.GOMAXPROCS(procs)
				defer runtime.GOMAXPROCS(prev)
				b.ReportAllocs()
				stopCPU := cputime.Report(b)
				for b.Loop() {
					if _, err := m.Score(ctx, dst, tb); err != nil {
						b.Fatal(err)
					}
				}
				stopCPU()
			})
		}
	}
}

// BenchmarkFit fits the default model (reference bounds and medians by
// selection, then scoring the fit data for the cuts).
func BenchmarkFit(b *testing.B) {
	for _, n := range []int{1_000, 100_000, 1_000_000} {
		tb := benchTable(n)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			stopCPU := cputime.Report(b)
			for b.Loop() {
				if _, err := Fit(ctx, tb, &Settings{Missing: MissingImpute}); err != nil {
					b.Fatal(err)
				}
			}
			stopCPU()
		})
	}
}

// BenchmarkRetailIndicators: the retail indicators of synthetic customers
// (about 15 transactions each) from an in-memory stream.
func BenchmarkRetailIndicators(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		txs := synthTransactions(n)
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := RetailIndicators(context.Background(), slices.Values(txs), nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
