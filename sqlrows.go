package cvm

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"strconv"
	"time"

	"github.com/cvmkit/cvm/internal/num"
	"github.com/cvmkit/cvm/internal/parallel"
)

// ErrNull marks a NULL in the time, amount, quantity or price column of a
// database row, wrapped in a *ParseError. A NULL customer is an empty
// customer ID (skipped and counted, or ErrEmptyCustomer with
// ReadSettings.FailOnEmptyCustomer); a NULL order, product, category or
// channel is an empty one.
var ErrNull = errors.New("cvm: NULL value")

// ErrColumnType marks a database value of a type a column cannot hold,
// such as a time in the customer column, wrapped in a *ParseError.
var ErrColumnType = errors.New("cvm: unsupported value type")

// RowsReader reads transactions from the rows of a database query
// (database/sql), with the column mapping, the parsers and the errors of
// the CSV Reader. It streams: its memory is one row, whatever the number
// of rows. A RowsReader is not safe for concurrent use; it does not close
// the rows (the caller does, as always with *sql.Rows).
//
// # Columns
//
// The query's column names play the part of a CSV header: ReadSettings'
// Customer, Time, Amount (or Quantity and Price), Order, Product,
// Category and Channel name them (exactly, then ignoring case) or give
// their 1-based positions, with the same defaults (customer, time, amount,
// and order when the query has such a column). NoHeader, Comma,
// MaxRecordBytes and MaxRecordLines do not apply.
//
// # Values
//
// Each column takes the values drivers return:
//
//   - customer, order, product, category, channel: text ([]byte or
//     string), taken as it is (not trimmed, unlike a CSV field), or an
//     integer, written in decimal. NULL is empty.
//   - time: a time.Time (its instant; ReadSettings.Location gives the
//     zone of the Transaction's Time), text in the layouts of the CSV
//     reader (ReadSettings.TimeLayout, or the automatic ones, with
//     ReadSettings.Location for times without a zone), or a number of
//     Unix seconds (an integer, or a float64 with a fraction). With a
//     TimeLayout, an integer is read as its decimal text in that layout
//     instead, so that 19970101 with layout "20060102" is a date.
//   - amount, quantity, price: a float64, an integer, or text parsed
//     exactly as the CSV reader parses a field: PostgreSQL's numeric and
//     DuckDB's DECIMAL arrive as text and give the correctly rounded
//     float64 of the decimal. Quantity x price is formed as the CSV
//     reader forms it from the two decimals (a float64 is taken as its
//     shortest decimal), so the same numbers give the same bits as a CSV
//     file.
//
// A value that cannot be read is a *ParseError whose Line is the 1-based
// row number, Column the column's name and Value the value as text
// ("NULL" for NULL), wrapping ErrBadTime, ErrZeroTime, ErrBadAmount,
// ErrNonFinite, ErrNull or ErrColumnType. ReadSettings.SkipBadRows,
// MaxErrors, FailOnEmptyCustomer and Audit work as for a CSV file (an
// Auditor's duplicate check compares the mapped values, as the database
// gives no record text; read the audit with Auditor.Report, whose Rows
// count the transactions audited); Progress is called every 65,536 rows.
type RowsReader struct {
	rows  *sql.Rows
	cfg   parseConfig
	opts  ReadSettings
	stats ReadStats
	err   error // sticky error for All/Err
	fail  error // a failure of the rows themselves, returned by every later call
	done  bool

	names []string
	cells []cell
	dest  []any

	strs txStrings
}

