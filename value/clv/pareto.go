package clv

import (
	"context"
	"fmt"
	"math"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/num"
	"github.com/cvmkit/cvm/internal/parallel"
	"gonum.org/v1/gonum/mathext"
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
// the package documentation for the likelihood. The gradient is
// analytic (the hypergeometric series and the quadrature differentiated
// with the likelihood). Errors are as for FitBGNBD.
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
	m.Info.Warnings = purchaseWarnings(cs)
	m.Card = purchaseCard(m, cs, set, info)
	return m, nil
}

// fitParetoIndexed fits Pareto/NBD to indexed rows; the model has no card.
func fitParetoIndexed(ctx context.Context, d *indexed, set FitSettings) (*ParetoNBD, FitInfo, error) {
	ev := &paretoEval{d: d}
	f := &fitter{names: paretoNames, obj: ev.ll, analytic: true, n: d.n, rows: len(d.rows)}
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

// paretoEval evaluates the Pareto/NBD log-likelihood and gradient over
// indexed rows. A0 is a difference of G at max(alpha, beta) + t_x and at
// max(alpha, beta) + T (see paretoLG), so G is computed once per distinct
// (x, t_x) and (x, T) pair, not per row: on 100,000 synthetic customers,
// 22,000 pairs against 80,000 rows.
type paretoEval struct {
	d     *indexed
	parts [][5]float64
	// per distinct x: lgamma(r+x), digamma(r+x), log(r+s+x)
	lgx, psix, lrsx []float64
	// per distinct T: log(alpha+T), log(beta+T)
	lat, lbt []float64
	// the distinct (x, t_x) and (x, T) pairs, and each row's pairs
	pairTx, pairT [][2]int32
	rowTx, rowT   []int32
	gTx, gT       []paretoLG
	okTx, okT     []bool
	quadTx        []bool // the pair's A0 is integrated (argument near 1)
}

// pairs builds the pair indexes of e.d.
func (e *paretoEval) pairs() {
	d := e.d
	index := func(key func(irow) [2]int32) ([][2]int32, []int32) {
		m := map[[2]int32]int32{}
		var list [][2]int32
		of := make([]int32, len(d.rows))
		for i, r := range d.rows {
			k := key(r)
			id, ok := m[k]
			if !ok {
				id = int32(len(list))
				m[k] = id
				list = append(list, k)
			}
			of[i] = id
		}
		return list, of
	}
	e.pairTx, e.rowTx = index(func(r irow) [2]int32 { return [2]int32{r.ix, r.itx} })
	e.pairT, e.rowT = index(func(r irow) [2]int32 { return [2]int32{r.ix, r.it} })
	e.gTx, e.okTx, e.quadTx = make([]paretoLG, len(e.pairTx)), make([]bool, len(e.pairTx)), make([]bool, len(e.pairTx))
	e.gT, e.okT = make([]paretoLG, len(e.pairT)), make([]bool, len(e.pairT))
	e.lgx, e.psix, e.lrsx = make([]float64, len(d.xs)), make([]float64, len(d.xs)), make([]float64, len(d.xs))
	e.lat, e.lbt = make([]float64, len(d.ts)), make([]float64, len(d.ts))
}

// pairChunk is the number of (x, t) pairs one worker evaluates at a time.
const pairChunk = 2048

// ll returns the total Pareto/NBD log-likelihood at (r, alpha, s, beta)
// and, when grad is not nil, its gradient:
//
//	LL = lgamma(r+x) - lgamma(r) + r log(alpha) + s log(beta) + log(E + s I)
//	E  = (alpha+T)^-(r+x) (beta+T)^-s
//	I  = integral_{t_x}^{T} (alpha+tau)^-(r+x) (beta+tau)^-(s+1) dtau = A0/(r+s+x)
//
// differentiated in closed form except for the derivatives of I, which
// come from the differentiated series or quadrature (paretoIntGradQuad and the series in paretoG).
func (e *paretoEval) ll(theta, grad []float64) (float64, bool) {
	r, alpha, s, beta := theta[0], theta[1], theta[2], theta[3]
	wantGrad := grad != nil
	d := e.d
	if e.lgx == nil {
		e.pairs()
	}
	for i, x := range d.xs {
		e.lgx[i] = lgamma(r + x)
		e.lrsx[i] = math.Log(r + s + x)
		if wantGrad {
			e.psix[i] = mathext.Digamma(r + x)
		}
	}
	for i, t := range d.ts {
		e.lat[i], e.lbt[i] = math.Log(alpha+t), math.Log(beta+t)
	}
	low := alpha < beta
	lo, hi := alpha, beta
	if !low {
		lo, hi = beta, alpha
	}
	dd := hi - lo
	tOf := func(x float64) float64 {
		if low {
			return r + x
		}
		return s + 1
	}
	parallel.Chunks(len(e.pairTx), pairChunk, func(_, a, b int) {
		for k := a; k < b; k++ {
			x, tx := d.xs[e.pairTx[k][0]], d.txs[e.pairTx[k][1]]
			if dd/(hi+tx) > 1-hypSlowGap {
				e.quadTx[k], e.okTx[k] = true, true
				continue
			}
			e.quadTx[k] = false
			e.gTx[k], e.okTx[k] = paretoG(r+s+x, tOf(x), dd, hi+tx, low, wantGrad)
		}
	})
	parallel.Chunks(len(e.pairT), pairChunk, func(_, a, b int) {
		for k := a; k < b; k++ {
			x, T := d.xs[e.pairT[k][0]], d.ts[e.pairT[k][1]]
			if dd/(hi+T) > 1-hypSlowGap {
				e.okT[k] = true // only rows integrated whole use this end
				continue
			}
			e.gT[k], e.okT[k] = paretoG(r+s+x, tOf(x), dd, hi+T, low, wantGrad)
		}
	})
	rows := d.rows
	nch := (len(rows) + chunkSize - 1) / chunkSize
	if cap(e.parts) < nch {
		e.parts = make([][5]float64, nch)
	}
	parts := e.parts[:nch]
	la, lb, ls := math.Log(alpha), math.Log(beta), math.Log(s)
	base := -lgamma(r) + r*la + s*lb
	var psir float64
	if wantGrad {
		psir = mathext.Digamma(r)
	}
	parallelChunks(len(rows), func(c, lo, hi int) {
		var sum, gr, ga, gs, gb float64
		for i := lo; i < hi; i++ {
			row := rows[i]
			x, tx, T := d.xs[row.ix], d.txs[row.itx], d.ts[row.it]
			lat, lbt := e.lat[row.it], e.lbt[row.it]
			lE := -(r+x)*lat - s*lbt
			var ig intGrad
			switch p1, p2 := e.rowTx[i], e.rowT[i]; {
			case tx >= T:
				ig = intGrad{v: math.Inf(-1)}
			case e.quadTx[p1] && wantGrad:
				var ok bool
				if ig, ok = paretoIntGradQuad(r, alpha, s, beta, x, tx, T); !ok {
					sum = math.NaN()
				}
			case e.quadTx[p1]:
				la0, ok := paretoLogA0Quad(r, alpha, s, beta, x, tx, T)
				if !ok {
					sum = math.NaN()
				}
				ig = intGrad{v: la0 - e.lrsx[row.ix]}
			case !e.okTx[p1] || !e.okT[p2]:
				sum = math.NaN()
			default:
				ig = combineG(e.gTx[p1], e.gT[p2], r+s+x, e.lrsx[row.ix])
			}
			if math.IsNaN(sum) {
				break
			}
			lS := ls + ig.v
			tot := logAddExp(lE, lS)
			sum += row.w * (e.lgx[row.ix] + tot + base)
			if !wantGrad {
				continue
			}
			// The weights of the two terms sum to 1; the smaller is
			// exponentiated.
			var wE, wS float64
			switch {
			case math.IsInf(ig.v, -1):
				wE = 1
			case lE > lS:
				wS = math.Exp(lS - tot)
				wE = 1 - wS
			default:
				wE = math.Exp(lE - tot)
				wS = 1 - wE
			}
			gr += row.w * (e.psix[row.ix] - psir + la - wE*lat + wS*ig.p)
			ga += row.w * (r/alpha - wE*(r+x)/(alpha+T) + wS*ig.alpha)
			gs += row.w * (lb - wE*lbt + wS*(1/s+ig.q))
			gb += row.w * (s/beta - wE*s/(beta+T) + wS*ig.beta)
		}
		parts[c] = [5]float64{sum, gr, ga, gs, gb}
	})
	return sumParts(parts, grad, wantGrad)
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
