package cvmparquet

import (
	"compress/gzip"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/parquet-go/parquet-go"
)

// realSets are the real data sets with the CSV settings that read them.
var realSets = []struct {
	file string
	rs   *cvm.ReadSettings
}{
	{"CDNOW_master.txt", &cvm.ReadSettings{Customer: "customer_id", Time: "date", Amount: "dollar_value", Comma: cvm.Whitespace}},
	{"online_retail.csv.gz", &cvm.ReadSettings{Customer: "CustomerID", Time: "InvoiceDate", Quantity: "Quantity", Price: "UnitPrice", Order: "InvoiceNo", Product: "StockCode"}},
}

// csvPath summarises a real file with the core CSV reader, the cvm
// summary command's path.
func csvPath(t *testing.T, path string, rs *cvm.ReadSettings, ss *cvm.SummarySettings) []cvm.Summary {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := cvm.NewReader(f, rs)
	if err != nil {
		t.Fatal(err)
	}
	sums, err := rd.Summarize(ctx, ss)
	if err != nil {
		t.Fatal(err)
	}
	return sums
}

// TestRealData: CDNOW master and Online Retail converted with ConvertCSV
// and summarised from Parquet give the CSV path's summaries for every
// customer, bit for bit, by day and by order; the transactions are the
// same too.
func TestRealData(t *testing.T) {
	for _, set := range realSets {
		t.Run(set.file, func(t *testing.T) {
			path := dataDir(t, set.file)
			pq := filepath.Join(t.TempDir(), "tx.parquet")
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			n, _, err := ConvertCSV(ctx, pq, f, set.rs, &WriteSettings{RowGroupRows: 50000})
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			for _, occ := range []cvm.Occasion{cvm.ByDay, cvm.ByOrder} {
				ss := &cvm.SummarySettings{Occasions: occ}
				want := csvPath(t, path, set.rs, ss)
				rd, err := OpenFile(pq, nil)
				if err != nil {
					t.Fatal(err)
				}
				got, err := rd.Summarize(ctx, ss)
				rd.Close()
				if err != nil {
					t.Fatal(err)
				}
				sameSummaries(t, got, want)
				t.Logf("%s by %v: %d transactions, %d customers equal", set.file, occ, n, len(got))
			}
			f, _ = os.Open(path)
			defer f.Close()
			crd, err := cvm.NewReader(f, set.rs)
			if err != nil {
				t.Fatal(err)
			}
			want, err := crd.ReadAll(ctx)
			if err != nil {
				t.Fatal(err)
			}
			rd, err := OpenFile(pq, &cvm.ReadSettings{Product: "product"})
			if err != nil {
				t.Fatal(err)
			}
			defer rd.Close()
			got, err := rd.ReadAll(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for i := range got {
				got[i].Quantity = want[i].Quantity // written for reference only
			}
			sameTransactions(t, got, want)
		})
	}
}

// TestRetailExport: Online Retail as a database export would write it,
// with its own column names and types (Quantity INT32, UnitPrice DOUBLE,
// InvoiceDate a local TIMESTAMP(MILLIS), CustomerID an optional string,
// null where the CSV has none), read with Quantity and Price mapped:
// the CSV path's summaries for every customer, bit for bit.
func TestRetailExport(t *testing.T) {
	path := dataDir(t, "online_retail.csv.gz")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	cr := csv.NewReader(zr)
	header, err := cr.Read()
	if err != nil {
		t.Fatal(err)
	}
	idx := map[string]int{}
	for i, h := range header {
		idx[h] = i
	}
	var inv, cust, stock []parquet.Value
	var qty, when, price []parquet.Value
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		q, err := strconv.Atoi(rec[idx["Quantity"]])
		if err != nil {
			t.Fatal(err)
		}
		p, err := strconv.ParseFloat(rec[idx["UnitPrice"]], 64)
		if err != nil {
			t.Fatal(err)
		}
		tm, err := time.Parse(time.DateTime, rec[idx["InvoiceDate"]])
		if err != nil {
			t.Fatal(err)
		}
		c := parquet.NullValue()
		if s := rec[idx["CustomerID"]]; s != "" {
			c = parquet.ByteArrayValue([]byte(s))
		}
		inv = append(inv, parquet.ByteArrayValue([]byte(rec[idx["InvoiceNo"]])))
		stock = append(stock, parquet.ByteArrayValue([]byte(rec[idx["StockCode"]])))
		cust = append(cust, c)
		qty = append(qty, parquet.Int32Value(int32(q)))
		price = append(price, parquet.DoubleValue(p))
		when = append(when, parquet.Int64Value(tm.UnixMilli()))
	}
	dict := parquet.Encoded(parquet.String(), &parquet.RLEDictionary)
	data := build(t, []col{
		{"InvoiceNo", dict, inv},
		{"StockCode", dict, stock},
		{"Quantity", parquet.Leaf(parquet.Int32Type), qty},
		{"InvoiceDate", parquet.TimestampAdjusted(parquet.Millisecond, false), when},
		{"UnitPrice", parquet.Leaf(parquet.DoubleType), price},
		{"CustomerID", parquet.Optional(dict), cust},
	}, parquet.MaxRowsPerRowGroup(100000))
	rs := realSets[1].rs
	for _, occ := range []cvm.Occasion{cvm.ByDay, cvm.ByOrder} {
		ss := &cvm.SummarySettings{Occasions: occ}
		want := csvPath(t, path, rs, ss)
		rd := open(t, data, rs)
		got, err := rd.Summarize(ctx, ss)
		if err != nil {
			t.Fatal(err)
		}
		sameSummaries(t, got, want)
		if st := rd.Stats(); st.EmptyCustomer != 135080 {
			t.Errorf("%d rows without a customer, want 135,080 (the data's README)", st.EmptyCustomer)
		}
	}
}
