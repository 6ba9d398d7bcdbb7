package cvm

import (
	"bytes"
	"context"
	"fmt"
	"hash/maphash"
	"io"
	"runtime"
	"slices"
	"sync"
)

// chunkSize is the size of the blocks the parallel reader parses. It does
// not depend on GOMAXPROCS, and rows are aggregated in file order anyway, so
// results do not depend on the number of workers. Tests make it small.
var chunkSize = 1 << 20

// chunk is a block of whole records and, once parsed, its rows.
type chunk struct {
	data   []byte
	rows   []row
	errs   []rowErr
	lines  int // physical lines in data
	blank  int
	empty  int
	scr    []byte
	fields [][]byte
	hashes []uint64  // Summarize: hash of each row's customer ID
	emptyA []float64 // amounts of the rows with an empty customer ID (0 when bad)
	ioErr  error
	done   chan struct{}
}

// rowErr is a bad row found before rows[at].
type rowErr struct {
	at int
	pe *ParseError
}

// eachChunk reads the rest of the input in blocks of whole records, parses
// them on GOMAXPROCS workers and calls fn with each parsed chunk in input
// order, on the calling goroutine. Line numbers in the chunk's errors are
// relative to the chunk. It stops at the first error from fn or from
// reading; every goroutine it starts has ended when it returns.
//
// post, when not nil, runs on the worker after a chunk is parsed.
func (rd *Reader) eachChunk(ctx context.Context, post func(c *chunk), fn func(c *chunk) error) error {
	if rd.done {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// An input that fits in the first block is parsed here, without
	// goroutines.
	first := &chunk{done: make(chan struct{}, 1)}
	carry, eof, ioErr := rd.fill(first, nil)
	first.ioErr = ioErr
	if eof {
		rd.done = true
		rd.cfg.parseChunk(first, rd.limit)
		if post != nil {
			post(first)
		}
		err := fn(first)
		if err == nil {
			err = first.ioErr
		}
		return err
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
			var eof bool
			carry, eof, c.ioErr = rd.fill(c, carry)
			jobs <- c
			ordered <- c
			if eof || c.ioErr != nil {
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
			err = fn(c)
		}
		if err == nil && c.ioErr != nil {
			err = c.ioErr
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

// fill reads the next block into c: carry (the incomplete record left by
// the previous block) and then up to chunkSize bytes, cut after the last
// complete record. It returns the new carry and whether the input ended.
func (rd *Reader) fill(c *chunk, carry []byte) (rest []byte, eof bool, err error) {
	if want := len(carry) + chunkSize; cap(c.data) < want {
		c.data = make([]byte, 0, want)
	}
	c.data = append(c.data[:0], carry...)
	for {
		n, rerr := io.ReadFull(rd.br, c.data[len(c.data):cap(c.data)])
		c.data = c.data[:len(c.data)+n]
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			return nil, true, nil
		}
		if rerr != nil {
			return nil, true, fmt.Errorf("cvm: reading after line %d: %w", rd.line, rerr)
		}
		if cut := lastRecordEnd(c.data, rd.cfg.comma); cut > 0 {
			rest = append(carry[:0], c.data[cut:]...)
			c.data = c.data[:cut]
			return rest, false, nil
		}
		// One record longer than the buffer: grow it.
		c.data = slices.Grow(c.data, cap(c.data))
	}
}

// lastRecordEnd returns the offset just past the last line end that is not
// inside a quoted field, or 0 when there is none. data starts at a record
// boundary.
func lastRecordEnd(data []byte, comma byte) int {
	if comma == Whitespace || bytes.IndexByte(data, '"') < 0 {
		return bytes.LastIndexByte(data, '\n') + 1
	}
	// Follow the quoting rules of splitFields: a field is quoted when its
	// first non-space byte is a quote; "" inside it is a literal quote.
	last := -1
	atStart, inQuote := true, false
	for i := 0; i < len(data); i++ {
		b := data[i]
		if inQuote {
			if b == '"' {
				if i+1 < len(data) && data[i+1] == '"' {
					i++
				} else {
					inQuote = false
				}
			}
			continue
		}
		switch b {
		case '"':
			if atStart {
				inQuote = true
			}
			atStart = false
		case ' ':
		case '\n':
			last = i
			atStart = true
		default:
			atStart = b == comma
		}
	}
	return last + 1
}

// parseChunk parses every record of c.data into c.rows, recording bad rows
// in c.errs with chunk-relative line numbers.
func (cfg *parseConfig) parseChunk(c *chunk, limit int) {
	if want := len(c.data) / 24; cap(c.rows) < want {
		c.rows = make([]row, 0, want) // rows are rarely shorter than 24 bytes
	}
	c.rows, c.errs = c.rows[:0], c.errs[:0]
	c.lines, c.blank, c.empty = 0, 0, 0
	c.emptyA = c.emptyA[:0]
	c.scr = c.scr[:0]
	data := c.data
	var ok bool
	for pos := 0; pos < len(data); {
		var line []byte
		if nl := bytes.IndexByte(data[pos:], '\n'); nl >= 0 {
			line, pos = data[pos:pos+nl], pos+nl+1
		} else {
			line, pos = data[pos:], len(data)
		}
		c.lines++
		start := c.lines
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		if len(line) == 0 || (line[0] == ' ' || line[0] == '\t') && isBlank(line) {
			c.blank++
			continue
		}
		c.fields, c.scr, ok = splitFields(line, cfg.comma, c.fields[:0], c.scr, limit)
		if !ok {
			// A quoted field spans lines: join them (rare, so copied).
			joined := append([]byte(nil), line...)
			for !ok && pos < len(data) {
				var next []byte
				if nl := bytes.IndexByte(data[pos:], '\n'); nl >= 0 {
					next, pos = data[pos:pos+nl], pos+nl+1
				} else {
					next, pos = data[pos:], len(data)
				}
				c.lines++
				joined = append(append(joined, '\n'), trimEOL(next)...)
				c.fields, c.scr, ok = splitFields(joined, cfg.comma, c.fields[:0], c.scr, limit)
			}
			if !ok {
				c.errs = append(c.errs, rowErr{len(c.rows), &ParseError{Line: start, Err: ErrQuote}})
				continue
			}
		}
		c.rows = append(c.rows, row{})
		r := &c.rows[len(c.rows)-1]
		if pe := cfg.parseRow(c.fields, start, r); pe != nil {
			c.rows = c.rows[:len(c.rows)-1]
			if pe.Err == errEmpty {
				c.empty++
				c.emptyA = append(c.emptyA, r.amount)
				continue
			}
			c.errs = append(c.errs, rowErr{len(c.rows), pe})
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
		rd.stats.Transactions += e.at - prev
		prev = e.at
		e.pe.Line += base
		if !rd.badRow(e.pe) {
			rd.stats.Rows += e.at + k + 1 // empty-customer rows of the chunk are not counted here
			return e.pe
		}
	}
	add(prev, len(c.rows))
	rd.stats.Transactions += len(c.rows) - prev
	rd.stats.Rows += len(c.rows) + len(c.errs) + c.empty
	if rd.opts.Progress != nil {
		rd.opts.Progress(rd.stats.Rows)
	}
	return nil
}

// Summarize reads the rest of the input and summarizes it as the function
// Summarize would, with the same results bit for bit, but parsing in
// parallel on GOMAXPROCS goroutines and without materialising
// transactions. Customers are divided among GOMAXPROCS summarizers by a
// hash of their ID, and each sees its customers' rows in input order, so
// the results do not depend on GOMAXPROCS.
//
// Bad rows (including NaN or infinite amounts) and empty customer IDs are
// handled as Read handles them, and Stats counts them. Summarize returns
// ErrEmptyInput when no transaction is at or before settings.AsOf. A nil
// settings means the zero SummarySettings. Summarize checks ctx between
// blocks of input and returns ctx.Err() when it is done. Memory is that of the summaries plus a
// few blocks of input in flight, whatever the input size.
func (rd *Reader) Summarize(ctx context.Context, settings *SummarySettings) ([]Summary, error) {
	parts := make([]*Summarizer, runtime.GOMAXPROCS(0))
	seed := maphash.MakeSeed()
	for k := range parts {
		parts[k] = NewSummarizer(settings)
		parts[k].ids.seed = seed
	}
	np := uint32(len(parts))
	hashRows := func(c *chunk) {
		c.hashes = c.hashes[:0]
		for i := range c.rows {
			c.hashes = append(c.hashes, maphash.Bytes(seed, c.rows[i].cust))
		}
	}
	var runs [][2]int
	collect := func(lo, hi int) {
		if lo < hi {
			runs = append(runs, [2]int{lo, hi})
		}
	}
	err := rd.eachChunk(ctx, hashRows, func(c *chunk) error {
		runs = runs[:0]
		err := rd.consume(c, collect)
		if rd.done && np > 1 {
			// The whole input was one block, parsed without goroutines:
			// aggregate it the same way.
			parts, np = parts[:1], 1
		}
		if np == 1 {
			for _, r := range runs {
				for i := r[0]; i < r[1]; i++ {
					parts[0].addRow(&c.rows[i], c.hashes[i])
				}
			}
			return err
		}
		var wg sync.WaitGroup
		for k := range parts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s := parts[k]
				for _, r := range runs {
					for i := r[0]; i < r[1]; i++ {
						if h := c.hashes[i]; uint32(h>>32)%np == uint32(k) {
							s.addRow(&c.rows[i], h)
						}
					}
				}
			}()
		}
		wg.Wait()
		return err
	})
	if err != nil {
		return nil, err
	}
	sums := make([][]Summary, len(parts))
	var wg sync.WaitGroup
	for k := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sums[k] = parts[k].Summaries()
		}()
	}
	wg.Wait()
	out := mergeByCustomer(sums)
	if len(out) == 0 {
		return nil, ErrEmptyInput
	}
	return out, nil
}

