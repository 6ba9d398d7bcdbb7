package clv

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/cvmkit/cvm/internal/check"
	"github.com/cvmkit/cvm/internal/num"
)

var cdnowBG = &BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}              // FHL 2005, section 5
var cdnowPareto = &ParetoNBD{R: 0.553, Alpha: 10.578, S: 0.606, Beta: 11.669} // Fader, Hardie & Lee 2005b
var cdnowGG = &GammaGamma{P: 6.25, Q: 3.74, Gamma: 15.44}                     // FHL 2005b

// bgCondExpPlain is FHL 2005 eq. (10) in plain arithmetic with the naive
// series; modified uses Batislam et al. 2007 eq. (7).
func bgCondExpPlain(m *BGNBD, t float64, c Customer) float64 {
	r, alpha, a, b := m.R, m.Alpha, m.A, m.B
	x, tx, T := c.Frequency, c.Recency, c.T
	k := 0.0
	if m.Modified {
		k = 1
	}
	f := naive2F1(r+x, b+x+k, a+b+x+k-1, t/(alpha+T+t))
	num := (a + b + x + k - 1) / (a - 1) * (1 - math.Pow((alpha+T)/(alpha+T+t), r+x)*f)
	den := 1.0
	if x > 0 || m.Modified {
		den += a / (b + x + k - 1) * math.Pow((alpha+T)/(alpha+tx), r+x)
	}
	return num / den
}

func TestBGNBDPredictions(t *testing.T) {
	c := Customer{Frequency: 2, Recency: 30.43, T: 38.86}
	// FHL 2005, section 5: this customer is expected to make 1.226
	// purchases in the next 39 weeks.
	got, err := cdnowBG.ConditionalExpectedPurchases(39, c)
	if err != nil {
		t.Fatal(err)
	}
	check.Float(t, "E[Y(39)] (FHL 2005: 1.226)", got, 1.226, 0, 5e-4)
	for _, m := range []*BGNBD{cdnowBG, {Modified: true, R: 0.25, Alpha: 4.4, A: 0.8, B: 2.4}, {R: 1.5, Alpha: 2, A: 3, B: 0.7}} {
		for _, c := range small {
			for _, h := range []float64{0, 1, 39, 200} {
				got := check.Must(m.ConditionalExpectedPurchases(h, c))
				check.Float(t, fmt.Sprintf("%s %+v t=%v", m.Name(), c, h), got, bgCondExpPlain(m, h, c), 1e-9, 1e-9)
			}
			// P(alive): FHL 2005 eq. (13); Batislam et al. 2007 eq. (8).
			x := c.Frequency
			want := 1.0
			if m.Modified {
				want = 1 / (1 + m.A/(m.B+x)*math.Pow((m.Alpha+c.T)/(m.Alpha+c.Recency), m.R+x))
			} else if x > 0 {
				want = 1 / (1 + m.A/(m.B+x-1)*math.Pow((m.Alpha+c.T)/(m.Alpha+c.Recency), m.R+x))
			}
			check.Float(t, fmt.Sprintf("%s %+v: P(alive)", m.Name(), c), check.Must(m.ProbAlive(c)), want, 0, 1e-12)
		}
		// New customer: FHL 2005 eq. (9), Batislam et al. 2007 eq. (6).
		var want float64
		r, al, a, b := m.R, m.Alpha, m.A, m.B
		if m.Modified {
			want = b / (a - 1) * (1 - math.Pow(al/(al+39), r)*naive2F1(r, b+1, a+b, 39/(al+39)))
		} else {
			want = (a + b - 1) / (a - 1) * (1 - math.Pow(al/(al+39), r)*naive2F1(r, b, a+b-1, 39/(al+39)))
		}
		check.Float(t, m.Name()+": E[X(39)]", check.Must(m.ExpectedPurchases(39)), want, 0, 1e-10)
	}
}

