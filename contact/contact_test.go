package contact

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/check"
	"github.com/cvmkit/cvm/lifecycle"
	"github.com/cvmkit/cvm/value"
)

var asOf = time.Date(2026, 6, 30, 23, 59, 59, 0, time.UTC)

// genCustomers returns n varied customers: stages, recent transitions,
// forecasts, preferences and opt-outs, seeded.
func genCustomers(n int, seed uint64) []Customer {
	rng := rand.New(rand.NewPCG(seed, 7))
	segs := []string{"Champions", "Loyal", "At Risk", "Hibernating", "New"}
	cs := make([]Customer, n)
	for i := range cs {
		first := asOf.Add(-time.Duration(30+rng.IntN(900)) * 24 * time.Hour)
		last := first.Add(time.Duration(rng.Float64() * float64(asOf.Sub(first))))
		c := Customer{
			ID: fmt.Sprintf("c%07d", i), Quadrant: value.Quadrant(1 + rng.IntN(4)), Tier: value.Tier(1 + rng.IntN(4)),
			Segment: segs[rng.IntN(len(segs))], Stage: lifecycle.Stage(1 + rng.IntN(5)),
			Since:    asOf.Add(-time.Duration(rng.IntN(20*24)) * time.Hour),
			Forecast: true, PAlive: rng.Float64(), ExpectedPurchases: rng.Float64() * 6, ExpectedSpend: 5 + rng.Float64()*200,
			First: first, Last: last, Occasions: 1 + rng.IntN(12),
		}
		c.CLV = c.ExpectedSpend * c.ExpectedPurchases * c.PAlive
		if rng.IntN(5) == 0 {
			c.PrevSegment = segs[rng.IntN(len(segs))]
		}
		if rng.IntN(8) == 0 {
			c.Resolved = asOf.Add(-7 * 24 * time.Hour)
		}
		switch rng.IntN(10) {
		case 0:
			c.OptOut = AllChannels
		case 1:
			c.OptOut = ChannelSet(0).With(Email)
		case 2:
			c.Channel = SMS
		case 3:
			c.Channel = Email
			c.OptOut = ChannelSet(0).With(Email)
		}
		cs[i] = c
	}
	return cs
}

func mustDecide(t testing.TB, cs []Customer, h []Contact, rs *RuleSet, s *Settings) *Plan {
	t.Helper()
	return check.Must(Decide(context.Background(), cs, h, rs, asOf, s))
}

// Policy: an opted-out customer is never contacted on the channel, and one
// opted out globally never at all, treated or control.
func TestOptedOutNeverContacted(t *testing.T) {
	cs := genCustomers(5000, 1)
	p := mustDecide(t, cs, nil, nil, nil)
	if len(p.Decisions) == 0 {
		t.Fatal("no decision")
	}
	for _, d := range p.Decisions {
		c := cs[d.Index]
		if c.OptOut.Has(d.Channel) || c.OptOut == AllChannels {
			t.Fatalf("%s contacted on %s, opted out of %s", d.Customer, d.Channel, c.OptOut)
		}
	}
	if p.Stats.OptedOut == 0 {
		t.Fatal("no opt-out counted")
	}
}

// Policy: a stated channel always wins, whatever the rule's channels and
// the costs.
func TestStatedChannelWins(t *testing.T) {
	cs := genCustomers(5000, 2)
	// Phone costs the most and no default rule but save lists SMS.
	p := mustDecide(t, cs, nil, nil, nil)
	n := 0
	for _, d := range p.Decisions {
		c := cs[d.Index]
		if c.Channel != NoChannel {
			n++
			if d.Channel != c.Channel || d.Reason != Stated {
				t.Fatalf("%s: channel %s (%s), stated %s", d.Customer, d.Channel, d.Reason, c.Channel)
			}
		} else if d.Reason == Stated {
			t.Fatalf("%s: reason stated without a preference", d.Customer)
		}
	}
	if n == 0 {
		t.Fatal("no customer with a stated channel was contacted")
	}
}

// competing returns three rules that all fire for every active customer.
func competing() *RuleSet {
	sched := Trigger{Kind: Schedule, Start: asOf.Add(-10 * 24 * time.Hour), Every: 1}
	act := func(msg string, prio int, service bool) Action {
		return Action{Message: msg, Channels: []Channel{Email}, Priority: prio, Value: Spend, Response: 0.2, Baseline: 0.1, Service: service}
	}
	return &RuleSet{Rules: []Rule{
		{Name: "low", Trigger: sched, Action: act("low", 1, false)},
		{Name: "high", Trigger: sched, Action: act("high", 9, false)},
		{Name: "service", Trigger: sched, Action: act("service", 5, true)},
	}}
}

