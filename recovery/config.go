package recovery

import (
	"fmt"
	"math"

	"github.com/cvmkit/cvm/lifecycle"
)

// Repurchase states of the TARP complaint studies, the index of
// [Config.RepurchaseMinor] and [Config.RepurchaseMajor].
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

// Config holds every coefficient of the model. The package documentation
// gives each default's source and the formulas that use them.
//
// Arrays indexed by failure type use index t-1 (billing first, outage last);
// by severity, s-1 (S1 first); by quadrant, q-1 (I first); by stage, the
// [lifecycle.Stage] value (None first). A nil *Config given to [New] means
// [DefaultConfig]; a non-nil one is used as it is, zero fields included, so
// start from DefaultConfig and change what you need. [Config.Validate]
// rejects NaN, infinities and out-of-range values.
type Config struct {
	// Remedy is the remedy kind that fits each failure type
	// (Smith, Bolton & Wagner 1999).
	Remedy [NumFailureTypes]Remedy `json:"remedy"`

	// Restore is the compensation, as a ratio of the loss, that makes a
	// customer whole for each failure type: 1 for tangible losses, less
	// for staff failures, where the loss is mostly not money. >= 0.
	Restore [NumFailureTypes]float64 `json:"restore"`
	// Fault is the share of blame customers put on the firm for each
	// failure type (Folkes 1984): lower where a third party often causes
	// the failure, such as carriers for deliveries. In [0, 1].
	Fault [NumFailureTypes]float64 `json:"fault"`
	// SeverityExpectation multiplies the expected recovery by severity:
	// amounts commensurate with the magnitude of the failure (Smith,
	// Bolton & Wagner 1999). > 0.
	SeverityExpectation [NumSeverities]float64 `json:"severity_expectation"`
	// RecurrenceStep raises expectations by this share per failure in the
	// last 12 months, up to RecurrenceCap failures (Maxham & Netemeyer
	// 2002). >= 0.
	RecurrenceStep float64 `json:"recurrence_step"`
	// RecurrenceCap is the most past failures that count. >= 0.
	RecurrenceCap int `json:"recurrence_cap"`
	// LoyaltyBuffer lowers the expectation of a customer without a grudge
	// by this share times relationship strength (Hess, Ganesan & Klein
	// 2003). In [0, 1).
	LoyaltyBuffer float64 `json:"loyalty_buffer"`
	// GrudgeBase and GrudgeLoyalty raise the expectation after an
	// unsatisfying recovery by GrudgeBase + GrudgeLoyalty x strength:
	// loyal customers hold the longest grudge (Grégoire & Fisher 2008;
	// Grégoire, Tripp & Legoux 2009). >= 0.
	GrudgeBase    float64 `json:"grudge_base"`
	GrudgeLoyalty float64 `json:"grudge_loyalty"`

	// RepurchaseMinor and RepurchaseMajor are the repurchase rates after a
	// minor and a major problem, indexed by NoComplaint, NotResolved,
	// Resolved and ResolvedQuickly (TARP 1986). In (0, 1).
	RepurchaseMinor [numRepurchase]float64 `json:"repurchase_minor"`
	RepurchaseMajor [numRepurchase]float64 `json:"repurchase_major"`
	// MajorWeight is how far each severity is from a minor (0) to a major
	// (1) problem in the TARP sense. In [0, 1].
	MajorWeight [NumSeverities]float64 `json:"major_weight"`
	// StageLogit shifts the churn log-odds by lifecycle stage. Finite.
	StageLogit [numStages]float64 `json:"stage_logit"`
	// StrengthLogitWith and StrengthLogitWithout shift the churn log-odds
	// by relationship strength after a good recovery (negative: strong
	// relationships buffer, Hess, Ganesan & Klein 2003) and without one
	// (positive: betrayal, Grégoire & Fisher 2008). Finite.
	StrengthLogitWith    float64 `json:"strength_logit_with"`
	StrengthLogitWithout float64 `json:"strength_logit_without"`
	// FailureLogit shifts the churn log-odds per failure in the last 12
	// months, up to RecurrenceCap. Finite.
	FailureLogit float64 `json:"failure_logit"`
	// UnsatisfiedLogit shifts the churn log-odds when the last recovery did
	// not satisfy: the "double deviation" (Bitner, Booms & Tetreault 1990;
	// Maxham & Netemeyer 2002). Finite.
	UnsatisfiedLogit float64 `json:"unsatisfied_logit"`

	// ParadoxMaxSeverity is the highest severity (1 to 4) at which a first
	// failure is eligible for the recovery paradox; 0 turns the paradox off
	// (Magnini et al. 2007; de Matos, Henrique & Rossi 2007).
	ParadoxMaxSeverity int `json:"paradox_max_severity"`
	// ParadoxUplift is the share by which an eligible recovery aims above
	// expectation. >= 0.
	ParadoxUplift float64 `json:"paradox_uplift"`

	// The caps below limit only the goodwill compensation above the
	// restoration of the loss (min(Restore[t], 1) x loss), never the
	// restoration itself (Smith, Bolton & Wagner 1999: the remedy that
	// matches the failure).
	//
	// MaxLossMultiple caps restoration plus goodwill at this multiple of
	// the loss. >= 1, so that restoring the loss is never cut.
	MaxLossMultiple float64 `json:"max_loss_multiple"`
	// QuadrantCap is the absolute goodwill cap per value quadrant. >= 0.
	QuadrantCap [4]float64 `json:"quadrant_cap"`
	// ProfitShare caps goodwill at this share of the customer's recent
	// gross profit, but never below ProfitFloor. >= 0.
	ProfitShare float64 `json:"profit_share"`
	ProfitFloor float64 `json:"profit_floor"`
	// SeverityCapShare scales the absolute goodwill cap by severity. In
	// [0, 1].
	SeverityCapShare [NumSeverities]float64 `json:"severity_cap_share"`
	// FrontLineLimit is, per quadrant, the most the front line may grant at
	// once without approval (Hart, Heskett & Sasser 1990: empower the front
	// line): goodwill up to min(cap, FrontLineLimit), and money in total (a
	// refund or credit plus goodwill) up to FrontLineLimit. Restoration in
	// kind (replacement, re-performance) is not limited. >= 0.
	FrontLineLimit [4]float64 `json:"front_line_limit"`

	// ApologyBySeverity is the base apology level for each severity.
	ApologyBySeverity [NumSeverities]Apology `json:"apology_by_severity"`
	// KeySeverity is, per quadrant, the lowest severity (1 to 4) at which
	// the apology goes up one level for that quadrant's customers; 0 never.
	KeySeverity [4]int `json:"key_severity"`
	// InfluenceEscalation raises the apology one level when the customer's
	// influence (people they talk to) is at least this; 0 never. >= 0.
	InfluenceEscalation float64 `json:"influence_escalation"`
	// OwnerByApology is the case owner for each apology level.
	OwnerByApology [3]Owner `json:"owner_by_apology"`
	// KeyAccount marks the quadrants whose manager-level cases go to the
	// account manager instead of the service manager.
	KeyAccount [4]bool `json:"key_account"`

	// AcknowledgeHours and ResolveHours are the deadlines per severity for
	// the slowest tier. > 0, and at most 65535 minutes after TierSpeed.
	AcknowledgeHours [NumSeverities]float64 `json:"acknowledge_hours"`
	ResolveHours     [NumSeverities]float64 `json:"resolve_hours"`
	// TierSpeed multiplies the deadlines for tier 1, 2, ...; tiers beyond
	// the slice, and tier 0 (unknown), use the last element. Non-empty,
	// each in (0, 1].
	TierSpeed []float64 `json:"tier_speed"`

	// DefaultChannel is the contact channel per severity for customers
	// without a stated preference; a stated preference always wins.
	DefaultChannel [NumSeverities]string `json:"default_channel"`
	// FollowUpDays are the follow-up checkpoints per severity, in days
	// after resolution, ascending; zeros are unused slots.
	FollowUpDays [NumSeverities][MaxFollowUps]uint16 `json:"follow_up_days"`
	// GrudgeFollowUpDays is one more checkpoint added, when a slot is free,
	// for customers whose last recovery did not satisfy: avoidance grows
	// for months (Grégoire, Tripp & Legoux 2009). 0 none.
	GrudgeFollowUpDays uint16 `json:"grudge_follow_up_days"`
}