func TestParetoPredictionsQuadrature(t *testing.T) {
	if testing.Short() {
		t.Skip("quadrature is slow")
	}
	// Expected: P(alive) and E[Y(t)] integrated numerically over the
	// mixing distributions (Schmittlein et al. 1987): given (lambda, mu),
	// alive-and-seen weight lambda^x exp(-(lambda+mu)T) and E[Y(t)|alive]
	// = lambda/mu (1 - exp(-mu t)).
	const n = 600
	const h = 39.0
	m := cdnowPareto
	ls, ms := make([]float64, n), make([]float64, n)
	for i := range n {
		u := (float64(i) + 0.5) / n
		ls[i], ms[i] = gammaQuantile(m.R, m.Alpha, u), gammaQuantile(m.S, m.Beta, u)
	}
	for _, c := range small[:4] {
		x, tx, T := c.Frequency, c.Recency, c.T
		var L, alive, exp float64
		for _, l := range ls {
			lx := math.Pow(l, x)
			for _, mu := range ms {
				k := l + mu
				a := lx * math.Exp(-k*T)
				L += a + lx*mu/k*(math.Exp(-k*tx)-math.Exp(-k*T))
				alive += a
				exp += a * l / mu * (-math.Expm1(-mu * h))
			}
		}
		check.Float(t, fmt.Sprintf("%+v: P(alive)", c), check.Must(m.ProbAlive(c)), alive/L, 0, 3e-3)
		check.Float(t, fmt.Sprintf("%+v: E[Y(39)]", c), check.Must(m.ConditionalExpectedPurchases(h, c)), exp/L, 5e-3, 5e-3)
	}
	// New customer: r beta/(alpha(s-1)) (1 - (beta/(beta+t))^(s-1))
	// (Schmittlein et al. 1987, eq. 17).
	want := m.R * m.Beta / (m.Alpha * (m.S - 1)) * (1 - math.Pow(m.Beta/(m.Beta+h), m.S-1))
	check.Float(t, "E[X(39)]", check.Must(m.ExpectedPurchases(h)), want, 0, 1e-12)
	// s = 1: the limit r beta/alpha log((beta+t)/beta).
	m1 := &ParetoNBD{R: 0.5, Alpha: 10, S: 1, Beta: 12}
	check.Float(t, "s=1: E[X(39)]", check.Must(m1.ExpectedPurchases(h)), 0.5*12/10*math.Log((12+h)/12), 0, 1e-12)
}

func TestGammaGammaExpectedSpend(t *testing.T) {
	// FHL 2005b eq. (5) computed directly.
	for _, c := range []Customer{{Frequency: 2, Recency: 30, T: 38, MeanSpend: 22.35}, {T: 3}, {Frequency: 1, Recency: 1, T: 2, MeanSpend: 1e300}} {
		want := cdnowGG.P * cdnowGG.Gamma / (cdnowGG.Q - 1)
		if c.Frequency > 0 {
			want = (cdnowGG.Gamma + c.MeanSpend*c.Frequency) * cdnowGG.P / (cdnowGG.P*c.Frequency + cdnowGG.Q - 1)
		}
		if math.IsInf(want, 0) { // huge spend: the weighted form stays finite
			want = c.MeanSpend * cdnowGG.P / (cdnowGG.P + cdnowGG.Q - 1)
		}
		check.Float(t, fmt.Sprintf("%+v: expected spend", c), check.Must(cdnowGG.ExpectedSpend(c)), want, 1e-12, 0)
	}
	if _, err := (&GammaGamma{P: 6, Q: 0.9, Gamma: 15}).ExpectedSpend(Customer{T: 1}); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("q < 1: err = %v", err)
	}
	if _, err := cdnowGG.ExpectedSpend(Customer{Frequency: 1, Recency: 1, T: 1, MeanSpend: math.Inf(1)}); !errors.Is(err, ErrInvalidCustomer) {
		t.Errorf("Inf spend: err = %v", err)
	}
	if _, err := (&GammaGamma{P: 6, Q: -1, Gamma: 15}).ExpectedSpend(Customer{T: 1}); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("bad param: err = %v", err)
	}
}

