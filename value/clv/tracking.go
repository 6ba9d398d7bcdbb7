package clv

import (
	"context"
	"fmt"
	"iter"
	"math"
	"slices"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/num"
	"gonum.org/v1/gonum/stat/distuv"
)

// PeriodRow is one bar of the period-transactions check: the customers
// with a given number of repeat purchases in the calibration period,
// observed and expected by the model.
type PeriodRow struct {
	Frequency int     `json:"frequency"` // repeat purchases; the last row holds this many or more
	Observed  int     `json:"observed"`  // customers with that many
	Expected  float64 `json:"expected"`  // the sum over customers of P(X(T) = Frequency)
}

// PeriodCheck is the period-transactions check of a purchase model: the
// histogram of calibration repeat purchases against the model's, and the
// chi-square statistic of the difference.
type PeriodCheck struct {
	Rows []PeriodRow `json:"rows"`
	// ChiSquare is sum (Observed - Expected)^2 / Expected over the rows.
	ChiSquare float64 `json:"chi_square"`
	// DF is the degrees of freedom, rows - 1 - parameters (4 for every
	// count model), at least 1.
	DF int `json:"df"`
	// PValue is the probability that a chi-square variable with DF
	// degrees of freedom exceeds ChiSquare.
	PValue float64 `json:"p_value"`
}

// PeriodTransactions compares the number of customers of cs with 0, 1,
// ..., maxFreq-1 and maxFreq or more repeat purchases in the calibration
// period with the model's expectation, sum_i P(X(T_i) = n), each
// customer's count over its own age T_i (the unconditional PMF, PMF), as
// in Fader, Hardie & Lee 2005, Figure 3 ("Predicted versus actual
// frequency of repeat transactions"). A fractional frequency is rounded
// down. maxFreq must be positive (else it panics); empty cs is
// ErrEmptyInput, an invalid customer a *CustomerError, and a model without
// a PMF ErrUnsupported.
func PeriodTransactions(m PurchaseModel, cs []Customer, maxFreq int) (*PeriodCheck, error) {
	if maxFreq <= 0 {
		panic("clv: maxFreq must be positive")
	}
	if len(cs) == 0 {
		return nil, ErrEmptyInput
	}
	_, bgbb := m.(*BGBB)
	ages := map[float64]int{}
	out := &PeriodCheck{Rows: make([]PeriodRow, maxFreq+1)}
	for i, c := range cs {
		if err := validateAs(c, i, bgbb); err != nil {
			return nil, err
		}
		ages[c.T]++
		out.Rows[min(int(math.Floor(c.Frequency)), maxFreq)].Observed++
	}
	ts := make([]float64, 0, len(ages))
	for t := range ages {
		ts = append(ts, t)
	}
	slices.Sort(ts) // a fixed order of summation
	var p []float64
	exp := make([]float64, maxFreq+1)
	for _, t := range ts {
		var err error
		if p, err = PMF(p, m, t, MinTailMass); err != nil {
			return nil, err
		}
		w := float64(ages[t])
		rest := 1.0
		for n := 0; n < maxFreq && n < len(p); n++ {
			exp[n] += w * p[n]
			rest -= p[n]
		}
		exp[maxFreq] += w * max(rest, 0)
	}
	for n := range out.Rows {
		r := &out.Rows[n]
		r.Frequency, r.Expected = n, exp[n]
		if r.Expected > 0 {
			d := float64(r.Observed) - r.Expected
			out.ChiSquare += d * d / r.Expected
		}
	}
	out.DF = max(len(out.Rows)-1-4, 1)
	out.PValue = distuv.ChiSquared{K: float64(out.DF)}.Survival(out.ChiSquare)
	return out, nil
}

// TrackSettings configures Track. A nil *TrackSettings means the zero
// value: weeks, no holdout, UTC days, weekly periods.
type TrackSettings struct {
	// Prepare are the settings of the Prepare call the model was fitted
	// on: the unit, the holdout end (the tracking runs through it), the
	// calendar and the largest age.
	Prepare PrepareSettings
	// PeriodDays is the length of a tracking period in days; zero means 7.
	PeriodDays int
}

