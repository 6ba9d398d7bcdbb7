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
// goroutines, appends each partition's rows to it: time and amount, the
// ID's bytes, and the row's place in its batch. Nothing is looked up
// while the stream is read: in time order a customer comes back about
// once in all its rows' flushes, so a table looked up then would cost a
// few cache misses a row however it is partitioned.
//
// At the end of the stream each partition, in parallel, interns its rows'
// IDs in its own table (a 256th of the customers, which stays in cache
// while the partition's rows stream through it), which gives each
// customer's first row; then, in parallel again, each partition sorts
// its records by customer (a stable counting sort) and replays its
// customers.
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
	pgBatchRows    = 1 << 16 // rows per batch (at most 1<<32: pgSorted.idx)
	pgFlushBatches = 8       // batches per flush
	pgChunkRows    = 4096    // rows per chunk of a partition's rows

	// pgBatchMaxBytes bounds the bytes of a batch's customer IDs, whose
	// offsets are 32-bit: a batch that would pass it is handed over
	// early, and an ID longer than it is an error.
	pgBatchMaxBytes = math.MaxInt32
	// pgPartMaxLog bounds a partition's table at 1<<pgPartMaxLog slots,
	// so at 1<<(pgPartMaxLog-1) - 1 customers: a slot's home position
	// is taken from the 24 bits of its 32-bit tag below the partition
	// bits.
	pgPartMaxLog uint = 32 - pgBits
	// pgArenaMax bounds the bytes of the rows' IDs in a chunk of a
	// partition, whose ends are 32-bit (and by the largest int on a
	// 32-bit platform).
	pgArenaMax = min(math.MaxUint32, math.MaxInt)
)

// pgPartMax returns the most customers a partition holds.
func pgPartMax() int { return 1<<(pgPartMaxLog-1) - 1 }

// pgRow is a row as read: customer, Unix seconds, amount.
type pgRow struct {
	name string
	t    int64
	amt  float64
}

// pgSorted is a row scattered to its partition: time, amount, the end of
// its ID in its batch's bytes (the ID begins where the previous row's of
// the partition ends) and its index in its batch. It holds no pointer,
// so the garbage collector does not scan the batches.
type pgSorted struct {
	t   int64
	amt float64
	end uint32
	idx uint32
}

// pgChunk is a chunk of a partition's rows, in stream order: records,
// their IDs back to back (at most pgArenaMax bytes: a chunk is full at
// pgChunkRows rows or when the next row's ID would pass them) and their
// meta.
type pgChunk struct {
	n    int
	recs []rec    // pgChunkRows long
	meta []pgMeta // pgChunkRows long
	ids  []byte
}

// pgMeta is a row's ID end in its chunk's ids, its index in its batch and
// its ID's hash's top 32 bits (all intern needs of the hash: the partition
// is some of them); once the partition is interned, end is the row's
// customer.
type pgMeta struct{ end, idx, tag uint32 }

// pgSeg says that a partition's rows from row on came from the batch whose
// first row is base in the stream.
type pgSeg struct {
	row  int
	base int64
}

// pgBatch is a batch of rows in stream order, the first one row base of
// the kept rows; after scattering, partition p's rows are
// sorted[start[p]:start[p+1]] and their IDs bytes[bstart[p]:bstart[p+1]].
type pgBatch struct {
	rows   []pgRow
	base   int64
	hs     []uint64 // the rows' ID hashes
	sorted []pgSorted
	tags   []uint32 // the top 32 bits of sorted's ID hashes, in its order
	bytes  []byte   // the IDs of sorted, in its order
	start  [pgParts + 1]int32
	bstart [pgParts + 1]int32
}

