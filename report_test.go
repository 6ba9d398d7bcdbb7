package cvm

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cvmkit/cvm/internal/check"
	"github.com/google/go-cmp/cmp"
)

// anomalies holds one row of every kind the report looks for; the
// comment after each line is what the report must say of it.
const anomalies = `customer,time,amount,order
A,2024-01-10 10:00:00,10,o1
A,2024-01-10 10:00:00,10,o1
A,2024-01-11 09:00:00,5,o1
B,2024-02-01 12:30:00,0,o2
B,2024-01-20 08:00:00,20,o3
C,2024-02-15 14:00:00,-7,o4
,2024-02-16 15:00:00,30,o5
D,2024-03-01 16:00:00,40,o6
D,9999-12-31 00:00:00,50,o7
E,2024-03-05 11:11:11,15,o8
`

// Line by line (the header is line 1):
//
//	 3  exact duplicate of line 2
//	 4  order o1 now spans 2024-01-10 and 2024-01-11
//	 5  zero amount
//	 6  B at 2024-01-20, earlier than B's previous row (2024-02-01)
//	 7  a return; C has returns only
//	 8  empty customer: a purchase of 30 nobody analyses
//	10  9999-12-31, far outside the bulk
//
// The 9 rows with a customer fall in the months 2024-01 (lines 2, 3, 4,
// 6), 2024-02 (5, 7), 2024-03 (9, 11) and 9999-12 (10). The quartile
// ranks are ceil(9/4) = 3 and ceil(27/4) = 7: Q1 = 2024-01 and Q3 =
// 2024-03, IQR 2 months, M = max(20, 12) = 20 months, so months before
// 2022-05 or after 2025-11 are outliers: line 10 alone. The default as-of
// is then the end of 2024-03-05, the day of the last plausible row (line
// 11), and line 10 is after it. Purchases: 10+10+5+20+30+40+50+15 = 180
// in all, 30 without a customer, 50 after the as-of: 100 analysed,
// a share of 100/180.
func anomaliesWant() Report {
	at := func(y int, m time.Month, d, h, mi, s int) time.Time { return utc(y, m, d, h, mi, s) }
	ref := func(row, line int, cust string, t time.Time, amount float64, order string) RowRef {
		return RowRef{Row: row, Line: line, Customer: cust, Time: t, Amount: amount, Order: order}
	}
	dup := ref(2, 3, "A", at(2024, 1, 10, 10, 0, 0), 10, "o1")
	dup.EarlierRow, dup.EarlierLine = 1, 2
	var hours [24]int
	for _, h := range []int{10, 10, 9, 12, 8, 14, 16, 0, 11} {
		hours[h]++
	}
	return Report{
		Lines: 11, Rows: 10, EmptyCustomer: 1, Transactions: 9, Customers: 5,
		First: at(2024, 1, 10, 10, 0, 0), Last: at(9999, 12, 31, 0, 0, 0),
		PlausibleFirst: at(2024, 1, 10, 10, 0, 0), PlausibleLast: at(2024, 3, 5, 11, 11, 11),
		Outliers: Finding{1, []RowRef{ref(8, 10, "D", at(9999, 12, 31, 0, 0, 0), 50, "o7")}},
		AsOf:     EndOfDay(at(2024, 3, 5, 0, 0, 0)), DefaultAsOf: true, AfterAsOf: 1,
		Duplicates:     Finding{1, []RowRef{dup}},
		ZeroAmounts:    Finding{1, []RowRef{ref(4, 5, "B", at(2024, 2, 1, 12, 30, 0), 0, "o2")}},
		Returns:        Finding{1, []RowRef{ref(6, 7, "C", at(2024, 2, 15, 14, 0, 0), -7, "o4")}},
		ReturnsOnly:    CustomerFinding{1, []string{"C"}},
		Orders:         7, // o1, o2, o3, o4, o6, o7, o8 (o5 has no customer)
		MultiDayOrders: Finding{1, []RowRef{ref(3, 4, "A", at(2024, 1, 11, 9, 0, 0), 5, "o1")}},
		OutOfOrder:     Finding{1, []RowRef{ref(5, 6, "B", at(2024, 1, 20, 8, 0, 0), 20, "o3")}},
		Hours:          hours,
		QuarterHours:   8, // all but line 11; fewer than 10 rows, so no zone suspicion
		Revenue:        Revenue{Gross: 180, EmptyCustomer: 30, AfterAsOf: 50, Analysed: 100, Share: 100.0 / 180},
	}
}

