package recovery

import (
	"fmt"
	"math"
	"slices"

	"github.com/cvmkit/cvm/lifecycle"
	"github.com/cvmkit/cvm/value"
)

// Repurchase states of the TARP complaint studies, the index of
// [Settings.RepurchaseMinor] and [Settings.RepurchaseMajor].
const (
	NoComplaint     = iota // had a problem, did not complain
	NotResolved            // complained, problem not resolved
	Resolved               // complained, problem resolved
	ResolvedQuickly        // complained, problem resolved quickly
	numRepurchase
)

// MaxFollowUps is the most follow-up checkpoints an entry can carry.
const MaxFollowUps = 4

// numStages is the number of lifecycle stages, None to Ended.
const numStages = int(lifecycle.Ended) + 1

// Off asks for zero in a [Settings] field whose zero value takes the
// default: Settings{LoyaltyBuffer: Off} is a model without the loyalty
// buffer, where Settings{} has the default 0.2. It is accepted by every
// field where zero is a meaningful choice (each field's comment says so)
// and by each element of such an array; it is out of range for every
// field, so it never collides with a real value.
const Off = math.MinInt32

// Settings hold every coefficient of the model. The package documentation
// gives each default's source and the formulas that use them.
//
// Arrays indexed by failure type use index t-1 (billing first, outage last);
// by severity, s-1 (S1 first); by quadrant, q-1 (I first); by stage, the
// [lifecycle.Stage] value (None first).
//
// One rule for defaults, in Go and in JSON: a nil *Settings means
// [DefaultSettings]; in a non-nil one every field (every array element,
// every slice left nil, every FollowUpDays row left all zero) that is zero
// takes its default, so Settings{ProfitFloor: 30} changes one coefficient
// and a settings file lists only what it changes. Where zero is a
// meaningful choice the field accepts [Off], which asks for zero.
// [Settings.Validate] rejects NaN, infinities and out-of-range values,
// naming the field in a *[SettingsError].
type Settings struct {
	// Remedy is the remedy kind that fits each failure type
	// (Smith, Bolton & Wagner 1999).
	Remedy [NumFailureTypes]Remedy `json:"remedy"`

	// Restore is the compensation, as a ratio of the loss, that makes a
	// customer whole for each failure type: 1 for tangible losses, less
	// for staff failures, where the loss is mostly not money. >= 0; Off
	// for 0.
	Restore [NumFailureTypes]float64 `json:"restore"`
	// Fault is the share of blame customers put on the firm for each
	// failure type (Folkes 1984): lower where a third party often causes
	// the failure, such as carriers for deliveries. In [0, 1]; Off for 0.
	Fault [NumFailureTypes]float64 `json:"fault"`
	// SeverityExpectation multiplies the expected recovery by severity:
	// amounts commensurate with the magnitude of the failure (Smith,
	// Bolton & Wagner 1999). > 0.
	SeverityExpectation [NumSeverities]float64 `json:"severity_expectation"`
	// RecurrenceStep raises expectations by this share per failure in the
	// last 12 months, up to RecurrenceCap failures (Maxham & Netemeyer
	// 2002). >= 0; Off for 0.
	RecurrenceStep float64 `json:"recurrence_step"`
	// RecurrenceCap is the most past failures that count, at most 1000;
	// Off for 0 (past failures never count).
	RecurrenceCap int `json:"recurrence_cap"`
	// LoyaltyBuffer lowers the expectation of a customer without a grudge
	// by this share times relationship strength (Hess, Ganesan & Klein
	// 2003). In [0, 1); Off for 0.
	LoyaltyBuffer float64 `json:"loyalty_buffer"`
	// GrudgeBase and GrudgeLoyalty raise the expectation after an
	// unsatisfying recovery by GrudgeBase + GrudgeLoyalty x strength:
	// loyal customers hold the longest grudge (Grégoire & Fisher 2008;
	// Grégoire, Tripp & Legoux 2009). >= 0; Off for 0.
	GrudgeBase    float64 `json:"grudge_base"`
	GrudgeLoyalty float64 `json:"grudge_loyalty"`

	// RepurchaseMinor and RepurchaseMajor are the repurchase rates after a
	// minor and a major problem, indexed by NoComplaint, NotResolved,
	// Resolved and ResolvedQuickly (TARP 1986). In (0, 1).
	RepurchaseMinor [numRepurchase]float64 `json:"repurchase_minor"`
	RepurchaseMajor [numRepurchase]float64 `json:"repurchase_major"`
	// MajorWeight is how far each severity is from a minor (0) to a major
	// (1) problem in the TARP sense. In [0, 1]; Off for 0.
	MajorWeight [NumSeverities]float64 `json:"major_weight"`
	// StageLogit shifts the churn log-odds by lifecycle stage. In
	// [-50, 50]; Off for 0.
	StageLogit [numStages]float64 `json:"stage_logit"`
	// StrengthLogitWith and StrengthLogitWithout shift the churn log-odds
	// by relationship strength after a good recovery (negative: strong
	// relationships buffer, Hess, Ganesan & Klein 2003) and without one
	// (positive: betrayal, Grégoire & Fisher 2008). In [-50, 50]; Off
	// for 0.
	StrengthLogitWith    float64 `json:"strength_logit_with"`
	StrengthLogitWithout float64 `json:"strength_logit_without"`
	// FailureLogit shifts the churn log-odds per failure in the last 12
	// months, up to RecurrenceCap. In [-50, 50]; Off for 0.
	FailureLogit float64 `json:"failure_logit"`
	// UnsatisfiedLogit shifts the churn log-odds when the last recovery did
	// not satisfy: the "double deviation" (Bitner, Booms & Tetreault 1990;
	// Maxham & Netemeyer 2002). In [-50, 50]; Off for 0.
	UnsatisfiedLogit float64 `json:"unsatisfied_logit"`

	// ParadoxMaxSeverity is the highest severity (1 to 4) at which a first
	// failure is eligible for the recovery paradox; Off turns the paradox
	// off (Magnini et al. 2007; de Matos, Henrique & Rossi 2007).
	ParadoxMaxSeverity int `json:"paradox_max_severity"`
	// ParadoxUplift is the share by which an eligible recovery aims above
	// expectation. >= 0; Off for 0.
	ParadoxUplift float64 `json:"paradox_uplift"`

	// The caps below limit only the goodwill compensation above the
	// restoration of the loss (min(Restore[t], 1) x loss), never the
	// restoration itself (Smith, Bolton & Wagner 1999: the remedy that
	// matches the failure).
	//
	// MaxLossMultiple caps restoration plus goodwill at this multiple of
	// the loss. >= 1, so that restoring the loss is never cut.
	MaxLossMultiple float64 `json:"max_loss_multiple"`
	// QuadrantCap is the absolute goodwill cap per value quadrant. >= 0;
	// Off for 0 (no goodwill).
	QuadrantCap [4]float64 `json:"quadrant_cap"`
	// ProfitShare caps goodwill at this share of the customer's recent
	// gross profit, but never below ProfitFloor. >= 0; Off for 0.
	ProfitShare float64 `json:"profit_share"`
	ProfitFloor float64 `json:"profit_floor"`
	// SeverityCapShare scales the absolute goodwill cap by severity. In
	// [0, 1]; Off for 0.
	SeverityCapShare [NumSeverities]float64 `json:"severity_cap_share"`
	// FrontLineLimit is, per quadrant, the most the front line may grant at
	// once without approval (Hart, Heskett & Sasser 1990: empower the front
	// line): goodwill up to min(cap, FrontLineLimit), and money in total (a
	// refund or credit plus goodwill) up to FrontLineLimit. Restoration in
	// kind (replacement, re-performance) is not limited. >= 0; Off for 0.
	FrontLineLimit [4]float64 `json:"front_line_limit"`

	// ApologyBySeverity is the base apology level for each severity.
	ApologyBySeverity [NumSeverities]Apology `json:"apology_by_severity"`
	// KeySeverity is, per quadrant, the lowest severity (1 to 4) at which
	// the apology goes up one level for that quadrant's customers; 0 takes
	// the default (never for quadrants I and II, S4 for III, S3 for IV);
	// Off never.
	KeySeverity [4]int `json:"key_severity"`
	// InfluenceEscalation raises the apology one level when the customer's
	// influence (people they talk to) is at least this. > 0; Off never.
	InfluenceEscalation float64 `json:"influence_escalation"`
	// OwnerByApology is the case owner for each apology level.
	OwnerByApology [3]Owner `json:"owner_by_apology"`
	// KeyAccount lists the quadrants whose manager-level cases go to the
	// account manager instead of the service manager. Nil takes the
	// default, IV; an empty, non-nil slice asks for none.
	KeyAccount []value.Quadrant `json:"key_account"`

	// AcknowledgeHours and ResolveHours are the deadlines per severity for
	// the slowest tier. > 0, and at most 65535 minutes after TierSpeed.
	AcknowledgeHours [NumSeverities]float64 `json:"acknowledge_hours"`
	ResolveHours     [NumSeverities]float64 `json:"resolve_hours"`
	// TierSpeed multiplies the deadlines for tier 1, 2, ...; tiers beyond
	// the slice, and tier 0 (unknown), use the last element. Nil or empty
	// takes the default; at most 255 tiers, each in (0, 1].
	TierSpeed []float64 `json:"tier_speed"`

	// DefaultChannel is the contact channel per severity for customers
	// without a stated preference; a stated preference always wins.
	DefaultChannel [NumSeverities]string `json:"default_channel"`
	// FollowUpDays are the follow-up checkpoints per severity, in days
	// after resolution (1 to 65535), ascending; zeros are unused slots. A
	// row of zeros takes the default row; a row {Off} asks for no
	// follow-up at that severity.
	FollowUpDays [NumSeverities][MaxFollowUps]int `json:"follow_up_days"`
	// GrudgeFollowUpDays is one more checkpoint added, when a slot is free,
	// for customers whose last recovery did not satisfy: avoidance grows
	// for months (Grégoire, Tripp & Legoux 2009). 1 to 65535 days; Off
	// none.
	GrudgeFollowUpDays int `json:"grudge_follow_up_days"`
}

