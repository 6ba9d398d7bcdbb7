package clv

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"math"
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

// MarshalText returns "weeks" or "days", and an error for an invalid
// unit.
func (u Unit) MarshalText() ([]byte, error) {
	switch u {
	case Weeks, Days:
		return []byte(u.String()), nil
	}
	return nil, fmt.Errorf("clv: invalid unit %d", int(u))
}

// UnmarshalText sets u from "weeks" or "days"; any other text is an error
// naming it, and leaves u unchanged.
func (u *Unit) UnmarshalText(text []byte) error {
	switch string(text) {
	case "weeks":
		*u = Weeks
	case "days":
		*u = Days
	default:
		return fmt.Errorf("clv: unknown unit %q (want weeks or days)", text)
	}
	return nil
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
	Purchases int     // purchase occasions (days) in the holdout period
	Spend     float64 // total amount of those occasions
}

// DefaultMaxAge is the longest customer age Prepare accepts when
// PrepareSettings.MaxAge is zero: 100 years of 365.25 days. A first
// purchase further back is a wrong date (a year 0000 or 1900 placeholder,
// a two-digit year read as the first century), not a customer.
const DefaultMaxAge = 36525 * 24 * time.Hour

// PrepareSettings configures Prepare. A nil *PrepareSettings means the zero
// value: weeks, no holdout, calendar days in UTC, ages up to DefaultMaxAge.
type PrepareSettings struct {
	// Unit is the time unit; the zero value is Weeks.
	Unit Unit
	// HoldoutEnd is the last day (inclusive) of the holdout period that
	// follows the calibration end. The zero time means no holdout.
	HoldoutEnd time.Time
	// Location is the calendar in which days are counted; nil means UTC.
	Location *time.Location
	// MaxAge is the longest time from a customer's first purchase to the
	// calibration end that Prepare accepts; an older customer is an error
	// naming the customer. Zero means DefaultMaxAge (100 years); a
	// negative value means no limit.
	MaxAge time.Duration
}

// Dataset is the model input built by Prepare: one Customer per customer
// whose first purchase is on or before the calibration end, sorted by ID,
// and, when a holdout was asked for, each customer's holdout activity at the
// same index.
type Dataset struct {
	Unit             Unit
	CalibrationStart time.Time         // the earliest first purchase of Customers
	CalibrationEnd   time.Time         // as passed to Prepare
	HoldoutEnd       time.Time         // zero when there is no holdout
	HoldoutLength    float64           // length of the holdout period in Unit; 0 without holdout
	Customers        []Customer        // sorted by ID
	Holdout          []HoldoutCustomer // nil without holdout; else aligned with Customers
	// Regularity is the Wheat-Morrison regularity of the calibration
	// purchase occasions, what EstimateRegularity returns for the same
	// transactions, calibration end and location, computed by Prepare in
	// its one pass; nil when fewer than two customers have three
	// occasions (EstimateRegularity's ErrNoRepeatBuyers), and for a
	// Dataset Prepare did not make.
	Regularity *Regularity
}

