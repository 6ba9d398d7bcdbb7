package cvmbeam

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/cvmkit/cvm"
)

func init() {
	beam.RegisterType(reflect.TypeOf((*Summary)(nil)).Elem())
	register.DoFn5x1[context.Context, string, func(*Row) bool, Cut, func(Summary), error](&summarizeFn{})
	register.Iter1[Row]()
	register.Emitter1[Summary]()
	register.Function1x1(summaryLine)
}

// Summary is a cvm.Summary as a pipeline element: times as Unix seconds
// and nanoseconds (UTC), a zero First and Last (no purchase) as 0, 0 with
// Bought false.
type Summary struct {
	Customer          string
	Bought            bool
	FirstSec, LastSec int64
	FirstNs, LastNs   int32
	Occasions         int
	Transactions      int
	Total, Returns    float64
}

func fromSummary(s cvm.Summary) Summary {
	out := Summary{Customer: s.Customer, Occasions: s.Occasions, Transactions: s.Transactions, Total: s.Total, Returns: s.Returns}
	if !s.First.IsZero() {
		out.Bought = true
		out.FirstSec, out.FirstNs = s.First.Unix(), int32(s.First.Nanosecond())
		out.LastSec, out.LastNs = s.Last.Unix(), int32(s.Last.Nanosecond())
	}
	return out
}

// Cvm returns the summary as a cvm.Summary (times in UTC).
func (s Summary) Cvm() cvm.Summary {
	out := cvm.Summary{Customer: s.Customer, Occasions: s.Occasions, Transactions: s.Transactions, Total: s.Total, Returns: s.Returns}
	if s.Bought {
		out.First = time.Unix(s.FirstSec, int64(s.FirstNs)).UTC()
		out.Last = time.Unix(s.LastSec, int64(s.LastNs)).UTC()
	}
	return out
}

// summarizeFn summarizes one customer's grouped transactions with
// cvm.Summarize, in input order and cut at the as-of: the customer's
// summary as the single-machine Summarize computes it, bit for bit, since
// its figures depend only on the customer's own transactions in stream
// order. A customer whose transactions are all after the as-of gives none.
type summarizeFn struct{}

// ProcessElement emits the summary of customer id, whose rows rows
// yields, cut at the as-of of cut.
func (f *summarizeFn) ProcessElement(ctx context.Context, id string, rows func(*Row) bool, cut Cut, emit func(Summary)) error {
	txs := gather(id, rows, nil)
	sums, err := cvm.Summarize(ctx, slices.Values(txs), &cvm.SummarySettings{AsOf: cut.AsOf()})
	if errors.Is(err, cvm.ErrEmptyInput) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, s := range sums {
		emit(fromSummary(s))
	}
	return nil
}

// Summaries groups the transactions by customer and summarizes each
// customer (cvm.Summarize, occasions by UTC day, cut at the as-of), in
// parallel over customers; the result is a PCollection of Summary, one a
// customer with a transaction on or before the as-of.
func Summaries(s beam.Scope, tx Transactions) beam.PCollection {
	s = s.Scope("cvm.Summaries")
	grouped := beam.GroupByKey(s, tx.Rows)
	return beam.ParDo(s, &summarizeFn{}, grouped, beam.SideInput{Input: tx.Cut})
}

// summaryLine formats s as a line of cvm summary's CSV
// (cvm.AppendSummaryCSV, without the line end), keyed by customer for the
// sorted write.
func summaryLine(s Summary) Line {
	c := s.Cvm()
	b := cvm.AppendSummaryCSV(nil, &c)
	return Line{Key: c.Customer, Text: string(b[:len(b)-1])}
}

// SummaryCSV formats the summaries as cvm summary's CSV lines and writes
// them, sorted by customer, to one file at path (see WriteSorted).
func SummaryCSV(s beam.Scope, sums beam.PCollection, path string) {
	s = s.Scope("cvm.SummaryCSV")
	WriteSorted(s, path, cvm.SummaryCSVHeader, beam.ParDo(s, summaryLine, sums))
}
