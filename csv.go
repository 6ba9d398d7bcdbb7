package cvm

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
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
	// quantity x unit price; Amount is then ignored. The quantity is kept
	// in Transaction.Quantity.
	Quantity, Price string
	// Product, Category and Channel are optional columns kept in the
	// Transaction fields of the same names (a header name or a 1-based
	// position, as above); empty means none, and reading costs nothing
	// more then.
	Product, Category, Channel string
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
	// MaxRecordBytes bounds one record: the bytes of a line before its
	// "\n" (a "\r" there included), or of the lines a quoted field joins
	// with the line ends between them. 0 means DefaultMaxRecordBytes
	// (1 MiB); at most
	// 1 GiB. A line longer than this is a bad row at that line
	// (ErrRecordTooLong), skipped up to its line end with SkipBadRows, so
	// that a file without line ends cannot exhaust memory.
	MaxRecordBytes int
	// MaxRecordLines bounds how many lines one record may span through
	// quoted fields that hold line ends. 0 means DefaultMaxRecordLines
	// (100); 1 allows no line end inside a quoted field.
	//
	// A quoted field not closed within MaxRecordLines lines and
	// MaxRecordBytes bytes (or by the end of the input) is a stray quote:
	// its line is a bad row at that line (ErrQuote), and the next line is
	// read as a new record, so with SkipBadRows one stray quote costs one
	// row. Finding records takes time linear in the input whatever its
	// quotes.
	MaxRecordLines int
	// Progress, when not nil, is called by ReadAll and Summarize on the
	// calling goroutine with the number of data rows read so far, after
	// each block of about 512 KiB of input.
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
// ErrMissingField, ErrEmptyCustomer, ErrNonFinite, ErrQuote or
// ErrRecordTooLong, possibly wrapped; from Reader.Summarize it may also be
// a *TransactionError wrapping ErrOverflow.
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
	// ErrQuote is a quoted field not closed within the record bounds of
	// ReadSettings (MaxRecordLines, MaxRecordBytes) or by the end of the
	// input.
	ErrQuote = errors.New("cvm: quoted field not closed")
	// ErrRecordTooLong is a line longer than ReadSettings.MaxRecordBytes.
	ErrRecordTooLong = errors.New("cvm: record too long")
	// ErrColumn is returned by NewReader when a column cannot be found in
	// the header or is not a valid position; the message names it.
	ErrColumn = errors.New("cvm: column not found")
)

// Reader reads transactions from a CSV file. It streams: its memory is a
// few blocks of input and the longest record (at most
// ReadSettings.MaxRecordBytes), whatever the size of the input. A Reader
// is not safe for concurrent use.
type Reader struct {
	src   io.Reader // the input, decompressed
	cfg   parseConfig
	opts  ReadSettings
	stats ReadStats
	err   error // sticky error for All/Err
	line  int   // physical lines consumed

	// The unread input is buf[r:]. eof says src has ended; rerr is the
	// error src returned after the bytes in buf, reported once the
	// records before it are read; fail is that error, once reported,
	// returned by every later call.
	buf  []byte
	r    int
	eof  bool
	rerr error
	fail error
	sp   splitter

	join []byte // a record of several lines, joined
	flds [][]byte
	scr  []byte
	strs txStrings // the last strings of the fields, reused when they repeat
	done bool

	recordStart int    // line on which the current record starts
	rec         []byte // the current record, for ReadSettings.Audit; valid until the next read
	limit       int    // fields to split: maxIdx+1 once configured, 0 for the header

	skipping bool     // parallel reader: discarding the rest of a line longer than maxBytes
	psp      splitter // parallel reader: the producer's splitter
}

// Default record bounds (ReadSettings.MaxRecordBytes, MaxRecordLines).
const (
	DefaultMaxRecordBytes = 1 << 20
	DefaultMaxRecordLines = 100
	maxMaxRecordBytes     = 1 << 30
)

// readSize is how much Read asks of the input at a time.
const readSize = 1 << 16

