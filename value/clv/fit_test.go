package clv

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"testing"

	"github.com/cvmkit/cvm/internal/check"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/mathext"
)

// small is a hand-made customer base covering x = 0, t_x = T, and a
// customer with many purchases.
var small = []Customer{
	{ID: "a", Frequency: 0, Recency: 0, T: 38.86},
	{ID: "b", Frequency: 2, Recency: 30.43, T: 38.86},
	{ID: "c", Frequency: 1, Recency: 1.71, T: 38.86},
	{ID: "d", Frequency: 5, Recency: 20, T: 20},
	{ID: "e", Frequency: 0, Recency: 0, T: 0.5},
	{ID: "f", Frequency: 12, Recency: 35, T: 36},
	{ID: "b2", Frequency: 2, Recency: 30.43, T: 38.86},
}

// bgClosedForm is FHL 2005 eq. (6) in plain arithmetic with math.Gamma and
// math.Beta-by-Gamma, without logs; modified adds the MBG/NBD terms
// (Batislam et al. 2007, eq. 4).
func bgClosedForm(r, alpha, a, b float64, c Customer, modified bool) float64 {
	beta := func(x, y float64) float64 { return math.Gamma(x) * math.Gamma(y) / math.Gamma(x+y) }
	x, tx, T := c.Frequency, c.Recency, c.T
	nb := math.Gamma(r+x) * math.Pow(alpha, r) / math.Gamma(r)
	if modified {
		return beta(a, b+x+1)/beta(a, b)*nb/math.Pow(alpha+T, r+x) +
			beta(a+1, b+x)/beta(a, b)*nb/math.Pow(alpha+tx, r+x)
	}
	l := beta(a, b+x) / beta(a, b) * nb / math.Pow(alpha+T, r+x)
	if x > 0 {
		l += beta(a+1, b+x-1) / beta(a, b) * nb / math.Pow(alpha+tx, r+x)
	}
	return l
}

func TestBGNBDLogLikelihoodClosedForm(t *testing.T) {
	// Expected values: FHL 2005 eq. (6) and Batislam et al. 2007 eq. (4)
	// evaluated directly in the test at the published CDNOW parameters and
	// at another point.
	for _, tc := range []struct {
		name     string
		p        [4]float64
		modified bool
	}{
		{"bgnbd-cdnow", [4]float64{0.243, 4.414, 0.793, 2.426}, false},
		{"bgnbd-other", [4]float64{1.5, 2, 3, 0.7}, false},
		{"mbgnbd-cdnow", [4]float64{0.243, 4.414, 0.793, 2.426}, true},
		{"mbgnbd-other", [4]float64{1.5, 2, 3, 0.7}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := &BGNBD{Modified: tc.modified, R: tc.p[0], Alpha: tc.p[1], A: tc.p[2], B: tc.p[3]}
			want := 0.0
			for _, c := range small {
				want += math.Log(bgClosedForm(tc.p[0], tc.p[1], tc.p[2], tc.p[3], c, tc.modified))
			}
			got, err := m.LogLikelihood(small)
			if err != nil {
				t.Fatal(err)
			}
			check.Float(t, "LL", got, want, 1e-9, 0)
		})
	}
}

// paretoByQuadrature integrates the individual Pareto/NBD likelihood
// (Schmittlein et al. 1987; Fader & Hardie 2005 note, eq. 3)
//
//	L(lambda, mu) = lambda^x exp(-(lambda+mu)T)
//	              + lambda^x mu/(lambda+mu) (exp(-(lambda+mu)t_x) - exp(-(lambda+mu)T))
//
// over the Gamma mixing distributions by a midpoint rule in the quantile
// scale of each, an integration independent of the hypergeometric form.
func paretoByQuadrature(r, alpha, s, beta float64, c Customer) float64 {
	const n = 700
	qs := func(shape, rate float64) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = gammaQuantile(shape, rate, (float64(i)+0.5)/n)
		}
		return out
	}
	ls, ms := qs(r, alpha), qs(s, beta)
	x, tx, T := c.Frequency, c.Recency, c.T
	sum := 0.0
	for _, l := range ls {
		lx := math.Pow(l, x)
		for _, mu := range ms {
			k := l + mu
			sum += lx*math.Exp(-k*T) + lx*mu/k*(math.Exp(-k*tx)-math.Exp(-k*T))
		}
	}
	return sum / (n * n)
}

