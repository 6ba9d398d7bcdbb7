package cvm

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"slices"
	"strconv"
	"sync"

	"github.com/cvmkit/cvm/internal/parallel"
)

// Radix-partitioned aggregation, the design of DuckDB's hash aggregate
// (Kuiper, Boncz & Mühleisen 2024, "Robust External Hash Aggregation in
// the Analytical Database DuckDB"), for Reader.Summarize.
//
// A worker that has parsed a block hashes each row's customer ID and
// scatters the rows, with copies of their IDs, into partBits-bit
// partitions by the top bits of the hash, keeping input order within a
// partition (a counting sort). The reader collects blocks until they hold
// flushRows rows, then each partition's rows, block by block, go into that
// partition's own Summarizer, the partitions spread over GOMAXPROCS
// goroutines. A partition's ID table and accumulators hold about
// 1/partitions of the customers (4k of a million: some 500 KB), so they
// stay in cache while its rows of a flush (some 8k) go through them: about
// one cache miss per row or fewer whatever the row order, where one table
// for all customers costs several dependent misses per row when rows of a
// customer do not follow each other. Between flushes the other partitions
// evict them, so each partition reads its tables in address order (which
// the hardware prefetches) before its rows look customers up, and a batch,
// reused a flush later, is cleared in address order before rows scatter
// over it.
//
// Each customer lives in one partition and sees its rows in input order,
// so every figure is what one Summarizer fed the whole stream computes,
// bit for bit, whatever the seed, the partitions and GOMAXPROCS.
//
// Input whose customer IDs ascend takes a path without partitions while
// it lasts (ascending.go).
//
// Finishing is parallel too: each partition sorts its occasion pairs
// (radix) on its own; customers are then ordered by ID with a radix sort
// on 8-byte prefixes of their IDs (ties, IDs that share 8 bytes, sorted
// on their next 8 bytes the same way), and the summaries are filled in
// parallel.

const (
	partBits = 8
	nParts   = 1 << partBits
)

// warmMax is the most bytes of customer tables a partition reads ahead
// of a flush's rows (see partitioner.feed).
const warmMax = 8 << 20

// partitionSeed returns the seed of the partitions' hash; tests that
// compare errors which depend on it (ErrTooManyIDs with few IDs allowed)
// fix it.
var partitionSeed = maphash.MakeSeed

// rowByRow turns the ascending path off; tests compare the two paths.
var rowByRow = false

// flushRows is how many parsed rows the reader collects before it feeds
// them to the partitions; it bounds the rows in memory (about 56 bytes
// each plus their IDs). Tests make it small.
var flushRows = 1 << 21

// prow is a parsed row in a partition batch; its customer ID is
// bytes[cust:cust+clen] of the batch, its order ID bytes[ord:ord+olen].
type prow struct {
	h          uint64
	sec        int64
	amount     float64
	dec        uint64 // packed exact decimal of amount, 0 for none
	nsec       int32
	at         int32 // index of the row in its block's rows
	line       int32 // line, relative to the block
	cust, clen uint32
	ord, olen  uint32
}

// pbatch is one block's good rows, partitioned: partition p's rows are
// rows[start[p]:start[p+1]], in input order.
type pbatch struct {
	rows  []prow
	start [nParts + 1]int32
	bytes []byte
	base  int // line of the reader before the block
	limit int // rows at or after this index in the block were not accepted
}

// partitioner turns parsed blocks into batches and feeds them to the
// partitions' Summarizers.
type partitioner struct {
	seed     maphash.Seed
	settings *SummarySettings
	clock    *Summarizer // the settings' clock and days, for the ascending path
	asc      ascending
	parts    [nParts]*Summarizer
	failed   [nParts]partFailure
	pending  []*pbatch
	rows     int
	mu       sync.Mutex
	free     []*pbatch
	warmth   [nParts]uint64 // the sums of the partitions' last warm reads, kept so that the reads stay
}

// partFailure is the first row a partition could not add: the pending
// batch it is in, its index in its block, its line (base plus line) and
// amount, and the error.
type partFailure struct {
	batch, at int
	line      int32
	amount    float64
	base      int
	err       error
}

func (pt *partitioner) get() *pbatch {
	pt.mu.Lock()
	defer pt.mu.Unlock()
	if n := len(pt.free); n > 0 {
		b := pt.free[n-1]
		pt.free = pt.free[:n-1]
		return b
	}
	return &pbatch{}
}

