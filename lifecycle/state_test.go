package lifecycle

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/check"
)

func TestTable(t *testing.T) {
	// The table as the issue and the package documentation list it.
	want := map[Edge]bool{
		{None, Exploration}:      true,
		{Exploration, Formation}: true, {Exploration, Decline}: true, {Exploration, Ended}: true,
		{Formation, Stability}: true, {Formation, Decline}: true, {Formation, Ended}: true,
		{Stability, Decline}: true, {Stability, Ended}: true,
		{Decline, Exploration}: true, {Decline, Formation}: true, {Decline, Stability}: true, {Decline, Ended}: true,
		{Ended, Exploration}: true,
	}
	for from := Stage(0); from <= Ended+1; from++ {
		for to := Stage(0); to <= Ended+1; to++ {
			if got := Allowed(from, to); got != want[Edge{from, to}] {
				t.Errorf("Allowed(%v, %v) = %v", from, to, got)
			}
		}
	}
	tab := TransitionTable()
	if len(tab) != len(want) {
		t.Errorf("Table has %d edges, want %d", len(tab), len(want))
	}
	tab[0] = Edge{Stability, None}
	if TransitionTable()[0] == tab[0] {
		t.Error("Table returned shared memory")
	}
}

func TestNames(t *testing.T) {
	for s := None; s <= Ended; s++ {
		if got, err := ParseStage(s.String()); err != nil || got != s {
			t.Errorf("ParseStage(%q) = %v, %v", s.String(), got, err)
		}
	}
	if _, err := ParseStage("maturity"); !errors.Is(err, ErrUnknownStage) {
		t.Errorf("ParseStage(maturity): %v", err)
	}
	for _, c := range []struct{ got, want string }{
		{Stage(9).String(), "Stage(9)"}, {Kind(0).String(), "Kind(0)"}, {Tick.String(), "tick"},
		{Rule(99).String(), "Rule(99)"}, {RuleRecencyEnd.String(), "recency-end"},
		{Pattern(9).String(), "Pattern(9)"}, {LeftStabilityEarly.String(), "left-stability-early"},
		{Cadence(7).String(), "Cadence(7)"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestMonthArithmetic(t *testing.T) {
	// monthOf and monthStart against the time package, every day from 1900
	// to 2100 and a few far dates.
	for d := date(1900, 1, 1); d.Before(date(2100, 1, 1)); d = d.AddDate(0, 0, 1) {
		want := int32(d.Year()*12 + int(d.Month()) - 1)
		for _, sec := range []int64{0, 86399} {
			if got := monthOf(d.Unix() + sec); got != want {
				t.Fatalf("monthOf(%v) = %d, want %d", d, got, want)
			}
		}
		if d.Day() == 1 {
			if got := monthStart(int64(want)); got != d.Unix() {
				t.Fatalf("monthStart(%d) = %d, want %d", want, got, d.Unix())
			}
		}
	}
}

func TestMedian(t *testing.T) {
	// Pushed one at a time, the median of the last 10 intervals against
	// sorting a copy of the window, through ties and a full window sliding.
	for _, c := range []struct {
		in   []uint16
		want int32 // the median after the last push
	}{
		{nil, 0}, {[]uint16{5}, 5}, {[]uint16{9, 1}, 5}, {[]uint16{30, 31}, 31}, // (30+31+1)/2
		{[]uint16{3, 1, 2}, 2}, {[]uint16{28, 31, 30, 31, 30, 31, 31, 30, 31, 31}, 31},
		// 12 pushes: the window is 3..12 minus nothing: 3,3,9,9,9,1,1,2,2,2 -> (2+3+1)/2 = 3
		{[]uint16{7, 7, 3, 3, 9, 9, 9, 1, 1, 2, 2, 2}, 3},
		// The window keeps the last 10: 100s dropped -> median of 1..10 = (5+6+1)/2 = 6
		{[]uint16{100, 100, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 6},
	} {
		var s State
		for i, d := range c.in {
			s.pushInterval(d)
			win := slices.Clone(c.in[max(0, i+1-ivCap) : i+1])
			slices.Sort(win)
			if got, want := s.median(), refMiddle(win); got != want {
				t.Fatalf("%v: after %d pushes median %d, want %d", c.in, i+1, got, want)
			}
			if got := s.ivSorted[:s.nIv]; !slices.Equal(got, win) {
				t.Fatalf("%v: after %d pushes sorted %v, want %v", c.in, i+1, got, win)
			}
		}
		if s.median() != c.want {
			t.Errorf("%v: median %d, want %d", c.in, s.median(), c.want)
		}
	}
	// An interval over 65535 days is kept as 65535.
	s, _ := replay(t, []Event{buy(date(2000, 1, 1), 10), buy(date(2200, 1, 1), 10)}, nil)
	if m := s.Measure(date(2200, 1, 2), nil); m.Interval != 65535 {
		t.Errorf("interval of 300 years = %d days, want 65535", m.Interval)
	}
}

// refMiddle is the median of sorted a, the mean of the middle two rounded
// half up when len(a) is even, written out plainly.
func refMiddle(a []uint16) int32 {
	switch n := len(a); {
	case n == 0:
		return 0
	case n%2 == 1:
		return int32(a[n/2])
	default:
		sum := int64(a[n/2-1]) + int64(a[n/2])
		return int32(math.Ceil(float64(sum) / 2))
	}
}

func TestBefore1970(t *testing.T) {
	// Unix times are negative before 1970; a new State takes them as any
	// other, and later events must still come in order.
	s, steps := replay(t, []Event{buy(date(1965, 3, 10), 10), {Kind: Tick, Time: date(1965, 4, 1)}}, nil)
	if s.Stage() != Exploration || !s.Since().Equal(date(1965, 3, 10)) || !s.Last().Equal(date(1965, 4, 1)) {
		t.Errorf("stage %v since %v last %v, want exploration since 1965-03-10, last 1965-04-01", s.Stage(), s.Since(), s.Last())
	}
	if len(steps) != 1 || !steps[0].At.Equal(date(1965, 3, 10)) {
		t.Errorf("transitions %v, want one on 1965-03-10", steps)
	}
	// A change at the epoch itself reads as that time, not as "no change".
	if _, tr, err := Apply(State{}, buy(time.Unix(0, 0), 1), nil); err != nil || !tr.At().Equal(time.Unix(0, 0)) || tr.At().IsZero() {
		t.Errorf("first purchase at the epoch: transition at %v (%v)", tr.At(), err)
	}
	if _, _, err := Apply(s, buy(date(1965, 3, 31), 5), nil); !errors.Is(err, ErrOutOfOrder) {
		t.Errorf("event before the last: error %v, want ErrOutOfOrder", err)
	}
	var back State
	if b, err := json.Marshal(s); err != nil || json.Unmarshal(b, &back) != nil || back != s {
		t.Errorf("JSON round trip of a 1965 state: %v", err)
	}
}

func TestApplyBadInput(t *testing.T) {
	s, _ := replay(t, []Event{buy(date(2024, 1, 10), 10), {Kind: Tick, Time: date(2024, 2, 1)}}, nil)
	for _, tc := range []struct {
		name string
		s    State
		e    Event
		want error
	}{
		{"kind zero", s, Event{Kind: 0, Time: date(2024, 3, 1)}, ErrUnknownKind},
		{"kind beyond tick", s, Event{Kind: Tick + 1, Time: date(2024, 3, 1)}, ErrUnknownKind},
		{"zero time", s, Event{Kind: Purchase, Amount: 1}, ErrZeroTime},
		{"purchase before last event", s, buy(date(2024, 1, 20), 5), ErrOutOfOrder},
		{"tick before last event", s, Event{Kind: Tick, Time: date(2024, 1, 31)}, ErrOutOfOrder},
		{"contact before last event", s, Event{Kind: Contact, Time: date(2023, 1, 1)}, ErrOutOfOrder},
		{"nan amount", s, buy(date(2024, 3, 1), math.NaN()), ErrAmount},
		{"inf amount", s, buy(date(2024, 3, 1), math.Inf(1)), ErrAmount},
		{"negative amount", s, buy(date(2024, 3, 1), -1), ErrAmount},
		{"nan return", s, Event{Kind: Return, Time: date(2024, 3, 1), Amount: math.NaN()}, ErrAmount},
		{"termination before purchase", State{}, Event{Kind: Termination, Time: date(2024, 3, 1)}, ErrNotAllowed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, tr, err := Apply(tc.s, tc.e, nil)
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			var ee *EventError
			if !errors.As(err, &ee) || ee.Kind != tc.e.Kind {
				t.Errorf("error %v is not an *EventError of kind %v", err, tc.e.Kind)
			}
			if got != tc.s || tr.Changed() {
				t.Error("state changed on error")
			}
		})
	}
	// A NaN amount on a kind that ignores it is fine; equal times are fine.
	for _, e := range []Event{{Kind: Contact, Time: date(2024, 2, 1), Amount: math.NaN()}, {Kind: Complaint, Time: date(2024, 2, 1)}} {
		if _, _, err := Apply(s, e, nil); err != nil {
			t.Errorf("%v: %v", e.Kind, err)
		}
	}
}

func TestMove(t *testing.T) {
	s, _ := replay(t, []Event{buy(date(2024, 1, 10), 10)}, nil)
	n, tr, err := s.Move(Decline, date(2024, 2, 1))
	if err != nil || n.Stage() != Decline || n.Previous() != Exploration || tr.Rule != RuleManual {
		t.Fatalf("Move to decline: %v %v %v %v", n.Stage(), n.Previous(), tr.Rule, err)
	}
	// Move checks the table only: decline -> stability is in it.
	if m, _, err := n.Move(Stability, date(2024, 2, 2)); err != nil || m.Stage() != Stability || m.Previous() != None {
		t.Errorf("Move decline -> stability: %v %v %v", m.Stage(), m.Previous(), err)
	}
	for _, tc := range []struct {
		name string
		to   Stage
		at   time.Time
		want error
	}{
		{"not in table", Stability, date(2024, 2, 1), ErrNotAllowed},
		{"to none", None, date(2024, 2, 1), ErrNotAllowed},
		{"before last", Decline, date(2024, 1, 1), ErrOutOfOrder},
		{"zero time", Decline, time.Time{}, ErrZeroTime},
	} {
		got, _, err := s.Move(tc.to, tc.at)
		if !errors.Is(err, tc.want) || got != s {
			t.Errorf("%s: %v, want %v (state unchanged)", tc.name, err, tc.want)
		}
	}
	var tre *TransitionError
	if _, _, err := s.Move(Stability, date(2024, 2, 1)); !errors.As(err, &tre) || tre.From != Exploration || tre.To != Stability {
		t.Errorf("error %v, want *TransitionError exploration -> stability", err)
	}
}

// randomEvents returns a random event sequence: mostly valid, time moving
// forward with bursts, gaps and quiet spells, plus some bad events.
func randomEvents(rng *rand.Rand, n int) []Event {
	t := date(2020, 1, 1).Add(time.Duration(rng.IntN(1e6)) * time.Second)
	out := make([]Event, 0, n)
	for range n {
		switch rng.IntN(10) {
		case 0:
			t = t.Add(time.Duration(rng.IntN(400)) * 24 * time.Hour)
		default:
			t = t.Add(time.Duration(rng.ExpFloat64() * float64(10*24*time.Hour)))
		}
		e := Event{Time: t, Amount: math.Round(rng.ExpFloat64()*5000) / 100}
		switch k := rng.IntN(20); {
		case k < 8:
			e.Kind = Purchase
		case k < 15:
			e.Kind = Tick
		case k == 15:
			e.Kind = Return
		case k == 16:
			e.Kind = Contact
		case k == 17:
			e.Kind = Complaint
		case k == 18:
			e.Kind = Termination
		default: // bad events
			switch rng.IntN(4) {
			case 0:
				e.Kind = Kind(7 + rng.IntN(10))
			case 1:
				e.Kind, e.Amount = Purchase, math.NaN()
			case 2:
				e.Kind, e.Time = Tick, t.Add(-time.Duration(1+rng.IntN(100))*time.Hour)
			case 3:
				e.Kind, e.Amount = Return, -1
			}
		}
		out = append(out, e)
	}
	return out
}

func TestPropertyRandomSequences(t *testing.T) {
	rules := []*Settings{nil, {Seasonal: true}, {Confirm: 1, MinStageDays: 1, DeclineMinDays: 1, EndMinDays: 1}}
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 42))
		evs := randomEvents(rng, 200)
		r := rules[seed%3]
		run := func() ([]State, []Transition) {
			var s State
			var states []State
			var trs []Transition
			for _, e := range evs {
				n, tr, err := Apply(s, e, r)
				if err != nil {
					if n != s || tr.Changed() {
						t.Fatalf("seed %d: state changed on error %v", seed, err)
					}
					continue
				}
				if tr.Changed() {
					// No sequence reaches a transition outside the table.
					if !Allowed(tr.From, tr.To) || tr.From != s.Stage() || tr.To != n.Stage() {
						t.Fatalf("seed %d: transition %v -> %v from state %v to %v", seed, tr.From, tr.To, s.Stage(), n.Stage())
					}
					trs = append(trs, tr)
				} else if n.Stage() != s.Stage() {
					t.Fatalf("seed %d: stage %v -> %v without a transition", seed, s.Stage(), n.Stage())
				}
				s = n
				states = append(states, s)
			}
			return states, trs
		}
		s1, t1 := run()
		s2, t2 := run()
		// Replay is deterministic.
		if !slices.Equal(s1, s2) || !equalHistory(t1, t2) {
			t.Fatalf("seed %d: replay differs", seed)
		}
		// JSON round trip is exact, for every state and transition.
		for i, s := range s1 {
			if i%7 != 0 && i != len(s1)-1 {
				continue // every 7th state keeps the test fast
			}
			b, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			var back State
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatalf("seed %d: %v\n%s", seed, err, b)
			}
			if back != s {
				t.Fatalf("seed %d: round trip differs\n got %+v\nwant %+v", seed, back, s)
			}
		}
		b, err := json.Marshal(t1)
		if err != nil {
			t.Fatal(err)
		}
		var back []Transition
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if !equalHistory(back, t1) {
			t.Fatalf("seed %d: history round trip differs", seed)
		}
	}
}

