package clv

import (
	"context"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// FitSettings configures the maximum-likelihood fits. A nil *FitSettings
// means the zero value, whose fields' meanings are given below.
type FitSettings struct {
	// Penalizer is the coefficient c of an L2 penalty c * sum(theta^2) on
	// the natural-scale parameters, added to the mean negative
	// log-likelihood per customer, as in lifetimes (Davidson-Pilon 2019).
	// Zero means none (plain maximum likelihood); negative, NaN or Inf is
	// an error.
	Penalizer float64
	// Init is the starting point, in the model's parameter order on the
	// natural scale (r, alpha, a, b for BG/NBD; r, alpha, s, beta for
	// Pareto/NBD; p, q, gamma for Gamma-Gamma). Nil means all ones, as in
	// lifetimes, except that Gamma-Gamma starts gamma at the mean spend.
	// Every value must be positive and finite.
	Init []float64
	// MaxIterations bounds the optimiser's major iterations; 0 means 1000.
	MaxIterations int
	// MaxCorrelation, for FitGammaGamma only, is the largest absolute
	// Pearson correlation of frequency and mean spend among repeat buyers
	// that is accepted; above it the fit fails with ErrCorrelated. Zero
	// means no check (the correlation is still reported in the model).
	MaxCorrelation float64
	// Source is the Dataset the customers come from, when they come from
	// one (cs is Source.Customers). The fit copies its as-of, periods and
	// time unit into the model's card and, for a purchase model on a
	// Dataset with a holdout period, records the holdout error of its
	// forecasts ("holdout_mae", "holdout_bias": the mean absolute and the
	// mean error of the expected holdout purchases per customer). Nil
	// leaves those card fields empty. A Source whose Customers do not have
	// the length of cs is a programmer error and panics.
	Source *Dataset
}

// FitInfo describes a maximum-likelihood fit. All its numbers are finite:
// a fit whose log-likelihood is not finite fails instead, and StdErr is nil
// rather than NaN when the Hessian cannot be inverted.
type FitInfo struct {
	LogLikelihood float64   `json:"log_likelihood"` // at the optimum, without the penalty
	Customers     float64   `json:"customers"`      // number of customers the fit used
	Rows          int       `json:"rows"`           // distinct (x, t_x, T) rows evaluated
	AIC           float64   `json:"aic"`            // 2k - 2 LL
	BIC           float64   `json:"bic"`            // k ln(n) - 2 LL
	StdErr        []float64 `json:"std_err"`        // natural-scale standard errors; nil if the Hessian is not negative definite
	Iterations    int       `json:"iterations"`     // major iterations of the optimiser
	Evaluations   int       `json:"evaluations"`    // passes of the likelihood over the rows: the optimiser's, its numerical gradients', the optimum's and the standard errors' (a pass that also computes an analytic gradient counts once)
	Penalizer     float64   `json:"penalizer"`      // the L2 coefficient used
	// Warnings are the assumption checks that failed on the fit's data
	// (see CheckPurchaseData; Gamma-Gamma checks the frequency-spend
	// correlation); nil when all pass or for a fit from rows.
	Warnings []Warning `json:"warnings,omitempty"`
}

// objective returns the total log-likelihood at natural-scale parameters
// theta and, when grad is non-nil, stores its gradient with respect to
// theta in grad. ok is false when the value is not finite.
type objective func(theta, grad []float64) (ll float64, ok bool)

// fitter runs maximum likelihood on the log scale of the parameters.
type fitter struct {
	names    []string
	obj      objective
	analytic bool    // obj fills grad
	n        float64 // customers, the weight sum
	rows     int
	calls    int // passes of obj so far
	// linear is the number of trailing parameters (covariate effects)
	// optimised on their natural scale rather than the log scale.
	linear int
}

// isLog reports whether parameter i is optimised on the log scale.
func (f *fitter) isLog(i int) bool { return i < len(f.names)-f.linear }

// theta stores in th the natural-scale parameters of u.
func (f *fitter) theta(th, u []float64) {
	for i, v := range u {
		if f.isLog(i) {
			th[i] = math.Exp(v)
		} else {
			th[i] = v
		}
	}
}

// dtheta returns d theta_i / d u_i at theta_i.
func (f *fitter) dtheta(i int, th float64) float64 {
	if f.isLog(i) {
		return th
	}
	return 1
}

// call is f.obj, counted.
func (f *fitter) call(theta, grad []float64) (float64, bool) {
	f.calls++
	return f.obj(theta, grad)
}

// checkSettings returns the settings s of a fit of n customers with the
// parameters names, defaults filled in, or a *ParamError.
func checkSettings(s *FitSettings, names []string, n int) (FitSettings, error) {
	var set FitSettings
	if s != nil {
		set = *s
	}
	if src := set.Source; src != nil && (len(src.Customers) != n || src.Holdout != nil && len(src.Holdout) != n) {
		panic(fmt.Sprintf("clv: FitSettings.Source has %d customers and %d holdout records for %d customers", len(src.Customers), len(src.Holdout), n))
	}
	if !(set.Penalizer >= 0) || math.IsInf(set.Penalizer, 0) {
		return set, &ParamError{Param: "penalizer", Value: set.Penalizer, Err: ErrInvalidParam}
	}
	if set.Init != nil {
		if len(set.Init) != len(names) {
			panic(fmt.Sprintf("clv: %d initial values for %d parameters", len(set.Init), len(names)))
		}
		for i, v := range set.Init {
			if !(v > 0) || math.IsInf(v, 0) {
				return set, &ParamError{Param: names[i], Value: v, Err: fmt.Errorf("%w: initial value must be positive and finite", ErrInvalidParam)}
			}
		}
	}
	if set.MaxIterations <= 0 {
		set.MaxIterations = 1000
	}
	return set, nil
}

// run minimises the mean negative log-likelihood plus the penalty over
// log(theta) with BFGS and returns the natural-scale optimum and the fit's
// description. It returns ctx.Err() when ctx is done before the end.
func (f *fitter) run(ctx context.Context, set FitSettings) ([]float64, FitInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, FitInfo{}, err
	}
	prob := f.problem(ctx, set.Penalizer)
	res, err := optimize.Minimize(prob, f.start(set.Init), optSettings(set.MaxIterations), &optimize.BFGS{})
	if cerr := ctx.Err(); cerr != nil {
		return nil, FitInfo{}, cerr
	}
	if err := f.checkResult(res, err, set.MaxIterations); err != nil {
		return nil, FitInfo{}, err
	}
	theta, err := f.natural(res.X)
	if err != nil {
		return nil, FitInfo{}, err
	}
	ll, ok := f.call(theta, nil)
	if !ok {
		return nil, FitInfo{}, fmt.Errorf("%w: log-likelihood not finite at the optimum", ErrNotConverged)
	}
	return theta, f.info(ll, res, set.Penalizer), nil
}

