package cvm

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"slices"
	"sync/atomic"
	"time"

	"github.com/cvmkit/cvm/internal/parallel"
)

// Reader.Summarize's path for input whose customer IDs ascend: files
// grouped by customer are usually sorted by customer ID, and then each
// customer's rows are one run, which the worker that parsed them can
// accumulate whole, and the customers are already in the order of the
// result. No ID is hashed or looked up, no row is partitioned, and
// nothing is sorted.
//
// The path holds while every block's rows are clean (no bad row), every
// run's ID is greater than the one before it, and every run's rows can be
// accumulated (no amount whose sum a customer cannot hold); a customer
// cut by a block boundary continues in the next block. At the first
// block for which this fails, the accumulated customers go to the
// partitions (each as one partial, as its rows would have) and the rest
// of the input is read as before, so the result and the first error are
// those of the partitioned path, bit for bit, for any input.

// apart is a customer accumulated on the ascending path: its ID
// ids[id:id+idLen], its rows' accumulation acc, its occasion keys
// keys[key:key+nkeys] (without consecutive duplicates; compacted to
// distinct keys when they pile up), and the line and amount of its first
// row, which names it when it cannot be added to a partition.
type apart struct {
	acc        accum
	line       int // the line (relative to its block until the reader takes it)
	amount     float64
	id, idLen  uint32
	key, nkeys uint32
	compacted  uint32 // nkeys after the last compaction
}

// ascending is the state of the ascending path: the customers so far,
// in input (and ID) order, as the segments the blocks made of them.
type ascending struct {
	on   atomic.Bool // the path holds: workers accumulate blocks for it
	mode bool        // the reader's view of on
	segs []aseg
	n    int // customers in segs
}

// aseg is the customers one block accumulated (the first of them may
// have been merged into the segment before), with the IDs and keys their
// parts point into.
type aseg struct {
	parts []apart
	ids   []byte
	keys  []uint32
}

// last returns the last customer of the path and its segment, nil when
// there is none.
func (a *ascending) last() (*apart, *aseg) {
	for k := len(a.segs) - 1; k >= 0; k-- {
		if sg := &a.segs[k]; len(sg.parts) > 0 {
			return &sg.parts[len(sg.parts)-1], sg
		}
	}
	return nil, nil
}

// sameID reports whether a and b are equal, with inline word compares
// for IDs of 4 to 16 bytes, where a call of bytes.Equal per row costs.
func sameID(a, b []byte) bool {
	n := len(a)
	if n != len(b) {
		return false
	}
	switch {
	case n >= 8 && n <= 16:
		return binary.LittleEndian.Uint64(a) == binary.LittleEndian.Uint64(b) &&
			binary.LittleEndian.Uint64(a[n-8:]) == binary.LittleEndian.Uint64(b[n-8:])
	case n >= 4 && n < 8:
		return binary.LittleEndian.Uint32(a) == binary.LittleEndian.Uint32(b) &&
			binary.LittleEndian.Uint32(a[n-4:]) == binary.LittleEndian.Uint32(b[n-4:])
	}
	return bytes.Equal(a, b)
}

// accumulate accumulates c's runs for the ascending path into c.asc,
// c.ascIDs and c.ascKeys, and reports whether it could: the block has no
// bad row, its runs' IDs ascend and every row can be accumulated. It runs
// on the worker that parsed c.
func (pt *partitioner) accumulate(c *chunk) bool {
	if len(c.errs) > 0 {
		return false
	}
	clock := pt.clock
	rows := c.rows
	n := len(rows)
	if c.asc == nil { // handed over to a segment: new buffers, a quarter larger than the last
		h := c.ascHint
		c.asc = make([]apart, 0, h[0]+h[0]/4+16)
		c.ascIDs = make([]byte, 0, h[1]+h[1]/4+64)
		c.ascKeys = make([]uint32, 0, h[2]+h[2]/4+64)
	}
	parts, ids, keys := c.asc[:0], c.ascIDs[:0], c.ascKeys[:0]
	var prev []byte
	for i := 0; i < n; {
		cust := rows[i].cust
		if i > 0 && bytes.Compare(cust, prev) <= 0 {
			return false
		}
		prev = cust
		ap := apart{line: -1, key: uint32(len(keys))}
		for ; i < n && sameID(rows[i].cust, cust); i++ {
			r := &rows[i]
			if clock.afterAsOf(r.sec, r.nsec) {
				continue
			}
			m, sc, ok := exactAmount(r.amount, r.dec)
			if !ok {
				return false
			}
			var key uint32
			if r.amount >= 0 {
				key = clock.dayKey(r.sec)
			}
			ok, pair := ap.acc.addRow(r.sec, r.nsec, r.amount < 0, m, sc, key, false)
			if !ok {
				return false
			}
			if pair {
				keys = append(keys, key)
			}
			if ap.line < 0 {
				ap.line, ap.amount = int(r.line), r.amount
			}
		}
		if ap.acc.tx == 0 {
			continue // every row after AsOf: nothing to add
		}
		ap.id, ap.idLen = uint32(len(ids)), uint32(len(cust))
		ids = append(ids, cust...)
		ap.nkeys = uint32(len(keys)) - ap.key
		parts = append(parts, ap)
	}
	c.asc, c.ascIDs, c.ascKeys = parts, ids, keys
	return true
}

