package clv

import (
	"context"
	"fmt"
	"math"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/num"
)

// ParetoNBD is a fitted Pareto/NBD model (Schmittlein, Morrison & Colombo
// 1987): purchase rates are Gamma(R, Alpha) and dropout rates Gamma(S,
// Beta) distributed, both per time unit.
//
// A *ParetoNBD is not modified by its methods and is safe for concurrent
// reads. A model built by hand must have all four parameters positive and
// finite; methods return a *ParamError otherwise.
type ParetoNBD struct {
	R, Alpha, S, Beta float64
	Info              FitInfo        // zero for a model built by hand
	Card              *cvm.ModelCard // where the fit came from; nil for a model built by hand
}

var paretoNames = []string{"r", "alpha", "s", "beta"}

func (m *ParetoNBD) params() []float64 { return []float64{m.R, m.Alpha, m.S, m.Beta} }
func (m *ParetoNBD) check() error      { return checkParams(paretoNames, m.params()) }

// Name returns "pareto".
func (m *ParetoNBD) Name() string { return "pareto" }

// FitParetoNBD fits the Pareto/NBD model to cs by maximum likelihood; see
// the package documentation for the likelihood. The gradient is taken by
// central differences. Errors are as for FitBGNBD.
func FitParetoNBD(ctx context.Context, cs []Customer, s *FitSettings) (*ParetoNBD, error) {
	set, err := checkSettings(s, paretoNames, len(cs))
	if err != nil {
		return nil, err
	}
	d, err := newIndexed(cs)
	if err != nil {
		return nil, err
	}
	m, info, err := fitParetoIndexed(ctx, d, set)
	if err != nil {
		return nil, err
	}
	m.Card = purchaseCard(m, cs, set, info)
	return m, nil
}

// fitParetoIndexed fits Pareto/NBD to indexed rows; the model has no card.
func fitParetoIndexed(ctx context.Context, d *indexed, set FitSettings) (*ParetoNBD, FitInfo, error) {
	ev := &paretoEval{d: d}
	f := &fitter{names: paretoNames, obj: ev.ll, n: d.n, rows: len(d.rows)}
	th, info, err := f.run(ctx, set)
	if err != nil {
		return nil, info, err
	}
	return &ParetoNBD{R: th[0], Alpha: th[1], S: th[2], Beta: th[3], Info: info}, info, nil
}

// LogLikelihood returns the total log-likelihood of cs under m. Errors are
// as for BGNBD.LogLikelihood.
func (m *ParetoNBD) LogLikelihood(cs []Customer) (float64, error) {
	if err := m.check(); err != nil {
		return 0, err
	}
	d, err := newIndexed(cs)
	if err != nil {
		return 0, err
	}
	ll, ok := (&paretoEval{d: d}).ll(m.params(), nil)
	if !ok {
		return 0, fmt.Errorf("%w: log-likelihood is not finite", ErrNotConverged)
	}
	return ll, nil
}

type paretoEval struct {
	d     *indexed
	parts []float64
}

// ll returns the total Pareto/NBD log-likelihood at (r, alpha, s, beta);
// grad is ignored (the fitter differentiates numerically).
func (e *paretoEval) ll(theta, _ []float64) (float64, bool) {
	r, alpha, s, beta := theta[0], theta[1], theta[2], theta[3]
	rows := e.d.rows
	nch := (len(rows) + chunkSize - 1) / chunkSize
	if cap(e.parts) < nch {
		e.parts = make([]float64, nch)
	}
	parts := e.parts[:nch]
	base := -lgamma(r) + r*math.Log(alpha) + s*math.Log(beta)
	parallelChunks(len(rows), func(c, lo, hi int) {
		var sum float64
		for _, row := range rows[lo:hi] {
			x, tx, T := e.d.xs[row.ix], e.d.txs[row.itx], e.d.ts[row.it]
			l, ok := paretoLL(r, alpha, s, beta, x, tx, T)
			if !ok {
				sum = math.NaN()
				break
			}
			sum += row.w * (l + base)
		}
		parts[c] = sum
	})
	var tot float64
	for _, p := range parts {
		tot += p
	}
	return tot, num.Finite(tot)
}

// paretoLL returns one customer's log-likelihood without the terms
// -lgamma(r) + r log(alpha) + s log(beta) that all customers share:
//
//	LL = lgamma(r+x) - lgamma(r) + r log(alpha) + s log(beta)
//	   + log( (alpha+T)^-(r+x) (beta+T)^-s + s/(r+s+x) A0 )
func paretoLL(r, alpha, s, beta, x, tx, T float64) (float64, bool) {
	la0, ok := paretoLogA0(r, alpha, s, beta, x, tx, T)
	if !ok {
		return 0, false
	}
	rsx := r + s + x
	a2 := logAddExp(-(r+x)*math.Log(alpha+T)-s*math.Log(beta+T), math.Log(s)+la0-math.Log(rsx))
	return lgamma(r+x) + a2, num.Finite(a2)
}