func TestParetoLogLikelihoodQuadrature(t *testing.T) {
	if testing.Short() {
		t.Skip("quadrature is slow")
	}
	// Expected values: the likelihood integrated numerically in the test
	// (paretoByQuadrature); the midpoint rule is accurate to about 1e-3
	// relative here.
	for _, p := range [][4]float64{{0.553, 10.578, 0.606, 11.669}, {2, 3, 1.5, 1}} {
		m := &ParetoNBD{R: p[0], Alpha: p[1], S: p[2], Beta: p[3]}
		for _, c := range small[:4] {
			want := math.Log(paretoByQuadrature(p[0], p[1], p[2], p[3], c))
			got, err := m.LogLikelihood([]Customer{c})
			if err != nil {
				t.Fatal(err)
			}
			check.Float(t, fmt.Sprintf("params %v customer %s: LL", p, c.ID), got, want, 0, 5e-3)
		}
	}
}

func TestGammaGammaLogLikelihoodClosedForm(t *testing.T) {
	// Expected: FHL 2005b eq. (3) evaluated in plain arithmetic in the test.
	cs := []Customer{{Frequency: 1, Recency: 1, T: 2, MeanSpend: 11.77}, {Frequency: 2, Recency: 1, T: 2, MeanSpend: 22.35}, {Frequency: 5, Recency: 4, T: 5, MeanSpend: 40}}
	p, q, g := 6.25, 3.74, 15.44
	want := 0.0
	for _, c := range cs {
		x, m := c.Frequency, c.MeanSpend
		l := math.Gamma(p*x+q) / (math.Gamma(p*x) * math.Gamma(q)) * math.Pow(g, q) * math.Pow(m, p*x-1) * math.Pow(x, p*x) / math.Pow(g+m*x, p*x+q)
		want += math.Log(l)
	}
	got, err := (&GammaGamma{P: p, Q: q, Gamma: g}).LogLikelihood(cs)
	if err != nil {
		t.Fatal(err)
	}
	check.Float(t, "LL", got, want, 1e-9, 0)
}

func TestAnalyticGradients(t *testing.T) {
	// Expected: central differences of the log-likelihood itself.
	d := indexRows(Compress(small))
	gradOK := func(name string, obj objective, th []float64) {
		g := make([]float64, len(th))
		if _, ok := obj(th, g); !ok {
			t.Fatalf("%s: not finite", name)
		}
		want := fd.Gradient(nil, func(x []float64) float64 {
			v, ok := obj(x, nil)
			if !ok {
				t.Fatalf("%s: log-likelihood not finite at %v", name, x)
			}
			return v
		}, th, &fd.Settings{Formula: fd.Central, Step: 1e-6})
		check.Floats(t, name+": gradient", g, want, 1e-5, 1e-5)
	}
	th := []float64{0.8, 3, 1.2, 2.5}
	gradOK("bgnbd", newBGEval(d, false).ll, th)
	gradOK("mbgnbd", newBGEval(d, true).ll, th)
	rows := check.Must(CompressSpend(simSpend(1, 50, 6, 4, 150)))
	gradOK("gammagamma", ggObjective(rows), []float64{5, 3, 100})
}

// within checks that every estimate is within z standard errors of the
// truth.
func within(t *testing.T, names []string, got, truth, se []float64, z float64) {
	t.Helper()
	if se == nil {
		t.Fatal("no standard errors")
	}
	for i := range got {
		if math.Abs(got[i]-truth[i]) > z*se[i] {
			t.Errorf("%s = %.4f (se %.4f), true %.4f", names[i], got[i], se[i], truth[i])
		}
	}
}

