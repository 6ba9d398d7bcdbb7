package clv

import (
	"context"
	"fmt"
	"math"

	"github.com/cvmkit/cvm"

	"github.com/cvmkit/cvm/internal/num"
	"gonum.org/v1/gonum/mathext"
)

// BGBB is a fitted BG/BB model (Fader, Hardie & Shang 2010) for
// discrete-time, "subscription-style" settings in which a customer has one
// transaction opportunity per period (an annual event, a weekly issue):
// while alive, a customer transacts at each opportunity with probability
// p ~ Beta(Alpha, Beta) and drops out at the start of each opportunity with
// probability theta ~ Beta(Gamma, Delta).
//
// For BG/BB a Customer's Frequency is the number of transactions x in the
// T = n repeat opportunities after the first, and Recency the opportunity
// t_x of the last one (0 when x = 0), all whole numbers with x <= t_x <= n;
// other values are a *CustomerError. Horizons are numbers of
// opportunities.
//
// A *BGBB is not modified by its methods and is safe for concurrent
// reads. A model built by hand must have all four parameters positive and
// finite; methods return a *ParamError otherwise.
type BGBB struct {
	Alpha, Beta, Gamma, Delta float64
	Info                      FitInfo        // zero for a model built by hand
	Card                      *cvm.ModelCard // where the fit came from; nil for a model built by hand
}

var bgbbNames = []string{"alpha", "beta", "gamma", "delta"}

func (m *BGBB) params() []float64 { return []float64{m.Alpha, m.Beta, m.Gamma, m.Delta} }
func (m *BGBB) check() error      { return checkParams(bgbbNames, m.params()) }

// Name returns "bgbb".
func (m *BGBB) Name() string { return "bgbb" }

var _ PurchaseModel = (*BGBB)(nil)

// validateAs checks c by validateBGBB when bgbb is set, else by
// Customer.validate.
func validateAs(c Customer, i int, bgbb bool) error {
	if bgbb {
		return validateBGBB(c, i)
	}
	return c.validate(i)
}

// validateBGBB adds the discrete-time rules to Customer.validate.
func validateBGBB(c Customer, i int) error {
	if err := c.validate(i); err != nil {
		return err
	}
	bad := func(field string, v float64, why string) error {
		return &CustomerError{Index: i, Customer: c.ID, Field: field, Err: fmt.Errorf("%w: %v %s", ErrInvalidCustomer, v, why)}
	}
	switch {
	case c.Frequency != math.Trunc(c.Frequency):
		return bad("frequency", c.Frequency, "is not a whole number of transactions")
	case c.Recency != math.Trunc(c.Recency):
		return bad("recency", c.Recency, "is not a whole opportunity")
	case c.T != math.Trunc(c.T):
		return bad("T", c.T, "is not a whole number of opportunities")
	case c.Frequency > c.Recency:
		return bad("frequency", c.Frequency, fmt.Sprintf("exceeds recency %v (one transaction per opportunity)", c.Recency))
	case c.T > 1e7:
		return bad("T", c.T, "exceeds 1e7 opportunities")
	}
	return nil
}

// FitBGBB fits the BG/BB model to cs by maximum likelihood, with the
// gradient by central differences; see BGBB for the meaning of the
// customer fields. Errors are as for FitBGNBD.
func FitBGBB(ctx context.Context, cs []Customer, s *FitSettings) (*BGBB, error) {
	set, err := checkSettings(s, bgbbNames, len(cs))
	if err != nil {
		return nil, err
	}
	d, err := newIndexedBGBB(cs)
	if err != nil {
		return nil, err
	}
	m, info, err := fitBGBBIndexed(ctx, d, set)
	if err != nil {
		return nil, err
	}
	m.Card = purchaseCard(m, cs, set, info)
	return m, nil
}

