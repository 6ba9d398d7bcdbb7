package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cvmkit/cvm/internal/check"
	"github.com/cvmkit/cvm/internal/synth"
	"github.com/cvmkit/cvm/value/clv"
)

// clvFiles writes a synthetic base as the usual CSV and as a CDNOW-style
// white-space file without header (customer, sample ID, YYYYMMDD, CDs,
// amount), and returns both paths and the number of customers.
func clvFiles(t *testing.T) (csvPath, cdnowPath string, n int) {
	t.Helper()
	dir := t.TempDir()
	cfg := synth.Config{Customers: 1500, Seed: 3, ReturnRate: -1}
	var buf bytes.Buffer
	if err := synth.WriteCSV(&buf, cfg); err != nil {
		t.Fatal(err)
	}
	csvPath = filepath.Join(dir, "tx.csv")
	if err := os.WriteFile(csvPath, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var ws strings.Builder
	for tx := range synth.Transactions(cfg) {
		fmt.Fprintf(&ws, " %s 0001 %s  1   %.2f\r\n", tx.Customer, tx.Time.Format("20060102"), tx.Amount)
	}
	cdnowPath = filepath.Join(dir, "cdnow.txt")
	if err := os.WriteFile(cdnowPath, []byte(ws.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return csvPath, cdnowPath, cfg.Customers
}

func TestCLVJSON(t *testing.T) {
	csvPath, cdnowPath, _ := clvFiles(t)
	for _, tc := range []struct {
		model  string
		params []string
		args   []string
	}{
		{"bgnbd", []string{"r", "alpha", "a", "b"}, []string{"-in", csvPath}},
		{"mbgnbd", []string{"r", "alpha", "a", "b"}, []string{"-in", csvPath, "-unit", "days"}},
		{"pareto", []string{"r", "alpha", "s", "beta"}, []string{"-in", csvPath, "-penalizer", "0.001"}},
		{"gammagamma", []string{"p", "q", "gamma"}, []string{"-in", csvPath}},
		// The -h example's flags for CDNOW_sample.txt.
		{"bgnbd", []string{"r", "alpha", "a", "b"}, []string{"-in", cdnowPath, "-no-header", "-customer", "1", "-time", "3", "-amount", "5", "-delim", "whitespace", "-order", ""}},
	} {
		t.Run(tc.model, func(t *testing.T) {
			var out, errb bytes.Buffer
			args := append([]string{"clv", "-kind", tc.model, "-calibration-end", "2025-06-30", "-json", "-q"}, tc.args...)
			if err := run(args, &out, &errb); err != nil {
				t.Fatalf("%v\n%s", err, errb.String())
			}
			var res map[string]any
			if err := json.Unmarshal(out.Bytes(), &res); err != nil {
				t.Fatalf("%v: %s", err, out.String())
			}
			for _, k := range append(tc.params, "log_likelihood", "fit_seconds", "aic", "bic", "iterations") {
				v, ok := res[k].(float64)
				if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
					t.Errorf("%s = %v", k, res[k])
				}
			}
			if res["kind"] != tc.model {
				t.Errorf("kind = %v", res["kind"])
			}
			card, ok := res["card"].(map[string]any)
			if !ok || card["fingerprint"] == "" || card["time_unit"] == nil || card["calibration_end"] != "2025-06-30T00:00:00Z" {
				t.Errorf("card = %v", res["card"])
			}
		})
	}
}

func TestCLVOutAndHoldout(t *testing.T) {
	csvPath, _, _ := clvFiles(t)
	outPath := filepath.Join(t.TempDir(), "pred.csv")
	var out, errb bytes.Buffer
	err := run([]string{"clv", "-in", csvPath, "-calibration-end", "20250331", "-holdout-end", "2025-12-31", "-out", outPath, "-q"}, &out, &errb)
	if err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	// 2025-03-31 to 2025-12-31 is 275 days, 39.29 weeks.
	for _, want := range []string{"model bgnbd", "log-likelihood", "holdout 39.29 weeks", "7+"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	recs := readCSV(t, outPath)
	want := []string{"customer", "frequency", "recency", "T", "mean_spend", "p_alive", "expected_purchases", "expected_spend", "clv", "holdout_purchases", "holdout_spend"}
	if strings.Join(recs[0], ",") != strings.Join(want, ",") {
		t.Errorf("header %v, want %v", recs[0], want)
	}
	if len(recs) < 100 {
		t.Errorf("%d rows", len(recs))
	}
	for _, r := range recs[1:] {
		for _, v := range r[1:] {
			if v == "NaN" || strings.Contains(v, "Inf") {
				t.Fatalf("non-finite value in %v", r)
			}
		}
	}
}

func TestCLVUsageErrors(t *testing.T) {
	csvPath, _, _ := clvFiles(t)
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"no in", []string{"-calibration-end", "2025-06-30"}},
		{"no end", []string{"-in", csvPath}},
		{"bad end", []string{"-in", csvPath, "-calibration-end", "june"}},
		{"bad holdout", []string{"-in", csvPath, "-calibration-end", "2025-06-30", "-holdout-end", "x"}},
		{"holdout before end", []string{"-in", csvPath, "-calibration-end", "2025-06-30", "-holdout-end", "2025-01-01"}},
		{"bad unit", []string{"-in", csvPath, "-calibration-end", "2025-06-30", "-unit", "months"}},
		{"bad kind", []string{"-in", csvPath, "-calibration-end", "2025-06-30", "-kind", "nope"}},
		{"kind and model", []string{"-in", csvPath, "-calibration-end", "2025-06-30", "-kind", "pareto", "-model", "m.json"}},
		{"monthly -discount is gone", []string{"-in", csvPath, "-calibration-end", "2025-06-30", "-discount", "0.01"}},
		{"negative penalizer", []string{"-in", csvPath, "-calibration-end", "2025-06-30", "-penalizer", "-1"}},
		{"bad months", []string{"-in", csvPath, "-calibration-end", "2025-06-30", "-months", "0"}},
		{"bad horizon", []string{"-in", csvPath, "-calibration-end", "2025-06-30", "-horizon", "-3"}},
		{"bad discount", []string{"-in", csvPath, "-calibration-end", "2025-06-30", "-annual-discount", "-2"}},
		{"extra arg", []string{"-in", csvPath, "-calibration-end", "2025-06-30", "extra"}},
		{"bad flag", []string{"-nope"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			err := run(append([]string{"clv", "-q"}, tc.args...), &out, &errb)
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Errorf("err = %v, want a usage error", err)
			}
		})
	}
}

