package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/check"
)

func summaryFixture(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// runCLI runs cvm with args and returns stdout, stderr and the exit status.
func runCvm(args ...string) (string, string, int) {
	var stdout, stderr bytes.Buffer
	code := exitCode(run(args, &stdout, &stderr), &stderr)
	return stdout.String(), stderr.String(), code
}

const summaryInput = `customer,time,amount,order
C1,2024-01-05 10:00:00,20.00,o1
C1,2024-01-05 10:00:00,5.50,o1
C2,2024-01-06 09:30:00,12.00,o2
,2024-01-06 09:31:00,3.00,o3
C1,2024-02-10 16:45:00,30.00,o4
C1,2024-02-10 18:00:00,1.00,o5
C1,2024-02-20 11:00:00,-5.50,r1
`

func TestSummaryCSV(t *testing.T) {
	in := summaryFixture(t, "tx.csv", summaryInput)
	// By hand: C1 buys on Jan 5 (two rows, one order), Feb 10 (two
	// orders) and returns 5.50 on Feb 20: 2 days or 3 orders, 5 rows,
	// net 20+5.5+30+1-5.5 = 51. C2: one purchase of 12. The row without
	// a customer is skipped and reported.
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "customer,first,last,occasions,transactions,total,returns,mean\n" +
			"C1,2024-01-05T10:00:00Z,2024-02-10T18:00:00Z,2,5,51,5.5,25.5\n" +
			"C2,2024-01-06T09:30:00Z,2024-01-06T09:30:00Z,1,1,12,0,12\n"},
		{[]string{"-occasions", "order"}, "customer,first,last,occasions,transactions,total,returns,mean\n" +
			"C1,2024-01-05T10:00:00Z,2024-02-10T18:00:00Z,3,5,51,5.5,17\n" +
			"C2,2024-01-06T09:30:00Z,2024-01-06T09:30:00Z,1,1,12,0,12\n"},
		// A date alone as -as-of includes that whole day: both Feb 10
		// purchases, not the Feb 20 return.
		{[]string{"-as-of", "2024-02-10"}, "customer,first,last,occasions,transactions,total,returns,mean\n" +
			"C1,2024-01-05T10:00:00Z,2024-02-10T18:00:00Z,2,4,56.5,0,28.25\n" +
			"C2,2024-01-06T09:30:00Z,2024-01-06T09:30:00Z,1,1,12,0,12\n"},
		{[]string{"-as-of", "2024-01-05 23:00:00"}, "customer,first,last,occasions,transactions,total,returns,mean\n" +
			"C1,2024-01-05T10:00:00Z,2024-01-05T10:00:00Z,1,2,25.5,0,25.5\n"},
	} {
		stdout, stderr, code := runCvm(append([]string{"summary", "-in", in}, tt.args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", tt.args, code, stderr)
		}
		if stdout != tt.want {
			t.Errorf("%v: got\n%s\nwant\n%s", tt.args, stdout, tt.want)
		}
		if !strings.Contains(stderr, "1 rows with an empty customer ID skipped") {
			t.Errorf("%v: stderr %q does not report the empty customer", tt.args, stderr)
		}
	}
}

