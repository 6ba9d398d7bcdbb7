package clv

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/cvmkit/cvm/internal/num"
	"gonum.org/v1/gonum/stat/distuv"
)

// Covariates are time-invariant customer attributes for the covariate
// fits: Values[i] holds the Names' values of customer i of the customer
// slice the fit is given (the same index), so len(Values) is the number
// of customers and every row has len(Names) values.
type Covariates struct {
	Names  []string
	Values [][]float64
}

// LRTest is a likelihood-ratio test of a model against a restricted model
// nested in it: Statistic = 2 (LL_full - LL_restricted), asymptotically
// chi-square with DF degrees of freedom under the restricted model, and
// PValue = P(chi2(DF) >= Statistic). A statistic below 0 (the optimiser
// stopped short) is reported as 0.
type LRTest struct {
	Statistic float64 `json:"statistic"`
	DF        int     `json:"df"`
	PValue    float64 `json:"p_value"`
}

// LikelihoodRatio returns the likelihood-ratio test of a full model with
// log-likelihood llFull against a restricted model nested in it with
// llRestricted and df fewer free parameters. It panics for df < 1, a
// programmer error.
func LikelihoodRatio(llRestricted, llFull float64, df int) LRTest {
	if df < 1 {
		panic(fmt.Sprintf("clv: likelihood-ratio test with %d degrees of freedom", df))
	}
	st := max(0, 2*(llFull-llRestricted))
	return LRTest{Statistic: st, DF: df, PValue: distuv.ChiSquared{K: float64(df)}.Survival(st)}
}

// covGroup is the customers that share one covariate vector.
type covGroup struct {
	z []float64
	d *indexed
}

