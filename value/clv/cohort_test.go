package clv

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/check"
)

func noon(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }

// Cohort tables counted by hand from a small stream.
func TestCohorts(t *testing.T) {
	txs := []cvm.Transaction{
		// January cohort: a buys Jan, Feb, Apr; b buys Jan only; c Jan (twice) and Mar.
		{Customer: "a", Time: noon(2024, 1, 5), Amount: 10},
		{Customer: "a", Time: noon(2024, 2, 5), Amount: 10},
		{Customer: "a", Time: noon(2024, 4, 5), Amount: 10},
		{Customer: "b", Time: noon(2024, 1, 20), Amount: 5},
		{Customer: "c", Time: noon(2024, 1, 2), Amount: 1},
		{Customer: "c", Time: noon(2024, 1, 30), Amount: 1},
		{Customer: "c", Time: noon(2024, 3, 1), Amount: 1},
		{Customer: "c", Time: noon(2024, 3, 2), Amount: -1}, // a return
		// February cohort: d buys Feb and Mar.
		{Customer: "d", Time: noon(2024, 2, 29), Amount: 3},
		{Customer: "d", Time: noon(2024, 3, 31), Amount: 3},
		{Customer: "e", Time: noon(2024, 5, 1), Amount: 3}, // after as-of
	}
	cs := check.Must(Cohorts(ctx, slices.Values(txs), noon(2024, 4, 30), nil))
	if len(cs) != 2 {
		t.Fatalf("%d cohorts", len(cs))
	}
	jan, feb := cs[0], cs[1]
	if !jan.Start.Equal(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)) || jan.Customers != 3 {
		t.Errorf("jan %+v", jan)
	}
	// Periods Jan..Apr: active a,b,c | a | c | a; repeat by period:
	// c's Jan 30 is in period 0, so: 0 | a | a,c | a,c.
	if !slices.Equal(jan.Active, []int{3, 1, 1, 1}) || !slices.Equal(jan.Repeat, []int{0, 1, 2, 2}) || !slices.Equal(jan.Alive, []int{3, 2, 2, 1}) {
		t.Errorf("jan active %v repeat %v alive %v", jan.Active, jan.Repeat, jan.Alive)
	}
	if !slices.Equal(feb.Active, []int{1, 1, 0}) || !slices.Equal(feb.Alive, []int{1, 1, 0}) {
		t.Errorf("feb active %v alive %v", feb.Active, feb.Alive)
	}
	// Weeks start on Monday: 2024-01-01 was a Monday.
	wk := check.Must(Cohorts(ctx, slices.Values(txs[:2]), time.Time{}, &CohortSettings{Period: Weeks7}))
	if !wk[0].Start.Equal(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)) || len(wk[0].Active) != 6 {
		t.Errorf("weeks %+v", wk[0])
	}
	if _, err := Cohorts(ctx, slices.Values(txs), noon(2023, 1, 1), nil); !errors.Is(err, ErrEmptyInput) {
		t.Errorf("nothing before as-of: %v", err)
	}
	if _, err := Cohorts(ctx, slices.Values(txs), time.Time{}, &CohortSettings{Period: 9}); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("bad period: %v", err)
	}
}

// A cohort whose survivors follow the published regular-customer table
// gets the published sBG fit back: 1,000 subscribers paying monthly, the
// table's survivors still paying in each of months 0..7, and the as-of in
// month 8 (incomplete, left out of the fit).
func TestCohortSBG(t *testing.T) {
	var txs []cvm.Transaction
	id := 0
	for k := 0; k < 8; k++ {
		leave := int(sbgRegular[k] - sbgRegular[k+1])
		if k == 7 {
			leave = int(sbgRegular[7])
		}
		for range leave {
			for j := 0; j <= k; j++ {
				txs = append(txs, cvm.Transaction{Customer: string(rune(0x4e00 + id)), Time: noon(2020, time.Month(1+j), 3), Amount: 1})
			}
			if k == 7 { // still a subscriber: pays in month 8 too
				txs = append(txs, cvm.Transaction{Customer: string(rune(0x4e00 + id)), Time: noon(2020, 9, 3), Amount: 1})
			}
			id++
		}
	}
	cs := check.Must(Cohorts(ctx, slices.Values(txs), noon(2020, 9, 10), &CohortSettings{FitSBG: true}))
	if len(cs) != 1 || cs[0].SBG == nil {
		t.Fatalf("cohorts %+v", cs)
	}
	check.Float(t, "alpha", cs[0].SBG.Alpha, 0.704, 0, 5e-4)
	check.Float(t, "beta", cs[0].SBG.Beta, 1.182, 0, 5e-4)
}

