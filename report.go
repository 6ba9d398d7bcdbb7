package cvm

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"iter"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/cvmkit/cvm/internal/civil"
	"github.com/cvmkit/cvm/internal/num"
)

// AuditSettings configures an [Auditor]. A nil *AuditSettings means every
// default.
type AuditSettings struct {
	// AsOf is the analysis time the caller has chosen: rows after it are
	// counted in Report.AfterAsOf and their revenue is not analysed. The
	// zero time means the default rule of Report.AsOf.
	AsOf time.Time
	// Location is the calendar of days, months and hours of day (the
	// time-zone check); nil means UTC.
	Location *time.Location
	// Examples is how many example rows each finding keeps; 0 means 3, a
	// negative value means none.
	Examples int
	// DuplicateWindow is how many preceding rows each row is compared
	// with to find exact duplicates; 0 means 4096, a negative value turns
	// the check off. Memory is about 56 bytes a row of the window.
	DuplicateWindow int
	// TimeOnly restricts the audit to what costs no memory per customer
	// or per row of a window: the counts of rows, amounts and returns,
	// the time span, outliers and as-of, the hours of day and the
	// revenue. Customers, Duplicates, ReturnsOnly, Orders,
	// MultiDayOrders and OutOfOrder then stay zero. It is for a program
	// that needs the default as-of of every run and the full report only
	// on request (cvm without -report); false (the default) checks
	// everything.
	TimeOnly bool
}

// RowRef names one row of the data.
type RowRef struct {
	// Row is the 1-based position of the row among those the Auditor was
	// given: its Add calls, or, fed by a Reader, the transactions read
	// (rows with a customer ID).
	Row int `json:"row"`
	// Line is the 1-based line of the row in the CSV input when a Reader
	// fed the Auditor, 0 otherwise.
	Line     int       `json:"line,omitempty"`
	Customer string    `json:"customer"`
	Time     time.Time `json:"time"`
	Amount   float64   `json:"amount"`
	Order    string    `json:"order,omitempty"`
	// EarlierRow and EarlierLine name, for a duplicate, the latest earlier
	// row equal to it; 0 otherwise.
	EarlierRow  int `json:"earlier_row,omitempty"`
	EarlierLine int `json:"earlier_line,omitempty"`
}

// String names the row as "line N" (or "row N" without a line), then its
// customer, time and amount.
func (r RowRef) String() string {
	var b strings.Builder
	if r.Line > 0 {
		fmt.Fprintf(&b, "line %d", r.Line)
	} else {
		fmt.Fprintf(&b, "row %d", r.Row)
	}
	fmt.Fprintf(&b, " (customer %q, %s, amount %v", r.Customer, r.Time.Format(time.RFC3339Nano), r.Amount)
	if r.Order != "" {
		fmt.Fprintf(&b, ", order %q", r.Order)
	}
	b.WriteByte(')')
	switch {
	case r.EarlierLine > 0:
		fmt.Fprintf(&b, " repeats line %d", r.EarlierLine)
	case r.EarlierRow > 0:
		fmt.Fprintf(&b, " repeats row %d", r.EarlierRow)
	}
	return b.String()
}

// Finding counts the rows that have one property and keeps the first few
// of them, in input order (outliers: in time order), as examples.
type Finding struct {
	Count    int      `json:"count"`
	Examples []RowRef `json:"examples,omitempty"`
}

// CustomerFinding counts the customers that have one property and keeps
// the first few IDs, in the order the customers first appeared.
type CustomerFinding struct {
	Count    int      `json:"count"`
	Examples []string `json:"examples,omitempty"`
}

// Revenue says how much of the purchases the analysis covers. Each figure
// is a sum of positive amounts (purchases, before returns), summed with
// Neumaier's compensated summation in input order.
type Revenue struct {
	// Gross is the purchases of every row with a finite amount, including
	// rows with an empty customer ID and rows after the as-of time.
	Gross float64 `json:"gross"`
	// EmptyCustomer is the purchases of rows with an empty customer ID,
	// which no customer analysis sees.
	EmptyCustomer float64 `json:"empty_customer"`
	// AfterAsOf is the purchases of rows after Report.AsOf.
	AfterAsOf float64 `json:"after_as_of"`
	// Analysed is Gross - EmptyCustomer - AfterAsOf.
	Analysed float64 `json:"analysed"`
	// Share is Analysed / Gross, in [0, 1]; 1 when Gross is 0.
	Share float64 `json:"share"`
}

