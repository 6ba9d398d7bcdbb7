package cvm

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"runtime"
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
			{Customer: "17850.0", Time: utc(2010, 12, 1, 8, 26, 0), Amount: 15.3, Order: "536365"},
			{Customer: "14527.0", Time: utc(2010, 12, 1, 9, 41, 0), Amount: -27.5, Order: "C536379"},
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