// fitBGBBIndexed fits BG/BB to indexed rows; the model has no card.
func fitBGBBIndexed(ctx context.Context, d *indexed, set FitSettings) (*BGBB, FitInfo, error) {
	ev := &bgbbEval{d: d}
	f := &fitter{names: bgbbNames, obj: ev.ll, n: d.n, rows: len(d.rows)}
	th, info, err := f.run(ctx, set)
	if err != nil {
		return nil, info, err
	}
	return &BGBB{Alpha: th[0], Beta: th[1], Gamma: th[2], Delta: th[3], Info: info}, info, nil
}

func newIndexedBGBB(cs []Customer) (*indexed, error) {
	if len(cs) == 0 {
		return nil, ErrEmptyInput
	}
	for i, c := range cs {
		if err := validateBGBB(c, i); err != nil {
			return nil, err
		}
	}
	return indexRows(Compress(cs)), nil
}

// LogLikelihood returns the total BG/BB log-likelihood of cs. Errors are
// as for BGNBD.LogLikelihood.
func (m *BGBB) LogLikelihood(cs []Customer) (float64, error) {
	if err := m.check(); err != nil {
		return 0, err
	}
	d, err := newIndexedBGBB(cs)
	if err != nil {
		return 0, err
	}
	ll, ok := (&bgbbEval{d: d}).ll(m.params(), nil)
	if !ok {
		return 0, fmt.Errorf("%w: log-likelihood is not finite", ErrNotConverged)
	}
	return ll, nil
}

type bgbbEval struct {
	d     *indexed
	parts []float64
}

func (e *bgbbEval) ll(theta, _ []float64) (float64, bool) {
	a, b, g, dd := theta[0], theta[1], theta[2], theta[3]
	rows := e.d.rows
	nch := (len(rows) + chunkSize - 1) / chunkSize
	if cap(e.parts) < nch {
		e.parts = make([]float64, nch)
	}
	parts := e.parts[:nch]
	parallelChunks(len(rows), func(c, lo, hi int) {
		var sum float64
		for _, row := range rows[lo:hi] {
			l := bgbbLL(a, b, g, dd, e.d.xs[row.ix], e.d.txs[row.itx], e.d.ts[row.it])
			sum += row.w * l
		}
		parts[c] = sum
	})
	var tot float64
	for _, p := range parts {
		tot += p
	}
	return tot, num.Finite(tot)
}

func lbeta(a, b float64) float64 { return lgamma(a) + lgamma(b) - lgamma(a+b) }

// bgbbLL returns one customer's log-likelihood (Fader, Hardie & Shang
// 2010, eq. 5):
//
//	L = B(alpha+x, beta+n-x)/B(alpha,beta) B(gamma, delta+n)/B(gamma,delta)
//	  + sum_{i=0}^{n-t_x-1} B(alpha+x, beta+t_x-x+i)/B(alpha,beta)
//	                        B(gamma+1, delta+t_x+i)/B(gamma,delta)
func bgbbLL(a, b, g, d, x, tx, n float64) float64 {
	base := -lbeta(a, b) - lbeta(g, d)
	l := lbeta(a+x, b+n-x) + lbeta(g, d+n)
	for i := 0.0; i < n-tx; i++ {
		l = logAddExp(l, lbeta(a+x, b+tx-x+i)+lbeta(g+1, d+tx+i))
	}
	return base + l
}

// ProbAlive returns the probability that a customer with history c is
// alive at the next opportunity (Fader, Hardie & Shang 2010, eq. 11):
//
//	P = B(alpha+x, beta+n-x)/B(alpha,beta) B(gamma, delta+n+1)/B(gamma,delta) / L
//
// Errors are as for BGNBD.ProbAlive, with the BG/BB rules for c.
func (m *BGBB) ProbAlive(c Customer) (float64, error) {
	if err := m.check(); err != nil {
		return 0, err
	}
	if err := validateBGBB(c, 0); err != nil {
		return 0, err
	}
	a, b, g, d := m.Alpha, m.Beta, m.Gamma, m.Delta
	x, tx, n := c.Frequency, c.Recency, c.T
	lp := lbeta(a+x, b+n-x) - lbeta(a, b) + lbeta(g, d+n+1) - lbeta(g, d) - bgbbLL(a, b, g, d, x, tx, n)
	return math.Min(1, math.Exp(lp)), nil
}