// mergeByCustomer merges slices sorted by customer ID, with no customer in
// two of them, into one sorted slice.
func mergeByCustomer(parts [][]Summary) []Summary {
	for len(parts) > 1 {
		var next [][]Summary
		for k := 0; k < len(parts); k += 2 {
			if k+1 == len(parts) {
				next = append(next, parts[k])
				continue
			}
			a, b := parts[k], parts[k+1]
			m := make([]Summary, 0, len(a)+len(b))
			i, j := 0, 0
			for i < len(a) && j < len(b) {
				if a[i].Customer < b[j].Customer {
					m = append(m, a[i])
					i++
				} else {
					m = append(m, b[j])
					j++
				}
			}
			m = append(append(m, a[i:]...), b[j:]...)
			next = append(next, m)
		}
		parts = next
	}
	if len(parts) == 0 {
		return nil
	}
	return parts[0]
}

// ReadAll reads all remaining transactions, parsing in parallel on
// GOMAXPROCS goroutines; the result is the same as calling Read until
// io.EOF (nil for an input with no data rows). It returns the transactions
// read before an error together with that error; the Reader cannot
// continue after it, unlike Read. ReadAll checks ctx between blocks of
// input and returns ctx.Err() when it is done.
func (rd *Reader) ReadAll(ctx context.Context) ([]Transaction, error) {
	var out []Transaction
	err := rd.eachChunk(ctx, nil, func(c *chunk) error {
		return rd.consume(c, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				out = append(out, rd.transaction(&c.rows[i]))
			}
		})
	})
	return out, err
}
