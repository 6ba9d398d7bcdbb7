package cvm

import (
	"bytes"
	"context"
	"fmt"
	"iter"
	"math/bits"
	"slices"
	"time"
	"unsafe"

	"github.com/cvmkit/cvm/internal/civil"
	"github.com/cvmkit/cvm/internal/parallel"
)

// Occasion says what counts as one purchase occasion.
type Occasion int

const (
	// ByDay counts distinct calendar days with at least one purchase, in the
	// location of SummarySettings.Location (UTC when nil). Several purchases
	// on one day are one occasion. This is the convention of the
	// customer-base literature (Fader, Hardie & Lee 2005 merge same-day
	// purchases) and the default.
	ByDay Occasion = iota
	// ByOrder counts distinct order IDs with at least one purchase. A
	// purchase with an empty order ID counts as an occasion of its own.
	ByOrder
)

// String returns "day" or "order".
func (o Occasion) String() string {
	switch o {
	case ByDay:
		return "day"
	case ByOrder:
		return "order"
	}
	return fmt.Sprintf("Occasion(%d)", int(o))
}

// SummarySettings configures Summarize. A nil *SummarySettings means the zero
// value: no cut-off, occasions by UTC calendar day.
type SummarySettings struct {
	// AsOf excludes transactions after it. The zero time means no cut-off.
	AsOf time.Time
	// Occasions is what counts as a purchase occasion; the zero value is
	// ByDay.
	Occasions Occasion
	// Location is the calendar in which days are counted; nil means UTC.
	Location *time.Location
}

// Summary is one customer's purchase history, condensed.
//
// A purchase is a transaction with Amount >= 0; a return is one with
// Amount < 0. A customer with only returns has a Summary with zero First and
// Last and no occasions.
//
// First and Last are in SummarySettings.Location (UTC by default); compare
// them with time.Time.Equal.
type Summary struct {
	Customer     string
	First        time.Time // time of the first purchase
	Last         time.Time // time of the last purchase
	Occasions    int       // purchase occasions (see Occasion)
	Transactions int       // purchases and returns, as rows
	Total        float64   // net amount: purchases plus (negative) returns, exact sum rounded once
	Returns      float64   // total of returns and refunds, as a positive number, exact sum rounded once
}

// Gross returns the total of purchases before returns, Total + Returns
// (a float64 sum of the two rounded figures, so it may differ from the
// exact sum of purchases in the last bit).
func (s Summary) Gross() float64 { return s.Total + s.Returns }

// Mean returns the net amount per purchase occasion, Total/Occasions, or 0
// when the customer has no purchase occasion.
func (s Summary) Mean() float64 {
	if s.Occasions == 0 {
		return 0
	}
	return s.Total / float64(s.Occasions)
}

// Summarize condenses a stream of transactions, in any order, into one
// Summary per customer, sorted by customer ID. Transactions after
// settings.AsOf are skipped.
//
// Money is exact: each amount is taken as the shortest decimal that
// converts back to its float64 (0.1 is one tenth; see strconv.FormatFloat
// with precision -1), a customer's purchases and returns are summed as
// decimals without rounding, and Total and Returns are the float64 nearest
// to those exact sums (ties to even), rounded once. So every figure
// depends only on the set of transactions, never on their order or on how
// they were split and merged: the same bits whatever the order, the
// partitioning or GOMAXPROCS. A database that sums the same decimals
// exactly (NUMERIC in PostgreSQL, or integer minor units when no amount
// has more decimal places than the unit) and rounds the sum once to the
// nearest double gets the same bits.
//
// Summarize returns a *TransactionError for the first transaction with an
// empty customer, a zero time or a NaN or infinite amount, or that would
// take its customer's exact sum of purchases or of returns to 2^127 units
// of the customer's scale (ErrOverflow: about 1.7e38 for whole amounts,
// 1.7e36 with cents; whether a customer overflows does not depend on the
// order, which of its transactions is named does), or whose customer (or,
// ByOrder, order ID) would be the 2^31-1st distinct one (ErrTooManyIDs),
// and ErrEmptyInput when
// no transaction is at or before AsOf. A nil settings means the zero
// SummarySettings. Summarize checks ctx every few thousand transactions
// and returns ctx.Err() when it is done.
func Summarize(ctx context.Context, txs iter.Seq[Transaction], settings *SummarySettings) ([]Summary, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s := NewSummarizer(settings)
	n := 0
	for t := range txs {
		if err := s.Add(t); err != nil {
			return nil, err
		}
		if n++; n%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
	}
	out := s.Summaries()
	if len(out) == 0 {
		return nil, ErrEmptyInput
	}
	return out, nil
}