// penalised returns the minimised objective at natural-scale theta from
// the total log-likelihood ll: -ll/n + pen * sum(theta^2).
func (f *fitter) penalised(ll float64, theta []float64, pen float64) float64 {
	val := -ll / f.n
	for _, t := range theta {
		val += pen * t * t
	}
	return val
}

// eval returns the objective at log-parameters u and, when grad is not
// nil, stores its gradient with respect to u there: by the chain rule
// d/du_i = theta_i d/dtheta_i for an analytic gradient, by central
// differences otherwise. A non-finite log-likelihood gives +Inf and a zero
// gradient, which the line search backs away from. theta and gtheta are
// scratch space of the parameters' length.
func (f *fitter) eval(u, grad, theta, gtheta []float64, pen float64) float64 {
	f.theta(theta, u)
	var g []float64
	if grad != nil && f.analytic {
		g = gtheta
	}
	ll, ok := f.call(theta, g)
	if !ok {
		if grad != nil {
			clear(grad)
		}
		return math.Inf(1)
	}
	val := f.penalised(ll, theta, pen)
	switch {
	case grad == nil:
	case f.analytic:
		for i := range grad {
			grad[i] = f.dtheta(i, theta[i]) * (-g[i]/f.n + 2*pen*theta[i])
		}
	default:
		f.numGrad(grad, u, pen)
	}
	return val
}

