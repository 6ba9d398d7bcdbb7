package lifecycle

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"math"
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

	// Phase 1: group by customer, in first-appearance order. Records go
	// into fixed-size blocks; a run of one customer's consecutive records
	// never straddles two blocks (a full block's open run moves to the
	// next), so a grouped stream needs no copying.
	const blockSize = 1 << 16
	ids := newIDTable()
	var blocks [][]rec
	cur := make([]rec, 0, blockSize)
	type run struct{ cust, block, lo, hi int32 }
	var runs []run
	grouped := true
	prevName, prev := "", int32(-1)
	minT, maxT := int64(math.MaxInt64), int64(math.MinInt64)
	n, kept := 0, 0
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
			id, added := ids.lookup(tx.Customer)
			if !added {
				grouped = false
			}
			prevName, prev = tx.Customer, id
			runs = append(runs, run{cust: id, block: int32(len(blocks)), lo: int32(len(cur)), hi: int32(len(cur))})
		}
		if len(cur) == cap(cur) {
			r := &runs[len(runs)-1]
			open := cur[r.lo:]
			blocks = append(blocks, cur)
			cur = make([]rec, 0, max(blockSize, 2*len(open)))
			cur = append(cur, open...)
			r.block, r.lo = int32(len(blocks)), 0
		}
		cur = append(cur, rec{t, tx.Amount})
		runs[len(runs)-1].hi = int32(len(cur))
		minT, maxT = min(minT, t), max(maxT, t)
		kept++
	}
	blocks = append(blocks, cur)
	names := ids.names
	ids = nil
	if kept == 0 {
		return nil, cvm.ErrEmptyInput
	}
	if asOf == 0 {
		asOf = maxT
	}
	// Each customer's records: its one run, or, when the stream is not
	// grouped by customer, its runs gathered in stream order.
	byCust := make([][]rec, len(names))
	if grouped {
		for _, r := range runs {
			byCust[r.cust] = blocks[r.block][r.lo:r.hi:r.hi]
		}
	} else {
		count := make([]int, len(names))
		for _, r := range runs {
			count[r.cust] += int(r.hi - r.lo)
		}
		all := make([]rec, kept)
		pos := 0
		for c, k := range count {
			byCust[c] = all[pos : pos : pos+k]
			pos += k
		}
		for _, r := range runs {
			byCust[r.cust] = append(byCust[r.cust], blocks[r.block][r.lo:r.hi]...)
		}
		blocks = nil
	}
	runs = nil

	// Phase 2: replay each customer, in parallel chunks.
	var buf Rules
	rr := o.Rules.resolve(&buf)
	clk := newClock(o.Tick, minT, asOf)
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
				r := byCust[c]
				if !slices.IsSortedFunc(r, cmpRec) {
					slices.SortStableFunc(r, cmpRec)
				}
				start := len(arena)
				var s State
				s, arena = replayCustomer(r, asOf, clk, rr, arena)
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

// clock generates the ticks of one Classify call: for Monthly, from a
// table of month starts covering every record's month through the month
// after AsOf, so a tick needs no calendar arithmetic.
type clock struct {
	c    Cadence
	base int64   // month index of starts[0]
	ms   []int64 // Unix time each month from base begins
}

func newClock(c Cadence, minT, asOf int64) *clock {
	k := &clock{c: c, base: int64(monthOf(minT))}
	for m := k.base; m <= int64(monthOf(asOf))+2; m++ {
		k.ms = append(k.ms, monthStart(m))
	}
	return k
}

// replayCustomer replays one customer's time-ordered, valid records with
// ticks, appending the transitions to hist. It applies events in place
// with State.step, which is what Apply does after its checks; before a
// monthly tick it moves the month ring on with the tabled month start.
func replayCustomer(r []rec, asOf int64, k *clock, rr *Rules, hist []Transition) (State, []Transition) {
	var s State
	var tr Transition
	var tick, tm int64 // the next tick, and for Monthly its month index
	advance := func() {
		if s.stage == Ended { // a tick changes nothing but the last time
			s.last = tick
		} else {
			if k.c == Monthly && tick >= s.nextMonth {
				s.advanceKnown(int32(tm), k.ms[tm+1-k.base])
			}
			if s.step(tick, Tick, 0, rr, &tr) {
				hist = append(hist, tr)
			}
		}
		if k.c == Monthly {
			tm++
			tick = k.ms[tm-k.base]
		} else {
			tick += 7 * daySecs
		}
	}
	for i, x := range r {
		if i > 0 {
			for tick < x.t {
				advance()
			}
		}
		kind, amt := Purchase, x.amt
		if amt < 0 {
			kind, amt = Return, -amt
		}
		if s.step(x.t, kind, amt, rr, &tr) {
			hist = append(hist, tr)
		}
		if i == 0 {
			tick = k.c.next(x.t)
			tm = int64(monthOf(x.t)) + 1
		}
	}
	for tick <= asOf {
		advance()
	}
	if s.last < asOf && s.step(asOf, Tick, 0, rr, &tr) {
		hist = append(hist, tr)
	}
	return s, hist
}
