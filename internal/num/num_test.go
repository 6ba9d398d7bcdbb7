package num

import (
	"math"
	"math/big"
	"testing"
)

func TestAddNeumaier(t *testing.T) {
	// Terms whose naive float64 sum loses everything: the exact sum (by
	// math/big) is recovered.
	for _, terms := range [][]float64{
		{1, 1e100, 1, -1e100}, // exact 2; naive 0
		{1e16, 1, -1e16},      // exact 1; naive 0
		{0.1, 0.2, 0.3, -0.6}, // exact: the binary values' sum
		{3, math.Ldexp(1, -60), -3, 1e-300},
	} {
		var s, c float64
		exact := new(big.Float).SetPrec(4096)
		for _, x := range terms {
			s, c = AddNeumaier(s, c, x)
			exact.Add(exact, new(big.Float).SetFloat64(x))
		}
		want, _ := exact.Float64()
		if got := s + c; got != want {
			t.Errorf("%v: %v, want %v", terms, got, want)
		}
	}
}

func TestQuantileSorted(t *testing.T) {
	// R: quantile(1:10, c(0, .25, .5, .9, 1)) = 1, 3.25, 5.5, 9.1, 10;
	// quantile(c(2, 4), .5) = 3; a single value is every quantile.
	x := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, c := range []struct{ p, want float64 }{{0, 1}, {0.25, 3.25}, {0.5, 5.5}, {0.9, 9.1}, {1, 10}} {
		if got := QuantileSorted(x, c.p); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("Q(1:10, %v) = %v, want %v", c.p, got, c.want)
		}
	}
	if got := QuantileSorted([]float64{2, 4}, 0.5); got != 3 {
		t.Errorf("Q({2,4}, .5) = %v, want 3", got)
	}
	if got := QuantileSorted([]float64{7}, 0.3); got != 7 {
		t.Errorf("Q({7}, .3) = %v, want 7", got)
	}
}

func TestFinite(t *testing.T) {
	for _, c := range []struct {
		x    float64
		want bool
	}{{0, true}, {-math.MaxFloat64, true}, {math.SmallestNonzeroFloat64, true}, {math.Inf(1), false}, {math.Inf(-1), false}, {math.NaN(), false}} {
		if got := Finite(c.x); got != c.want {
			t.Errorf("Finite(%v) = %v", c.x, got)
		}
	}
}
