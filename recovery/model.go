package recovery

import (
	"math"
	"time"

	"github.com/cvmkit/cvm/lifecycle"
	"github.com/cvmkit/cvm/value"
)

// Customer is what the model needs to know about one customer.
type Customer struct {
	ID       string          // customer ID; must not be empty
	Quadrant value.Quadrant  // value quadrant, I to IV; must be valid
	Tier     value.Tier      // pyramid tier, 1 the top; 0 (unknown) is treated as the lowest tier
	Stage    lifecycle.Stage // lifecycle stage, None to Ended
	// Strength is the relationship strength in [0, 1] (tenure, share of
	// wallet or similar, scaled by the caller).
	Strength float64
	// Failures12m is the number of failures or complaints in the last 12
	// months, not counting the one being handled. >= 0.
	Failures12m int
	// LastRecoveryOK says whether the last recovery satisfied the customer.
	// It is ignored when Failures12m is 0.
	LastRecoveryOK bool
	// Channel is the customer's preferred contact channel, such as "sms";
	// empty means no preference. A preference is always honoured.
	Channel string
	// Influence is how many other people the customer talks to about the
	// firm; >= 0 and finite.
	Influence float64
	// GrossProfit is the customer's recent (12-month) gross profit, used to
	// cap compensation. Finite; zero or negative means the cap's floor
	// applies.
	GrossProfit float64
}

// grudge reports whether c's last recovery did not satisfy.
func (c *Customer) grudge() bool { return c.Failures12m > 0 && !c.LastRecoveryOK }

// validate checks c's fields; idx is c's position for the error.
func (c *Customer) validate(idx int) error {
	fe := func(field string) error {
		return &CustomerError{Index: idx, Customer: c.ID, Field: field, Err: ErrBadValue}
	}
	switch {
	case c.ID == "":
		return &CustomerError{Index: idx, Field: "id", Err: ErrEmptyID}
	case c.Quadrant < value.QuadrantI || c.Quadrant > value.QuadrantIV:
		return fe("quadrant")
	case c.Stage > lifecycle.Ended:
		return fe("stage")
	case !(c.Strength >= 0 && c.Strength <= 1): // also rejects NaN
		return fe("strength")
	case c.Failures12m < 0:
		return fe("failures_12m")
	case !(c.Influence >= 0) || math.IsInf(c.Influence, 1):
		return fe("influence")
	case math.IsNaN(c.GrossProfit) || math.IsInf(c.GrossProfit, 0):
		return fe("gross_profit")
	}
	return nil
}

// Entry is the playbook for one customer, failure type and severity: what
// to do when that failure happens to that customer. Amounts are in the
// currency of GrossProfit and the loss.
type Entry struct {
	Failure  FailureType // the failure type of the playbook
	Severity Severity    // the severity of the playbook
	Remedy   Remedy      // the compensation kind that fits the failure
	Apology  Apology     // who apologises
	Owner    Owner       // who owns the case
	// Paradox is set when the failure is eligible for the recovery
	// paradox (first failure, low severity) and Ratio aims above
	// expectation.
	Paradox bool
	// Escalated is set when the apology went up a level because the last
	// recovery did not satisfy.
	Escalated bool
	Channel   string // the contact channel: the customer's preference, else the default for the severity

	Expected float64 // the recovery the customer expects, as a ratio of the loss
	// Ratio is the recovery to aim for, restoration and goodwill, as a
	// ratio of the loss; at most LossCap. Resolve restores RestoreRatio x
	// loss even when Ratio is lower and grants the goodwill above it within
	// the caps.
	Ratio float64
	// RestoreRatio is the part of Ratio that restores the loss in the
	// remedy kind (refund, replacement, re-performance): min(Restore[t], 1)
	// of the settings, 1 except for staff failures. Restoration is
	// never cut by LossCap or Cap; Resolve grants it in full even when the
	// customer's expectation (Ratio) is lower.
	RestoreRatio float64
	// LossCap and Cap limit the goodwill compensation above the
	// restoration: restoration plus goodwill never exceeds LossCap x loss
	// (LossCap >= 1), and the goodwill never exceeds Cap.
	LossCap float64
	Cap     float64
	// PreApproved is the goodwill compensation the front line may grant at
	// once, min(Cap, FrontLineLimit).
	PreApproved float64
	// FrontLineLimit is the most money (a refund or credit plus goodwill)
	// the front line may pay at once: Settings.FrontLineLimit of the
	// customer's quadrant. Restoration in kind (replacement,
	// re-performance) has no such limit.
	FrontLineLimit float64
	// ChurnWithout and ChurnWith are the probability that the customer
	// does not buy again after this failure if it is handled without a
	// good recovery (complained, not resolved) and with one (resolved
	// quickly).
	ChurnWithout, ChurnWith float64

	AcknowledgeBy time.Duration // acknowledge the customer within this
	ResolveBy     time.Duration // resolve within this
	// FollowUp are the follow-up checkpoints in days after resolution,
	// ascending; zeros are unused slots.
	FollowUp [MaxFollowUps]uint16
}