// Report is what a user should know about a data set before trusting a
// result computed from it. It is a plain value: JSON-encodable (times in
// RFC 3339, field names in snake case) and the same for the same rows in
// the same order. It encodes as long as its times lie in years 0-9999
// (the range of time.Time's JSON form, and of every time a Reader parses)
// and the purchases sum to a finite number; otherwise json.Marshal
// returns an error, never invalid JSON. [Auditor.Report], [Audit] and [Reader.Report] build
// it; Warnings holds the findings a user should act on as sentences.
type Report struct {
	// Lines is the number of physical lines read, including the header
	// (Reader.Report only; 0 otherwise).
	Lines int `json:"lines,omitempty"`
	// Rows is the number of data rows: with a Reader every non-blank line
	// after the header, bad ones included (ReadStats.Rows); with an
	// Auditor alone, the Add calls.
	Rows int `json:"rows"`
	// Skipped is the number of bad rows skipped (ReadSettings.SkipBadRows),
	// and BadRows the first few of their errors.
	Skipped int      `json:"skipped"`
	BadRows []string `json:"bad_rows,omitempty"`
	// EmptyCustomer is the number of rows with an empty customer ID; their
	// purchases are Revenue.EmptyCustomer.
	EmptyCustomer int `json:"empty_customer"`
	// Invalid is the number of transactions given to Add with a customer
	// but a zero time or a NaN or infinite amount; they are otherwise
	// ignored. A Reader never gives one.
	Invalid int `json:"invalid"`
	// Transactions is the number of rows audited: a customer, a time and
	// a finite amount. Every count below is out of these.
	Transactions int `json:"transactions"`
	// Customers is the number of distinct customer IDs.
	Customers int `json:"customers"`

	// First and Last are the earliest and latest times of all rows, in
	// AuditSettings.Location; zero when there are none.
	First time.Time `json:"first,omitzero"`
	Last  time.Time `json:"last,omitzero"`
	// PlausibleFirst and PlausibleLast are the earliest and latest times
	// of the rows that are not Outliers.
	PlausibleFirst time.Time `json:"plausible_first,omitzero"`
	PlausibleLast  time.Time `json:"plausible_last,omitzero"`
	// Outliers are the rows far outside the bulk of the data, in time
	// order, the first of each calendar month named. A row is an outlier
	// when its calendar month is more than M months before the month of
	// the lower quartile Q1 of all rows' months or more than M months
	// after that of the upper quartile Q3, where M = max(10 (Q3 - Q1), 12).
	// See the package documentation for why.
	Outliers Finding `json:"outliers"`
	// AsOf is the analysis time: AuditSettings.AsOf when given, else the
	// default, the last instant of the calendar day of PlausibleLast
	// ([EndOfDay] in AuditSettings.Location). Later outliers are thus
	// after the default as-of, never the as-of itself. Zero when there
	// are no rows and no AuditSettings.AsOf. DefaultAsOf reports which.
	AsOf        time.Time `json:"as_of,omitzero"`
	DefaultAsOf bool      `json:"default_as_of"`
	// AfterAsOf is the number of rows after AsOf, which an analysis as of
	// AsOf excludes.
	AfterAsOf int `json:"after_as_of"`

	// Duplicates are rows equal to one of the
	// AuditSettings.DuplicateWindow rows before them: with a Reader, equal
	// byte for byte as records, every column included (line items of one
	// order that differ only in a product column are not duplicates);
	// given to Add, equal in customer, time, amount and order.
	Duplicates Finding `json:"duplicates"`
	// ZeroAmounts are rows with an amount of 0.
	ZeroAmounts Finding `json:"zero_amounts"`
	// Returns are rows with a negative amount (returns and refunds).
	Returns Finding `json:"returns"`
	// ReturnsOnly are customers whose every row is a return: they have a
	// summary with no purchase occasion.
	ReturnsOnly CustomerFinding `json:"returns_only"`
	// Orders is the number of runs of consecutive rows with one non-empty
	// order ID (the number of orders when each order's rows are
	// together); 0 when the data has no order IDs.
	Orders int `json:"orders"`
	// MultiDayOrders are the runs of Orders whose rows fall on more than
	// one calendar day, each named by its first row on another day than
	// the run's first row.
	MultiDayOrders Finding `json:"multi_day_orders"`
	// OutOfOrder are rows earlier than the previous row of the same
	// customer. Nothing in cvm depends on row order; a count here says
	// the file is not sorted by time within each customer (or that two
	// exports were joined).
	OutOfOrder Finding `json:"out_of_order"`

	// Hours counts the rows by hour of day in AuditSettings.Location.
	Hours [24]int `json:"hours"`
	// QuarterHours is the number of rows exactly on a quarter hour
	// (minutes 0, 15, 30 or 45, zero seconds): every row of date-only
	// data, about 1 in 900 of times to the second.
	QuarterHours int `json:"quarter_hours"`
	// TimeZone is the suspected offset, such as "UTC+01:00", of a zone
	// whose midnights were converted to AuditSettings.Location, with 10
	// rows or more: when more than half of the rows are on a quarter hour
	// and fewer than half of those at midnight, the offset that turns the
	// most common such time of day into midnight; else, when more than
	// half of the rows fall in one hour h other than 0, the offset that
	// turns h:00 into midnight. "" when nothing is suspect.
	TimeZone string `json:"time_zone,omitempty"`

	// Revenue says how much of the purchases the analysis covers.
	Revenue Revenue `json:"revenue"`

	// Warnings are the findings above that a user should act on, as
	// sentences naming rows, in a fixed order; empty when nothing is
	// suspect.
	Warnings []string `json:"warnings"`
}

