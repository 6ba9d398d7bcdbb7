package cvm

import (
	"encoding/binary"
	"math/bits"

	"github.com/cvmkit/cvm/internal/civil"
)

// The fast row parser of the parallel reader, for the common shape of a
// transaction file: a delimiter other than Whitespace, no quote in the
// block, an amount column (not quantity x price), no extra columns and
// automatic time layouts. It splits a line and parses its time and amount
// in one pass, without building a slice of fields, and reads the layout
// "2006-01-02 15:04:05" (or with a T) in UTC, and the same followed by Z
// in any location, with straight-line code and a cache of months' first
// days; the usual columns (customer, time, amount, then at most one more)
// are read in straight lines, without the loop over the columns' roles.
// It accepts only rows the generic
// path (splitFields, then parseConfig.parseRow) turns into a good row,
// and gives the very same row; for anything else (too few fields, white
// space around an amount, an amount that is not a plain decimal of at
// most 15 significant digits, an empty customer, a bad time) it declines,
// and the generic path parses the line, errors and all. FuzzFastRow
// checks the two against each other.

// fastFields bounds the fields a fast row may need to split.
const fastFields = 16

// Roles of a column for the fast parser.
const (
	roleSkip = iota
	roleCust
	roleTime
	roleAmount
	roleOrder
)

// fastRow is a worker's fast parser: the config's columns as roles, and
// the month cache.
type fastRow struct {
	cfg   *parseConfig
	comma byte
	nf    int // fields to split, maxIdx+1
	roles [fastFields]uint8
	fixed bool // automatic layout: the fixed time layout is read inline (with Z, or in UTC)
	utc   bool
	std   bool // columns customer, time, amount, then at most one more (skipped or the order), the time in the fixed layout

	months [32]monthDays // by month (y*12 + m) mod 32: any 32 consecutive months at once
}

// monthDays is an entry of fastRow's month cache.
type monthDays struct {
	ym, day int64 // month key y*16+m, 0 for none, and Days(y, m, 1)
	n       int64 // days in the month
}

// newFastRow returns the fast parser for cfg, or nil when cfg's shape is
// not one it reads.
func (cfg *parseConfig) newFastRow() *fastRow {
	if cfg.comma == Whitespace || cfg.extra || cfg.amt.idx < 0 || cfg.maxIdx+1 > fastFields {
		return nil
	}
	p := &fastRow{cfg: cfg, comma: cfg.comma, nf: cfg.maxIdx + 1, fixed: cfg.layout == "", utc: cfg.utc}
	p.roles[cfg.cust.idx] = roleCust
	p.roles[cfg.tim.idx] = roleTime
	p.roles[cfg.amt.idx] = roleAmount
	if cfg.order.idx >= 0 {
		p.roles[cfg.order.idx] = roleOrder
	}
	if cfg.cust.idx == cfg.tim.idx || cfg.cust.idx == cfg.amt.idx || cfg.tim.idx == cfg.amt.idx ||
		cfg.order.idx >= 0 && (cfg.order.idx == cfg.cust.idx || cfg.order.idx == cfg.tim.idx || cfg.order.idx == cfg.amt.idx) {
		return nil // a column read twice: the generic path
	}
	p.std = p.fixed && cfg.cust.idx == 0 && cfg.tim.idx == 1 && cfg.amt.idx == 2 && p.nf <= 4
	return p
}

// parse parses line, a record of one line without its line end and
// without a quote, found on line num, into r; it reports false, leaving
// r to be overwritten, when the generic path must parse it.
func (p *fastRow) parse(line []byte, num int, r *row) bool {
	if p.std && p.parseStd(line, num, r) {
		return true
	}
	return p.parseAny(line, num, r)
}

