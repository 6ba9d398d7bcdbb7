package cvm

import (
	"bytes"
	"context"
	"errors"
	"io"
	"iter"
	"runtime"
	"slices"
	"sync"

	"github.com/cvmkit/cvm/internal/parallel"
)

// chunkSize is the size of the blocks the parallel reader parses. It does
// not depend on GOMAXPROCS, and rows are aggregated in file order anyway, so
// results do not depend on the number of workers. Tests make it small.
// At 512 KiB a block, its parsed rows and Stream's transactions of it
// (about 2.4 MB) stay within one core's 2 MiB L2 cache for the most part,
// where 1 MiB blocks spilled: Stream feeding lifecycle.ClassifyEach was
// 7-10% faster on the README's 10M-row file, Summarize the same.
var chunkSize = 1 << 19

// carrySlack is the room a block's buffers keep beyond chunkSize plus the
// record carried into it, for the longer carries of later blocks.
const carrySlack = 4096

// chunk is a block of whole records and, once parsed, its rows.
type chunk struct {
	data   []byte
	rows   []row
	exts   []rowExtra // with parseConfig.extra, aligned with rows
	errs   []rowErr
	lines  int // physical lines in data
	blank  int
	empty  int
	scr    []byte
	fields [][]byte
	hashes []uint64 // Summarize: hash of each row's customer ID
	part   *pbatch  // Summarize: the rows, partitioned
	// Summarize's ascending path: the block's customers accumulated
	// (ascOK), their IDs and occasion keys.
	asc     []apart
	ascIDs  []byte
	ascKeys []uint32
	ascOK   bool
	ascHint [3]int        // lengths of the buffers last handed over
	emptyA  []float64     // amounts of the rows with an empty customer ID (0 when bad)
	txs     []Transaction // ReadAll and Stream: the rows as transactions, made by the worker
	ioErr   error         // the input failed after data
	done    chan struct{}
}

// rowErr is a bad row found before rows[at].
type rowErr struct {
	at int
	pe *ParseError
}

// eachChunk reads the rest of the input in blocks of whole records, parses
// them on GOMAXPROCS workers and calls fn with each parsed chunk in input
// order, on the calling goroutine. Line numbers in the chunk's errors are
// relative to the chunk. It stops at the first error from fn, from reading
// (named by the line reached, after the records before it) or from ctx;
// every goroutine it starts has ended when it returns.
//
// post, when not nil, runs on the worker after a chunk is parsed.
func (rd *Reader) eachChunk(ctx context.Context, post func(c *chunk), fn func(c *chunk) error) error {
	if rd.fail != nil {
		return rd.fail
	}
	if rd.done {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// apply hands a parsed chunk to fn, then reports the read error
	// that ended it.
	apply := func(c *chunk) error {
		if err := fn(c); err != nil {
			return err
		}
		if c.ioErr != nil {
			rd.fail = readErr(rd.line, c.ioErr)
			return rd.fail
		}
		return nil
	}
	// An input that fits in the first block is parsed here, without
	// goroutines. The first block starts with what Read left unread.
	first := &chunk{done: make(chan struct{}, 1)}
	carry, end := rd.fill(first, rd.buf[rd.r:])
	rd.buf, rd.r = nil, 0
	if end {
		rd.done = true
		rd.cfg.parseChunk(first, rd.limit)
		if post != nil {
			post(first)
		}
		return apply(first)
	}
	workers := runtime.GOMAXPROCS(0)
	inFlight := 2*workers + 2
	free := make(chan *chunk, inFlight)
	for range inFlight - 1 {
		free <- &chunk{done: make(chan struct{}, 1)}
	}
	jobs := make(chan *chunk, inFlight)
	ordered := make(chan *chunk, inFlight)
	stop := make(chan struct{})
	var wg sync.WaitGroup

	wg.Add(1)
	go func() { // producer
		defer wg.Done()
		defer close(jobs)
		defer close(ordered)
		jobs <- first
		ordered <- first
		for {
			var c *chunk
			select {
			case <-stop:
				return
			default:
			}
			select {
			case c = <-free:
			case <-stop:
				return
			}
			var end bool
			carry, end = rd.fill(c, carry)
			jobs <- c
			ordered <- c
			if end {
				return
			}
		}
	}()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range jobs {
				rd.cfg.parseChunk(c, rd.limit)
				if post != nil {
					post(c)
				}
				c.done <- struct{}{}
			}
		}()
	}

	var err error
	for c := range ordered {
		<-c.done
		if err != nil {
			continue // draining after a stop
		}
		if err = ctx.Err(); err == nil {
			err = apply(c)
		}
		if err != nil {
			close(stop)
			continue
		}
		free <- c
	}
	wg.Wait()
	rd.done = true
	return err
}

