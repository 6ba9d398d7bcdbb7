package clv

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/check"
	"github.com/cvmkit/cvm/internal/cputime"
	"github.com/cvmkit/cvm/internal/synth"
)

// synthCustomers returns n synthetic customers (internal/synth defaults)
// in weeks, with purchases merged by UTC day and the calibration ending
// at synth's End, without building transaction rows.
func synthCustomers(n int) []Customer {
	cfg := synth.Config{Customers: n, Seed: 99, ReturnRate: -1}
	end := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 730)
	endDay := cvm.DayNumber(end, time.UTC)
	out := make([]Customer, 0, n)
	var days []int64
	for cu := range synth.Customers(cfg) {
		days = days[:0]
		for _, o := range cu.Orders {
			days = append(days, cvm.DayNumber(o.Time, time.UTC))
		}
		slices.Sort(days)
		days = slices.Compact(days)
		c := Customer{T: float64(endDay-days[0]) / 7, Frequency: float64(len(days) - 1)}
		c.Recency = float64(days[len(days)-1]-days[0]) / 7
		out = append(out, c)
	}
	return out
}

func BenchmarkFitBGNBD(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000, 1_000_000} {
		if testing.Short() && n > 10_000 {
			continue
		}
		cs := synthCustomers(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			var it int
			for b.Loop() {
				m, err := FitBGNBD(ctx, cs, nil)
				if err != nil {
					b.Fatal(err)
				}
				it = m.Info.Iterations
			}
			b.ReportMetric(float64(it), "iterations")
		})
	}
}

