package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cvmkit/cvm/value"
)

func scoreRun(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(args, &out, &errb)
	return out.String(), errb.String(), err
}

func scoreWrite(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// scoreSmallCatalog: one current indicator a (benefit) and one potential
// indicator c, each alone in its group, so the score is 100 x min-max.
const scoreSmallCatalog = `{"groups":[{"id":"g1","name":"G1","dimension":"current","weight":1},{"id":"g2","name":"G2","dimension":"potential","weight":1}],
"indicators":[{"id":"a","name":"A","dimension":"current","group":"g1","direction":"benefit","unit":"t","norm":{"method":"minmax"},"weight":1},
{"id":"c","name":"C","dimension":"potential","group":"g2","direction":"cost","unit":"d","norm":{"method":"minmax"},"weight":1}]}`

func TestScoreCommand(t *testing.T) {
	dir := t.TempDir()
	cat := scoreWrite(t, dir, "cat.json", scoreSmallCatalog)
	in := scoreWrite(t, dir, "in.csv", "customer,a,c\nX,0,10\nY,5,5\nZ,10,0\n")
	model := filepath.Join(dir, "model.json")
	out, _, err := scoreRun(t, "score", "-in", in, "-catalog", cat, "-save", model, "-tiers", "0.5,0.5")
	if err != nil {
		t.Fatal(err)
	}
	// By hand: a = 0, 5, 10 -> current 0, 50, 100; c is a cost 10, 5, 0 ->
	// potential 0, 50, 100; total the mean; median cuts 50/50 (high is
	// strictly above); tier cut at the median total 50 (strictly above).
	want := "customer,current,potential,total,quadrant,tier\n" +
		"X,0.0000,0.0000,0.0000,I,2\n" +
		"Y,50.0000,50.0000,50.0000,I,2\n" +
		"Z,100.0000,100.0000,100.0000,IV,1\n"
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	// Scoring another file with the saved model keeps the fitted bounds.
	in2 := scoreWrite(t, dir, "in2.csv", "customer,a,c\nW,2.5,\n")
	_, _, err = scoreRun(t, "score", "-in", in2, "-model", model)
	if err == nil || !strings.Contains(err.Error(), `"W"`) || !strings.Contains(err.Error(), `"c"`) {
		t.Errorf("missing value under the error policy: got %v", err)
	}
	out, _, err = scoreRun(t, "score", "-in", in2, "-catalog", cat, "-missing", "drop")
	if err == nil {
		t.Errorf("fitting on one customer whose only potential value is missing: no error (out %q)", out)
	}
	in3 := scoreWrite(t, dir, "in3.csv", "customer,c,a\nW,2.5,2.5\n")
	out, _, err = scoreRun(t, "score", "-in", in3, "-model", model)
	if err != nil {
		t.Fatal(err)
	}
	// a = 2.5 -> 25; c = 2.5 (cost) -> 75; total 50 (by hand).
	if !strings.Contains(out, "W,25.0000,75.0000,50.0000,II,2") {
		t.Errorf("scored with saved model: %q", out)
	}
	// -explain prints the breakdown.
	out, _, err = scoreRun(t, "score", "-in", in, "-catalog", cat, "-explain", "Y")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "customer Y: current 50.00, potential 50.00, total 50.00, quadrant I") || !strings.Contains(out, "points") {
		t.Errorf("explain: %q", out)
	}
	// The model file carries the cvm envelope with a model card: 3
	// customers.
	b, err := os.ReadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	var head struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
		Card    struct {
			Customers   int    `json:"customers"`
			Fingerprint string `json:"fingerprint"`
		} `json:"card"`
	}
	if err := json.Unmarshal(b, &head); err != nil || head.Format != value.ModelFormat || head.Version != value.ModelVersion || head.Card.Customers != 3 || head.Card.Fingerprint == "" {
		t.Errorf("model file header %+v %v", head, err)
	}
	// A model file of another format, another version, or with an unknown
	// field is an error naming it.
	for _, tc := range []struct{ name, body, want string }{
		{"format", strings.Replace(string(b), value.ModelFormat, "cvm.segment.kmeans", 1), `"cvm.segment.kmeans"`},
		{"version", strings.Replace(string(b), `"version": 2`, `"version": 7`, 1), "version 7, want version 2"},
		{"unknown field", strings.Replace(string(b), `"catalog"`, `"colour": 1, "catalog"`, 1), `unknown field "colour"`},
	} {
		if tc.body == string(b) {
			t.Fatalf("%s: replacement did not apply", tc.name)
		}
		p := scoreWrite(t, dir, "bad_model.json", tc.body)
		_, _, err := scoreRun(t, "score", "-in", in, "-model", p)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "bad_model.json") {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
	// -save is written only when scoring succeeded: a failing run leaves
	// the old file as it was.
	old := scoreWrite(t, dir, "old.json", "old")
	if _, _, err := scoreRun(t, "score", "-in", in, "-catalog", cat, "-save", old, "-explain", "nobody"); err == nil {
		t.Error("-explain nobody: no error")
	}
	if b, err := os.ReadFile(old); err != nil || string(b) != "old" {
		t.Errorf("-save after a failure: %q %v", b, err)
	}
}

