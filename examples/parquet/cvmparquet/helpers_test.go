package cvmparquet

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/parquet-go/parquet-go"
)

var ctx = context.Background()

// synthCSV returns a CSV of transactions from a seeded generator: n
// customers with 1 to 12 rows each, times with sub-second digits,
// amounts with up to two decimals (some negative, some zero), orders of
// one to three rows, products, categories and channels, rows of a
// customer together or shuffled.
func synthCSV(seed uint64, n int, shuffle bool) string {
	rng := rand.New(rand.NewPCG(seed, 7))
	var lines []string
	base := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	for c := range n {
		k := 1 + rng.IntN(12)
		order := 0
		for j := range k {
			if j == 0 || rng.IntN(3) == 0 {
				order++
			}
			sec := base + rng.Int64N(730*86400)
			ns := 0
			if rng.IntN(2) == 0 {
				ns = rng.IntN(1e9)
			}
			ts := time.Unix(sec, int64(ns)).UTC().Format("2006-01-02 15:04:05.999999999")
			cents := rng.IntN(50000)
			if rng.IntN(10) == 0 {
				cents = -cents
			}
			amt := strconv.FormatFloat(float64(cents)/100, 'f', -1, 64)
			lines = append(lines, fmt.Sprintf("C%05d,%s,%s,O%d-%d,P%d,cat%d,%s", c, ts, amt, c, order,
				rng.IntN(50), rng.IntN(5), [...]string{"web", "store", ""}[rng.IntN(3)]))
		}
	}
	if shuffle {
		rng.Shuffle(len(lines), func(i, j int) { lines[i], lines[j] = lines[j], lines[i] })
	}
	return "customer,time,amount,order,product,category,channel\n" + strings.Join(lines, "\n") + "\n"
}

// allColumns maps every optional column of synthCSV.
var allColumns = &cvm.ReadSettings{Product: "product", Category: "category", Channel: "channel"}

// csvTransactions reads CSV text with the core reader.
func csvTransactions(t testing.TB, text string, rs *cvm.ReadSettings) []cvm.Transaction {
	t.Helper()
	rd, err := cvm.NewReader(strings.NewReader(text), rs)
	if err != nil {
		t.Fatal(err)
	}
	txs, err := rd.ReadAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return txs
}

// toParquet writes transactions with Write.
func toParquet(t testing.TB, txs []cvm.Transaction, ws *WriteSettings) []byte {
	t.Helper()
	var buf bytes.Buffer
	n, err := Write(ctx, &buf, func(yield func(cvm.Transaction) bool) {
		for _, tx := range txs {
			if !yield(tx) {
				return
			}
		}
	}, ws)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(txs) {
		t.Fatalf("Write wrote %d, want %d", n, len(txs))
	}
	return buf.Bytes()
}

// open returns a Reader of data named "test.parquet".
func open(t testing.TB, data []byte, rs *cvm.ReadSettings) *Reader {
	t.Helper()
	rd, err := NewReader(bytes.NewReader(data), int64(len(data)), "test.parquet", rs)
	if err != nil {
		t.Fatal(err)
	}
	return rd
}

// sameTransactions reports the first difference between two streams:
// every field equal, times the same instant in the same location, amounts
// the same bits.
func sameTransactions(t *testing.T, got, want []cvm.Transaction) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d transactions, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Customer != w.Customer || !g.Time.Equal(w.Time) || g.Time.Location() != w.Time.Location() ||
			math.Float64bits(g.Amount) != math.Float64bits(w.Amount) || g.Order != w.Order ||
			math.Float64bits(g.Quantity) != math.Float64bits(w.Quantity) ||
			g.Product != w.Product || g.Category != w.Category || g.Channel != w.Channel {
			t.Fatalf("transaction %d: got %+v, want %+v", i, g, w)
		}
	}
}

// sameSummaries reports the first customer whose summary differs in any
// bit.
func sameSummaries(t *testing.T, got, want []cvm.Summary) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d summaries, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Customer != w.Customer || !g.First.Equal(w.First) || !g.Last.Equal(w.Last) ||
			g.Occasions != w.Occasions || g.Transactions != w.Transactions ||
			math.Float64bits(g.Total) != math.Float64bits(w.Total) ||
			math.Float64bits(g.Returns) != math.Float64bits(w.Returns) {
			t.Fatalf("customer %d: got %+v, want %+v", i, g, w)
		}
	}
}

// col is a column of a test file: its name, schema node and values
// (parquet.NullValue() for a null).
type col struct {
	name string
	node parquet.Node
	vals []parquet.Value
}

// build writes a Parquet file of the columns with parquet-go's writer.
func build(t testing.TB, cols []col, opts ...parquet.WriterOption) []byte {
	t.Helper()
	g := parquet.Group{}
	byName := map[string]col{}
	for _, c := range cols {
		g[c.name] = c.node
		byName[c.name] = c
	}
	schema := parquet.NewSchema("test", g)
	var buf bytes.Buffer
	w := parquet.NewWriter(&buf, append([]parquet.WriterOption{schema}, opts...)...)
	n := len(cols[0].vals)
	var rows []parquet.Row
	for i := range n {
		var row parquet.Row
		for j, path := range schema.Columns() {
			c := byName[path[0]]
			v := c.vals[i]
			def := 0
			if c.node.Optional() && !v.IsNull() {
				def = 1
			}
			row = append(row, v.Level(0, def, j))
		}
		rows = append(rows, row)
	}
	if _, err := w.WriteRows(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// strs returns byte array values of s.
func strs(s ...string) []parquet.Value {
	v := make([]parquet.Value, len(s))
	for i, x := range s {
		v[i] = parquet.ByteArrayValue([]byte(x))
	}
	return v
}

// dataDir is the folder of the real data sets (/work/shared/data's
// README): CVM_DATA, or the shared folder beside the main checkout; tests
// that need it skip when it is absent.
func dataDir(t testing.TB, name string) string {
	dir := os.Getenv("CVM_DATA")
	if dir == "" {
		dir = "../../../../shared/data"
	}
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("%s not found (set CVM_DATA to the data folder): %v", name, err)
	}
	return path
}
