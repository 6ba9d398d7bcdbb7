package cvm

import (
	"math"
	"math/bits"
	"strconv"
)

// Exact money. Summaries add amounts as decimals, exactly, and round once
// at the end, so that a customer's Total depends on the amounts only,
// never on their order or on how the rows were partitioned.
//
// The exact value of an amount is the shortest decimal that converts back
// to the same float64 (strconv.FormatFloat(a, 'e', -1, 64)): 0.1 is one
// tenth, not 0.1000000000000000055511151231257827. The CSV reader's plain
// decimals of at most 15 significant digits are those decimals as written
// (15 digits always round-trip), so the reader hands them on without
// converting through float64.
//
// A decimal is held as an unsigned magnitude m in units of 10^-s, with s
// the smallest scale >= 0 at which the amount is a whole number of units:
// 262.19 is (26219, 2), 1200 is (1200, 0). A customer's purchases and
// returns are two such magnitudes at a common scale, the largest scale
// among its amounts; both sums only grow, so whether they exceed 2^127
// units (ErrOverflow) depends on the amounts, not on their order.

// u128 is an unsigned 128-bit integer.
type u128 struct{ hi, lo uint64 }

// exactHiMax bounds the magnitudes: below 2^127 units, so that the
// difference of two of them fits a signed 128-bit integer.
const exactHiMax = 1 << 63

// add returns x + y, or false when the sum reaches 2^127.
func (x u128) add(y u128) (u128, bool) {
	lo, c := bits.Add64(x.lo, y.lo, 0)
	hi, c2 := bits.Add64(x.hi, y.hi, c)
	if c2 != 0 || hi >= exactHiMax {
		return u128{}, false
	}
	return u128{hi, lo}, true
}

// sub returns x - y for x >= y.
func (x u128) sub(y u128) u128 {
	lo, b := bits.Sub64(x.lo, y.lo, 0)
	hi, _ := bits.Sub64(x.hi, y.hi, b)
	return u128{hi, lo}
}

// less reports whether x < y.
func (x u128) less(y u128) bool { return x.hi < y.hi || x.hi == y.hi && x.lo < y.lo }

// mul64 returns x * y, or false when the product reaches 2^127.
func (x u128) mul64(y uint64) (u128, bool) {
	hh, hl := bits.Mul64(x.hi, y)
	lh, ll := bits.Mul64(x.lo, y)
	hi, c := bits.Add64(hl, lh, 0)
	if hh != 0 || c != 0 || hi >= exactHiMax {
		return u128{}, false
	}
	return u128{hi, ll}, true
}

// pow10u are the powers of ten that fit a uint64.
var pow10u = [...]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}

// scale returns x * 10^k, or false when that reaches 2^127. Zero scales
// to zero whatever k.
func (x u128) scale(k int) (u128, bool) {
	if x == (u128{}) {
		return x, true
	}
	for k > 0 {
		step := min(k, len(pow10u)-1)
		var ok bool
		if x, ok = x.mul64(pow10u[step]); !ok {
			return u128{}, false
		}
		k -= step
	}
	return x, true
}

// appendDecimal appends the decimal digits of x.
func (x u128) appendDecimal(dst []byte) []byte {
	var buf [40]byte
	i := len(buf)
	for x.hi != 0 {
		// x = q * 1e19 + r.
		qh, rh := x.hi/1e19, x.hi%1e19
		ql, r := bits.Div64(rh, x.lo, 1e19)
		x = u128{qh, ql}
		for range 19 {
			i--
			buf[i] = byte('0' + r%10)
			r /= 10
		}
	}
	for v := x.lo; ; {
		i--
		buf[i] = byte('0' + v%10)
		if v /= 10; v == 0 {
			break
		}
	}
	return append(dst, buf[i:]...)
}

// float returns the float64 nearest to x * 10^-s (ties to even), the
// correctly rounded value: a single IEEE division when x and 10^s are
// both exact float64s, and strconv.ParseFloat of the decimal otherwise.
func (x u128) float(s int) float64 {
	if x.hi == 0 && x.lo < 1<<53 && s < len(pow10) {
		return float64(x.lo) / pow10[s]
	}
	var buf [64]byte
	b := x.appendDecimal(buf[:0])
	b = append(b, 'e', '-')
	b = strconv.AppendInt(b, int64(s), 10)
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil && v == 0 {
		// Not reached: the digits are well formed, and ParseFloat
		// reports underflow as a zero with no error.
		panic("cvm: " + err.Error())
	}
	return v
}