// Resolution is the concrete response to one loss, in the currency of
// the loss: the restoration, which is never capped, and the goodwill
// compensation above it, which is.
type Resolution struct {
	Loss float64 // the loss amount given
	// Restore is the value of the restoration in the entry's remedy kind:
	// RestoreRatio x loss, a refund for a billing error, a replacement for
	// a defect, a priority re-delivery or re-performance. No cap cuts it.
	Restore float64
	// Compensation is the goodwill above the restoration: what the
	// customer's expectation and the paradox uplift ask for beyond
	// RestoreRatio x loss, limited by LossCap x loss in total and by Cap.
	Compensation float64
	// Total is Restore + Compensation.
	Total float64
	// Capped is set when Compensation was limited by Cap or LossCap: the
	// playbook's limit on goodwill is reached and the case owner decides on
	// anything beyond it.
	Capped bool
	// NeedsApproval is set when the front line cannot settle the case
	// alone: the compensation was capped or exceeds PreApproved, or the
	// money paid at once (Restore for a money or attention remedy, plus
	// Compensation) exceeds FrontLineLimit. Restoration in kind
	// (replacement, re-performance) never needs approval by itself.
	NeedsApproval bool
}

// Resolve turns the entry into a concrete response to a loss:
//
//	Restore      = RestoreRatio x loss
//	Compensation = min(max(Ratio - RestoreRatio, 0) x loss, max(LossCap - RestoreRatio, 0) x loss, Cap)
//	Total        = Restore + Compensation
//
// and whether it needs approval beyond the front line (see
// [Resolution.NeedsApproval]). A negative, NaN or infinite loss is an
// error wrapping [ErrBadLoss]. A loss of 0 gives zero amounts.
func (e *Entry) Resolve(loss float64) (Resolution, error) {
	if !(loss >= 0) || math.IsInf(loss, 1) {
		return Resolution{}, ErrBadLoss
	}
	restore := e.RestoreRatio * loss
	want := max(e.Ratio-e.RestoreRatio, 0) * loss
	comp := min(want, max(e.LossCap-e.RestoreRatio, 0)*loss, e.Cap)
	capped := comp < want
	paid := comp
	if e.Remedy == RemedyMoney || e.Remedy == RemedyAttention {
		paid += restore
	}
	return Resolution{
		Loss:          loss,
		Restore:       restore,
		Compensation:  comp,
		Total:         restore + comp,
		Capped:        capped,
		NeedsApproval: capped || comp > e.PreApproved || paid > e.FrontLineLimit,
	}, nil
}

