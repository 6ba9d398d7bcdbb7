package cvmparquet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// RowError is a row that could not be read, or a failure to decode a
// column of a row group. It names the file, the row group (0-based, as
// Parquet tools number them), the row (1-based within the file, 0 when the
// failure is not at one row), the column and, for a bad value, the value.
// Err is one of cvm.ErrBadTime, cvm.ErrZeroTime, cvm.ErrBadAmount,
// cvm.ErrNonFinite or cvm.ErrEmptyCustomer for a bad value, ErrCorrupt for
// a file that cannot be decoded, possibly wrapped.
type RowError struct {
	File     string
	RowGroup int
	Row      int64
	Column   string
	Value    string
	Err      error
}

// Error returns `file "F", row group G, row R, column "C", value "V":
// cause`, leaving out the parts that are not known.
func (e *RowError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "file %q, row group %d", e.File, e.RowGroup)
	if e.Row > 0 {
		fmt.Fprintf(&b, ", row %d", e.Row)
	}
	if e.Column != "" {
		fmt.Fprintf(&b, ", column %q", e.Column)
	}
	if e.Value != "" {
		fmt.Fprintf(&b, ", value %q", e.Value)
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	return b.String()
}

// Unwrap returns the cause, for errors.Is and errors.As.
func (e *RowError) Unwrap() error { return e.Err }

// Errors of the Parquet reader.
var (
	// ErrCorrupt is a file that is not Parquet, is cut short, or has a
	// page or metadata that cannot be decoded.
	ErrCorrupt = errors.New("cvmparquet: corrupt or truncated Parquet file")
	// ErrColumnType is a mapped column whose type cannot hold what the
	// column is mapped to (a BOOLEAN amount, a DOUBLE customer, a
	// repeated column); the message names the column and its type.
	ErrColumnType = errors.New("cvmparquet: unsupported column type")
	// ErrUnsupported is a cvm.ReadSettings field that only the CSV reader
	// has (NoHeader, Audit).
	ErrUnsupported = errors.New("cvmparquet: setting not supported for Parquet")
)

// Stats counts what a Reader has seen.
type Stats struct {
	RowGroups     int         // row groups in the file
	Rows          int         // rows read
	Transactions  int         // rows returned as transactions
	EmptyCustomer int         // rows skipped because the customer ID is empty or null
	Skipped       int         // bad rows skipped (ReadSettings.SkipBadRows)
	Errors        []*RowError // the first ReadSettings.MaxErrors errors, in row order
}

// Reader reads transactions from a Parquet file. It reads each row group
// whole or not at all: a row group that cannot be decoded, or whose
// columns hold fewer or more values than its rows, is an error, never a
// smaller result. A Reader reads its file once and is not safe for
// concurrent use.
type Reader struct {
	name   string
	r      io.ReaderAt
	file   *parquet.File
	groups []parquet.RowGroup
	first  []int64 // 0-based file row of each row group's first row
	cols   [nRoles]*colSpec
	opts   cvm.ReadSettings
	loc    *time.Location
	stats  Stats
	err    error
	used   bool
	// amountOnly leaves Transaction.Quantity unset (Summarize).
	amountOnly bool
	closer     io.Closer
}

// OpenFile opens the Parquet file at path; see NewReader. The Reader must
// be closed.
func OpenFile(path string, settings *cvm.ReadSettings) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	rd, err := NewReader(f, fi.Size(), path, settings)
	if err != nil {
		f.Close()
		return nil, err
	}
	rd.closer = f
	return rd, nil
}

// Close closes the file opened by OpenFile; for a Reader from NewReader
// it does nothing.
func (rd *Reader) Close() error {
	if rd.closer == nil {
		return nil
	}
	err := rd.closer.Close()
	rd.closer = nil
	return err
}