// NewReader returns a Reader of r. A gzip stream (recognised by its magic
// bytes) is decompressed; a stream of several gzip members is read as
// their concatenation, and anything else after the last member is an
// error, as is a member cut short. With a header, NewReader reads it and
// returns an error wrapping ErrColumn when a requested column is missing;
// an empty input gives ErrEmptyInput. A nil settings means the zero
// ReadSettings; a negative record bound, or MaxRecordBytes above 1 GiB, is
// an error.
func NewReader(r io.Reader, settings *ReadSettings) (*Reader, error) {
	rd := &Reader{}
	if settings != nil {
		rd.opts = *settings
	}
	o := &rd.opts
	if o.MaxErrors == 0 {
		o.MaxErrors = 10
	}
	switch {
	case o.MaxRecordBytes < 0 || o.MaxRecordBytes > maxMaxRecordBytes:
		return nil, fmt.Errorf("cvm: ReadSettings.MaxRecordBytes %d is outside [0, %d]", o.MaxRecordBytes, maxMaxRecordBytes)
	case o.MaxRecordLines < 0:
		return nil, fmt.Errorf("cvm: ReadSettings.MaxRecordLines %d is negative", o.MaxRecordLines)
	case o.MaxRecordBytes == 0:
		o.MaxRecordBytes = DefaultMaxRecordBytes
	}
	if o.MaxRecordLines == 0 {
		o.MaxRecordLines = DefaultMaxRecordLines
	}
	br := bufio.NewReaderSize(r, readSize)
	rd.src = br
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("cvm: gzip: %w", err)
		}
		zr.Multistream(false)
		rd.src = &gzipStream{br: br, zr: zr}
	}
	cfg, err := rd.configure()
	if err != nil {
		return nil, err
	}
	rd.cfg = cfg
	rd.limit = cfg.maxIdx + 1
	return rd, nil
}

// gzipStream decompresses one gzip member after another. Anything after a
// member other than another member is an error (errGzipTrailing), and a
// member cut short is io.ErrUnexpectedEOF, both wrapped.
type gzipStream struct {
	br  *bufio.Reader
	zr  *gzip.Reader
	err error
}

var errGzipTrailing = errors.New("data after the end of the compressed stream")

// Read implements io.Reader over the concatenated members.
func (g *gzipStream) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for g.err == nil {
		n, err := g.zr.Read(p)
		switch {
		case err == io.EOF:
			g.err = g.next()
		case err != nil:
			g.err = fmt.Errorf("gzip: %w", err)
		}
		if n > 0 {
			return n, nil
		}
	}
	return 0, g.err
}

// next starts the member after the one that ended, and returns io.EOF at
// the end of the input.
func (g *gzipStream) next() error {
	magic, err := g.br.Peek(2)
	switch {
	case len(magic) == 0 && err == io.EOF:
		return io.EOF
	case len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b:
	case err != nil && err != io.EOF:
		return fmt.Errorf("gzip: %w", err)
	default:
		return fmt.Errorf("gzip: %w", errGzipTrailing)
	}
	if err := g.zr.Reset(g.br); err != nil {
		return fmt.Errorf("gzip: %w", noEOF(err))
	}
	g.zr.Multistream(false)
	return nil
}

// noEOF turns io.EOF into io.ErrUnexpectedEOF.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

func (rd *Reader) configure() (parseConfig, error) {
	o := &rd.opts
	c := parseConfig{layout: o.TimeLayout, loc: o.Location, failEmpty: o.FailOnEmptyCustomer,
		maxBytes: o.MaxRecordBytes, maxLines: o.MaxRecordLines, hashRows: o.Audit != nil && o.Audit.dups != nil}
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
	rd.cfg = c // for reading the header
	rd.sp = newSplitter(c.comma, c.maxBytes, c.maxLines)
	rd.psp = newSplitter(c.comma, c.maxBytes, c.maxLines)
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
	err := c.resolveColumns(o, header)
	return c, err
}

