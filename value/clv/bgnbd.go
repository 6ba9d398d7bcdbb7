package clv

import (
	"context"
	"fmt"
	"math"

	"github.com/cvmkit/cvm"

	"github.com/cvmkit/cvm/internal/num"
	"gonum.org/v1/gonum/mathext"
)

// BGNBD is a fitted BG/NBD model (Fader, Hardie & Lee 2005) or, with
// Modified set, an MBG/NBD model (Batislam, Denizel & Filiztekin 2007).
// Purchase rates are Gamma(R, Alpha) distributed (Alpha a rate per time
// unit) and dropout probabilities Beta(A, B).
//
// A *BGNBD is not modified by its methods and is safe for concurrent
// reads. A model built by hand must have all four parameters positive and
// finite; methods return a *ParamError otherwise.
type BGNBD struct {
	Modified       bool // MBG/NBD: the customer may also drop out at the first purchase
	R, Alpha, A, B float64
	Info           FitInfo        // zero for a model built by hand
	Card           *cvm.ModelCard // where the fit came from; nil for a model built by hand
}

var bgNames = []string{"r", "alpha", "a", "b"}

func (m *BGNBD) params() []float64 { return []float64{m.R, m.Alpha, m.A, m.B} }

// Name returns "bgnbd" or "mbgnbd".
func (m *BGNBD) Name() string {
	if m.Modified {
		return "mbgnbd"
	}
	return "bgnbd"
}

func checkParams(names []string, vals []float64) error {
	for i, v := range vals {
		if !(v > 0) || math.IsInf(v, 0) {
			return &ParamError{Param: names[i], Value: v, Err: fmt.Errorf("%w: must be positive and finite", ErrInvalidParam)}
		}
	}
	return nil
}

func (m *BGNBD) check() error { return checkParams(bgNames, m.params()) }

// k returns 1 for MBG/NBD and 0 for BG/NBD.
func (m *BGNBD) k() float64 {
	if m.Modified {
		return 1
	}
	return 0
}

// FitBGNBD fits the BG/NBD model to cs by maximum likelihood; see
// the package documentation for the likelihood. Customers with identical
// (Frequency, Recency, T) are evaluated once. s may be nil.
//
// The fitted model's Card records the fit (see FitSettings.Source). It
// returns ErrEmptyInput for empty cs, a *CustomerError for a customer with
// a negative, NaN or infinite value, a *ParamError for bad settings, an
// error wrapping ErrNotConverged when the optimiser fails, and ctx.Err()
// when ctx is done before the fit ends (checked after every evaluation of
// the likelihood).
func FitBGNBD(ctx context.Context, cs []Customer, s *FitSettings) (*BGNBD, error) {
	return fitBG(ctx, cs, s, false)
}

// FitMBGNBD fits the MBG/NBD model (Batislam, Denizel & Filiztekin 2007)
// like FitBGNBD.
func FitMBGNBD(ctx context.Context, cs []Customer, s *FitSettings) (*BGNBD, error) {
	return fitBG(ctx, cs, s, true)
}

func fitBG(ctx context.Context, cs []Customer, s *FitSettings, modified bool) (*BGNBD, error) {
	set, err := checkSettings(s, bgNames, len(cs))
	if err != nil {
		return nil, err
	}
	d, err := newIndexed(cs)
	if err != nil {
		return nil, err
	}
	m, info, err := fitBGIndexed(ctx, d, set, modified)
	if err != nil {
		return nil, err
	}
	m.Info.Warnings = purchaseWarnings(cs)
	m.Card = purchaseCard(m, cs, set, info)
	return m, nil
}

// fitBGIndexed fits (M)BG/NBD to indexed rows; the model has no card.
func fitBGIndexed(ctx context.Context, d *indexed, set FitSettings, modified bool) (*BGNBD, FitInfo, error) {
	ev := newBGEval(d, modified)
	f := &fitter{names: bgNames, obj: ev.ll, analytic: true, n: d.n, rows: len(d.rows)}
	th, info, err := f.run(ctx, set)
	if err != nil {
		return nil, info, err
	}
	return &BGNBD{Modified: modified, R: th[0], Alpha: th[1], A: th[2], B: th[3], Info: info}, info, nil
}

// LogLikelihood returns the total log-likelihood of cs under m. It returns
// ErrEmptyInput for empty cs, a *CustomerError for an invalid customer and
// a *ParamError for an invalid parameter.
func (m *BGNBD) LogLikelihood(cs []Customer) (float64, error) {
	if err := m.check(); err != nil {
		return 0, err
	}
	d, err := newIndexed(cs)
	if err != nil {
		return 0, err
	}
	ll, ok := newBGEval(d, m.Modified).ll(m.params(), nil)
	if !ok {
		return 0, fmt.Errorf("%w: log-likelihood is not finite", ErrNotConverged)
	}
	return ll, nil
}