// NewReader returns a Reader of the Parquet file of size bytes read
// through r; name is the file's name in errors. It reads the file's
// metadata and maps columns as cvm.NewReader maps CSV headers: each of
// settings' Customer, Time, Amount (or Quantity and Price), Order,
// Product, Category and Channel is a top-level column name (matched
// exactly, then ignoring case) or a 1-based position among the top-level
// columns, with the same defaults ("customer", "time", "amount", and
// "order" when the file has it). A missing column is an error wrapping
// cvm.ErrColumn; a column of a type that cannot hold its role, an error
// wrapping ErrColumnType. NoHeader and Audit are not supported (an error
// wrapping ErrUnsupported); Comma, MaxRecordBytes and MaxRecordLines
// concern text only and are ignored. A nil settings means the zero
// cvm.ReadSettings.
//
// A file that is not Parquet, or whose metadata is cut short or does not
// add up (row counts, column chunks outside the file), is an error
// wrapping ErrCorrupt.
func NewReader(r io.ReaderAt, size int64, name string, settings *cvm.ReadSettings) (rd *Reader, err error) {
	rd = &Reader{name: name, r: r}
	if settings != nil {
		rd.opts = *settings
	}
	o := &rd.opts
	switch {
	case o.NoHeader:
		return nil, fmt.Errorf("%w: NoHeader (a Parquet file always names its columns)", ErrUnsupported)
	case o.Audit != nil:
		return nil, fmt.Errorf("%w: Audit", ErrUnsupported)
	case (o.Quantity == "") != (o.Price == ""):
		return nil, fmt.Errorf("cvmparquet: Quantity and Price must be given together")
	}
	if o.MaxErrors == 0 {
		o.MaxErrors = 10
	}
	rd.loc = o.Location
	if rd.loc == nil {
		rd.loc = time.UTC
	}
	defer func() {
		if p := recover(); p != nil {
			rd, err = nil, fmt.Errorf("file %q: %w: parquet-go failed reading the metadata: %v", name, ErrCorrupt, p)
		}
	}()
	if err := checkFooter(r, size); err != nil {
		return nil, fmt.Errorf("file %q: %w: %v", name, ErrCorrupt, err)
	}
	f, err := parquet.OpenFile(r, size, &parquet.FileConfig{SkipPageIndex: true, SkipBloomFilters: true})
	if err != nil {
		return nil, fmt.Errorf("file %q: %w: %v", name, ErrCorrupt, err)
	}
	rd.file = f
	if err := rd.checkMetadata(size); err != nil {
		return nil, fmt.Errorf("file %q: %w: %v", name, ErrCorrupt, err)
	}
	if err := rd.mapColumns(); err != nil {
		return nil, fmt.Errorf("file %q: %w", name, err)
	}
	rd.groups = f.RowGroups()
	rd.stats.RowGroups = len(rd.groups)
	return rd, nil
}

// checkMetadata checks what the footer says against itself and the file
// size, so that lengths read from the file are bounded before they size
// anything.
func (rd *Reader) checkMetadata(size int64) error {
	md := rd.file.Metadata()
	if md.NumRows < 0 {
		return fmt.Errorf("negative row count %d", md.NumRows)
	}
	var rows int64
	rd.first = make([]int64, len(md.RowGroups))
	for g := range md.RowGroups {
		rg := &md.RowGroups[g]
		rd.first[g] = rows
		if rg.NumRows < 0 || rg.NumRows > md.NumRows-rows {
			return fmt.Errorf("row group %d: %d rows do not add up to the file's %d", g, rg.NumRows, md.NumRows)
		}
		rows += rg.NumRows
		for i := range rg.Columns {
			cm := &rg.Columns[i].MetaData
			start := cm.DataPageOffset
			if cm.DictionaryPageOffset != 0 { // as parquet-go reads the chunk
				start = cm.DictionaryPageOffset
			}
			if start < 0 || cm.TotalCompressedSize < 0 || start > size || cm.TotalCompressedSize > size-start {
				return fmt.Errorf("row group %d, column %d: chunk at offset %d of %d bytes is outside the file's %d bytes",
					g, i, start, cm.TotalCompressedSize, size)
			}
			if cm.NumValues < 0 {
				return fmt.Errorf("row group %d, column %d: negative value count", g, i)
			}
		}
	}
	if rows != md.NumRows {
		return fmt.Errorf("row groups hold %d rows, the file says %d", rows, md.NumRows)
	}
	return nil
}

