package clv

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/cvmkit/cvm/internal/num"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"
)

// DefaultDraws is the number of parameter sets SampleParams draws when
// SampleSettings.Draws is zero.
const DefaultDraws = 100

// DefaultLevel is the coverage of PredictIntervals and CLVIntervals when
// IntervalSettings.Level is zero: 90%.
const DefaultLevel = 0.9

// SampleSettings configures SampleParams. A nil *SampleSettings means the
// zero value: DefaultDraws draws from the asymptotic normal distribution
// of the log-parameters, seed 0.
type SampleSettings struct {
	// Draws is the number of parameter sets; zero means DefaultDraws.
	Draws int
	// Seed seeds the math/rand/v2 PCG source of the draws: the same seed
	// gives the same draws, bit for bit, whatever GOMAXPROCS and the
	// order of the customers. Zero is a seed like any other.
	Seed uint64
	// Bootstrap, when set, draws each parameter set by refitting the
	// model to a resample of the customers (a nonparametric bootstrap:
	// each distinct (x, t_x, T) row gets a multinomial count of the
	// customers, drawn as a chain of binomials, and the fit starts at the
	// model's parameters). Unset, the draws come from the asymptotic
	// normal distribution of the log-parameters, whose covariance is the
	// inverse of the negative Hessian of the log-likelihood at the
	// model's parameters (central differences of the gradient, as for
	// FitInfo.StdErr).
	Bootstrap bool
	// Progress, when not nil, is called after each bootstrap refit with
	// the number done and the total; it is not called for normal draws.
	Progress func(done, total int)
}

// SampleParams returns draws of the parameters of m, fitted to cs, that
// reflect their estimation uncertainty: a *BGNBD, *ParetoNBD or *BGBB
// each (of m's kind), for IntervalSettings.Params. The draws have no Info
// or Card. cs must be the customers m was fitted to (the uncertainty is
// that of a fit to them); it is not modified.
//
// It returns ErrUnsupported for another model, ErrEmptyInput for empty
// cs, a *CustomerError for an invalid customer, a *ParamError for bad
// settings or parameters, an error wrapping ErrNotConverged when the
// Hessian is not negative definite (the maximum is flat or m is not the
// maximum) or a bootstrap refit fails, and ctx.Err() when ctx is done
// before the end.
func SampleParams(ctx context.Context, m PurchaseModel, cs []Customer, s *SampleSettings) ([]PurchaseModel, error) {
	var set SampleSettings
	if s != nil {
		set = *s
	}
	switch {
	case set.Draws < 0:
		return nil, &ParamError{Param: "draws", Value: float64(set.Draws), Err: ErrInvalidParam}
	case set.Draws == 0:
		set.Draws = DefaultDraws
	}
	f, d, th, err := modelFitter(m, cs)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]PurchaseModel, set.Draws)
	if set.Bootstrap {
		return bootstrap(ctx, out, m, d, th, set)
	}
	u := make([]float64, len(th))
	for i, v := range th {
		u[i] = math.Log(v)
	}
	cov, ok := logCov(f, u)
	if !ok {
		return nil, fmt.Errorf("%w: the Hessian of the log-likelihood is not negative definite at the model's parameters", ErrNotConverged)
	}
	var chol mat.Cholesky
	if !chol.Factorize(cov) {
		return nil, fmt.Errorf("%w: the covariance of the log-parameters is not positive definite", ErrNotConverged)
	}
	var l mat.TriDense
	chol.LTo(&l)
	rng := rand.New(rand.NewPCG(set.Seed, 0x636c76)) // "clv"
	k := len(u)
	z := make([]float64, k)
	for i := range out {
		for j := range z {
			z[j] = rng.NormFloat64()
		}
		dr := make([]float64, k)
		for j := range dr {
			v := u[j]
			for c := 0; c <= j; c++ {
				v += l.At(j, c) * z[c]
			}
			dr[j] = math.Exp(v)
		}
		if err := checkParams(f.names, dr); err != nil {
			return nil, fmt.Errorf("%w: a draw overflows: %v", ErrNotConverged, err)
		}
		out[i] = withParams(m, dr)
	}
	return out, nil
}

