package clv

import (
	"errors"
	"fmt"
	"math"

	"github.com/cvmkit/cvm/internal/num"
	"gonum.org/v1/gonum/integrate/quad"
	"gonum.org/v1/gonum/mathext"
)

// ErrUnsupported is returned by the distribution functions (PMF,
// ConditionalPMF, PredictIntervals, DERT) for a model they have no formula
// for, such as a PurchaseModel implemented outside this package.
var ErrUnsupported = errors.New("clv: not supported for this model")

// DefaultTailMass is the probability that PMF and ConditionalPMF leave out
// when their tail argument is zero: the terms stop at the first n with
// P(X > n) <= 1e-9.
const DefaultTailMass = 1e-9

// MinTailMass is the smallest tail mass PMF and ConditionalPMF accept:
// below it, rounding in the running tail sum is as large as the tail.
const MinTailMass = 1e-12

// maxPMFTerms bounds the number of terms of one distribution.
const maxPMFTerms = 1 << 20

// condPMFer is implemented by the models with a closed-form conditional
// distribution of the purchases in a horizon.
type condPMFer interface {
	// condPMF stores in dst[:0] P(X(T, T+t) = n | c) for n = 0, 1, ...
	// until P(X > n) <= tail (or a bound on it is), and returns it; ok is
	// false when a term is not finite or the terms do not end.
	condPMF(dst []float64, t float64, c Customer, tail float64) ([]float64, bool)
	check() error
}

var (
	_ condPMFer = (*BGNBD)(nil)
	_ condPMFer = (*ParetoNBD)(nil)
)

func checkTail(tail float64) (float64, error) {
	switch {
	case tail == 0:
		return DefaultTailMass, nil
	case !(tail >= MinTailMass && tail < 1):
		return 0, &ParamError{Param: "tail", Value: tail, Err: fmt.Errorf("%w: tail mass must be in [%g, 1)", ErrInvalidParam, MinTailMass)}
	}
	return tail, nil
}

// ConditionalPMF stores in dst, reusing its memory when large enough, the
// distribution of the number of purchases in the next t time units of a
// customer with history c: dst[n] = P(X(T, T+t) = n | x, t_x, T) for
// n = 0, 1, ..., N, where N is the first count with P(X > N) <= tail (for
// Pareto/NBD, with a bound on P(X > N) <= tail). tail zero means
// DefaultTailMass; it must otherwise lie in [MinTailMass, 1). See the
// package documentation for the formulas (BG/NBD and MBG/NBD: Fader,
// Hardie & Lee 2005, "Deriving the conditional PMF of the BG/NBD model";
// Pareto/NBD: Fader & Hardie 2006, "Deriving the conditional PMF of the
// Pareto/NBD model"). Its mean is m's ConditionalExpectedPurchases.
//
// m must be a *BGNBD or a *ParetoNBD; any other model is ErrUnsupported
// (BG/BB has only the unconditional PMF). Errors are as for
// ConditionalExpectedPurchases, and a *ParamError for a bad tail.
func ConditionalPMF(dst []float64, m PurchaseModel, t float64, c Customer, tail float64) ([]float64, error) {
	cm, ok := m.(condPMFer)
	if !ok {
		return nil, fmt.Errorf("%w: conditional PMF of %s", ErrUnsupported, m.Name())
	}
	if err := cm.check(); err != nil {
		return nil, err
	}
	if err := checkHorizon(t); err != nil {
		return nil, err
	}
	tail, err := checkTail(tail)
	if err != nil {
		return nil, err
	}
	if err := c.validate(0); err != nil {
		return nil, err
	}
	out, ok := cm.condPMF(dst, t, c, tail)
	if !ok {
		return nil, &CustomerError{Customer: c.ID, Field: "prediction", Err: fmt.Errorf("%w: conditional PMF", ErrNotConverged)}
	}
	return out, nil
}