// Policy: caps and quiet periods hold under competing rules; priority
// decides.
func TestCapsQuietAndPriority(t *testing.T) {
	cs := []Customer{
		{ID: "a", Forecast: true, ExpectedSpend: 50},
		{ID: "b", Forecast: true, ExpectedSpend: 50}, // contacted 1 day ago: quiet
		{ID: "c", Forecast: true, ExpectedSpend: 50}, // complained 5 days ago: service only
		{ID: "d", Forecast: true, ExpectedSpend: 50}, // 4 contacts in the window: capped
		{ID: "e", Forecast: true, ExpectedSpend: 50, Complaint: asOf.Add(-2 * 24 * time.Hour)},
	}
	day := 24 * time.Hour
	hist := []Contact{
		{Customer: "b", At: asOf.Add(-1 * day), Channel: Email},
		{Customer: "c", At: asOf.Add(-5 * day), Channel: Email, Complaint: true},
		{Customer: "d", At: asOf.Add(-5 * day)}, {Customer: "d", At: asOf.Add(-9 * day)},
		{Customer: "d", At: asOf.Add(-13 * day)}, {Customer: "d", At: asOf.Add(-20 * day)},
		{Customer: "zz", At: asOf.Add(-1 * day)}, // unknown customer: ignored
		{Customer: "a", At: asOf.Add(40 * day)},  // after the as-of: ignored
		{Customer: "a", At: asOf.Add(-40 * day)}, // outside the window and quiet
	}
	for _, per := range []int{1, 2, 3} {
		p := mustDecide(t, cs, hist, competing(), &Settings{MaxPerCustomer: per, Control: Off})
		got := map[string][]string{}
		for _, d := range p.Decisions {
			got[d.Customer] = append(got[d.Customer], d.RuleName)
		}
		want := map[string][]string{
			"a": []string{"high", "service", "low"}[:per],
			"c": {"service"},
			"e": {"service"},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("per customer %d: got %v, want %v", per, got, want)
		}
	}
	// The window cap counts the history: 2 of 4 used leaves 2.
	p := mustDecide(t, cs[3:4], hist[3:5], competing(), &Settings{MaxPerCustomer: 3, MaxPerWindow: 4, QuietAfterContact: Off, Control: Off})
	if len(p.Decisions) != 2 || p.Decisions[0].RuleName != "high" || p.Decisions[1].RuleName != "service" {
		t.Errorf("window cap: got %+v", p.Decisions)
	}
}

// A rule that already acted since its trigger fired does not act again.
func TestRuleDoneSinceTrigger(t *testing.T) {
	c := Customer{ID: "a", Stage: lifecycle.Decline, Since: asOf.Add(-3 * 24 * time.Hour), Forecast: true, PAlive: 0.4, CLV: 300, ExpectedSpend: 40}
	rs := DefaultRules()
	p := mustDecide(t, []Customer{c}, nil, rs, &Settings{Control: Off})
	if len(p.Decisions) != 1 || p.Decisions[0].RuleName != "save" {
		t.Fatalf("got %+v, want one save", p.Decisions)
	}
	h := []Contact{{Customer: "a", Rule: "save", At: asOf.Add(-2 * 24 * time.Hour)}}
	p = mustDecide(t, []Customer{c}, h, rs, &Settings{Control: Off, QuietAfterContact: Off})
	if len(p.Decisions) != 0 || p.Stats.Done != 1 {
		t.Fatalf("after the save: %+v, stats %+v", p.Decisions, p.Stats)
	}
}

// bruteForce returns the best value of a subset of items within budget.
func bruteForce(items []Decision, budget float64) float64 {
	best := 0.0
	for mask := 0; mask < 1<<len(items); mask++ {
		v, c := 0.0, 0.0
		for i := range items {
			if mask&(1<<i) != 0 {
				v += items[i].Net
				c += items[i].Cost
			}
		}
		if c <= budget && v > best {
			best = v
		}
	}
	return best
}