// NewRowsReader returns a RowsReader of rows, resolving the columns of
// settings (nil means the zero ReadSettings) among rows.Columns(). A
// column not found is an error wrapping ErrColumn that names it.
func NewRowsReader(rows *sql.Rows, settings *ReadSettings) (*RowsReader, error) {
	rd := &RowsReader{rows: rows}
	if settings != nil {
		rd.opts = *settings
	}
	o := &rd.opts
	if o.MaxErrors == 0 {
		o.MaxErrors = 10
	}
	if (o.Quantity == "") != (o.Price == "") {
		return nil, fmt.Errorf("cvm: Quantity and Price must be given together")
	}
	names, err := rows.Columns()
	if err != nil {
		return nil, fmt.Errorf("cvm: database rows: %w", err)
	}
	c := parseConfig{layout: o.TimeLayout, loc: o.Location, failEmpty: o.FailOnEmptyCustomer,
		hashRows: o.Audit != nil && o.Audit.dups != nil}
	if c.loc == nil {
		c.loc = time.UTC
	}
	c.utc = c.loc == time.UTC
	if err := c.resolveColumns(o, names); err != nil {
		return nil, err
	}
	rd.cfg, rd.names = c, names
	rd.cells = make([]cell, len(names))
	rd.dest = make([]any, len(names))
	used := make([]bool, len(names))
	for _, col := range []column{c.cust, c.tim, c.amt, c.qty, c.price, c.order, c.product, c.category, c.channel} {
		if col.idx >= 0 {
			used[col.idx] = true
		}
	}
	for i := range rd.dest {
		if used[i] {
			rd.dest[i] = &rd.cells[i]
		} else {
			rd.dest[i] = discard{}
		}
	}
	return rd, nil
}

// cell holds one value of a row as the driver gave it; text aliases the
// driver's buffer until the next row.
type cell struct {
	kind cellKind
	i    int64
	f    float64
	b    []byte
	s    string
	t    time.Time
	buf  []byte // text of a number or string, for parsing
}

type cellKind uint8

const (
	cellNull cellKind = iota
	cellInt
	cellFloat
	cellBool
	cellBytes
	cellString
	cellTime
)

// Scan implements sql.Scanner, keeping src without conversion or copy.
func (c *cell) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		c.kind = cellNull
	case int64:
		c.kind, c.i = cellInt, v
	case float64:
		c.kind, c.f = cellFloat, v
	case bool:
		c.kind, c.i = cellBool, 0
		if v {
			c.i = 1
		}
	case []byte:
		c.kind, c.b = cellBytes, v
	case string:
		c.kind, c.s = cellString, v
	case time.Time:
		c.kind, c.t = cellTime, v
	default:
		return fmt.Errorf("cvm: unsupported value type %T", src)
	}
	return nil
}

// text returns the value as text, for errors and for parsing: text as it
// is, a number in decimal (a float64 as its shortest decimal), "NULL"
// for NULL. Numbers and strings are formatted into the cell's own buffer,
// valid until the next call.
func (c *cell) text() []byte {
	switch c.kind {
	case cellNull:
		return []byte("NULL")
	case cellInt:
		c.buf = strconv.AppendInt(c.buf[:0], c.i, 10)
	case cellFloat:
		c.buf = strconv.AppendFloat(c.buf[:0], c.f, 'f', -1, 64)
	case cellBool:
		c.buf = strconv.AppendBool(c.buf[:0], c.i != 0)
	case cellBytes:
		return c.b
	case cellString:
		c.buf = append(c.buf[:0], c.s...)
	default:
		c.buf = c.t.AppendFormat(c.buf[:0], time.RFC3339Nano)
	}
	return c.buf
}

// id returns a customer, order, product, category or channel value as
// bytes (nil for NULL), or false for a time or a bool.
func (c *cell) id() ([]byte, bool) {
	switch c.kind {
	case cellNull:
		return nil, true
	case cellInt, cellFloat, cellBytes, cellString:
		return c.text(), true
	}
	return nil, false
}

// discard is the sql.Scanner of columns the reader does not read.
type discard struct{}

func (discard) Scan(any) error { return nil }

