package lifecycle

import (
	"fmt"
	"math"
	"math/bits"
	"time"

	"github.com/cvmkit/cvm/internal/civil"
)

const (
	ringMonths  = 24             // months of volume history kept
	ivCap       = 10             // recent inter-purchase intervals kept for the median
	maxInterval = math.MaxUint16 // intervals are kept in days up to this (about 179 years)
	daySecs     = 86400          // seconds per day
	ringMask    = 1<<ringMonths - 1
)

// State is one customer's relationship state: the stage, when it began,
// and a condensed history the rules read (24 monthly net volumes, the last
// 10 inter-purchase intervals, a few counters). It is a small value type
// (224 bytes, no pointers), so copying it is cheap and [Apply] does not
// allocate; the zero value is a customer with no event yet, in stage None.
//
// Times are kept as whole seconds; months and days are UTC calendar months
// and days. Monthly volumes are float32, enough for the ratios the rules
// read. A State marshals to JSON and back exactly ([State.MarshalJSON]).
type State struct {
	vol        [ringMonths]float32 // vol[i]: net volume of month head-i
	iv         [ivCap]uint16       // recent intervals in days (at most maxInterval), oldest first
	ivSorted   [ivCap]uint16       // iv[:nIv] in increasing order, zero beyond
	since      int64               // Unix seconds the stage began
	start      int64               // Unix seconds the relationship began
	last       int64               // Unix seconds of the last event, ticks included
	lastBuy    int64               // Unix seconds of the last purchase
	stabSecs   int64               // seconds in stability in completed stints of this relationship
	nextMonth  int64               // nextMonthOf(head), cached
	preDecline float32             // mean monthly volume of the 6 complete months before the decline
	head       int32               // month index (year*12 + month-1) of vol[0]
	active     uint32              // bit i: a purchase in month head-i
	orders     int32               // purchase occasions in this relationship
	returns    int32
	contacts   int32
	complaints int32
	reacts     uint16
	stage      Stage
	prev       Stage // the stage before the decline, while in Decline
	highest    Stage // highest of exploration, formation, stability reached in this relationship
	pending    Stage // the target of the trend that held at the last evaluation
	streak     uint8 // evaluations in a row the pending trend has held
	nIv        uint8
}

// Transition records one stage change: when ([Transition.At]), by which
// rule, and the measured values behind it. The zero Transition (To ==
// None) is "no change"; see [Transition.Changed]. Like [State], it is a
// value without pointers (80 bytes), the time kept in Unix seconds, so
// the histories of a million customers cost the garbage collector
// nothing to scan.
type Transition struct {
	From, To Stage
	Rule     Rule
	at       int64 // Unix seconds
	Measures Measures
}

// At returns the time of the change, in UTC and whole seconds, or the
// zero time when tr records no change.
func (tr Transition) At() time.Time {
	if !tr.Changed() {
		return time.Time{}
	}
	return time.Unix(tr.at, 0).UTC()
}

// Changed reports whether tr records a stage change, that is, To is not
// None.
func (tr Transition) Changed() bool { return tr.To != None }

