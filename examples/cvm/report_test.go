package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cvmkit/cvm"
)

// outlierBase is 12 months of purchases by four customers, the last on
// 2024-12-20; by hand its default as-of is the end of that day.
func outlierBase() string {
	var b strings.Builder
	b.WriteString("customer,time,amount\n")
	for m := 1; m <= 12; m++ {
		for c := range 4 {
			fmt.Fprintf(&b, "c%d,2024-%02d-%02d,%d\n", c, m, 5+5*c, 10+c)
		}
	}
	return b.String()
}

const outlierAsOf = "2024-12-20T23:59:59.999999999Z"

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// One row dated far beyond (or before) the rest: every command that takes
// -as-of keeps the default as-of of the file without it, and prints a
// warning naming the row. The base has 48 rows on lines 2-49; the outlier
// is line 50.
func TestDefaultAsOfIgnoresOutliers(t *testing.T) {
	base := outlierBase()
	for _, tt := range []struct {
		name, row, warn string
		late            bool // after the as-of: counted and excluded
	}{
		{"9999-12-31", "x,9999-12-31,50\n", `line 50 (customer "x", 9999-12-31T00:00:00Z, amount 50)`, true},
		{"year 0000", "x,0000-06-15,50\n", `line 50 (customer "x", 0000-06-15T00:00:00Z, amount 50)`, false},
		{"year 0001", "x,0001-01-02,50\n", `line 50 (customer "x", 0001-01-02T00:00:00Z, amount 50)`, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			clean := writeFile(t, "clean.csv", base)
			in := writeFile(t, "tx.csv", base+tt.row)
			for _, cmd := range [][]string{
				{"summary", "-out", filepath.Join(dir, "s.csv")},
				{"rfm", "-out", filepath.Join(dir, "r.csv"), "-summary", filepath.Join(dir, "r.md")},
				{"lifecycle", "-out", filepath.Join(dir, "l.csv")},
				{"run", "-out", filepath.Join(dir, "run"), "-plot-formats", ""},
				{"clv", "-calibration-end", "2024-09-30", "-kind", "gammagamma"},
			} {
				// clv refuses a customer whose first purchase is
				// centuries before the calibration end (its MaxAge);
				// the report is printed before.
				refuses := cmd[0] == "clv" && !tt.late
				_, stderr, code := runCvm(append(cmd, "-in", in, "-q", "-report")...)
				if refuses {
					if code != 1 || !strings.Contains(stderr, "implausible time span") {
						t.Errorf("clv: exit %d, want 1 for an implausible span:\n%s", code, stderr)
					}
				} else if code != 0 {
					t.Fatalf("%s: exit %d\n%s", cmd[0], code, stderr)
				}
				after := 0
				if tt.late {
					after = 1
				}
				for _, want := range []string{
					fmt.Sprintf("as of          %s (default), %d rows after it excluded", outlierAsOf, after),
					"(1 outliers)",
					"warning: 1 row far outside the bulk of the data, which runs 2024-01-05T00:00:00Z to 2024-12-20T00:00:00Z: " + tt.warn,
				} {
					if !strings.Contains(stderr, want) {
						t.Errorf("%s -report: stderr lacks %q:\n%s", cmd[0], want, stderr)
					}
				}
				if cmd[0] == "summary" || cmd[0] == "clv" {
					_, stderr, _ := runCvm(append(cmd, "-in", in, "-q", "-report", "-json")...)
					rep := reportOf(t, stderr)
					if got := rep.AsOf.Format(time.RFC3339Nano); got != outlierAsOf || rep.Outliers.Count != 1 || rep.AfterAsOf != after {
						t.Errorf("%s -json: as-of %s, %d outliers, %d after; want %s, 1, %d", cmd[0], got, rep.Outliers.Count, rep.AfterAsOf, outlierAsOf, after)
					}
				}
				// Without -report the warning is printed all the same,
				// -q or not.
				_, stderr, code = runCvm(append(cmd, "-in", in, "-q")...)
				if (code != 0) != refuses || !strings.Contains(stderr, "cvm: warning: "+in+": ") || !strings.Contains(stderr, tt.warn) {
					t.Errorf("%s without -report: exit %d, stderr lacks the warning:\n%s", cmd[0], code, stderr)
				}
				_, stderr, _ = runCvm(append(cmd, "-in", clean, "-q")...)
				if strings.Contains(stderr, "warning") {
					t.Errorf("%s on the clean file warns:\n%s", cmd[0], stderr)
				}
			}
			// The results as of the default are those of the file
			// without the late row.
			if tt.late {
				for _, cmd := range [][]string{{"summary"}, {"rfm"}, {"lifecycle"}} {
					got, _, _ := runCvm(append(cmd, "-in", in, "-q")...)
					want, _, _ := runCvm(append(cmd, "-in", clean, "-q")...)
					if got != want || got == "" {
						t.Errorf("%s: output with the 9999 row differs from the output without it:\n%s\nwant\n%s", cmd[0], got, want)
					}
				}
			}
		})
	}
}