// parseStd is parse for the usual columns (fastRow.std), in straight
// lines; it reports false, leaving r to be overwritten, for anything but
// the common row (a customer without surrounding space, the fixed time
// layout, a short plain amount), which parseAny then reads.
func (p *fastRow) parseStd(line []byte, num int, r *row) bool {
	n := len(line)
	e := p.scan(line, 0)
	if e == 0 || e == n || line[0] <= ' ' || line[e-1] <= ' ' {
		return false
	}
	sec, pos, ok := p.fixedAt(line, e+1)
	if !ok || pos == n || sec == zeroUnix {
		return false
	}
	amount, dec, j, ok := p.amountAt(line, pos+1)
	if !ok {
		return false
	}
	var order []byte
	if p.nf == 4 {
		if j == n {
			return false // too few fields
		}
		if p.cfg.order.idx == 3 {
			order = line[j+1 : p.scan(line, j+1)]
		}
	}
	r.cust, r.sec, r.nsec, r.line, r.amount, r.dec, r.hash = line[:e], sec, 0, int32(num), amount, dec, 0
	r.order = nil
	if p.cfg.order.idx >= 0 {
		r.order = trimSpace(order)
	}
	return true
}

// fixedAt reads the time field at line[pos:] in the fixed layout, in UTC
// or with a Z in any location, as far as the delimiter or the end of the
// line; it returns the Unix time and the field's end, ok false for any
// other field.
func (p *fastRow) fixedAt(line []byte, pos int) (sec int64, end int, ok bool) {
	n := len(line)
	if pos+19 > n {
		return 0, 0, false
	}
	end = pos + 19
	if end < n && line[end] == 'Z' {
		end++
	} else if !p.utc {
		return 0, 0, false
	}
	if end < n && line[end] != p.comma {
		return 0, 0, false
	}
	sec, ok = p.fixedTime(line[pos : pos+19])
	return sec, end, ok
}

// amountAt reads the amount field at line[pos:], [+-]digits[.digits] as
// far as the delimiter or the end of the line, of at most 19 digits (so
// that the digits cannot overflow) of which at most 15 significant (the
// digits below 10^15, since they are exactly the significant ones): the
// amount, its packed exact decimal and the field's end; ok is false for
// any other field.
func (p *fastRow) amountAt(line []byte, pos int) (amount float64, dec uint64, end int, ok bool) {
	n := len(line)
	i := pos
	neg := i < n && line[i] == '-'
	if neg || i < n && line[i] == '+' {
		i++
	}
	var m uint64
	j := i
	for ; j < n && line[j]-'0' <= 9; j++ {
		m = m*10 + uint64(line[j]-'0')
	}
	nd, frac := j-i, 0
	if j < n && line[j] == '.' {
		j++
		k := j
		for ; j < n && line[j]-'0' <= 9; j++ {
			m = m*10 + uint64(line[j]-'0')
		}
		frac = j - k
		nd += frac
	}
	if nd == 0 || nd > 19 || m >= 1e15 || j < n && line[j] != p.comma {
		return 0, 0, 0, false
	}
	amount = float64(m) / pow10[frac]
	if neg {
		amount = -amount
	}
	return amount, packDecimal(m, frac), j, true
}

// parseAny is parse for any column layout of the fast parser.
func (p *fastRow) parseAny(line []byte, num int, r *row) bool {
	n := len(line)
	pos := 0
	var cust, tim, order []byte
	var amount float64
	var dec uint64
	haveTime := false
	for k := 0; k < p.nf; k++ {
		if k > 0 {
			if pos >= n || line[pos] != p.comma {
				return false // too few fields
			}
			pos++
		}
		switch p.roles[k] {
		case roleAmount:
			var ok bool
			if amount, dec, pos, ok = p.amountAt(line, pos); !ok {
				return false
			}
		case roleTime:
			if p.fixed {
				if sec, end, ok := p.fixedAt(line, pos); ok {
					r.sec, r.nsec = sec, 0
					haveTime = true
					pos = end
					continue
				}
			}
			end := p.scan(line, pos)
			tim = line[pos:end]
			pos = end
		default:
			end := p.scan(line, pos)
			switch p.roles[k] {
			case roleCust:
				cust = line[pos:end]
			case roleOrder:
				order = line[pos:end]
			}
			pos = end
		}
	}
	if cust = trimSpace(cust); len(cust) == 0 {
		return false
	}
	if !haveTime {
		var ok bool
		if r.sec, r.nsec, ok = p.cfg.parseTime(trimSpace(tim)); !ok {
			return false
		}
	}
	if r.sec == zeroUnix && r.nsec == 0 {
		return false
	}
	r.cust, r.line, r.amount, r.dec, r.hash = cust, int32(num), amount, dec, 0
	r.order = nil
	if p.cfg.order.idx >= 0 {
		r.order = trimSpace(order)
	}
	return true
}

