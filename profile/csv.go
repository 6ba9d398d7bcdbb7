package profile

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/cvmkit/cvm/internal/civil"
	"github.com/cvmkit/cvm/internal/csvout"
)

// CSVHeader is the header line of the customer file as CSV, the columns
// of the rows [AppendCSV] writes (without the line end). It is the
// header "cvm profile" writes.
const CSVHeader = "customer,first,last,occasions,net,returns,units,products,categories," +
	"recency_days,r,f,m,rfm_segment,cluster,p_alive,expected_purchases,expected_spend,clv," +
	"current_value,potential_value,total_value,quadrant,tier,reasons,stage,stage_since,last_transition,pattern,flags"

// AppendCSV appends p's row of the customer file as CSV, in the columns
// of [CSVHeader], line end ("\n") included, and returns the extended
// buffer: the row "cvm profile" writes. Fields are quoted by
// encoding/csv's rules. Numbers are rounded to at most 15 significant
// digits and written in plain decimal (no exponent), empty for NaN; times
// are UTC as 2006-01-02 15:04:05, empty when zero; the transition's date
// as 2006-01-02. A customer without occasions has empty recency and RFM
// cell; a profile without a cluster (0) an empty cluster; one without a
// CLV forecast (CLV.OK false) empty CLV columns; reasons are joined by
// "|"; last_transition is "from->to by rule on date", empty when the
// state did not change. Rows of one file can be appended in parallel
// into separate buffers and concatenated in order.
func AppendCSV(dst []byte, p *Profile) []byte {
	s := &p.Summary
	num := func(x float64) { dst = appendNum(append(dst, ','), x) }
	str := func(s string) { dst = csvout.AppendField(append(dst, ','), s) }
	integer := func(n int) { dst = strconv.AppendInt(append(dst, ','), int64(n), 10) }
	stamp := func(t time.Time) {
		dst = append(dst, ',')
		if !t.IsZero() {
			dst = appendStamp(dst, t, true)
		}
	}
	dst = csvout.AppendField(dst, p.Customer)
	stamp(s.First)
	stamp(s.Last)
	integer(s.Occasions)
	num(s.Total)
	num(s.Returns)
	num(p.Units)
	integer(len(p.Products))
	integer(len(p.Categories))
	if s.Occasions > 0 {
		num(p.RFM.Recency)
		integer(p.Cell.R)
		integer(p.Cell.F)
		integer(p.Cell.M)
	} else {
		dst = append(dst, ",,,,"...)
	}
	str(p.Segment)
	dst = append(dst, ',')
	if p.Cluster > 0 {
		dst = strconv.AppendInt(dst, int64(p.Cluster), 10)
	}
	if p.CLV.OK {
		num(p.CLV.PAlive)
		num(p.CLV.ExpectedPurchases)
		num(p.CLV.ExpectedSpend)
		num(p.CLV.Value)
	} else {
		dst = append(dst, ",,,,"...)
	}
	num(p.Value.Current)
	num(p.Value.Potential)
	num(p.Value.Total)
	str(p.Value.Quadrant.String())
	integer(int(p.Value.Tier))
	str(strings.Join(p.Reasons, "|"))
	str(p.Stage().String())
	stamp(p.Lifecycle.Since())
	dst = append(dst, ',')
	if tr := p.Transition; tr.Changed() {
		dst = append(dst, tr.From.String()...)
		dst = append(dst, "->"...)
		dst = append(dst, tr.To.String()...)
		dst = append(dst, " by "...)
		dst = append(dst, tr.Rule.String()...)
		dst = append(dst, " on "...)
		dst = appendStamp(dst, tr.At(), false)
	}
	str(p.Pattern.String())
	str(p.Flags.String())
	return append(dst, '\n')
}

// appendStamp appends t in UTC as time.DateTime (2006-01-02 15:04:05), or
// as time.DateOnly without clock, the bytes of t.UTC().AppendFormat:
// directly for the years 0 to 9999, through AppendFormat otherwise.
func appendStamp(dst []byte, t time.Time, clock bool) []byte {
	sec := t.Unix()
	day := civil.UnixDay(sec)
	y, m, d := civil.Date(day)
	if y < 0 || y > 9999 {
		if clock {
			return t.UTC().AppendFormat(dst, time.DateTime)
		}
		return t.UTC().AppendFormat(dst, time.DateOnly)
	}
	two := func(v int) { dst = append(dst, byte('0'+v/10), byte('0'+v%10)) }
	two(y / 100)
	two(y % 100)
	dst = append(dst, '-')
	two(m)
	dst = append(dst, '-')
	two(d)
	if clock {
		s := int(sec - day*86400)
		dst = append(dst, ' ')
		two(s / 3600)
		dst = append(dst, ':')
		two(s / 60 % 60)
		dst = append(dst, ':')
		two(s % 60)
	}
	return dst
}

// appendNum appends x rounded to at most 15 significant digits in plain
// decimal notation (no exponent), the shortest digits that give the
// rounded value back; nothing for NaN. It is
// strconv.AppendFloat(dst, r, 'f', -1, 64) of r, the value of
// strconv.FormatFloat(x, 'g', 15, 64), with one conversion instead of two
// and a parse: a decimal of at most 15 significant digits converts to a
// float64 and back unchanged (DBL_DIG), so r's shortest digits are the 15
// digits without their trailing zeros. Outside the normal range (and for
// Inf) it takes the long way; zero and whole numbers below 10^15 (days,
// counts, figures without cents), which the 15 digits hold exactly, take
// a short one.
func appendNum(dst []byte, x float64) []byte {
	if math.IsNaN(x) {
		return dst
	}
	if x == 0 {
		if math.Signbit(x) {
			return append(dst, "-0"...)
		}
		return append(dst, '0')
	}
	if math.Abs(x) < 1e15 && x == math.Trunc(x) {
		return strconv.AppendInt(dst, int64(x), 10)
	}
	if a := math.Abs(x); x != 0 && !(a >= 1e-300 && a <= 1e300) {
		var tmp [32]byte
		v, _ := strconv.ParseFloat(string(strconv.AppendFloat(tmp[:0], x, 'g', 15, 64)), 64)
		return strconv.AppendFloat(dst, v, 'f', -1, 64)
	}
	var tmp [32]byte
	b := strconv.AppendFloat(tmp[:0], x, 'e', 14, 64) // [-]d.dddddddddddddde±dd[d]
	if b[0] == '-' {
		dst = append(dst, '-')
		b = b[1:]
	}
	var d [15]byte
	d[0] = b[0]
	copy(d[1:], b[2:16])
	exp := 0
	for _, c := range b[18:] {
		exp = exp*10 + int(c-'0')
	}
	if b[17] == '-' {
		exp = -exp
	}
	n := 15
	for n > 1 && d[n-1] == '0' {
		n--
	}
	if n == 1 && d[0] == '0' {
		return append(dst, '0')
	}
	if exp < 0 {
		dst = append(dst, '0', '.')
		for range -exp - 1 {
			dst = append(dst, '0')
		}
		return append(dst, d[:n]...)
	}
	if n <= exp+1 {
		dst = append(dst, d[:n]...)
		for range exp + 1 - n {
			dst = append(dst, '0')
		}
		return dst
	}
	dst = append(dst, d[:exp+1]...)
	dst = append(dst, '.')
	return append(dst, d[exp+1:n]...)
}
