package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/synth"
)

func seqOf(txs []cvm.Transaction) func(func(cvm.Transaction) bool) {
	return slices.Values(txs)
}

// referenceReplay is a plain re-implementation of what Classify documents
// for one customer, with the time package's calendar: transactions sorted
// stably by time, ticks on the first of each month (or each Monday) after
// the first transaction, transactions before ticks at equal times, a last
// tick at asOf.
func referenceReplay(t *testing.T, txs []cvm.Transaction, asOf time.Time, weekly bool, r *Rules) (State, []Transition) {
	t.Helper()
	txs = slices.Clone(txs)
	slices.SortStableFunc(txs, func(a, b cvm.Transaction) int { return a.Time.Compare(b.Time) })
	first := txs[0].Time.UTC()
	var tick time.Time
	if weekly {
		d := date(first.Year(), first.Month(), first.Day())
		for tick = d.AddDate(0, 0, 1); tick.Weekday() != time.Monday; tick = tick.AddDate(0, 0, 1) {
		}
	} else {
		tick = date(first.Year(), first.Month(), 1).AddDate(0, 1, 0)
	}
	nextTick := func() {
		if weekly {
			tick = tick.AddDate(0, 0, 7)
		} else {
			tick = tick.AddDate(0, 1, 0)
		}
	}
	var s State
	var hist []Transition
	apply := func(e Event) {
		var tr Transition
		var err error
		s, tr, err = Apply(s, e, r)
		if err != nil {
			t.Fatalf("reference: %v", err)
		}
		if tr.Changed() {
			hist = append(hist, tr)
		}
	}
	for i, x := range txs {
		for i > 0 && tick.Before(x.Time) {
			apply(Event{Kind: Tick, Time: tick})
			nextTick()
		}
		if x.Amount < 0 {
			apply(Event{Kind: Return, Time: x.Time, Amount: -x.Amount})
		} else {
			apply(Event{Kind: Purchase, Time: x.Time, Amount: x.Amount})
		}
	}
	for !tick.After(asOf) {
		apply(Event{Kind: Tick, Time: tick})
		nextTick()
	}
	if s.Last().Before(asOf) {
		apply(Event{Kind: Tick, Time: asOf})
	}
	return s, hist
}

func synthBase(n int, seed uint64) []cvm.Transaction {
	return slices.Collect(synth.Transactions(synth.Config{Customers: n, Seed: seed, Seasonality: 0.5}))
}

func TestClassifyMatchesReference(t *testing.T) {
	txs := synthBase(300, 7)
	byCust := map[string][]cvm.Transaction{}
	for _, x := range txs {
		byCust[x.Customer] = append(byCust[x.Customer], x)
	}
	asOf := date(2025, 11, 17)
	for _, tc := range []struct {
		name  string
		tick  Cadence
		rules *Rules
	}{
		{"monthly", Monthly, nil},
		{"weekly", Weekly, nil},
		{"monthly-seasonal", Monthly, &Rules{Seasonal: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Classify(context.Background(), seqOf(txs), &BatchOptions{AsOf: asOf, Tick: tc.tick, Rules: tc.rules})
			if err != nil {
				t.Fatal(err)
			}
			if len(res) != len(byCust) {
				t.Fatalf("%d results, want %d", len(res), len(byCust))
			}
			stages := map[Stage]int{}
			for _, r := range res {
				var mine []cvm.Transaction
				for _, x := range byCust[r.Customer] {
					if !x.Time.After(asOf) {
						mine = append(mine, x)
					}
				}
				s, hist := referenceReplay(t, mine, asOf, tc.tick == Weekly, tc.rules)
				if r.State != s {
					t.Fatalf("%s: state differs from the reference:\n got %+v\nwant %+v", r.Customer, r.State, s)
				}
				if !equalHistory(r.History, hist) {
					t.Fatalf("%s: history differs:\n got %v\nwant %v", r.Customer, r.History, hist)
				}
				if r.Pattern != s.Pattern(asOf, tc.rules) {
					t.Fatalf("%s: pattern %v, want %v", r.Customer, r.Pattern, s.Pattern(asOf, tc.rules))
				}
				stages[r.State.Stage()]++
			}
			// Synthetic customers drop out (BG/NBD), so some must have ended
			// and some be active; a sanity check, not a calibration.
			if stages[Ended] == 0 || stages[Ended] == len(res) {
				t.Errorf("stage counts %v: want some ended and some not", stages)
			}
		})
	}
}

func equalHistory(a, b []Transition) bool {
	return slices.EqualFunc(a, b, func(x, y Transition) bool {
		return x.From == y.From && x.To == y.To && x.At().Equal(y.At()) && x.Rule == y.Rule && equalMeasures(x.Measures, y.Measures)
	})
}