// TrackRow is one period of the tracking of a cohort's repeat purchases.
type TrackRow struct {
	End         time.Time `json:"end"`          // the period's last day, in the settings' Location
	Time        float64   `json:"time"`         // time from the cohort's first day to the end of End, in the unit
	Holdout     bool      `json:"holdout"`      // the period ends after the calibration end
	Actual      float64   `json:"actual"`       // repeat purchases (occasions) in the period
	Expected    float64   `json:"expected"`     // their expectation under the model
	CumActual   float64   `json:"cum_actual"`   // repeat purchases from the start through End
	CumExpected float64   `json:"cum_expected"` // their expectation
}

// Track follows the repeat purchases of the cohort of customers whose
// first purchase is in the calibration period, period by period through
// the holdout end (or the calibration end without one), against the
// model's expectation (Fader, Hardie & Lee 2005, Figures 2 and 3): a
// customer whose first purchase was on day d0 is expected to have made
// E[X(t)] = m.ExpectedPurchases(t) repeat purchases by a day t after d0,
// so with staggered first purchases
//
//	E[cumulative repeat purchases by day D] = sum over customers with d0 <= D of E[X((D - d0)/unit)]
//
// and the period's expectation is the difference of the cumulative ones.
// Purchases follow Prepare's rules (same-day purchases one occasion,
// returns ignored, days in the settings' Location), so the cumulative
// actual at the calibration end is the sum of the Dataset's frequencies.
//
// Track ranges over txs once, holding each cohort customer's purchase
// days. Errors are those of Prepare and of m.ExpectedPurchases;
// ErrEmptyInput when no customer buys in the calibration period.
func Track(ctx context.Context, m PurchaseModel, txs iter.Seq[cvm.Transaction], calibrationEnd time.Time, s *TrackSettings) ([]TrackRow, error) {
	var set TrackSettings
	if s != nil {
		set = *s
	}
	if set.PeriodDays < 0 {
		return nil, &ParamError{Param: "period days", Value: float64(set.PeriodDays), Err: ErrInvalidParam}
	}
	if set.PeriodDays == 0 {
		set.PeriodDays = 7
	}
	p, err := preparing(calibrationEnd, &set.Prepare)
	if err != nil {
		return nil, err
	}
	lastDay := p.endDay
	if !p.holdCutoff.IsZero() {
		lastDay = p.holdEndDay
	}
	days, err := purchaseDays(ctx, txs, lastDay, p.Location)
	if err != nil {
		return nil, err
	}
	// The cohort: first purchase on or before the calibration end.
	firsts := map[int64]float64{}
	var repeats []int64
	start := int64(math.MaxInt64)
	maxDays := int64(p.MaxAge / (24 * time.Hour))
	// Of several customers too old for MaxAge the error names the least
	// ID, so that it does not depend on the map's order.
	var old string
	var oldAge int64
	for id, ds := range days {
		if ds[0] > p.endDay {
			continue
		}
		if age := p.endDay - ds[0]; p.MaxAge > 0 && age > maxDays {
			if old == "" || id < old {
				old, oldAge = id, age
			}
			continue
		}
		firsts[ds[0]]++
		start = min(start, ds[0])
		repeats = append(repeats, ds[1:]...)
	}
	if old != "" {
		return nil, &cvm.TransactionError{Customer: old, Field: "time", Err: fmt.Errorf(
			"%w: first purchase %d days before the calibration end, more than MaxAge (%d days)", ErrImplausibleSpan, oldAge, maxDays)}
	}
	if len(firsts) == 0 {
		return nil, ErrEmptyInput
	}
	per := int64(set.PeriodDays)
	k := int((lastDay - start + per) / per)
	rows := make([]TrackRow, k)
	for _, d := range repeats {
		rows[(d-start)/per].Actual++
	}
	d0s := make([]int64, 0, len(firsts))
	for d := range firsts {
		d0s = append(d0s, d)
	}
	slices.Sort(d0s)
	day0 := p.cutoff.AddDate(0, 0, -int(p.endDay-start))
	var cumA, prevE float64
	for i := range rows {
		r := &rows[i]
		end := min(start+int64(i+1)*per-1, lastDay)
		r.End = time.Date(day0.Year(), day0.Month(), day0.Day()+int(end-start), 0, 0, 0, 0, p.Location)
		r.Time = float64(end-start) / p.unit
		r.Holdout = end > p.endDay
		var e, c float64
		for _, d0 := range d0s {
			if d0 > end {
				break
			}
			v, err := m.ExpectedPurchases(float64(end-d0) / p.unit)
			if err != nil {
				return nil, err
			}
			e, c = num.AddNeumaier(e, c, firsts[d0]*v)
		}
		cumA += r.Actual
		r.CumActual, r.CumExpected = cumA, e+c
		r.Expected = r.CumExpected - prevE
		prevE = r.CumExpected
	}
	return rows, nil
}