// The report of a hand-built file with one row of each anomaly, by every
// way of reading it.
func TestReportAnomalies(t *testing.T) {
	want := anomaliesWant()
	ignoreWarnings := cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Warnings" }, cmp.Ignore())
	// The same report whatever the path, the block size and GOMAXPROCS.
	for _, procs := range []int{1, 3} {
		for _, size := range []int{1 << 20, 40} { // one block, and blocks of about one line
			for _, how := range []string{"Read", "ReadAll", "Summarize"} {
				t.Run(fmt.Sprintf("%s/chunk%d/procs%d", how, size, procs), func(t *testing.T) {
					defer func(old int) { chunkSize = old }(chunkSize)
					defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
					chunkSize = size
					a := NewAuditor(nil)
					rd := check.Must(NewReader(strings.NewReader(anomalies), &ReadSettings{Audit: a}))
					switch how {
					case "Read":
						for {
							if _, err := rd.Read(); err == io.EOF {
								break
							} else if err != nil {
								t.Fatal(err)
							}
						}
					case "ReadAll":
						check.Must(rd.ReadAll(context.Background()))
					case "Summarize":
						check.Must(rd.Summarize(context.Background(), nil))
					}
					got := rd.Report()
					if d := cmp.Diff(want, got, ignoreWarnings); d != "" {
						t.Errorf("report (-want +got):\n%s", d)
					}
					for _, w := range []string{
						`1 row far outside the bulk of the data, which runs 2024-01-10T10:00:00Z to 2024-03-05T11:11:11Z: line 10 (customer "D", 9999-12-31T00:00:00Z, amount 50, order "o7")`,
						`1 row after the default as-of (the end of the day of the last plausible row) 2024-03-05T23:59:59.999999999Z is excluded (27.8% of the purchase amount)`,
						`1 row with an empty customer ID is not analysed (16.7% of the purchase amount)`,
						`1 exact duplicate row: line 3 (customer "A", 2024-01-10T10:00:00Z, amount 10, order "o1") repeats line 2`,
						`1 row with a zero amount: line 5 (customer "B", 2024-02-01T12:30:00Z, amount 0, order "o2")`,
						`1 customer with returns only, no purchase: "C"`,
						`1 of 7 orders has rows on more than one day: line 4 (customer "A", 2024-01-11T09:00:00Z, amount 5, order "o1")`,
						`1 row is earlier than the same customer's previous row: line 6 (customer "B", 2024-01-20T08:00:00Z, amount 20, order "o3")`,
					} {
						if !slices.Contains(got.Warnings, w) {
							t.Errorf("no warning %q in\n%s", w, strings.Join(got.Warnings, "\n"))
						}
					}
					if len(got.Warnings) != 8 {
						t.Errorf("%d warnings, want 8:\n%s", len(got.Warnings), strings.Join(got.Warnings, "\n"))
					}
				})
			}
		}
	}
}

