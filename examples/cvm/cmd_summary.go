package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/examples/internal/input"
	"github.com/cvmkit/cvm/internal/csvout"
	"github.com/cvmkit/cvm/internal/parallel"
)

func runSummary(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("summary", "-in FILE [-as-of DATE] [-out FILE] [-json] [-occasions day|order] [input flags]",
		"cvm summary -in /tmp/tx.csv -as-of 2025-12-31 -out /tmp/summary.csv", stderr)
	in := fs.String("in", "", "transactions CSV file (gzip allowed); - for standard input")
	asOf := fs.String("as-of", "", "ignore transactions after this time; a date alone means the end of that day (UTC); "+input.AsOfDefault)
	out := fs.String("out", "-", "output file; - for standard output")
	asJSON := fs.Bool("json", false, "write JSON instead of CSV")
	occasions := fs.String("occasions", "day", "what counts as one purchase occasion: day or order")
	inf := addInputFlags(fs)
	if done, err := parseFlags(fs, args); done {
		return err
	}
	opts := &cvm.SummarySettings{}
	switch *occasions {
	case "day":
		opts.Occasions = cvm.ByDay
		inf.OrderOnlyForReport() // occasions are days: the summaries use no order IDs
	case "order":
		opts.Occasions = cvm.ByOrder
	default:
		return usagef("-occasions %q: want day or order", *occasions)
	}
	if *asOf != "" {
		t, err := parseAsOf(*asOf)
		if err != nil {
			return usagef("-as-of %q: %v", *asOf, err)
		}
		opts.AsOf = t
	}
	if *in == "" {
		return usagef("-in is required")
	}
	// The summaries are written as they are made: the file is replaced
	// only once the input is read whole and every summary written.
	n := 0
	err := input.CreateFile(*out, stdout, func(w io.Writer) error {
		sw := newSummaryWriter(w, *asJSON)
		_, _, err := inf.SummarizeEach(*in, "summary", opts, stderr, sw.write)
		// A write error stopped the summaries (errWriting): close
		// returns it, naming the output.
		if cerr := sw.close(); err == nil || errors.Is(err, errWriting) {
			err = cerr
		}
		n = sw.n
		return err
	})
	if err == nil && !inf.Quiet {
		fmt.Fprintf(stderr, "%d customers\n", n)
	}
	return err
}

// parseAsOf parses an as-of time: RFC 3339, "2006-01-02 15:04:05", or a date
// alone, meaning the last instant of that day in UTC.
func parseAsOf(s string) (time.Time, error) {
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t.AddDate(0, 0, 1).Add(-time.Nanosecond), nil
	}
	if t, err := time.Parse(time.DateTime, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("want 2006-01-02, 2006-01-02 15:04:05 or RFC 3339")
	}
	return t, nil
}

// writeSummariesCSV writes one line per customer (cvm.SummaryCSVHeader,
// cvm.AppendSummaryCSV).
func writeSummariesCSV(w io.Writer, sums []cvm.Summary) error {
	sw := newSummaryWriter(w, false)
	sw.write(sums)
	return sw.close()
}

// summaryWriter writes summaries batch by batch, as CSV (a header, then
// one line per customer) or as a JSON array of objects with the CSV's
// fields (a customer with only returns has null first and last
// purchases).
type summaryWriter struct {
	bw     *bufio.Writer
	fw     *parallel.OrderedWriter
	asJSON bool
	n      int // summaries written
}

// newSummaryWriter starts the file on w.
func newSummaryWriter(w io.Writer, asJSON bool) *summaryWriter {
	sw := &summaryWriter{bw: bufio.NewWriterSize(w, 1<<20), asJSON: asJSON}
	if asJSON {
		sw.bw.WriteString("[")
	} else {
		sw.bw.WriteString(cvm.SummaryCSVHeader + "\n")
	}
	sw.fw = parallel.NewOrderedWriter(sw.bw, formatBlock)
	return sw
}

// errWriting stops the summaries after a write error, which close returns.
var errWriting = errors.New("writing failed")

// write formats and queues a batch of summaries; sums may be reused once
// it returns.
func (sw *summaryWriter) write(sums []cvm.Summary) error {
	format := func(b []byte, i int) []byte { return cvm.AppendSummaryCSV(b, &sums[i]) }
	if sw.asJSON {
		first := sw.n == 0
		format = func(b []byte, i int) []byte { return appendSummaryJSON(b, &sums[i], first && i == 0) }
	}
	sw.n += len(sums)
	if !sw.fw.Add(len(sums), infallible(format)) {
		return errWriting
	}
	return nil
}

// close ends the file and returns the first write error.
func (sw *summaryWriter) close() error {
	if err := sw.fw.Close(); err != nil {
		return err
	}
	if sw.asJSON {
		sw.bw.WriteString("\n]\n")
	}
	return sw.bw.Flush()
}

// appendSummaryJSON appends s as a JSON object, after a comma unless it is
// the first.
func appendSummaryJSON(b []byte, s *cvm.Summary, first bool) []byte {
	if !first {
		b = append(b, ',')
	}
	b = append(b, "\n{\"customer\":"...)
	b = appendJSONString(b, s.Customer)
	b = append(b, `,"first":`...)
	b = appendJSONTime(b, s.First)
	b = append(b, `,"last":`...)
	b = appendJSONTime(b, s.Last)
	b = append(b, `,"occasions":`...)
	b = strconv.AppendInt(b, int64(s.Occasions), 10)
	b = append(b, `,"transactions":`...)
	b = strconv.AppendInt(b, int64(s.Transactions), 10)
	b = append(b, `,"total":`...)
	b = strconv.AppendFloat(b, s.Total, 'g', -1, 64)
	b = append(b, `,"returns":`...)
	b = strconv.AppendFloat(b, s.Returns, 'g', -1, 64)
	b = append(b, `,"mean":`...)
	b = strconv.AppendFloat(b, s.Mean(), 'g', -1, 64)
	return append(b, '}')
}

// appendJSONString appends s as a JSON string. Printable ASCII, by far the
// usual customer ID, is quoted directly (strconv escapes only " and \
// there, as JSON does); anything else goes through encoding/json, since
// Go's quoting of control bytes and invalid UTF-8 is not JSON.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	return strconv.AppendQuote(b, s)
}

func appendJSONTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = csvout.AppendTime(b, t)
	return append(b, '"')
}
