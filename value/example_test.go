package value_test

import (
	"encoding/json"
	"fmt"

	"github.com/cvmkit/cvm/internal/synth"
	"github.com/cvmkit/cvm/value"
	"gonum.org/v1/gonum/mat"
)

// Fit the default 30-indicator model on a synthetic B2B customer base,
// score it and explain one customer's score.
func Example() {
	st := synth.Indicators(synth.IndicatorConfig{Customers: 2000, Seed: 1, MissingRate: 0.01})
	t := value.Table{Customers: st.Customers, IDs: st.IDs, Columns: st.Columns}
	m, err := value.Fit(value.Spec{Missing: value.MissingImpute}, t)
	if err != nil {
		fmt.Println(err)
		return
	}
	scores, err := m.Score(t, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	s := scores[42]
	fmt.Printf("%s: current %.2f potential %.2f total %.2f quadrant %v tier %d\n", s.Customer, s.Current, s.Potential, s.Total, s.Quadrant, s.Tier)
	fmt.Println("strategy:", s.Quadrant.Strategy())
	ex, _ := m.Explain(t, s.Customer)
	for _, c := range ex.Contributions[:3] {
		fmt.Printf("%-18s %-9v r=%.4f w=%.4f points=%.2f\n", c.ID, c.Dimension, c.Normalized, c.Weight, c.Points)
	}
	// Output:
	// C0042: current 51.13 potential 39.79 total 45.46 quadrant I tier 4
	// strategy: serve at low cost
	// gross_profit       current   r=0.8642 w=0.0800 points=6.91
	// recency            current   r=0.9226 w=0.0600 points=5.54
	// volume_volatility  current   r=0.8509 w=0.0600 points=5.11
}

// A package that forecasts a per-customer quantity, such as value/clv with
// predicted lifetime value, adds it to the catalog as a potential-value
// indicator and to the table as a column with the same ID.
func ExampleTable_WithColumn() {
	cat := value.Catalog{
		Groups: []value.Group{
			{ID: "now", Name: "Current", Dimension: value.CurrentValue, Weight: 1},
			{ID: "future", Name: "Forecast", Dimension: value.PotentialValue, Weight: 1},
		},
		Indicators: []value.Indicator{
			{ID: "revenue", Name: "Revenue", Dimension: value.CurrentValue, Group: "now", Unit: "EUR", Weight: 1},
		},
	}
	cat = cat.Add(
		value.Indicator{ID: "clv", Name: "Predicted CLV", Dimension: value.PotentialValue, Group: "future", Unit: "EUR", Weight: 0.7, Norm: value.Normalization{Log: true}},
		value.Indicator{ID: "p_alive", Name: "P(alive)", Dimension: value.PotentialValue, Group: "future", Unit: "probability", Weight: 0.3},
	)
	t := value.NewTable([]string{"a", "b", "c"}).
		WithColumn("revenue", []float64{100, 400, 250}).
		WithColumn("clv", []float64{50, 900, 300}).
		WithColumn("p_alive", []float64{0.2, 0.9, 0.6})
	m, err := value.Fit(value.Spec{Catalog: cat}, t)
	if err != nil {
		fmt.Println(err)
		return
	}
	scores, _ := m.Score(t, nil)
	for _, s := range scores {
		fmt.Printf("%s %.2f %.2f %v\n", s.Customer, s.Current, s.Potential, s.Quadrant)
	}
	// Output:
	// a 0.00 0.00 I
	// b 100.00 100.00 IV
	// c 50.00 60.42 I
}

// AHP weights and consistency of a 3 x 3 pairwise comparison matrix.
func ExampleAHP() {
	a := mat.NewDense(3, 3, []float64{
		1, 3, 5,
		1.0 / 3, 1, 2,
		1.0 / 5, 1.0 / 2, 1,
	})
	r, err := value.AHP(a, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("weights %.4f\nlambda_max %.4f CI %.4f CR %.4f\n", r.Weights, r.LambdaMax, r.CI, r.CR)
	// Output:
	// weights [0.6483 0.2297 0.1220]
	// lambda_max 3.0037 CI 0.0018 CR 0.0032
}

// The default catalog needs 67 pairwise judgements level by level.
func ExampleJudgementCount() {
	fmt.Println(value.JudgementCount(value.DefaultCatalog()), 30*29/2)
	// Output: 67 435
}

// Entropy and CRITIC weights of three criteria, blended half and half
// with subjective weights.
func ExampleBlend() {
	x := mat.NewDense(4, 3, []float64{
		10, 1, 5,
		20, 1, 6,
		30, 2, 5,
		40, 2, 6,
	})
	e, _ := value.EntropyWeights(x)
	c, _ := value.CRITICWeights(x, nil)
	b, _ := value.Blend([]float64{0.5, 0.3, 0.2}, e, 0.5)
	fmt.Printf("entropy %.4f\ncritic  %.4f\nblend   %.4f\n", e, c, b)
	// Output:
	// entropy [0.6366 0.3387 0.0247]
	// critic  [0.1558 0.3511 0.4931]
	// blend   [0.5683 0.3193 0.1124]
}

// TOPSIS closeness of four alternatives (Hwang & Yoon 1981's fighter
// aircraft), with vector normalisation.
func ExampleTOPSISScores() {
	x := mat.NewDense(4, 6, []float64{
		2.0, 1500, 20000, 5.5, 5, 9,
		2.5, 2700, 18000, 6.5, 3, 5,
		1.8, 2000, 21000, 4.5, 7, 7,
		2.2, 1800, 20000, 5.0, 5, 5,
	})
	c, _ := value.TOPSISScores(x, []float64{0.2, 0.1, 0.1, 0.1, 0.2, 0.3}, []bool{true, true, true, false, true, true}, value.VectorNorm)
	fmt.Printf("%.3f\n", c)
	// Output: [0.643 0.268 0.614 0.312]
}

// A model fitted in one place is scored in another from its JSON.
func ExampleModel_MarshalJSON() {
	st := synth.Indicators(synth.IndicatorConfig{Customers: 500, Seed: 3})
	t := value.Table{Customers: st.Customers, IDs: st.IDs, Columns: st.Columns}
	m, _ := value.Fit(value.Spec{}, t)
	b, _ := json.Marshal(m)

	var m2 value.Model
	if err := json.Unmarshal(b, &m2); err != nil {
		fmt.Println(err)
		return
	}
	s1, _ := m.Score(t, nil)
	s2, _ := m2.Score(t, nil)
	same := true
	for i := range s1 {
		same = same && s1[i] == s2[i]
	}
	fmt.Println("identical scores:", same)
	// Output: identical scores: true
}
