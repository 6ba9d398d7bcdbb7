package contact

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/cvmkit/cvm/internal/envelope"
	"github.com/cvmkit/cvm/lifecycle"
	"github.com/cvmkit/cvm/profile"
	"github.com/cvmkit/cvm/value"
)

// Format and version of a rule file (the cvm envelope).
const (
	RulesFormat  = "cvm.contact.rules"
	RulesVersion = 1
)

// Off asks for zero where a zero field means a default: Action.Control and
// Settings.Control (no control group), Settings.QuietAfterContact and
// Settings.QuietAfterComplaint (no quiet period).
const Off = -1

// Trigger is when a rule fires, evaluated as of the as-of a plan is made
// for. Each kind reads its own fields; the others must be zero.
type Trigger struct {
	Kind TriggerKind `json:"kind"`
	// To and From (Transition): the stage the customer moved into, and
	// the stages it came from (empty: any). Within is the window in days:
	// the change must be within Within days before the as-of (0 means 31: the lifecycle ticks monthly).
	// Anniversary uses Within too: the anniversary within Within days
	// before the as-of (0 means 7).
	To     []lifecycle.Stage `json:"to,omitempty"`
	From   []lifecycle.Stage `json:"from,omitempty"`
	Within int               `json:"within_days,omitempty"`
	// Level (AliveBelow): fires when P(alive) < Level, in (0, 1].
	Level float64 `json:"level,omitempty"`
	// Factor (Overdue): fires when the days since the last purchase
	// exceed Factor times the customer's interval (Customer.Interval);
	// 0 means 1.5.
	Factor float64 `json:"factor,omitempty"`
	// FromSegments and ToSegments (SegmentChange): the previous and the
	// current segment (empty: any); the two must differ.
	FromSegments []string `json:"from_segments,omitempty"`
	ToSegments   []string `json:"to_segments,omitempty"`
	// Days (FollowUp): the days after Customer.Resolved (UTC calendar
	// days) to follow up on; empty means 1, 7 and 30, the recovery
	// package's default checkpoints for a moderate failure.
	Days []int `json:"days,omitempty"`
	// Start and Every (Schedule): fires on the UTC days Start + k x Every,
	// k >= 0. Every must be positive.
	Start time.Time `json:"start,omitzero"`
	Every int       `json:"every_days,omitempty"`
}

// Eligibility are the conditions a customer must meet for a fired rule to
// act. Empty lists and zero bounds are no condition.
type Eligibility struct {
	Quadrants []value.Quadrant  `json:"quadrants,omitempty"`
	Tiers     []value.Tier      `json:"tiers,omitempty"`
	Stages    []lifecycle.Stage `json:"stages,omitempty"`
	Segments  []string          `json:"segments,omitempty"`
	// MinCLV and MaxCLV bound the CLV (0: no bound); MinAlive and MaxAlive
	// P(alive) (0: no bound). A bound never holds for a customer without a
	// forecast.
	MinCLV   float64 `json:"min_clv,omitempty"`
	MaxCLV   float64 `json:"max_clv,omitempty"`
	MinAlive float64 `json:"min_p_alive,omitempty"`
	MaxAlive float64 `json:"max_p_alive,omitempty"`
	// Flags must all be set; NotFlags must all be clear.
	Flags    profile.Flag `json:"flags,omitempty"`
	NotFlags profile.Flag `json:"not_flags,omitempty"`
}

// Offer is a rule's reward: its cost is Amount (FixedOffer) or Amount x
// the customer's expected spend (ShareOffer, Amount in (0, 1]).
type Offer struct {
	Kind   OfferKind `json:"kind"`
	Amount float64   `json:"amount,omitempty"`
}

// Cost returns the offer's cost for a customer whose expected spend is
// spend (a non-positive spend costs nothing for a ShareOffer).
func (o Offer) Cost(spend float64) float64 {
	switch o.Kind {
	case FixedOffer:
		return o.Amount
	case ShareOffer:
		if spend > 0 {
			return o.Amount * spend
		}
	}
	return 0
}