func TestMeasure(t *testing.T) {
	// Purchases of 100 on the 15th of Jan..Dec 2023 and 50 on the 15th of
	// Jan..Mar 2024; measured on 2024-04-01.
	evs := monthly(date(2023, 1, 15), date(2023, 12, 15), 100)
	evs = append(evs, monthly(date(2024, 1, 15), date(2024, 3, 15), 50)...)
	s, _ := replay(t, evs, nil)
	m := s.Measure(date(2024, 4, 1), nil)
	// By hand: tenure Jan 15 2023 -> Apr 1 2024 = 442 days; 15 orders;
	// recency 17; intervals of the last 10 (Jun->Jul .. Feb->Mar):
	// 30,31,31,30,31,30,31,31,31,29 -> median 31; last 3 months 150 vs
	// Oct-Dec 300: growth3 -50%; last 6 450 vs Apr-Sep 2023 600: -25%;
	// Jan-Mar 2023 300: yoy3 -50%; level3 50; the 12 volumes (Apr 2023..
	// Mar 2024) are nine 100s and three 50s: mean 87.5, sd 21.65,
	// volatility 0.2474.
	want := Measures{Tenure: 442, Orders: 15, Active6: 6, Active12: 12, Recency: 17, Interval: 31,
		Growth3: -0.5, Growth6: -0.25, YoY3: -0.5, Volatility: math.Sqrt(9*12.5*12.5+3*37.5*37.5) / math.Sqrt(12) / 87.5, Level3: 50}
	tol := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }
	if m.Tenure != want.Tenure || m.Orders != want.Orders || m.Active6 != want.Active6 || m.Active12 != want.Active12 ||
		m.Recency != want.Recency || m.Interval != want.Interval || !tol(m.Growth3, want.Growth3) || !tol(m.Growth6, want.Growth6) ||
		!tol(m.YoY3, want.YoY3) || !tol(m.Volatility, want.Volatility) || !tol(m.Level3, want.Level3) {
		t.Errorf("Measure:\n got %+v\nwant %+v", m, want)
	}
	if m := (State{}).Measure(date(2024, 1, 1), nil); m.Orders != 0 || !math.IsNaN(m.Growth6) {
		t.Errorf("empty state measures %+v", m)
	}
	if got := m.String(); got == "" {
		t.Error("empty String")
	}
}