// resolveColumns resolves the columns of o in header, the column names of
// the input (nil without a header: then columns are 1-based positions).
// The CSV reader gives it the header line, the database reader the
// query's columns.
func (c *parseConfig) resolveColumns(o *ReadSettings, header []string) error {
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
		return err
	}
	if c.tim, err = resolve(o.Time, "time", 2, "time"); err != nil {
		return err
	}
	c.amt, c.qty, c.price = column{idx: -1}, column{idx: -1}, column{idx: -1}
	if o.Quantity != "" {
		if c.qty, err = resolve(o.Quantity, "", 0, "quantity"); err != nil {
			return err
		}
		if c.price, err = resolve(o.Price, "", 0, "price"); err != nil {
			return err
		}
	} else if c.amt, err = resolve(o.Amount, "amount", 3, "amount"); err != nil {
		return err
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
			return err
		}
	}
	c.product, c.category, c.channel = column{idx: -1}, column{idx: -1}, column{idx: -1}
	for _, x := range []struct {
		spec, what string
		col        *column
	}{{o.Product, "product", &c.product}, {o.Category, "category", &c.category}, {o.Channel, "channel", &c.channel}} {
		if x.spec == "" {
			continue
		}
		if *x.col, err = resolve(x.spec, "", 0, x.what); err != nil {
			return err
		}
	}
	c.extra = c.qty.idx >= 0 || c.product.idx >= 0 || c.category.idx >= 0 || c.channel.idx >= 0
	c.maxIdx = max(c.cust.idx, c.tim.idx, c.amt.idx, c.qty.idx, c.price.idx, c.order.idx, c.product.idx, c.category.idx, c.channel.idx)
	return nil
}

// more reads more input into buf, keeping the unread part. It sets eof
// at the end of the input and rerr on a failure.
func (rd *Reader) more() {
	if rd.r > 0 && rd.r >= len(rd.buf)-rd.r { // move the unread part down when it is at most half
		n := copy(rd.buf, rd.buf[rd.r:])
		rd.sp.shift(rd.r)
		rd.buf, rd.r = rd.buf[:n], 0
	}
	if cap(rd.buf)-len(rd.buf) < readSize {
		rd.buf = slices.Grow(rd.buf, readSize)
	}
	for range 100 {
		n, err := rd.src.Read(rd.buf[len(rd.buf):cap(rd.buf)])
		rd.buf = rd.buf[:len(rd.buf)+n]
		if err == io.EOF {
			rd.eof = true
		} else if err != nil {
			rd.rerr = err
		}
		if n > 0 || err != nil {
			return
		}
	}
	rd.rerr = io.ErrNoProgress
}

// readErr is the error for a failure to read the input past the lines
// consumed.
func readErr(line int, err error) error {
	return fmt.Errorf("cvm: reading line %d: %w", line+1, err)
}

// Errors for records past the bounds of ReadSettings.
func (c *parseConfig) errLong() error {
	return fmt.Errorf("%w: no line end within %d bytes (ReadSettings.MaxRecordBytes)", ErrRecordTooLong, c.maxBytes)
}

func (c *parseConfig) errQuote() error {
	return fmt.Errorf("%w within %d lines and %d bytes (ReadSettings.MaxRecordLines, MaxRecordBytes)", ErrQuote, c.maxLines, c.maxBytes)
}

// readRecord reads the next record's fields, or returns io.EOF. Blank
// lines are counted and skipped. A record past the bounds is a
// *ParseError naming its first line, after which reading goes on at the
// next line.
func (rd *Reader) readRecord() ([][]byte, error) {
	for {
		if rd.fail != nil {
			return nil, rd.fail
		}
		if rd.r == len(rd.buf) {
			switch {
			case rd.eof:
				return nil, io.EOF
			case rd.rerr != nil:
				rd.fail = readErr(rd.line, rd.rerr)
				return nil, rd.fail
			}
			rd.more()
			continue
		}
		status, end, lines := rd.sp.record(rd.buf, rd.r, rd.line+1, rd.eof)
		start := rd.line + 1
		switch status {
		case recMore:
			if rd.rerr != nil {
				rd.fail = readErr(rd.line, rd.rerr)
				return nil, rd.fail
			}
			rd.more()
			continue
		case recLong:
			rd.skipLine()
			rd.line++
			rd.recordStart = start
			return nil, &ParseError{Line: start, Err: rd.cfg.errLong()}
		case recQuote:
			rd.r = end
			rd.line++
			rd.recordStart = start
			return nil, &ParseError{Line: start, Err: rd.cfg.errQuote()}
		}
		rec := rd.buf[rd.r:end]
		rd.r = end
		rd.line += lines
		if lines == 1 {
			if rec = trimEOL(rec); isBlank(rec) {
				rd.stats.Blank++
				continue
			}
		} else {
			rd.join = joinLines(rec, rd.join)
			rec = rd.join
		}
		rd.recordStart, rd.rec = start, rec
		var ok bool
		rd.flds, rd.scr, ok = splitFields(rec, rd.cfg.comma, rd.flds[:0], rd.scr[:0], rd.limit)
		if !ok { // the splitter found the quotes closed: not reached
			return nil, &ParseError{Line: start, Err: rd.cfg.errQuote()}
		}
		return rd.flds, nil
	}
}

