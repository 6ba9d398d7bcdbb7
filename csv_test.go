package cvm

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cvmkit/cvm/internal/check"
	"github.com/google/go-cmp/cmp"
)

func utc(y int, m time.Month, d, h, mi, s int) time.Time {
	return time.Date(y, m, d, h, mi, s, 0, time.UTC)
}

// readSeq reads input with Read until io.EOF or the first error.
func readSeq(input string, opts *ReadSettings) ([]Transaction, ReadStats, error) {
	rd, err := NewReader(strings.NewReader(input), opts)
	if err != nil {
		return nil, ReadStats{}, err
	}
	var out []Transaction
	for {
		t, err := rd.Read()
		if err == io.EOF {
			return out, rd.Stats(), nil
		}
		if err != nil {
			return out, rd.Stats(), err
		}
		out = append(out, t)
	}
}

// readPar reads input with the parallel ReadAll, in blocks of size bytes.
func readPar(input string, opts *ReadSettings, size int) ([]Transaction, ReadStats, error) {
	defer func(old int) { chunkSize = old }(chunkSize)
	chunkSize = size
	rd, err := NewReader(strings.NewReader(input), opts)
	if err != nil {
		return nil, ReadStats{}, err
	}
	out, err := rd.ReadAll(context.Background())
	return out, rd.Stats(), err
}

// Every expected value below is read off the input by hand.
var readTests = []struct {
	name  string
	input string
	opts  *ReadSettings
	want  []Transaction
	stats ReadStats // Lines, Rows, Transactions, Blank, EmptyCustomer, Skipped (Errors not compared)
}{
	{
		name:  "default header with order",
		input: "customer,time,amount,order\nA,2024-01-02 10:00:00,12.50,o1\nB,2024-01-03,3,\n",
		want: []Transaction{
			{Customer: "A", Time: utc(2024, 1, 2, 10, 0, 0), Amount: 12.5, Order: "o1"},
			{Customer: "B", Time: utc(2024, 1, 3, 0, 0, 0), Amount: 3},
		},
		stats: ReadStats{Lines: 3, Rows: 2, Transactions: 2},
	},
	{
		name:  "BOM, CRLF, compact date, no order column, no final newline",
		input: "\uFEFFcustomer,time,amount\r\nA,20240102,1.5\r\nA,20240229,-2",
		want: []Transaction{
			{Customer: "A", Time: utc(2024, 1, 2, 0, 0, 0), Amount: 1.5},
			{Customer: "A", Time: utc(2024, 2, 29, 0, 0, 0), Amount: -2},
		},
		stats: ReadStats{Lines: 3, Rows: 2, Transactions: 2},
	},
	{
		name:  "semicolon, names ignoring case, positions with a header",
		input: "ID;When;Value\nX;2024-03-04T05:06:07Z;7\n",
		opts:  &ReadSettings{Comma: ';', Customer: "id", Time: "2", Amount: "VALUE"},
		want:  []Transaction{{Customer: "X", Time: utc(2024, 3, 4, 5, 6, 7), Amount: 7}},
		stats: ReadStats{Lines: 2, Rows: 1, Transactions: 1},
	},
	{
		name:  "tab, blank lines and spaces around fields",
		input: "customer\ttime\tamount\n\n  A \t 2024-01-01 \t 1 \n \t \n",
		opts:  &ReadSettings{Comma: '\t'},
		want:  []Transaction{{Customer: "A", Time: utc(2024, 1, 1, 0, 0, 0), Amount: 1}},
		stats: ReadStats{Lines: 4, Rows: 1, Transactions: 1, Blank: 2},
	},
	{
		name:  "CDNOW sample: whitespace runs, no header, CRLF",
		input: " 00004 0001 19970101  2   29.33\r\n 00004 0001 19970118  2   29.73\r\n",
		opts:  &ReadSettings{Comma: Whitespace, NoHeader: true, Customer: "1", Time: "3", Amount: "5"},
		want: []Transaction{
			{Customer: "00004", Time: utc(1997, 1, 1, 0, 0, 0), Amount: 29.33},
			{Customer: "00004", Time: utc(1997, 1, 18, 0, 0, 0), Amount: 29.73},
		},
		stats: ReadStats{Lines: 2, Rows: 2, Transactions: 2},
	},
	{
		name:  "no header, default positions 1, 2, 3",
		input: "A,2024-01-01 00:00,5,ignored\n",
		opts:  &ReadSettings{NoHeader: true},
		want:  []Transaction{{Customer: "A", Time: utc(2024, 1, 1, 0, 0, 0), Amount: 5}},
		stats: ReadStats{Lines: 1, Rows: 1, Transactions: 1},
	},
	{
		name: "online retail: quantity x price, empty customers skipped and counted",
		input: "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n" +
			"536365,85123A,\"HEART, T-LIGHT\",6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom\n" +
			"536366,22633,HAND WARMER,6,2010-12-01 08:28:00,1.85,,United Kingdom\n" +
			"C536379,D,Discount,-1,2010-12-01 09:41:00,27.50,14527.0,United Kingdom\n",
		opts: &ReadSettings{Customer: "CustomerID", Time: "InvoiceDate", Quantity: "Quantity", Price: "UnitPrice", Order: "InvoiceNo"},
		want: []Transaction{
			// 6 x 2.55 = 15.30 exactly in decimal.
			{Customer: "17850.0", Time: utc(2010, 12, 1, 8, 26, 0), Amount: 15.3, Order: "536365", Quantity: 6},
			{Customer: "14527.0", Time: utc(2010, 12, 1, 9, 41, 0), Amount: -27.5, Order: "C536379", Quantity: -1},
		},
		stats: ReadStats{Lines: 4, Rows: 3, Transactions: 2, EmptyCustomer: 1},
	},
	{
		name: "product, category and channel columns kept",
		input: "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n" +
			"536365,85123A,\"HEART, T-LIGHT\",6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom\n" +
			"536366,22633,HAND WARMER,6,2010-12-01 08:28:00,1.85,,United Kingdom\n" +
			"C536379,D,Discount,-1,2010-12-01 09:41:00,27.50,14527.0, \n",
		opts: &ReadSettings{Customer: "CustomerID", Time: "InvoiceDate", Quantity: "Quantity", Price: "UnitPrice", Order: "InvoiceNo",
			Product: "StockCode", Category: "3", Channel: "country"},
		want: []Transaction{
			{Customer: "17850.0", Time: utc(2010, 12, 1, 8, 26, 0), Amount: 15.3, Order: "536365", Quantity: 6, Product: "85123A", Category: "HEART, T-LIGHT", Channel: "United Kingdom"},
			{Customer: "14527.0", Time: utc(2010, 12, 1, 9, 41, 0), Amount: -27.5, Order: "C536379", Quantity: -1, Product: "D", Category: "Discount"},
		},
		stats: ReadStats{Lines: 4, Rows: 3, Transactions: 2, EmptyCustomer: 1},
	},
	{
		name:  "quoted fields: escaped quotes, delimiter, a line end in a later column",
		input: "customer,time,amount,note\n\"A \"\"x\"\", Inc\",2024-01-01,5,\"line1\nline2\"\nB,2024-01-02,\"6\",plain\n",
		want: []Transaction{
			{Customer: `A "x", Inc`, Time: utc(2024, 1, 1, 0, 0, 0), Amount: 5},
			{Customer: "B", Time: utc(2024, 1, 2, 0, 0, 0), Amount: 6},
		},
		stats: ReadStats{Lines: 4, Rows: 2, Transactions: 2},
	},
	{
		name:  "RFC 3339 with offset and fraction; T without zone",
		input: "customer,time,amount\nA,2024-01-01T10:00:00+02:00,1\nA,2024-01-01T10:00:00.5Z,2\nA,2024-01-01T10:00,3\n",
		want: []Transaction{
			{Customer: "A", Time: utc(2024, 1, 1, 8, 0, 0), Amount: 1},
			{Customer: "A", Time: utc(2024, 1, 1, 10, 0, 0).Add(500 * time.Millisecond), Amount: 2},
			{Customer: "A", Time: utc(2024, 1, 1, 10, 0, 0), Amount: 3},
		},
		stats: ReadStats{Lines: 4, Rows: 3, Transactions: 3},
	},
	{
		name:  "caller layout",
		input: "customer,time,amount\nA,05/03/2024 14:30,1\n",
		opts:  &ReadSettings{TimeLayout: "02/01/2006 15:04"},
		want:  []Transaction{{Customer: "A", Time: utc(2024, 3, 5, 14, 30, 0), Amount: 1}},
		stats: ReadStats{Lines: 2, Rows: 1, Transactions: 1},
	},
	{
		name:  "location for times without a zone",
		input: "customer,time,amount\nA,2024-01-01 10:00:00,1\nA,2024-01-01T10:00:00Z,2\n",
		opts:  &ReadSettings{Location: time.FixedZone("UTC+1", 3600)},
		want: []Transaction{
			{Customer: "A", Time: utc(2024, 1, 1, 9, 0, 0), Amount: 1},
			{Customer: "A", Time: utc(2024, 1, 1, 10, 0, 0), Amount: 2},
		},
		stats: ReadStats{Lines: 3, Rows: 2, Transactions: 2},
	},
	{
		name:  "order column present but NoColumn",
		input: "customer,time,amount,order\nA,2024-01-01,1,o1\n",
		opts:  &ReadSettings{Order: NoColumn},
		want:  []Transaction{{Customer: "A", Time: utc(2024, 1, 1, 0, 0, 0), Amount: 1}},
		stats: ReadStats{Lines: 2, Rows: 1, Transactions: 1},
	},
	{
		name:  "slow-path numbers",
		input: "customer,time,amount\nA,2024-01-01,1e3\nA,2024-01-01,0.1234567890123456789\n",
		want: []Transaction{
			{Customer: "A", Time: utc(2024, 1, 1, 0, 0, 0), Amount: 1000},
			{Customer: "A", Time: utc(2024, 1, 1, 0, 0, 0), Amount: 0.1234567890123456789},
		},
		stats: ReadStats{Lines: 3, Rows: 2, Transactions: 2},
	},
}

