package value_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/synth"
	"github.com/cvmkit/cvm/value"
	"gonum.org/v1/gonum/mat"
)

// Fit the default 30-indicator model on a synthetic B2B customer base,
// score it and explain one customer's score.
func Example() {
	ctx := context.Background()
	st := synth.Indicators(synth.IndicatorConfig{Customers: 2000, Seed: 1, MissingRate: 0.01})
	t := value.IndicatorTable{Customers: st.Customers, IDs: st.IDs, Columns: st.Columns}
	m, err := value.Fit(ctx, t, &value.Settings{Missing: value.MissingImpute})
	if err != nil {
		fmt.Println(err)
		return
	}
	scores, err := m.Score(ctx, nil, t)
	if err != nil {
		fmt.Println(err)
		return
	}
	s := scores[42]
	fmt.Printf("%s: current %.2f potential %.2f total %.2f quadrant %v tier %v (%s)\n", s.Customer, s.Current, s.Potential, s.Total, s.Quadrant, s.Tier, s.Tier.Name())
	fmt.Println("strategy:", s.Quadrant.Strategy())
	ex, err := m.Explain(t, s.Customer)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range ex.Contributions[:3] {
		fmt.Printf("%-18s %-9v r=%.4f w=%.4f points=%.2f\n", c.ID, c.Dimension, c.Normalized, c.Weight, c.Points)
	}
	// Output:
	// C0042: current 51.13 potential 39.79 total 45.46 quadrant I tier 4 (lead)
	// strategy: serve at low cost
	// gross_profit       current   r=0.8642 w=0.0800 points=6.91
	// recency            current   r=0.9226 w=0.0600 points=5.54
	// volume_volatility  current   r=0.8509 w=0.0600 points=5.11
}

// The top three reasons of every customer at once: the IDs of the first
// three contributions Explain gives, in its order.
func ExampleModel_Reasons() {
	ctx := context.Background()
	st := synth.Indicators(synth.IndicatorConfig{Customers: 2000, Seed: 1, MissingRate: 0.01})
	t := value.IndicatorTable{Customers: st.Customers, IDs: st.IDs, Columns: st.Columns}
	m, err := value.Fit(ctx, t, &value.Settings{Missing: value.MissingImpute})
	if err != nil {
		fmt.Println(err)
		return
	}
	reasons, err := m.Reasons(ctx, nil, t, 3)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(reasons), "customers")
	fmt.Println(t.Customers[42], reasons[42])
	ex, err := m.Explain(t, t.Customers[42])
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ex.Contributions[0].ID, ex.Contributions[1].ID, ex.Contributions[2].ID)
	// Output:
	// 2000 customers
	// C0042 [gross_profit recency volume_volatility]
	// gross_profit recency volume_volatility
}

// A package that forecasts a per-customer quantity, such as value/clv with
// predicted lifetime value, adds it to the catalog as a potential-value
// indicator and to the table as a column with the same ID.
func ExampleIndicatorTable_WithColumn() {
	ctx := context.Background()
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
	t := value.NewIndicatorTable([]string{"a", "b", "c"}).
		WithColumn("revenue", []float64{100, 400, 250}).
		WithColumn("clv", []float64{50, 900, 300}).
		WithColumn("p_alive", []float64{0.2, 0.9, 0.6})
	m, err := value.Fit(ctx, t, &value.Settings{Catalog: cat})
	if err != nil {
		fmt.Println(err)
		return
	}
	scores, err := m.Score(ctx, nil, t)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range scores {
		fmt.Printf("%s %.2f %.2f %v\n", s.Customer, s.Current, s.Potential, s.Quadrant)
	}
	// Output:
	// a 0.00 0.00 I
	// b 100.00 100.00 IV
	// c 50.00 60.42 I
}

// The default catalog needs 67 pairwise judgements level by level.
func ExampleJudgementCount() {
	fmt.Println(value.JudgementCount(value.DefaultCatalog()), 30*29/2)
	// Output: 67 435
}