// Auditor builds a [Report] from transactions given one at a time. The zero
// value is not usable; call [NewAuditor]. An Auditor is not safe for
// concurrent use.
//
// Memory is bounded by the number of customers, not of rows: about 40
// bytes a customer plus its ID (for ReturnsOnly and OutOfOrder), 56
// bytes a row of the duplicate window (AuditSettings.DuplicateWindow,
// 230 kB by default), about 150 bytes a calendar month holding data
// (at most 120,002 months: times before year 0 share one, as do those
// from year 10000), and the examples. Exact duplicates are therefore
// found only within the window: a row repeated further away, such as a
// whole export appended twice, is not counted as a duplicate (it shows
// in OutOfOrder instead when the rows are in time order per customer).
// With AuditSettings.TimeOnly, memory is that of the months and the
// examples alone.
type Auditor struct {
	set AuditSettings
	asOfClock
	examples int

	rows, invalid, empty, tx int
	gross, grossC            float64
	emptyG, emptyGC          float64
	afterG, afterGC          float64
	after                    int
	firstSec, lastSec        int64
	firstNs, lastNs          int32

	months map[int64]*monthBucket
	cur    *monthBucket   // the bucket of the last row
	byLo   []*monthBucket // the buckets in time order, to find one by binary search
	byDay  []*monthBucket // UTC: byDay[d] is the bucket of day dayLo+d, nil when not yet known
	dayLo  int64

	hours    [24]int
	quarters [96]int

	zero, neg, dup, ooo, multi Finding

	dups *dupSet // nil when the check is off

	// Order runs.
	orders     int
	runOrder   []byte
	runDay     int64
	runFlagged bool
	lastHadOrd bool
	customers  *idTable
	cust       []custState
	lastCust   int32
	err        *TransactionError // the first customer past maxIDs; see Err
	errLine    int               // its line
}

type monthBucket struct {
	key            int64
	lo, hi         int64 // Unix seconds [lo, hi) of the month
	n              int
	gross, grossC  float64
	minSec, maxSec int64
	minNs, maxNs   int32
	first          RowRef
}

// dupSet is the duplicate window: a ring of the last rows' hashes and an
// open-addressing table (linear probing, backward-shift deletion) from a
// hash to the ring index of the latest row with it. Rows leave the ring
// oldest first, so when the latest row with a hash leaves, so has every
// other.
type dupSet struct {
	ring  []dupEntry
	pos   int
	full  bool
	slots []dupSlot
	mask  uint64
}

type dupEntry struct {
	h         uint64
	row, line int
}

type dupSlot struct {
	h uint64
	i int32 // ring index + 1; 0 for an empty slot
}

func newDupSet(w int) *dupSet {
	n := 16
	for n < 2*w {
		n <<= 1
	}
	return &dupSet{ring: make([]dupEntry, w), slots: make([]dupSlot, n), mask: uint64(n - 1)}
}

// add adds a row with hash h and returns the latest of the previous
// len(ring) rows with the same hash, if any.
func (d *dupSet) add(h uint64, row, line int) (earlier dupEntry, ok bool) {
	p := h & d.mask
	for ; d.slots[p].i != 0; p = (p + 1) & d.mask {
		if d.slots[p].h == h {
			earlier, ok = d.ring[d.slots[p].i-1], true
			break
		}
	}
	if d.full {
		d.remove(d.ring[d.pos].h, int32(d.pos)+1)
	}
	d.ring[d.pos] = dupEntry{h, row, line}
	p = h & d.mask
	for d.slots[p].i != 0 && d.slots[p].h != h {
		p = (p + 1) & d.mask
	}
	d.slots[p] = dupSlot{h, int32(d.pos) + 1}
	if d.pos++; d.pos == len(d.ring) {
		d.pos, d.full = 0, true
	}
	return earlier, ok
}

// remove deletes hash h from the table when its latest row is ring index
// i-1.
func (d *dupSet) remove(h uint64, i int32) {
	p := h & d.mask
	for d.slots[p].h != h || d.slots[p].i == 0 {
		if d.slots[p].i == 0 {
			return
		}
		p = (p + 1) & d.mask
	}
	if d.slots[p].i != i {
		return // a later row has the hash
	}
	for q := (p + 1) & d.mask; d.slots[q].i != 0; q = (q + 1) & d.mask {
		home := d.slots[q].h & d.mask
		// Move q into the hole at p unless its home lies cyclically in
		// (p, q].
		if (q > p && (home <= p || home > q)) || (q < p && home <= p && home > q) {
			d.slots[p] = d.slots[q]
			p = q
		}
	}
	d.slots[p] = dupSlot{}
}

type custState struct {
	lastSec          int64
	lastNs           int32
	bought, returned bool
}

// Month keys are year*12 + month-1; times before year 0 share minMonth,
// those from year 10000 maxMonth.
const (
	minMonth = -1
	maxMonth = 10000 * 12
)

// NewAuditor returns an Auditor with the given settings; nil means every
// default.
func NewAuditor(s *AuditSettings) *Auditor {
	a := &Auditor{months: map[int64]*monthBucket{}, customers: newIDTable(), lastCust: -1}
	if s != nil {
		a.set = *s
	}
	if a.set.Location == nil {
		a.set.Location = time.UTC
	}
	a.asOfClock = newAsOfClock(a.set.Location, a.set.AsOf)
	switch {
	case a.set.Examples == 0:
		a.examples = 3
	case a.set.Examples > 0:
		a.examples = a.set.Examples
	}
	w := a.set.DuplicateWindow
	if w == 0 {
		w = 1 << 12
	}
	if w > 0 && !a.set.TimeOnly {
		a.dups = newDupSet(w)
	}
	return a
}

// Err returns a *TransactionError wrapping ErrTooManyIDs, naming the
// first customer that was a new one past the 2^31-2 customers an Auditor
// tracks, or nil. The rows of such customers are counted everywhere but
// in ReturnsOnly and OutOfOrder; a Reader with this Auditor returns the
// error itself, in a *ParseError naming the row's line.
func (a *Auditor) Err() error {
	if a.err == nil {
		return nil
	}
	return a.err
}

// parseErr is Err for a Reader: a *ParseError at the row's line in the
// customer column col, or nil.
func (a *Auditor) parseErr(col string) *ParseError {
	if a.err == nil {
		return nil
	}
	return &ParseError{Line: a.errLine, Column: col, Value: a.err.Customer, Err: a.err}
}

