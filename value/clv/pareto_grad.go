package clv

import (
	"math"

	"github.com/cvmkit/cvm/internal/num"
)

// invInt holds 1/(j+1) for the first series terms of log2F1Grad.
var invInt = func() []float64 {
	t := make([]float64, 512)
	for j := range t {
		t[j] = 1 / float64(j+1)
	}
	return t
}()

// hypGrad is log 2F1(a, b; c; z) and its partial derivatives with respect
// to a, b, c and z.
type hypGrad struct {
	v, a, b, c, z float64
}

// log2F1Grad returns log 2F1(a, b; c; z) and its partial derivatives, by
// the series of log2F1 differentiated term by term: with
// u_k = (a)_k (b)_k / ((c)_k k!) z^k,
//
//	d u_k/da = u_k sum_{j<k} 1/(a+j),  d u_k/dc = -u_k sum_{j<k} 1/(c+j),
//	d u_k/dz = u_k k/z,
//
// and the same Euler transformation (Abramowitz & Stegun 15.3.3), whose
// factor (1-z)^(c-a-b) is differentiated by the chain rule. ok is false
// when the series did not converge.
func log2F1Grad(a, b, c, z float64) (hypGrad, bool) {
	if z == 0 {
		// 2F1 = 1 + ab/c z + ...: only the z derivative is non-zero.
		return hypGrad{z: a * b / c}, true
	}
	if !(z > 0 && z < 1) || !(a > 0 && b > 0 && c > 0) {
		return hypGrad{}, false
	}
	euler := false
	a0, b0 := a, b
	if ca, cb := c-a, c-b; ca > 0 && cb > 0 && ca*cb < a*b {
		euler = true
		a, b = ca, cb
	}
	// Sums scaled together: s = sum u_k, sa = sum u_k Ha_k, ..., sk = sum k u_k.
	term, s, logScale := 1.0, 1.0, 0.0
	var ha, hb, hc, sa, sb, sc, sk float64
	conv := false
	for j := 0; j < maxHypTerms; j++ {
		fj := float64(j)
		var ia, ik float64
		if j < len(invInt) {
			ik = invInt[j]
		} else {
			ik = 1 / (fj + 1)
		}
		if a == 1 { // after Euler's transformation of the Pareto/NBD A0
			ia = ik
		} else {
			ia = 1 / (a + fj)
		}
		ib, ic := 1/(b+fj), 1/(c+fj)
		ratio := (a + fj) * (b + fj) * ic * ik * z
		ha, hb, hc = ha+ia, hb+ib, hc+ic
		term *= ratio
		s += term
		sa += term * ha
		sb += term * hb
		sc += term * hc
		sk += term * (fj + 1)
		if s > 1e250 {
			logScale += math.Log(s)
			term, sa, sb, sc, sk = term/s, sa/s, sb/s, sc/s, sk/s
			s = 1
		}
		if ratio < 1 {
			r := max(ratio, z)
			// The k-weighted tail is at most term (k+1) r/(1-r)^2.
			if term*r/(1-r)*max(1, (fj+2)/(1-r)) < 1e-14*s || term < 1e-300 {
				conv = true
				break
			}
		}
	}
	if !conv {
		return hypGrad{}, false
	}
	g := hypGrad{v: logScale + math.Log(s), a: sa / s, b: sb / s, c: -sc / s, z: sk / s / z}
	if euler {
		l1z := math.Log1p(-z)
		// F = (1-z)^(c-a0-b0) F'(c-a0, c-b0; c; z).
		out := hypGrad{
			v: (c-a0-b0)*l1z + g.v,
			a: -l1z - g.a,
			b: -l1z - g.b,
			c: l1z + g.a + g.b + g.c,
			z: -(c-a0-b0)/(1-z) + g.z,
		}
		g = out
	}
	return g, num.Finite(g.v) && num.Finite(g.a) && num.Finite(g.b) && num.Finite(g.c) && num.Finite(g.z)
}

// intGrad is log I of the Pareto/NBD integral
//
//	I = integral_{t_x}^{T} (alpha+tau)^-p (beta+tau)^-q dtau,  p = r+x, q = s+1,
//
// and the derivatives of log I with respect to p, q, alpha and beta, each
// taken with the others fixed.
type intGrad struct {
	v, p, q, alpha, beta float64
}

// combineG returns log I and its derivatives from G at the two ends,
// I = (G(beta or alpha + t_x) - G(. + T)) / a, a = r+s+x, la = log a.
func combineG(g1, g2 paretoLG, a, la float64) intGrad {
	if g2.v >= g1.v {
		return intGrad{v: math.Inf(-1)}
	}
	w := math.Exp(g2.v - g1.v) // G2/G1 in [0, 1)
	om := 1 - w
	return intGrad{
		v:     g1.v + math.Log1p(-w) - la,
		p:     (g1.p-w*g2.p)/om - 1/a,
		q:     (g1.qe-w*g2.qe)/om - 1/a,
		alpha: (g1.alpha - w*g2.alpha) / om,
		beta:  (g1.beta - w*g2.beta) / om,
	}
}