// DefaultSettings returns the documented defaults. The package documentation
// lists each with its source; values without an empirical source are policy
// choices and say so.
func DefaultSettings() Settings {
	return Settings{
		Remedy:              [NumFailureTypes]Remedy{RemedyMoney, RemedyReplacement, RemedyReperformance, RemedyReperformance, RemedyAttention, RemedyMoney},
		Restore:             [NumFailureTypes]float64{1, 1, 1, 1, 0.25, 1},
		Fault:               [NumFailureTypes]float64{1, 1, 0.8, 1, 1, 1},
		SeverityExpectation: [NumSeverities]float64{1, 1.1, 1.25, 1.5},
		RecurrenceStep:      0.15,
		RecurrenceCap:       4,
		LoyaltyBuffer:       0.2,
		GrudgeBase:          0.25,
		GrudgeLoyalty:       0.5,

		RepurchaseMinor:      [numRepurchase]float64{0.37, 0.46, 0.70, 0.95},
		RepurchaseMajor:      [numRepurchase]float64{0.09, 0.19, 0.54, 0.82},
		MajorWeight:          [NumSeverities]float64{0, 1.0 / 3, 2.0 / 3, 1},
		StageLogit:           [numStages]float64{0, 0.5, 0, -0.5, 0.75, 1.5},
		StrengthLogitWith:    -1,
		StrengthLogitWithout: 0.5,
		FailureLogit:         0.25,
		UnsatisfiedLogit:     0.75,

		ParadoxMaxSeverity: 2,
		ParadoxUplift:      0.2,

		MaxLossMultiple:  2,
		QuadrantCap:      [4]float64{50, 250, 500, 5000},
		ProfitShare:      0.10,
		ProfitFloor:      20,
		SeverityCapShare: [NumSeverities]float64{0.25, 0.5, 0.75, 1},
		FrontLineLimit:   [4]float64{20, 50, 100, 250},

		ApologyBySeverity:   [NumSeverities]Apology{ApologyFrontLine, ApologyFrontLine, ApologyManager, ApologyManager},
		KeySeverity:         [4]int{0, 0, 4, 3},
		InfluenceEscalation: 50,
		OwnerByApology:      [3]Owner{OwnerAgent, OwnerServiceManager, OwnerExecutive},
		KeyAccount:          []value.Quadrant{value.QuadrantIV},

		AcknowledgeHours: [NumSeverities]float64{24, 8, 2, 1},
		ResolveHours:     [NumSeverities]float64{120, 72, 24, 8},
		TierSpeed:        []float64{0.25, 0.5, 0.75, 1},

		DefaultChannel:     [NumSeverities]string{"email", "email", "phone", "phone"},
		FollowUpDays:       [NumSeverities][MaxFollowUps]int{{7}, {3, 30}, {1, 7, 30}, {1, 7, 30, 90}},
		GrudgeFollowUpDays: 60,
	}
}

