package lifecycle

import (
	"slices"
	"testing"
	"time"
)

// The expected stages and dates in these scenarios are worked out by hand
// from the default rules, as each test's comments show; none is copied from
// the code's output.

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func buy(t time.Time, amount float64) Event { return Event{Kind: Purchase, Time: t, Amount: amount} }

// script merges the events with ticks on the first of every month from the
// month after the first event through until, ticks first at equal times.
func script(events []Event, until time.Time) []Event {
	var out []Event
	first := events[0].Time
	tick := date(first.Year(), first.Month(), 1).AddDate(0, 1, 0)
	i := 0
	for !tick.After(until) || i < len(events) {
		if i < len(events) && (events[i].Time.Before(tick) || tick.After(until)) {
			out = append(out, events[i])
			i++
			continue
		}
		out = append(out, Event{Kind: Tick, Time: tick})
		tick = tick.AddDate(0, 1, 0)
	}
	return out
}

// monthly returns purchases of amount on day 15 of each month from..to
// (inclusive), skipping the months in skip.
func monthly(from, to time.Time, amount float64, skip ...time.Time) []Event {
	var out []Event
	for t := from; !t.After(to); t = t.AddDate(0, 1, 0) {
		if slices.ContainsFunc(skip, func(s time.Time) bool { return s.Equal(t) }) {
			continue
		}
		out = append(out, buy(t, amount))
	}
	return out
}

type step struct {
	From, To Stage
	At       time.Time
	Rule     Rule
}

// replay applies evs to the zero state and returns the final state, the
// transitions and the stage after each event.
func replay(t *testing.T, evs []Event, r *Settings) (State, []step) {
	t.Helper()
	var s State
	var steps []step
	for _, e := range evs {
		n, tr, err := Apply(s, e, r)
		if err != nil {
			t.Fatalf("Apply(%v at %v): %v", e.Kind, e.Time, err)
		}
		if tr.Changed() {
			if tr.From != s.Stage() || tr.To != n.Stage() {
				t.Fatalf("transition %v -> %v but state %v -> %v", tr.From, tr.To, s.Stage(), n.Stage())
			}
			steps = append(steps, step{tr.From, tr.To, tr.At(), tr.Rule})
		}
		s = n
	}
	return s, steps
}

func checkSteps(t *testing.T, got, want []step) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("transitions:\n got %v\nwant %v", got, want)
	}
}

// steadyTo is the steady customer's history up to its stability:
// purchases of 100 on the 15th of every month from 2022-01.
//
//	2022-01-15 first purchase: none -> exploration.
//	2022-04-01 tick: 3 orders, active 3 of last 6 months, last 3 months 300
//	  against 0 before (rising): the growth trend holds once.
//	2022-05-01: 4 orders, Feb-Apr 300 against Jan 100: holds twice, 106 days
//	  in exploration >= 60: exploration -> formation.
//	2023-02-01: tenure 382 >= 365 (on 2023-01-01 it is 351), 12 active months,
//	  volatility 0: holds once; 2023-03-01 holds twice: -> stability.
var steadyTransitions = []step{
	{None, Exploration, date(2022, 1, 15), RuleFirstPurchase},
	{Exploration, Formation, date(2022, 5, 1), RuleGrowth},
	{Formation, Stability, date(2023, 3, 1), RuleSteady},
}

func TestScenarioSteadyThroughQuietMonth(t *testing.T) {
	// No purchase in June 2023. On 2023-07-01 the recency is 47 days
	// (May 15 to Jul 1) against a limit of 2 x 31 (median of the last 10
	// intervals 28,30,30,30,31,31,31,31,31,31 is 31); the 6-month growth
	// is 500/600-1 = -17%, above -50%. So the customer stays in stability.
	evs := script(monthly(date(2022, 1, 15), date(2023, 12, 15), 100, date(2023, 6, 15)), date(2024, 1, 1))
	s, steps := replay(t, evs, nil)
	checkSteps(t, steps, steadyTransitions)
	if s.Stage() != Stability {
		t.Errorf("stage %v, want stability", s.Stage())
	}
	if got := s.Pattern(date(2024, 1, 1), nil); got != Ongoing {
		t.Errorf("pattern %v, want ongoing (306 days in stability < 730)", got)
	}
}