// bootstrap fills out with refits of m to multinomial resamples of the
// rows of d.
func bootstrap(ctx context.Context, out []PurchaseModel, m PurchaseModel, d *indexed, th []float64, set SampleSettings) ([]PurchaseModel, error) {
	n := d.n
	for i := range out {
		src := rand.NewPCG(set.Seed, uint64(i)+1)
		left, wleft := n, n
		rows := make([]irow, 0, len(d.rows))
		for j, r := range d.rows {
			var c float64
			switch {
			case left <= 0:
			case j == len(d.rows)-1 || r.w >= wleft:
				c = left
			default:
				c = distuv.Binomial{N: left, P: r.w / wleft, Src: src}.Rand()
			}
			left -= c
			wleft -= r.w
			if c > 0 {
				rr := r
				rr.w = c
				rows = append(rows, rr)
			}
		}
		rd := &indexed{xs: d.xs, txs: d.txs, ts: d.ts, rows: rows, n: n}
		rf, _ := modelFitterIndexed(m, rd)
		res, _, err := rf.run(ctx, FitSettings{Init: th, MaxIterations: 1000})
		if err != nil {
			if cerr := ctx.Err(); cerr != nil {
				return nil, cerr
			}
			return nil, fmt.Errorf("bootstrap refit %d: %w", i, err)
		}
		out[i] = withParams(m, res)
		if set.Progress != nil {
			set.Progress(i+1, len(out))
		}
	}
	return out, nil
}

