package clv

import (
	"context"
	"fmt"
	"iter"
	"math"
	"slices"
	"time"

	"github.com/cvmkit/cvm"
)

// DiscreteSettings configures PrepareDiscrete. A nil *DiscreteSettings
// means the zero value.
type DiscreteSettings struct {
	// PeriodDays is the length in days of one transaction opportunity;
	// 0 means 7 (a week).
	PeriodDays int
	// Location is the calendar in which days are counted; nil means UTC.
	Location *time.Location
}

// PrepareDiscrete builds the discrete-time customers of the BG/BB model
// ([BGBB], [FitBGBB]) from a stream of transactions in any order: each
// customer's time is cut into periods of PeriodDays days from the first
// purchase day, period 0 holding the first purchase; T is the number of
// complete periods after period 0 that end on or before calibrationEnd's
// day (n, the repeat opportunities), Frequency the number of those
// periods with a purchase (several purchases in a period are one
// transaction) and Recency the last such period (0 without any).
// Purchases in an incomplete last period are left out. Returns (negative
// amounts) are ignored. The customers are sorted by ID, as Prepare sorts
// them; MeanSpend is 0.
//
// It returns ErrEmptyInput when no customer buys on or before the
// calibration end, a *cvm.TransactionError for an unusable transaction, a
// *ParamError for a negative PeriodDays or a zero calibration end, and
// ctx.Err() when ctx is done first.
func PrepareDiscrete(ctx context.Context, txs iter.Seq[cvm.Transaction], calibrationEnd time.Time, s *DiscreteSettings) ([]Customer, error) {
	var set DiscreteSettings
	if s != nil {
		set = *s
	}
	if set.PeriodDays < 0 {
		return nil, &ParamError{Param: "period days", Value: float64(set.PeriodDays), Err: ErrInvalidParam}
	}
	if set.PeriodDays == 0 {
		set.PeriodDays = 7
	}
	if calibrationEnd.IsZero() {
		return nil, &ParamError{Param: "calibration end", Value: 0, Err: fmt.Errorf("%w: zero time", ErrInvalidParam)}
	}
	loc := set.Location
	if loc == nil {
		loc = time.UTC
	}
	days, err := purchaseDays(ctx, txs, cvm.DayNumber(calibrationEnd, loc), loc)
	if err != nil {
		return nil, err
	}
	end := cvm.DayNumber(calibrationEnd, loc)
	p := int64(set.PeriodDays)
	out := make([]Customer, 0, len(days))
	for _, id := range sortedKeys(days) {
		ds := days[id]
		first := ds[0]
		n := max((end-first+1)/p-1, 0)
		c := Customer{ID: id, T: float64(n)}
		last := int64(0)
		for _, d := range ds[1:] {
			k := (d - first) / p
			if k < 1 || k > n || k == last {
				continue
			}
			c.Frequency++
			last = k
		}
		c.Recency = float64(last)
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, ErrEmptyInput
	}
	return out, nil
}

