package lifecycle

import (
	"fmt"
	"hash/maphash"
	"math"
	"math/bits"
	"sync"
	"sync/atomic"

	"github.com/cvmkit/cvm/internal/parallel"
)

// Partitioned grouping, for a stream not grouped by customer (time order,
// as most files come, or no order): the design of the root package's
// Reader.Summarize (partition.go there), after DuckDB's radix-partitioned
// hash aggregation (Kuiper, Boncz & Mühleisen 2024).
//
// The reading goroutine only validates rows and appends them to batches
// of pgBatchRows. Every pgFlushBatches batches go to a flusher goroutine,
// while reading goes on into fresh batches: the flusher hashes each
// batch's customer IDs and scatters its rows by the top pgBits bits of
// the hash into pgParts partitions (a counting sort, keeping stream order
// within a partition), then, the partitions spread over GOMAXPROCS
// goroutines, each partition interns its rows' IDs in its own table (a
// 256th of the customers: small enough to stay in cache while a flush's
// rows go through it, about one cache miss per row or fewer whatever the
// order, where one table for all customers costs about three dependent
// misses a row) and appends the rows' records under the customer's local
// index. At the end of the stream each partition, in parallel, sorts its
// records by customer (a stable counting sort) and replays its customers.
//
// Each customer lives in one partition and keeps its rows in stream
// order, so its replay is the one of a grouped stream, bit for bit. A
// customer's place in the results, the order of first appearance, is the
// rank of its first row among all customers' first rows: a bitmap of the
// rows that first name a customer, with prefix counts, gives it.

const (
	pgBits  = 8
	pgParts = 1 << pgBits
)

// The batch sizes and the limits; tests make them small.
var (
	pgBatchRows    = 1 << 16 // rows per batch
	pgFlushBatches = 8       // batches per flush

	// pgBatchMaxBytes bounds the bytes of a batch's customer IDs, whose
	// offsets are 32-bit: a batch that would pass it is handed over
	// early, and an ID longer than it is an error.
	pgBatchMaxBytes = math.MaxInt32
	// pgPartMaxLog bounds a partition's table at 1<<pgPartMaxLog slots,
	// so at 1<<(pgPartMaxLog-1) - 1 customers: a slot's home position
	// is taken from the 24 bits of its 32-bit tag below the partition
	// bits.
	pgPartMaxLog uint = 32 - pgBits
	// pgArenaMax bounds the bytes of a partition's customer IDs, whose
	// ends are 32-bit.
	pgArenaMax = math.MaxUint32
)

// pgPartMax returns the most customers a partition holds.
func pgPartMax() int { return 1<<(pgPartMaxLog-1) - 1 }

// pgRow is a row as read: customer, Unix seconds, amount.
type pgRow struct {
	name string
	t    int64
	amt  float64
}

// pgSorted is a row scattered to its partition: the ID's hash, the ID
// as bytes[off:off+n] of its batch, the row's index in the stream of kept
// rows, time and amount. It holds no pointer, so the garbage collector
// does not scan the batches.
type pgSorted struct {
	h      uint64
	seq    int64
	t      int64
	amt    float64
	off, n uint32
}

// pgRec is a row in its partition: time, amount and the customer's
// local index.
type pgRec struct {
	t   int64
	amt float64
	lid int32
}

// pgChunk is the number of rows in a chunk of a partition's rows.
const pgChunk = 4096

// pgBatch is a batch of rows in stream order, the first one row base of
// the kept rows; after scattering, partition p's rows are
// sorted[start[p]:start[p+1]].
type pgBatch struct {
	rows   []pgRow
	base   int64
	hs     []uint64
	sorted []pgSorted
	bytes  []byte // the IDs of sorted, in its order
	start  [pgParts + 1]int32
}

// pgPart is one partition: its customers in first-appearance order
// (within the partition) and the records of its rows.
type pgPart struct {
	slots []uint64  // tag<<32 | local index + 1; a power of two long, at most half full
	shift uint      // 64 - log2(len(slots))
	arena []byte    // the customers' IDs, back to back
	ends  []uint32  // arena end of customer i's ID
	first []int64   // the stream index of customer i's first row
	rows  [][]pgRec // the rows in stream order, in chunks of pgChunk
	n     int       // rows
	err   error     // a limit passed: the partition takes no more rows
}

// grouper gathers a stream through the partitions.
type grouper struct {
	seed    maphash.Seed
	parts   [pgParts]pgPart
	cur     *pgBatch
	bytes   int // the bytes of cur's IDs
	pending []*pgBatch
	rows    int64       // rows added
	batches int         // batches handed over
	failed  atomic.Bool // a partition passed a limit (its err says which)
	flushes chan []*pgBatch
	free    chan *pgBatch
	wg      sync.WaitGroup
	closed  bool
}

func newGrouper() *grouper {
	g := &grouper{seed: maphash.MakeSeed(), flushes: make(chan []*pgBatch, 1), free: make(chan *pgBatch, 2*pgFlushBatches+1)}
	g.wg.Add(1)
	go g.flusher()
	return g
}

