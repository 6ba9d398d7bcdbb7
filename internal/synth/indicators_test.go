package synth

import (
	"bytes"
	"cmp"
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/cvmkit/cvm"
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

// spearman is Pearson's correlation of the mid-ranks of x and y.
func spearman(x, y []float64) float64 {
	rank := func(v []float64) []float64 {
		idx := make([]int, len(v))
		for i := range idx {
			idx[i] = i
		}
		slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(v[a], v[b]) })
		r := make([]float64, len(v))
		for i := 0; i < len(idx); {
			j := i
			for j+1 < len(idx) && v[idx[j+1]] == v[idx[i]] {
				j++
			}
			for k := i; k <= j; k++ {
				r[idx[k]] = float64(i+j)/2 + 1
			}
			i = j + 1
		}
		return r
	}
	return stat.Correlation(rank(x), rank(y), nil)
}

// Issue 17: the synthetic B2B indicators agree with what each customer
// bought: volume follows net sales and share of wallet the purchase
// occasions (Spearman, computed in the test).
func TestIndicatorsForCoherent(t *testing.T) {
	sums, err := cvm.Summarize(context.Background(), Transactions(Config{Customers: 2000, Seed: 3}), nil)
	if err != nil {
		t.Fatal(err)
	}
	tb := IndicatorsFor(sums, 3)
	if !slices.EqualFunc(tb.Customers, sums, func(c string, s cvm.Summary) bool { return c == s.Customer }) {
		t.Fatal("customers differ from the summaries")
	}
	net := make([]float64, len(sums))
	occ := make([]float64, len(sums))
	for i, s := range sums {
		net[i], occ[i] = s.Total, float64(s.Occasions)
	}
	for _, tc := range []struct {
		id  string
		x   []float64
		min float64
	}{
		{"volume", net, 0.8},
		{"revenue", net, 0.8},
		{"total_demand", net, 0.5},
		{"share_of_wallet", occ, 0.4},
	} {
		r := spearman(col(tb, tc.id), tc.x)
		t.Logf("Spearman(%s, own figure) = %.3f", tc.id, r)
		if r < tc.min {
			t.Errorf("Spearman(%s, customer's own figure) = %.3f, want > %g", tc.id, r, tc.min)
		}
	}
	// The noise is seeded: the same seed gives the same table, another seed another.
	again := IndicatorsFor(sums, 3)
	other := IndicatorsFor(sums, 4)
	if !slices.Equal(col(again, "volume"), col(tb, "volume")) || slices.Equal(col(other, "volume"), col(tb, "volume")) {
		t.Error("seeding")
	}
	if e := IndicatorsFor(nil, 1); len(e.Customers) != 0 || len(e.Columns) != 30 {
		t.Error("empty input")
	}
}