// signedFloat returns the correctly rounded float64 of (p - r) * 10^-s,
// +0 for zero.
func signedFloat(p, r u128, s int) float64 {
	if r.less(p) {
		return p.sub(r).float(s)
	}
	if v := r.sub(p).float(s); v != 0 {
		return -v
	}
	return 0
}

// Packed exact decimals, as the CSV reader hands them to the summaries:
// decValid | s<<decScaleShift | m, for m < 2^55 and s < 256. Zero means
// none: the summary converts the float64 amount.
const (
	decValid      = 1 << 63
	decScaleShift = 55
	decMantMask   = 1<<decScaleShift - 1
)

// packDecimal returns the packed exact decimal of the magnitude m * 10^-frac
// (m < 2^55), with trailing zeros of the fraction dropped so that the
// scale is the smallest (as decimalOf gives), or 0 when m has 16 or more
// significant digits: such a decimal may not be the one its float64
// converts back to, and the summaries must agree with Summarize on the
// Transactions the reader gives.
func packDecimal(m uint64, frac int) uint64 {
	for frac > 0 && m%10 == 0 {
		m /= 10
		frac--
	}
	if m >= 1e15 {
		return 0
	}
	return decValid | uint64(frac)<<decScaleShift | m
}

// decimalOf returns the magnitude of the exact value of amount a: the
// shortest decimal that converts back to a, as (m, s), m units of 10^-s at
// the smallest scale s >= 0; ok is false when m would reach 2^127. Plain
// amounts with up to 9 decimal places take a few float64 operations; the
// rest go through strconv.
func decimalOf(a float64) (m u128, s int, ok bool) {
	a = math.Abs(a)
	// At scale s, the s-place decimal nearest to a is round(a*10^s)/10^s,
	// and it converts back to a exactly when the float64 quotient (both
	// operands exact) equals a. While a*10^s < 2^50, a's rounding interval
	// holds at most one s-place decimal, and the float64 product is off by
	// under a quarter unit, so rounding it (x + 0.5 truncated: off at most
	// at a tie, where no candidate converts back anyway) finds it: the first
	// scale that works gives the shortest decimal.
	//
	// Scale 2 is tried first: an amount of at most 2 places is a 2-place
	// decimal, whose trailing zeros then give its smallest scale; and when
	// no 2-place decimal converts back, no 0- or 1-place one does either.
	if x := a * 100; x < 1<<50 {
		if r := float64(uint64(x + 0.5)); r/100 == a {
			m := uint64(r)
			switch {
			case m%100 == 0:
				return u128{0, m / 100}, 0, true
			case m%10 == 0:
				return u128{0, m / 10}, 1, true
			}
			return u128{0, m}, 2, true
		}
	}
	for s := 3; s <= 9; s++ {
		x := a * pow10[s]
		if x >= 1<<50 {
			break
		}
		r := float64(uint64(x + 0.5))
		if r/pow10[s] == a {
			return u128{0, uint64(r)}, s, true
		}
	}
	return decimalSlow(a)
}

// decimalSlow is decimalOf through strconv's shortest formatting.
func decimalSlow(a float64) (m u128, s int, ok bool) {
	var buf [32]byte
	b := strconv.AppendFloat(buf[:0], a, 'e', -1, 64) // d[.ddd]e±XX
	var d uint64
	n := 0
	i := 0
	for ; i < len(b) && b[i] != 'e'; i++ {
		if b[i] != '.' {
			d = d*10 + uint64(b[i]-'0')
			n++
		}
	}
	exp, err := strconv.Atoi(string(b[i+1:]))
	if err != nil {
		panic("cvm: " + err.Error()) // not reached: strconv's own format
	}
	// a = d * 10^(exp-n+1).
	if e := exp - n + 1; e < 0 {
		return u128{0, d}, -e, true
	}
	m, ok = u128{0, d}.scale(exp - n + 1)
	return m, 0, ok
}