// Summarizer accumulates transactions one at a time into per-customer
// summaries. The zero value is not usable; call NewSummarizer (or decode
// one with UnmarshalJSON). A Summarizer is not safe for concurrent use.
//
// A Summarizer fed any subset of the transactions is a partial summary:
// Merge combines partials of the same settings, in any order and
// grouping, into exactly the summaries of one pass over the union, and
// MarshalJSON and UnmarshalJSON carry partials between processes.
//
// Memory is about 100 bytes per customer plus the customer IDs; with
// ByOrder, about 30 bytes per distinct order ID; and, for purchase
// occasions, 8 bytes per distinct (customer, occasion) pair plus 8 bytes
// per candidate not yet deduplicated (consecutive purchases of one
// customer on one day, or in one order, are one candidate). Candidates are
// deduplicated whenever they number at least 2 million and at least as
// many as the distinct pairs, so memory is bounded by customers and their
// distinct occasions, never by the number of rows: at most about 48 bytes
// per distinct pair plus 100 MB while deduplicating.
type Summarizer struct {
	opts SummarySettings
	asOfClock

	ids  *idTable
	acc  [][]accum // blocks of accBlock accumulators, by customer index
	last int32     // index of the last customer added, -1 if none

	// Purchases add (customer index << 32 | occasion key) pairs; the
	// distinct pairs of a customer are its occasions. New pairs go to
	// blocks; Summaries sorts them into sorted, which has no duplicates.
	blocks   [][]uint64
	pending  int        // pairs in blocks
	sorted   [][]uint64 // runs: together sorted, without duplicates
	distinct int        // pairs in sorted

	orders    *idTable // ByOrder: order IDs, interned; nil for ByDay
	lastOrder int32    // index of the last order interned, -1 if none

	compactAt int // pending pairs are deduplicated once at least this many (and the distinct ones)
}

// warm reads the customer tables in address order (the ID slots, the
// IDs and their ends, the accumulators) and returns a sum of what it read.
// A partition's tables are out of cache by its next flush; read ahead in
// order, which the hardware prefetches, they come in at the memory's
// streaming speed, where the flush's rows would find them a dependent
// miss at a time (slot, ID, accumulator).
func (s *Summarizer) warm() uint64 {
	var x uint64
	t := s.ids
	for i := 0; i < len(t.slots); i += 8 {
		x += t.slots[i]
	}
	for i := 0; i < len(t.arena); i += 64 {
		x += uint64(t.arena[i])
	}
	for i := 0; i < len(t.ends); i += 8 {
		x += uint64(t.ends[i])
	}
	for _, b := range s.acc {
		for i := range b {
			x += uint64(b[i].firstSec) + uint64(b[i].tx) + b[i].ret.lo
		}
	}
	return x
}

// tableBytes returns the bytes that warm reads.
func (s *Summarizer) tableBytes() int {
	t := s.ids
	n := 8*len(t.slots) + len(t.arena) + 8*len(t.ends)
	for _, b := range s.acc {
		n += len(b) * int(unsafe.Sizeof(accum{}))
	}
	return n
}

// ctxEvery is how many transactions Summarize adds between checks of its
// context.
const ctxEvery = 4096

// Accumulators are kept in blocks of accBlock (80 KiB): the first block
// doubles from 16 entries, so a small Summarizer stays small, and later
// blocks are allocated whole. Small blocks matter for the 256 partitions
// of Reader.Summarize, a few thousand customers each: doubling one array
// to its final size wrote (and page-faulted) about twice the memory the
// accumulators need, half of it garbage.
const (
	accShift  = 10
	accBlock  = 1 << accShift
	pairBlock = 1 << 20
)

// Pending occasion pairs are sorted into the distinct ones once they are
// at least compactMin and at least as many as the distinct ones, which
// bounds memory by distinct pairs at a linear cost. Tests make it small.
var compactMin = 1 << 21

