package clv

import (
	"math"

	"github.com/cvmkit/cvm/value"
)

// Indicator IDs under which forecasts enter the value model.
const (
	IndicatorCLV               = "predicted_clv"      // discounted CLV over the CLV horizon, currency
	IndicatorExpectedPurchases = "expected_purchases" // conditional expected purchases over the horizon
	IndicatorProbAlive         = "p_alive"            // probability the customer is still active
)

// PotentialIndicators returns the forecast indicators for the potential
// dimension of a [value.Catalog], in the group with ID group (which must
// be a PotentialValue group of the catalog, such as [value.GroupGrowth]),
// each with weight 0.2 within the group: predicted CLV and expected
// purchases log-transformed and winsorised at the 99th percentile like the
// default catalog's money indicators, P(alive) plain min-max. Adding them
// to a group changes its weight sum: set [value.Settings].NormalizeWeights or
// reweigh with [value.Catalog.WithWeights].
//
//	cat := value.DefaultCatalog().Add(clv.PotentialIndicators(value.GroupGrowth)...)
func PotentialIndicators(group string) []value.Indicator {
	logNorm := value.Normalization{Log: true, Upper: 0.99}
	return []value.Indicator{
		{ID: IndicatorCLV, Name: "Predicted lifetime value", Dimension: value.PotentialValue, Group: group,
			Unit: "currency", Norm: logNorm, Weight: 0.2,
			Definition: "discounted expected spend over the CLV horizon (purchase model x Gamma-Gamma)", Source: "value/clv"},
		{ID: IndicatorExpectedPurchases, Name: "Expected purchases", Dimension: value.PotentialValue, Group: group,
			Unit: "purchases", Norm: logNorm, Weight: 0.2,
			Definition: "expected purchases over the forecast horizon given the customer's history", Source: "value/clv"},
		{ID: IndicatorProbAlive, Name: "Probability active", Dimension: value.PotentialValue, Group: group,
			Unit: "probability", Weight: 0.2,
			Definition: "probability that the customer has not churned", Source: "value/clv"},
	}
}

// Forecast holds per-customer forecasts, aligned with Customers, ready to
// become columns of a [value.IndicatorTable]. CLV is nil when no spend model was
// given. NewForecast fills it with finite values only.
type Forecast struct {
	Customers         []string
	Horizon           float64 // horizon of ExpectedPurchases, in the model's unit
	ExpectedPurchases []float64
	ProbAlive         []float64
	CLV               []float64
}

// NewForecast computes, for every customer of cs, the expected purchases
// over horizon and P(alive) under m and, when gg is non-nil, the
// discounted CLV with the Gamma-Gamma expected spend and settings s (nil
// means the CLVSettings defaults). cs is not modified; customer IDs are
// copied as given. Errors are those of PredictPurchases, PredictAlive,
// PredictSpend and CLV.
func NewForecast(m PurchaseModel, gg *GammaGamma, cs []Customer, horizon float64, s *CLVSettings) (*Forecast, error) {
	f := &Forecast{Customers: make([]string, len(cs)), Horizon: horizon}
	for i, c := range cs {
		f.Customers[i] = c.ID
	}
	var err error
	if f.ExpectedPurchases, err = PredictPurchases(nil, m, horizon, cs); err != nil {
		return nil, err
	}
	if f.ProbAlive, err = PredictAlive(nil, m, cs); err != nil {
		return nil, err
	}
	if gg != nil {
		spend, err := PredictSpend(nil, gg, cs)
		if err != nil {
			return nil, err
		}
		if f.CLV, err = CLV(nil, m, spend, cs, s); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// AddTo returns t with the forecast columns (IndicatorExpectedPurchases,
// IndicatorProbAlive and, when present, IndicatorCLV) added or replaced,
// matched to t's customers by ID. A customer of t without a forecast (for
// example one with no purchase before the calibration end) gets NaN, a
// missing value that the value model handles by its MissingPolicy. t is
// not modified; the new columns are fresh memory.
func (f *Forecast) AddTo(t value.IndicatorTable) value.IndicatorTable {
	pos := make(map[string]int, len(f.Customers))
	for i, id := range f.Customers {
		pos[id] = i
	}
	col := func(src []float64) []float64 {
		out := make([]float64, len(t.Customers))
		for i, id := range t.Customers {
			if j, ok := pos[id]; ok {
				out[i] = src[j]
			} else {
				out[i] = math.NaN()
			}
		}
		return out
	}
	t = t.WithColumn(IndicatorExpectedPurchases, col(f.ExpectedPurchases))
	t = t.WithColumn(IndicatorProbAlive, col(f.ProbAlive))
	if f.CLV != nil {
		t = t.WithColumn(IndicatorCLV, col(f.CLV))
	}
	return t
}