func TestCLVDataErrors(t *testing.T) {
	dir := t.TempDir()
	// All purchases after the calibration end: no customer to fit.
	late := filepath.Join(dir, "late.csv")
	os.WriteFile(late, []byte("customer,time,amount,order\na,2026-01-01,5,o1\n"), 0o644)
	var out, errb bytes.Buffer
	err := run([]string{"clv", "-q", "-in", late, "-calibration-end", "2025-06-30"}, &out, &errb)
	var ue *usageError
	if err == nil || errors.As(err, &ue) {
		t.Errorf("err = %v, want a data error", err)
	}
	err = run([]string{"clv", "-q", "-in", filepath.Join(dir, "missing.csv"), "-calibration-end", "2025-06-30"}, &out, &errb)
	if err == nil {
		t.Error("missing file accepted")
	}
	// One buyer, no repeat buyers: Gamma-Gamma cannot fit.
	one := filepath.Join(dir, "one.csv")
	os.WriteFile(one, []byte("customer,time,amount,order\na,2025-01-01,5,o1\n"), 0o644)
	err = run([]string{"clv", "-q", "-in", one, "-calibration-end", "2025-06-30", "-kind", "gammagamma"}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "repeat buyers") {
		t.Errorf("err = %v, want no repeat buyers", err)
	}
	// A year-0000 date (issue 13): an error naming the customer and the
	// date, not parameters of 1e13.
	old := filepath.Join(dir, "old.csv")
	os.WriteFile(old, []byte("customer,time,amount,order\na,2025-01-01,5,o1\na,2025-02-01,5,o2\nb,0000-01-01,5,o3\nb,2025-03-01,5,o4\n"), 0o644)
	err = run([]string{"clv", "-q", "-in", old, "-calibration-end", "2025-06-30"}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), `customer "b"`) || !strings.Contains(err.Error(), "0000-01-01") {
		t.Errorf("err = %v, want one naming customer b and 0000-01-01", err)
	}
}

func TestCLVHelp(t *testing.T) {
	var out, errb bytes.Buffer
	if err := run([]string{"clv", "-h"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"-calibration-end 1997-09-30", "-delim whitespace", "-kind", "-model FILE", "-save", "-unit"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, errb.String())
		}
	}
}

