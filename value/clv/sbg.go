package clv

import (
	"context"
	"encoding/json"
	"fmt"
	"math"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/envelope"
	"github.com/cvmkit/cvm/internal/num"
	"gonum.org/v1/gonum/mathext"
)

// SBGFormat is the format of a fitted SBG's JSON envelope.
const SBGFormat = "cvm.clv.sbg"

// SBG is a fitted shifted-beta-geometric retention model (Fader & Hardie
// 2007, "How to project customer retention", Journal of Interactive
// Marketing 21(1)) for contractual settings: at the end of every period
// each customer cancels with a probability theta of their own, constant
// over time, and theta ~ Beta(Alpha, Beta) across customers.
//
//	P(T = t) = B(alpha+1, beta+t-1) / B(alpha, beta)       t = 1, 2, ...
//	S(t)     = B(alpha, beta+t) / B(alpha, beta)           survival to t
//	r(t)     = S(t)/S(t-1) = (beta+t-1) / (alpha+beta+t-1) retention in t
//
// An *SBG is not modified by its methods and is safe for concurrent
// reads. A model built by hand must have both parameters positive and
// finite; methods return a *ParamError otherwise.
type SBG struct {
	Alpha, Beta float64
	Info        FitInfo        // zero for a model built by hand
	Card        *cvm.ModelCard // where the fit came from; nil for a model built by hand
}

var sbgNames = []string{"alpha", "beta"}

func (m *SBG) params() []float64 { return []float64{m.Alpha, m.Beta} }
func (m *SBG) check() error      { return checkParams(sbgNames, m.params()) }

// Name returns "sbg".
func (m *SBG) Name() string { return "sbg" }

// FitSBG fits the sBG model by maximum likelihood to a cohort's survivor
// counts: alive[t] customers are still customers at the start of period
// t, alive[0] being the cohort's size, for t = 0 .. len(alive)-1. The
// likelihood (Fader & Hardie 2007, eq. B3) is
//
//	LL = sum_{t=1}^{n} (alive[t-1] - alive[t]) log P(T = t) + alive[n] log S(n)
//
// with n = len(alive)-1; counts need not be whole numbers (survivor
// percentages work as well, but then the standard errors are not those
// of the cohort). The gradient is analytic. To fit on the first k
// periods and project the rest, pass alive[:k+1].
//
// It returns ErrEmptyInput for fewer than two counts, a *CustomerError
// (Field "alive", Index the period) for a negative, NaN or infinite count,
// a count above the one before, or a first count that is not positive, a
// *ParamError for bad settings, an error wrapping ErrNotConverged when the
// optimiser fails (as when nobody or everybody cancels, where the maximum
// is at the boundary), and ctx.Err() when ctx is done first.
// s.Penalizer, Init and MaxIterations work as for the other fits, the
// penalty's mean being per member of the cohort; s.Source only lends its
// dates and unit to the card, whose fingerprint is of the counts.
func FitSBG(ctx context.Context, alive []float64, s *FitSettings) (*SBG, error) {
	set, err := rowSettings(s, sbgNames)
	if err != nil {
		return nil, err
	}
	if err := checkAlive(alive); err != nil {
		return nil, err
	}
	switch n := len(alive) - 1; {
	case alive[n] == alive[0]:
		return nil, fmt.Errorf("%w: nobody cancels in %d periods, so the maximum is at the boundary (theta = 0)", ErrNotConverged, n)
	case alive[1] == 0:
		return nil, fmt.Errorf("%w: everybody cancels in period 1, so the maximum is at the boundary (theta = 1)", ErrNotConverged)
	}
	f := &fitter{names: sbgNames, obj: sbgObjective(alive), analytic: true, n: alive[0], rows: len(alive) - 1}
	th, info, err := f.run(ctx, set)
	if err != nil {
		return nil, err
	}
	m := &SBG{Alpha: th[0], Beta: th[1], Info: info}
	m.Card = cardOf(cvm.Fingerprint(alive...), set, info)
	m.Card.Customers = int(math.Round(alive[0]))
	return m, nil
}

func checkAlive(alive []float64) error {
	if len(alive) < 2 {
		return ErrEmptyInput
	}
	for t, v := range alive {
		bad := func(why string) error {
			return &CustomerError{Index: t, Field: "alive", Err: fmt.Errorf("%w: %v %s", ErrInvalidCustomer, v, why)}
		}
		switch {
		case !num.Finite(v) || v < 0:
			return bad("is not a finite non-negative count")
		case t == 0 && v == 0:
			return bad("customers at period 0: the cohort is empty")
		case t > 0 && v > alive[t-1]:
			return bad(fmt.Sprintf("exceeds the %v alive in period %d (survivors cannot come back)", alive[t-1], t-1))
		}
	}
	return nil
}