func equalMeasures(a, b Measures) bool {
	eq := func(x, y float64) bool { return x == y || (math.IsNaN(x) && math.IsNaN(y)) }
	return a.Tenure == b.Tenure && a.Orders == b.Orders && a.Active6 == b.Active6 && a.Active12 == b.Active12 &&
		a.Recency == b.Recency && a.Interval == b.Interval && eq(a.Growth3, b.Growth3) && eq(a.Growth6, b.Growth6) &&
		eq(a.YoY3, b.YoY3) && eq(a.Volatility, b.Volatility) && eq(a.Level3, b.Level3)
}

func TestClassifyDeterministic(t *testing.T) {
	txs := synthBase(3000, 3)
	opts := &BatchOptions{Tick: Weekly}
	want, err := Classify(context.Background(), seqOf(txs), opts)
	if err != nil {
		t.Fatal(err)
	}
	index := map[string]Result{}
	for _, r := range want {
		index[r.Customer] = r
	}
	// Same again with one worker, and with the customers interleaved (each
	// customer's own rows keep their order, so equal times keep theirs).
	prev := runtime.GOMAXPROCS(1)
	one, err := Classify(context.Background(), seqOf(txs), opts)
	runtime.GOMAXPROCS(prev)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
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
	shuffled, err := Classify(context.Background(), seqOf(mixed), opts)
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string][]Result{"GOMAXPROCS=1": one, "interleaved": shuffled} {
		if len(got) != len(want) {
			t.Fatalf("%s: %d results, want %d", name, len(got), len(want))
		}
		for _, r := range got {
			w := index[r.Customer]
			if r.State != w.State || !equalHistory(r.History, w.History) || r.Pattern != w.Pattern {
				t.Fatalf("%s: customer %s differs", name, r.Customer)
			}
		}
	}
}

func TestClassifyReordersWithinCustomer(t *testing.T) {
	// The documented reordering: one customer's rows out of time order are
	// replayed sorted.
	txs := []cvm.Transaction{
		{Customer: "a", Time: date(2024, 3, 15), Amount: 30},
		{Customer: "a", Time: date(2024, 1, 15), Amount: 10},
		{Customer: "a", Time: date(2024, 2, 15), Amount: 20},
	}
	got, err := Classify(context.Background(), seqOf(txs), &BatchOptions{AsOf: date(2024, 4, 1)})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].State.Orders() != 3 || !got[0].State.Start().Equal(date(2024, 1, 15)) {
		t.Errorf("orders %d start %v, want 3, 2024-01-15", got[0].State.Orders(), got[0].State.Start())
	}
}

func TestClassifyErrors(t *testing.T) {
	ok := cvm.Transaction{Customer: "a", Time: date(2024, 1, 1), Amount: 1}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		txs  []cvm.Transaction
		asOf time.Time
		want error
	}{
		{"empty", context.Background(), nil, time.Time{}, cvm.ErrEmptyInput},
		{"all after as-of", context.Background(), []cvm.Transaction{ok}, date(2023, 1, 1), cvm.ErrEmptyInput},
		{"nan amount", context.Background(), []cvm.Transaction{ok, {Customer: "b", Time: date(2024, 1, 2), Amount: math.NaN()}}, time.Time{}, cvm.ErrNonFinite},
		{"empty customer", context.Background(), []cvm.Transaction{{Time: date(2024, 1, 2), Amount: 1}}, time.Time{}, cvm.ErrEmptyCustomer},
		{"zero time", context.Background(), []cvm.Transaction{{Customer: "a", Amount: 1}}, time.Time{}, cvm.ErrZeroTime},
		{"canceled", canceled, []cvm.Transaction{ok}, time.Time{}, context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Classify(tc.ctx, seqOf(tc.txs), &BatchOptions{AsOf: tc.asOf})
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
		})
	}
}

func TestClassifyDoesNotMutateInput(t *testing.T) {
	txs := synthBase(50, 9)
	slices.Reverse(txs)
	orig := slices.Clone(txs)
	if _, err := Classify(context.Background(), seqOf(txs), nil); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(txs, orig) {
		t.Error("Classify changed its input")
	}
}

func TestCadence(t *testing.T) {
	for _, tc := range []struct {
		c    Cadence
		at   time.Time
		want time.Time // by the calendar
	}{
		{Monthly, date(2024, 1, 15), date(2024, 2, 1)},
		{Monthly, date(2024, 2, 1), date(2024, 3, 1)},
		{Monthly, date(2023, 12, 31), date(2024, 1, 1)},
		{Weekly, date(2024, 1, 1), date(2024, 1, 8)}, // 2024-01-01 was a Monday
		{Weekly, date(2024, 1, 3), date(2024, 1, 8)},
		{Weekly, date(1969, 12, 31), date(1970, 1, 5)},
	} {
		if got := time.Unix(tc.c.next(tc.at.Unix()), 0).UTC(); !got.Equal(tc.want) {
			t.Errorf("%v after %v: %v, want %v", tc.c, tc.at, got, tc.want)
		}
	}
	for _, s := range []string{"monthly", "weekly"} {
		c, err := ParseCadence(s)
		if err != nil || c.String() != s {
			t.Errorf("ParseCadence(%q) = %v, %v", s, c, err)
		}
	}
	if _, err := ParseCadence("daily"); err == nil {
		t.Error("ParseCadence(daily): no error")
	}
}