// filled returns s with every zero field set to its default; [Off] stays.
// A nil s gives the defaults.
func (s *Settings) filled() Settings {
	d := DefaultSettings()
	if s == nil {
		return d
	}
	f := s.clone()
	fl := func(x *float64, def float64) {
		if *x == 0 {
			*x = def
		}
	}
	in := func(x *int, def int) {
		if *x == 0 {
			*x = def
		}
	}
	for i := range NumFailureTypes {
		if f.Remedy[i] == 0 {
			f.Remedy[i] = d.Remedy[i]
		}
		fl(&f.Restore[i], d.Restore[i])
		fl(&f.Fault[i], d.Fault[i])
	}
	for i := range NumSeverities {
		fl(&f.SeverityExpectation[i], d.SeverityExpectation[i])
		fl(&f.MajorWeight[i], d.MajorWeight[i])
		fl(&f.SeverityCapShare[i], d.SeverityCapShare[i])
		if f.ApologyBySeverity[i] == 0 {
			f.ApologyBySeverity[i] = d.ApologyBySeverity[i]
		}
		fl(&f.AcknowledgeHours[i], d.AcknowledgeHours[i])
		fl(&f.ResolveHours[i], d.ResolveHours[i])
		if f.DefaultChannel[i] == "" {
			f.DefaultChannel[i] = d.DefaultChannel[i]
		}
		if f.FollowUpDays[i] == [MaxFollowUps]int{} {
			f.FollowUpDays[i] = d.FollowUpDays[i]
		}
	}
	fl(&f.RecurrenceStep, d.RecurrenceStep)
	in(&f.RecurrenceCap, d.RecurrenceCap)
	fl(&f.LoyaltyBuffer, d.LoyaltyBuffer)
	fl(&f.GrudgeBase, d.GrudgeBase)
	fl(&f.GrudgeLoyalty, d.GrudgeLoyalty)
	for i := range numRepurchase {
		fl(&f.RepurchaseMinor[i], d.RepurchaseMinor[i])
		fl(&f.RepurchaseMajor[i], d.RepurchaseMajor[i])
	}
	for i := range numStages {
		fl(&f.StageLogit[i], d.StageLogit[i])
	}
	fl(&f.StrengthLogitWith, d.StrengthLogitWith)
	fl(&f.StrengthLogitWithout, d.StrengthLogitWithout)
	fl(&f.FailureLogit, d.FailureLogit)
	fl(&f.UnsatisfiedLogit, d.UnsatisfiedLogit)
	in(&f.ParadoxMaxSeverity, d.ParadoxMaxSeverity)
	fl(&f.ParadoxUplift, d.ParadoxUplift)
	fl(&f.MaxLossMultiple, d.MaxLossMultiple)
	for i := range 4 {
		fl(&f.QuadrantCap[i], d.QuadrantCap[i])
		fl(&f.FrontLineLimit[i], d.FrontLineLimit[i])
		in(&f.KeySeverity[i], d.KeySeverity[i])
	}
	fl(&f.ProfitShare, d.ProfitShare)
	fl(&f.ProfitFloor, d.ProfitFloor)
	fl(&f.InfluenceEscalation, d.InfluenceEscalation)
	for i := range 3 {
		if f.OwnerByApology[i] == 0 {
			f.OwnerByApology[i] = d.OwnerByApology[i]
		}
	}
	if f.KeyAccount == nil {
		f.KeyAccount = d.KeyAccount
	}
	if len(f.TierSpeed) == 0 {
		f.TierSpeed = d.TierSpeed
	}
	in(&f.GrudgeFollowUpDays, d.GrudgeFollowUpDays)
	return f
}

