package clv

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/num"
)

// Unit is the time unit of recency, age and forecast horizons.
type Unit int

const (
	// Weeks measures time in weeks of 7 days, the unit of the published
	// CDNOW results. It is the zero value.
	Weeks Unit = iota
	// Days measures time in days.
	Days
)

// String returns "weeks" or "days".
func (u Unit) String() string {
	switch u {
	case Weeks:
		return "weeks"
	case Days:
		return "days"
	}
	return fmt.Sprintf("Unit(%d)", int(u))
}

// days returns the number of days in one u. It panics on an invalid unit, a
// programmer error.
func (u Unit) days() float64 {
	switch u {
	case Weeks:
		return 7
	case Days:
		return 1
	}
	panic(fmt.Sprintf("clv: invalid unit %d", int(u)))
}

// Customer is one customer's calibration-period history in the form every
// model here uses.
//
// Frequency is x, the number of repeat purchase occasions (all occasions
// but the first). Recency is t_x, the time from the first to the last
// purchase occasion, and T is the age, the time from the first purchase to
// the end of calibration, both in the same unit. MeanSpend is the mean
// amount of the repeat occasions (0 when Frequency is 0); only the
// Gamma-Gamma model reads it.
//
// Every function that reads a Customer rejects a negative, NaN or
// infinite Frequency, Recency or T, a Recency above T, and a positive
// Recency with zero Frequency, with a *CustomerError naming the customer
// and the field; the spend functions do the same for MeanSpend of a
// repeat buyer. Frequency need not be an integer.
type Customer struct {
	ID        string
	Frequency float64
	Recency   float64
	T         float64
	MeanSpend float64
}

// validate checks c for the purchase models.
func (c Customer) validate(i int) error {
	bad := func(field string, v float64, why string) error {
		return &CustomerError{Index: i, Customer: c.ID, Field: field, Err: fmt.Errorf("%w: %v %s", ErrInvalidCustomer, v, why)}
	}
	switch {
	case !num.Finite(c.Frequency) || c.Frequency < 0:
		return bad("frequency", c.Frequency, "is not a finite non-negative number")
	case !num.Finite(c.T) || c.T < 0:
		return bad("T", c.T, "is not a finite non-negative number")
	case !num.Finite(c.Recency) || c.Recency < 0:
		return bad("recency", c.Recency, "is not a finite non-negative number")
	case c.Recency > c.T*(1+1e-12):
		return bad("recency", c.Recency, fmt.Sprintf("exceeds T = %v", c.T))
	case c.Frequency == 0 && c.Recency != 0:
		return bad("recency", c.Recency, "is positive with zero frequency")
	}
	return nil
}

// HoldoutCustomer is one customer's activity in the holdout period, the
// time after calibration used to validate forecasts. Prepare always sets
// finite values.
type HoldoutCustomer struct {
	Purchases int     // purchase occasions in the holdout period
	Spend     float64 // total amount of those occasions
}

// PrepareSettings configures Prepare. A nil *PrepareSettings means the zero
// value: weeks, no holdout, calendar days in UTC.
type PrepareSettings struct {
	// Unit is the time unit; the zero value is Weeks.
	Unit Unit
	// HoldoutEnd is the last day (inclusive) of the holdout period that
	// follows the calibration end. The zero time means no holdout.
	HoldoutEnd time.Time
	// Location is the calendar in which days are counted; nil means UTC.
	Location *time.Location
}

// Dataset is the model input built by Prepare: one Customer per customer
// whose first purchase is on or before the calibration end, sorted by ID,
// and, when a holdout was asked for, each customer's holdout activity at the
// same index.
type Dataset struct {
	Unit           Unit
	CalibrationEnd time.Time
	HoldoutEnd     time.Time         // zero when there is no holdout
	HoldoutLength  float64           // length of the holdout period in Unit; 0 without holdout
	Customers      []Customer        // sorted by ID
	Holdout        []HoldoutCustomer // nil without holdout; else aligned with Customers
}

