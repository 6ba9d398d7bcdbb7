package input

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/cvmkit/cvm"
)

// AsOfDefault is the sentence every command's -as-of help ends with: the
// one default as-of of cvm (cvm.Report.AsOf).
const AsOfDefault = "default: the end of the day (UTC) of the last plausible transaction, so that one row dated far beyond the rest (such as 9999-12-31) never becomes the as-of; rows after the as-of are counted, excluded and named in a warning (see -report)"

// reportHelp is the -report flag's help.
const reportHelp = "print the data report on stderr: rows, duplicates, zero and negative amounts, returns-only customers, orders over several days, rows out of time order, time span and outliers, time-zone suspicion, revenue covered; as JSON when the command's -json is set"

// wantJSON reports whether the command's own -json flag is set.
func (f *Flags) wantJSON() bool {
	if f.fs == nil {
		return false
	}
	fl := f.fs.Lookup("json")
	return fl != nil && fl.Value.String() == "true"
}

// auditor returns an Auditor for the as-of (zero: the default rule):
// without -report, one that checks only times and amounts, which costs
// no memory per customer.
func (f *Flags) auditor(asOf time.Time) *cvm.Auditor {
	return cvm.NewAuditor(&cvm.AuditSettings{AsOf: asOf, TimeOnly: !f.report})
}

// ReadAll reads every transaction of the file at path ("-" for standard
// input) into memory and audits it. asOf is the -as-of time, zero for the
// default (cvm.Report.AsOf). It returns the transactions at or before the
// as-of, in file order, and the data report, whose AsOf is the as-of to
// use; the rows after it are counted in the report and left out. It
// prints the read counts (unless -q), the warnings that change the
// analysis (always) and the whole report with -report, on stderr.
func (f *Flags) ReadAll(path string, asOf time.Time, stderr io.Writer) ([]cvm.Transaction, cvm.Report, error) {
	var progress func(rows int)
	if !f.Quiet {
		progress = progressEvery(stderr, "read", 2_000_000)
	}
	a := f.auditor(asOf)
	rd, closeFn, err := f.open(path, progress, a)
	if err != nil {
		return nil, cvm.Report{}, err
	}
	defer closeFn()
	out, err := rd.ReadAll(context.Background())
	if err != nil {
		return nil, cvm.Report{}, fmt.Errorf("%s: %w", path, err)
	}
	f.Report(path, rd.Stats(), stderr)
	rep := rd.Report()
	if err := f.printReport(path, rep, stderr); err != nil {
		return nil, rep, err
	}
	if rep.AfterAsOf > 0 {
		out = slices.DeleteFunc(out, func(t cvm.Transaction) bool { return t.Time.After(rep.AsOf) })
	}
	return out, rep, nil
}

// Summarize summarizes the file at path ("-" for standard input) with the
// parallel reader and audits it, reporting progress as name and what was
// read on stderr unless -q. A zero set.AsOf means the default as-of
// (cvm.Report.AsOf); the report's AsOf is the as-of the summaries are
// cut at. When rows lie after the default as-of (outliers far beyond the
// rest), the file is read a second time with that cut-off; standard
// input, which cannot be read twice, is then an error asking for -as-of.
// It returns the read statistics and the report with any error, which
// names path and wraps the reader's error. Warnings and -report are
// printed as by ReadAll.
func (f *Flags) Summarize(path, name string, set *cvm.SummarySettings, stderr io.Writer) ([]cvm.Summary, cvm.ReadStats, cvm.Report, error) {
	var sums []cvm.Summary
	st, rep, err := f.summarize(path, name, set, stderr, func(rd *cvm.Reader, s *cvm.SummarySettings, first func() error) error {
		var err error
		if sums, err = rd.Summarize(context.Background(), s); err == nil {
			err = first()
		}
		return err
	})
	if err != nil {
		return nil, st, rep, err
	}
	return sums, st, rep, nil
}

// SummarizeEach is Summarize handing the summaries to fn in batches, as
// cvm.Reader.SummarizeEach does, once the input is read and the report
// printed; with rows after the default as-of, the file is read again
// before fn is called at all.
func (f *Flags) SummarizeEach(path, name string, set *cvm.SummarySettings, stderr io.Writer, fn func([]cvm.Summary) error) (cvm.ReadStats, cvm.Report, error) {
	return f.summarize(path, name, set, stderr, func(rd *cvm.Reader, s *cvm.SummarySettings, first func() error) error {
		called := false
		return rd.SummarizeEach(context.Background(), s, func(sums []cvm.Summary) error {
			if !called {
				called = true
				if err := first(); err != nil {
					return err
				}
			}
			return fn(sums)
		})
	})
}

// errAgain stops a summary whose input has rows after the default as-of:
// it is read again with that as-of.
var errAgain = errors.New("read again with the as-of")