// effective returns the filled settings f with [Off] replaced by zero:
// the numbers the model computes with.
func (f *Settings) effective() Settings {
	e := f.clone()
	fl := func(x *float64) {
		if *x == Off {
			*x = 0
		}
	}
	in := func(x *int) {
		if *x == Off {
			*x = 0
		}
	}
	for i := range NumFailureTypes {
		fl(&e.Restore[i])
		fl(&e.Fault[i])
	}
	for i := range NumSeverities {
		fl(&e.MajorWeight[i])
		fl(&e.SeverityCapShare[i])
		if e.FollowUpDays[i][0] == Off {
			e.FollowUpDays[i] = [MaxFollowUps]int{}
		}
	}
	for i := range numStages {
		fl(&e.StageLogit[i])
	}
	for _, x := range []*float64{&e.RecurrenceStep, &e.LoyaltyBuffer, &e.GrudgeBase, &e.GrudgeLoyalty,
		&e.StrengthLogitWith, &e.StrengthLogitWithout, &e.FailureLogit, &e.UnsatisfiedLogit,
		&e.ParadoxUplift, &e.ProfitShare, &e.ProfitFloor, &e.InfluenceEscalation} {
		fl(x)
	}
	for i := range 4 {
		fl(&e.QuadrantCap[i])
		fl(&e.FrontLineLimit[i])
		in(&e.KeySeverity[i])
	}
	in(&e.RecurrenceCap)
	in(&e.ParadoxMaxSeverity)
	in(&e.GrudgeFollowUpDays)
	return e
}

