package segment

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"time"

	"github.com/cvmkit/cvm"
)

// Errors of the RFM functions. Test for them with errors.Is; the typed
// errors [RFMError] and [RuleError] wrap them.
var (
	// ErrAsOf marks an as-of time that is zero, before a customer's last
	// purchase, or before the first transaction.
	ErrAsOf = errors.New("segment: bad as-of time")
	// ErrNoCustomers is returned when there is no customer to score.
	ErrNoCustomers = errors.New("segment: no customers")
	// ErrBins marks a number of bins outside 2..10.
	ErrBins = errors.New("segment: bins must be from 2 to 10")
	// ErrBreaks marks breaks that are of the wrong count, not finite, or
	// not strictly increasing.
	ErrBreaks = errors.New("segment: bad breaks")
	// ErrNotFinite marks a NaN or infinite RFM value.
	ErrNotFinite = errors.New("segment: value is NaN or infinite")
	// ErrRules marks an invalid rule set.
	ErrRules = errors.New("segment: bad rule set")
)

// RFMError reports a data problem with one customer's values or one
// scoring parameter.
type RFMError struct {
	Customer string  // the customer, when the problem is with one
	Field    string  // "recency", "frequency", "monetary", "as-of", "breaks", "bins"
	Value    float64 // the offending value, when there is one
	Err      error   // one of the sentinels above
}

// Error names the customer (when there is one), the field, the value
// and the cause.
func (e *RFMError) Error() string {
	if e.Customer != "" {
		return fmt.Sprintf("segment: customer %q: %s %v: %v", e.Customer, e.Field, e.Value, e.Err)
	}
	return fmt.Sprintf("segment: %s: %v", e.Field, e.Err)
}

// Unwrap returns the underlying error.
func (e *RFMError) Unwrap() error { return e.Err }

// RecencyUnit says how recency is measured.
type RecencyUnit int

const (
	// WholeDays counts calendar days, in RFMSettings.Location, from the day
	// of the last purchase to the day of the as-of time: a purchase
	// earlier on the as-of day has recency 0, one the day before has 1.
	// This is the zero value.
	WholeDays RecencyUnit = iota
	// FractionalDays is the elapsed time from the last purchase to the
	// as-of time in units of 24 hours.
	FractionalDays
)

// String returns "whole-days" or "fractional-days".
func (u RecencyUnit) String() string {
	switch u {
	case WholeDays:
		return "whole-days"
	case FractionalDays:
		return "fractional-days"
	}
	return fmt.Sprintf("RecencyUnit(%d)", int(u))
}

// MarshalText returns the name [RecencyUnit.String] gives; an invalid
// value is an error.
func (u RecencyUnit) MarshalText() ([]byte, error) {
	if u != WholeDays && u != FractionalDays {
		return nil, fmt.Errorf("segment: invalid recency unit %d", int(u))
	}
	return []byte(u.String()), nil
}

// UnmarshalText sets u from "whole-days" or "fractional-days"; any other
// text is an error naming it.
func (u *RecencyUnit) UnmarshalText(text []byte) error {
	switch string(text) {
	case "whole-days":
		*u = WholeDays
	case "fractional-days":
		*u = FractionalDays
	default:
		return fmt.Errorf("segment: unknown recency unit %q (want whole-days or fractional-days)", text)
	}
	return nil
}

// MonetaryRule says what the monetary value is.
type MonetaryRule int

const (
	// MonetaryTotal is the net amount: purchases minus returns
	// ([cvm.Summary].Total). This is the zero value.
	MonetaryTotal MonetaryRule = iota
	// MonetaryMean is the net amount per purchase occasion
	// ([cvm.Summary].Mean).
	MonetaryMean
)

// String returns "total" or "mean".
func (m MonetaryRule) String() string {
	switch m {
	case MonetaryTotal:
		return "total"
	case MonetaryMean:
		return "mean"
	}
	return fmt.Sprintf("MonetaryRule(%d)", int(m))
}

// MarshalText returns the name [MonetaryRule.String] gives; an invalid
// value is an error.
func (m MonetaryRule) MarshalText() ([]byte, error) {
	if m != MonetaryTotal && m != MonetaryMean {
		return nil, fmt.Errorf("segment: invalid monetary rule %d", int(m))
	}
	return []byte(m.String()), nil
}

// UnmarshalText sets m from "total" or "mean"; any other text is an error
// naming it.
func (m *MonetaryRule) UnmarshalText(text []byte) error {
	switch string(text) {
	case "total":
		*m = MonetaryTotal
	case "mean":
		*m = MonetaryMean
	default:
		return fmt.Errorf("segment: unknown monetary rule %q (want total or mean)", text)
	}
	return nil
}

// RFMSettings are the settings of [RFMValues] and [RFMFromTransactions].
// A nil *RFMSettings means the zero value: whole calendar days in UTC, purchase
// occasions by day, monetary as the net total.
type RFMSettings struct {
	// Recency is the unit of recency; the zero value is WholeDays.
	Recency RecencyUnit
	// Monetary is the monetary rule; the zero value is MonetaryTotal.
	Monetary MonetaryRule
	// Frequency is what counts as one purchase occasion when the values
	// are computed from transactions; the zero value is cvm.ByDay.
	// RFMValues ignores it and uses the Occasions of the summaries, which
	// were counted as the summaries' SummarySettings said.
	Frequency cvm.Occasion
	// Location is the calendar for WholeDays and for cvm.ByDay; nil means
	// UTC.
	Location *time.Location
}

