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
// Performance: with AsOf set, replaying overlaps reading while the stream
// is grouped by customer (each customer's rows together, as a file sorted
// by customer or synth.Transactions gives them); such a stream is also
// replayed without copying, and while its customer IDs increase (a file
// sorted by customer ID) they are not even hashed. A stream in any other
// order (time order, as most files come) is gathered by customer first,
// which costs a hash look-up and about three cache misses a row: several
// times slower on a large base (about 7x at 1M customers). Memory is
// about 16 bytes a transaction plus the results (a Result is 272 bytes, a
// Transition 80).
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
	if err := o.Rules.Validate(); err != nil {
		return nil, err
	}
	var buf Rules
	rr := o.Rules.resolve(&buf)

	// Workers replay batches of runs (a run: one customer's consecutive
	// records in the stream). While the stream is read, and when AsOf is
	// known, GOMAXPROCS-1 workers replay the runs already complete, so
	// reading (one goroutine) and replaying overlap; a batch replayed then
	// keeps its results in a done batch, its states apart from the
	// histories so the bulk of it has no pointers for the garbage collector
	// to scan, and the done batches are copied into the results in
	// parallel at the end. Once the stream is read, the number of customers
	// is known: if every run is a new customer (run i is customer i), the
	// results are allocated and published in direct, and GOMAXPROCS
	// workers replay the rest of the runs straight into them.
	// A customer whose records come in more than one run is replayed again
	// at the end from all its runs, and its early results are dropped.
	type job struct {
		first int // index of the first run
		recs  [][]rec
	}
	type results struct {
		out   []Result
		names *chunked[string]
	}
	var direct atomic.Pointer[results]
	type done struct {
		first  int
		states []State
		pats   []Pattern
		hists  [][]Transition
	}
	var (
		jobs     = make(chan job, 1024)
		wg       sync.WaitGroup
		mu       sync.Mutex
		finished []done
		clk      *clock
		running  int // workers started
	)
	workers := runtime.GOMAXPROCS(0)
	// replay replays one customer into *s, *pat and *hist.
	replay := func(r []rec, arena []Transition, s *State, pat *Pattern, hist *[]Transition) []Transition {
		if !slices.IsSortedFunc(r, cmpRec) {
			slices.SortStableFunc(r, cmpRec)
		}
		start := len(arena)
		*s, arena = replayCustomer(r, asOf, clk, rr, arena)
		*hist = slices.Clip(arena[start:])
		*pat = s.Pattern(time.Unix(asOf, 0), o.Rules)
		if cap(arena)-len(arena) < 16 {
			arena = make([]Transition, 0, 4096)
		}
		return arena
	}
	worker := func() {
		defer wg.Done()
		var arena []Transition
		for j := range jobs {
			if ctx.Err() != nil {
				continue
			}
			if d := direct.Load(); d != nil {
				for i, r := range j.recs {
					res := &d.out[j.first+i]
					res.Customer = *d.names.at(j.first + i)
					arena = replay(r, arena, &res.State, &res.Pattern, &res.History)
				}
				continue
			}
			n := len(j.recs)
			d := done{first: j.first, states: make([]State, n), pats: make([]Pattern, n), hists: make([][]Transition, n)}
			for i, r := range j.recs {
				arena = replay(r, arena, &d.states[i], &d.pats[i], &d.hists[i])
			}
			mu.Lock()
			finished = append(finished, d)
			mu.Unlock()
		}
	}
	// start starts workers until n are running.
	start := func(n int) {
		if clk == nil {
			clk = newClock(o.Tick, asOf)
		}
		for ; running < n; running++ {
			wg.Add(1)
			go worker()
		}
	}
	stopped := false
	stop := func() {
		if !stopped {
			close(jobs)
			wg.Wait()
			stopped = true
		}
	}
	defer stop()

	// Read: group by customer, in first-appearance order. Records go into
	// fixed-size blocks; a run never straddles two blocks (a full block's
	// open run moves to the next), and a run is never written again once
	// the next run has begun.
	const blockSize, jobRuns = 1 << 16, 1024
	ids := newIDTable()
	var blocks [][]rec
	cur := make([]rec, 0, blockSize)
	type run struct{ cust, block, lo, hi int32 }
	var runs chunked[run]
	var cr *run // the current run
	recsOf := func(r run) []rec {
		if int(r.block) == len(blocks) {
			return cur[r.lo:r.hi:r.hi]
		}
		return blocks[r.block][r.lo:r.hi:r.hi]
	}
	sent := 0
	// dispatch sends the runs from sent up to upTo in jobs of jobRuns runs
	// (a shorter last one when upTo is all the runs).
	dispatch := func(upTo int) {
		for upTo-sent >= jobRuns || (upTo == runs.len() && sent < upTo) {
			hi := min(upTo, sent+jobRuns)
			j := job{first: sent, recs: make([][]rec, hi-sent)}
			for i := sent; i < hi; i++ {
				j.recs[i-sent] = recsOf(*runs.at(i))
			}
			jobs <- j
			sent = hi
		}
	}
	var multi []bool // customers with more than one run
	nMulti := 0
	early := asOf != 0 && workers > 1
	if early {
		start(workers - 1)
	}
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
			if added {
				multi = append(multi, false)
			} else if !multi[id] {
				multi[id] = true
				nMulti++
			}
			prevName, prev = tx.Customer, id
			// Early replay stops at the first customer seen in a second run:
			// the stream is not grouped, and its runs are gathered at the end.
			if early && nMulti == 0 && runs.len()-sent >= jobRuns {
				dispatch(runs.len())
			}
			cr = runs.push(run{cust: id, block: int32(len(blocks)), lo: int32(len(cur)), hi: int32(len(cur))})
		}
		if len(cur) == cap(cur) {
			r := cr
			open := cur[r.lo:]
			blocks = append(blocks, cur)
			cur = make([]rec, 0, max(blockSize, 2*len(open)))
			cur = append(cur, open...)
			r.block, r.lo = int32(len(blocks)), 0
		}
		cur = append(cur, rec{t, tx.Amount})
		cr.hi = int32(len(cur))
		minT, maxT = min(minT, t), max(maxT, t)
		kept++
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if kept == 0 {
		return nil, cvm.ErrEmptyInput
	}
	if asOf == 0 {
		asOf = maxT
	}
	names := &ids.names
	ids = nil
	nc := names.len()
	out := make([]Result, nc)
	if nMulti == 0 {
		// Grouped: run i is customer i. The runs not yet replayed go
		// straight into out.
		direct.Store(&results{out, names})
		start(workers)
		dispatch(runs.len())
	}
	stop()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	blocks = append(blocks, cur)

	var replayed []bool // for a stream not grouped: customers in out
	if nMulti > 0 {
		replayed = make([]bool, nc)
	}
	var next atomic.Int64
	fill := func() {
		defer wg.Done()
		for {
			k := int(next.Add(1) - 1)
			if k >= len(finished) {
				return
			}
			d := &finished[k]
			for i := range d.states {
				if c := runs.at(d.first + i).cust; !multi[c] {
					out[c] = Result{Customer: *names.at(int(c)), State: d.states[i], History: d.hists[i], Pattern: d.pats[i]}
					if replayed != nil {
						replayed[c] = true
					}
				}
			}
			*d = done{}
		}
	}
	wg.Add(workers)
	for range workers - 1 {
		go fill()
	}
	fill()
	wg.Wait()
	finished = nil
	if nMulti == 0 {
		return out, nil
	}
	// The customers not replayed early: gather each one's runs in stream
	// order (a stable counting sort) and replay them in parallel.
	var custs []int32
	count := make([]int32, nc)
	for _, ch := range runs.chunks {
		for _, r := range ch {
			if !replayed[r.cust] {
				if count[r.cust] == 0 {
					custs = append(custs, r.cust)
				}
				count[r.cust] += r.hi - r.lo
			}
		}
	}
	byCust := make([][]rec, nc)
	all := make([]rec, 0, kept)
	for _, c := range custs {
		byCust[c] = all[len(all) : len(all) : len(all)+int(count[c])]
		all = all[:len(all)+int(count[c])]
	}
	for _, ch := range runs.chunks {
		for _, r := range ch {
			if !replayed[r.cust] {
				byCust[r.cust] = append(byCust[r.cust], blocks[r.block][r.lo:r.hi]...)
			}
		}
	}
	runs, blocks = chunked[run]{}, nil
	if clk == nil {
		clk = newClock(o.Tick, asOf)
	}
	next.Store(0)
	const chunk = 256
	work := func() {
		defer wg.Done()
		var arena []Transition
		for {
			k := int(next.Add(chunk) - chunk)
			if k >= len(custs) || ctx.Err() != nil {
				return
			}
			for _, c := range custs[k:min(k+chunk, len(custs))] {
				res := &out[c]
				res.Customer = *names.at(int(c))
				arena = replay(byCust[c], arena, &res.State, &res.Pattern, &res.History)
			}
		}
	}
	wg.Add(workers)
	for range workers - 1 {
		go work()
	}
	work()
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func cmpRec(a, b rec) int { return cmp.Compare(a.t, b.t) }

// clock generates the ticks of one Classify call: for Monthly, from a
// table of month starts around AsOf, so a tick needs no calendar
// arithmetic.
type clock struct {
	c    Cadence
	base int64   // month index of ms[0]
	ms   []int64 // Unix time each month from base begins
}

// newClock tables the month starts from 50 years before the month of asOf
// to two months after it; months outside are computed.
func newClock(c Cadence, asOf int64) *clock {
	k := &clock{c: c, base: int64(monthOf(asOf)) - 600}
	for m := k.base; m <= int64(monthOf(asOf))+2; m++ {
		k.ms = append(k.ms, monthStart(m))
	}
	return k
}

// start returns the Unix time month index m begins.
func (k *clock) start(m int64) int64 {
	if i := m - k.base; i >= 0 && i < int64(len(k.ms)) {
		return k.ms[i]
	}
	return monthStart(m)
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
				s.advanceKnown(int32(tm), k.start(tm+1))
			}
			if s.step(tick, Tick, 0, rr, &tr) {
				hist = append(hist, tr)
			}
		}
		if k.c == Monthly {
			tm++
			tick = k.start(tm)
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
