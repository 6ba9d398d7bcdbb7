package profile

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/check"
	"github.com/cvmkit/cvm/recovery"
)

// partsData is base(n) scrambled, with returns, a returns-only customer
// and, with items, quantities and products on some customers only.
func partsData(n int, items bool) []cvm.Transaction {
	txs := shuffled(base(n))
	for i := range txs {
		if i%23 == 0 {
			txs[i].Amount = -txs[i].Amount / 3
		}
		if items && txs[i].Customer[len(txs[i].Customer)-1]%3 != 0 {
			txs[i].Quantity = float64(1 + i%3)
			txs[i].Product = fmt.Sprintf("P%d", i%17)
		}
	}
	return append(txs, cvm.Transaction{Customer: "returns-only", Time: txs[0].Time, Amount: -12.5})
}

// batchOf assigns a customer to one of k batches by a hash of its ID.
func batchOf(id string, k int) int {
	h := fnv.New32a()
	h.Write([]byte(id))
	return int(h.Sum32() % uint32(k))
}

// TestPartsEqualBuild checks the distributed Build (Parts on batches of
// customers, FitParts on every part, ScoreParts on other batches) against
// Build on the whole stream: every profile and the models must be equal.
func TestPartsEqualBuild(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		items bool
		src   IndicatorSource
		k1    int
		k2    int
	}{
		{"retail with items, 5 then 3 batches", true, RetailIndicators, 5, 3},
		{"retail without items, 1 then 7 batches", false, RetailIndicators, 1, 7},
		{"summary indicators, 4 then 1 batches", true, SummaryIndicators, 4, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			txs := partsData(400, tc.items)
			s := &Settings{Indicators: tc.src, Reasons: 3, History: true}
			want := check.Must(Build(ctx, slices.Values(txs), nil, s))
			first := txs[0].Time
			for _, tx := range txs {
				if tx.Time.Before(first) {
					first = tx.Time
				}
			}
			ps := &Settings{AsOf: want.AsOf, Indicators: tc.src, History: true}
			var parts []Part
			for b := range tc.k1 {
				batch := func(yield func(cvm.Transaction) bool) {
					for _, tx := range txs {
						if batchOf(tx.Customer, tc.k1) == b && !yield(tx) {
							return
						}
					}
				}
				got := check.Must(Parts(ctx, batch, first, ps))
				// Through JSON, as a pipeline carries them.
				var back []Part
				check.NoErr(t, json.Unmarshal(check.Must(json.Marshal(got)), &back))
				parts = append(parts, back...)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			rng.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
			pop := check.Must(FitParts(ctx, parts, first, ps))
			var back Population
			check.NoErr(t, json.Unmarshal(check.Must(json.Marshal(pop)), &back))
			if g, w := js(t, pop.Models), js(t, want.Models); g != w {
				t.Errorf("models differ:\n got %s\nwant %s", g, w)
			}
			if g, w := js(t, back.Notes), js(t, want.Notes); g != w {
				t.Errorf("notes %s, want %s", g, w)
			}
			byID := map[string]Profile{}
			for b := range tc.k2 {
				var batch []Part
				for _, p := range parts {
					if batchOf(p.Profile.Customer, tc.k2+11)%tc.k2 == b {
						batch = append(batch, p)
					}
				}
				f := check.Must(ScoreParts(ctx, batch, &back, &Settings{Reasons: 3}))
				for _, p := range f.Profiles {
					byID[p.Customer] = p
					for _, ft := range []recovery.FailureType{recovery.MoneyLoss, recovery.Outage} {
						g := check.Must(f.Book.Lookup(p.Customer, ft, recovery.S3))
						w := check.Must(want.Book.Lookup(p.Customer, ft, recovery.S3))
						if js(t, g) != js(t, w) {
							t.Errorf("%s: recovery book entry %s", p.Customer, js(t, g))
						}
					}
				}
			}
			if len(byID) != len(want.Profiles) {
				t.Fatalf("%d profiles, want %d", len(byID), len(want.Profiles))
			}
			bad := 0
			for _, w := range want.Profiles {
				if g, w := js(t, byID[w.Customer]), js(t, w); g != w {
					if bad++; bad <= 3 {
						t.Errorf("profile differs:\n got %s\nwant %s", g, w)
					}
				}
			}
			if bad > 0 {
				t.Errorf("%d of %d profiles differ", bad, len(want.Profiles))
			}
		})
	}
}

func TestPartsErrors(t *testing.T) {
	ctx := context.Background()
	txs := base(50)
	asOf := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := Parts(ctx, slices.Values(txs), txs[0].Time, nil); err == nil {
		t.Error("Parts without an as-of: no error")
	}
	parts := check.Must(Parts(ctx, slices.Values(txs), txs[0].Time, &Settings{AsOf: asOf}))
	if _, err := FitParts(ctx, append(parts, parts[0]), txs[0].Time, &Settings{AsOf: asOf}); err == nil {
		t.Error("FitParts with a customer twice: no error")
	}
	if _, err := FitParts(ctx, nil, txs[0].Time, &Settings{AsOf: asOf}); err != ErrEmptyInput {
		t.Errorf("FitParts of nothing: %v, want ErrEmptyInput", err)
	}
	if _, err := ScoreParts(ctx, parts, nil, nil); err == nil {
		t.Error("ScoreParts without a population: no error")
	}
}
