package clv

import (
	"math"
	"testing"

	"github.com/cvmkit/cvm/internal/check"
)

func TestIntegrate(t *testing.T) {
	// Closed forms: integral of exp(-k u) over [0, b] is (1-exp(-k b))/k;
	// of u^3 over [0, 2] is 4.
	for _, k := range []float64{0.1, 1, 50, 2000} {
		got, ok := integrate(func(u float64) float64 { return math.Exp(-k * u) }, 0, 3, 1e-13)
		if want := -math.Expm1(-3*k) / k; !ok || !check.Close(got, want, 1e-12, 0) {
			t.Errorf("k=%v: %v (ok %v), want %v", k, got, ok, want)
		}
	}
	if got, ok := integrate(func(u float64) float64 { return u * u * u }, 0, 2, 1e-13); !ok || !check.Close(got, 4, 0, 1e-12) {
		t.Errorf("u^3: %v", got)
	}
	if _, ok := integrate(func(u float64) float64 { return math.NaN() }, 0, 1, 1e-10); ok {
		t.Error("NaN integrand accepted")
	}
	// A wildly oscillating integrand cannot meet the tolerance: the panel
	// budget ends the work with ok false instead of running on.
	if _, ok := integrate(func(u float64) float64 { return math.Sin(1e9 * u) }, 0, 1, 1e-12); ok {
		t.Error("impossible tolerance accepted")
	}
}

func TestParetoA0SeriesAndQuadratureAgree(t *testing.T) {
	// The two evaluations of log A0 are independent (hypergeometric
	// series vs numerical integral); where both converge they must agree.
	for _, p := range [][4]float64{{0.55, 10.6, 0.6, 11.7}, {0.5, 2, 1.5, 30}, {2, 40, 0.3, 3}, {0.2, 1, 0.6, 1}} {
		for _, c := range []Customer{{Frequency: 0, T: 30}, {Frequency: 2, Recency: 5, T: 30}, {Frequency: 30, Recency: 29, T: 30}, {Frequency: 200, Recency: 10, T: 39}} {
			s, ok1 := paretoLogA0(p[0], p[1], p[2], p[3], c.Frequency, c.Recency, c.T)
			q, ok2 := paretoLogA0Quad(p[0], p[1], p[2], p[3], c.Frequency, c.Recency, c.T)
			if !ok1 || !ok2 || !check.Close(s, q, 1e-9, 1e-9) {
				t.Errorf("params %v %+v: series %.12g (%v), quadrature %.12g (%v)", p, c, s, ok1, q, ok2)
			}
		}
	}
}
