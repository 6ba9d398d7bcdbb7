package clv

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/cvmkit/cvm/internal/check"
	"gonum.org/v1/gonum/diff/fd"
)

// The survivors per 1,000 of Fader & Hardie (2007), "How to project
// customer retention", Table 1, years 0 to 12 (the paper fits years 1-7
// and projects the rest; PyMC-Marketing's sBG notebook carries the same
// table).
var (
	sbgRegular = []float64{1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173}
	sbgHighEnd = []float64{1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394}
)

// The fits on years 1-7 reproduce the published maximum-likelihood
// estimates (Fader & Hardie 2007, section "Estimation": regular
// alpha = 0.704, beta = 1.182; high end alpha = 0.668, beta = 3.806, to
// the published three decimals), and the projected survival follows
// S(t) = B(alpha, beta+t)/B(alpha, beta) computed here with math.Gamma.
func TestSBGPublished(t *testing.T) {
	for _, c := range []struct {
		name        string
		alive       []float64
		alpha, beta float64
	}{
		{"regular", sbgRegular, 0.704, 1.182},
		{"high end", sbgHighEnd, 0.668, 3.806},
	} {
		m := check.Must(FitSBG(ctx, c.alive[:8], nil))
		check.Float(t, c.name+" alpha", m.Alpha, c.alpha, 0, 5e-4)
		check.Float(t, c.name+" beta", m.Beta, c.beta, 0, 5e-4)
		if m.Info.StdErr == nil || m.Card.Customers != 1000 {
			t.Errorf("%s: info %+v card %+v", c.name, m.Info, m.Card)
		}
		surv := check.Must(m.Survival(nil, len(c.alive)))
		B := func(a, b float64) float64 { return math.Exp(lbeta(a, b)) }
		for i, s := range surv {
			want := B(m.Alpha, m.Beta+float64(i)) / B(m.Alpha, m.Beta)
			check.Float(t, fmt.Sprintf("%s S(%d)", c.name, i), s, want, 1e-12, 0)
		}
		ret := check.Must(m.Retention(nil, 12))
		for i, r := range ret {
			check.Float(t, fmt.Sprintf("%s r(%d)", c.name, i+1), r, surv[i+1]/surv[i], 1e-12, 0)
			if i > 0 && !(r > ret[i-1]) {
				t.Errorf("%s: retention does not rise at %d", c.name, i+1)
			}
		}
		// The paper's point: the projection of year 12 from years 1-7 is
		// close to the actual survivors (Figure 3; here 170 against 173
		// regular, 378 against 394 high end, per 1,000).
		check.Float(t, c.name+" year 12 projection", 1000*surv[12], c.alive[12], 0, 20)
	}
}

// The analytic gradient equals central differences of the likelihood.
func TestSBGGradient(t *testing.T) {
	obj := sbgObjective(sbgRegular)
	for _, th := range [][]float64{{0.7, 1.2}, {2, 0.3}, {0.1, 9}} {
		g := make([]float64, 2)
		if _, ok := obj(th, g); !ok {
			t.Fatal("not finite")
		}
		want := fd.Gradient(nil, func(x []float64) float64 { v, _ := obj(x, nil); return v }, th, &fd.Settings{Formula: fd.Central, Step: 1e-6})
		check.Floats(t, fmt.Sprint("gradient at ", th), g, want, 1e-6, 1e-6)
	}
}

func TestSBGErrorsAndJSON(t *testing.T) {
	for _, c := range []struct {
		name  string
		alive []float64
		err   error
		index int
	}{
		{"empty", nil, ErrEmptyInput, -1},
		{"one", []float64{100}, ErrEmptyInput, -1},
		{"zero cohort", []float64{0, 0}, ErrInvalidCustomer, 0},
		{"rising", []float64{100, 80, 90}, ErrInvalidCustomer, 2},
		{"negative", []float64{100, -1}, ErrInvalidCustomer, 1},
		{"NaN", []float64{100, math.NaN()}, ErrInvalidCustomer, 1},
		{"Inf", []float64{math.Inf(1), 3}, ErrInvalidCustomer, 0},
	} {
		_, err := FitSBG(ctx, c.alive, nil)
		if !errors.Is(err, c.err) {
			t.Errorf("%s: %v, want %v", c.name, err, c.err)
		}
		var ce *CustomerError
		if c.index >= 0 && (!errors.As(err, &ce) || ce.Index != c.index || ce.Field != "alive") {
			t.Errorf("%s: %v, want period %d", c.name, err, c.index)
		}
	}
	// Nobody cancels: the maximum is at the boundary.
	if _, err := FitSBG(ctx, []float64{100, 100, 100}, nil); !errors.Is(err, ErrNotConverged) {
		t.Errorf("no churn: %v", err)
	}
	if _, err := FitSBG(ctx, []float64{100, 0, 0}, nil); !errors.Is(err, ErrNotConverged) {
		t.Errorf("all churn: %v", err)
	}
	if _, err := (&SBG{Alpha: -1, Beta: 1}).Survival(nil, 3); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("bad param: %v", err)
	}
	m := check.Must(FitSBG(ctx, sbgRegular[:8], nil))
	b := check.Must(json.Marshal(m))
	var back SBG
	check.NoErr(t, json.Unmarshal(b, &back))
	if back.Alpha != m.Alpha || back.Beta != m.Beta || back.Info.LogLikelihood != m.Info.LogLikelihood {
		t.Errorf("round trip %+v, want %+v", back, m)
	}
	var bg BGNBD
	if err := json.Unmarshal(b, &bg); err == nil {
		t.Error("an sBG decoded as BG/NBD")
	}
	if err := json.Unmarshal([]byte(`{"format":"cvm.clv.sbg","version":2,"alpha":1,"beta":2,"info":{},"extra":1}`), &back); err == nil {
		t.Error("unknown field accepted")
	}
	if err := json.Unmarshal([]byte(`{"format":"cvm.clv.sbg","version":2,"alpha":1,"info":{}}`), &back); !errors.Is(err, ErrFormat) {
		t.Errorf("missing beta: %v", err)
	}
}
