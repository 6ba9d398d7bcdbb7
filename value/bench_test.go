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

// retailBench is a realistic profile table: the retail indicators of
// 100,000 synthetic customers (value.RetailIndicators) and three log
// min-max forecast columns in the lifetime group, as profile.Build adds
// value/clv's, with the rows repeated to n; the model is fitted on the
// first 100,000 rows with profile.Build's settings.
func retailBench(b *testing.B, n int) (*Model, IndicatorTable) {
	b.Helper()
	const base = 100_000
	if t, ok := benchTables[-n]; ok {
		return benchModels[n], t
	}
	r, err := RetailIndicators(context.Background(), slices.Values(synthTransactions(base)), nil)
	if err != nil {
		b.Fatal(err)
	}
	cat := r.Catalog
	cat.Groups = append(slices.Clone(cat.Groups), Group{ID: GroupLifetime, Name: "Lifetime", Dimension: CurrentValue, Weight: 0.3})
	src := r.Table
	rev, _ := src.Column("revenue")
	freq, _ := src.Column("order_frequency")
	fc := [3][]float64{make([]float64, src.Len()), make([]float64, src.Len()), make([]float64, src.Len())}
	for i := range rev {
		fc[0][i] = max(rev[i], 0) * 0.8
		fc[1][i] = freq[i] * 0.7
		fc[2][i] = 1 / (1 + float64(i%17))
	}
	for j, id := range []string{"clv", "expected_purchases", "p_alive"} {
		cat.Indicators = append(cat.Indicators, Indicator{ID: id, Name: id, Dimension: CurrentValue, Group: GroupLifetime, Norm: Normalization{Log: true, Upper: 0.99}, Weight: 1})
		src = src.WithColumn(id, fc[j])
	}
	m, err := Fit(context.Background(), src, &Settings{Catalog: cat, NormalizeWeights: true, Missing: MissingImpute, IgnoreUnknown: true})
	if err != nil {
		b.Fatal(err)
	}
	t := IndicatorTable{Customers: make([]string, n), IDs: src.IDs, Columns: make([][]float64, len(src.IDs))}
	for i := range t.Customers {
		t.Customers[i] = src.Customers[i%src.Len()]
	}
	for j, c := range src.Columns {
		col := make([]float64, n)
		for i := range col {
			col[i] = c[i%len(c)]
		}
		t.Columns[j] = col
	}
	benchTables[-n], benchModels[n] = t, m
	return m, t
}

var benchModels = map[int]*Model{}

// BenchmarkReasons: the top three reasons of n customers on the retail
// catalog plus three forecasts (18 indicators, 15 percentile ranks), on
// one core and on all cores; Score on the same table for comparison.
func BenchmarkReasons(b *testing.B) {
	for _, n := range []int{1_000, 100_000, 1_000_000} {
		m, tb := retailBench(b, n)
		var dst [][]string
		sc := make([]Score, n)
		for _, procs := range []int{1, runtime.NumCPU()} {
			b.Run(fmt.Sprintf("n=%d/procs=%d", n, procs), func(b *testing.B) {
				prev := runtime.GOMAXPROCS(procs)
				defer runtime.GOMAXPROCS(prev)
				b.ReportAllocs()
				stopCPU := cputime.Report(b)
				for b.Loop() {
					var err error
					if dst, err = m.Reasons(ctx, dst[:0], tb, 3); err != nil {
						b.Fatal(err)
					}
				}
				stopCPU()
			})
			b.Run(fmt.Sprintf("score/n=%d/procs=%d", n, procs), func(b *testing.B) {
				prev := runtime.GOMAXPROCS(procs)
				defer runtime.GOMAXPROCS(prev)
				b.ReportAllocs()
				stopCPU := cputime.Report(b)
				for b.Loop() {
					if _, err := m.Score(ctx, sc, tb); err != nil {
						b.Fatal(err)
					}
				}
				stopCPU()
			})
		}
	}
}
