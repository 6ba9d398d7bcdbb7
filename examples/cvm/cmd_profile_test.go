package main

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cvmkit/cvm/profile"
)

// TestProfileCommand builds profiles of a generated base, with CRM
// attributes, and checks one row per customer with the required columns,
// the JSON file, and scoring again with the saved models.
func TestProfileCommand(t *testing.T) {
	dir := t.TempDir()
	tx := filepath.Join(dir, "tx.csv")
	if _, errOut, code := runCvm("gen", "-customers", "300", "-seed", "3", "-out", tx); code != 0 {
		t.Fatalf("gen: %s", errOut)
	}
	attrs := summaryFixture(t, "crm.csv", "customer,channel,consent,failures_12m,share_of_wallet\nC000001,sms,true,2,40\nC000002,,false,0,\n")
	out, models := filepath.Join(dir, "p.csv"), filepath.Join(dir, "m.json")
	if _, errOut, code := runCvm("profile", "-in", tx, "-attributes", attrs, "-out", out, "-save-models", models, "-q"); code != 0 {
		t.Fatalf("profile: %s", errOut)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 301 {
		t.Fatalf("got %d rows, want a header and 300 customers", len(rows))
	}
	col := map[string]int{}
	for j, h := range rows[0] {
		col[h] = j
	}
	for _, want := range []string{"customer", "rfm_segment", "p_alive", "clv", "current_value", "potential_value", "total_value", "quadrant", "tier", "stage", "flags"} {
		if _, ok := col[want]; !ok {
			t.Errorf("no column %q", want)
		}
	}
	js := filepath.Join(dir, "p.json")
	if _, errOut, code := runCvm("profile", "-in", tx, "-models", models, "-json", "-out", js, "-q"); code != 0 {
		t.Fatalf("profile -models: %s", errOut)
	}
	b, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	var file profile.File
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	for i, p := range file.Profiles {
		if p.Customer != rows[i+1][0] || strings.TrimSpace(rows[i+1][col["quadrant"]]) != p.Value.Quadrant.String() {
			t.Fatalf("row %d: %s %s, JSON %s %s", i, rows[i+1][0], rows[i+1][col["quadrant"]], p.Customer, p.Value.Quadrant)
		}
	}
	for _, bad := range [][]string{{"profile"}, {"profile", "-in", tx, "-attributes", summaryFixture(t, "bad.csv", "id,x\n1,2\n")}} {
		if _, _, code := runCvm(bad...); code == 0 {
			t.Errorf("%v: no error", bad)
		}
	}
}

// TestAppendNum: the one-conversion formatter writes what the two-step
// rounding writes (15 significant digits with 'g', parsed, written with
// 'f' and the shortest digits), on edge values and random ones of every
// magnitude.
func TestAppendNum(t *testing.T) {
	old := func(x float64) string {
		if math.IsNaN(x) {
			return ""
		}
		v, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 15, 64), 64)
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	xs := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 0.5, 9.99999999999999, 9.999999999999999, 99999999999999.95, 1e15, 1e16, 123456789012345678,
		1e-5, 1.5e-7, 0.000123456789012345, 1e-300, 5e-324, 1e300, math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64,
		math.Inf(1), math.Inf(-1), math.NaN(), 0.30000000000000004, 100, 1234.5, 0.4999999999999999, 2.675, 1e21, 1e22}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		e := r.IntN(80) - 40
		x := (r.Float64()*2 - 1) * math.Pow(10, float64(e))
		xs = append(xs, x, math.Round(x*100)/100, math.Float64frombits(r.Uint64()))
	}
	for _, x := range xs {
		if got, want := string(appendNum(nil, x)), old(x); got != want {
			t.Fatalf("appendNum(%v) = %q, want %q", x, got, want)
		}
	}
}