// DefaultConfig returns the documented defaults. The package documentation
// lists each with its source; values without an empirical source are policy
// choices and say so.
func DefaultConfig() Config {
	return Config{
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
		KeyAccount:          [4]bool{false, false, false, true},

		AcknowledgeHours: [NumSeverities]float64{24, 8, 2, 1},
		ResolveHours:     [NumSeverities]float64{120, 72, 24, 8},
		TierSpeed:        []float64{0.25, 0.5, 0.75, 1},

		DefaultChannel:     [NumSeverities]string{"email", "email", "phone", "phone"},
		FollowUpDays:       [NumSeverities][MaxFollowUps]uint16{{7}, {3, 30}, {1, 7, 30}, {1, 7, 30, 90}},
		GrudgeFollowUpDays: 60,
	}
}

// Validate reports the first invalid parameter as a *[ConfigError], or nil.
func (c *Config) Validate() error {
	bad := func(param string, format string, args ...any) error {
		return &ConfigError{Param: param, Err: fmt.Errorf("%w: "+format, append([]any{ErrBadValue}, args...)...)}
	}
	in := func(param string, x, lo, hi float64, loOpen, hiOpen bool) error {
		if math.IsNaN(x) || math.IsInf(x, 0) || x < lo || x > hi || (loOpen && x == lo) || (hiOpen && x == hi) {
			l, r := "[", "]"
			if loOpen {
				l = "("
			}
			if hiOpen {
				r = ")"
			}
			return bad(param, "%v not in %s%v, %v%s", x, l, lo, hi, r)
		}
		return nil
	}
	inf := math.Inf(1)
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	for i := range NumFailureTypes {
		if !c.Remedy[i].Valid() {
			add(bad(fmt.Sprintf("Remedy[%d]", i), "invalid remedy %d", c.Remedy[i]))
		}
		add(in(fmt.Sprintf("Restore[%d]", i), c.Restore[i], 0, 1e6, false, false))
		add(in(fmt.Sprintf("Fault[%d]", i), c.Fault[i], 0, 1, false, false))
	}
	for i := range NumSeverities {
		add(in(fmt.Sprintf("SeverityExpectation[%d]", i), c.SeverityExpectation[i], 0, 1e6, true, false))
		add(in(fmt.Sprintf("MajorWeight[%d]", i), c.MajorWeight[i], 0, 1, false, false))
		add(in(fmt.Sprintf("SeverityCapShare[%d]", i), c.SeverityCapShare[i], 0, 1, false, false))
		if !c.ApologyBySeverity[i].Valid() {
			add(bad(fmt.Sprintf("ApologyBySeverity[%d]", i), "invalid apology level %d", c.ApologyBySeverity[i]))
		}
		add(in(fmt.Sprintf("AcknowledgeHours[%d]", i), c.AcknowledgeHours[i], 0, 65535.0/60, true, false))
		add(in(fmt.Sprintf("ResolveHours[%d]", i), c.ResolveHours[i], 0, 65535.0/60, true, false))
		prev := uint16(0)
		for j, d := range c.FollowUpDays[i] {
			if d != 0 && d <= prev {
				add(bad(fmt.Sprintf("FollowUpDays[%d][%d]", i, j), "checkpoints must ascend, zeros last"))
			}
			if d == 0 {
				prev = math.MaxUint16
			} else {
				prev = d
			}
		}
	}
	add(in("RecurrenceStep", c.RecurrenceStep, 0, 1e3, false, false))
	if c.RecurrenceCap < 0 || c.RecurrenceCap > 1000 {
		add(bad("RecurrenceCap", "%d not in [0, 1000]", c.RecurrenceCap))
	}
	add(in("LoyaltyBuffer", c.LoyaltyBuffer, 0, 1, false, true))
	add(in("GrudgeBase", c.GrudgeBase, 0, 1e3, false, false))
	add(in("GrudgeLoyalty", c.GrudgeLoyalty, 0, 1e3, false, false))
	for i := range numRepurchase {
		add(in(fmt.Sprintf("RepurchaseMinor[%d]", i), c.RepurchaseMinor[i], 0, 1, true, true))
		add(in(fmt.Sprintf("RepurchaseMajor[%d]", i), c.RepurchaseMajor[i], 0, 1, true, true))
	}
	for i := range numStages {
		add(in(fmt.Sprintf("StageLogit[%d]", i), c.StageLogit[i], -50, 50, false, false))
	}
	add(in("StrengthLogitWith", c.StrengthLogitWith, -50, 50, false, false))
	add(in("StrengthLogitWithout", c.StrengthLogitWithout, -50, 50, false, false))
	add(in("FailureLogit", c.FailureLogit, -50, 50, false, false))
	add(in("UnsatisfiedLogit", c.UnsatisfiedLogit, -50, 50, false, false))
	if c.ParadoxMaxSeverity < 0 || c.ParadoxMaxSeverity > NumSeverities {
		add(bad("ParadoxMaxSeverity", "%d not in [0, 4]", c.ParadoxMaxSeverity))
	}
	add(in("ParadoxUplift", c.ParadoxUplift, 0, 1e3, false, false))
	add(in("MaxLossMultiple", c.MaxLossMultiple, 1, 1e6, false, false))
	for i := range 4 {
		add(in(fmt.Sprintf("QuadrantCap[%d]", i), c.QuadrantCap[i], 0, math.MaxFloat32, false, false))
		add(in(fmt.Sprintf("FrontLineLimit[%d]", i), c.FrontLineLimit[i], 0, math.MaxFloat32, false, false))
		if c.KeySeverity[i] < 0 || c.KeySeverity[i] > NumSeverities {
			add(bad(fmt.Sprintf("KeySeverity[%d]", i), "%d not in [0, 4]", c.KeySeverity[i]))
		}
	}
	add(in("ProfitShare", c.ProfitShare, 0, 1e6, false, false))
	add(in("ProfitFloor", c.ProfitFloor, 0, math.MaxFloat32, false, false))
	add(in("InfluenceEscalation", c.InfluenceEscalation, 0, inf, false, true))
	for i, o := range c.OwnerByApology {
		if !o.Valid() {
			add(bad(fmt.Sprintf("OwnerByApology[%d]", i), "invalid owner %d", o))
		}
	}
	if len(c.TierSpeed) == 0 || len(c.TierSpeed) > 255 {
		add(bad("TierSpeed", "need 1 to 255 tiers, got %d", len(c.TierSpeed)))
	}
	for i, v := range c.TierSpeed {
		add(in(fmt.Sprintf("TierSpeed[%d]", i), v, 0, 1, true, false))
	}
	for i, ch := range c.DefaultChannel {
		if ch == "" {
			add(bad(fmt.Sprintf("DefaultChannel[%d]", i), "empty channel"))
		}
	}
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// clone returns a deep copy of c.
func (c *Config) clone() Config {
	d := *c
	d.TierSpeed = append([]float64(nil), c.TierSpeed...)
	return d
}
