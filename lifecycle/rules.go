package lifecycle

import (
	"fmt"
	"math"
)

// Settings are the rules of the state machine: when stages change. They
// are read by [Apply], [Classify], [State.Measure] and [State.Pattern].
//
// A nil *Settings means every default. In a non-nil Settings each field
// left at zero takes its default, given in the field's comment, so
// &Settings{Seasonal: true} changes one thing. No field needs a zero of its
// own: every count is at least 1 to mean anything (1 is the least
// requirement, and with ticks days apart 1 day is no minimum at all).
// [Settings.Validate] rejects a negative, NaN or infinite field, a
// fraction above 1 and a count beyond its range, naming the field in a
// *[SettingsError]; Apply and Classify report the same error.
//
// Settings marshal to JSON in the library's envelope ([SettingsFormat]),
// the settings file of the cvm lifecycle command; decoding rejects unknown
// fields and invalid values, naming them, and missing fields take their
// defaults.
type Settings struct {
	// Exploration -> Formation: at least FormationOrders purchase
	// occasions (default 3), purchases in at least FormationActiveMonths of
	// the last 6 complete months (default 2, at most 6), and volume
	// rising: the last 3 complete months at least as large as the 3 before
	// (or the 3 before empty).
	FormationOrders       int `json:"formation_orders,omitempty"`
	FormationActiveMonths int `json:"formation_active_months,omitempty"`

	// Formation -> Stability: a relationship at least StabilityTenureDays
	// old (default 365), purchases in at least StabilityActiveMonths of the
	// last 12 complete months (default 8, at most 12), a coefficient of
	// variation of those 12 monthly volumes at most StabilityVolatility
	// (default 1; finite), and no sustained drop.
	StabilityTenureDays   int     `json:"stability_tenure_days,omitempty"`
	StabilityActiveMonths int     `json:"stability_active_months,omitempty"`
	StabilityVolatility   float64 `json:"stability_volatility,omitempty"`

	// Any active stage -> Decline, at once, when the days since the last
	// purchase exceed max(DeclineRecency x usual interval, DeclineMinDays)
	// (defaults 2 and 30); or, when the trend holds, when the volume falls
	// by more than the fraction DeclineDrop (default 0.5, a halving; at
	// most 1): the last 6 complete months against the 6 before, or with
	// Seasonal the last 3 complete months against the same 3 months a
	// year earlier.
	DeclineRecency float64 `json:"decline_recency,omitempty"`
	DeclineMinDays int     `json:"decline_min_days,omitempty"`
	DeclineDrop    float64 `json:"decline_drop,omitempty"`

	// Decline -> the stage before the decline, when the trend holds: the
	// recency is back within the decline limit and the mean monthly volume
	// of the last 3 complete months is positive and at least the fraction
	// RecoverLevel (default 0.6; at most 1) of the mean of the 6 complete
	// months before the decline.
	RecoverLevel float64 `json:"recover_level,omitempty"`

	// Any active stage -> Ended, at once, when the days since the last
	// purchase exceed max(EndRecency x usual interval, EndMinDays)
	// (defaults 4 and 180), with Seasonal also SeasonalEndDays (default
	// 450).
	EndRecency      float64 `json:"end_recency,omitempty"`
	EndMinDays      int     `json:"end_min_days,omitempty"`
	SeasonalEndDays int     `json:"seasonal_end_days,omitempty"`

	// DefaultInterval is the usual inter-purchase interval, in days, of a
	// customer with fewer than two purchase occasions (default 90).
	DefaultInterval int `json:"default_interval,omitempty"`

	// Confirm is the number of evaluations in a row a trend must hold
	// before it moves the stage (default 2, at most 255). MinStageDays is
	// the minimum time in a stage before moving up, recovery included
	// (default 60). Recency-based decline and ending act at once.
	Confirm      int `json:"confirm,omitempty"`
	MinStageDays int `json:"min_stage_days,omitempty"`

	// Seasonal marks a seasonal business: the volume trend is the
	// year-on-year change of the last 3 complete months, and a silence is
	// not a decline when the customer was silent over the same months a
	// year before. The default, false, is a business without seasons.
	Seasonal bool `json:"seasonal,omitempty"`

	// LongLastingDays is the time in Stability, in days, that makes a
	// relationship long-lasting (default 730); see [Pattern].
	LongLastingDays int `json:"long_lasting_days,omitempty"`
}

// Limits of the Settings fields beyond which Validate reports an error:
// day counts at most maxSettingDays (about 179 years, the longest interval
// a State keeps), multipliers of the usual interval at most maxMultiple.
const (
	maxSettingDays = maxInterval
	maxMultiple    = 100
)