// Apply applies the event e to the state s under the rules r (nil means
// [DefaultSettings]) and returns the new state and, when the stage changed, a
// [Transition] with the rule that fired and the measured values; otherwise
// the zero Transition. It never reads the clock: the event's time is the
// time. It does not allocate unless it returns an error.
//
// A purchase starts the relationship (None -> Exploration) or re-activates
// an ended one (Ended -> Exploration); a termination ends an active one at
// once; every other stage change is decided at a Tick, by the rules in the
// package documentation. At most one change happens per event.
//
// Apply returns s unchanged and an *EventError wrapping ErrUnknownKind for
// a Kind outside Purchase..Tick, ErrZeroTime for the zero time,
// ErrOutOfOrder for an event (tick included) before the last event applied,
// ErrAmount for a purchase or return amount that is NaN, infinite or
// negative, and a *TransitionError for a termination before any purchase
// (none -> ended is not in the [TransitionTable]), and a *SettingsError for
// invalid settings (see [Settings.Validate]). A termination of an ended relationship is no
// change and no error.
func Apply(s State, e Event, r *Settings) (State, Transition, error) {
	if e.Kind == 0 || e.Kind > Tick {
		return s, Transition{}, s.eventErr(e, ErrUnknownKind)
	}
	if e.Time.IsZero() {
		return s, Transition{}, s.eventErr(e, ErrZeroTime)
	}
	t := e.Time.Unix()
	if t < s.last && s.applied() {
		return s, Transition{}, s.eventErr(e, ErrOutOfOrder)
	}
	if (e.Kind == Purchase || e.Kind == Return) && !(e.Amount >= 0 && e.Amount <= math.MaxFloat64) {
		return s, Transition{}, s.eventErr(e, ErrAmount)
	}
	if e.Kind == Termination && s.stage == None {
		return s, Transition{}, s.eventErr(e, &TransitionError{From: None, To: Ended, At: time.Unix(t, 0).UTC()})
	}
	rr := &defaultSettings
	if r != nil {
		if err := r.Validate(); err != nil {
			return s, Transition{}, err
		}
		var buf Settings // zeroing it costs; only with custom rules
		rr = r.resolve(&buf)
	}
	var tr Transition
	s.step(t, e.Kind, e.Amount, rr, &tr)
	return s, tr, nil
}

// step applies a valid event at Unix time t >= s.last in place, under the
// resolved rules rr. On a stage change it fills *tr (unless tr is nil)
// and returns true.
func (s *State) step(t int64, k Kind, amount float64, rr *Settings, tr *Transition) bool {
	s.last = t
	switch k {
	case Purchase:
		return s.purchase(t, amount, rr, tr)
	case Return:
		s.advanceTo(t)
		s.addVolume(-amount)
		if s.returns < math.MaxInt32 {
			s.returns++
		}
	case Contact:
		if s.contacts < math.MaxInt32 {
			s.contacts++
		}
	case Complaint:
		if s.complaints < math.MaxInt32 {
			s.complaints++
		}
	case Termination:
		if s.stage != Ended {
			s.advanceTo(t)
			return s.move(Ended, t, RuleTermination, rr, tr)
		}
	case Tick:
		return s.tick(t, rr, tr)
	}
	return false
}

// applied reports whether an event was applied to s. Unix time 0 marks
// "none yet" for the last event, so a State with no event accepts any
// time, 1969 and before included.
func (s *State) applied() bool { return s.last != 0 || s.stage != None }

func (s *State) eventErr(e Event, err error) error {
	ee := &EventError{Kind: e.Kind, Time: e.Time, Err: err}
	if s.last != 0 {
		ee.Last = time.Unix(s.last, 0).UTC()
	}
	return ee
}

func (s *State) purchase(t int64, amount float64, rr *Settings, tr *Transition) bool {
	s.advanceTo(t)
	s.addVolume(amount)
	s.active |= 1
	if s.stage == None || s.stage == Ended {
		rule := RuleFirstPurchase
		if s.stage == Ended {
			rule = RuleReactivation
			if s.reacts < math.MaxUint16 {
				s.reacts++
			}
			// A re-activation starts a new relationship: its trends
			// (growth, drop, year on year, active months, volatility)
			// compare months within it only, so the months of the
			// relationship that ended are forgotten.
			s.vol = [len(s.vol)]float32{s.vol[0]}
			s.active &= 1
		}
		s.start, s.lastBuy, s.orders = t, t, 1
		s.iv, s.ivSorted, s.nIv = [ivCap]uint16{}, [ivCap]uint16{}, 0
		s.stabSecs, s.prev, s.highest, s.preDecline = 0, None, None, 0
		return s.move(Exploration, t, rule, rr, tr)
	}
	day, lastDay := civil.UnixDay(t), civil.UnixDay(s.lastBuy)
	if day != lastDay {
		if s.orders < math.MaxInt32 {
			s.orders++
		}
		s.pushInterval(uint16(min(day-lastDay, maxInterval)))
	}
	s.lastBuy = t
	return false
}

