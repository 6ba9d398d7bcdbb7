package cvmparquet

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
)

// TestRoundTrip: synthetic CSV read by the core reader, written with
// Write in row groups of several sizes, read back: the same transactions,
// and Summarize gives cvm.Summarize's summaries bit for bit, by day and by
// order, whatever GOMAXPROCS.
func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name     string
		seed     uint64
		n        int
		shuffle  bool
		rowGroup int
		micros   bool
	}{
		{"grouped, one row group", 1, 300, false, 0, false},
		{"grouped, row groups of 37", 2, 300, false, 37, false},
		{"shuffled, row groups of 1000", 3, 2000, true, 1000, false},
		{"shuffled, one row per group", 4, 20, true, 1, false},
		{"micros rejects nanoseconds", 5, 50, false, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := synthCSV(tc.seed, tc.n, tc.shuffle)
			want := csvTransactions(t, text, allColumns)
			if tc.micros {
				var buf bytes.Buffer
				_, err := Write(ctx, &buf, func(yield func(cvm.Transaction) bool) {
					for _, tx := range want {
						if !yield(tx) {
							return
						}
					}
				}, &WriteSettings{Micros: true})
				if err == nil || !strings.Contains(err.Error(), "row ") {
					t.Fatalf("Write with Micros of nanosecond times: err = %v, want an error naming the row", err)
				}
				return
			}
			data := toParquet(t, want, &WriteSettings{RowGroupRows: tc.rowGroup})
			for _, procs := range []int{1, 3} {
				old := runtime.GOMAXPROCS(procs)
				got, err := open(t, data, allColumns).ReadAll(ctx)
				if err != nil {
					t.Fatal(err)
				}
				sameTransactions(t, got, want)
				for _, occ := range []cvm.Occasion{cvm.ByDay, cvm.ByOrder} {
					ss := &cvm.SummarySettings{Occasions: occ}
					wantS, err := cvm.Summarize(ctx, func(yield func(cvm.Transaction) bool) {
						for _, tx := range want {
							if !yield(tx) {
								return
							}
						}
					}, ss)
					if err != nil {
						t.Fatal(err)
					}
					gotS, err := open(t, data, nil).Summarize(ctx, ss)
					if err != nil {
						t.Fatal(err)
					}
					sameSummaries(t, gotS, wantS)
				}
				runtime.GOMAXPROCS(old)
			}
			rd := open(t, data, nil)
			st := rd.Stats()
			if st.RowGroups < 1 || rd.NumRows() != int64(len(want)) {
				t.Errorf("RowGroups %d, NumRows %d, want >= 1 and %d", st.RowGroups, rd.NumRows(), len(want))
			}
		})
	}
}