func TestRecovery(t *testing.T) {
	// Data simulated in the test from known parameters; the estimates
	// must lie within 3 standard errors of the truth.
	const n = 8000
	t.Run("bgnbd", func(t *testing.T) {
		truth := []float64{0.5, 5, 0.8, 2.5}
		m, err := FitBGNBD(ctx, simBGNBD(11, n, truth[0], truth[1], truth[2], truth[3], false), nil)
		if err != nil {
			t.Fatal(err)
		}
		within(t, bgNames, m.params(), truth, m.Info.StdErr, 3)
	})
	t.Run("mbgnbd", func(t *testing.T) {
		truth := []float64{1.2, 8, 0.9, 7}
		m, err := FitMBGNBD(ctx, simBGNBD(12, n, truth[0], truth[1], truth[2], truth[3], true), nil)
		if err != nil {
			t.Fatal(err)
		}
		within(t, bgNames, m.params(), truth, m.Info.StdErr, 3)
	})
	t.Run("pareto", func(t *testing.T) {
		truth := []float64{0.6, 10, 0.8, 12}
		m, err := FitParetoNBD(ctx, simPareto(13, n/5, truth[0], truth[1], truth[2], truth[3]), nil)
		if err != nil {
			t.Fatal(err)
		}
		within(t, paretoNames, m.params(), truth, m.Info.StdErr, 3)
	})
	t.Run("gammagamma", func(t *testing.T) {
		truth := []float64{6, 4, 150}
		m, err := FitGammaGamma(ctx, simSpend(14, 3000, truth[0], truth[1], truth[2]), nil)
		if err != nil {
			t.Fatal(err)
		}
		within(t, ggNames, m.params(), truth, m.Info.StdErr, 3)
		if math.Abs(m.Correlation) > 0.1 {
			t.Errorf("correlation %.3f of independent data", m.Correlation)
		}
	})
}

func TestPenalizerShrinks(t *testing.T) {
	cs := simBGNBD(21, 2000, 0.5, 5, 0.8, 2.5, false)
	m0, err := FitBGNBD(ctx, cs, nil)
	if err != nil {
		t.Fatal(err)
	}
	m1, err := FitBGNBD(ctx, cs, &FitSettings{Penalizer: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	// An L2 penalty lowers the penalised sum of squares and cannot raise
	// the log-likelihood above the maximum.
	ss := func(p []float64) float64 {
		s := 0.0
		for _, v := range p {
			s += v * v
		}
		return s
	}
	if ss(m1.params()) >= ss(m0.params()) {
		t.Errorf("penalised sum of squares %.4f >= unpenalised %.4f", ss(m1.params()), ss(m0.params()))
	}
	if m1.Info.LogLikelihood > m0.Info.LogLikelihood+1e-6 {
		t.Errorf("penalised LL %.6f above maximum %.6f", m1.Info.LogLikelihood, m0.Info.LogLikelihood)
	}
	if m1.Info.Penalizer != 0.01 {
		t.Errorf("Info.Penalizer = %v", m1.Info.Penalizer)
	}
}

func TestFitInfo(t *testing.T) {
	cs := simBGNBD(22, 1000, 0.5, 5, 0.8, 2.5, false)
	orig := slices.Clone(cs)
	m, err := FitBGNBD(ctx, cs, nil)
	if err != nil {
		t.Fatal(err)
	}
	ll, err := m.LogLikelihood(cs)
	if err != nil {
		t.Fatal(err)
	}
	in := m.Info
	// AIC = 2k - 2LL, BIC = k ln n - 2LL (Akaike 1974; Schwarz 1978).
	check.Float(t, "LL", in.LogLikelihood, ll, 0, 1e-9)
	check.Float(t, "AIC", in.AIC, 8-2*ll, 0, 1e-9)
	check.Float(t, "BIC", in.BIC, 4*math.Log(1000)-2*ll, 0, 1e-9)
	if !slices.Equal(cs, orig) {
		t.Error("FitBGNBD modified its input")
	}
	if in.Customers != 1000 || in.Iterations == 0 || in.Rows == 0 || in.Rows > 1000 {
		t.Errorf("info %+v", in)
	}
	// The maximum: moving any parameter lowers the likelihood.
	for i := range 4 {
		for _, f := range []float64{0.99, 1.01} {
			p := m.params()
			p[i] *= f
			mm := &BGNBD{R: p[0], Alpha: p[1], A: p[2], B: p[3]}
			l2 := check.Must(mm.LogLikelihood(cs))
			if l2 > ll {
				t.Errorf("param %d x%.2f: LL %.6f > max %.6f", i, f, l2, ll)
			}
		}
	}
}

func TestFitErrors(t *testing.T) {
	good := small
	bad := []Customer{{ID: "ok", T: 1}, {ID: "neg", Frequency: -1, T: 1}}
	for _, tc := range []struct {
		name string
		cs   []Customer
		s    *FitSettings
		want error
	}{
		{"empty", nil, nil, ErrEmptyInput},
		{"bad customer", bad, nil, ErrInvalidCustomer},
		{"negative penalizer", good, &FitSettings{Penalizer: -1}, ErrInvalidParam},
		{"NaN penalizer", good, &FitSettings{Penalizer: math.NaN()}, ErrInvalidParam},
		{"bad init", good, &FitSettings{Init: []float64{1, 1, 0, 1}}, ErrInvalidParam},
		{"iteration limit", good, &FitSettings{MaxIterations: 1}, ErrNotConverged},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for name, fit := range map[string]func([]Customer, *FitSettings) (PurchaseModel, error){
				"bgnbd":  func(c []Customer, s *FitSettings) (PurchaseModel, error) { return FitBGNBD(ctx, c, s) },
				"mbgnbd": func(c []Customer, s *FitSettings) (PurchaseModel, error) { return FitMBGNBD(ctx, c, s) },
				"pareto": func(c []Customer, s *FitSettings) (PurchaseModel, error) { return FitParetoNBD(ctx, c, s) },
			} {
				m, err := fit(tc.cs, tc.s)
				if !errors.Is(err, tc.want) {
					t.Errorf("%s: err = %v, want %v", name, err, tc.want)
				}
				if err == nil || !isNilModel(m) {
					t.Errorf("%s: got a model with an error", name)
				}
			}
		})
	}
	var ce *CustomerError
	_, err := FitBGNBD(ctx, bad, nil)
	if !errors.As(err, &ce) || ce.Index != 1 || ce.Customer != "neg" || ce.Field != "frequency" {
		t.Errorf("err = %#v, want customer neg at index 1, field frequency", err)
	}
	var pe *ParamError
	_, err = FitBGNBD(ctx, good, &FitSettings{Init: []float64{1, math.Inf(1), 1, 1}})
	if !errors.As(err, &pe) || pe.Param != "alpha" {
		t.Errorf("err = %v, want parameter alpha", err)
	}
}

