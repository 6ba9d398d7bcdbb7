package lifecycle

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/check"
	"github.com/cvmkit/cvm/internal/chunks"
	"github.com/cvmkit/cvm/internal/synth"
)

func seqOf(txs []cvm.Transaction) func(func(cvm.Transaction) bool) {
	return slices.Values(txs)
}

// referenceReplay is a plain re-implementation of what Classify documents
// for one customer, with the time package's calendar: transactions sorted
// by time, at equal times the larger amount first, ticks on the first of each month (or each Monday) after
// the first transaction, transactions before ticks at equal times, a last
// tick at asOf.
func referenceReplay(t *testing.T, txs []cvm.Transaction, asOf time.Time, weekly bool, r *Settings) (State, []Transition) {
	t.Helper()
	txs = slices.Clone(txs)
	slices.SortFunc(txs, func(a, b cvm.Transaction) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		return cmp.Compare(b.Amount, a.Amount)
	})
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
		rules *Settings
	}{
		{"monthly", Monthly, nil},
		{"weekly", Weekly, nil},
		{"monthly-seasonal", Monthly, &Settings{Seasonal: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Classify(context.Background(), seqOf(txs), &ClassifySettings{AsOf: asOf, Tick: tc.tick, Settings: tc.rules})
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
				if r.Changes != len(hist) {
					t.Fatalf("%s: %d changes, want %d", r.Customer, r.Changes, len(hist))
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
	opts := &ClassifySettings{Tick: Weekly}
	want, err := Classify(context.Background(), seqOf(txs), opts)
	if err != nil {
		t.Fatal(err)
	}
	index := map[string]Result{}
	for _, r := range want {
		index[r.Customer] = r
	}
	// Same again with one worker, and with the customers interleaved.
	prev := runtime.GOMAXPROCS(1)
	one, err := Classify(context.Background(), seqOf(txs), opts)
	runtime.GOMAXPROCS(prev)
	if err != nil {
		t.Fatal(err)
	}
	mixed := interleave(txs, 1)
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
	got, err := Classify(context.Background(), seqOf(txs), &ClassifySettings{AsOf: date(2024, 4, 1)})
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
			_, err := Classify(tc.ctx, seqOf(tc.txs), &ClassifySettings{AsOf: tc.asOf})
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
	res, err := Classify(context.Background(), seqOf(grouped), &ClassifySettings{AsOf: asOf})
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
	res, err = Classify(context.Background(), seqOf(slices.Concat(a, b)), &ClassifySettings{AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	if want, hist := referenceReplay(t, a, asOf, false, nil); res[0].State != want || !equalHistory(res[0].History, hist) {
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
		res, err := Classify(context.Background(), seqOf(stream), &ClassifySettings{AsOf: asOf})
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
	const n = chunks.Len + 4000
	txs := make([]cvm.Transaction, n)
	for i := range txs {
		txs[i] = cvm.Transaction{Customer: fmt.Sprintf("c%06d", i), Time: date(2025, 3, 1), Amount: 5}
	}
	asOf := date(2025, 3, 11)
	for name, stream := range map[string][]cvm.Transaction{
		"grouped":   txs,
		"straggler": append(slices.Clone(txs), cvm.Transaction{Customer: "c000000", Time: date(2025, 3, 2), Amount: 5}),
	} {
		res, err := Classify(context.Background(), seqOf(stream), &ClassifySettings{AsOf: asOf})
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

func TestClassifyFarAsOf(t *testing.T) {
	// Issue 13, item 8: an AsOf far beyond the data (or one row dated
	// 9999-12-31, which becomes the default AsOf) ticked every customer to
	// that year. Ticks after the end and before the first purchase are now
	// skipped; the results must equal the plain reference, which ticks
	// through every month, here to the year 2400.
	txs := synthBase(200, 11)
	txs = append(txs,
		cvm.Transaction{Customer: "returns-only", Time: date(2024, 5, 3), Amount: -20},
		cvm.Transaction{Customer: "gap", Time: date(2023, 2, 1), Amount: 10},
		cvm.Transaction{Customer: "gap", Time: date(2300, 2, 1), Amount: 10}, // 277 years later
	)
	byCust := map[string][]cvm.Transaction{}
	for _, x := range txs {
		byCust[x.Customer] = append(byCust[x.Customer], x)
	}
	asOf := date(2400, 7, 9)
	for _, tick := range []Cadence{Monthly, Weekly} {
		res, err := Classify(context.Background(), seqOf(txs), &ClassifySettings{AsOf: asOf, Tick: tick})
		check.NoErr(t, err)
		for _, r := range res {
			s, hist := referenceReplay(t, byCust[r.Customer], asOf, tick == Weekly, nil)
			if r.State != s || !equalHistory(r.History, hist) {
				t.Fatalf("%v: %s differs from the reference:\n got %+v\nwant %+v", tick, r.Customer, r.State, s)
			}
		}
	}
}

func TestReplayTicksBounded(t *testing.T) {
	// The ticks evaluated do not grow with AsOf. By hand, default rules:
	// one purchase on 2024-01-15 with no interval (usual interval 90 days)
	// ends at the first tick with recency > max(4 x 90, 180) = 360 days,
	// 2025-02-01 (383 days); monthly ticks 2024-02-01 .. 2025-02-01 are 13.
	// A return alone (stage none) evaluates no tick at all.
	buy := []rec{{date(2024, 1, 15).Unix(), 50}}
	ret := []rec{{date(2024, 1, 15).Unix(), -50}}
	for _, tc := range []struct {
		name  string
		r     []rec
		asOf  time.Time
		ticks int
	}{
		{"end of data", buy, date(2025, 6, 1), 13},
		{"year 9999", buy, date(9999, 12, 31), 13},
		{"return only, year 9999", ret, date(9999, 12, 31), 0},
		// Bought again 7000 years later: 13 ticks to the end, then 13 more
		// after the re-activation.
		{"re-activation after 7000 years", append(slices.Clone(buy), rec{date(9024, 1, 15).Unix(), 50}), date(9999, 12, 31), 26},
	} {
		t.Run(tc.name, func(t *testing.T) {
			asOf := tc.asOf.Unix()
			s, _, _, ticks := replayCustomer(tc.r, asOf, newClock(Monthly, asOf), &defaultSettings, nil, true)
			if ticks != tc.ticks {
				t.Errorf("%d ticks evaluated, want %d", ticks, tc.ticks)
			}
			if !s.Last().Equal(tc.asOf) {
				t.Errorf("last event %v, want the as-of %v", s.Last(), tc.asOf)
			}
			if tc.ticks > 0 && (s.Stage() != Ended || !s.Since().Equal(date(2025, 2, 1)) && tc.ticks == 13) {
				t.Errorf("stage %v since %v, want ended since 2025-02-01", s.Stage(), s.Since())
			}
		})
	}
}

func TestClassifyProgress(t *testing.T) {
	// Progress: rows never decrease, the last call has every row, and the
	// customers replayed reach the number of results (grouped, so each is
	// replayed once).
	txs := synthBase(3000, 4)
	var calls, lastRows, lastCust int
	res, err := Classify(context.Background(), seqOf(txs), &ClassifySettings{
		AsOf: date(2026, 1, 1),
		Progress: func(rows, customers int) {
			if rows < lastRows {
				t.Errorf("rows went back from %d to %d", lastRows, rows)
			}
			calls++
			lastRows, lastCust = max(lastRows, rows), max(lastCust, customers)
		},
	})
	check.NoErr(t, err)
	if calls < 2 || lastRows != len(txs) || lastCust != len(res) {
		t.Errorf("%d calls, last rows %d customers %d; want >= 2 calls, %d rows, %d customers", calls, lastRows, lastCust, len(txs), len(res))
	}
}

func TestEnumText(t *testing.T) {
	// Every enum's text form round-trips through its String name; values
	// outside the type and unknown names are errors.
	type textual interface {
		MarshalText() ([]byte, error)
		String() string
	}
	rt := func(v textual, back interface{ UnmarshalText([]byte) error }) {
		t.Helper()
		b, err := v.MarshalText()
		if err != nil || string(b) != v.String() {
			t.Fatalf("%v: MarshalText %q, %v", v, b, err)
		}
		check.NoErr(t, back.UnmarshalText([]byte(" "+strings.ToUpper(string(b))+" ")))
	}
	for s := None; s <= Ended; s++ {
		var back Stage
		if rt(s, &back); back != s {
			t.Errorf("stage %v came back as %v", s, back)
		}
	}
	for k := Purchase; k <= Tick; k++ {
		var back Kind
		if rt(k, &back); back != k {
			t.Errorf("kind %v came back as %v", k, back)
		}
	}
	for r := RuleNone; r <= RuleManual; r++ {
		var back Rule
		if rt(r, &back); back != r {
			t.Errorf("rule %v came back as %v", r, back)
		}
	}
	for p := Ongoing; p <= LongLasting; p++ {
		var back Pattern
		if rt(p, &back); back != p {
			t.Errorf("pattern %v came back as %v", p, back)
		}
	}
	for c := Monthly; c <= Weekly; c++ {
		var back Cadence
		if rt(c, &back); back != c {
			t.Errorf("cadence %v came back as %v", c, back)
		}
	}
	for _, v := range []textual{Stage(6), Kind(0), Kind(7), Rule(11), Pattern(5), Cadence(2)} {
		if _, err := v.MarshalText(); err == nil {
			t.Errorf("%v: MarshalText without error", v)
		}
	}
	for _, tc := range []struct {
		into interface{ UnmarshalText([]byte) error }
		want error
	}{
		{new(Stage), ErrUnknownStage}, {new(Kind), ErrUnknownKind}, {new(Rule), ErrUnknownName},
		{new(Pattern), ErrUnknownName}, {new(Cadence), ErrUnknownName},
	} {
		for _, in := range []string{"", "maturity"} {
			if err := tc.into.UnmarshalText([]byte(in)); !errors.Is(err, tc.want) {
				t.Errorf("%T(%q): %v, want %v", tc.into, in, err, tc.want)
			}
		}
	}
	// Stages in JSON are their names.
	if b := check.Must(json.Marshal(map[Stage]Stage{Decline: Stability})); string(b) != `{"decline":"stability"}` {
		t.Errorf("JSON %s", b)
	}
}

// TestClassifyEqualTimesAnyOrder: rows of one customer at the same time
// give the same state in any stream order. The float32 monthly volume
// of 2^24 + 1 + 1 is 2^24 when 2^24 comes first and 2^24 + 2 when it
// comes last, so a replay in stream order would differ.
func TestClassifyEqualTimesAnyOrder(t *testing.T) {
	at := date(2024, 3, 15)
	rows := []cvm.Transaction{
		{Customer: "a", Time: at, Amount: 1 << 24},
		{Customer: "a", Time: at, Amount: 1},
		{Customer: "a", Time: at, Amount: 1},
		{Customer: "a", Time: at, Amount: -1},
	}
	s := &ClassifySettings{AsOf: date(2024, 6, 1)}
	want, err := Classify(context.Background(), seqOf(rows), s)
	if err != nil {
		t.Fatal(err)
	}
	for _, order := range [][]int{{1, 2, 0, 3}, {3, 2, 1, 0}, {1, 3, 0, 2}} {
		var txs []cvm.Transaction
		for _, i := range order {
			txs = append(txs, rows[i])
		}
		got, err := Classify(context.Background(), seqOf(txs), s)
		if err != nil {
			t.Fatal(err)
		}
		if got[0].State != want[0].State || !equalHistory(got[0].History, want[0].History) {
			t.Errorf("order %v: state %+v, want %+v", order, got[0].State, want[0].State)
		}
	}
}

// TestSortRecs checks sortRecs against sort.SliceStable with the order
// written out: by time, at equal times the larger amount first, ties
// (0 and -0 included, told apart by their bits) in their first order.
func TestSortRecs(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 19))
	amounts := []float64{0, math.Copysign(0, -1), 1, -1, 2.5, -2.5}
	for trial := range 3000 {
		n := rng.IntN(80)
		r := make([]rec, n)
		for i := range r {
			r[i] = rec{t: int64(rng.IntN(1 + n/3)), amt: amounts[rng.IntN(len(amounts))]}
		}
		if trial%3 == 0 { // mostly in order, as real records are
			sort.SliceStable(r, func(i, j int) bool { return r[i].t < r[j].t })
			if n > 1 {
				k := rng.IntN(n - 1)
				r[k], r[k+1] = r[k+1], r[k]
			}
		}
		want := slices.Clone(r)
		sort.SliceStable(want, func(i, j int) bool {
			a, b := want[i], want[j]
			if a.t != b.t {
				return a.t < b.t
			}
			return a.amt > b.amt
		})
		got := slices.Clone(r)
		sortRecs(got)
		for i := range want {
			if got[i].t != want[i].t || math.Float64bits(got[i].amt) != math.Float64bits(want[i].amt) {
				t.Fatalf("trial %d: sortRecs(%v) = %v, want %v", trial, r, got, want)
			}
		}
	}
}

// TestClassifyNoHistory checks that NoHistory changes nothing but the
// History, which it leaves nil, keeping its length in Changes: for a
// grouped and a time-ordered stream, by Classify and ClassifyEach, with
// AsOf and with AsOfFunc.
func TestClassifyNoHistory(t *testing.T) {
	grouped := synthBase(400, 11)
	byTime := slices.Clone(grouped)
	slices.SortStableFunc(byTime, func(a, b cvm.Transaction) int { return a.Time.Compare(b.Time) })
	asOf := date(2025, 9, 30)
	each := func(txs []cvm.Transaction, o *ClassifySettings) ([]Result, error) {
		var out []Result
		err := ClassifyEach(context.Background(), seqOf(txs), o, func(r *Result) error {
			out = append(out, *r)
			return nil
		})
		return out, err
	}
	classify := func(txs []cvm.Transaction, o *ClassifySettings) ([]Result, error) {
		return Classify(context.Background(), seqOf(txs), o)
	}
	for _, tc := range []struct {
		name string
		txs  []cvm.Transaction
		run  func([]cvm.Transaction, *ClassifySettings) ([]Result, error)
		fn   bool // AsOfFunc instead of AsOf
	}{
		{"grouped/Classify", grouped, classify, false},
		{"grouped/ClassifyEach", grouped, each, false},
		{"grouped/ClassifyEach/AsOfFunc", grouped, each, true},
		{"time/Classify", byTime, classify, false},
		{"time/ClassifyEach/AsOfFunc", byTime, each, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			settings := func(noHist bool) *ClassifySettings {
				o := &ClassifySettings{AsOf: asOf, NoHistory: noHist}
				if tc.fn {
					o.AsOf, o.AsOfFunc = time.Time{}, func() time.Time { return asOf }
				}
				return o
			}
			full, err := tc.run(tc.txs, settings(false))
			if err != nil {
				t.Fatal(err)
			}
			bare, err := tc.run(tc.txs, settings(true))
			if err != nil {
				t.Fatal(err)
			}
			if len(bare) != len(full) || len(full) == 0 {
				t.Fatalf("%d results without history, %d with", len(bare), len(full))
			}
			changed := 0
			for i, r := range bare {
				f := full[i]
				if r.Customer != f.Customer || r.State != f.State || r.Pattern != f.Pattern {
					t.Fatalf("result %d: %s %+v %v, want %s %+v %v", i, r.Customer, r.State, r.Pattern, f.Customer, f.State, f.Pattern)
				}
				if r.History != nil || r.Changes != len(f.History) || f.Changes != len(f.History) {
					t.Fatalf("%s: history %v, changes %d; with history %d changes (Changes %d)", r.Customer, r.History, r.Changes, len(f.History), f.Changes)
				}
				changed += r.Changes
			}
			if changed <= len(full) {
				t.Errorf("%d changes for %d customers: want more than one each on average", changed, len(full))
			}
		})
	}
}

// csvOf writes txs as a CSV file of customer, time and amount that
// cvm.NewReader reads back exactly.
func csvOf(txs []cvm.Transaction) string {
	var b strings.Builder
	b.WriteString("customer,time,amount\n")
	for _, x := range txs {
		fmt.Fprintf(&b, "%s,%s,%s\n", x.Customer, x.Time.UTC().Format(time.RFC3339Nano), strconv.FormatFloat(x.Amount, 'f', -1, 64))
	}
	return b.String()
}

// TestClassifyReader checks ClassifyReader against ClassifyEach over the
// Reader's Stream: the same results in the same order for grouped and
// time-ordered files and one whose first customer comes back, with AsOf,
// AsOfFunc and NoHistory; and the input's errors returned, where the loop
// over Stream ends early.
func TestClassifyReader(t *testing.T) {
	grouped := synthBase(300, 5)
	byTime := slices.Clone(grouped)
	slices.SortStableFunc(byTime, func(a, b cvm.Transaction) int { return a.Time.Compare(b.Time) })
	asOf := date(2025, 10, 31)
	reader := func(t *testing.T, in string) *cvm.Reader {
		rd, err := cvm.NewReader(strings.NewReader(in), nil)
		if err != nil {
			t.Fatal(err)
		}
		return rd
	}
	collect := func(run func(fn func(*Result) error) error) ([]Result, error) {
		var out []Result
		err := run(func(r *Result) error { out = append(out, *r); return nil })
		return out, err
	}
	for _, tc := range []struct {
		name string
		txs  []cvm.Transaction
		set  ClassifySettings
	}{
		{"grouped/AsOf", grouped, ClassifySettings{AsOf: asOf}},
		{"grouped/default", grouped, ClassifySettings{}},
		{"grouped/AsOfFunc/NoHistory", grouped, ClassifySettings{AsOfFunc: func() time.Time { return asOf }, NoHistory: true}},
		{"time/AsOf", byTime, ClassifySettings{AsOf: asOf, Tick: Weekly}},
		{"time/default", byTime, ClassifySettings{}},
		{"grouped-then-again", append(slices.Clone(grouped[:len(grouped)/2]), grouped[0]), ClassifySettings{AsOf: asOf}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := csvOf(tc.txs)
			rd := reader(t, in)
			set := tc.set
			want, err := collect(func(fn func(*Result) error) error {
				return ClassifyEach(context.Background(), rd.Stream(context.Background()), &set, fn)
			})
			if err != nil || rd.Err() != nil {
				t.Fatal(err, rd.Err())
			}
			set = tc.set
			got, err := collect(func(fn func(*Result) error) error {
				return ClassifyReader(context.Background(), reader(t, in), &set, fn)
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) || len(want) < 100 {
				t.Fatalf("%d results, want %d", len(got), len(want))
			}
			for i := range want {
				g, w := got[i], want[i]
				if g.Customer != w.Customer || g.State != w.State || g.Pattern != w.Pattern || g.Changes != w.Changes || !equalHistory(g.History, w.History) {
					t.Fatalf("result %d: %s %+v, want %s %+v", i, g.Customer, g.State, w.Customer, w.State)
				}
			}
		})
	}
	for _, tc := range []struct {
		name string
		in   string
		want error
	}{
		{"truncated", "customer,time,amount\nA,2024-01-01,1\nB,2024-01-02,\"2", nil},
		{"bad row", "customer,time,amount\nA,2024-01-01,1\nB,soon,2\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ClassifyReader(context.Background(), reader(t, tc.in), &ClassifySettings{AsOf: asOf}, func(*Result) error { return nil })
			if err == nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("ClassifyReader = %v, want an error (%v)", err, tc.want)
			}
		})
	}
}