// skipLine discards the input up to and including the next line end.
func (rd *Reader) skipLine() {
	for {
		if i := bytes.IndexByte(rd.buf[rd.r:], '\n'); i >= 0 {
			rd.r += i + 1
			return
		}
		rd.r = len(rd.buf)
		if rd.eof || rd.rerr != nil {
			return
		}
		rd.more()
	}
}

// Read returns the next transaction, or io.EOF at the end of the input
// (at once for an input with no data rows). A bad row, including an amount
// that is NaN or infinite (ErrNonFinite), a line longer than
// ReadSettings.MaxRecordBytes (ErrRecordTooLong) and a stray quote
// (ErrQuote), gives a *ParseError, unless ReadSettings.SkipBadRows is set;
// Read may be called again after a *ParseError to continue with the next
// row. Rows with an empty customer ID are skipped and counted unless
// ReadSettings.FailOnEmptyCustomer is set. Every transaction returned
// passes Transaction.Validate.
//
// An input that fails or ends inside a record (an io.ErrUnexpectedEOF
// from a gzip member or a connection cut short, any other read error) is
// an error naming the line reached and wrapping the cause, returned again
// by every later call: truncated input is never taken for a complete one.
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
			if pe, ok := err.(*ParseError); ok {
				rd.stats.Rows++
				if rd.badRow(pe) {
					continue
				}
			}
			return Transaction{}, err
		}
		rd.stats.Rows++
		var r row
		var x rowExtra
		if pe := rd.cfg.parseRow(f, rd.recordStart, &r, &x); pe != nil {
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
			if rd.cfg.hashRows {
				r.hash = recordHash(rd.rec)
			}
			rd.opts.Audit.addParsed(&r, rd.recordStart)
			if err := rd.auditErr(); err != nil {
				return Transaction{}, err
			}
		}
		return rd.strs.transaction(&rd.cfg, &r, &x), nil
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

// txStrings are the last strings made of each text field of a row, so
// that a field repeating the row before (the customer of a run, an order's
// lines, a product, category or channel) costs no new string.
type txStrings struct {
	cust, order, product, category, channel lastString
}

// transaction turns a parsed row of cfg into a Transaction, reusing the
// last strings when they repeat; x is the row's extra fields with
// parseConfig.extra, else ignored (nil allowed).
func (s *txStrings) transaction(cfg *parseConfig, r *row, x *rowExtra) Transaction {
	t := Transaction{Customer: s.cust.get(r.cust), Time: cfg.timeOf(r.sec, r.nsec), Amount: r.amount, Order: s.order.get(r.order)}
	if cfg.extra {
		t.Quantity = x.qty
		t.Product = s.product.get(x.product)
		t.Category = s.category.get(x.category)
		t.Channel = s.channel.get(x.channel)
	}
	return t
}

// lastString turns a field into a string, reusing the last one when the
// field repeats.
type lastString struct{ s string }

func (l *lastString) get(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if string(b) != l.s {
		l.s = string(b)
	}
	return l.s
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
// the first error, which Err then returns. A loop over All, or a call such
// as Summarize(ctx, rd.All(), nil), must check Err afterwards: a truncated
// or failing input ends the sequence early and only Err says so.
// Reader.Summarize and ReadAll return such errors themselves.
func (rd *Reader) All() iter.Seq[Transaction] {
	return transactionSeq(rd.Read, &rd.err)
}

// Err returns the error that stopped All, or nil.
func (rd *Reader) Err() error { return rd.err }

// transactionSeq is the iterator of Reader.All and RowsReader.All: it
// yields what read returns until io.EOF, or until another error, which it
// stores in *errp.
func transactionSeq(read func() (Transaction, error), errp *error) iter.Seq[Transaction] {
	return func(yield func(Transaction) bool) {
		for {
			t, err := read()
			if err == io.EOF {
				return
			}
			if err != nil {
				*errp = err
				return
			}
			if !yield(t) {
				return
			}
		}
	}
}
