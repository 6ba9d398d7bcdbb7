package clv

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"gonum.org/v1/gonum/stat"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/check"
)

// synthDataset prepares synthetic transactions with a calibration and a
// holdout period.
func synthDataset(t *testing.T, n int) (*Dataset, []cvm.Transaction) {
	t.Helper()
	var txs []cvm.Transaction
	for tx := range synthTransactions(n, 21) {
		txs = append(txs, tx)
	}
	cal := time.Date(2025, 1, 31, 0, 0, 0, 0, time.UTC)
	ds := check.Must(Prepare(ctx, slices.Values(txs), cal, &PrepareSettings{HoldoutEnd: cal.AddDate(0, 6, 0)}))
	return ds, txs
}

// Compare's table agrees with the models fitted one by one, its holdout
// error with a plain loop over ConditionalExpectedPurchases, its nested
// test with 2 (LL_cov - LL_plain), and its recommendation with its own
// rule applied to the table.
func TestCompare(t *testing.T) {
	ds, txs := synthDataset(t, 3000)
	z := Covariates{Names: []string{"odd"}, Values: make([][]float64, len(ds.Customers))}
	for i := range z.Values {
		z.Values[i] = []float64{float64(i % 2)}
	}
	c := check.Must(Compare(ctx, ds, &CompareSettings{Covariates: &z, Transactions: slices.Values(txs)}))
	names := []string{}
	for _, m := range c.Models {
		names = append(names, m.Name)
		if m.Error != "" {
			t.Errorf("%s: %s", m.Name, m.Error)
		}
	}
	if !slices.Equal(names, []string{"bgnbd", "mbgnbd", "pareto", "bgnbd+cov", "pareto+cov"}) {
		t.Fatalf("models %v", names)
	}
	bg := check.Must(FitBGNBD(ctx, ds.Customers, &FitSettings{Source: ds}))
	check.Float(t, "bgnbd LL", c.Models[0].LogLikelihood, bg.Info.LogLikelihood, 1e-12, 0)
	var mae float64
	for i, cu := range ds.Customers {
		p := check.Must(bg.ConditionalExpectedPurchases(ds.HoldoutLength, cu))
		mae += math.Abs(p - float64(ds.Holdout[i].Purchases))
	}
	check.Float(t, "bgnbd holdout MAE", c.Models[0].HoldoutMAE, mae/float64(len(ds.Customers)), 1e-9, 0)
	if c.Models[0].ChiSquare <= 0 {
		t.Error("no period-transactions chi-square")
	}
	if len(c.Tests) != 2 || c.Tests[0].Full != "bgnbd+cov" {
		t.Fatalf("tests %+v", c.Tests)
	}
	check.Float(t, "LR statistic", c.Tests[0].Statistic, max(0, 2*(c.Models[3].LogLikelihood-c.Models[0].LogLikelihood)), 1e-9, 1e-9)
	// The rule: lowest holdout error, or a simpler model within 1%.
	best := 0
	for i, m := range c.Models {
		if m.HoldoutMAE < c.Models[best].HoldoutMAE {
			best = i
		}
	}
	rec := slices.IndexFunc(c.Models, func(m ModelScore) bool { return m.Name == c.Recommend })
	if rec < 0 || c.Models[rec].HoldoutMAE > 1.01*c.Models[best].HoldoutMAE || c.Reason == "" {
		t.Errorf("recommend %s (%s); best holdout %s", c.Recommend, c.Reason, c.Models[best].Name)
	}
	// Without a holdout: the lowest BIC.
	ds.Holdout = nil
	c2 := check.Must(Compare(ctx, ds, nil))
	low := slices.MinFunc(c2.Models, func(a, b ModelScore) int {
		return int(math.Copysign(1, a.BIC-b.BIC))
	})
	if c2.Recommend != low.Name {
		t.Errorf("no holdout: recommend %s, lowest BIC %s", c2.Recommend, low.Name)
	}
	if _, err := Compare(ctx, &Dataset{}, nil); !errors.Is(err, ErrEmptyInput) {
		t.Errorf("empty: %v", err)
	}
}

