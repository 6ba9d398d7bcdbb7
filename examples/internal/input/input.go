// Package input holds what the cvm command and the quickstart share about
// files: the transaction-input flags (column names or positions,
// delimiter, time layout, what to do with bad rows and empty customer
// IDs), and the one way every program writes an output, whole or not at
// all ([Create], [CreateFile], [Outputs] for files, [ReplaceDir] for the
// folder of "cvm run", [ErrWriter] for standard output).
package input

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/delim"
)

// UsageError is an error in how a program was called, such as a bad flag
// value; programs exit with status 2 on it.
type UsageError struct{ Msg string }

// Error returns the message.
func (e *UsageError) Error() string { return e.Msg }

func usagef(format string, args ...any) error {
	return &UsageError{fmt.Sprintf(format, args...)}
}

// Flags are the flags every program that reads transactions shares.
type Flags struct {
	customer, time, amount, quantity, price, order string
	product, category, channel                     string
	noHeader                                       bool
	delim, timeLayout                              string
	// Quiet is set by -q: no progress or read statistics on stderr.
	Quiet         bool
	skipBad       bool
	emptyCustomer string
	report        bool // -report: print the data report
	// orderForReport: the program uses no order IDs, so the order column
	// is read only for the data report of -report.
	orderForReport bool

	fs *flag.FlagSet
}

// AddFlags registers the shared transaction-input flags on fs.
func AddFlags(fs *flag.FlagSet) *Flags {
	f := &Flags{fs: fs}
	fs.StringVar(&f.customer, "customer", "customer", "customer ID column: header name or 1-based position")
	fs.StringVar(&f.time, "time", "time", "time column: header name or 1-based position")
	fs.StringVar(&f.amount, "amount", "amount", "amount column (or use -quantity and -price)")
	fs.StringVar(&f.quantity, "quantity", "", "quantity column; amount = quantity x price")
	fs.StringVar(&f.price, "price", "", "unit price column; amount = quantity x price")
	fs.StringVar(&f.product, "product", "", "product (SKU) column, kept for distinct products; empty for none")
	fs.StringVar(&f.category, "category", "", "product category column; empty for none")
	fs.StringVar(&f.channel, "channel", "", "sales channel column; empty for none")
	fs.StringVar(&f.order, "order", "order", "order/invoice ID column (optional while left at the default); empty for none")
	fs.BoolVar(&f.noHeader, "no-header", false, "the file has no header line; columns are positions (default 1, 2, 3)")
	fs.StringVar(&f.delim, "delim", ",", "field delimiter: , ; tab whitespace")
	fs.StringVar(&f.timeLayout, "time-layout", "", "Go time layout; empty means automatic (RFC 3339, 2006-01-02 15:04:05, 2006-01-02, 20060102)")
	fs.BoolVar(&f.Quiet, "q", false, "no progress or read statistics on stderr")
	fs.BoolVar(&f.skipBad, "skip-bad", false, "skip rows that cannot be parsed, count them and report the first few")
	fs.StringVar(&f.emptyCustomer, "empty-customer", "skip", "rows with an empty customer ID: skip (counted and reported) or error")
	fs.BoolVar(&f.report, "report", false, reportHelp)
	return f
}

// OrderOnlyForReport tells ReadOptions that the program uses no order
// IDs: the order column is then read only with -report, whose data report
// counts orders (parsing and copying an ID per row is otherwise wasted).
func (f *Flags) OrderOnlyForReport() { f.orderForReport = true }

// CustomerColumn returns the -customer flag's value, for commands that read
// the same column from another file (cvm score's indicator CSV).
func (f *Flags) CustomerColumn() string { return f.customer }