// modelFitter returns the likelihood of m's kind over cs, as the fitter
// that fits it, the indexed data and m's parameters.
func modelFitter(m PurchaseModel, cs []Customer) (*fitter, *indexed, []float64, error) {
	var d *indexed
	var err error
	switch m := m.(type) {
	case *BGNBD:
		err = m.check()
	case *ParetoNBD:
		err = m.check()
	case *BGBB:
		if err = m.check(); err == nil {
			d, err = newIndexedBGBB(cs)
		}
	default:
		return nil, nil, nil, fmt.Errorf("%w: parameter draws of %s", ErrUnsupported, m.Name())
	}
	if err == nil && d == nil {
		d, err = newIndexed(cs)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	f, th := modelFitterIndexed(m, d)
	return f, d, th, nil
}

// modelFitterIndexed returns the fitter of m's kind over d and m's
// parameters; m is a *BGNBD, *ParetoNBD or *BGBB.
func modelFitterIndexed(m PurchaseModel, d *indexed) (*fitter, []float64) {
	var f *fitter
	var th []float64
	switch m := m.(type) {
	case *BGNBD:
		f, th = &fitter{names: bgNames, obj: newBGEval(d, m.Modified).ll, analytic: true}, m.params()
	case *ParetoNBD:
		f, th = &fitter{names: paretoNames, obj: (&paretoEval{d: d}).ll, analytic: true}, m.params()
	case *BGBB:
		f, th = &fitter{names: bgbbNames, obj: (&bgbbEval{d: d}).ll}, m.params()
	}
	f.n, f.rows = d.n, len(d.rows)
	return f, th
}

// withParams returns a model of m's kind with parameters th and no fit
// information.
func withParams(m PurchaseModel, th []float64) PurchaseModel {
	switch m := m.(type) {
	case *BGNBD:
		return &BGNBD{Modified: m.Modified, R: th[0], Alpha: th[1], A: th[2], B: th[3]}
	case *ParetoNBD:
		return &ParetoNBD{R: th[0], Alpha: th[1], S: th[2], Beta: th[3]}
	case *BGBB:
		return &BGBB{Alpha: th[0], Beta: th[1], Gamma: th[2], Delta: th[3]}
	}
	panic(fmt.Sprintf("clv: withParams of %T", m))
}

// logCov returns the covariance of the log-parameters at u, the inverse
// of the negative Hessian of the log-likelihood in log(theta), formed by
// central differences of the gradient (as stdErr does); ok is false when
// the negative Hessian is not positive definite.
func logCov(f *fitter, u []float64) (*mat.SymDense, bool) {
	k := len(u)
	up := make([]float64, k)
	gp, gm := make([]float64, k), make([]float64, k)
	rows := make([][]float64, k)
	const step = 1e-4
	for i := range k {
		copy(up, u)
		up[i] = u[i] + step
		if !f.logGrad(gp, up) {
			return nil, false
		}
		up[i] = u[i] - step
		if !f.logGrad(gm, up) {
			return nil, false
		}
		rows[i] = make([]float64, k)
		for j := range k {
			rows[i][j] = (gp[j] - gm[j]) / (2 * step)
		}
	}
	h := mat.NewSymDense(k, nil)
	for i := range k {
		for j := i; j < k; j++ {
			h.SetSym(i, j, -(rows[i][j]+rows[j][i])/2)
		}
	}
	var chol mat.Cholesky
	if !chol.Factorize(h) {
		return nil, false
	}
	cov := mat.NewSymDense(k, nil)
	if err := chol.InverseTo(cov); err != nil {
		return nil, false
	}
	return cov, true
}

// IntervalSettings configures PredictIntervals and CLVIntervals. A nil
// *IntervalSettings means the zero value: 90% intervals from the model's
// own parameters, without parameter uncertainty.
type IntervalSettings struct {
	// Level is the probability the interval covers; zero means
	// DefaultLevel (0.9). It must be in (0, 1).
	Level float64
	// Params are parameter sets of the model, such as SampleParams
	// returns: the purchase distribution is their mixture, which carries
	// the parameters' uncertainty into the interval. Nil means the
	// model's own parameters alone. Every element must support
	// ConditionalPMF.
	Params []PurchaseModel
}

// Interval is a range of values, both ends included.
type Interval struct {
	Lo float64 `json:"lo"`
	Hi float64 `json:"hi"`
}

func (s *IntervalSettings) checked(m PurchaseModel) (level float64, models []condPMFer, err error) {
	var set IntervalSettings
	if s != nil {
		set = *s
	}
	switch {
	case set.Level == 0:
		set.Level = DefaultLevel
	case !(set.Level > 0 && set.Level < 1):
		return 0, nil, &ParamError{Param: "level", Value: set.Level, Err: fmt.Errorf("%w: must be in (0, 1)", ErrInvalidParam)}
	}
	ps := set.Params
	if ps == nil {
		ps = []PurchaseModel{m}
	}
	for _, p := range ps {
		cm, ok := p.(condPMFer)
		if !ok {
			return 0, nil, fmt.Errorf("%w: conditional PMF of %s", ErrUnsupported, p.Name())
		}
		if err := cm.check(); err != nil {
			return 0, nil, err
		}
		models = append(models, cm)
	}
	return set.Level, models, nil
}

// PredictIntervals stores in dst, allocated when nil or too short, an
// equal-tailed predictive interval for the number of purchases of every
// customer of cs in the next t time units, and returns it: Lo is the
// smallest n with P(X <= n) >= (1-level)/2 and Hi the smallest n with
// P(X <= n) >= (1+level)/2, where X has the customer's conditional
// distribution (ConditionalPMF) mixed over the parameter sets of s
// (each weighted equally). Counts are discrete, so the interval covers
// at least level (the 90% interval of a customer who buys nothing with
// probability 0.93 is [0, 0]).
//
// The mixture is computed to 1e-3 (1-level)/2 of probability per
// parameter set, on all cores, in a fixed order: the result does not
// depend on GOMAXPROCS. cs is not modified; empty cs gives an empty
// result. m must be a *BGNBD or *ParetoNBD (else ErrUnsupported); it
// gives the distribution when s has no Params. Errors are as for
// PredictPurchases, a *ParamError for a bad level, and ctx.Err() when ctx
// is done before the end (checked between chunks of customers).
func PredictIntervals(ctx context.Context, dst []Interval, m PurchaseModel, t float64, cs []Customer, s *IntervalSettings) ([]Interval, error) {
	level, models, err := s.checked(m)
	if err != nil {
		return nil, err
	}
	if err := checkHorizon(t); err != nil {
		return nil, err
	}
	if cap(dst) < len(cs) {
		dst = make([]Interval, len(cs))
	}
	dst = dst[:len(cs)]
	for i, c := range cs {
		if err := c.validate(i); err != nil {
			return nil, err
		}
	}
	// With several parameter sets, customers with the same history are
	// computed once: groups[g] is the lowest index of group g and of[i]
	// the group of customer i.
	groups, of := distinctHistories(cs, len(models) > 1)
	res := make([]Interval, len(groups))
	lo, hi := (1-level)/2, (1+level)/2
	tail := max(1e-3*lo, MinTailMass)
	nch := (len(groups) + chunkSize - 1) / chunkSize
	errs := make([]error, nch)
	parallelChunks(len(groups), func(ch, a, b int) {
		if err := ctx.Err(); err != nil {
			errs[ch] = err
			return
		}
		var mix, buf []float64
		for g := a; g < b; g++ {
			i := groups[g]
			c := cs[i]
			mix = mix[:0]
			for _, pm := range models {
				var ok bool
				buf, ok = pm.condPMF(buf, t, c, tail)
				if !ok {
					errs[ch] = &CustomerError{Index: i, Customer: c.ID, Field: "prediction", Err: fmt.Errorf("%w: conditional PMF", ErrNotConverged)}
					return
				}
				for len(mix) < len(buf) {
					mix = append(mix, 0)
				}
				for n, v := range buf {
					mix[n] += v
				}
			}
			res[g] = quantiles(mix, float64(len(models)), lo, hi)
		}
	})
	var first error
	for _, err := range errs {
		var ce *CustomerError
		switch {
		case err == nil:
		case !errors.As(err, &ce):
			return nil, err
		case first == nil || ce.Index < first.(*CustomerError).Index:
			first = err
		}
	}
	if first != nil {
		return nil, first
	}
	for i := range dst {
		dst[i] = res[of[i]]
	}
	return dst, nil
}

// distinctHistories returns, when merge is set, the lowest index of each
// distinct (Frequency, Recency, T) of cs and every customer's group;
// otherwise every customer is its own group.
func distinctHistories(cs []Customer, merge bool) (groups []int, of []int32) {
	of = make([]int32, len(cs))
	if !merge {
		groups = make([]int, len(cs))
		for i := range cs {
			groups[i], of[i] = i, int32(i)
		}
		return groups, of
	}
	idx := make([]int32, len(cs))
	for i := range idx {
		idx[i] = int32(i)
	}
	key := func(i int32) Row { c := cs[i]; return Row{Frequency: c.Frequency, Recency: c.Recency, T: c.T} }
	slices.SortFunc(idx, func(a, b int32) int {
		if c := cmpRow(key(a), key(b)); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	for j, i := range idx {
		if j == 0 || cmpRow(key(idx[j-1]), key(i)) != 0 {
			groups = append(groups, int(i))
		}
		of[i] = int32(len(groups) - 1)
	}
	return groups, of
}

// quantiles returns the smallest n with sum(mix[:n+1])/w >= lo and the
// smallest with >= hi; a quantile beyond the terms is the last term.
func quantiles(mix []float64, w, lo, hi float64) Interval {
	out := Interval{Lo: -1, Hi: -1}
	cum := 0.0
	for n, v := range mix {
		cum += v / w
		if out.Lo < 0 && cum >= lo {
			out.Lo = float64(n)
		}
		if cum >= hi {
			out.Hi = float64(n)
			break
		}
	}
	last := float64(len(mix) - 1)
	if out.Lo < 0 {
		out.Lo = last
	}
	if out.Hi < 0 {
		out.Hi = last
	}
	return out
}

// CLVIntervals stores in dst, allocated when nil or too short, an
// interval for the discounted value of every customer of cs over the CLV
// horizon of cset, and returns it: the customer's CLV (as CLV computes it)
// scaled by the ends of the purchase interval over the whole horizon
// (PredictIntervals at Months months) divided by the expected purchases
// over it,
//
//	[CLV lo/E[X(H)], CLV hi/E[X(H)]]
//
// that is, the interval's purchase counts valued at the customer's
// discounted expected value per purchase. The spread of the spend itself
// is not in it. A customer with no expected purchases gets [0, 0]. spend
// is as for CLV (its length must be that of cs, else CLVIntervals
// panics). Errors are those of CLV and PredictIntervals.
func CLVIntervals(ctx context.Context, dst []Interval, m PurchaseModel, spend []float64, cs []Customer, cset *CLVSettings, s *IntervalSettings) ([]Interval, error) {
	value, err := CLV(nil, m, spend, cs, cset)
	if err != nil {
		return nil, err
	}
	var set CLVSettings
	if cset != nil {
		set = *cset
	}
	months, dpm := set.Months, set.DaysPerMonth
	if months == 0 {
		months = 12
	}
	if dpm == 0 {
		dpm = 30
	}
	h := float64(months) * dpm / set.Unit.days()
	exp, err := PredictPurchases(nil, m, h, cs)
	if err != nil {
		return nil, err
	}
	dst, err = PredictIntervals(ctx, dst, m, h, cs, s)
	if err != nil {
		return nil, err
	}
	for i, iv := range dst {
		if !(exp[i] > 0) || value[i] == 0 {
			dst[i] = Interval{}
			continue
		}
		per := value[i] / exp[i]
		dst[i] = Interval{Lo: per * iv.Lo, Hi: per * iv.Hi}
		if !num.Finite(dst[i].Hi) {
			return nil, &CustomerError{Index: i, Customer: cs[i].ID, Field: "prediction", Err: fmt.Errorf("%w: CLV interval not finite", ErrNotConverged)}
		}
	}
	return dst, nil
}
