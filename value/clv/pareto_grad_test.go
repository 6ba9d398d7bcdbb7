package clv

import (
	"fmt"
	"runtime"
	"slices"
	"testing"

	"github.com/cvmkit/cvm/internal/check"
	"gonum.org/v1/gonum/diff/fd"
)

// The analytic Pareto/NBD gradient equals central finite differences of
// the log-likelihood (gonum diff/fd, an independent computation) at many
// parameter points and customers, covering every branch: alpha < beta
// and alpha >= beta, the plain and the Euler-transformed series, the
// quadrature of arguments near 1, t_x = T, x = 0 and heavy buyers.
func TestParetoGradient(t *testing.T) {
	params := [][4]float64{
		{0.553, 10.578, 0.606, 11.669}, // CDNOW: alpha < beta, small argument
		{2, 3, 1.5, 1},                 // alpha > beta
		{0.8, 2, 0.5, 60},              // argument near 1: quadrature
		{0.3, 80, 1.2, 1.5},            // alpha >> beta: quadrature on the other side
		{5, 4, 3, 4},                   // alpha = beta
		{1.1, 0.5, 0.2, 0.7},
		{0.25, 15, 2.5, 9},
	}
	custs := []Customer{
		{ID: "new", T: 30},
		{ID: "zero-age"},
		{ID: "one", Frequency: 1, Recency: 5, T: 30},
		{ID: "last-at-T", Frequency: 3, Recency: 20, T: 20},
		{ID: "regular", Frequency: 6, Recency: 25.5, T: 38},
		{ID: "heavy", Frequency: 60, Recency: 37, T: 38},
		{ID: "early-stop", Frequency: 10, Recency: 2, T: 52},
		{ID: "long", Frequency: 2, Recency: 100, T: 300},
	}
	for _, p := range params {
		for _, c := range custs {
			d := check.Must(newIndexed([]Customer{c}))
			ev := &paretoEval{d: d}
			th := p[:]
			g := make([]float64, 4)
			if _, ok := ev.ll(th, g); !ok {
				t.Fatalf("params %v customer %s: not finite", p, c.ID)
			}
			want := fd.Gradient(nil, func(th []float64) float64 {
				v, ok := (&paretoEval{d: d}).ll(th, nil)
				if !ok {
					t.Fatalf("params %v customer %s: LL not finite at %v", p, c.ID, th)
				}
				return v
			}, th, &fd.Settings{Formula: fd.Central, Step: 1e-5})
			check.Floats(t, fmt.Sprintf("params %v customer %s: gradient", p, c.ID), g, want, 1e-6, 1e-6)
		}
	}
	// And over a synthetic customer base, the sum.
	d := check.Must(newIndexed(simPareto(5, 500, 0.8, 6, 0.9, 12)))
	for _, p := range params[:3] {
		g := make([]float64, 4)
		if _, ok := (&paretoEval{d: d}).ll(p[:], g); !ok {
			t.Fatalf("params %v: not finite", p)
		}
		want := fd.Gradient(nil, func(th []float64) float64 {
			v, _ := (&paretoEval{d: d}).ll(th, nil)
			return v
		}, p[:], &fd.Settings{Formula: fd.Central, Step: 1e-5})
		check.Floats(t, fmt.Sprintf("params %v: base gradient", p), g, want, 1e-6, 1e-5)
	}
}

// The Pareto/NBD fit gives the same bits on one core as on all: the
// pairs are computed independently and the rows summed in fixed chunks.
func TestParetoFitGOMAXPROCS(t *testing.T) {
	cs := synthCustomers(40_000)
	all := check.Must(FitParetoNBD(ctx, cs, nil))
	prev := runtime.GOMAXPROCS(1)
	one, err := FitParetoNBD(ctx, cs, nil)
	runtime.GOMAXPROCS(prev)
	check.NoErr(t, err)
	if !slices.Equal(one.params(), all.params()) || one.Info.LogLikelihood != all.Info.LogLikelihood {
		t.Errorf("GOMAXPROCS 1: %v %v; all: %v %v", one.params(), one.Info.LogLikelihood, all.params(), all.Info.LogLikelihood)
	}
}