// parseCells turns the current row's cells into r and x, as
// parseConfig.parseRow does for a CSV record; line is the row number.
func (rd *RowsReader) parseCells(line int, r *row, x *rowExtra) *ParseError {
	c := &rd.cfg
	bad := func(col column, err error) *ParseError {
		v := rd.cells[col.idx].text()
		return &ParseError{Line: line, Column: col.name, Value: string(v), Err: err}
	}
	r.line = int32(line)
	cc := &rd.cells[c.cust.idx]
	cust, ok := cc.id()
	if !ok {
		return bad(c.cust, ErrColumnType)
	}
	r.cust = cust
	if len(cust) == 0 {
		if c.failEmpty {
			return &ParseError{Line: line, Column: c.cust.name, Err: ErrEmptyCustomer}
		}
		r.amount = rd.emptyAmount()
		return &ParseError{Line: line, Column: c.cust.name, Err: errEmpty}
	}
	if pe := rd.parseTime(line, r); pe != nil {
		return pe
	}
	if c.amt.idx >= 0 {
		a, dec, err := rd.amount(c.amt.idx)
		if err != nil {
			return bad(c.amt, err)
		}
		r.amount, r.dec = a, dec
	} else {
		v, dec, pe := rd.product2(r, x)
		if pe != nil {
			return pe
		}
		r.amount, r.dec = v, dec
	}
	r.order = nil
	if c.order.idx >= 0 {
		if r.order, ok = rd.cells[c.order.idx].id(); !ok {
			return bad(c.order, ErrColumnType)
		}
	}
	if c.extra {
		for _, f := range []struct {
			col column
			dst *[]byte
		}{{c.product, &x.product}, {c.category, &x.category}, {c.channel, &x.channel}} {
			*f.dst = nil
			if f.col.idx >= 0 {
				if *f.dst, ok = rd.cells[f.col.idx].id(); !ok {
					return bad(f.col, ErrColumnType)
				}
			}
		}
	}
	return nil
}

// emptyAmount is the amount of a row with an empty customer, for the
// Auditor; 0 when it does not parse.
func (rd *RowsReader) emptyAmount() float64 {
	c := &rd.cfg
	if c.amt.idx >= 0 {
		a, _, _ := rd.amount(c.amt.idx)
		return a
	}
	var r row
	var x rowExtra
	if v, _, pe := rd.product2(&r, &x); pe == nil {
		return v
	}
	return 0
}

// parseTime reads the time cell into r.sec and r.nsec.
func (rd *RowsReader) parseTime(line int, r *row) *ParseError {
	c := &rd.cfg
	v := &rd.cells[c.tim.idx]
	var ok bool
	r.sec, r.nsec, ok = c.cellTime(v)
	switch {
	case v.kind == cellNull:
		return &ParseError{Line: line, Column: c.tim.name, Value: "NULL", Err: ErrNull}
	case !ok:
		return &ParseError{Line: line, Column: c.tim.name, Value: string(v.text()), Err: ErrBadTime}
	case r.sec == zeroUnix && r.nsec == 0:
		return &ParseError{Line: line, Column: c.tim.name, Value: string(v.text()), Err: ErrZeroTime}
	}
	return nil
}

// cellTime reads a time value: a time.Time, text in the reader's
// layouts, or Unix seconds (see RowsReader); false for NULL and anything
// else.
func (c *parseConfig) cellTime(v *cell) (sec int64, nsec int32, ok bool) {
	switch v.kind {
	case cellTime:
		return v.t.Unix(), int32(v.t.Nanosecond()), true
	case cellInt:
		if c.layout == "" {
			return v.i, 0, true
		}
		return c.parseTime(v.text())
	case cellFloat:
		// Unix seconds, within the range of time.Time.
		if !(math.Abs(v.f) < 1<<62) {
			return 0, 0, false
		}
		s := math.Floor(v.f)
		sec, nsec = int64(s), int32(math.Round((v.f-s)*1e9))
		if nsec == 1e9 {
			sec, nsec = sec+1, 0
		}
		return sec, nsec, true
	case cellBytes, cellString:
		return c.parseTime(trimSpace(v.text()))
	}
	return 0, 0, false
}

