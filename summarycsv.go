package cvm

import (
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
	dst = strconv.AppendFloat(dst, s.Total, 'f', -1, 64)
	dst = append(dst, ',')
	dst = strconv.AppendFloat(dst, s.Returns, 'f', -1, 64)
	dst = append(dst, ',')
	dst = strconv.AppendFloat(dst, s.Mean(), 'f', -1, 64)
	return append(dst, '\n')
}