// pgPart is one partition. While the stream is read it gathers its rows
// (chunks, ids, segs); at the end its table (slots, arena, ends) interns
// them, giving its customers in first-appearance order (within the
// partition), each row's customer (lids) and each customer's rows
// (counts).
type pgPart struct {
	chunks []*pgChunk
	segs   []pgSeg // where each batch's rows begin
	n      int     // rows

	slots  []uint64 // tag<<32 | local index + 1; a power of two long, at most half full
	shift  uint     // 64 - log2(len(slots))
	arena  []byte   // the customers' IDs, back to back
	ends   []uint32 // arena end of customer i's ID
	first  []int64  // the stream index of customer i's first row
	counts []int32  // customer i's rows

	err error // a limit passed: the partition takes no more rows
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
	g := &grouper{seed: maphash.MakeSeed(), flushes: make(chan []*pgBatch), free: make(chan *pgBatch, 2*pgFlushBatches+1)}
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
		g.flushes <- g.pending // waits while the flusher is busy with the previous flush (unbuffered: at most two flushes of batches in use, and the one filling)
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
	if cap(b.tags) < n {
		b.tags = make([]uint32, n)
	}
	tags := b.tags[:n]
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
		b.start[p], b.bstart[p] = pos, bpos
		pos, count[p] = pos+count[p], pos
		bpos, bcount[p] = bpos+bcount[p], bpos
	}
	b.start[pgParts], b.bstart[pgParts] = pos, bpos
	if cap(b.bytes) < int(bpos) {
		b.bytes = make([]byte, bpos)
	}
	buf := b.bytes[:bpos]
	for i, h := range hs {
		p := h >> (64 - pgBits)
		r := &b.rows[i]
		end := bcount[p] + int32(copy(buf[bcount[p]:], r.name))
		bcount[p] = end
		b.sorted[count[p]] = pgSorted{t: r.t, amt: r.amt, end: uint32(end), idx: uint32(i)}
		tags[count[p]] = uint32(h >> 32)
		count[p]++
	}
	b.bytes = buf
	clear(b.rows) // drop the references to the names
}

// feed appends partition p's rows of the batches, in order. An ID longer
// than pgArenaMax is an error recorded in the partition, after which feed
// does nothing.
func (g *grouper) feed(p int, batches []*pgBatch) {
	pt := &g.parts[p]
	if pt.err != nil {
		return
	}
	for _, b := range batches {
		lo, hi := b.start[p], b.start[p+1]
		if lo == hi {
			continue
		}
		pt.segs = append(pt.segs, pgSeg{row: pt.n, base: b.base})
		from := uint32(b.bstart[p]) // where row i's ID begins in b.bytes
		for i := int(lo); i < int(hi); {
			k := len(pt.chunks) - 1
			if k < 0 || pt.chunks[k].n == pgChunkRows {
				pt.chunks = append(pt.chunks, g.newChunk(b, p))
				k++
			}
			ch := pt.chunks[k]
			m := min(int(hi)-i, pgChunkRows-ch.n)
			for m > 0 && len(ch.ids)+int(b.sorted[i+m-1].end-from) > pgArenaMax {
				m-- // (rare: only IDs of hundreds of kilobytes come near)
			}
			if m == 0 {
				if ch.n == 0 {
					pt.err = fmt.Errorf("%w: customer ID of %d bytes, more than %d", ErrTooLarge, b.sorted[i].end-from, pgArenaMax)
					g.failed.Store(true)
					return
				}
				pt.chunks = append(pt.chunks, g.newChunk(b, p))
				continue
			}
			to := b.sorted[i+m-1].end
			// Row r's ID ends at its end in the batch less from, plus the
			// chunk's IDs before.
			shift := uint32(len(ch.ids)) - from
			ch.ids = append(ch.ids, b.bytes[from:to]...)
			tags := b.tags[i : i+m] // (read in order: b.hs is in the batch's)
			for j, r := range b.sorted[i : i+m] {
				ch.recs[ch.n+j] = rec{r.t, r.amt}
				ch.meta[ch.n+j] = pgMeta{r.end + shift, r.idx, tags[j]}
			}
			ch.n += m
			pt.n += m
			i += m
			from = to
		}
	}
}

// newChunk returns an empty chunk with room for the IDs of pgChunkRows
// rows as long on average as partition p's in b.
func (g *grouper) newChunk(b *pgBatch, p int) *pgChunk {
	avg := float64(b.bstart[p+1]-b.bstart[p]) / float64(b.start[p+1]-b.start[p])
	room := int(min(float64(pgArenaMax), 1.125*avg*float64(pgChunkRows)+64))
	return &pgChunk{recs: make([]rec, pgChunkRows), meta: make([]pgMeta, pgChunkRows), ids: make([]byte, 0, room)}
}

// index interns the partition's rows' IDs: it fills the customers (arena,
// ends, first) and each customer's count, sets each row's meta.end to its
// customer, and drops the rows' IDs. Past a limit it returns an error.
func (pt *pgPart) index() error {
	row, seg := 0, 0
	for _, ch := range pt.chunks {
		lo := uint32(0)
		for j := range ch.n {
			for seg+1 < len(pt.segs) && pt.segs[seg+1].row <= row {
				seg++
			}
			m := &ch.meta[j]
			name := ch.ids[lo:m.end]
			lo = m.end
			id, ok := pt.intern(uint64(m.tag)<<32, name, pt.segs[seg].base+int64(m.idx))
			if !ok {
				return pt.err
			}
			m.end = uint32(id)
			pt.counts[id]++
			row++
		}
		ch.ids = nil
	}
	pt.segs, pt.slots = nil, nil
	return nil
}