// The assumption checks fire on data built to fail them, named in their
// Warning, and stay quiet on data that passes.
func TestAssumptionChecks(t *testing.T) {
	has := func(ws []Warning, check string) bool {
		return slices.ContainsFunc(ws, func(w Warning) bool { return w.Check == check })
	}
	good := simBGNBD(1, 2000, 0.5, 5, 0.8, 2.5, false)
	if ws := CheckPurchaseData(good); len(ws) != 0 {
		t.Errorf("good data: %+v", ws)
	}
	few := make([]Customer, 500)
	for i := range few {
		few[i] = Customer{T: 30}
	}
	few[0] = Customer{Frequency: 2, Recency: 10, T: 30}
	if ws := CheckPurchaseData(few); !has(ws, CheckRepeat) {
		t.Errorf("few repeat buyers: %+v", ws)
	}
	short := slices.Clone(good)
	for i := range short {
		short[i].T, short[i].Recency = 1, 0
		if short[i].Frequency > 0 {
			short[i].Frequency, short[i].Recency = 1, 0.9
		}
	}
	if ws := CheckPurchaseData(short); !has(ws, CheckWindow) {
		t.Errorf("short window: %+v", ws)
	}
	heavy := append(slices.Clone(good), Customer{Frequency: 400, Recency: 38, T: 39})
	m := check.Must(FitBGNBD(ctx, heavy, nil))
	if !has(m.Info.Warnings, CheckHeavy) {
		t.Errorf("heavy: %+v", m.Info.Warnings)
	}
	if gg := check.Must(FitGammaGamma(ctx, correlatedSpend(), nil)); !has(gg.Info.Warnings, CheckCorrelation) {
		t.Errorf("correlated spend: %+v (r = %v)", gg.Info.Warnings, gg.Correlation)
	}
}

// Wheat-Morrison: exactly periodic purchases (every 7 days) have M = 1/2
// for everybody, the most regular; exponential gaps (Poisson) give k near
// 1, as the uniform M of the paper's derivation.
func TestRegularity(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, d) }
	var periodic []cvm.Transaction
	for c := range 50 {
		for j := range 4 {
			periodic = append(periodic, cvm.Transaction{Customer: string(rune('A'+c%26)) + string(rune('a'+c/26)), Time: day(c + 7*j), Amount: 1})
		}
	}
	r := check.Must(EstimateRegularity(ctx, slices.Values(periodic), day(400), nil))
	if r.K < 1e5 || len(r.Warning()) != 1 || r.Customers != 50 {
		t.Errorf("periodic: %+v", r)
	}
	// Poisson: gaps of an exponential number of days (mean 20), rounded
	// up to whole days.
	var poisson []cvm.Transaction
	rng := rand.New(rand.NewPCG(3, 3))
	for c := range 3000 {
		d := 0
		id := fmt.Sprint("c", c)
		for range 3 {
			poisson = append(poisson, cvm.Transaction{Customer: id, Time: day(d), Amount: 1})
			d += 1 + int(rng.ExpFloat64()*20)
		}
	}
	r = check.Must(EstimateRegularity(ctx, slices.Values(poisson), day(10000), nil))
	check.Float(t, "Poisson k", r.K, 1, 0, 0.15)
	check.Float(t, "Poisson mean M", r.MeanM, 0.5, 0, 0.02)
	if len(r.Warning()) != 0 {
		t.Errorf("Poisson warns: %+v", r)
	}
}

// TestEstimateRegularityPlain checks EstimateRegularity against a plain
// reference (every customer's days listed, sorted and deduplicated, the
// first three used) on random streams in random order: repeated days,
// returns, rows after the calibration end, customers with one to six
// days; the results must be equal bit for bit.
func TestEstimateRegularityPlain(t *testing.T) {
	plain := func(txs []cvm.Transaction, calEnd time.Time) (Regularity, error) {
		end := cvm.DayNumber(calEnd, time.UTC)
		days := map[string][]int64{}
		for _, x := range txs {
			if d := cvm.DayNumber(x.Time, time.UTC); x.Amount >= 0 && d <= end {
				days[x.Customer] = append(days[x.Customer], d)
			}
		}
		ids := slices.Sorted(maps.Keys(days))
		var ms []float64
		for _, id := range ids {
			ds := slices.Compact(slices.Sorted(slices.Values(days[id])))
			if len(ds) >= 3 {
				t1, t2 := float64(ds[1]-ds[0]), float64(ds[2]-ds[1])
				ms = append(ms, t1/(t1+t2))
			}
		}
		if len(ms) < 2 {
			return Regularity{}, ErrNoRepeatBuyers
		}
		mean, v := stat.MeanVariance(ms, nil)
		k := (1/(4*v) - 1) / 2
		if math.IsNaN(k) || math.IsInf(k, 0) || k > 1e6 {
			k = 1e6
		}
		return Regularity{K: k, MeanM: mean, Customers: len(ms)}, nil
	}
	rng := rand.New(rand.NewPCG(21, 5))
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	calEnd := base.AddDate(0, 0, 300)
	for round := range 50 {
		var txs []cvm.Transaction
		for c := range 1 + rng.IntN(300) {
			id := fmt.Sprintf("c%03d", c)
			for range 1 + rng.IntN(8) {
				d := rng.IntN(6) * (1 + rng.IntN(90)) // repeats, and days after the end
				amt := float64(rng.IntN(100)) - 10    // some returns, some zero
				txs = append(txs, cvm.Transaction{Customer: id, Time: base.AddDate(0, 0, d).Add(time.Duration(rng.IntN(86400)) * time.Second), Amount: amt})
			}
		}
		rng.Shuffle(len(txs), func(i, j int) { txs[i], txs[j] = txs[j], txs[i] })
		want, werr := plain(txs, calEnd)
		got, err := EstimateRegularity(context.Background(), slices.Values(txs), calEnd, nil)
		if !errors.Is(err, werr) && (err != nil || werr != nil) {
			t.Fatalf("round %d: error %v, want %v", round, err, werr)
		}
		if got != want {
			t.Fatalf("round %d: %+v, want %+v", round, got, want)
		}
		// Prepare's Dataset.Regularity is the same, with or without a
		// holdout (whose rows it must not count), nil where there is none.
		set := &PrepareSettings{}
		if round%2 == 1 {
			set.HoldoutEnd = calEnd.AddDate(0, 0, 200)
		}
		ds, err := Prepare(context.Background(), slices.Values(txs), calEnd, set)
		if errors.Is(err, ErrEmptyInput) {
			continue
		}
		if err != nil {
			t.Fatalf("round %d: Prepare: %v", round, err)
		}
		switch {
		case werr != nil && ds.Regularity != nil:
			t.Fatalf("round %d: Dataset.Regularity %+v, want nil (%v)", round, *ds.Regularity, werr)
		case werr == nil && (ds.Regularity == nil || *ds.Regularity != want):
			t.Fatalf("round %d: Dataset.Regularity %v, want %+v", round, ds.Regularity, want)
		}
	}
}

