// Command csv2parquet converts a CSV file of transactions into a Parquet
// file that cvmparquet reads back to the same transactions.
//
//	csv2parquet -in tx.csv [-out tx.parquet] [-row-group 1048576] [-micros] [input flags]
//
// The CSV is read by cvm.NewReader, gzip allowed, with the cvm command's
// input flags, the same names and meanings: -customer, -time, -amount,
// -quantity and -price (given together), -order (an empty value for
// none), -product, -category, -channel, -no-header, -delim, -time-layout,
// -skip-bad, -empty-customer skip|error, -q (no read statistics on
// stderr) and -report (the data report on stderr; its as-of and "rows
// after it excluded" are what cvm's commands would cut, while csv2parquet
// converts every row). The Parquet file is written whole or not at all (a
// temporary file renamed over -out): a bad row without -skip-bad, or a
// truncated input, leaves no file.
//
// The exit status is 2 for a usage error (a bad flag, a missing column),
// 1 for any other error.
package main

import (
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
	os.Exit(input.ExitCode("csv2parquet", run(os.Args[1:], os.Stdout, os.Stderr), os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("csv2parquet", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := fs.String("in", "", "transactions CSV file (gzip allowed); - for standard input")
	out := fs.String("out", "", "Parquet file to write; default: -in with its extension replaced by .parquet")
	rowGroup := fs.Int("row-group", cvmparquet.DefaultRowGroupRows, "rows per row group")
	micros := fs.Bool("micros", false, "write times in microseconds instead of nanoseconds")
	inf := input.AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &input.UsageError{Msg: fmt.Sprintf("unexpected arguments %q", fs.Args())}
	}
	if _, err := inf.ReadOptions(); err != nil {
		return err
	}
	if *in == "" {
		return &input.UsageError{Msg: "-in is required"}
	}
	if *out == "" {
		if *in == "-" {
			return &input.UsageError{Msg: "-out is required with -in -"}
		}
		base := strings.TrimSuffix(*in, ".gz")
		if i := strings.LastIndexByte(base, '.'); i > strings.LastIndexByte(base, '/') {
			base = base[:i]
		}
		*out = base + ".parquet"
	}
	ws := &cvmparquet.WriteSettings{RowGroupRows: *rowGroup, Micros: *micros}
	ctx := context.Background()
	report := fs.Lookup("report").Value.String() == "true"
	var rd *cvm.Reader
	var closeFn func()
	var err error
	if report {
		rd, closeFn, err = inf.OpenReport(*in, time.Time{})
	} else {
		rd, closeFn, err = inf.Open(*in)
	}
	if errors.Is(err, cvm.ErrEmptyInput) { // no header, no rows: an empty file
		if _, err := cvmparquet.WriteFile(ctx, *out, func(func(cvm.Transaction) bool) {}, ws); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: 0 transactions (empty input)\n", *out)
		return nil
	}
	if err != nil {
		return err
	}
	defer closeFn()
	n, err := cvmparquet.ConvertReader(ctx, *out, rd, ws)
	if err != nil {
		return fmt.Errorf("%s: %w", *in, err)
	}
	st := rd.Stats()
	inf.Report(*in, st, stderr)
	if report {
		if err := inf.PrintReport(*in, rd, stderr); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "%s: %d transactions (%d rows, %d with no customer, %d skipped)\n",
		*out, n, st.Rows, st.EmptyCustomer, st.Skipped)
	return nil
}