// Model is a validated set of [Settings] with its derived tables. It is
// immutable and safe for concurrent use.
type Model struct {
	set Settings // as given, with the defaults filled in ([Off] kept)
	cfg Settings // the numbers computed with: set with Off as zero
	// keyAccount[q-1] marks the key-account quadrants.
	keyAccount [4]bool
	// tierSpeed is cfg.TierSpeed extended to 256 tiers.
	tierSpeed [256]float64
	// follow holds the follow-up checkpoints per severity and grudge:
	// index (s-1)*2 + grudge.
	follow [NumSeverities * 2][MaxFollowUps]uint16
	// churnOdds holds exp(-logit(1 - repurchase)) per severity for
	// NotResolved (index 0) and ResolvedQuickly (index 1), so that
	// σ(base + x) = 1 / (1 + churnOdds x exp(-x)) takes one exp per
	// customer instead of one per severity.
	churnOdds [NumSeverities][2]float64
	// deadline holds the acknowledge and resolve deadlines in minutes per
	// tier and severity.
	deadline [256][NumSeverities][2]uint32
	// apology holds the apology records per quadrant, severity and slot
	// flags (grudge and influence bits).
	apology [4][NumSeverities][(slotGrudge | slotInfluential) + 1]apologyRec
	// restore[t] is Restore x Fault, and expect[s][t] restore x
	// SeverityExpectation, per failure type and severity.
	restore [NumFailureTypes]float64
	expect  [NumSeverities][NumFailureTypes]float64
	// restoreRatio[t] is min(Restore[t], 1).
	restoreRatio [NumFailureTypes]float64
	// paradox[s] is slotNoFailures if severity index s is eligible for
	// the paradox (s+1 <= ParadoxMaxSeverity), else 0: a slot's
	// eligibility is one AND with its flags.
	paradox [NumSeverities]uint8
	// uplift is the factor of the aim without and with the paradox: 1
	// and 1 + ParadoxUplift.
	uplift [2]float64
}

// New validates the settings and returns the model. A nil settings means
// [DefaultSettings], and so does every zero field (see [Settings]). The
// model keeps a copy. Invalid settings are a *[SettingsError] naming the
// field.
func New(settings *Settings) (*Model, error) {
	if err := settings.Validate(); err != nil {
		return nil, err
	}
	set := settings.filled()
	c := set.effective()
	m := &Model{set: set, cfg: c}
	for _, q := range c.KeyAccount {
		m.keyAccount[q-1] = true
	}
	for t := range m.tierSpeed {
		i := t - 1
		if i < 0 || i >= len(c.TierSpeed) {
			i = len(c.TierSpeed) - 1
		}
		m.tierSpeed[t] = c.TierSpeed[i]
	}
	for s := range NumSeverities {
		for g := range 2 {
			var f [MaxFollowUps]uint16
			for j, d := range c.FollowUpDays[s] {
				f[j] = uint16(d)
			}
			if g == 1 && c.GrudgeFollowUpDays != 0 {
				f = insertCheckpoint(f, uint16(c.GrudgeFollowUpDays))
			}
			m.follow[s*2+g] = f
		}
		w := c.MajorWeight[s]
		for k, st := range [2]int{NotResolved, ResolvedQuickly} {
			rep := (1-w)*c.RepurchaseMinor[st] + w*c.RepurchaseMajor[st]
			m.churnOdds[s][k] = math.Exp(-logit(1 - rep))
		}
	}
	for t := range m.tierSpeed {
		speed := m.tierSpeed[t]
		for si := range NumSeverities {
			m.deadline[t][si] = [2]uint32{
				uint32(max(1, math.Round(c.AcknowledgeHours[si]*60*speed))),
				uint32(max(1, math.Round(c.ResolveHours[si]*60*speed))),
			}
		}
	}
	for q := range m.apology {
		for si := range NumSeverities {
			for f := range m.apology[q][si] {
				m.apology[q][si][f] = m.apologyOf(q, si, uint8(f))
			}
		}
	}
	for si := range NumSeverities {
		if si+1 <= c.ParadoxMaxSeverity {
			m.paradox[si] = slotNoFailures
		}
	}
	m.uplift = [2]float64{1, 1 + c.ParadoxUplift}
	for ti := range NumFailureTypes {
		m.restoreRatio[ti] = min(c.Restore[ti], 1)
		m.restore[ti] = c.Restore[ti] * c.Fault[ti]
		for si := range NumSeverities {
			m.expect[si][ti] = m.restore[ti] * c.SeverityExpectation[si]
		}
	}
	return m, nil
}

// insertCheckpoint adds day d to the ascending checkpoints f if a slot is
// free and d is not there yet.
func insertCheckpoint(f [MaxFollowUps]uint16, d uint16) [MaxFollowUps]uint16 {
	n := 0
	for n < MaxFollowUps && f[n] != 0 {
		if f[n] == d {
			return f
		}
		n++
	}
	if n == MaxFollowUps {
		return f
	}
	f[n] = d
	for i := n; i > 0 && f[i] < f[i-1]; i-- {
		f[i], f[i-1] = f[i-1], f[i]
	}
	return f
}

