package value

import (
	"math/rand/v2"
	"sync"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// Raising a benefit indicator never lowers a customer's score and raising
// a cost indicator never raises it, under every normalisation and both
// aggregations.
func TestMonotone(t *testing.T) {
	tb := synthTable(2000, 21, 0)
	cat := DefaultCatalog()
	cat.Indicators[3].Norm = Normalization{Method: ZScore}
	cat.Indicators[8].Norm = Normalization{Method: PercentileRank}
	cat.Indicators[10].Norm = Normalization{Method: PercentileRank, Log: true} // dso, a cost
	rng := rand.New(rand.NewPCG(5, 6))
	for _, agg := range []Aggregation{WeightedSum, TOPSIS} {
		m, err := Fit(Spec{Catalog: cat, Aggregation: agg}, tb)
		if err != nil {
			t.Fatal(err)
		}
		for trial := 0; trial < 300; trial++ {
			row := rng.IntN(tb.Len())
			k := rng.IntN(len(cat.Indicators))
			one := tb.Rows([]int{row})
			before, _ := m.Score(one, nil)
			one.Columns[k][0] += rng.Float64() * (1 + abs(one.Columns[k][0]))
			after, err := m.Score(one, nil)
			if err != nil {
				t.Fatal(err)
			}
			d := dimOf(cat.Indicators[k].Dimension)
			b, a := before[0].Current, after[0].Current
			if d == 1 {
				b, a = before[0].Potential, after[0].Potential
			}
			if cat.Indicators[k].Direction == Benefit && a < b-1e-9 || cat.Indicators[k].Direction == Cost && a > b+1e-9 {
				t.Fatalf("%v: raising %s of row %d moved its score from %g to %g", agg, cat.Indicators[k].ID, row, b, a)
			}
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func dimOf(d Dimension) int {
	if d == PotentialValue {
		return 1
	}
	return 0
}

// A fitted model is read concurrently (run with -race).
func TestConcurrentScore(t *testing.T) {
	tb := synthTable(3000, 4, 0.01)
	m, err := Fit(Spec{Missing: MissingDrop}, tb)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := m.Score(tb, nil)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := m.Score(tb, nil)
			if err != nil {
				t.Error(err)
				return
			}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("row %d differs", i)
					return
				}
			}
			if _, err := m.Explain(tb, tb.Customers[7]); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

// The weighting functions do not modify their matrix arguments.
func TestWeightsNoMutation(t *testing.T) {
	data := []float64{2, 1500, 20000, 5.5, 2.5, 2700, 18000, 6.5, 1.8, 2000, 21000, 4.5}
	x := mat.NewDense(3, 4, append([]float64(nil), data...))
	w := []float64{0.4, 0.3, 0.2, 0.1}
	EntropyWeights(x)
	CRITICWeights(x, []bool{true, true, true, false})
	TOPSISScores(x, w, nil, VectorNorm)
	TOPSISScores(x, w, nil, MinMaxNorm)
	a := mat.NewDense(2, 2, []float64{1, 3, 1.0 / 3, 1})
	AHP(a, nil)
	AggregateJudgements([]mat.Matrix{a, a}, nil)
	s, o := []float64{1, 2}, []float64{3, 4}
	Blend(s, o, 0.5)
	if !mat.Equal(x, mat.NewDense(3, 4, data)) || a.At(0, 1) != 3 || w[0] != 0.4 || s[1] != 2 || o[0] != 3 {
		t.Error("an input was modified")
	}
}