// Weights from AHP judgements, level by level, recorded in the model's
// card: one 2 x 2 matrix for the dimensions and one per group with two or
// more indicators.
func ExampleHierarchyWeights() {
	cat := value.Catalog{
		Groups: []value.Group{
			{ID: "money", Dimension: value.CurrentValue, Weight: 1},
			{ID: "growth", Dimension: value.PotentialValue, Weight: 1},
		},
		Indicators: []value.Indicator{
			{ID: "revenue", Dimension: value.CurrentValue, Group: "money"},
			{ID: "margin", Dimension: value.CurrentValue, Group: "money"},
			{ID: "share", Dimension: value.CurrentValue, Group: "money"},
			{ID: "growth", Dimension: value.PotentialValue, Group: "growth", Weight: 1},
		},
	}
	res, err := value.HierarchyWeights(cat, value.Judgements{
		Dimensions: mat.NewDense(2, 2, []float64{1, 3, 1.0 / 3, 1}),
		Indicators: map[string]mat.Matrix{"money": mat.NewDense(3, 3, []float64{
			1, 3, 5,
			1.0 / 3, 1, 2,
			1.0 / 5, 1.0 / 2, 1,
		})},
	}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, ind := range res.Catalog.Indicators {
		fmt.Printf("%-7s %.4f\n", ind.ID, ind.Weight)
	}
	fmt.Printf("current %.2f potential %.2f CR %.4f\n", res.CurrentWeight, res.PotentialWeight, res.MaxCR())

	t := value.NewIndicatorTable([]string{"a", "b", "c"}).
		WithColumn("revenue", []float64{100, 400, 250}).
		WithColumn("margin", []float64{0.1, 0.3, 0.2}).
		WithColumn("share", []float64{0.5, 0.2, 0.9}).
		WithColumn("growth", []float64{0.0, 0.1, 0.3})
	m, err := value.Fit(context.Background(), t, &value.Settings{Catalog: res.Catalog,
		CurrentWeight: res.CurrentWeight, PotentialWeight: res.PotentialWeight, Weighting: res.Weighting()})
	if err != nil {
		fmt.Println(err)
		return
	}
	card := m.Card()
	fmt.Printf("card: %d customers, %v indicators, CR %.4f, method %s\n", card.Customers, card.Quality["indicators"], card.Quality["ahp_cr"], m.Weighting().Method)
	// Output:
	// revenue 0.6483
	// margin  0.2297
	// share   0.1220
	// growth  1.0000
	// current 0.75 potential 0.25 CR 0.0032
	// card: 3 customers, 4 indicators, CR 0.0032, method ahp
}

// A model fitted in one place is scored in another from its JSON, which
// carries the cvm envelope: format, version and model card.
func ExampleModel_MarshalJSON() {
	ctx := context.Background()
	st := synth.Indicators(synth.IndicatorConfig{Customers: 500, Seed: 3})
	t := value.IndicatorTable{Customers: st.Customers, IDs: st.IDs, Columns: st.Columns}
	m, err := value.Fit(ctx, t, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	b, err := json.Marshal(m)
	if err != nil {
		fmt.Println(err)
		return
	}
	var head struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
		Card    struct {
			Customers int `json:"customers"`
		} `json:"card"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(head.Format, head.Version, head.Card.Customers)

	var m2 value.Model
	if err := json.Unmarshal(b, &m2); err != nil {
		fmt.Println(err)
		return
	}
	s1, err := m.Score(ctx, nil, t)
	if err != nil {
		fmt.Println(err)
		return
	}
	s2, err := m2.Score(ctx, nil, t)
	if err != nil {
		fmt.Println(err)
		return
	}
	same := true
	for i := range s1 {
		same = same && s1[i] == s2[i]
	}
	fmt.Println("identical scores:", same)
	// Output:
	// cvm.value.model 2 500
	// identical scores: true
}

// Text forms of the value matrix quadrant and the pyramid tier, as other
// packages and files spell them.
func ExampleParseTier() {
	for _, s := range []string{"1", "Gold", " lead "} {
		t, err := value.ParseTier(s)
		fmt.Println(t, t.Name(), err)
	}
	q, err := value.ParseQuadrant("iv")
	fmt.Println(q, q.Strategy(), err)
	// Output:
	// 1 platinum <nil>
	// 2 gold <nil>
	// 4 lead <nil>
	// IV invest: key-account care, joint development <nil>
}

// ExampleRetailIndicators computes the retail catalog's indicators from a
// few transactions and scores them; the returns-only customer is flagged.
func ExampleRetailIndicators() {
	at := func(d int) time.Time { return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, d) }
	txs := []cvm.Transaction{
		{Customer: "ann", Time: at(10), Amount: 120, Quantity: 4, Product: "mug"},
		{Customer: "ann", Time: at(100), Amount: 80, Quantity: 2, Product: "tea"},
		{Customer: "ann", Time: at(200), Amount: 95, Quantity: 3, Product: "mug"},
		{Customer: "bob", Time: at(150), Amount: 40, Quantity: 1, Product: "mug"},
		{Customer: "bob", Time: at(190), Amount: 35, Quantity: 1, Product: "pot"},
		{Customer: "cy", Time: at(120), Amount: -20, Quantity: -1, Product: "mug"},
	}
	r, err := value.RetailIndicators(context.Background(), slices.Values(txs), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	rev, _ := r.Table.Column("revenue")
	rec, _ := r.Table.Column("recency")
	br, _ := r.Table.Column("breadth")
	for i, c := range r.Table.Customers {
		fmt.Printf("%s: revenue %.0f, recency %.0f days, breadth %.0f, returns only %v\n", c, rev[i], rec[i], br[i], r.ReturnsOnly[i])
	}
	fmt.Println("left out:", r.Omitted)
	m, err := value.Fit(context.Background(), r.Table, &value.Settings{Catalog: r.Catalog})
	if err != nil {
		fmt.Println(err)
		return
	}
	scores, _ := m.Score(context.Background(), nil, r.Table)
	for _, s := range scores {
		fmt.Printf("%s: current %.1f, potential %.1f, quadrant %v\n", s.Customer, s.Current, s.Potential, s.Quadrant)
	}
	// Output:
	// ann: revenue 295, recency 0 days, breadth 2, returns only false
	// bob: revenue 75, recency 10 days, breadth 2, returns only false
	// cy: revenue -20, recency 192 days, breadth 0, returns only true
	// left out: [gross_profit: no margin given]
	// ann: current 96.4, potential 43.8, quadrant III
	// bob: current 51.8, potential 87.5, quadrant II
	// cy: current 1.8, potential 18.8, quadrant I
}
