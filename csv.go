package cvm

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"strconv"
	"strings"
	"time"
)

// Whitespace is the ReadSettings.Comma value for fields separated by runs of
// spaces and tabs, with leading and trailing white space ignored.
const Whitespace = ' '

// NoColumn is the ReadSettings.Order value for "the file has no order
// column".
const NoColumn = "-"

// ReadSettings configures a Reader. A nil *ReadSettings means the zero value:
// a header line naming the columns customer, time and amount (and order when
// present), comma-separated, automatic time layout, UTC, stop at the first
// bad row, rows with an empty customer ID skipped and counted.
type ReadSettings struct {
	// Customer, Time, Amount, Quantity, Price and Order select columns:
	// each is a header name (matched exactly, then ignoring case) or a
	// 1-based column position such as "3". With NoHeader they must be
	// positions.
	//
	// Empty Customer, Time and Amount mean "customer", "time" and "amount"
	// with a header and positions 1, 2 and 3 without one.
	Customer, Time, Amount string
	// Quantity and Price, when set (both must be), make each row's amount
	// quantity x unit price; Amount is then ignored.
	Quantity, Price string
	// Order is the order or invoice ID column. Empty means the column
	// named "order" when the header has one and none otherwise; NoColumn
	// means none; any other value is a column the file must have.
	Order string

	// NoHeader says the first line is data, not column names.
	NoHeader bool
	// Comma is the field delimiter: ',' (the zero value means ','), ';',
	// '\t', or Whitespace for runs of spaces and tabs. With a delimiter
	// other than Whitespace, fields may be quoted as in RFC 4180.
	Comma rune
	// TimeLayout is a Go time layout for the time column. Empty means
	// automatic: RFC 3339 (with or without fractional seconds),
	// "2006-01-02 15:04:05" (or with a T, with or without seconds or
	// fractional seconds), date-only "2006-01-02" and compact "20060102".
	TimeLayout string
	// Location is where times without a zone are; nil means UTC.
	Location *time.Location

	// SkipBadRows makes Read skip rows that cannot be parsed, counting them
	// in ReadStats.Skipped and keeping the first few errors in
	// ReadStats.Errors. False (the default) makes Read return a
	// *ParseError for the first bad row.
	SkipBadRows bool
	// FailOnEmptyCustomer makes a row with an empty customer ID a bad row
	// (a *ParseError wrapping ErrEmptyCustomer). False (the default) skips
	// such rows and counts them in ReadStats.EmptyCustomer.
	FailOnEmptyCustomer bool
	// MaxErrors is how many errors ReadStats.Errors keeps; 0 means 10,
	// a negative value means none.
	MaxErrors int
	// Progress, when not nil, is called by ReadAll and Summarize on the
	// calling goroutine with the number of data rows read so far, after
	// each block of about 1 MiB of input.
	Progress func(rows int)
	// Audit, when not nil, is given every row the Reader returns, reads or
	// summarises, with its line, on the calling goroutine, and every row
	// with an empty customer ID (with its amount when that parses); see
	// Reader.Report. Nil (the default) audits nothing.
	Audit *Auditor
}

// ReadStats counts what a Reader has seen.
type ReadStats struct {
	Lines         int           // physical lines read, including the header
	Rows          int           // data rows: lines that are not the header and not blank
	Transactions  int           // rows returned as transactions
	Blank         int           // blank lines, ignored
	EmptyCustomer int           // rows skipped because the customer ID is empty
	Skipped       int           // bad rows skipped (ReadSettings.SkipBadRows)
	Errors        []*ParseError // the first ReadSettings.MaxErrors errors, in line order
}

// ParseError is a row that could not be read, such as a time in no known
// layout or an amount that is not a finite number. It names the 1-based line, the
// column (its header name, or its 1-based position without a header) and
// the offending value. Err is one of ErrBadTime, ErrZeroTime, ErrBadAmount,
// ErrMissingField, ErrEmptyCustomer, ErrNonFinite or ErrQuote, possibly
// wrapped.
type ParseError struct {
	Line   int
	Column string
	Value  string
	Err    error
}

// Error returns "line N, column "C", value "V": cause", or "line N: cause"
// when no single column is at fault.
func (e *ParseError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("line %d: %v", e.Line, e.Err)
	}
	return fmt.Sprintf("line %d, column %q, value %q: %v", e.Line, e.Column, e.Value, e.Err)
}

