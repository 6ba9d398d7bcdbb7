package cvmbeam

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"iter"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local" // plain paths
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/examples/parquet/cvmparquet"
)

func init() {
	beam.RegisterType(reflect.TypeOf((*Row)(nil)).Elem())
	beam.RegisterType(reflect.TypeOf((*Clock)(nil)).Elem())
	beam.RegisterType(reflect.TypeOf((*Month)(nil)).Elem())
	beam.RegisterType(reflect.TypeOf((*Cut)(nil)).Elem())
	register.DoFn4x1[context.Context, string, func(string, Row), func(Clock), error](&readFn{})
	register.Emitter2[string, Row]()
	register.Emitter1[Clock]()
	register.Function2x1(mergeClocks)
	register.DoFn2x1[Clock, func(Cut), error](&cutFn{})
	register.Emitter1[Cut]()
}

// ReadSettings are the CSV reader's settings that a pipeline carries to its
// workers: the fields of cvm.ReadSettings that are data (no callbacks),
// each with cvm.ReadSettings' meaning and zero value. Location is always
// UTC.
type ReadSettings struct {
	Customer, Time, Amount     string
	Quantity, Price            string
	Product, Category, Channel string
	Order                      string
	NoHeader                   bool
	Comma                      rune
	TimeLayout                 string
	SkipBadRows                bool
	FailOnEmptyCustomer        bool
}

func (r *ReadSettings) cvm() *cvm.ReadSettings {
	return &cvm.ReadSettings{Customer: r.Customer, Time: r.Time, Amount: r.Amount, Quantity: r.Quantity, Price: r.Price,
		Product: r.Product, Category: r.Category, Channel: r.Channel, Order: r.Order, NoHeader: r.NoHeader, Comma: r.Comma,
		TimeLayout: r.TimeLayout, SkipBadRows: r.SkipBadRows, FailOnEmptyCustomer: r.FailOnEmptyCustomer}
}

// Row is one transaction without its customer (the key it travels under),
// with its position in the input: Shard is the index of its file and Seq
// its index among the file's transactions. Customers' transactions are put
// back in (Shard, Seq) order after grouping, the order of the files read
// one after the other, so that every per-customer figure (sums in stream
// order) has the bits of the single-machine path.
type Row struct {
	Shard    int32
	Seq      int64
	Sec      int64
	Nsec     int32
	Amount   float64
	Order    string
	Quantity float64
	Product  string
	Category string
	Channel  string
}

// Transaction returns the row as customer id's cvm.Transaction (time in UTC).
func (r *Row) Transaction(id string) cvm.Transaction {
	return cvm.Transaction{Customer: id, Time: time.Unix(r.Sec, int64(r.Nsec)).UTC(), Amount: r.Amount, Order: r.Order,
		Quantity: r.Quantity, Product: r.Product, Category: r.Category, Channel: r.Channel}
}

// Clock is the global aggregate of the transactions' times that the
// default as-of and the lifecycle's data span need: a count, the earliest
// time and, by UTC month, the count and the earliest and latest time, as
// cvm.Auditor keeps them. Clocks of any partition of the transactions
// merge (in any order) into the clock of all of them.
type Clock struct {
	Tx       int64
	FirstSec int64
	FirstNs  int32
	Months   []Month // sorted by Key
}

// Month is one UTC month of a Clock: Key is year*12 + month-1 (times
// before year 0 share key -1, those from year 10000 key 120000, as in
// cvm.Auditor).
type Month struct {
	Key            int64
	N              int64
	MinSec, MaxSec int64
	MinNs, MaxNs   int32
}

func before(s1 int64, n1 int32, s2 int64, n2 int32) bool { return s1 < s2 || s1 == s2 && n1 < n2 }

func monthKey(sec int64) int64 {
	y, m, _ := time.Unix(sec, 0).UTC().Date()
	k := int64(y)*12 + int64(m-1)
	switch {
	case k < 0:
		k = -1
	case k > 10000*12:
		k = 10000 * 12
	}
	return k
}

// add adds one transaction time to c's month m (an index into c.Months or
// -1), returning the index of the month.
func (c *Clock) add(sec int64, ns int32, at int) int {
	if c.Tx == 0 || before(sec, ns, c.FirstSec, c.FirstNs) {
		c.FirstSec, c.FirstNs = sec, ns
	}
	c.Tx++
	if at < 0 || c.Months[at].Key != monthKey(sec) {
		k := monthKey(sec)
		i, ok := slices.BinarySearchFunc(c.Months, k, func(m Month, k int64) int { return compare(m.Key, k) })
		if !ok {
			c.Months = slices.Insert(c.Months, i, Month{Key: k, MinSec: sec, MinNs: ns, MaxSec: sec, MaxNs: ns})
		}
		at = i
	}
	m := &c.Months[at]
	m.N++
	if before(sec, ns, m.MinSec, m.MinNs) {
		m.MinSec, m.MinNs = sec, ns
	}
	if before(m.MaxSec, m.MaxNs, sec, ns) {
		m.MaxSec, m.MaxNs = sec, ns
	}
	return at
}