// RFM is one customer's raw RFM values as of a date.
type RFM struct {
	Customer  string  // the customer's ID, from cvm.Summary.Customer
	Recency   float64 // days since the last purchase, >= 0
	Frequency float64 // purchase occasions, >= 1
	Monetary  float64 // net total or net mean per occasion (see MonetaryRule)
	Revenue   float64 // net total, whatever the MonetaryRule, for revenue shares
}

// RFMValues returns the RFM values of every customer of sums that has at
// least one purchase, in the order of sums, as of asOf. Frequency is
// Summary.Occasions as it was counted. Customers with only returns (no
// purchase occasion) are left out and their IDs returned in returnsOnly;
// customers with zero or negative net spend are kept.
//
// It returns an *RFMError wrapping ErrAsOf when asOf is zero or before a
// customer's last purchase, one wrapping ErrNotFinite for a NaN or infinite
// total, and ErrNoCustomers when no customer has a purchase. sums is not
// modified.
func RFMValues(sums []cvm.Summary, asOf time.Time, opts *RFMSettings) (values []RFM, returnsOnly []string, err error) {
	var o RFMSettings
	if opts != nil {
		o = *opts
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if asOf.IsZero() {
		return nil, nil, &RFMError{Field: "as-of", Err: ErrAsOf}
	}
	asOfDay := cvm.DayNumber(asOf, o.Location)
	values = make([]RFM, 0, len(sums))
	for _, s := range sums {
		if s.Occasions == 0 || s.Last.IsZero() {
			returnsOnly = append(returnsOnly, s.Customer)
			continue
		}
		if s.Last.After(asOf) {
			return nil, nil, &RFMError{Customer: s.Customer, Field: "as-of",
				Err: fmt.Errorf("%w: %s is before the last purchase %s", ErrAsOf,
					asOf.Format(time.RFC3339), s.Last.Format(time.RFC3339))}
		}
		if math.IsNaN(s.Total) || math.IsInf(s.Total, 0) {
			return nil, nil, &RFMError{Customer: s.Customer, Field: "monetary", Value: s.Total, Err: ErrNotFinite}
		}
		v := RFM{Customer: s.Customer, Frequency: float64(s.Occasions), Revenue: s.Total}
		switch o.Recency {
		case WholeDays:
			v.Recency = float64(asOfDay - cvm.DayNumber(s.Last, o.Location))
		case FractionalDays:
			v.Recency = asOf.Sub(s.Last).Hours() / 24
		default:
			panic(fmt.Sprintf("segment: invalid RecencyUnit %d", int(o.Recency)))
		}
		switch o.Monetary {
		case MonetaryTotal:
			v.Monetary = s.Total
		case MonetaryMean:
			v.Monetary = s.Mean()
		default:
			panic(fmt.Sprintf("segment: invalid MonetaryRule %d", int(o.Monetary)))
		}
		values = append(values, v)
	}
	if len(values) == 0 {
		return nil, returnsOnly, ErrNoCustomers
	}
	return values, returnsOnly, nil
}

// RFMFromTransactions summarises txs as of asOf with [cvm.Summarize]
// (occasions counted as opts.Frequency says, transactions after asOf
// ignored) and returns [RFMValues] of the result, sorted by customer ID.
//
// It returns an *RFMError wrapping ErrAsOf when asOf is zero or before
// every transaction, the *cvm.TransactionError of the first transaction
// with an empty customer, zero time or NaN or infinite amount,
// cvm.ErrEmptyInput when txs is empty, and ctx.Err() when ctx is
// cancelled while summarising.
func RFMFromTransactions(ctx context.Context, txs iter.Seq[cvm.Transaction], asOf time.Time, opts *RFMSettings) (values []RFM, returnsOnly []string, err error) {
	if asOf.IsZero() {
		return nil, nil, &RFMError{Field: "as-of", Err: ErrAsOf}
	}
	var o RFMSettings
	if opts != nil {
		o = *opts
	}
	var first time.Time
	seen := 0
	counted := func(yield func(cvm.Transaction) bool) {
		for t := range txs {
			seen++
			if first.IsZero() || (!t.Time.IsZero() && t.Time.Before(first)) {
				first = t.Time
			}
			if !yield(t) {
				return
			}
		}
	}
	sums, err := cvm.Summarize(ctx, counted, &cvm.SummarySettings{AsOf: asOf, Occasions: o.Frequency, Location: o.Location})
	if errors.Is(err, cvm.ErrEmptyInput) && seen > 0 {
		return nil, nil, &RFMError{Field: "as-of",
			Err: fmt.Errorf("%w: %s is before the first transaction %s", ErrAsOf,
				asOf.Format(time.RFC3339), first.Format(time.RFC3339))}
	}
	if err != nil {
		return nil, nil, err
	}
	return RFMValues(sums, asOf, &o)
}