// add appends one row. An ID longer than pgBatchMaxBytes is an error
// wrapping ErrTooLarge.
func (g *grouper) add(name string, t int64, amt float64) error {
	if g.cur != nil && g.bytes+len(name) > pgBatchMaxBytes {
		// The batch's ID offsets would overflow: hand it over as if full.
		g.push()
	}
	if len(name) > pgBatchMaxBytes {
		return fmt.Errorf("%w: customer ID of %d bytes, more than %d", ErrTooLarge, len(name), pgBatchMaxBytes)
	}
	if g.cur == nil {
		select {
		case g.cur = <-g.free:
			g.cur.rows = g.cur.rows[:0]
		default:
			g.cur = &pgBatch{rows: make([]pgRow, 0, pgBatchRows)}
		}
		g.cur.base = g.rows
		g.bytes = 0
	}
	g.cur.rows = append(g.cur.rows, pgRow{name, t, amt})
	g.bytes += len(name)
	g.rows++
	if len(g.cur.rows) == pgBatchRows {
		g.push()
	}
	return nil
}

// push queues the current batch, and hands a flush of them over.
func (g *grouper) push() {
	g.batches++
	g.pending = append(g.pending, g.cur)
	g.cur = nil
	if len(g.pending) == pgFlushBatches {
		g.flushes <- g.pending // waits while the flusher is busy with the previous flush
		g.pending = nil
	}
}

// err returns the first partition's error, in partition order, once the
// flusher is done.
func (g *grouper) err() error {
	if !g.failed.Load() {
		return nil
	}
	for p := range g.parts {
		if err := g.parts[p].err; err != nil {
			return err
		}
	}
	return nil
}

// close hands the last rows to the flusher and waits for it.
func (g *grouper) close() {
	if g.closed {
		return
	}
	g.closed = true
	if g.cur != nil {
		g.batches++
		g.pending = append(g.pending, g.cur)
		g.cur = nil
	}
	if len(g.pending) > 0 {
		g.flushes <- g.pending
		g.pending = nil
	}
	close(g.flushes)
	g.wg.Wait()
}

// flusher feeds the flushes to the partitions, one flush at a time.
func (g *grouper) flusher() {
	defer g.wg.Done()
	for batches := range g.flushes {
		parallel.Chunks(len(batches), 1, func(_, lo, hi int) {
			for _, b := range batches[lo:hi] {
				g.scatter(b)
			}
		})
		parallel.Chunks(pgParts, 4, func(_, lo, hi int) {
			for p := lo; p < hi; p++ {
				g.feed(p, batches)
			}
		})
		for _, b := range batches {
			select {
			case g.free <- b:
			default:
			}
		}
	}
}

// scatter hashes b's IDs and sorts its rows, with copies of their IDs,
// by partition, stably.
func (g *grouper) scatter(b *pgBatch) {
	n := len(b.rows)
	if cap(b.sorted) < n {
		b.sorted = make([]pgSorted, n)
	}
	b.sorted = b.sorted[:n]
	if cap(b.hs) < n {
		b.hs = make([]uint64, n)
	}
	hs := b.hs[:n]
	var count, bcount [pgParts]int32
	for i := range b.rows {
		h := maphash.String(g.seed, b.rows[i].name)
		hs[i] = h
		p := h >> (64 - pgBits)
		count[p]++
		bcount[p] += int32(len(b.rows[i].name))
	}
	pos, bpos := int32(0), int32(0)
	for p := range count {
		b.start[p] = pos
		pos, count[p] = pos+count[p], pos
		bpos, bcount[p] = bpos+bcount[p], bpos
	}
	b.start[pgParts] = pos
	if cap(b.bytes) < int(bpos) {
		b.bytes = make([]byte, bpos)
	}
	buf := b.bytes[:bpos]
	for i, h := range hs {
		p := h >> (64 - pgBits)
		r := &b.rows[i]
		off := bcount[p]
		bcount[p] += int32(copy(buf[off:], r.name))
		b.sorted[count[p]] = pgSorted{h: h, seq: b.base + int64(i), t: r.t, amt: r.amt, off: uint32(off), n: uint32(len(r.name))}
		count[p]++
	}
	b.bytes = buf
	clear(b.rows) // drop the references to the names
}

// feed adds partition p's rows of the batches, in order. Past a limit it
// records the error in the partition and stops.
func (g *grouper) feed(p int, batches []*pgBatch) {
	pt := &g.parts[p]
	if pt.err != nil {
		return
	}
	for _, b := range batches {
		for i := b.start[p]; i < b.start[p+1]; i++ {
			r := &b.sorted[i]
			id, ok := pt.intern(r.h, b.bytes[r.off:r.off+r.n], r.seq)
			if !ok {
				g.failed.Store(true)
				return
			}
			k := len(pt.rows) - 1
			if k < 0 || len(pt.rows[k]) == pgChunk {
				pt.rows = append(pt.rows, make([]pgRec, 0, pgChunk))
				k++
			}
			pt.rows[k] = append(pt.rows[k], pgRec{r.t, r.amt, id})
			pt.n++
		}
	}
}

