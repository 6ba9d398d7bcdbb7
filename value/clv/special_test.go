package clv

import (
	"math"
	"testing"

	"github.com/cvmkit/cvm/internal/check"
)

// naive2F1 sums the hypergeometric series term by term in plain
// arithmetic (Abramowitz & Stegun 15.1.1).
func naive2F1(a, b, c, z float64) float64 {
	sum, term := 1.0, 1.0
	for j := 0; j < 100000; j++ {
		term *= (a + float64(j)) * (b + float64(j)) / ((c + float64(j)) * float64(j+1)) * z
		sum += term
		if math.Abs(term) < 1e-17*sum {
			break
		}
	}
	return sum
}

func TestLog2F1(t *testing.T) {
	for _, tc := range []struct {
		name       string
		a, b, c, z float64
		want       float64 // log 2F1
		tol        float64
	}{
		// 2F1(1,1;2;z) = -log(1-z)/z (Abramowitz & Stegun 15.1.3).
		{"log", 1, 1, 2, 0.5, math.Log(-math.Log(0.5) / 0.5), 1e-13},
		{"log near 1", 1, 1, 2, 0.999, math.Log(-math.Log1p(-0.999) / 0.999), 1e-11},
		// 2F1(a,b;b;z) = (1-z)^(-a) (A&S 15.1.8).
		{"power", 2.5, 3, 3, 0.3, -2.5 * math.Log(0.7), 1e-13},
		{"power large a", 300.5, 3, 3, 0.8, -300.5 * math.Log(0.2), 1e-11},
		// Plain series, evaluated independently.
		{"series", 0.7, 2.3, 3.1, 0.4, math.Log(naive2F1(0.7, 2.3, 3.1, 0.4)), 1e-13},
		{"series pareto", 3.2, 2.1, 4.2, 0.05, math.Log(naive2F1(3.2, 2.1, 4.2, 0.05)), 1e-13},
		{"z zero", 3, 4, 5, 0, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := log2F1(tc.a, tc.b, tc.c, tc.z)
			if !ok || !check.Close(got, tc.want, tc.tol, tc.tol) {
				t.Errorf("log2F1 = %.15g (ok %v), want %.15g", got, ok, tc.want)
			}
		})
	}
	for _, bad := range [][4]float64{{1, 1, 2, 1}, {1, 1, 2, -0.1}, {-1, 1, 2, 0.5}, {1, 1, 2, math.NaN()}} {
		if _, ok := log2F1(bad[0], bad[1], bad[2], bad[3]); ok {
			t.Errorf("log2F1%v ok, want failure", bad)
		}
	}
}

func TestLogAddSubExp(t *testing.T) {
	// Expected: direct evaluation with exp and log.
	if got, want := logAddExp(1, 2), math.Log(math.E+math.Exp(2)); !check.Close(got, want, 0, 1e-15) {
		t.Errorf("logAddExp = %v, want %v", got, want)
	}
	if got := logAddExp(math.Inf(-1), math.Inf(-1)); !math.IsInf(got, -1) {
		t.Errorf("logAddExp(-Inf,-Inf) = %v", got)
	}
	if got, want := logSubExp(2, 1), math.Log(math.Exp(2)-math.E); !check.Close(got, want, 0, 1e-15) {
		t.Errorf("logSubExp = %v, want %v", got, want)
	}
	if got := logSubExp(3, 3); !math.IsInf(got, -1) {
		t.Errorf("logSubExp(3,3) = %v", got)
	}
	if got := logAddExp(1000, 1000); !check.Close(got, 1000+math.Ln2, 0, 1e-12) {
		t.Errorf("logAddExp(1000,1000) = %v", got)
	}
}