// PMF stores in dst, reusing its memory when large enough, the
// distribution of the number of repeat purchases of a new customer in
// (0, t]: dst[n] = P(X(t) = n) for n = 0, 1, ..., N, N the first count
// with P(X(t) > N) <= tail (zero means DefaultTailMass; otherwise in
// [MinTailMass, 1)). For BG/NBD it is Fader, Hardie & Lee 2005, eq. 8; for
// MBG/NBD, Pareto/NBD and BG/BB the same story with their dropout (for
// BG/BB, Fader, Hardie & Shang 2010, eq. 7, where t is a whole number of
// opportunities, at most 10,000). Its mean is m's ExpectedPurchases(t).
//
// m must be a *BGNBD, *ParetoNBD or *BGBB; another model is
// ErrUnsupported. A bad t or tail is a *ParamError, a sum that does not
// converge an error wrapping ErrNotConverged.
func PMF(dst []float64, m PurchaseModel, t float64, tail float64) ([]float64, error) {
	if b, ok := m.(*BGBB); ok {
		return b.pmf(dst, t, tail)
	}
	out, err := ConditionalPMF(dst, m, t, Customer{ID: "new customer"}, tail)
	var ce *CustomerError
	if errors.As(err, &ce) {
		return nil, &ParamError{Param: "t", Value: t, Err: ce.Err}
	}
	return out, err
}

// condPMF of (M)BG/NBD. Given that the customer is alive at T (the
// probability probAlive), lambda ~ Gamma(r+x, alpha+T) and
// p ~ Beta(a, b+x+k) independently, and
//
//	P(X = n | alive) = E[(1-p)^n] NB(n; r+x, q) + [n>0] E[p (1-p)^(n-1)] P(NB >= n)
//	P(X >= n | alive) = E[(1-p)^(n-1)] P(NB >= n)
//
// with q = (alpha+T)/(alpha+T+t): n purchases at a Poisson rate and
// survival after each, or death at the n-th.
func (m *BGNBD) condPMF(dst []float64, t float64, c Customer, tail float64) ([]float64, bool) {
	dst = dst[:0]
	pa := m.probAlive(c)
	if t == 0 {
		return append(dst, 1), true
	}
	r1, al := m.R+c.Frequency, m.Alpha+c.T
	a, b1 := m.A, m.B+c.Frequency+m.k()
	lq := -math.Log1p(t / al) // log q
	q1 := t / (al + t)        // 1-q
	if -r1*lq > 600 {
		return m.condPMFLog(dst, pa, r1, a, b1, lq, q1, tail)
	}
	nb := math.Exp(r1 * lq)       // NB(0)
	ntail := -math.Expm1(r1 * lq) // P(NB >= 1)
	dst = append(dst, 1-pa+pa*nb)
	rest := pa * ntail // P(X >= 1)
	e1, e2 := 1.0, a/(a+b1)
	for n := 1; rest > tail; n++ {
		if n >= maxPMFTerms {
			return dst, false
		}
		fn := float64(n)
		nb *= (r1 + fn - 1) / fn * q1
		e1 *= (b1 + fn - 1) / (a + b1 + fn - 1)
		if n > 1 {
			e2 *= (b1 + fn - 2) / (a + b1 + fn - 1)
		}
		p := pa * (e1*nb + e2*ntail)
		if !num.Finite(p) {
			return dst, false
		}
		dst = append(dst, p)
		ntail = max(ntail-nb, 0)
		rest = pa * e1 * ntail
	}
	return dst, true
}

// condPMFLog is condPMF in log space, for heavy buyers whose NB(0)
// underflows: every term from log-gamma functions and P(NB >= n) from the
// regularised incomplete beta function, I_{1-q}(n, r+x).
func (m *BGNBD) condPMFLog(dst []float64, pa, r1, a, b1, lq, q1, tail float64) ([]float64, bool) {
	l1q := math.Log(q1)
	lb := lbeta(a, b1)
	dst = append(dst, 1-pa+pa*math.Exp(r1*lq))
	for n := 1; ; n++ {
		if n >= maxPMFTerms {
			return dst, false
		}
		fn := float64(n)
		lnb := lgamma(r1+fn) - lgamma(r1) - lgamma(fn+1) + r1*lq + fn*l1q
		e1 := math.Exp(lbeta(a, b1+fn) - lb)
		e2 := math.Exp(lbeta(a+1, b1+fn-1) - lb)
		p := pa * (e1*math.Exp(lnb) + e2*mathext.RegIncBeta(fn, r1, q1))
		if !num.Finite(p) {
			return dst, false
		}
		dst = append(dst, p)
		if rest := pa * e1 * mathext.RegIncBeta(fn+1, r1, q1); rest <= tail && fn > r1*q1/(1-q1) {
			return dst, true
		}
	}
}

// Gauss-Legendre nodes and weights on [0, 1], 16 points, for the
// Pareto/NBD conditional PMF.
var glx16, glw16 = func() ([]float64, []float64) {
	x, w := make([]float64, 16), make([]float64, 16)
	quad.Legendre{}.FixedLocations(x, w, 0, 1)
	return x, w
}()

