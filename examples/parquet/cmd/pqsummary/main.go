// Command pqsummary summarises the transactions of a Parquet file (with
// cvmparquet) or a CSV file (with cvm.Reader.Summarize, the cvm summary
// command's path) into the CSV that cvm summary writes (cvm.AppendSummaryCSV),
// one row per customer, for comparing the sources whole-process.
//
//	pqsummary -in tx.parquet|tx.csv [-occasions day|order] [input flags] > summary.csv
//
// Both paths take the cvm command's input flags, the same names and
// meanings: -customer, -time, -amount, -quantity and -price (given
// together), -order (an empty value for none), -product, -category,
// -channel, -time-layout, -skip-bad, -empty-customer skip|error and -q
// (no read statistics on stderr) map a Parquet file's columns as they map
// a CSV file's (cvmparquet reads the same cvm.ReadSettings); -no-header
// and -delim concern CSV only (-no-header is an error on Parquet, -delim
// is ignored there), as does -report (the data report on stderr; its
// as-of is cvm's default, while pqsummary cuts nothing), an error on
// Parquet. Neither path cuts at an as-of: every transaction is
// summarised.
//
// The exit status is 2 for a usage error (a bad flag, a missing column),
// 1 for any other error.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/examples/internal/input"
	"github.com/cvmkit/cvm/examples/parquet/cvmparquet"
)

func main() {
	os.Exit(input.ExitCode("pqsummary", run(os.Args[1:], os.Stdout, os.Stderr), os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("pqsummary", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := fs.String("in", "", "Parquet (.parquet) or CSV file of transactions; - for CSV on standard input")
	occ := fs.String("occasions", "day", "day or order")
	inf := input.AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &input.UsageError{Msg: fmt.Sprintf("unexpected arguments %q", fs.Args())}
	}
	rs, err := inf.ReadOptions()
	if err != nil {
		return err
	}
	ss := &cvm.SummarySettings{}
	switch *occ {
	case "day":
	case "order":
		ss.Occasions = cvm.ByOrder
	default:
		return &input.UsageError{Msg: fmt.Sprintf("-occasions %q: want day or order", *occ)}
	}
	if *in == "" {
		return &input.UsageError{Msg: "-in is required"}
	}
	report := fs.Lookup("report").Value.String() == "true"
	ctx := context.Background()
	var sums []cvm.Summary
	if strings.HasSuffix(*in, ".parquet") {
		if report {
			return &input.UsageError{Msg: "-report: the data report is for CSV input"}
		}
		rd, err := cvmparquet.OpenFile(*in, rs)
		if errors.Is(err, cvm.ErrColumn) || errors.Is(err, cvmparquet.ErrUnsupported) {
			return &input.UsageError{Msg: err.Error()}
		}
		if err != nil {
			return err
		}
		defer rd.Close()
		sums, err = rd.Summarize(ctx, ss)
		st := rd.Stats()
		inf.Report(*in, cvm.ReadStats{Rows: st.Rows, Transactions: st.Transactions, EmptyCustomer: st.EmptyCustomer, Skipped: st.Skipped}, stderr)
		if !inf.Quiet && st.Skipped > 0 {
			for _, e := range st.Errors {
				fmt.Fprintf(stderr, "  %v\n", e)
			}
		}
		if err != nil {
			return err
		}
	} else {
		var rd *cvm.Reader
		var closeFn func()
		if report {
			rd, closeFn, err = inf.OpenReport(*in, time.Time{})
		} else {
			rd, closeFn, err = inf.Open(*in)
		}
		if err != nil {
			return err
		}
		defer closeFn()
		sums, err = rd.Summarize(ctx, ss)
		inf.Report(*in, rd.Stats(), stderr)
		if err != nil {
			return fmt.Errorf("%s: %w", *in, err)
		}
		if report {
			if err := inf.PrintReport(*in, rd, stderr); err != nil {
				return err
			}
		}
	}
	bw := bufio.NewWriterSize(stdout, 1<<20)
	bw.WriteString(cvm.SummaryCSVHeader + "\n")
	var b []byte
	for i := range sums {
		b = cvm.AppendSummaryCSV(b[:0], &sums[i])
		bw.Write(b)
	}
	return bw.Flush()
}
