package clv

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cvmkit/cvm/internal/check"

	"github.com/cvmkit/cvm/internal/num"
	"github.com/google/go-cmp/cmp"
	"gonum.org/v1/gonum/stat/distuv"
)

// simBGBB simulates the BG/BB story (Fader, Hardie & Shang 2010, section
// 2): at each of n opportunities a living customer first drops out with
// probability theta, else transacts with probability p.
func simBGBB(seed uint64, count, n int, a, b, g, d float64) []Customer {
	src := rand.NewPCG(seed, 4)
	rng := rand.New(src)
	out := make([]Customer, count)
	for i := range out {
		p := distuv.Beta{Alpha: a, Beta: b, Src: src}.Rand()
		th := distuv.Beta{Alpha: g, Beta: d, Src: src}.Rand()
		c := Customer{T: float64(n)}
		for t := 1; t <= n; t++ {
			if rng.Float64() < th {
				break
			}
			if rng.Float64() < p {
				c.Frequency++
				c.Recency = float64(t)
			}
		}
		out[i] = c
	}
	return out
}

var bgbbSmall = []Customer{{T: 6}, {Frequency: 1, Recency: 1, T: 6}, {Frequency: 3, Recency: 5, T: 6}, {Frequency: 6, Recency: 6, T: 6}, {Frequency: 2, Recency: 3, T: 4}, {T: 0}}

// bgbbPlain is FHS 2010 eq. (5) in plain arithmetic with math.Gamma.
func bgbbPlain(a, b, g, d float64, c Customer) float64 {
	B := func(x, y float64) float64 { return math.Gamma(x) * math.Gamma(y) / math.Gamma(x+y) }
	x, tx, n := c.Frequency, c.Recency, c.T
	l := B(a+x, b+n-x) / B(a, b) * B(g, d+n) / B(g, d)
	for i := 0.0; i <= n-tx-1; i++ {
		l += B(a+x, b+tx-x+i) / B(a, b) * B(g+1, d+tx+i) / B(g, d)
	}
	return l
}

func TestBGBBLogLikelihood(t *testing.T) {
	// Expected: FHS 2010 eq. (5) evaluated in the test; parameters are the
	// published donation-data estimates (FHS 2010, Table 2).
	p := [4]float64{1.204, 0.750, 0.657, 2.783}
	m := &BGBB{Alpha: p[0], Beta: p[1], Gamma: p[2], Delta: p[3]}
	want := 0.0
	for _, c := range bgbbSmall {
		want += math.Log(bgbbPlain(p[0], p[1], p[2], p[3], c))
	}
	check.Float(t, "LL", check.Must(m.LogLikelihood(bgbbSmall)), want, 1e-10, 0)
}

func TestBGBBPredictionsQuadrature(t *testing.T) {
	// Expected: integrals over p ~ Beta(alpha, beta) and theta ~
	// Beta(gamma, delta) on a midpoint grid of their quantiles. Given
	// (p, theta) the customer is seen with weight p^x (1-p)^(n-x) and
	// alive after n with (1-theta)^n; alive at n+1 with (1-theta)^(n+1);
	// expected transactions in the next k opportunities, if alive after
	// n: sum_{j=1..k} p (1-theta)^j.
	m := &BGBB{Alpha: 1.204, Beta: 0.750, Gamma: 0.657, Delta: 2.783}
	const q = 500
	ps, ths := make([]float64, q), make([]float64, q)
	for i := range q {
		u := (float64(i) + 0.5) / q
		ps[i] = distuv.Beta{Alpha: m.Alpha, Beta: m.Beta}.Quantile(u)
		ths[i] = distuv.Beta{Alpha: m.Gamma, Beta: m.Delta}.Quantile(u)
	}
	const k = 5
	for _, c := range bgbbSmall[:5] {
		x, n := c.Frequency, c.T
		var L, alive, exp float64
		for _, p := range ps {
			seen := math.Pow(p, x) * math.Pow(1-p, n-x)
			for _, th := range ths {
				s := seen * math.Pow(1-th, n)
				alive += s * (1 - th)
				fut := 0.0
				for j := 1; j <= k; j++ {
					fut += p * math.Pow(1-th, float64(j))
				}
				exp += s * fut
			}
		}
		L = bgbbPlain(m.Alpha, m.Beta, m.Gamma, m.Delta, c) * q * q
		check.Float(t, fmt.Sprintf("%+v: P(alive)", c), check.Must(m.ProbAlive(c)), alive/L, 0, 5e-3)
		check.Float(t, fmt.Sprintf("%+v: E[Y(%d)]", c, k), check.Must(m.ConditionalExpectedPurchases(k, c)), exp/L, 1e-2, 1e-2)
	}
	// New customer: FHS 2010 eq. (9) in plain arithmetic.
	a, b, g, d := m.Alpha, m.Beta, m.Gamma, m.Delta
	want := a / (a + b) * d / (g - 1) * (1 - math.Gamma(g+d)/math.Gamma(g+d+6)*math.Gamma(1+d+6)/math.Gamma(1+d))
	check.Float(t, "E[X(6)]", check.Must(m.ExpectedPurchases(6)), want, 0, 1e-12)
	// gamma = 1: the limit is finite and matches a nearby gamma.
	m1, m2 := &BGBB{Alpha: 1, Beta: 1, Gamma: 1, Delta: 2}, &BGBB{Alpha: 1, Beta: 1, Gamma: 1 + 1e-5, Delta: 2}
	check.Float(t, "E[X(6)] at gamma = 1", check.Must(m1.ExpectedPurchases(6)), check.Must(m2.ExpectedPurchases(6)), 0, 1e-4)
}