// A customer ID with a comma and quotes is written as one CSV field, with
// the quotes doubled.
func TestCLVOutQuotesIDs(t *testing.T) {
	csvPath, _, _ := clvFiles(t)
	b, err := os.ReadFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	const id = `Q "x", y`
	b = bytes.ReplaceAll(b, []byte("\nC0001,"), []byte("\n\"Q \"\"x\"\", y\","))
	if err := os.WriteFile(csvPath, b, 0o644); err != nil {
		t.Fatal(err)
	}
	outPath := filepath.Join(t.TempDir(), "pred.csv")
	var out, errb bytes.Buffer
	if err := run([]string{"clv", "-in", csvPath, "-calibration-end", "20250331", "-out", outPath, "-q"}, &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	recs := readCSV(t, outPath)
	found := false
	for _, r := range recs {
		found = found || r[0] == id
	}
	if !found {
		t.Errorf("no row for customer %q", id)
	}
}

// -save writes the fitted model in its envelope; -model applies it to the
// same data with the same parameters and the same per-customer output.
func TestCLVSaveAndModel(t *testing.T) {
	csvPath, _, _ := clvFiles(t)
	dir := t.TempDir()
	for _, kind := range []string{"bgnbd", "mbgnbd", "pareto", "gammagamma"} {
		t.Run(kind, func(t *testing.T) {
			saved := filepath.Join(dir, kind+".json")
			fitOut, applyOut := filepath.Join(dir, kind+"-fit.csv"), filepath.Join(dir, kind+"-apply.csv")
			base := []string{"clv", "-q", "-in", csvPath, "-calibration-end", "2025-03-31", "-holdout-end", "2025-12-31", "-json"}
			var out, errb bytes.Buffer
			if err := run(append(base, "-kind", kind, "-save", saved, "-out", fitOut), &out, &errb); err != nil {
				t.Fatalf("%v\n%s", err, errb.String())
			}
			var fitted map[string]any
			check.NoErr(t, json.Unmarshal(out.Bytes(), &fitted))
			b, err := os.ReadFile(saved)
			check.NoErr(t, err)
			var env struct {
				Format  string         `json:"format"`
				Version int            `json:"version"`
				Card    map[string]any `json:"card"`
			}
			check.NoErr(t, json.Unmarshal(b, &env))
			if !strings.HasPrefix(env.Format, "cvm.clv.") || env.Version != 2 || env.Card["holdout_end"] != "2025-12-31T00:00:00Z" || env.Card["fingerprint"] == "" {
				t.Errorf("saved envelope %s", b)
			}
			out.Reset()
			if err := run(append(base, "-model", saved, "-out", applyOut), &out, &errb); err != nil {
				t.Fatalf("%v\n%s", err, errb.String())
			}
			var applied map[string]any
			check.NoErr(t, json.Unmarshal(out.Bytes(), &applied))
			for k, v := range fitted {
				if _, ok := v.(float64); ok && k != "fit_seconds" && k != "aic" && k != "bic" && k != "iterations" && applied[k] != v {
					t.Errorf("%s: applied %v, fitted %v", k, applied[k], v)
				}
			}
			if applied["kind"] != kind || applied["model_file"] != saved {
				t.Errorf("applied %v", applied)
			}
			a, f := readCSV(t, applyOut), readCSV(t, fitOut)
			if fmt.Sprint(a) != fmt.Sprint(f) {
				t.Error("-model output differs from the fit's")
			}
		})
	}
	// Bad model files: the error names the file; a model of another
	// unit is a usage error.
	notModel := filepath.Join(dir, "other.json")
	os.WriteFile(notModel, []byte(`{"format":"cvm.segment.kmeans","version":1}`), 0o644)
	truncated := filepath.Join(dir, "cut.json")
	b, err := os.ReadFile(filepath.Join(dir, "bgnbd.json"))
	check.NoErr(t, err)
	os.WriteFile(truncated, b[:len(b)/2], 0o644)
	unknown := filepath.Join(dir, "unknown.json")
	os.WriteFile(unknown, bytes.Replace(b, []byte(`"r":`), []byte(`"rr":1,"r":`), 1), 0o644)
	for _, tc := range []struct {
		name, path, want string
		usage            bool
	}{
		{"missing", filepath.Join(dir, "none.json"), "no such file", false},
		{"a kind given to -model", "pareto", "-model loads a saved model, -kind pareto fits one", true},
		{"other format", notModel, `"cvm.segment.kmeans" is not a model`, false},
		{"truncated", truncated, "cut.json", false},
		{"unknown field", unknown, `unknown field "rr"`, false},
		{"other unit", filepath.Join(dir, "bgnbd.json"), "fitted in weeks, not -unit days", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			err := run([]string{"clv", "-q", "-in", csvPath, "-calibration-end", "2025-03-31", "-unit", "days", "-model", tc.path}, &out, &errb)
			var ue *usageError
			if err == nil || !strings.Contains(err.Error(), tc.want) || errors.As(err, &ue) != tc.usage {
				t.Errorf("err = %v, want one containing %q (usage %v)", err, tc.want, tc.usage)
			}
		})
	}
}