// ReadOptions turns the flags into cvm.ReadSettings. Flags left at their
// defaults map to the library's defaults, so -no-header alone reads
// columns 1, 2 and 3.
func (f *Flags) ReadOptions() (*cvm.ReadSettings, error) {
	set := map[string]bool{}
	if f.fs != nil {
		f.fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	}
	pick := func(name, v string) string {
		if set[name] {
			return v
		}
		return ""
	}
	o := &cvm.ReadSettings{
		Customer:    pick("customer", f.customer),
		Time:        pick("time", f.time),
		Amount:      pick("amount", f.amount),
		Quantity:    f.quantity,
		Price:       f.price,
		Order:       pick("order", f.order),
		Product:     f.product,
		Category:    f.category,
		Channel:     f.channel,
		NoHeader:    f.noHeader,
		TimeLayout:  f.timeLayout,
		SkipBadRows: f.skipBad,
	}
	if set["order"] && f.order == "" || f.orderForReport && !f.report {
		o.Order = cvm.NoColumn
	}
	if (f.quantity == "") != (f.price == "") {
		return nil, usagef("-quantity and -price must be given together")
	}
	comma, err := delim.Parse(f.delim)
	if err != nil {
		return nil, &UsageError{Msg: err.Error()}
	}
	o.Comma = comma
	switch f.emptyCustomer {
	case "skip":
	case "error":
		o.FailOnEmptyCustomer = true
	default:
		return nil, usagef("-empty-customer %q: want skip or error", f.emptyCustomer)
	}
	return o, nil
}

// OpenFile opens path for reading, "-" meaning standard input, and returns
// a function that closes it (one that does nothing for standard input).
func OpenFile(path string) (io.Reader, func(), error) {
	if path == "-" {
		return os.Stdin, func() {}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	return f, func() { f.Close() }, nil
}

// Open opens path ("-" for standard input) and returns a cvm.Reader on it
// and a function that closes the file.
func (f *Flags) Open(path string) (*cvm.Reader, func(), error) {
	return f.open(path, nil, nil)
}

// open is Open with a progress callback and an auditor (each may be nil)
// for the reader.
func (f *Flags) open(path string, progress func(rows int), audit *cvm.Auditor) (*cvm.Reader, func(), error) {
	o, err := f.ReadOptions()
	if err != nil {
		return nil, nil, err
	}
	o.Progress, o.Audit = progress, audit
	if path == "" {
		return nil, nil, usagef("no input file (-in FILE, or -in - for standard input)")
	}
	in, closeFn, err := OpenFile(path)
	if err != nil {
		return nil, nil, err
	}
	rd, err := cvm.NewReader(in, o)
	if err != nil {
		closeFn()
		if errors.Is(err, cvm.ErrColumn) {
			return nil, nil, usagef("%s: %v", path, err)
		}
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return rd, closeFn, nil
}

// Report prints what was read and skipped, unless -q.
func (f *Flags) Report(path string, st cvm.ReadStats, stderr io.Writer) {
	if f.Quiet {
		return
	}
	fmt.Fprintf(stderr, "%s: %d rows, %d transactions", path, st.Rows, st.Transactions)
	if st.EmptyCustomer > 0 {
		fmt.Fprintf(stderr, ", %d rows with an empty customer ID skipped", st.EmptyCustomer)
	}
	if st.Skipped > 0 {
		fmt.Fprintf(stderr, ", %d bad rows skipped", st.Skipped)
	}
	fmt.Fprintln(stderr)
	if st.Skipped > 0 {
		for _, e := range st.Errors {
			fmt.Fprintf(stderr, "  %s: %v\n", path, e)
		}
		if st.Skipped > len(st.Errors) {
			fmt.Fprintf(stderr, "  ... and %d more\n", st.Skipped-len(st.Errors))
		}
	}
}

// progressEvery returns a cvm.ReadSettings.Progress callback that
// prints each time the row count passes another multiple of every.
func progressEvery(stderr io.Writer, name string, every int) func(rows int) {
	next := every
	return func(rows int) {
		if rows >= next {
			fmt.Fprintf(stderr, "%s: %d rows read...\n", name, rows)
			for next <= rows {
				next += every
			}
		}
	}
}

// ExitCode returns the exit status for a program's error, printing the
// error on stderr after the program's name: 0 for nil; 2, silently, for
// flag.ErrHelp (the flag package has printed the usage); 2 for a
// [UsageError]; 1 for anything else.
func ExitCode(prog string, err error, stderr io.Writer) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 2
	}
	fmt.Fprintf(stderr, "%s: %v\n", prog, err)
	if ue := (*UsageError)(nil); errors.As(err, &ue) {
		return 2
	}
	return 1
}