// purchaseDays returns each customer's distinct purchase days (amount
// >= 0) on or before day end, sorted.
func purchaseDays(ctx context.Context, txs iter.Seq[cvm.Transaction], end int64, loc *time.Location) (map[string][]int64, error) {
	days := map[string][]int64{}
	n := 0
	for t := range txs {
		if n++; n%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if err := t.Validate(); err != nil {
			return nil, err
		}
		if t.Amount < 0 {
			continue
		}
		if d := cvm.DayNumber(t.Time, loc); d <= end {
			days[t.Customer] = append(days[t.Customer], d)
		}
	}
	for id, ds := range days {
		slices.Sort(ds)
		days[id] = slices.Compact(ds)
	}
	return days, ctx.Err()
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// CohortPeriod is the length of a cohort period.
type CohortPeriod int

const (
	// Months groups customers by the calendar month of their first
	// purchase and counts activity in calendar months. It is the zero
	// value.
	Months CohortPeriod = iota
	// Weeks7 groups by ISO-style weeks of 7 days starting on Monday.
	Weeks7
)

// String returns "month" or "week".
func (p CohortPeriod) String() string {
	switch p {
	case Months:
		return "month"
	case Weeks7:
		return "week"
	}
	return fmt.Sprintf("CohortPeriod(%d)", int(p))
}

// MarshalText returns "month" or "week", and an error for an invalid
// period.
func (p CohortPeriod) MarshalText() ([]byte, error) {
	switch p {
	case Months, Weeks7:
		return []byte(p.String()), nil
	}
	return nil, fmt.Errorf("clv: invalid cohort period %d", int(p))
}

// UnmarshalText sets p from "month" or "week"; other text is an error
// naming it, and leaves p unchanged.
func (p *CohortPeriod) UnmarshalText(text []byte) error {
	switch string(text) {
	case "month":
		*p = Months
	case "week":
		*p = Weeks7
	default:
		return fmt.Errorf("clv: unknown cohort period %q (want month or week)", text)
	}
	return nil
}

// CohortSettings configures Cohorts. A nil *CohortSettings means the
// zero value: monthly cohorts in UTC, no sBG fits.
type CohortSettings struct {
	Period   CohortPeriod
	Location *time.Location // the calendar; nil means UTC
	// FitSBG fits an sBG retention model to every cohort's survivors
	// (Cohort.Alive) with at least three complete periods and some
	// churn.
	FitSBG bool
}

// Cohort is one acquisition cohort: the customers whose first purchase
// falls in the period starting at Start, followed period by period up to
// the as-of date. Index k of each curve is the k-th period after
// acquisition (0 = the acquisition period).
type Cohort struct {
	Start     time.Time `json:"start"`
	Customers int       `json:"customers"`
	// Active[k] is the number of customers with a purchase in period k
	// (Active[0] = Customers): the retention curve is Active[k]/Customers.
	Active []int `json:"active"`
	// Repeat[k] is the number who have made a repeat purchase (one in a
	// period after 0) by the end of period k: the repeat-purchase curve.
	Repeat []int `json:"repeat"`
	// Alive[k] is the number whose last purchase is in period k or later,
	// the survivors of a subscription-like reading (a customer is a
	// subscriber until the last purchase), non-increasing, the counts the
	// sBG is fitted to.
	Alive []int `json:"alive"`
	// SBG is the cohort's sBG fit, when asked for and possible, on Alive
	// without its last entry (the as-of period, incomplete); nil
	// otherwise.
	SBG *SBG `json:"sbg,omitempty"`
}

// Cohorts groups the customers of a transaction stream (in any order) into
// acquisition cohorts by the period of their first purchase and returns,
// per cohort in time order, the retention curve, the repeat-purchase
// curve and the survivor counts through asOf's period (transactions after
// asOf's day are ignored; a zero asOf means the last purchase day), each
// curve as long as the cohort's periods up to asOf's (incomplete) period.
// Purchases on one day are one occasion; returns (negative amounts) are
// ignored. With s.FitSBG each cohort of three or more complete periods
// with some churn gets an sBG fit; a failing fit is left nil.
//
// It returns ErrEmptyInput when no purchase is on or before asOf, a
// *cvm.TransactionError for an unusable transaction, a *ParamError for an
// invalid period, and ctx.Err() when ctx is done first.
func Cohorts(ctx context.Context, txs iter.Seq[cvm.Transaction], asOf time.Time, s *CohortSettings) ([]Cohort, error) {
	var set CohortSettings
	if s != nil {
		set = *s
	}
	if set.Period != Months && set.Period != Weeks7 {
		return nil, &ParamError{Param: "cohort period", Value: float64(set.Period), Err: ErrInvalidParam}
	}
	loc := set.Location
	if loc == nil {
		loc = time.UTC
	}
	end := int64(1) << 62
	if !asOf.IsZero() {
		end = cvm.DayNumber(asOf, loc)
	}
	days, err := purchaseDays(ctx, txs, end, loc)
	if err != nil {
		return nil, err
	}
	if len(days) == 0 {
		return nil, ErrEmptyInput
	}
	if asOf.IsZero() {
		end = math.MinInt64
		for _, ds := range days {
			end = max(end, ds[len(ds)-1])
		}
	}
	// period index of a day number
	epoch := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	periodOf := func(d int64) int64 {
		if set.Period == Weeks7 {
			// day 0 (1970-01-01) is a Thursday; weeks start on Monday.
			return floorDiv(d+3, 7)
		}
		t := epoch.AddDate(0, 0, int(d))
		return int64(t.Year())*12 + int64(t.Month()) - 1
	}
	startOf := func(p int64) time.Time {
		if set.Period == Weeks7 {
			return time.Date(1970, 1, 1, 0, 0, 0, 0, loc).AddDate(0, 0, int(p*7-3))
		}
		return time.Date(int(p/12), time.Month(p%12+1), 1, 0, 0, 0, 0, loc)
	}
	last := periodOf(end)
	type acc struct {
		active, repeat, alive []int
		n                     int
	}
	byStart := map[int64]*acc{}
	for _, id := range sortedKeys(days) {
		ds := days[id]
		p0 := periodOf(ds[0])
		a := byStart[p0]
		if a == nil {
			k := int(last - p0 + 1)
			a = &acc{active: make([]int, k), repeat: make([]int, k), alive: make([]int, k)}
			byStart[p0] = a
		}
		a.n++
		seen := map[int64]bool{}
		firstRepeat := int64(-1)
		for _, d := range ds {
			k := periodOf(d) - p0
			if !seen[k] {
				seen[k] = true
				a.active[k]++
			}
			if k > 0 && firstRepeat < 0 {
				firstRepeat = k
			}
		}
		if firstRepeat > 0 {
			for k := firstRepeat; k < int64(len(a.repeat)); k++ {
				a.repeat[k]++
			}
		}
		lastK := periodOf(ds[len(ds)-1]) - p0
		for k := int64(0); k <= lastK; k++ {
			a.alive[k]++
		}
	}
	starts := make([]int64, 0, len(byStart))
	for p := range byStart {
		starts = append(starts, p)
	}
	slices.Sort(starts)
	out := make([]Cohort, len(starts))
	for i, p := range starts {
		a := byStart[p]
		c := Cohort{Start: startOf(p), Customers: a.n, Active: a.active, Repeat: a.repeat, Alive: a.alive}
		if set.FitSBG && len(a.alive) >= 4 {
			alive := make([]float64, len(a.alive)-1)
			for k, v := range a.alive[:len(alive)] {
				alive[k] = float64(v)
			}
			if m, err := FitSBG(ctx, alive, nil); err == nil {
				c.SBG = m
			} else if ctx.Err() != nil {
				return nil, ctx.Err()
			}
		}
		out[i] = c
	}
	return out, nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