// top is a top-level column of the file.
type top struct {
	el   *format.SchemaElement
	leaf int // leaf index, -1 for a group
}

// mapColumns resolves the settings' columns against the file's top-level
// columns.
func (rd *Reader) mapColumns() error {
	schema := rd.file.Metadata().Schema
	if len(schema) == 0 {
		return fmt.Errorf("%w: empty schema", ErrCorrupt)
	}
	// Walk the flattened schema depth first, noting the top-level
	// columns and counting leaves.
	var tops []top
	leaves := 0
	type frame struct{ left int }
	stack := []frame{{int(schema[0].NumChildren.V)}}
	for i := 1; i < len(schema); i++ {
		for len(stack) > 0 && stack[len(stack)-1].left == 0 {
			stack = stack[:len(stack)-1]
		}
		if len(stack) == 0 {
			return fmt.Errorf("%w: schema has elements after its root's children", ErrCorrupt)
		}
		stack[len(stack)-1].left--
		el := &schema[i]
		n := int(el.NumChildren.V)
		isGroup := el.NumChildren.Valid && n > 0
		if len(stack) == 1 {
			t := top{el: el, leaf: -1}
			if !isGroup {
				t.leaf = leaves
			}
			tops = append(tops, t)
		}
		if isGroup {
			if n > len(schema) {
				return fmt.Errorf("%w: schema element %q claims %d children", ErrCorrupt, el.Name, n)
			}
			stack = append(stack, frame{n})
		} else {
			leaves++
		}
	}
	o := &rd.opts
	resolve := func(spec, def string, r role) (*colSpec, error) {
		if spec == "" {
			spec = def
		}
		idx := -1
		for i, t := range tops {
			if t.el.Name == spec {
				idx = i
				break
			}
		}
		if idx < 0 {
			for i, t := range tops {
				if strings.EqualFold(t.el.Name, spec) {
					idx = i
					break
				}
			}
		}
		if idx < 0 {
			if n, err := strconv.Atoi(spec); err == nil && n >= 1 && n <= len(tops) {
				idx = n - 1
			}
		}
		if idx < 0 {
			names := make([]string, len(tops))
			for i, t := range tops {
				names[i] = t.el.Name
			}
			return nil, fmt.Errorf("%w: %s column %q is not in the file's columns %q", cvm.ErrColumn, roleNames[r], spec, names)
		}
		t := tops[idx]
		if t.leaf < 0 {
			return nil, fmt.Errorf("%w: %s column %q is a group, not a column of values", ErrColumnType, roleNames[r], t.el.Name)
		}
		if err := rd.checkChunks(t); err != nil {
			return nil, fmt.Errorf("%w: %s column %q: %v", ErrCorrupt, roleNames[r], t.el.Name, err)
		}
		c, err := specOf(t.el, t.leaf, r)
		if err != nil {
			return nil, fmt.Errorf("%w: %s column %q %v", ErrColumnType, roleNames[r], t.el.Name, err)
		}
		return &c, nil
	}
	var err error
	if rd.cols[rCustomer], err = resolve(o.Customer, "customer", rCustomer); err != nil {
		return err
	}
	if rd.cols[rTime], err = resolve(o.Time, "time", rTime); err != nil {
		return err
	}
	if o.Quantity != "" {
		if rd.cols[rQuantity], err = resolve(o.Quantity, "", rQuantity); err != nil {
			return err
		}
		if rd.cols[rPrice], err = resolve(o.Price, "", rPrice); err != nil {
			return err
		}
	} else if rd.cols[rAmount], err = resolve(o.Amount, "amount", rAmount); err != nil {
		return err
	}
	switch o.Order {
	case cvm.NoColumn:
	case "":
		if c, err := resolve("order", "", rOrder); err == nil {
			rd.cols[rOrder] = c
		} else if !errors.Is(err, cvm.ErrColumn) {
			return err
		}
	default:
		if rd.cols[rOrder], err = resolve(o.Order, "", rOrder); err != nil {
			return err
		}
	}
	for _, x := range []struct {
		spec string
		r    role
	}{{o.Product, rProduct}, {o.Category, rCategory}, {o.Channel, rChannel}} {
		if x.spec == "" {
			continue
		}
		if rd.cols[x.r], err = resolve(x.spec, "", x.r); err != nil {
			return err
		}
	}
	return nil
}

