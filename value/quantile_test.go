package value

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cvmkit/cvm/internal/num"
)

// quantileSelect against the plain sort-based definition on data with
// many ties, sorted and reversed input.
func TestQuantileSelect(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 3, 17, 100, 1001, 5000} {
		for _, kind := range []string{"uniform", "ties", "sorted", "reversed", "constant"} {
			v := make([]float64, n)
			for i := range v {
				switch kind {
				case "uniform":
					v[i] = rng.NormFloat64()
				case "ties":
					v[i] = float64(rng.IntN(5))
				case "sorted":
					v[i] = float64(i)
				case "reversed":
					v[i] = float64(n - i)
				case "constant":
					v[i] = 3
				}
			}
			sorted := slices.Clone(v)
			slices.Sort(sorted)
			for _, p := range []float64{0, 0.01, 0.25, 0.5, 0.8, 0.99, 1} {
				w := slices.Clone(v)
				got, want := quantileSelect(w, p), num.QuantileSorted(sorted, p)
				if got != want {
					t.Fatalf("n=%d %s p=%g: got %g, want %g", n, kind, p, got, want)
				}
				slices.Sort(w)
				if !slices.Equal(w, sorted) {
					t.Fatalf("n=%d %s: selection lost elements", n, kind)
				}
			}
			ps := []float64{0.99, 0.01, 0.5, 0.95, 0.8, 0, 1}
			w := slices.Clone(v)
			got := quantilesSelect(w, ps...)
			for j, p := range ps {
				if want := num.QuantileSorted(sorted, p); got[j] != want {
					t.Fatalf("n=%d %s: quantilesSelect p=%g: got %g, want %g", n, kind, p, got[j], want)
				}
			}
		}
	}
}
