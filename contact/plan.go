package contact

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/cvmkit/cvm/internal/civil"
	"github.com/cvmkit/cvm/internal/parallel"
	"github.com/cvmkit/cvm/lifecycle"
)

// DefaultCosts are the default cost of one contact by channel: push 0.01,
// e-mail 0.05, SMS 0.10, mail 1.00, phone 3.00 (currency units; policy
// values, replace them with the host's).
var DefaultCosts = [NumChannels]float64{0, 0.01, 0.05, 0.10, 1, 3}

// Settings configure Decide. A nil *Settings means every default; in a
// non-nil one every zero field takes its default.
type Settings struct {
	// Budget is the most the treated contacts may cost in total (channel
	// plus offer costs); 0 means no budget (every contact with a positive
	// expected net value is made).
	Budget float64
	// MaxPerCustomer is the most contacts one customer gets in this plan;
	// 0 means 1.
	MaxPerCustomer int
	// MaxPerWindow is the most contacts one customer gets in any Window
	// days, the history's included; 0 means 4. Window 0 means 30 days, at
	// most 3660.
	MaxPerWindow int
	Window       int
	// QuietAfterContact is the days after a contact during which the
	// customer is not contacted again (0 means 3; Off none);
	// QuietAfterComplaint the days after a complaint during which only
	// service contacts are made (0 means 14; Off none). At most 3660.
	QuietAfterContact   int
	QuietAfterComplaint int
	// Control is the share of each rule's chosen customers held out as a
	// control group when the rule does not set its own; 0 means 0.1, Off
	// none.
	Control float64
	// Seed chooses the control groups: the same seed, customers and rules
	// give the same groups.
	Seed uint64
	// Costs are the contact costs by channel; an all-zero array means
	// DefaultCosts. A channel with a zero cost is free.
	Costs [NumChannels]float64
	// Hours are the default allowed send hours (UTC); zero means 9 to 20.
	Hours Hours
	// Rates, when not nil, are the response rates learned from earlier
	// outcomes, which replace the rules' priors (see Rates).
	Rates *Rates
}

// Decision is one planned contact, or one held out as control.
type Decision struct {
	// Customer is the customer's ID and Index its index in the customers
	// given to Decide; Rule the index of the rule in the rule set and
	// RuleName its name.
	Customer string
	Index    int
	Rule     int
	RuleName string
	Message  string
	Offer    Offer
	Segment  string
	// Fired is when the trigger fired; SendAt the send time.
	Fired  time.Time
	SendAt time.Time
	// Channel and why it was chosen.
	Channel Channel
	Reason  ChannelReason
	// OfferCost and ChannelCost are the costs; Cost their sum, what the
	// contact takes from the budget.
	OfferCost, ChannelCost, Cost float64
	// Response is the expected incremental response (response minus
	// baseline rate), Value the incremental value of a response, Net the
	// expected net value Response x (Value - OfferCost) - ChannelCost:
	// the offer is paid only by responders, the channel always.
	Response, Value, Net float64
	// Control says the decision is held out: the customer is not
	// contacted and costs nothing.
	Control bool
}

// Why returns the decision's reasons in words.
func (d *Decision) Why(rs *RuleSet) string {
	r := &rs.Rules[d.Rule]
	g := "treatment"
	if d.Control {
		g = "control (held out, not contacted)"
	}
	return fmt.Sprintf("%s fired %s (%s); channel %s: %s; %s timing; expected %.4f x (%s %.2f - offer %.2f) - channel %.2f = %.2f; %s",
		r.Trigger.Kind, d.Fired.UTC().Format(time.DateOnly), r.Name, d.Channel, d.Reason, r.Action.Timing.Kind, d.Response, r.Action.Value, d.Value, d.OfferCost, d.ChannelCost, d.Net, g)
}

// Stats count what happened to the fired rules.
type Stats struct {
	Customers int `json:"customers"` // the customers planned for
	// Fired are the (customer, rule) pairs whose trigger fired and
	// Eligible those that also met the rule's conditions.
	Fired    int `json:"fired"`
	Eligible int `json:"eligible"`
	// OptedOut: eligible pairs without a channel the customer accepts;
	// Done: the rule already contacted the customer since the trigger
	// fired (history); Quiet: in a quiet period; Unprofitable: expected
	// net value <= 0; Capped: lost to a higher-priority rule or the caps;
	// OverBudget: left out by the budget.
	OptedOut     int `json:"opted_out"`
	Done         int `json:"done"`
	Quiet        int `json:"quiet"`
	Unprofitable int `json:"unprofitable"`
	Capped       int `json:"capped"`
	OverBudget   int `json:"over_budget"`
	// Treated and Control are the decisions of each group.
	Treated int `json:"treated"`
	Control int `json:"control"`
}

