package num

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// SortFloats gives the bits of slices.Sort (a plain comparison sort),
// on both sides of the radix threshold, and a sorted order when v holds
// both zeros (whose order slices.Sort leaves open).
func TestSortFloats(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	negZero := math.Copysign(0, -1)
	pick := func(vals ...float64) func() float64 { return func() float64 { return vals[rng.IntN(len(vals))] } }
	cases := []struct {
		name string
		gen  func() float64
	}{
		{"bits", func() float64 {
			for {
				if x := math.Float64frombits(rng.Uint64()); !math.IsNaN(x) {
					return x
				}
			}
		}},
		{"small integers", func() float64 { return float64(rng.IntN(7) - 3) }},
		{"negative zeros", pick(negZero, -1, 2, math.Inf(-1))},
		{"both zeros", pick(0, negZero, 1, -2)},
		{"subnormal", func() float64 { return float64(rng.IntN(19)-9) * math.SmallestNonzeroFloat64 }},
		{"constant", pick(7.5)},
	}
	eq := func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) }
	var sc SortScratch
	for _, c := range cases {
		for _, n := range []int{0, 1, 2, 4095, 4096, 4097, 50_000} {
			v := make([]float64, n)
			for i := range v {
				v[i] = c.gen()
			}
			want := slices.Clone(v)
			slices.Sort(want)
			for _, s := range []*SortScratch{nil, &sc} {
				got := slices.Clone(v)
				SortFloats(got, s)
				if !slices.IsSorted(got) {
					t.Fatalf("%s n=%d: not sorted", c.name, n)
				}
				if c.name != "both zeros" && !slices.EqualFunc(got, want, eq) {
					t.Fatalf("%s n=%d: bits differ from slices.Sort", c.name, n)
				}
			}
		}
	}
}