// The allocation never exceeds the budget, is within its bound of the
// brute-force optimum (max(greedy, best single) >= OPT/2), and the LP bound
// is above the optimum; on instances where the densest prefix fills the
// budget exactly it equals the optimum.
func TestAllocateAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	worst := 1.0
	for trial := 0; trial < 2000; trial++ {
		n := 1 + rng.IntN(12)
		items := make([]Decision, n)
		for i := range items {
			items[i] = Decision{Net: 0.1 + rng.Float64()*10, Cost: float64(rng.IntN(10))}
		}
		budget := 1 + float64(rng.IntN(30))
		keep, a := allocate(items, budget)
		spent, val := 0.0, 0.0
		for _, k := range keep {
			spent += items[k].Cost
			val += items[k].Net
		}
		opt := bruteForce(items, budget)
		if spent > budget {
			t.Fatalf("trial %d: spent %v > budget %v", trial, spent, budget)
		}
		if val < opt/2-1e-9 || val > opt+1e-9 || a.Bound < opt-1e-9 {
			t.Fatalf("trial %d: value %v, optimum %v, bound %v", trial, val, opt, a.Bound)
		}
		// At most ExactItems candidates: the brute-force optimum itself.
		if !check.Close(val, opt, 1e-12, 1e-9) || (opt > 0 && a.Method != MethodExact) {
			t.Fatalf("trial %d: %s value %v, optimum %v", trial, a.Method, val, opt)
		}
		check.Float(t, "chosen", a.Chosen, val, 1e-12, 1e-12)
		if opt > 0 {
			worst = min(worst, val/opt)
		}
	}
	t.Logf("worst allocation/optimum over 2000 instances: %.3f", worst)
	// Above ExactItems candidates the greedy set meets its bound against
	// the brute-force optimum (n = 17 or 18).
	worst = 1
	for trial := 0; trial < 40; trial++ {
		n := ExactItems + 1 + rng.IntN(2)
		items := make([]Decision, n)
		for i := range items {
			items[i] = Decision{Net: 0.1 + rng.Float64()*10, Cost: 1 + float64(rng.IntN(10))}
		}
		budget := 10 + float64(rng.IntN(40)) // every item fits alone
		keep, a := allocate(items, budget)
		val, spent := 0.0, 0.0
		for _, k := range keep {
			val += items[k].Net
			spent += items[k].Cost
		}
		opt := bruteForce(items, budget)
		if spent > budget || val < opt/2-1e-9 || val > opt+1e-9 || a.Bound < opt-1e-9 || a.Method == MethodExact {
			t.Fatalf("greedy trial %d: %s value %v cost %v, optimum %v, bound %v", trial, a.Method, val, spent, opt, a.Bound)
		}
		worst = min(worst, val/opt)
	}
	t.Logf("worst greedy/optimum, 17 or 18 items: %.3f", worst)
	// Equal costs: greedy by density is exact (the k most valuable).
	items := []Decision{{Net: 5, Cost: 1}, {Net: 3, Cost: 1}, {Net: 9, Cost: 1}, {Net: 1, Cost: 1}}
	keep, _ := allocate(items, 2)
	if !reflect.DeepEqual(keep, []int{0, 2}) {
		t.Fatalf("equal costs: kept %v, want [0 2]", keep)
	}
	// The best single item beats the greedy set.
	// With more than ExactItems candidates: greedy takes the dense small
	// one (2 for 1); then neither the big one (10 for 10) nor a filler
	// (0.01 for 9.5) fits, and the big one alone is worth more.
	items = []Decision{{Net: 2, Cost: 1}, {Net: 10, Cost: 10}}
	for i := 0; i < ExactItems; i++ {
		items = append(items, Decision{Net: 0.01, Cost: 9.5})
	}
	keep, a := allocate(items, 10)
	if !reflect.DeepEqual(keep, []int{1}) || a.Method != MethodSingle {
		t.Fatalf("single: kept %v by %s, want the last by single", keep, a.Method)
	}
}

// Through Decide: the treated contacts never cost more than the budget.
func TestBudgetNeverExceeded(t *testing.T) {
	cs := genCustomers(20000, 4)
	for _, b := range []float64{1, 50, 500, 5000} {
		p := mustDecide(t, cs, nil, nil, &Settings{Budget: b})
		spent := 0.0
		for _, d := range p.Decisions {
			if !d.Control {
				spent += d.Cost
			}
		}
		if spent > b || p.Allocation.Spent > b {
			t.Fatalf("budget %v: spent %v", b, spent)
		}
		if p.Allocation.Value > p.Allocation.Bound+1e-9 {
			t.Fatalf("budget %v: value %v above bound %v", b, p.Allocation.Value, p.Allocation.Bound)
		}
	}
}

// Policy: the control share is exact to rounding per rule, and stable for
// a seed whatever the customers' order; another seed draws another group.
func TestControlShareExactAndStable(t *testing.T) {
	cs := genCustomers(20000, 5)
	rs := DefaultRules()
	rs.Rules[3].Action.Control = 0.25 // save
	groups := func(cs []Customer, seed uint64) (map[string]bool, map[string][2]int) {
		p := mustDecide(t, cs, nil, rs, &Settings{Seed: seed, Control: 0.1})
		g := map[string]bool{}
		n := map[string][2]int{}
		for _, d := range p.Decisions {
			g[d.RuleName+"/"+d.Customer] = d.Control
			x := n[d.RuleName]
			x[0]++
			if d.Control {
				x[1]++
			}
			n[d.RuleName] = x
		}
		return g, n
	}
	g1, n1 := groups(cs, 42)
	for rule, x := range n1 {
		share := 0.1
		if rule == "save" {
			share = 0.25
		}
		if want := int(math.Round(share * float64(x[0]))); x[1] != want {
			t.Errorf("%s: %d control of %d, want %d", rule, x[1], x[0], want)
		}
	}
	rev := make([]Customer, len(cs))
	for i := range cs {
		rev[len(cs)-1-i] = cs[i]
	}
	g2, _ := groups(rev, 42)
	if !reflect.DeepEqual(g1, g2) {
		t.Error("the groups depend on the customers' order")
	}
	g3, _ := groups(cs, 43)
	same := 0
	for k, v := range g3 {
		if v && g1[k] {
			same++
		}
	}
	if same > len(g3)/20 {
		t.Errorf("seed 43 shares %d control customers with seed 42", same)
	}
}

