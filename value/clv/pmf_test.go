package clv

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cvmkit/cvm/internal/check"
	"gonum.org/v1/gonum/stat/distuv"
)

// pmfModels are the models with a conditional PMF, at the published CDNOW
// estimates and at parameters far from them (a < 1 < b, s > 1).
var pmfModels = []PurchaseModel{
	cdnowBG,
	&BGNBD{Modified: true, R: 0.25, Alpha: 4.4, A: 0.8, B: 2.4},
	&BGNBD{R: 1.5, Alpha: 2, A: 3, B: 0.7},
	cdnowPareto,
	&ParetoNBD{R: 1.2, Alpha: 3, S: 2.5, Beta: 20},
}

// heavy adds heavy buyers to small: the PMF's fast path up to where its
// negative binomial underflows, and the log-space path beyond.
var heavy = append(append([]Customer(nil), small...),
	Customer{ID: "g", Frequency: 60, Recency: 38, T: 39},
	Customer{ID: "h", Frequency: 400, Recency: 30, T: 39},
	Customer{ID: "i", Frequency: 1500, Recency: 38.5, T: 39},
)

// The conditional PMF sums to 1 (up to the tail it leaves out) and its
// mean is ConditionalExpectedPurchases, the independent closed forms of
// FHL 2005 eq. (10) and Schmittlein et al. 1987 (checked against plain
// implementations in predict_test.go), to 1e-8 relative.
func TestConditionalPMFMeanAndMass(t *testing.T) {
	const tail = MinTailMass
	for _, m := range pmfModels {
		for _, c := range heavy {
			for _, h := range []float64{0, 0.5, 39, 200} {
				name := fmt.Sprintf("%s %s t=%v", m.Name(), c.ID, h)
				p := check.Must(ConditionalPMF(nil, m, h, c, tail))
				var sum, mean float64
				for n, v := range p {
					if v < 0 || v > 1 {
						t.Fatalf("%s: P(%d) = %v", name, n, v)
					}
					sum += v
					mean += float64(n) * v
				}
				check.Float(t, name+" mass", sum, 1, 0, 1e-11)
				want := check.Must(m.ConditionalExpectedPurchases(h, c))
				// The left-out tail shifts the mean by at most about len(p) tail.
				check.Float(t, name+" mean", mean, want, 1e-8, 1e-10+2*float64(len(p))*tail)
			}
		}
	}
}

// simCount simulates the purchases of one customer in (0, t] from the
// model's story (Fader, Hardie & Lee 2005, section 2; Schmittlein et al.
// 1987), given that the customer is alive at time 0 with rate lambda and
// dropout p (BG/NBD: after each purchase) or mu (Pareto/NBD: exponential
// lifetime).
func simCountBG(rng *rand.Rand, lambda, p, t float64) int {
	n, at := 0, 0.0
	for {
		at += rng.ExpFloat64() / lambda
		if at > t {
			return n
		}
		n++
		if rng.Float64() < p {
			return n
		}
	}
}

func simCountPareto(rng *rand.Rand, lambda, mu, t float64) int {
	end := math.Min(t, rng.ExpFloat64()/mu)
	n := 0
	for at := rng.ExpFloat64() / lambda; at <= end; at += rng.ExpFloat64() / lambda {
		n++
	}
	return n
}