func TestRobustness(t *testing.T) {
	// Extreme histories must give finite, sensible values or a named
	// error, never NaN or Inf.
	cs := []Customer{
		{ID: "heavy", Frequency: 400, Recency: 38.8, T: 38.86},
		{ID: "heavy-gone", Frequency: 300, Recency: 5, T: 38.86},
		{ID: "heavy-new", Frequency: 250, Recency: 0.9, T: 1},
		{ID: "newborn", Frequency: 0, Recency: 0, T: 0},
		{ID: "tiny-T", Frequency: 0, Recency: 0, T: 1e-9},
		{ID: "same-day", Frequency: 1, Recency: 0, T: 0},
		{ID: "old", Frequency: 3, Recency: 1, T: 1e4},
	}
	models := []PurchaseModel{cdnowBG, &BGNBD{Modified: true, R: 0.25, Alpha: 4.4, A: 0.8, B: 2.4}, cdnowPareto, &ParetoNBD{R: 0.5, Alpha: 0.1, S: 2, Beta: 300}}
	for _, m := range models {
		for _, h := range []float64{0.5, 39, 1000} {
			got, err := PredictPurchases(nil, m, h, cs)
			if err != nil {
				t.Errorf("%s t=%v: %v", m.Name(), h, err)
				continue
			}
			for i, v := range got {
				if !num.Finite(v) || v < 0 {
					t.Errorf("%s t=%v %s: %v", m.Name(), h, cs[i].ID, v)
				}
			}
		}
		alive, err := PredictAlive(nil, m, cs)
		if err != nil {
			t.Fatalf("%s: %v", m.Name(), err)
		}
		for i, v := range alive {
			if !(v >= 0 && v <= 1) {
				t.Errorf("%s %s: P(alive) %v", m.Name(), cs[i].ID, v)
			}
		}
		if alive[1] > 1e-6 {
			t.Errorf("%s: heavy buyer gone for 34 weeks has P(alive) %v", m.Name(), alive[1])
		}
		ll, err := m.LogLikelihood(cs)
		if err != nil || !num.Finite(ll) {
			t.Errorf("%s: LL %v, %v", m.Name(), ll, err)
		}
	}
	// Fitting data with a few extreme customers works too.
	data := append(simBGNBD(31, 500, 0.5, 5, 0.8, 2.5, false), cs...)
	if _, err := FitBGNBD(ctx, data, nil); err != nil {
		t.Errorf("BG/NBD fit with extremes: %v", err)
	}
	if _, err := FitParetoNBD(ctx, data[len(data)-100:], nil); err != nil {
		t.Errorf("Pareto/NBD fit with extremes: %v", err)
	}
	// Huge spends: scaling every spend by 1e9 scales gamma by 1e9 and
	// leaves p and q (the Gamma-Gamma model is scale-equivariant).
	spend := simSpend(32, 300, 6, 4, 150)
	m1, err := FitGammaGamma(ctx, spend, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range spend {
		spend[i].MeanSpend *= 1e9
	}
	m2, err := FitGammaGamma(ctx, spend, nil)
	if err != nil {
		t.Fatal(err)
	}
	check.Floats(t, "fit on spends x 1e9", []float64{m2.P, m2.Q, m2.Gamma}, []float64{m1.P, m1.Q, m1.Gamma * 1e9}, 1e-5, 0)
	// One absurd outlier pushes the maximum to the boundary: a finite
	// model or an error naming the parameter, never NaN.
	out := append(simSpend(32, 300, 6, 4, 150), Customer{Frequency: 2, Recency: 1, T: 2, MeanSpend: 1e12})
	m3, err := FitGammaGamma(ctx, out, nil)
	var pe *ParamError
	switch {
	case err != nil && !errors.As(err, &pe):
		t.Errorf("outlier: error %v names no parameter", err)
	case err == nil && !(num.Finite(m3.P) && num.Finite(m3.Q) && num.Finite(m3.Gamma) && num.Finite(m3.Info.LogLikelihood)):
		t.Errorf("outlier: non-finite model %+v", m3)
	}
}

func TestPredictionErrors(t *testing.T) {
	badModel := []PurchaseModel{&BGNBD{R: -1, Alpha: 1, A: 1, B: 1}, &ParetoNBD{R: 1, Alpha: math.NaN(), S: 1, Beta: 1}}
	for _, m := range badModel {
		if _, err := m.ProbAlive(Customer{T: 1}); !errors.Is(err, ErrInvalidParam) {
			t.Errorf("%s ProbAlive: %v", m.Name(), err)
		}
		if _, err := m.ConditionalExpectedPurchases(1, Customer{T: 1}); !errors.Is(err, ErrInvalidParam) {
			t.Errorf("%s E: %v", m.Name(), err)
		}
		if _, err := m.LogLikelihood(small); !errors.Is(err, ErrInvalidParam) {
			t.Errorf("%s LL: %v", m.Name(), err)
		}
	}
	for _, m := range []PurchaseModel{cdnowBG, cdnowPareto} {
		for _, h := range []float64{-1, math.NaN(), math.Inf(1)} {
			if _, err := m.ExpectedPurchases(h); !errors.Is(err, ErrInvalidParam) {
				t.Errorf("%s t=%v: %v", m.Name(), h, err)
			}
			if _, err := PredictPurchases(nil, m, h, small); !errors.Is(err, ErrInvalidParam) {
				t.Errorf("%s PredictPurchases t=%v: %v", m.Name(), h, err)
			}
		}
		if _, err := m.LogLikelihood(nil); !errors.Is(err, ErrEmptyInput) {
			t.Errorf("%s LL(nil): %v", m.Name(), err)
		}
		if _, err := m.ProbAlive(Customer{Frequency: 1, Recency: 2, T: 1}); !errors.Is(err, ErrInvalidCustomer) {
			t.Errorf("%s bad customer: %v", m.Name(), err)
		}
		if _, err := m.ConditionalExpectedPurchases(1, Customer{Frequency: -1}); !errors.Is(err, ErrInvalidCustomer) {
			t.Errorf("%s bad customer: %v", m.Name(), err)
		}
	}
	// BG/NBD at a = 1 exactly has 0/0 in eq. (10): a named error, not NaN.
	_, err := (&BGNBD{R: 1, Alpha: 1, A: 1, B: 2}).ConditionalExpectedPurchases(5, Customer{ID: "c", Frequency: 1, Recency: 1, T: 2})
	var ce *CustomerError
	if !errors.As(err, &ce) || ce.Customer != "c" || !errors.Is(err, ErrNotConverged) {
		t.Errorf("a=1: err = %v", err)
	}
}

func TestPredictVectorised(t *testing.T) {
	// More customers than one chunk, so the parallel path runs; results
	// must equal the one-at-a-time methods.
	cs := simBGNBD(41, 3*chunkSize+17, 0.5, 5, 0.8, 2.5, false)
	orig := slices.Clone(cs)
	for _, m := range []PurchaseModel{cdnowBG, cdnowPareto} {
		e, err := PredictPurchases(nil, m, 10, cs)
		if err != nil {
			t.Fatal(err)
		}
		a, err := PredictAlive(make([]float64, 0, len(cs)), m, cs)
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range []int{0, chunkSize, 2*chunkSize + 5, len(cs) - 1} {
			we := check.Must(m.ConditionalExpectedPurchases(10, cs[i]))
			wa := check.Must(m.ProbAlive(cs[i]))
			if e[i] != we || a[i] != wa {
				t.Errorf("%s customer %d: %v %v, want %v %v", m.Name(), i, e[i], a[i], we, wa)
			}
		}
	}
	if !slices.Equal(cs, orig) {
		t.Error("predictions modified their input")
	}
	bad := slices.Clone(cs)
	bad[2*chunkSize+3].Recency = -1
	bad[2*chunkSize+3].ID = "bad"
	bad[len(bad)-1].T = math.NaN()
	_, err := PredictAlive(nil, cdnowBG, bad)
	var ce *CustomerError
	if !errors.As(err, &ce) || ce.Index != 2*chunkSize+3 || ce.Customer != "bad" {
		t.Errorf("err = %v, want index %d", err, 2*chunkSize+3)
	}
	if got, err := PredictAlive(nil, cdnowBG, nil); err != nil || len(got) != 0 {
		t.Errorf("empty: %v %v", got, err)
	}
	sp, err := PredictSpend(nil, cdnowGG, []Customer{{T: 1}})
	if err != nil || len(sp) != 1 {
		t.Errorf("PredictSpend: %v %v", sp, err)
	}
	if _, err := PredictSpend(nil, &GammaGamma{}, []Customer{{T: 1}}); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("PredictSpend bad model: %v", err)
	}
}

