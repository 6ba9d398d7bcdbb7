package clv

import (
	"errors"
	"fmt"
	"iter"
	"math"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/check"
	"gonum.org/v1/gonum/integrate/quad"
	"gonum.org/v1/gonum/stat/distuv"
)

// bgPMFPlain is FHL 2005 eq. (8), P(X(t) = x) of BG/NBD, in plain
// arithmetic: the negative binomial with math.Gamma and math.Pow, the
// finite sum written out.
func bgPMFPlain(m *BGNBD, t float64, x int) float64 {
	r, al, a, b := m.R, m.Alpha, m.A, m.B
	beta := func(p, q float64) float64 { return math.Exp(lbeta(p, q)) }
	fx := float64(x)
	nb := func(j int) float64 {
		fj := float64(j)
		return math.Exp(lgamma(r+fj)-lgamma(r)-lgamma(fj+1)) * math.Pow(al/(al+t), r) * math.Pow(t/(al+t), fj)
	}
	p := beta(a, b+fx) / beta(a, b) * nb(x)
	if x > 0 {
		s := 0.0
		for j := range x {
			s += nb(j)
		}
		p += beta(a+1, b+fx-1) / beta(a, b) * (1 - s)
	}
	return p
}

// The period-transactions check on customers simulated from a known
// BG/NBD: the expected counts are the plain eq. (8) summed over the
// customers' ages, the observed ones are counted here, and the
// chi-square statistic of the true model is unremarkable.
func TestPeriodTransactions(t *testing.T) {
	truth := &BGNBD{R: 0.5, Alpha: 6, A: 0.9, B: 3}
	cs := simBGNBD(4, 20000, truth.R, truth.Alpha, truth.A, truth.B, false)
	pc := check.Must(PeriodTransactions(truth, cs, 7))
	want := make([]float64, 8)
	obs := make([]int, 8)
	for _, c := range cs {
		obs[min(int(c.Frequency), 7)]++
		rest := 1.0
		for x := range 7 {
			p := bgPMFPlain(truth, c.T, x)
			want[x] += p
			rest -= p
		}
		want[7] += rest
	}
	chi := 0.0
	for n, r := range pc.Rows {
		if r.Frequency != n || r.Observed != obs[n] {
			t.Errorf("row %d: %+v, want frequency %d observed %d", n, r, n, obs[n])
		}
		check.Float(t, fmt.Sprintf("expected %d", n), r.Expected, want[n], 1e-9, 1e-9)
		chi += (float64(obs[n]) - want[n]) * (float64(obs[n]) - want[n]) / want[n]
	}
	check.Float(t, "chi-square", pc.ChiSquare, chi, 1e-9, 0)
	if pc.DF != 3 {
		t.Errorf("df %d, want 8 - 1 - 4 = 3", pc.DF)
	}
	check.Float(t, "p-value", pc.PValue, 1-distuv.ChiSquared{K: 3}.CDF(chi), 1e-9, 1e-12)
	if pc.PValue < 0.001 {
		t.Errorf("true model rejected: chi-square %.2f, p %.4f", pc.ChiSquare, pc.PValue)
	}
	if _, err := PeriodTransactions(truth, nil, 7); !errors.Is(err, ErrEmptyInput) {
		t.Errorf("empty: %v", err)
	}
	if _, err := PeriodTransactions(truth, []Customer{{Frequency: math.NaN()}}, 7); !errors.Is(err, ErrInvalidCustomer) {
		t.Errorf("NaN customer: %v", err)
	}
}

// On CDNOW the check counts 1,411 customers without a repeat purchase
// (2,357 less the 946 repeat buyers of FHL 2005b) and compares the
// fitted BG/NBD and Pareto/NBD with them (measured figures in the log).
func TestCDNOWPeriodTransactions(t *testing.T) {
	ds := cdnowSample(t)
	bg := check.Must(FitBGNBD(ctx, ds.Customers, nil))
	pa := check.Must(FitParetoNBD(ctx, ds.Customers, nil))
	for _, m := range []PurchaseModel{bg, pa} {
		pc := check.Must(PeriodTransactions(m, ds.Customers, 7))
		if pc.Rows[0].Observed != 1411 {
			t.Errorf("%d customers without a repeat purchase, want 1411", pc.Rows[0].Observed)
		}
		sum := 0.0
		for _, r := range pc.Rows {
			sum += r.Expected
			t.Logf("%s %d: observed %d expected %.1f", m.Name(), r.Frequency, r.Observed, r.Expected)
		}
		check.Float(t, "expected customers", sum, 2357, 1e-9, 0)
		t.Logf("%s: chi-square %.2f, df %d, p %.4f", m.Name(), pc.ChiSquare, pc.DF, pc.PValue)
	}
}