func TestRead(t *testing.T) {
	for _, tt := range readTests {
		t.Run(tt.name, func(t *testing.T) {
			check := func(how string, got []Transaction, st ReadStats, err error) {
				t.Helper()
				if err != nil {
					t.Fatalf("%s: %v", how, err)
				}
				if d := cmp.Diff(tt.want, got); d != "" {
					t.Errorf("%s: transactions (-want +got):\n%s", how, d)
				}
				st.Errors = nil
				if !cmp.Equal(st, tt.stats) {
					t.Errorf("%s: stats %+v, want %+v", how, st, tt.stats)
				}
			}
			got, st, err := readSeq(tt.input, tt.opts)
			check("Read", got, st, err)
			for _, size := range []int{1, 7, 1 << 20} {
				got, st, err := readPar(tt.input, tt.opts, size)
				check("ReadAll", got, st, err)
			}
		})
	}
}

func TestReadGzip(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	io.WriteString(zw, "customer,time,amount\nA,2024-01-01,2.5\n")
	zw.Close()
	rd, err := NewReader(&buf, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := rd.ReadAll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []Transaction{{Customer: "A", Time: utc(2024, 1, 1, 0, 0, 0), Amount: 2.5}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if _, err := NewReader(strings.NewReader("\x1f\x8bnot gzip"), nil); err == nil {
		t.Error("corrupt gzip: no error")
	}
}

// Bad rows: each names the line, the column and the value.
var badRowTests = []struct {
	name   string
	input  string
	opts   *ReadSettings
	err    error
	line   int
	column string
	value  string
}{
	{"bad month", "customer,time,amount\nA,2024-01-01,1\nA,2024-13-01,1\n", nil, ErrBadTime, 3, "time", "2024-13-01"},
	{"bad day", "customer,time,amount\nA,20230229,1\n", nil, ErrBadTime, 2, "time", "20230229"},
	{"bad hour", "customer,time,amount\nA,2024-01-01 24:00:00,1\n", nil, ErrBadTime, 2, "time", "2024-01-01 24:00:00"},
	{"bad zone", "customer,time,amount\nA,2024-01-01T10:00:00+2,1\n", nil, ErrBadTime, 2, "time", "2024-01-01T10:00:00+2"},
	{"zero time", "customer,time,amount\nA,00010101,1\n", nil, ErrZeroTime, 2, "time", "00010101"},
	{"not a time", "customer,time,amount\nA,yesterday,1\n", nil, ErrBadTime, 2, "time", "yesterday"},
	{"caller layout mismatch", "customer,time,amount\nA,2024-01-01,1\n", &ReadSettings{TimeLayout: "02/01/2006"}, ErrBadTime, 2, "time", "2024-01-01"},
	{"bad amount", "customer,time,amount\nA,2024-01-01,12.5x\n", nil, ErrBadAmount, 2, "amount", "12.5x"},
	{"bad amount text", "customer,time,amount\nA,2024-01-01,abc\n", nil, ErrBadAmount, 2, "amount", "abc"},
	{"empty amount", "customer,time,amount\nA,2024-01-01,\n", nil, ErrBadAmount, 2, "amount", ""},
	{"NaN amount", "customer,time,amount\nA,2024-01-01,NaN\n", nil, ErrNonFinite, 2, "amount", "NaN"},
	{"overflowing product", "c,t,q,p\nA,2024-01-01,1e200,1e200\n", &ReadSettings{Customer: "c", Time: "t", Quantity: "q", Price: "p"}, ErrNonFinite, 2, "q", "1e200 x 1e200"},
	{"bad quantity", "c,t,q,p\nA,2024-01-01,x,1\n", &ReadSettings{Customer: "c", Time: "t", Quantity: "q", Price: "p"}, ErrBadAmount, 2, "q", "x"},
	{"bad price", "c,t,q,p\nA,2024-01-01,1,y\n", &ReadSettings{Customer: "c", Time: "t", Quantity: "q", Price: "p"}, ErrBadAmount, 2, "p", "y"},
	{"missing field", "customer,time,amount\nA,2024-01-01\n", nil, ErrMissingField, 2, "amount", ""},
	{"missing field no header", "A\n", &ReadSettings{NoHeader: true}, ErrMissingField, 1, "2", ""},
	{"empty customer as error", "customer,time,amount\n ,2024-01-01,1\n", &ReadSettings{FailOnEmptyCustomer: true}, ErrEmptyCustomer, 2, "customer", ""},
	{"unterminated quote", "customer,time,amount\nA,2024-01-01,1\n\"B,2024-01-01,1\n", nil, ErrQuote, 3, "", ""},
}

func TestReadBadRows(t *testing.T) {
	for _, tt := range badRowTests {
		t.Run(tt.name, func(t *testing.T) {
			check := func(how string, err error) {
				t.Helper()
				var pe *ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("%s: error %v, want a *ParseError", how, err)
				}
				if !errors.Is(err, tt.err) {
					t.Errorf("%s: error %v, want %v", how, err, tt.err)
				}
				if pe.Line != tt.line || pe.Column != tt.column || pe.Value != tt.value {
					t.Errorf("%s: line %d column %q value %q, want %d %q %q", how, pe.Line, pe.Column, pe.Value, tt.line, tt.column, tt.value)
				}
				if !strings.Contains(pe.Error(), "line ") {
					t.Errorf("%s: message %q does not name the line", how, pe.Error())
				}
			}
			_, _, err := readSeq(tt.input, tt.opts)
			check("Read", err)
			for _, size := range []int{1, 1 << 20} {
				_, _, err := readPar(tt.input, tt.opts, size)
				check("ReadAll", err)
			}
		})
	}
}

func TestReadSkipBadRows(t *testing.T) {
	// Lines 3 and 5 are bad, line 4 has no customer, line 7 is blank.
	input := "customer,time,amount\nA,2024-01-01,1\nA,2024-01-0x,1\n,2024-01-01,9\nB,2024-01-02,zz\nB,2024-01-03,4\n\nC,2024-01-04,5\n"
	want := []Transaction{
		{Customer: "A", Time: utc(2024, 1, 1, 0, 0, 0), Amount: 1},
		{Customer: "B", Time: utc(2024, 1, 3, 0, 0, 0), Amount: 4},
		{Customer: "C", Time: utc(2024, 1, 4, 0, 0, 0), Amount: 5},
	}
	for _, tc := range []struct {
		maxErrors  int
		wantLines  []int
		wantErrors int
	}{{0, []int{3, 5}, 2}, {1, []int{3}, 1}, {-1, nil, 0}} {
		opts := &ReadSettings{SkipBadRows: true, MaxErrors: tc.maxErrors}
		check := func(how string, got []Transaction, st ReadStats, err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", how, err)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("%s: (-want +got):\n%s", how, d)
			}
			var lines []int
			for _, e := range st.Errors {
				lines = append(lines, e.Line)
			}
			if !cmp.Equal(lines, tc.wantLines) || st.Skipped != 2 || st.EmptyCustomer != 1 || st.Rows != 6 || st.Blank != 1 || st.Lines != 8 {
				t.Errorf("%s MaxErrors %d: stats %+v, error lines %v, want Skipped 2, EmptyCustomer 1, Rows 6, Blank 1, Lines 8, lines %v",
					how, tc.maxErrors, st, lines, tc.wantLines)
			}
		}
		got, st, err := readSeq(input, opts)
		check("Read", got, st, err)
		got, st, err = readPar(input, opts, 5)
		check("ReadAll", got, st, err)
	}
}