// Allocation describes the budget step: the algorithm, the budget, what the
// treated contacts cost and their expected net value, and Bound, an upper
// bound on the best possible value of the chosen set before the holdout
// (the LP relaxation; equal to Chosen when there is no budget).
type Allocation struct {
	Method string  `json:"method"` // MethodAll, MethodGreedy, MethodExact or MethodSingle
	Budget float64 `json:"budget"` // Settings.Budget; 0 for no budget
	// Chosen is the value and cost of the set the budget allows, before
	// the control holdout; Spent and Value are the treated ones'.
	Chosen     float64 `json:"chosen_value"`
	ChosenCost float64 `json:"chosen_cost"`
	Spent      float64 `json:"spent"`
	Value      float64 `json:"value"`
	Bound      float64 `json:"bound"`
}

// Plan is the result of planning: the decisions in customer order (then
// priority), treated and control.
type Plan struct {
	AsOf       time.Time  // the time the plan was made for
	Decisions  []Decision // the decisions, in customer order, then priority
	Stats      Stats      // what happened to the fired rules
	Allocation Allocation // the budget step
}

// ErrAsOf is returned by Decide for a zero as-of.
var ErrAsOf = errors.New("contact: zero as-of")

// maxDays is the most days of a setting (Window, the quiet periods), as of
// a rule's day fields: some ten years.
const maxDays = 3660

// settings with defaults applied.
type plan struct {
	rules        *RuleSet
	asOf         time.Time
	asOfDay      int64
	budget       float64
	perCustomer  int
	perWindow    int
	window       time.Duration
	quietContact time.Duration
	quietCompl   time.Duration
	control      float64
	seed         uint64
	costs        [NumChannels]float64
	allowed      []ChannelSet // per rule
	hours        Hours
	rates        *Rates
	hist         *history
}

func newPlan(rules *RuleSet, asOf time.Time, s *Settings) (*plan, error) {
	if s == nil {
		s = &Settings{}
	}
	p := &plan{rules: rules, asOf: asOf, asOfDay: day(asOf), budget: s.Budget, perCustomer: s.MaxPerCustomer, perWindow: s.MaxPerWindow,
		seed: s.Seed, costs: s.Costs, hours: s.Hours, rates: s.Rates}
	if !(p.budget >= 0 && p.budget < math.Inf(1)) {
		return nil, fmt.Errorf("contact: Settings.Budget %v: want a finite amount >= 0", s.Budget)
	}
	if p.perCustomer < 0 {
		return nil, fmt.Errorf("contact: Settings.MaxPerCustomer %d: want 0 or more", s.MaxPerCustomer)
	}
	if p.perWindow < 0 {
		return nil, fmt.Errorf("contact: Settings.MaxPerWindow %d: want 0 or more", s.MaxPerWindow)
	}
	if s.Window < 0 || s.Window > maxDays {
		return nil, fmt.Errorf("contact: Settings.Window %d: want 0 to %d days", s.Window, maxDays)
	}
	if p.perCustomer == 0 {
		p.perCustomer = 1
	}
	if p.perWindow == 0 {
		p.perWindow = 4
	}
	w := s.Window
	if w == 0 {
		w = 30
	}
	p.window = time.Duration(w) * 24 * time.Hour
	quiet := func(name string, v, def int) (time.Duration, error) {
		switch {
		case v == Off:
			return 0, nil
		case v == 0:
			return time.Duration(def) * 24 * time.Hour, nil
		case v > 0 && v <= maxDays:
			return time.Duration(v) * 24 * time.Hour, nil
		}
		return 0, fmt.Errorf("contact: Settings.%s %d: want 0 to %d days, or Off", name, v, maxDays)
	}
	var err error
	if p.quietContact, err = quiet("QuietAfterContact", s.QuietAfterContact, 3); err != nil {
		return nil, err
	}
	if p.quietCompl, err = quiet("QuietAfterComplaint", s.QuietAfterComplaint, 14); err != nil {
		return nil, err
	}
	switch {
	case s.Control == Off:
		p.control = 0
	case s.Control == 0:
		p.control = 0.1
	case s.Control > 0 && s.Control < 1:
		p.control = s.Control
	default:
		return nil, fmt.Errorf("contact: Settings.Control %v: want a share in [0, 1) or Off", s.Control)
	}
	if p.costs == ([NumChannels]float64{}) {
		p.costs = DefaultCosts
	}
	for c, v := range p.costs {
		if !(v >= 0 && v < math.Inf(1)) {
			return nil, fmt.Errorf("contact: Settings.Costs[%s] %v: want a finite cost >= 0", Channel(c), v)
		}
	}
	if p.hours == (Hours{}) {
		p.hours = Hours{9, 20}
	}
	if !p.hours.valid() {
		return nil, fmt.Errorf("contact: Settings.Hours %d-%d: want 0 <= from < to <= 24", p.hours.From, p.hours.To)
	}
	p.allowed = make([]ChannelSet, len(rules.Rules))
	for i := range rules.Rules {
		var set ChannelSet
		for _, c := range rules.Rules[i].Action.Channels {
			set = set.With(c)
		}
		if set == 0 {
			for c := Push; c < numChannels; c++ {
				if p.costs[c] > 0 || c == Push {
					set = set.With(c)
				}
			}
		}
		p.allowed[i] = set
	}
	return p, nil
}

