package cvmparquet

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"
)

// kind is how a column's values are read, derived from its physical and
// logical (or legacy converted) type.
type kind int

const (
	kString    kind = iota // BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY, not DECIMAL
	kInt                   // INT32 or INT64 without a time annotation
	kFloat                 // FLOAT
	kDouble                // DOUBLE
	kDecimal               // DECIMAL on INT32, INT64, BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY
	kTimestamp             // INT64 TIMESTAMP(MILLIS|MICROS|NANOS)
	kDate                  // INT32 DATE
	kInt96                 // legacy INT96 timestamp (Impala, Hive, older Spark)
)

// role is what a mapped column holds.
type role int

const (
	rCustomer role = iota
	rTime
	rAmount
	rQuantity
	rPrice
	rOrder
	rProduct
	rCategory
	rChannel
	nRoles
)

var roleNames = [nRoles]string{"customer", "time", "amount", "quantity", "price", "order", "product", "category", "channel"}

// colSpec is a mapped column: where it is and how to read it.
type colSpec struct {
	name     string // the column's name in the file
	leaf     int    // index of the leaf column in a row group
	optional bool
	kind     kind
	phys     parquet.Kind
	typ      string // the column's type, for messages
	scale    int    // DECIMAL scale
	perSec   int64  // TIMESTAMP units per second
	utc      bool   // TIMESTAMP isAdjustedToUTC (INT96 is taken as UTC)
}

// describe returns the column's type as Parquet tools print it.
func describe(el *format.SchemaElement) string {
	s := "?"
	if el.Type.Valid {
		s = el.Type.V.String()
	}
	if el.LogicalType.Value != nil {
		s += " " + el.LogicalType.String()
	} else if el.ConvertedType.Valid {
		s += fmt.Sprintf(" converted type %d", el.ConvertedType.V)
	}
	return s
}

// specOf derives how to read a leaf column from its schema element; r
// says which kinds are accepted.
func specOf(el *format.SchemaElement, leaf int, r role) (colSpec, error) {
	c := colSpec{name: el.Name, leaf: leaf, typ: describe(el)}
	if !el.Type.Valid {
		return c, fmt.Errorf("has no physical type")
	}
	c.optional = el.RepetitionType.Valid && el.RepetitionType.V == format.Optional
	if el.RepetitionType.Valid && el.RepetitionType.V == format.Repeated {
		return c, fmt.Errorf("is repeated; want a column with one value per row")
	}
	lt := el.LogicalType.Value
	ct := deprecated.ConvertedType(-1)
	if el.ConvertedType.Valid {
		ct = el.ConvertedType.V
	}
	decimal := func(scale int32) error {
		if scale < 0 || scale > 38 {
			return fmt.Errorf("has DECIMAL scale %d outside [0, 38]", scale)
		}
		c.kind, c.scale = kDecimal, int(scale)
		return nil
	}
	var err error
	switch p := el.Type.V; p {
	case format.Boolean:
		err = fmt.Errorf("is BOOLEAN")
	case format.Int32, format.Int64:
		c.phys = parquet.Int32
		if p == format.Int64 {
			c.phys = parquet.Int64
		}
		switch t := lt.(type) {
		case *format.DecimalType:
			err = decimal(t.Scale)
		case *format.DateType:
			c.kind = kDate
		case *format.TimestampType:
			c.kind, c.utc = kTimestamp, t.IsAdjustedToUTC
			switch t.Unit.Value.(type) {
			case *format.MilliSeconds:
				c.perSec = 1e3
			case *format.MicroSeconds:
				c.perSec = 1e6
			case *format.NanoSeconds:
				c.perSec = 1e9
			default:
				err = fmt.Errorf("has a TIMESTAMP of unknown unit")
			}
		case *format.TimeType:
			err = fmt.Errorf("is a TIME of day, not a timestamp")
		case nil:
			switch ct {
			case deprecated.Decimal:
				err = decimal(el.Scale.V)
			case deprecated.Date:
				c.kind = kDate
			case deprecated.TimestampMillis:
				c.kind, c.perSec, c.utc = kTimestamp, 1e3, true
			case deprecated.TimestampMicros:
				c.kind, c.perSec, c.utc = kTimestamp, 1e6, true
			case deprecated.TimeMillis, deprecated.TimeMicros:
				err = fmt.Errorf("is a TIME of day, not a timestamp")
			default:
				c.kind = kInt
			}
		default:
			c.kind = kInt
		}
		if c.kind == kTimestamp && c.phys != parquet.Int64 || c.kind == kDate && c.phys != parquet.Int32 {
			err = fmt.Errorf("has a time annotation on the wrong physical type")
		}
	case format.Int96:
		c.phys, c.kind = parquet.Int96, kInt96
	case format.Float:
		c.phys, c.kind = parquet.Float, kFloat
	case format.Double:
		c.phys, c.kind = parquet.Double, kDouble
	case format.ByteArray, format.FixedLenByteArray:
		c.phys = parquet.ByteArray
		if p == format.FixedLenByteArray {
			c.phys = parquet.FixedLenByteArray
		}
		switch t := lt.(type) {
		case *format.DecimalType:
			err = decimal(t.Scale)
		case nil:
			if ct == deprecated.Decimal {
				err = decimal(el.Scale.V)
			} else {
				c.kind = kString
			}
		default:
			c.kind = kString
		}
	default:
		err = fmt.Errorf("has unknown physical type %d", p)
	}
	if err != nil {
		return c, err
	}
	ok := false
	switch r {
	case rCustomer, rOrder, rProduct, rCategory, rChannel:
		ok = c.kind == kString || c.kind == kInt
	case rTime:
		ok = c.kind == kTimestamp || c.kind == kDate || c.kind == kInt96 || c.kind == kString
	case rAmount, rQuantity, rPrice:
		ok = c.kind == kInt || c.kind == kFloat || c.kind == kDouble || c.kind == kDecimal || c.kind == kString
	}
	if !ok {
		return c, fmt.Errorf("has type %s, which a %s column cannot be", c.typ, roleNames[r])
	}
	return c, nil
}

