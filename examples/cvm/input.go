package main

import (
	"errors"
	"flag"
	"io"

	"github.com/cvmkit/cvm"
)

// inputFlags are the flags every command that reads transactions shares.
type inputFlags struct {
	customer, time, amount, quantity, price, order string
	noHeader                                       bool
	delim, timeLayout                              string
	quiet                                          bool
}

// addInputFlags registers the shared transaction-input flags on fs.
func addInputFlags(fs *flag.FlagSet) *inputFlags {
	f := &inputFlags{}
	fs.StringVar(&f.customer, "customer", "customer", "customer ID column: header name or 1-based position")
	fs.StringVar(&f.time, "time", "time", "time column: header name or 1-based position")
	fs.StringVar(&f.amount, "amount", "amount", "amount column (or use -quantity and -price)")
	fs.StringVar(&f.quantity, "quantity", "", "quantity column; amount = quantity x price")
	fs.StringVar(&f.price, "price", "", "unit price column; amount = quantity x price")
	fs.StringVar(&f.order, "order", "order", "order/invoice ID column; empty for none")
	fs.BoolVar(&f.noHeader, "no-header", false, "the file has no header line; columns are positions")
	fs.StringVar(&f.delim, "delim", ",", "field delimiter: , ; tab whitespace")
	fs.StringVar(&f.timeLayout, "time-layout", "", "Go time layout; empty means automatic")
	fs.BoolVar(&f.quiet, "q", false, "no progress on stderr")
	return f
}

// readAll reads every transaction of the file at path ("-" for standard
// input) into memory, reporting progress on stderr unless -q.
func (f *inputFlags) readAll(path string, stderr io.Writer) ([]cvm.Transaction, error) {
	return nil, errors.New("reading transactions: not implemented yet")
}