type accum struct {
	firstSec, lastSec int64
	firstNs, lastNs   int32
	lastKey           uint32 // last occasion key appended + 1; 0 for none
	scale             uint16 // pur and ret are in units of 10^-scale: the largest scale of the amounts
	bought            bool
	tx                int
	noOrder           int
	pur, ret          u128 // exact sums of the purchases and of the returns' magnitudes
}

// addAmount adds the exact amount m * 10^-s, a return when neg, to the
// sums, or reports false, changing nothing, when a sum would reach 2^127
// units.
func (a *accum) addAmount(neg bool, m u128, s int) bool {
	cur := int(a.scale)
	if s > cur {
		if s > maxScale {
			return false
		}
		p, ok1 := a.pur.scale(s - cur)
		r, ok2 := a.ret.scale(s - cur)
		if !ok1 || !ok2 {
			return false
		}
		a.pur, a.ret, a.scale = p, r, uint16(s)
	} else if s < cur {
		if k := cur - s; m.hi == 0 && k < len(pow10u) {
			hi, lo := bits.Mul64(m.lo, pow10u[k]) // the common case, inline
			if hi >= exactHiMax {
				return false
			}
			m = u128{hi, lo}
		} else {
			var ok bool
			if m, ok = m.scale(k); !ok {
				return false
			}
		}
	}
	sum := &a.pur
	if neg {
		sum = &a.ret
	}
	v, ok := sum.add(m)
	if !ok {
		return false
	}
	*sum = v
	return true
}

// exactAmount returns amount as m * 10^-sc: dec, the reader's packed
// decimal as written, when it is not 0, else the amount's shortest
// round-trip decimal. ok is false when there is none a sum can hold: no
// finite decimal, or more than maxScale places.
func exactAmount(amount float64, dec uint64) (m u128, sc int, ok bool) {
	if dec != 0 {
		return u128{0, dec & decMantMask}, int(dec >> decScaleShift & 0xff), true
	}
	if m, sc, ok = decimalOf(amount); !ok || sc > maxScale {
		return u128{}, 0, false
	}
	return m, sc, true
}

// maxScale bounds a customer's scale: an amount with more decimal places
// (below 1e-400 at most) could not be added to any amount of 1 or more
// without overflow anyway.
const maxScale = 400

// NewSummarizer returns a Summarizer with the given settings; nil means
// the zero SummarySettings.
func NewSummarizer(settings *SummarySettings) *Summarizer {
	s := &Summarizer{ids: newIDTable(), last: -1, compactAt: compactMin}
	if settings != nil {
		s.opts = *settings
	}
	if s.opts.Location == nil {
		s.opts.Location = time.UTC
	}
	s.asOfClock = newAsOfClock(s.opts.Location, s.opts.AsOf)
	if s.opts.Occasions == ByOrder {
		s.orders = newIDTable()
		s.lastOrder = -1
	}
	return s
}

// Add adds one transaction. It returns a *TransactionError for an unusable
// transaction (empty customer, zero time, NaN or infinite amount), or for
// one that would take its customer's exact sum of purchases or of returns
// to 2^127 units (ErrOverflow; see Summarize) or whose customer or order
// ID would be the 2^31-1st distinct one (ErrTooManyIDs), without adding
// it; and nil,
// without adding it, for one after AsOf.
func (s *Summarizer) Add(t Transaction) error {
	if err := t.Validate(); err != nil {
		return err
	}
	sec, ns := t.Time.Unix(), int32(t.Time.Nanosecond())
	if s.afterAsOf(sec, ns) {
		return nil
	}
	// The amount is checked before anything is interned, so that a
	// refused transaction of a new customer leaves no customer behind.
	m, sc, ok := exactAmount(t.Amount, 0)
	if !ok {
		return &TransactionError{Customer: t.Customer, Field: "amount", Err: ErrOverflow}
	}
	var key uint32
	if t.Amount >= 0 {
		if s.orders != nil {
			var ok bool
			if key, ok = s.orderKeyString(t.Order); !ok {
				return &TransactionError{Customer: t.Customer, Field: "order", Err: ErrTooManyIDs}
			}
		} else {
			key = s.dayKey(sec)
		}
	}
	i := s.last
	if i < 0 || string(s.ids.id(i)) != t.Customer {
		if i = s.ids.index(s.ids.hashString(t.Customer), []byte(t.Customer)); i < 0 {
			return &TransactionError{Customer: t.Customer, Field: "customer", Err: ErrTooManyIDs}
		}
		s.last = i
	}
	if !s.add(i, sec, ns, t.Amount, m, sc, key, s.orders != nil && t.Order == "") {
		return &TransactionError{Customer: t.Customer, Field: "amount", Err: ErrOverflow}
	}
	return nil
}