// Timing: never before the as-of, inside the allowed hours.
func TestSendTime(t *testing.T) {
	p := check.Must(newPlan(DefaultRules(), asOf, nil))
	c := Customer{ID: "x", First: asOf.Add(-100 * 24 * time.Hour), Last: asOf.Add(-10 * 24 * time.Hour), Occasions: 10}
	// Interval (90 days / 9) = 10 days: next purchase at the as-of.
	tests := []struct {
		name  string
		c     Customer
		tm    Timing
		fired time.Time
		want  time.Time
	}{
		// The as-of is 23:59:59, after 20:00: the next day at 09:00.
		{"now", c, Timing{Kind: Now}, asOf, time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)},
		{"delay in the past", c, Timing{Kind: Delay, Days: 1}, asOf.Add(-5 * 24 * time.Hour), time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)},
		{"delay", c, Timing{Kind: Delay, Days: 2.5}, asOf, time.Date(2026, 7, 3, 11, 59, 59, 0, time.UTC)},
		{"rhythm", Customer{ID: "y", First: asOf.Add(-100 * 24 * time.Hour), Last: asOf.Add(-2 * 24 * time.Hour), Occasions: 5}, Timing{Kind: Rhythm}, asOf,
			// Interval 98 / 4 = 24.5 days after the last purchase.
			time.Date(2026, 7, 23, 11, 59, 59, 0, time.UTC)},
		{"own hours", Customer{ID: "z", Hours: Hours{6, 8}}, Timing{Kind: Delay, Days: 0.25}, asOf, time.Date(2026, 7, 1, 6, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		got := check.Must(p.sendAt(&tt.c, tt.tm, tt.fired))
		if !got.Equal(tt.want) {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
		if got.Before(asOf) {
			t.Errorf("%s: before the as-of", tt.name)
		}
	}
	if _, err := p.sendAt(&Customer{ID: "bad", Hours: Hours{10, 5}}, Timing{}, asOf); err == nil || !strings.Contains(err.Error(), `"bad"`) {
		t.Errorf("bad hours: %v", err)
	}
}

// Each trigger kind, as of 2026-06-30 23:59:59, by hand.
func TestTriggers(t *testing.T) {
	d := 24 * time.Hour
	base := Customer{ID: "x", Forecast: true, PAlive: 0.3, First: time.Date(2024, 6, 27, 10, 0, 0, 0, time.UTC),
		Last: asOf.Add(-40 * d), Occasions: 5, Stage: lifecycle.Decline, From: lifecycle.Stability, Since: asOf.Add(-3 * d),
		Segment: "At Risk", PrevSegment: "Champions", Resolved: asOf.Add(-7 * d)}
	// Interval: (asOf-40d - 2024-06-27 10:00) / 4 = about 178 days.
	tests := []struct {
		name string
		tr   Trigger
		c    func(*Customer)
		want bool
	}{
		{"transition", Trigger{Kind: Transition, To: []lifecycle.Stage{lifecycle.Decline}}, nil, true},
		{"transition from other", Trigger{Kind: Transition, To: []lifecycle.Stage{lifecycle.Decline}, From: []lifecycle.Stage{lifecycle.Formation}}, nil, false},
		{"transition too old", Trigger{Kind: Transition, To: []lifecycle.Stage{lifecycle.Decline}, Within: 2}, nil, false},
		{"transition other stage", Trigger{Kind: Transition, To: []lifecycle.Stage{lifecycle.Ended}}, nil, false},
		{"alive below", Trigger{Kind: AliveBelow, Level: 0.5}, nil, true},
		{"alive above", Trigger{Kind: AliveBelow, Level: 0.2}, nil, false},
		{"alive no forecast", Trigger{Kind: AliveBelow, Level: 0.5}, func(c *Customer) { c.Forecast = false }, false},
		{"overdue no: 40 days < 1.5 x 178", Trigger{Kind: Overdue}, nil, false},
		{"overdue: 40 days > 0.2 x 178", Trigger{Kind: Overdue, Factor: 0.2}, nil, true},
		{"overdue ended", Trigger{Kind: Overdue, Factor: 0.2}, func(c *Customer) { c.Stage = lifecycle.Ended }, false},
		{"anniversary 2 years, 3 days ago", Trigger{Kind: Anniversary}, nil, true},
		{"anniversary outside 2 days", Trigger{Kind: Anniversary, Within: 2}, nil, false},
		{"anniversary first year not yet", Trigger{Kind: Anniversary}, func(c *Customer) { c.First = time.Date(2025, 7, 2, 0, 0, 0, 0, time.UTC) }, false},
		{"anniversary today", Trigger{Kind: Anniversary, Within: 1}, func(c *Customer) { c.First = time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC) }, true},
		{"segment change", Trigger{Kind: SegmentChange, FromSegments: []string{"Champions"}, ToSegments: []string{"At Risk"}}, nil, true},
		{"segment change other", Trigger{Kind: SegmentChange, ToSegments: []string{"Lost"}}, nil, false},
		{"segment unknown before", Trigger{Kind: SegmentChange}, func(c *Customer) { c.PrevSegment = "" }, false},
		{"follow-up day 7", Trigger{Kind: FollowUp}, nil, true},
		{"follow-up day 7 not listed", Trigger{Kind: FollowUp, Days: []int{3, 14}}, nil, false},
		{"schedule", Trigger{Kind: Schedule, Start: asOf.Add(-14 * d), Every: 7}, nil, true},
		{"schedule off day", Trigger{Kind: Schedule, Start: asOf.Add(-13 * d), Every: 7}, nil, false},
		{"schedule future", Trigger{Kind: Schedule, Start: asOf.Add(7 * d), Every: 7}, nil, false},
	}
	for _, tt := range tests {
		c := base
		if tt.c != nil {
			tt.c(&c)
		}
		_, got := tt.tr.fire(&c, asOf, day(asOf))
		if got != tt.want {
			t.Errorf("%s: fired %v, want %v", tt.name, got, tt.want)
		}
	}
	check.Float(t, "interval", base.Interval(), (asOf.Add(-40*d).Sub(base.First).Hours()/24)/4, 1e-12, 0)
}