// tick evaluates the rules at time t. It computes only what the rules of
// the current stage read; a transition records the full measures.
func (s *State) tick(t int64, rr *Settings, tr *Transition) bool {
	if !s.stage.Active() {
		return false
	}
	s.advanceTo(t)
	iv := float64(s.median())
	if s.nIv == 0 {
		iv = float64(rr.DefaultInterval)
	}
	rec := float64(floorDiv(t-s.lastBuy, daySecs))

	end := max(rr.EndRecency*iv, float64(rr.EndMinDays))
	if rr.Seasonal {
		end = max(end, float64(rr.SeasonalEndDays))
	}
	if rec > end {
		return s.move(Ended, t, RuleRecencyEnd, rr, tr)
	}
	late := rec > max(rr.DeclineRecency*iv, float64(rr.DeclineMinDays))
	if late && rr.Seasonal && s.quietLastYear() {
		late = false
	}
	if late && s.stage != Decline {
		return s.move(Decline, t, RuleRecency, rr, tr)
	}

	v := &s.vol
	last3 := float64(v[1]) + float64(v[2]) + float64(v[3])
	var drop bool
	if rr.Seasonal {
		drop = ratio(last3, float64(v[13])+float64(v[14])+float64(v[15])) < -rr.DeclineDrop
	} else {
		last6 := last3 + float64(v[4]) + float64(v[5]) + float64(v[6])
		prev6 := float64(v[7]) + float64(v[8]) + float64(v[9]) + float64(v[10]) + float64(v[11]) + float64(v[12])
		drop = ratio(last6, prev6) < -rr.DeclineDrop
	}
	target, rule := None, RuleNone
	switch s.stage {
	case Exploration, Formation, Stability:
		switch {
		case drop:
			target, rule = Decline, RuleDrop
		case s.stage == Exploration:
			prev3 := float64(v[4]) + float64(v[5]) + float64(v[6])
			if int(s.orders) >= rr.FormationOrders && bits.OnesCount32(s.active&0x7e) >= rr.FormationActiveMonths &&
				last3 > 0 && !(ratio(last3, prev3) < 0) {
				target, rule = Formation, RuleGrowth
			}
		case s.stage == Formation:
			if floorDiv(t-s.start, daySecs) >= int64(rr.StabilityTenureDays) &&
				bits.OnesCount32(s.active&0x1ffe) >= rr.StabilityActiveMonths &&
				s.volatility() <= rr.StabilityVolatility {
				target, rule = Stability, RuleSteady
			}
		}
	case Decline:
		if !late && last3 > 0 && last3/3 >= rr.RecoverLevel*float64(s.preDecline) &&
			s.prev >= Exploration && s.prev <= Stability {
			target, rule = s.prev, RuleRecovery
		}
	}
	if target == None {
		s.pending, s.streak = None, 0
		return false
	}
	if target == s.pending {
		if s.streak < math.MaxUint8 {
			s.streak++
		}
	} else {
		s.pending, s.streak = target, 1
	}
	if int(s.streak) < rr.Confirm {
		return false
	}
	if target != Decline && t-s.since < int64(rr.MinStageDays)*daySecs {
		return false
	}
	return s.move(target, t, rule, rr, tr)
}

// volatility returns the coefficient of variation (population) of the
// last 12 complete monthly volumes, or NaN when their mean is <= 0.
func (s *State) volatility() float64 {
	var sum float64
	for _, x := range s.vol[1:13] {
		sum += float64(x)
	}
	mean := sum / 12
	if !(mean > 0) {
		return math.NaN()
	}
	var ss float64
	for _, x := range s.vol[1:13] {
		d := float64(x) - mean
		ss += d * d
	}
	return math.Sqrt(ss/12) / mean
}

