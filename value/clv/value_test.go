package clv

import (
	"math"
	"slices"
	"testing"

	"github.com/cvmkit/cvm/value"
)

func TestForecastAddTo(t *testing.T) {
	cs := []Customer{
		{ID: "a", Frequency: 2, Recency: 30.43, T: 38.86, MeanSpend: 22.35},
		{ID: "b", T: 38.86},
	}
	f, err := NewForecast(cdnowBG, cdnowGG, cs, 39, nil)
	if err != nil {
		t.Fatal(err)
	}
	// E[Y(39)] of customer a: 1.226 (FHL 2005, section 5).
	if math.Abs(f.ExpectedPurchases[0]-1.226) > 5e-4 || f.ProbAlive[1] != 1 || len(f.CLV) != 2 {
		t.Errorf("forecast %+v", f)
	}
	tab := value.NewIndicatorTable([]string{"b", "z", "a"}).WithColumn("revenue", []float64{1, 2, 3})
	got := f.AddTo(tab)
	ep, ok := got.Column(IndicatorExpectedPurchases)
	if !ok || ep[0] != f.ExpectedPurchases[1] || !math.IsNaN(ep[1]) || ep[2] != f.ExpectedPurchases[0] {
		t.Errorf("expected purchases column %v", ep)
	}
	if _, ok := got.Column(IndicatorCLV); !ok {
		t.Error("no CLV column")
	}
	if len(tab.IDs) != 1 || !slices.Equal(tab.Customers, []string{"b", "z", "a"}) {
		t.Error("AddTo modified its input")
	}
	// Without a spend model there is no CLV column.
	f2, err := NewForecast(cdnowBG, nil, cs, 39, nil)
	if err != nil || f2.CLV != nil {
		t.Fatalf("%v %v", f2, err)
	}
	if _, ok := f2.AddTo(tab).Column(IndicatorCLV); ok {
		t.Error("CLV column without spend model")
	}
	// Errors pass through.
	if _, err := NewForecast(cdnowBG, nil, cs, -1, nil); err == nil {
		t.Error("negative horizon accepted")
	}
	if _, err := NewForecast(cdnowBG, &GammaGamma{P: 1, Q: 0.5, Gamma: 1}, cs, 1, nil); err == nil {
		t.Error("q < 1 accepted")
	}
	if _, err := NewForecast(cdnowBG, cdnowGG, cs, 1, &CLVSettings{Months: -1}); err == nil {
		t.Error("bad CLV settings accepted")
	}
	if _, err := NewForecast(cdnowBG, nil, []Customer{{T: -1}}, 1, nil); err == nil {
		t.Error("bad customer accepted")
	}
}

func TestPotentialIndicatorsFitValueModel(t *testing.T) {
	cat := value.DefaultCatalog().Add(PotentialIndicators(value.GroupGrowth)...)
	if err := cat.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{IndicatorCLV, IndicatorExpectedPurchases, IndicatorProbAlive} {
		if i := cat.Index(id); i < 0 || cat.Indicators[i].Dimension != value.PotentialValue {
			t.Errorf("%s missing or not potential", id)
		}
	}
}
