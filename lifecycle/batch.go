package lifecycle

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cvmkit/cvm"
)

// Cadence is how often [Classify] ticks the clock for each customer.
type Cadence uint8

// The cadences. Ticks fall on the first of each month, or on each Monday,
// at 00:00 UTC.
const (
	Monthly Cadence = iota
	Weekly
)

// String returns "monthly" or "weekly", or "Cadence(n)" for another value.
func (c Cadence) String() string {
	switch c {
	case Monthly:
		return "monthly"
	case Weekly:
		return "weekly"
	}
	return fmt.Sprintf("Cadence(%d)", uint8(c))
}

// ParseCadence returns the cadence named s ("monthly" or "weekly"), or an
// error for any other string.
func ParseCadence(s string) (Cadence, error) {
	switch s {
	case "monthly":
		return Monthly, nil
	case "weekly":
		return Weekly, nil
	}
	return 0, fmt.Errorf("lifecycle: unknown cadence %q (want monthly or weekly)", s)
}

// next returns the first tick strictly after Unix time t.
func (c Cadence) next(t int64) int64 {
	if c == Weekly {
		d := floorDiv(t, daySecs)
		// 1970-01-05 (day 4) was a Monday.
		return (d - (((d+3)%7)+7)%7 + 7) * daySecs
	}
	return monthStart(int64(monthOf(t)) + 1)
}

// BatchOptions configures [Classify]. A nil *BatchOptions means the zero
// value: as of the latest transaction, monthly ticks, default rules.
type BatchOptions struct {
	// AsOf is the moment of classification: later transactions are
	// skipped and a last tick falls on it. The zero time means the time of
	// the latest transaction.
	AsOf time.Time
	// Tick is the cadence of the ticks; the zero value is Monthly.
	Tick Cadence
	// Rules are the rules; nil means the defaults.
	Rules *Rules
}

// Result is one customer's classification.
type Result struct {
	Customer string
	State    State        // the state as of AsOf: stage, since, measures
	History  []Transition // every stage change, oldest first
	Pattern  Pattern      // the pattern of the current relationship as of AsOf
}

type rec struct {
	t   int64
	amt float64
}