// The same rows given to an Auditor one by one: rows instead of lines,
// the empty-customer row counted among the rows.
func TestAuditSeq(t *testing.T) {
	var txs []Transaction
	for _, line := range strings.Split(strings.TrimSpace(anomalies), "\n")[1:] {
		f := strings.Split(line, ",")
		tm := check.Must(time.Parse(time.DateTime, f[1]))
		var amount float64
		fmt.Sscan(f[2], &amount)
		txs = append(txs, Transaction{Customer: f[0], Time: tm, Amount: amount, Order: f[3]})
	}
	got := Audit(slices.Values(txs), nil)
	want := anomaliesWant()
	want.Lines = 0
	// Every row counts in Row here, the empty-customer one (row 7) too.
	renumber := func(f *Finding) {
		for i := range f.Examples {
			e := &f.Examples[i]
			e.Row, e.Line = e.Line-1, 0
			if e.EarlierLine > 0 {
				e.EarlierRow, e.EarlierLine = e.EarlierLine-1, 0
			}
		}
	}
	for _, f := range []*Finding{&want.Outliers, &want.Duplicates, &want.ZeroAmounts, &want.Returns, &want.MultiDayOrders, &want.OutOfOrder} {
		renumber(f)
	}
	if d := cmp.Diff(want, got, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Warnings" }, cmp.Ignore())); d != "" {
		t.Errorf("report (-want +got):\n%s", d)
	}
	if !slices.Contains(got.Warnings, `1 exact duplicate row: row 2 (customer "A", 2024-01-10T10:00:00Z, amount 10, order "o1") repeats row 1`) {
		t.Errorf("warnings name rows by line:\n%s", strings.Join(got.Warnings, "\n"))
	}
	// The report is valid JSON and reads back the same.
	data := check.Must(json.Marshal(got))
	var back Report
	check.NoErr(t, json.Unmarshal(data, &back))
	if d := cmp.Diff(got, back); d != "" {
		t.Errorf("JSON round trip (-want +got):\n%s", d)
	}
}