// bgEval evaluates the (M)BG/NBD log-likelihood and gradient over indexed
// data, caching the terms that depend on x, t_x or T alone.
type bgEval struct {
	d *indexed
	k float64
	// per distinct x
	a12, dr1, da2, db2, la4, db4, rx []float64
	has4                             []bool
	// per distinct t_x and T: log(alpha + t), 1/(alpha + t)
	ltx, itx, lt, it []float64
	parts            [][5]float64
}

func newBGEval(d *indexed, modified bool) *bgEval {
	e := &bgEval{d: d}
	if modified {
		e.k = 1
	}
	nx := len(d.xs)
	e.a12, e.dr1, e.da2, e.db2 = make([]float64, nx), make([]float64, nx), make([]float64, nx), make([]float64, nx)
	e.la4, e.db4, e.rx, e.has4 = make([]float64, nx), make([]float64, nx), make([]float64, nx), make([]bool, nx)
	e.ltx, e.itx = make([]float64, len(d.txs)), make([]float64, len(d.txs))
	e.lt, e.it = make([]float64, len(d.ts)), make([]float64, len(d.ts))
	return e
}

// ll returns the total log-likelihood at theta = (r, alpha, a, b) and its
// gradient in grad when non-nil.
//
//	LL = A1 + A2 + log(exp(A3) + [x>0 or MBG] exp(A4))
//	A1 = lgamma(r+x) - lgamma(r) + r log(alpha)
//	A2 = lbeta(a, b+x+k) - lbeta(a, b)
//	A3 = -(r+x) log(alpha+T)
//	A4 = log(a) - log(b+x+k-1) - (r+x) log(alpha+t_x)
//
// with k = 0 for BG/NBD and k = 1 for MBG/NBD.
func (e *bgEval) ll(theta, grad []float64) (float64, bool) {
	r, alpha, a, b := theta[0], theta[1], theta[2], theta[3]
	k := e.k
	wantGrad := grad != nil
	lgr := lgamma(r)
	lalpha := math.Log(alpha)
	lab, lb := lgamma(a+b), lgamma(b)
	var psir, psiab, psib float64
	if wantGrad {
		psir, psiab, psib = mathext.Digamma(r), mathext.Digamma(a+b), mathext.Digamma(b)
	}
	la := math.Log(a)
	for i, x := range e.d.xs {
		e.rx[i] = r + x
		e.a12[i] = lgamma(r+x) - lgr + r*lalpha + lab + lgamma(b+x+k) - lb - lgamma(a+b+x+k)
		e.has4[i] = x > 0 || k == 1
		if e.has4[i] {
			e.la4[i] = la - math.Log(b+x+k-1)
			e.db4[i] = -1 / (b + x + k - 1)
		}
		if wantGrad {
			e.dr1[i] = mathext.Digamma(r+x) - psir + lalpha
			psiabx := mathext.Digamma(a + b + x + k)
			e.da2[i] = psiab - psiabx
			e.db2[i] = psiab + mathext.Digamma(b+x+k) - psib - psiabx
		}
	}
	for i, t := range e.d.txs {
		e.ltx[i], e.itx[i] = math.Log(alpha+t), 1/(alpha+t)
	}
	for i, t := range e.d.ts {
		e.lt[i], e.it[i] = math.Log(alpha+t), 1/(alpha+t)
	}
	rows := e.d.rows
	nch := (len(rows) + chunkSize - 1) / chunkSize
	if cap(e.parts) < nch {
		e.parts = make([][5]float64, nch)
	}
	parts := e.parts[:nch]
	parallelChunks(len(rows), func(c, lo, hi int) {
		var s, gr, gal, ga, gb float64
		for _, row := range rows[lo:hi] {
			ix := row.ix
			rx := e.rx[ix]
			lT := e.lt[row.it]
			a3 := -rx * lT
			if !e.has4[ix] {
				s += row.w * (e.a12[ix] + a3)
				if wantGrad {
					gr += row.w * (e.dr1[ix] - lT)
					gal += row.w * (r/alpha - rx*e.it[row.it])
					ga += row.w * e.da2[ix]
					gb += row.w * e.db2[ix]
				}
				continue
			}
			lTx := e.ltx[row.itx]
			a4 := e.la4[ix] - rx*lTx
			var w3, w4, l float64
			if a3 >= a4 {
				q := math.Exp(a4 - a3)
				l = a3 + math.Log(1+q)
				w3, w4 = 1/(1+q), q/(1+q)
			} else {
				q := math.Exp(a3 - a4)
				l = a4 + math.Log(1+q)
				w3, w4 = q/(1+q), 1/(1+q)
			}
			s += row.w * (e.a12[ix] + l)
			if wantGrad {
				gr += row.w * (e.dr1[ix] - w3*lT - w4*lTx)
				gal += row.w * (r/alpha - rx*(w3*e.it[row.it]+w4*e.itx[row.itx]))
				ga += row.w * (e.da2[ix] + w4/a)
				gb += row.w * (e.db2[ix] + w4*e.db4[ix])
			}
		}
		parts[c] = [5]float64{s, gr, gal, ga, gb}
	})
	return sumParts(parts, grad, wantGrad)
}