func TestReturnsAndCounts(t *testing.T) {
	// A return of 60 in the month of a purchase of 100 leaves 40.
	s, _ := replay(t, []Event{
		buy(date(2024, 1, 10), 100), {Kind: Return, Time: date(2024, 1, 20), Amount: 60},
		{Kind: Contact, Time: date(2024, 1, 21)}, {Kind: Complaint, Time: date(2024, 1, 22)},
	}, nil)
	if m := s.Measure(date(2024, 2, 1), nil); m.Level3 != 40.0/3 {
		t.Errorf("level3 %v, want 40/3", m.Level3)
	}
	if r, c, k := s.Counts(); r != 1 || c != 1 || k != 1 {
		t.Errorf("counts %d %d %d, want 1 1 1", r, c, k)
	}
}

// hasPointers reports whether a value of type t holds a pointer.
func hasPointers(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Struct:
		for i := range t.NumField() {
			if hasPointers(t.Field(i).Type) {
				return true
			}
		}
		return false
	case reflect.Array:
		return hasPointers(t.Elem())
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return false
	}
	return true
}

func TestSizes(t *testing.T) {
	// The value types stay small and pointer-free so Apply copies cheaply
	// and allocates nothing, and histories are not scanned by the garbage
	// collector.
	if n := unsafe.Sizeof(State{}); n > 224 {
		t.Errorf("State is %d bytes, want <= 224", n)
	}
	// 80 bytes where int64 is 8-byte aligned; 76 on 386, where it is
	// 4-byte aligned.
	if n, want := unsafe.Sizeof(Transition{}), 72+unsafe.Alignof(int64(0)); n != want {
		t.Errorf("Transition is %d bytes, want %d", n, want)
	}
	for _, v := range []any{State{}, Transition{}} {
		if typ := reflect.TypeOf(v); hasPointers(typ) {
			t.Errorf("%v has pointers", typ)
		}
	}
	var s State
	evs := script(monthly(date(2022, 1, 15), date(2023, 12, 15), 100), date(2024, 1, 1))
	var failed error
	allocs := testing.AllocsPerRun(20, func() {
		s = State{}
		for _, e := range evs {
			var err error
			if s, _, err = Apply(s, e, nil); err != nil {
				failed = err
			}
		}
	})
	check.NoErr(t, failed)
	if allocs != 0 {
		t.Errorf("%v allocations per replay, want 0", allocs)
	}
}

