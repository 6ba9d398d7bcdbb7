package lifecycle

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// ErrNoAsOf is returned by [NewReplayer] for settings without an AsOf.
var ErrNoAsOf = errors.New("lifecycle: a Replayer needs ClassifySettings.AsOf")

// Replayer classifies customers one at a time, as [Classify] does with
// AsOf set, for a caller that already has each customer's transactions
// together: it is given one customer's transactions (Add) and then
// replays them (Replay), with no grouping, no ID table, no goroutines and
// no Result allocations. The State, History and Pattern it gives a
// customer are those Classify gives for the same transactions, in any
// order.
//
// A Replayer is not safe for concurrent use; use one per goroutine. It
// keeps its buffers from one customer to the next.
type Replayer struct {
	asOf  int64
	clk   *clock
	rules *Settings
	buf   Settings
	recs  []rec
	arena []Transition
}

// NewReplayer returns a Replayer for settings; settings.AsOf must be set
// (ErrNoAsOf otherwise), and AsOfFunc and Progress are ignored. Invalid
// rules are a *SettingsError, as for Classify.
func NewReplayer(settings *ClassifySettings) (*Replayer, error) {
	if settings == nil || settings.AsOf.IsZero() || settings.AsOf.Unix() == 0 {
		return nil, ErrNoAsOf
	}
	if err := settings.Settings.Validate(); err != nil {
		return nil, err
	}
	r := &Replayer{asOf: settings.AsOf.Unix()}
	r.clk = newClock(settings.Tick, r.asOf)
	r.rules = settings.Settings.resolve(&r.buf)
	return r, nil
}

// Add adds a transaction of the current customer: its time in Unix
// seconds and its amount (a purchase when >= 0, else a return of
// -amount). A transaction after the as-of (by whole seconds, as Classify
// compares) is left out. A NaN or infinite amount is an error, and the
// transaction is not added.
func (r *Replayer) Add(unix int64, amount float64) error {
	if math.IsNaN(amount) || math.IsInf(amount, 0) {
		return fmt.Errorf("lifecycle: amount %v at %d is not a finite number", amount, unix)
	}
	if unix <= r.asOf {
		r.recs = append(r.recs, rec{unix, amount})
	}
	return nil
}

// Replay classifies the customer whose transactions were added since the
// last Replay (or since NewReplayer) and starts the next customer. The
// result's Customer is empty: the caller knows it. ok is false, and the
// result zero, when no transaction was at or before the as-of: Classify
// has no result for such a customer.
//
// With keep, the History is never touched by the Replayer again (the
// histories of many customers share an allocation); without, it is valid
// until the next Replay only, which saves holding the histories of every
// customer.
func (r *Replayer) Replay(keep bool) (res Result, ok bool) {
	recs := r.recs
	r.recs = recs[:0]
	if len(recs) == 0 {
		return Result{}, false
	}
	sortRecs(recs)
	if !keep {
		r.arena = r.arena[:0]
	}
	start := len(r.arena)
	res.State, r.arena, res.Changes, _ = replayCustomer(recs, r.asOf, r.clk, r.rules, r.arena, true)
	res.History = slices.Clip(r.arena[start:])
	res.Pattern = res.State.pattern(r.asOf, r.rules)
	if keep && cap(r.arena)-len(r.arena) < 16 {
		r.arena = make([]Transition, 0, 4096)
	}
	return res, true
}