// addParsed is Add for the fields of a row the CSV reader has parsed and
// validated: customer cust, whose hash with the Summarizer's seed is h,
// Unix time (sec, ns), amount, its packed exact decimal dec (0 for none)
// and order. cust and order may alias the
// reader's buffers; they are copied only when new. This is the one way in
// for the parallel reader.
func (s *Summarizer) addParsed(cust []byte, h uint64, sec int64, ns int32, amount float64, dec uint64, order []byte) error {
	if s.afterAsOf(sec, ns) {
		return nil
	}
	m, sc, ok := exactAmount(amount, dec) // before interning, as in Add
	if !ok {
		return &TransactionError{Customer: string(cust), Field: "amount", Err: ErrOverflow}
	}
	var key uint32
	if amount >= 0 {
		if s.orders != nil {
			if key, ok = s.orderKey(order); !ok {
				return &TransactionError{Customer: string(cust), Field: "order", Err: ErrTooManyIDs}
			}
		} else {
			key = s.dayKey(sec)
		}
	}
	i := s.last
	if i < 0 || !bytes.Equal(s.ids.id(i), cust) {
		if i = s.ids.index(h, cust); i < 0 {
			return &TransactionError{Customer: string(cust), Field: "customer", Err: ErrTooManyIDs}
		}
		s.last = i
	}
	if !s.add(i, sec, ns, amount, m, sc, key, s.orders != nil && len(order) == 0) {
		return &TransactionError{Customer: string(cust), Field: "amount", Err: ErrOverflow}
	}
	return nil
}

// orderKey interns an order ID; rows of one order usually follow each
// other, so the last order is checked first. ok is false when the order
// is new and the Summarizer holds the most order IDs it can.
func (s *Summarizer) orderKey(order []byte) (key uint32, ok bool) {
	if len(order) == 0 {
		return 0, true
	}
	if s.lastOrder < 0 || !bytes.Equal(s.orders.id(s.lastOrder), order) {
		k := s.orders.index(s.orders.hash(order), order)
		if k < 0 {
			return 0, false
		}
		s.lastOrder = k
	}
	return uint32(s.lastOrder), true
}

func (s *Summarizer) orderKeyString(order string) (key uint32, ok bool) {
	if order == "" {
		return 0, true
	}
	if s.lastOrder < 0 || string(s.orders.id(s.lastOrder)) != order {
		k := s.orders.index(s.orders.hashString(order), []byte(order))
		if k < 0 {
			return 0, false
		}
		s.lastOrder = k
	}
	return uint32(s.lastOrder), true
}

// asOfClock is what the Summarizer and the Auditor derive from their
// Location and AsOf settings.
type asOfClock struct {
	utc     bool // Location is UTC: days by integer division
	hasAsOf bool
	asOfSec int64
	asOfNs  int32
}

func newAsOfClock(loc *time.Location, asOf time.Time) asOfClock {
	c := asOfClock{utc: loc == time.UTC}
	if !asOf.IsZero() {
		c.hasAsOf, c.asOfSec, c.asOfNs = true, asOf.Unix(), int32(asOf.Nanosecond())
	}
	return c
}

// afterAsOf reports whether Unix time sec, ns is after AsOf; never when
// AsOf is unset.
func (c *asOfClock) afterAsOf(sec int64, ns int32) bool {
	return c.hasAsOf && before(c.asOfSec, c.asOfNs, sec, ns)
}

// dayKey is the occasion key of a purchase at Unix time sec by day.
func (s *Summarizer) dayKey(sec int64) uint32 {
	var day int64
	if s.utc {
		day = civil.UnixDay(sec)
	} else {
		day = DayNumber(time.Unix(sec, 0), s.opts.Location)
	}
	return uint32(int32(day)) ^ 1<<31
}