// Validate reports the first invalid field as a *[SettingsError] naming
// it (with the index of an array element, as "RepurchaseMinor[2]"), or
// nil. Zero fields are valid (they take their defaults), and so is a nil
// s; [Off] is valid where the field's comment allows it.
func (s *Settings) Validate() error {
	f := s.filled()
	bad := func(param string, format string, args ...any) error {
		return &SettingsError{Param: param, Err: fmt.Errorf("%w: "+format, append([]any{ErrBadValue}, args...)...)}
	}
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	// in checks x in [lo, hi] (open at an end marked so); off allows Off.
	in := func(param string, x, lo, hi float64, loOpen, hiOpen, off bool) {
		if off && x == Off {
			return
		}
		if math.IsNaN(x) || math.IsInf(x, 0) || x < lo || x > hi || (loOpen && x == lo) || (hiOpen && x == hi) {
			l, r := "[", "]"
			if loOpen {
				l = "("
			}
			if hiOpen {
				r = ")"
			}
			or := ""
			if off {
				or = " or Off"
			}
			add(bad(param, "%v not in %s%v, %v%s%s", x, l, lo, hi, r, or))
		}
	}
	const off, strict = true, false
	for i := range NumFailureTypes {
		if !f.Remedy[i].Valid() {
			add(bad(fmt.Sprintf("Remedy[%d]", i), "invalid remedy %d", f.Remedy[i]))
		}
		in(fmt.Sprintf("Restore[%d]", i), f.Restore[i], 0, 1e6, false, false, off)
		in(fmt.Sprintf("Fault[%d]", i), f.Fault[i], 0, 1, false, false, off)
	}
	for i := range NumSeverities {
		in(fmt.Sprintf("SeverityExpectation[%d]", i), f.SeverityExpectation[i], 0, 1e6, true, false, strict)
		in(fmt.Sprintf("MajorWeight[%d]", i), f.MajorWeight[i], 0, 1, false, false, off)
		in(fmt.Sprintf("SeverityCapShare[%d]", i), f.SeverityCapShare[i], 0, 1, false, false, off)
		if !f.ApologyBySeverity[i].Valid() {
			add(bad(fmt.Sprintf("ApologyBySeverity[%d]", i), "invalid apology level %d", f.ApologyBySeverity[i]))
		}
		in(fmt.Sprintf("AcknowledgeHours[%d]", i), f.AcknowledgeHours[i], 0, 65535.0/60, true, false, strict)
		in(fmt.Sprintf("ResolveHours[%d]", i), f.ResolveHours[i], 0, 65535.0/60, true, false, strict)
		row := f.FollowUpDays[i]
		if row[0] == Off {
			if row != [MaxFollowUps]int{Off} {
				add(bad(fmt.Sprintf("FollowUpDays[%d]", i), "a row starting with Off has no other checkpoint"))
			}
			continue
		}
		prev := 0
		for j, d := range row {
			switch {
			case d < 0 || d > math.MaxUint16:
				add(bad(fmt.Sprintf("FollowUpDays[%d][%d]", i, j), "%d not in [1, 65535]", d))
			case d != 0 && d <= prev:
				add(bad(fmt.Sprintf("FollowUpDays[%d][%d]", i, j), "checkpoints must ascend, zeros last"))
			}
			if d == 0 {
				prev = math.MaxInt
			} else {
				prev = d
			}
		}
	}
	in("RecurrenceStep", f.RecurrenceStep, 0, 1e3, false, false, off)
	in("RecurrenceCap", float64(f.RecurrenceCap), 0, 1000, false, false, off)
	in("LoyaltyBuffer", f.LoyaltyBuffer, 0, 1, false, true, off)
	in("GrudgeBase", f.GrudgeBase, 0, 1e3, false, false, off)
	in("GrudgeLoyalty", f.GrudgeLoyalty, 0, 1e3, false, false, off)
	for i := range numRepurchase {
		in(fmt.Sprintf("RepurchaseMinor[%d]", i), f.RepurchaseMinor[i], 0, 1, true, true, strict)
		in(fmt.Sprintf("RepurchaseMajor[%d]", i), f.RepurchaseMajor[i], 0, 1, true, true, strict)
	}
	for i := range numStages {
		in(fmt.Sprintf("StageLogit[%d]", i), f.StageLogit[i], -50, 50, false, false, off)
	}
	in("StrengthLogitWith", f.StrengthLogitWith, -50, 50, false, false, off)
	in("StrengthLogitWithout", f.StrengthLogitWithout, -50, 50, false, false, off)
	in("FailureLogit", f.FailureLogit, -50, 50, false, false, off)
	in("UnsatisfiedLogit", f.UnsatisfiedLogit, -50, 50, false, false, off)
	in("ParadoxMaxSeverity", float64(f.ParadoxMaxSeverity), 1, NumSeverities, false, false, off)
	in("ParadoxUplift", f.ParadoxUplift, 0, 1e3, false, false, off)
	in("MaxLossMultiple", f.MaxLossMultiple, 1, 1e6, false, false, strict)
	for i := range 4 {
		in(fmt.Sprintf("QuadrantCap[%d]", i), f.QuadrantCap[i], 0, math.MaxFloat32, false, false, off)
		in(fmt.Sprintf("FrontLineLimit[%d]", i), f.FrontLineLimit[i], 0, math.MaxFloat32, false, false, off)
		if k := f.KeySeverity[i]; k != 0 {
			in(fmt.Sprintf("KeySeverity[%d]", i), float64(k), 1, NumSeverities, false, false, off)
		}
	}
	in("ProfitShare", f.ProfitShare, 0, 1e6, false, false, off)
	in("ProfitFloor", f.ProfitFloor, 0, math.MaxFloat32, false, false, off)
	in("InfluenceEscalation", f.InfluenceEscalation, 0, math.MaxFloat64, true, false, off)
	for i, o := range f.OwnerByApology {
		if !o.Valid() {
			add(bad(fmt.Sprintf("OwnerByApology[%d]", i), "invalid owner %d", o))
		}
	}
	for i, q := range f.KeyAccount {
		if !q.Valid() {
			add(bad(fmt.Sprintf("KeyAccount[%d]", i), "invalid quadrant %d", q))
		}
	}
	if len(f.TierSpeed) > 255 {
		add(bad("TierSpeed", "need 1 to 255 tiers, got %d", len(f.TierSpeed)))
	}
	for i, v := range f.TierSpeed {
		in(fmt.Sprintf("TierSpeed[%d]", i), v, 0, 1, true, false, strict)
	}
	in("GrudgeFollowUpDays", float64(f.GrudgeFollowUpDays), 1, math.MaxUint16, false, false, off)
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// clone returns a deep copy of s.
func (s *Settings) clone() Settings {
	d := *s
	d.TierSpeed = slices.Clone(s.TierSpeed)
	d.KeyAccount = slices.Clone(s.KeyAccount)
	if s.KeyAccount != nil && d.KeyAccount == nil {
		d.KeyAccount = []value.Quadrant{}
	}
	return d
}