func TestCLV(t *testing.T) {
	// MonthlyRate: 1.1^(1/12) - 1 = 0.00797414042... (hand computed).
	check.Float(t, "MonthlyRate(0.1)", MonthlyRate(0.1), 0.0079741404289, 0, 1e-12)
	if !math.IsNaN(MonthlyRate(-1)) {
		t.Error("MonthlyRate(-1) not NaN")
	}
	cs := small[:4]
	spend := []float64{10, 20, 30, 0}
	// 1% a month, lifetimes' default discount_rate, as an annual rate.
	got, err := CLV(nil, cdnowBG, spend, cs, &CLVSettings{Months: 3, AnnualDiscount: math.Pow(1.01, 12) - 1})
	if err != nil {
		t.Fatal(err)
	}
	// Expected: the definition summed in the test with FHL eq. (10),
	// months of 30 days in weeks.
	for j, c := range cs {
		want, prev := 0.0, 0.0
		for i := 1; i <= 3; i++ {
			e := bgCondExpPlain(cdnowBG, float64(i)*30/7, c)
			want += spend[j] * (e - prev) / math.Pow(1.01, float64(i))
			prev = e
		}
		check.Float(t, fmt.Sprintf("customer %d: CLV", j), got[j], want, 0, 1e-9)
	}
	// Days, no discount, one month: spend * E[Y(30 days)].
	daysM := &BGNBD{R: 0.243, Alpha: 4.414 * 7, A: 0.793, B: 2.426}
	c := Customer{Frequency: 2, Recency: 213, T: 272}
	got = check.Must(CLV(nil, daysM, []float64{5}, []Customer{c}, &CLVSettings{Unit: Days, Months: 1, NoDiscount: true}))
	check.Float(t, "days, no discount: CLV", got[0], 5*bgCondExpPlain(daysM, 30, c), 0, 1e-9)
	// The default: 10% a year, 1.1^(1/12) a month, for nil settings and a
	// zero AnnualDiscount alike.
	for _, s := range []*CLVSettings{nil, {Months: 12}} {
		got, err := CLV(nil, cdnowBG, []float64{7}, []Customer{small[2]}, s)
		check.NoErr(t, err)
		want, prev := 0.0, 0.0
		for i := 1; i <= 12; i++ {
			e := bgCondExpPlain(cdnowBG, float64(i)*30/7, small[2])
			want += 7 * (e - prev) / math.Pow(1.1, float64(i)/12)
			prev = e
		}
		check.Float(t, "default-discount CLV", got[0], want, 1e-12, 0)
	}
	for _, tc := range []struct {
		name  string
		s     *CLVSettings
		spend float64
		want  error
	}{
		{"bad unit", &CLVSettings{Unit: 5}, 1, ErrInvalidParam},
		{"negative months", &CLVSettings{Months: -1}, 1, ErrInvalidParam},
		{"discount -1", &CLVSettings{AnnualDiscount: -1}, 1, ErrInvalidParam},
		{"NaN discount", &CLVSettings{AnnualDiscount: math.NaN()}, 1, ErrInvalidParam},
		{"infinite discount", &CLVSettings{AnnualDiscount: math.Inf(1)}, 1, ErrInvalidParam},
		{"discount with NoDiscount", &CLVSettings{AnnualDiscount: 0.1, NoDiscount: true}, 1, ErrInvalidParam},
		{"bad month", &CLVSettings{DaysPerMonth: -30}, 1, ErrInvalidParam},
		{"NaN spend", nil, math.NaN(), ErrInvalidCustomer},
		{"negative spend", nil, -1, ErrInvalidCustomer},
	} {
		if _, err := CLV(nil, cdnowBG, []float64{tc.spend}, []Customer{c}, tc.s); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
	_, err = CLV(nil, cdnowBG, []float64{1}, []Customer{{ID: "z", Frequency: -2}}, nil)
	var ce *CustomerError
	if !errors.As(err, &ce) || ce.Customer != "z" {
		t.Errorf("bad customer: %v", err)
	}
}

func TestHoldoutTableAndMatrices(t *testing.T) {
	cs := []Customer{{T: 30}, {T: 30}, {Frequency: 1, Recency: 10, T: 30}, {Frequency: 5, Recency: 29, T: 30}, {Frequency: 9, Recency: 29, T: 30}}
	hold := []HoldoutCustomer{{0, 0}, {2, 5}, {1, 3}, {4, 9}, {6, 1}}
	tab, err := HoldoutTable(cdnowBG, cs, hold, 39, 3)
	if err != nil {
		t.Fatal(err)
	}
	// Hand grouped: x=0 (2 customers, actual mean 1), x=1 (1, 1), x>=3
	// (2, mean 5); predicted means from FHL eq. (10) in the test.
	e := func(c Customer) float64 { return bgCondExpPlain(cdnowBG, 39, c) }
	want := []HoldoutRow{
		{0, 2, 1, e(cs[0])},
		{1, 1, 1, e(cs[2])},
		{3, 2, 5, (e(cs[3]) + e(cs[4])) / 2},
	}
	if len(tab) != len(want) {
		t.Fatalf("got %+v, want %+v", tab, want)
	}
	for i := range want {
		if tab[i].Frequency != want[i].Frequency || tab[i].Customers != want[i].Customers || tab[i].Actual != want[i].Actual || math.Abs(tab[i].Predicted-want[i].Predicted) > 1e-9 {
			t.Errorf("row %d: %+v, want %+v", i, tab[i], want[i])
		}
	}
	if tab, err := HoldoutTable(cdnowBG, nil, nil, 39, 3); tab != nil || err != nil {
		t.Errorf("empty: %v %v", tab, err)
	}
	am, err := AliveMatrix(cdnowBG, 38, 3, 5)
	if err != nil {
		t.Fatal(err)
	}
	if r, c := am.Dims(); r != 4 || c != 5 {
		t.Fatalf("dims %d x %d", r, c)
	}
	// Row 0 is 1 (BG/NBD: no dropout without a repeat purchase); cell
	// (2, 2) is a customer with x = 2, t_x = 19.
	for j := range 5 {
		if am.At(0, j) != 1 {
			t.Errorf("P(alive | x=0) = %v", am.At(0, j))
		}
	}
	wantA := 1 / (1 + 0.793/(2.426+1)*math.Pow((4.414+38)/(4.414+19), 0.243+2))
	check.Float(t, "cell (2,2)", am.At(2, 2), wantA, 0, 1e-12)
	em, err := ExpectedMatrix(cdnowBG, 10, 38, 3, 5)
	if err != nil {
		t.Fatal(err)
	}
	check.Float(t, "cell (3,4)", em.At(3, 4), bgCondExpPlain(cdnowBG, 10, Customer{Frequency: 3, Recency: 38, T: 38}), 0, 1e-9)
	if _, err := ExpectedMatrix(cdnowBG, -1, 38, 3, 5); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("bad t: %v", err)
	}
	if _, err := AliveMatrix(cdnowBG, math.NaN(), 3, 5); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("bad T: %v", err)
	}
	if _, err := AliveMatrix(&BGNBD{}, 38, 3, 5); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("bad model: %v", err)
	}
	if _, err := HoldoutTable(cdnowBG, cs, hold, -1, 3); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("bad holdout length: %v", err)
	}
}