// fill reads the next block into c: carry (the input the previous block
// left undecided) and then about chunkSize bytes, cut after the last
// record that can be decided without more input, so that the workers,
// taking the end of a block for the end of the input, split it into
// records as Read would. It returns the new carry and whether the block
// is the last, at the end of the input or at a read error (c.ioErr).
//
// fill runs on one goroutine at a time; it alone uses rd.src, rd.eof,
// rd.rerr, rd.skipping and rd.psp once eachChunk has started.
func (rd *Reader) fill(c *chunk, carry []byte) (rest []byte, end bool) {
	c.ioErr = nil
	if want := len(carry) + chunkSize; cap(c.data) < want {
		// With room for the next blocks' carries, which are rarely
		// longer: a block buffer is allocated once, not every time a
		// carry is longer than the last.
		c.data = make([]byte, 0, want+carrySlack)
	}
	c.data = append(c.data[:0], carry...)
	for {
		if !rd.eof && rd.rerr == nil {
			rd.readInto(c)
		}
		if rd.skipping { // the rest of a line too long to keep
			nl := bytes.IndexByte(c.data, '\n')
			if nl < 0 {
				c.data = c.data[:0]
				if rd.eof || rd.rerr != nil {
					c.ioErr = rd.rerr
					return nil, true
				}
				continue
			}
			rd.skipping = false
			c.data = c.data[:copy(c.data, c.data[nl+1:])]
		}
		if rd.eof {
			return nil, true
		}
		cut, long := rd.cut(c.data)
		if long >= 0 {
			// A line with no line end within the bound: the block ends
			// with enough of it for the worker to see that, and the rest
			// of the line is discarded.
			c.data = c.data[:long+rd.cfg.maxBytes+1]
			rd.skipping = true
			c.ioErr = rd.rerr
			return nil, rd.rerr != nil
		}
		if rd.rerr != nil {
			c.data = c.data[:cut] // a record cut short by the failure is not parsed
			c.ioErr = rd.rerr
			return nil, true
		}
		if cut > 0 {
			rest = append(carry[:0], c.data[cut:]...)
			c.data = c.data[:cut]
			return rest, false
		}
		// Not one record decided yet: read more (a record is decided
		// within MaxRecordBytes+1 bytes, so this stops).
		c.data = slices.Grow(c.data, chunkSize)
	}
}

// readInto reads input into c.data until it is full or the input ends or
// fails.
func (rd *Reader) readInto(c *chunk) {
	for tries := 0; len(c.data) < cap(c.data); {
		n, err := rd.src.Read(c.data[len(c.data):cap(c.data)])
		c.data = c.data[:len(c.data)+n]
		switch {
		case err == io.EOF:
			rd.eof = true
			return
		case err != nil:
			rd.rerr = err
			return
		case n == 0:
			if tries++; tries == 100 {
				rd.rerr = io.ErrNoProgress
				return
			}
		}
	}
}

// cut returns the end of the last record of data (which starts at a
// record boundary and is not the end of the input) that can be decided
// without more input, and the start of a line with no line end within
// MaxRecordBytes that ends data, or -1 when there is none.
func (rd *Reader) cut(data []byte) (cut, long int) {
	if rd.cfg.comma == Whitespace || bytes.IndexByte(data, '"') < 0 {
		cut = bytes.LastIndexByte(data, '\n') + 1
		if len(data)-cut > rd.cfg.maxBytes {
			return cut, cut
		}
		return cut, -1
	}
	sp := &rd.psp
	sp.forget()
	pos, line := 0, 1
	for pos < len(data) {
		status, end, lines := sp.record(data, pos, line, false)
		switch status {
		case recMore:
			return pos, -1
		case recLong:
			nl := bytes.IndexByte(data[pos:], '\n')
			if nl < 0 {
				return pos, pos
			}
			pos, line = pos+nl+1, line+1
			continue
		}
		pos, line = end, line+lines
	}
	return pos, -1
}