// Audit returns the report of a stream of transactions: NewAuditor(s),
// Add for each, then Report. An empty stream gives a report of zeros.
func Audit(txs iter.Seq[Transaction], s *AuditSettings) Report {
	a := NewAuditor(s)
	for t := range txs {
		a.Add(t)
	}
	return a.Report()
}

// Add adds one transaction. One with an empty customer ID is counted in
// Report.EmptyCustomer and its purchase (if its amount is finite) in
// Revenue.EmptyCustomer; one with a customer but a zero time or a NaN or
// infinite amount is counted in Report.Invalid; either is otherwise
// ignored.
func (a *Auditor) Add(t Transaction) {
	if t.Customer == "" {
		a.rows++
		a.addEmpty(t.Amount)
		return
	}
	if t.Validate() != nil {
		a.rows++
		a.invalid++
		return
	}
	c, o := []byte(t.Customer), []byte(t.Order)
	sec, ns := t.Time.Unix(), int32(t.Time.Nanosecond())
	var h uint64
	if a.dups != nil {
		h = rowHash(c, sec, ns, t.Amount, o)
	}
	a.add(c, sec, ns, t.Amount, o, 0, h)
}

// addEmpty counts a row with an empty customer ID and its purchase.
func (a *Auditor) addEmpty(amount float64) {
	a.empty++
	if amount > 0 && !math.IsInf(amount, 0) {
		a.gross, a.grossC = num.AddNeumaier(a.gross, a.grossC, amount)
		a.emptyG, a.emptyGC = num.AddNeumaier(a.emptyG, a.emptyGC, amount)
	}
}

// addParsed adds a parsed CSV row found on line; its slices alias the
// input and are copied only when kept.
func (a *Auditor) addParsed(r *row, line int) {
	a.add(r.cust, r.sec, r.nsec, r.amount, r.order, line, r.hash)
}

// addRows adds rows parsed by the parallel reader from a chunk that starts
// after line base.
func (a *Auditor) addRows(rows []row, base int) {
	if a.set.TimeOnly && a.utc {
		a.addRowsTime(rows, base)
		return
	}
	for i := range rows {
		r := &rows[i]
		a.add(r.cust, r.sec, r.nsec, r.amount, r.order, base+int(r.line), r.hash)
	}
}

// addRowsTime is addRows for a TimeOnly audit in UTC, what the cvm
// commands run without -report: the updates of add in the same order,
// with the running totals in locals and the calendar by integer
// division, so that the pass, which the reader makes on one goroutine,
// costs a few nanoseconds a row. TestAuditorAddRowsTime checks it against
// add.
func (a *Auditor) addRowsTime(rows []row, base int) {
	gross, grossC := a.gross, a.grossC
	after, afterG, afterGC := a.after, a.afterG, a.afterGC
	firstSec, firstNs, lastSec, lastNs := a.firstSec, a.firstNs, a.lastSec, a.lastNs
	hasAsOf, asOfSec, asOfNs := a.hasAsOf, a.asOfSec, a.asOfNs
	rows0, tx0 := a.rows, a.tx
	b := a.cur
	for i := range rows {
		r := &rows[i]
		sec, ns, amount := r.sec, r.nsec, r.amount
		if tx0+i == 0 {
			firstSec, firstNs, lastSec, lastNs = sec, ns, sec, ns
		} else {
			if before(sec, ns, firstSec, firstNs) {
				firstSec, firstNs = sec, ns
			}
			if before(lastSec, lastNs, sec, ns) {
				lastSec, lastNs = sec, ns
			}
		}
		if amount > 0 {
			gross, grossC = num.AddNeumaier(gross, grossC, amount)
		}
		if hasAsOf && before(asOfSec, asOfNs, sec, ns) {
			after++
			if amount > 0 {
				afterG, afterGC = num.AddNeumaier(afterG, afterGC, amount)
			}
		}
		if b == nil || sec < b.lo || sec >= b.hi {
			b = a.find(sec)
		}
		if b.add(sec, ns, amount) {
			a.rows = rows0 + i + 1
			b.first = a.ref(r.cust, sec, ns, amount, r.order, base+int(r.line))
		}
		a.countTimeOfDay(sec-civil.UnixDay(sec)*86400, ns)
		if amount <= 0 {
			a.rows = rows0 + i + 1
			f := &a.neg
			if amount == 0 {
				f = &a.zero
			}
			a.keep(f, r.cust, sec, ns, amount, r.order, base+int(r.line))
		}
	}
	a.rows, a.tx = rows0+len(rows), tx0+len(rows)
	a.gross, a.grossC = gross, grossC
	a.after, a.afterG, a.afterGC = after, afterG, afterGC
	a.firstSec, a.firstNs, a.lastSec, a.lastNs = firstSec, firstNs, lastSec, lastNs
	a.cur = b
}

// addEmptyRows adds the rows with an empty customer ID of a parsed chunk.
func (a *Auditor) addEmptyRows(c *chunk) {
	for _, v := range c.emptyA {
		a.addEmpty(v)
	}
}

// emptyAmount is the amount of a row with an empty customer ID, for
// Revenue.EmptyCustomer; 0 when it does not parse or is not finite.
func (c *parseConfig) emptyAmount(f [][]byte) float64 {
	var v float64
	if c.amt.idx >= 0 {
		a, ok := parseAmount(trimSpace(f[c.amt.idx]))
		if !ok {
			return 0
		}
		v = a
	} else {
		p, qok, pok := parseProduct(trimSpace(f[c.qty.idx]), trimSpace(f[c.price.idx]))
		if !qok || !pok {
			return 0
		}
		v = p
	}
	if !num.Finite(v) {
		return 0
	}
	return v
}