// ContinuousRate returns the continuously compounded discount rate per
// time unit u equivalent to an annual rate, log(1+annual) * days(u)/365:
// 15% a year is 0.002680 a week (Fader, Hardie & Lee 2005, "RFM and CLV",
// use 0.0027). It returns NaN for annual <= -1 or NaN, and panics on an
// invalid unit.
func ContinuousRate(annual float64, u Unit) float64 {
	if !(annual > -1) {
		return math.NaN()
	}
	return math.Log1p(annual) * u.days() / 365
}

// DERT stores in dst, allocated when nil or too short, the discounted
// expected residual transactions of every customer of cs at the
// continuously compounded rate delta per time unit (ContinuousRate), and
// returns it:
//
//	DERT = integral_0^inf e^(-delta t) dE[Y(t) | x, t_x, T]
//	     = delta integral_0^inf e^(-delta t) E[Y(t) | x, t_x, T] dt
//
// (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value curves for
// customer base analysis", eq. 2), the number of future purchases, each
// discounted to the end of calibration. Multiplied by the expected spend
// it is the customer's residual lifetime value. For Pareto/NBD it is
//
//	DERT = P(alive) (r+x)/(alpha+T) E[1/(delta + mu)],  mu ~ Gamma(s, beta+T),
//	E[1/(delta+mu)] = integral_0^inf e^(-delta w) ((beta+T)/(beta+T+w))^s dw,
//
// (their eq. 2 with the confluent hypergeometric function written as its
// integral) integrated numerically; for BG/NBD and MBG/NBD
//
//	DERT = P(alive) E[lambda / (delta + p lambda)],  lambda ~ Gamma(r+x, alpha+T), p ~ Beta(a, b+x+k),
//
// the story's discounted count (purchases at rate lambda, dropout with
// probability p after each) over the posterior given alive, a double
// integral by double-exponential quadrature. m must
// be a *BGNBD or *ParetoNBD (else ErrUnsupported); delta must be positive
// and finite (a *ParamError otherwise). Errors are as for
// PredictPurchases.
func DERT(dst []float64, m PurchaseModel, delta float64, cs []Customer) ([]float64, error) {
	if !(delta > 0) || math.IsInf(delta, 0) {
		return nil, &ParamError{Param: "delta", Value: delta, Err: fmt.Errorf("%w: discount rate must be positive and finite", ErrInvalidParam)}
	}
	var f func(c Customer) (float64, bool)
	switch m := m.(type) {
	case *BGNBD:
		if err := m.check(); err != nil {
			return nil, err
		}
		f = func(c Customer) (float64, bool) { return m.dert(delta, c) }
	case *ParetoNBD:
		if err := m.check(); err != nil {
			return nil, err
		}
		f = func(c Customer) (float64, bool) { return m.dert(delta, c) }
	default:
		return nil, fmt.Errorf("%w: DERT of %s", ErrUnsupported, m.Name())
	}
	return forEach(dst, cs, func(c Customer) (float64, error) {
		if err := c.validate(0); err != nil {
			return 0, err
		}
		v, ok := f(c)
		if !ok {
			return 0, &CustomerError{Customer: c.ID, Field: "prediction", Err: fmt.Errorf("%w: DERT", ErrNotConverged)}
		}
		return v, nil
	})
}