// Each rule of the report on small hand-built inputs.
func TestAuditRules(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return utc(y, m, d, 0, 0, 0) }
	tx := func(c string, t time.Time, amount float64) Transaction {
		return Transaction{Customer: c, Time: t, Amount: amount}
	}
	// bulk is 12 purchases on the first of each month of 2024.
	bulk := func(extra ...Transaction) []Transaction {
		var out []Transaction
		for m := time.January; m <= time.December; m++ {
			out = append(out, tx("c"+fmt.Sprint(int(m)), day(2024, m, 1), 1))
		}
		return append(out, extra...)
	}
	at := func(h, mi int) func(i int) time.Time {
		return func(i int) time.Time { return utc(2024, 1, 1+i, h, mi, 0) }
	}
	times := func(n int, f func(i int) time.Time) []Transaction {
		var out []Transaction
		for i := range n {
			out = append(out, tx("c", f(i), 1))
		}
		return out
	}
	year0 := time.Date(0, 6, 15, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name string
		txs  []Transaction
		set  *AuditSettings
		// Expected: outlier count and first example time, as-of, rows
		// after it, time zone.
		outliers  int
		outlierAt time.Time
		asOf      time.Time
		after     int
		zone      string
	}{
		// 13 rows, one a month of 2024 and one more: ranks
		// ceil(13/4) = 4 and ceil(39/4) = 10 give Q1 = 2024-04 and Q3 =
		// 2024-10 (2024-03 and 2024-09 with the extra row first), so
		// M = 60 months and months after 2029-10 (2029-09) or before
		// 2019-04 (2019-03) are outliers.
		{name: "far future", txs: bulk(tx("x", day(9999, 12, 31), 5)), outliers: 1, outlierAt: day(9999, 12, 31), asOf: EndOfDay(day(2024, 12, 1)), after: 1},
		{name: "year 0", txs: bulk(tx("x", year0, 5)), outliers: 1, outlierAt: year0, asOf: EndOfDay(day(2024, 12, 1))},
		{name: "year 1", txs: bulk(tx("x", day(1, 1, 2), 5)), outliers: 1, outlierAt: day(1, 1, 2), asOf: EndOfDay(day(2024, 12, 1))},
		// 2029-10 is the last month inside the fence, 2029-11 the first
		// outside.
		{name: "at the fence", txs: bulk(tx("x", day(2029, 10, 31), 5)), asOf: EndOfDay(day(2029, 10, 31))},
		{name: "past the fence", txs: bulk(tx("x", day(2029, 11, 1), 5)), outliers: 1, outlierAt: day(2029, 11, 1), asOf: EndOfDay(day(2024, 12, 1)), after: 1},
		{name: "early fence", txs: bulk(tx("x", day(2019, 3, 1), 5)), asOf: EndOfDay(day(2024, 12, 1))},
		{name: "past the early fence", txs: bulk(tx("x", day(2019, 2, 28), 5)), outliers: 1, outlierAt: day(2019, 2, 28), asOf: EndOfDay(day(2024, 12, 1))},
		// One month of data: IQR 0, M = 12 months.
		{name: "short file", txs: append(times(10, func(i int) time.Time { return utc(2024, 1, 1+i, 9+i%2, 7, 0) }), tx("x", day(2025, 1, 31), 1)), asOf: EndOfDay(day(2025, 1, 31))},
		{name: "short file, 13 months", txs: append(times(10, func(i int) time.Time { return utc(2024, 1, 1+i, 9+i%2, 7, 0) }), tx("x", day(2025, 2, 1), 1)), outliers: 1, outlierAt: day(2025, 2, 1), asOf: EndOfDay(utc(2024, 1, 10, 0, 0, 0)), after: 1},
		// A given as-of is kept; rows after it are counted.
		{name: "given as-of", txs: bulk(), set: &AuditSettings{AsOf: day(2024, 6, 30)}, asOf: day(2024, 6, 30), after: 6},
		// Date-only data at midnight is not suspect; midnights of
		// UTC+01:00 read as 23:00 UTC, of UTC-05:00 as 05:00, of
		// UTC+05:30 as 18:30.
		{name: "midnights", txs: times(12, at(0, 0)), asOf: EndOfDay(day(2024, 1, 12))},
		{name: "UTC+1 midnights", txs: times(12, at(23, 0)), asOf: EndOfDay(day(2024, 1, 12)), zone: "UTC+01:00"},
		{name: "UTC-5 midnights", txs: times(12, at(5, 0)), asOf: EndOfDay(day(2024, 1, 12)), zone: "UTC-05:00"},
		{name: "UTC+5:30 midnights", txs: times(12, at(18, 30)), asOf: EndOfDay(day(2024, 1, 12)), zone: "UTC+05:30"},
		// Most rows in one hour, not on a quarter hour: 23:07 and 23:41.
		{name: "hour 23", txs: append(times(8, at(23, 7)), append(times(3, at(23, 41)), times(4, at(10, 7))...)...), asOf: EndOfDay(day(2024, 1, 8)), zone: "UTC+01:00"},
		{name: "hour 11 of 15 rows, 7 of them", txs: append(times(7, at(11, 7)), times(8, func(i int) time.Time { return utc(2024, 1, 1+i, 9+i%2, 7, 0) })...), asOf: EndOfDay(day(2024, 1, 8))},
		// Times of day to the second are not suspect.
		{name: "times", txs: times(12, func(i int) time.Time { return utc(2024, 1, 1+i, 9+i%5, 7*i, 13) }), asOf: EndOfDay(day(2024, 1, 12))},
		{name: "empty"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := Audit(slices.Values(tt.txs), tt.set)
			if r.Outliers.Count != tt.outliers {
				t.Errorf("outliers %d, want %d: %+v", r.Outliers.Count, tt.outliers, r.Outliers)
			} else if tt.outliers > 0 && !r.Outliers.Examples[0].Time.Equal(tt.outlierAt) {
				t.Errorf("outlier at %v, want %v", r.Outliers.Examples[0].Time, tt.outlierAt)
			}
			if !r.AsOf.Equal(tt.asOf) || r.AfterAsOf != tt.after {
				t.Errorf("as-of %v with %d rows after, want %v with %d", r.AsOf, r.AfterAsOf, tt.asOf, tt.after)
			}
			if r.DefaultAsOf != (tt.set == nil && len(tt.txs) > 0) {
				t.Errorf("DefaultAsOf %v", r.DefaultAsOf)
			}
			if r.TimeZone != tt.zone {
				t.Errorf("time zone %q, want %q", r.TimeZone, tt.zone)
			}
			if tt.outliers > 0 && !strings.Contains(strings.Join(r.Warnings, "\n"), `customer "x", `+tt.outlierAt.Format(time.RFC3339)) {
				t.Errorf("the warnings do not name the outlier:\n%s", strings.Join(r.Warnings, "\n"))
			}
			if tt.zone != "" && !strings.Contains(strings.Join(r.Warnings, "\n"), tt.zone) {
				t.Errorf("the warnings do not name the zone:\n%s", strings.Join(r.Warnings, "\n"))
			}
		})
	}
}