// checkChunks checks that the column chunks of the leaf column t in every
// row group are that column's: the same path and physical type as the
// schema says. parquet-go decodes pages by the schema's type, so a chunk
// whose metadata says otherwise would be read as values it does not hold.
// A row group without the chunk is left to decodeGroup.
func (rd *Reader) checkChunks(t top) error {
	md := rd.file.Metadata()
	for g := range md.RowGroups {
		cols := md.RowGroups[g].Columns
		if t.leaf >= len(cols) {
			continue
		}
		cm := &cols[t.leaf].MetaData
		if len(cm.PathInSchema) != 1 || cm.PathInSchema[0] != t.el.Name {
			return fmt.Errorf("row group %d: its column chunk %d is of column %q", g, t.leaf, strings.Join(cm.PathInSchema, "."))
		}
		if !t.el.Type.Valid || cm.Type != t.el.Type.V {
			return fmt.Errorf("row group %d: its column chunk holds %s, the schema says %s", g, cm.Type, describe(t.el))
		}
	}
	return nil
}

// NumRows returns the number of rows the file's metadata declares.
func (rd *Reader) NumRows() int64 { return rd.file.NumRows() }

// Stats returns the counts so far. The Errors slice is a copy.
func (rd *Reader) Stats() Stats {
	s := rd.stats
	s.Errors = append([]*RowError(nil), s.Errors...)
	return s
}

// Err returns the error that stopped All or Stream, or nil.
func (rd *Reader) Err() error { return rd.err }

// All returns Stream(context.Background()).
func (rd *Reader) All() iter.Seq[cvm.Transaction] { return rd.Stream(context.Background()) }

// Stream returns an iterator over the file's transactions in file order:
// the row groups are decoded in parallel, on up to GOMAXPROCS goroutines,
// and yielded in order on the calling goroutine, so the sequence is the
// same whatever the number of workers. Each transaction passes
// cvm.Transaction.Validate. Rows whose customer ID is empty or null are
// skipped and counted, unless ReadSettings.FailOnEmptyCustomer is set; a
// bad row (a null, unparsable, NaN or infinite time or amount) stops the
// sequence with a *RowError, unless ReadSettings.SkipBadRows is set.
//
// The sequence stops at the end of the file, when the loop stops, or at
// the first error, which Err then returns: a loop over Stream must check
// Err afterwards, since a corrupt or truncated file ends the sequence
// early and only Err says so. ctx is checked between batches of rows. A
// Reader can be streamed once; a second call yields nothing and sets Err.
func (rd *Reader) Stream(ctx context.Context) iter.Seq[cvm.Transaction] {
	return func(yield func(cvm.Transaction) bool) {
		if rd.used {
			rd.err = errors.New("cvmparquet: the Reader has already been read")
			return
		}
		rd.used = true
		if err := rd.each(ctx, rd.all(), func(b *batch) bool {
			for _, t := range b.txs {
				if !yield(t) {
					return false
				}
			}
			return true
		}); err != nil {
			rd.err = err
		}
	}
}

// all returns the mask of the mapped columns.
func (rd *Reader) all() (need [nRoles]bool) {
	for r := range nRoles {
		need[r] = rd.cols[r] != nil
	}
	return need
}

// ReadAll reads all transactions, as Stream yields them. It returns the
// transactions read before an error together with that error.
func (rd *Reader) ReadAll(ctx context.Context) ([]cvm.Transaction, error) {
	var out []cvm.Transaction
	if n := rd.file.NumRows(); n > 0 && n < 1<<24 {
		out = make([]cvm.Transaction, 0, n)
	}
	for t := range rd.Stream(ctx) {
		out = append(out, t)
	}
	return out, rd.err
}

