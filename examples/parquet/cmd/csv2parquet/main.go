// Command csv2parquet converts a CSV file of transactions into a Parquet
// file that cvmparquet reads back to the same transactions.
//
//	csv2parquet -in tx.csv [-out tx.parquet] [-row-group 1048576] [CSV column flags]
//
// The CSV is read by cvm.NewReader with the column flags (as the cvm
// command's), gzip allowed; the Parquet file is written whole or not at
// all (a temporary file renamed over -out).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/examples/parquet/cvmparquet"
	"github.com/cvmkit/cvm/internal/delim"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "csv2parquet:", err)
		}
		os.Exit(2)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("csv2parquet", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := fs.String("in", "", "transactions CSV file (gzip allowed)")
	out := fs.String("out", "", "Parquet file to write; default: -in with its extension replaced by .parquet")
	rowGroup := fs.Int("row-group", cvmparquet.DefaultRowGroupRows, "rows per row group")
	micros := fs.Bool("micros", false, "write times in microseconds instead of nanoseconds")
	var rs cvm.ReadSettings
	fs.StringVar(&rs.Customer, "customer", "", "customer ID column (default \"customer\")")
	fs.StringVar(&rs.Time, "time", "", "time column (default \"time\")")
	fs.StringVar(&rs.Amount, "amount", "", "amount column (default \"amount\")")
	fs.StringVar(&rs.Quantity, "quantity", "", "quantity column; amount = quantity x price")
	fs.StringVar(&rs.Price, "price", "", "unit price column")
	fs.StringVar(&rs.Order, "order", "", "order ID column (default \"order\" when present; - for none)")
	fs.StringVar(&rs.Product, "product", "", "product column")
	fs.StringVar(&rs.Category, "category", "", "category column")
	fs.StringVar(&rs.Channel, "channel", "", "channel column")
	delimFlag := fs.String("delim", ",", "field delimiter: , ; tab whitespace")
	noHeader := fs.Bool("no-header", false, "the file has no header line")
	skipBad := fs.Bool("skip-bad-rows", false, "skip rows that cannot be parsed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	comma, err := delim.Parse(*delimFlag)
	if err != nil {
		return err
	}
	rs.Comma = comma
	rs.NoHeader, rs.SkipBadRows = *noHeader, *skipBad
	if *in == "" {
		return errors.New("-in is required")
	}
	if *out == "" {
		base := strings.TrimSuffix(*in, ".gz")
		if i := strings.LastIndexByte(base, '.'); i > strings.LastIndexByte(base, '/') {
			base = base[:i]
		}
		*out = base + ".parquet"
	}
	f, err := os.Open(*in)
	if err != nil {
		return err
	}
	defer f.Close()
	n, st, err := cvmparquet.ConvertCSV(context.Background(), *out, f, &rs,
		&cvmparquet.WriteSettings{RowGroupRows: *rowGroup, Micros: *micros})
	if err != nil {
		return fmt.Errorf("%s: %w", *in, err)
	}
	fmt.Fprintf(stdout, "%s: %d transactions (%d rows, %d with no customer, %d skipped)\n",
		*out, n, st.Rows, st.EmptyCustomer, st.Skipped)
	return nil
}
