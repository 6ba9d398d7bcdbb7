package cvmparquet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/snappy"
)

// WriteSettings configures Write. A nil *WriteSettings means the zero
// value: row groups of 1,048,576 rows, times in nanoseconds, Snappy
// compression.
type WriteSettings struct {
	// RowGroupRows is the number of rows per row group; 0 means
	// DefaultRowGroupRows. Row groups are what a Reader decodes in
	// parallel.
	RowGroupRows int
	// Micros writes the time column as TIMESTAMP(MICROS) instead of
	// TIMESTAMP(NANOS); false (the default) writes nanoseconds, which hold
	// times from 1677 to 2262 only. A time that the unit cannot hold
	// exactly is an error naming the row.
	Micros bool
}

// DefaultRowGroupRows is the WriteSettings.RowGroupRows default.
const DefaultRowGroupRows = 1 << 20

// Column names Write uses; they are the CSV reader's default names, so
// that a file Write made reads back with default settings.
const (
	ColCustomer = "customer"
	ColTime     = "time"
	ColAmount   = "amount"
	ColOrder    = "order"
	ColQuantity = "quantity"
	ColProduct  = "product"
	ColCategory = "category"
	ColChannel  = "channel"
)

// Write writes the transactions to w as one Parquet file and returns how
// many it wrote. The schema is customer (required string), time (required
// TIMESTAMP, adjusted to UTC), amount (required DOUBLE) and order,
// quantity, product, category and channel (optional, null where the
// transaction has an empty string or a zero quantity); strings are
// dictionary-encoded and pages Snappy-compressed.
//
// Read back with nil settings, the file gives the same transactions'
// customer, time (in UTC), amount and order, bit for bit; with Product,
// Category and Channel set to their names, those too. The quantity is
// written for reference only: amount already holds quantity x price.
//
// A transaction that fails cvm.Transaction.Validate is an error naming
// its row (1-based), as is a time the unit cannot hold; ctx is checked
// every few thousand rows. Write writes nothing to w on such an error
// before the first row group is flushed, and an unfinished file after:
// use WriteFile for a file written whole or not at all.
func Write(ctx context.Context, w io.Writer, txs iter.Seq[cvm.Transaction], settings *WriteSettings) (int, error) {
	var o WriteSettings
	if settings != nil {
		o = *settings
	}
	if o.RowGroupRows < 0 {
		return 0, fmt.Errorf("cvmparquet: WriteSettings.RowGroupRows %d is negative", o.RowGroupRows)
	}
	if o.RowGroupRows == 0 {
		o.RowGroupRows = DefaultRowGroupRows
	}
	unit, perSec := parquet.Nanosecond, int64(1e9)
	if o.Micros {
		unit, perSec = parquet.Microsecond, 1e6
	}
	dict := func() parquet.Node { return parquet.Encoded(parquet.String(), &parquet.RLEDictionary) }
	schema := parquet.NewSchema("cvm_transaction", parquet.Group{
		ColCustomer: dict(),
		ColTime:     parquet.Timestamp(unit),
		ColAmount:   parquet.Leaf(parquet.DoubleType),
		ColOrder:    parquet.Optional(dict()),
		ColQuantity: parquet.Optional(parquet.Leaf(parquet.DoubleType)),
		ColProduct:  parquet.Optional(dict()),
		ColCategory: parquet.Optional(dict()),
		ColChannel:  parquet.Optional(dict()),
	})
	idx := map[string]int{}
	for i, path := range schema.Columns() {
		idx[path[0]] = i
	}
	cCust, cTime, cAmt, cOrder := idx[ColCustomer], idx[ColTime], idx[ColAmount], idx[ColOrder]
	cQty, cProd, cCat, cChan := idx[ColQuantity], idx[ColProduct], idx[ColCategory], idx[ColChannel]
	pw := parquet.NewWriter(w, schema,
		parquet.Compression(&snappy.Codec{}),
		parquet.MaxRowsPerRowGroup(int64(o.RowGroupRows)),
		parquet.CreatedBy("cvmparquet", "", ""))
	const flushEvery = 4096
	rows := make([]parquet.Row, 0, flushEvery)
	vals := make([]parquet.Value, 0, flushEvery*8)
	n := 0
	flush := func() error {
		if _, err := pw.WriteRows(rows); err != nil {
			return fmt.Errorf("cvmparquet: writing rows before row %d: %w", n+1, err)
		}
		rows, vals = rows[:0], vals[:0]
		return ctx.Err()
	}
	opt := func(s string, col int) parquet.Value {
		if s == "" {
			return parquet.NullValue().Level(0, 0, col)
		}
		return parquet.ByteArrayValue([]byte(s)).Level(0, 1, col)
	}
	for t := range txs {
		if err := t.Validate(); err != nil {
			return n, fmt.Errorf("cvmparquet: row %d: %w", n+1, err)
		}
		sec, nsec := t.Time.Unix(), int64(t.Time.Nanosecond())
		if nsec%(1e9/perSec) != 0 || sec > (1<<63-1)/perSec-1 || sec < -(1<<63)/perSec+1 {
			return n, fmt.Errorf("cvmparquet: row %d: time %s cannot be written as a TIMESTAMP(%s)", n+1, t.Time.Format(time.RFC3339Nano), unit)
		}
		q := parquet.NullValue().Level(0, 0, cQty)
		if t.Quantity != 0 {
			q = parquet.DoubleValue(t.Quantity).Level(0, 1, cQty)
		}
		start := len(vals)
		vals = append(vals,
			parquet.ByteArrayValue([]byte(t.Customer)).Level(0, 0, cCust),
			parquet.Int64Value(sec*perSec+nsec/(1e9/perSec)).Level(0, 0, cTime),
			parquet.DoubleValue(t.Amount).Level(0, 0, cAmt),
			opt(t.Order, cOrder), q,
			opt(t.Product, cProd), opt(t.Category, cCat), opt(t.Channel, cChan))
		row := parquet.Row(vals[start:len(vals):len(vals)])
		// WriteRows wants the values in column order.
		sortRow(row)
		rows = append(rows, row)
		n++
		if len(rows) == flushEvery {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	if err := flush(); err != nil {
		return n, err
	}
	if err := pw.Close(); err != nil {
		return n, fmt.Errorf("cvmparquet: %w", err)
	}
	return n, nil
}

// sortRow puts a row's values in column order (an insertion sort of
// eight).
func sortRow(r parquet.Row) {
	for i := 1; i < len(r); i++ {
		for j := i; j > 0 && r[j].Column() < r[j-1].Column(); j-- {
			r[j], r[j-1] = r[j-1], r[j]
		}
	}
}

// WriteFile writes the transactions to a Parquet file at path, as Write
// writes them, whole or not at all: to a temporary file in the same
// folder, synced, then renamed over path. On an error path is untouched
// and the temporary file removed.
func WriteFile(ctx context.Context, path string, txs iter.Seq[cvm.Transaction], settings *WriteSettings) (int, error) {
	return writeFile(ctx, path, txs, settings, nil)
}

// writeFile is WriteFile; check, when not nil, is called once the
// sequence has ended, and an error from it keeps path untouched.
func writeFile(ctx context.Context, path string, txs iter.Seq[cvm.Transaction], settings *WriteSettings, check func() error) (n int, err error) {
	dir, base := filepath.Split(path)
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if n, err = Write(ctx, f, txs, settings); err != nil {
		return n, err
	}
	if check != nil {
		if err = check(); err != nil {
			return n, err
		}
	}
	if err = f.Sync(); err != nil {
		return n, err
	}
	if err = f.Close(); err != nil {
		return n, err
	}
	if err = os.Chmod(f.Name(), 0o644); err != nil {
		return n, err
	}
	return n, os.Rename(f.Name(), path)
}

// ConvertCSV reads the CSV transactions of src with read settings and
// writes them to a Parquet file at path with WriteFile, whole or not at
// all. It returns the transactions written and the CSV reader's
// statistics. A CSV error (a bad row without SkipBadRows, a truncated
// input) is returned and nothing is written.
func ConvertCSV(ctx context.Context, path string, src io.Reader, read *cvm.ReadSettings, write *WriteSettings) (int, cvm.ReadStats, error) {
	rd, err := cvm.NewReader(src, read)
	if errors.Is(err, cvm.ErrEmptyInput) {
		n, err := WriteFile(ctx, path, func(func(cvm.Transaction) bool) {}, write)
		return n, cvm.ReadStats{}, err
	}
	if err != nil {
		return 0, cvm.ReadStats{}, err
	}
	n, err := ConvertReader(ctx, path, rd, write)
	return n, rd.Stats(), err
}

// ConvertReader writes the transactions of the CSV reader rd (its
// Stream) to a Parquet file at path with WriteFile, whole or not at all,
// and returns how many it wrote; a reader that yields none gives a file of
// no rows. A reader error (rd.Err: a bad row without SkipBadRows, a
// truncated input) is returned and nothing is written.
// It is ConvertCSV for a reader the caller made, such as one with an
// Auditor whose report it prints afterwards (rd.Report).
func ConvertReader(ctx context.Context, path string, rd *cvm.Reader, write *WriteSettings) (int, error) {
	return writeFile(ctx, path, rd.Stream(ctx), write, rd.Err)
}