// Unwrap returns the cause, for errors.Is and errors.As.
func (e *ParseError) Unwrap() error { return e.Err }

// Errors of the CSV reader, wrapped in a *ParseError or returned by
// NewReader.
var (
	ErrBadTime      = errors.New("cvm: not a time in a known layout")
	ErrBadAmount    = errors.New("cvm: not a number")
	ErrMissingField = errors.New("cvm: row has too few fields")
	ErrQuote        = errors.New("cvm: unterminated quoted field")
	// ErrColumn is returned by NewReader when a column cannot be found in
	// the header or is not a valid position; the message names it.
	ErrColumn = errors.New("cvm: column not found")
)

// Reader reads transactions from a CSV file. It streams: memory use does
// not grow with the size of the input. A Reader is not safe for concurrent
// use.
type Reader struct {
	br    *bufio.Reader
	cfg   parseConfig
	opts  ReadSettings
	stats ReadStats
	err   error // sticky error for All/Err
	line  int   // physical lines consumed
	buf   []byte
	flds  [][]byte
	scr   []byte
	last  string // last customer string, reused when the next row repeats it
	lastO string
	done  bool

	recordStart int // line on which the current record starts
	limit       int // fields to split: maxIdx+1 once configured, 0 for the header
}

// column is a resolved column: its 0-based index and its name for errors.
type column struct {
	idx  int
	name string
}

// parseConfig is everything needed to turn one line into a row; it is
// immutable once built, so parallel workers share it.
type parseConfig struct {
	comma                      byte
	cust, tim, amt, qty, price column
	order                      column // idx -1: none
	maxIdx                     int
	layout                     string
	loc                        *time.Location
	utc                        bool
	failEmpty                  bool
}

// NewReader returns a Reader of r. A gzip stream (recognised by its magic
// bytes) is decompressed. With a header, NewReader reads it and returns an
// error wrapping ErrColumn when a requested column is missing; an empty
// input gives ErrEmptyInput. A nil opts means the zero ReadSettings.
func NewReader(r io.Reader, opts *ReadSettings) (*Reader, error) {
	rd := &Reader{}
	if opts != nil {
		rd.opts = *opts
	}
	o := &rd.opts
	if o.MaxErrors == 0 {
		o.MaxErrors = 10
	}
	br := bufio.NewReaderSize(r, 1<<16)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("cvm: gzip: %w", err)
		}
		br = bufio.NewReaderSize(zr, 1<<16)
	}
	rd.br = br
	cfg, err := rd.configure()
	if err != nil {
		return nil, err
	}
	rd.cfg = cfg
	rd.limit = cfg.maxIdx + 1
	return rd, nil
}