func compare(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// mergeClocks merges two clocks; it does not modify its arguments.
func mergeClocks(a, b Clock) Clock {
	if a.Tx == 0 {
		return b
	}
	if b.Tx == 0 {
		return a
	}
	out := Clock{Tx: a.Tx + b.Tx, FirstSec: a.FirstSec, FirstNs: a.FirstNs}
	if before(b.FirstSec, b.FirstNs, a.FirstSec, a.FirstNs) {
		out.FirstSec, out.FirstNs = b.FirstSec, b.FirstNs
	}
	i, j := 0, 0
	for i < len(a.Months) || j < len(b.Months) {
		switch {
		case j == len(b.Months) || i < len(a.Months) && a.Months[i].Key < b.Months[j].Key:
			out.Months = append(out.Months, a.Months[i])
			i++
		case i == len(a.Months) || b.Months[j].Key < a.Months[i].Key:
			out.Months = append(out.Months, b.Months[j])
			j++
		default:
			m, n := a.Months[i], b.Months[j]
			m.N += n.N
			if before(n.MinSec, n.MinNs, m.MinSec, m.MinNs) {
				m.MinSec, m.MinNs = n.MinSec, n.MinNs
			}
			if before(m.MaxSec, m.MaxNs, n.MaxSec, n.MaxNs) {
				m.MaxSec, m.MaxNs = n.MaxSec, n.MaxNs
			}
			out.Months = append(out.Months, m)
			i, j = i+1, j+1
		}
	}
	return out
}

// DefaultAsOf returns cvm's default as-of for the transactions of c, the
// rule of cvm.Report.AsOf: the end of the UTC day of the last plausible
// transaction, where the plausible months lie within max(10 x IQR, 12)
// months of the quartile months of the transactions. It returns the zero
// time for an empty clock.
func (c *Clock) DefaultAsOf() time.Time {
	n := c.Tx
	if n == 0 {
		return time.Time{}
	}
	r1, r3 := (n+3)/4, (3*n+3)/4
	var q1, q3, cum int64
	for _, m := range c.Months {
		lo := cum
		cum += m.N
		if lo < r1 && r1 <= cum {
			q1 = m.Key
		}
		if lo < r3 && r3 <= cum {
			q3 = m.Key
		}
	}
	margin := max(10*(q3-q1), 12)
	lo, hi := q1-margin, q3+margin
	var sec int64
	var ns int32
	found := false
	for _, m := range c.Months {
		if m.Key < lo || m.Key > hi {
			continue
		}
		if !found || before(sec, ns, m.MaxSec, m.MaxNs) {
			sec, ns, found = m.MaxSec, m.MaxNs, true
		}
	}
	return cvm.EndOfDay(time.Unix(sec, int64(ns)).UTC())
}

// Cut is the pipeline's as-of and the earliest transaction time, the
// global figures every per-customer stage needs (a side input).
type Cut struct {
	AsOfSec  int64
	AsOfNs   int32
	FirstSec int64
	FirstNs  int32
	Tx       int64
}

// AsOf returns the as-of.
func (c Cut) AsOf() time.Time { return time.Unix(c.AsOfSec, int64(c.AsOfNs)).UTC() }

// First returns the earliest transaction time.
func (c Cut) First() time.Time { return time.Unix(c.FirstSec, int64(c.FirstNs)).UTC() }

// cutFn turns the merged Clock of the shards into the Cut of the run.
type cutFn struct {
	// AsOfSec and AsOfNs are the given as-of in Unix seconds and
	// nanoseconds; Fixed reports whether one was given (else the default).
	AsOfSec int64
	AsOfNs  int32
	Fixed   bool
}

// ProcessElement emits the Cut of the merged clock c.
func (f *cutFn) ProcessElement(c Clock, emit func(Cut)) error {
	if c.Tx == 0 {
		return fmt.Errorf("cvmbeam: %w", cvm.ErrEmptyInput)
	}
	out := Cut{AsOfSec: f.AsOfSec, AsOfNs: f.AsOfNs, FirstSec: c.FirstSec, FirstNs: c.FirstNs, Tx: c.Tx}
	if !f.Fixed {
		t := c.DefaultAsOf()
		out.AsOfSec, out.AsOfNs = t.Unix(), int32(t.Nanosecond())
	}
	emit(out)
	return nil
}

// Transactions are the transactions of a pipeline, keyed by customer
// (KV<string, Row>), and the Cut (a singleton PCollection) with the as-of:
// the given one, or cvm's default computed from the merged Clocks of the
// shards.
type Transactions struct {
	Rows beam.PCollection
	Cut  beam.PCollection
}

// ReadCSV reads the CSV files (gzip allowed) with cvm.NewReader, one file
// a shard read by one worker, and keys each transaction by its customer.
// A file whose name ends in ".parquet" is read with cvmparquet (the
// columns mapped by the same names; see openShard), so a pipeline may mix
// CSV and Parquet shards.
// A zero asOf means cvm's default (cvm.Report.AsOf over all the files).
// Rows after the as-of are kept: each stage cuts at the as-of as the
// single-machine path does.
func ReadCSV(s beam.Scope, files []string, rs ReadSettings, asOf time.Time) Transactions {
	s = s.Scope("cvm.ReadCSV")
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = strconv.Itoa(i) + "\x00" + f
	}
	paths := beam.CreateList(s, names)
	rows, clocks := beam.ParDo2(s, &readFn{Settings: rs}, paths)
	clock := beam.Combine(s, mergeClocks, clocks)
	cut := beam.ParDo(s, &cutFn{AsOfSec: asOf.Unix(), AsOfNs: int32(asOf.Nanosecond()), Fixed: !asOf.IsZero()}, clock)
	return Transactions{Rows: rows, Cut: cut}
}