// The unconditional PMF agrees with a simulation of 200,000 new customers
// (fixed seed) from each model's story: the heterogeneity drawn from the
// Gamma and Beta mixing distributions, MBG/NBD's customers dropping out at
// the first purchase with probability p. Each count's frequency is within
// 4.5 standard errors, and the PMF's mean is ExpectedPurchases.
func TestPMFSimulation(t *testing.T) {
	const n, h = 200000, 39.0
	for i, m := range pmfModels {
		src := rand.NewPCG(uint64(i)+11, 5)
		rng := rand.New(src)
		counts := map[int]int{}
		for range n {
			var k int
			switch m := m.(type) {
			case *BGNBD:
				lambda := gammaDraw(src, m.R, m.Alpha)
				p := distuv.Beta{Alpha: m.A, Beta: m.B, Src: src}.Rand()
				if m.Modified && rng.Float64() < p {
					k = 0
				} else {
					k = simCountBG(rng, lambda, p, h)
				}
			case *ParetoNBD:
				k = simCountPareto(rng, gammaDraw(src, m.R, m.Alpha), gammaDraw(src, m.S, m.Beta), h)
			}
			counts[k]++
		}
		p := check.Must(PMF(nil, m, h, 1e-12))
		mean := 0.0
		for k, v := range p {
			mean += float64(k) * v
			se := math.Sqrt(v * (1 - v) / n)
			got := float64(counts[k]) / n
			if math.Abs(got-v) > 4.5*se+3.0/n { // 3/n: the rare counts of the far tail
				t.Errorf("%s P(X(%v)=%d) = %.5f, simulated %.5f (se %.5f)", m.Name(), h, k, v, got, se)
			}
		}
		check.Float(t, m.Name()+" PMF mean", mean, check.Must(m.ExpectedPurchases(h)), 1e-8, 1e-10)
	}
}

// The BG/BB PMF agrees with a simulation of its story (Fader, Hardie &
// Shang 2010, section 2: at each of n opportunities the customer, if
// still alive, first dies with probability theta, else transacts with
// probability p) and its mean is ExpectedPurchases (eq. 9).
func TestBGBBPMF(t *testing.T) {
	m := &BGBB{Alpha: 1.2, Beta: 0.75, Gamma: 0.66, Delta: 2.78} // FHS 2010, the donor data
	const n, opp = 200000, 6
	src := rand.NewPCG(3, 4)
	rng := rand.New(src)
	counts := make([]int, opp+1)
	for range n {
		p := distuv.Beta{Alpha: m.Alpha, Beta: m.Beta, Src: src}.Rand()
		th := distuv.Beta{Alpha: m.Gamma, Beta: m.Delta, Src: src}.Rand()
		k := 0
		for range opp {
			if rng.Float64() < th {
				break
			}
			if rng.Float64() < p {
				k++
			}
		}
		counts[k]++
	}
	p := check.Must(PMF(nil, m, opp, 1e-12))
	if len(p) != opp+1 {
		t.Fatalf("%d terms, want %d", len(p), opp+1)
	}
	mean := 0.0
	for k, v := range p {
		mean += float64(k) * v
		se := math.Sqrt(v * (1 - v) / n)
		if got := float64(counts[k]) / n; math.Abs(got-v) > 4.5*se {
			t.Errorf("BG/BB P(X(%d)=%d) = %.5f, simulated %.5f (se %.5f)", opp, k, v, got, se)
		}
	}
	check.Float(t, "BG/BB PMF mean", mean, check.Must(m.ExpectedPurchases(opp)), 1e-10, 1e-12)
}

// A customer alive at T makes purchases by the model's story from the
// posterior of the rates given alive; the conditional PMF agrees with a
// simulation of that story for one CDNOW customer (x = 2, t_x = 30.43,
// T = 38.86), mixing dead customers in with probability 1 - P(alive).
// (BG/NBD: lambda ~ Gamma(r+x, alpha+T), p ~ Beta(a, b+x); Pareto/NBD:
// lambda ~ Gamma(r+x, alpha+T), mu ~ Gamma(s, beta+T); FHL 2005, eq. 13 and
// its derivation.)
func TestConditionalPMFSimulation(t *testing.T) {
	c := Customer{Frequency: 2, Recency: 30.43, T: 38.86}
	const n, h = 200000, 39.0
	for i, m := range []PurchaseModel{cdnowBG, cdnowPareto} {
		src := rand.NewPCG(uint64(i)+21, 6)
		rng := rand.New(src)
		pa := check.Must(m.ProbAlive(c))
		counts := map[int]int{}
		for range n {
			k := 0
			if rng.Float64() < pa {
				switch m := m.(type) {
				case *BGNBD:
					lambda := gammaDraw(src, m.R+c.Frequency, m.Alpha+c.T)
					p := distuv.Beta{Alpha: m.A, Beta: m.B + c.Frequency, Src: src}.Rand()
					k = simCountBG(rng, lambda, p, h)
				case *ParetoNBD:
					k = simCountPareto(rng, gammaDraw(src, m.R+c.Frequency, m.Alpha+c.T), gammaDraw(src, m.S, m.Beta+c.T), h)
				}
			}
			counts[k]++
		}
		p := check.Must(ConditionalPMF(nil, m, h, c, 0))
		for k, v := range p {
			se := math.Sqrt(v * (1 - v) / n)
			if got := float64(counts[k]) / n; math.Abs(got-v) > 4.5*se+3.0/n {
				t.Errorf("%s P(X=%d | c) = %.5f, simulated %.5f (se %.5f)", m.Name(), k, v, got, se)
			}
		}
	}
}

