package cvm

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/cvmkit/cvm/internal/civil"
	"github.com/cvmkit/cvm/internal/num"
)

// column is a resolved column: its 0-based index and its name for errors.
type column struct {
	idx  int
	name string
}

// parseConfig is everything needed to split the input into records and
// turn each record into a row, resolved from ReadSettings and the header.
// It is immutable once built, so parallel workers share it.
type parseConfig struct {
	comma                      byte
	maxBytes, maxLines         int // record bounds (ReadSettings.MaxRecordBytes, MaxRecordLines)
	cust, tim, amt, qty, price column
	order                      column // idx -1: none
	product, category, channel column // idx -1: none
	extra                      bool   // a quantity, product, category or channel column is read
	maxIdx                     int
	layout                     string
	loc                        *time.Location
	utc                        bool
	failEmpty                  bool
	hashRows                   bool // ReadSettings.Audit checks duplicates: rows carry recordHash
}

// row is one parsed data row; its byte slices alias the input.
type row struct {
	cust   []byte
	sec    int64
	nsec   int32
	line   int32  // line of the record, relative to its block of input
	hash   uint64 // with parseConfig.hashRows, the recordHash of the record
	amount float64
	dec    uint64 // the amount's packed exact decimal (see packDecimal), 0 for none
	order  []byte
}

// rowExtra is the rest of a row with parseConfig.extra: the quantity, and
// the product, category and channel fields (nil without their columns).
// It is kept apart from row so that a file without these columns pays
// nothing for them.
type rowExtra struct {
	qty                        float64
	product, category, channel []byte
}

