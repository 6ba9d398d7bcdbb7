package cvm

import (
	"math"
	"strconv"

	"github.com/cvmkit/cvm/internal/csvout"
)

// SummaryCSVHeader is the header line of the summary CSV (without the line
// end), the columns of the rows [AppendSummaryCSV] writes. It is the header
// "cvm summary" writes.
const SummaryCSVHeader = "customer,first,last,occasions,transactions,total,returns,mean"

// AppendSummaryCSV appends s as a row of the summary CSV, in the columns of
// [SummaryCSVHeader], line end ("\n") included, and returns the extended
// buffer: the row "cvm summary" writes. The customer is quoted by
// encoding/csv's rules; first and last are RFC 3339 (time.RFC3339Nano,
// fractional seconds when there are any), empty for the zero time (a
// customer with only returns); total, returns and [Summary.Mean] are the
// shortest decimals that convert back to the same float64, in plain
// decimal notation (no exponent). Rows of one file can be appended in
// parallel into separate buffers and concatenated in order.
func AppendSummaryCSV(dst []byte, s *Summary) []byte {
	dst = csvout.AppendField(dst, s.Customer)
	dst = append(dst, ',')
	dst = csvout.AppendTime(dst, s.First)
	dst = append(dst, ',')
	dst = csvout.AppendTime(dst, s.Last)
	dst = append(dst, ',')
	dst = strconv.AppendInt(dst, int64(s.Occasions), 10)
	dst = append(dst, ',')
	dst = strconv.AppendInt(dst, int64(s.Transactions), 10)
	dst = append(dst, ',')
	dst = appendShortest(dst, s.Total)
	dst = append(dst, ',')
	dst = appendShortest(dst, s.Returns)
	dst = append(dst, ',')
	dst = appendShortest(dst, s.Mean())
	return append(dst, '\n')
}

// appendShortest appends v as strconv.AppendFloat(dst, v, 'f', -1, 64)
// does, faster for a whole number of hundredths n/100 with |n| < 10^15,
// as most money figures are: when float64(n)/100 is v, the decimal n/100
// converts to v, and it is the only decimal of at most 15 significant
// digits that does (such decimals lie at least 10^-15 of their size
// apart, farther than a float64's rounding interval of 2^-52), so it is
// the shortest one, the digits strconv writes.
func appendShortest(dst []byte, v float64) []byte {
	if v == 0 { // most customers' returns
		if math.Signbit(v) {
			return append(dst, '-', '0')
		}
		return append(dst, '0')
	}
	if math.Abs(v) >= 1e13 {
		return strconv.AppendFloat(dst, v, 'f', -1, 64)
	}
	n := math.Round(v * 100)
	if n/100 != v {
		return strconv.AppendFloat(dst, v, 'f', -1, 64)
	}
	u := int64(n)
	if u < 0 {
		dst = append(dst, '-')
		u = -u
	}
	dst = strconv.AppendInt(dst, u/100, 10)
	switch c := u % 100; {
	case c == 0:
	case c%10 == 0:
		dst = append(dst, '.', byte('0'+c/10))
	default:
		dst = append(dst, '.', byte('0'+c/10), byte('0'+c%10))
	}
	return dst
}