// Prepare builds the model input from a stream of transactions in any
// order, following the convention of the customer-base literature (Fader,
// Hardie & Lee 2005):
//
//   - a purchase is a transaction with Amount >= 0; returns (negative
//     amounts) are ignored;
//   - purchases of one customer on one calendar day are one occasion
//     whose amount is their sum;
//   - calibration runs through calibrationEnd's calendar day inclusive (the
//     transactions at or before [cvm.EndOfDay] of that day, the rule of
//     [cvm.Split]), and only customers with a purchase in it are kept;
//   - T is the number of days from the first purchase day to the
//     calibration end day, divided by 7 for weeks, so a first purchase on
//     1997-01-01 with calibration end 1997-09-30 gives T = 272/7 = 38.857
//     weeks; Recency is the days from the first to the last occasion, in
//     the same unit; Frequency is the occasions after the first;
//   - MeanSpend is the mean amount of the repeat occasions: the amount of
//     the calibration purchase days after the first, divided by
//     Frequency.
//
// The per-customer figures are those of [cvm.Summarize] with occasions by
// day in the settings' Location, over the calibration purchases and, with
// a holdout end, over the purchases after the calibration end day and
// through the holdout end day (Holdout). Purchase amounts are
// non-negative, and their compensated (Neumaier) sums are correctly
// rounded unless the exact sum lies within about n 2^-106 of it of a
// rounding tie, so the order of the stream does not change the result:
// shuffled CDNOW and synthetic streams give the same bits, where the plain
// same-day sums of earlier versions changed the mean spend of about one
// customer in ten.
//
// Prepare ranges over txs once and does not modify the transactions. It
// returns a *cvm.TransactionError for an unusable transaction, and one
// wrapping ErrImplausibleSpan for a customer whose first purchase is more
// than MaxAge before the calibration end; ErrEmptyInput when no customer
// buys in the calibration period; a *ParamError when the calibration end
// is the zero time, the holdout end is before the calibration end or the
// unit is invalid; and ctx.Err() when ctx is done before the end.
func Prepare(ctx context.Context, txs iter.Seq[cvm.Transaction], calibrationEnd time.Time, s *PrepareSettings) (*Dataset, error) {
	set, err := preparing(calibrationEnd, s)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cal, hold, spends, err := set.summarize(ctx, txs)
	if err != nil {
		return nil, err
	}
	return set.dataset(cal, hold, spends)
}

// prepare is a checked PrepareSettings for one calibration end.
type prepare struct {
	PrepareSettings
	calEnd, cutoff, holdCutoff time.Time // cut-offs: the last instants of the days
	endDay, holdEndDay         int64     // their day numbers in Location
	unit                       float64   // days per Unit
}

func preparing(calibrationEnd time.Time, s *PrepareSettings) (*prepare, error) {
	p := &prepare{calEnd: calibrationEnd}
	if s != nil {
		p.PrepareSettings = *s
	}
	if p.Unit != Weeks && p.Unit != Days {
		return nil, &ParamError{Param: "unit", Value: float64(p.Unit), Err: ErrInvalidParam}
	}
	p.unit = p.Unit.days()
	if p.Location == nil {
		p.Location = time.UTC
	}
	if p.MaxAge == 0 {
		p.MaxAge = DefaultMaxAge
	}
	if calibrationEnd.IsZero() {
		return nil, &ParamError{Param: "calibration end", Value: 0, Err: fmt.Errorf("%w: zero time", ErrInvalidParam)}
	}
	p.cutoff = cvm.EndOfDay(calibrationEnd.In(p.Location))
	p.endDay = cvm.DayNumber(calibrationEnd, p.Location)
	if !p.HoldoutEnd.IsZero() {
		p.holdEndDay = cvm.DayNumber(p.HoldoutEnd, p.Location)
		if p.holdEndDay < p.endDay {
			return nil, &ParamError{Param: "holdout end", Value: float64(p.holdEndDay - p.endDay), Err: fmt.Errorf("%w: holdout end before calibration end", ErrInvalidParam)}
		}
		p.holdCutoff = cvm.EndOfDay(p.HoldoutEnd.In(p.Location))
	}
	return p, nil
}

// spend is a customer's calibration spend split at the earliest purchase
// day seen so far: the amount of that day and of all later days, each a
// compensated sum. A purchase on an earlier day moves the first day's
// amount to the rest.
type spend struct {
	day             int64
	first, firstC   float64
	repeat, repeatC float64
	days            firstDays // the first three purchase days, for Regularity
}

func (s *spend) add(day int64, amount float64) {
	switch {
	case day == s.day:
		s.first, s.firstC = num.AddNeumaier(s.first, s.firstC, amount)
	case day > s.day:
		s.repeat, s.repeatC = num.AddNeumaier(s.repeat, s.repeatC, amount)
	default:
		s.repeat, s.repeatC = num.AddNeumaier(s.repeat, s.repeatC, s.first)
		s.repeat, s.repeatC = num.AddNeumaier(s.repeat, s.repeatC, s.firstC)
		s.day, s.first, s.firstC = day, amount, 0
	}
}

