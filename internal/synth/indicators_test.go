package synth

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat"
)

func col(t IndicatorTable, id string) []float64 {
	return t.Columns[slices.Index(t.IDs, id)]
}

func TestIndicatorsRealistic(t *testing.T) {
	tb := Indicators(IndicatorConfig{Customers: 5000, Seed: 1})
	if len(tb.Customers) != 5000 || len(tb.IDs) != 30 || len(tb.Columns) != 30 {
		t.Fatalf("shape %d x %d", len(tb.Customers), len(tb.IDs))
	}
	// Skewed money: revenue's mean well above its median (log-normal size).
	rev := slices.Clone(col(tb, "revenue"))
	slices.Sort(rev)
	if mean, med := stat.Mean(rev, nil), rev[len(rev)/2]; mean < 1.5*med {
		t.Errorf("revenue mean %g, median %g: not right-skewed", mean, med)
	}
	// Correlated indicators: same-factor pairs positively correlated,
	// health-driven credit measures negatively.
	for _, tc := range []struct {
		a, b     string
		min, max float64
	}{
		{"volume", "revenue", 0.9, 1},
		{"revenue", "total_demand", 0.5, 1},
		{"dso", "credit_rating", -1, -0.3},
		{"share_of_wallet", "satisfaction", 0.2, 1},
		{"growth_rate", "industry_outlook", 0.3, 1},
	} {
		r := stat.Correlation(col(tb, tc.a), col(tb, tc.b), nil)
		if r < tc.min || r > tc.max {
			t.Errorf("corr(%s, %s) = %.3f, want in [%g, %g]", tc.a, tc.b, r, tc.min, tc.max)
		}
	}
	// Headroom = total demand x (1 - share of wallet), up to rounding.
	for i := range 100 {
		td, sow, h := col(tb, "total_demand")[i], col(tb, "share_of_wallet")[i], col(tb, "headroom")[i]
		if math.Abs(h-td*(1-sow/100)) > 0.01*td+1 {
			t.Fatalf("customer %d: headroom %g, total %g, share %g", i, h, td, sow)
		}
	}
	// Ranges of bounded indicators.
	for _, id := range []string{"satisfaction", "industry_outlook", "influence"} {
		for _, v := range col(tb, id) {
			if v < 1 || v > 5 || v != math.Round(v) {
				t.Fatalf("%s = %g outside the 1-5 scale", id, v)
			}
		}
	}
}

func TestIndicatorsDeterministicAndMissing(t *testing.T) {
	a := Indicators(IndicatorConfig{Customers: 300, Seed: 9, MissingRate: 0.1})
	b := Indicators(IndicatorConfig{Customers: 300, Seed: 9, MissingRate: 0.1})
	for j := range a.Columns {
		for i := range a.Columns[j] {
			x, y := a.Columns[j][i], b.Columns[j][i]
			if x != y && !(math.IsNaN(x) && math.IsNaN(y)) {
				t.Fatal("not deterministic")
			}
		}
	}
	missing, cells := 0, 0
	for j := range a.Columns {
		for _, v := range a.Columns[j] {
			if j < 2 && math.IsNaN(v) {
				t.Fatal("volume or revenue missing")
			}
			if j >= 2 {
				cells++
				if math.IsNaN(v) {
					missing++
				}
			}
		}
	}
	// 10% of 300 x 28 cells = 840, binomial sd ~ 16.
	if missing < 760 || missing > 920 {
		t.Errorf("%d missing of %d cells, want about 840", missing, cells)
	}
	c := Indicators(IndicatorConfig{Customers: 300, Seed: 10})
	if c.Columns[1][0] == a.Columns[1][0] {
		t.Error("seed has no effect")
	}
}

func TestWriteIndicatorCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteIndicatorCSV(&buf, IndicatorConfig{Customers: 3, Seed: 1, MissingRate: 0.5}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 4 || lines[0] != "customer,"+strings.Join(IndicatorIDs, ",") {
		t.Fatalf("got %q", lines[0])
	}
	if !strings.HasPrefix(lines[1], "C0000,") || strings.Count(lines[1], ",") != 30 || !strings.Contains(buf.String(), ",,") {
		t.Errorf("row %q", lines[1])
	}
}