func TestPMFErrors(t *testing.T) {
	bad := []struct {
		name string
		err  func() error
		want error
	}{
		{"negative horizon", func() error { _, err := PMF(nil, cdnowBG, -1, 0); return err }, ErrInvalidParam},
		{"NaN horizon", func() error { _, err := PMF(nil, cdnowBG, math.NaN(), 0); return err }, ErrInvalidParam},
		{"tail too small", func() error { _, err := PMF(nil, cdnowBG, 1, 1e-15); return err }, ErrInvalidParam},
		{"tail 1", func() error { _, err := PMF(nil, cdnowBG, 1, 1); return err }, ErrInvalidParam},
		{"bad parameter", func() error { _, err := PMF(nil, &BGNBD{R: -1, Alpha: 1, A: 1, B: 1}, 1, 0); return err }, ErrInvalidParam},
		{"BG/BB fractional", func() error { _, err := PMF(nil, &BGBB{Alpha: 1, Beta: 1, Gamma: 1, Delta: 1}, 1.5, 0); return err }, ErrInvalidParam},
		{"BG/BB conditional", func() error {
			_, err := ConditionalPMF(nil, &BGBB{Alpha: 1, Beta: 1, Gamma: 1, Delta: 1}, 1, Customer{}, 0)
			return err
		}, ErrUnsupported},
		{"bad customer", func() error {
			_, err := ConditionalPMF(nil, cdnowPareto, 1, Customer{Frequency: -1}, 0)
			return err
		}, ErrInvalidCustomer},
	}
	for _, b := range bad {
		if err := b.err(); !errors.Is(err, b.want) {
			t.Errorf("%s: error %v, want %v", b.name, err, b.want)
		}
	}
}

// Long horizons against small alpha (t/(alpha+T) up to 7,000) and
// r + s < 1, where the Pareto/NBD integrand is singular at the end of a
// long horizon: the PMF still sums to 1 and has the closed-form mean.
func TestConditionalPMFLongHorizon(t *testing.T) {
	for _, m := range []*ParetoNBD{{R: 0.3, Alpha: 0.5, S: 0.4, Beta: 2}, {R: 0.2, Alpha: 0.1, S: 0.3, Beta: 50}} {
		for _, c := range []Customer{{}, {Frequency: 3, Recency: 5, T: 10}, {Frequency: 40, Recency: 99, T: 100}} {
			for _, h := range []float64{50, 700} {
				name := fmt.Sprintf("%+v %+v t=%v", *m, c, h)
				p := check.Must(ConditionalPMF(nil, m, h, c, MinTailMass))
				var sum, mean float64
				for n, v := range p {
					sum += v
					mean += float64(n) * v
				}
				check.Float(t, name+" mass", sum, 1, 0, 1e-11)
				check.Float(t, name+" mean", mean, check.Must(m.ConditionalExpectedPurchases(h, c)), 1e-8, 2*float64(len(p))*MinTailMass)
			}
		}
	}
}
