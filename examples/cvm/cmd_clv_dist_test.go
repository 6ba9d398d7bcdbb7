package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cvmkit/cvm/internal/check"
	"github.com/cvmkit/cvm/value/clv"
)

// -interval adds purchases_lo, purchases_hi, clv_lo and clv_hi, whole
// counts around the expected purchases, and reports the holdout coverage;
// -pmf prints the library's PMF of the saved model; -diagnostics the
// period-transactions check and the tracking; -plots the charts.
func TestCLVIntervalPMFDiagnostics(t *testing.T) {
	csvPath, _, _ := clvFiles(t)
	dir := t.TempDir()
	outPath, modelPath, plotDir := filepath.Join(dir, "pred.csv"), filepath.Join(dir, "m.json"), filepath.Join(dir, "plots")
	var out, errb bytes.Buffer
	err := run([]string{"clv", "-q", "-in", csvPath, "-calibration-end", "20250331", "-holdout-end", "2025-12-31", "-out", outPath,
		"-save", modelPath, "-interval", "0.9", "-draws", "20", "-pmf", "10", "-diagnostics", "-plots", plotDir, "-json"}, &out, &errb)
	if err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	var res struct {
		PMF      []float64 `json:"pmf"`
		Interval struct {
			Level    float64 `json:"level"`
			Coverage float64 `json:"holdout_coverage"`
		} `json:"interval"`
		Period struct {
			Rows []clv.PeriodRow
			DF   int
		} `json:"period_transactions"`
		Tracking []clv.TrackRow `json:"tracking"`
	}
	check.NoErr(t, json.Unmarshal(out.Bytes(), &res))
	var m clv.BGNBD
	check.NoErr(t, json.Unmarshal(check.Must(os.ReadFile(modelPath)), &m))
	want := check.Must(clv.PMF(nil, &m, 10, 1e-6))
	check.Floats(t, "pmf", res.PMF, want, 1e-15, 0)
	if res.Interval.Level != 0.9 || !(res.Interval.Coverage > 0.85 && res.Interval.Coverage <= 1) {
		t.Errorf("interval %+v", res.Interval)
	}
	obs := 0
	for _, r := range res.Period.Rows {
		obs += r.Observed
	}
	if len(res.Period.Rows) != 8 || res.Period.DF != 3 || len(res.Tracking) == 0 {
		t.Errorf("period transactions %+v, %d tracking rows", res.Period, len(res.Tracking))
	}
	recs := readCSV(t, outPath)
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	for _, h := range []string{"purchases_lo", "purchases_hi", "clv_lo", "clv_hi"} {
		if _, ok := col[h]; !ok {
			t.Fatalf("header %v lacks %s", recs[0], h)
		}
	}
	if len(recs)-1 != obs {
		t.Errorf("%d customers in the file, %d in the period check", len(recs)-1, obs)
	}
	f := func(r []string, name string) float64 { return check.Must(strconv.ParseFloat(r[col[name]], 64)) }
	for _, r := range recs[1:] {
		lo, hi, e := f(r, "purchases_lo"), f(r, "purchases_hi"), f(r, "expected_purchases")
		if lo != float64(int(lo)) || hi != float64(int(hi)) || lo > hi || e > hi+1 {
			t.Fatalf("interval [%v, %v] with expected %v in %v", lo, hi, e, r)
		}
		if cl, ch := f(r, "clv_lo"), f(r, "clv_hi"); cl < 0 || cl > ch {
			t.Fatalf("CLV interval [%v, %v] in %v", cl, ch, r)
		}
	}
	for _, name := range []string{"period_transactions", "tracking_cumulative", "tracking_incremental"} {
		if st, err := os.Stat(filepath.Join(plotDir, name+".png")); err != nil || st.Size() == 0 {
			t.Errorf("%s.png: %v", name, err)
		}
	}
	// Text: the tables and the coverage line.
	out.Reset()
	err = run([]string{"clv", "-q", "-in", csvPath, "-calibration-end", "20250331", "-holdout-end", "2025-12-31", "-out", outPath,
		"-interval", "0.8", "-draws", "0", "-pmf", "10", "-diagnostics"}, &out, &errb)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"P(X(10 weeks) = n)", "period transactions", "chi-square", "tracking", "80% intervals (0 parameter draws"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("output lacks %q:\n%s", w, out.String())
		}
	}
}

func TestCLVDistUsageErrors(t *testing.T) {
	csvPath, _, _ := clvFiles(t)
	base := []string{"-in", csvPath, "-calibration-end", "2025-06-30"}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"level 1", []string{"-interval", "1", "-out", "x.csv", "-horizon", "10"}},
		{"negative level", []string{"-interval", "-0.9", "-out", "x.csv", "-horizon", "10"}},
		{"interval without out", []string{"-interval", "0.9", "-horizon", "10"}},
		{"interval without horizon", []string{"-interval", "0.9", "-out", "x.csv"}},
		{"negative draws", []string{"-draws", "-1"}},
		{"negative pmf", []string{"-pmf", "-2"}},
		{"pmf of gamma-gamma", []string{"-pmf", "10", "-kind", "gammagamma"}},
		{"plots of gamma-gamma", []string{"-plots", "d", "-kind", "gammagamma"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			err := run(append(append([]string{"clv", "-q"}, base...), tc.args...), &out, &errb)
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Errorf("err = %v, want a usage error", err)
			}
		})
	}
}

// BG/BB has the period-transactions check and the PMF, but no tracking
// in calendar time (its time is opportunities).
func TestCLVDiagnosticsBGBB(t *testing.T) {
	csvPath, _, _ := clvFiles(t)
	var out, errb bytes.Buffer
	err := run([]string{"clv", "-q", "-in", csvPath, "-calibration-end", "20250331", "-kind", "bgbb", "-diagnostics", "-pmf", "6", "-json"}, &out, &errb)
	if err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	var res map[string]any
	check.NoErr(t, json.Unmarshal(out.Bytes(), &res))
	if res["period_transactions"] == nil || res["pmf"] == nil || res["tracking"] != nil {
		t.Errorf("period_transactions %v, pmf %v, tracking %v", res["period_transactions"] != nil, res["pmf"], res["tracking"])
	}
	if p, ok := res["pmf"].([]any); !ok || len(p) > 7 {
		t.Errorf("pmf over 6 opportunities: %v", res["pmf"])
	}
}
