package lifecycle

import (
	"fmt"
	"math"
)

// Rules configures when stages change. A nil *Rules means the defaults;
// in a non-nil Rules each field that is zero takes its default, given in
// the field's comment. A negative or NaN field is an error (see
// [Rules.Validate]), reported by [Apply] and [Classify]. The rules are evaluated at each
// Tick on the customer's own history; see the package documentation for
// the measures.
type Rules struct {
	// Exploration -> Formation: at least FormationOrders purchase
	// occasions (default 3), purchases in at least FormationActiveMonths of
	// the last 6 complete months (default 2), and volume rising: the last
	// 3 complete months at least as large as the 3 before (or the 3 before
	// empty).
	FormationOrders       int
	FormationActiveMonths int

	// Formation -> Stability: a relationship at least StabilityTenureDays
	// old (default 365), purchases in at least StabilityActiveMonths of the
	// last 12 complete months (default 8), a coefficient of variation of
	// those 12 monthly volumes at most StabilityVolatility (default 1),
	// and no sustained drop.
	StabilityTenureDays   int
	StabilityActiveMonths int
	StabilityVolatility   float64

	// Any active stage -> Decline, at once, when the days since the last
	// purchase exceed max(DeclineRecency x usual interval, DeclineMinDays)
	// (defaults 2 and 30); or, when the trend holds, when the volume falls
	// by more than DeclineDrop (default 0.5, a halving): the last 6
	// complete months against the 6 before, or with Seasonal the last 3
	// complete months against the same 3 months a year earlier.
	DeclineRecency float64
	DeclineMinDays int
	DeclineDrop    float64

	// Decline -> the stage before the decline, when the trend holds: the
	// recency is back within the decline limit and the mean monthly volume
	// of the last 3 complete months is positive and at least RecoverLevel
	// (default 0.6) times the mean of the 6 complete months before the
	// decline.
	RecoverLevel float64

	// Any active stage -> Ended, at once, when the days since the last
	// purchase exceed max(EndRecency x usual interval, EndMinDays)
	// (defaults 4 and 180), with Seasonal also SeasonalEndDays (default
	// 450).
	EndRecency      float64
	EndMinDays      int
	SeasonalEndDays int

	// DefaultInterval is the usual inter-purchase interval, in days, of a
	// customer with fewer than two purchase occasions (default 90).
	DefaultInterval int

	// Confirm is the number of evaluations in a row a trend must hold
	// before it moves the stage (default 2). MinStageDays is the minimum
	// time in a stage before moving up, recovery included (default 60).
	// Recency-based decline and ending act at once.
	Confirm      int
	MinStageDays int

	// Seasonal marks a seasonal business: the volume trend is the
	// year-on-year change of the last 3 complete months, and a silence is
	// not a decline when the customer was silent over the same months a
	// year before.
	Seasonal bool

	// LongLastingDays is the time in Stability, in days, that makes a
	// relationship long-lasting (default 730); see [Pattern].
	LongLastingDays int
}

// DefaultRules returns the default rules with every field filled in.
func DefaultRules() Rules {
	return Rules{
		FormationOrders: 3, FormationActiveMonths: 2,
		StabilityTenureDays: 365, StabilityActiveMonths: 8, StabilityVolatility: 1,
		DeclineRecency: 2, DeclineMinDays: 30, DeclineDrop: 0.5,
		RecoverLevel: 0.6,
		EndRecency:   4, EndMinDays: 180, SeasonalEndDays: 450,
		DefaultInterval: 90,
		Confirm:         2, MinStageDays: 60,
		LongLastingDays: 730,
	}
}

var defaultRules = DefaultRules()

// RulesError reports a Rules field that is negative or NaN.
type RulesError struct {
	Field string  // the field's name, such as "DeclineRecency"
	Value float64 // the offending value
}

// Error names the field and its value.
func (e *RulesError) Error() string {
	return fmt.Sprintf("lifecycle: rules: %s = %v: must be zero (the default) or positive", e.Field, e.Value)
}

// Validate returns a *RulesError naming the first field that is negative
// or NaN, and nil when every field is zero (the default) or positive. A nil
// r is valid.
func (r *Rules) Validate() error {
	if r == nil {
		return nil
	}
	fields := [...]struct {
		name string
		v    float64
	}{
		{"FormationOrders", float64(r.FormationOrders)},
		{"FormationActiveMonths", float64(r.FormationActiveMonths)},
		{"StabilityTenureDays", float64(r.StabilityTenureDays)},
		{"StabilityActiveMonths", float64(r.StabilityActiveMonths)},
		{"StabilityVolatility", r.StabilityVolatility},
		{"DeclineRecency", r.DeclineRecency},
		{"DeclineMinDays", float64(r.DeclineMinDays)},
		{"DeclineDrop", r.DeclineDrop},
		{"RecoverLevel", r.RecoverLevel},
		{"EndRecency", r.EndRecency},
		{"EndMinDays", float64(r.EndMinDays)},
		{"SeasonalEndDays", float64(r.SeasonalEndDays)},
		{"DefaultInterval", float64(r.DefaultInterval)},
		{"Confirm", float64(r.Confirm)},
		{"MinStageDays", float64(r.MinStageDays)},
		{"LongLastingDays", float64(r.LongLastingDays)},
	}
	for _, f := range fields {
		if !(f.v >= 0) {
			return &RulesError{Field: f.name, Value: f.v}
		}
	}
	return nil
}