// Duplicates are found only within the window.
func TestAuditDuplicateWindow(t *testing.T) {
	var txs []Transaction
	for i := range 5 {
		txs = append(txs, Transaction{Customer: "c", Time: utc(2024, 1, 1+i, 0, 0, 0), Amount: 1})
	}
	txs = append(txs, txs...) // rows 6-10 repeat rows 1-5, 5 rows back
	for _, tt := range []struct {
		window, want int
	}{{0, 5}, {5, 5}, {4, 0}, {-1, 0}} {
		r := Audit(slices.Values(txs), &AuditSettings{DuplicateWindow: tt.window})
		if r.Duplicates.Count != tt.want {
			t.Errorf("window %d: %d duplicates, want %d", tt.window, r.Duplicates.Count, tt.want)
		}
		// The repeated export is out of time order for customer c at
		// row 6 alone.
		if r.OutOfOrder.Count != 1 || r.OutOfOrder.Examples[0].Row != 6 {
			t.Errorf("window %d: out of order %+v, want row 6", tt.window, r.OutOfOrder)
		}
	}
	// -0 and 0 are one amount; distinct orders are distinct rows.
	r := Audit(slices.Values([]Transaction{
		{Customer: "c", Time: utc(2024, 1, 1, 0, 0, 0), Amount: 0},
		{Customer: "c", Time: utc(2024, 1, 1, 0, 0, 0), Amount: negZero()},
		{Customer: "c", Time: utc(2024, 1, 1, 0, 0, 0), Amount: 0, Order: "x"},
	}), nil)
	if r.Duplicates.Count != 1 || r.Duplicates.Examples[0].Row != 2 {
		t.Errorf("duplicates %+v, want row 2 alone", r.Duplicates)
	}
}

func negZero() float64 { z := 0.0; return -z }

// Invalid transactions are counted and ignored; the examples setting is
// honoured.
func TestAuditInvalidAndExamples(t *testing.T) {
	var txs []Transaction
	for i := range 5 {
		txs = append(txs, Transaction{Customer: "c", Time: utc(2024, 1, 1+i, 0, 0, 0), Amount: 0})
	}
	txs = append(txs, Transaction{Customer: "c"}, Transaction{Customer: "d", Time: utc(2024, 1, 1, 0, 0, 0), Amount: nan()})
	for _, tt := range []struct{ examples, want int }{{0, 3}, {1, 1}, {10, 5}, {-1, 0}} {
		r := Audit(slices.Values(txs), &AuditSettings{Examples: tt.examples})
		if r.Invalid != 2 || r.Transactions != 5 || r.Rows != 7 || r.Customers != 1 {
			t.Errorf("invalid %d, transactions %d, rows %d, customers %d; want 2, 5, 7, 1", r.Invalid, r.Transactions, r.Rows, r.Customers)
		}
		if r.ZeroAmounts.Count != 5 || len(r.ZeroAmounts.Examples) != tt.want {
			t.Errorf("examples %d: zero amounts %d with %d examples, want 5 with %d", tt.examples, r.ZeroAmounts.Count, len(r.ZeroAmounts.Examples), tt.want)
		}
	}
}

// A location moves days, months and hours; the as-of is the end of the
// day there.
func TestAuditLocation(t *testing.T) {
	plus2 := time.FixedZone("+2", 7200)
	// 23:30 UTC on Jan 31 is 01:30 on Feb 1 at +2.
	txs := []Transaction{{Customer: "a", Time: utc(2024, 1, 31, 23, 30, 0), Amount: 1}}
	r := Audit(slices.Values(txs), &AuditSettings{Location: plus2})
	if want := time.Date(2024, 2, 1, 23, 59, 59, 999999999, plus2); !r.AsOf.Equal(want) || r.Hours[1] != 1 {
		t.Errorf("as-of %v, hours %v; want %v and one row at 01", r.AsOf, r.Hours, want)
	}
}

func nan() float64 { var z float64; return z / z }

