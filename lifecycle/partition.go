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
// while reading goes on into fresh batches: the flusher, the batches
// spread over GOMAXPROCS goroutines, hashes each batch's customer IDs and
// scatters its rows by the top pgBits bits of the hash into pgParts
// slices (a counting sort, keeping stream order within a partition): time
// and amount, the ID's bytes, and the row's place in its batch. The
// scattered batches, in stream order, are the partitions' rows: partition
// p's are slice p of every batch, so nothing is copied again. Nothing is
// looked up while the stream is read: in time order a customer comes back
// about once in all its rows' flushes, so a table looked up then would
// cost a few cache misses a row however it is partitioned.
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

	// pgBatchMaxBytes bounds the bytes of a batch's customer IDs, whose
	// offsets are 32-bit: a batch that would pass it is handed over
	// early, and an ID longer than it is an error.
	pgBatchMaxBytes = math.MaxInt32
	// pgPartMaxLog bounds a partition's table at 1<<pgPartMaxLog slots,
	// so at 1<<(pgPartMaxLog-1) - 1 customers: a slot's home position
	// is taken from the 24 bits of its 32-bit tag below the partition
	// bits.
	pgPartMaxLog uint = 32 - pgBits
	// pgArenaMax bounds the bytes of a partition's customers' IDs, whose
	// ends are 32-bit (and by the largest int on a 32-bit platform).
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
// the partition ends; once the partition is interned, end is the row's
// customer) and its index in its batch. It holds no pointer, so the
// garbage collector does not scan the batches.
type pgSorted struct {
	t   int64
	amt float64
	end uint32
	idx uint32
}

// pgBatch is a batch of rows in stream order, as read; reused once
// scattered.
type pgBatch struct {
	rows []pgRow
	base int64    // the stream index of rows[0] among the kept rows
	hs   []uint64 // the rows' ID hashes
}

// pgScattered is a batch scattered by partition: partition p's rows are
// sorted[start[p]:start[p+1]], the top 32 bits of their ID hashes
// tags[start[p]:start[p+1]] (all intern needs of a hash: the partition is
// some of them) and their IDs bytes[bstart[p]:bstart[p+1]]. base is the
// stream index of the batch's first row.
type pgScattered struct {
	base   int64
	sorted []pgSorted
	tags   []uint32
	bytes  []byte
	start  [pgParts + 1]int32
	bstart [pgParts + 1]int32
}

// pgPart is one partition, whose rows are its slices of the grouper's
// scattered batches. At the end of the stream its table (slots, arena,
// ends) interns them, giving its customers in first-appearance order
// (within the partition), each row's customer and each customer's rows
// (counts).
type pgPart struct {
	n int // rows

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
	done    []*pgScattered // the batches scattered, in stream order
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

// flusher scatters the flushes' batches, one flush at a time.
func (g *grouper) flusher() {
	defer g.wg.Done()
	for batches := range g.flushes {
		at := len(g.done)
		g.done = append(g.done, make([]*pgScattered, len(batches))...)
		parallel.Chunks(len(batches), 1, func(_, lo, hi int) {
			for i := lo; i < hi; i++ {
				g.done[at+i] = g.scatter(batches[i])
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
func (g *grouper) scatter(b *pgBatch) *pgScattered {
	n := len(b.rows)
	sb := &pgScattered{base: b.base, sorted: make([]pgSorted, n), tags: make([]uint32, n)}
	if cap(b.hs) < n {
		b.hs = make([]uint64, n)
	}
	hs := b.hs[:n]
	tags := sb.tags
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
		sb.start[p], sb.bstart[p] = pos, bpos
		pos, count[p] = pos+count[p], pos
		bpos, bcount[p] = bpos+bcount[p], bpos
	}
	sb.start[pgParts], sb.bstart[pgParts] = pos, bpos
	buf := make([]byte, bpos)
	for i, h := range hs {
		p := h >> (64 - pgBits)
		r := &b.rows[i]
		end := bcount[p] + int32(copy(buf[bcount[p]:], r.name))
		bcount[p] = end
		sb.sorted[count[p]] = pgSorted{t: r.t, amt: r.amt, end: uint32(end), idx: uint32(i)}
		tags[count[p]] = uint32(h >> 32)
		count[p]++
	}
	sb.bytes = buf
	clear(b.rows) // drop the references to the names
	return sb
}

// index interns partition p's rows' IDs in the batches: it fills the
// customers (arena, ends, first) and each customer's count, and sets each
// row's end to its customer. Past a limit it returns an error.
func (pt *pgPart) index(p int, batches []*pgScattered) error {
	for _, b := range batches {
		lo, hi := b.start[p], b.start[p+1]
		from := uint32(b.bstart[p]) // where row i's ID begins in b.bytes
		for i := lo; i < hi; i++ {
			r := &b.sorted[i]
			end := r.end
			id, ok := pt.intern(uint64(b.tags[i])<<32, b.bytes[from:end], b.base+int64(r.idx))
			if !ok {
				return pt.err
			}
			from = end
			r.end = uint32(id)
			pt.counts[id]++
		}
		pt.n += int(hi - lo)
	}
	pt.slots = nil
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
			if len(pt.ends) >= pgPartMax() {
				pt.err = fmt.Errorf("%w: customer %q is one more than the %d customers a partition holds (a stream not grouped by customer goes through %d partitions by customer hash)",
					ErrTooLarge, name, pgPartMax(), pgParts)
				return 0, false
			}
			if len(name) > pgArenaMax-len(pt.arena) {
				pt.err = fmt.Errorf("%w: customer ID of %d bytes passes the %d bytes of IDs a partition holds (a stream not grouped by customer goes through %d partitions by customer hash)",
					ErrTooLarge, len(name), pgArenaMax, pgParts)
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
			if c.ctx.Err() == nil && g.parts[p].index(p, g.done) != nil {
				g.failed.Store(true)
			}
		}
	})
	for _, b := range g.done {
		b.tags, b.bytes = nil, nil // the IDs are interned
	}
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
			byCust, bufs[w] = pt.sortByCustomer(p, g.done, bufs[w])
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
	g.done = nil
	return out, c.ctx.Err()
}

// pgStage is the number of results a worker replays before it copies
// them into place.
const pgStage = 64

// sortByCustomer returns each customer's records in stream order (a
// stable counting sort of partition p's rows in the batches into buf,
// grown as needed) and buf.
func (pt *pgPart) sortByCustomer(p int, batches []*pgScattered, buf []rec) ([][]rec, []rec) {
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
	for _, b := range batches {
		for _, r := range b.sorted[b.start[p]:b.start[p+1]] {
			id := r.end // the row's customer
			all[next[id]] = rec{r.t, r.amt}
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
	return byCust, buf
}