// ProbAlive returns the probability that a customer with history c is
// still alive at the end of calibration:
//
//	BG/NBD:  1 / (1 + [x>0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))
//	MBG/NBD: 1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x))
//
// It returns a *CustomerError for an invalid c (with Index 0) and a
// *ParamError for an invalid parameter.
func (m *BGNBD) ProbAlive(c Customer) (float64, error) {
	if err := m.check(); err != nil {
		return 0, err
	}
	if err := c.validate(0); err != nil {
		return 0, err
	}
	return m.probAlive(c), nil
}

func (m *BGNBD) probAlive(c Customer) float64 {
	k := m.k()
	x := c.Frequency
	if x == 0 && k == 0 {
		return 1
	}
	logit := math.Log(m.A) - math.Log(m.B+x+k-1) + (m.R+x)*(math.Log(m.Alpha+c.T)-math.Log(m.Alpha+c.Recency))
	return invLogit(-logit)
}

// invLogit returns 1/(1+exp(-z)) without overflow.
func invLogit(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// ConditionalExpectedPurchases returns the expected number of purchases in
// the next t time units of a customer with history c (Fader, Hardie & Lee
// 2005, eq. 10; Batislam et al. 2007 for MBG/NBD):
//
//	E[Y(t) | x, t_x, T] = (a+b+x+k-1)/(a-1)
//	    * [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x+k; a+b+x+k-1; t/(alpha+T+t))]
//	    / (1 + [x>0 or k=1] a/(b+x+k-1) ((alpha+T)/(alpha+t_x))^(r+x))
//
// It is 0 for t = 0. It returns a *ParamError for a negative or non-finite
// t or an invalid parameter, a *CustomerError for an invalid c, and an
// error wrapping ErrNotConverged when the hypergeometric series does not
// converge or the result is not finite (a = 1 exactly is such a case).
func (m *BGNBD) ConditionalExpectedPurchases(t float64, c Customer) (float64, error) {
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
		return 0, &CustomerError{Index: 0, Customer: c.ID, Field: "prediction", Err: ErrNotConverged}
	}
	return v, nil
}

// ConditionalExpectedPurchasesAt stores in dst, allocated when nil or too
// short, ConditionalExpectedPurchases(ts[i], c) for each horizon of ts,
// and returns it: the same values, bit for bit, with the customer's
// P(alive) computed once for all horizons (what CLV's monthly sums need).
// Errors are ConditionalExpectedPurchases'.
func (m *BGNBD) ConditionalExpectedPurchasesAt(dst, ts []float64, c Customer) ([]float64, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	for _, t := range ts {
		if err := checkHorizon(t); err != nil {
			return nil, err
		}
	}
	if err := c.validate(0); err != nil {
		return nil, err
	}
	if cap(dst) < len(ts) {
		dst = make([]float64, len(ts))
	}
	dst = dst[:len(ts)]
	pa := m.probAlive(c)
	for i, t := range ts {
		v, ok := 0.0, true
		if t != 0 {
			v, ok = m.condExpAlive(t, c, pa)
		}
		if !ok {
			return nil, &CustomerError{Index: 0, Customer: c.ID, Field: "prediction", Err: ErrNotConverged}
		}
		dst[i] = v
	}
	return dst, nil
}