// ctxEvery is how many transactions Prepare reads between checks of its
// context.
const ctxEvery = 4096

// summarize reads the stream once: calibration purchases go to cal,
// holdout purchases to hold (nil without a holdout), and each customer's
// calibration spend, split at the first day, to spends. (A Summary's
// Total cannot be split at the first day without a second pass.)
func (p *prepare) summarize(ctx context.Context, txs iter.Seq[cvm.Transaction]) (cal, hold *cvm.Summarizer, spends map[string]*spend, err error) {
	cal = cvm.NewSummarizer(&cvm.SummarySettings{Location: p.Location})
	if !p.holdCutoff.IsZero() {
		hold = cvm.NewSummarizer(&cvm.SummarySettings{AsOf: p.holdCutoff, Location: p.Location})
	}
	spends = make(map[string]*spend)
	n := 0
	for t := range txs {
		if n++; n%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, nil, nil, err
			}
		}
		if err := t.Validate(); err != nil {
			return nil, nil, nil, err
		}
		switch {
		case t.Amount < 0: // a return
		case !t.Time.After(p.cutoff): // calibration, as cvm.Split cuts
			if err := cal.Add(t); err != nil {
				return nil, nil, nil, err
			}
			d := cvm.DayNumber(t.Time, p.Location)
			sp := spends[t.Customer]
			if sp != nil {
				sp.add(d, t.Amount)
			} else {
				sp = &spend{day: d, first: t.Amount}
				spends[t.Customer] = sp
			}
			sp.days.add(d)
		case hold != nil: // holdout; Add skips what is after its end
			if err := hold.Add(t); err != nil {
				return nil, nil, nil, err
			}
		}
	}
	return cal, hold, spends, ctx.Err()
}

// dataset turns the summaries into the Dataset.
func (p *prepare) dataset(cal, hold *cvm.Summarizer, spends map[string]*spend) (*Dataset, error) {
	sums := cal.Summaries()
	if len(sums) == 0 {
		return nil, ErrEmptyInput
	}
	ds := &Dataset{Unit: p.Unit, CalibrationEnd: p.calEnd, Customers: make([]Customer, len(sums))}
	maxDays := int64(p.MaxAge / (24 * time.Hour))
	var ms []float64 // the regularity's M of each customer with three occasions, in ID order
	for i, s := range sums {
		d0 := cvm.DayNumber(s.First, p.Location)
		if age := p.endDay - d0; p.MaxAge > 0 && age > maxDays {
			return nil, &cvm.TransactionError{Customer: s.Customer, Field: "time", Err: fmt.Errorf(
				"%w: first purchase on %s is %d days before the calibration end, more than MaxAge (%d days)",
				ErrImplausibleSpan, s.First.Format(time.DateOnly), age, maxDays)}
		}
		c := Customer{
			ID:        s.Customer,
			Frequency: float64(s.Occasions - 1),
			Recency:   float64(cvm.DayNumber(s.Last, p.Location)-d0) / p.unit,
			T:         float64(p.endDay-d0) / p.unit,
		}
		if s.Occasions > 1 {
			sp := spends[s.Customer]
			c.MeanSpend = (sp.repeat + sp.repeatC) / c.Frequency
			if m, ok := sp.days.m(); ok {
				ms = append(ms, m)
			}
		}
		ds.Customers[i] = c
		if i == 0 || s.First.Before(ds.CalibrationStart) {
			ds.CalibrationStart = s.First
		}
	}
	if r, err := regularityOf(ms); err == nil {
		ds.Regularity = &r
	}
	if hold != nil {
		ds.HoldoutEnd = p.HoldoutEnd
		ds.HoldoutLength = float64(p.holdEndDay-p.endDay) / p.unit
		ds.Holdout = holdoutOf(ds.Customers, hold.Summaries())
	}
	return ds, nil
}

