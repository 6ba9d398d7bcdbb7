// Package csvout is the one CSV writer of cvm and its examples: the
// library's row formats (profile.AppendCSV, cvm.AppendSummaryCSV), every
// command and every file of "cvm run" write their CSV through it, so a
// customer ID holding a comma, a quote, a line end or leading space reads
// back as it was with encoding/csv (or cvm's reader).
//
// The rules are encoding/csv's, with a comma as delimiter and "\n" line
// ends: a field is quoted when it holds a comma, a double quote, "\r" or
// "\n", when it begins with a space (any Unicode white space, tab
// included), or when it is `\.`; inside quotes a double quote is doubled.
// AppendField exists beside [Writer] so that formatters that build rows
// in parallel blocks append fields to their own buffers by the same
// rules.
package csvout

import (
	"io"
	"time"
	"unicode"
	"unicode/utf8"
)

// NeedsQuotes reports whether field must be quoted, by encoding/csv's
// rule for a comma delimiter. The empty field is not quoted.
func NeedsQuotes(field string) bool {
	if field == "" {
		return false
	}
	if field == `\.` {
		return true
	}
	for i := 0; i < len(field); i++ {
		if c := field[i]; c == ',' || c == '"' || c == '\r' || c == '\n' {
			return true
		}
	}
	r, _ := utf8.DecodeRuneInString(field)
	return unicode.IsSpace(r)
}

// AppendField appends field to b, quoted when [NeedsQuotes] says so, and
// returns the extended buffer.
func AppendField(b []byte, field string) []byte {
	if !NeedsQuotes(field) {
		return append(b, field...)
	}
	b = append(b, '"')
	for i := 0; i < len(field); i++ {
		if field[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, field[i])
	}
	return append(b, '"')
}

// AppendRecord appends the fields separated by commas and ended by "\n",
// byte for byte what encoding/csv's Writer writes.
func AppendRecord(b []byte, fields ...string) []byte {
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendField(b, f)
	}
	return append(b, '\n')
}

// Writer writes CSV records to an io.Writer, buffered. The first write
// error is kept: every later call returns it, and so does Flush.
type Writer struct {
	w   io.Writer
	buf []byte
	err error
}

// NewWriter returns a Writer on w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: w, buf: make([]byte, 0, 64<<10)}
}

// Write writes one record (see [AppendRecord]).
func (w *Writer) Write(fields ...string) error {
	return w.WriteLine(AppendRecord(nil, fields...))
}

// WriteLine writes a line already built with [AppendField], ending in
// "\n"; a caller that formats numbers itself uses it to avoid a string
// per cell.
func (w *Writer) WriteLine(line []byte) error {
	if w.err != nil {
		return w.err
	}
	w.buf = append(w.buf, line...)
	if len(w.buf) >= 64<<10 {
		return w.Flush()
	}
	return nil
}

// Flush writes any buffered data and returns the first write error.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if len(w.buf) > 0 {
		_, w.err = w.w.Write(w.buf)
		w.buf = w.buf[:0]
	}
	return w.err
}

// AppendTime appends t in RFC 3339 (time.RFC3339Nano: fractional seconds
// when there are any, in t's location), or nothing for the zero time,
// and returns the extended buffer. UTC times of years 0 to 9999 without
// fractional seconds, the usual case, are formatted directly, with the
// same bytes as time.Time.AppendFormat.
func AppendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return b
	}
	if t.Location() == time.UTC && t.Nanosecond() == 0 {
		y, m, d := t.Date()
		hh, mm, ss := t.Clock()
		if y >= 0 && y <= 9999 {
			b = append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
				byte('0'+int(m)/10), byte('0'+int(m)%10), '-', byte('0'+d/10), byte('0'+d%10), 'T',
				byte('0'+hh/10), byte('0'+hh%10), ':', byte('0'+mm/10), byte('0'+mm%10), ':',
				byte('0'+ss/10), byte('0'+ss%10), 'Z')
			return b
		}
	}
	return t.AppendFormat(b, time.RFC3339Nano)
}