// refPredictPurchasesAt is PredictPurchasesAt written as the loop it
// replaces: ConditionalExpectedPurchases of every customer at every
// horizon, the first error by customer, then horizon, with the
// customer's index.
func refPredictPurchasesAt(m PurchaseModel, ts []float64, cs []Customer) ([]float64, error) {
	out := make([]float64, len(cs)*len(ts))
	for _, t := range ts {
		if err := checkHorizon(t); err != nil {
			return nil, err
		}
	}
	for i, c := range cs {
		for h, t := range ts {
			v, err := m.ConditionalExpectedPurchases(t, c)
			if err != nil {
				return nil, withIndex(err, i)
			}
			out[i*len(ts)+h] = v
		}
	}
	return out, nil
}

// TestPredictPurchasesAt: every customer's forecast at every horizon has
// the bits of ConditionalExpectedPurchases (refPredictPurchasesAt), for
// BG/NBD and MBG/NBD, whose horizon factor is shared by the customers of
// a (Frequency, T), and for Pareto/NBD; horizons 0, one whose z
// underflows to 0, and far ones; many customers sharing (Frequency, T)
// with different recencies, and -0; the error is the reference's: the
// first customer that is invalid or whose forecast fails, a bad horizon,
// a bad parameter.
func TestPredictPurchasesAt(t *testing.T) {
	cs := synthCustomers(3 * chunkSize)
	for i := range cs {
		// Ages in whole weeks: many customers per (Frequency, T).
		cs[i].T = math.Ceil(cs[i].T)
		cs[i].ID = fmt.Sprint("c", i)
	}
	cs = append(cs, Customer{ID: "new", T: 0}, Customer{ID: "zero", Frequency: math.Copysign(0, -1), Recency: math.Copysign(0, -1), T: 3})
	orig := slices.Clone(cs)
	models := []PurchaseModel{
		cdnowBG,
		&BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426, Modified: true},
		&BGNBD{R: 0.7186, Alpha: 5.5138, A: 1.00905, B: 9.9779}, // the profile's fit on tx10m.csv
		cdnowPareto,
	}
	for _, ts := range [][]float64{{52}, {0, 30.0 / 7, 60.0 / 7, 13, 52, 520, 5e-324}, {}} {
		for _, m := range models {
			cs := cs
			if m.Name() == "pareto" {
				cs = cs[len(cs)-1000:] // slow, and takes the same path at any size
			}
			got, err := PredictPurchasesAt(nil, m, ts, cs)
			want, werr := refPredictPurchasesAt(m, ts, cs)
			if err != nil || werr != nil {
				t.Fatalf("%s: %v, want %v", m.Name(), err, werr)
			}
			if !sameBits(got, want) {
				t.Errorf("%s, horizons %v: not the reference's bits", m.Name(), ts)
			}
		}
	}
	if !slices.Equal(cs, orig) {
		t.Error("PredictPurchasesAt modified its input")
	}
	ts := []float64{4, 52}
	for _, c := range []struct {
		name string
		m    PurchaseModel
		ts   []float64
		cs   func([]Customer) []Customer
	}{
		{"invalid customer", cdnowBG, ts, func(cs []Customer) []Customer { cs[chunkSize+5].Recency = -1; return cs }},
		{"two invalid", cdnowBG, ts, func(cs []Customer) []Customer { cs[9].T = math.NaN(); cs[2].Frequency = -1; return cs }},
		// a + b - 1 < 0: the hypergeometric function's c is negative for
		// customers without repeat purchases, whose forecasts fail.
		{"forecast fails", &BGNBD{R: 0.5, Alpha: 5, A: 0.3, B: 0.4}, ts, func(cs []Customer) []Customer { return cs }},
		{"forecast fails before invalid", &BGNBD{R: 0.5, Alpha: 5, A: 0.3, B: 0.4}, ts, func(cs []Customer) []Customer {
			cs[len(cs)-3].T = -1
			return cs
		}},
		{"invalid before forecast fails", &BGNBD{R: 0.5, Alpha: 5, A: 0.3, B: 0.4}, ts, func(cs []Customer) []Customer {
			cs[0].Frequency = 1
			cs[0].T = -1
			return cs
		}},
		{"negative horizon", cdnowBG, []float64{4, -1}, func(cs []Customer) []Customer { return cs }},
		{"infinite horizon", cdnowPareto, []float64{math.Inf(1)}, func(cs []Customer) []Customer { return cs }},
		{"bad parameter", &BGNBD{R: 1, Alpha: 1, A: -1, B: 1}, ts, func(cs []Customer) []Customer { return cs }},
		{"pareto invalid", cdnowPareto, ts, func(cs []Customer) []Customer { cs[7].Recency = cs[7].T + 1; return cs }},
	} {
		bad := c.cs(slices.Clone(cs))
		_, err := PredictPurchasesAt(nil, c.m, c.ts, bad)
		_, werr := refPredictPurchasesAt(c.m, c.ts, bad)
		if err == nil || werr == nil || err.Error() != werr.Error() {
			t.Errorf("%s: %v, want %v", c.name, err, werr)
		}
	}
	if got, err := PredictPurchasesAt(nil, cdnowBG, ts, nil); err != nil || len(got) != 0 {
		t.Errorf("empty: %v %v", got, err)
	}
}
