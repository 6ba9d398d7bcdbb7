package clv

import (
	"math"

	"github.com/cvmkit/cvm/internal/num"
	"gonum.org/v1/gonum/integrate/quad"
)

// Gauss-Legendre nodes and weights on [0, 1] for the adaptive rule.
var glx10, glw10, glx20, glw20 = func() ([]float64, []float64, []float64, []float64) {
	x10, w10 := make([]float64, 10), make([]float64, 10)
	x20, w20 := make([]float64, 20), make([]float64, 20)
	quad.Legendre{}.FixedLocations(x10, w10, 0, 1)
	quad.Legendre{}.FixedLocations(x20, w20, 0, 1)
	return x10, w10, x20, w20
}()

// integrate returns the integral of f over [a, b] by adaptive
// Gauss-Legendre quadrature: a panel is accepted when its 10- and 20-point
// rules differ by at most rel times the whole integral's magnitude,
// scaled by the panel's share of [a, b], or by rounding error; otherwise it
// is halved. ok is false when 4096 panels do not reach the tolerance or a
// value is not finite.
func integrate(f func(float64) float64, a, b, rel float64) (float64, bool) {
	rule := func(lo, hi float64, x, w []float64) float64 {
		s := 0.0
		for i := range x {
			s += w[i] * f(lo+(hi-lo)*x[i])
		}
		return s * (hi - lo)
	}
	whole := rule(a, b, glx20, glw20)
	if !num.Finite(whole) {
		return 0, false
	}
	scale := math.Abs(whole)
	budget := 4096
	var rec func(lo, hi, fine float64) (float64, bool)
	rec = func(lo, hi, fine float64) (float64, bool) {
		c := rule(lo, hi, glx10, glw10)
		if !num.Finite(c) {
			return 0, false
		}
		if d := math.Abs(fine - c); d <= rel*scale*(hi-lo)/(b-a) || d <= 1e-15*math.Abs(fine) {
			return fine, true
		}
		if budget--; budget <= 0 {
			return 0, false
		}
		mid := (lo + hi) / 2
		fl, fr := rule(lo, mid, glx20, glw20), rule(mid, hi, glx20, glw20)
		if !num.Finite(fl) || !num.Finite(fr) {
			return 0, false
		}
		l, ok1 := rec(lo, mid, fl)
		if !ok1 {
			return 0, false
		}
		r, ok2 := rec(mid, hi, fr)
		return l + r, ok2
	}
	if b <= a {
		return 0, b == a
	}
	return rec(a, b, whole)
}

// paretoLogA0Quad returns log A0 of the Pareto/NBD likelihood from its
// integral form (Fader & Hardie 2005, note, eq. 3 integrated over the
// mixing distributions):
//
//	A0 = (r+s+x) * integral_{t_x}^{T} (alpha+tau)^-(r+x) (beta+tau)^-(s+1) dtau
//
// computed with tau = t_x + (alpha+t_x)(e^u - 1), which turns the steep
// decay of heavy buyers into an exponential in u, and the integrand
// scaled by its value at t_x. It serves the cases where the
// hypergeometric series converges slowly (argument near 1).
func paretoLogA0Quad(r, alpha, s, beta, x, tx, T float64) (float64, bool) {
	if tx >= T {
		return math.Inf(-1), true
	}
	rx, s1 := r+x, s+1
	a0 := alpha + tx
	lb0 := math.Log(beta + tx)
	U := math.Log((alpha + T) / a0)
	// h(u) = g(tau(u)) dtau/du / (g(t_x) a0), with g the integrand.
	h := func(u float64) float64 {
		// log((beta+tau)/(beta+t_x)), accurate for tau near t_x
		lbr := math.Log1p(a0 * math.Expm1(u) / (beta + tx))
		return math.Exp(-(rx-1)*u - s1*lbr)
	}
	// Beyond u where the integrand is below 1e-40 of its start nothing
	// counts: the exponent falls at least at rate rx-1 + s1*min(1, a0/(beta+tx)).
	if rate := rx - 1 + s1*math.Min(1, a0/(beta+tx)); rate > 0 {
		U = math.Min(U, 92/rate)
	}
	v, ok := integrate(h, 0, U, 1e-12)
	if !ok || !(v > 0) {
		return 0, false
	}
	return math.Log(r+s+x) + math.Log(v) + math.Log(a0) - rx*math.Log(a0) - s1*lb0, true
}