// str returns a string or integer ID column's value, trimmed of spaces
// and tabs as the CSV reader trims fields; last is reused when it
// matches. ok is false for a null.
func (c *colSpec) str(v parquet.Value, last string) (s string, ok bool) {
	if v.IsNull() {
		return "", false
	}
	if c.kind == kInt {
		n := v.Int64()
		if c.phys == parquet.Int32 {
			n = int64(v.Int32())
		}
		return strconv.FormatInt(n, 10), true
	}
	b := trimSpace(v.ByteArray())
	if string(b) == last {
		return last, true
	}
	return string(b), true
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// text returns a value as it is reported in errors.
func (c *colSpec) text(v parquet.Value) string {
	if v.IsNull() {
		return "null"
	}
	switch c.kind {
	case kString:
		b := v.ByteArray()
		if len(b) > 64 {
			b = b[:64]
		}
		return string(b)
	case kDecimal:
		m, ok := c.unscaled(v)
		if !ok {
			return "(decimal of more than 16 bytes)"
		}
		return decimalString(m, c.scale)
	}
	return v.String()
}

// unscaled returns a DECIMAL's unscaled value.
func (c *colSpec) unscaled(v parquet.Value) (*big.Int, bool) {
	switch c.phys {
	case parquet.Int32:
		return big.NewInt(int64(v.Int32())), true
	case parquet.Int64:
		return big.NewInt(v.Int64()), true
	}
	b := v.ByteArray()
	if len(b) > 16 { // DECIMAL(38) needs 16 bytes
		return nil, false
	}
	m := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 { // two's complement
		m.Sub(m, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return m, true
}

// decimalString formats m / 10^scale.
func decimalString(m *big.Int, scale int) string {
	s := new(big.Int).Abs(m).String()
	if scale > 0 {
		if len(s) <= scale {
			s = strings.Repeat("0", scale-len(s)+1) + s
		}
		s = s[:len(s)-scale] + "." + s[len(s)-scale:]
	}
	if m.Sign() < 0 {
		s = "-" + s
	}
	return s
}

var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// small returns a DECIMAL's unscaled value when it fits an int64.
func (c *colSpec) small(v parquet.Value) (int64, bool) {
	switch c.phys {
	case parquet.Int32:
		return int64(v.Int32()), true
	case parquet.Int64:
		return v.Int64(), true
	}
	b := v.ByteArray()
	if len(b) == 0 || len(b) > 8 {
		return 0, len(b) == 0
	}
	var buf [8]byte
	if b[0]&0x80 != 0 {
		buf = [8]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	}
	copy(buf[8-len(b):], b)
	return int64(binary.BigEndian.Uint64(buf[:])), true
}

// number returns a numeric column's value as a float64: the nearest
// float64 to a DECIMAL or an integer (as strconv.ParseFloat gives for its
// decimal text, and so as the CSV reader gives), a FLOAT widened exactly,
// a string parsed as the CSV reader parses it. ok is false for a null or
// a string that is not a number.
func (c *colSpec) number(v parquet.Value) (float64, bool) {
	if v.IsNull() {
		return 0, false
	}
	switch c.kind {
	case kDouble:
		return v.Double(), true
	case kFloat:
		return float64(v.Float()), true
	case kInt:
		if c.phys == parquet.Int32 {
			return float64(v.Int32()), true
		}
		return float64(v.Int64()), true
	case kDecimal:
		if m, ok := c.small(v); ok && c.scale < len(pow10) && m > -(1<<53) && m < 1<<53 {
			return float64(m) / pow10[c.scale], true
		}
		m, ok := c.unscaled(v)
		if !ok {
			return 0, false
		}
		f, err := strconv.ParseFloat(decimalString(m, c.scale), 64)
		return f, err == nil || math.IsInf(f, 0)
	case kString:
		s := trimSpace(v.ByteArray())
		if m, frac, neg, ok := parseDecimal(s); ok {
			f := float64(m) / pow10[frac]
			if neg {
				f = -f
			}
			return f, true
		}
		f, err := strconv.ParseFloat(string(s), 64)
		return f, err == nil
	}
	return 0, false
}

// dec returns a numeric value as m / 10^frac, as the CSV reader's
// parseDecimal reads the value's decimal text: a DECIMAL as its unscaled
// value and scale, an integer with scale 0, a FLOAT or DOUBLE as its
// shortest decimal form, a string as written. ok is false when that text
// has more than 15 significant digits or is not a plain decimal.
func (c *colSpec) dec(v parquet.Value) (m uint64, frac int, neg, ok bool) {
	if v.IsNull() {
		return 0, 0, false, false
	}
	var buf [40]byte
	var b []byte
	switch c.kind {
	case kString:
		b = trimSpace(v.ByteArray())
	case kDouble:
		b = strconv.AppendFloat(buf[:0], v.Double(), 'f', -1, 64)
	case kFloat:
		b = strconv.AppendFloat(buf[:0], float64(v.Float()), 'f', -1, 64)
	case kInt:
		n := v.Int64()
		if c.phys == parquet.Int32 {
			n = int64(v.Int32())
		}
		b = strconv.AppendInt(buf[:0], n, 10)
	case kDecimal:
		u, ok := c.unscaled(v)
		if !ok {
			return 0, 0, false, false
		}
		b = []byte(decimalString(u, c.scale))
	}
	return parseDecimal(b)
}

// parseDecimal parses [+-]digits[.digits] with at most 15 significant
// digits into m / 10^frac; ok is false for anything else. It is the CSV
// reader's rule (cvm's parse.go), so that quantity x price is computed
// the same way from either source.
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

// product returns quantity x price as the CSV reader computes it: exactly
// and rounded once when both are decimals of at most 15 significant
// digits whose integer product stays below 2^53, else the float64
// product. qok and pok are false for a quantity or price that is null or
// not a number.
func product(q, p *colSpec, qv, pv parquet.Value) (v float64, qok, pok bool) {
	mq, fq, nq, okq := q.dec(qv)
	mp, fp, np, okp := p.dec(pv)
	if okq && okp && fq+fp < len(pow10) && (mq == 0 || mp <= (1<<53)/mq) {
		v = float64(mq*mp) / pow10[fq+fp]
		if nq != np && v != 0 {
			v = -v
		}
		return v, true, true
	}
	x, qok := q.number(qv)
	y, pok := p.number(pv)
	return x * y, qok, pok
}

// timeLayouts are tried, in order, for a string time column when
// ReadSettings.TimeLayout is empty: the CSV reader's automatic layouts.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04Z07:00",
	"2006-01-02T15:04Z07:00",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
	"20060102",
}

// unixDay is the Julian day number of 1970-01-01, for INT96 timestamps.
const unixDay = 2440588

// instant returns a time column's value as Unix seconds and nanoseconds.
// Times without a zone (TIMESTAMP with isAdjustedToUTC false, DATE,
// strings without an offset) are wall-clock times in loc. ok is false for
// a null or a string in no known layout.
func (c *colSpec) instant(v parquet.Value, layout string, loc *time.Location) (sec int64, nsec int32, ok bool) {
	if v.IsNull() {
		return 0, 0, false
	}
	local := false
	switch c.kind {
	case kTimestamp:
		n := v.Int64()
		var rem int64
		sec, rem = n/c.perSec, n%c.perSec
		if rem < 0 {
			sec, rem = sec-1, rem+c.perSec
		}
		nsec, local = int32(rem*(1e9/c.perSec)), !c.utc
	case kDate:
		sec, local = int64(v.Int32())*86400, true
	case kInt96:
		x := v.Int96()
		ns := int64(uint64(x[1])<<32 | uint64(x[0]))
		if ns < 0 || ns >= 86400e9 {
			return 0, 0, false
		}
		sec, nsec = (int64(x[2])-unixDay)*86400+ns/1e9, int32(ns%1e9)
	case kString:
		s := string(trimSpace(v.ByteArray()))
		if layout != "" {
			t, err := time.ParseInLocation(layout, s, loc)
			return t.Unix(), int32(t.Nanosecond()), err == nil
		}
		for _, l := range timeLayouts {
			if t, err := time.ParseInLocation(l, s, loc); err == nil {
				return t.Unix(), int32(t.Nanosecond()), true
			}
		}
		return 0, 0, false
	}
	if local && loc != time.UTC {
		t := time.Unix(sec, int64(nsec)).UTC()
		y, mo, d := t.Date()
		h, mi, s := t.Clock()
		sec = time.Date(y, mo, d, h, mi, s, int(nsec), loc).Unix()
	}
	return sec, nsec, true
}