// TestTypes: columns of the physical and logical types real exports use
// read to the transactions the core CSV reader gives for the same values
// written as text (the CSV text is the independent reference).
func TestTypes(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip(err)
	}
	// 2023-11-14 22:13:20.123456789 UTC
	const sec = 1700000000
	const csvTime = "2023-11-14 22:13:20"
	i96 := func(sec int64, ns int64) parquet.Value {
		day := sec/86400 + unixDay
		nod := (sec%86400)*1e9 + ns
		return parquet.Int96Value(deprecated.Int96{uint32(nod), uint32(nod >> 32), uint32(day)})
	}
	fixed := func(b ...byte) parquet.Value { return parquet.FixedLenByteArrayValue(b) }
	ids := strs("a", "b")
	for _, tc := range []struct {
		name  string
		cols  []col
		rs    *cvm.ReadSettings
		csv   string // the same rows as CSV text
		csvRS *cvm.ReadSettings
	}{
		{"TIMESTAMP(MILLIS)", []col{
			{"customer", parquet.String(), ids},
			{"time", parquet.Timestamp(parquet.Millisecond), []parquet.Value{parquet.Int64Value(sec*1e3 + 123), parquet.Int64Value(-1)}},
			{"amount", parquet.Leaf(parquet.DoubleType), []parquet.Value{parquet.DoubleValue(1.5), parquet.DoubleValue(2)}},
		}, nil, "customer,time,amount\na," + csvTime + ".123,1.5\nb,1969-12-31 23:59:59.999,2\n", nil},
		{"TIMESTAMP(MICROS) and (NANOS) legacy and UTC", []col{
			{"customer", parquet.String(), ids},
			{"time", parquet.Timestamp(parquet.Microsecond), []parquet.Value{parquet.Int64Value(sec*1e6 + 123456), parquet.Int64Value(0)}},
			{"amount", parquet.Leaf(parquet.Int32Type), []parquet.Value{parquet.Int32Value(-7), parquet.Int32Value(0)}},
		}, nil, "customer,time,amount\na," + csvTime + ".123456,-7\nb,1970-01-01,0\n", nil},
		{"TIMESTAMP(NANOS)", []col{
			{"customer", parquet.String(), ids},
			{"time", parquet.Timestamp(parquet.Nanosecond), []parquet.Value{parquet.Int64Value(sec*1e9 + 123456789), parquet.Int64Value(1)}},
			{"amount", parquet.Leaf(parquet.Int64Type), []parquet.Value{parquet.Int64Value(1 << 60), parquet.Int64Value(3)}},
		}, nil, "customer,time,amount\na," + csvTime + ".123456789,1152921504606846976\nb,1970-01-01 00:00:00.000000001,3\n", nil},
		{"local TIMESTAMP in Location", []col{
			{"customer", parquet.String(), ids},
			{"time", parquet.TimestampAdjusted(parquet.Millisecond, false), []parquet.Value{parquet.Int64Value(sec * 1e3), parquet.Int64Value(sec*1e3 + 86400e3*200)}},
			{"amount", parquet.Leaf(parquet.FloatType), []parquet.Value{parquet.FloatValue(2.5), parquet.FloatValue(0.25)}},
		}, &cvm.ReadSettings{Location: ny}, "customer,time,amount\na," + csvTime + ",2.5\nb,2024-06-01 22:13:20,0.25\n", &cvm.ReadSettings{Location: ny}},
		{"DATE in Location", []col{
			{"customer", parquet.String(), ids},
			{"time", parquet.Date(), []parquet.Value{parquet.Int32Value(19675), parquet.Int32Value(-1)}},
			{"amount", parquet.Decimal(2, 9, parquet.Int32Type), []parquet.Value{parquet.Int32Value(1234), parquet.Int32Value(-5)}},
		}, &cvm.ReadSettings{Location: ny}, "customer,time,amount\na,2023-11-14,12.34\nb,1969-12-31,-0.05\n", &cvm.ReadSettings{Location: ny}},
		{"INT96 and DECIMAL(18,4) INT64", []col{
			{"customer", parquet.String(), ids},
			{"time", parquet.Leaf(parquet.Int96Type), []parquet.Value{i96(sec, 500e6), i96(0, 0)}},
			{"amount", parquet.Decimal(4, 18, parquet.Int64Type), []parquet.Value{parquet.Int64Value(-123456789), parquet.Int64Value(99999999999999999)}},
		}, nil, "customer,time,amount\na," + csvTime + ".5,-12345.6789\nb,1970-01-01,9999999999999.9999\n", nil},
		{"DECIMAL(38,2) FIXED_LEN_BYTE_ARRAY, string times", []col{
			{"customer", parquet.String(), ids},
			{"time", parquet.String(), strs(" "+csvTime+" ", "2023-11-14T22:13:20+01:00")},
			{"amount", parquet.Decimal(2, 38, parquet.FixedLenByteArrayType(16)), []parquet.Value{
				fixed(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x30, 0x39),                                           // 12345
				fixed(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe), // -2
			}},
		}, nil, "customer,time,amount\na," + csvTime + ",123.45\nb,2023-11-14T22:13:20+01:00,-0.02\n", nil},
		{"string amounts, layout, integer customers, DECIMAL BYTE_ARRAY", []col{
			{"id", parquet.Leaf(parquet.Int64Type), []parquet.Value{parquet.Int64Value(17850), parquet.Int64Value(-3)}},
			{"when", parquet.String(), strs("14/11/2023", "01/02/2024")},
			{"amount", parquet.String(), strs(" 3.25", "1e3")},
			{"paid", parquet.Decimal(1, 30, parquet.ByteArrayType), []parquet.Value{parquet.ByteArrayValue([]byte{0x01, 0x00}), parquet.ByteArrayValue([]byte{0x80})}},
		}, &cvm.ReadSettings{Customer: "ID", Time: "when", Amount: "paid", TimeLayout: "02/01/2006"},
			"id,when,amount\n17850,14/11/2023,25.6\n-3,01/02/2024,-12.8\n", &cvm.ReadSettings{Customer: "id", Time: "when", TimeLayout: "02/01/2006"}},
		{"quantity x price: INT32 x DECIMAL, DOUBLE x DOUBLE", []col{
			{"customer", parquet.String(), ids},
			{"time", parquet.Date(), []parquet.Value{parquet.Int32Value(19675), parquet.Int32Value(19676)}},
			{"qty", parquet.Leaf(parquet.Int32Type), []parquet.Value{parquet.Int32Value(6), parquet.Int32Value(-3)}},
			{"price", parquet.Decimal(3, 9, parquet.Int32Type), []parquet.Value{parquet.Int32Value(2550), parquet.Int32Value(100)}},
		}, &cvm.ReadSettings{Quantity: "qty", Price: "price"},
			"customer,time,qty,price\na,2023-11-14,6,2.550\nb,2023-11-15,-3,0.100\n", &cvm.ReadSettings{Quantity: "qty", Price: "price"}},
		{"quantity x price doubles", []col{
			{"customer", parquet.String(), ids},
			{"time", parquet.Date(), []parquet.Value{parquet.Int32Value(19675), parquet.Int32Value(19676)}},
			{"qty", parquet.Leaf(parquet.DoubleType), []parquet.Value{parquet.DoubleValue(3), parquet.DoubleValue(1e300)}},
			{"price", parquet.Leaf(parquet.DoubleType), []parquet.Value{parquet.DoubleValue(0.1), parquet.DoubleValue(2.5)}},
			{"order", parquet.Optional(parquet.String()), []parquet.Value{parquet.NullValue(), parquet.ByteArrayValue([]byte(" o1 "))}},
		}, &cvm.ReadSettings{Quantity: "qty", Price: "price"},
			"customer,time,qty,price,order\na,2023-11-14,3,0.1,\nb,2023-11-15,1e300,2.5,o1\n", &cvm.ReadSettings{Quantity: "qty", Price: "price"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := csvTransactions(t, tc.csv, tc.csvRS)
			got, err := open(t, build(t, tc.cols), tc.rs).ReadAll(ctx)
			if err != nil {
				t.Fatal(err)
			}
			sameTransactions(t, got, want)
		})
	}
	// Hand-computed checks of the references above: 6 x 2.550 is 15.3
	// (not 15.299999999999999), 3 x 0.1 is 0.3 (not 0.30000000000000004),
	// DECIMAL 0x0100 scale 1 is 25.6.
	got, err := open(t, build(t, []col{
		{"customer", parquet.String(), ids},
		{"time", parquet.Date(), []parquet.Value{parquet.Int32Value(1), parquet.Int32Value(2)}},
		{"q", parquet.Leaf(parquet.Int32Type), []parquet.Value{parquet.Int32Value(6), parquet.Int32Value(3)}},
		{"p", parquet.Leaf(parquet.DoubleType), []parquet.Value{parquet.DoubleValue(2.55), parquet.DoubleValue(0.1)}},
	}), &cvm.ReadSettings{Quantity: "q", Price: "p"}).ReadAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Amount != 15.3 || got[1].Amount != 0.3 || got[0].Quantity != 6 {
		t.Errorf("amounts %v, %v (quantity %v), want 15.3, 0.3 (6)", got[0].Amount, got[1].Amount, got[0].Quantity)
	}
}