func TestReadContinuesAfterError(t *testing.T) {
	rd, err := NewReader(strings.NewReader("customer,time,amount\nA,bad,1\nB,2024-01-01,2\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rd.Read(); !errors.Is(err, ErrBadTime) {
		t.Fatalf("first Read: %v, want ErrBadTime", err)
	}
	tx, err := rd.Read()
	if err != nil || tx.Customer != "B" {
		t.Fatalf("second Read: %+v, %v, want customer B", tx, err)
	}
	if _, err := rd.Read(); err != io.EOF {
		t.Fatalf("third Read: %v, want io.EOF", err)
	}
}

func TestNewReaderErrors(t *testing.T) {
	for _, tt := range []struct {
		name  string
		input string
		opts  *ReadSettings
		want  error
	}{
		{"empty input", "", nil, ErrEmptyInput},
		{"missing customer column", "id,time,amount\n", nil, ErrColumn},
		{"missing amount column", "customer,time,value\n", nil, ErrColumn},
		{"requested order column missing", "customer,time,amount\n", &ReadSettings{Order: "order"}, ErrColumn},
		{"position past header", "customer,time,amount\n", &ReadSettings{Amount: "9"}, ErrColumn},
		{"name without header", "A,2024-01-01,1\n", &ReadSettings{NoHeader: true, Customer: "customer"}, ErrColumn},
		{"zero position", "A,2024-01-01,1\n", &ReadSettings{NoHeader: true, Customer: "0"}, ErrColumn},
		{"quantity without price", "customer,time,q\n", &ReadSettings{Quantity: "q"}, nil},
		{"bad delimiter", "customer|time|amount\n", &ReadSettings{Comma: '|'}, nil},
		{"missing price column", "customer,time,q\n", &ReadSettings{Quantity: "q", Price: "p"}, ErrColumn},
		{"missing product column", "customer,time,amount\n", &ReadSettings{Product: "sku"}, ErrColumn},
		{"missing category column", "customer,time,amount\n", &ReadSettings{Category: "9"}, ErrColumn},
		{"missing channel column", "customer,time,amount\n", &ReadSettings{Channel: "ch"}, ErrColumn},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewReader(strings.NewReader(tt.input), tt.opts)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("error %v, want %v", err, tt.want)
			}
		})
	}
}