func TestRuleValidation(t *testing.T) {
	ok := func() Rule { return DefaultRules().Rules[0] }
	tests := []struct {
		name  string
		edit  func(*Rule)
		field string
	}{
		{"no name", func(r *Rule) { r.Name = "" }, "name"},
		{"no trigger", func(r *Rule) { r.Trigger = Trigger{} }, "trigger.kind"},
		{"transition without to", func(r *Rule) { r.Trigger.To = nil }, "trigger.to"},
		{"level on transition", func(r *Rule) { r.Trigger.Level = 0.5 }, "trigger.level"},
		{"alive level NaN", func(r *Rule) { r.Trigger = Trigger{Kind: AliveBelow, Level: math.NaN()} }, "trigger.level"},
		{"overdue factor", func(r *Rule) { r.Trigger = Trigger{Kind: Overdue, Factor: -1} }, "trigger.factor"},
		{"schedule every", func(r *Rule) { r.Trigger = Trigger{Kind: Schedule, Start: asOf} }, "trigger.every_days"},
		{"schedule start", func(r *Rule) { r.Trigger = Trigger{Kind: Schedule, Every: 3} }, "trigger.start"},
		{"follow-up day", func(r *Rule) { r.Trigger = Trigger{Kind: FollowUp, Days: []int{-1}} }, "trigger.days"},
		{"quadrant", func(r *Rule) { r.Eligible.Quadrants = []value.Quadrant{9} }, "eligible.quadrants"},
		{"min clv inf", func(r *Rule) { r.Eligible.MinCLV = math.Inf(1) }, "eligible.min_clv"},
		{"alive bounds", func(r *Rule) { r.Eligible.MinAlive, r.Eligible.MaxAlive = 0.8, 0.2 }, "eligible.max_p_alive"},
		{"no message", func(r *Rule) { r.Action.Message = "" }, "action.message"},
		{"share over 1", func(r *Rule) { r.Action.Offer = Offer{Kind: ShareOffer, Amount: 2} }, "action.offer.amount"},
		{"fixed zero", func(r *Rule) { r.Action.Offer = Offer{Kind: FixedOffer} }, "action.offer.amount"},
		{"channel", func(r *Rule) { r.Action.Channels = []Channel{NoChannel} }, "action.channels"},
		{"control 1", func(r *Rule) { r.Action.Control = 1 }, "action.control"},
		{"response", func(r *Rule) { r.Action.Response = 1.5 }, "action.response"},
		{"baseline above response", func(r *Rule) { r.Action.Baseline = 0.9 }, "action.baseline"},
		{"timing days on now", func(r *Rule) { r.Action.Timing = Timing{Kind: Now, Days: 1} }, "action.timing.days"},
	}
	for _, tt := range tests {
		r := ok()
		tt.edit(&r)
		err := (&RuleSet{Rules: []Rule{r}}).Validate()
		var re *RuleError
		if !errors.As(err, &re) || re.Field != tt.field || !errors.Is(err, ErrRule) {
			t.Errorf("%s: %v, want a RuleError on %s", tt.name, err, tt.field)
			continue
		}
		if r.Name != "" && !strings.Contains(err.Error(), `"`+r.Name+`"`) {
			t.Errorf("%s: %v does not name the rule", tt.name, err)
		}
	}
	r := ok()
	if err := (&RuleSet{Rules: []Rule{r, r}}).Validate(); err == nil || !strings.Contains(err.Error(), "repeated") {
		t.Errorf("repeated name: %v", err)
	}
	if err := (&RuleSet{}).Validate(); err == nil {
		t.Error("empty set: no error")
	}
	check.NoErr(t, DefaultRules().Validate())
}