// Decide evaluates every rule for every customer as of asOf and returns the
// contacts to make, in five steps (see the package doc):
//
//  1. triggers and eligibility, per customer and rule;
//  2. channel and consent: the stated preference, else the channel last
//     responded on, else the cheapest; never an opted-out channel;
//  3. pressure: quiet periods after a contact or complaint, a rule that
//     already acted since its trigger, the caps per plan and per window
//     (history included); priority (then net value) decides between a
//     customer's competing actions, and unprofitable ones (net <= 0) are
//     never made;
//  4. the budget: exact for at most ExactItems candidates, else greedy by
//     net value per unit cost, or the best single contact when it is worth
//     more (at least half the optimum);
//  5. the control holdout: per rule, the exact share of the chosen
//     customers with the smallest seeded hash.
//
// An empty customers gives an empty plan. history is the host's contact
// history in any order (contacts after asOf
// are ignored; a contact of an unknown customer is ignored). customers and
// history are not modified or kept. rules nil means DefaultRules. A zero
// asOf is ErrAsOf; invalid rules a *RuleError; a customer with invalid
// hours, a stated channel that is not a channel, or (with a forecast) a
// P(alive) outside [0, 1], a NaN or infinite CLV, or a NaN, infinite or
// negative expected spend or purchases, an error naming the customer and
// the field; ctx.Err when ctx is done.
func Decide(ctx context.Context, customers []Customer, history []Contact, rules *RuleSet, asOf time.Time, s *Settings) (*Plan, error) {
	if asOf.IsZero() {
		return nil, ErrAsOf
	}
	if rules == nil {
		rules = DefaultRules()
	}
	if err := rules.Validate(); err != nil {
		return nil, err
	}
	p, err := newPlan(rules, asOf, s)
	if err != nil {
		return nil, err
	}
	if len(history) > 0 {
		p.hist = indexHistory(customers, history, asOf)
		p.hist.countWindow(asOf, p.window)
	}
	// Steps 1-3 on ranges of customers, each into its own slice.
	type part struct {
		lo    int
		items []Decision
		st    Stats
		err   error
	}
	var (
		mu    sync.Mutex
		parts []part
	)
	parallel.For(len(customers), 4096, func(lo, hi int) {
		pt := part{lo: lo, items: make([]Decision, 0, (hi-lo)/2+8)}
		scratch := make([]Decision, 0, len(rules.Rules))
		for i := lo; i < hi; i++ {
			if (i-lo)&0xffff == 0 && ctx.Err() != nil {
				pt.err = ctx.Err()
				break
			}
			var err error
			pt.items, scratch, err = p.customer(pt.items, scratch, customers, i, &pt.st)
			if err != nil {
				pt.err = err
				break
			}
		}
		mu.Lock()
		parts = append(parts, pt)
		mu.Unlock()
	})
	slices.SortFunc(parts, func(a, b part) int { return cmp.Compare(a.lo, b.lo) })
	out := &Plan{AsOf: asOf}
	n := 0
	for _, pt := range parts {
		if pt.err != nil {
			return nil, pt.err
		}
		n += len(pt.items)
	}
	items := make([]Decision, 0, n)
	for _, pt := range parts {
		items = append(items, pt.items...)
		out.Stats.add(&pt.st)
	}
	out.Stats.Customers = len(customers)
	// Step 4.
	keep, alloc := allocate(items, p.budget)
	out.Allocation = alloc
	out.Stats.OverBudget = len(items) - len(keep)
	chosen := make([]Decision, len(keep))
	for j, k := range keep {
		chosen[j] = items[k]
	}
	// Step 5.
	p.holdout(chosen)
	for j := range chosen {
		d := &chosen[j]
		if d.Control {
			out.Stats.Control++
		} else {
			out.Stats.Treated++
			out.Allocation.Spent += d.Cost
			out.Allocation.Value += d.Net
		}
	}
	out.Decisions = chosen
	return out, ctx.Err()
}

