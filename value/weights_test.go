package value

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/cvmkit/cvm/internal/check"
	"github.com/cvmkit/cvm/value/weight"
	"gonum.org/v1/gonum/mat"
)

func TestHierarchyWeights(t *testing.T) {
	c := DefaultCatalog()
	// 1 dimension judgement + 2 x 3 group judgements + 6 x 10 indicator
	// judgements = 67; one flat 30 x 30 matrix would need 435.
	if n := JudgementCount(c); n != 67 {
		t.Errorf("JudgementCount = %d, want 67", n)
	}
	if flat := 30 * 29 / 2; flat != 435 {
		t.Errorf("flat = %d", flat)
	}
	groups := mat.NewDense(3, 3, []float64{1, 2, 2, 0.5, 1, 1, 0.5, 1, 1}) // consistent (0.5, 0.25, 0.25)
	ones := mat.NewDense(5, 5, nil)
	for i := range 5 {
		for j := range 5 {
			ones.Set(i, j, 1)
		}
	}
	j := Judgements{
		Dimensions: mat.NewDense(2, 2, []float64{1, 2, 0.5, 1}),
		Groups:     map[string]mat.Matrix{"current": groups, "potential": groups},
		Indicators: map[string]mat.Matrix{},
	}
	for _, g := range c.Groups {
		j.Indicators[g.ID] = ones
	}
	res, err := HierarchyWeights(c, j, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !check.Close(res.CurrentWeight, 2.0/3, 1e-12, 1e-12) || !check.Close(res.PotentialWeight, 1.0/3, 1e-12, 1e-12) {
		t.Errorf("dimension weights %g %g, want 2/3 1/3", res.CurrentWeight, res.PotentialWeight)
	}
	m, err := Fit(ctx, synthTable(200, 1, 0), &Settings{Catalog: res.Catalog, CurrentWeight: res.CurrentWeight, PotentialWeight: res.PotentialWeight})
	if err != nil {
		t.Fatal(err)
	}
	// revenue: economic group 0.5 x indicator 0.2 = 0.1 (by hand).
	if w, _ := m.Weight("revenue"); !check.Close(w, 0.1, 1e-12, 1e-12) {
		t.Errorf("revenue weight %g, want 0.1", w)
	}
	// Errors name the level.
	delete(j.Indicators, GroupCredit)
	if _, err := HierarchyWeights(c, j, nil); err == nil || !strings.Contains(err.Error(), GroupCredit) {
		t.Errorf("missing matrix: got %v", err)
	}
	j.Indicators[GroupCredit] = mat.NewDense(5, 5, []float64{
		1, 9, 9, 9, 1.0 / 9,
		1.0 / 9, 1, 9, 9, 9,
		1.0 / 9, 1.0 / 9, 1, 9, 9,
		1.0 / 9, 1.0 / 9, 1.0 / 9, 1, 9,
		9, 1.0 / 9, 1.0 / 9, 1.0 / 9, 1})
	var ce *weight.ConsistencyError
	if _, err := HierarchyWeights(c, j, nil); !errors.As(err, &ce) || ce.Level != GroupCredit {
		t.Errorf("inconsistent level: got %v", err)
	}
	j.Indicators[GroupCredit] = groups
	if _, err := HierarchyWeights(c, j, nil); !errors.Is(err, weight.ErrNotSquare) {
		t.Errorf("wrong size: got %v", err)
	}
	j.Indicators[GroupCredit] = ones
	j.Indicators["nope"] = ones
	if _, err := HierarchyWeights(c, j, nil); !errors.Is(err, ErrUnknownID) {
		t.Errorf("unknown group: got %v", err)
	}
}

func TestDataWeights(t *testing.T) {
	c := smallCatalog()
	tb := IndicatorTable{Customers: []string{"A", "B", "C", "D"}, IDs: []string{"a", "b", "c"}, Columns: [][]float64{
		{0, 1, 2, 3}, {2, 0, 1, math.NaN()}, {1, 2, 3, 4},
	}}
	// Group g1 = (a, b) on the three complete rows A, B, C: a = (0,1,2), b
	// = (2,0,1) as a cost. CRITIC by hand: normalised a = (0,.5,1), b
	// inverted = (0,1,.5); equal sd, so equal weights 0.5; blended with the
	// subjective (0.5, 0.5) at any alpha: 0.5.
	got, err := DataWeights(ctx, c, tb, CRITIC, 0.3)
	if err != nil {
		t.Fatal(err)
	}
	if !check.Close(got.Indicators[0].Weight, 0.5, 1e-12, 1e-12) || got.Indicators[2].Weight != 1 {
		t.Errorf("CRITIC: %+v", got.Indicators)
	}
	// Entropy by hand on (0,1,2) and (2,0,1): identical proportions up to
	// order, so equal entropies and equal weights 0.5.
	got, err = DataWeights(ctx, c, tb, Entropy, 0)
	if err != nil || !check.Close(got.Indicators[1].Weight, 0.5, 1e-12, 1e-12) {
		t.Errorf("entropy: %v %+v", err, got.Indicators)
	}
	// alpha = 1 keeps the subjective weights.
	c.Indicators[0].Weight, c.Indicators[1].Weight = 0.8, 0.2
	got = check.Must(DataWeights(ctx, c, tb, Entropy, 1))
	if !check.Close(got.Indicators[0].Weight, 0.8, 1e-12, 1e-12) || c.Indicators[0].Weight != 0.8 {
		t.Errorf("alpha 1: %+v", got.Indicators)
	}
	if _, err := DataWeights(ctx, c, IndicatorTable{Customers: tb.Customers, IDs: tb.IDs[:2], Columns: tb.Columns[:2]}, CRITIC, 0.5); !errors.Is(err, ErrMissingID) {
		t.Errorf("missing column: %v", err)
	}
	short := IndicatorTable{Customers: []string{"A"}, IDs: tb.IDs, Columns: [][]float64{{1}, {1}, {1}}}
	if _, err := DataWeights(ctx, c, short, CRITIC, 0.5); !errors.Is(err, weight.ErrNoVariation) || !strings.Contains(err.Error(), "g1") {
		t.Errorf("one row: %v", err)
	}
	if _, err := DataWeights(ctx, c, tb, CRITIC, 2); err == nil {
		t.Error("alpha 2: no error")
	}
}
