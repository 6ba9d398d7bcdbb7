package lifecycle

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/cvmkit/cvm"
)

// TestReplayerMatchesReference replays each synthetic customer's rows,
// in reverse stream order and with rows after the as-of, through one
// Replayer and checks state, history and pattern against the plain
// reference replay of the rows at or before the as-of.
func TestReplayerMatchesReference(t *testing.T) {
	txs := synthBase(300, 11)
	var ids []string
	byCust := map[string][]cvm.Transaction{}
	for _, x := range txs {
		if byCust[x.Customer] == nil {
			ids = append(ids, x.Customer)
		}
		byCust[x.Customer] = append(byCust[x.Customer], x)
	}
	asOf := date(2025, 3, 17)
	// A customer whose rows all come after the as-of.
	ids = append(ids, "late")
	byCust["late"] = []cvm.Transaction{{Customer: "late", Time: asOf.Add(time.Second), Amount: 5}, {Customer: "late", Time: asOf.AddDate(0, 1, 0), Amount: 7}}
	for _, tc := range []struct {
		name  string
		tick  Cadence
		rules *Settings
		keep  bool
	}{
		{"monthly", Monthly, nil, false},
		{"weekly-keep", Weekly, nil, true},
		{"monthly-seasonal-keep", Monthly, &Settings{Seasonal: true}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rp, err := NewReplayer(&ClassifySettings{AsOf: asOf, Tick: tc.tick, Settings: tc.rules})
			if err != nil {
				t.Fatal(err)
			}
			type kept struct {
				id   string
				hist []Transition
			}
			var keeps []kept
			later, none := 0, 0
			for _, id := range ids {
				rows := byCust[id]
				var mine []cvm.Transaction
				for i := len(rows) - 1; i >= 0; i-- {
					x := rows[i]
					if err := rp.Add(x.Time.Unix(), x.Amount); err != nil {
						t.Fatal(err)
					}
					if x.Time.After(asOf) {
						later++
					} else {
						mine = append(mine, x)
					}
				}
				res, ok := rp.Replay(tc.keep)
				if len(mine) == 0 {
					none++
					if ok || res.State != (State{}) || res.History != nil {
						t.Fatalf("%s: no row at or before the as-of, got ok=%v %+v", id, ok, res)
					}
					continue
				}
				if !ok {
					t.Fatalf("%s: no result", id)
				}
				s, hist := referenceReplay(t, mine, asOf, tc.tick == Weekly, tc.rules)
				if res.State != s {
					t.Fatalf("%s: state differs from the reference:\n got %+v\nwant %+v", id, res.State, s)
				}
				if !equalHistory(res.History, hist) {
					t.Fatalf("%s: history differs:\n got %v\nwant %v", id, res.History, hist)
				}
				if res.Pattern != s.Pattern(asOf, tc.rules) {
					t.Fatalf("%s: pattern %v, want %v", id, res.Pattern, s.Pattern(asOf, tc.rules))
				}
				if tc.keep {
					keeps = append(keeps, kept{id, res.History})
				}
			}
			if later == 0 || none == 0 {
				t.Fatalf("the data have %d rows after the as-of and %d customers with none before: want both", later, none)
			}
			// With keep, every history handed over is still the reference's.
			for _, k := range keeps {
				var mine []cvm.Transaction
				for _, x := range byCust[k.id] {
					if !x.Time.After(asOf) {
						mine = append(mine, x)
					}
				}
				_, hist := referenceReplay(t, mine, asOf, tc.tick == Weekly, tc.rules)
				if !equalHistory(k.hist, hist) {
					t.Fatalf("%s: kept history changed by later replays:\n got %v\nwant %v", k.id, k.hist, hist)
				}
			}
		})
	}
}

func TestReplayerErrors(t *testing.T) {
	if _, err := NewReplayer(nil); !errors.Is(err, ErrNoAsOf) {
		t.Errorf("nil settings: %v, want ErrNoAsOf", err)
	}
	if _, err := NewReplayer(&ClassifySettings{}); !errors.Is(err, ErrNoAsOf) {
		t.Errorf("no as-of: %v, want ErrNoAsOf", err)
	}
	var se *SettingsError
	if _, err := NewReplayer(&ClassifySettings{AsOf: date(2025, 1, 1), Settings: &Settings{DeclineRecency: -1}}); !errors.As(err, &se) {
		t.Errorf("bad rules: %v, want a *SettingsError", err)
	}
	rp, err := NewReplayer(&ClassifySettings{AsOf: date(2025, 1, 1)})
	if err != nil {
		t.Fatal(err)
	}
	at := date(2024, 6, 1).Unix()
	for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if err := rp.Add(at, bad); err == nil {
			t.Errorf("Add(%v) = nil, want an error", bad)
		}
	}
	// The rejected rows were not added: no customer.
	if _, ok := rp.Replay(false); ok {
		t.Error("a result from rejected rows only")
	}
	if err := rp.Add(at, 10); err != nil {
		t.Fatal(err)
	}
	res, ok := rp.Replay(false)
	if !ok || res.State.Orders() != 1 || !res.State.LastPurchase().Equal(time.Unix(at, 0)) {
		t.Errorf("one purchase: ok=%v orders %d last %v", ok, res.State.Orders(), res.State.LastPurchase())
	}
}
