package value

import (
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/cvmkit/cvm/internal/check"
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
		m, err := Fit(ctx, tb, &Settings{Catalog: cat, Aggregation: agg})
		if err != nil {
			t.Fatal(err)
		}
		for trial := 0; trial < 300; trial++ {
			row := rng.IntN(tb.Len())
			k := rng.IntN(len(cat.Indicators))
			one := tb.Rows([]int{row})
			before := check.Must(m.Score(ctx, nil, one))
			one.Columns[k][0] += rng.Float64() * (1 + abs(one.Columns[k][0]))
			after, err := m.Score(ctx, nil, one)
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
	m, err := Fit(ctx, tb, &Settings{Missing: MissingDrop})
	if err != nil {
		t.Fatal(err)
	}
	want := check.Must(m.Score(ctx, nil, tb))
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := m.Score(ctx, nil, tb)
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