// readFn reads one shard, "index\x00path", with cvm.NewReader, emitting
// its transactions keyed by customer and, at the end, its Clock.
type readFn struct {
	Settings ReadSettings
}

// ProcessElement reads shard, emitting each transaction keyed by its
// customer and then the shard's Clock.
func (f *readFn) ProcessElement(ctx context.Context, shard string, emit func(string, Row), emitClock func(Clock)) error {
	idx, path, ok := strings.Cut(shard, "\x00")
	n, err := strconv.Atoi(idx)
	if !ok || err != nil {
		return fmt.Errorf("cvmbeam: bad shard %q", shard)
	}
	fsys, err := filesystem.New(ctx, path)
	if err != nil {
		return err
	}
	defer fsys.Close()
	in, err := fsys.OpenRead(ctx, path)
	if err != nil {
		return err
	}
	defer in.Close()
	rd, err := openShard(in, path, f.Settings.cvm())
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	var c Clock
	at := -1
	var seq int64
	for t := range rd.All() {
		sec, ns := t.Time.Unix(), int32(t.Time.Nanosecond())
		emit(t.Customer, Row{Shard: int32(n), Seq: seq, Sec: sec, Nsec: ns, Amount: t.Amount, Order: t.Order,
			Quantity: t.Quantity, Product: t.Product, Category: t.Category, Channel: t.Channel})
		seq++
		at = c.add(sec, ns, at)
	}
	if err := rd.Err(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	emitClock(c)
	return nil
}

// sortRows puts a customer's rows back in input order.
func sortRows(rows []Row) {
	slices.SortFunc(rows, func(a, b Row) int {
		if a.Shard != b.Shard {
			return compare(int64(a.Shard), int64(b.Shard))
		}
		return compare(a.Seq, b.Seq)
	})
}

// gather collects a customer's grouped rows in input order as
// transactions.
func gather(id string, iter func(*Row) bool, dst []cvm.Transaction) []cvm.Transaction {
	var rows []Row
	var r Row
	for iter(&r) {
		rows = append(rows, r)
	}
	sortRows(rows)
	dst = dst[:0]
	for i := range rows {
		dst = append(dst, rows[i].Transaction(id))
	}
	return dst
}

// shard is what a shard's reader gives: cvm.Reader for CSV,
// cvmparquet.Reader for Parquet.
type shard interface {
	All() iter.Seq[cvm.Transaction]
	Err() error
}

// openShard returns the reader of one shard: cvmparquet for a name ending
// in ".parquet", cvm.NewReader otherwise. Parquet needs random access, so a
// Parquet shard is read whole into memory first (its row groups are then
// decoded in parallel); keep Parquet shards to a size a worker holds.
func openShard(in io.Reader, path string, rs *cvm.ReadSettings) (shard, error) {
	if !strings.HasSuffix(strings.ToLower(path), ".parquet") {
		return cvm.NewReader(in, rs)
	}
	data, err := io.ReadAll(in)
	if err != nil {
		return nil, err
	}
	return cvmparquet.NewReader(bytes.NewReader(data), int64(len(data)), path, rs)
}