// goodCols is a valid three-row file's columns, with a few row groups.
func goodCols() []col {
	return []col{
		{"customer", parquet.Optional(parquet.String()), strs("a", "b", "c")},
		{"time", parquet.Optional(parquet.Timestamp(parquet.Millisecond)), []parquet.Value{parquet.Int64Value(1e12), parquet.Int64Value(1e12 + 1), parquet.Int64Value(1e12 + 2)}},
		{"amount", parquet.Optional(parquet.Leaf(parquet.DoubleType)), []parquet.Value{parquet.DoubleValue(1), parquet.DoubleValue(2), parquet.DoubleValue(3)}},
	}
}

// TestErrors: every error names the file, row group, row and column it
// is about, and wraps the cause.
func TestErrors(t *testing.T) {
	mod := func(name string, i int, v parquet.Value) []col {
		cols := goodCols()
		for k := range cols {
			if cols[k].name == name {
				cols[k].vals[i] = v
			}
		}
		return cols
	}
	twoGroups := parquet.MaxRowsPerRowGroup(2)
	for _, tc := range []struct {
		name    string
		cols    []col
		rs      *cvm.ReadSettings
		want    error
		row     int64 // 0: the error is from NewReader
		group   int
		column  string
		skipped int
	}{
		{"missing column", goodCols(), &cvm.ReadSettings{Amount: "value"}, cvm.ErrColumn, 0, 0, "value", 0},
		{"missing position", goodCols(), &cvm.ReadSettings{Amount: "4"}, cvm.ErrColumn, 0, 0, "4", 0},
		{"quantity without price", goodCols(), &cvm.ReadSettings{Quantity: "amount"}, nil, 0, 0, "Price", 0},
		{"BOOLEAN amount", []col{goodCols()[0], goodCols()[1], {"amount", parquet.Leaf(parquet.BooleanType), []parquet.Value{parquet.BooleanValue(true), parquet.BooleanValue(false), parquet.BooleanValue(true)}}},
			nil, ErrColumnType, 0, 0, "amount", 0},
		{"DOUBLE customer", []col{{"customer", parquet.Leaf(parquet.DoubleType), []parquet.Value{parquet.DoubleValue(1), parquet.DoubleValue(2), parquet.DoubleValue(3)}}, goodCols()[1], goodCols()[2]},
			nil, ErrColumnType, 0, 0, "customer", 0},
		{"INT64 time without TIMESTAMP", []col{goodCols()[0], {"time", parquet.Leaf(parquet.Int64Type), []parquet.Value{parquet.Int64Value(1), parquet.Int64Value(2), parquet.Int64Value(3)}}, goodCols()[2]},
			nil, ErrColumnType, 0, 0, "time", 0},
		{"repeated amount", []col{goodCols()[0], goodCols()[1], {"amount", parquet.Repeated(parquet.Leaf(parquet.DoubleType)), []parquet.Value{parquet.DoubleValue(1), parquet.DoubleValue(2), parquet.DoubleValue(3)}}},
			nil, ErrColumnType, 0, 0, "amount", 0},
		{"NoHeader", goodCols(), &cvm.ReadSettings{NoHeader: true}, ErrUnsupported, 0, 0, "NoHeader", 0},
		{"null customer, FailOnEmptyCustomer", mod("customer", 2, parquet.NullValue()), &cvm.ReadSettings{FailOnEmptyCustomer: true}, cvm.ErrEmptyCustomer, 3, 1, "customer", 0},
		{"blank customer, FailOnEmptyCustomer", mod("customer", 1, parquet.ByteArrayValue([]byte(" "))), &cvm.ReadSettings{FailOnEmptyCustomer: true}, cvm.ErrEmptyCustomer, 2, 0, "customer", 0},
		{"null amount", mod("amount", 2, parquet.NullValue()), nil, cvm.ErrBadAmount, 3, 1, "amount", 0},
		{"null amount skipped", mod("amount", 2, parquet.NullValue()), &cvm.ReadSettings{SkipBadRows: true}, nil, 3, 1, "amount", 1},
		{"NaN amount", mod("amount", 0, parquet.DoubleValue(nan())), nil, cvm.ErrNonFinite, 1, 0, "amount", 0},
		{"null time", mod("time", 1, parquet.NullValue()), nil, cvm.ErrBadTime, 2, 0, "time", 0},
		{"zero time", mod("time", 1, parquet.Int64Value(time.Time{}.UnixMilli())), nil, cvm.ErrZeroTime, 2, 0, "time", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := build(t, tc.cols, twoGroups)
			rd, err := NewReader(bytes.NewReader(data), int64(len(data)), "x.parquet", tc.rs)
			if tc.row == 0 {
				if err == nil || tc.want != nil && !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.column) {
					t.Fatalf("NewReader: err = %v, want %v naming %q", err, tc.want, tc.column)
				}
				if (tc.want == cvm.ErrColumn || tc.want == ErrColumnType) && !strings.Contains(err.Error(), `"x.parquet"`) {
					t.Errorf("NewReader: err = %v, want it to name the file", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			txs, err := rd.ReadAll(ctx)
			st := rd.Stats()
			if tc.skipped > 0 {
				if err != nil || st.Skipped != tc.skipped || len(txs) != 3-tc.skipped || len(st.Errors) != 1 {
					t.Fatalf("err %v, %d transactions, stats %+v; want %d skipped", err, len(txs), st, tc.skipped)
				}
				err = st.Errors[0]
			} else if len(txs) != int(tc.row-1) {
				t.Errorf("%d transactions before the error, want %d", len(txs), tc.row-1)
			}
			var re *RowError
			if !errors.As(err, &re) || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want a *RowError wrapping %v", err, tc.want)
			}
			if re.File != "x.parquet" || re.Row != tc.row || re.RowGroup != tc.group || re.Column != tc.column {
				t.Errorf("error at %q group %d row %d column %q, want group %d row %d column %q (%v)",
					re.File, re.RowGroup, re.Row, re.Column, tc.group, tc.row, tc.column, err)
			}
		})
	}
}