func TestSummaryJSONAndOut(t *testing.T) {
	in := summaryFixture(t, "tx.csv", summaryInput)
	out := filepath.Join(t.TempDir(), "s.json")
	stdout, stderr, code := runCvm("summary", "-in", in, "-json", "-q", "-out", out)
	if code != 0 || stdout != "" || stderr != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q; want 0 and nothing printed with -q", code, stdout, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var got []struct {
		Customer     string   `json:"customer"`
		First        *string  `json:"first"`
		Occasions    int      `json:"occasions"`
		Transactions int      `json:"transactions"`
		Total        float64  `json:"total"`
		Returns      float64  `json:"returns"`
		Mean         *float64 `json:"mean"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%v in %s", err, b)
	}
	if len(got) != 2 || got[0].Customer != "C1" || got[0].Occasions != 2 || got[0].Total != 51 || got[0].Returns != 5.5 ||
		*got[0].First != "2024-01-05T10:00:00Z" || *got[0].Mean != 25.5 || got[1].Customer != "C2" || got[1].Transactions != 1 {
		t.Errorf("got %+v", got)
	}
}

// Customer IDs with quotes, backslashes, control bytes and non-ASCII
// letters come back unchanged from the JSON output (listed in ID order,
// as the output is).
func TestSummaryJSONCustomerIDs(t *testing.T) {
	ids := []string{"Müller", `a"b`, `c\d`, "e\tf", "g\x01h", "x"}
	var csvIn strings.Builder
	csvIn.WriteString("customer,time,amount\n")
	for _, id := range ids {
		csvIn.WriteString(`"` + strings.ReplaceAll(id, `"`, `""`) + `",2024-01-01,1` + "\n")
	}
	in := summaryFixture(t, "tx.csv", csvIn.String())
	stdout, stderr, code := runCvm("summary", "-in", in, "-q", "-json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got []struct {
		Customer string `json:"customer"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("%v in %s", err, stdout)
	}
	var back []string
	for _, g := range got {
		back = append(back, g.Customer)
	}
	if !slices.Equal(back, ids) {
		t.Errorf("customers %q, want %q", back, ids)
	}
}

// A customer with only returns has no first or last purchase.
func TestSummaryReturnsOnly(t *testing.T) {
	in := summaryFixture(t, "tx.csv", "customer,time,amount\n\"X, Ltd\",2024-01-01,-3\n")
	stdout, _, code := runCvm("summary", "-in", in, "-q")
	want := "customer,first,last,occasions,transactions,total,returns,mean\n\"X, Ltd\",,,0,1,-3,3,0\n"
	if code != 0 || stdout != want {
		t.Errorf("exit %d, got %q, want %q", code, stdout, want)
	}
	stdout, stderr, code := runCvm("summary", "-in", in, "-q", "-json")
	if code != 0 || !strings.Contains(stdout, `"first":null`) {
		t.Errorf("exit %d (%s), JSON %q: want a null first purchase", code, stderr, stdout)
	}
	if !json.Valid([]byte(stdout)) {
		t.Errorf("invalid JSON %q", stdout)
	}
}

// The real data sets' shapes, read with flags only (hand-made copies of
// their first rows).
func TestSummaryInputShapes(t *testing.T) {
	cdnowMaster := "customer_id  date number_of_cds  dollar_value\r\n 00001 19970101  1   11.77\r\n 00002 19970112  1   12.00\r\n 00002 19970112  5   77.00\r\n"
	cdnowSample := " 00004 0001 19970101  2   29.33\r\n 00004 0001 19970118  2   29.73\r\n"
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	check.Must(zw.Write([]byte("InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n" +
		"536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom\n" +
		"536365,71053,WHITE METAL LANTERN,6,2010-12-01 08:26:00,3.39,17850.0,United Kingdom\n" +
		"536414,22139,\"RETROSPOT, TEA SET\",56,2010-12-01 11:52:00,0,,United Kingdom\n" +
		"C536379,D,Discount,-1,2010-12-01 09:41:00,27.50,14527.0,United Kingdom\n")))
	check.NoErr(t, zw.Close())
	retail := summaryFixture(t, "retail.csv.gz", gz.String())
	for _, tt := range []struct {
		name   string
		path   string
		args   []string
		want   string
		stderr string
	}{
		{"CDNOW master", summaryFixture(t, "master.txt", cdnowMaster),
			[]string{"-delim", "whitespace", "-customer", "customer_id", "-time", "date", "-amount", "dollar_value"},
			"00001,1997-01-01T00:00:00Z,1997-01-01T00:00:00Z,1,1,11.77,0,11.77\n" +
				"00002,1997-01-12T00:00:00Z,1997-01-12T00:00:00Z,1,2,89,0,89\n", "3 rows, 3 transactions"},
		{"CDNOW sample", summaryFixture(t, "sample.txt", cdnowSample),
			[]string{"-no-header", "-customer", "1", "-time", "3", "-amount", "5", "-delim", "whitespace"},
			"00004,1997-01-01T00:00:00Z,1997-01-18T00:00:00Z,2,2,59.06,0,29.53\n", "2 rows, 2 transactions"},
		// 6 x 2.55 + 6 x 3.39 = 15.30 + 20.34 = 35.64; the cancellation
		// is a return of 27.50 by 14527.
		{"online retail", retail,
			[]string{"-customer", "CustomerID", "-time", "InvoiceDate", "-quantity", "Quantity", "-price", "UnitPrice", "-order", "InvoiceNo", "-occasions", "order"},
			"14527.0,,,0,1,-27.5,27.5,0\n" +
				"17850.0,2010-12-01T08:26:00Z,2010-12-01T08:26:00Z,1,2,35.64,0,35.64\n", "4 rows, 3 transactions, 1 rows with an empty customer ID skipped"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runCvm(append([]string{"summary", "-in", tt.path}, tt.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if want := "customer,first,last,occasions,transactions,total,returns,mean\n" + tt.want; stdout != want {
				t.Errorf("got\n%s\nwant\n%s", stdout, want)
			}
			if !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stderr %q does not contain %q", stderr, tt.stderr)
			}
		})
	}
}

func TestSummaryErrors(t *testing.T) {
	good := summaryFixture(t, "good.csv", summaryInput)
	bad := summaryFixture(t, "bad.csv", "customer,time,amount\nA,2024-01-01,1\nA,2024-01-02,abc\nB,2024-01-03,2\n")
	emptyCust := summaryFixture(t, "empty.csv", "customer,time,amount\n,2024-01-01,1\nA,2024-01-02,2\n")
	for _, tt := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no -in", []string{"summary"}, 2, "-in is required"},
		{"unknown flag", []string{"summary", "-in", good, "-nope"}, 2, "nope"},
		{"extra argument", []string{"summary", "-in", good, "extra"}, 2, "unexpected argument"},
		{"bad occasions", []string{"summary", "-in", good, "-occasions", "week"}, 2, "-occasions"},
		{"bad as-of", []string{"summary", "-in", good, "-as-of", "soon"}, 2, "-as-of"},
		{"bad delim", []string{"summary", "-in", good, "-delim", "|"}, 2, "-delim"},
		{"quantity without price", []string{"summary", "-in", good, "-quantity", "q"}, 2, "-quantity and -price"},
		{"bad empty-customer", []string{"summary", "-in", good, "-empty-customer", "maybe"}, 2, "-empty-customer"},
		{"missing column", []string{"summary", "-in", good, "-amount", "value"}, 2, "not in the header"},
		{"missing file", []string{"summary", "-in", filepath.Join(t.TempDir(), "none.csv")}, 1, "no such file"},
		{"bad data names the line", []string{"summary", "-in", bad}, 1, `line 3, column "amount", value "abc"`},
		{"empty customer as error", []string{"summary", "-in", emptyCust, "-empty-customer", "error"}, 1, "line 2"},
		{"unwritable output", []string{"summary", "-q", "-in", good, "-out", filepath.Join(t.TempDir(), "no", "dir.csv")}, 1, "no such file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := runCvm(tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.msg) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tt.code, tt.msg)
			}
		})
	}
	// -skip-bad reads past the bad row, counting and reporting it.
	stdout, stderr, code := runCvm("summary", "-in", bad, "-skip-bad")
	if code != 0 || !strings.Contains(stderr, "1 bad rows skipped") || !strings.Contains(stderr, "line 3") || strings.Count(stdout, "\n") != 3 {
		t.Errorf("-skip-bad: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if _, _, code := runCvm("summary", "-h"); code != 0 {
		t.Errorf("-h: exit %d, want 0", code)
	}
}

// readAll, used by the other commands, maps the shared flags to the reader.
func TestReadAll(t *testing.T) {
	in := summaryFixture(t, "tx.txt", "A;2024-01-01;1;o1\nB;2024-01-02;2;o2\n")
	fs := newFlagSet("x", "", "", &bytes.Buffer{})
	f := addInputFlags(fs)
	if err := fs.Parse([]string{"-no-header", "-delim", ";", "-order", "4", "-q"}); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	txs, _, err := f.ReadAll(in, time.Time{}, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if len(txs) != 2 || txs[1].Customer != "B" || txs[1].Amount != 2 || txs[1].Order != "o2" || stderr.Len() != 0 {
		t.Errorf("got %+v, stderr %q", txs, stderr.String())
	}
	// -order "" means no order column even though the header has one.
	in = summaryFixture(t, "tx.csv", "customer,time,amount,order\nA,2024-01-01,1,o1\n")
	fs = newFlagSet("x", "", "", &bytes.Buffer{})
	f = addInputFlags(fs)
	fs.Parse([]string{"-order", ""})
	txs, _, err = f.ReadAll(in, time.Time{}, &stderr)
	if err != nil || len(txs) != 1 || txs[0].Order != "" {
		t.Errorf("-order \"\": %+v, %v", txs, err)
	}
	bad := summaryFixture(t, "bad.csv", "customer,time,amount\nA,2024-01-01,x\n")
	if _, _, err := f.ReadAll(bad, time.Time{}, &stderr); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad row: %v", err)
	}
	if _, _, err := f.ReadAll("", time.Time{}, &stderr); exitCode(err, &bytes.Buffer{}) != 2 {
		t.Errorf("no path: %v, want a usage error", err)
	}
}

func BenchmarkWriteSummariesCSV(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		sums := make([]cvm.Summary, n)
		for i := range sums {
			t := time.Date(2024, 1, 1, 0, 0, i, 0, time.UTC)
			sums[i] = cvm.Summary{Customer: "C" + strconv.Itoa(i), First: t, Last: t.Add(time.Hour), Occasions: 3, Transactions: 4, Total: float64(i) / 100, Returns: 1.25}
		}
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := writeSummariesCSV(io.Discard, sums); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// A write error in the middle of the summaries (more than one batch, more
// than the 1 MiB buffer) is reported as the output's, not the input's.
func TestSummaryWriteErrorMidway(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	var b strings.Builder
	b.WriteString("customer,time,amount\n")
	for i := range 70000 {
		fmt.Fprintf(&b, "C%06d,2024-01-%02d,%d.5\n", i, 1+i%28, i%90)
	}
	in := writeFile(t, "many.csv", b.String())
	for _, format := range [][]string{nil, {"-json"}} {
		args := append([]string{"summary", "-q", "-in", in, "-out", "/dev/full"}, format...)
		_, stderr, code := runCvm(args...)
		if code != 1 || !strings.Contains(stderr, "/dev/full") || !strings.Contains(stderr, "no space left on device") {
			t.Errorf("%v: exit %d, stderr %q; want 1 naming /dev/full and ENOSPC", args, code, stderr)
		}
	}
}