// Classify classifies a customer base from a transaction stream in one
// pass. It groups the transactions by customer, then replays each
// customer's transactions in time order (a stable sort: transactions with
// equal times keep their stream order) as Purchase events (Amount >= 0) and
// Return events (Amount < 0, returned value -Amount), with a Tick at the
// chosen cadence between them from the first transaction on, and a last
// Tick at AsOf; at equal times a transaction comes before a tick.
//
// The results come in the order of each customer's first transaction in
// the stream. Customers are independent, so they are replayed on up to
// GOMAXPROCS goroutines; the results do not depend on the number. Replaying
// the same transactions always gives the same results.
//
// Classify returns a *cvm.TransactionError for a transaction with an empty
// customer, a zero time or a NaN or infinite amount, cvm.ErrEmptyInput
// when no transaction is at or before AsOf, and ctx.Err() when ctx is done.
func Classify(ctx context.Context, txs iter.Seq[cvm.Transaction], opts *BatchOptions) ([]Result, error) {
	var o BatchOptions
	if opts != nil {
		o = *opts
	}
	asOf := int64(0)
	if !o.AsOf.IsZero() {
		asOf = o.AsOf.Unix()
	}

	// Phase 1: group by customer, in first-appearance order.
	ids := make(map[string]int32)
	var names []string
	var recs []rec
	var custs []int32 // customer of each rec
	grouped := true
	prevName, prev := "", int32(-1)
	maxT := int64(0)
	n := 0
	for tx := range txs {
		if n&0xffff == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		n++
		if err := tx.Validate(); err != nil {
			return nil, err
		}
		t := tx.Time.Unix()
		if asOf != 0 && t > asOf {
			continue
		}
		if prev < 0 || tx.Customer != prevName {
			id, ok := ids[tx.Customer]
			if !ok {
				id = int32(len(names))
				ids[tx.Customer] = id
				names = append(names, tx.Customer)
			} else if id != prev {
				grouped = false
			}
			prevName, prev = tx.Customer, id
		}
		recs = append(recs, rec{t, tx.Amount})
		custs = append(custs, prev)
		maxT = max(maxT, t)
	}
	if len(recs) == 0 {
		return nil, cvm.ErrEmptyInput
	}
	if asOf == 0 {
		asOf = maxT
	}
	// Offsets of each customer's records; a stable counting sort when the
	// stream is not grouped by customer.
	off := make([]int, len(names)+1)
	for _, c := range custs {
		off[c+1]++
	}
	for i := range names {
		off[i+1] += off[i]
	}
	if !grouped {
		sorted := make([]rec, len(recs))
		pos := slices.Clone(off[:len(names)])
		for i, c := range custs {
			sorted[pos[c]] = recs[i]
			pos[c]++
		}
		recs = sorted
	}
	custs = nil

	// Phase 2: replay each customer, in parallel chunks.
	out := make([]Result, len(names))
	const chunk = 2048
	nChunks := (len(names) + chunk - 1) / chunk
	workers := min(runtime.GOMAXPROCS(0), nChunks)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, nChunks)
	work := func() {
		defer wg.Done()
		var arena []Transition
		for {
			k := int(next.Add(1) - 1)
			if k >= nChunks {
				return
			}
			if err := ctx.Err(); err != nil {
				errs[k] = err
				return
			}
			for c := k * chunk; c < min((k+1)*chunk, len(names)); c++ {
				r := recs[off[c]:off[c+1]]
				if !slices.IsSortedFunc(r, cmpRec) {
					slices.SortStableFunc(r, cmpRec)
				}
				start := len(arena)
				var s State
				var err error
				s, arena, err = replayCustomer(r, asOf, o.Tick, o.Rules, arena)
				if err != nil {
					errs[k] = fmt.Errorf("lifecycle: customer %q: %w", names[c], err)
					return
				}
				out[c] = Result{Customer: names[c], State: s, History: slices.Clip(arena[start:])}
				out[c].Pattern = s.Pattern(time.Unix(asOf, 0), o.Rules)
				if cap(arena)-len(arena) < 16 {
					arena = make([]Transition, 0, 4096)
				}
			}
		}
	}
	wg.Add(workers)
	for range workers - 1 {
		go work()
	}
	work()
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func cmpRec(a, b rec) int { return cmp.Compare(a.t, b.t) }

// replayCustomer replays one customer's time-ordered records with ticks,
// appending the transitions to hist.
func replayCustomer(r []rec, asOf int64, c Cadence, rules *Rules, hist []Transition) (State, []Transition, error) {
	var s State
	var tr Transition
	var err error
	tick := int64(0)
	apply := func(e Event) error {
		s, tr, err = Apply(s, e, rules)
		if err != nil {
			return err
		}
		if tr.Changed() {
			hist = append(hist, tr)
		}
		return nil
	}
	for i, x := range r {
		if i > 0 {
			for ; tick < x.t; tick = c.next(tick) {
				if s.stage == Ended { // a tick changes nothing but the last time
					s.last = tick
					continue
				}
				if err := apply(Event{Kind: Tick, Time: time.Unix(tick, 0)}); err != nil {
					return s, hist, err
				}
			}
		}
		e := Event{Kind: Purchase, Time: time.Unix(x.t, 0), Amount: x.amt}
		if x.amt < 0 {
			e.Kind, e.Amount = Return, -x.amt
		}
		if err := apply(e); err != nil {
			return s, hist, err
		}
		if i == 0 {
			tick = c.next(x.t)
		}
	}
	for ; tick <= asOf; tick = c.next(tick) {
		if s.stage == Ended {
			s.last = tick
			continue
		}
		if err := apply(Event{Kind: Tick, Time: time.Unix(tick, 0)}); err != nil {
			return s, hist, err
		}
	}
	if s.last < asOf {
		if err := apply(Event{Kind: Tick, Time: time.Unix(asOf, 0)}); err != nil {
			return s, hist, err
		}
	}
	return s, hist, nil
}