// dert is P(alive) E[lambda/(delta + p lambda)] over the posterior
// given alive, lambda ~ Gamma(r+x, alpha+T) and p ~ Beta(a, b+x+k): the
// discounted count of purchases at a Poisson rate lambda, each followed by
// dropout with probability p, sum_k (1-p)^(k-1) (lambda/(lambda+delta))^k.
// With lambda = y/(alpha+T), y ~ Gamma(r+x, 1),
//
//	E[lambda/(delta + p lambda)] = E_p E_y[ y / (delta (alpha+T) + p y) ],
//
// a double integral taken by double-exponential quadrature: tanh-sinh
// over p in (0, 1), whose nodes crowd both ends where the Beta density
// may be singular, and exp-sinh over y in (0, inf) (Gauss-Legendre around
// the mode once r+x > 5, where the Gamma density is a bump).
func (m *BGNBD) dert(delta float64, c Customer) (float64, bool) {
	pa := m.probAlive(c)
	r1, al := m.R+c.Frequency, m.Alpha+c.T
	a, b1 := m.A, m.B+c.Frequency+m.k()
	cc := delta * al
	var ybuf, wbuf [160]float64
	ys, wy := ybuf[:0], wbuf[:0]
	lg := lgamma(r1)
	if r1 > 5 {
		sd := math.Sqrt(r1)
		lo, hi := max(0, r1-1-14*sd), r1-1+14*sd+10
		const panels = 8
		h := (hi - lo) / panels
		for i := range panels {
			for j, x := range glx16 {
				y := lo + h*(float64(i)+x)
				ys = append(ys, y)
				wy = append(wy, math.Exp((r1-1)*math.Log(y)-y-lg)*h*glw16[j])
			}
		}
	} else {
		for k := -dertK; k <= dertK; k++ {
			t := float64(k) * dertH
			u := math.Pi / 2 * math.Sinh(t)
			w := math.Exp(r1*u-math.Exp(u)-lg) * math.Pi / 2 * math.Cosh(t) * dertH // density * dy/dt, dy/dt = y pi/2 cosh t
			if w > 0 {
				ys = append(ys, math.Exp(u))
				wy = append(wy, w)
			}
		}
	}
	lb := lbeta(a, b1)
	sum := 0.0
	for k := -dertK; k <= dertK; k++ {
		t := float64(k) * dertH
		u := math.Pi / 2 * math.Sinh(t)
		// p = (1 + tanh u)/2 and 1-p, each without cancellation.
		lp, lq := -softplus(-2*u), -softplus(2*u)
		p := math.Exp(lp)
		// dp/dt = sech^2(u)/2 * pi/2 cosh t, sech^2(u)/4 = p (1-p).
		w := math.Exp((a-1)*lp+(b1-1)*lq-lb+lp+lq) * 2 * math.Pi / 2 * math.Cosh(t) * dertH
		if !(w > 0) {
			continue
		}
		g := 0.0
		for j, y := range ys {
			g += wy[j] * y / (cc + p*y)
		}
		sum += w * g
	}
	d := pa * sum
	return d, num.Finite(d)
}

// The double-exponential rules of dert: nodes k*dertH for |k| <= dertK,
// t up to 4.5, beyond which the transformed integrands are below 1e-30.
const (
	dertH = 1.0 / 16
	dertK = 72
)

// softplus returns log(1 + e^x) without overflow.
func softplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

// dert computes E[1/(delta+mu)] with w = (beta+T)(e^u - 1), for which the
// integrand (beta+T) exp((1-s) u - delta (beta+T)(e^u - 1)) decays
// smoothly; beyond delta (beta+T)(e^u - 1) = 60 it is negligible.
func (m *ParetoNBD) dert(delta float64, c Customer) (float64, bool) {
	pa, ok := m.probAlive(c)
	if !ok {
		return 0, false
	}
	be := m.Beta + c.T
	db := delta * be
	top := math.Log1p(60 / db)
	s := m.S
	v, ok := integrate(func(u float64) float64 {
		return be * math.Exp((1-s)*u-db*math.Expm1(u))
	}, 0, top, 1e-12)
	d := pa * (m.R + c.Frequency) / (m.Alpha + c.T) * v
	return d, ok && num.Finite(d)
}