// partition accumulates c's rows for the ascending path while it holds
// (c.ascOK), else scatters them into a batch, c.part. It runs on the
// worker that parsed c.
func (pt *partitioner) partition(c *chunk) {
	if c.ascOK = pt.asc.on.Load() && pt.accumulate(c); c.ascOK {
		return
	}
	pt.scatter(c)
}

// scatter scatters c's rows into a batch, c.part.
func (pt *partitioner) scatter(c *chunk) {
	b := pt.get()
	c.part = b
	n := len(c.rows)
	hs := slices.Grow(c.hashes[:0], n)[:n]
	c.hashes = hs
	// Counting sort by partition, of the rows and, so that a partition's
	// IDs lie together too, of their bytes.
	var count, bcount [nParts]int32
	for i := range c.rows {
		r := &c.rows[i]
		h := maphash.Bytes(pt.seed, r.cust)
		hs[i] = h
		p := h >> (64 - partBits)
		count[p]++
		bcount[p] += int32(len(r.cust) + len(r.order))
	}
	pos, bpos := int32(0), int32(0)
	for p := range count {
		b.start[p] = pos
		pos, count[p] = pos+count[p], pos
		bpos, bcount[p] = bpos+bcount[p], bpos
	}
	b.start[nParts] = pos
	// Batches are reused for blocks of other sizes: room for the most
	// rows the block's rows could hold, and for a quarter more ID bytes,
	// so that a batch is seldom allocated again.
	if cap(b.rows) < n {
		b.rows = make([]prow, max(n, cap(c.rows)))
	}
	b.rows = b.rows[:n]
	if cap(b.bytes) < int(bpos) {
		b.bytes = make([]byte, int(bpos)+int(bpos)/4)
	}
	buf := b.bytes[:bpos]
	// The batch was last written a flush ago, so its memory is out of
	// cache: clearing it in address order, which the hardware prefetches,
	// brings it in before the rows scatter over it by partition (about
	// 256 streams a block, each store otherwise waiting on memory).
	clear(b.rows)
	clear(buf)
	for i := range c.rows {
		r := &c.rows[i]
		h := hs[i]
		p := h >> (64 - partBits)
		k := count[p]
		count[p]++
		cust := uint32(bcount[p])
		ord := cust + uint32(copy(buf[cust:], r.cust))
		bcount[p] = int32(ord) + int32(copy(buf[ord:], r.order))
		b.rows[k] = prow{h: h, sec: r.sec, amount: r.amount, dec: r.dec, nsec: r.nsec, at: int32(i), line: r.line,
			cust: cust, clen: uint32(len(r.cust)), ord: ord, olen: uint32(len(r.order))}
	}
	b.bytes = buf
}

// add queues c's batch, of which the first limit rows were accepted, and
// feeds the queue to the partitions once it holds flushRows rows or when
// last. It returns the first row, in input order, that a partition could
// not add.
func (pt *partitioner) add(c *chunk, base, limit int, last bool) *partFailure {
	if pt.asc.mode {
		if c.ascOK && limit == len(c.rows) {
			ok, f := pt.appendAscending(c, base)
			if ok || f != nil {
				return f
			}
		}
		if f := pt.leaveAscending(); f != nil {
			return f
		}
	}
	if c.part == nil { // accumulated for the ascending path, which has ended
		pt.scatter(c)
	}
	b := c.part
	c.part = nil
	b.base, b.limit = base, limit
	pt.pending = append(pt.pending, b)
	pt.rows += limit
	if pt.rows < flushRows && !last {
		return nil
	}
	return pt.flush()
}

// flush feeds the queued batches to the partitions.
func (pt *partitioner) flush() *partFailure {
	pending := pt.pending
	if len(pending) == 0 {
		return nil
	}
	parallel.Chunks(nParts, 4, func(_, lo, hi int) {
		for p := lo; p < hi; p++ {
			pt.feed(p, pending)
		}
	})
	var first *partFailure
	for p := range pt.failed {
		f := &pt.failed[p]
		if f.err != nil && (first == nil || f.batch < first.batch || f.batch == first.batch && f.at < first.at) {
			first = f
		}
	}
	pt.mu.Lock()
	pt.free = append(pt.free, pending...)
	pt.mu.Unlock()
	clear(pt.pending)
	pt.pending, pt.rows = pt.pending[:0], 0
	return first
}