// predictAt is PredictPurchasesAt for m, whose parameters are valid, and
// valid horizons ts: condExp's value for every customer and horizon, with
// the horizon's factor, 1 - (1-z)^(r+x) 2F1(...), computed once per
// distinct (x, T) by condExpAlive's expressions.
func (m *BGNBD) predictAt(dst, ts []float64, cs []Customer) error {
	// The first invalid customer; only those before it are forecast.
	n := len(cs)
	var bad error
	for i := range cs {
		if err := cs[i].validate(i); err != nil {
			n, bad = i, err
			break
		}
	}
	// Group the customers by the bits of (x, T): valid values are not
	// NaN, and values with other bits (-0 and 0) give the same results.
	xt := newIDTable(64)
	xid, tid := newIDTable(64), newIDTable(64)
	group := make([]uint32, n)
	var reps []int // a customer of each group
	for i := range n {
		kx, kt := xid.id(math.Float64bits(cs[i].Frequency)), tid.id(math.Float64bits(cs[i].T))
		g := xt.id(uint64(kx)<<32 | uint64(kt))
		if int(g) == len(reps) {
			reps = append(reps, i)
		}
		group[i] = g
	}
	k := m.k()
	r, alpha, a, b := m.R, m.Alpha, m.A, m.B
	H := len(ts)
	second := make([]float64, len(reps)*H)
	failed := make([]bool, len(reps)*H)
	parallelChunks(len(reps), func(_, lo, hi int) {
		for g := lo; g < hi; g++ {
			x, T := cs[reps[g]].Frequency, cs[reps[g]].T
			for h, t := range ts {
				if t == 0 {
					continue
				}
				z := t / (alpha + T + t)
				lf, ok := log2F1(r+x, b+x+k, a+b+x+k-1, z)
				if !ok {
					failed[g*H+h] = true
					continue
				}
				// 1 - (1-z)^(r+x) 2F1(...)
				lq := (r+x)*math.Log1p(-z) + lf
				second[g*H+h] = -math.Expm1(lq)
			}
		}
	})
	nch := (n + chunkSize - 1) / chunkSize
	first := make([]int, nch) // the first failing customer of each chunk
	parallelChunks(n, func(ch, lo, hi int) {
		first[ch] = -1
		for i := lo; i < hi; i++ {
			c := cs[i]
			x := c.Frequency
			pa := m.probAlive(c)
			f := (a + b + x + k - 1) / (a - 1)
			g := int(group[i])
			for h, t := range ts {
				if t == 0 {
					dst[i*H+h] = 0
					continue
				}
				v := f * second[g*H+h] * pa
				if failed[g*H+h] || !num.Finite(v) || v < 0 {
					first[ch] = i
					return
				}
				dst[i*H+h] = v
			}
		}
	})
	for _, i := range first {
		if i >= 0 {
			return &CustomerError{Index: i, Customer: cs[i].ID, Field: "prediction", Err: ErrNotConverged}
		}
	}
	return bad
}

func checkHorizon(t float64) error {
	if !(t >= 0) || math.IsInf(t, 0) {
		return &ParamError{Param: "t", Value: t, Err: fmt.Errorf("%w: horizon must be finite and non-negative", ErrInvalidParam)}
	}
	return nil
}

func (m *BGNBD) condExp(t float64, c Customer) (float64, bool) {
	if t == 0 {
		return 0, true
	}
	return m.condExpAlive(t, c, m.probAlive(c))
}

// condExpAlive is condExp for t > 0 with the customer's P(alive) pa, which
// does not depend on t.
func (m *BGNBD) condExpAlive(t float64, c Customer, pa float64) (float64, bool) {
	k := m.k()
	r, alpha, a, b := m.R, m.Alpha, m.A, m.B
	x, T := c.Frequency, c.T
	z := t / (alpha + T + t)
	lf, ok := log2F1(r+x, b+x+k, a+b+x+k-1, z)
	if !ok {
		return 0, false
	}
	// 1 - (1-z)^(r+x) 2F1(...)
	lq := (r+x)*math.Log1p(-z) + lf
	second := -math.Expm1(lq)
	v := (a + b + x + k - 1) / (a - 1) * second * pa
	if !num.Finite(v) || v < 0 {
		return 0, false
	}
	return v, true
}

// ExpectedPurchases returns the expected number of repeat purchases in
// (0, t] of a customer who made a first purchase at time 0 (Fader, Hardie &
// Lee 2005, eq. 9):
//
//	E[X(t)] = (a+b-1)/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b; a+b-1; t/(alpha+t))]   BG/NBD
//	E[X(t)] = b/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b+1; a+b; t/(alpha+t))]        MBG/NBD
//
// Errors are as for ConditionalExpectedPurchases.
func (m *BGNBD) ExpectedPurchases(t float64) (float64, error) {
	return m.ConditionalExpectedPurchases(t, Customer{})
}

// sumParts adds the chunks' partial sums of a four-parameter log
// likelihood, {value, gradient...}, in chunk order, copies the gradient
// into grad when wantGrad, and returns the value; ok is false when any
// total is not finite.
func sumParts(parts [][5]float64, grad []float64, wantGrad bool) (float64, bool) {
	var tot [5]float64
	for _, p := range parts {
		for j := range tot {
			tot[j] += p[j]
		}
	}
	if wantGrad {
		copy(grad, tot[1:])
	}
	for _, v := range tot {
		if !num.Finite(v) {
			return 0, false
		}
	}
	return tot[0], true
}