// String returns "none", "fixed:5" or "share:0.1".
func (o Offer) String() string {
	if o.Kind == NoOffer {
		return "none"
	}
	return fmt.Sprintf("%s:%g", o.Kind, o.Amount)
}

// Timing is when to send: Now, Delay (Days after the trigger) or Rhythm
// (at the expected next purchase; the as-of when the rhythm is unknown).
type Timing struct {
	Kind TimingKind `json:"kind"`
	Days float64    `json:"days,omitempty"`
}

// Action is what a rule does for an eligible customer.
type Action struct {
	// Message is the message key the host renders.
	Message string `json:"message"`
	Offer   Offer  `json:"offer"`
	// Channels are the channels the rule may use (empty: every channel
	// with a cost in Settings.Costs). A stated preference overrides them.
	Channels []Channel `json:"channels,omitempty"`
	Timing   Timing    `json:"timing"`
	// Priority decides between a customer's competing actions: higher
	// first.
	Priority int `json:"priority"`
	// Control is the share of the rule's chosen customers held out as a
	// control group, in [0, 1); 0 means Settings.Control, Off none.
	Control float64 `json:"control,omitempty"`
	// Value is the incremental value a response brings; Response is the
	// prior response rate when contacted and Baseline the rate without
	// contact, in [0, 1], Baseline <= Response: the expected incremental
	// response is Response - Baseline until outcomes are learned (Rates).
	Value    Basis   `json:"value"`
	Response float64 `json:"response"`
	Baseline float64 `json:"baseline"`
	// Service marks a service contact (a recovery follow-up): it is not
	// held back by the quiet period after a complaint.
	Service bool `json:"service,omitempty"`
}

// Rule is one contact rule: when it fires, who is eligible, what it does.
type Rule struct {
	Name     string      `json:"name"`
	Trigger  Trigger     `json:"trigger"`
	Eligible Eligibility `json:"eligible"`
	Action   Action      `json:"action"`
	// Source says where the rule's policy comes from.
	Source string `json:"source,omitempty"`
}

// RuleSet is an ordered set of rules with unique names. It marshals to the
// cvm envelope (RulesFormat) and decodes strictly with json.Unmarshal,
// validating every rule.
type RuleSet struct {
	Rules []Rule
}

// RuleError is an invalid rule: the rule's name (or its index when it has
// none), the field and what is wrong.
type RuleError struct {
	Rule  string // the rule's name; empty when it has none
	Index int    // the rule's index in the set
	Field string // the field at fault, such as "eligible.quadrants"; "rules" for an empty set
	Err   error  // what is wrong; it wraps ErrRule
}

// Error returns the message: the rule, the field and the problem.
func (e *RuleError) Error() string {
	name := e.Rule
	if name == "" {
		name = fmt.Sprintf("#%d", e.Index)
	}
	return fmt.Sprintf("contact: rule %q: %s: %v", name, e.Field, e.Err)
}

// Unwrap returns the underlying error (wrapping ErrRule).
func (e *RuleError) Unwrap() error { return e.Err }

// ErrRule is wrapped by every RuleError.
var ErrRule = errors.New("invalid rule")