// move changes the stage to to at time t by rule, recording the change and
// the measures before it in *tr unless tr is nil. The callers only make
// changes in the table; move panics on any other, which would be a bug in
// this package.
func (s *State) move(to Stage, t int64, rule Rule, r *Settings, tr *Transition) bool {
	from := s.stage
	if !Allowed(from, to) {
		panic(fmt.Sprintf("lifecycle: internal error: %v -> %v by %v", from, to, rule))
	}
	var m Measures
	if tr != nil {
		m = s.measure(t, r)
	}
	if from == Stability {
		s.stabSecs += t - s.since
	}
	switch {
	case to == Decline:
		s.prev = from
		var sum float64
		for i := 1; i <= 6; i++ {
			sum += float64(s.vol[i])
		}
		s.preDecline = float32(sum / 6)
	case from == Decline:
		s.prev, s.preDecline = None, 0
	}
	if to <= Stability && to > s.highest {
		s.highest = to
	}
	s.stage, s.since, s.pending, s.streak = to, t, None, 0
	if tr != nil {
		*tr = Transition{From: from, To: to, at: t, Rule: rule, Measures: m}
	}
	return true
}

// Move changes the stage to to at time at by the host's decision (rule
// RuleManual), for corrections an operator makes. It returns s unchanged
// and a *TransitionError when the [TransitionTable] does not allow the change, and
// an *EventError wrapping ErrOutOfOrder or ErrZeroTime for a bad time.
// Moving into Exploration from None or Ended starts a relationship, as a
// purchase would, without recording one.
func (s State) Move(to Stage, at time.Time) (State, Transition, error) {
	e := Event{Kind: Tick, Time: at}
	if at.IsZero() {
		return s, Transition{}, s.eventErr(e, ErrZeroTime)
	}
	t := at.Unix()
	if t < s.last && s.applied() {
		return s, Transition{}, s.eventErr(e, ErrOutOfOrder)
	}
	n := s
	n.last = t
	n.advanceTo(t)
	if to == Exploration && (s.stage == None || s.stage == Ended) {
		n.start = t
		n.iv, n.ivSorted, n.nIv = [ivCap]uint16{}, [ivCap]uint16{}, 0
		n.stabSecs, n.prev, n.highest, n.orders = 0, None, None, 0
	}
	if !Allowed(s.stage, to) {
		return s, Transition{}, &TransitionError{From: s.stage, To: to, At: time.Unix(t, 0).UTC()}
	}
	var tr Transition
	n.move(to, t, RuleManual, &defaultSettings, &tr)
	return n, tr, nil
}

// advanceTo moves the month ring forward to the month of Unix time t.
func (s *State) advanceTo(t int64) {
	if t < s.nextMonth {
		return
	}
	// The common case: t is in the month right after head.
	if m := s.head + 1; s.nextMonth != 0 && m != 0 {
		if end := s.nextMonth + int64(daysIn(m))*daySecs; t < end {
			s.advance0(m)
			s.nextMonth = end
			return
		}
	}
	s.advance(monthOf(t))
}

// daysIn returns the number of days in month index m (year*12 + month-1).
func daysIn(m int32) int32 {
	y := floorDiv(int64(m), 12)
	return int32(civil.DaysIn(int(y), int(int64(m)-y*12+1)))
}

// advanceKnown moves the month ring forward to month m, whose following
// month begins at next (= nextMonthOf(m)), known to the caller.
func (s *State) advanceKnown(m int32, next int64) {
	if s.advance0(m) {
		s.nextMonth = next
		if m == 0 {
			s.nextMonth = 0
		}
	}
}

// advance moves the month ring forward to month m.
func (s *State) advance(m int32) {
	if s.advance0(m) {
		s.nextMonth = nextMonthOf(m)
	}
}

// advance0 moves the month ring forward to month m, leaving nextMonth, and
// reports whether it moved.
func (s *State) advance0(m int32) bool {
	k := int64(m) - int64(s.head)
	if k <= 0 {
		return false
	}
	if k >= ringMonths {
		s.vol = [ringMonths]float32{}
		s.active = 0
	} else {
		copy(s.vol[k:], s.vol[:ringMonths-k])
		clear(s.vol[:k])
		s.active = s.active << k & ringMask
	}
	s.head = m
	return true
}

// nextMonthOf returns the Unix time the month after month index m begins,
// or 0 for m == 0 (the zero State's head), which makes advanceTo always
// recompute.
func nextMonthOf(m int32) int64 {
	if m == 0 {
		return 0
	}
	return monthStart(int64(m) + 1)
}