func TestRulesJSON(t *testing.T) {
	rs := DefaultRules()
	rs.Rules = append(rs.Rules, Rule{Name: "newsletter", Trigger: Trigger{Kind: Schedule, Start: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), Every: 7},
		Action: Action{Message: "news", Value: Spend, Response: 0.01}})
	b := check.Must(json.Marshal(rs))
	if !strings.HasPrefix(string(b), `{"format":"cvm.contact.rules","version":1,`) {
		t.Fatalf("envelope: %.60s", b)
	}
	var got RuleSet
	check.NoErr(t, json.Unmarshal(b, &got))
	if !reflect.DeepEqual(&got, rs) {
		t.Fatal("round trip differs")
	}
	bad := []struct{ name, in, want string }{
		{"other format", `{"format":"cvm.x","version":1,"rules":[]}`, "cvm.x"},
		{"unknown field", `{"format":"cvm.contact.rules","version":1,"rules":[],"x":1}`, `unknown field "x"`},
		{"invalid rule", `{"format":"cvm.contact.rules","version":1,"rules":[{"name":"r","trigger":{"kind":"alive_below","level":2},"action":{"message":"m","offer":{"kind":"none"},"timing":{"kind":"now"},"priority":1,"value":"spend","response":0.1,"baseline":0}}]}`, `rule "r": trigger.level`},
		{"unknown trigger", `{"format":"cvm.contact.rules","version":1,"rules":[{"name":"r","trigger":{"kind":"moon"}}]}`, `moon`},
		{"unknown channel", `{"format":"cvm.contact.rules","version":1,"rules":[{"name":"r","trigger":{"kind":"overdue"},"action":{"channels":["fax"]}}]}`, `fax`},
	}
	for _, tt := range bad {
		var rs RuleSet
		err := json.Unmarshal([]byte(tt.in), &rs)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
	var fe *cvm.FormatError
	if err := json.Unmarshal([]byte(`{"format":"cvm.contact.rules","version":2,"rules":[]}`), &got); !errors.As(err, &fe) {
		t.Errorf("version 2: %v", err)
	}
}

func FuzzRulesJSON(f *testing.F) {
	f.Add(check.Must(json.Marshal(DefaultRules())))
	f.Add([]byte(`{"format":"cvm.contact.rules","version":1,"rules":[{"name":"r","trigger":{"kind":"schedule","every_days":0}}]}`))
	// Hostile seeds: each a near miss of a valid file.
	const head = `{"format":"cvm.contact.rules","version":1,"rules":[`
	const act = `"action":{"message":"m","offer":{"kind":"none"},"timing":{"kind":"now"},"priority":1,"value":"spend","response":0.1,"baseline":0}`
	for _, r := range []string{
		`{"name":"r","trigger":{"kind":"schedule","start":"2026-01-05T00:00:00Z","every_days":-7},` + act + `}`,
		`{"name":"r","trigger":{"kind":"schedule","start":"0001-01-01T00:00:00Z","every_days":7},` + act + `}`,
		`{"name":"r","trigger":{"kind":"schedule","start":"9999-12-31T23:59:59Z","every_days":3660},` + act + `}`,
		`{"name":"r","trigger":{"kind":"transition","to":["decline"],"within_days":-1},` + act + `}`,
		`{"name":"r","trigger":{"kind":"transition","to":["decline"],"within_days":9223372036854775807},` + act + `}`,
		`{"name":"r","trigger":{"kind":"transition","to":[255]},` + act + `}`,
		`{"name":"r","trigger":{"kind":"anniversary","within_days":3660},` + act + `}`,
		`{"name":"r","trigger":{"kind":"follow_up","days":[-1,99999999999]},` + act + `}`,
		`{"name":"r","trigger":{"kind":"overdue","factor":1e308},` + act + `}`,
		`{"name":"r","trigger":{"kind":"alive_below","level":"NaN"},` + act + `}`,
		`{"name":"r","trigger":{"kind":"alive_below","level":1e-320},` + act + `}`,
		`{"name":"r","trigger":{"kind":"overdue"},"action":{"message":"m","offer":{"kind":"fixed","amount":1e308},"timing":{"kind":"delay","days":3660},"priority":-9223372036854775808,"value":"at_risk","response":1,"baseline":1,"control":0.9999999999999999}}`,
		`{"name":"r","trigger":{"kind":"overdue"},"action":{"message":"m","offer":{"kind":"share","amount":1},"channels":["phone","phone",""],"timing":{"kind":"rhythm"},"value":"clv","response":1,"baseline":0,"control":-1}}`,
		`{"name":"r","trigger":{"kind":"overdue"},"eligible":{"min_clv":5,"max_clv":1,"flags":["x"]},` + act + `}`,
		`{"name":"r","trigger":{"kind":"overdue"},` + act + `},{"name":"r","trigger":{"kind":"overdue"},` + act + `}`,
		`{"name":"","trigger":{"kind":"overdue"},` + act + `}`,
		`null`,
		`{"name":"r","trigger":null,"action":null}`,
	} {
		f.Add([]byte(head + r + `]}`))
	}
	f.Add([]byte(head))
	f.Add([]byte(`{"format":"cvm.contact.rules","version":1,"rules":null}`))
	f.Add([]byte(`{"format":"cvm.contact.rules","version":1,"rules":[]} {}`))
	f.Add([]byte(`{"format":"cvm.contact.rules","version":1,"version":2,"rules":[]}`))
	f.Add([]byte(`[` + strings.Repeat(`[`, 10000)))
	cs := genCustomers(40, 1)
	f.Fuzz(func(t *testing.T, b []byte) {
		var rs RuleSet
		if json.Unmarshal(b, &rs) != nil {
			return
		}
		check.NoErr(t, rs.Validate())
		b2 := check.Must(json.Marshal(&rs))
		var rs2 RuleSet
		check.NoErr(t, json.Unmarshal(b2, &rs2))
		// The encoding is a fixed point (an empty list decodes as nil
		// after one round).
		if b3 := check.Must(json.Marshal(&rs2)); !bytes.Equal(b2, b3) {
			t.Fatalf("round trip differs:\n%s\n%s", b2, b3)
		}
		// A rule set that decodes plans without a panic, with and
		// without a budget.
		for _, s := range []*Settings{nil, {Budget: 1}} {
			if _, err := Decide(context.Background(), cs, nil, &rs, asOf, s); err != nil {
				var re *RuleError
				if errors.As(err, &re) {
					t.Fatalf("decoded rules invalid in Decide: %v", err)
				}
			}
		}
	})
}