// summarize reads path with run, which calls first once the input is read
// and before it hands any summary over: first prints the report and stops
// the run (errAgain) when the summaries must leave out rows after the
// default as-of, and the file is then read again with it.
func (f *Flags) summarize(path, name string, set *cvm.SummarySettings, stderr io.Writer, run func(rd *cvm.Reader, s *cvm.SummarySettings, first func() error) error) (cvm.ReadStats, cvm.Report, error) {
	var progress func(rows int)
	if !f.Quiet {
		progress = progressEvery(stderr, name, 2_000_000)
	}
	var s cvm.SummarySettings
	if set != nil {
		s = *set
	}
	a := f.auditor(s.AsOf)
	rd, closeFn, err := f.open(path, progress, a)
	if err != nil {
		return cvm.ReadStats{}, cvm.Report{}, err
	}
	defer closeFn()
	var st cvm.ReadStats
	var rep cvm.Report
	reported := false
	report := func() error {
		reported = true
		st = rd.Stats()
		f.Report(path, st, stderr)
		rep = rd.Report()
		if err := f.printReport(path, rep, stderr); err != nil {
			return err
		}
		if s.AsOf.IsZero() && rep.AfterAsOf > 0 {
			return errAgain
		}
		return nil
	}
	err = run(rd, &s, report)
	if !reported { // the input failed: its statistics and report still
		report()
	}
	if err != errAgain {
		if err != nil {
			return st, rep, fmt.Errorf("%s: %w", path, err)
		}
		return st, rep, nil
	}
	// The summaries would hold the late outliers: cut them off.
	if path == "-" {
		return st, rep, fmt.Errorf("%s: %d row(s) after the default as-of %s; standard input cannot be read again without them: give -as-of", path, rep.AfterAsOf, rep.AsOf.Format(time.RFC3339))
	}
	s.AsOf = rep.AsOf
	rd2, close2, err := f.open(path, nil, nil)
	if err != nil {
		return st, rep, err
	}
	defer close2()
	if err := run(rd2, &s, func() error { return nil }); err != nil {
		return st, rep, fmt.Errorf("%s: %w", path, err)
	}
	return st, rep, nil
}

// OpenReport is Open with an auditor for the as-of (zero: the default),
// for a command that reads the stream itself; after reading, PrintReport
// prints the warnings and the -report as ReadAll does.
func (f *Flags) OpenReport(path string, asOf time.Time) (*cvm.Reader, func(), error) {
	return f.open(path, nil, f.auditor(asOf))
}

// PrintReport prints rd's data report (rd from OpenReport) as ReadAll
// does: the warnings that change the analysis always, the whole report
// with -report.
func (f *Flags) PrintReport(path string, rd *cvm.Reader, stderr io.Writer) error {
	return f.printReport(path, rd.Report(), stderr)
}

// printReport prints the warnings that change what is analysed (outliers
// and rows after the as-of) always, and the whole report with -report:
// as text, or as JSON when the command's -json is set. Without -report
// and -q, it says how many other findings -report would show.
func (f *Flags) printReport(path string, r cvm.Report, stderr io.Writer) error {
	if f.report {
		if f.wantJSON() {
			data, err := json.MarshalIndent(struct {
				Input  string     `json:"input"`
				Report cvm.Report `json:"report"`
			}{path, r}, "", "  ")
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(stderr, "%s\n", data)
			return err
		}
		return WriteReport(stderr, path, r)
	}
	other := 0
	for _, w := range r.Warnings {
		if isLoud(w) {
			fmt.Fprintf(stderr, "cvm: warning: %s: %s\n", path, w)
		} else {
			other++
		}
	}
	if other > 0 && !f.Quiet {
		fmt.Fprintf(stderr, "%s: %d more findings about the data; -report prints them, with the checks of duplicates, customers and orders\n", path, other)
	}
	return nil
}

// isLoud reports whether a warning is about rows far outside the data or
// left out after the as-of, which every command prints.
func isLoud(w string) bool {
	return strings.Contains(w, "far outside the bulk") || strings.Contains(w, "excluded (")
}

// WriteReport writes r as text: one line per figure, then the warnings.
func WriteReport(w io.Writer, path string, r cvm.Report) error {
	var b strings.Builder
	day := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.Format(time.RFC3339Nano)
	}
	fmt.Fprintf(&b, "data report: %s\n", path)
	fmt.Fprintf(&b, "  rows           %d (%d transactions, %d customers; %d bad rows skipped, %d with an empty customer ID, %d invalid)\n",
		r.Rows, r.Transactions, r.Customers, r.Skipped, r.EmptyCustomer, r.Invalid)
	fmt.Fprintf(&b, "  time span      %s to %s\n", day(r.First), day(r.Last))
	fmt.Fprintf(&b, "  plausible      %s to %s (%d outliers)\n", day(r.PlausibleFirst), day(r.PlausibleLast), r.Outliers.Count)
	how := "given"
	if r.DefaultAsOf {
		how = "default"
	}
	fmt.Fprintf(&b, "  as of          %s (%s), %d rows after it excluded\n", day(r.AsOf), how, r.AfterAsOf)
	rv := r.Revenue
	fmt.Fprintf(&b, "  revenue        %.1f%% of purchases %g analysed (%g without a customer, %g after the as-of)\n",
		100*rv.Share, rv.Gross, rv.EmptyCustomer, rv.AfterAsOf)
	fmt.Fprintf(&b, "  duplicates     %d\n", r.Duplicates.Count)
	fmt.Fprintf(&b, "  zero amounts   %d\n", r.ZeroAmounts.Count)
	fmt.Fprintf(&b, "  returns        %d rows; %d customers with returns only\n", r.Returns.Count, r.ReturnsOnly.Count)
	fmt.Fprintf(&b, "  orders         %d; %d over several days\n", r.Orders, r.MultiDayOrders.Count)
	fmt.Fprintf(&b, "  out of order   %d\n", r.OutOfOrder.Count)
	fmt.Fprintf(&b, "  hours (UTC)   ")
	for h, n := range r.Hours {
		fmt.Fprintf(&b, " %02d:%d", h, n)
	}
	fmt.Fprintf(&b, "\n  quarter hours  %d", r.QuarterHours)
	if r.TimeZone != "" {
		fmt.Fprintf(&b, " (suspected zone %s)", r.TimeZone)
	}
	b.WriteString("\n")
	if len(r.Warnings) == 0 {
		b.WriteString("  no warnings\n")
	}
	for _, s := range r.Warnings {
		fmt.Fprintf(&b, "  warning: %s\n", s)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