func nan() float64 { var z float64; return z / z }

// TestEmptyCustomer: null and blank customers are skipped and counted by
// default, as the CSV reader skips empty ones.
func TestEmptyCustomer(t *testing.T) {
	cols := goodCols()
	cols[0].vals[0] = parquet.NullValue()
	cols[0].vals[2] = parquet.ByteArrayValue([]byte("\t"))
	rd := open(t, build(t, cols), nil)
	txs, err := rd.ReadAll(ctx)
	if err != nil || len(txs) != 1 || txs[0].Customer != "b" {
		t.Fatalf("ReadAll = %v, %v; want only b", txs, err)
	}
	if st := rd.Stats(); st.EmptyCustomer != 2 || st.Rows != 3 || st.Transactions != 1 {
		t.Errorf("stats %+v, want 2 empty of 3 rows", st)
	}
}

// TestTruncated: a file cut short anywhere is an error, never fewer
// rows.
func TestTruncated(t *testing.T) {
	txs := csvTransactions(t, synthCSV(9, 200, false), nil)
	data := toParquet(t, txs, &WriteSettings{RowGroupRows: 100})
	for _, n := range []int{0, 3, 4, 100, len(data) / 2, len(data) - 9, len(data) - 8, len(data) - 5, len(data) - 1} {
		cut := data[:n]
		rd, err := NewReader(bytes.NewReader(cut), int64(n), "cut.parquet", nil)
		if err == nil {
			got, err := rd.ReadAll(ctx)
			if err == nil {
				t.Fatalf("cut at %d of %d: read %d of %d rows without an error", n, len(data), len(got), len(txs))
			}
		}
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "cut.parquet") {
			t.Errorf("cut at %d: err = %v, want ErrCorrupt naming the file", n, err)
		}
	}
}

