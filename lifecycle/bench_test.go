package lifecycle

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/cputime"
	"github.com/cvmkit/cvm/internal/synth"
)

func BenchmarkApply(b *testing.B) {
	// A steady monthly buyer: one purchase and one tick per month, so half
	// the events are ticks that evaluate every rule.
	evs := script(monthly(date(2022, 1, 15), date(2025, 12, 15), 100), date(2026, 1, 1))
	b.ReportAllocs()
	defer cputime.Report(b)()
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
			defer cputime.Report(b)()
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

// BenchmarkClassifyFile classifies the rows of the 10.4M-row, 1M-customer
// benchmark files as cvm.Reader reads them (each row's ID its own string,
// as from any file), grouped by customer (tx10m.csv, from cvm gen
// -customers 1000000 -seed 1) and the same rows in time order
// (tx10m_time.csv), both as of the end of 2025. The files are looked for
// in the folder CVM_BENCH names; the benchmark is skipped without it.
//
// Every call starts from the same heap: the collector runs before each,
// untimed, so that no call pays for the garbage of the one before it (a
// cycle in the middle of one call doubles the next one's heap goal, and
// that call then grows the heap into pages never touched: on the README's
// VM, a few microseconds a 4 KiB page). cpu-ns/op is the calls' own CPU
// time, without those collections.
func BenchmarkClassifyFile(b *testing.B) {
	dir := os.Getenv("CVM_BENCH")
	if dir == "" {
		b.Skip("set CVM_BENCH to the folder of tx10m.csv and tx10m_time.csv")
	}
	for _, f := range []struct{ name, file string }{{"grouped", "tx10m.csv"}, {"time", "tx10m_time.csv"}} {
		// The file is read inside the sub-benchmark, so that -bench
		// selecting one order reads only its file; b.Loop starts the
		// timer and the counts at its first call.
		b.Run(f.name, func(b *testing.B) {
			txs := readBenchFile(b, filepath.Join(dir, f.file))
			b.ReportAllocs()
			var cpu time.Duration
			measured := true
			for b.Loop() {
				b.StopTimer()
				runtime.GC()
				b.StartTimer()
				start, ok1 := cputime.Process()
				res, err := Classify(context.Background(), slices.Values(txs), &ClassifySettings{AsOf: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
				end, ok2 := cputime.Process()
				if err != nil || len(res) == 0 {
					b.Fatal(err, len(res))
				}
				cpu += end - start
				measured = measured && ok1 && ok2
			}
			if measured {
				b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
			}
		})
	}
}

func readBenchFile(b *testing.B, path string) []cvm.Transaction {
	b.Helper()
	f, err := os.Open(path)
	if err != nil {
		b.Skip(err)
	}
	defer f.Close()
	rd, err := cvm.NewReader(f, &cvm.ReadSettings{Customer: "customer", Time: "time", Amount: "amount", Order: "order"})
	if err != nil {
		b.Fatal(err)
	}
	txs, err := rd.ReadAll(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	return txs
}
