package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cvmkit/cvm/internal/check"
	"github.com/cvmkit/cvm/internal/synth"
	"github.com/cvmkit/cvm/segment"
)

// rfmTestCSV: ann buys on three days, bob once, cid on two days (two
// orders on 01-25), dee once, eve only returns.
const rfmTestCSV = `customer,time,amount,order
ann,2024-01-02,40,o1
ann,2024-01-20,60,o2
ann,2024-01-28,80,o3
bob,2024-01-03,25,o4
cid,2024-01-15,30,o5
cid,2024-01-25,30,o6
cid,2024-01-25,20,o8
dee,2024-01-29,10,o7
eve,2024-01-05,-10,r1
`

const rfmTestRules = `{"format": "cvm.segment.rules", "version": 2, "bins": 3,
  "segments": [{"name": "Best"}, {"name": "New"}, {"name": "Lapsing"}, {"name": "Other"}],
  "rules": [{"segment": "Best", "r": [2, 3], "fm": [2.5, 3]},
            {"segment": "New", "r": [3, 3]},
            {"segment": "Lapsing", "r": [1, 1]},
            {"segment": "Other"}]}`

func rfmFiles(t *testing.T) (dir, in, rules string) {
	t.Helper()
	dir = t.TempDir()
	in = filepath.Join(dir, "tx.csv")
	rules = filepath.Join(dir, "rules.json")
	if err := os.WriteFile(in, []byte(rfmTestCSV), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(rules, []byte(rfmTestRules), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, in, rules
}

func TestRunRFMGolden(t *testing.T) {
	_, in, rules := rfmFiles(t)
	tests := []struct {
		name  string
		extra []string
		want  string
	}{
		{
			// By hand, as of the end of 2024-01-31: recency 3, 28, 6, 2
			// whole days; frequency (days) 3, 1, 2, 1; monetary 180, 25,
			// 80, 10. Type-7 breaks for B = 3 at p = 1/3, 2/3 (h = 1, 2):
			// recency [3 6], frequency [1 2], monetary [25 80];
			// s(v) = 1 + #{b < v}, R = 4 - s. Segments by the rules above,
			// FM = (F+M)/2.
			"days, total, values",
			nil,
			`customer,recency_days,frequency,monetary,r,f,m,cell,segment
ann,3,3,180,3,3,3,333,Best
bob,28,1,25,1,1,1,111,Lapsing
cid,6,2,80,2,2,2,222,Other
dee,2,1,10,3,1,1,311,New
`,
		},
		{
			// Orders: 3, 1, 3, 1 -> breaks [1 3]: ann and cid get 2 (3 is
			// not > 3). Mean per order: 60, 25, 80/3, 10 -> breaks
			// [25 26.67]: 3, 1, 2, 1. ann: R 3, FM 2.5 -> Best.
			"orders, mean, values",
			[]string{"-frequency", "orders", "-monetary", "mean"},
			`customer,recency_days,frequency,monetary,r,f,m,cell,segment
ann,3,3,60,3,2,3,323,Best
bob,28,1,25,1,1,1,111,Lapsing
cid,6,3,26.666666666666668,2,2,2,222,Other
dee,2,1,10,3,1,1,311,New
`,
		},
		{
			// Rank, n = 4, B = 3: positions 0..3 get max(1, ceil(3i/3)) =
			// 1 1 2 3 in (value, ID) order. Recency: dee 2, ann 3, cid 6,
			// bob 28 -> s 1 1 2 3 -> R 3 3 2 1. Frequency: bob 1, dee 1,
			// cid 2, ann 3 -> 1 1 2 3. Monetary: dee, bob, cid, ann -> 1 1
			// 2 3. Fixed recency breaks [5 10] would give the same R.
			"rank, fixed recency",
			[]string{"-ties", "rank", "-recency-breaks", "5,10"},
			`customer,recency_days,frequency,monetary,r,f,m,cell,segment
ann,3,3,180,3,3,3,333,Best
bob,28,1,25,1,1,1,111,Lapsing
cid,6,2,80,2,2,2,222,Other
dee,2,1,10,3,1,1,311,New
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append([]string{"-in", in, "-as-of", "2024-01-31", "-bins", "3", "-rules", rules}, tt.extra...)
			if err := runRFM(args, &stdout, &stderr); err != nil {
				t.Fatalf("%v\n%s", err, stderr.String())
			}
			if got := stdout.String(); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
			for _, s := range []string{"| Best | 1 | 25.0% |", "R x F grid", "1 more with only returns left out"} {
				if !strings.Contains(stderr.String(), s) {
					t.Errorf("summary lacks %q:\n%s", s, stderr.String())
				}
			}
		})
	}
}

func TestRunRFMModelAndFiles(t *testing.T) {
	dir, in, rules := rfmFiles(t)
	model := filepath.Join(dir, "model.json")
	out1, out2, sum := filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv"), filepath.Join(dir, "s.md")
	var stdout, stderr bytes.Buffer
	base := []string{"-in", in, "-as-of", "2024-01-31", "-rules", rules, "-q"}
	if err := runRFM(append(base, "-save", model, "-out", out1, "-summary", sum), &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if stdout.Len() != 0 || stderr.Len() != 0 {
		t.Errorf("output on stdout %q or stderr %q with -out, -summary and -q", stdout.String(), stderr.String())
	}
	if err := runRFM(append(base, "-model", model, "-out", out2), &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	a := check.Must(os.ReadFile(out1))
	b := check.Must(os.ReadFile(out2))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("scoring with the saved model differs:\n%s\n%s", a, b)
	}
	if s := check.Must(os.ReadFile(sum)); !strings.Contains(string(s), "| segment |") {
		t.Errorf("summary file: %s", s)
	}
	if !strings.Contains(stderr.String(), "from the saved model") {
		t.Errorf("summary does not say the breaks came from the model:\n%s", stderr.String())
	}
	// -print-rules prints a rule set that parses back.
	stdout.Reset()
	if err := runRFM([]string{"-print-rules"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(stdout.Bytes(), new(segment.RuleSet)); err != nil {
		t.Errorf("-print-rules output does not parse: %v", err)
	}
}

func TestRunRFMSynthetic(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "tx.csv")
	f, err := os.Create(in)
	if err != nil {
		t.Fatal(err)
	}
	// Dropout after each purchase ~ Beta(5, 1): most customers buy once.
	if err := synth.WriteCSV(f, synth.Config{Customers: 500, Seed: 1, A: 5, B: 1}); err != nil {
		t.Fatal(err)
	}
	check.NoErr(t, f.Close())
	for _, ties := range []string{"values", "rank"} {
		var stdout, stderr bytes.Buffer
		if err := runRFM([]string{"-in", in, "-ties", ties, "-q"}, &stdout, &stderr); err != nil {
			t.Fatalf("%v\n%s", err, stderr.String())
		}
		recs, err := csv.NewReader(&stdout).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) < 400 || strings.Join(recs[0], ",") != "customer,recency_days,frequency,monetary,r,f,m,cell,segment" {
			t.Fatalf("%d records, header %v", len(recs), recs[0])
		}
		for _, r := range recs[1:] {
			if r[8] == "" || r[7] != r[4]+r[5]+r[6] {
				t.Fatalf("bad record %v", r)
			}
		}
		// Most of these customers buy once: the report explains what
		// each tie policy did with them.
		want := map[string]string{"values": "empty scores", "rank": "were split across scores"}[ties]
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("-ties %s: summary lacks %q:\n%s", ties, want, stderr.String())
		}
	}
}

func TestRunRFMErrors(t *testing.T) {
	dir, in, rules := rfmFiles(t)
	badRules := filepath.Join(dir, "bad.json")
	writeOK(t, badRules, []byte(`{"format": "cvm.segment.rules", "version": 2, "bins": 3, "segments": [{"name": "A"}], "rules": [{"segment": "B"}]}`), 0o644)
	gapRules := filepath.Join(dir, "gap.json")
	writeOK(t, gapRules, []byte(`{"format": "cvm.segment.rules", "version": 2, "bins": 5, "segments": [{"name": "A"}], "rules": [{"segment": "A", "r": [5, 5]}]}`), 0o644)
	badModel := filepath.Join(dir, "model.json")
	writeOK(t, badModel, []byte(`{"format": "cvm.segment.scorer", "version": 9}`), 0o644)
	nanCSV := filepath.Join(dir, "nan.csv")
	writeOK(t, nanCSV, []byte("customer,time,amount\nx,2024-01-01,NaN\n"), 0o644)
	tests := []struct {
		name  string
		args  []string
		usage bool
		want  string
	}{
		{"no -in", []string{}, true, "-in"},
		{"bad ties", []string{"-in", in, "-ties", "x"}, true, "-ties"},
		{"bad frequency", []string{"-in", in, "-frequency", "rows"}, true, "-frequency"},
		{"bad monetary", []string{"-in", in, "-monetary", "max"}, true, "-monetary"},
		{"bad recency", []string{"-in", in, "-recency", "hours"}, true, "-recency"},
		{"bins 11", []string{"-in", in, "-bins", "11", "-rules", rules}, true, "2..10"},
		{"bins 4 without rules", []string{"-in", in, "-bins", "4"}, true, "-rules"},
		{"bins differ from rules", []string{"-in", in, "-bins", "4", "-rules", rules}, true, "3 bins"},
		{"break not a number", []string{"-in", in, "-recency-breaks", "1,x,3,4"}, true, "not a number"},
		{"bad as-of", []string{"-in", in, "-as-of", "yesterday"}, true, "-as-of"},
		{"breaks not increasing", []string{"-in", in, "-recency-breaks", "1,3,2,4"}, false, "bad breaks"},
		{"as-of before first", []string{"-in", in, "-as-of", "2023-12-01"}, false, "before the first transaction"},
		{"unknown segment in rules", []string{"-in", in, "-rules", badRules}, false, "unknown segment"},
		{"missing rules file", []string{"-in", in, "-rules", filepath.Join(dir, "none.json")}, false, "none.json"},
		{"bad model", []string{"-in", in, "-model", badModel}, false, "version"},
		{"NaN amount", []string{"-in", nanCSV}, false, "NaN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := runRFM(tt.args, &stdout, &stderr)
			if err == nil {
				t.Fatal("no error")
			}
			var ue *usageError
			if errors.As(err, &ue) != tt.usage {
				t.Errorf("usage error = %v, want %v: %v", !tt.usage, tt.usage, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
	// A rule set with gaps is used with a warning, its uncovered customers
	// getting no segment.
	var stdout, stderr bytes.Buffer
	if err := runRFM([]string{"-in", in, "-rules", gapRules, "-q"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr.String(), "warning") || !strings.Contains(stderr.String(), "(no segment)") {
		t.Errorf("no warning or no-segment row:\n%s", stderr.String())
	}
}

func TestRunRFMHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := runRFM([]string{"-h"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"example:", "cvm rfm -in CDNOW_master.txt", "-ties", "-frequency", "-monetary", "-rules", "-summary", "-as-of", "-bins"} {
		if !strings.Contains(stderr.String(), s) {
			t.Errorf("-h lacks %q", s)
		}
	}
}