// parseChunk parses every record of c.data into c.rows, recording bad rows
// in c.errs with chunk-relative line numbers. It takes the end of c.data
// for the end of the input (fill cuts blocks so that this decides every
// record as Read does).
func (cfg *parseConfig) parseChunk(c *chunk, limit int) {
	if want := len(c.data) / 24; cap(c.rows) < want {
		// Rows are rarely shorter than 24 bytes; the room for a longer
		// block (a longer carry) keeps the slice from being allocated
		// again for the next. Rows hold pointers: the collector may scan
		// the new slice before it is written, and parallel.Make maps its
		// pages writable first (see Make).
		c.rows = parallel.Make[row](want + carrySlack/24)[:0]
	}
	c.rows, c.errs, c.exts = c.rows[:0], c.errs[:0], c.exts[:0]
	c.lines, c.blank, c.empty = 0, 0, 0
	c.emptyA = c.emptyA[:0]
	c.scr = c.scr[:0]
	data := c.data
	sp := newSplitter(cfg.comma, cfg.maxBytes, cfg.maxLines)
	var fast *fastRow
	if bytes.IndexByte(data, '"') < 0 {
		sp.comma = Whitespace // no quote to look for: every record is one line
		fast = cfg.newFastRow()
	}
	var ok bool
	for pos := 0; pos < len(data); {
		status, end, lines := sp.record(data, pos, c.lines+1, true)
		start := c.lines + 1
		switch status {
		case recLong:
			c.lines++
			if nl := bytes.IndexByte(data[pos:], '\n'); nl >= 0 {
				pos += nl + 1
			} else {
				pos = len(data)
			}
			c.errs = append(c.errs, rowErr{len(c.rows), &ParseError{Line: start, Err: cfg.errLong()}})
			continue
		case recQuote:
			c.lines++
			pos = end
			c.errs = append(c.errs, rowErr{len(c.rows), &ParseError{Line: start, Err: cfg.errQuote()}})
			continue
		}
		rec := data[pos:end]
		pos = end
		c.lines += lines
		if lines == 1 {
			rec = trimEOL(rec)
			if len(rec) == 0 || (rec[0] == ' ' || rec[0] == '\t') && isBlank(rec) {
				c.blank++
				continue
			}
		} else {
			rec = joinLines(rec, nil) // rows alias it: a new copy each time (rare)
		}
		if fast != nil {
			c.rows = append(c.rows, row{})
			if r := &c.rows[len(c.rows)-1]; fast.parse(rec, start, r) {
				if cfg.hashRows {
					r.hash = recordHash(rec)
				}
				continue
			}
			c.rows = c.rows[:len(c.rows)-1]
		}
		c.fields, c.scr, ok = splitFields(rec, cfg.comma, c.fields[:0], c.scr, limit)
		if !ok { // the splitter found the quotes closed: not reached
			c.errs = append(c.errs, rowErr{len(c.rows), &ParseError{Line: start, Err: cfg.errQuote()}})
			continue
		}
		c.rows = append(c.rows, row{})
		r := &c.rows[len(c.rows)-1]
		var x *rowExtra
		if cfg.extra {
			c.exts = append(c.exts, rowExtra{})
			x = &c.exts[len(c.exts)-1]
		}
		if pe := cfg.parseRow(c.fields, start, r, x); pe != nil {
			c.rows = c.rows[:len(c.rows)-1]
			if cfg.extra {
				c.exts = c.exts[:len(c.exts)-1]
			}
			if pe.Err == errEmpty {
				c.empty++
				c.emptyA = append(c.emptyA, r.amount)
				continue
			}
			c.errs = append(c.errs, rowErr{len(c.rows), pe})
		} else if cfg.hashRows {
			r.hash = recordHash(rec)
		}
	}
}