// amount reads cell i as an amount, with the CSV reader's decimal parser
// for text, and returns it with its packed exact decimal (0 for none: the
// Summarizer takes a float64's shortest decimal).
func (rd *RowsReader) amount(i int) (a float64, dec uint64, err error) {
	v := &rd.cells[i]
	switch v.kind {
	case cellFloat:
		a = v.f
	case cellInt:
		a = float64(v.i)
	case cellBytes, cellString:
		var ok bool
		if a, dec, ok = parseAmountDec(trimSpace(v.text())); !ok {
			return 0, 0, ErrBadAmount
		}
	case cellNull:
		return 0, 0, ErrNull
	default:
		return 0, 0, ErrBadAmount
	}
	if !num.Finite(a) {
		return 0, 0, ErrNonFinite
	}
	return a, dec, nil
}

// decimal returns cell i as decimal text for parseProduct: text as it
// is, a number as its shortest decimal; an error for NULL, a time or a
// bool.
func (rd *RowsReader) decimal(i int) ([]byte, error) {
	v := &rd.cells[i]
	switch v.kind {
	case cellFloat:
		if !num.Finite(v.f) {
			return nil, ErrNonFinite
		}
		return v.text(), nil
	case cellInt, cellString, cellBytes:
		return trimSpace(v.text()), nil
	case cellNull:
		return nil, ErrNull
	}
	return nil, ErrBadAmount
}

// product2 forms quantity x price as parseRow does, with its packed exact
// decimal, keeping the quantity in x.
func (rd *RowsReader) product2(r *row, x *rowExtra) (float64, uint64, *ParseError) {
	c := &rd.cfg
	bad := func(col column, err error) *ParseError {
		return &ParseError{Line: int(r.line), Column: col.name, Value: string(rd.cells[col.idx].text()), Err: err}
	}
	qv, err := rd.decimal(c.qty.idx)
	if err != nil {
		return 0, 0, bad(c.qty, err)
	}
	pv, err := rd.decimal(c.price.idx)
	if err != nil {
		return 0, 0, bad(c.price, err)
	}
	v, dec, qok, pok := parseProductDec(qv, pv)
	if !qok {
		return 0, 0, bad(c.qty, ErrBadAmount)
	}
	if !pok {
		return 0, 0, bad(c.price, ErrBadAmount)
	}
	if !num.Finite(v) {
		return 0, 0, &ParseError{Line: int(r.line), Column: c.qty.name, Value: string(qv) + " x " + string(pv), Err: ErrNonFinite}
	}
	if c.extra {
		x.qty, _ = parseAmount(qv)
	}
	return v, dec, nil
}

// next scans the next row into the cells and parses it, skipping and
// counting rows with an empty customer and, with SkipBadRows, bad rows.
// It returns io.EOF after the last row.
func (rd *RowsReader) next(r *row, x *rowExtra) error {
	for {
		if rd.fail != nil {
			return rd.fail
		}
		if rd.done {
			return io.EOF
		}
		if !rd.rows.Next() {
			rd.done = true
			if err := rd.rows.Err(); err != nil {
				rd.fail = fmt.Errorf("cvm: database rows, after row %d: %w", rd.stats.Rows, err)
				return rd.fail
			}
			return io.EOF
		}
		if err := rd.rows.Scan(rd.dest...); err != nil {
			rd.fail = fmt.Errorf("cvm: database row %d: %w", rd.stats.Rows+1, err)
			return rd.fail
		}
		rd.stats.Rows++
		line := rd.stats.Rows
		if p := rd.opts.Progress; p != nil && line%progressRows == 0 {
			p(line)
		}
		pe := rd.parseCells(line, r, x)
		if pe == nil {
			rd.stats.Transactions++
			if a := rd.opts.Audit; a != nil {
				var h uint64
				if rd.cfg.hashRows {
					h = rowHash(r.cust, r.sec, r.nsec, r.amount, r.order)
				}
				a.add(r.cust, r.sec, r.nsec, r.amount, r.order, line, h)
			}
			return nil
		}
		if pe.Err == errEmpty {
			rd.stats.EmptyCustomer++
			if rd.opts.Audit != nil {
				rd.opts.Audit.addEmpty(r.amount)
			}
			continue
		}
		if len(rd.stats.Errors) < rd.opts.MaxErrors {
			rd.stats.Errors = append(rd.stats.Errors, pe)
		}
		if rd.opts.SkipBadRows {
			rd.stats.Skipped++
			continue
		}
		return pe
	}
}