// paretoLogA0 returns log A0 of the Pareto/NBD likelihood (Fader & Hardie
// 2005, "A note on deriving the Pareto/NBD model", eq. 22-23): with
// (m, M, t) = (alpha, beta, r+x) when alpha < beta and (beta, alpha, s+1)
// otherwise,
//
//	A0 = 2F1(r+s+x, t; r+s+x+1; (M-m)/(M+t_x)) / (M+t_x)^(r+s+x)
//	   - 2F1(r+s+x, t; r+s+x+1; (M-m)/(M+T))   / (M+T)^(r+s+x)
//
// evaluated in log space. It is -Inf when t_x = T. When the argument of
// the series is within hypSlowGap of 1, where the series converges
// slowly, the integral form of paretoLogA0Quad is used instead.
// hypSlowGap is the distance from 1 of the hypergeometric argument below
// which A0 is integrated numerically rather than summed.
const hypSlowGap = 0.05

func paretoLogA0(r, alpha, s, beta, x, tx, T float64) (float64, bool) {
	if tx >= T {
		return math.Inf(-1), true
	}
	lo, hi, t := alpha, beta, r+x
	if alpha >= beta {
		lo, hi, t = beta, alpha, s+1
	}
	rsx := r + s + x
	d := hi - lo
	q1, q2 := hi+tx, hi+T
	if d/q1 > 1-hypSlowGap {
		// The series would need thousands of terms: integrate instead.
		return paretoLogA0Quad(r, alpha, s, beta, x, tx, T)
	}
	lp1, ok1 := log2F1(rsx, t, rsx+1, d/q1)
	lp2, ok2 := log2F1(rsx, t, rsx+1, d/q2)
	if !ok1 || !ok2 {
		return 0, false
	}
	lq1, lq2 := math.Log(q1), math.Log(q2)
	u, v := lp1-rsx*lq1, lp2-rsx*lq2
	if v >= u {
		return math.Inf(-1), true
	}
	return logSubExp(u, v), true
}

// ProbAlive returns the probability that a customer with history c is
// still alive at the end of calibration:
//
//	P(alive) = 1 / (1 + s/(r+s+x) (alpha+T)^(r+x) (beta+T)^s A0)
//
// Errors are as for BGNBD.ProbAlive.
func (m *ParetoNBD) ProbAlive(c Customer) (float64, error) {
	if err := m.check(); err != nil {
		return 0, err
	}
	if err := c.validate(0); err != nil {
		return 0, err
	}
	p, ok := m.probAlive(c)
	if !ok {
		return 0, &CustomerError{Customer: c.ID, Field: "prediction", Err: ErrNotConverged}
	}
	return p, nil
}

func (m *ParetoNBD) probAlive(c Customer) (float64, bool) {
	r, alpha, s, beta := m.R, m.Alpha, m.S, m.Beta
	x, T := c.Frequency, c.T
	la0, ok := paretoLogA0(r, alpha, s, beta, x, c.Recency, T)
	if !ok {
		return 0, false
	}
	logit := math.Log(s) - math.Log(r+s+x) + (r+x)*math.Log(alpha+T) + s*math.Log(beta+T) + la0
	return invLogit(-logit), true
}

// ConditionalExpectedPurchases returns the expected number of purchases in
// the next t time units of a customer with history c (Schmittlein et al.
// 1987; Fader, Hardie & Lee 2005b):
//
//	E[Y(t) | x, t_x, T] = P(alive) (r+x)(beta+T) / ((alpha+T)(s-1))
//	                      [1 - ((beta+T)/(beta+T+t))^(s-1)]
//
// with the limit (r+x)(beta+T)/(alpha+T) log((beta+T+t)/(beta+T)) at s = 1.
// Errors are as for BGNBD.ConditionalExpectedPurchases.
func (m *ParetoNBD) ConditionalExpectedPurchases(t float64, c Customer) (float64, error) {
	if err := m.check(); err != nil {
		return 0, err
	}
	if err := checkHorizon(t); err != nil {
		return 0, err
	}
	if err := c.validate(0); err != nil {
		return 0, err
	}
	v, ok := m.condExp(t, c)
	if !ok {
		return 0, &CustomerError{Customer: c.ID, Field: "prediction", Err: ErrNotConverged}
	}
	return v, nil
}

func (m *ParetoNBD) condExp(t float64, c Customer) (float64, bool) {
	if t == 0 {
		return 0, true
	}
	p, ok := m.probAlive(c)
	if !ok {
		return 0, false
	}
	r, alpha, s, beta := m.R, m.Alpha, m.S, m.Beta
	x, T := c.Frequency, c.T
	lu := math.Log(beta+T) - math.Log(beta+T+t) // log u, u in (0, 1]
	var g float64
	if math.Abs(s-1) < 1e-10 {
		g = -lu
	} else {
		g = -math.Expm1((s-1)*lu) / (s - 1)
	}
	v := p * (r + x) * (beta + T) / (alpha + T) * g
	return v, num.Finite(v) && v >= 0
}

// ExpectedPurchases returns the expected number of repeat purchases in
// (0, t] of a customer who made a first purchase at time 0:
//
//	E[X(t)] = r beta / (alpha (s-1)) [1 - (beta/(beta+t))^(s-1)]
//
// Errors are as for ConditionalExpectedPurchases.
func (m *ParetoNBD) ExpectedPurchases(t float64) (float64, error) {
	return m.ConditionalExpectedPurchases(t, Customer{})
}
