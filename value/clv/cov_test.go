package clv

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cvmkit/cvm/internal/check"
	"github.com/google/go-cmp/cmp"
	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/stat/distuv"
)

// simCov simulates n customers with two covariates, z1 in {0, 1} and z2
// in {-1, 0, 1}, from the story of the covariate models: purchase rate
// lambda ~ Gamma(r, alpha exp(-gt'z)); for Pareto/NBD an exponential
// lifetime at rate mu ~ Gamma(s, beta exp(-gl'z)), for BG/NBD a dropout
// probability p ~ Beta(a exp(gl'z), b exp(gl'z)) after each purchase. T
// is uniform on (20, 60).
func simCov(seed uint64, n int, pareto bool, base, gt, gl []float64) ([]Customer, Covariates) {
	src := rand.NewPCG(seed, 7)
	rng := rand.New(src)
	cs := make([]Customer, n)
	z := Covariates{Names: []string{"z1", "z2"}, Values: make([][]float64, n)}
	for i := range cs {
		zi := []float64{float64(rng.IntN(2)), float64(rng.IntN(3) - 1)}
		z.Values[i] = zi
		et, el := dot(gt, zi), dot(gl, zi)
		lambda := gammaDraw(src, base[0], base[1]*math.Exp(-et))
		T := 20 + 40*rng.Float64()
		c := Customer{ID: fmt.Sprint(i), T: T}
		if pareto {
			mu := gammaDraw(src, base[2], base[3]*math.Exp(-el))
			end := math.Min(T, rng.ExpFloat64()/mu)
			for t := rng.ExpFloat64() / lambda; t <= end; t += rng.ExpFloat64() / lambda {
				c.Frequency++
				c.Recency = t
			}
		} else {
			p := distuv.Beta{Alpha: base[2] * math.Exp(el), Beta: base[3] * math.Exp(el), Src: src}.Rand()
			for t := rng.ExpFloat64() / lambda; t <= T; t += rng.ExpFloat64() / lambda {
				c.Frequency++
				c.Recency = t
				if rng.Float64() < p {
					break
				}
			}
		}
		cs[i] = c
	}
	return cs, z
}

// Known effects are recovered from data simulated with them: every
// estimate within 3 standard errors of the truth, and the likelihood-ratio
// test rejects the model without covariates.
func TestCovariatesRecovery(t *testing.T) {
	gt, gl := []float64{0.6, -0.4}, []float64{0.5, 0.3}
	{
		base := []float64{0.8, 6, 0.9, 12}
		cs, z := simCov(11, 10000, true, base, gt, gl)
		m := check.Must(FitParetoNBDCovariates(ctx, cs, z, nil))
		got := append(append(m.Base.params(), m.Trans...), m.Life...)
		truth := append(append(base, gt...), gl...)
		within(t, covNames(paretoNames, z), got, truth, m.Info.StdErr, 3)
		if m.LR.DF != 4 || !(m.LR.PValue < 1e-6) {
			t.Errorf("pareto LR test %+v", m.LR)
		}
	}
	{
		base := []float64{0.8, 5, 1.2, 3}
		cs, z := simCov(12, 10000, false, base, gt, gl)
		m := check.Must(FitBGNBDCovariates(ctx, cs, z, nil))
		got := append(append(m.Base.params(), m.Trans...), m.Life...)
		truth := append(append(base, gt...), gl...)
		within(t, covNames(bgNames, z), got, truth, m.Info.StdErr, 3)
		if m.LR.DF != 4 || !(m.LR.PValue < 1e-6) {
			t.Errorf("bgnbd LR test %+v", m.LR)
		}
		// The JSON envelope round-trips exactly.
		b := check.Must(json.Marshal(m))
		var back BGNBDCov
		check.NoErr(t, json.Unmarshal(b, &back))
		if !cmp.Equal(&back, m) {
			t.Errorf("round trip: %s", cmp.Diff(&back, m))
		}
		var bad BGNBDCov
		if err := json.Unmarshal(bytes.Replace(b, []byte(`"life":[`), []byte(`"life":[1,`), 1), &bad); !errors.Is(err, ErrFormat) {
			t.Errorf("extra life effect: %v", err)
		}
		// For gives the customer's own parameters.
		c := m.For([]float64{1, -1})
		check.Float(t, "alpha_i", c.Alpha, m.Base.Alpha*math.Exp(-(m.Trans[0]-m.Trans[1])), 1e-14, 0)
		check.Float(t, "a_i", c.A, m.Base.A*math.Exp(m.Life[0]-m.Life[1]), 1e-14, 0)
	}
}