// appendAscending adds c's accumulated customers, of a block whose first
// line is base+1, to the ascending path, taking over c's buffers. It
// reports false, adding nothing, when the block's first ID is below the
// last customer's; and a failure when the customer that the block
// continues cannot hold the continuation.
func (pt *partitioner) appendAscending(c *chunk, base int) (bool, *partFailure) {
	a := &pt.asc
	parts := c.asc
	if len(parts) == 0 {
		return true, nil
	}
	if last, sg := a.last(); last != nil {
		first := c.ascIDs[parts[0].id : parts[0].id+parts[0].idLen]
		switch cmp := bytes.Compare(first, sg.ids[last.id:last.id+last.idLen]); {
		case cmp < 0:
			return false, nil
		case cmp == 0:
			if f := pt.continueAscending(last, sg, c, base); f != nil {
				return false, f
			}
			parts = parts[1:]
		}
	}
	if len(parts) == 0 {
		return true, nil // the block held only the continued customer
	}
	for k := range parts {
		parts[k].line += base
		parts[k].compacted = parts[k].nkeys
	}
	a.segs = append(a.segs, aseg{parts: parts, ids: c.ascIDs, keys: c.ascKeys})
	a.n += len(parts)
	// The block's next buffers are sized after these.
	c.ascHint = [3]int{len(c.asc), len(c.ascIDs), len(c.ascKeys)}
	c.asc, c.ascIDs, c.ascKeys = nil, nil, nil
	return true, nil
}

// continueAscending adds the first customer of c to last, the ascending
// path's last customer (of segment sg), which it continues. When last's
// sums cannot hold the continuation, the block's rows name the row at
// which they overflow.
func (pt *partitioner) continueAscending(last *apart, sg *aseg, c *chunk, base int) *partFailure {
	p0 := &c.asc[0]
	if !last.acc.merge(&p0.acc) {
		// Replay the run onto a copy of the customer's sums: the first row
		// they cannot hold is the error, as one by one.
		t := last.acc
		cust := c.rows[0].cust
		for i := range c.rows {
			r := &c.rows[i]
			if !sameID(r.cust, cust) {
				break
			}
			if pt.clock.afterAsOf(r.sec, r.nsec) {
				continue
			}
			m, sc, _ := exactAmount(r.amount, r.dec)
			if ok, _ := t.addRow(r.sec, r.nsec, r.amount < 0, m, sc, 0, true); !ok {
				return &partFailure{base: base, line: r.line, amount: r.amount,
					err: &TransactionError{Customer: string(cust), Field: "amount", Err: ErrOverflow}}
			}
		}
		panic("cvm: a merge of partial sums failed where the rows did not")
	}
	// last's keys are the last of its segment's.
	for _, key := range c.ascKeys[p0.key : p0.key+p0.nkeys] {
		if last.acc.lastKey != key+1 {
			last.acc.lastKey = key + 1
			sg.keys = append(sg.keys, key)
			last.nkeys++
		}
	}
	// A customer continued over many blocks keeps only its distinct keys
	// once they have doubled.
	if last.nkeys >= 4096 && last.nkeys >= 2*last.compacted {
		k := sg.keys[last.key:]
		slices.Sort(k)
		k = slices.Compact(k)
		sg.keys = sg.keys[:int(last.key)+len(k)]
		last.nkeys = uint32(len(k))
		last.compacted = last.nkeys
	}
	return nil
}