// addVolume adds x to the current month's volume, clamped to the float32
// range so the volume stays finite.
func (s *State) addVolume(x float64) {
	v := float64(s.vol[0]) + x
	s.vol[0] = float32(max(-math.MaxFloat32, min(math.MaxFloat32, v)))
}

// pushInterval records the interval d in days, dropping the oldest of a
// full window. The sorted copy is kept in step, so the median needs no
// sort.
func (s *State) pushInterval(d uint16) {
	n := int(s.nIv)
	srt := s.ivSorted[:]
	if n == ivCap {
		old := s.iv[0]
		copy(s.iv[:], s.iv[1:])
		s.iv[ivCap-1] = d
		i := 0
		for srt[i] != old {
			i++
		}
		copy(srt[i:], srt[i+1:])
		n--
	} else {
		s.iv[n] = d
		s.nIv++
	}
	j := n
	for ; j > 0 && srt[j-1] > d; j-- {
		srt[j] = srt[j-1]
	}
	srt[j] = d
}

// median returns the median of the recent intervals, or 0 with none.
func (s *State) median() int32 { return middle(s.ivSorted[:s.nIv]) }

// middle returns the median of the sorted a, the mean of the middle two
// rounded half up when len(a) is even, or 0 when a is empty.
func middle(a []uint16) int32 {
	n := len(a)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return int32(a[n/2])
	}
	return (int32(a[n/2-1]) + int32(a[n/2]) + 1) / 2
}

// quietLastYear reports whether the customer bought nothing in the
// complete months a year before the current silence (the same calendar
// month a year ago while the silence is under two calendar months). A
// silence over a year is never quiet.
func (s *State) quietLastYear() bool {
	k := int64(s.head) - int64(monthOf(s.lastBuy))
	lo, hi := int64(13), k+11
	if hi < 13 {
		lo, hi = 12, 12
	}
	if hi >= ringMonths {
		return false
	}
	mask := uint32(1)<<(hi+1) - uint32(1)<<lo
	return s.active&mask == 0
}

// measure computes the measures at time t; the ring must be advanced to
// the month of t. r nil means the defaults.
func (s *State) measure(t int64, r *Settings) Measures {
	if r == nil {
		r = &defaultSettings
	}
	var m Measures
	if s.stage == None && s.orders == 0 && s.start == 0 {
		m.Growth3, m.Growth6, m.YoY3, m.Volatility = math.NaN(), math.NaN(), math.NaN(), math.NaN()
		return m
	}
	m.Tenure = clampDays(t - s.start)
	m.Orders = s.orders
	m.Recency = clampDays(t - s.lastBuy)
	m.Interval = s.median()
	if s.nIv == 0 {
		m.Interval = int32(min(r.DefaultInterval, math.MaxInt32))
	}
	m.Active6 = int32(bits.OnesCount32(s.active & 0x7e))
	m.Active12 = int32(bits.OnesCount32(s.active & 0x1ffe))
	var v [16]float64
	for i := range v {
		v[i] = float64(s.vol[i])
	}
	last3 := v[1] + v[2] + v[3]
	prev3 := v[4] + v[5] + v[6]
	prev6 := v[7] + v[8] + v[9] + v[10] + v[11] + v[12]
	yo := v[13] + v[14] + v[15]
	m.Level3 = last3 / 3
	m.Growth3 = ratio(last3, prev3)
	m.Growth6 = ratio(last3+prev3, prev6)
	m.YoY3 = ratio(last3, yo)
	m.Volatility = s.volatility()
	return m
}

// ratio returns a/b - 1, or NaN when b <= 0.
func ratio(a, b float64) float64 {
	if !(b > 0) {
		return math.NaN()
	}
	return a/b - 1
}

// Stage returns the current stage.
func (s State) Stage() Stage { return s.stage }

// Previous returns the stage before the decline while the stage is
// Decline (the stage a recovery returns to), and None otherwise.
func (s State) Previous() Stage { return s.prev }