func BenchmarkFitParetoNBD(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		cs := synthCustomers(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := FitParetoNBD(ctx, cs, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkPredictPurchases(b *testing.B) {
	m := &BGNBD{R: 1.2, Alpha: 8, A: 0.9, B: 7}
	for _, n := range []int{1_000, 100_000} {
		cs := synthCustomers(n)
		dst := make([]float64, n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := PredictPurchases(dst, m, 52, cs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkPrepare(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		var txs []cvm.Transaction
		for t := range synth.Transactions(synth.Config{Customers: n, Seed: 5}) {
			txs = append(txs, t)
		}
		end := time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Prepare(ctx, slices.Values(txs), end, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFitBGNBDCDNOWSize fits 2,357 customers simulated from the
// published CDNOW BG/NBD parameters (Fader, Hardie & Lee 2005), T between
// 20 and 60 weeks, times rounded to days: the size of the CDNOW sample.
func BenchmarkFitBGNBDCDNOWSize(b *testing.B) {
	cs := simBGNBD(2357, 2357, 0.243, 4.414, 0.793, 2.426, false)
	for i := range cs {
		c := &cs[i]
		c.T = math.Round(c.T*7) / 7
		c.Recency = math.Min(math.Round(c.Recency*7)/7, c.T)
		if c.Frequency == 0 {
			c.Recency = 0
		}
	}
	b.ReportAllocs()
	var it int
	for b.Loop() {
		m, err := FitBGNBD(ctx, cs, nil)
		if err != nil {
			b.Fatal(err)
		}
		it = m.Info.Iterations
	}
	b.ReportMetric(float64(it), "iterations")
}

// cpuTime returns the CPU time (user and system) of the process so far in
// seconds, 0 where the platform gives none: on a shared machine it is the
// fairer measure of a fit's cost than wall time.
func cpuTime() float64 {
	d, _ := cputime.Process()
	return d.Seconds()
}

// BenchmarkFitParetoVsBGNBD fits Pareto/NBD and BG/NBD on the same data:
// the CDNOW sample (skipped without the shared data folder) and 100,000
// synthetic customers. It reports the iterations, the likelihood
// evaluations (gradient evaluations included) and the CPU time per fit.
func BenchmarkFitParetoVsBGNBD(b *testing.B) {
	data := map[string]func(b *testing.B) []Customer{
		"cdnow":     func(b *testing.B) []Customer { return cdnowSample(b).Customers },
		"synth100k": func(*testing.B) []Customer { return synthCustomers(100_000) },
	}
	for _, name := range []string{"cdnow", "synth100k"} {
		b.Run(name, func(b *testing.B) {
			cs := data[name](b)
			for _, kind := range []string{"bgnbd", "pareto"} {
				b.Run(kind, func(b *testing.B) {
					b.ReportAllocs()
					var info FitInfo
					cpu0 := cpuTime()
					for b.Loop() {
						var err error
						if kind == "bgnbd" {
							var m *BGNBD
							m, err = FitBGNBD(ctx, cs, nil)
							if m != nil {
								info = m.Info
							}
						} else {
							var m *ParetoNBD
							m, err = FitParetoNBD(ctx, cs, nil)
							if m != nil {
								info = m.Info
							}
						}
						if err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric((cpuTime()-cpu0)/float64(b.N)*1e3, "cpu-ms/op")
					b.ReportMetric(float64(info.Iterations), "iterations")
					b.ReportMetric(float64(info.Evaluations), "evaluations")
				})
			}
		})
	}
}

// benchSizes are the customer counts of the grouping and forecast
// benchmarks; -short stops at 10,000.
func benchSizes() []int {
	if testing.Short() {
		return []int{1_000, 10_000}
	}
	return []int{1_000, 10_000, 100_000, 1_000_000}
}

// BenchmarkCompress: the ranks and counting sorts of Compress against
// the comparison sort they replaced (refCompress), on synthetic customers
// in weeks of whole days.
func BenchmarkCompress(b *testing.B) {
	for _, n := range benchSizes() {
		cs := synthCustomers(n)
		for _, v := range []struct {
			name string
			f    func([]Customer) []Row
		}{{"ranks", Compress}, {"sort", refCompress}} {
			b.Run(fmt.Sprintf("%d/%s", n, v.name), func(b *testing.B) {
				b.ReportAllocs()
				defer cputime.Report(b)()
				for b.Loop() {
					v.f(cs)
				}
			})
		}
	}
}

// BenchmarkPredictPurchasesAt: the 13 horizons of the customer file (12
// months and 52 weeks) for every distinct history, at once, against one
// ConditionalExpectedPurchasesAt per history (the loop it replaced), with
// the parameters of the profile's fit on the 1M-customer file.
func BenchmarkPredictPurchasesAt(b *testing.B) {
	m := &BGNBD{R: 0.7186, Alpha: 5.5138, A: 1.00905, B: 9.9779}
	ts := make([]float64, 13)
	for i := range 12 {
		ts[i] = float64(i+1) * 30 / 7
	}
	ts[12] = 52
	for _, n := range benchSizes() {
		rows := Compress(synthCustomers(n))
		cs := make([]Customer, len(rows))
		for i, r := range rows {
			cs[i] = Customer{Frequency: r.Frequency, Recency: r.Recency, T: r.T}
		}
		dst := make([]float64, len(cs)*len(ts))
		b.Run(fmt.Sprintf("%d/at-once", n), func(b *testing.B) {
			b.ReportAllocs()
			defer cputime.Report(b)()
			for b.Loop() {
				if _, err := PredictPurchasesAt(dst, m, ts, cs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(cs)), "histories")
		})
		b.Run(fmt.Sprintf("%d/per-history", n), func(b *testing.B) {
			b.ReportAllocs()
			defer cputime.Report(b)()
			for b.Loop() {
				parallelChunks(len(cs), func(_, lo, hi int) {
					for i := lo; i < hi; i++ {
						if _, err := m.ConditionalExpectedPurchasesAt(dst[i*len(ts):(i+1)*len(ts)], ts, cs[i]); err != nil {
							panic(err)
						}
					}
				})
			}
		})
	}
}

// BenchmarkFitGammaGammaRows fits the spend model to the repeat buyers of
// simulated customers, whose rows' terms are computed on all cores.
func BenchmarkFitGammaGammaRows(b *testing.B) {
	for _, n := range benchSizes() {
		rows := check.Must(CompressSpend(simSpend(3, n, 6, 4, 150)))
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			defer cputime.Report(b)()
			for b.Loop() {
				if _, err := FitGammaGammaRows(ctx, rows, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(rows)), "rows")
		})
	}
}
