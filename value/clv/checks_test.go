package clv

import (
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/stat"
)

// lowerMedian agrees with stat.Quantile(0.5, Empirical) of the sorted
// values, ties and odd and even lengths included.
func TestLowerMedian(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 1; n < 60; n++ {
		for range 20 {
			v := make([]float64, n)
			for i := range v {
				v[i] = float64(rng.IntN(7))
			}
			s := slices.Clone(v)
			slices.Sort(s)
			want := stat.Quantile(0.5, stat.Empirical, s, nil)
			if got := lowerMedian(v); got != want {
				t.Fatalf("n %d %v: got %v, want %v", n, s, got, want)
			}
		}
	}
}