// Evaluate on a hand case: treated 3 of 4 responded, control 1 of 4.
func TestEvaluateHand(t *testing.T) {
	var ds []Decision
	var os []Outcome
	for i := 0; i < 8; i++ {
		id := fmt.Sprint(i)
		ds = append(ds, Decision{Customer: id, RuleName: "r", Control: i >= 4})
		if i < 3 || i == 4 {
			os = append(os, Outcome{Customer: id, Responded: true, Revenue: 10})
		}
	}
	ev := Evaluate(ds, os)
	o := ev.Overall
	// p1 = 0.75, p0 = 0.25, se = sqrt(.75*.25/4 + .25*.75/4) = sqrt(0.09375).
	se := math.Sqrt(0.09375)
	check.Float(t, "uplift", o.Uplift, 0.5, 1e-12, 0)
	check.Float(t, "lo", o.UpliftLo, 0.5-1.959963984540054*se, 1e-12, 0)
	check.Float(t, "hi", o.UpliftHi, 0.5+1.959963984540054*se, 1e-12, 0)
	// Revenue: 7.5 vs 2.5 per customer; variances 25*3/4/... by hand:
	// treated values 10,10,10,0: mean 7.5, sample var 25; control 10,0,0,0
	// the same; se = sqrt(25/4+25/4).
	check.Float(t, "revenue uplift", o.RevenueUplift, 5, 1e-12, 0)
	check.Float(t, "revenue lo", o.RevenueUpliftLo, 5-1.959963984540054*math.Sqrt(12.5), 1e-12, 0)
	if len(ev.Rules) != 1 || ev.Rules[0].Treated.N != 4 || ev.Rules[0].Control.Responders != 1 || !o.OK {
		t.Fatalf("rules %+v", ev.Rules)
	}
	if ev := Evaluate(ds[:4], os); ev.Overall.OK || ev.Overall.Uplift != 0 {
		t.Fatalf("no control: %+v", ev.Overall)
	}
}

// Evaluate recovers a known uplift within its 95% interval at the nominal
// rate: 1000 simulated experiments, control rate 0.10, treated 0.15.
func TestEvaluateCoverage(t *testing.T) {
	const runs, n, p0, p1 = 1000, 2000, 0.10, 0.15
	covered := 0
	ds := make([]Decision, 2*n)
	os := make([]Outcome, 0, 2*n)
	for i := range ds {
		ds[i] = Decision{Customer: fmt.Sprint(i), RuleName: "r", Control: i >= n}
	}
	for s := 0; s < runs; s++ {
		rng := rand.New(rand.NewPCG(uint64(s), 11))
		os = os[:0]
		for i := range ds {
			p := p1
			if ds[i].Control {
				p = p0
			}
			if rng.Float64() < p {
				os = append(os, Outcome{Customer: ds[i].Customer, Responded: true, Revenue: 20})
			}
		}
		o := Evaluate(ds, os).Overall
		if o.UpliftLo <= p1-p0 && p1-p0 <= o.UpliftHi {
			covered++
		}
	}
	// Binomial(1000, 0.95): sd 6.9; allow 4 sd.
	if covered < 922 || covered > 978 {
		t.Fatalf("covered %d of %d, want about 950", covered, runs)
	}
	t.Logf("coverage %d/%d", covered, runs)
}

