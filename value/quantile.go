package value

import (
	"math"
	"math/bits"
	"slices"
)

// quantileSelect returns the p-quantile of v (Hyndman & Fan 1996,
// definition 7, as num.QuantileSorted) without sorting: it reorders v by
// selection in expected linear time. v must be non-empty and free of NaN.
func quantileSelect(v []float64, p float64) float64 {
	n := len(v)
	if n == 1 {
		return v[0]
	}
	h := p * float64(n-1)
	i := int(math.Floor(h))
	if i >= n-1 {
		selectK(v, n-1)
		return v[n-1]
	}
	selectK(v, i)
	x0 := v[i]
	x1 := slices.Min(v[i+1:])
	return x0 + (h-float64(i))*(x1-x0)
}

// selectK reorders v so that v[k] is its k-th smallest element, with
// v[:k] <= v[k] <= v[k+1:]: quickselect with a median-of-three pivot and a
// three-way partition (so runs of equal values, common in rating scales,
// cost nothing), falling back to sorting the remaining range after
// 2*log2(n) rounds so the worst case stays O(n log n).
func selectK(v []float64, k int) {
	lo, hi := 0, len(v)-1
	budget := 2*bits.Len(uint(len(v))) + 8
	for hi > lo {
		if hi-lo < 16 || budget == 0 {
			slices.Sort(v[lo : hi+1])
			return
		}
		budget--
		mid := lo + (hi-lo)/2
		a, b, c := v[lo], v[mid], v[hi]
		p := max(min(a, b), min(max(a, b), c))
		lt, i, gt := lo, lo, hi
		for i <= gt {
			switch x := v[i]; {
			case x < p:
				v[lt], v[i] = x, v[lt]
				lt++
				i++
			case x > p:
				v[i], v[gt] = v[gt], x
				gt--
			default:
				i++
			}
		}
		switch {
		case k < lt:
			hi = lt - 1
		case k > gt:
			lo = gt + 1
		default:
			return
		}
	}
}

// quantilesSelect returns the p-quantiles of v (definition 7) for each p
// of ps, reordering v by selection: it selects every order statistic the
// quantiles need, the middle one first, then recursively in the two sides,
// so k quantiles cost about O(n log k). v must be non-empty and free of
// NaN.
func quantilesSelect(v []float64, ps ...float64) []float64 {
	placeQuantiles(v, ps...)
	out := make([]float64, len(ps))
	for j, p := range ps {
		out[j] = placedQuantile(v, p, func(x float64) float64 { return x })
	}
	return out
}

// placeQuantiles reorders v by selection so that the order statistics
// the p-quantiles of ps need are at their places (see quantilesSelect).
func placeQuantiles(v []float64, ps ...float64) {
	n := len(v)
	var ks []int
	for _, p := range ps {
		i := min(int(math.Floor(p*float64(n-1))), n-1)
		ks = append(ks, i)
		if i+1 < n {
			ks = append(ks, i+1)
		}
	}
	slices.Sort(ks)
	ks = slices.Compact(ks)
	multiSelect(v, 0, n, ks)
}

// placedQuantile returns the p-quantile of f(v) for a v reordered by
// placeQuantiles with p among its ps and a non-decreasing f, with the
// arithmetic of num.QuantileSorted on the sorted f(v).
func placedQuantile(v []float64, p float64, f func(float64) float64) float64 {
	n := len(v)
	h := p * float64(n-1)
	i := min(int(math.Floor(h)), n-1)
	if i >= n-1 {
		return f(v[n-1])
	}
	a, b := f(v[i]), f(v[i+1])
	return a + (h-float64(i))*(b-a)
}

// multiSelect places the order statistics ks (sorted, within [lo, hi)) of
// v[lo:hi] at their positions.
func multiSelect(v []float64, lo, hi int, ks []int) {
	if len(ks) == 0 {
		return
	}
	m := len(ks) / 2
	k := ks[m]
	selectK(v[lo:hi], k-lo)
	multiSelect(v, lo, k, ks[:m])
	multiSelect(v, k+1, hi, ks[m+1:])
}
