// Command pqsummary summarises the transactions of a Parquet file (with
// cvmparquet) or a CSV file (with cvm.Reader.Summarize, the cvm summary
// command's path) into the CSV that cvm summary writes (cvm.AppendSummaryCSV),
// one row per customer, for comparing the sources whole-process.
//
//	pqsummary -in tx.parquet|tx.csv [-occasions day|order] > summary.csv
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

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/examples/parquet/cvmparquet"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "pqsummary:", err)
		}
		os.Exit(2)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("pqsummary", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := fs.String("in", "", "Parquet (.parquet) or CSV file of transactions")
	occ := fs.String("occasions", "day", "day or order")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ss := &cvm.SummarySettings{}
	switch *occ {
	case "day":
	case "order":
		ss.Occasions = cvm.ByOrder
	default:
		return fmt.Errorf("-occasions %q: want day or order", *occ)
	}
	if *in == "" {
		return errors.New("-in is required")
	}
	ctx := context.Background()
	var sums []cvm.Summary
	if strings.HasSuffix(*in, ".parquet") {
		rd, err := cvmparquet.OpenFile(*in, nil)
		if err != nil {
			return err
		}
		defer rd.Close()
		if sums, err = rd.Summarize(ctx, ss); err != nil {
			return err
		}
	} else {
		f, err := os.Open(*in)
		if err != nil {
			return err
		}
		defer f.Close()
		rd, err := cvm.NewReader(f, nil)
		if err != nil {
			return fmt.Errorf("%s: %w", *in, err)
		}
		if sums, err = rd.Summarize(ctx, ss); err != nil {
			return fmt.Errorf("%s: %w", *in, err)
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
