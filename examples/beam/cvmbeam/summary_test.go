package cvmbeam

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/examples/parquet/cvmparquet"
	"github.com/cvmkit/cvm/internal/synth"
)

func TestMain(m *testing.M) { ptest.MainWithDefault(m, "prism") }

// dataDir is the shared data folder: CVM_DATA, or ../../../shared/data
// from this package (the folder beside the repository).
func dataDir() string { return cmp.Or(os.Getenv("CVM_DATA"), "../../../../shared/data") }

func runPipeline(t *testing.T, p *beam.Pipeline) {
	t.Helper()
	if _, err := prism.Execute(context.Background(), p); err != nil {
		t.Fatal(err)
	}
}

// writeShards writes txs as CSV files of n shards in dir, each
// transaction to a random shard (in stream order within its shard), and
// returns the paths and the transactions in the order of the files read
// one after the other, the single-machine stream.
func writeShards(t *testing.T, dir string, txs []cvm.Transaction, n int, seed uint64) ([]string, []cvm.Transaction) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	shards := make([][]cvm.Transaction, n)
	for _, tx := range txs {
		k := rng.IntN(n)
		shards[k] = append(shards[k], tx)
	}
	var paths []string
	var stream []cvm.Transaction
	for k, sh := range shards {
		p := filepath.Join(dir, fmt.Sprintf("tx-%d.csv", k))
		var b strings.Builder
		b.WriteString("customer,time,amount,order,product\n")
		for _, tx := range sh {
			fmt.Fprintf(&b, "%s,%s,%s,%s,%s\n", tx.Customer, tx.Time.UTC().Format(time.RFC3339Nano), strconv.FormatFloat(tx.Amount, 'f', -1, 64), tx.Order, tx.Product)
		}
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
		stream = append(stream, sh...)
	}
	return paths, stream
}

// synthetic returns synthetic transactions in time order (customers
// interleaved) with returns, cents that do not add exactly in float64, and
// one row far in the future that the default as-of must leave out.
func synthetic(customers int, seed uint64) []cvm.Transaction {
	var txs []cvm.Transaction
	rng := rand.New(rand.NewPCG(seed, 2))
	for tx := range synth.Transactions(synth.Config{Customers: customers, Seed: seed}) {
		tx.Amount = math.Round(tx.Amount*100) / 100
		if rng.IntN(20) == 0 {
			tx.Amount = -math.Round(rng.Float64()*5000) / 100
		}
		if rng.IntN(10) == 0 {
			tx.Amount += 0.1
		}
		if tx.Customer[len(tx.Customer)-1]%2 == 0 {
			tx.Product = fmt.Sprintf("P%d", rng.IntN(30))
		}
		txs = append(txs, tx)
	}
	slices.SortStableFunc(txs, func(a, b cvm.Transaction) int { return a.Time.Compare(b.Time) })
	txs = append(txs, cvm.Transaction{Customer: txs[0].Customer, Time: time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), Amount: 1, Order: "late"})
	return txs
}

