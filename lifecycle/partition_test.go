package lifecycle

import (
	"context"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/cvmkit/cvm"
)

// interleave returns txs with the customers' rows interleaved at random,
// each customer's own rows in their order (so rows at equal times keep
// theirs).
func interleave(txs []cvm.Transaction, seed uint64) []cvm.Transaction {
	rng := rand.New(rand.NewPCG(seed, 2))
	var queues [][]cvm.Transaction
	for i := 0; i < len(txs); {
		j := i
		for j < len(txs) && txs[j].Customer == txs[i].Customer {
			j++
		}
		queues = append(queues, txs[i:j])
		i = j
	}
	var mixed []cvm.Transaction
	for len(queues) > 0 {
		k := rng.IntN(len(queues))
		mixed = append(mixed, queues[k][0])
		if queues[k] = queues[k][1:]; len(queues[k]) == 0 {
			queues = slices.Delete(queues, k, k+1)
		}
	}
	return mixed
}

// firstAppearance returns the customers of txs at or before asOf in the
// order of their first row.
func firstAppearance(txs []cvm.Transaction, asOf int64) []string {
	seen := map[string]bool{}
	var order []string
	for _, x := range txs {
		if x.Time.Unix() <= asOf && !seen[x.Customer] {
			seen[x.Customer] = true
			order = append(order, x.Customer)
		}
	}
	return order
}

// TestClassifyPartitioned runs streams not grouped by customer (time
// order, customers interleaved at random, and a grouped stream with one
// row of its first customer again at the end) through the partitioned
// grouping with tiny batches and flushes, so that rows cross many
// batches and flushes, at GOMAXPROCS 1 and 2: every customer's result
// equals the one of the grouped stream, and the results come in the
// order of each customer's first row in the stream (computed here
// independently).
func TestClassifyPartitioned(t *testing.T) {
	defer func(b, f int) { pgBatchRows, pgFlushBatches = b, f }(pgBatchRows, pgFlushBatches)
	pgBatchRows, pgFlushBatches = 7, 3
	txs := synthBase(2000, 11)
	asOf := date(2025, 12, 1)
	for _, set := range []*ClassifySettings{{AsOf: asOf}, {Tick: Weekly}} {
		want, err := Classify(context.Background(), seqOf(txs), set)
		if err != nil {
			t.Fatal(err)
		}
		cut := asOf.Unix()
		if set.AsOf.IsZero() {
			cut = 1 << 62
		}
		if got := firstAppearance(txs, cut); len(got) != len(want) {
			t.Fatalf("grouped: %d results, want %d", len(want), len(got))
		}
		index := map[string]Result{}
		for _, r := range want {
			index[r.Customer] = r
		}
		byTime := slices.Clone(txs)
		slices.SortStableFunc(byTime, func(a, b cvm.Transaction) int { return a.Time.Compare(b.Time) })
		straggler := append(slices.Clone(txs), cvm.Transaction{Customer: txs[0].Customer, Time: date(2025, 6, 3), Amount: 42})
		for name, stream := range map[string][]cvm.Transaction{"time order": byTime, "interleaved": interleave(txs, 3), "straggler": straggler} {
			for _, procs := range []int{1, 2} {
				prev := runtime.GOMAXPROCS(procs)
				got, err := Classify(context.Background(), seqOf(stream), set)
				runtime.GOMAXPROCS(prev)
				if err != nil {
					t.Fatal(err)
				}
				order := firstAppearance(stream, cut)
				if len(got) != len(order) {
					t.Fatalf("%s, GOMAXPROCS %d: %d results, want %d", name, procs, len(got), len(order))
				}
				for i, r := range got {
					if r.Customer != order[i] {
						t.Fatalf("%s, GOMAXPROCS %d: result %d is %s, want %s (first-appearance order)", name, procs, i, r.Customer, order[i])
					}
					if name == "straggler" && i == 0 {
						continue // one more row than in the grouped stream
					}
					w := index[r.Customer]
					if r.State != w.State || !equalHistory(r.History, w.History) || r.Pattern != w.Pattern {
						t.Fatalf("%s, GOMAXPROCS %d: customer %s differs from the grouped stream", name, procs, r.Customer)
					}
				}
			}
		}
	}
}