func TestBGBBRecoveryAndJSON(t *testing.T) {
	truth := []float64{1.2, 0.75, 0.66, 2.8}
	cs := simBGBB(61, 4000, 6, truth[0], truth[1], truth[2], truth[3])
	m, err := FitBGBB(ctx, cs, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Only 7 x 7 x ... distinct histories: compression does the work.
	if m.Info.Rows > 28 {
		t.Errorf("%d rows for n = 6", m.Info.Rows)
	}
	within(t, bgbbNames, m.params(), truth, m.Info.StdErr, 3)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var back BGBB
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(*m, back); d != "" {
		t.Errorf("round trip (-in +out):\n%s", d)
	}
	if err := back.UnmarshalJSON([]byte(`{"format":"cvm.clv.bgbb","version":2,"alpha":1,"beta":1,"gamma":1}`)); !errors.Is(err, ErrFormat) {
		t.Errorf("missing delta: %v", err)
	}
	if err := back.UnmarshalJSON([]byte(`{"format":"cvm.clv.bgbb","version":2,"alpha":1,"beta":1,"gamma":1,"delta":-1}`)); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("negative delta: %v", err)
	}
}

func TestBGBBErrors(t *testing.T) {
	m := &BGBB{Alpha: 1, Beta: 1, Gamma: 1, Delta: 1}
	for _, tc := range []struct {
		c     Customer
		field string
	}{
		{Customer{Frequency: 1.5, Recency: 2, T: 3}, "frequency"},
		{Customer{Frequency: 1, Recency: 2.5, T: 3}, "recency"},
		{Customer{Frequency: 1, Recency: 2, T: 3.5}, "T"},
		{Customer{Frequency: 3, Recency: 2, T: 3}, "frequency"},
		{Customer{Frequency: 1, Recency: 2, T: 1e8}, "T"},
		{Customer{Frequency: -1, T: 3}, "frequency"},
	} {
		var ce *CustomerError
		if _, err := m.ProbAlive(tc.c); !errors.As(err, &ce) || ce.Field != tc.field {
			t.Errorf("%+v: %v, want field %s", tc.c, err, tc.field)
		}
		if _, err := m.ConditionalExpectedPurchases(1, tc.c); !errors.Is(err, ErrInvalidCustomer) {
			t.Errorf("%+v: %v", tc.c, err)
		}
		if _, err := FitBGBB(ctx, []Customer{tc.c}, nil); !errors.Is(err, ErrInvalidCustomer) {
			t.Errorf("fit %+v: %v", tc.c, err)
		}
	}
	bad := &BGBB{Alpha: 1, Beta: 0, Gamma: 1, Delta: 1}
	if _, err := bad.ProbAlive(Customer{T: 1}); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("bad param: %v", err)
	}
	if _, err := bad.ConditionalExpectedPurchases(1, Customer{T: 1}); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("bad param: %v", err)
	}
	if _, err := bad.ExpectedPurchases(1); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("bad param: %v", err)
	}
	if _, err := bad.LogLikelihood(bgbbSmall); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("bad param: %v", err)
	}
	if _, err := m.ExpectedPurchases(-1); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("bad t: %v", err)
	}
	if _, err := m.ConditionalExpectedPurchases(math.NaN(), Customer{T: 1}); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("bad t: %v", err)
	}
	if v, err := m.ConditionalExpectedPurchases(0, Customer{T: 1}); v != 0 || err != nil {
		t.Errorf("t=0: %v %v", v, err)
	}
	if _, err := FitBGBB(ctx, nil, nil); !errors.Is(err, ErrEmptyInput) {
		t.Errorf("empty: %v", err)
	}
	if _, err := FitBGBB(ctx, bgbbSmall, &FitSettings{Penalizer: -1}); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("bad settings: %v", err)
	}
	if _, err := m.LogLikelihood(nil); !errors.Is(err, ErrEmptyInput) {
		t.Errorf("empty LL: %v", err)
	}
	// Long histories stay finite: 5000 opportunities.
	v, err := m.ConditionalExpectedPurchases(10, Customer{Frequency: 4000, Recency: 4990, T: 5000})
	if err != nil || !num.Finite(v) {
		t.Errorf("long history: %v %v", v, err)
	}
}