func (s *Stats) add(o *Stats) {
	s.Fired += o.Fired
	s.Eligible += o.Eligible
	s.OptedOut += o.OptedOut
	s.Done += o.Done
	s.Quiet += o.Quiet
	s.Unprofitable += o.Unprofitable
	s.Capped += o.Capped
}

// customer appends customer i's decisions (after step 3) to dst.
func (p *plan) customer(dst, scratch []Decision, cs []Customer, i int, st *Stats) ([]Decision, []Decision, error) {
	c := &cs[i]
	scratch = scratch[:0]
	if err := c.check(); err != nil {
		return dst, scratch, err
	}
	var hc *custHistory
	if p.hist != nil {
		hc = p.hist.of(i)
	}
	quietAll, quietComplaint := false, false
	if hc != nil || !c.Complaint.IsZero() {
		lastContact, lastComplaint := time.Time{}, c.Complaint
		if hc != nil {
			lastContact = hc.lastContact
			if hc.lastComplaint.After(lastComplaint) {
				lastComplaint = hc.lastComplaint
			}
		}
		quietAll = p.quietContact > 0 && !lastContact.IsZero() && p.asOf.Sub(lastContact) < p.quietContact
		quietComplaint = p.quietCompl > 0 && !lastComplaint.IsZero() && !lastComplaint.After(p.asOf) && p.asOf.Sub(lastComplaint) < p.quietCompl
	}
	for r := range p.rules.Rules {
		rule := &p.rules.Rules[r]
		fired, ok := rule.Trigger.fire(c, p.asOf, p.asOfDay)
		if !ok {
			continue
		}
		st.Fired++
		if !rule.Eligible.holds(c) {
			continue
		}
		st.Eligible++
		ch, why := p.channel(c, r, hc)
		if ch == NoChannel {
			st.OptedOut++
			continue
		}
		if hc != nil && hc.ruleSince(p.hist, rule.Name, fired) {
			st.Done++
			continue
		}
		if quietAll || (quietComplaint && !rule.Action.Service) {
			st.Quiet++
			continue
		}
		d, err := p.decide(c, i, r, fired, ch, why)
		if err != nil {
			return dst, scratch, err
		}
		if !(d.Net > 0) {
			st.Unprofitable++
			continue
		}
		scratch = append(scratch, d)
	}
	if len(scratch) == 0 {
		return dst, scratch, nil
	}
	k := p.perCustomer
	if hc != nil {
		k = min(k, p.perWindow-hc.inWindow)
	} else {
		k = min(k, p.perWindow)
	}
	k = max(k, 0)
	if len(scratch) > 1 {
		slices.SortStableFunc(scratch, func(a, b Decision) int {
			pa, pb := p.rules.Rules[a.Rule].Action.Priority, p.rules.Rules[b.Rule].Action.Priority
			if pa != pb {
				return cmp.Compare(pb, pa)
			}
			if a.Net != b.Net {
				return cmp.Compare(b.Net, a.Net)
			}
			return cmp.Compare(a.Rule, b.Rule)
		})
	}
	if k < len(scratch) {
		st.Capped += len(scratch) - k
		scratch = scratch[:k]
	}
	return append(dst, scratch...), scratch, nil
}