// Summarize summarises the file's transactions: the same []cvm.Summary,
// bit for bit, as cvm.Summarize of the transactions Stream yields, and
// the same errors (cvm.ErrEmptyInput when no transaction is at or before
// settings.AsOf), except that an error reading the file is returned in
// place of a smaller result.
func (rd *Reader) Summarize(ctx context.Context, settings *cvm.SummarySettings) ([]cvm.Summary, error) {
	// Summaries need the customer, time and amount, and the order only
	// for occasions by order.
	need := rd.all()
	need[rProduct], need[rCategory], need[rChannel] = false, false, false
	if settings == nil || settings.Occasions != cvm.ByOrder {
		need[rOrder] = false
	}
	rd.amountOnly = true
	txs := func(yield func(cvm.Transaction) bool) {
		if rd.used {
			rd.err = errors.New("cvmparquet: the Reader has already been read")
			return
		}
		rd.used = true
		if err := rd.each(ctx, need, func(b *batch) bool {
			for _, t := range b.txs {
				if !yield(t) {
					return false
				}
			}
			return true
		}); err != nil {
			rd.err = err
		}
	}
	sums, err := cvm.Summarize(ctx, txs, settings)
	if rd.err != nil {
		return nil, rd.err
	}
	return sums, err
}

// batchRows is how many rows a worker decodes at a time; it bounds the
// memory of the rows in flight.
const batchRows = 8192

// batch is a run of decoded rows of one row group.
type batch struct {
	txs   []cvm.Transaction
	errs  []batchErr // bad rows, in row order
	rows  int
	empty int
	err   error // the row group failed after these rows
}

type batchErr struct {
	at int // the bad row came before txs[at]
	e  *RowError
}

