// Package num holds the small numeric helpers that several cvm packages
// share: compensated summation, the type-7 sample quantile, and a
// finiteness test.
package num

import "math"

// AddNeumaier adds x to the compensated sum (sum, c) and returns the new
// pair; the compensated total is sum + c (Neumaier 1974, the improved
// Kahan-Babuska summation). The error of a total of n terms is bounded
// independently of n, to first order.
func AddNeumaier(sum, c, x float64) (float64, float64) {
	t := sum + x
	if math.Abs(sum) >= math.Abs(x) {
		c += (sum - t) + x
	} else {
		c += (x - t) + sum
	}
	return t, c
}

// QuantileSorted returns the p-quantile (0 <= p <= 1) of the sorted,
// non-empty x by linear interpolation between order statistics: definition
// 7 of Hyndman & Fan (1996), the default of R's quantile and of numpy.
func QuantileSorted(x []float64, p float64) float64 {
	h := float64(len(x)-1) * p
	j := int(math.Floor(h))
	if j+1 >= len(x) {
		return x[len(x)-1]
	}
	return x[j] + (h-float64(j))*(x[j+1]-x[j])
}

// Finite reports whether x is neither NaN nor infinite.
func Finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
