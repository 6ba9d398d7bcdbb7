package flow

import (
	"fmt"
	"io"
	"strings"

	"github.com/cvmkit/cvm/examples/internal/report"
)

// Report writes the whole flow as a readable text report.
func (r *Result) Report(w io.Writer) error {
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "cvm: customer value, from transactions to recovery playbooks\n")
	fmt.Fprintf(ew, "data: %s\n", r.In.Source)
	fmt.Fprintf(ew, "%d transactions from %s to %s, analysed as of %s\n",
		r.Rows, day(r.First), day(r.Last), day(r.AsOf))
	r.reportSummaries(ew)
	r.reportRFM(ew)
	r.reportKMeans(ew)
	r.reportCLV(ew)
	r.reportValue(ew)
	r.reportLifecycle(ew)
	r.reportRecovery(ew)
	r.reportStory(ew)
	if len(r.Notes) > 0 {
		report.Section(ew, "What this run could not do")
		for _, n := range r.Notes {
			fmt.Fprint(ew, "  - "+strings.ReplaceAll(strings.TrimPrefix(report.Wrap(n, 74, "    "), "    "), "\n    ", "\n    "))
		}
	}
	return ew.err
}

func (r *Result) reportSummaries(w io.Writer) {
	report.Section(w, "1. Identify: who are the customers?")
	t := r.Totals()
	tb := report.New("")
	tb.Row("customers", report.Int(t.Customers))
	tb.Row("  with at least one purchase", report.Int(t.Buyers))
	tb.Row("  one-time buyers", report.Int(t.OneTime), report.Pct(frac(t.OneTime, t.Buyers))+" of buyers")
	tb.Row("gross sales", report.Money(t.Gross))
	tb.Row("returns and refunds", report.Money(t.Returns), report.Pct(t.Returns/t.Gross)+" of gross")
	tb.Row("net sales", report.Money(t.Net))
	tb.Write(w)

	labels, cust, net := r.OccasionBands()
	tb = report.New("\nPurchase occasions (distinct days with a purchase) per customer",
		"occasions", "customers", "share", "net sales", "share of net")
	tb.Left(0)
	for i := range labels {
		if cust[i] == 0 && i == 0 {
			continue
		}
		tb.Row(labels[i], report.Int(cust[i]), report.Pct(frac(cust[i], t.Customers)), report.Money(net[i]), report.Pct(net[i]/t.Net))
	}
	tb.Write(w)

	tb = report.New("\nLargest customers by net sales", "customer", "first", "last", "occasions", "net", "returns")
	tb.Left(0)
	for _, s := range r.TopCustomers(5) {
		tb.Row(s.Customer, day(s.First), day(s.Last), s.Occasions, report.Money(s.Total), report.Money(s.Returns))
	}
	tb.Write(w)
}

func frac(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return len(p), nil
	}
	_, e.err = e.w.Write(p)
	return len(p), nil
}