// Report returns the data report of the input read so far: the report of
// ReadSettings.Audit (the counts of rows only when Audit is nil) with the
// reader's counts of lines, rows, skipped rows and empty customer IDs,
// and the first errors of the rows skipped.
func (rd *Reader) Report() Report {
	var r Report
	if rd.opts.Audit != nil {
		r = rd.opts.Audit.Report()
	} else {
		r.Revenue.Share = 1
	}
	st := rd.Stats()
	r.Lines, r.Rows, r.Skipped, r.EmptyCustomer = st.Lines, st.Rows, st.Skipped, st.EmptyCustomer
	r.BadRows = nil
	for _, e := range st.Errors {
		r.BadRows = append(r.BadRows, e.Error())
	}
	common := 0
	if a := rd.opts.Audit; a != nil {
		common = slices.Max(a.quarters[:])
	}
	r.Warnings = r.warnings(common)
	return r
}

func (a *Auditor) timeOf(sec int64, ns int32) time.Time {
	if a.utc {
		return time.Unix(sec, int64(ns)).UTC()
	}
	return time.Unix(sec, int64(ns)).In(a.set.Location)
}

func (a *Auditor) ref(cust []byte, sec int64, ns int32, amount float64, order []byte, line int) RowRef {
	return RowRef{Row: a.rows, Line: line, Customer: string(cust), Time: a.timeOf(sec, ns), Amount: amount, Order: string(order)}
}

func (a *Auditor) keep(f *Finding, cust []byte, sec int64, ns int32, amount float64, order []byte, line int) {
	f.Count++
	if len(f.Examples) < a.examples {
		f.Examples = append(f.Examples, a.ref(cust, sec, ns, amount, order, line))
	}
}

func before(s1 int64, n1 int32, s2 int64, n2 int32) bool {
	return s1 < s2 || s1 == s2 && n1 < n2
}

// add adds a row whose duplicate key is h.
func (a *Auditor) add(cust []byte, sec int64, ns int32, amount float64, order []byte, line int, h uint64) {
	a.rows++
	a.tx++
	if amount > 0 {
		a.gross, a.grossC = num.AddNeumaier(a.gross, a.grossC, amount)
	}
	if a.tx == 1 || before(sec, ns, a.firstSec, a.firstNs) {
		a.firstSec, a.firstNs = sec, ns
	}
	if a.tx == 1 || before(a.lastSec, a.lastNs, sec, ns) {
		a.lastSec, a.lastNs = sec, ns
	}
	if a.afterAsOf(sec, ns) {
		a.after++
		if amount > 0 {
			a.afterG, a.afterGC = num.AddNeumaier(a.afterG, a.afterGC, amount)
		}
	}

	// Calendar: month bucket, day, time of day.
	b := a.cur
	if b == nil || sec < b.lo || sec >= b.hi {
		b = a.find(sec)
		a.cur = b
	}
	if b.add(sec, ns, amount) {
		b.first = a.ref(cust, sec, ns, amount, order, line)
	}
	var day, tod int64 // day number and second of the day
	if a.utc {
		day = civil.UnixDay(sec)
		tod = sec - day*86400
	} else {
		t := time.Unix(sec, 0).In(a.set.Location)
		y, m, d := t.Date()
		hh, mm, ss := t.Clock()
		day, tod = civil.Days(y, int(m), d), int64(hh*3600+mm*60+ss)
	}
	a.countTimeOfDay(tod, ns)

	// Amounts.
	switch {
	case amount == 0:
		a.keep(&a.zero, cust, sec, ns, amount, order, line)
	case amount < 0:
		a.keep(&a.neg, cust, sec, ns, amount, order, line)
	}

	if a.set.TimeOnly {
		return
	}

	// Exact duplicates within the window.
	if a.dups != nil {
		if e, ok := a.dups.add(h, a.rows, line); ok {
			a.dup.Count++
			if len(a.dup.Examples) < a.examples {
				r := a.ref(cust, sec, ns, amount, order, line)
				r.EarlierRow, r.EarlierLine = e.row, e.line
				a.dup.Examples = append(a.dup.Examples, r)
			}
		}
	}

	// Orders spanning days: runs of one order ID.
	if len(order) > 0 {
		if a.lastHadOrd && bytes.Equal(order, a.runOrder) {
			if day != a.runDay && !a.runFlagged {
				a.runFlagged = true
				a.keep(&a.multi, cust, sec, ns, amount, order, line)
			}
		} else {
			a.orders++
			a.runOrder = append(a.runOrder[:0], order...)
			a.runDay, a.runFlagged = day, false
		}
		a.lastHadOrd = true
	} else {
		a.lastHadOrd = false
	}

	// Per customer: time order and returns only.
	i := a.lastCust
	if i < 0 || !bytes.Equal(a.customers.id(i), cust) {
		if i = a.customers.index(a.customers.hash(cust), cust); i < 0 {
			if a.err == nil {
				a.err = &TransactionError{Customer: string(cust), Field: "customer", Err: ErrTooManyIDs}
				a.errLine = line
			}
			a.lastCust = -1
			return
		}
		a.lastCust = i
		if int(i) == len(a.cust) {
			a.cust = append(a.cust, custState{})
			c := &a.cust[i]
			c.lastSec, c.lastNs = sec, ns
		}
	}
	c := &a.cust[i]
	if before(sec, ns, c.lastSec, c.lastNs) {
		a.keep(&a.ooo, cust, sec, ns, amount, order, line)
	}
	c.lastSec, c.lastNs = sec, ns
	if amount < 0 {
		c.returned = true
	} else {
		c.bought = true
	}
}