// Validate checks every rule and returns the first problem as a
// *RuleError: an empty or repeated name, no trigger, a field the trigger
// kind does not read, an out-of-range level, factor, day, share, rate or
// bound (NaN and Inf included), an empty message, an unknown channel.
// An empty set is an error.
func (rs *RuleSet) Validate() error {
	if rs == nil || len(rs.Rules) == 0 {
		return &RuleError{Index: 0, Field: "rules", Err: fmt.Errorf("%w: no rule", ErrRule)}
	}
	seen := map[string]bool{}
	for i := range rs.Rules {
		r := &rs.Rules[i]
		bad := func(field, f string, a ...any) error {
			return &RuleError{Rule: r.Name, Index: i, Field: field, Err: fmt.Errorf("%w: "+f, append([]any{ErrRule}, a...)...)}
		}
		if r.Name == "" {
			return bad("name", "empty")
		}
		if seen[r.Name] {
			return bad("name", "repeated")
		}
		seen[r.Name] = true
		if err := r.Trigger.validate(bad); err != nil {
			return err
		}
		e := &r.Eligible
		for _, q := range e.Quadrants {
			if !q.Valid() {
				return bad("eligible.quadrants", "invalid quadrant %d", q)
			}
		}
		for _, s := range e.Stages {
			if s > lifecycle.Ended {
				return bad("eligible.stages", "invalid stage %d", s)
			}
		}
		for _, x := range []struct {
			name string
			v    float64
			max  float64
		}{{"eligible.min_clv", e.MinCLV, math.MaxFloat64}, {"eligible.max_clv", e.MaxCLV, math.MaxFloat64}, {"eligible.min_p_alive", e.MinAlive, 1}, {"eligible.max_p_alive", e.MaxAlive, 1}} {
			if !(x.v >= 0 && x.v <= x.max) {
				return bad(x.name, "%v out of range", x.v)
			}
		}
		if e.MaxCLV > 0 && e.MinCLV > e.MaxCLV {
			return bad("eligible.max_clv", "below min_clv")
		}
		if e.MaxAlive > 0 && e.MinAlive > e.MaxAlive {
			return bad("eligible.max_p_alive", "below min_p_alive")
		}
		if e.Flags&e.NotFlags != 0 {
			return bad("eligible.not_flags", "a flag both required and excluded")
		}
		a := &r.Action
		if a.Message == "" {
			return bad("action.message", "empty")
		}
		switch a.Offer.Kind {
		case NoOffer:
			if a.Offer.Amount != 0 {
				return bad("action.offer.amount", "an amount without an offer kind")
			}
		case FixedOffer:
			if !(a.Offer.Amount > 0 && a.Offer.Amount < math.MaxFloat64) {
				return bad("action.offer.amount", "%v: want a positive finite cost", a.Offer.Amount)
			}
		case ShareOffer:
			if !(a.Offer.Amount > 0 && a.Offer.Amount <= 1) {
				return bad("action.offer.amount", "%v: want a share in (0, 1]", a.Offer.Amount)
			}
		default:
			return bad("action.offer.kind", "invalid kind %d", a.Offer.Kind)
		}
		for _, c := range a.Channels {
			if c == NoChannel || c >= numChannels {
				return bad("action.channels", "invalid channel %d", c)
			}
		}
		switch a.Timing.Kind {
		case Now, Rhythm:
			if a.Timing.Days != 0 {
				return bad("action.timing.days", "days with timing %s", a.Timing.Kind)
			}
		case Delay:
			if !(a.Timing.Days >= 0 && a.Timing.Days <= 3660) {
				return bad("action.timing.days", "%v: want 0 to 3660", a.Timing.Days)
			}
		default:
			return bad("action.timing.kind", "invalid kind %d", a.Timing.Kind)
		}
		if !(a.Control == Off || (a.Control >= 0 && a.Control < 1)) {
			return bad("action.control", "%v: want a share in [0, 1) or -1 (off)", a.Control)
		}
		if a.Value > AtRisk {
			return bad("action.value", "invalid basis %d", a.Value)
		}
		if !(a.Response >= 0 && a.Response <= 1) {
			return bad("action.response", "%v: want a rate in [0, 1]", a.Response)
		}
		if !(a.Baseline >= 0 && a.Baseline <= a.Response) {
			return bad("action.baseline", "%v: want a rate in [0, response]", a.Baseline)
		}
	}
	return nil
}