func isNilModel(m PurchaseModel) bool {
	switch v := m.(type) {
	case *BGNBD:
		return v == nil
	case *ParetoNBD:
		return v == nil
	}
	return m == nil
}

func TestGammaGammaErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		cs   []Customer
		s    *FitSettings
		want error
	}{
		{"empty", nil, nil, ErrEmptyInput},
		{"no repeat buyers", []Customer{{T: 3}, {Frequency: 2, Recency: 1, T: 3, MeanSpend: 0}}, nil, ErrNoRepeatBuyers},
		{"negative spend", []Customer{{Frequency: 1, Recency: 1, T: 2, MeanSpend: -3}}, nil, ErrInvalidCustomer},
		{"NaN spend", []Customer{{Frequency: 1, Recency: 1, T: 2, MeanSpend: math.NaN()}}, nil, ErrInvalidCustomer},
		{"bad customer", []Customer{{Frequency: 1, Recency: 3, T: 2, MeanSpend: 1}}, nil, ErrInvalidCustomer},
		{"bad penalizer", simSpend(1, 10, 6, 4, 150), &FitSettings{Penalizer: math.Inf(1)}, ErrInvalidParam},
		{"correlated", correlatedSpend(), &FitSettings{MaxCorrelation: 0.3}, ErrCorrelated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := FitGammaGamma(ctx, tc.cs, tc.s)
			if !errors.Is(err, tc.want) || m != nil {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func correlatedSpend() []Customer {
	var cs []Customer
	for i := 1; i <= 30; i++ {
		cs = append(cs, Customer{Frequency: float64(i), Recency: 1, T: 2, MeanSpend: 10 * float64(i)})
	}
	return cs
}

// countdown is a context whose Err reports context.Canceled from its n-th
// call on, so a test can cancel a fit part way, deterministically.
type countdown struct {
	context.Context
	n int
}

func (c *countdown) Err() error {
	if c.n--; c.n <= 0 {
		return context.Canceled
	}
	return nil
}

// Every fit returns ctx's error, and no model, when ctx is done before it
// starts or while it runs.
func TestFitContext(t *testing.T) {
	bg := simBGNBD(31, 500, 0.5, 5, 0.8, 2.5, false)
	fits := map[string]func(context.Context) (any, error){
		"bgnbd":      func(c context.Context) (any, error) { return FitBGNBD(c, bg, nil) },
		"mbgnbd":     func(c context.Context) (any, error) { return FitMBGNBD(c, bg, nil) },
		"pareto":     func(c context.Context) (any, error) { return FitParetoNBD(c, bg, nil) },
		"gammagamma": func(c context.Context) (any, error) { return FitGammaGamma(c, simSpend(32, 200, 6, 4, 150), nil) },
		"bgbb": func(c context.Context) (any, error) {
			return FitBGBB(c, simBGBB(33, 300, 6, 1.2, 0.75, 0.66, 2.78), nil)
		},
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	for name, fit := range fits {
		for _, c := range []context.Context{cancelled, &countdown{Context: ctx, n: 5}} {
			m, err := fit(c)
			if !errors.Is(err, context.Canceled) || !reflect.ValueOf(m).IsNil() {
				t.Errorf("%s: %v, %v; want context.Canceled and no model", name, m, err)
			}
		}
		if _, err := fit(ctx); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestGGObjectiveBits checks the Gamma-Gamma objective, which reuses
// log(m), log(x) and the per-frequency gamma functions and computes the
// rows' terms on several cores, against the log-likelihood and gradient
// written out afresh for every row, in row order: the same bits.
func TestGGObjectiveBits(t *testing.T) {
	ref := func(rows []SpendRow, th, grad []float64) float64 {
		p, q, g := th[0], th[1], th[2]
		lgq, lg := lgamma(q), math.Log(g)
		var s, gp, gq, gg float64
		for _, r := range rows {
			x, m, w := r.Frequency, r.MeanSpend, r.Count
			px := p * x
			lm, lx, lgmx := math.Log(m), math.Log(x), math.Log(g+m*x)
			s += w * (lgamma(px+q) - lgamma(px) - lgq + q*lg + (px-1)*lm + px*lx - (px+q)*lgmx)
			dpq := mathext.Digamma(px + q)
			gp += w * x * (dpq - mathext.Digamma(px) + lm + lx - lgmx)
			gq += w * (dpq - mathext.Digamma(q) + lg - lgmx)
			gg += w * (q/g - (px+q)/(g+m*x))
		}
		grad[0], grad[1], grad[2] = gp, gq, gg
		return s
	}
	for seed := range uint64(4) {
		n := 2000
		if seed == 3 {
			n = 60000 // rows in several chunks, summed on several cores
		}
		rows := check.Must(CompressSpend(simSpend(seed+1, n, 6, 4, 150)))
		if seed == 3 && len(rows) <= 2*chunkSize {
			t.Fatalf("%d rows, want several chunks", len(rows))
		}
		// Unsorted rows too: the reuse must not depend on the order.
		shuffled := slices.Clone(rows)
		for i := range shuffled {
			j := (i*7919 + int(seed)) % len(shuffled)
			shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
		}
		for _, rs := range [][]SpendRow{rows, shuffled} {
			for _, th := range [][]float64{{5, 3, 100}, {0.7, 2.2, 13.5}, {12, 1.1, 0.4}} {
				g, want := make([]float64, 3), make([]float64, 3)
				got, _ := ggObjective(rs)(th, g)
				w := ref(rs, th, want)
				if math.Float64bits(got) != math.Float64bits(w) || !slices.Equal(g, want) {
					t.Errorf("seed %d, theta %v: got %v %v, want %v %v", seed, th, got, g, w, want)
				}
				if v, _ := ggObjective(rs)(th, nil); math.Float64bits(v) != math.Float64bits(w) {
					t.Errorf("seed %d, theta %v, no gradient: got %v, want %v", seed, th, v, w)
				}
			}
		}
	}
}

// TestConditionalExpectedPurchasesAt: the horizons at once are
// ConditionalExpectedPurchases at each, bit for bit, for both variants and
// customers with and without repeat purchases; a bad horizon is an error.
func TestConditionalExpectedPurchasesAt(t *testing.T) {
	ts := []float64{0, 30.0 / 7, 60.0 / 7, 13, 52, 520}
	cs := []Customer{{Frequency: 0, Recency: 0, T: 10}, {Frequency: 2, Recency: 30.43, T: 38.86}, {Frequency: 14, Recency: 70, T: 71}}
	for _, mod := range []bool{false, true} {
		m := &BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426, Modified: mod}
		for _, c := range cs {
			got := check.Must(m.ConditionalExpectedPurchasesAt(nil, ts, c))
			for i, h := range ts {
				want := check.Must(m.ConditionalExpectedPurchases(h, c))
				if math.Float64bits(got[i]) != math.Float64bits(want) {
					t.Errorf("modified %v, %+v, t %g: %v, want %v", mod, c, h, got[i], want)
				}
			}
		}
		if _, err := m.ConditionalExpectedPurchasesAt(nil, []float64{1, -1}, cs[1]); err == nil {
			t.Error("negative horizon accepted")
		}
	}
}