// readSummaryCSV parses cvm summary's CSV.
func readSummaryCSV(t *testing.T, path string) []cvm.Summary {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	if !sc.Scan() || sc.Text() != cvm.SummaryCSVHeader {
		t.Fatalf("%s: header %q, want %q", path, sc.Text(), cvm.SummaryCSVHeader)
	}
	var out []cvm.Summary
	num := func(s string) float64 {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for sc.Scan() {
		f := strings.Split(sc.Text(), ",")
		if len(f) != 8 {
			t.Fatalf("%s: line %q", path, sc.Text())
		}
		s := cvm.Summary{Customer: f[0], Total: num(f[5]), Returns: num(f[6])}
		if f[1] != "" {
			s.First, _ = time.Parse(time.RFC3339Nano, f[1])
			s.Last, _ = time.Parse(time.RFC3339Nano, f[2])
		}
		s.Occasions, _ = strconv.Atoi(f[3])
		s.Transactions, _ = strconv.Atoi(f[4])
		if got, want := num(f[7]), s.Mean(); math.Float64bits(got) != math.Float64bits(want) {
			t.Errorf("%s: mean %v, want %v", f[0], got, want)
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// sameSummaries reports every customer whose summary differs in any bit.
func sameSummaries(t *testing.T, got, want []cvm.Summary) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d summaries, want %d", len(got), len(want))
	}
	bad := 0
	for i := range min(len(got), len(want)) {
		g, w := got[i], want[i]
		if g.Customer != w.Customer || !g.First.Equal(w.First) || !g.Last.Equal(w.Last) || g.Occasions != w.Occasions ||
			g.Transactions != w.Transactions || math.Float64bits(g.Total) != math.Float64bits(w.Total) || math.Float64bits(g.Returns) != math.Float64bits(w.Returns) {
			if bad++; bad <= 5 {
				t.Errorf("summary %d: got %+v, want %+v", i, g, w)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d summaries differ", bad, len(want))
	}
}

// wantSummaries is the single-machine path: cvm's Auditor for the default
// as-of and cvm.Summarize over the stream.
func wantSummaries(t *testing.T, stream []cvm.Transaction, asOf time.Time) []cvm.Summary {
	t.Helper()
	if asOf.IsZero() {
		a := cvm.NewAuditor(&cvm.AuditSettings{TimeOnly: true})
		for _, tx := range stream {
			a.Add(tx)
		}
		asOf = a.Report().AsOf
	}
	sums, err := cvm.Summarize(context.Background(), slices.Values(stream), &cvm.SummarySettings{AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	return sums
}

func TestSummariesSynthetic(t *testing.T) {
	for _, tc := range []struct {
		name      string
		customers int
		shards    int
		asOf      time.Time
	}{
		{"default as-of, 3 shards", 2000, 3, time.Time{}},
		{"as-of mid-data, 1 shard", 500, 1, time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			paths, stream := writeShards(t, dir, synthetic(tc.customers, 7), tc.shards, 11)
			out := filepath.Join(dir, "summary.csv")
			p, s := beam.NewPipelineWithRoot()
			SummaryCSV(s, Summaries(s, ReadCSV(s, paths, ReadSettings{}, tc.asOf)), out)
			runPipeline(t, p)
			sameSummaries(t, readSummaryCSV(t, out), wantSummaries(t, stream, tc.asOf))
		})
	}
}

func TestSummariesCDNOW(t *testing.T) {
	path := filepath.Join(dataDir(), "CDNOW_master.txt")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("CDNOW master not found (set CVM_DATA): %v", err)
	}
	rs := ReadSettings{Customer: "1", Time: "2", Amount: "4", Order: cvm.NoColumn, Comma: cvm.Whitespace}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := cvm.NewReader(f, rs.cvm())
	if err != nil {
		t.Fatal(err)
	}
	stream, err := rd.ReadAll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "summary.csv")
	p, s := beam.NewPipelineWithRoot()
	SummaryCSV(s, Summaries(s, ReadCSV(s, []string{path}, rs, time.Time{})), out)
	runPipeline(t, p)
	got := readSummaryCSV(t, out)
	if len(got) != 23570 { // CDNOW master's customers (Fader & Hardie)
		t.Errorf("%d customers, want 23570", len(got))
	}
	sameSummaries(t, got, wantSummaries(t, stream, time.Time{}))
}

// TestDefaultAsOf checks Clock.DefaultAsOf against cvm's Auditor, on
// clocks merged from random partitions, with early and late outliers.
func TestDefaultAsOf(t *testing.T) {
	base := synthetic(300, 3)
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 3))
		txs := slices.Clone(base)
		for range rng.IntN(4) {
			txs = append(txs, cvm.Transaction{Customer: "x", Time: time.Date(1900+rng.IntN(200), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), rng.IntN(24), 0, 0, rng.IntN(1000), time.UTC), Amount: 1})
		}
		rng.Shuffle(len(txs), func(i, j int) { txs[i], txs[j] = txs[j], txs[i] })
		a := cvm.NewAuditor(&cvm.AuditSettings{TimeOnly: true})
		parts := make([]Clock, 1+rng.IntN(5))
		at := make([]int, len(parts))
		for i := range at {
			at[i] = -1
		}
		for _, tx := range txs {
			a.Add(tx)
			k := rng.IntN(len(parts))
			at[k] = parts[k].add(tx.Time.Unix(), int32(tx.Time.Nanosecond()), at[k])
		}
		var c Clock
		for _, k := range rng.Perm(len(parts)) {
			c = mergeClocks(c, parts[k])
		}
		rep := a.Report()
		if got := c.DefaultAsOf(); !got.Equal(rep.AsOf) {
			t.Errorf("seed %d: as-of %v, want %v", seed, got, rep.AsOf)
		}
		if got := time.Unix(c.FirstSec, int64(c.FirstNs)); !got.Equal(rep.First) {
			t.Errorf("seed %d: first %v, want %v", seed, got, rep.First)
		}
	}
}

// onlineRetail is UCI Online Retail as cvm reads it: quantity x unit price,
// invoices as orders, StockCode as the product; rows without a customer are
// skipped, as by cvm's reader.
var onlineRetail = ReadSettings{Customer: "CustomerID", Time: "InvoiceDate", Quantity: "Quantity", Price: "UnitPrice",
	Order: "InvoiceNo", Product: "StockCode"}

func TestSummariesOnlineRetail(t *testing.T) {
	path := filepath.Join(dataDir(), "online_retail.csv.gz")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("Online Retail not found (set CVM_DATA): %v", err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := cvm.NewReader(f, onlineRetail.cvm())
	if err != nil {
		t.Fatal(err)
	}
	stream, err := rd.ReadAll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "summary.csv")
	p, s := beam.NewPipelineWithRoot()
	SummaryCSV(s, Summaries(s, ReadCSV(s, []string{path}, onlineRetail, time.Time{})), out)
	runPipeline(t, p)
	got := readSummaryCSV(t, out)
	if len(got) != 4372 { // customers with an ID (UCI's description of the data set)
		t.Errorf("%d customers, want 4372", len(got))
	}
	sameSummaries(t, got, wantSummaries(t, stream, time.Time{}))
}

// TestSummariesParquet mixes Parquet and CSV shards: the summaries equal
// cvm.Summarize over the files read one after the other.
func TestSummariesParquet(t *testing.T) {
	dir := t.TempDir()
	txs := synthetic(1500, 9)
	for i := range txs { // TIMESTAMP(MICROS), which holds the row dated 9999
		txs[i].Time = txs[i].Time.Truncate(time.Microsecond)
	}
	paths, stream := writeShards(t, dir, txs, 4, 17)
	for i := 0; i < len(paths); i += 2 { // shards 0 and 2 as Parquet
		f, err := os.Open(paths[i])
		if err != nil {
			t.Fatal(err)
		}
		pq := strings.TrimSuffix(paths[i], ".csv") + ".parquet"
		_, _, err = cvmparquet.ConvertCSV(context.Background(), pq, f, nil, &cvmparquet.WriteSettings{RowGroupRows: 700, Micros: true})
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		paths[i] = pq
	}
	out := filepath.Join(dir, "summary.csv")
	p, s := beam.NewPipelineWithRoot()
	SummaryCSV(s, Summaries(s, ReadCSV(s, paths, ReadSettings{}, time.Time{})), out)
	runPipeline(t, p)
	sameSummaries(t, readSummaryCSV(t, out), wantSummaries(t, stream, time.Time{}))
}
