package clv

import (
	"context"
	"fmt"
	"math"

	"github.com/cvmkit/cvm"

	"github.com/cvmkit/cvm/internal/num"
	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/stat"
)

// GammaGamma is a fitted Gamma-Gamma spend model (Colombo & Jiang 1999;
// Fader, Hardie & Lee 2005b): the value of a customer's transactions is
// Gamma(P, nu) with the customer's nu ~ Gamma(Q, Gamma), so the mean
// transaction value across customers is P*Gamma/(Q-1).
//
// A *GammaGamma is not modified by its methods and is safe for concurrent
// reads. A model built by hand must have all three parameters positive and
// finite; methods return a *ParamError otherwise.
type GammaGamma struct {
	P, Q, Gamma float64
	// Correlation is the Pearson correlation of frequency and mean spend
	// over the repeat buyers of the fit; the model assumes they are
	// independent, and an absolute value above about 0.3 is a warning.
	// Zero for a model built by hand.
	Correlation float64
	Info        FitInfo        // zero for a model built by hand
	Card        *cvm.ModelCard // where the fit came from; nil for a model built by hand
}

var ggNames = []string{"p", "q", "gamma"}

func (m *GammaGamma) params() []float64 { return []float64{m.P, m.Q, m.Gamma} }
func (m *GammaGamma) check() error      { return checkParams(ggNames, m.params()) }

// Name returns "gammagamma".
func (m *GammaGamma) Name() string { return "gammagamma" }

type spendRow struct{ x, m float64 }

// spendRows returns the repeat buyers of cs with a positive mean spend,
// validating every repeat buyer's spend.
func spendRows(cs []Customer) ([]spendRow, error) {
	var rows []spendRow
	for i, c := range cs {
		if err := c.validate(i); err != nil {
			return nil, err
		}
		if c.Frequency == 0 {
			continue
		}
		if !num.Finite(c.MeanSpend) || c.MeanSpend < 0 {
			return nil, &CustomerError{Index: i, Customer: c.ID, Field: "spend", Err: fmt.Errorf("%w: mean spend %v is not finite and non-negative", ErrInvalidCustomer, c.MeanSpend)}
		}
		if c.MeanSpend == 0 {
			continue
		}
		rows = append(rows, spendRow{c.Frequency, c.MeanSpend})
	}
	return rows, nil
}

// FitGammaGamma fits the Gamma-Gamma model by maximum likelihood to the
// customers of cs with Frequency > 0 and MeanSpend > 0 (repeat buyers with
// only zero-value repeat purchases are skipped; the others are ignored);
// see the package documentation for the likelihood. s may be nil.
//
// It returns ErrEmptyInput for empty cs, ErrNoRepeatBuyers when no
// customer qualifies, a *CustomerError for an invalid customer (negative,
// NaN or infinite spend of a repeat buyer included), ErrCorrelated when
// s.MaxCorrelation is set and exceeded, an error wrapping ErrNotConverged
// when the optimiser fails, and ctx.Err() when ctx is done first. The
// card's fingerprint is of all of cs, the same as a purchase model's on
// the same customers; its customer count is of the repeat buyers used.
func FitGammaGamma(ctx context.Context, cs []Customer, s *FitSettings) (*GammaGamma, error) {
	set, err := checkSettings(s, ggNames, len(cs))
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, ErrEmptyInput
	}
	rows, err := spendRows(cs)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, ErrNoRepeatBuyers
	}
	m, info, err := fitGGRows(ctx, compressSpendRows(rows), set)
	if err != nil {
		return nil, err
	}
	m.Card = newCard(cs, set, info)
	m.Info.Warnings = correlationWarning(m.Correlation)
	return m, nil
}

// fitGGRows fits Gamma-Gamma to merged repeat-buyer rows (all with
// positive frequency and spend); the model has no card.
func fitGGRows(ctx context.Context, rows []SpendRow, set FitSettings) (*GammaGamma, FitInfo, error) {
	if len(rows) == 0 {
		return nil, FitInfo{}, ErrNoRepeatBuyers
	}
	var n float64
	for _, r := range rows {
		n += r.Count
	}
	corr := 0.0
	if n > 2 {
		xs, ms, ws := make([]float64, len(rows)), make([]float64, len(rows)), make([]float64, len(rows))
		for i, r := range rows {
			xs[i], ms[i], ws[i] = r.Frequency, r.MeanSpend, r.Count
		}
		corr = stat.Correlation(xs, ms, ws)
		if !num.Finite(corr) {
			corr = 0 // constant frequency or spend
		}
	}
	if set.MaxCorrelation > 0 && math.Abs(corr) > set.MaxCorrelation {
		return nil, FitInfo{}, fmt.Errorf("%w: %.3f exceeds %.3f", ErrCorrelated, corr, set.MaxCorrelation)
	}
	if set.Init == nil {
		// Start on the scale of the data: p = q = 1 and gamma the mean
		// spend, so spends in any currency unit start near the optimum.
		mean, w := 0.0, 0.0
		for _, r := range rows {
			w += r.Count
			mean += r.Count / w * (r.MeanSpend - mean)
		}
		set.Init = []float64{1, 1, mean}
	}
	f := &fitter{names: ggNames, obj: ggObjective(rows), analytic: true, n: n, rows: len(rows)}
	th, info, err := f.run(ctx, set)
	if err != nil {
		return nil, info, err
	}
	return &GammaGamma{P: th[0], Q: th[1], Gamma: th[2], Correlation: corr, Info: info}, info, nil
}