// consume applies a parsed chunk's counts to the reader's stats, calling
// add for each run c.rows[lo:hi] of good rows in order. It returns the
// first bad row's error unless SkipBadRows is set.
func (rd *Reader) consume(c *chunk, add func(lo, hi int)) error {
	base := rd.line
	rd.line += c.lines
	rd.stats.Blank += c.blank
	rd.stats.EmptyCustomer += c.empty
	if a := rd.opts.Audit; a != nil {
		a.addEmptyRows(c)
		inner := add
		add = func(lo, hi int) {
			a.addRows(c.rows[lo:hi], base)
			inner(lo, hi)
		}
	}
	prev := 0
	for k, e := range c.errs {
		add(prev, e.at)
		if err := rd.auditErr(); err != nil {
			return err
		}
		rd.stats.Transactions += e.at - prev
		prev = e.at
		e.pe.Line += base
		if !rd.badRow(e.pe) {
			rd.stats.Rows += e.at + k + 1 // empty-customer rows of the chunk are not counted here
			return e.pe
		}
	}
	add(prev, len(c.rows))
	if err := rd.auditErr(); err != nil {
		return err
	}
	rd.stats.Transactions += len(c.rows) - prev
	rd.stats.Rows += len(c.rows) + len(c.errs) + c.empty
	if rd.opts.Progress != nil {
		rd.opts.Progress(rd.stats.Rows)
	}
	return nil
}

// auditErr returns the Auditor's error (ErrTooManyIDs), which ends the
// reading, or nil.
func (rd *Reader) auditErr() error {
	if a := rd.opts.Audit; a != nil {
		if pe := a.parseErr(rd.cfg.cust.name); pe != nil {
			rd.fail = pe
			return pe
		}
	}
	return nil
}

// Summarize reads the rest of the input and summarizes it as the function
// Summarize would, with the same results bit for bit, but parsing in
// parallel on GOMAXPROCS goroutines and without materialising
// transactions. Customers are divided among 256 partitions by a hash of
// their ID, each small enough to stay in cache while its rows go through
// it, so that speed hardly depends on the order of the rows (grouped by
// customer, by time or none); each partition sees its customers' rows in
// input order, so the results do not depend on the row order's effect on
// partitioning, on the partitions or on GOMAXPROCS.
//
// Input whose customer IDs ascend (bytewise), each customer's rows
// together, as in a file sorted by customer, takes a faster path while it
// lasts: the worker that parsed a block adds up each customer's rows
// there, and the customers, already in ID order, need no hashing, table
// or sort. The first block that is not so (IDs out of order, a bad row,
// an amount a sum cannot hold) hands the customers so far to the
// partitions, and the rest is read through them; the results and errors
// are the same either way. With occasions by order (ByOrder) the path is
// not taken.
//
// Bad rows (including NaN or infinite amounts) and empty customer IDs are
// handled as Read handles them, and Stats counts them; a truncated or
// failing input is an error, as for Read. Amounts are exact as in
// Summarize; a plain decimal amount of at most 15 significant digits
// (or a quantity x price whose exact product has at most 15) is summed
// as written, which is the decimal its float64 converts back to. A
// customer whose exact sum would overflow (ErrOverflow, see Summarize)
// is a *ParseError at the row that overflows it,
// wrapping a *TransactionError that names the customer and wraps
// ErrOverflow; past 2^31-2 distinct customers (or order IDs) it returns
// an error wrapping ErrTooManyIDs. Summarize returns ErrEmptyInput when no transaction is at
// or before settings.AsOf. A nil settings means the zero SummarySettings.
// Summarize checks ctx between blocks of input and returns ctx.Err() when
// it is done.
//
// Memory is that of the partitions' Summarizers sharing the customers
// (see Summarizer: bounded by the customers and their distinct occasions,
// not by the rows), the result, plus a bounded amount for the rows: up to
// 2 million parsed rows waiting for their partitions (about 56 bytes each
// plus their customer and order IDs, some 150 MB) and the input in
// flight, 2*GOMAXPROCS+2 blocks of 512 KiB and their parsed rows (about 2
// MiB each), plus the longest record (at most
// ReadSettings.MaxRecordBytes). On the ascending path it is instead about
// 120 bytes per customer plus its ID and 4 bytes per purchase day (per
// day that differs from the customer's previous row's; a customer's days
// are deduplicated when they pile up), the result and the blocks in
// flight. The README gives measured bytes per customer.
func (rd *Reader) Summarize(ctx context.Context, settings *SummarySettings) ([]Summary, error) {
	return rd.summarizePartitioned(ctx, settings, nil)
}