// problem returns the optimisation problem over the log-parameters. The
// optimiser asks for the value and the gradient at the same point in
// separate calls; with an analytic gradient both come from one pass over
// the data, so the last point's results are kept. The problem's status
// reports ctx's error after any evaluation once ctx is done.
func (f *fitter) problem(ctx context.Context, pen float64) optimize.Problem {
	k := len(f.names)
	theta, gtheta := make([]float64, k), make([]float64, k)
	status := func() (optimize.Status, error) {
		if err := ctx.Err(); err != nil {
			return optimize.Failure, err
		}
		return optimize.NotTerminated, nil
	}
	if !f.analytic {
		return optimize.Problem{
			Func:   func(u []float64) float64 { return f.eval(u, nil, theta, gtheta, pen) },
			Grad:   func(grad, u []float64) { f.eval(u, grad, theta, gtheta, pen) },
			Status: status,
		}
	}
	var lastU, lastG []float64
	var lastF float64
	at := func(u []float64) {
		if lastU != nil && slices.Equal(u, lastU) {
			return
		}
		if lastU == nil {
			lastU, lastG = make([]float64, k), make([]float64, k)
		}
		lastF = f.eval(u, lastG, theta, gtheta, pen)
		copy(lastU, u)
	}
	return optimize.Problem{
		Func: func(u []float64) float64 {
			at(u)
			return lastF
		},
		Grad: func(grad, u []float64) {
			at(u)
			copy(grad, lastG)
		},
		Status: status,
	}
}

// start returns the starting log-parameters: log(init), or all zeros
// (theta = 1) when init is nil.
func (f *fitter) start(init []float64) []float64 {
	u0 := make([]float64, len(f.names))
	for i, v := range init {
		if f.isLog(i) {
			u0[i] = math.Log(v)
		} else {
			u0[i] = v
		}
	}
	return u0
}

// optSettings returns the optimiser's settings: stop at a gradient below
// 1e-7, at maxIter major iterations, or when the objective has changed by
// less than 1e-13 (absolute and relative) over 20 iterations.
func optSettings(maxIter int) *optimize.Settings {
	return &optimize.Settings{
		GradientThreshold: 1e-7,
		MajorIterations:   maxIter,
		Converger:         &optimize.FunctionConverge{Absolute: 1e-13, Relative: 1e-13, Iterations: 20},
	}
}

// checkResult turns the optimiser's outcome into an error, or nil for a
// converged run. A line search that cannot improve any more at a point
// with a small gradient is the usual end of a converged run; an
// estimate that ran far away (|log theta| > 9) names its parameter, the
// maximum being at the boundary of the parameter space.
func (f *fitter) checkResult(res *optimize.Result, err error, maxIter int) error {
	if res == nil {
		return fmt.Errorf("%w: %v", ErrNotConverged, err)
	}
	if res.Status == optimize.IterationLimit {
		return fmt.Errorf("%w: iteration limit %d reached", ErrNotConverged, maxIter)
	}
	if err == nil || res.Status == optimize.Failure && gradNorm(res.Gradient) < 1e-5 {
		return nil
	}
	far := 0
	for i, v := range res.X {
		if f.isLog(i) && math.Abs(v) > math.Abs(res.X[far]) {
			far = i
		}
	}
	if f.isLog(far) && math.Abs(res.X[far]) > 9 {
		return &ParamError{Param: f.names[far], Value: math.Exp(res.X[far]),
			Err: fmt.Errorf("%w: the estimate runs to the boundary (%v)", ErrNotConverged, err)}
	}
	return fmt.Errorf("%w: %v (status %v)", ErrNotConverged, err, res.Status)
}

// natural returns the natural-scale parameters exp(u), or a *ParamError
// naming one that overflowed or underflowed.
func (f *fitter) natural(u []float64) ([]float64, error) {
	out := make([]float64, len(u))
	f.theta(out, u)
	for i := range u {
		if f.isLog(i) && !(out[i] > 0) || math.IsInf(out[i], 0) || math.IsNaN(out[i]) {
			return nil, &ParamError{Param: f.names[i], Value: out[i], Err: fmt.Errorf("%w: fit diverged", ErrNotConverged)}
		}
	}
	return out, nil
}