// Tracking on a hand-made cohort: customer a buys on days 0, 0, 3 and 10
// (two on day 0 are one occasion), b on days 2 and 12 and a return on day
// 5, c first in the holdout (not in the cohort); calibration ends on day
// 6, the holdout on day 13, periods of 7 days. The expectation is summed
// here from ExpectedPurchases at the customers' ages.
func TestTrackHand(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2020, 1, 1+d, 12, 0, 0, 0, time.UTC) }
	txs := []cvm.Transaction{
		{Customer: "a", Time: day(0), Amount: 1}, {Customer: "a", Time: day(0), Amount: 2},
		{Customer: "a", Time: day(3), Amount: 1}, {Customer: "a", Time: day(10), Amount: 1},
		{Customer: "b", Time: day(2), Amount: 1}, {Customer: "b", Time: day(5), Amount: -1},
		{Customer: "b", Time: day(12), Amount: 1}, {Customer: "c", Time: day(8), Amount: 1},
		{Customer: "a", Time: day(20), Amount: 1}, // after the holdout
	}
	m := &BGNBD{R: 0.5, Alpha: 2, A: 0.8, B: 2}
	rows := check.Must(Track(ctx, m, slices.Values(txs), day(6), &TrackSettings{Prepare: PrepareSettings{Unit: Days, HoldoutEnd: day(13)}}))
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2", len(rows))
	}
	e := func(t float64) float64 { return check.Must(m.ExpectedPurchases(t)) }
	want := []TrackRow{
		{End: time.Date(2020, 1, 7, 0, 0, 0, 0, time.UTC), Time: 6, Actual: 1, CumActual: 1, CumExpected: e(6) + e(4)},
		{End: time.Date(2020, 1, 14, 0, 0, 0, 0, time.UTC), Time: 13, Holdout: true, Actual: 2, CumActual: 3, CumExpected: e(13) + e(11)},
	}
	want[0].Expected = want[0].CumExpected
	want[1].Expected = want[1].CumExpected - want[0].CumExpected
	for i, r := range rows {
		w := want[i]
		if !r.End.Equal(w.End) || r.Holdout != w.Holdout || r.Actual != w.Actual || r.CumActual != w.CumActual {
			t.Errorf("row %d: %+v, want %+v", i, r, w)
		}
		check.Floats(t, fmt.Sprintf("row %d", i), []float64{r.Time, r.Expected, r.CumExpected}, []float64{w.Time, w.Expected, w.CumExpected}, 1e-12, 0)
	}
	if _, err := Track(ctx, m, slices.Values(txs[7:8]), day(6), nil); !errors.Is(err, ErrEmptyInput) {
		t.Errorf("no cohort: %v", err)
	}
	if _, err := Track(ctx, m, slices.Values(txs), day(6), &TrackSettings{PeriodDays: -1}); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("negative period: %v", err)
	}
	// Several customers older than MaxAge: the error names the least ID
	// whatever the map order (checked over repeated calls).
	old := append(slices.Clone(txs), cvm.Transaction{Customer: "z", Time: day(-2000), Amount: 1},
		cvm.Transaction{Customer: "k", Time: day(-3000), Amount: 1}, cvm.Transaction{Customer: "q", Time: day(-2500), Amount: 1})
	for range 20 {
		_, err := Track(ctx, m, slices.Values(old), day(6), &TrackSettings{Prepare: PrepareSettings{Unit: Days, MaxAge: 1000 * 24 * time.Hour}})
		var te *cvm.TransactionError
		if !errors.Is(err, ErrImplausibleSpan) || !errors.As(err, &te) || te.Customer != "k" {
			t.Fatalf("too old: %v, want customer \"k\" named", err)
		}
	}
}

// On CDNOW the cumulative repeat purchases at the calibration end and
// the holdout end are those of Prepare's Dataset (the frequencies and the
// holdout counts), 78 weeks from 1997-01-01; the model's cumulative
// expectation at the calibration end is sum_i E[X(T_i)].
func TestCDNOWTrack(t *testing.T) {
	ds := cdnowSample(t)
	bg := check.Must(FitBGNBD(ctx, ds.Customers, nil))
	rows := check.Must(Track(ctx, bg, cdnowTxs(t), ds.CalibrationEnd, &TrackSettings{Prepare: PrepareSettings{HoldoutEnd: ds.HoldoutEnd}}))
	if len(rows) != 78 {
		t.Fatalf("%d weeks, want 78", len(rows))
	}
	var cal, hold, exp float64
	for i, c := range ds.Customers {
		cal += c.Frequency
		hold += float64(ds.Holdout[i].Purchases)
		exp += check.Must(bg.ExpectedPurchases(c.T))
	}
	if rows[38].Holdout || !rows[39].Holdout {
		t.Errorf("week 39 holdout %v, week 40 %v", rows[38].Holdout, rows[39].Holdout)
	}
	check.Float(t, "cumulative at calibration end", rows[38].CumActual, cal, 0, 0)
	check.Float(t, "cumulative at holdout end", rows[77].CumActual, cal+hold, 0, 0)
	check.Float(t, "expected at calibration end", rows[38].CumExpected, exp, 1e-12, 0)
	t.Logf("repeat purchases: calibration %v actual, %.1f expected; holdout %v actual, %.1f expected",
		cal, exp, hold, rows[77].CumExpected-rows[38].CumExpected)
}