// A Reader's Auditor compares whole records: line items of one order that
// differ only in a column it does not read are not duplicates, whether
// the column comes before the last one read or after it.
func TestReportDuplicatesWholeRecords(t *testing.T) {
	const data = `order,sku,customer,time,amount,country
o1,A,c,2024-01-01,5,UK
o1,B,c,2024-01-01,5,UK
o1,B,c,2024-01-01,5,FR
o1,B,c,2024-01-01,5,FR
"o1",B,c,2024-01-01,5,FR
`
	// Lines 3 (sku) and 4 (country) differ from the line before; line 5
	// repeats line 4; line 6 differs from it in its bytes (the quotes),
	// though not in its fields.
	for _, how := range []string{"Read", "ReadAll"} {
		rd := check.Must(NewReader(strings.NewReader(data), &ReadSettings{Audit: NewAuditor(nil)}))
		if how == "Read" {
			for {
				if _, err := rd.Read(); err == io.EOF {
					break
				} else if err != nil {
					t.Fatal(err)
				}
			}
		} else {
			check.Must(rd.ReadAll(context.Background()))
		}
		r := rd.Report()
		if r.Duplicates.Count != 1 || r.Duplicates.Examples[0].Line != 5 || r.Duplicates.Examples[0].EarlierLine != 4 {
			t.Errorf("%s: duplicates %+v, want line 5 repeating line 4", how, r.Duplicates)
		}
	}
}

// TimeOnly keeps the times, amounts and revenue and leaves the checks
// that need memory per customer or per row at zero.
func TestReportTimeOnly(t *testing.T) {
	a := NewAuditor(&AuditSettings{TimeOnly: true})
	rd := check.Must(NewReader(strings.NewReader(anomalies), &ReadSettings{Audit: a}))
	check.Must(rd.ReadAll(context.Background()))
	got := rd.Report()
	want := anomaliesWant()
	want.Customers, want.Orders = 0, 0
	want.Duplicates, want.MultiDayOrders, want.OutOfOrder = Finding{}, Finding{}, Finding{}
	want.ReturnsOnly = CustomerFinding{}
	if d := cmp.Diff(want, got, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Warnings" }, cmp.Ignore())); d != "" {
		t.Errorf("report (-want +got):\n%s", d)
	}
}

// FuzzReport: whatever the input, the report is the same by Read and by
// the parallel reader with small blocks, and encodes as JSON.
func FuzzReport(f *testing.F) {
	f.Add(anomalies)
	f.Add("customer,time,amount\na,2024-01-01,1\na,2024-01-01,1\n")
	f.Add("customer,time,amount,order\n\"a\nb\",2024-01-01 23:00:00,0,o\n,2024-01-02,5,o\nc,9999-12-31,-1,o\n")
	f.Fuzz(func(t *testing.T, data string) {
		read := func(parallel bool) (Report, error) {
			rd, err := NewReader(strings.NewReader(data), &ReadSettings{Audit: NewAuditor(nil), SkipBadRows: true})
			if err != nil {
				return Report{}, err
			}
			if parallel {
				_, err = rd.ReadAll(context.Background())
			} else {
				for err == nil {
					_, err = rd.Read()
				}
				if err == io.EOF {
					err = nil
				}
			}
			return rd.Report(), err
		}
		want, err1 := read(false)
		defer func(old int) { chunkSize = old }(chunkSize)
		chunkSize = 64
		got, err2 := read(true)
		if (err1 == nil) != (err2 == nil) {
			return // the paths may stop at different errors; compared elsewhere
		}
		if err1 != nil {
			return
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("Read and ReadAll reports differ (-Read +ReadAll):\n%s", d)
		}
		if _, err := json.Marshal(got); err != nil && !strings.Contains(err.Error(), "year outside of range") {
			t.Fatalf("JSON: %v", err)
		}
	})
}

// An empty report encodes without zero times and with a share of 1.
func TestReportEmptyJSON(t *testing.T) {
	data := string(check.Must(json.Marshal(Audit(slices.Values([]Transaction(nil)), nil))))
	for _, no := range []string{`"first"`, `"last"`, `"as_of"`, `0001-01-01`} {
		if strings.Contains(data, no) {
			t.Errorf("empty report has %s: %s", no, data)
		}
	}
	if !strings.Contains(data, `"share":1`) || !strings.Contains(data, `"warnings":[]`) {
		t.Errorf("empty report: %s", data)
	}
}