// groupCovariates validates cs and z and groups the customers by their
// covariate vector, in the order of the vectors (so the sums do not
// depend on the customers' order).
func groupCovariates(cs []Customer, z Covariates) ([]covGroup, error) {
	if len(cs) == 0 {
		return nil, ErrEmptyInput
	}
	if len(z.Values) != len(cs) {
		panic(fmt.Sprintf("clv: %d covariate rows for %d customers", len(z.Values), len(cs)))
	}
	k := len(z.Names)
	if k == 0 {
		panic("clv: no covariates")
	}
	byKey := map[string][]Customer{}
	vec := map[string][]float64{}
	for i, c := range cs {
		if err := c.validate(i); err != nil {
			return nil, err
		}
		row := z.Values[i]
		if len(row) != k {
			panic(fmt.Sprintf("clv: customer %d has %d covariates, want %d", i, len(row), k))
		}
		for j, v := range row {
			if !num.Finite(v) {
				return nil, &CustomerError{Index: i, Customer: c.ID, Field: z.Names[j], Err: fmt.Errorf("%w: covariate %v is not finite", ErrInvalidCustomer, v)}
			}
		}
		key := fmt.Sprint(row)
		if _, ok := vec[key]; !ok {
			vec[key] = row
		}
		byKey[key] = append(byKey[key], c)
	}
	keys := make([]string, 0, len(vec))
	for key := range vec {
		keys = append(keys, key)
	}
	slices.SortFunc(keys, func(a, b string) int { return slices.Compare(vec[a], vec[b]) })
	out := make([]covGroup, len(keys))
	for i, key := range keys {
		out[i] = covGroup{z: slices.Clone(vec[key]), d: indexRows(Compress(byKey[key]))}
	}
	return out, nil
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// covObjective returns the log-likelihood over groups of a four-parameter
// model with base parameters theta[:4] and the covariate effects
// theta[4:4+k] (trans) and theta[4+k:] (life), where scale(base, gt, gl,
// z) gives the group's parameters and dscale their derivatives (d
// p_j / d log of the base and the effect of z through gt'z and gl'z);
// eval is the plain model's log-likelihood and gradient over one group.
type covModel struct {
	groups []covGroup
	k      int
	// params returns the group parameters from the base and the linear
	// predictors et = gt'z, el = gl'z.
	params func(base []float64, et, el float64) [4]float64
	// chain gives, for each group parameter j, the factors
	// d p_j/d base_j (base params map one to one) and d p_j/d et,
	// d p_j/d el.
	chain func(p [4]float64, base []float64) (dBase, dEt, dEl [4]float64)
	evals []func(theta, grad []float64) (float64, bool)
}

func (m *covModel) ll(theta, grad []float64) (float64, bool) {
	base := theta[:4]
	gt, gl := theta[4:4+m.k], theta[4+m.k:]
	if grad != nil {
		clear(grad)
	}
	g := make([]float64, 4)
	tot := 0.0
	for gi, gr := range m.groups {
		et, el := dot(gt, gr.z), dot(gl, gr.z)
		p := m.params(base, et, el)
		var gp []float64
		if grad != nil {
			gp = g
		}
		v, ok := m.evals[gi](p[:], gp)
		if !ok {
			return 0, false
		}
		tot += v
		if grad == nil {
			continue
		}
		dB, dEt, dEl := m.chain(p, base)
		for j := range 4 {
			grad[j] += g[j] * dB[j]
			for c, zc := range gr.z {
				grad[4+c] += g[j] * dEt[j] * zc
				grad[4+m.k+c] += g[j] * dEl[j] * zc
			}
		}
	}
	return tot, num.Finite(tot)
}

// covNames returns the parameter names of a covariate fit.
func covNames(base []string, z Covariates) []string {
	out := slices.Clone(base)
	for _, n := range z.Names {
		out = append(out, "trans."+n)
	}
	for _, n := range z.Names {
		out = append(out, "life."+n)
	}
	return out
}

// CovariateFit is what a covariate fit adds to its plain model: the
// covariates' names, their effects on the purchase process (Trans) and
// on the dropout process (Life), and the likelihood-ratio test against
// the plain model fitted on the same customers (Plain). Info describes
// the covariate fit; its StdErr lists the base parameters' then the
// Trans then the Life effects' standard errors (nil when the Hessian is
// singular, as for a covariate that is zero for everybody). When every
// covariate is zero for every customer the effects are not identified:
// the fit is the plain fit exactly, with effects 0, no standard errors,
// and AIC and BIC counting the effects.
type CovariateFit struct {
	Names       []string
	Trans, Life []float64
	Info        FitInfo
	LR          LRTest
}

// covSettings checks s for a covariate fit; Init is for the base
// parameters only, the effects starting at 0.
func covSettings(s *FitSettings, base []string, n int) (FitSettings, error) {
	return checkSettings(s, base, n)
}

// BGNBDCov is a BG/NBD model with time-invariant covariates as in
// CLVTools (Bachmann, Meierer & Näf 2021): customer i with covariates z
// has
//
//	alpha_i = alpha exp(-gamma_trans'z),  a_i = a exp(gamma_life'z),  b_i = b exp(gamma_life'z)
//
// and r shared, so a positive trans effect raises the purchase rate and a
// life effect scales both Beta parameters (leaving the mean dropout
// probability a/(a+b) and changing its spread). Base holds r, alpha, a
// and b at z = 0 (its Info and Card are the covariate fit's), Plain the
// model without covariates. It marshals to JSON in the envelope
// [BGNBDCovFormat].
type BGNBDCov struct {
	Base  *BGNBD
	Plain *BGNBD
	CovariateFit
}

// For returns the plain BG/NBD model of a customer with covariates z
// (alpha_i, a_i, b_i), whose methods give that customer's predictions. It
// panics when len(z) is not the number of covariates.
func (m *BGNBDCov) For(z []float64) *BGNBD {
	if len(z) != len(m.Names) {
		panic(fmt.Sprintf("clv: %d covariates, want %d", len(z), len(m.Names)))
	}
	el := math.Exp(dot(m.Life, z))
	return &BGNBD{Modified: m.Base.Modified, R: m.Base.R, Alpha: m.Base.Alpha * math.Exp(-dot(m.Trans, z)), A: m.Base.A * el, B: m.Base.B * el}
}

// FitBGNBDCovariates fits BG/NBD with the covariates z of cs by maximum
// likelihood (analytic gradient; customers with equal covariates and
// equal (x, t_x, T) are evaluated once), and the plain BG/NBD for the
// likelihood-ratio test. s.Init, when given, is the base parameters'
// start; the effects start at 0. Errors are as for FitBGNBD, plus a
// *CustomerError naming the covariate for a NaN or infinite value. A z
// whose Values do not have one row of len(Names) values per customer, or
// no Names, panics.
func FitBGNBDCovariates(ctx context.Context, cs []Customer, z Covariates, s *FitSettings) (*BGNBDCov, error) {
	set, err := covSettings(s, bgNames, len(cs))
	if err != nil {
		return nil, err
	}
	groups, err := groupCovariates(cs, z)
	if err != nil {
		return nil, err
	}
	plain, err := FitBGNBD(ctx, cs, s)
	if err != nil {
		return nil, err
	}
	if len(groups) == 1 && allZero(groups[0].z) {
		return &BGNBDCov{Base: plain, Plain: plain, CovariateFit: zeroFit(z, plain.Info)}, nil
	}
	cm := newBGCov(groups, len(z.Names))
	th, info, err := runCov(ctx, cm, covNames(bgNames, z), set)
	if err != nil {
		return nil, err
	}
	base := &BGNBD{R: th[0], Alpha: th[1], A: th[2], B: th[3], Info: info, Card: newCard(cs, set, info)}
	return &BGNBDCov{Base: base, Plain: plain, CovariateFit: covFit(z, th, info, plain.Info.LogLikelihood)}, nil
}

// ParetoNBDCov is a Pareto/NBD model with time-invariant covariates as in
// CLVTools: customer i with covariates z has
//
//	alpha_i = alpha exp(-gamma_trans'z),  beta_i = beta exp(-gamma_life'z)
//
// with r and s shared, so a positive trans effect raises the purchase
// rate and a positive life effect the dropout rate. Base holds r, alpha,
// s and beta at z = 0 (its Info and Card are the covariate fit's), Plain
// the model without covariates. It marshals to JSON in the envelope
// [ParetoNBDCovFormat].
type ParetoNBDCov struct {
	Base  *ParetoNBD
	Plain *ParetoNBD
	CovariateFit
}

// For returns the plain Pareto/NBD model of a customer with covariates z
// (alpha_i, beta_i). It panics when len(z) is not the number of
// covariates.
func (m *ParetoNBDCov) For(z []float64) *ParetoNBD {
	if len(z) != len(m.Names) {
		panic(fmt.Sprintf("clv: %d covariates, want %d", len(z), len(m.Names)))
	}
	return &ParetoNBD{R: m.Base.R, Alpha: m.Base.Alpha * math.Exp(-dot(m.Trans, z)), S: m.Base.S, Beta: m.Base.Beta * math.Exp(-dot(m.Life, z))}
}

// FitParetoNBDCovariates fits Pareto/NBD with covariates like
// FitBGNBDCovariates.
func FitParetoNBDCovariates(ctx context.Context, cs []Customer, z Covariates, s *FitSettings) (*ParetoNBDCov, error) {
	set, err := covSettings(s, paretoNames, len(cs))
	if err != nil {
		return nil, err
	}
	groups, err := groupCovariates(cs, z)
	if err != nil {
		return nil, err
	}
	plain, err := FitParetoNBD(ctx, cs, s)
	if err != nil {
		return nil, err
	}
	if len(groups) == 1 && allZero(groups[0].z) {
		return &ParetoNBDCov{Base: plain, Plain: plain, CovariateFit: zeroFit(z, plain.Info)}, nil
	}
	cm := newParetoCov(groups, len(z.Names))
	th, info, err := runCov(ctx, cm, covNames(paretoNames, z), set)
	if err != nil {
		return nil, err
	}
	base := &ParetoNBD{R: th[0], Alpha: th[1], S: th[2], Beta: th[3], Info: info, Card: newCard(cs, set, info)}
	return &ParetoNBDCov{Base: base, Plain: plain, CovariateFit: covFit(z, th, info, plain.Info.LogLikelihood)}, nil
}

// newBGCov is the covariate BG/NBD likelihood over groups with k
// covariates.
func newBGCov(groups []covGroup, k int) *covModel {
	cm := &covModel{groups: groups, k: k,
		params: func(b []float64, et, el float64) [4]float64 {
			e := math.Exp(el)
			return [4]float64{b[0], b[1] * math.Exp(-et), b[2] * e, b[3] * e}
		},
		chain: func(p [4]float64, b []float64) (dB, dEt, dEl [4]float64) {
			dB = [4]float64{1, p[1] / b[1], p[2] / b[2], p[3] / b[3]}
			dEt = [4]float64{0, -p[1], 0, 0}
			dEl = [4]float64{0, 0, p[2], p[3]}
			return
		},
	}
	for _, g := range groups {
		cm.evals = append(cm.evals, newBGEval(g.d, false).ll)
	}
	return cm
}

// newParetoCov is the covariate Pareto/NBD likelihood over groups with k
// covariates.
func newParetoCov(groups []covGroup, k int) *covModel {
	cm := &covModel{groups: groups, k: k,
		params: func(b []float64, et, el float64) [4]float64 {
			return [4]float64{b[0], b[1] * math.Exp(-et), b[2], b[3] * math.Exp(-el)}
		},
		chain: func(p [4]float64, b []float64) (dB, dEt, dEl [4]float64) {
			dB = [4]float64{1, p[1] / b[1], 1, p[3] / b[3]}
			dEt = [4]float64{0, -p[1], 0, 0}
			dEl = [4]float64{0, 0, 0, -p[3]}
			return
		},
	}
	for _, g := range groups {
		cm.evals = append(cm.evals, (&paretoEval{d: g.d}).ll)
	}
	return cm
}

func runCov(ctx context.Context, cm *covModel, names []string, set FitSettings) ([]float64, FitInfo, error) {
	rows := 0
	n := 0.0
	for _, g := range cm.groups {
		rows += len(g.d.rows)
		n += g.d.n
	}
	f := &fitter{names: names, obj: cm.ll, analytic: true, n: n, rows: rows, linear: 2 * cm.k}
	if set.Init != nil {
		set.Init = append(slices.Clone(set.Init), make([]float64, 2*cm.k)...)
	}
	return f.run(ctx, set)
}

func allZero(z []float64) bool {
	for _, v := range z {
		if v != 0 {
			return false
		}
	}
	return true
}

// zeroFit is the covariate fit when every covariate is zero for every
// customer: the effects are not identified, the plain fit is the
// maximum, and the effects are reported as 0 without standard errors.
func zeroFit(z Covariates, plain FitInfo) CovariateFit {
	k := len(z.Names)
	info := plain
	info.StdErr = nil
	info.AIC += 2 * float64(2*k)
	info.BIC += float64(2*k) * math.Log(plain.Customers)
	return CovariateFit{Names: slices.Clone(z.Names), Trans: make([]float64, k), Life: make([]float64, k), Info: info,
		LR: LikelihoodRatio(plain.LogLikelihood, plain.LogLikelihood, 2*k)}
}

func covFit(z Covariates, th []float64, info FitInfo, plainLL float64) CovariateFit {
	k := len(z.Names)
	return CovariateFit{
		Names: slices.Clone(z.Names),
		Trans: slices.Clone(th[4 : 4+k]),
		Life:  slices.Clone(th[4+k:]),
		Info:  info,
		LR:    LikelihoodRatio(plainLL, info.LogLikelihood, 2*k),
	}
}
