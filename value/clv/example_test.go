package clv_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/cvmkit/cvm/internal/synth"
	"github.com/cvmkit/cvm/value"
	"github.com/cvmkit/cvm/value/clv"
)

// The published CDNOW BG/NBD model (Fader, Hardie & Lee 2005) forecasts
// 1.226 purchases in the next 39 weeks for a customer with 2 repeat
// purchases, the last at week 30.43 of 38.86.
func ExampleBGNBD_ConditionalExpectedPurchases() {
	m := &clv.BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
	c := clv.Customer{Frequency: 2, Recency: 30.43, T: 38.86}
	e, err := m.ConditionalExpectedPurchases(39, c)
	if err != nil {
		panic(err)
	}
	p, err := m.ProbAlive(c)
	if err != nil {
		panic(err)
	}
	n, err := m.ExpectedPurchases(39)
	if err != nil {
		panic(err)
	}
	fmt.Printf("E[Y(39)] = %.3f, P(alive) = %.3f, new customer E[X(39)] = %.3f\n", e, p, n)
	// Output:
	// E[Y(39)] = 1.226, P(alive) = 0.727, new customer E[X(39)] = 1.197
}

// From transactions to a fitted model, spend model, CLV and the
// calibration/holdout table. The synthetic customers follow the MBG/NBD
// story with r = 1.2, alpha = 8, a = 0.9, b = 7 and Gamma-Gamma spend with
// p = 6, q = 4, gamma = 150.
func ExampleFitMBGNBD() {
	cfg := synth.Config{Customers: 3000, Seed: 7, ReturnRate: -1}
	ctx := context.Background()
	calEnd := time.Date(2025, 3, 31, 0, 0, 0, 0, time.UTC)
	ds, err := clv.Prepare(ctx, synth.Transactions(cfg), calEnd, &clv.PrepareSettings{HoldoutEnd: time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		panic(err)
	}
	m, err := clv.FitMBGNBD(ctx, ds.Customers, nil)
	if err != nil {
		panic(err)
	}
	gg, err := clv.FitGammaGamma(ctx, ds.Customers, nil)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d customers; r=%.2f alpha=%.1f a=%.2f b=%.1f\n", len(ds.Customers), m.R, m.Alpha, m.A, m.B)
	fmt.Printf("p=%.1f q=%.1f gamma=%.0f\n", gg.P, gg.Q, gg.Gamma)

	spend, err := clv.PredictSpend(nil, gg, ds.Customers)
	if err != nil {
		panic(err)
	}
	// 12 months at the default discount, 10% a year.
	value, err := clv.CLV(nil, m, spend, ds.Customers, nil)
	if err != nil {
		panic(err)
	}
	fmt.Printf("customer %s: 12-month CLV %.2f\n", ds.Customers[0].ID, value[0])

	tab, err := clv.HoldoutTable(m, ds.Customers, ds.Holdout, ds.HoldoutLength, 3)
	if err != nil {
		panic(err)
	}
	for _, r := range tab {
		fmt.Printf("x=%d: %4d customers, actual %.2f, predicted %.2f\n", r.Frequency, r.Customers, r.Actual, r.Predicted)
	}
	// Output:
	// 3000 customers; r=1.35 alpha=9.1 a=0.78 b=5.6
	// p=6.0 q=4.1 gamma=157
	// customer C0000: 12-month CLV 75.33
	// x=0:  560 customers, actual 0.30, predicted 0.30
	// x=1:  483 customers, actual 0.66, predicted 0.65
	// x=2:  365 customers, actual 0.93, predicted 1.03
	// x=3: 1592 customers, actual 3.50, predicted 3.53
}

// A fitted model is saved as JSON in the library's envelope, with a model
// card saying where it came from, and read back with json.Unmarshal.
func ExampleBGNBD_MarshalJSON() {
	ctx := context.Background()
	cfg := synth.Config{Customers: 1000, Seed: 3, ReturnRate: -1}
	ds, err := clv.Prepare(ctx, synth.Transactions(cfg), time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC), nil)
	if err != nil {
		panic(err)
	}
	m, err := clv.FitBGNBD(ctx, ds.Customers, &clv.FitSettings{Source: ds})
	if err != nil {
		panic(err)
	}
	data, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	var back clv.BGNBD
	if err := json.Unmarshal(data, &back); err != nil {
		panic(err)
	}
	c := back.Card
	fmt.Printf("%s version %d: r=%.4f, same model %v\n", back.Format(), clv.FormatVersion, back.R, back.R == m.R && back.B == m.B)
	fmt.Printf("calibration %s to %s in %s, %d customers, log-likelihood %.1f\n",
		c.CalibrationStart.Format(time.DateOnly), c.CalibrationEnd.Format(time.DateOnly), c.TimeUnit, c.Customers, c.Quality["log_likelihood"])
	var other clv.ParetoNBD
	fmt.Println(json.Unmarshal(data, &other))
	// Output:
	// cvm.clv.bgnbd version 2: r=0.8301, same model true
	// calibration 2024-01-01 to 2025-06-30 in weeks, 1000 customers, log-likelihood -16806.5
	// cvm: model format "cvm.clv.bgnbd" version 2, want "cvm.clv.paretonbd" version 2
}