// -annual-discount 0 turns discounting off: the CLV is then larger than
// at the default 10% a year.
func TestCLVDiscount(t *testing.T) {
	csvPath, _, _ := clvFiles(t)
	dir := t.TempDir()
	clvOf := func(args ...string) []float64 {
		path := filepath.Join(dir, "p.csv")
		var out, errb bytes.Buffer
		if err := run(append([]string{"clv", "-q", "-in", csvPath, "-calibration-end", "2025-03-31", "-out", path}, args...), &out, &errb); err != nil {
			t.Fatalf("%v\n%s", err, errb.String())
		}
		recs := readCSV(t, path)
		col := slices.Index(recs[0], "clv")
		var v []float64
		for _, r := range recs[1:] {
			v = append(v, check.Must(strconv.ParseFloat(r[col], 64)))
		}
		return v
	}
	def, ten, none := clvOf(), clvOf("-annual-discount", "0.1"), clvOf("-annual-discount", "0")
	if fmt.Sprint(def) != fmt.Sprint(ten) {
		t.Error("the default discount is not 10% a year")
	}
	for i := range def {
		if none[i] < def[i] || def[i] > 0 && none[i] == def[i] {
			t.Fatalf("customer %d: undiscounted CLV %v, discounted %v", i, none[i], def[i])
		}
	}
}

// TestCLVStreamed checks that cvm clv, which streams a file through
// clv.Prepare unless a later step needs the transactions again, gives
// what the held transactions give (-diagnostics holds them): the same
// predictions, the regularity warning of customers who buy every 7 days
// (in -compare's warnings too), and a row after the data report's as-of left out even where it falls
// in the holdout period (the file is then read again and held).
func TestCLVStreamed(t *testing.T) {
	var b strings.Builder
	b.WriteString("customer,time,amount\n")
	day := func(d int) string {
		return time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC).AddDate(0, 0, d).Format(time.DateTime)
	}
	for c := range 60 {
		for j := range 4 + c%3 { // every 7 days from day c: M = 1/2, k at its cap
			fmt.Fprintf(&b, "R%02d,%s,%d\n", c, day(c+7*j), 10+c)
		}
	}
	for c := range 200 { // a few irregular buyers, so that the fit has variety
		d := c % 97
		for j := range c % 5 {
			fmt.Fprintf(&b, "P%03d,%s,%d\n", c, day(d), 5+j)
			d += 1 + (c*7+j*13)%41
		}
		fmt.Fprintf(&b, "P%03d,%s,%d\n", c, day(d), 7)
	}
	// A row dated far beyond the rest, inside the holdout period asked
	// for: the report's as-of leaves it out, so Z has no holdout purchase.
	fmt.Fprintf(&b, "Z,%s,20\nZ,%s,30\nZ,2030-06-01 10:00:00,999\n", day(3), day(40))
	dir := t.TempDir()
	in := filepath.Join(dir, "tx.csv")
	if err := os.WriteFile(in, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	runCLV := func(name string, extra ...string) (string, [][]string) {
		out := filepath.Join(dir, name+".csv")
		args := append([]string{"clv", "-q", "-in", in, "-calibration-end", day(150)[:10], "-holdout-end", "2031-01-01", "-out", out}, extra...)
		var stdout, stderr bytes.Buffer
		if err := run(args, &stdout, &stderr); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, stderr.String())
		}
		return stdout.String(), readCSV(t, out)
	}
	streamed, got := runCLV("streamed")
	held, want := runCLV("held", "-diagnostics")
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("streamed predictions differ from the held ones:\n%v\n%v", got, want)
	}
	// -compare streams too: its regularity check is the Dataset's.
	var compared, cmpErr bytes.Buffer
	if err := run([]string{"clv", "-q", "-in", in, "-calibration-end", day(150)[:10], "-holdout-end", "2031-01-01", "-compare"}, &compared, &cmpErr); err != nil {
		t.Fatalf("compare: %v\n%s", err, cmpErr.String())
	}
	for name, out := range map[string]string{"streamed": streamed, "held": held, "compare": compared.String()} {
		if !strings.Contains(out, "warning ("+clv.CheckRegularity+")") {
			t.Errorf("%s: no regularity warning:\n%s", name, out)
		}
	}
	col := slices.Index(got[0], "holdout_purchases")
	for _, r := range got[1:] {
		if r[0] == "Z" && r[col] != "0" {
			t.Errorf("Z: holdout purchases %s, want 0 (the 2030 row is after the as-of)", r[col])
		}
	}
}