// Settings returns a copy of the model's settings with every default
// filled in; a field asked to be zero stays [Off], so New(&settings)
// gives the same model.
func (m *Model) Settings() Settings { return m.set.clone() }

// f32down rounds x >= 0 to a float32 not above it, so a clamped ratio
// stays within MaxLossMultiple: float32(x), or the next float32 towards
// zero when that is above x (math.Nextafter32(f, 0), which for a nonzero
// f is the float32 whose bits are one less). It has no branch: a lookup's
// branches on the slot's numbers would each be a misprediction half the
// time, paid after the slot's memory access.
func f32down(x float64) float32 {
	f := float32(x)
	bits := math.Float32bits(f)
	var above, nonzero uint32
	if float64(f) > x {
		above = 1
	}
	if bits<<1 != 0 {
		nonzero = 1
	}
	return math.Float32frombits(bits - above&nonzero)
}

func logit(p float64) float64 { return math.Log(p / (1 - p)) }

const (
	flagParadox = 1 << iota
	flagEscalated
	flagGrudge
)

// Flags of a slot (slot.flags): what of the customer the playbooks read
// beyond the numbers.
const (
	slotGrudge      = 1 << iota // the last recovery did not satisfy
	slotNoFailures              // no failure in 12 months: eligible for the paradox
	slotInfluential             // influence at or above InfluenceEscalation
)

// pack fills the playbook part of sl from c: the few numbers per
// customer from which [Model.sevRec] and [Model.typeRec] compute every
// playbook entry at lookup, with the same operations in the same order
// as a direct computation, so a book and [Model.Playbook] agree bit for
// bit. The ID, position and channel of sl are the book's to set.
func (m *Model) pack(c *Customer, sl *slot) {
	cfg := &m.cfg
	grudge := c.grudge()
	past := min(c.Failures12m, cfg.RecurrenceCap)
	rel := 1 - cfg.LoyaltyBuffer*c.Strength
	if grudge {
		rel = 1 + cfg.GrudgeBase + cfg.GrudgeLoyalty*c.Strength
	}
	shift := cfg.StageLogit[c.Stage] + cfg.FailureLogit*float64(past)
	if grudge {
		shift += cfg.UnsatisfiedLogit
	}
	q := int(c.Quadrant) - 1
	profitCap := max(cfg.ProfitShare*c.GrossProfit, cfg.ProfitFloor)
	sl.absCap = min(cfg.QuadrantCap[q], profitCap)
	// exp(-x) of the customer's log-odds shifts; σ(base + x) in sevRec.
	sl.eOut = math.Exp(-(shift + cfg.StrengthLogitWithout*c.Strength))
	sl.eWith = math.Exp(-(shift + cfg.StrengthLogitWith*c.Strength))
	sl.rel = rel
	sl.past = uint16(past) // RecurrenceCap <= 1000
	sl.tier = uint8(c.Tier)
	sl.quad = uint8(q)
	var f uint8
	if grudge {
		f |= slotGrudge
	}
	if c.Failures12m == 0 {
		f |= slotNoFailures
	}
	if cfg.InfluenceEscalation > 0 && c.Influence >= cfg.InfluenceEscalation {
		f |= slotInfluential
	}
	sl.flags = f
}

// apologyRec is the apology, owner and flags (grudge, escalated) of a
// quadrant, severity, grudge and influence, tabled by [New].
type apologyRec struct {
	apology Apology
	owner   Owner
	flags   uint8
}

// apologyOf returns the apology record of quadrant index q, severity
// index si, and the slot flags f (grudge and influence).
func (m *Model) apologyOf(q, si int, f uint8) apologyRec {
	cfg := &m.cfg
	s := si + 1
	grudge := f&slotGrudge != 0
	var flags uint8
	if grudge {
		flags |= flagGrudge
	}
	level := int(cfg.ApologyBySeverity[si])
	if ks := cfg.KeySeverity[q]; ks != 0 && s >= ks {
		level++
	}
	if f&slotInfluential != 0 {
		level++
	}
	if grudge {
		level++
		flags |= flagEscalated
	}
	level = min(level, int(ApologyExecutive))
	owner := cfg.OwnerByApology[level-1]
	if owner == OwnerServiceManager && m.keyAccount[q] {
		owner = OwnerAccountManager
	}
	return apologyRec{apology: Apology(level), owner: owner, flags: flags}
}