func TestDaysIn(t *testing.T) {
	// Against the time package: the day before the first of the next month.
	for m := int32(1800 * 12); m < 2200*12; m++ {
		y, mo := int(m/12), time.Month(m%12+1)
		want := date(y, mo+1, 0).Day()
		if got := daysIn(m); int(got) != want {
			t.Fatalf("daysIn(%d-%02d) = %d, want %d", y, mo, got, want)
		}
	}
}

func TestSettingsValidate(t *testing.T) {
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		rules Settings
		field string // "" for valid
	}{
		{"zero means defaults", Settings{}, ""},
		{"defaults", DefaultSettings(), ""},
		{"negative int", Settings{EndMinDays: -1}, "EndMinDays"},
		{"negative float", Settings{DeclineDrop: -0.5}, "DeclineDrop"},
		{"NaN", Settings{RecoverLevel: math.NaN()}, "RecoverLevel"},
		// Issue 13: +Inf and fractions above 1 were accepted.
		{"+Inf volatility", Settings{StabilityVolatility: math.Inf(1)}, "StabilityVolatility"},
		{"+Inf recency", Settings{DeclineRecency: math.Inf(1)}, "DeclineRecency"},
		{"-Inf", Settings{EndRecency: math.Inf(-1)}, "EndRecency"},
		{"drop above 1", Settings{DeclineDrop: 1.01}, "DeclineDrop"},
		{"drop of 1", Settings{DeclineDrop: 1}, ""},
		{"recover level above 1", Settings{RecoverLevel: 1.5}, "RecoverLevel"},
		{"7 of 6 months", Settings{FormationActiveMonths: 7}, "FormationActiveMonths"},
		{"13 of 12 months", Settings{StabilityActiveMonths: 13}, "StabilityActiveMonths"},
		{"12 of 12 months", Settings{StabilityActiveMonths: 12}, ""},
		{"confirm beyond the streak", Settings{Confirm: 256}, "Confirm"},
		{"days beyond 65535", Settings{MinStageDays: 65536}, "MinStageDays"},
		{"days overflowing seconds", Settings{LongLastingDays: math.MaxInt}, "LongLastingDays"},
		{"multiplier above 100", Settings{EndRecency: 101}, "EndRecency"},
		{"huge volatility is finite", Settings{StabilityVolatility: 1e300}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.rules.Validate()
			_, _, applyErr := Apply(State{}, Event{Kind: Purchase, Time: at, Amount: 10}, &tt.rules)
			_, classifyErr := Classify(context.Background(), slices.Values([]cvm.Transaction{{Customer: "c", Time: at, Amount: 1}}), &ClassifySettings{Settings: &tt.rules})
			for _, e := range []error{err, applyErr, classifyErr} {
				var re *SettingsError
				switch {
				case tt.field == "" && e != nil:
					t.Errorf("got error %v, want nil", e)
				case tt.field != "" && (!errors.As(e, &re) || re.Field != tt.field || !strings.Contains(e.Error(), tt.field)):
					t.Errorf("got error %v, want a *SettingsError naming %s", e, tt.field)
				}
			}
		})
	}
}