// TestCorruptPage: a byte flipped inside a data page is an error naming
// the row group and the column (parquet-go's writer stores page CRCs).
func TestCorruptPage(t *testing.T) {
	txs := csvTransactions(t, synthCSV(10, 400, false), nil)
	data := toParquet(t, txs, &WriteSettings{RowGroupRows: 1000})
	rd := open(t, data, nil)
	md := rd.file.Metadata()
	amount := rd.cols[rAmount].leaf
	g := len(md.RowGroups) - 1
	cm := md.RowGroups[g].Columns[amount].MetaData
	bad := bytes.Clone(data)
	bad[cm.DataPageOffset+cm.TotalCompressedSize/2] ^= 0x55
	got, err := open(t, bad, nil).ReadAll(ctx)
	var re *RowError
	if !errors.As(err, &re) || !errors.Is(err, ErrCorrupt) || re.RowGroup != g || re.Column != "amount" {
		t.Fatalf("err = %v, want a *RowError wrapping ErrCorrupt in row group %d, column amount", err, g)
	}
	if len(got) >= len(txs) {
		t.Errorf("read %d rows of %d", len(got), len(txs))
	}
	// Summarize needs the amount too.
	if _, err := open(t, bad, nil).Summarize(ctx, nil); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Summarize: err = %v, want ErrCorrupt", err)
	}
}