func TestScoreSynthAndList(t *testing.T) {
	dir := t.TempDir()
	ind := filepath.Join(dir, "ind.csv")
	out, _, err := scoreRun(t, "score", "-synth", "300", "-seed", "2", "-synth-out", ind, "-missing", "impute", "-topsis")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out, "\n"); n != 301 {
		t.Errorf("%d lines, want 301", n)
	}
	// The written table scores the same as the generated one.
	out2, _, err := scoreRun(t, "score", "-in", ind, "-missing", "impute", "-topsis")
	if err != nil {
		t.Fatal(err)
	}
	if out != out2 {
		t.Error("scores of -synth-out file differ from -synth")
	}
	// -objective blends CRITIC weights into the default catalog.
	model := filepath.Join(dir, "m.json")
	if _, _, err := scoreRun(t, "score", "-in", ind, "-missing", "impute", "-objective", "critic", "-alpha", "0.5", "-save", model); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(model); bytes.Contains(b, []byte(`"weight": 0.2,`)) {
		t.Error("-objective left the default indicator weights")
	}
	if _, _, err := scoreRun(t, "score", "-in", ind, "-objective", "pca"); err == nil {
		t.Error("-objective pca: no error")
	}
	out, _, err = scoreRun(t, "score", "-list")
	if err != nil || strings.Count(out, "\n") != 31 || !strings.Contains(out, "headroom") {
		t.Errorf("list: %v %q", err, out)
	}
}

func TestScoreErrors(t *testing.T) {
	dir := t.TempDir()
	cat := scoreWrite(t, dir, "cat.json", scoreSmallCatalog)
	for _, tc := range []struct {
		name  string
		body  string
		args  []string
		usage bool
		want  string
	}{
		{"no input", "", nil, true, "give -in, -synth or -transactions"},
		{"bad missing", "customer,a,c\nX,1,1\n", []string{"-missing", "zero"}, true, "-missing"},
		{"fixed without cuts", "customer,a,c\nX,1,1\n", []string{"-cut", "fixed"}, true, "-cuts"},
		{"bad cut", "customer,a,c\nX,1,1\n", []string{"-cut", "middle"}, true, "-cut"},
		{"bad tiers", "customer,a,c\nX,1,1\n", []string{"-tiers", "a,b"}, true, "-tiers"},
		{"duplicate", "customer,a,c\nX,1,1\nX,2,2\n", nil, false, `in.csv: line 3, column "customer": customer "X" appears twice (first on line 2)`},
		{"empty customer", "customer,a,c\nX,1,1\n,2,2\n", nil, false, `in.csv: line 3, column "customer": empty customer ID`},
		{"hex", "customer,a,c\nX,1,0x1p3\nY,2,2\n", nil, false, `in.csv: line 2, column "c": customer "X": "0x1p3": hexadecimal`},
		{"missing under error policy", "customer,a,c\nX,1,1\nY,2,\nZ,3,3\n", nil, false, `in.csv: line 3, column "c": value: customer "Y": indicator "c" = NaN: value: missing value`},
		{"missing after quoted newline", "customer,a,c\n\"X\nX\",1,1\nY,2,\n", nil, false, `in.csv: line 4, column "c"`},
		{"all missing under drop", "customer,a,c\nX,1,1\nY,2,\nZ,3,3\n", []string{"-missing", "drop"}, false, `in.csv: line 3: value: customer "Y": value: every indicator`},
		{"column twice", "customer,a,a,c\nX,1,1,1\n", nil, false, `line 1: column "a" appears twice`},
		{"unknown catalog field", "customer,a,c\nX,1,1\n", []string{"-catalog", scoreWrite(t, dir, "typo.json", strings.Replace(scoreSmallCatalog, `"weight"`, `"wieght"`, 1))}, false, `unknown field "wieght"`},
		{"unknown", "customer,a,c,zz\nX,1,1,1\nY,2,2,2\n", nil, false, `"zz"`},
		{"not a number", "customer,a,c\nX,1,one\n", nil, false, `in.csv: line 2, column "c": customer "X": "one" is not a number`},
		{"no customer column", "id,a,c\nX,1,1\n", nil, false, "customer"},
		{"inf", "customer,a,c\nX,1,Inf\nY,2,2\n", nil, false, `in.csv: line 2, column "c": customer "X": "Inf": infinite`},
		{"overflow", "customer,a,c\nX,1,1e400\nY,2,2\n", nil, false, `in.csv: line 2, column "c": customer "X": "1e400" is out of the range`},
		{"unknown explain", "customer,a,c\nX,1,1\nY,2,2\n", []string{"-explain", "Q"}, false, `in.csv: value: customer "Q": value: unknown customer`},
	} {
		args := []string{"score", "-catalog", cat}
		if tc.body != "" {
			args = append(args, "-in", scoreWrite(t, dir, "in.csv", tc.body))
		}
		args = append(args, tc.args...)
		_, _, err := scoreRun(t, args...)
		var ue *usageError
		if err == nil || errors.As(err, &ue) != tc.usage || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want error containing %q (usage %v)", tc.name, err, tc.want, tc.usage)
		}
	}
	// -h prints the examples and is not an error.
	_, stderr, err := scoreRun(t, "score", "-h")
	if err != nil || !strings.Contains(stderr, "cvm score -synth 10000") {
		t.Errorf("-h: %v %q", err, stderr)
	}
}