// DERT agrees with independent numerical integrals: for Pareto/NBD with
// delta times the integral of e^(-delta t) E[Y(t)] (the closed-form
// conditional expectation) by gonum's fixed Legendre rule over the
// half-line; for BG/NBD with P(alive) E[lambda / (delta + p lambda)], the
// discounted count of the story given alive (each purchase at a Poisson
// rate, survival after each), as a double integral over the posterior
// lambda ~ Gamma(r+x, alpha+T), p ~ Beta(a, b+x).
func TestDERT(t *testing.T) {
	delta := ContinuousRate(0.15, Weeks)
	check.Float(t, "15% a year, weekly (FHL 2005b: 0.0027)", delta, 0.0027, 0, 5e-5)
	for _, m := range []*ParetoNBD{cdnowPareto, {R: 1.2, Alpha: 3, S: 2.5, Beta: 20}} {
		got := check.Must(DERT(nil, m, delta, small))
		for i, c := range small {
			f := func(t float64) float64 {
				return delta * math.Exp(-delta*t) * check.Must(m.ConditionalExpectedPurchases(t, c))
			}
			want := quad.Fixed(f, 0, math.Inf(1), 3000, nil, 0)
			check.Float(t, fmt.Sprintf("pareto %+v", c), got[i], want, 1e-6, 0)
		}
	}
	// BG/NBD and MBG/NBD at the CDNOW estimates (a < 1) against the
	// integral of the closed-form conditional expectation, and the heavy
	// buyers too.
	for _, m := range pmfModels[:3] {
		got := check.Must(DERT(nil, m, delta, heavy))
		for i, c := range heavy {
			// v = delta t over [0, 60]: e^-60 times the linear growth of
			// E[Y] is below 1e-20 of the whole.
			f := func(v float64) float64 {
				return math.Exp(-v) * check.Must(m.ConditionalExpectedPurchases(v/delta, c))
			}
			want := quad.Fixed(f, 0, 60, 400, nil, 0)
			check.Float(t, fmt.Sprintf("%s %+v", m.Name(), c), got[i], want, 1e-8, 0)
		}
	}
	m := &BGNBD{R: 1.5, Alpha: 5, A: 2.5, B: 4}
	got := check.Must(DERT(nil, m, delta, small))
	for i, c := range small {
		pa := check.Must(m.ProbAlive(c))
		lam := distuv.Gamma{Alpha: m.R + c.Frequency, Beta: m.Alpha + c.T}
		pb := distuv.Beta{Alpha: m.A, Beta: m.B + c.Frequency}
		inner := func(p float64) float64 {
			return quad.Fixed(func(l float64) float64 { return lam.Prob(l) * l / (delta + p*l) }, 0, math.Inf(1), 400, nil, 0)
		}
		want := pa * quad.Fixed(func(p float64) float64 { return pb.Prob(p) * inner(p) }, 0, 1, 200, nil, 0)
		check.Float(t, fmt.Sprintf("bgnbd %+v", c), got[i], want, 1e-6, 0)
	}
	if _, err := DERT(nil, m, 0, small); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("zero rate: %v", err)
	}
	if _, err := DERT(nil, &BGBB{Alpha: 1, Beta: 1, Gamma: 1, Delta: 1}, 0.1, small); !errors.Is(err, ErrUnsupported) {
		t.Errorf("BG/BB: %v", err)
	}
}

// cdnowTxs returns the transactions of CDNOW_sample.txt, read as
// cdnowSample reads them.
func cdnowTxs(t *testing.T) iter.Seq[cvm.Transaction] {
	f, err := os.Open(dataDir(t, "CDNOW_sample.txt"))
	check.NoErr(t, err)
	defer f.Close()
	rd := check.Must(cvm.NewReader(f, &cvm.ReadSettings{NoHeader: true, Customer: "2", Time: "3", Amount: "5", Order: cvm.NoColumn, Comma: cvm.Whitespace}))
	txs := slices.Collect(rd.All())
	check.NoErr(t, rd.Err())
	return slices.Values(txs)
}