// Forecasts drive the potential dimension of the value model: a small
// catalog with revenue as current value and the forecasts as potential
// value.
func ExampleForecast_AddTo() {
	cs := []clv.Customer{
		{ID: "ann", Frequency: 6, Recency: 37, T: 38, MeanSpend: 40},
		{ID: "bob", Frequency: 6, Recency: 5, T: 38, MeanSpend: 40},
		{ID: "cid", Frequency: 1, Recency: 30, T: 38, MeanSpend: 15},
		{ID: "dee", T: 10},
	}
	bg := &clv.BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
	gg := &clv.GammaGamma{P: 6.25, Q: 3.74, Gamma: 15.44}
	f, err := clv.NewForecast(bg, gg, cs, 52, &clv.CLVSettings{Months: 12, AnnualDiscount: math.Pow(1.01, 12) - 1})
	if err != nil {
		panic(err)
	}
	cat := value.Catalog{
		Groups: []value.Group{
			{ID: "spend", Dimension: value.CurrentValue, Weight: 1},
			{ID: "forecast", Dimension: value.PotentialValue, Weight: 1},
		},
		Indicators: append([]value.Indicator{{ID: "revenue", Dimension: value.CurrentValue, Group: "spend", Weight: 1}},
			clv.PotentialIndicators("forecast")...),
	}
	tab := value.NewIndicatorTable([]string{"ann", "bob", "cid", "dee"}).WithColumn("revenue", []float64{280, 280, 30, 12})
	tab = f.AddTo(tab)
	m, err := value.Fit(context.Background(), tab, &value.Settings{Catalog: cat, NormalizeWeights: true})
	if err != nil {
		panic(err)
	}
	scores, err := m.Score(context.Background(), nil, tab)
	if err != nil {
		panic(err)
	}
	for i, s := range scores {
		fmt.Printf("%s: P(alive) %.2f, CLV %6.2f, potential %5.1f, quadrant %v\n", s.Customer, f.ProbAlive[i], f.CLV[i], s.Potential, s.Quadrant)
	}
	// Output:
	// ann: P(alive) 0.89, CLV 190.17, potential  96.3, quadrant IV
	// bob: P(alive) 0.00, CLV   0.17, potential   0.0, quadrant III
	// cid: P(alive) 0.70, CLV  17.27, potential  53.4, quadrant I
	// dee: P(alive) 1.00, CLV  20.63, potential  61.7, quadrant II
}

// The sBG model fitted to the "regular" customers of Fader & Hardie
// (2007), survivors per 1,000 over years 0-7, projected to year 12.
func ExampleFitSBG() {
	alive := []float64{1000, 631, 468, 382, 326, 289, 262, 241}
	m, err := clv.FitSBG(context.Background(), alive, nil)
	if err != nil {
		panic(err)
	}
	s, _ := m.Survival(nil, 13)
	fmt.Printf("alpha %.3f beta %.3f\n", m.Alpha, m.Beta)
	fmt.Printf("year 12: %.0f of 1000 (actual 173)\n", 1000*s[12])
	// Output:
	// alpha 0.704 beta 1.182
	// year 12: 170 of 1000 (actual 173)
}

// Counts computed elsewhere (here: three groups of customers) fit without
// expanding them into customers, to the same fit as the 1,000 customers
// expanded (TestFitRowsEqualsExpanded checks that equality).
func ExampleFitBGNBDRows() {
	rows := []clv.Row{
		{Frequency: 0, Recency: 0, T: 30, Count: 600},
		{Frequency: 1, Recency: 10, T: 30, Count: 250},
		{Frequency: 4, Recency: 25, T: 30, Count: 150},
	}
	m, err := clv.FitBGNBDRows(context.Background(), rows, nil)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%g customers, LL %.2f\n", m.Info.Customers, m.Info.LogLikelihood)
	// Output:
	// 1000 customers, LL -3639.08
}

// A likelihood-ratio statistic of 3.84 on one degree of freedom is the
// 5% point of the chi-square table.
func ExampleLikelihoodRatio() {
	lr := clv.LikelihoodRatio(-1000, -1000+3.841459/2, 1)
	fmt.Printf("statistic %.3f, p %.3f\n", lr.Statistic, lr.PValue)
	// Output:
	// statistic 3.841, p 0.050
}

// DiscountedCLV is CLV's discounted sum for one customer whose cumulative
// expected purchases are known: one purchase expected in each of two
// months, worth 10 each, at 10% a month.
func ExampleDiscountedCLV() {
	fmt.Printf("%.4f\n", clv.DiscountedCLV(10, []float64{1, 2}, 0.1)) // 10/1.1 + 10/1.21
	// Output: 17.3554
}

// ConditionalExpectedPurchasesAt gives the expected purchases of one
// customer at several horizons at once; with the BG/NBD parameters of
// CDNOW, a customer with x = 2, t_x = 30.43, T = 38.86 weeks expects 1.226
// purchases in the next 39 weeks (Fader, Hardie & Lee 2005).
func ExampleBGNBD_ConditionalExpectedPurchasesAt() {
	m := &clv.BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
	c := clv.Customer{Frequency: 2, Recency: 30.43, T: 38.86}
	e, err := m.ConditionalExpectedPurchasesAt(nil, []float64{13, 26, 39}, c)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%.3f %.3f %.3f\n", e[0], e[1], e[2])
	// Output: 0.457 0.862 1.226
}