// resolve returns r with defaults filled in: &defaultRules when r is nil,
// otherwise buf, filled in.
func (r *Rules) resolve(buf *Rules) *Rules {
	if r == nil {
		return &defaultRules
	}
	*buf = *r
	o := buf
	d := &defaultRules
	di := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	df := func(v *float64, def float64) {
		if !(*v > 0) {
			*v = def
		}
	}
	di(&o.FormationOrders, d.FormationOrders)
	di(&o.FormationActiveMonths, d.FormationActiveMonths)
	di(&o.StabilityTenureDays, d.StabilityTenureDays)
	di(&o.StabilityActiveMonths, d.StabilityActiveMonths)
	df(&o.StabilityVolatility, d.StabilityVolatility)
	df(&o.DeclineRecency, d.DeclineRecency)
	di(&o.DeclineMinDays, d.DeclineMinDays)
	df(&o.DeclineDrop, d.DeclineDrop)
	df(&o.RecoverLevel, d.RecoverLevel)
	df(&o.EndRecency, d.EndRecency)
	di(&o.EndMinDays, d.EndMinDays)
	di(&o.SeasonalEndDays, d.SeasonalEndDays)
	di(&o.DefaultInterval, d.DefaultInterval)
	di(&o.Confirm, d.Confirm)
	di(&o.MinStageDays, d.MinStageDays)
	di(&o.LongLastingDays, d.LongLastingDays)
	return o
}

// Rule names the rule behind a [Transition].
type Rule uint8

// The rules. RuleNone is the zero value, on a Transition that did not
// happen.
const (
	RuleNone          Rule = iota
	RuleFirstPurchase      // none -> exploration
	RuleReactivation       // ended -> exploration on a new purchase
	RuleGrowth             // exploration -> formation: repeated orders, rising volume
	RuleSteady             // formation -> stability: a year of regular, steady volume
	RuleRecency            // -> decline: recency beyond the decline limit
	RuleDrop               // -> decline: sustained volume drop
	RuleRecovery           // decline -> previous stage: sustained recovery
	RuleRecencyEnd         // -> ended: recency beyond the end limit
	RuleTermination        // -> ended: explicit termination
	RuleManual             // a change made with State.Move
)

var ruleNames = [...]string{"none", "first-purchase", "reactivation", "growth", "steady", "recency", "drop", "recovery", "recency-end", "termination", "manual"}

// String returns the rule's name, such as "recency", or "Rule(n)" for a
// value that is not a rule.
func (r Rule) String() string {
	if int(r) < len(ruleNames) {
		return ruleNames[r]
	}
	return fmt.Sprintf("Rule(%d)", uint8(r))
}

func parseRule(s string) (Rule, bool) {
	for i, n := range ruleNames {
		if n == s {
			return Rule(i), true
		}
	}
	return 0, false
}

// Measures are the values the rules read, measured on one customer's own
// history at one moment. Months are UTC calendar months; "complete months"
// are those before the month of the moment. The ratio measures are NaN when
// their denominator is zero (no volume to compare with).
type Measures struct {
	// Counts in days or months; int32 keeps a Transition at 80 bytes.
	Tenure   int32 // days since the relationship began (the first purchase or the re-activation)
	Orders   int32 // purchase occasions (distinct UTC days) in the relationship
	Active6  int32 // months with a purchase among the last 6 complete months
	Active12 int32 // months with a purchase among the last 12 complete months
	Recency  int32 // days since the last purchase
	Interval int32 // usual inter-purchase interval in days: the median of the last 10 intervals, or Rules.DefaultInterval with fewer than one

	Growth3    float64 // last 3 complete months' net volume over the 3 before, minus 1
	Growth6    float64 // last 6 complete months over the 6 before, minus 1
	YoY3       float64 // last 3 complete months over the same 3 a year earlier, minus 1
	Volatility float64 // coefficient of variation (population) of the last 12 complete monthly volumes
	Level3     float64 // mean monthly net volume of the last 3 complete months
}

// String formats the measures on one line, days with a "d" suffix and
// ratios as percentages ("n/a" for NaN).
func (m Measures) String() string {
	return fmt.Sprintf("tenure=%dd orders=%d active6=%d active12=%d recency=%dd interval=%dd growth3=%s growth6=%s yoy3=%s volatility=%s level3=%.2f",
		m.Tenure, m.Orders, m.Active6, m.Active12, m.Recency, m.Interval,
		pct(m.Growth3), pct(m.Growth6), pct(m.YoY3), num(m.Volatility), m.Level3)
}

func pct(x float64) string {
	if math.IsNaN(x) {
		return "n/a"
	}
	return fmt.Sprintf("%+.0f%%", 100*x)
}

func num(x float64) string {
	if math.IsNaN(x) {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", x)
}

// Pattern is the shape of a relationship's life so far (Jap & Anderson
// 2007 find relationships that end early in exploration, break off in
// build-up, decline prematurely from maturity, or last).
type Pattern uint8

// The patterns.
const (
	// Ongoing is a relationship that fits no other pattern yet: active and
	// not long-lasting, or no purchase at all.
	Ongoing Pattern = iota
	// EndedInExploration is a relationship that ended without leaving
	// exploration (through decline or not).
	EndedInExploration
	// EndedInFormation is one that ended after formation but before
	// stability.
	EndedInFormation
	// LeftStabilityEarly is one that reached stability but is in decline
	// or ended before LongLastingDays in stability.
	LeftStabilityEarly
	// LongLasting is one that has spent at least LongLastingDays in
	// stability, whatever its stage now.
	LongLasting
)

var patternNames = [...]string{"ongoing", "ended-in-exploration", "ended-in-formation", "left-stability-early", "long-lasting"}

// String returns the pattern's name, such as "long-lasting", or
// "Pattern(n)" for a value that is not a pattern.
func (p Pattern) String() string {
	if int(p) < len(patternNames) {
		return patternNames[p]
	}
	return fmt.Sprintf("Pattern(%d)", uint8(p))
}
