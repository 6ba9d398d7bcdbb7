package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/check"
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
// batches and flushes, at GOMAXPROCS 1 and 2: every
// customer's result equals the one of the grouped stream, and the
// results come in the order of each customer's first row in the stream
// (computed here independently).
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

// TestClassifyEach checks ClassifyEach against Classify: the same results
// in the same order for a grouped stream (3000 customers, so batches are
// handed over while the stream is read), a time-ordered one (found not
// grouped at once, classified whole) and without AsOf, at GOMAXPROCS 1
// and 2; ErrNotGrouped for a grouped stream whose first customer comes
// back at the end; and fn's error returned as is.
func TestClassifyEach(t *testing.T) {
	txs := synthBase(3000, 13)
	byTime := slices.Clone(txs)
	slices.SortStableFunc(byTime, func(a, b cvm.Transaction) int { return a.Time.Compare(b.Time) })
	asOf := date(2025, 12, 1)
	half := len(txs) / 2 // at a customer's first row, so that late stays grouped
	for txs[half].Customer == txs[half-1].Customer {
		half++
	}
	late := append(slices.Clone(txs[:half]), cvm.Transaction{Customer: "only-late", Time: date(2026, 3, 1), Amount: 9})
	late = append(late, txs[half:]...)
	lateByTime := slices.Clone(late)
	slices.SortStableFunc(lateByTime, func(a, b cvm.Transaction) int { return a.Time.Compare(b.Time) })
	for name, tc := range map[string]struct {
		stream []cvm.Transaction
		set    *ClassifySettings
	}{
		"grouped":              {txs, &ClassifySettings{AsOf: asOf}},
		"grouped, weekly":      {txs, &ClassifySettings{AsOf: asOf, Tick: Weekly}},
		"time order":           {byTime, &ClassifySettings{AsOf: asOf}},
		"no as-of":             {txs, nil},
		"no as-of, time order": {byTime, nil},
		// The as-of known once the stream is read, leaving out rows and a
		// customer whose only row is after it.
		"as-of func":             {late, &ClassifySettings{AsOfFunc: func() time.Time { return asOf }}},
		"as-of func, time order": {lateByTime, &ClassifySettings{AsOfFunc: func() time.Time { return asOf }}},
	} {
		want, err := Classify(context.Background(), seqOf(tc.stream), tc.set)
		if err != nil {
			t.Fatal(err)
		}
		for _, procs := range []int{1, 2} {
			prev := runtime.GOMAXPROCS(procs)
			var got []Result
			err := ClassifyEach(context.Background(), seqOf(tc.stream), tc.set, func(r *Result) error {
				got = append(got, *r)
				return nil
			})
			runtime.GOMAXPROCS(prev)
			if err != nil {
				t.Fatalf("%s, GOMAXPROCS %d: %v", name, procs, err)
			}
			if len(got) != len(want) {
				t.Fatalf("%s, GOMAXPROCS %d: %d results, want %d", name, procs, len(got), len(want))
			}
			for i, r := range got {
				w := want[i]
				if r.Customer != w.Customer || r.State != w.State || !equalHistory(r.History, w.History) || r.Pattern != w.Pattern {
					t.Fatalf("%s, GOMAXPROCS %d: result %d (%s) differs from Classify's (%s)", name, procs, i, r.Customer, w.Customer)
				}
			}
		}
	}
	// An as-of before every row: no customer, as from Classify.
	for _, stream := range [][]cvm.Transaction{txs, byTime} {
		err := ClassifyEach(context.Background(), seqOf(stream), &ClassifySettings{AsOfFunc: func() time.Time { return date(1990, 1, 1) }}, func(*Result) error {
			t.Fatal("a result handed over")
			return nil
		})
		if !errors.Is(err, cvm.ErrEmptyInput) {
			t.Errorf("as-of before every row: %v, want ErrEmptyInput", err)
		}
	}
	// The straggler: an error once results were handed over, or, when
	// none were yet (the replay had not caught up), Classify's results.
	straggler := append(slices.Clone(txs), cvm.Transaction{Customer: txs[0].Customer, Time: date(2025, 6, 3), Amount: 42})
	want, err := Classify(context.Background(), seqOf(straggler), &ClassifySettings{AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	var got []Result
	err = ClassifyEach(context.Background(), seqOf(straggler), &ClassifySettings{AsOf: asOf}, func(r *Result) error {
		got = append(got, *r)
		return nil
	})
	switch {
	case err == nil:
		if len(got) != len(want) || got[0].State != want[0].State {
			t.Errorf("straggler classified whole: %d results, first %+v; want %d, %+v", len(got), got[0].State, len(want), want[0].State)
		}
	case !errors.Is(err, ErrNotGrouped) || len(got) == 0:
		t.Errorf("straggler after %d results were handed over: %v, want ErrNotGrouped", len(got), err)
	}
	stop := errors.New("stop")
	n := 0
	err = ClassifyEach(context.Background(), seqOf(txs), &ClassifySettings{AsOf: asOf}, func(*Result) error {
		if n++; n == 1500 {
			return stop
		}
		return nil
	})
	if err != stop || n != 1500 {
		t.Errorf("fn's error: %v after %d calls, want stop after 1500", err, n)
	}
}

// TestClassifyAsOfFunc checks that an as-of from AsOfFunc, decided after
// the stream is read, gives Classify's results with that AsOf given, for
// a grouped stream, the same rows in time order and a stream with a
// customer whose only row is after the as-of (left out), and that a zero
// time means the latest transaction.
func TestClassifyAsOfFunc(t *testing.T) {
	txs := synthBase(2000, 17)
	late := append(slices.Clone(txs), cvm.Transaction{Customer: "only-late", Time: date(2027, 1, 1), Amount: 9})
	byTime := slices.Clone(late)
	slices.SortStableFunc(byTime, func(a, b cvm.Transaction) int { return a.Time.Compare(b.Time) })
	asOf := date(2025, 6, 30)
	for name, stream := range map[string][]cvm.Transaction{"grouped": txs, "late customer": late, "time order": byTime} {
		want, err := Classify(context.Background(), seqOf(stream), &ClassifySettings{AsOf: asOf})
		if err != nil {
			t.Fatal(err)
		}
		called := 0
		got, err := Classify(context.Background(), seqOf(stream), &ClassifySettings{AsOfFunc: func() time.Time { called++; return asOf }})
		if err != nil {
			t.Fatal(err)
		}
		if called != 1 || len(got) != len(want) {
			t.Fatalf("%s: AsOfFunc called %d times, %d results, want once and %d", name, called, len(got), len(want))
		}
		for i, r := range got {
			w := want[i]
			if r.Customer != w.Customer || r.State != w.State || !equalHistory(r.History, w.History) || r.Pattern != w.Pattern {
				t.Fatalf("%s: result %d (%s) differs from AsOf's (%s)", name, i, r.Customer, w.Customer)
			}
		}
	}
	want := check.Must(Classify(context.Background(), seqOf(txs), nil))
	got := check.Must(Classify(context.Background(), seqOf(txs), &ClassifySettings{AsOfFunc: func() time.Time { return time.Time{} }}))
	if len(got) != len(want) || got[0].State != want[0].State {
		t.Errorf("zero AsOfFunc: results differ from the default as-of")
	}
	_, err := Classify(context.Background(), seqOf(txs), &ClassifySettings{AsOfFunc: func() time.Time { return date(1990, 1, 1) }})
	if !errors.Is(err, cvm.ErrEmptyInput) {
		t.Errorf("as-of before every row: %v, want ErrEmptyInput", err)
	}
}

// TestClassifyPartitionLimits lowers the limits of the partitioned
// grouping, each in turn:
//   - a partition's table at 1<<2 slots holds 3 customers: 2000
//     customers in time order pass it, an error wrapping ErrTooLarge
//     that names the limit, from Classify and ClassifyEach;
//   - a partition's customers' IDs at 20 bytes: 2000 customers of
//     7-byte IDs pass it (some partition has three), and in a stream
//     of two customers, the other one's ID of 1 byte, a 19-byte ID is
//     not an error (20 bytes, in one partition or two) and a 21-byte
//     one is;
//   - a batch's IDs at 16 bytes: the batches are handed over early (two
//     rows of 7-byte IDs a batch), the results equal the grouped
//     stream's, and a 17-byte ID is an error.
func TestClassifyPartitionLimits(t *testing.T) {
	txs := synthBase(2000, 19)
	byTime := slices.Clone(txs)
	slices.SortStableFunc(byTime, func(a, b cvm.Transaction) int { return a.Time.Compare(b.Time) })
	set := &ClassifySettings{AsOf: date(2025, 12, 1)}
	want := check.Must(Classify(context.Background(), seqOf(txs), set))
	index := map[string]Result{}
	for _, r := range want {
		index[r.Customer] = r
	}
	// sameAsGrouped checks byTime's results against the grouped stream's.
	sameAsGrouped := func(what string) {
		t.Helper()
		got := check.Must(Classify(context.Background(), seqOf(byTime), set))
		if len(got) != len(want) {
			t.Fatalf("%s: %d results, want %d", what, len(got), len(want))
		}
		for _, r := range got {
			if w := index[r.Customer]; r.State != w.State || !equalHistory(r.History, w.History) || r.Pattern != w.Pattern {
				t.Fatalf("%s: customer %s differs from the grouped stream", what, r.Customer)
			}
		}
	}
	// tooLong checks that byTime with one more row, of an ID of n bytes,
	// is an error wrapping ErrTooLarge that names n.
	tooLong := func(what string, n int) {
		t.Helper()
		long := append(slices.Clone(byTime), cvm.Transaction{Customer: strings.Repeat("x", n), Time: date(2025, 6, 1), Amount: 1})
		if _, err := Classify(context.Background(), seqOf(long), set); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), fmt.Sprintf("%d bytes", n)) {
			t.Errorf("%s: %d-byte ID: %v, want ErrTooLarge naming its %d bytes", what, n, err, n)
		}
	}
	// batches adds 10 rows of customer c000001 and returns the batches
	// they make.
	batches := func() int {
		g := newGrouper()
		for i := range 10 {
			if err := g.add("c000001", int64(i), 1); err != nil {
				t.Fatal(err)
			}
		}
		g.close()
		return g.batches
	}

	t.Run("customers", func(t *testing.T) {
		defer func(l uint) { pgPartMaxLog = l }(pgPartMaxLog)
		pgPartMaxLog = 3
		const want = "3 customers a partition holds"
		_, err := Classify(context.Background(), seqOf(byTime), set)
		if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), want) {
			t.Errorf("Classify: %v, want ErrTooLarge naming %q", err, want)
		}
		err = ClassifyEach(context.Background(), seqOf(byTime), set, func(*Result) error { return nil })
		if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), want) {
			t.Errorf("ClassifyEach: %v, want ErrTooLarge naming %q", err, want)
		}
	})
	t.Run("partition bytes", func(t *testing.T) {
		defer func(a int) { pgArenaMax = a }(pgArenaMax)
		pgArenaMax = 20
		const want = "20 bytes of IDs a partition holds"
		if _, err := Classify(context.Background(), seqOf(byTime), set); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), want) {
			t.Errorf("2000 customers: %v, want ErrTooLarge naming %q", err, want)
		}
		for _, n := range []int{19, 21} {
			long := strings.Repeat("x", n)
			two := []cvm.Transaction{
				{Customer: long, Time: date(2025, 6, 1), Amount: 1},
				{Customer: "a", Time: date(2025, 6, 2), Amount: 1},
				{Customer: long, Time: date(2025, 6, 3), Amount: 1},
			}
			res, err := Classify(context.Background(), seqOf(two), set)
			switch {
			case n == 19 && (err != nil || len(res) != 2):
				t.Errorf("a 19-byte ID: %d results, %v; want 2, nil", len(res), err)
			case n == 21 && (!errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "21 bytes")):
				t.Errorf("a 21-byte ID: %v, want ErrTooLarge naming its 21 bytes", err)
			}
		}
	})
	t.Run("batch bytes", func(t *testing.T) {
		defer func(b int) { pgBatchMaxBytes = b }(pgBatchMaxBytes)
		pgBatchMaxBytes = 16
		if batches := batches(); batches != 5 {
			t.Errorf("10 rows of a 7-byte ID, at most 16 bytes a batch: %d batches, want 5", batches)
		}
		sameAsGrouped("16-byte batches")
		tooLong("16-byte batches", 17)
	})
}