// info describes a converged fit with log-likelihood ll at res.X.
func (f *fitter) info(ll float64, res *optimize.Result, pen float64) FitInfo {
	k := float64(len(f.names))
	se := f.stdErr(res.X)
	return FitInfo{
		LogLikelihood: ll,
		Customers:     f.n,
		Rows:          f.rows,
		AIC:           2*k - 2*ll,
		BIC:           k*math.Log(f.n) - 2*ll,
		Iterations:    res.Stats.MajorIterations,
		Penalizer:     pen,
		StdErr:        se,
		Evaluations:   f.calls,
	}
}

func gradNorm(g []float64) float64 {
	m := 0.0
	for _, v := range g {
		m = max(m, math.Abs(v))
	}
	return m
}

// numGrad stores in grad the central-difference gradient of the penalised
// mean negative log-likelihood at log-parameters u.
func (f *fitter) numGrad(grad, u []float64, pen float64) {
	k := len(u)
	up := make([]float64, k)
	th := make([]float64, k)
	val := func(v []float64) float64 {
		f.theta(th, v)
		ll, ok := f.call(th, nil)
		if !ok {
			return math.NaN()
		}
		return f.penalised(ll, th, pen)
	}
	const h = 1e-6
	for i := range u {
		copy(up, u)
		up[i] = u[i] + h
		fp := val(up)
		up[i] = u[i] - h
		fm := val(up)
		grad[i] = (fp - fm) / (2 * h)
		if math.IsNaN(grad[i]) {
			grad[i] = 0
		}
	}
}

// logGrad stores in g the gradient of the total log-likelihood with respect
// to the log-parameters u; ok is false if it is not finite.
func (f *fitter) logGrad(g, u []float64) bool {
	k := len(u)
	th := make([]float64, k)
	f.theta(th, u)
	if f.analytic {
		if _, ok := f.call(th, g); !ok {
			return false
		}
		for i := range g {
			g[i] *= f.dtheta(i, th[i])
		}
		return true
	}
	f.numGrad(g, u, 0)
	for i := range g {
		g[i] *= -f.n
	}
	return true
}

// stdErr returns the natural-scale standard errors at the log-scale
// optimum u: the Hessian H of the log-likelihood in log(theta) is formed
// by central differences of the gradient, the covariance of log(theta) is
// inv(-H), and by the delta method se(theta_i) = theta_i * se(log theta_i).
// It returns nil when -H is not positive definite.
func (f *fitter) stdErr(u []float64) []float64 {
	k := len(u)
	h := mat.NewSymDense(k, nil)
	up := make([]float64, k)
	gp := make([]float64, k)
	gm := make([]float64, k)
	rows := make([][]float64, k)
	const step = 1e-4
	for i := range k {
		copy(up, u)
		up[i] = u[i] + step
		if !f.logGrad(gp, up) {
			return nil
		}
		up[i] = u[i] - step
		if !f.logGrad(gm, up) {
			return nil
		}
		rows[i] = make([]float64, k)
		for j := range k {
			rows[i][j] = (gp[j] - gm[j]) / (2 * step)
		}
	}
	for i := range k {
		for j := i; j < k; j++ {
			h.SetSym(i, j, -(rows[i][j]+rows[j][i])/2)
		}
	}
	var chol mat.Cholesky
	if !chol.Factorize(h) {
		return nil
	}
	var cov mat.SymDense
	if err := chol.InverseTo(&cov); err != nil {
		return nil
	}
	se := make([]float64, k)
	for i := range k {
		v := cov.At(i, i)
		if !(v > 0) || math.IsInf(v, 0) {
			return nil
		}
		th := u[i]
		if f.isLog(i) {
			th = math.Exp(u[i])
		}
		se[i] = f.dtheta(i, th) * math.Sqrt(v)
	}
	return se
}