// feed adds partition p's rows of the batches, in order.
func (pt *partitioner) feed(p int, batches []*pbatch) {
	if pt.failed[p].err != nil {
		return
	}
	s := pt.parts[p]
	if s != nil {
		rows := 0
		for _, b := range batches {
			rows += int(b.start[p+1] - b.start[p])
		}
		// Worth it while the tables are cheaper to stream in than the
		// rows' misses they save (some 1 KiB of tables a row), and small
		// enough to stay in cache; with many customers a partition
		// (past some 16 million in all) the rows go as they come.
		if n := s.tableBytes(); n <= rows<<10 && n <= warmMax {
			pt.warmth[p] = s.warm()
		}
	}
	for k, b := range batches {
		rows := b.rows[b.start[p]:b.start[p+1]]
		if len(rows) == 0 {
			continue
		}
		if s == nil {
			s = newPartSummarizer(pt.settings, pt.seed)
			pt.parts[p] = s
		}
		for i := range rows {
			r := &rows[i]
			if int(r.at) >= b.limit {
				break // rows of a partition are in input order
			}
			cust := b.bytes[r.cust : r.cust+r.clen]
			order := b.bytes[r.ord : r.ord+r.olen]
			if err := s.addParsed(cust, r.h, r.sec, r.nsec, r.amount, r.dec, order); err != nil {
				pt.failed[p] = partFailure{batch: k, at: int(r.at), line: r.line, amount: r.amount, base: b.base, err: err}
				return
			}
		}
	}
}

// newPartSummarizer returns a Summarizer for one partition: small to
// start with, and compacting its occasion pairs at a partition's share of
// compactMin.
func newPartSummarizer(settings *SummarySettings, seed maphash.Seed) *Summarizer {
	s := NewSummarizer(settings)
	s.ids.seed = seed
	s.compactAt = max(compactMin/nParts, 1<<12)
	return s
}