func (rd *Reader) configure() (parseConfig, error) {
	o := &rd.opts
	c := parseConfig{layout: o.TimeLayout, loc: o.Location, failEmpty: o.FailOnEmptyCustomer}
	if c.loc == nil {
		c.loc = time.UTC
	}
	c.utc = c.loc == time.UTC
	switch o.Comma {
	case 0, ',':
		c.comma = ','
	case ';', '\t', Whitespace:
		c.comma = byte(o.Comma)
	default:
		return c, fmt.Errorf("cvm: unsupported delimiter %q (want , ; tab or Whitespace)", o.Comma)
	}
	if (o.Quantity == "") != (o.Price == "") {
		return c, fmt.Errorf("cvm: Quantity and Price must be given together")
	}
	rd.cfg.comma = c.comma
	var header []string
	if !o.NoHeader {
		line, err := rd.readRecord()
		if err == io.EOF {
			return c, ErrEmptyInput
		}
		if err != nil {
			return c, err
		}
		for i, f := range line {
			s := string(f)
			if i == 0 {
				s = strings.TrimPrefix(s, "\uFEFF")
			}
			header = append(header, strings.TrimSpace(s))
		}
	}
	resolve := func(spec, def string, defPos int, what string) (column, error) {
		if spec == "" {
			if header == nil {
				spec = strconv.Itoa(defPos)
			} else {
				spec = def
			}
		}
		if header != nil {
			for i, h := range header {
				if h == spec {
					return column{i, h}, nil
				}
			}
			for i, h := range header {
				if strings.EqualFold(h, spec) {
					return column{i, h}, nil
				}
			}
		}
		n, err := strconv.Atoi(spec)
		if err != nil || n < 1 {
			if header == nil {
				return column{}, fmt.Errorf("%w: %s column %q is not a 1-based position (the file has no header)", ErrColumn, what, spec)
			}
			return column{}, fmt.Errorf("%w: %s column %q is not in the header %q", ErrColumn, what, spec, header)
		}
		if header != nil {
			if n > len(header) {
				return column{}, fmt.Errorf("%w: %s column %d is past the header's %d columns", ErrColumn, what, n, len(header))
			}
			return column{n - 1, header[n-1]}, nil
		}
		return column{n - 1, strconv.Itoa(n)}, nil
	}
	var err error
	if c.cust, err = resolve(o.Customer, "customer", 1, "customer"); err != nil {
		return c, err
	}
	if c.tim, err = resolve(o.Time, "time", 2, "time"); err != nil {
		return c, err
	}
	c.amt, c.qty, c.price = column{idx: -1}, column{idx: -1}, column{idx: -1}
	if o.Quantity != "" {
		if c.qty, err = resolve(o.Quantity, "", 0, "quantity"); err != nil {
			return c, err
		}
		if c.price, err = resolve(o.Price, "", 0, "price"); err != nil {
			return c, err
		}
	} else if c.amt, err = resolve(o.Amount, "amount", 3, "amount"); err != nil {
		return c, err
	}
	c.order = column{idx: -1}
	switch o.Order {
	case NoColumn:
	case "":
		if header != nil {
			if oc, err := resolve("order", "", 0, "order"); err == nil {
				c.order = oc
			}
		}
	default:
		if c.order, err = resolve(o.Order, "", 0, "order"); err != nil {
			return c, err
		}
	}
	c.maxIdx = max(c.cust.idx, c.tim.idx, c.amt.idx, c.qty.idx, c.price.idx, c.order.idx)
	return c, nil
}

// readLine returns the next physical line without its line end, or io.EOF.
// The slice is valid until the next call.
func (rd *Reader) readLine() ([]byte, error) {
	line, err := rd.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		rd.buf = append(rd.buf[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = rd.br.ReadSlice('\n')
			rd.buf = append(rd.buf, line...)
		}
		line = rd.buf
	}
	if len(line) == 0 && err != nil {
		if err == io.EOF {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("cvm: reading line %d: %w", rd.line+1, err)
	}
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("cvm: reading line %d: %w", rd.line+1, err)
	}
	rd.line++
	return trimEOL(line), nil
}

func trimEOL(line []byte) []byte {
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line
}

// readRecord reads the next record's fields, joining physical lines when a
// quoted field spans them. Blank lines are counted and skipped.
func (rd *Reader) readRecord() ([][]byte, error) {
	for {
		line, err := rd.readLine()
		if err != nil {
			return nil, err
		}
		if isBlank(line) {
			rd.stats.Blank++
			continue
		}
		start := rd.line
		var ok bool
		rd.flds, rd.scr, ok = splitFields(line, rd.cfg.comma, rd.flds[:0], rd.scr[:0], rd.limit)
		if ok {
			rd.recordStart = start
			return rd.flds, nil
		}
		// A quoted field continues on the next line.
		joined := append([]byte(nil), line...)
		for !ok {
			next, err := rd.readLine()
			if err == io.EOF {
				rd.recordStart = start
				return nil, &ParseError{Line: start, Err: ErrQuote}
			}
			if err != nil {
				return nil, err
			}
			joined = append(append(joined, '\n'), next...)
			rd.flds, rd.scr, ok = splitFields(joined, rd.cfg.comma, rd.flds[:0], rd.scr[:0], rd.limit)
		}
		rd.recordStart = start
		return rd.flds, nil
	}
}