// paretoLG is log G and its derivatives with respect to p = r+x,
// q = s+1, alpha and beta, where
//
//	G(Q) = 2F1(a, t; a+1; d/Q) Q^-a,  a = r+s+x, d = |beta-alpha|,
//
// Q = max(alpha, beta) + t_x or + T, and t = r+x when alpha < beta
// (low), s+1 otherwise; A0 = G(Q1) - G(Q2) (paretoLogA0). Without grad
// only v is set.
type paretoLG struct{ v, p, qe, alpha, beta float64 }

func paretoG(a, t, d, qq float64, low, grad bool) (paretoLG, bool) {
	lq := math.Log(qq)
	if !grad {
		v, ok := log2F1(a, t, a+1, d/qq)
		return paretoLG{v: v - a*lq}, ok
	}
	h, ok := log2F1Grad(a, t, a+1, d/qq)
	if !ok {
		return paretoLG{}, false
	}
	da := h.a + h.c - lq
	dt := h.b
	dd := h.z / qq
	dq := -h.z*d/(qq*qq) - a/qq
	out := paretoLG{v: h.v - a*lq}
	if low { // lo = alpha, hi = beta, t = p
		out.p, out.qe, out.alpha, out.beta = da+dt, da, -dd, dd+dq
	} else { // lo = beta, hi = alpha, t = q
		out.p, out.qe, out.alpha, out.beta = da, da+dt, dd+dq, -dd
	}
	return out, true
}

// paretoIntGradQuad returns log I (I = A0/(r+s+x), see paretoLogA0) and
// its derivatives by quadrature, with the substitution
// of paretoLogA0Quad.
func paretoIntGradQuad(r, alpha, s, beta, x, tx, T float64) (intGrad, bool) {
	rx, s1 := r+x, s+1
	a0 := alpha + tx
	lb0 := math.Log(beta + tx)
	U := math.Log((alpha + T) / a0)
	if rate := rx - 1 + s1*math.Min(1, a0/(beta+tx)); rate > 0 {
		U = math.Min(U, 92/rate)
	}
	// h(u) [1, u, log((beta+tau)/(beta+t_x)), e^-u, 1/(beta+tau)]
	f := func(u float64, out *[5]float64) {
		em := a0 * math.Expm1(u) // tau - t_x
		tau := tx + em
		lbr := math.Log1p(em / (beta + tx))
		h := math.Exp(-(rx-1)*u - s1*lbr)
		out[0], out[1], out[2], out[3], out[4] = h, h*u, h*lbr, h*math.Exp(-u), h/(beta+tau)
	}
	J, ok := integrate5(f, 0, U, 1e-12)
	if !ok || !(J[0] > 0) {
		return intGrad{}, false
	}
	// I = K J0 with K = a0^(1-rx) (beta+t_x)^-s1.
	la0 := math.Log(a0)
	return intGrad{
		v:     math.Log(J[0]) + la0 - rx*la0 - s1*lb0,
		p:     -(la0 + J[1]/J[0]),
		q:     -(lb0 + J[2]/J[0]),
		alpha: -rx * J[3] / J[0] / a0,
		beta:  -s1 * J[4] / J[0],
	}, true
}

// integrate5 is integrate for five integrands at once: a panel is
// accepted when every component passes integrate's test.
func integrate5(f func(float64, *[5]float64), a, b, rel float64) ([5]float64, bool) {
	var v [5]float64
	rule := func(lo, hi float64, x, w []float64) ([5]float64, bool) {
		var s [5]float64
		for i := range x {
			f(lo+(hi-lo)*x[i], &v)
			for j := range s {
				s[j] += w[i] * v[j]
			}
		}
		for j := range s {
			s[j] *= hi - lo
			if !num.Finite(s[j]) {
				return s, false
			}
		}
		return s, true
	}
	var zero [5]float64
	if b <= a {
		return zero, b == a
	}
	whole, ok := rule(a, b, glx20, glw20)
	if !ok {
		return zero, false
	}
	var scale [5]float64
	for j := range whole {
		scale[j] = math.Abs(whole[j])
	}
	budget := 4096
	var rec func(lo, hi float64, fine [5]float64) ([5]float64, bool)
	rec = func(lo, hi float64, fine [5]float64) ([5]float64, bool) {
		c, ok := rule(lo, hi, glx10, glw10)
		if !ok {
			return zero, false
		}
		good := true
		for j := range c {
			if d := math.Abs(fine[j] - c[j]); !(d <= rel*scale[j]*(hi-lo)/(b-a) || d <= 1e-15*math.Abs(fine[j])) {
				good = false
				break
			}
		}
		if good {
			return fine, true
		}
		if budget--; budget <= 0 {
			return zero, false
		}
		mid := (lo + hi) / 2
		fl, ok1 := rule(lo, mid, glx20, glw20)
		fr, ok2 := rule(mid, hi, glx20, glw20)
		if !ok1 || !ok2 {
			return zero, false
		}
		l, ok1 := rec(lo, mid, fl)
		if !ok1 {
			return zero, false
		}
		rr, ok2 := rec(mid, hi, fr)
		for j := range l {
			l[j] += rr[j]
		}
		return l, ok2
	}
	return rec(a, b, whole)
}