// SummarizeEach summarizes the rest of the input as Summarize does and
// calls fn with the summaries, in Summarize's order, a batch of about
// 32,768 at a time, on the calling goroutine; fn must not keep the slice,
// which the next batch reuses. The first call comes once the whole input
// is read, so an error of the input (a bad row, a truncated file) comes
// before any summary, and Report is complete by then. It returns fn's
// first error, or Summarize's.
//
// For a caller that writes the summaries out: on the ascending path (IDs
// in ascending order, as in a file grouped and sorted by customer) the
// result is never held whole, which saves its 96 bytes per customer and
// the pass that fills it; otherwise memory is Summarize's.
func (rd *Reader) SummarizeEach(ctx context.Context, settings *SummarySettings, fn func([]Summary) error) error {
	_, err := rd.summarizePartitioned(ctx, settings, fn)
	return err
}

// ReadAll reads all remaining transactions, parsing in parallel on
// GOMAXPROCS goroutines; the result is the same as calling Read until
// io.EOF (nil for an input with no data rows). It returns the transactions
// read before an error together with that error; the Reader cannot
// continue after it, unlike Read. A truncated or failing input is an
// error, as for Read. ReadAll checks ctx between blocks of input and
// returns ctx.Err() when it is done. The transactions are gathered in
// segments (doubling from 256 to 32,768) and joined into the result once,
// on every core, so memory peaks at about twice the result (a Transaction
// is 120 bytes on 64-bit platforms, plus its strings, made once for each
// run of equal values within a block) rather than the three times of a
// slice grown by doubling.
func (rd *Reader) ReadAll(ctx context.Context) ([]Transaction, error) {
	var out parallel.Gather[Transaction]
	err := rd.eachChunk(ctx, rd.cfg.transactions, func(c *chunk) error {
		return rd.consume(c, func(lo, hi int) {
			out.Append(c.txs[lo:hi]...)
		})
	})
	return out.Slice(), err
}

// transactions makes c.txs, c's rows as transactions, on the worker that
// parsed the chunk (the reading goroutine then only hands them over):
// each string is made once for a run of equal values within the chunk.
func (cfg *parseConfig) transactions(c *chunk) {
	if n := len(c.rows); cap(c.txs) < n {
		// Transactions hold pointers: mapped first (see parallel.Make),
		// with room for the next blocks' rows, so that the slice is
		// rarely allocated again.
		c.txs = parallel.Make[Transaction](n + n/8 + 64)
	}
	c.txs = c.txs[:len(c.rows)]
	var strs txStrings
	for i := range c.rows {
		var x *rowExtra
		if cfg.extra {
			x = &c.exts[i]
		}
		c.txs[i] = strs.transaction(cfg, &c.rows[i], x)
	}
}

// errStopped ends eachChunk when the consumer of Stream stops early.
var errStopped = errors.New("cvm: stream stopped")

// Stream returns an iterator over the remaining transactions, parsed in
// parallel on GOMAXPROCS goroutines as ReadAll parses them and yielded in
// input order on the calling goroutine, without holding more than the
// blocks in flight: the same transactions as All, at ReadAll's speed. It
// stops at the end of the input, when the loop stops, or at the first
// error, which Err then returns (a truncated or failing input is an
// error, as for Read; ctx is checked between blocks). The Reader cannot
// continue after Stream.
func (rd *Reader) Stream(ctx context.Context) iter.Seq[Transaction] {
	return func(yield func(Transaction) bool) {
		err := rd.eachChunk(ctx, rd.cfg.transactions, func(c *chunk) error {
			stopped := false
			err := rd.consume(c, func(lo, hi int) {
				for i := lo; i < hi && !stopped; i++ {
					stopped = !yield(c.txs[i])
				}
			})
			if err == nil && stopped {
				err = errStopped
			}
			return err
		})
		if err != nil && err != errStopped {
			rd.err = err
		}
	}
}