func isBlank(line []byte) bool {
	for _, c := range line {
		if c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}

// splitFields splits one record into fields, appending to dst. Quoted
// fields are unescaped into scr, which the returned fields may alias. ok is
// false when a quoted field is not closed by the end of line.
//
// After limit fields (limit <= 0 means no limit) the rest of the line is
// ignored, unless it holds a quote that might open a multi-line field.
func splitFields(line []byte, comma byte, dst [][]byte, scr []byte, limit int) (fields [][]byte, scratch []byte, ok bool) {
	if comma == Whitespace {
		i := 0
		for {
			if len(dst) == limit && limit > 0 {
				return dst, scr, true
			}
			for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
				i++
			}
			if i == len(line) {
				return dst, scr, true
			}
			j := i
			for j < len(line) && line[j] != ' ' && line[j] != '\t' {
				j++
			}
			dst = append(dst, line[i:j])
			i = j
		}
	}
	for {
		if limit > 0 && len(dst) == limit && bytes.IndexByte(line, '"') < 0 {
			return dst, scr, true
		}
		// Skip leading spaces only to detect a quoted field.
		k := 0
		for k < len(line) && line[k] == ' ' {
			k++
		}
		if k < len(line) && line[k] == '"' {
			start := len(scr)
			i := k + 1
			for {
				j := bytes.IndexByte(line[i:], '"')
				if j < 0 {
					return dst, scr, false
				}
				scr = append(scr, line[i:i+j]...)
				i += j + 1
				if i < len(line) && line[i] == '"' {
					scr = append(scr, '"')
					i++
					continue
				}
				break
			}
			dst = append(dst, scr[start:len(scr):len(scr)])
			// Anything between the closing quote and the delimiter is kept
			// leniently as part of the field.
			j := bytes.IndexByte(line[i:], comma)
			if j < 0 {
				if rest := bytes.TrimSpace(line[i:]); len(rest) > 0 {
					dst[len(dst)-1] = append(dst[len(dst)-1], rest...)
				}
				return dst, scr, true
			}
			if rest := bytes.TrimSpace(line[i : i+j]); len(rest) > 0 {
				dst[len(dst)-1] = append(dst[len(dst)-1], rest...)
			}
			line = line[i+j+1:]
			continue
		}
		j := bytes.IndexByte(line, comma)
		if j < 0 {
			return append(dst, line), scr, true
		}
		dst = append(dst, line[:j])
		line = line[j+1:]
	}
}

// row is one parsed data row; its byte slices alias the input.
type row struct {
	cust   []byte
	sec    int64
	nsec   int32
	line   int32 // the line parseRow was given, in the parallel reader relative to the chunk
	amount float64
	order  []byte
}

// parseRow turns the fields of the record on line into a row. It returns a
// *ParseError (with errEmpty as Err for an empty customer when the config
// does not fail on it).
func (c *parseConfig) parseRow(f [][]byte, line int, r *row) *ParseError {
	if len(f) <= c.maxIdx {
		missing := c.cust
		for _, col := range []column{c.tim, c.amt, c.qty, c.price, c.order} {
			if col.idx >= len(f) && (missing.idx < len(f) || col.idx < missing.idx) {
				missing = col
			}
		}
		return &ParseError{Line: line, Column: missing.name, Err: fmt.Errorf("%w: got %d, need %d", ErrMissingField, len(f), c.maxIdx+1)}
	}
	r.cust = trimSpace(f[c.cust.idx])
	r.line = int32(line)
	if len(r.cust) == 0 {
		if c.failEmpty {
			return &ParseError{Line: line, Column: c.cust.name, Err: ErrEmptyCustomer}
		}
		r.amount = c.emptyAmount(f)
		return &ParseError{Line: line, Column: c.cust.name, Err: errEmpty}
	}
	tv := trimSpace(f[c.tim.idx])
	var ok bool
	r.sec, r.nsec, ok = c.parseTime(tv)
	if !ok {
		return &ParseError{Line: line, Column: c.tim.name, Value: string(tv), Err: ErrBadTime}
	}
	if r.sec == zeroUnix && r.nsec == 0 {
		return &ParseError{Line: line, Column: c.tim.name, Value: string(tv), Err: ErrZeroTime}
	}
	if c.amt.idx >= 0 {
		v := trimSpace(f[c.amt.idx])
		a, ok := parseAmount(v)
		if !ok {
			return &ParseError{Line: line, Column: c.amt.name, Value: string(v), Err: ErrBadAmount}
		}
		if math.IsNaN(a) || math.IsInf(a, 0) {
			return &ParseError{Line: line, Column: c.amt.name, Value: string(v), Err: ErrNonFinite}
		}
		r.amount = a
	} else {
		qv, pv := trimSpace(f[c.qty.idx]), trimSpace(f[c.price.idx])
		v, qok, pok := parseProduct(qv, pv)
		if !qok {
			return &ParseError{Line: line, Column: c.qty.name, Value: string(qv), Err: ErrBadAmount}
		}
		if !pok {
			return &ParseError{Line: line, Column: c.price.name, Value: string(pv), Err: ErrBadAmount}
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return &ParseError{Line: line, Column: c.qty.name, Value: string(qv) + " x " + string(pv), Err: ErrNonFinite}
		}
		r.amount = v
	}
	r.order = nil
	if c.order.idx >= 0 {
		r.order = trimSpace(f[c.order.idx])
	}
	return nil
}