// progressRows is how many rows a RowsReader reads between calls of
// ReadSettings.Progress.
const progressRows = 1 << 16

// Read returns the next transaction, or io.EOF after the last row. A bad
// row gives a *ParseError, unless ReadSettings.SkipBadRows is set; Read
// may be called again after a *ParseError to continue with the next row.
// An error of the rows themselves (a lost connection, a query failing
// part way) is returned wrapped, by this and every later call: rows cut
// short are never taken for all of them. Every transaction returned
// passes Transaction.Validate.
func (rd *RowsReader) Read() (Transaction, error) {
	var r row
	var x rowExtra
	if err := rd.next(&r, &x); err != nil {
		return Transaction{}, err
	}
	return rd.strs.transaction(&rd.cfg, &r, &x), nil
}

// Stats returns the counts so far. Lines equals Rows (a database has no
// header or blank lines); the Errors slice is a copy.
func (rd *RowsReader) Stats() ReadStats {
	s := rd.stats
	s.Lines = s.Rows
	s.Errors = append([]*ParseError(nil), s.Errors...)
	return s
}

// All returns an iterator over the remaining transactions, as Read gives
// them. It stops after the last row or at the first error, which Err then
// returns: a loop over All, or a call such as Summarize(ctx, rd.All(),
// nil), must check Err afterwards.
func (rd *RowsReader) All() iter.Seq[Transaction] {
	return transactionSeq(rd.Read, &rd.err)
}

// Err returns the error that stopped All, or nil.
func (rd *RowsReader) Err() error { return rd.err }

// ReadAll reads all remaining transactions (nil when there are none). It
// returns the transactions read before an error together with that error.
// ReadAll checks ctx every few thousand rows and returns ctx.Err() when it
// is done (a query run with QueryContext stops too).
func (rd *RowsReader) ReadAll(ctx context.Context) ([]Transaction, error) {
	var out parallel.Gather[Transaction]
	for n := 0; ; n++ {
		if n%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return out.Slice(), err
			}
		}
		t, err := rd.Read()
		if err == io.EOF {
			return out.Slice(), nil
		}
		if err != nil {
			return out.Slice(), err
		}
		out.Add(t)
	}
}

// Summarize summarises the remaining rows, as cvm.Summarize would the
// transactions of ReadAll, without making a Transaction of each row.
// Bad rows and empty customer IDs are handled as Read handles them. A
// customer whose exact sum would overflow (ErrOverflow, see Summarize) is
// a *ParseError at the row that overflows it, wrapping a
// *TransactionError that names the customer and wraps ErrOverflow.
// Summarize returns ErrEmptyInput when no
// transaction is at or before settings.AsOf; a nil settings means the
// zero SummarySettings. It checks ctx every few thousand rows and returns
// ctx.Err() when it is done.
func (rd *RowsReader) Summarize(ctx context.Context, settings *SummarySettings) ([]Summary, error) {
	s := NewSummarizer(settings)
	var r row
	var x rowExtra
	for n := 0; ; n++ {
		if n%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		err := rd.next(&r, &x)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if err := s.addParsed(r.cust, s.ids.hash(r.cust), r.sec, r.nsec, r.amount, r.dec, r.order); err != nil {
			return nil, &ParseError{Line: int(r.line), Column: rd.cfg.amountColumn(), Err: err}
		}
	}
	out := s.Summaries()
	if len(out) == 0 {
		return nil, ErrEmptyInput
	}
	return out, nil
}

// amountColumn names the column of the amount: the amount column, or the
// quantity column for quantity x price.
func (c *parseConfig) amountColumn() string {
	if c.amt.idx >= 0 {
		return c.amt.name
	}
	return c.qty.name
}