func TestClassifyLongRuns(t *testing.T) {
	// Runs longer than, and straddling, the internal 65536-record blocks,
	// grouped and interleaved, against the reference replay.
	var a, b []cvm.Transaction
	for i := range 70000 {
		a = append(a, cvm.Transaction{Customer: "a", Time: date(2024, 1, 1).Add(time.Duration(i) * 7 * time.Minute), Amount: 1})
	}
	for i := range 40000 {
		b = append(b, cvm.Transaction{Customer: "b", Time: date(2024, 2, 1).Add(time.Duration(i) * 11 * time.Minute), Amount: 2})
	}
	asOf := date(2024, 12, 31)
	grouped := slices.Concat(b[:30000], a, b[30000:]) // b's rows come in two runs
	res, err := Classify(context.Background(), seqOf(grouped), &BatchOptions{AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		var mine []cvm.Transaction
		for _, x := range grouped {
			if x.Customer == r.Customer {
				mine = append(mine, x)
			}
		}
		want, hist := referenceReplay(t, mine, asOf, false, nil)
		if r.State != want || !equalHistory(r.History, hist) {
			t.Errorf("%s differs from the reference", r.Customer)
		}
	}
	res, err = Classify(context.Background(), seqOf(slices.Concat(a, b)), &BatchOptions{AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := referenceReplay(t, a, asOf, false, nil); res[0].State != want {
		t.Error("a differs from the reference")
	}
}

func TestClassifyStraggler(t *testing.T) {
	// A grouped stream long enough to be replayed early, then one row of an
	// early customer: that customer is replayed again from both runs, and
	// the rest keep their early results. Also the same stream in time
	// order (every customer split), and grouped with the customers in
	// increasing and in decreasing ID order (the customer table hashes
	// only the second). All against the reference replay.
	txs := synthBase(3000, 5)
	first := txs[0]
	straggler := cvm.Transaction{Customer: first.Customer, Time: date(2025, 6, 3), Amount: 42}
	asOf := date(2025, 12, 1)
	byTime := slices.Clone(txs)
	slices.SortStableFunc(byTime, func(a, b cvm.Transaction) int { return a.Time.Compare(b.Time) })
	byIDDown := slices.Clone(txs)
	slices.SortStableFunc(byIDDown, func(a, b cvm.Transaction) int { return strings.Compare(b.Customer, a.Customer) })
	for name, stream := range map[string][]cvm.Transaction{
		"straggler":               append(slices.Clone(txs), straggler),
		"time order":              byTime,
		"grouped":                 txs,
		"grouped, IDs decreasing": byIDDown,
	} {
		res, err := Classify(context.Background(), seqOf(stream), &BatchOptions{AsOf: asOf})
		if err != nil {
			t.Fatal(err)
		}
		mine := map[string][]cvm.Transaction{}
		for _, x := range stream {
			if !x.Time.After(asOf) {
				mine[x.Customer] = append(mine[x.Customer], x)
			}
		}
		if len(res) != len(mine) {
			t.Fatalf("%s: %d results, want %d", name, len(res), len(mine))
		}
		for _, r := range res {
			s, hist := referenceReplay(t, mine[r.Customer], asOf, false, nil)
			if r.State != s || !equalHistory(r.History, hist) {
				t.Fatalf("%s: customer %s differs from the reference", name, r.Customer)
			}
		}
	}
}

func TestClassifyManyCustomers(t *testing.T) {
	// More customers than fit one chunk of the internal lists (65536),
	// grouped (IDs increasing) and then with the first customer again at
	// the end: every customer in first-appearance order, one purchase each
	// (two for the first), all in exploration 10 days later.
	const n = chunkLen + 4000
	txs := make([]cvm.Transaction, n)
	for i := range txs {
		txs[i] = cvm.Transaction{Customer: fmt.Sprintf("c%06d", i), Time: date(2025, 3, 1), Amount: 5}
	}
	asOf := date(2025, 3, 11)
	for name, stream := range map[string][]cvm.Transaction{
		"grouped":   txs,
		"straggler": append(slices.Clone(txs), cvm.Transaction{Customer: "c000000", Time: date(2025, 3, 2), Amount: 5}),
	} {
		res, err := Classify(context.Background(), seqOf(stream), &BatchOptions{AsOf: asOf})
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != n {
			t.Fatalf("%s: %d results, want %d", name, len(res), n)
		}
		for i, r := range res {
			if want := fmt.Sprintf("c%06d", i); r.Customer != want || r.State.Stage() != Exploration {
				t.Fatalf("%s: result %d is %s in %v, want %s in exploration", name, i, r.Customer, r.State.Stage(), want)
			}
		}
		wantOrders := 1
		if name == "straggler" {
			wantOrders = 2
		}
		if got := res[0].State.Orders(); got != wantOrders {
			t.Errorf("%s: first customer has %d orders, want %d", name, got, wantOrders)
		}
	}
}