// reportOf decodes the JSON report printed on stderr.
func reportOf(t *testing.T, stderr string) cvm.Report {
	t.Helper()
	i := strings.Index(stderr, "{")
	if i < 0 {
		t.Fatalf("no JSON report in stderr:\n%s", stderr)
	}
	var v struct {
		Input  string     `json:"input"`
		Report cvm.Report `json:"report"`
	}
	dec := json.NewDecoder(strings.NewReader(stderr[i:]))
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("report: %v\n%s", err, stderr)
	}
	return v.Report
}

// Every command that reads transactions takes -report; without the
// command's -json it prints text.
func TestReportFlag(t *testing.T) {
	in := writeFile(t, "tx.csv", `customer,time,amount,order
A,2024-01-10 10:00:00,10,o1
A,2024-01-10 10:00:00,10,o1
A,2024-01-11 09:00:00,5,o1
B,2024-02-01 12:30:00,0,o2
C,2024-02-15 14:00:00,-7,o4
,2024-02-16 15:00:00,30,o5
`)
	dir := t.TempDir()
	for _, cmd := range [][]string{
		{"summary", "-out", filepath.Join(dir, "s.csv")},
		{"rfm", "-out", filepath.Join(dir, "r.csv"), "-summary", filepath.Join(dir, "r.md")},
		{"lifecycle", "-out", filepath.Join(dir, "l.csv")},
		{"clv", "-calibration-end", "2024-01-31", "-kind", "gammagamma"},
		{"run", "-out", filepath.Join(dir, "run"), "-plot-formats", ""},
	} {
		_, stderr, _ := runCvm(append(cmd, "-in", in, "-q", "-report")...)
		for _, want := range []string{
			"data report: " + in,
			"rows           6 (5 transactions, 3 customers; 0 bad rows skipped, 1 with an empty customer ID, 0 invalid)",
			"as of          2024-02-15T23:59:59.999999999Z (default), 0 rows after it excluded",
			// Purchases 10+10+5+30 = 55, 30 of them without a customer.
			"revenue        45.5% of purchases 55 analysed (30 without a customer, 0 after the as-of)",
			// Orders: o1, o2 and o4 (o5 has no customer).
			`warning: 1 exact duplicate row: line 3 (customer "A", 2024-01-10T10:00:00Z, amount 10, order "o1") repeats line 2`,
			`warning: 1 customer with returns only, no purchase: "C"`,
			`warning: 1 of 3 orders has rows on more than one day: line 4`,
		} {
			if !strings.Contains(stderr, want) {
				t.Errorf("%s -report: stderr lacks %q:\n%s", cmd[0], want, stderr)
			}
		}
	}
	// Without -report, the other findings are only counted.
	_, stderr, _ := runCvm("summary", "-in", in, "-out", filepath.Join(dir, "s.csv"))
	if !strings.Contains(stderr, in+": 2 more findings about the data; -report prints them") {
		t.Errorf("summary: stderr lacks the count of findings:\n%s", stderr)
	}
}