func TestScenarioSeasonal(t *testing.T) {
	// Purchases on Mar 10, Apr 10 and May 10 of 2021..2024.
	var buys []Event
	for y := 2021; y <= 2024; y++ {
		for m := time.March; m <= time.May; m++ {
			buys = append(buys, buy(date(y, m, 10), 100))
		}
	}
	evs := script(buys, date(2024, 12, 1))
	// Seasonal rules: 2021-06-01 holds the growth trend once (3 orders,
	// Mar-May 300 vs 0), 2021-07-01 twice (Apr-Jun 200 vs Jan-Mar 100),
	// 113 days in exploration: -> formation. Never 8 active months in 12,
	// so never stability; every winter silence is quiet a year earlier too,
	// and the longest silence (May 10 to Mar 10, 304 days) is under the
	// seasonal end limit of 450 days.
	s, steps := replay(t, evs, &Settings{Seasonal: true})
	checkSteps(t, steps, []step{
		{None, Exploration, date(2021, 3, 10), RuleFirstPurchase},
		{Exploration, Formation, date(2021, 7, 1), RuleGrowth},
	})
	if s.Stage() != Formation {
		t.Errorf("stage %v, want formation", s.Stage())
	}
	// Same with weekly ticks: the quiet check looks at the same month a
	// year ago while the silence is under two calendar months.
	var weekly []Event
	tick := date(2021, 3, 15) // a Monday
	for _, b := range buys {
		for tick.Before(b.Time) {
			weekly = append(weekly, Event{Kind: Tick, Time: tick})
			tick = tick.AddDate(0, 0, 7)
		}
		weekly = append(weekly, b)
	}
	for ; tick.Before(date(2024, 12, 1)); tick = tick.AddDate(0, 0, 7) {
		weekly = append(weekly, Event{Kind: Tick, Time: tick})
	}
	_, steps = replay(t, weekly, &Settings{Seasonal: true})
	for _, st := range steps {
		if st.To == Decline || st.To == Ended {
			t.Errorf("weekly ticks: seasonal customer moved %v -> %v at %v", st.From, st.To, st.At)
		}
	}
	// Without Seasonal the summer silence is a decline: formation comes on
	// 2021-07-01 as above, the median interval is 31 days ((30+31+1)/2), so
	// on 2021-08-01 the recency of 83 days (May 10 to Aug 1) exceeds 62.
	_, steps = replay(t, evs, nil)
	if len(steps) < 3 || steps[2] != (step{Formation, Decline, date(2021, 8, 1), RuleRecency}) {
		t.Errorf("non-seasonal rules: got %v, want formation -> decline on 2021-08-01 third", steps)
	}
}

func TestScenarioStopperDeclinesThenEnds(t *testing.T) {
	// Purchases from 2022-01 to 2023-06, then none. Median of the last 10
	// intervals 31 (see the quiet-month test): decline limit 62 days, end
	// limit max(4 x 31, 180) = 180 days. 2023-08-01: recency 47;
	// 2023-09-01: 78 > 62 -> decline. 2023-12-01: 169; 2024-01-01: 200 >
	// 180 -> ended. Stability lasted 184 days (Mar 1 to Sep 1) < 730, so
	// the pattern is left-stability-early.
	evs := script(monthly(date(2022, 1, 15), date(2023, 6, 15), 100), date(2024, 6, 1))
	s, steps := replay(t, evs, nil)
	checkSteps(t, steps, append(slices.Clip(steadyTransitions),
		step{Stability, Decline, date(2023, 9, 1), RuleRecency},
		step{Decline, Ended, date(2024, 1, 1), RuleRecencyEnd}))
	if got := s.Pattern(date(2024, 6, 1), nil); got != LeftStabilityEarly {
		t.Errorf("pattern %v, want left-stability-early", got)
	}
}

