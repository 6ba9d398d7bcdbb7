package profile

import (
	"math"
	"slices"
	"testing"

	"github.com/cvmkit/cvm/value/clv"
)

// refHistories is the grouping forecast had before clv.CompressIndex: a
// map from the bits of (x, t_x, T) to the first customer's place.
func refHistories(cs []clv.Customer) (uniq []clv.Customer, ref []int32) {
	type key struct{ x, tx, t uint64 }
	pos := map[key]int32{}
	ref = make([]int32, len(cs))
	for j, c := range cs {
		k := key{math.Float64bits(c.Frequency), math.Float64bits(c.Recency), math.Float64bits(c.T)}
		u, ok := pos[k]
		if !ok {
			u = int32(len(uniq))
			pos[k] = u
			uniq = append(uniq, c)
		}
		ref[j] = u
	}
	return uniq, ref
}

// refForecastError is the first error of forecast's former passes, one
// after the other: expected purchases over forecastWeeks of every
// history, P(alive), then each history's months.
func refForecastError(pm *clv.BGNBD, cs []clv.Customer, months int) error {
	uniq, _ := refHistories(cs)
	if _, err := clv.PredictPurchases(nil, pm, forecastWeeks, uniq); err != nil {
		return err
	}
	if _, err := clv.PredictAlive(nil, pm, uniq); err != nil {
		return err
	}
	ts := make([]float64, months)
	for i := range ts {
		ts[i] = float64(i+1) * 30 / 7
	}
	for _, c := range uniq {
		if _, err := pm.ConditionalExpectedPurchasesAt(nil, ts, c); err != nil {
			return err
		}
	}
	return nil
}

// forecastCustomers returns customers with shared histories (days in
// whole weeks) in the order of their IDs.
func forecastCustomers(n int) []clv.Customer {
	cs := make([]clv.Customer, n)
	for i := range cs {
		t := float64(1 + i*7%53)
		x := float64(i % 4)
		tx := 0.0
		if x > 0 {
			tx = float64(i % int(t+1))
		}
		cs[i] = clv.Customer{ID: string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676)), Frequency: x, Recency: tx, T: t, MeanSpend: float64(1 + i%9)}
	}
	return cs
}

// TestHistories: the distinct histories and each customer's are the
// map's, in the map's order, with and without values whose bits are not
// their comparison (-0, NaN).
func TestHistories(t *testing.T) {
	base := forecastCustomers(3000)
	odd := slices.Clone(base)
	for _, j := range []int{3, 40, 41, 900, 2999} {
		odd[j].Recency = math.Copysign(0, -1)
		odd[j].Frequency = 0
	}
	odd[7].T = math.NaN()
	odd[8].T = math.NaN()
	for name, cs := range map[string][]clv.Customer{"plain": base, "-0 and NaN": odd} {
		rows, index := clv.CompressIndex(cs)
		uniq, ref := histories(cs, len(rows), index)
		wantU, wantRef := refHistories(cs)
		if !slices.Equal(ref, wantRef) || len(uniq) != len(wantU) {
			t.Fatalf("%s: %d histories, want %d (or another customer's history)", name, len(uniq), len(wantU))
		}
		for u := range uniq {
			if uniq[u].ID != wantU[u].ID {
				t.Errorf("%s: history %d is customer %s's, want %s's", name, u, uniq[u].ID, wantU[u].ID)
			}
		}
	}
}

// TestForecastError: purchase models whose forecasts fail (a + b < 1:
// the hypergeometric function's c is negative for customers without a
// repeat purchase) fail forecast with the error of its former passes,
// naming the same customer and index.
func TestForecastError(t *testing.T) {
	cs := forecastCustomers(3000)
	cs[0].Frequency, cs[0].Recency = 2, 1 // the first failing history is not the first
	gg := &clv.GammaGamma{P: 6, Q: 4, Gamma: 15}
	for _, pm := range []*clv.BGNBD{{R: 0.5, Alpha: 5, A: 0.3, B: 0.4}, {R: 2, Alpha: 0.5, A: 0.1, B: 0.2}} {
		want := refForecastError(pm, cs, 12)
		if want == nil {
			t.Fatalf("modified %v: the reference forecasts do not fail", pm.Modified)
		}
		ps := make([]Profile, len(cs))
		at := make([]int, len(cs))
		for i := range at {
			at[i] = i
		}
		rows, index := clv.CompressIndex(cs)
		err := forecast(ps, cs, at, len(rows), index, pm, gg, 12)
		if err == nil || err.Error() != want.Error() {
			t.Errorf("modified %v: %v, want %v", pm.Modified, err, want)
		}
	}
}
