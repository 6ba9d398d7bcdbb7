package value

import (
	"math"
	"math/bits"
	"slices"

	"github.com/cvmkit/cvm/internal/num"
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
	out := make([]float64, len(ps))
	for j, p := range ps {
		h := p * float64(n-1)
		i := min(int(math.Floor(h)), n-1)
		if i >= n-1 {
			out[j] = v[n-1]
			continue
		}
		out[j] = v[i] + (h-float64(i))*(v[i+1]-v[i])
	}
	return out
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

// sortBuf is scratch memory for fitIndicator and sortFloats, reused by
// one goroutine.
type sortBuf struct {
	v    []float64
	sort num.SortScratch
}

// sortFloats sorts v, which is free of NaN, into the order of
// slices.Sort, bit for bit (num.SortFloats), with buf's scratch memory
// when buf is not nil.
func sortFloats(v []float64, buf *sortBuf) {
	var sc *num.SortScratch
	if buf != nil {
		sc = &buf.sort
	}
	num.SortFloats(v, sc)
}