// Prepare builds the model input from transactions, following the
// convention of the customer-base literature (Fader, Hardie & Lee 2005):
//
//   - a purchase is a transaction with Amount >= 0; returns (negative
//     amounts) are ignored;
//   - purchases of one customer on one calendar day are merged into one
//     occasion whose amount is their sum;
//   - calibration runs through calibrationEnd's calendar day inclusive, and
//     only customers with a first purchase in it are kept;
//   - T is the number of days from the first purchase day to the
//     calibration end day, divided by 7 for weeks, so a first purchase on
//     1997-01-01 with calibration end 1997-09-30 gives T = 272/7 = 38.857
//     weeks; Recency is the days from the first to the last occasion, in
//     the same unit;
//   - MeanSpend is the mean amount of the repeat occasions.
//
// With a holdout end, the occasions after the calibration end day and
// through the holdout end day are counted per customer.
//
// Prepare does not modify txs. It returns a *cvm.TransactionError for an
// unusable transaction, ErrEmptyInput when no customer buys in the
// calibration period, and a *ParamError when the holdout end is before the
// calibration end or the unit is invalid.
func Prepare(txs []cvm.Transaction, calibrationEnd time.Time, s *PrepareSettings) (*Dataset, error) {
	var set PrepareSettings
	if s != nil {
		set = *s
	}
	if set.Unit != Weeks && set.Unit != Days {
		return nil, &ParamError{Param: "unit", Value: float64(set.Unit), Err: ErrInvalidParam}
	}
	loc := set.Location
	if loc == nil {
		loc = time.UTC
	}
	if calibrationEnd.IsZero() {
		return nil, &ParamError{Param: "calibration end", Value: 0, Err: fmt.Errorf("%w: zero time", ErrInvalidParam)}
	}
	endDay := cvm.DayNumber(calibrationEnd, loc)
	holdout := !set.HoldoutEnd.IsZero()
	var hEndDay int64
	if holdout {
		hEndDay = cvm.DayNumber(set.HoldoutEnd, loc)
		if hEndDay < endDay {
			return nil, &ParamError{Param: "holdout end", Value: float64(hEndDay - endDay), Err: fmt.Errorf("%w: holdout end before calibration end", ErrInvalidParam)}
		}
	}
	type dayAmt struct {
		day int64
		amt float64
	}
	byID := make(map[string][]dayAmt)
	for _, t := range txs {
		if err := t.Validate(); err != nil {
			return nil, err
		}
		if t.Amount < 0 {
			continue
		}
		d := cvm.DayNumber(t.Time, loc)
		if d > endDay && (!holdout || d > hEndDay) {
			continue
		}
		byID[t.Customer] = append(byID[t.Customer], dayAmt{d, t.Amount})
	}
	ids := make([]string, 0, len(byID))
	for id, v := range byID {
		if slices.ContainsFunc(v, func(x dayAmt) bool { return x.day <= endDay }) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, ErrEmptyInput
	}
	slices.Sort(ids)
	ds := &Dataset{Unit: set.Unit, CalibrationEnd: calibrationEnd, Customers: make([]Customer, len(ids))}
	if holdout {
		ds.HoldoutEnd = set.HoldoutEnd
		ds.HoldoutLength = float64(hEndDay-endDay) / set.Unit.days()
		ds.Holdout = make([]HoldoutCustomer, len(ids))
	}
	unit := set.Unit.days()
	for i, id := range ids {
		v := byID[id]
		slices.SortFunc(v, func(a, b dayAmt) int { return cmp.Compare(a.day, b.day) })
		first := v[0].day
		c := Customer{ID: id, T: float64(endDay-first) / unit}
		var spend, comp float64
		var h HoldoutCustomer
		var hs, hc float64
		for j := 0; j < len(v); {
			day := v[j].day
			var amt float64
			for ; j < len(v) && v[j].day == day; j++ {
				amt += v[j].amt
			}
			switch {
			case day == first:
			case day <= endDay:
				c.Frequency++
				c.Recency = float64(day-first) / unit
				spend, comp = num.AddNeumaier(spend, comp, amt)
			default:
				h.Purchases++
				hs, hc = num.AddNeumaier(hs, hc, amt)
			}
		}
		if c.Frequency > 0 {
			c.MeanSpend = (spend + comp) / c.Frequency
		}
		ds.Customers[i] = c
		if holdout {
			h.Spend = hs + hc
			ds.Holdout[i] = h
		}
	}
	return ds, nil
}

// Row is one distinct (Frequency, Recency, T) triple and the number of
// customers who share it, as built by Compress (which copies the values
// as given, NaN and Inf included).
type Row struct {
	Frequency, Recency, T float64
	Count                 float64
}

// Compress returns the distinct (Frequency, Recency, T) triples of cs with
// their counts, sorted by frequency, then recency, then T. A likelihood over
// the rows, each term multiplied by its count, equals the likelihood over
// cs, so fitting costs what the distinct triples cost. Compress does not
// validate or modify cs; it returns nil for empty cs. A row with a NaN is
// never merged with another, and its position is unspecified.
func Compress(cs []Customer) []Row {
	if len(cs) == 0 {
		return nil
	}
	rows := make([]Row, len(cs))
	for i, c := range cs {
		rows[i] = Row{c.Frequency, c.Recency, c.T, 1}
	}
	slices.SortFunc(rows, cmpRow)
	out := rows[:1]
	for _, r := range rows[1:] {
		last := &out[len(out)-1]
		if r.Frequency == last.Frequency && r.Recency == last.Recency && r.T == last.T {
			last.Count++
			continue
		}
		out = append(out, r)
	}
	return slices.Clip(out)
}

func cmpRow(a, b Row) int {
	switch {
	case a.Frequency < b.Frequency:
		return -1
	case a.Frequency > b.Frequency:
		return 1
	case a.Recency < b.Recency:
		return -1
	case a.Recency > b.Recency:
		return 1
	case a.T < b.T:
		return -1
	case a.T > b.T:
		return 1
	}
	return 0
}
