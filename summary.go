package cvm

import (
	"cmp"
	"fmt"
	"iter"
	"math"
	"slices"
	"time"
)

// Occasion says what counts as one purchase occasion.
type Occasion int

const (
	// ByDay counts distinct calendar days with at least one purchase, in the
	// location of SummaryOptions.Location (UTC when nil). Several purchases
	// on one day are one occasion. This is the convention of the
	// customer-base literature (Fader, Hardie & Lee 2005 merge same-day
	// purchases) and the default.
	ByDay Occasion = iota
	// ByOrder counts distinct order IDs with at least one purchase. A
	// purchase with an empty order ID counts as an occasion of its own.
	ByOrder
)

// String returns "day" or "order".
func (o Occasion) String() string {
	switch o {
	case ByDay:
		return "day"
	case ByOrder:
		return "order"
	}
	return fmt.Sprintf("Occasion(%d)", int(o))
}

// SummaryOptions configures Summarize. A nil *SummaryOptions means the zero
// value: no cut-off, occasions by UTC calendar day.
type SummaryOptions struct {
	// AsOf excludes transactions after it. The zero time means no cut-off.
	AsOf time.Time
	// Occasions is what counts as a purchase occasion; the zero value is
	// ByDay.
	Occasions Occasion
	// Location is the calendar in which days are counted; nil means UTC.
	Location *time.Location
}

// Summary is one customer's purchase history, condensed.
//
// A purchase is a transaction with Amount >= 0; a return is one with
// Amount < 0. A customer with only returns has a Summary with zero First and
// Last and no occasions.
type Summary struct {
	Customer     string
	First        time.Time // time of the first purchase
	Last         time.Time // time of the last purchase
	Occasions    int       // purchase occasions (see Occasion)
	Transactions int       // purchases and returns, as rows
	Total        float64   // net amount: purchases plus (negative) returns
	Returns      float64   // total of returns and refunds, as a positive number
}

// Gross returns the total of purchases before returns.
func (s Summary) Gross() float64 { return s.Total + s.Returns }

// Mean returns the net amount per purchase occasion, Total/Occasions, or 0
// when the customer has no purchase occasion.
func (s Summary) Mean() float64 {
	if s.Occasions == 0 {
		return 0
	}
	return s.Total / float64(s.Occasions)
}

// Summarize condenses a stream of transactions, in any order, into one
// Summary per customer, sorted by customer ID. Transactions after
// opts.AsOf are skipped. Amounts are summed with Neumaier's compensated
// summation, so totals do not drift with the number or order of rows.
//
// Summarize returns a *TransactionError for the first transaction with an
// empty customer, a zero time or a NaN or infinite amount, and
// ErrEmptyInput when no transaction is at or before AsOf.
func Summarize(txs iter.Seq[Transaction], opts *SummaryOptions) ([]Summary, error) {
	s := NewSummarizer(opts)
	for t := range txs {
		if err := s.Add(t); err != nil {
			return nil, err
		}
	}
	out := s.Summaries()
	if len(out) == 0 {
		return nil, ErrEmptyInput
	}
	return out, nil
}

// Summarizer accumulates transactions one at a time into per-customer
// summaries. The zero value is not usable; call NewSummarizer. A Summarizer
// is not safe for concurrent use.
type Summarizer struct {
	opts SummaryOptions
	byID map[string]*accumulator
}

type accumulator struct {
	sum          Summary
	total, comp  float64 // Neumaier sum of all amounts
	ret, retComp float64 // Neumaier sum of returns (negative)
	days         []int64
	orders       []string
	noOrder      int
}

// NewSummarizer returns a Summarizer with the given options; nil means the
// zero SummaryOptions.
func NewSummarizer(opts *SummaryOptions) *Summarizer {
	s := &Summarizer{byID: make(map[string]*accumulator)}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.Location == nil {
		s.opts.Location = time.UTC
	}
	return s
}

// Add adds one transaction. It returns a *TransactionError for an unusable
// transaction and nil, without adding it, for one after AsOf.
func (s *Summarizer) Add(t Transaction) error {
	if err := t.Validate(); err != nil {
		return err
	}
	if !s.opts.AsOf.IsZero() && t.Time.After(s.opts.AsOf) {
		return nil
	}
	a := s.byID[t.Customer]
	if a == nil {
		a = &accumulator{sum: Summary{Customer: t.Customer}}
		s.byID[t.Customer] = a
	}
	a.sum.Transactions++
	a.total, a.comp = neumaier(a.total, a.comp, t.Amount)
	if t.Amount < 0 {
		a.ret, a.retComp = neumaier(a.ret, a.retComp, t.Amount)
		return nil
	}
	if a.sum.First.IsZero() || t.Time.Before(a.sum.First) {
		a.sum.First = t.Time
	}
	if t.Time.After(a.sum.Last) {
		a.sum.Last = t.Time
	}
	switch s.opts.Occasions {
	case ByOrder:
		if t.Order == "" {
			a.noOrder++
		} else {
			a.orders = append(a.orders, t.Order)
		}
	default:
		a.days = append(a.days, DayNumber(t.Time, s.opts.Location))
	}
	return nil
}

// Summaries returns the summaries so far, sorted by customer ID.
func (s *Summarizer) Summaries() []Summary {
	out := make([]Summary, 0, len(s.byID))
	for _, a := range s.byID {
		sum := a.sum
		sum.Total = a.total + a.comp
		sum.Returns = -(a.ret + a.retComp)
		if sum.Returns == 0 {
			sum.Returns = 0 // not -0
		}
		slices.Sort(a.days)
		slices.Sort(a.orders)
		sum.Occasions = len(slices.Compact(a.days)) + len(slices.Compact(a.orders)) + a.noOrder
		out = append(out, sum)
	}
	slices.SortFunc(out, func(a, b Summary) int { return cmp.Compare(a.Customer, b.Customer) })
	return out
}

// DayNumber returns the calendar day of t in loc as a count of days since
// 1970-01-01 (negative before it). Two times on the same calendar day in loc
// have the same day number.
func DayNumber(t time.Time, loc *time.Location) int64 {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// neumaier adds x to the compensated sum (sum, c) and returns the new pair;
// the compensated total is sum + c (Neumaier 1974).
func neumaier(sum, c, x float64) (float64, float64) {
	t := sum + x
	if math.Abs(sum) >= math.Abs(x) {
		c += (sum - t) + x
	} else {
		c += (x - t) + sum
	}
	return t, c
}