// LogLikelihood returns the Gamma-Gamma log-likelihood of the repeat
// buyers of cs with positive mean spend. Errors are as for FitGammaGamma.
func (m *GammaGamma) LogLikelihood(cs []Customer) (float64, error) {
	if err := m.check(); err != nil {
		return 0, err
	}
	if len(cs) == 0 {
		return 0, ErrEmptyInput
	}
	rows, err := spendRows(cs)
	if err != nil {
		return 0, err
	}
	if len(rows) == 0 {
		return 0, ErrNoRepeatBuyers
	}
	ll, ok := ggObjective(compressSpendRows(rows))(m.params(), nil)
	if !ok {
		return 0, fmt.Errorf("%w: log-likelihood is not finite", ErrNotConverged)
	}
	return ll, nil
}

// ggObjective returns the total log-likelihood
//
//	LL = lgamma(px+q) - lgamma(px) - lgamma(q) + q log(gamma)
//	   + (px-1) log(m) + px log(x) - (px+q) log(gamma + m x)
//
// and its gradient. The objective keeps scratch space: it must not be
// called from two goroutines at once.
func ggObjective(rows []SpendRow) objective {
	// log(m) and log(x) do not depend on the parameters: computed once.
	// lgamma(px+q), lgamma(px) and their digammas depend on x alone: once
	// per run of equal x within a chunk of rows (rows are sorted by
	// frequency). Each row's bracketed terms are computed on all cores,
	// chunk by chunk, into per-row slots, and then weighted and added in
	// row order: the same expressions on the same values as computed
	// afresh row after row, so the sums have the same bits.
	n := len(rows)
	lms, lxs := make([]float64, n), make([]float64, n)
	parallelChunks(n, func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			lms[i], lxs[i] = math.Log(rows[i].MeanSpend), math.Log(rows[i].Frequency)
		}
	})
	ts, tp, tq, tg := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	return func(th, grad []float64) (float64, bool) {
		p, q, g := th[0], th[1], th[2]
		lgq, lg := lgamma(q), math.Log(g)
		var psiq float64
		if grad != nil {
			psiq = mathext.Digamma(q)
		}
		parallelChunks(n, func(_, lo, hi int) {
			lastX := math.NaN()
			var lgpxq, lgpx, dpq, dpx float64
			for i := lo; i < hi; i++ {
				x, m := rows[i].Frequency, rows[i].MeanSpend
				px := p * x
				if x != lastX {
					lastX = x
					lgpxq, lgpx = lgamma(px+q), lgamma(px)
					if grad != nil {
						dpq, dpx = mathext.Digamma(px+q), mathext.Digamma(px)
					}
				}
				lm, lx, lgmx := lms[i], lxs[i], math.Log(g+m*x)
				ts[i] = lgpxq - lgpx - lgq + q*lg + (px-1)*lm + px*lx - (px+q)*lgmx
				if grad != nil {
					tp[i] = dpq - dpx + lm + lx - lgmx
					tq[i] = dpq - psiq + lg - lgmx
					tg[i] = q/g - (px+q)/(g+m*x)
				}
			}
		})
		var s, gp, gq, gg float64
		for i, r := range rows {
			w := r.Count
			s += w * ts[i]
			if grad != nil {
				gp += w * r.Frequency * tp[i]
				gq += w * tq[i]
				gg += w * tg[i]
			}
		}
		if grad != nil {
			grad[0], grad[1], grad[2] = gp, gq, gg
		}
		return s, num.Finite(s) && num.Finite(gp) && num.Finite(gq) && num.Finite(gg)
	}
}

// ExpectedSpend returns the expected mean transaction value of a customer
// with history c (Fader, Hardie & Lee 2005b, eq. 5):
//
//	E[Z | x, m] = (gamma + m x) p / (p x + q - 1)
//
// a weighted mean of the population mean p gamma/(q-1) and the customer's
// observed mean m. For x = 0 it is the population mean. It returns a
// *ParamError when q <= 1 makes the mean infinite, and a *CustomerError
// for an invalid c (negative, NaN or Inf spend with x > 0 included).
func (m *GammaGamma) ExpectedSpend(c Customer) (float64, error) {
	if err := m.check(); err != nil {
		return 0, err
	}
	if m.Q <= 1 {
		return 0, &ParamError{Param: "q", Value: m.Q, Err: fmt.Errorf("%w: expected spend is infinite for q <= 1", ErrInvalidParam)}
	}
	if err := c.validate(0); err != nil {
		return 0, err
	}
	if c.Frequency > 0 && (!num.Finite(c.MeanSpend) || c.MeanSpend < 0) {
		return 0, &CustomerError{Customer: c.ID, Field: "spend", Err: fmt.Errorf("%w: mean spend %v", ErrInvalidCustomer, c.MeanSpend)}
	}
	return m.expSpend(c)
}

func (m *GammaGamma) expSpend(c Customer) (float64, error) {
	x := c.Frequency
	mean := 0.0
	if x > 0 {
		mean = c.MeanSpend
	}
	// Written as a weighted mean so that huge spends do not overflow.
	w := (m.Q - 1) / (m.P*x + m.Q - 1)
	v := w*(m.P*m.Gamma/(m.Q-1)) + (1-w)*mean
	if !num.Finite(v) {
		return 0, &CustomerError{Customer: c.ID, Field: "prediction", Err: fmt.Errorf("%w: expected spend not finite", ErrNotConverged)}
	}
	return v, nil
}