// TestStreamOnce and cancellation.
func TestStreamOnce(t *testing.T) {
	data := build(t, goodCols())
	rd := open(t, data, nil)
	n := 0
	for range rd.All() {
		n++
		break
	}
	if n != 1 || rd.Err() != nil {
		t.Fatalf("stopped loop: %d, %v", n, rd.Err())
	}
	for range rd.All() {
		t.Fatal("second Stream yielded")
	}
	if rd.Err() == nil {
		t.Error("second Stream: no error")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := open(t, data, nil).Summarize(cctx, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Summarize: err = %v", err)
	}
	if _, err := open(t, build(t, []col{{"customer", parquet.String(), nil}, {"time", parquet.Date(), nil}, {"amount", parquet.Leaf(parquet.DoubleType), nil}}), nil).Summarize(ctx, nil); !errors.Is(err, cvm.ErrEmptyInput) {
		t.Errorf("empty file: err = %v, want cvm.ErrEmptyInput", err)
	}
}

// TestWriteFile: written whole or not at all; a bad transaction leaves
// the old file and no temporary file behind.
func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tx.parquet")
	txs := csvTransactions(t, synthCSV(11, 10, false), nil)
	seq := func(extra ...cvm.Transaction) func(func(cvm.Transaction) bool) {
		return func(yield func(cvm.Transaction) bool) {
			for _, tx := range append(txs, extra...) {
				if !yield(tx) {
					return
				}
			}
		}
	}
	if n, err := WriteFile(ctx, path, seq(), nil); err != nil || n != len(txs) {
		t.Fatalf("WriteFile = %d, %v", n, err)
	}
	before, _ := os.ReadFile(path)
	_, err := WriteFile(ctx, path, seq(cvm.Transaction{Customer: "x"}), nil)
	if err == nil || !strings.Contains(err.Error(), "row ") {
		t.Fatalf("WriteFile of a zero time: err = %v, want an error naming the row", err)
	}
	after, _ := os.ReadFile(path)
	entries, _ := os.ReadDir(dir)
	if !bytes.Equal(before, after) || len(entries) != 1 {
		t.Errorf("failed WriteFile changed the file or left %d entries", len(entries))
	}
	// ConvertCSV of a CSV with a bad row writes nothing.
	bad := "customer,time,amount\na,2024-01-01,1\nb,not a time,2\n"
	if _, _, err := ConvertCSV(ctx, filepath.Join(dir, "bad.parquet"), strings.NewReader(bad), nil, nil); err == nil {
		t.Fatal("ConvertCSV of a bad row: no error")
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.parquet")); !os.IsNotExist(err) {
		t.Errorf("ConvertCSV of a bad row left a file: %v", err)
	}
}