// accum returns customer i's accumulator, allocating as i grows: the
// first block doubles from 16 entries, later blocks are allocated whole
// and never move.
//
// A new block is cleared although make zeroes it: a large allocation may
// be memory the process never touched, which make leaves as it is, and
// add reads an accumulator before it writes it; a page first read is
// mapped to the shared zero page and copied, with a TLB flush on every
// CPU, at its first write. Clearing writes each page first.
func (s *Summarizer) accum(i int32) *accum {
	b, off := int(i>>accShift), int(i&(accBlock-1))
	if b == len(s.acc) {
		size := accBlock
		if b == 0 {
			size = 16
		}
		nb := make([]accum, size)
		clear(nb)
		s.acc = append(s.acc, nb)
	}
	if blk := s.acc[b]; off >= len(blk) {
		nb := make([]accum, min(2*len(blk), accBlock))
		clear(nb[len(blk):])
		copy(nb, blk)
		s.acc[b] = nb
	}
	return &s.acc[b][off]
}

// add adds a purchase or return to customer i, or reports false, adding
// nothing, when the customer's exact sum of purchases or of returns would
// reach 2^127 units of its scale. The amount is m * 10^-sc (see
// exactAmount); amount gives its sign.
func (s *Summarizer) add(i int32, sec int64, ns int32, amount float64, m u128, sc int, key uint32, noOrder bool) bool {
	ok, pair := s.accum(i).addRow(sec, ns, amount < 0, m, sc, key, noOrder)
	if pair {
		s.appendPair(uint64(i)<<32 | uint64(key))
	}
	return ok
}

// addRow adds a purchase or a return (neg) of m * 10^-sc at Unix time
// (sec, ns), with occasion key key, to a, or reports false, changing
// nothing, when a sum would reach 2^127 units. pair reports that key is
// new after the last purchase's, so that its occasion is to be recorded.
func (a *accum) addRow(sec int64, ns int32, neg bool, m u128, sc int, key uint32, noOrder bool) (ok, pair bool) {
	if !a.addAmount(neg, m, sc) {
		return false, false
	}
	a.tx++
	if neg {
		return true, false
	}
	if !a.bought || sec < a.firstSec || sec == a.firstSec && ns < a.firstNs {
		a.firstSec, a.firstNs = sec, ns
	}
	if !a.bought || sec > a.lastSec || sec == a.lastSec && ns > a.lastNs {
		a.lastSec, a.lastNs = sec, ns
	}
	a.bought = true
	if noOrder {
		a.noOrder++
		return true, false
	}
	if a.lastKey != key+1 {
		a.lastKey = key + 1
		return true, true
	}
	return true, false
}

// merge adds p, an accumulation of more rows of a's customer, to a, with
// the result of adding those rows one by one (except the occasion keys,
// which the caller adds); or reports false, changing nothing, when a sum
// would reach 2^127 units (and so would have at one of the rows: sums
// and scales only grow).
func (a *accum) merge(p *accum) bool {
	t := *a
	if !t.addAmount(false, p.pur, int(p.scale)) || !t.addAmount(true, p.ret, int(p.scale)) {
		return false
	}
	t.tx += p.tx
	t.noOrder += p.noOrder
	if p.bought {
		if !t.bought || before(p.firstSec, p.firstNs, t.firstSec, t.firstNs) {
			t.firstSec, t.firstNs = p.firstSec, p.firstNs
		}
		if !t.bought || before(t.lastSec, t.lastNs, p.lastSec, p.lastNs) {
			t.lastSec, t.lastNs = p.lastSec, p.lastNs
		}
		t.bought = true
	}
	*a = t
	return true
}

// addPartial adds to customer i the accumulation p of some of its rows
// by day, whose new occasion keys, in order, are keys, as merge does.
func (s *Summarizer) addPartial(i int32, p *accum, keys []uint32) bool {
	a := s.accum(i)
	if !a.merge(p) {
		return false
	}
	for _, key := range keys {
		if a.lastKey != key+1 {
			a.lastKey = key + 1
			s.appendPair(uint64(i)<<32 | uint64(key))
		}
	}
	return true
}