// A record longer than a block makes the parallel reader grow its buffer.
func TestReadAllLongRecord(t *testing.T) {
	long := strings.Repeat("x", 300)
	input := "customer,time,amount\n" + long + ",2024-01-01,1\nB,2024-01-02,2\n"
	got, _, err := readPar(input, nil, 16)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Customer != long || got[1].Customer != "B" {
		t.Errorf("got %d transactions, want the long customer and B", len(got))
	}
}

func TestAllAndErr(t *testing.T) {
	rd, err := NewReader(strings.NewReader("customer,time,amount\nA,2024-01-01,1\nA,x,1\nB,2024-01-01,1\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for range rd.All() {
		n++
	}
	if n != 1 || !errors.Is(rd.Err(), ErrBadTime) {
		t.Errorf("All yielded %d, Err %v; want 1 and ErrBadTime", n, rd.Err())
	}
	rd, _ = NewReader(strings.NewReader("customer,time,amount\nA,2024-01-01,1\nB,2024-01-01,1\n"), nil)
	for range rd.All() {
		break // stopping early is not an error
	}
	if rd.Err() != nil {
		t.Errorf("Err after break: %v", rd.Err())
	}
}

// The parallel Summarize gives the same summaries, bit for bit, as reading
// row by row into the function Summarize, whatever GOMAXPROCS and the
// block size.
func TestReaderSummarizeMatchesSequential(t *testing.T) {
	var b strings.Builder
	b.WriteString("customer,time,amount,order\n")
	// 300 customers in an interleaved order, amounts with cents, several
	// rows per day, returns.
	for i := range 3000 {
		c := (i * 7919) % 300
		day := 1 + (i*31)%28
		amt := float64((i*37)%10000)/100 - 10
		b.WriteString("C" + itoa(c) + ",2024-02-" + pad2(day) + " 1" + itoa(i%10) + ":00:00," + ftoa(amt) + ",o" + itoa(i/3) + "\n")
	}
	input := b.String()
	for _, occ := range []Occasion{ByDay, ByOrder} {
		opts := &SummarySettings{Occasions: occ, AsOf: utc(2024, 2, 20, 12, 0, 0)}
		rd, err := NewReader(strings.NewReader(input), nil)
		if err != nil {
			t.Fatal(err)
		}
		want, err := Summarize(context.Background(), rd.All(), opts)
		if err != nil || rd.Err() != nil {
			t.Fatal(err, rd.Err())
		}
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
		oldSize := chunkSize
		for _, procs := range []int{1, 2, 4} {
			for _, size := range []int{64, 4096, 1 << 20} {
				runtime.GOMAXPROCS(procs)
				chunkSize = size
				rd, err := NewReader(strings.NewReader(input), nil)
				if err != nil {
					t.Fatal(err)
				}
				got, err := rd.Summarize(context.Background(), opts)
				chunkSize = oldSize
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(want, got); d != "" {
					t.Fatalf("%v GOMAXPROCS %d block %d: (-sequential +parallel):\n%s", occ, procs, size, d)
				}
			}
		}
	}
}

func TestReaderSummarizeErrors(t *testing.T) {
	rd, _ := NewReader(strings.NewReader("customer,time,amount\nA,2024-01-01,1\nA,2024-01-0x,1\n"), nil)
	if _, err := rd.Summarize(context.Background(), nil); !errors.Is(err, ErrBadTime) {
		t.Errorf("bad row: %v, want ErrBadTime", err)
	}
	rd, _ = NewReader(strings.NewReader("customer,time,amount\n,2024-01-01,1\n"), nil)
	if _, err := rd.Summarize(context.Background(), nil); !errors.Is(err, ErrEmptyInput) {
		t.Errorf("only an empty customer: %v, want ErrEmptyInput", err)
	}
	rd, _ = NewReader(strings.NewReader("customer,time,amount\nA,2024-01-01,1\n"), nil)
	if _, err := rd.Summarize(context.Background(), &SummarySettings{AsOf: utc(2023, 1, 1, 0, 0, 0)}); !errors.Is(err, ErrEmptyInput) {
		t.Errorf("everything after AsOf: %v, want ErrEmptyInput", err)
	}
	rd, _ = NewReader(errReader{}, &ReadSettings{NoHeader: true})
	if _, err := rd.Summarize(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("read error: %v, want it passed on", err)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestProgress(t *testing.T) {
	var calls []int
	rd, _ := NewReader(strings.NewReader("customer,time,amount\nA,2024-01-01,1\nB,2024-01-01,1\n"), &ReadSettings{Progress: func(n int) { calls = append(calls, n) }})
	if _, err := rd.Summarize(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if len(calls) == 0 || calls[len(calls)-1] != 2 {
		t.Errorf("progress calls %v, want the last to be 2 rows", calls)
	}
}

func itoa(i int) string { return string(appendInt(nil, i)) }

func appendInt(b []byte, i int) []byte {
	if i >= 10 {
		b = appendInt(b, i/10)
	}
	return append(b, byte('0'+i%10))
}

func pad2(i int) string {
	if i < 10 {
		return "0" + itoa(i)
	}
	return itoa(i)
}

func ftoa(x float64) string {
	neg := x < 0
	if neg {
		x = -x
	}
	c := int(x*100 + 0.5)
	s := itoa(c/100) + "." + pad2(c%100)
	if neg {
		return "-" + s
	}
	return s
}

// A done context stops ReadAll, Reader.Summarize and Summarize with
// ctx.Err(), before they read anything and between blocks.
func TestContextCancelled(t *testing.T) {
	var b strings.Builder
	b.WriteString("customer,time,amount\n")
	for i := range 10000 {
		b.WriteString("C" + itoa(i%50) + ",2024-01-01,1\n")
	}
	input := b.String()
	defer func(old int) { chunkSize = old }(chunkSize)
	chunkSize = 256
	done, cancel := context.WithCancel(context.Background())
	cancel()
	rd := check.Must(NewReader(strings.NewReader(input), nil))
	if _, err := rd.ReadAll(done); !errors.Is(err, context.Canceled) {
		t.Errorf("ReadAll: %v, want context.Canceled", err)
	}
	rd = check.Must(NewReader(strings.NewReader(input), nil))
	if _, err := rd.Summarize(done, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Reader.Summarize: %v, want context.Canceled", err)
	}
	rd = check.Must(NewReader(strings.NewReader(input), nil))
	if _, err := Summarize(done, rd.All(), nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Summarize: %v, want context.Canceled", err)
	}
	// Cancelled after the first block: the rest is not read.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rd = check.Must(NewReader(strings.NewReader(input), &ReadSettings{Progress: func(int) { cancel() }}))
	if _, err := rd.Summarize(ctx, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Reader.Summarize cancelled mid-way: %v, want context.Canceled", err)
	}
	if rows := rd.Stats().Rows; rows >= 10000 {
		t.Errorf("Reader.Summarize cancelled mid-way read all %d rows", rows)
	}
	ctx, cancel = context.WithCancel(context.Background())
	n := 0
	stream := func(yield func(Transaction) bool) {
		for i := range 3 * ctxEvery {
			if n++; n == ctxEvery/2 {
				cancel()
			}
			if !yield(Transaction{Customer: "A", Time: utc(2024, 1, 1, 0, 0, 0), Amount: float64(i)}) {
				return
			}
		}
	}
	if _, err := Summarize(ctx, stream, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Summarize cancelled mid-way: %v, want context.Canceled", err)
	}
	if n > 2*ctxEvery {
		t.Errorf("Summarize went on for %d transactions after the cancel", n-ctxEvery/2)
	}
}

// cutReader returns data in pieces of at most step bytes, then err: a
// source that fails or is cut short mid-stream.
type cutReader struct {
	data []byte
	step int
	err  error
}

func (r *cutReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p[:min(len(p), r.step)], r.data)
	r.data = r.data[n:]
	return n, nil
}

var errDisk = errors.New("disk on fire")

// Issue 13 item 1: every way of reading reports a truncated or failing
// source as an error that names the line reached and wraps the cause,
// after the whole rows before it; never as a smaller, complete input, and
// never as a bad row.
func TestReadBadSources(t *testing.T) {
	const rows = "customer,time,amount\nA,2024-01-01,1\nB,2024-01-02,89.5\n"
	full := gzipped(rows)
	// A gzip stream flushed after line 2 and cut there: a valid prefix
	// that decompresses to whole lines, with no end of stream.
	var flushed bytes.Buffer
	zw := gzip.NewWriter(&flushed)
	io.WriteString(zw, "customer,time,amount\nA,2024-01-01,1\n")
	zw.Flush()
	cutAtFlush := slices.Clone(flushed.Bytes())
	io.WriteString(zw, "B,2024-01-02,89.5\n")
	zw.Close()

	for _, tt := range []struct {
		name string
		src  func() io.Reader
		want error // the cause, wrapped
		line int   // the line reached, named in the message
		txs  int   // whole rows before it
	}{
		{"gzip cut at a flush point", func() io.Reader { return bytes.NewReader(cutAtFlush) }, io.ErrUnexpectedEOF, 3, 1},
		{"gzip without its trailer", func() io.Reader { return bytes.NewReader(full[:len(full)-8]) }, io.ErrUnexpectedEOF, 4, 2},
		{"gzip cut inside the data", func() io.Reader { return bytes.NewReader(full[:len(full)-14]) }, io.ErrUnexpectedEOF, 0, -1},
		{"gzip then garbage", func() io.Reader { return bytes.NewReader(append(slices.Clip(full), "trailing garbage"...)) }, errGzipTrailing, 4, 2},
		{"gzip then a few bytes", func() io.Reader { return bytes.NewReader(append(slices.Clip(full), 0, 0)) }, errGzipTrailing, 4, 2},
		{"read error inside a field", func() io.Reader { return &cutReader{[]byte(rows[:len(rows)-3]), 7, errDisk} }, errDisk, 3, 1},
		{"read error at a line end", func() io.Reader { return &cutReader{[]byte(rows[:36]), 5, errDisk} }, errDisk, 3, 1},
		// An HTTP body cut short: 89.5 cut to 89.
		{"unexpected EOF inside a field", func() io.Reader { return &cutReader{[]byte(rows[:len(rows)-3]), 1 << 20, io.ErrUnexpectedEOF} }, io.ErrUnexpectedEOF, 3, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			checkErr := func(how string, n int, err error) {
				t.Helper()
				if !errors.Is(err, tt.want) {
					t.Fatalf("%s: error %v, want one wrapping %v", how, err, tt.want)
				}
				var pe *ParseError
				if errors.As(err, &pe) || errors.Is(err, ErrMissingField) {
					t.Errorf("%s: error %v is a bad row, want a read error", how, err)
				}
				if tt.line > 0 && !strings.Contains(err.Error(), "line "+itoa(tt.line)+":") {
					t.Errorf("%s: error %q does not name line %d", how, err, tt.line)
				}
				if tt.txs >= 0 && n != tt.txs {
					t.Errorf("%s: %d transactions before the error, want %d", how, n, tt.txs)
				}
			}
			for _, size := range []int{4, 1 << 20} {
				func() {
					defer func(old int) { chunkSize = old }(chunkSize)
					chunkSize = size
					rd, err := NewReader(tt.src(), nil)
					if err != nil {
						t.Fatal(err)
					}
					n := 0
					for {
						_, err = rd.Read()
						if err != nil {
							break
						}
						n++
					}
					checkErr("Read", n, err)
					if _, again := rd.Read(); again == nil || again.Error() != err.Error() {
						t.Errorf("Read again: %v, want %v", again, err)
					}

					rd = check.Must(NewReader(tt.src(), nil))
					n = 0
					for range rd.All() {
						n++
					}
					checkErr("All", n, rd.Err())

					rd = check.Must(NewReader(tt.src(), nil))
					txs, err := rd.ReadAll(context.Background())
					checkErr("ReadAll", len(txs), err)
					if tt.txs == 2 && txs[1].Amount != 89.5 {
						t.Errorf("ReadAll: last amount %v, want 89.5", txs[1].Amount)
					}

					rd = check.Must(NewReader(tt.src(), nil))
					sums, err := rd.Summarize(context.Background(), nil)
					checkErr("Summarize", tt.txs, err)
					if sums != nil {
						t.Errorf("Summarize: %v with the error, want nil", sums)
					}
				}()
			}
		})
	}
}

// Several gzip members, as gzip -c a b > ab.gz writes, are one stream.
func TestReadGzipMembers(t *testing.T) {
	data := append(gzipped("customer,time,amount\nA,2024-01-01,1\n"), gzipped("B,2024-01-02,2\n")...)
	rd := check.Must(NewReader(bytes.NewReader(data), nil))
	got, err := rd.ReadAll(context.Background())
	if err != nil || len(got) != 2 || got[1].Customer != "B" {
		t.Fatalf("got %+v, %v; want A and B", got, err)
	}
}

// goodRows returns n rows of customers C0..C(n/10-1), 10 rows each, on
// consecutive lines.
func goodRows(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString("C" + itoa(i/10) + ",2024-01-" + pad2(1+i%10) + ",1\n")
	}
	return b.String()
}

// Issue 13 item 2: a stray quote is a bad row at its own line. Strict
// reading stops there; skipping costs that one line and keeps every good
// row after it, in linear time (the old reader re-split the growing
// record after every line, 8 s of CPU for 160k rows).
func TestStrayQuote(t *testing.T) {
	const n = 100_000
	input := "customer,time,amount\n\"Q,2024-01-01,1\n" + goodRows(n)
	for _, size := range []int{1 << 12, 1 << 20} {
		func() {
			defer func(old int) { chunkSize = old }(chunkSize)
			chunkSize = size
			for _, how := range []string{"Read", "ReadAll", "Summarize"} {
				var err error
				rd := check.Must(NewReader(strings.NewReader(input), nil))
				switch how {
				case "Read":
					_, err = rd.Read()
				case "ReadAll":
					_, err = rd.ReadAll(context.Background())
				case "Summarize":
					_, err = rd.Summarize(context.Background(), nil)
				}
				var pe *ParseError
				if !errors.As(err, &pe) || !errors.Is(err, ErrQuote) || pe.Line != 2 {
					t.Errorf("%s block %d strict: %v, want ErrQuote at line 2", how, size, err)
				}

				opts := &ReadSettings{SkipBadRows: true}
				rd = check.Must(NewReader(strings.NewReader(input), opts))
				var got int
				switch how {
				case "Read":
					for {
						if _, err = rd.Read(); err != nil {
							break
						}
						got++
					}
					if err == io.EOF {
						err = nil
					}
				case "ReadAll":
					var txs []Transaction
					txs, err = rd.ReadAll(context.Background())
					got = len(txs)
				case "Summarize":
					var sums []Summary
					sums, err = rd.Summarize(context.Background(), nil)
					for _, s := range sums {
						got += s.Transactions
						if s.Transactions != 10 || strings.ContainsAny(s.Customer, "\n\"") {
							t.Fatalf("Summarize block %d: %+v, want 10 rows of one customer", size, s)
						}
					}
					if len(sums) != n/10 {
						t.Errorf("Summarize block %d: %d customers, want %d", size, len(sums), n/10)
					}
				}
				st := rd.Stats()
				if err != nil || got != n || st.Skipped != 1 || st.Transactions != n || st.Rows != n+1 || st.Lines != n+2 ||
					len(st.Errors) != 1 || st.Errors[0].Line != 2 {
					t.Errorf("%s block %d skip: %d transactions, %v, stats %+v; want %d, 1 skipped at line 2", how, size, got, err, st, n)
				}
			}
		}()
	}
}

// Two stray quotes far apart (more lines than MaxRecordLines, more bytes
// than MaxRecordBytes) do not merge the rows between them into one
// customer; each costs its own line. Two near each other, within the
// bounds, are one quoted field, as RFC 4180 reads them.
func TestStrayQuotesApart(t *testing.T) {
	for _, tt := range []struct {
		name  string
		apart int
		opts  *ReadSettings
	}{
		{"lines apart", 1000, nil},
		{"bytes apart", 50, &ReadSettings{MaxRecordBytes: 256}},
		{"no line end allowed in quotes", 1, &ReadSettings{MaxRecordLines: 1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// The quote on line 2 opens a field and the one on the line of
			// Q would close it.
			input := "customer,time,amount\n\"P,2024-01-01,1\n" + goodRows(tt.apart) + "Q\",2024-01-01,1\n" + goodRows(20)
			opts := ReadSettings{SkipBadRows: true}
			if tt.opts != nil {
				opts.MaxRecordBytes, opts.MaxRecordLines = tt.opts.MaxRecordBytes, tt.opts.MaxRecordLines
			}
			for _, size := range []int{64, 1 << 20} {
				got, st, err := readPar(input, &opts, size)
				want, wantSt, wantErr := readSeq(input, &opts)
				if err != nil || wantErr != nil {
					t.Fatal(err, wantErr)
				}
				if len(got) != tt.apart+21 || st.Skipped != 1 || st.Errors[0].Line != 2 {
					t.Errorf("block %d: %d transactions, %d skipped; want %d, line 2 skipped", size, len(got), st.Skipped, tt.apart+21)
				}
				for _, tx := range got {
					if strings.Contains(tx.Customer, "\n") {
						t.Fatalf("block %d: merged customer %q", size, tx.Customer)
					}
				}
				if d := cmp.Diff(want, got); d != "" || st.Skipped != wantSt.Skipped {
					t.Errorf("block %d: Read and ReadAll differ:\n%s", size, d)
				}
			}
		})
	}
	// Within the bounds: one field spanning three lines.
	got, _, err := readPar("customer,time,amount\n\"A\n\nB\",2024-01-01,1\nC,2024-01-01,2\n", nil, 1<<20)
	if err != nil || len(got) != 2 || got[0].Customer != "A\n\nB" {
		t.Errorf("quoted field over 3 lines: %+v, %v", got, err)
	}
}

// A line on which a quote closes and another opens keeps a field open
// from one line to the next: a file of such lines is the costliest input
// for finding records, and is still read in linear time, each line a bad
// row.
func TestStrayQuoteEveryLine(t *testing.T) {
	const n = 50_000
	input := "customer,time,amount\n" + strings.Repeat("x\",y,\"\n", n) + "A,2024-01-01,1\n"
	for _, size := range []int{1 << 10, 1 << 20} {
		got, st, err := readPar(input, &ReadSettings{SkipBadRows: true}, size)
		if err != nil || len(got) != 1 || st.Skipped != n {
			t.Errorf("block %d: %d transactions, %d skipped, %v; want 1 and %d", size, len(got), st.Skipped, err, n)
		}
	}
	got, st, err := readSeq(input, &ReadSettings{SkipBadRows: true})
	if err != nil || len(got) != 1 || st.Skipped != n {
		t.Errorf("Read: %d transactions, %d skipped, %v; want 1 and %d", len(got), st.Skipped, err, n)
	}
}

// nulReader is n NUL bytes with no line end, then rest: the decompressed
// form of a small gzip bomb.
type nulReader struct {
	n    int
	rest string
}

func (r *nulReader) Read(p []byte) (int, error) {
	if r.n > 0 {
		k := min(len(p), r.n)
		clear(p[:k])
		r.n -= k
		return k, nil
	}
	if r.rest == "" {
		return 0, io.EOF
	}
	k := copy(p, r.rest)
	r.rest = r.rest[k:]
	return k, nil
}

// Issue 13 item 7: a line longer than MaxRecordBytes is a bad row at its
// line, and reading it takes memory bounded by the limit, not by the line
// (the old reader grew its buffer to the whole line: 2.2 GB for 1 GB of
// NUL bytes).
func TestRecordTooLong(t *testing.T) {
	const bomb = 64 << 20 // 64 MiB without a line end
	src := func() io.Reader {
		return io.MultiReader(strings.NewReader("customer,time,amount\nA,2024-01-01,1\n"),
			&nulReader{n: bomb, rest: "\nB,2024-01-02,2\nC,2024-01-03,3\n"})
	}
	for _, how := range []string{"Read", "ReadAll", "Summarize"} {
		for _, skip := range []bool{false, true} {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			rd := check.Must(NewReader(src(), &ReadSettings{SkipBadRows: skip}))
			var got int
			var err error
			switch how {
			case "Read":
				for {
					if _, err = rd.Read(); err != nil && (!skip || err == io.EOF) {
						break
					}
					if err == nil {
						got++
					}
				}
			case "ReadAll":
				var txs []Transaction
				txs, err = rd.ReadAll(context.Background())
				got = len(txs)
			case "Summarize":
				var sums []Summary
				sums, err = rd.Summarize(context.Background(), nil)
				got = len(sums)
			}
			runtime.ReadMemStats(&after)
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32<<20 {
				t.Errorf("%s skip=%v: allocated %d MiB for a %d MiB line", how, skip, alloc>>20, bomb>>20)
			}
			st := rd.Stats()
			if !skip {
				var pe *ParseError
				if !errors.As(err, &pe) || !errors.Is(err, ErrRecordTooLong) || pe.Line != 3 {
					t.Errorf("%s strict: %v, want ErrRecordTooLong at line 3", how, err)
				}
				continue
			}
			if err == io.EOF {
				err = nil
			}
			if err != nil || got != 3 || st.Skipped != 1 || st.Lines != 5 || st.Errors[0].Line != 3 {
				t.Errorf("%s skip: %d, %v, stats %+v; want 3 (customers or rows), 1 skipped at line 3, 5 lines", how, got, err, st)
			}
		}
	}
}

// MaxRecordBytes is exact: a line of that many bytes before its "\n" is
// read, one more byte is too long. Bad bounds are errors of NewReader.
func TestMaxRecordBytes(t *testing.T) {
	line := "A,2024-01-01," + strings.Repeat("0", 100) + "1" // 114 bytes
	for _, tt := range []struct {
		max  int
		want error
	}{{114, nil}, {113, ErrRecordTooLong}} {
		opts := &ReadSettings{NoHeader: true, MaxRecordBytes: tt.max}
		_, _, err := readSeq(line+"\n", opts)
		if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("Read, MaxRecordBytes %d: %v, want %v", tt.max, err, tt.want)
		}
		_, _, err = readPar(line+"\n", opts, 16)
		if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("ReadAll, MaxRecordBytes %d: %v, want %v", tt.max, err, tt.want)
		}
	}
	for _, o := range []ReadSettings{{MaxRecordBytes: -1}, {MaxRecordBytes: 1<<30 + 1}, {MaxRecordLines: -1}} {
		if _, err := NewReader(strings.NewReader("customer,time,amount\n"), &o); err == nil {
			t.Errorf("NewReader(%+v): no error", o)
		}
	}
}