// zeroUnix is the Unix time of the zero time.Time, 0001-01-01 00:00 UTC,
// which Transaction.Validate rejects.
var zeroUnix = time.Time{}.Unix()

// errEmpty marks a skipped empty-customer row inside the reader.
var errEmpty = errors.New("cvm: empty customer ID (skipped)")

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// Read returns the next transaction, or io.EOF at the end of the input
// (at once for an input with no data rows). A bad row, including an amount
// that is NaN or infinite (ErrNonFinite), gives a *ParseError, unless
// ReadSettings.SkipBadRows is set; Read may be called again after a
// *ParseError to continue with the next row. Rows with an empty customer
// ID are skipped and counted unless ReadSettings.FailOnEmptyCustomer is
// set. Every transaction returned passes Transaction.Validate.
func (rd *Reader) Read() (Transaction, error) {
	for {
		if rd.done {
			return Transaction{}, io.EOF
		}
		f, err := rd.readRecord()
		if err == io.EOF {
			rd.done = true
			return Transaction{}, io.EOF
		}
		if err != nil {
			var pe *ParseError
			if errors.As(err, &pe) {
				rd.stats.Rows++
				if rd.badRow(pe) {
					continue
				}
			}
			return Transaction{}, err
		}
		rd.stats.Rows++
		var r row
		if pe := rd.cfg.parseRow(f, rd.recordStart, &r); pe != nil {
			if pe.Err == errEmpty {
				rd.stats.EmptyCustomer++
				if rd.opts.Audit != nil {
					rd.opts.Audit.addEmpty(r.amount)
				}
				continue
			}
			if rd.badRow(pe) {
				continue
			}
			return Transaction{}, pe
		}
		rd.stats.Transactions++
		if rd.opts.Audit != nil {
			rd.opts.Audit.addParsed(&r, rd.recordStart)
		}
		return rd.transaction(&r), nil
	}
}

// badRow records pe and reports whether it is to be skipped.
func (rd *Reader) badRow(pe *ParseError) bool {
	if len(rd.stats.Errors) < rd.opts.MaxErrors {
		rd.stats.Errors = append(rd.stats.Errors, pe)
	}
	if rd.opts.SkipBadRows {
		rd.stats.Skipped++
		return true
	}
	return false
}

func (rd *Reader) transaction(r *row) Transaction {
	if string(r.cust) != rd.last {
		rd.last = string(r.cust)
	}
	t := Transaction{Customer: rd.last, Time: rd.cfg.timeOf(r.sec, r.nsec), Amount: r.amount}
	if len(r.order) > 0 {
		if string(r.order) != rd.lastO {
			rd.lastO = string(r.order)
		}
		t.Order = rd.lastO
	}
	return t
}

// Stats returns the counts so far; all zero before the first row. The
// Errors slice is a copy.
func (rd *Reader) Stats() ReadStats {
	s := rd.stats
	s.Lines = rd.line
	s.Errors = append([]*ParseError(nil), s.Errors...)
	return s
}

// All returns an iterator over the remaining transactions, as Read gives
// them (nothing for an empty input). It stops at the end of the input or at
// the first error, which Err then returns.
func (rd *Reader) All() iter.Seq[Transaction] {
	return func(yield func(Transaction) bool) {
		for {
			t, err := rd.Read()
			if err == io.EOF {
				return
			}
			if err != nil {
				rd.err = err
				return
			}
			if !yield(t) {
				return
			}
		}
	}
}

// Err returns the error that stopped All, or nil.
func (rd *Reader) Err() error { return rd.err }