// add counts a row at Unix time sec, ns of amount in the month and
// reports whether it is the month's first, whose reference the caller
// keeps in b.first.
func (b *monthBucket) add(sec int64, ns int32, amount float64) bool {
	b.n++
	if amount > 0 {
		b.gross, b.grossC = num.AddNeumaier(b.gross, b.grossC, amount)
	}
	if b.n == 1 {
		b.minSec, b.minNs, b.maxSec, b.maxNs = sec, ns, sec, ns
		return true
	}
	if before(sec, ns, b.minSec, b.minNs) {
		b.minSec, b.minNs = sec, ns
	}
	if before(b.maxSec, b.maxNs, sec, ns) {
		b.maxSec, b.maxNs = sec, ns
	}
	return false
}

// countTimeOfDay counts a row at second tod of its day, ns past it, in
// the hours of day and, on a whole quarter hour, in the quarters.
func (a *Auditor) countTimeOfDay(tod int64, ns int32) {
	a.hours[tod/3600]++
	if ns == 0 && tod%900 == 0 {
		a.quarters[tod/900]++
	}
}

// find returns the month bucket holding Unix time sec, creating it: by
// binary search among the buckets (rows in no time order change month
// nearly every row), then by the calendar.
func (a *Auditor) find(sec int64) *monthBucket {
	if !a.utc {
		return a.search(sec)
	}
	day := civil.UnixDay(sec)
	if d := day - a.dayLo; uint64(d) < uint64(len(a.byDay)) {
		if b := a.byDay[d]; b != nil {
			return b
		}
	}
	b := a.search(sec)
	// Remember the day, unless the days seen would span more than
	// maxDaySpan.
	switch {
	case len(a.byDay) == 0:
		a.byDay, a.dayLo = make([]*monthBucket, 1, 64), day
	case day < a.dayLo:
		if a.dayLo+int64(len(a.byDay))-day > maxDaySpan {
			return b
		}
		grown := make([]*monthBucket, a.dayLo+int64(len(a.byDay))-day, 2*(a.dayLo+int64(len(a.byDay))-day))
		copy(grown[a.dayLo-day:], a.byDay)
		a.byDay, a.dayLo = grown, day
	case day-a.dayLo >= int64(len(a.byDay)):
		if day-a.dayLo >= maxDaySpan {
			return b
		}
		a.byDay = append(a.byDay, make([]*monthBucket, day-a.dayLo+1-int64(len(a.byDay)))...)
	}
	a.byDay[day-a.dayLo] = b
	return b
}

// maxDaySpan bounds the days the Auditor's table of days covers, some
// 360 years (1 MiB); rows beyond find their month by binary search.
const maxDaySpan = 1 << 17