func (t *Trigger) validate(bad func(field, f string, a ...any) error) error {
	stages := len(t.To) > 0 || len(t.From) > 0
	segs := len(t.FromSegments) > 0 || len(t.ToSegments) > 0
	unused := func(cond bool, field string) error {
		if cond {
			return bad("trigger."+field, "not read by a %s trigger", t.Kind)
		}
		return nil
	}
	checks := []error{}
	switch t.Kind {
	case Transition:
		if len(t.To) == 0 {
			return bad("trigger.to", "empty: name the stages moved into")
		}
		for _, s := range t.To {
			if s > lifecycle.Ended {
				return bad("trigger.to", "invalid stage %d", s)
			}
		}
		for _, s := range t.From {
			if s > lifecycle.Ended {
				return bad("trigger.from", "invalid stage %d", s)
			}
		}
		checks = append(checks, unused(t.Level != 0, "level"), unused(t.Factor != 0, "factor"), unused(segs, "segments"), unused(len(t.Days) > 0, "days"), unused(!t.Start.IsZero() || t.Every != 0, "start"))
	case AliveBelow:
		if !(t.Level > 0 && t.Level <= 1) {
			return bad("trigger.level", "%v: want a probability in (0, 1]", t.Level)
		}
		checks = append(checks, unused(stages, "to"), unused(t.Within != 0, "within_days"), unused(t.Factor != 0, "factor"), unused(segs, "segments"), unused(len(t.Days) > 0, "days"), unused(!t.Start.IsZero() || t.Every != 0, "start"))
	case Overdue:
		if !(t.Factor == 0 || (t.Factor > 0 && t.Factor <= 100)) {
			return bad("trigger.factor", "%v: want a factor in (0, 100]", t.Factor)
		}
		checks = append(checks, unused(stages, "to"), unused(t.Within != 0, "within_days"), unused(t.Level != 0, "level"), unused(segs, "segments"), unused(len(t.Days) > 0, "days"), unused(!t.Start.IsZero() || t.Every != 0, "start"))
	case Anniversary:
		checks = append(checks, unused(stages, "to"), unused(t.Level != 0, "level"), unused(t.Factor != 0, "factor"), unused(segs, "segments"), unused(len(t.Days) > 0, "days"), unused(!t.Start.IsZero() || t.Every != 0, "start"))
	case SegmentChange:
		checks = append(checks, unused(stages, "to"), unused(t.Within != 0, "within_days"), unused(t.Level != 0, "level"), unused(t.Factor != 0, "factor"), unused(len(t.Days) > 0, "days"), unused(!t.Start.IsZero() || t.Every != 0, "start"))
	case FollowUp:
		for _, d := range t.Days {
			if d < 0 || d > 3660 {
				return bad("trigger.days", "%d: want 0 to 3660", d)
			}
		}
		checks = append(checks, unused(stages, "to"), unused(t.Within != 0, "within_days"), unused(t.Level != 0, "level"), unused(t.Factor != 0, "factor"), unused(segs, "segments"), unused(!t.Start.IsZero() || t.Every != 0, "start"))
	case Schedule:
		if t.Every <= 0 || t.Every > 3660 {
			return bad("trigger.every_days", "%d: want 1 to 3660", t.Every)
		}
		if t.Start.IsZero() {
			return bad("trigger.start", "missing")
		}
		checks = append(checks, unused(stages, "to"), unused(t.Within != 0, "within_days"), unused(t.Level != 0, "level"), unused(t.Factor != 0, "factor"), unused(segs, "segments"), unused(len(t.Days) > 0, "days"))
	default:
		return bad("trigger.kind", "missing or invalid (%d)", t.Kind)
	}
	if t.Within < 0 || t.Within > 3660 {
		return bad("trigger.within_days", "%d: want 0 to 3660", t.Within)
	}
	for _, err := range checks {
		if err != nil {
			return err
		}
	}
	return nil
}

type rulesJSON struct {
	envelope.Header
	Rules []Rule `json:"rules"`
}

// MarshalJSON encodes rs in the cvm envelope (RulesFormat).
func (rs *RuleSet) MarshalJSON() ([]byte, error) {
	return json.Marshal(rulesJSON{Header: envelope.New(RulesFormat, RulesVersion, nil), Rules: rs.Rules})
}

// UnmarshalJSON decodes what MarshalJSON writes: a *cvm.FormatError for
// another format or version, an error naming an unknown field or trailing
// data, and Validate's *RuleError for an invalid rule.
func (rs *RuleSet) UnmarshalJSON(data []byte) error {
	var v rulesJSON
	if err := envelope.Decode("contact", data, RulesFormat, RulesVersion, &v); err != nil {
		return err
	}
	n := RuleSet{Rules: v.Rules}
	if err := n.Validate(); err != nil {
		return err
	}
	*rs = n
	return nil
}