// appendPair adds a (customer index << 32 | occasion key) pair to the
// pending ones, deduplicating them first when they have piled up.
func (s *Summarizer) appendPair(p uint64) {
	n := len(s.blocks)
	if n == 0 || len(s.blocks[n-1]) == cap(s.blocks[n-1]) {
		if s.pending >= max(s.distinct, s.compactAt) {
			s.flush()
			n = 0
		}
		size := 1024
		if n > 0 {
			size = min(2*cap(s.blocks[n-1]), pairBlock)
		}
		s.blocks = append(s.blocks, make([]uint64, 0, size))
		n++
	}
	s.blocks[n-1] = append(s.blocks[n-1], p)
	s.pending++
}

// flush moves the pending occasion pairs into the distinct ones, kept as
// runs that together are one sorted sequence without duplicates.
func (s *Summarizer) flush() {
	if len(s.blocks) == 0 {
		return
	}
	lastKept := func() (uint64, bool) {
		if s.distinct == 0 {
			return 0, false
		}
		r := s.sorted[len(s.sorted)-1]
		return r[len(r)-1], true
	}
	// Pairs already in order, as from input grouped by customer in time
	// order, become runs as they are, without their duplicates.
	inOrder := true
	last, has := lastKept()
	for _, b := range s.blocks {
		if has && b[0] < last || !slices.IsSorted(b) {
			inOrder = false
			break
		}
		last, has = b[len(b)-1], true
	}
	if inOrder {
		last, has = lastKept()
		for _, b := range s.blocks {
			for has && len(b) > 0 && b[0] == last {
				b = b[1:]
			}
			if b = compact(b); len(b) > 0 {
				s.sorted = append(s.sorted, slices.Clip(b))
				s.distinct += len(b)
				last, has = b[len(b)-1], true
			}
		}
		s.blocks, s.pending = nil, 0
		return
	}
	tail := make([]uint64, 0, s.pending)
	for _, b := range s.blocks {
		tail = append(tail, b...)
	}
	s.blocks, s.pending = nil, 0
	sortPairs(tail, s.ids.len())
	tail = compact(tail)
	if s.distinct > 0 {
		tail = mergeUnique(s.sorted, tail)
	}
	s.sorted, s.distinct = [][]uint64{tail}, len(tail)
}

// Len returns the number of customers so far, 0 for a new Summarizer.
func (s *Summarizer) Len() int { return s.ids.len() }

// Summaries returns the summaries so far, sorted by customer ID (bytewise),
// in a new slice; an empty slice when nothing was added. The Summarizer can
// keep accumulating afterwards.
func (s *Summarizer) Summaries() []Summary {
	n := s.ids.len()
	occ := s.occasions()
	order := make([]int32, n)
	for i := range order {
		order[i] = int32(i)
	}
	sortByID(order, s.ids)
	// One string holds every ID; each Summary's Customer is a substring.
	all := string(s.ids.arena)
	out := parallel.Make[Summary](n) // mapped before the collector can scan it
	parallel.For(n, 1<<16, func(lo, hi int) {
		for k := lo; k < hi; k++ {
			s.summary(&out[k], order[k], occ, all)
		}
	})
	return out
}

// occasions deduplicates the pending occasion pairs and returns each
// customer's number of distinct occasion keys.
func (s *Summarizer) occasions() []int32 {
	s.flush()
	occ := make([]int32, s.ids.len())
	for _, r := range s.sorted {
		for _, p := range r {
			occ[p>>32]++
		}
	}
	return occ
}

// summary fills sum for customer i, given occasions' counts and all, the
// customer IDs' arena as a string.
func (s *Summarizer) summary(sum *Summary, i int32, occ []int32, all string) {
	a := &s.acc[i>>accShift][i&(accBlock-1)]
	start := 0
	if i > 0 {
		start = s.ids.ends[i-1]
	}
	sum.Customer = all[start:s.ids.ends[i]]
	sum.Occasions = int(occ[i]) + a.noOrder
	sum.Transactions = a.tx
	sum.Total = signedFloat(a.pur, a.ret, int(a.scale))
	sum.Returns = a.ret.float(int(a.scale))
	if a.bought {
		sum.First = s.timeOf(a.firstSec, a.firstNs)
		sum.Last = s.timeOf(a.lastSec, a.lastNs)
	}
}