// ConditionalExpectedPurchases returns the expected number of transactions
// in the next t opportunities of a customer with history c (Fader, Hardie &
// Shang 2010, eq. 13):
//
//	E = B(alpha+x+1, beta+n-x)/B(alpha,beta) delta/(gamma-1)
//	    Gamma(gamma+delta)/Gamma(1+delta)
//	    [Gamma(1+delta+n)/Gamma(gamma+delta+n) - Gamma(1+delta+n+t)/Gamma(gamma+delta+n+t)] / L
//
// with its limit at gamma = 1. t may be fractional. Errors are as for
// BGNBD.ConditionalExpectedPurchases, with the BG/BB rules for c.
func (m *BGBB) ConditionalExpectedPurchases(t float64, c Customer) (float64, error) {
	if err := m.check(); err != nil {
		return 0, err
	}
	if err := checkHorizon(t); err != nil {
		return 0, err
	}
	if err := validateBGBB(c, 0); err != nil {
		return 0, err
	}
	if t == 0 {
		return 0, nil
	}
	a, b, g, d := m.Alpha, m.Beta, m.Gamma, m.Delta
	x, tx, n := c.Frequency, c.Recency, c.T
	lead := lbeta(a+x+1, b+n-x) - lbeta(a, b) + math.Log(d) + lgamma(g+d) - lgamma(1+d) - bgbbLL(a, b, g, d, x, tx, n)
	v := math.Exp(lead) * bgbbBracket(g, d, n, t)
	if !num.Finite(v) || v < 0 {
		return 0, &CustomerError{Customer: c.ID, Field: "prediction", Err: ErrNotConverged}
	}
	return v, nil
}

// bgbbBracket returns [D(n) - D(n+t)]/(gamma-1) with
// D(m) = Gamma(1+delta+m)/Gamma(gamma+delta+m), and its limit
// digamma(1+delta+n+t) - digamma(1+delta+n) as gamma -> 1.
func bgbbBracket(g, d, n, t float64) float64 {
	if math.Abs(g-1) < 1e-7 {
		return mathext.Digamma(1+d+n+t) - mathext.Digamma(1+d+n)
	}
	l1 := lgamma(1+d+n) - lgamma(g+d+n)
	l2 := lgamma(1+d+n+t) - lgamma(g+d+n+t)
	// D(n) - D(n+t) = exp(l1) (1 - exp(l2-l1)), accurate for small t.
	return math.Exp(l1) * -math.Expm1(l2-l1) / (g - 1)
}

// ExpectedPurchases returns the expected number of transactions in the
// first t opportunities of a new customer (Fader, Hardie & Shang 2010,
// eq. 9):
//
//	E[X(t)] = alpha/(alpha+beta) delta/(gamma-1)
//	          [1 - Gamma(gamma+delta)/Gamma(gamma+delta+t) Gamma(1+delta+t)/Gamma(1+delta)]
//
// Errors are as for ConditionalExpectedPurchases.
func (m *BGBB) ExpectedPurchases(t float64) (float64, error) {
	if err := m.check(); err != nil {
		return 0, err
	}
	if err := checkHorizon(t); err != nil {
		return 0, err
	}
	g, d := m.Gamma, m.Delta
	// The bracket with n = 0, scaled: [D(0) - D(t)] Gamma(gamma+delta)/Gamma(1+delta).
	v := m.Alpha / (m.Alpha + m.Beta) * d * math.Exp(lgamma(g+d)-lgamma(1+d)) * bgbbBracket(g, d, 0, t)
	if !num.Finite(v) || v < 0 {
		return 0, &ParamError{Param: "t", Value: t, Err: ErrNotConverged}
	}
	return v, nil
}