// A covariate that is zero for everybody reproduces the plain fit exactly:
// the same parameters and log-likelihood, effects 0; and a zero column
// next to an informative one leaves that one's fit unchanged to the
// optimiser's precision.
func TestCovariatesZero(t *testing.T) {
	cs := simPareto(3, 800, 0.8, 6, 0.9, 12)
	z := Covariates{Names: []string{"zero"}, Values: make([][]float64, len(cs))}
	for i := range z.Values {
		z.Values[i] = []float64{0}
	}
	pa := check.Must(FitParetoNBDCovariates(ctx, cs, z, nil))
	check.Floats(t, "pareto", pa.Base.params(), pa.Plain.params(), 0, 0)
	check.Float(t, "pareto LL", pa.Info.LogLikelihood, pa.Plain.Info.LogLikelihood, 0, 0)
	check.Floats(t, "pareto effects", append(pa.Trans, pa.Life...), []float64{0, 0}, 0, 0)
	bg := check.Must(FitBGNBDCovariates(ctx, cs, z, nil))
	check.Floats(t, "bgnbd", bg.Base.params(), bg.Plain.params(), 0, 0)
	check.Float(t, "bgnbd LL", bg.Info.LogLikelihood, bg.Plain.Info.LogLikelihood, 0, 0)
	if bg.LR.Statistic != 0 || bg.LR.PValue != 1 {
		t.Errorf("LR %+v", bg.LR)
	}
	cs2, z2 := simCov(4, 2000, false, []float64{0.8, 5, 1.2, 3}, []float64{0.5, 0}, []float64{0.3, 0})
	one := Covariates{Names: z2.Names[:1], Values: make([][]float64, len(cs2))}
	for i, row := range z2.Values {
		row[1] = 0
		one.Values[i] = row[:1]
	}
	m1 := check.Must(FitBGNBDCovariates(ctx, cs2, one, nil))
	m2 := check.Must(FitBGNBDCovariates(ctx, cs2, z2, nil))
	check.Floats(t, "with a zero column", append(m2.Base.params(), m2.Trans[0], m2.Life[0]), append(m1.Base.params(), m1.Trans[0], m1.Life[0]), 1e-6, 1e-8)
	check.Float(t, "with a zero column: LL", m2.Info.LogLikelihood, m1.Info.LogLikelihood, 1e-12, 0)
}

// The covariate models' analytic gradients equal central differences.
func TestCovariatesGradient(t *testing.T) {
	cs, z := simCov(5, 300, true, []float64{0.8, 6, 0.9, 12}, []float64{0.3, 0.1}, []float64{-0.2, 0.4})
	groups := check.Must(groupCovariates(cs, z))
	for _, pareto := range []bool{true, false} {
		th := []float64{0.7, 5, 1.1, 9, 0.2, -0.3, 0.1, 0.25}
		obj := newBGCov(groups, 2).ll
		if pareto {
			obj = newParetoCov(groups, 2).ll
		}
		g := make([]float64, len(th))
		if _, ok := obj(th, g); !ok {
			t.Fatal("not finite")
		}
		want := fd.Gradient(nil, func(x []float64) float64 { v, _ := obj(x, nil); return v }, th, &fd.Settings{Formula: fd.Central, Step: 1e-6})
		check.Floats(t, fmt.Sprint("pareto ", pareto, " gradient"), g, want, 1e-6, 1e-6)
	}
}

// A likelihood-ratio statistic of 3.841 on one degree of freedom has
// p = 0.05 (the chi-square table's 95% point).
func TestLikelihoodRatio(t *testing.T) {
	lr := LikelihoodRatio(-100, -100+3.841459/2, 1)
	check.Float(t, "p", lr.PValue, 0.05, 0, 1e-6)
	check.Float(t, "zero", LikelihoodRatio(-10, -11, 2).PValue, 1, 0, 0)
}