// channel returns the channel for rule r and customer c, and why;
// NoChannel when the customer accepts none of them.
func (p *plan) channel(c *Customer, r int, hc *custHistory) (Channel, ChannelReason) {
	if c.OptOut&AllChannels == AllChannels {
		return NoChannel, NoReason
	}
	if c.Channel != NoChannel {
		if c.OptOut.Has(c.Channel) {
			return NoChannel, NoReason
		}
		return c.Channel, Stated
	}
	allowed := p.allowed[r] &^ c.OptOut
	if allowed == 0 {
		return NoChannel, NoReason
	}
	if hc != nil && hc.responded != NoChannel && allowed.Has(hc.responded) {
		return hc.responded, History
	}
	best := NoChannel
	for ch := Push; ch < numChannels; ch++ {
		if allowed.Has(ch) && (best == NoChannel || p.costs[ch] < p.costs[best]) {
			best = ch
		}
	}
	return best, Cheapest
}

// decide fills the decision of rule r for customer c.
func (p *plan) decide(c *Customer, i, r int, fired time.Time, ch Channel, why ChannelReason) (Decision, error) {
	rule := &p.rules.Rules[r]
	a := &rule.Action
	d := Decision{Customer: c.ID, Index: i, Rule: r, RuleName: rule.Name, Message: a.Message, Offer: a.Offer, Segment: c.Segment,
		Fired: fired, Channel: ch, Reason: why}
	spend := c.ExpectedSpend
	if !c.Forecast {
		spend = 0
	}
	d.OfferCost = a.Offer.Cost(spend)
	d.ChannelCost = p.costs[ch]
	d.Cost = d.OfferCost + d.ChannelCost
	switch a.Value {
	case Spend:
		d.Value = spend
	case CLV:
		if c.Forecast {
			d.Value = c.CLV
		}
	case AtRisk:
		if c.Forecast {
			d.Value = c.CLV * (1 - c.PAlive) / max(c.PAlive, 0.05)
		}
	}
	resp, base := a.Response, a.Baseline
	if p.rates != nil {
		resp, base = p.rates.rates(rule.Name, c.Segment, resp, base)
	}
	d.Response = max(resp-base, 0)
	d.Net = d.Response*(d.Value-d.OfferCost) - d.ChannelCost
	at, err := p.sendAt(c, a.Timing, fired)
	if err != nil {
		return d, err
	}
	d.SendAt = at
	return d, nil
}

// sendAt returns the send time: from the timing, never before the as-of,
// moved into the allowed hours.
func (p *plan) sendAt(c *Customer, t Timing, fired time.Time) (time.Time, error) {
	at := p.asOf
	switch t.Kind {
	case Delay:
		at = addDays(fired, t.Days)
	case Rhythm:
		if iv := c.Interval(); iv > 0 && !c.Last.IsZero() {
			at = addDays(c.Last, iv)
		}
	}
	if at.Before(p.asOf) {
		at = p.asOf
	}
	h := p.hours
	if c.Hours != (Hours{}) {
		if !c.Hours.valid() {
			return at, fmt.Errorf("contact: customer %q: hours %d-%d: want 0 <= from < to <= 24", c.ID, c.Hours.From, c.Hours.To)
		}
		h = c.Hours
	}
	at = at.UTC()
	y, m, dd := at.Date()
	switch hr := at.Hour(); {
	case hr < int(h.From):
		at = time.Date(y, m, dd, int(h.From), 0, 0, 0, time.UTC)
	case hr >= int(h.To):
		at = time.Date(y, m, dd+1, int(h.From), 0, 0, 0, time.UTC)
	}
	return at, nil
}

// addDays returns t plus days (>= 0), at most t plus the longest
// time.Duration (some 292 years): the conversion of more days would
// overflow and wrap to a time in the past.
func addDays(t time.Time, days float64) time.Time {
	ns := days * 24 * float64(time.Hour)
	if !(ns < math.MaxInt64) {
		return t.Add(math.MaxInt64)
	}
	return t.Add(time.Duration(ns))
}

// day returns t's UTC calendar day number.
func day(t time.Time) int64 { return civil.UnixDay(t.Unix()) }