// Issue 13 item 3 through the parallel reader: the row that overflows its
// customer's total is named by line, column and customer, whatever the
// block size and GOMAXPROCS, and comes before a later bad row.
func TestReaderSummarizeOverflow(t *testing.T) {
	input := "customer,time,amount\n" + goodRows(100) + "A,2024-01-01,1e38\n" + goodRows(50) +
		"A,2024-01-02,1e38\nB,2024-01-03,x\n" + goodRows(10)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 4} {
		runtime.GOMAXPROCS(procs)
		for _, size := range []int{64, 1 << 20} {
			func() {
				defer func(old int) { chunkSize = old }(chunkSize)
				chunkSize = size
				rd := check.Must(NewReader(strings.NewReader(input), nil))
				sums, err := rd.Summarize(context.Background(), nil)
				var pe *ParseError
				var te *TransactionError
				// Line 1 header, 100 rows, A on 102, 50 rows, A again on 153.
				if sums != nil || !errors.Is(err, ErrOverflow) || !errors.As(err, &pe) || !errors.As(err, &te) ||
					pe.Line != 153 || pe.Column != "amount" || pe.Value != "1e+38" || te.Customer != "A" {
					t.Errorf("GOMAXPROCS %d block %d: %v, want ErrOverflow at line 153 naming customer A", procs, size, err)
				}
			}()
		}
	}
	// Quantity x price names the quantity column.
	rd := check.Must(NewReader(strings.NewReader("c,t,q,p\nA,2024-01-01,1e19,1e19\nA,2024-01-01,1e19,1e19\n"),
		&ReadSettings{Customer: "c", Time: "t", Quantity: "q", Price: "p"}))
	var pe *ParseError
	if _, err := rd.Summarize(context.Background(), nil); !errors.As(err, &pe) || pe.Line != 3 || pe.Column != "q" {
		t.Errorf("quantity x price: %v, want ErrOverflow at line 3, column q", err)
	}
}