// DefaultSettings returns the default settings with every field filled in.
func DefaultSettings() Settings {
	return Settings{
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

var defaultSettings = DefaultSettings()

// SettingsError reports a Settings field that is out of range, naming it.
type SettingsError struct {
	Field string  // the Go field's name, such as "DeclineRecency"
	JSON  string  // its name in the settings file, such as "decline_recency"
	Value float64 // the offending value
	Want  string  // the range allowed, such as "0 (the default) to 1"
}

// Error names the field (as in the settings file too) and its value.
func (e *SettingsError) Error() string {
	return fmt.Sprintf("lifecycle: settings: %s (%s) = %v: want %s", e.Field, e.JSON, e.Value, e.Want)
}

// settingsField is one Settings field for Validate: its names, its value
// and its upper bound.
type settingsField struct {
	name, json string
	v, max     float64
	why        string // what the bound is
}

func (s *Settings) fields() [16]settingsField {
	days := func(name, js string, v int) settingsField {
		return settingsField{name, js, float64(v), maxSettingDays, "days"}
	}
	months := func(name, js string, v, n int) settingsField {
		return settingsField{name, js, float64(v), float64(n), "months"}
	}
	mult := func(name, js string, v float64) settingsField {
		return settingsField{name, js, v, maxMultiple, "(times the usual interval)"}
	}
	frac := func(name, js string, v float64) settingsField {
		return settingsField{name, js, v, 1, "(a fraction)"}
	}
	return [...]settingsField{
		{"FormationOrders", "formation_orders", float64(s.FormationOrders), math.MaxInt32, "orders"},
		months("FormationActiveMonths", "formation_active_months", s.FormationActiveMonths, 6),
		days("StabilityTenureDays", "stability_tenure_days", s.StabilityTenureDays),
		months("StabilityActiveMonths", "stability_active_months", s.StabilityActiveMonths, 12),
		{"StabilityVolatility", "stability_volatility", s.StabilityVolatility, math.MaxFloat64, "a coefficient of variation"},
		mult("DeclineRecency", "decline_recency", s.DeclineRecency),
		days("DeclineMinDays", "decline_min_days", s.DeclineMinDays),
		frac("DeclineDrop", "decline_drop", s.DeclineDrop),
		frac("RecoverLevel", "recover_level", s.RecoverLevel),
		mult("EndRecency", "end_recency", s.EndRecency),
		days("EndMinDays", "end_min_days", s.EndMinDays),
		days("SeasonalEndDays", "seasonal_end_days", s.SeasonalEndDays),
		days("DefaultInterval", "default_interval", s.DefaultInterval),
		{"Confirm", "confirm", float64(s.Confirm), math.MaxUint8, "evaluations"},
		days("MinStageDays", "min_stage_days", s.MinStageDays),
		days("LongLastingDays", "long_lasting_days", s.LongLastingDays),
	}
}

// Validate returns a *SettingsError naming the first field that is
// negative, NaN, infinite or above its limit: 1 for the fractions
// DeclineDrop and RecoverLevel, 6 and 12 for the active-month counts, 255
// for Confirm, 65535 days (about 179 years) for the day counts, 100 for
// the multipliers DeclineRecency and EndRecency. Zero, the default, is
// always valid, and so is a nil s.
func (s *Settings) Validate() error {
	if s == nil {
		return nil
	}
	for _, f := range s.fields() {
		if !(f.v >= 0 && f.v <= f.max) {
			want := fmt.Sprintf("0 (the default) to %v %s", f.max, f.why)
			if f.max == math.MaxFloat64 {
				want = "0 (the default) or a finite positive number"
			}
			return &SettingsError{Field: f.name, JSON: f.json, Value: f.v, Want: want}
		}
	}
	return nil
}

// resolve returns s with defaults filled in: &defaultSettings when s is
// nil, otherwise buf, filled in. s must be valid.
func (s *Settings) resolve(buf *Settings) *Settings {
	if s == nil {
		return &defaultSettings
	}
	*buf = *s
	o := buf
	d := &defaultSettings
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

// MarshalText encodes r by its name, as String writes it; a value that is
// not a rule is an error wrapping ErrUnknownName.
func (r Rule) MarshalText() ([]byte, error) {
	if int(r) >= len(ruleNames) {
		return nil, fmt.Errorf("%w: rule %d", ErrUnknownName, uint8(r))
	}
	return []byte(ruleNames[r]), nil
}

// UnmarshalText decodes a rule name as String writes it, ignoring case and
// surrounding space; any other name is an error wrapping ErrUnknownName.
func (r *Rule) UnmarshalText(b []byte) error {
	i := nameIndex(ruleNames[:], string(b))
	if i < 0 {
		return fmt.Errorf("%w: rule %q", ErrUnknownName, b)
	}
	*r = Rule(i)
	return nil
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
	Interval int32 // usual inter-purchase interval in days: the median of the last 10 intervals, or Settings.DefaultInterval with fewer than one

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
		pct(m.Growth3), pct(m.Growth6), pct(m.YoY3), twoPlaces(m.Volatility), m.Level3)
}

// pct formats the ratio x as a signed whole percentage, "n/a" for NaN.
func pct(x float64) string {
	if math.IsNaN(x) {
		return "n/a"
	}
	return fmt.Sprintf("%+.0f%%", 100*x)
}

// twoPlaces formats x with two decimals, "n/a" for NaN.
func twoPlaces(x float64) string {
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

// MarshalText encodes p by its name, as String writes it; a value that is
// not a pattern is an error wrapping ErrUnknownName.
func (p Pattern) MarshalText() ([]byte, error) {
	if int(p) >= len(patternNames) {
		return nil, fmt.Errorf("%w: pattern %d", ErrUnknownName, uint8(p))
	}
	return []byte(patternNames[p]), nil
}

// UnmarshalText decodes a pattern name as String writes it, ignoring case
// and surrounding space; any other name is an error wrapping
// ErrUnknownName.
func (p *Pattern) UnmarshalText(b []byte) error {
	i := nameIndex(patternNames[:], string(b))
	if i < 0 {
		return fmt.Errorf("%w: pattern %q", ErrUnknownName, b)
	}
	*p = Pattern(i)
	return nil
}