// condPMF of Pareto/NBD. Given that the customer is alive at T,
// lambda ~ Gamma(r+x, alpha+T) and mu ~ Gamma(s, beta+T) independently; the
// customer either outlives the horizon (probability ((beta+T)/(beta+T+t))^s)
// or dies at y in (0, t), so that
//
//	P(X = n | alive) = ((beta+T)/(beta+T+t))^s NB(n; r+x, (alpha+T)/(alpha+T+t))
//	    + s (beta+T)^s integral_0^t NB(n; r+x, (alpha+T)/(alpha+T+y)) (beta+T+y)^-(s+1) dy
//
// The integral, with u = y/(alpha+T+y), is
//
//	s (alpha+T)/(beta+T) integral_0^U Gamma(r+x+n)/(Gamma(r+x) n!) u^n (1-u)^(r+x+s-1)
//	    (1 + (alpha-beta) u/(beta+T))^-(s+1) du,   U = t/(alpha+T+t),
//
// a Beta-like integrand, summed in w = -log(1-u) (which spreads the end
// near u = 1 of a long horizon) by Gauss-Legendre quadrature on panels
// narrow against its width, each node's term advanced in n by its ratio
// (r+x+n-1)/n u. X never exceeds the Poisson count of the whole horizon,
// so P(X > n | alive) <= P(NB > n) bounds the left-out mass.
func (m *ParetoNBD) condPMF(dst []float64, t float64, c Customer, tail float64) ([]float64, bool) {
	dst = dst[:0]
	pa, ok := m.probAlive(c)
	if !ok {
		return dst, false
	}
	if t == 0 {
		return append(dst, 1), true
	}
	r1, al, be, s := m.R+c.Frequency, m.Alpha+c.T, m.Beta+c.T, m.S
	lq := -math.Log1p(t / al)
	q1 := t / (al + t) // U, and 1-q of the NB
	if (r1+s+1)*-lq > 600 {
		return m.condPMFLog(dst, pa, r1, al, be, t, tail)
	}
	sur := math.Exp(-s * math.Log1p(t/be))
	// The integral in w = -log(1-u), over [0, W] with W = log(1 + t/(alpha+T)),
	// where the integrand u^n e^(-(r+x+s) w) (1 + (alpha-beta) u/(beta+T))^-(s+1)
	// is smooth: panels narrow against the decay rate r+x+s and at most
	// one unit wide.
	W := -lq
	panels := int(math.Ceil(W * max((r1+s+1)/6, 1)))
	panels = min(max(panels, 1), 128)
	nodes := panels * len(glx16)
	var buf [64 * 16 * 2]float64
	var pu []float64
	if 2*nodes <= len(buf) {
		pu = buf[:2*nodes]
	} else {
		pu = make([]float64, 2*nodes)
	}
	p, u := pu[:nodes], pu[nodes:]
	h := W / float64(panels)
	lc := math.Log(s * al / be)
	for i := range panels {
		for j, x := range glx16 {
			w := h * (float64(i) + x)
			v := -math.Expm1(-w)
			k := i*len(glx16) + j
			u[k] = v
			p[k] = math.Exp(lc-(r1+s)*w-(s+1)*math.Log1p((al-be)*v/be)) * h * glw16[j]
		}
	}
	nb := math.Exp(r1 * lq)
	ntail := -math.Expm1(r1 * lq)
	integ := 0.0
	for _, v := range p {
		integ += v
	}
	dst = append(dst, 1-pa+pa*(sur*nb+integ))
	for n := 1; pa*ntail > tail; n++ {
		if n >= maxPMFTerms {
			return dst, false
		}
		fn := float64(n)
		f := (r1 + fn - 1) / fn
		nb *= f * q1
		integ = 0
		for k, v := range u {
			p[k] *= f * v
			integ += p[k]
		}
		pr := pa * (sur*nb + integ)
		if !num.Finite(pr) {
			return dst, false
		}
		dst = append(dst, pr)
		ntail = max(ntail-nb, 0)
	}
	return dst, true
}