// TestCompareRegularityLocation: Compare's regularity warning counts days
// in the Dataset's calendar. Its three-occasion customers buy every ten
// days at noon UTC, except two whose second purchase comes at 15:00 UTC,
// the next local day ten hours east: every M is 0.5 in UTC (k capped at
// 1e6), and two are 11/20 in local days. Compare takes Prepare's
// Regularity without the transactions, and reads them, with
// CompareSettings.Location, for a Dataset without one.
func TestCompareRegularityLocation(t *testing.T) {
	east := time.FixedZone("UTC+10", 10*3600)
	day0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(day, hour int) time.Time { return day0.AddDate(0, 0, day).Add(time.Duration(hour) * time.Hour) }
	var txs []cvm.Transaction
	var ms []float64 // the local-day M of each three-occasion customer, by hand
	for i := range 40 {
		id := fmt.Sprintf("c%02d", i)
		second := 12
		if i < 2 {
			second = 15
		}
		txs = append(txs, cvm.Transaction{Customer: id, Time: at(0, 13), Amount: 10},
			cvm.Transaction{Customer: id, Time: at(10, second), Amount: 10})
		if i%4 == 3 {
			continue // two occasions only
		}
		txs = append(txs, cvm.Transaction{Customer: id, Time: at(20, 13), Amount: 10})
		if i < 2 {
			ms = append(ms, 11.0/20)
		} else {
			ms = append(ms, 0.5)
		}
		for j := range i % 6 {
			txs = append(txs, cvm.Transaction{Customer: id, Time: at(30+7*j+i, 12), Amount: 10 + float64(j)})
		}
	}
	var mean, ss float64
	for _, m := range ms {
		mean += m / float64(len(ms))
	}
	for _, m := range ms {
		ss += (m - mean) * (m - mean)
	}
	wantK := (1/(4*ss/float64(len(ms)-1)) - 1) / 2
	cal := at(120, 0)
	ds := check.Must(Prepare(ctx, slices.Values(txs), cal, &PrepareSettings{Location: east}))
	regularityK := func(c *Comparison) float64 {
		for _, w := range c.Warnings {
			if w.Check == CheckRegularity {
				return w.Value
			}
		}
		return math.NaN()
	}
	got := check.Must(Compare(ctx, ds, nil))
	check.Float(t, "k from Prepare's Regularity", regularityK(got), wantK, 1e-9, 0)
	bare := *ds
	bare.Regularity = nil
	got = check.Must(Compare(ctx, &bare, &CompareSettings{Transactions: slices.Values(txs), Location: east}))
	check.Float(t, "k from the transactions in local days", regularityK(got), wantK, 1e-9, 0)
	got = check.Must(Compare(ctx, &bare, &CompareSettings{Transactions: slices.Values(txs)}))
	check.Float(t, "k from the transactions in UTC days", regularityK(got), 1e6, 0, 0)
	if got := check.Must(Compare(ctx, &bare, nil)); !math.IsNaN(regularityK(got)) {
		t.Errorf("a Dataset without Regularity nor transactions: warning k = %v, want none", regularityK(got))
	}
}