func TestScenarioRecovery(t *testing.T) {
	// Stability on 2023-03-01, no purchase in Jul and Aug 2023: decline on
	// 2023-09-01 (recency 78 > 62). The mean of the 6 months before (Mar to
	// Aug: 400/6 = 66.7) sets the bar 0.6 x 66.7 = 40 a month. Purchases
	// resume on Sep 15: 2023-10-01 Jul-Sep 100/3 = 33 < 40; 2023-11-01
	// Aug-Oct 200/3 = 67 holds once; 2023-12-01 holds twice, 91 days in
	// decline >= 60: back to stability.
	evs := script(monthly(date(2022, 1, 15), date(2024, 3, 15), 100, date(2023, 7, 15), date(2023, 8, 15)), date(2024, 4, 1))
	s, steps := replay(t, evs, nil)
	checkSteps(t, steps, append(slices.Clip(steadyTransitions),
		step{Stability, Decline, date(2023, 9, 1), RuleRecency},
		step{Decline, Stability, date(2023, 12, 1), RuleRecovery}))
	if s.Stage() != Stability || s.Previous() != None {
		t.Errorf("stage %v previous %v, want stability, none", s.Stage(), s.Previous())
	}
}

func TestScenarioOneOrderAndReactivation(t *testing.T) {
	// One purchase on 2022-03-10. With no interval the usual interval is
	// the default 90 days: decline limit 180, end limit 360. 2022-09-01:
	// recency 175; 2022-10-01: 205 > 180 -> decline. 2023-03-01: 356;
	// 2023-04-01: 387 > 360 -> ended, in exploration.
	evs := script([]Event{buy(date(2022, 3, 10), 50)}, date(2023, 6, 1))
	s, steps := replay(t, evs, nil)
	want := []step{
		{None, Exploration, date(2022, 3, 10), RuleFirstPurchase},
		{Exploration, Decline, date(2022, 10, 1), RuleRecency},
		{Decline, Ended, date(2023, 4, 1), RuleRecencyEnd},
	}
	checkSteps(t, steps, want)
	if got := s.Pattern(date(2023, 6, 1), nil); got != EndedInExploration {
		t.Errorf("pattern %v, want ended-in-exploration", got)
	}
	// Re-activation: a new purchase after the end starts a new
	// exploration, marked as a re-activation.
	s, tr, err := Apply(s, buy(date(2023, 6, 20), 80), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := (step{tr.From, tr.To, tr.At(), tr.Rule}); got != (step{Ended, Exploration, date(2023, 6, 20), RuleReactivation}) {
		t.Errorf("re-activation transition %v", got)
	}
	if s.Reactivations() != 1 || s.Orders() != 1 || !s.Start().Equal(date(2023, 6, 20)) || s.Highest() != Exploration {
		t.Errorf("after re-activation: reactivations %d orders %d start %v highest %v, want 1, 1, 2023-06-20, exploration",
			s.Reactivations(), s.Orders(), s.Start(), s.Highest())
	}
	if got := s.Pattern(date(2023, 6, 21), nil); got != Ongoing {
		t.Errorf("pattern after re-activation %v, want ongoing", got)
	}
}

func TestScenarioTerminationAndLongLasting(t *testing.T) {
	// Stability from 2023-03-01; a termination on 2025-04-10 ends it at
	// once. 771 days in stability >= 730: long-lasting.
	evs := script(monthly(date(2022, 1, 15), date(2025, 3, 15), 100), date(2025, 4, 1))
	evs = append(evs, Event{Kind: Termination, Time: date(2025, 4, 10)})
	s, steps := replay(t, evs, nil)
	checkSteps(t, steps, append(slices.Clip(steadyTransitions),
		step{Stability, Ended, date(2025, 4, 10), RuleTermination}))
	if got := s.Pattern(date(2025, 5, 1), nil); got != LongLasting {
		t.Errorf("pattern %v, want long-lasting", got)
	}
	// A second termination is no change.
	n, tr, err := Apply(s, Event{Kind: Termination, Time: date(2025, 5, 1)}, nil)
	if err != nil || tr.Changed() || n.Stage() != Ended {
		t.Errorf("second termination: %v %v %v", n.Stage(), tr.Changed(), err)
	}
}
