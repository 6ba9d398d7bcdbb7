package segment

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/synth"
)

var benchSizes = []int{1_000, 100_000, 1_000_000}

// BenchmarkRFMScoreSegment scores n customers with fitted breaks and looks
// up their default segments, the per-period work once a Scorer is fitted.
// It must not allocate.
func BenchmarkRFMScoreSegment(b *testing.B) {
	for _, n := range benchSizes {
		values := randomValues(rand.New(rand.NewPCG(7, uint64(n))), n)
		s, err := FitScorer(values, nil)
		if err != nil {
			b.Fatal(err)
		}
		rs := DefaultRules()
		cells := make([]Cell, n)
		idx := make([]int, n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.ScoreAll(cells, values); err != nil {
					b.Fatal(err)
				}
				rs.AssignAll(idx, cells)
			}
		})
	}
}

// BenchmarkRFMFitScore fits the breaks (one sort per dimension) and scores,
// on values sorted by customer ID as RFMValues returns them for
// cvm.Summarize's output, and (rank/unsorted) on values in random ID
// order, which adds a sort of the IDs.
func BenchmarkRFMFitScore(b *testing.B) {
	for _, n := range benchSizes {
		for _, c := range []struct {
			ties     TiePolicy
			unsorted bool
		}{{TiesByValue, false}, {TiesByRank, false}, {TiesByRank, true}} {
			ties := c.ties
			values := randomValues(rand.New(rand.NewPCG(7, uint64(n))), n)
			name := ties.String()
			if c.unsorted {
				name += "-unsorted"
			} else {
				slices.SortFunc(values, func(a, b RFM) int { return strings.Compare(a.Customer, b.Customer) })
			}
			cells := make([]Cell, n)
			b.Run(fmt.Sprintf("%s/%d", name, n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, _, err := Score(cells, values, &ScorerSettings{Ties: ties}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkRFMPipeline times each step for synthetic customers (internal/
// synth defaults, about 10 transactions each), side by side, so the cost
// of scoring and segmenting can be read against cvm.Summarize's.
func BenchmarkRFMPipeline(b *testing.B) {
	const n = 100_000
	cfg := synth.Config{Customers: n, Seed: 1}
	txs := slices.Collect(synth.Transactions(cfg))
	asOf := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	sums, err := cvm.Summarize(context.Background(), slices.Values(txs), nil)
	if err != nil {
		b.Fatal(err)
	}
	values, _, err := RFMValues(sums, asOf, nil)
	if err != nil {
		b.Fatal(err)
	}
	cells, s, err := Score(nil, values, nil)
	if err != nil {
		b.Fatal(err)
	}
	idx := make([]int, len(cells))
	rs := DefaultRules()
	b.Run(fmt.Sprintf("summarize/%d", n), func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := cvm.Summarize(context.Background(), slices.Values(txs), nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run(fmt.Sprintf("values/%d", n), func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := RFMValues(sums, asOf, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run(fmt.Sprintf("fitscore/%d", n), func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := Score(cells, values, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run(fmt.Sprintf("score+segment/%d", n), func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.ScoreAll(cells, values); err != nil {
				b.Fatal(err)
			}
			rs.AssignAll(idx, cells)
		}
	})
}