// parseRow turns the fields of the record on line into a row. It returns a
// *ParseError (with errEmpty as Err for an empty customer when the config
// does not fail on it).
//
// The parallel reader's blocks hold at most chunkSize + MaxRecordBytes
// bytes (1 GiB at most), so a line number relative to a block fits r.line.
//
// With c.extra, x receives the quantity, product, category and channel.
func (c *parseConfig) parseRow(f [][]byte, line int, r *row, x *rowExtra) *ParseError {
	if len(f) <= c.maxIdx {
		missing := c.cust
		for _, col := range []column{c.tim, c.amt, c.qty, c.price, c.order, c.product, c.category, c.channel} {
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
		a, dec, ok := parseAmountDec(v)
		if !ok {
			return &ParseError{Line: line, Column: c.amt.name, Value: string(v), Err: ErrBadAmount}
		}
		if !num.Finite(a) {
			return &ParseError{Line: line, Column: c.amt.name, Value: string(v), Err: ErrNonFinite}
		}
		r.amount, r.dec = a, dec
	} else {
		qv, pv := trimSpace(f[c.qty.idx]), trimSpace(f[c.price.idx])
		v, dec, qok, pok := parseProductDec(qv, pv)
		if !qok {
			return &ParseError{Line: line, Column: c.qty.name, Value: string(qv), Err: ErrBadAmount}
		}
		if !pok {
			return &ParseError{Line: line, Column: c.price.name, Value: string(pv), Err: ErrBadAmount}
		}
		if !num.Finite(v) {
			return &ParseError{Line: line, Column: c.qty.name, Value: string(qv) + " x " + string(pv), Err: ErrNonFinite}
		}
		r.amount, r.dec = v, dec
		if c.extra {
			x.qty, _ = parseAmount(qv) // parseProduct accepted it
		}
	}
	if c.extra {
		x.product, x.category, x.channel = c.field(f, c.product), c.field(f, c.category), c.field(f, c.channel)
	}
	r.order = nil
	if c.order.idx >= 0 {
		r.order = trimSpace(f[c.order.idx])
	}
	return nil
}

// field returns the trimmed field of column col, nil when col is none.
func (c *parseConfig) field(f [][]byte, col column) []byte {
	if col.idx < 0 {
		return nil
	}
	return trimSpace(f[col.idx])
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

// parseTime parses a time field into Unix seconds and nanoseconds. Without
// a caller layout it recognises the layouts listed at ReadSettings.TimeLayout
// by their shape, parsing digits directly; anything else falls back to
// time.Parse with RFC 3339.
func (c *parseConfig) parseTime(b []byte) (sec int64, nsec int32, ok bool) {
	if c.layout != "" {
		t, err := time.ParseInLocation(c.layout, string(b), c.loc)
		if err != nil {
			return 0, 0, false
		}
		return t.Unix(), int32(t.Nanosecond()), true
	}
	n := len(b)
	var y, mo, d, h, mi, s int
	i := 0
	switch {
	case n == 8:
		var ok1, ok2, ok3 bool
		y, ok1 = digits(b[0:4])
		mo, ok2 = digits(b[4:6])
		d, ok3 = digits(b[6:8])
		if !(ok1 && ok2 && ok3) {
			return 0, 0, false
		}
		i = 8
	case n >= 10 && b[4] == '-' && b[7] == '-':
		var ok1, ok2, ok3 bool
		y, ok1 = digits(b[0:4])
		mo, ok2 = digits(b[5:7])
		d, ok3 = digits(b[8:10])
		if !(ok1 && ok2 && ok3) {
			return 0, 0, false
		}
		i = 10
		if n > 10 {
			if b[10] != ' ' && b[10] != 'T' || n < 16 || b[13] != ':' {
				return 0, 0, false
			}
			var ok4, ok5 bool
			h, ok4 = digits(b[11:13])
			mi, ok5 = digits(b[14:16])
			if !(ok4 && ok5) {
				return 0, 0, false
			}
			i = 16
			if i < n && b[i] == ':' {
				if n < 19 {
					return 0, 0, false
				}
				var ok6 bool
				if s, ok6 = digits(b[17:19]); !ok6 {
					return 0, 0, false
				}
				i = 19
				if i < n && (b[i] == '.' || b[i] == ',') {
					i++
					scale := int32(1e8)
					j := i
					for ; j < n && b[j] >= '0' && b[j] <= '9'; j++ {
						nsec += int32(b[j]-'0') * scale
						scale /= 10
					}
					if j == i || j-i > 9 {
						return 0, 0, false
					}
					i = j
				}
			}
		}
	default:
		t, err := time.Parse(time.RFC3339Nano, string(b))
		if err != nil {
			return 0, 0, false
		}
		return t.Unix(), int32(t.Nanosecond()), true
	}
	if mo < 1 || mo > 12 || d < 1 || d > civil.DaysIn(y, mo) || h > 23 || mi > 59 || s > 59 {
		return 0, 0, false
	}
	if i == n {
		if c.utc {
			return civil.Days(y, mo, d)*86400 + int64(h*3600+mi*60+s), nsec, true
		}
		t := time.Date(y, time.Month(mo), d, h, mi, s, int(nsec), c.loc)
		return t.Unix(), nsec, true
	}
	// A zone: Z or ±hh:mm or ±hhmm.
	off := 0
	switch z := b[i:]; {
	case len(z) == 1 && z[0] == 'Z':
	case (len(z) == 6 && z[3] == ':' || len(z) == 5) && (z[0] == '+' || z[0] == '-'):
		zh, ok1 := digits(z[1:3])
		zm, ok2 := digits(z[len(z)-2:])
		if !ok1 || !ok2 || zh > 23 || zm > 59 {
			return 0, 0, false
		}
		off = zh*3600 + zm*60
		if z[0] == '-' {
			off = -off
		}
	default:
		return 0, 0, false
	}
	return civil.Days(y, mo, d)*86400 + int64(h*3600+mi*60+s-off), nsec, true
}

// timeOf returns the time.Time of Unix (sec, nsec) in the reader's location.
func (c *parseConfig) timeOf(sec int64, nsec int32) time.Time {
	if c.utc {
		return time.Unix(sec, int64(nsec)).UTC()
	}
	return time.Unix(sec, int64(nsec)).In(c.loc)
}

// digits parses a short run of ASCII digits.
func digits(b []byte) (int, bool) {
	v := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseAmount parses a decimal number. Plain decimals of at most 15
// significant digits are converted exactly as an integer divided by a power
// of ten (both exact in float64, so the quotient is correctly rounded, as
// strconv would give); anything else goes to strconv.ParseFloat.
func parseAmount(b []byte) (float64, bool) {
	v, _, ok := parseAmountDec(b)
	return v, ok
}

// parseAmountDec is parseAmount that also returns the packed exact decimal
// of a plain decimal (see packDecimal), 0 for anything else.
func parseAmountDec(b []byte) (v float64, dec uint64, ok bool) {
	if m, frac, neg, ok := parseDecimal(b); ok {
		v := float64(m) / pow10[frac]
		if neg {
			v = -v
		}
		return v, packDecimal(m, frac), true
	}
	v, ok = parseFloatSlow(b)
	return v, 0, ok
}

// parseProduct parses quantity and unit price and returns their product.
// When both are plain decimals whose integer product stays below 2^53 the
// product is computed exactly and rounded once, so 6 x 2.55 is 15.3, not
// 15.299999999999999 as float64 multiplication gives.
func parseProduct(q, p []byte) (v float64, qok, pok bool) {
	v, _, qok, pok = parseProductDec(q, p)
	return v, qok, pok
}

// parseProductDec is parseProduct that also returns the packed exact
// decimal of an exact product (see packDecimal), 0 for none.
func parseProductDec(q, p []byte) (v float64, dec uint64, qok, pok bool) {
	mq, fq, nq, okq := parseDecimal(q)
	mp, fp, np, okp := parseDecimal(p)
	if okq && okp && fq+fp < len(pow10) && (mq == 0 || mp <= (1<<53)/mq) {
		v = float64(mq*mp) / pow10[fq+fp]
		if nq != np && v != 0 {
			v = -v
		}
		return v, packDecimal(mq*mp, fq+fp), true, true
	}
	x, qok := parseAmount(q)
	y, pok := parseAmount(p)
	return x * y, 0, qok, pok
}

// parseDecimal parses [+-]digits[.digits] with at most 15 significant
// digits into m / 10^frac; ok is false for anything else.
func parseDecimal(b []byte) (m uint64, frac int, neg, ok bool) {
	i, n := 0, len(b)
	if n > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		i++
	}
	nd := 0
	seenDot, any := false, false
	for ; i < n; i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '9':
			any = true
			if seenDot {
				frac++
			}
			if nd == 0 && c == '0' {
				continue
			}
			m = m*10 + uint64(c-'0')
			nd++
		case c == '.' && !seenDot:
			seenDot = true
		default:
			return 0, 0, false, false
		}
	}
	if !any || nd > 15 || frac >= len(pow10) {
		return 0, 0, false, false
	}
	return m, frac, neg, true
}

func parseFloatSlow(b []byte) (float64, bool) {
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return 0, false
	}
	return v, true
}