// each decodes the row groups on up to GOMAXPROCS workers and calls fn
// with each batch in file order on the calling goroutine, until fn
// returns false or an error. Every goroutine it starts has ended when it
// returns.
func (rd *Reader) each(ctx context.Context, need [nRoles]bool, fn func(b *batch) bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ng := len(rd.groups)
	if ng == 0 {
		return nil
	}
	workers := min(runtime.GOMAXPROCS(0), ng)
	outs := make([]chan *batch, ng)
	for g := range outs {
		outs[g] = make(chan *batch, 2)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	next := 0
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				g := next
				next++
				mu.Unlock()
				if g >= ng {
					return
				}
				rd.decodeGroup(g, need, outs[g], done)
				close(outs[g])
			}
		}()
	}
	defer func() {
		close(done)
		wg.Wait()
	}()
	o := &rd.opts
	for g := range ng {
		for b := range outs[g] {
			rd.stats.Rows += b.rows
			rd.stats.EmptyCustomer += b.empty
			at := 0
			for _, be := range b.errs {
				if !fn(&batch{txs: b.txs[at:be.at]}) {
					return nil
				}
				rd.stats.Transactions += be.at - at
				at = be.at
				if len(rd.stats.Errors) < o.MaxErrors {
					rd.stats.Errors = append(rd.stats.Errors, be.e)
				}
				if !o.SkipBadRows {
					return be.e
				}
				rd.stats.Skipped++
			}
			if !fn(&batch{txs: b.txs[at:]}) {
				return nil
			}
			rd.stats.Transactions += len(b.txs) - at
			if b.err != nil {
				return b.err
			}
			if o.Progress != nil {
				o.Progress(rd.stats.Rows)
			}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
	return nil
}

// cursor reads the values of one column chunk, page after page.
type cursor struct {
	pages parquet.Pages
	vr    parquet.ValueReader
	read  int64          // values read
	stuck int            // reads in a row that gave nothing
	held  []parquet.Page // pages whose values may be in the current batch, the last one being read
}

// release gives back the pages of the batch just converted, but the one
// still being read.
func (c *cursor) release() {
	if len(c.held) == 0 {
		return
	}
	last := len(c.held) - 1
	if c.vr == nil { // the last page is finished too
		last++
	}
	for _, p := range c.held[:last] {
		parquet.Release(p)
	}
	c.held = append(c.held[:0], c.held[last:]...)
}

// next fills dst with the next len(dst) values; fewer is an error.
func (c *cursor) next(dst []parquet.Value) error {
	for len(dst) > 0 {
		if c.vr == nil {
			p, err := c.pages.ReadPage()
			if err == io.EOF {
				return fmt.Errorf("the column ends after %d values", c.read)
			}
			if err != nil {
				return err
			}
			c.held = append(c.held, p)
			if len(p.RepetitionLevels()) > 0 {
				return errors.New("page has repetition levels")
			}
			c.vr = p.Values()
		}
		n, err := c.vr.ReadValues(dst)
		if n < 0 || n > len(dst) {
			return fmt.Errorf("page reader returned %d values for %d", n, len(dst))
		}
		dst = dst[n:]
		c.read += int64(n)
		switch {
		case err == io.EOF:
			c.vr = nil
		case err != nil:
			return err
		case n == 0:
			if c.stuck++; c.stuck > 100 {
				return io.ErrNoProgress
			}
			continue
		}
		c.stuck = 0
	}
	return nil
}

// end checks that the column chunk has no values left.
func (c *cursor) end() error {
	var one [1]parquet.Value
	for range 1000 {
		if c.vr == nil {
			p, err := c.pages.ReadPage()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			c.vr = p.Values()
		}
		n, err := c.vr.ReadValues(one[:])
		if n > 0 {
			return fmt.Errorf("the column has more values than the row group's rows")
		}
		if err == io.EOF {
			c.vr = nil
		} else if err != nil {
			return err
		}
	}
	return io.ErrNoProgress
}

// decodeGroup decodes row group g into batches sent on out, stopping
// early when done is closed.
func (rd *Reader) decodeGroup(g int, need [nRoles]bool, out chan<- *batch, done <-chan struct{}) {
	send := func(b *batch) bool {
		select {
		case out <- b:
			return true
		case <-done:
			return false
		}
	}
	var cur *colSpec // the column being read, for errors
	fail := func(err error) *RowError {
		e := &RowError{File: rd.name, RowGroup: g, Err: fmt.Errorf("%w: %v", ErrCorrupt, err)}
		if cur != nil {
			e.Column = cur.name
		}
		return e
	}
	rg := rd.groups[g]
	nrows := rg.NumRows()
	var cols []*colSpec
	var curs []*cursor
	// The recover is deferred first, so that it runs last and also
	// catches a panic in closing the pages.
	defer func() {
		if p := recover(); p != nil {
			send(&batch{err: fail(fmt.Errorf("parquet-go failed decoding: %v", p))})
		}
	}()
	defer func() {
		for _, c := range curs {
			c.pages.Close()
		}
	}()
	chunks := rg.ColumnChunks()
	var cs [nRoles]*colSpec // the columns read
	for r := range nRoles {
		if need[r] {
			cs[r] = rd.cols[r]
		}
	}
	for r := range nRoles {
		c := cs[r]
		if c == nil {
			continue
		}
		if c.leaf >= len(chunks) {
			cur = c
			send(&batch{err: fail(fmt.Errorf("row group has %d column chunks", len(chunks)))})
			return
		}
		cur = c
		cm := &rd.file.Metadata().RowGroups[g].Columns[c.leaf].MetaData
		off := cm.DataPageOffset
		if cm.DictionaryPageOffset != 0 {
			off = cm.DictionaryPageOffset
		}
		if err := checkPages(rd.r, off, cm.TotalCompressedSize, nrows); err != nil {
			send(&batch{err: fail(err)})
			return
		}
		cols = append(cols, c)
		curs = append(curs, &cursor{pages: chunks[c.leaf].Pages()})
	}
	vals := make([][]parquet.Value, nRoles)
	for r := range nRoles {
		if cs[r] != nil {
			vals[r] = make([]parquet.Value, batchRows)
		}
	}
	var st decodeState
	for lo := int64(0); lo < nrows; lo += batchRows {
		n := int(min(batchRows, nrows-lo))
		k := 0
		for r := range nRoles {
			if cs[r] == nil {
				continue
			}
			cur = cols[k]
			if err := curs[k].next(vals[r][:n]); err != nil {
				send(&batch{err: fail(err)})
				return
			}
			k++
		}
		cur = nil
		b := &batch{txs: make([]cvm.Transaction, 0, n), rows: n}
		rd.convert(b, &cs, vals, n, rd.first[g]+lo, g, &st)
		for _, c := range curs {
			c.release()
		}
		if !send(b) {
			return
		}
	}
	for k, c := range curs {
		cur = cols[k]
		if err := c.end(); err != nil {
			send(&batch{err: fail(err)})
			return
		}
	}
}

// decodeState is what a worker keeps between batches of a row group: the
// last strings, reused when the next row repeats them.
type decodeState struct {
	cust, order, product, category, channel string
}

// convert turns n rows of decoded values into transactions; row0 is the
// 0-based file row of the first.
func (rd *Reader) convert(b *batch, c *[nRoles]*colSpec, vals [][]parquet.Value, n int, row0 int64, g int, st *decodeState) {
	o := &rd.opts
	bad := func(i int, r role, v parquet.Value, err error) {
		e := &RowError{File: rd.name, RowGroup: g, Row: row0 + int64(i) + 1, Column: c[r].name, Value: c[r].text(v), Err: err}
		b.errs = append(b.errs, batchErr{at: len(b.txs), e: e})
	}
	for i := range n {
		cust, _ := c[rCustomer].str(vals[rCustomer][i], st.cust)
		if cust == "" {
			if o.FailOnEmptyCustomer {
				bad(i, rCustomer, vals[rCustomer][i], cvm.ErrEmptyCustomer)
			} else {
				b.empty++
			}
			continue
		}
		st.cust = cust
		tv := vals[rTime][i]
		sec, nsec, ok := c[rTime].instant(tv, o.TimeLayout, rd.loc)
		if !ok {
			bad(i, rTime, tv, cvm.ErrBadTime)
			continue
		}
		if sec == zeroUnix && nsec == 0 {
			bad(i, rTime, tv, cvm.ErrZeroTime)
			continue
		}
		t := cvm.Transaction{Customer: cust}
		if rd.loc == time.UTC {
			t.Time = time.Unix(sec, int64(nsec)).UTC()
		} else {
			t.Time = time.Unix(sec, int64(nsec)).In(rd.loc)
		}
		if c[rAmount] != nil {
			v := vals[rAmount][i]
			a, ok := c[rAmount].number(v)
			if !ok {
				bad(i, rAmount, v, cvm.ErrBadAmount)
				continue
			}
			if !finite(a) {
				bad(i, rAmount, v, cvm.ErrNonFinite)
				continue
			}
			t.Amount = a
		} else {
			qv, pv := vals[rQuantity][i], vals[rPrice][i]
			a, qok, pok := product(c[rQuantity], c[rPrice], qv, pv)
			switch {
			case !qok:
				bad(i, rQuantity, qv, cvm.ErrBadAmount)
				continue
			case !pok:
				bad(i, rPrice, pv, cvm.ErrBadAmount)
				continue
			case !finite(a):
				bad(i, rQuantity, qv, cvm.ErrNonFinite)
				continue
			}
			t.Amount = a
			if !rd.amountOnly {
				t.Quantity, _ = c[rQuantity].number(qv)
			}
		}
		if c[rOrder] != nil {
			t.Order, _ = c[rOrder].str(vals[rOrder][i], st.order)
			st.order = t.Order
		}
		if c[rProduct] != nil {
			t.Product, _ = c[rProduct].str(vals[rProduct][i], st.product)
			st.product = t.Product
		}
		if c[rCategory] != nil {
			t.Category, _ = c[rCategory].str(vals[rCategory][i], st.category)
			st.category = t.Category
		}
		if c[rChannel] != nil {
			t.Channel, _ = c[rChannel].str(vals[rChannel][i], st.channel)
			st.channel = t.Channel
		}
		b.txs = append(b.txs, t)
	}
}

// zeroUnix is the Unix time of the zero time.Time, which
// cvm.Transaction.Validate rejects.
var zeroUnix = time.Time{}.Unix()

func finite(f float64) bool { return f-f == 0 }