// sbgObjective returns the sBG log-likelihood of survivor counts and its
// gradient; d lbeta(a, b)/da = digamma(a) - digamma(a+b).
func sbgObjective(alive []float64) objective {
	n := len(alive) - 1
	return func(th, grad []float64) (float64, bool) {
		a, b := th[0], th[1]
		l0 := lbeta(a, b)
		var ll, ga, gb float64
		var psiab, psia, psib float64
		if grad != nil {
			psiab, psia, psib = mathext.Digamma(a+b), mathext.Digamma(a), mathext.Digamma(b)
		}
		for t := 1; t <= n; t++ {
			lost := alive[t-1] - alive[t]
			if lost == 0 {
				continue
			}
			bt := b + float64(t) - 1
			ll += lost * (lbeta(a+1, bt) - l0)
			if grad != nil {
				p := mathext.Digamma(a + 1 + bt)
				ga += lost * (mathext.Digamma(a+1) - p - psia + psiab)
				gb += lost * (mathext.Digamma(bt) - p - psib + psiab)
			}
		}
		if last := alive[n]; last > 0 {
			bn := b + float64(n)
			ll += last * (lbeta(a, bn) - l0)
			if grad != nil {
				p := mathext.Digamma(a + bn)
				ga += last * (psia - p - psia + psiab)
				gb += last * (mathext.Digamma(bn) - p - psib + psiab)
			}
		}
		if grad != nil {
			grad[0], grad[1] = ga, gb
		}
		return ll, num.Finite(ll) && num.Finite(ga) && num.Finite(gb)
	}
}

// LogLikelihood returns the sBG log-likelihood of survivor counts under
// m. Errors are as for FitSBG.
func (m *SBG) LogLikelihood(alive []float64) (float64, error) {
	if err := m.check(); err != nil {
		return 0, err
	}
	if err := checkAlive(alive); err != nil {
		return 0, err
	}
	ll, ok := sbgObjective(alive)(m.params(), nil)
	if !ok {
		return 0, fmt.Errorf("%w: log-likelihood is not finite", ErrNotConverged)
	}
	return ll, nil
}

// Survival returns S(t), the share of the cohort still customers at the
// start of period t, for t = 0 .. len(dst)-1 into dst (allocated with
// length n when nil), by the recursion S(t) = S(t-1) r(t). It returns a
// *ParamError for an invalid parameter. A negative n with nil dst panics.
func (m *SBG) Survival(dst []float64, n int) ([]float64, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	if dst == nil {
		dst = make([]float64, n)
	}
	s := 1.0
	for t := range dst {
		if t > 0 {
			s *= m.retention(t)
		}
		dst[t] = s
	}
	return dst, nil
}

// Retention returns the retention rates r(t) = (beta+t-1)/(alpha+beta+t-1)
// of periods t = 1 .. len(dst) into dst (allocated with length n when
// nil): the share of period t-1's customers who are still customers in
// period t; it rises with t as the cohort's cancel-prone customers leave.
// dst[0] is r(1). Errors are as for Survival.
func (m *SBG) Retention(dst []float64, n int) ([]float64, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	if dst == nil {
		dst = make([]float64, n)
	}
	for i := range dst {
		dst[i] = m.retention(i + 1)
	}
	return dst, nil
}

func (m *SBG) retention(t int) float64 {
	return (m.Beta + float64(t) - 1) / (m.Alpha + m.Beta + float64(t) - 1)
}

// sbgJSON is the JSON form of SBG.
type sbgJSON struct {
	envelope.Header
	Alpha *float64 `json:"alpha"`
	Beta  *float64 `json:"beta"`
	Info  FitInfo  `json:"info"`
}

// Format returns SBGFormat.
func (m *SBG) Format() string { return SBGFormat }

// MarshalJSON encodes m as {"format":"cvm.clv.sbg","version":2,
// "card":{...},"alpha":…,"beta":…,"info":{…}}; see BGNBD.MarshalJSON.
func (m *SBG) MarshalJSON() ([]byte, error) {
	return json.Marshal(sbgJSON{Header: envelope.New(SBGFormat, FormatVersion, m.Card),
		Alpha: ptr(m.Alpha), Beta: ptr(m.Beta), Info: m.Info})
}

// UnmarshalJSON decodes what MarshalJSON writes; errors are as for
// BGNBD.UnmarshalJSON.
func (m *SBG) UnmarshalJSON(data []byte) error {
	var j sbgJSON
	if err := decode(data, SBGFormat, &j, &j.Header, &j.Info, len(sbgNames)); err != nil {
		return err
	}
	v := SBG{Info: j.Info, Card: j.Card}
	if err := fill(SBGFormat, &v, param{"alpha", j.Alpha, &v.Alpha}, param{"beta", j.Beta, &v.Beta}); err != nil {
		return err
	}
	*m = v
	return nil
}