func dayTime(d int64) time.Time { return time.Unix(d*86400, 0).UTC() }

// fire says whether t fires for c as of asOf, and when it fired.
func (t *Trigger) fire(c *Customer, asOf time.Time, asOfDay int64) (time.Time, bool) {
	switch t.Kind {
	case Transition:
		if c.Since.IsZero() || c.Since.After(asOf) || !hasStage(t.To, c.Stage) || (len(t.From) > 0 && !hasStage(t.From, c.From)) {
			return time.Time{}, false
		}
		w := t.Within
		if w == 0 {
			w = 31
		}
		if asOf.Sub(c.Since) >= time.Duration(w)*24*time.Hour {
			return time.Time{}, false
		}
		return c.Since, true
	case AliveBelow:
		if c.Forecast && c.PAlive < t.Level {
			return asOf, true
		}
	case Overdue:
		iv := c.Interval()
		if iv <= 0 || c.Last.IsZero() || !c.Stage.Active() {
			return time.Time{}, false
		}
		f := t.Factor
		if f == 0 {
			f = 1.5
		}
		if !(asOf.Sub(c.Last).Hours()/24 > f*iv) {
			return time.Time{}, false
		}
		if due := addDays(c.Last, f*iv); due.Before(asOf) {
			return due, true
		}
	case Anniversary:
		if c.First.IsZero() || !c.First.Before(asOf) {
			return time.Time{}, false
		}
		w := t.Within
		if w == 0 {
			w = 7
		}
		f := c.First.UTC()
		a := asOf.UTC()
		years := a.Year() - f.Year()
		an := time.Date(f.Year()+years, f.Month(), f.Day(), 0, 0, 0, 0, time.UTC)
		if day(an) > asOfDay {
			years--
			an = time.Date(f.Year()+years, f.Month(), f.Day(), 0, 0, 0, 0, time.UTC)
		}
		if years >= 1 && asOfDay-day(an) < int64(w) {
			return an, true
		}
	case SegmentChange:
		if c.PrevSegment == "" || c.PrevSegment == c.Segment {
			return time.Time{}, false
		}
		if (len(t.FromSegments) == 0 || slices.Contains(t.FromSegments, c.PrevSegment)) && (len(t.ToSegments) == 0 || slices.Contains(t.ToSegments, c.Segment)) {
			return asOf, true
		}
	case FollowUp:
		if c.Resolved.IsZero() || c.Resolved.After(asOf) {
			return time.Time{}, false
		}
		d := asOfDay - day(c.Resolved)
		days := t.Days
		if len(days) == 0 {
			days = defaultFollowUp
		}
		for _, x := range days {
			if int64(x) == d {
				return dayTime(asOfDay), true
			}
		}
	case Schedule:
		d := asOfDay - day(t.Start)
		if d >= 0 && d%int64(t.Every) == 0 {
			return dayTime(asOfDay), true
		}
	}
	return time.Time{}, false
}

var defaultFollowUp = []int{1, 7, 30}

func hasStage(set []lifecycle.Stage, s lifecycle.Stage) bool { return slices.Contains(set, s) }

// holds says whether c meets e.
func (e *Eligibility) holds(c *Customer) bool {
	if len(e.Quadrants) > 0 && !slices.Contains(e.Quadrants, c.Quadrant) {
		return false
	}
	if len(e.Tiers) > 0 && !slices.Contains(e.Tiers, c.Tier) {
		return false
	}
	if len(e.Stages) > 0 && !slices.Contains(e.Stages, c.Stage) {
		return false
	}
	if len(e.Segments) > 0 && !slices.Contains(e.Segments, c.Segment) {
		return false
	}
	if e.MinCLV > 0 || e.MaxCLV > 0 || e.MinAlive > 0 || e.MaxAlive > 0 {
		if !c.Forecast {
			return false
		}
		if (e.MinCLV > 0 && !(c.CLV >= e.MinCLV)) || (e.MaxCLV > 0 && !(c.CLV <= e.MaxCLV)) ||
			(e.MinAlive > 0 && !(c.PAlive >= e.MinAlive)) || (e.MaxAlive > 0 && !(c.PAlive <= e.MaxAlive)) {
			return false
		}
	}
	return c.Flags&e.Flags == e.Flags && c.Flags&e.NotFlags == 0
}
