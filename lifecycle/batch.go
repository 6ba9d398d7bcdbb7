package lifecycle

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/chunks"
	"github.com/cvmkit/cvm/internal/civil"
	"github.com/cvmkit/cvm/internal/parallel"
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

// MarshalText encodes c as "monthly" or "weekly"; another value is an
// error wrapping ErrUnknownName.
func (c Cadence) MarshalText() ([]byte, error) {
	if c > Weekly {
		return nil, fmt.Errorf("%w: cadence %d", ErrUnknownName, uint8(c))
	}
	return []byte(c.String()), nil
}

// UnmarshalText decodes a cadence name accepted by [ParseCadence].
func (c *Cadence) UnmarshalText(b []byte) error {
	v, err := ParseCadence(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// ParseCadence returns the cadence named s ("monthly" or "weekly"),
// ignoring case and surrounding space; any other string is an error
// wrapping ErrUnknownName.
func ParseCadence(s string) (Cadence, error) {
	if i := nameIndex([]string{"monthly", "weekly"}, s); i >= 0 {
		return Cadence(i), nil
	}
	return 0, fmt.Errorf("%w: cadence %q (want monthly or weekly)", ErrUnknownName, s)
}

// next returns the first tick strictly after Unix time t.
func (c Cadence) next(t int64) int64 {
	if c == Weekly {
		d := civil.UnixDay(t)
		// 1970-01-05 (day 4) was a Monday.
		return (d - (((d+3)%7)+7)%7 + 7) * daySecs
	}
	return monthStart(int64(monthOf(t)) + 1)
}

// ClassifySettings configure [Classify]. A nil *ClassifySettings means
// every default: as of the latest transaction, monthly ticks, the default
// [Settings], no progress reports.
type ClassifySettings struct {
	// AsOf is the moment of classification: later transactions are
	// skipped and a last tick falls on it. The zero time means the time of
	// the latest transaction. An AsOf far beyond the data costs no more
	// than one at its end (see [Classify]).
	AsOf time.Time
	// Tick is the cadence of the ticks; the zero value is Monthly.
	Tick Cadence
	// Settings are the rules; nil means the defaults.
	Settings *Settings
	// AsOfFunc, when AsOf is zero and AsOfFunc is not nil, is called once
	// the stream is read, from the goroutine that read it, and the time
	// it returns is the as-of, as if AsOf had been given: later
	// transactions are left out (a customer with none left is not in the
	// results) and a last tick falls on it. A zero time means the default
	// (the latest transaction). It serves a caller whose as-of depends on
	// the whole stream, such as cvm.Report.AsOf of the Reader that the
	// stream reads, in one pass; the replay then starts once the stream
	// is read, as without AsOf.
	AsOfFunc func() time.Time
	// Progress, when not nil, is called with the number of transactions
	// read and of customers replayed so far: every 65536 transactions
	// while the stream is read, once at its end, and after every batch of
	// customers replayed (a customer of a stream not grouped by customer
	// can be counted twice: once early, once replayed again from all its
	// rows). Calls never overlap, but they may
	// come from any of Classify's goroutines; Progress should return
	// quickly.
	Progress func(rows, customers int)
	// NoHistory leaves every Result's History nil: the stage changes are
	// counted (Result.Changes) but not recorded, which saves computing
	// each change's Measures and about 88 bytes a change. For a host that
	// needs the current stages only, such as the cvm lifecycle command.
	NoHistory bool
}

// Result is one customer's classification.
type Result struct {
	Customer string       // the customer's ID
	State    State        // the state as of AsOf: stage, since, measures
	History  []Transition // every stage change, oldest first; nil with ClassifySettings.NoHistory
	Changes  int          // the number of stage changes: len(History) unless NoHistory
	Pattern  Pattern      // the pattern of the current relationship as of AsOf
}

type rec struct {
	t   int64
	amt float64
}

// Classify classifies a customer base from a transaction stream in one
// pass. It groups the transactions by customer, then replays each
// customer's transactions in time order (at equal times the larger amount
// first, so that the results do not depend on the stream's order) as
// Purchase events (Amount >= 0) and
// Return events (Amount < 0, returned value -Amount), with a Tick at the
// chosen cadence between them from the first transaction on, and a last
// Tick at AsOf; at equal times a transaction comes before a tick.
//
// The results come in the order of each customer's first transaction in
// the stream. Customers are independent, so they are replayed on up to
// GOMAXPROCS goroutines; the results do not depend on the number. Replaying
// the same transactions always gives the same results.
//
// Cost is bounded by the data, not by AsOf: a tick changes nothing but the
// clock once a relationship has ended (until the customer buys again) or
// before the first purchase, so those ticks are skipped, with the same
// results as ticking through them. Each customer is ticked over its own
// span of transactions plus the time its relationship takes to end after
// the last purchase (the end limit of the [Settings], 180 days to a few
// years), whatever AsOf is: one transaction dated 9999-12-31, or an AsOf
// centuries ahead, costs about what an AsOf at the end of the data does.
// (It still makes every relationship end by then: an AsOf the data does
// not support is the caller's choice to check.)
//
// Performance: with AsOf set, replaying overlaps reading while the stream
// is grouped by customer (each customer's rows together, as a file sorted
// by customer or synth.Transactions gives them); such a stream is also
// replayed without copying, and while its customer IDs increase (a file
// sorted by customer ID) they are not even hashed. At the first customer
// that comes back after another (time order, as most files come, or no
// order), the rows go through a partitioned grouping instead: the reading
// goroutine only batches them, and another hashes each batch's IDs and
// scatters the rows into 256 partitions by customer hash while reading
// goes on; at the end each partition, in parallel, looks its rows' IDs up
// in its own small ID table, sorts its rows by customer and replays them.
// On the 10.4M-row, 1M-customer benchmark files read by cvm.Reader, time
// order costs about 1.3 times the CPU and the wall time of grouped rows
// (the README has the figures). Memory is about 16 bytes a transaction
// for a grouped stream, and for another 28 plus the length of its
// customer ID, plus the results (a Result is 272 bytes, a Transition 80).
//
// To handle the results one at a time without holding them all, see
// [ClassifyEach].
//
// Classify returns a *SettingsError for invalid settings, a
// *cvm.TransactionError for a transaction with an empty customer, a zero
// time or a NaN or infinite amount, cvm.ErrEmptyInput when no transaction
// is at or before AsOf, an error wrapping [ErrTooLarge] naming the limit
// for a stream beyond one (more than about two billion customers, more
// than about eight million in one of the 256 partitions of a stream not
// grouped by customer, or a customer ID of 2 GB or more), and ctx.Err()
// when ctx is done.
func Classify(ctx context.Context, txs iter.Seq[cvm.Transaction], settings *ClassifySettings) ([]Result, error) {
	c, err := newClassifier(ctx, settings)
	if err != nil {
		return nil, err
	}
	defer c.stop()
	// 1. Group the transactions by customer; while the stream is grouped
	// and AsOf known, replay the customers already complete meanwhile. At
	// the first customer that comes back after another, gather the rest
	// through the partitions.
	if err := c.group(txRows(txs)); err != nil {
		return nil, err
	}
	var out []Result
	if c.pg != nil {
		// 2. A stream not grouped: replay the partitions' customers.
		if out, err = c.pg.results(c); err != nil {
			return nil, err
		}
	} else {
		// 2. Replay the rest of a grouped stream straight into the
		// results, and move the results replayed early into place.
		out = c.finishGrouped()
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c.collectEarly(out)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if c.cut {
		// Drop the customers with no transaction at or before the as-of.
		out = slices.DeleteFunc(out, func(r Result) bool { return r.Pattern == noCustomer })
		if len(out) == 0 {
			return nil, cvm.ErrEmptyInput
		}
	}
	return out, nil
}

// ClassifyEach classifies as [Classify] does and calls fn with each
// customer's result, in Classify's order (first transaction in the
// stream), one call at a time on the calling goroutine. fn may keep the
// Result and its History; ClassifyEach does not touch them again (the
// Results of a batch of up to 1,024 customers share one allocation, which
// a kept pointer keeps in memory: copy the Result to keep few). An
// error from fn stops the classification, and ClassifyEach returns it.
//
// With AsOf set and a stream grouped by customer (each customer's rows
// together), ClassifyEach hands the results over as the customers are
// replayed, while the stream is still read, and holds neither all the
// transactions nor all the results: memory stays at a few batches of
// customers in flight (the reader waits for the replay when it is ahead)
// plus the customer IDs seen, against about 16 bytes a transaction plus
// the results for Classify. A stream found not grouped before the first
// result is handed over (time order shows at once) is classified whole,
// as by Classify, and its results handed over at the end; one found not
// grouped later (a customer's rows again after results were handed over)
// is an error wrapping [ErrNotGrouped]: the results handed over so far
// are then incomplete for that customer, and the caller who cannot
// tell whether its stream is grouped classifies again with Classify.
// Without AsOf (the default as-of or AsOfFunc), the as-of is known once
// the stream is read, and the results are handed over from then on: a
// grouped stream's as its customers are replayed, holding its
// transactions (about 16 bytes each) but never all the results, which
// Classify returns at once; a stream not grouped, at the end. The errors
// are Classify's otherwise.
func ClassifyEach(ctx context.Context, txs iter.Seq[cvm.Transaction], settings *ClassifySettings, fn func(*Result) error) error {
	return classifyEach(ctx, txRows(txs), settings, fn)
}

// ClassifyReader classifies the rest of rd's input as
// ClassifyEach(ctx, rd.Stream(ctx), settings, fn) does, with the same
// results in the same order, but reads rd's rows through
// [cvm.Reader.EachBatch], without making a cvm.Transaction of each row
// (a customer's ID becomes a string once per run of its rows), and
// returns the input's error itself (a truncated or failing input, or a
// bad row without SkipBadRows) where a loop over Stream would end early
// and leave it to rd.Err. rd cannot continue after it. The README gives
// what it saves on a large file.
func ClassifyReader(ctx context.Context, rd *cvm.Reader, settings *ClassifySettings, fn func(*Result) error) error {
	return classifyEach(ctx, readerRows(ctx, rd), settings, fn)
}

// classifyEach is ClassifyEach over a rowSeq.
func classifyEach(ctx context.Context, rows rowSeq, settings *ClassifySettings, fn func(*Result) error) error {
	c, err := newClassifier(ctx, settings)
	if err != nil {
		return err
	}
	defer c.stop()
	c.each = fn
	c.ready = map[int]done{}
	c.jobs = make(chan job, 64) // about 64k customers in flight: the reader rarely waits
	if err := c.group(rows); err != nil {
		return err
	}
	if c.pg != nil {
		res, err := c.pg.results(c)
		if err != nil {
			return err
		}
		for i := range res {
			if err := c.hand(&res[i]); err != nil {
				return err
			}
		}
	} else {
		// The rest of a grouped stream (all of it without AsOf): every
		// worker, a few jobs at a time between handing over, then the
		// last batches.
		c.startWorkers(max(c.workers, 1))
		for c.sent < c.runs.Len() {
			c.dispatch(min(c.runs.Len(), c.sent+8*jobRuns))
			if err := c.emit(); err != nil {
				return err
			}
		}
		c.stopWorkers()
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := c.emit(); err != nil {
			return err
		}
	}
	if c.handed == 0 {
		return cvm.ErrEmptyInput // every customer's rows are after the as-of
	}
	return nil
}

// hand hands r over to ClassifyEach's callback, unless r is of a customer
// with no transaction at or before an as-of from AsOfFunc (left out, as
// Classify leaves it out).
func (c *classifier) hand(r *Result) error {
	if c.cut && r.Pattern == noCustomer {
		return nil
	}
	c.handed++
	return c.each(r)
}

// emit hands the replayed batches over in order, as far as they are
// complete, and releases the blocks of records no longer needed.
func (c *classifier) emit() error {
	c.mu.Lock()
	for _, d := range c.finished {
		c.ready[d.first] = d
	}
	c.finished = c.finished[:0]
	c.mu.Unlock()
	for {
		d, ok := c.ready[c.emitted]
		if !ok {
			break
		}
		delete(c.ready, c.emitted)
		for i := range d.res {
			r := &d.res[i]
			r.Customer = *c.names.At(d.first + i)
			if err := c.hand(r); err != nil {
				return err
			}
		}
		c.emitted += len(d.res)
	}
	if c.emitted > 0 {
		// The jobs sent hold their records; the blocks before the first
		// run not sent are not needed for dispatching any more.
		upTo := len(c.blocks)
		if c.sent < c.runs.Len() {
			upTo = int(c.runs.At(c.sent).block)
		}
		for k := c.freed; k < upTo; k++ {
			c.blocks[k] = nil
		}
		c.freed = max(c.freed, upTo)
	}
	return nil
}

// Classify's pipeline for a grouped stream: workers replay batches of
// runs (a run: one customer's consecutive records in the stream). While the stream is read,
// and when AsOf is known, GOMAXPROCS-1 workers replay the runs already
// complete, so reading (one goroutine) and replaying overlap; a batch
// replayed then keeps its results in a done batch, its states apart from
// the histories so the bulk of it has no pointers for the garbage
// collector to scan, and the done batches are copied into the results in
// parallel at the end. Once the stream is read, the number of customers is
// known: if every run is a new customer (run i is customer i), the results
// are allocated and published in direct, and GOMAXPROCS workers replay the
// rest of the runs straight into them. At the first customer whose
// records come in a second run, the stream is not grouped: the early
// results are dropped, and the runs read so far and the rest of the
// stream go through the partitioned grouping (partition.go).
const (
	blockSize = 1 << 16 // records per block
	jobRuns   = 1024    // runs per job
)

type (
	// job is a batch of runs for a worker.
	job struct {
		first int // index of the first run
		recs  [][]rec
	}
	// results is where a grouped stream's workers write directly.
	results struct {
		out   []Result
		names *chunks.List[string]
	}
	// done is a batch replayed before the results were allocated: the
	// results of runs first, first+1, ..., their Customer not yet set.
	done struct {
		first int
		res   []Result
	}
	// run is one customer's consecutive records: block and range.
	run struct{ cust, block, lo, hi int32 }
)

// classifier holds one Classify call.
type classifier struct {
	ctx     context.Context
	asOf    int64 // Unix seconds; 0 until known
	asOfFn  func() time.Time
	cut     bool      // asOf came from asOfFn: records after it are left out at the replay
	noHist  bool      // ClassifySettings.NoHistory
	tick    Cadence   //
	rules   *Settings // resolved
	buf     Settings  // backing for rules
	clk     *clock    // made when the first worker starts
	workers int
	prog    progress

	// Grouping. Records go into fixed-size blocks; a run never straddles
	// two blocks (a full block's open run moves to the next), and a run
	// is never written again once the next run has begun.
	ids    *idTable
	names  *chunks.List[string] // ids.names once the stream is read
	blocks [][]rec
	cur    []rec
	runs   chunks.List[run]
	kept   int      // transactions at or before AsOf
	pg     *grouper // for a stream not grouped, once found so

	// ClassifyEach: the callback, the batches replayed but not handed
	// over (by index of their first run), the customers handed over, and
	// the blocks released.
	each    func(*Result) error
	ready   map[int]done
	emitted int // runs handed over or left out
	handed  int // results handed over
	freed   int

	// The early pipeline.
	jobs     chan job
	wg       sync.WaitGroup
	running  int // workers started
	stopped  bool
	sent     int // runs dispatched
	direct   atomic.Pointer[results]
	mu       sync.Mutex
	finished []done
}

func newClassifier(ctx context.Context, settings *ClassifySettings) (*classifier, error) {
	var o ClassifySettings
	if settings != nil {
		o = *settings
	}
	if err := o.Settings.Validate(); err != nil {
		return nil, err
	}
	c := &classifier{
		ctx: ctx, tick: o.Tick,
		workers: parallel.Workers(), prog: progress{fn: o.Progress},
		ids: newIDTable(), cur: make([]rec, 0, blockSize), jobs: make(chan job, 1024),
	}
	if !o.AsOf.IsZero() {
		c.asOf = o.AsOf.Unix()
	} else {
		c.asOfFn = o.AsOfFunc
	}
	c.rules = o.Settings.resolve(&c.buf)
	c.noHist = o.NoHistory
	return c, nil
}

// rowSeq is a stream of transactions as its rows' customer, Unix seconds
// and amount: it calls yield with each in order until yield returns
// false, and returns the stream's error.
type rowSeq func(yield func(cust string, t int64, amt float64) bool) error

// txRows is the rowSeq of txs, of which it validates each transaction.
func txRows(txs iter.Seq[cvm.Transaction]) rowSeq {
	return func(yield func(string, int64, float64) bool) error {
		for tx := range txs {
			if err := tx.Validate(); err != nil {
				return err
			}
			if !yield(tx.Customer, tx.Time.Unix(), tx.Amount) {
				return nil
			}
		}
		return nil
	}
}

// readerRows is the rowSeq of the rest of rd's input, read through
// cvm.Reader.EachBatch: a customer's ID becomes a string once for each
// run of its rows.
func readerRows(ctx context.Context, rd *cvm.Reader) rowSeq {
	return func(yield func(string, int64, float64) bool) error {
		var last string
		stopped := false
		err := rd.EachBatch(ctx, func(b *cvm.Batch) error {
			for i := range b.Len() {
				if c := b.Customer(i); string(c) != last {
					last = string(c)
				}
				sec, _ := b.Unix(i)
				if !yield(last, sec, b.Amount(i)) {
					stopped = true
					return errStopped
				}
			}
			return nil
		})
		if stopped {
			return nil
		}
		return err
	}
}

// errStopped ends readerRows' reading when the grouping stops early.
var errStopped = errors.New("lifecycle: stopped")

// group reads the stream, grouping the records by customer in
// first-appearance order, and starts the early replay when it can; at
// the first customer seen in a second run it moves to the partitioned
// grouping.
func (c *classifier) group(rows rowSeq) error {
	early := c.asOf != 0 && (c.workers > 1 || c.each != nil)
	if early {
		n := c.workers - 1
		if c.each != nil {
			// ClassifyEach: the reader waits while the replay is behind,
			// so every worker replays from the start.
			n = max(c.workers, 1)
		}
		c.startWorkers(n)
	}
	c.names = &c.ids.names
	prevName, prev := "", int32(-1)
	var cr *run // the current run
	maxT := int64(math.MinInt64)
	n := 0
	var ferr error // the error that stopped the loop
	serr := rows(func(cust string, t int64, amt float64) bool {
		if n&0xffff == 0 {
			if err := c.ctx.Err(); err != nil {
				ferr = err
				return false
			}
			if c.pg != nil && c.pg.failed.Load() {
				return false // a partition passed a limit: the error is returned below
			}
			if n > 0 {
				c.prog.read(n)
			}
		}
		n++
		if c.asOf != 0 && t > c.asOf {
			return true
		}
		maxT = max(maxT, t)
		c.kept++
		if c.pg != nil {
			if err := c.pg.add(cust, t, amt); err != nil {
				ferr = err
				return false
			}
			return true
		}
		if prev < 0 || cust != prevName {
			id, added, err := c.ids.lookup(cust)
			if err != nil {
				ferr = err
				return false
			}
			if !added {
				// Not grouped: this customer came before another.
				if c.emitted > 0 {
					ferr = fmt.Errorf("%w: customer %q again after other customers", ErrNotGrouped, cust)
					return false
				}
				if err := c.partitioned(); err != nil {
					ferr = err
					return false
				}
				if err := c.pg.add(cust, t, amt); err != nil {
					ferr = err
					return false
				}
				return true
			}
			prevName, prev = cust, id
			if early && c.runs.Len()-c.sent >= jobRuns {
				c.dispatch(c.runs.Len())
				if c.each != nil {
					if err := c.emit(); err != nil {
						ferr = err
						return false
					}
				}
			}
			cr = c.runs.Push(run{cust: id, block: int32(len(c.blocks)), lo: int32(len(c.cur)), hi: int32(len(c.cur))})
		}
		if len(c.cur) == cap(c.cur) {
			open := c.cur[cr.lo:]
			c.blocks = append(c.blocks, c.cur)
			c.cur = make([]rec, 0, max(blockSize, 2*len(open)))
			c.cur = append(c.cur, open...)
			cr.block, cr.lo = int32(len(c.blocks)), 0
		}
		c.cur = append(c.cur, rec{t, amt})
		cr.hi = int32(len(c.cur))
		return true
	})
	if ferr != nil {
		return ferr
	}
	if serr != nil {
		return serr
	}
	if err := c.ctx.Err(); err != nil {
		return err
	}
	if c.pg != nil {
		c.pg.close()
		if err := c.pg.err(); err != nil {
			return err
		}
	}
	c.prog.read(n)
	if c.kept == 0 {
		return cvm.ErrEmptyInput
	}
	if c.asOf == 0 && c.asOfFn != nil {
		if t := c.asOfFn(); !t.IsZero() {
			c.asOf, c.cut = t.Unix(), true
		}
	}
	if c.asOf == 0 {
		c.asOf = maxT
	}
	if c.pg != nil {
		c.names = nil
	}
	c.ids = nil
	return nil
}

// partitioned moves the grouping to the partitions: it stops the early
// replay, dropping its results, and feeds the runs read so far, in
// stream order, to a new grouper.
func (c *classifier) partitioned() error {
	c.stopWorkers()
	c.finished, c.ready = nil, nil
	g := newGrouper()
	c.pg = g
	for i := range c.runs.Len() {
		r := *c.runs.At(i)
		name := *c.ids.names.At(int(r.cust))
		for _, x := range c.recsOf(r) {
			if err := g.add(name, x.t, x.amt); err != nil {
				return err
			}
		}
	}
	c.runs, c.blocks, c.cur = chunks.List[run]{}, nil, nil
	return nil
}

// stop stops the early replay's workers and the grouper's flusher; it
// may be called more than once.
func (c *classifier) stop() {
	c.stopWorkers()
	if c.pg != nil {
		c.pg.close()
	}
}

// recsOf returns the records of run r.
func (c *classifier) recsOf(r run) []rec {
	if int(r.block) == len(c.blocks) {
		return c.cur[r.lo:r.hi:r.hi]
	}
	return c.blocks[r.block][r.lo:r.hi:r.hi]
}

// dispatch sends the runs from c.sent up to upTo in jobs of jobRuns runs
// (a shorter last one when upTo is all the runs).
func (c *classifier) dispatch(upTo int) {
	for upTo-c.sent >= jobRuns || (upTo == c.runs.Len() && c.sent < upTo) {
		hi := min(upTo, c.sent+jobRuns)
		j := job{first: c.sent, recs: make([][]rec, hi-c.sent)}
		for i := c.sent; i < hi; i++ {
			j.recs[i-c.sent] = c.recsOf(*c.runs.At(i))
		}
		c.jobs <- j
		c.sent = hi
	}
}

// startWorkers starts workers until n are running.
func (c *classifier) startWorkers(n int) {
	if c.clk == nil {
		c.clk = newClock(c.tick, c.asOf)
	}
	for ; c.running < n; c.running++ {
		c.wg.Add(1)
		go c.worker()
	}
}

// stopWorkers closes the job queue and waits for the workers; it may be
// called more than once.
func (c *classifier) stopWorkers() {
	if !c.stopped {
		close(c.jobs)
		c.wg.Wait()
		c.stopped = true
	}
}

// worker replays jobs: straight into the results once they are published,
// into done batches before.
func (c *classifier) worker() {
	defer c.wg.Done()
	var arena []Transition
	for j := range c.jobs {
		if c.ctx.Err() != nil {
			continue
		}
		if d := c.direct.Load(); d != nil {
			for i, r := range j.recs {
				res := &d.out[j.first+i]
				res.Customer = *d.names.At(j.first + i)
				arena = c.replay(r, arena, res)
			}
		} else {
			d := done{first: j.first, res: make([]Result, len(j.recs))}
			for i, r := range j.recs {
				res := &d.res[i]
				arena = c.replay(r, arena, res)
			}
			c.mu.Lock()
			c.finished = append(c.finished, d)
			c.mu.Unlock()
		}
		c.prog.add(len(j.recs))
	}
}

// replay replays one customer's records r (sorting them by time if they
// are not) into *s, *pat and *hist, keeping the history in arena, and
// returns the arena to use next.
func (c *classifier) replay(r []rec, arena []Transition, res *Result) []Transition {
	sortRecs(r)
	if c.cut {
		for len(r) > 0 && r[len(r)-1].t > c.asOf {
			r = r[:len(r)-1]
		}
		if len(r) == 0 {
			// No transaction at or before the as-of: not a customer.
			res.State, res.Pattern, res.History, res.Changes = State{}, noCustomer, nil, 0
			return arena
		}
	}
	start := len(arena)
	res.State, arena, res.Changes, _ = replayCustomer(r, c.asOf, c.clk, c.rules, arena, !c.noHist)
	res.History = nil
	if !c.noHist {
		res.History = slices.Clip(arena[start:])
	}
	res.Pattern = res.State.pattern(c.asOf, c.rules) // c.rules: validated and resolved
	if cap(arena)-len(arena) < 16 {
		arena = make([]Transition, 0, 4096)
	}
	return arena
}

// finishGrouped allocates the results of a grouped stream (run i is
// customer i) and replays the runs not yet replayed straight into them.
// It stops the workers.
func (c *classifier) finishGrouped() []Result {
	// Written by the workers while the collector may scan it: mapped
	// first (see parallel.Make).
	out := parallel.Make[Result](c.names.Len())
	c.direct.Store(&results{out, c.names})
	c.startWorkers(c.workers)
	c.dispatch(c.runs.Len())
	c.stopWorkers()
	c.blocks = append(c.blocks, c.cur)
	c.cur = nil
	return out
}

// collectEarly copies the batches replayed before the results were
// allocated into out.
func (c *classifier) collectEarly(out []Result) {
	parallel.Chunks(len(c.finished), 1, func(_, lo, hi int) {
		for k := lo; k < hi; k++ {
			d := &c.finished[k]
			for i := range d.res {
				cust := d.first + i
				out[cust] = d.res[i]
				out[cust].Customer = *c.names.At(cust)
			}
			*d = done{}
		}
	})
	c.finished = nil
}

// progress reports Classify's progress to fn, one call at a time.
type progress struct {
	fn       func(rows, customers int)
	mu       sync.Mutex
	rows     atomic.Int64 // transactions read
	replayed atomic.Int64 // customers replayed
}

// read records that rows transactions are read and reports.
func (p *progress) read(rows int) {
	if p.fn != nil {
		p.rows.Store(int64(rows))
		p.report()
	}
}

// add counts n more customers replayed and reports.
func (p *progress) add(n int) {
	if p.fn != nil {
		p.replayed.Add(int64(n))
		p.report()
	}
}

func (p *progress) report() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fn(int(p.rows.Load()), int(p.replayed.Load()))
}

// noCustomer marks, in Pattern, a result with no transaction at or
// before an as-of from AsOfFunc, dropped before Classify returns.
const noCustomer Pattern = 255

// cmpRec orders a customer's records by time and, at equal times, by
// amount, largest first (purchases before returns): the order of the
// replay, and so the bits of the float32 monthly volumes, then depend on
// the set of records only, not on the stream's order.
func cmpRec(a, b rec) int {
	if c := cmp.Compare(a.t, b.t); c != 0 {
		return c
	}
	return cmp.Compare(b.amt, a.amt)
}

// recBefore reports whether a comes before b in cmpRec's order.
func recBefore(a, b rec) bool { return a.t < b.t || a.t == b.t && a.amt > b.amt }

// sortRecs sorts r stably by cmpRec: a customer's few records by
// insertion with the comparison inline, many by slices.SortStableFunc.
// Records already in order (the common case) cost one pass.
func sortRecs(r []rec) {
	i := 1
	for i < len(r) && !recBefore(r[i], r[i-1]) {
		i++
	}
	if i >= len(r) {
		return
	}
	if len(r) > 32 {
		slices.SortStableFunc(r, cmpRec)
		return
	}
	for ; i < len(r); i++ {
		x, j := r[i], i
		for ; j > 0 && recBefore(x, r[j-1]); j-- {
			r[j] = r[j-1]
		}
		r[j] = x
	}
}

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
// ticks, appending the transitions to hist, and returns the state, the
// history and the number of ticks evaluated. It applies events in place
// with State.step, which is what Apply does after its checks; before a
// monthly tick it moves the month ring on with the tabled month start.
//
// Ticks that change nothing but the time are skipped: those while the
// relationship has ended and those before the first purchase. The result
// is the same as ticking through them (a later event or the last tick at
// asOf sets the time), and the ticks evaluated are bounded by the
// customer's own records and the end rules, not by asOf.
func replayCustomer(r []rec, asOf int64, k *clock, rr *Settings, hist []Transition, keep bool) (s State, _ []Transition, changes, ticks int) {
	var tr Transition
	trp := &tr // where a change is recorded; nil when not kept (no measures)
	if !keep {
		trp = nil
	}
	var tick, tm int64 // the next tick, and for Monthly its month index
	advance := func() {
		ticks++
		if s.stage == Ended { // a tick changes nothing but the last time
			s.last = tick
		} else {
			if k.c == Monthly && tick >= s.nextMonth {
				s.advanceKnown(int32(tm), k.start(tm+1))
			}
			if s.step(tick, Tick, 0, rr, trp) {
				changes++
				if keep {
					hist = append(hist, tr)
				}
			}
		}
		if k.c == Monthly {
			tm++
			tick = k.start(tm)
		} else {
			tick += 7 * daySecs
		}
	}
	// skip moves the clock on to the first tick at or after until, past
	// ticks that change nothing but the time: Apply ignores a tick before
	// the first purchase or after the end.
	skip := func(until int64) {
		if k.c == Weekly {
			tick = max(tick, k.c.next(until-1))
		} else if ntm := int64(monthOf(until-1)) + 1; ntm > tm { // the month of the first tick >= until
			tm, tick = ntm, k.start(ntm)
		}
	}
	// catchUp applies the ticks before until.
	catchUp := func(until int64) {
		for tick < until {
			if !s.stage.Active() {
				skip(until)
				return
			}
			advance()
		}
	}
	for i, x := range r {
		if i > 0 {
			catchUp(x.t)
		}
		kind, amt := Purchase, x.amt
		if amt < 0 {
			kind, amt = Return, -amt
		}
		if s.step(x.t, kind, amt, rr, trp) {
			changes++
			if keep {
				hist = append(hist, tr)
			}
		}
		if i == 0 {
			tick = k.c.next(x.t)
			tm = int64(monthOf(x.t)) + 1
		}
	}
	if asOf < math.MaxInt64 {
		catchUp(asOf + 1)
	}
	if s.last < asOf && s.step(asOf, Tick, 0, rr, trp) {
		changes++
		if keep {
			hist = append(hist, tr)
		}
	}
	return s, hist, changes, ticks
}
