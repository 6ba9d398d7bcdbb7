package clv

import "math"

// lgamma returns log|Gamma(x)|.
func lgamma(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

// logAddExp returns log(exp(a) + exp(b)) without overflow.
func logAddExp(a, b float64) float64 {
	if a < b {
		a, b = b, a
	}
	if math.IsInf(a, -1) {
		return a
	}
	return a + math.Log1p(math.Exp(b-a))
}

// logSubExp returns log(exp(a) - exp(b)) for a >= b; -Inf when a == b.
func logSubExp(a, b float64) float64 {
	if b == a {
		return math.Inf(-1)
	}
	return a + math.Log(-math.Expm1(b-a))
}

// maxHypTerms bounds the number of series terms of log2F1.
const maxHypTerms = 1_000_000

// log2F1 returns the logarithm of the Gauss hypergeometric function
// 2F1(a, b; c; z) for a, b, c > 0 and 0 <= z < 1, where every term of the
// series is positive. The sum is carried in scaled form, so terms that grow
// to exp(700) and beyond (large a and b, as for customers with hundreds of
// purchases) do not overflow. When c-a and c-b are positive and smaller,
// Euler's transformation 2F1(a,b;c;z) = (1-z)^(c-a-b) 2F1(c-a,c-b;c;z)
// (Abramowitz & Stegun 15.3.3) is used: its terms decay from the start,
// which is how the slowly converging cases of the Pareto/NBD likelihood are
// handled. ok is false when the series did not converge.
func log2F1(a, b, c, z float64) (v float64, ok bool) {
	if z == 0 {
		return 0, true
	}
	if !(z > 0 && z < 1) || !(a > 0 && b > 0 && c > 0) {
		return math.NaN(), false
	}
	shift := 0.0
	if ca, cb := c-a, c-b; ca > 0 && cb > 0 && ca*cb < a*b {
		shift = (c - a - b) * math.Log1p(-z)
		a, b = ca, cb
	}
	// sum = scale * s, with s kept near 1.
	term, s, logScale := 1.0, 1.0, 0.0
	tailFactor := 1 / (1 - z)
	for j := 0; j < maxHypTerms; j++ {
		fj := float64(j)
		ratio := (a + fj) * (b + fj) / ((c + fj) * (fj + 1)) * z
		term *= ratio
		s += term
		if s > 1e250 {
			logScale += math.Log(s)
			term /= s
			s = 1
		}
		// Once the ratio is below 1 and falling towards z, the tail is at
		// most term*ratio/(1-ratio); stop when that is negligible.
		if ratio < 1 {
			r := max(ratio, z)
			if term*r/(1-r) < 1e-16*s || term < 1e-300 {
				return shift + logScale + math.Log(s), true
			}
		}
		_ = tailFactor
	}
	return math.NaN(), false
}