// holdoutOf returns the holdout activity of each customer of cs from the
// holdout summaries hs; both are sorted by customer ID.
func holdoutOf(cs []Customer, hs []cvm.Summary) []HoldoutCustomer {
	out := make([]HoldoutCustomer, len(cs))
	j := 0
	for i, c := range cs {
		for j < len(hs) && hs[j].Customer < c.ID {
			j++
		}
		if j < len(hs) && hs[j].Customer == c.ID {
			out[i] = HoldoutCustomer{Purchases: hs[j].Occasions, Spend: hs[j].Total}
		}
	}
	return out
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
	if rows, _, ok := compressPlain(cs, false); ok {
		return rows
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

// CompressIndex returns Compress(cs) and the row of each customer:
// rows[index[i]] holds the Frequency, Recency and T of cs[i], so that a
// figure computed once per distinct triple is handed back to every
// customer who has it. It does not validate or modify cs; it returns nil,
// nil for empty cs. A customer with a NaN has a row of its own.
func CompressIndex(cs []Customer) (rows []Row, index []int) {
	if len(cs) == 0 {
		return nil, nil
	}
	if rows, index, ok := compressPlain(cs, true); ok {
		return rows, index
	}
	// Compress's sort, on the rows with their customers: the same
	// comparisons, so the same order.
	type irow struct {
		Row
		i int
	}
	rs := make([]irow, len(cs))
	for i, c := range cs {
		rs[i] = irow{Row{c.Frequency, c.Recency, c.T, 1}, i}
	}
	slices.SortFunc(rs, func(a, b irow) int { return cmpRow(a.Row, b.Row) })
	index = make([]int, len(cs))
	for _, r := range rs {
		if n := len(rows); n > 0 {
			if last := &rows[n-1]; r.Frequency == last.Frequency && r.Recency == last.Recency && r.T == last.T {
				last.Count++
				index[r.i] = n - 1
				continue
			}
		}
		rows = append(rows, r.Row)
		index[r.i] = len(rows) - 1
	}
	return slices.Clip(rows), index
}

// compressPlain is Compress (and CompressIndex when withIndex) by counting
// sorts of the ranks of each column's values, for customers whose values
// are all plain (see group.go); ok is false, and nothing is done, for
// others. The rows are those of Compress's sort, which for plain values
// are determined by the values alone.
func compressPlain(cs []Customer, withIndex bool) (rows []Row, index []int, ok bool) {
	n := len(cs)
	if uint64(n) >= math.MaxUint32 {
		return nil, nil, false
	}
	rx, rtx, rt := make([]uint32, n), make([]uint32, n), make([]uint32, n)
	fx, ftx, ft := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range cs {
		fx[i], ftx[i], ft[i] = cs[i].Frequency, cs[i].Recency, cs[i].T
	}
	vx, okx := ranks(rx, fx)
	vtx, oktx := ranks(rtx, ftx)
	vt, okt := ranks(rt, ft)
	if !okx || !oktx || !okt {
		return nil, nil, false
	}
	fx, ftx, ft = nil, nil, nil
	bounds := []int{len(vx), len(vtx), len(vt)}
	order, shift, ok := lexOrder([][]uint32{rx, rtx, rt}, bounds)
	if !ok {
		return nil, nil, false
	}
	distinct := 0
	for k := range order {
		if k == 0 || order[k]>>shift != order[k-1]>>shift {
			distinct++
		}
	}
	rows = make([]Row, 0, distinct)
	if withIndex {
		index = make([]int, n)
	}
	imask := uint64(1)<<shift - 1
	for k, o := range order {
		if key := o >> shift; k == 0 || key != order[k-1]>>shift {
			t := key % uint64(len(vt))
			tx := key / uint64(len(vt)) % uint64(len(vtx))
			x := key / uint64(len(vt)) / uint64(len(vtx))
			rows = append(rows, Row{vx[x], vtx[tx], vt[t], 0})
		}
		rows[len(rows)-1].Count++
		if withIndex {
			index[o&imask] = len(rows) - 1
		}
	}
	return rows, index, true
}

// cmpRow orders compressed rows by frequency, recency, then age, as
// cmp.Compare orders floats.
func cmpRow(a, b Row) int {
	return cmp.Or(cmp.Compare(a.Frequency, b.Frequency), cmp.Compare(a.Recency, b.Recency), cmp.Compare(a.T, b.T))
}