// Every row lands in the month bucket of its calendar month, whether the
// bucket is found through the last row's, the table of days or the binary
// search: rows in random time order over centuries, far outliers (beyond
// the table of days) included, in UTC and in a location.
func TestAuditorMonthBuckets(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	var times []time.Time
	for range 5000 {
		times = append(times, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.Int64N(5*365*86400))*time.Second))
	}
	for _, y := range []int{1, 1200, 1969, 2400, 9999, 12000} {
		times = append(times, time.Date(y, 6, 30, 23, 59, 59, 0, time.UTC), time.Date(y, 7, 1, 0, 0, 0, 0, time.UTC))
	}
	rng.Shuffle(len(times), func(i, j int) { times[i], times[j] = times[j], times[i] })
	for _, loc := range []*time.Location{time.UTC, ny} {
		a := NewAuditor(&AuditSettings{Location: loc})
		want := map[int64]int{}
		for _, tm := range times {
			a.Add(Transaction{Customer: "c", Time: tm, Amount: 1})
			y, m, _ := tm.In(loc).Date()
			k := int64(y)*12 + int64(m-1)
			k = min(max(k, minMonth), maxMonth)
			want[k]++
			if b := a.cur; b.key != k {
				t.Fatalf("%v: %s in the bucket of month key %d, want %d", loc, tm, b.key, k)
			}
		}
		got := map[int64]int{}
		for k, b := range a.months {
			got[k] = b.n
		}
		if !maps.Equal(got, want) {
			t.Errorf("%v: months %v, want %v", loc, got, want)
		}
	}
}

// TestAuditorAddRowsTime: the TimeOnly pass in UTC (addRowsTime) gives
// the report that add, row by row, gives, for rows of every kind:
// zero and negative amounts, fractions of seconds, quarter hours, times
// before year 0 and after 9999, rows after the as-of, and batches of
// every size, so that the month a batch ends in carries over.
func TestAuditorAddRowsTime(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 3))
	jan2024 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	for k := range 200 {
		var rows []row
		for i := range 1 + rng.IntN(400) {
			r := row{cust: []byte(fmt.Sprintf("c%d", rng.IntN(20))), line: int32(i + 1), order: []byte("o")}
			switch rng.IntN(20) {
			case 0:
				r.sec = -62167219200 - rng.Int64N(1e9) // before year 0
			case 1:
				r.sec = 253402300800 + rng.Int64N(1e9) // after 9999
			case 2, 3:
				r.sec = jan2024 + rng.Int64N(96)*900 // quarter hours
			default:
				r.sec = jan2024 + rng.Int64N(3*365*86400)
			}
			if rng.IntN(4) == 0 {
				r.nsec = int32(rng.IntN(1e9))
			}
			switch rng.IntN(10) {
			case 0:
				r.amount = 0
			case 1:
				r.amount = -float64(rng.IntN(10000)) / 100
			default:
				r.amount = float64(rng.IntN(1e6)) / 100
			}
			rows = append(rows, r)
		}
		set := &AuditSettings{TimeOnly: true}
		if k%2 == 1 {
			set.AsOf = time.Unix(jan2024+rng.Int64N(3*365*86400), 0)
		}
		fast, slow := NewAuditor(set), NewAuditor(set)
		for lo := 0; lo < len(rows); {
			hi := min(len(rows), lo+1+rng.IntN(50))
			base := 10 * lo
			fast.addRows(rows[lo:hi], base)
			for i := lo; i < hi; i++ {
				r := &rows[i]
				slow.add(r.cust, r.sec, r.nsec, r.amount, r.order, base+int(r.line), r.hash)
			}
			lo = hi
		}
		if d := cmp.Diff(slow.Report(), fast.Report()); d != "" {
			t.Fatalf("case %d (%d rows): report (-add +addRowsTime):\n%s", k, len(rows), d)
		}
	}
}