// leaveAscending ends the ascending path: its customers go to the
// partitions in input order, each as the partial of its rows. A customer
// a partition cannot take (ErrTooManyIDs) is named by its first row, as
// when its rows are added one by one.
func (pt *partitioner) leaveAscending() *partFailure {
	a := &pt.asc
	a.mode = false
	a.on.Store(false)
	for _, sg := range a.segs {
		for k := range sg.parts {
			ap := &sg.parts[k]
			id := sg.ids[ap.id : ap.id+ap.idLen]
			h := maphash.Bytes(pt.seed, id)
			p := h >> (64 - partBits)
			s := pt.parts[p]
			if s == nil {
				s = newPartSummarizer(pt.settings, pt.seed)
				pt.parts[p] = s
			}
			i := s.ids.index(h, id)
			if i < 0 {
				return &partFailure{base: ap.line, amount: ap.amount,
					err: &TransactionError{Customer: string(id), Field: "customer", Err: ErrTooManyIDs}}
			}
			if !s.addPartial(i, &ap.acc, sg.keys[ap.key:ap.key+ap.nkeys]) {
				panic("cvm: a new customer could not take its own partial sums")
			}
		}
	}
	a.segs, a.n = nil, 0
	return nil
}

// ascendingSummaries returns the summaries of the ascending path's
// customers, already in ID order.
func (pt *partitioner) ascendingSummaries() []Summary {
	a := &pt.asc
	start := make([]int, len(a.segs)+1)
	for k, sg := range a.segs {
		start[k+1] = start[k] + len(sg.parts)
	}
	out := parallel.Make[Summary](a.n) // mapped before the collector can scan it
	parallel.For(len(a.segs), 1, func(lo, hi int) {
		var scratch []uint32
		for k := lo; k < hi; k++ {
			scratch = pt.segmentSummaries(out[start[k]:start[k+1]], &a.segs[k], scratch)
		}
	})
	return out
}

// summaryBatch is about how many summaries SummarizeEach hands over at a
// time (on the ascending path whole segments: a few more). Tests make it
// small.
var summaryBatch = 1 << 15

// eachAscending calls fn with the summaries of the ascending path's
// customers, in ID order, in batches of whole segments made in parallel
// into one buffer that every batch reuses; each segment is dropped once
// handed over. It returns fn's first error.
func (pt *partitioner) eachAscending(fn func([]Summary) error) error {
	a := &pt.asc
	var buf []Summary
	var start []int
	for k0 := 0; k0 < len(a.segs); {
		start = append(start[:0], 0)
		k1 := k0
		for ; k1 < len(a.segs) && start[len(start)-1] < summaryBatch; k1++ {
			start = append(start, start[len(start)-1]+len(a.segs[k1].parts))
		}
		n := start[len(start)-1]
		if cap(buf) < n {
			// Room for the next batches' few more; no more than the
			// customers (mapped before the collector can scan it).
			buf = parallel.Make[Summary](max(n, min(a.n, summaryBatch+summaryBatch/4)))
		}
		buf = buf[:n]
		segs := a.segs[k0:k1]
		parallel.For(len(segs), 1, func(lo, hi int) {
			var scratch []uint32
			for k := lo; k < hi; k++ {
				scratch = pt.segmentSummaries(buf[start[k]:start[k+1]], &segs[k], scratch)
			}
		})
		clear(segs) // handed over: the segments' memory can go
		if err := fn(buf); err != nil {
			return err
		}
		k0 = k1
	}
	return nil
}

// segmentSummaries writes the summaries of segment sg's customers into
// out, returning the scratch it sorted occasion keys in.
func (pt *partitioner) segmentSummaries(out []Summary, sg *aseg, scratch []uint32) []uint32 {
	all := string(sg.ids)
	for j := range sg.parts {
		ap := &sg.parts[j]
		sum := &out[j]
		sum.Customer = all[ap.id : ap.id+ap.idLen]
		sum.Occasions, scratch = distinct(sg.keys[ap.key:ap.key+ap.nkeys], scratch)
		sum.Occasions += ap.acc.noOrder
		sum.Transactions = ap.acc.tx
		sum.Total = signedFloat(ap.acc.pur, ap.acc.ret, int(ap.acc.scale))
		sum.Returns = ap.acc.ret.float(int(ap.acc.scale))
		sum.First, sum.Last = time.Time{}, time.Time{}
		if ap.acc.bought {
			sum.First = pt.clock.timeOf(ap.acc.firstSec, ap.acc.firstNs)
			sum.Last = pt.clock.timeOf(ap.acc.lastSec, ap.acc.lastNs)
		}
	}
	return scratch
}

// distinct returns the number of distinct keys, sorting a copy in
// scratch unless they ascend.
func distinct(keys, scratch []uint32) (int, []uint32) {
	ascend := true
	for i := 1; i < len(keys) && ascend; i++ {
		ascend = keys[i-1] < keys[i]
	}
	if ascend {
		return len(keys), scratch
	}
	scratch = append(scratch[:0], keys...)
	slices.Sort(scratch)
	return len(slices.Compact(scratch)), scratch
}