// TestStream: Stream gives what Read gives, in blocks small enough that
// the input spans many.
func TestStream(t *testing.T) {
	defer func(n int) { chunkSize = n }(chunkSize)
	chunkSize = 64
	var b strings.Builder
	b.WriteString("customer,time,amount,sku,order,cat,channel\n")
	for i := range 500 {
		fmt.Fprintf(&b, "C%d,2024-01-%02d,%d.5,P%d,O%d,K%d,%s\n", i/7%37, 1+i%28, i, i%5, i/3, i/11%4, []string{"web", "", "shop"}[i/13%3])
	}
	opts := &ReadSettings{Product: "sku", Order: "order", Category: "cat", Channel: "channel"}
	rd, err := NewReader(strings.NewReader(b.String()), opts)
	if err != nil {
		t.Fatal(err)
	}
	var want []Transaction
	for tx := range rd.All() {
		want = append(want, tx)
	}
	rd2, err := NewReader(strings.NewReader(b.String()), opts)
	if err != nil {
		t.Fatal(err)
	}
	var got []Transaction
	for tx := range rd2.Stream(context.Background()) {
		got = append(got, tx)
	}
	if rd2.Err() != nil || !slices.Equal(got, want) || len(got) != 500 {
		t.Fatalf("Stream: %d transactions (err %v), want %d as Read", len(got), rd2.Err(), len(want))
	}
	// Stopping early is no error.
	rd3, _ := NewReader(strings.NewReader(b.String()), opts)
	n := 0
	for range rd3.Stream(context.Background()) {
		if n++; n == 3 {
			break
		}
	}
	if rd3.Err() != nil {
		t.Errorf("stopped stream: %v", rd3.Err())
	}
	// A truncated gzip member is an error.
	rd4, _ := NewReader(strings.NewReader("customer,time,amount\nA,2024-01-01,\"1"), nil)
	for range rd4.Stream(context.Background()) {
	}
	if rd4.Err() == nil {
		t.Error("stray quote at the end: no error")
	}
}