// BG/BB customers from transactions, counted by hand: weekly periods from
// the first purchase day.
func TestPrepareDiscrete(t *testing.T) {
	txs := []cvm.Transaction{
		{Customer: "a", Time: noon(2024, 1, 1), Amount: 1},
		{Customer: "a", Time: noon(2024, 1, 3), Amount: 1},  // period 0
		{Customer: "a", Time: noon(2024, 1, 9), Amount: 1},  // period 1
		{Customer: "a", Time: noon(2024, 1, 10), Amount: 1}, // period 1 again
		{Customer: "a", Time: noon(2024, 1, 23), Amount: 1}, // period 3
		{Customer: "a", Time: noon(2024, 1, 30), Amount: 1}, // period 4: incomplete at the end
		{Customer: "b", Time: noon(2024, 1, 20), Amount: 1},
	}
	// Calibration end 2024-01-31: a has 31 days = 4 complete periods, n = 3.
	cs := check.Must(PrepareDiscrete(ctx, slices.Values(txs), noon(2024, 1, 31), nil))
	want := []Customer{{ID: "a", Frequency: 2, Recency: 3, T: 3}, {ID: "b", T: 0}}
	if !slices.Equal(cs, want) {
		t.Errorf("got %+v, want %+v", cs, want)
	}
	for _, c := range cs {
		check.NoErr(t, validateBGBB(c, 0))
	}
	if _, err := PrepareDiscrete(ctx, slices.Values(txs), noon(2024, 1, 31), &DiscreteSettings{PeriodDays: -1}); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("negative period: %v", err)
	}
	if _, err := PrepareDiscrete(ctx, slices.Values(txs), noon(2023, 1, 31), nil); !errors.Is(err, ErrEmptyInput) {
		t.Errorf("empty: %v", err)
	}
}

// TestPurchaseDaysPlain checks purchaseDays against the plain map of
// appended, sorted and deduplicated days on 50 shuffled streams with
// repeated days, returns, zero amounts and rows after the end.
func TestPurchaseDaysPlain(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	end := cvm.DayNumber(base, time.UTC) + 200
	for round := range 50 {
		var txs []cvm.Transaction
		for c := range 1 + rng.IntN(200) {
			for range 1 + rng.IntN(10) {
				d := rng.IntN(5) * (1 + rng.IntN(80))
				txs = append(txs, cvm.Transaction{Customer: fmt.Sprintf("c%03d", c), Time: base.AddDate(0, 0, d).Add(time.Duration(rng.IntN(86400)) * time.Second), Amount: float64(rng.IntN(50)) - 5})
			}
		}
		rng.Shuffle(len(txs), func(i, j int) { txs[i], txs[j] = txs[j], txs[i] })
		want := map[string][]int64{}
		for _, x := range txs {
			if d := cvm.DayNumber(x.Time, time.UTC); x.Amount >= 0 && d <= end {
				want[x.Customer] = append(want[x.Customer], d)
			}
		}
		for id, ds := range want {
			want[id] = slices.Compact(slices.Sorted(slices.Values(ds)))
		}
		got := check.Must(purchaseDays(context.Background(), slices.Values(txs), end, time.UTC))
		if !maps.EqualFunc(got, want, slices.Equal[[]int64]) {
			t.Fatalf("round %d: %d customers' days differ from the plain lists' %d", round, len(got), len(want))
		}
	}
}