// intern returns the local index of the customer whose ID is name, with
// hash h (only its top 32 bits are read), adding it as first seen at
// stream row seq. A new customer
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
			// (The customers' IDs are some of the rows', which feed
			// kept within pgArenaMax bytes.)
			if len(pt.ends) >= pgPartMax() {
				pt.err = fmt.Errorf("%w: customer %q is one more than the %d customers a partition holds (a stream not grouped by customer goes through %d partitions by customer hash)",
					ErrTooLarge, name, pgPartMax(), pgParts)
				return 0, false
			}
			id := int32(len(pt.ends))
			pt.arena = append(pt.arena, name...)
			pt.ends = append(pt.ends, uint32(len(pt.arena)))
			pt.first = append(pt.first, seq)
			pt.counts = append(pt.counts, 0)
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

// results interns every partition's IDs, orders the customers by first
// appearance and replays every partition's customers into the results,
// the partitions in parallel. A partition past a limit is an error
// wrapping ErrTooLarge (the first such partition's).
func (g *grouper) results(c *classifier) ([]Result, error) {
	parallel.Chunks(pgParts, 1, func(_, lo, hi int) {
		for p := lo; p < hi; p++ {
			if c.ctx.Err() == nil && g.parts[p].index() != nil {
				g.failed.Store(true)
			}
		}
	})
	if err := c.ctx.Err(); err != nil {
		return nil, err
	}
	if err := g.err(); err != nil {
		return nil, err
	}
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
	out := parallel.Make[Result](n) // written out of order while the collector may scan it (see parallel.Make)
	if c.clk == nil {
		c.clk = newClock(c.tick, c.asOf)
	}
	arenas := make([][]Transition, parallel.Workers())
	bufs := make([][]rec, parallel.Workers())
	// A partition's customers are spread over all of out: each worker
	// replays pgStage customers into its own results, then copies them to
	// their places in a row, so the cache misses of those writes overlap
	// instead of each stalling a replay.
	stages := make([][]Result, parallel.Workers())
	at := make([][]int32, parallel.Workers())
	parallel.Chunks(pgParts, 1, func(w, lo, hi int) {
		if stages[w] == nil {
			stages[w], at[w] = make([]Result, pgStage), make([]int32, pgStage)
		}
		stage, at := stages[w], at[w]
		arena := arenas[w] // (a local: the workers' slice headers share a cache line)
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
			for j0 := 0; j0 < len(pt.first); j0 += pgStage {
				m := min(pgStage, len(pt.first)-j0)
				for i, f := range pt.first[j0 : j0+m] {
					j := j0 + i
					at[i] = rank[f>>6] + int32(bits.OnesCount64(firsts[f>>6]&(1<<(f&63)-1)))
					res := &stage[i]
					res.Customer = names[lo:pt.ends[j]]
					lo = pt.ends[j]
					arena = c.replay(byCust[j], arena, res)
				}
				for i := range m {
					out[at[i]] = stage[i]
				}
			}
			c.prog.add(len(pt.first))
			*pt = pgPart{}
		}
		arenas[w] = arena
		clear(stage) // drop the references to the histories
	})
	return out, c.ctx.Err()
}

// pgStage is the number of results a worker replays before it copies
// them into place.
const pgStage = 64

// sortByCustomer returns each customer's records in stream order (a
// stable counting sort of the partition's rows into buf, grown as
// needed) and buf, and drops the rows.
func (pt *pgPart) sortByCustomer(buf []rec) ([][]rec, []rec) {
	nc := len(pt.ends)
	next := pt.counts
	pos := int32(0)
	for j, k := range next {
		next[j], pos = pos, pos+k
	}
	if cap(buf) < pt.n {
		buf = make([]rec, pt.n)
	}
	all := buf[:pt.n]
	for _, ch := range pt.chunks {
		for i, r := range ch.recs[:ch.n] {
			id := ch.meta[i].end // the row's customer
			all[next[id]] = r
			next[id]++
		}
	}
	byCust := make([][]rec, nc)
	lo := int32(0)
	for j := range nc {
		// next[j] is now the end of customer j's records.
		byCust[j] = all[lo:next[j]:next[j]]
		lo = next[j]
	}
	pt.chunks = nil
	return byCust, buf
}