// Rates: the Beta-Binomial posterior mean by hand, and learning moves the
// next allocation.
func TestRatesLearn(t *testing.T) {
	var r Rates
	for i := 0; i < 80; i++ {
		r.Observe("save", "At Risk", false, i < 40)
		r.Observe("save", "At Risk", true, i < 4)
	}
	// Prior 0.10 with weight 20: (2 + 40) / (20 + 80) = 0.42; control
	// prior 0.04: (0.8 + 4) / 100 = 0.048.
	check.Float(t, "treated", r.Rate("save", "At Risk", 0.10, false), 0.42, 1e-12, 0)
	check.Float(t, "control", r.Rate("save", "At Risk", 0.04, true), 0.048, 1e-12, 0)
	check.Float(t, "other segment", r.Rate("save", "Loyal", 0.10, false), 0.10, 0, 0)
	c := Customer{ID: "a", Segment: "At Risk", Stage: lifecycle.Decline, Since: asOf.Add(-24 * time.Hour), Forecast: true, PAlive: 0.5, CLV: 100, ExpectedSpend: 10}
	before := mustDecide(t, []Customer{c}, nil, nil, &Settings{Control: Off}).Decisions[0]
	after := mustDecide(t, []Customer{c}, nil, nil, &Settings{Control: Off, Rates: &r}).Decisions[0]
	check.Float(t, "prior response", before.Response, 0.06, 1e-12, 0)
	check.Float(t, "learned response", after.Response, 0.42-0.048, 1e-12, 0)
	// Net = response x (value - offer) - channel: value at risk
	// 100 x 0.5 / 0.5 = 100, offer 10% of 10 = 1, e-mail 0.05.
	check.Float(t, "net", after.Net, (0.42-0.048)*(100-1)-0.05, 1e-12, 0)
}

// Decide does not modify its inputs and gives the same plan whatever the
// worker count (ranges are joined in order).
func TestDecideNoMutationDeterministic(t *testing.T) {
	cs := genCustomers(30000, 9)
	cp := append([]Customer(nil), cs...)
	h := []Contact{{Customer: cs[5].ID, At: asOf.Add(-time.Hour)}}
	a := mustDecide(t, cs, h, nil, &Settings{Budget: 300, Seed: 1})
	if !reflect.DeepEqual(cs, cp) {
		t.Fatal("customers modified")
	}
	prev := runtime.GOMAXPROCS(1)
	b := mustDecide(t, cs, h, nil, &Settings{Budget: 300, Seed: 1})
	runtime.GOMAXPROCS(prev)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the plans on 1 and on GOMAXPROCS workers differ")
	}
	if _, err := Decide(context.Background(), cs, nil, nil, time.Time{}, nil); !errors.Is(err, ErrAsOf) {
		t.Fatalf("zero as-of: %v", err)
	}
	for _, s := range []Settings{{Budget: -1}, {Control: 1}, {Budget: math.NaN()}, {Hours: Hours{20, 9}}, {QuietAfterContact: -2}} {
		if _, err := Decide(context.Background(), cs, nil, nil, asOf, &s); err == nil {
			t.Errorf("settings %+v: no error", s)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Decide(ctx, cs, nil, nil, asOf, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestEnums(t *testing.T) {
	for c := Push; c < numChannels; c++ {
		var d Channel
		check.NoErr(t, d.UnmarshalText(check.Must(c.MarshalText())))
		if d != c {
			t.Errorf("%s round trip %s", c, d)
		}
	}
	s := check.Must(ParseChannelSet("email|sms"))
	if !s.Has(Email) || !s.Has(SMS) || s.Has(Push) || s.String() != "email|sms" {
		t.Errorf("set %s", s)
	}
	if check.Must(ParseChannelSet("yes")) != AllChannels || check.Must(ParseChannelSet("")) != 0 {
		t.Error("boolean opt-outs")
	}
	if _, err := ParseChannelSet("fax"); err == nil {
		t.Error("fax accepted")
	}
	var k TriggerKind
	if err := k.UnmarshalText([]byte("moon")); err == nil {
		t.Error("moon accepted")
	}
}

func TestComplaints(t *testing.T) {
	d := 24 * time.Hour
	h := []Contact{
		{Customer: "a", At: asOf.Add(-10 * d), Complaint: true},
		{Customer: "a", At: asOf.Add(-400 * d), Complaint: true}, // over 12 months
		{Customer: "a", At: asOf.Add(-5 * d)},                    // no complaint
		{Customer: "b", At: asOf.Add(2 * d), Complaint: true},    // after the as-of
		{Customer: "c", At: asOf, Complaint: true},
	}
	if got := Complaints(h, asOf); !reflect.DeepEqual(got, map[string]int{"a": 1, "c": 1}) {
		t.Fatalf("got %v", got)
	}
}