// intern returns the local index of the customer whose ID is name, with
// hash h, adding it as first seen at stream row seq. A new customer
// beyond the partition's limits sets pt.err, and intern reports false.
func (pt *pgPart) intern(h uint64, name []byte, seq int64) (int32, bool) {
	if pt.slots == nil {
		pt.slots, pt.shift = make([]uint64, 1<<8), 64-8
	}
	tag := h >> 32
	mask := uint64(len(pt.slots) - 1)
	// The partition is the top bits of the hash; the home slot takes the
	// bits below them.
	for i := (h << pgBits) >> pt.shift; ; i = (i + 1) & mask {
		s := pt.slots[i]
		if s == 0 {
			if len(pt.ends) >= pgPartMax() || len(pt.arena)+len(name) > pgArenaMax {
				pt.err = fmt.Errorf("%w: customer %q is one more than a partition holds (%d customers, %d bytes of IDs; a stream not grouped by customer goes through %d partitions by customer hash)",
					ErrTooLarge, name, pgPartMax(), pgArenaMax, pgParts)
				return 0, false
			}
			id := int32(len(pt.ends))
			pt.arena = append(pt.arena, name...)
			pt.ends = append(pt.ends, uint32(len(pt.arena)))
			pt.first = append(pt.first, seq)
			pt.slots[i] = tag<<32 | uint64(id+1)
			if 2*len(pt.ends) > len(pt.slots) {
				pt.grow()
			}
			return id, true
		}
		if s>>32 == tag {
			j := int32(uint32(s)) - 1
			lo := uint32(0)
			if j > 0 {
				lo = pt.ends[j-1]
			}
			if string(pt.arena[lo:pt.ends[j]]) == string(name) {
				return j, true
			}
		}
	}
}

// grow doubles the partition's table; a slot's tag, the hash's top 32
// bits, places it. intern's limit keeps the table within
// 1<<pgPartMaxLog slots.
func (pt *pgPart) grow() {
	pt.slots, pt.shift = growSlots(pt.slots, pt.shift, pgBits)
}

// results orders the customers by first appearance and replays every
// partition's customers into the results, the partitions in parallel.
func (g *grouper) results(c *classifier) []Result {
	n := 0
	for p := range g.parts {
		n += len(g.parts[p].ends)
	}
	// rank[k]: the customers first named before row 64k; firsts: the bitmap.
	words := (g.rows + 63) / 64
	firsts := make([]uint64, words)
	for p := range g.parts {
		for _, f := range g.parts[p].first {
			firsts[f>>6] |= 1 << (f & 63)
		}
	}
	rank := make([]int32, words)
	cum := int32(0)
	for k, w := range firsts {
		rank[k] = cum
		cum += int32(bits.OnesCount64(w))
	}
	out := make([]Result, n)
	if c.clk == nil {
		c.clk = newClock(c.tick, c.asOf)
	}
	arenas := make([][]Transition, parallel.Workers())
	bufs := make([][]rec, parallel.Workers())
	parallel.Chunks(pgParts, 1, func(w, lo, hi int) {
		for p := lo; p < hi; p++ {
			if c.ctx.Err() != nil {
				return
			}
			pt := &g.parts[p]
			var byCust [][]rec
			byCust, bufs[w] = pt.sortByCustomer(bufs[w])
			// The IDs as strings, one allocation for the partition.
			names := string(pt.arena)
			lo := uint32(0)
			for j, f := range pt.first {
				res := &out[rank[f>>6]+int32(bits.OnesCount64(firsts[f>>6]&(1<<(f&63)-1)))]
				res.Customer = names[lo:pt.ends[j]]
				lo = pt.ends[j]
				arenas[w] = c.replay(byCust[j], arenas[w], &res.State, &res.Pattern, &res.History)
			}
			c.prog.add(len(pt.first))
			*pt = pgPart{}
		}
	})
	return out
}

// sortByCustomer returns each customer's records in stream order (a
// stable counting sort of the partition's rows into buf, grown as
// needed) and buf, and drops the rows.
func (pt *pgPart) sortByCustomer(buf []rec) ([][]rec, []rec) {
	nc := len(pt.ends)
	next := make([]int32, nc)
	for _, ch := range pt.rows {
		for i := range ch {
			next[ch[i].lid]++
		}
	}
	pos := int32(0)
	for j, k := range next {
		next[j], pos = pos, pos+k
	}
	if cap(buf) < pt.n {
		buf = make([]rec, pt.n)
	}
	all := buf[:pt.n]
	for _, ch := range pt.rows {
		for i := range ch {
			r := &ch[i]
			all[next[r.lid]] = rec{r.t, r.amt}
			next[r.lid]++
		}
	}
	byCust := make([][]rec, nc)
	lo := int32(0)
	for j := range nc {
		// next[j] is now the end of customer j's records.
		byCust[j] = all[lo:next[j]:next[j]]
		lo = next[j]
	}
	pt.rows, pt.slots = nil, nil
	return byCust, buf
}