func (s *Summarizer) timeOf(sec int64, ns int32) time.Time {
	if s.utc {
		return time.Unix(sec, int64(ns)).UTC()
	}
	return time.Unix(sec, int64(ns)).In(s.opts.Location)
}

// sortByID sorts customer indexes by their IDs (bytewise, as strings
// compare). Input grouped and sorted by customer, the common case, is
// detected in one pass.
func sortByID(order []int32, ids *idTable) {
	less := func(a, b int32) int { return bytes.Compare(ids.id(a), ids.id(b)) }
	if slices.IsSortedFunc(order, less) {
		return
	}
	slices.SortFunc(order, less)
}

// sortPairs sorts occasion pairs (customer index << 32 | key) of
// customers below n in place. When there are not many more customers
// than pairs, as in a partition's flush, it counts the pairs by customer
// and sorts each customer's few keys on their own, one pass over the
// pairs where the radix sort makes two or three, each with 2^16 counts
// to clear and add up; otherwise it radix-sorts.
func sortPairs(a []uint64, n int) {
	if len(a) < 256 || n > 4*len(a) {
		radixSort(a, n)
		return
	}
	start := make([]int32, n+1)
	for _, v := range a {
		start[v>>32+1]++
	}
	for i := 1; i <= n; i++ {
		start[i] += start[i-1]
	}
	tmp := make([]uint64, len(a))
	pos := slices.Clone(start[:n])
	for _, v := range a {
		c := v >> 32
		tmp[pos[c]] = v
		pos[c]++
	}
	for c := range n {
		g := tmp[start[c]:start[c+1]]
		if len(g) > 16 {
			slices.Sort(g)
			continue
		}
		for i := 1; i < len(g); i++ { // insertion sort
			v, j := g[i], i
			for ; j > 0 && g[j-1] > v; j-- {
				g[j] = g[j-1]
			}
			g[j] = v
		}
	}
	copy(a, tmp)
}

// radixSort sorts a in place by an LSD radix sort on 16-bit digits,
// skipping the high digits of customer indexes below n.
func radixSort(a []uint64, n int) {
	if len(a) < 256 {
		slices.Sort(a)
		return
	}
	bits := 32
	for n > 0 {
		bits++
		n >>= 1
	}
	tmp := make([]uint64, len(a))
	src, dst := a, tmp
	var count [1 << 16]int
	for shift := 0; shift < bits; shift += 16 {
		clear(count[:])
		for _, v := range src {
			count[(v>>shift)&0xffff]++
		}
		if count[(src[0]>>shift)&0xffff] == len(src) {
			continue // every value has this digit
		}
		pos := 0
		for d, c := range count {
			count[d] = pos
			pos += c
		}
		for _, v := range src {
			d := (v >> shift) & 0xffff
			dst[count[d]] = v
			count[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &a[0] {
		copy(a, src)
	}
}

// compact removes adjacent duplicates from sorted a in place.
func compact(a []uint64) []uint64 {
	if len(a) == 0 {
		return a
	}
	j := 1
	for i := 1; i < len(a); i++ {
		if a[i] != a[j-1] {
			a[j] = a[i]
			j++
		}
	}
	return a[:j]
}

// mergeUnique merges runs that together are sorted and duplicate-free
// with another sorted, duplicate-free slice b into a new slice without
// duplicates.
func mergeUnique(runs [][]uint64, b []uint64) []uint64 {
	n := len(b)
	for _, r := range runs {
		n += len(r)
	}
	out := make([]uint64, 0, n)
	j := 0
	for _, a := range runs {
		i := 0
		for i < len(a) && j < len(b) {
			switch {
			case a[i] < b[j]:
				out = append(out, a[i])
				i++
			case a[i] > b[j]:
				out = append(out, b[j])
				j++
			default:
				out = append(out, a[i])
				i++
				j++
			}
		}
		out = append(out, a[i:]...)
	}
	return append(out, b[j:]...)
}

// DayNumber returns the calendar day of t in loc as a count of days since
// 1970-01-01 (negative before it). Two times on the same calendar day in loc
// have the same day number. A nil loc means UTC, as everywhere in cvm.
func DayNumber(t time.Time, loc *time.Location) int64 {
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := t.In(loc).Date()
	return civil.Days(y, int(m), d)
}