// summarize reads the rest of rd through the partitions.
func (rd *Reader) summarizePartitioned(ctx context.Context, settings *SummarySettings, each func([]Summary) error) ([]Summary, error) {
	pt := &partitioner{seed: partitionSeed(), settings: settings}
	if settings == nil || settings.Occasions != ByOrder {
		pt.clock = NewSummarizer(settings)
		pt.asc.mode = !rowByRow
		pt.asc.on.Store(pt.asc.mode)
	}
	overflow := func(f *partFailure) error {
		col, val := rd.cfg.amt.name, strconv.FormatFloat(f.amount, 'g', -1, 64)
		if rd.cfg.amt.idx < 0 {
			col = rd.cfg.qty.name
		}
		if te, ok := f.err.(*TransactionError); ok && errors.Is(te, ErrTooManyIDs) {
			col, val = rd.cfg.cust.name, te.Customer
			if te.Field == "order" {
				col = rd.cfg.order.name
			}
		}
		return &ParseError{Line: f.base + int(f.line), Column: col, Value: val, Err: f.err}
	}
	limit := 0
	collect := func(lo, hi int) { limit = max(limit, hi) }
	err := rd.eachChunk(ctx, pt.partition, func(c *chunk) error {
		base := rd.line
		limit = 0
		err := rd.consume(c, collect)
		// The first row that overflowed, in input order, comes before
		// any bad row consume stopped at.
		if f := pt.add(c, base, limit, err != nil || rd.done); f != nil {
			return overflow(f)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if f := pt.flush(); f != nil {
		return nil, overflow(f)
	}
	if pt.asc.mode {
		if pt.asc.n <= maxIDs {
			if pt.asc.n == 0 {
				return nil, ErrEmptyInput
			}
			if each != nil {
				return nil, pt.eachAscending(each)
			}
			return pt.ascendingSummaries(), nil
		}
		// More customers than a partition holds: the partitions say
		// which row is the first too many.
		if f := pt.leaveAscending(); f != nil {
			return nil, overflow(f)
		}
	}
	pt.free = nil // the batches' memory is free for the summaries
	if n := pt.customers(); n > maxIDs {
		// Each partition holds at most maxIDs; together they may not either.
		return nil, fmt.Errorf("cvm: %d customers: %w", n, ErrTooManyIDs)
	}
	out := pt.summaries()
	if len(out) == 0 {
		return nil, ErrEmptyInput
	}
	if each != nil {
		for lo := 0; lo < len(out); lo += summaryBatch {
			if err := each(out[lo:min(lo+summaryBatch, len(out))]); err != nil {
				return nil, err
			}
		}
		return nil, nil
	}
	return out, nil
}

// customers returns the number of customers in the partitions.
func (pt *partitioner) customers() int {
	n := 0
	for _, s := range pt.parts {
		if s != nil {
			n += s.ids.len()
		}
	}
	return n
}

// idRef is a customer in the global order: the 8 bytes of its ID from
// the depth being sorted on, big-endian and zero-padded, and its global
// index (partition offset plus index in the partition).
type idRef struct {
	key uint64
	g   uint32
}

// summaries finishes the partitions: their occasion pairs in parallel,
// then one sort of all customers by ID, then the summaries in parallel.
func (pt *partitioner) summaries() []Summary {
	var offset [nParts + 1]int
	for p, s := range pt.parts {
		n := 0
		if s != nil {
			n = s.ids.len()
		}
		offset[p+1] = offset[p] + n
	}
	n := offset[nParts]
	occ := make([][]int32, nParts)
	all := make([]string, nParts)
	refs := make([]idRef, n)
	parallel.Chunks(nParts, 4, func(_, lo, hi int) {
		for p := lo; p < hi; p++ {
			s := pt.parts[p]
			if s == nil {
				continue
			}
			occ[p] = s.occasions()
			all[p] = string(s.ids.arena)
			for i := range s.ids.len() {
				g := offset[p] + i
				refs[g] = idRef{key: idKey(s.ids.id(int32(i)), 0), g: uint32(g)}
			}
		}
	})
	where := func(g uint32) (int, int32) {
		lo, hi := 0, nParts
		for lo < hi {
			m := (lo + hi) / 2
			if offset[m+1] <= int(g) {
				lo = m + 1
			} else {
				hi = m
			}
		}
		return lo, int32(int(g) - offset[lo])
	}
	id := func(g uint32) []byte {
		p, i := where(g)
		return pt.parts[p].ids.id(i)
	}
	sortRefs(refs, make([]idRef, n), 0, id)
	// Fill in partition order, reading each partition's tables in order,
	// each summary written at its customer's place in the ID order.
	inv := make([]uint32, n) // global index -> position in the ID order
	parallel.For(n, 1<<14, func(lo, hi int) {
		for k := lo; k < hi; k++ {
			inv[refs[k].g] = uint32(k)
		}
	})
	// Written out of order while the collector may scan it: mapped first
	// (see parallel.Make).
	out := parallel.Make[Summary](n)
	parallel.Chunks(nParts, 4, func(_, lo, hi int) {
		for p := lo; p < hi; p++ {
			s := pt.parts[p]
			if s == nil {
				continue
			}
			o, a, pos := occ[p], all[p], inv[offset[p]:offset[p+1]]
			for i, k := range pos {
				s.summary(&out[k], int32(i), o, a)
			}
		}
	})
	return out
}

// idKey returns the 8 bytes of id from depth on, big-endian, zero-padded.
func idKey(id []byte, depth int) uint64 {
	if len(id) >= depth+8 {
		return binary.BigEndian.Uint64(id[depth:])
	}
	var b [8]byte
	if depth < len(id) {
		copy(b[:], id[depth:])
	}
	return binary.BigEndian.Uint64(b[:])
}

// sortRefs sorts refs, whose keys are the bytes of their IDs from depth
// on, by ID (bytewise), with tmp as scratch of the same length: an LSD
// radix sort on the keys' bytes (skipping bytes all keys share), then the
// same on the next 8 bytes for each run of equal keys whose IDs go on.
func sortRefs(refs, tmp []idRef, depth int, id func(uint32) []byte) {
	if len(refs) <= 48 {
		slices.SortFunc(refs, func(a, b idRef) int { return bytes.Compare(id(a.g), id(b.g)) })
		return
	}
	src, dst := refs, tmp
	var count [256]int
	for shift := 0; shift < 64; shift += 8 {
		clear(count[:])
		for _, r := range src {
			count[byte(r.key>>shift)]++
		}
		if count[byte(src[0].key>>shift)] == len(src) {
			continue
		}
		pos := 0
		for d, c := range count {
			count[d] = pos
			pos += c
		}
		for _, r := range src {
			d := byte(r.key >> shift)
			dst[count[d]] = r
			count[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &refs[0] {
		copy(refs, src)
	}
	for i := 0; i < len(refs); {
		j := i + 1
		for j < len(refs) && refs[j].key == refs[i].key {
			j++
		}
		if j-i > 1 {
			run := refs[i:j]
			longer := false
			for k := range run {
				b := id(run[k].g)
				longer = longer || len(b) > depth+8
				run[k].key = idKey(b, depth+8)
			}
			if longer {
				sortRefs(run, tmp[i:j], depth+8, id)
			} else {
				slices.SortFunc(run, func(a, b idRef) int { return bytes.Compare(id(a.g), id(b.g)) })
			}
		}
		i = j
	}
}