// FuzzScoreReadCSV: the indicator CSV reader never panics, and a table it
// returns has one value per customer in every column.
func FuzzScoreReadCSV(f *testing.F) {
	f.Add("customer,a,c\nX,0,10\nY,5,\nZ,NA,0\n")
	f.Add("customer\n\n")
	f.Add("\ufeffcustomer,a\n\"q,\"\"r\",1e308\n")
	f.Add("customer,a\nX,0x1p3\nY,Inf\n")
	f.Add("customer,a\nX,1\nX,2\n")
	f.Add("customer,a,a\nX,1,2\n")
	f.Fuzz(func(t *testing.T, s string) {
		tb, src, err := scoreReadCSV(strings.NewReader(s), "fuzz", "customer")
		if err != nil {
			return
		}
		for j, c := range tb.Columns {
			if len(c) != len(tb.Customers) {
				t.Fatalf("column %d has %d values for %d customers", j, len(c), len(tb.Customers))
			}
		}
		if len(src.lines) != len(tb.Customers) {
			t.Fatalf("%d lines for %d customers", len(src.lines), len(tb.Customers))
		}
	})
}

// Issue 17: cvm score computes the retail indicators from transactions and
// joins a CRM indicator file by customer ID, reporting where each
// indicator came from.
func TestScoreTransactionsJoin(t *testing.T) {
	dir := t.TempDir()
	tx := scoreWrite(t, dir, "tx.csv", "customer,time,amount,order\n"+
		"A,2024-01-10,100,o1\nA,2024-03-10,120,o2\nA,2024-06-01,90,o3\n"+
		"B,2024-05-01,40,o4\nB,2024-05-20,-10,o5\n"+
		"C,2024-02-01,-25,o6\n")
	crm := scoreWrite(t, dir, "crm.csv", "customer,credit_rating,revenue\nA,8,1\nB,5,2\nZ,3,3\n")
	out, errOut, err := scoreRun(t, "score", "-transactions", tx, "-in", crm, "-missing", "impute", "-q")
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[1], "A,") || !strings.HasPrefix(lines[3], "C,") {
		t.Errorf("scores:\n%s", out)
	}
	for _, want := range []string{
		"indicators from the transactions in " + tx,
		"1 indicators from " + crm + ": credit_rating",
		"in both files, taken from the transactions: revenue",
		"3 customers; 1 without a row in " + crm,
		"1 rows of " + crm + " without transactions left out",
		"1 customers have returns but no purchase",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("report lacks %q:\n%s", want, errOut)
		}
	}
	// Without -missing, the customer without a CRM row is an error naming it.
	if _, _, err := scoreRun(t, "score", "-transactions", tx, "-in", crm, "-q"); err == nil || !strings.Contains(err.Error(), `"C"`) {
		t.Errorf("missing CRM row: got %v", err)
	}
	// A CRM column the catalog does not know is an error naming it.
	bad := scoreWrite(t, dir, "bad.csv", "customer,colour\nA,1\n")
	if _, _, err := scoreRun(t, "score", "-transactions", tx, "-in", bad, "-q"); err == nil || !strings.Contains(err.Error(), "colour") {
		t.Errorf("unknown CRM column: got %v", err)
	}
	// Transactions alone: the retail catalog.
	if out, errOut, err := scoreRun(t, "score", "-transactions", tx, "-q"); err != nil || strings.Count(out, "\n") != 4 {
		t.Errorf("transactions alone: %v\n%s%s", err, out, errOut)
	}
	for _, args := range [][]string{
		{"score", "-synth", "10", "-transactions", tx},
		{"score", "-in", crm, "-as-of", "2024-05-01"},
		{"score"},
	} {
		if _, _, err := scoreRun(t, args...); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