// Highest returns the highest of Exploration, Formation and Stability
// reached in the current relationship, or None before any purchase.
func (s State) Highest() Stage { return s.highest }

// Since returns when the current stage began, or the zero time in stage
// None.
func (s State) Since() time.Time { return unixTime(s.since) }

// Start returns when the current relationship began (the first purchase,
// or the re-activation), or the zero time before any purchase.
func (s State) Start() time.Time { return unixTime(s.start) }

// Last returns the time of the last event applied, ticks included, or the
// zero time if none.
func (s State) Last() time.Time { return unixTime(s.last) }

// LastPurchase returns the time of the last purchase, or the zero time if
// none.
func (s State) LastPurchase() time.Time { return unixTime(s.lastBuy) }

// Orders returns the purchase occasions (distinct UTC days) in the current
// relationship.
func (s State) Orders() int { return int(s.orders) }

// Counts returns the returns, contacts and complaints applied over the
// whole history, across re-activations.
func (s State) Counts() (returns, contacts, complaints int) {
	return int(s.returns), int(s.contacts), int(s.complaints)
}

// Reactivations returns how many times the relationship was re-activated
// after ending; the current relationship is a re-activation when it is
// above zero.
func (s State) Reactivations() int { return int(s.reacts) }

// TimeInStage returns at minus [State.Since], or 0 in stage None or when
// at is before Since.
func (s State) TimeInStage(at time.Time) time.Duration {
	if s.stage == None || at.Unix() < s.since {
		return 0
	}
	return time.Duration(at.Unix()-s.since) * time.Second
}

// Measure returns the measures the rules would read at time at (nil r, or
// an invalid one, means the defaults; r only supplies DefaultInterval). at
// should not be before [State.Last]; if it is, the months are those of the
// last event and the day counts may be negative. Before any purchase every count is
// 0 and every ratio NaN.
func (s State) Measure(at time.Time, r *Settings) Measures {
	if r.Validate() != nil {
		r = nil
	}
	var buf Settings
	t := at.Unix()
	s.advanceTo(t)
	return s.measure(t, r.resolve(&buf))
}

// Pattern returns the pattern of the current relationship as of at, with
// r.LongLastingDays (nil r, or an invalid one, means the defaults):
// long-lasting after that long in stability; left-stability-early when it
// reached stability but is now in decline or ended; ended-in-exploration or ended-in-formation when
// it ended from there (through decline or not); ongoing otherwise.
func (s State) Pattern(at time.Time, r *Settings) Pattern {
	if r.Validate() != nil {
		r = nil
	}
	var buf Settings
	return s.pattern(at.Unix(), r.resolve(&buf))
}

// pattern is Pattern at Unix time at with resolved, valid rules rr.
func (s State) pattern(at int64, rr *Settings) Pattern {
	stab := s.stabSecs
	if s.stage == Stability && at > s.since {
		stab += at - s.since
	}
	switch {
	case s.highest == Stability && stab >= int64(rr.LongLastingDays)*daySecs:
		return LongLasting
	case s.highest == Stability && (s.stage == Decline || s.stage == Ended):
		return LeftStabilityEarly
	case s.stage == Ended && s.highest == Exploration:
		return EndedInExploration
	case s.stage == Ended && s.highest == Formation:
		return EndedInFormation
	}
	return Ongoing
}

func unixTime(t int64) time.Time {
	if t == 0 {
		return time.Time{}
	}
	return time.Unix(t, 0).UTC()
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// clampDays returns secs in whole days (floored), clamped to int32.
func clampDays(secs int64) int32 {
	return int32(max(math.MinInt32, min(math.MaxInt32, floorDiv(secs, daySecs))))
}

// monthOf returns the UTC month index year*12 + month-1 of Unix time t.
func monthOf(t int64) int32 {
	y, m, _ := civil.Date(civil.UnixDay(t))
	return int32(y*12 + m - 1)
}

// monthStart returns the Unix time of the first second of month index mi.
func monthStart(mi int64) int64 {
	y := floorDiv(mi, 12)
	return civil.Days(int(y), int(mi-y*12+1), 1) * daySecs
}