// fill computes the public Entry of failure type t and severity s from
// the packed slot into e; channel is the customer's channel, or for one
// without a preference the model's default for s. It is the one
// computation of an entry (lookups, [Model.Playbook] and the JSON rows
// all go through it): straight-line code on the slot and the model's
// tables, which stay in cache, without a branch on the slot's contents,
// since on a book too large for the caches each such branch mispredicted
// would cost a pipeline refill after the slot's memory access.
func (m *Model) fill(e *Entry, t FailureType, s Severity, sl *slot, channel string) {
	cfg := &m.cfg
	si, ti := int(s-1), int(t-1)
	q := int(sl.quad) & 3
	capAmt := cfg.SeverityCapShare[si] * sl.absCap
	a := &m.apology[q][si][sl.flags&(slotGrudge|slotInfluential)]
	paradox := 0
	if sl.flags&m.paradox[si] != 0 {
		paradox = 1
	}
	recur := 1 + cfg.RecurrenceStep*float64(sl.past)
	exp := m.expect[si][ti] * recur * sl.rel
	// The aim times 1 is the aim, bit for bit.
	aim := max(exp, m.restore[ti]) * m.uplift[paradox]
	d := &m.deadline[sl.tier][si]
	g := int(a.flags/flagGrudge) & 1
	e.Failure = t
	e.Severity = s
	e.Remedy = cfg.Remedy[ti]
	e.Apology = a.apology
	e.Owner = a.owner
	e.Paradox = paradox != 0
	e.Escalated = a.flags&flagEscalated != 0
	e.Channel = channel
	e.Expected = float64(float32(exp))
	e.Ratio = float64(f32down(min(aim, cfg.MaxLossMultiple)))
	e.RestoreRatio = m.restoreRatio[ti]
	e.LossCap = cfg.MaxLossMultiple
	e.Cap = float64(float32(capAmt))
	e.PreApproved = float64(float32(min(capAmt, cfg.FrontLineLimit[q])))
	e.FrontLineLimit = cfg.FrontLineLimit[q]
	e.ChurnWithout = float64(float32(1 / (1 + m.churnOdds[si][0]*sl.eOut)))
	e.ChurnWith = float64(float32(1 / (1 + m.churnOdds[si][1]*sl.eWith)))
	e.AcknowledgeBy = time.Duration(d[0]) * time.Minute
	e.ResolveBy = time.Duration(d[1]) * time.Minute
	e.FollowUp = m.follow[si*2+g]
}

// Playbook computes one entry for c directly, without a book: the same
// result a [Book] built from c returns from Lookup. An invalid t or s is an
// error wrapping [ErrUnknownFailure] or [ErrUnknownSeverity]; an invalid
// customer field (NaN or out of range) a *[CustomerError].
func (m *Model) Playbook(c Customer, t FailureType, s Severity) (Entry, error) {
	if err := checkKind(t, s); err != nil {
		return Entry{}, err
	}
	if err := c.validate(-1); err != nil {
		return Entry{}, err
	}
	var sl slot
	m.pack(&c, &sl)
	ch := c.Channel
	if ch == "" {
		ch = m.cfg.DefaultChannel[s-1]
	}
	var e Entry
	m.fill(&e, t, s, &sl, ch)
	return e, nil
}

var (
	errFailure  = &kindError{ErrUnknownFailure}
	errSeverity = &kindError{ErrUnknownSeverity}
)

// kindError is a preallocated error for invalid enum arguments, so
// lookups do not allocate even on that path.
type kindError struct{ err error }

func (e *kindError) Error() string { return e.err.Error() }
func (e *kindError) Unwrap() error { return e.err }

func checkKind(t FailureType, s Severity) error {
	if !t.Valid() {
		return errFailure
	}
	if !s.Valid() {
		return errSeverity
	}
	return nil
}