// search finds the month bucket of sec by binary search, creating it.
func (a *Auditor) search(sec int64) *monthBucket {
	// The first bucket starting after sec; the one before may hold it.
	lo, hi := 0, len(a.byLo)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if a.byLo[m].lo <= sec {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo > 0 && sec < a.byLo[lo-1].hi {
		return a.byLo[lo-1]
	}
	b := a.bucket(sec)
	a.byLo = slices.Insert(a.byLo, lo, b)
	return b
}

// bucket returns the month bucket holding Unix time sec, creating it.
func (a *Auditor) bucket(sec int64) *monthBucket {
	var y, m int
	if a.utc {
		y, m, _ = civil.Date(civil.UnixDay(sec))
	} else {
		var mm time.Month
		y, mm, _ = time.Unix(sec, 0).In(a.set.Location).Date()
		m = int(mm)
	}
	key := int64(y)*12 + int64(m-1)
	switch {
	case key < 0:
		key = minMonth
	case key > maxMonth:
		key = maxMonth
	}
	if b, ok := a.months[key]; ok {
		return b
	}
	b := &monthBucket{key: key}
	switch key {
	case minMonth:
		b.lo, b.hi = math.MinInt64, a.monthStart(0, 1)
	case maxMonth:
		b.lo, b.hi = a.monthStart(10000, 1), math.MaxInt64
	default:
		b.lo, b.hi = a.monthStart(y, m), a.monthStart(y, m+1)
	}
	a.months[key] = b
	return b
}

// monthStart is the Unix time of the first instant of month m (13 means
// January of y+1) of year y in the location.
func (a *Auditor) monthStart(y, m int) int64 {
	if a.utc {
		if m == 13 {
			y, m = y+1, 1
		}
		return civil.Days(y, m, 1) * 86400
	}
	return time.Date(y, time.Month(m), 1, 0, 0, 0, 0, a.set.Location).Unix()
}

// rowHash hashes a row's fields, each length-prefixed or fixed-size, so
// that rows hash equal only when their fields are equal, up to a
// collision of probability about 2^-64 a pair of rows. The hash is fixed
// (no random seed), so a report is the same from run to run.
func rowHash(cust []byte, sec int64, ns int32, amount float64, order []byte) uint64 {
	if amount == 0 {
		amount = 0 // -0 equals 0
	}
	h := mix64(0x243f6a8885a308d3, uint64(len(cust))<<32|uint64(len(order)))
	h = mixBytes(h, cust)
	h = mix64(h, uint64(sec))
	h = mix64(h, uint64(uint32(ns)))
	h = mix64(h, math.Float64bits(amount))
	h = mixBytes(h, order)
	return mix64(h, 0)
}

// recordHash hashes a whole CSV record as read (without its line end), so
// that a Reader's Auditor calls rows duplicates only when every byte of
// them is equal, columns it does not read included.
func recordHash(rec []byte) uint64 {
	return mix64(mixBytes(0x13198a2e03707344, rec), uint64(len(rec)))
}

func mixBytes(h uint64, b []byte) uint64 {
	for len(b) >= 8 {
		h = mix64(h, binary.LittleEndian.Uint64(b))
		b = b[8:]
	}
	var v uint64
	for i, c := range b {
		v |= uint64(c) << (8 * i)
	}
	return mix64(h, v)
}

// mix64 folds v into h: a multiply by a 64-bit odd constant (the golden
// ratio's) and an xor-shift, as in splitmix64.
func mix64(h, v uint64) uint64 {
	h = (h ^ v) * 0x9e3779b97f4a7c15
	h ^= h >> 31
	h *= 0xbf58476d1ce4e5b9
	return h ^ h>>29
}

// Report returns the report of the transactions added so far. The Auditor
// can keep accumulating afterwards.
func (a *Auditor) Report() Report {
	r := Report{
		Rows:          a.rows,
		EmptyCustomer: a.empty,
		Invalid:       a.invalid,
		Transactions:  a.tx,
		Customers:     a.customers.len(),
		Hours:         a.hours,
		Orders:        a.orders,
	}
	r.Duplicates = cloneFinding(a.dup)
	r.ZeroAmounts = cloneFinding(a.zero)
	r.Returns = cloneFinding(a.neg)
	r.MultiDayOrders = cloneFinding(a.multi)
	r.OutOfOrder = cloneFinding(a.ooo)
	for i, c := range a.cust {
		if c.returned && !c.bought {
			if r.ReturnsOnly.Count++; len(r.ReturnsOnly.Examples) < a.examples {
				r.ReturnsOnly.Examples = append(r.ReturnsOnly.Examples, string(a.customers.id(int32(i))))
			}
		}
	}
	if a.tx > 0 {
		r.First, r.Last = a.timeOf(a.firstSec, a.firstNs), a.timeOf(a.lastSec, a.lastNs)
	}

	// Outliers from the quartiles of the rows' months.
	keys := make([]int64, 0, len(a.months))
	for k := range a.months {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var afterG, afterGC float64
	if n := a.tx; n > 0 {
		r1, r3 := (n+3)/4, (3*n+3)/4 // ranks of the quartiles, ceil(n/4) and ceil(3n/4)
		var q1, q3 int64
		cum := 0
		for _, k := range keys {
			lo := cum
			cum += a.months[k].n
			if lo < r1 && r1 <= cum {
				q1 = k
			}
			if lo < r3 && r3 <= cum {
				q3 = k
			}
		}
		margin := max(10*(q3-q1), 12)
		lo, hi := q1-margin, q3+margin
		var pFirst, pLast *monthBucket
		var pMinSec, pMaxSec int64
		var pMinNs, pMaxNs int32
		late := 0
		for _, k := range keys {
			b := a.months[k]
			if k < lo || k > hi {
				r.Outliers.Count += b.n
				if len(r.Outliers.Examples) < a.examples {
					r.Outliers.Examples = append(r.Outliers.Examples, b.first)
				}
				if k > hi {
					late += b.n
					afterG, afterGC = num.AddNeumaier(afterG, afterGC, b.gross+b.grossC)
				}
				continue
			}
			if pFirst == nil || before(b.minSec, b.minNs, pMinSec, pMinNs) {
				pFirst, pMinSec, pMinNs = b, b.minSec, b.minNs
			}
			if pLast == nil || before(pMaxSec, pMaxNs, b.maxSec, b.maxNs) {
				pLast, pMaxSec, pMaxNs = b, b.maxSec, b.maxNs
			}
		}
		// The quartile months always hold rows, so some bucket is plausible.
		r.PlausibleFirst, r.PlausibleLast = a.timeOf(pMinSec, pMinNs), a.timeOf(pMaxSec, pMaxNs)
		if !a.hasAsOf {
			r.AsOf, r.DefaultAsOf = EndOfDay(r.PlausibleLast), true
			r.AfterAsOf = late
		}
	}
	if a.hasAsOf {
		r.AsOf = a.set.AsOf
		r.AfterAsOf = a.after
		afterG, afterGC = a.afterG, a.afterGC
	}

	// Time zone: midnights of another zone.
	q := 0
	best := 0
	for s, c := range a.quarters {
		q += c
		if c > a.quarters[best] {
			best = s
		}
	}
	r.QuarterHours = q
	hb := 0
	for h, c := range a.hours {
		if c > a.hours[hb] {
			hb = h
		}
	}
	mins := -1
	switch {
	case a.tx < 10:
	case 2*q > a.tx && 2*a.quarters[0] < q:
		mins = best * 15
	case hb != 0 && 2*a.hours[hb] > a.tx:
		mins = hb * 60
	}
	if mins >= 0 {
		// Local midnight at UTC+x is 24h-x on the day before; at UTC-x
		// it is x. An evening time suggests a zone east of the
		// location, a morning one a zone west of it.
		if mins >= 12*60 {
			off := 24*60 - mins
			r.TimeZone = fmt.Sprintf("UTC+%02d:%02d", off/60, off%60)
		} else {
			r.TimeZone = fmt.Sprintf("UTC-%02d:%02d", mins/60, mins%60)
		}
	}

	// Revenue.
	rv := &r.Revenue
	rv.Gross = a.gross + a.grossC
	rv.EmptyCustomer = a.emptyG + a.emptyGC
	rv.AfterAsOf = afterG + afterGC
	rv.Analysed = max(rv.Gross-rv.EmptyCustomer-rv.AfterAsOf, 0)
	rv.Share = 1
	if rv.Gross > 0 {
		rv.Share = min(rv.Analysed/rv.Gross, 1)
	}
	r.Warnings = r.warnings(a.quarters[best])
	return r
}

func cloneFinding(f Finding) Finding {
	f.Examples = slices.Clone(f.Examples)
	return f
}

// warnings writes the findings as sentences; commonTOD is the number of
// rows at the most common quarter hour.
func (r *Report) warnings(commonTOD int) []string {
	w := []string{}
	add := func(format string, args ...any) { w = append(w, fmt.Sprintf(format, args...)) }
	pct := func(a, b int) string { return fmt.Sprintf("%.1f%%", 100*float64(a)/float64(max(b, 1))) }
	named := func(f Finding) string {
		var s []string
		for _, e := range f.Examples {
			s = append(s, e.String())
		}
		if more := f.Count - len(f.Examples); more > 0 && len(s) > 0 {
			s = append(s, fmt.Sprintf("and %d more", more))
		}
		if len(s) == 0 {
			return ""
		}
		return ": " + strings.Join(s, "; ")
	}
	if r.Skipped > 0 {
		add("%s skipped (%s of rows)%s", count(r.Skipped, "bad row"), pct(r.Skipped, r.Rows), listed(r.BadRows, r.Skipped))
	}
	if r.Invalid > 0 {
		add("%s with a zero time or a non-finite amount ignored", count(r.Invalid, "transaction"))
	}
	if r.Outliers.Count > 0 {
		add("%s far outside the bulk of the data, which runs %s to %s%s",
			count(r.Outliers.Count, "row"), r.PlausibleFirst.Format(time.RFC3339), r.PlausibleLast.Format(time.RFC3339), named(r.Outliers))
	}
	if r.AfterAsOf > 0 {
		how := "the given as-of"
		if r.DefaultAsOf {
			how = "the default as-of (the end of the day of the last plausible row)"
		}
		add("%s after %s %s %s excluded (%.1f%% of the purchase amount)", count(r.AfterAsOf, "row"), how, r.AsOf.Format(time.RFC3339Nano), be(r.AfterAsOf), 100*r.Revenue.AfterAsOf/max(r.Revenue.Gross, math.SmallestNonzeroFloat64))
	}
	if r.EmptyCustomer > 0 {
		add("%s with an empty customer ID %s not analysed (%.1f%% of the purchase amount)", count(r.EmptyCustomer, "row"), be(r.EmptyCustomer), 100*r.Revenue.EmptyCustomer/max(r.Revenue.Gross, math.SmallestNonzeroFloat64))
	}
	if r.Duplicates.Count > 0 {
		add("%s%s", count(r.Duplicates.Count, "exact duplicate row"), named(r.Duplicates))
	}
	if r.ZeroAmounts.Count > 0 {
		add("%s with a zero amount%s", count(r.ZeroAmounts.Count, "row"), named(r.ZeroAmounts))
	}
	if r.ReturnsOnly.Count > 0 {
		add("%s with returns only, no purchase%s", count(r.ReturnsOnly.Count, "customer"), listed(quoted(r.ReturnsOnly.Examples), r.ReturnsOnly.Count))
	}
	if r.MultiDayOrders.Count > 0 {
		add("%d of %d orders %s rows on more than one day%s", r.MultiDayOrders.Count, r.Orders, has(r.MultiDayOrders.Count), named(r.MultiDayOrders))
	}
	if r.OutOfOrder.Count > 0 {
		add("%s %s earlier than the same customer's previous row%s", count(r.OutOfOrder.Count, "row"), be(r.OutOfOrder.Count), named(r.OutOfOrder))
	}
	if r.TimeZone != "" && 2*r.QuarterHours <= r.Transactions {
		h := 0
		for k, c := range r.Hours {
			if c > r.Hours[h] {
				h = k
			}
		}
		add("%d of %d rows are in the hour %02d:00-%02d:59: if the times of day are real, most were at one hour; if the source holds dates, they look like midnights of %s shifted; read them in that zone (ReadSettings.Location)",
			r.Hours[h], r.Transactions, h, h, r.TimeZone)
	} else if r.TimeZone != "" {
		add("%d of %d rows are exactly on a quarter hour, most of them not at midnight (%d at the most common time of day): if the source holds dates, they look like midnights of %s shifted; read them in that zone (ReadSettings.Location)",
			r.QuarterHours, r.Transactions, commonTOD, r.TimeZone)
	}
	return w
}

// count is "1 row" or "n rows".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// has is "has" for 1, "have" otherwise.
func has(n int) string {
	if n == 1 {
		return "has"
	}
	return "have"
}

// be is "is" for 1, "are" otherwise.
func be(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

func quoted(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = fmt.Sprintf("%q", v)
	}
	return out
}

func listed(s []string, total int) string {
	if len(s) == 0 {
		return ""
	}
	if more := total - len(s); more > 0 {
		s = append(slices.Clone(s), fmt.Sprintf("and %d more", more))
	}
	return ": " + strings.Join(s, "; ")
}