// condPMFLog is condPMF in log space for heavy buyers: the integral by
// adaptive quadrature term by term, the tail from the incomplete beta
// function.
func (m *ParetoNBD) condPMFLog(dst []float64, pa, r1, al, be, t, tail float64) ([]float64, bool) {
	s := m.S
	lq := -math.Log1p(t / al)
	q1 := t / (al + t)
	l1q := math.Log(q1)
	lsur := -s * math.Log1p(t/be)
	lc := math.Log(s * al / be)
	for n := 0; ; n++ {
		if n >= maxPMFTerms {
			return dst, false
		}
		fn := float64(n)
		lcn := lgamma(r1+fn) - lgamma(r1) - lgamma(fn+1)
		lnb := lcn + r1*lq + fn*l1q
		// The integrand's log at its peak scales it to about 1.
		peak := min(fn/(fn+r1+s-1), q1)
		g := func(v float64) float64 {
			return lc + lcn + fn*math.Log(v) + (r1+s-1)*math.Log1p(-v) - (s+1)*math.Log1p((al-be)*v/be)
		}
		top := g(max(peak, 1e-300))
		// The integrand is a Beta-like bump: integrate over 40 of its
		// standard deviations either side of the peak, beyond which it is
		// below exp(-800) of the peak.
		sd := math.Sqrt(peak*(1-peak)/(fn+r1+s)) + 1/(fn+r1+s)
		lo, hi := max(0, peak-40*sd), min(q1, peak+40*sd)
		v, ok := integrate(func(v float64) float64 {
			if v == 0 {
				if n == 0 {
					return math.Exp(g(0) - top)
				}
				return 0
			}
			return math.Exp(g(v) - top)
		}, lo, hi, 1e-10)
		if !ok {
			return dst, false
		}
		pr := pa * (math.Exp(lsur+lnb) + v*math.Exp(top))
		if n == 0 {
			pr += 1 - pa
		}
		if !num.Finite(pr) {
			return dst, false
		}
		dst = append(dst, pr)
		if n > 0 && pa*mathext.RegIncBeta(fn+1, r1, q1) <= tail && fn > r1*q1/(1-q1) {
			return dst, true
		}
	}
}

// pmf is PMF for BG/BB (Fader, Hardie & Shang 2010, eq. 7): for x
// transactions in n opportunities,
//
//	P(X(n) = x) = C(n,x) B(alpha+x, beta+n-x)/B(alpha,beta) B(gamma, delta+n)/B(gamma,delta)
//	    + sum_{i=x}^{n-1} C(i,x) B(alpha+x, beta+i-x)/B(alpha,beta) B(gamma+1, delta+i)/B(gamma,delta)
//
// alive through all n opportunities, or through i of them and gone at
// the next.
func (m *BGBB) pmf(dst []float64, t float64, tail float64) ([]float64, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	if err := checkHorizon(t); err != nil {
		return nil, err
	}
	if t != math.Trunc(t) || t > 10000 {
		return nil, &ParamError{Param: "t", Value: t, Err: fmt.Errorf("%w: BG/BB horizon must be a whole number of opportunities up to 10000", ErrInvalidParam)}
	}
	tail, err := checkTail(tail)
	if err != nil {
		return nil, err
	}
	n := int(t)
	if cap(dst) < n+1 {
		dst = make([]float64, n+1)
	}
	dst = dst[:n+1]
	clear(dst)
	a, b, g, d := m.Alpha, m.Beta, m.Gamma, m.Delta
	lab, lgd := lbeta(a, b), lbeta(g, d)
	lchoose := func(i, x int) float64 {
		return lgamma(float64(i+1)) - lgamma(float64(x+1)) - lgamma(float64(i-x+1))
	}
	ls := lbeta(g, d+t) - lgd
	for x := 0; x <= n; x++ {
		fx := float64(x)
		dst[x] = math.Exp(lchoose(n, x) + lbeta(a+fx, b+t-fx) - lab + ls)
	}
	for i := range n {
		ld := lbeta(g+1, d+float64(i)) - lgd
		for x := 0; x <= i; x++ {
			fx := float64(x)
			dst[x] += math.Exp(lchoose(i, x) + lbeta(a+fx, b+float64(i)-fx) - lab + ld)
		}
	}
	// Trim the tail that the caller leaves out.
	rest := 0.0
	end := len(dst)
	for end > 1 && rest+dst[end-1] <= tail {
		rest += dst[end-1]
		end--
	}
	for _, v := range dst[:end] {
		if !num.Finite(v) {
			return nil, &ParamError{Param: "t", Value: t, Err: fmt.Errorf("%w: BG/BB PMF", ErrNotConverged)}
		}
	}
	return dst[:end], nil
}