// lifecycle's default as-of was the last transaction's time, rfm's the end
// of that day; now both are the end of the day.
func TestLifecycleDefaultAsOfIsEndOfDay(t *testing.T) {
	in := writeFile(t, "tx.csv", "customer,time,amount\na,2024-01-05 10:00:00,1\na,2024-03-05 08:00:00,1\n")
	got, stderr, code := runCvm("lifecycle", "-in", in, "-history", "a")
	if code != 0 || !strings.Contains(got, "customer a as of 2024-03-05T23:59:59Z") {
		t.Errorf("exit %d, history %q, stderr %s; want as of the end of 2024-03-05", code, got, stderr)
	}
}

// A late outlier on standard input cannot be cut off by a second read.
func TestSummaryStdinOutlier(t *testing.T) {
	in := writeFile(t, "tx.csv", outlierBase()+"x,9999-12-31,50\n")
	f, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	old := os.Stdin
	os.Stdin = f
	defer func() { os.Stdin = old }()
	_, stderr, code := runCvm("summary", "-in", "-", "-q")
	if code != 1 || !strings.Contains(stderr, "1 row(s) after the default as-of 2024-12-20T23:59:59Z") || !strings.Contains(stderr, "give -as-of") {
		t.Errorf("exit %d, stderr %s", code, stderr)
	}
	// With -as-of it works.
	f.Seek(0, 0)
	out, stderr, code := runCvm("summary", "-in", "-", "-q", "-as-of", "2024-12-31")
	if code != 0 || strings.Contains(out, "x,") {
		t.Errorf("-as-of: exit %d, output %s, stderr %s", code, out, stderr)
	}
}

// Every command that reads transactions offers -report, and every one
// that takes -as-of states the one default in its help.
func TestReportAndAsOfHelp(t *testing.T) {
	for _, tt := range []struct {
		cmd  string
		asOf bool
	}{{"summary", true}, {"rfm", true}, {"lifecycle", true}, {"run", true}, {"profile", true}, {"clv", false}} {
		_, stderr, code := runCvm(tt.cmd, "-h")
		if code != 0 || !strings.Contains(stderr, "-report") {
			t.Errorf("%s -h: exit %d, no -report:\n%s", tt.cmd, code, stderr)
		}
		if tt.asOf && !strings.Contains(stderr, "last plausible transaction") {
			t.Errorf("%s -h does not state the default as-of:\n%s", tt.cmd, stderr)
		}
	}
}

// cvm profile on a generated base with a row dated 9999-12-31 appended:
// the same as-of as without it, the row named, the profiles the same.
func TestProfileDefaultAsOf(t *testing.T) {
	dir := t.TempDir()
	clean := filepath.Join(dir, "tx.csv")
	if _, errOut, code := runCvm("gen", "-customers", "300", "-seed", "3", "-out", clean, "-q"); code != 0 {
		t.Fatalf("gen: %s", errOut)
	}
	data, err := os.ReadFile(clean)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Count(string(data), "\n")
	late := writeFile(t, "late.csv", string(data)+"x,9999-12-31,50,xo\n")
	_, stderr, _ := runCvm("summary", "-in", clean, "-out", filepath.Join(dir, "s.csv"), "-q", "-report", "-json")
	wantAsOf := reportOf(t, stderr).AsOf
	var out [2]string
	for i, in := range []string{clean, late} {
		p := filepath.Join(dir, fmt.Sprintf("p%d.csv", i))
		_, stderr, code := runCvm("profile", "-in", in, "-out", p, "-q", "-report", "-json")
		if code != 0 {
			t.Fatalf("profile %s: exit %d\n%s", in, code, stderr)
		}
		rep := reportOf(t, stderr)
		if i == 1 && (rep.AfterAsOf != 1 || rep.Outliers.Count != 1 || rep.Outliers.Examples[0].Line != lines+1) {
			t.Errorf("late row: %d after the as-of, %d outliers %+v; want 1 and line %d", rep.AfterAsOf, rep.Outliers.Count, rep.Outliers.Examples, lines+1)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = string(b)
		if !rep.AsOf.Equal(wantAsOf) {
			t.Errorf("%s: as-of %v, want %v as summary's without the row", in, rep.AsOf, wantAsOf)
		}
	}
	if out[0] != out[1] {
		t.Error("profiles with the 9999 row differ from those without it")
	}
}