// scan returns the offset of the first delimiter in line at or after
// pos, or len(line): eight bytes at a time (a delimiter byte is a zero
// byte of the word xor the delimiter; the lowest flagged byte of the
// classic has-zero test is the first such byte).
func (p *fastRow) scan(line []byte, pos int) int {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	pat := lo * uint64(p.comma)
	for ; pos+8 <= len(line); pos += 8 {
		x := binary.LittleEndian.Uint64(line[pos:]) ^ pat
		if t := (x - lo) &^ x & hi; t != 0 {
			return pos + bits.TrailingZeros64(t)/8
		}
	}
	for ; pos < len(line); pos++ {
		if line[pos] == p.comma {
			return pos
		}
	}
	return pos
}

// fixedTime reads b, 19 bytes, as "2006-01-02 15:04:05" or
// "2006-01-02T15:04:05" in UTC as a Unix time, as parseTime would; ok is false for
// anything else, such as a date that does not exist.
//
// It reads the date and the clock as two 8-byte words (bytes 0-7 and
// 11-18) and checks their separators and digits a word at a time: a
// digit byte has high nibble 3 and stays below 0x3a plus 6, with no carry
// between bytes once the high nibbles are 3. Each pair of digits is then
// 10*first + second in one multiply of the word.
func (p *fastRow) fixedTime(b []byte) (sec int64, ok bool) {
	const (
		ones = 0x0101010101010101
		// "YYYY-MM-": digits in bytes 0-3, 5, 6; '-' in bytes 4, 7.
		dateDigits = 0x00ffff00ffffffff
		dateSeps   = 0xff0000ff00000000
		dateWant   = '-'<<56 | '-'<<32
		// "HH:MM:SS": digits in bytes 0, 1, 3, 4, 6, 7; ':' in 2, 5.
		clockDigits = 0xffff00ffff00ffff
		clockSeps   = 0x0000ff0000ff0000
		clockWant   = ':'<<40 | ':'<<16
	)
	_ = b[18]
	wd := binary.LittleEndian.Uint64(b[0:8])
	wc := binary.LittleEndian.Uint64(b[11:19])
	if wd&dateSeps != dateWant || wc&clockSeps != clockWant || b[10] != ' ' && b[10] != 'T' {
		return 0, false
	}
	if !digits8(wd, dateDigits) || !digits8(wc, clockDigits) {
		return 0, false
	}
	a0, a1 := b[8]-'0', b[9]-'0'
	if a0 > 9 || a1 > 9 {
		return 0, false
	}
	// Digits as values 0-9, separators as 0; then byte i of t is
	// 10*digit(i) + digit(i+1), at most 99: no carries.
	dd := wd&dateDigits - 0x30*ones&dateDigits
	dc := wc&clockDigits - 0x30*ones&clockDigits
	td := dd*10 + dd>>8
	tc := dc*10 + dc>>8
	y := int(td&0xff)*100 + int(td>>16&0xff)
	mo, d := int(td>>40&0xff), int(a0)*10+int(a1)
	h, mi, s := int(tc&0xff), int(tc>>24&0xff), int(tc>>48&0xff)
	if mo < 1 || mo > 12 || h > 23 || mi > 59 || s > 59 {
		return 0, false
	}
	ym := int64(y)<<4 | int64(mo)
	c := &p.months[(y*12+mo)&(len(p.months)-1)]
	if c.ym != ym {
		*c = monthDays{ym, civil.Days(y, mo, 1), int64(civil.DaysIn(y, mo))}
	}
	if d < 1 || int64(d) > c.n {
		return 0, false
	}
	return (c.day+int64(d-1))*86400 + int64(h*3600+mi*60+s), true
}

// digits8 reports whether the bytes of w that mask selects (each 0 or
// 0xff) are ASCII digits.
func digits8(w, mask uint64) bool {
	const hi, six, three = 0xf0f0f0f0f0f0f0f0, 0x0606060606060606, 0x3030303030303030
	if w&hi&mask != three&mask {
		return false
	}
	// Selected bytes are 0x30-0x3f: adding 6 carries out of none of
	// them, and keeps the high nibble 3 exactly for 0x30-0x39.
	return (w+six&mask)&hi&mask == three&mask
}
