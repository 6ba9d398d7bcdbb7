package recovery

import (
	"context"
	"fmt"
	"hash/maphash"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cvmkit/cvm/internal/parallel"
)

const (
	chunkBits = 8
	chunkSize = 1 << chunkBits
)

// The layout. A lookup by customer must cost one memory miss, not a miss
// for the ID index and then another for the playbooks it points to. So the
// playbooks are stored in the order of the index's slots, not in input
// order: the customer in the r-th occupied slot has its blocks at rank r
// of rows. The rank of a slot comes from a small directory of occupancy
// bitmaps and prefix counts ([idIndex.rankOf], a quarter byte per slot, in
// cache), so the address of the playbooks is known from the ID's hash
// alone: the processor loads them while it is still waiting for the slot
// that confirms the ID, and the two misses overlap. The inputs stay in
// input order (chunks), for [Book.Customers], [Book.Customer] and the
// JSON form.

// chunk holds the inputs of up to chunkSize consecutive customers, in
// input order, and the rank of each one's playbooks in the book's rows. A
// chunk is never modified once a published Book refers to it; updating a
// customer copies its chunk.
type chunk struct {
	cust []Customer
	rank []uint32 // rank in the slot order: the playbooks are rows[rank>>chunkBits]
}

// Book holds the precomputed playbooks of a customer base: every customer x
// failure type x severity. A Book is immutable and safe for concurrent use;
// [Book.WithCustomer] returns a new book. To replace a book while lookups
// continue, keep it in a [Store].
type Book struct {
	m      *Model
	asOf   time.Time // from BuildSettings, for the card
	index  idIndex
	chunks []*chunk
	// rows[r>>chunkBits][(r&(chunkSize-1))*NumSeverities+s] is block s of
	// the customer of rank r (slot order); each block carries the
	// customer's channel index. Never modified once published; updating a
	// customer copies its row chunk.
	rows     [][]sevBlock
	n        int
	channels []string          // interned channel names; channels[0] is ""
	chanIdx  map[string]uint16 // name -> index in channels
}

// BuildSettings configure [Model.Build]. A nil *BuildSettings means the
// zero value.
type BuildSettings struct {
	// AsOf is the time the customers' inputs describe (their quadrant,
	// stage and 12-month history), recorded in the book's model card
	// ([Book.Card]); the zero time records none. It changes no playbook.
	AsOf time.Time
}

// Build precomputes the playbooks of every customer, in parallel over
// GOMAXPROCS workers; the result does not depend on the worker count. The
// customers slice is neither kept nor modified. An invalid customer is
// reported as a *[CustomerError] naming it (the first one in input order);
// so is a duplicate ID ([ErrDuplicate]). An empty slice gives an empty
// book. Build returns ctx.Err() when ctx is done before it finishes.
func (m *Model) Build(ctx context.Context, customers []Customer, settings *BuildSettings) (*Book, error) {
	n := len(customers)
	if n > 1<<31-1 {
		return nil, fmt.Errorf("recovery: %d customers is more than a book holds", n)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b := &Book{m: m, n: n, channels: []string{""}, chanIdx: map[string]uint16{"": 0}}
	if settings != nil {
		b.asOf = settings.AsOf
	}
	nch := (n + chunkSize - 1) / chunkSize
	b.chunks = make([]*chunk, nch)

	// Channels are interned serially first (few distinct values).
	chans := make([]uint16, n)
	for i := range customers {
		k, err := b.intern(customers[i].Channel, i, customers[i].ID)
		if err != nil {
			return nil, err
		}
		chans[i] = k
	}

	// The ID index is built while the workers copy and validate the
	// inputs.
	var idxErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		idx := newIndexSize(maphash.MakeSeed(), n)
		idAt := func(p int) string { return customers[p].ID }
		for i := range customers {
			if !idx.insert(customers[i].ID, i, idAt) {
				idxErr = &CustomerError{Index: i, Customer: customers[i].ID, Field: "id", Err: ErrDuplicate}
				return
			}
		}
		b.index = idx
	}()
	errs := make([]error, nch)
	parallel.Chunks(n, chunkSize, func(_, lo, hi int) {
		if ctx.Err() != nil {
			return
		}
		k := lo / chunkSize
		b.chunks[k], errs[k] = newChunk(customers[lo:hi], lo)
	})
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if idxErr != nil {
		return nil, idxErr
	}
	b.layout(func(p int, blk *[NumSeverities]sevBlock) {
		m.compute(&b.chunks[p>>chunkBits].cust[p&(chunkSize-1)], blk)
		for s := range blk {
			blk[s].ch = chans[p]
		}
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return b, nil
}

// newChunk copies and validates the customers of one chunk; base is the
// index of cs[0] in the input. Their ranks are set by [Book.layout].
func newChunk(cs []Customer, base int) (*chunk, error) {
	c := &chunk{cust: slices.Clone(cs), rank: make([]uint32, len(cs))}
	for j := range c.cust {
		if err := c.cust[j].validate(base + j); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// layout sets the directory of b's index, the rank of every customer in
// b's chunks (which it must own), and b.rows, filled in parallel by fill
// with the blocks of the customer at input position p. The result does
// not depend on the number of workers.
func (b *Book) layout(fill func(p int, blk *[NumSeverities]sevBlock)) {
	b.index.buildDir()
	order := make([]int32, b.n) // rank -> input position
	r := 0
	for i := range b.index.slots {
		if pos := b.index.slots[i].pos; pos != 0 {
			p := int(pos - 1)
			order[r] = int32(p)
			b.chunks[p>>chunkBits].rank[p&(chunkSize-1)] = uint32(r)
			r++
		}
	}
	b.rows = make([][]sevBlock, len(b.chunks))
	parallel.Chunks(b.n, chunkSize, func(_, lo, hi int) {
		blk := make([]sevBlock, (hi-lo)*NumSeverities)
		for r := lo; r < hi; r++ {
			fill(int(order[r]), (*[NumSeverities]sevBlock)(blk[(r-lo)*NumSeverities:]))
		}
		b.rows[lo>>chunkBits] = blk
	})
}

// blocksAt returns the blocks of the customer at input position p.
func (b *Book) blocksAt(p int) *[NumSeverities]sevBlock {
	r := int(b.chunks[p>>chunkBits].rank[p&(chunkSize-1)])
	return (*[NumSeverities]sevBlock)(b.rows[r>>chunkBits][(r&(chunkSize-1))*NumSeverities:])
}

// intern returns the index of channel name in b's table, adding it.
func (b *Book) intern(name string, i int, id string) (uint16, error) {
	if k, ok := b.chanIdx[name]; ok {
		return k, nil
	}
	if len(b.channels) > 1<<16-1 {
		return 0, &CustomerError{Index: i, Customer: id, Field: "channel", Err: fmt.Errorf("%w: more than 65535 distinct channels", ErrBadValue)}
	}
	k := uint16(len(b.channels))
	b.channels = append(b.channels, name)
	b.chanIdx[name] = k
	return k, nil
}

// Len returns the number of customers in the book; 0 for a nil book.
func (b *Book) Len() int {
	if b == nil {
		return 0
	}
	return b.n
}

// Model returns the model the book was built with; nil for a nil book.
func (b *Book) Model() *Model {
	if b == nil {
		return nil
	}
	return b.m
}

// Lookup returns the playbook for a customer, failure type and severity.
// It is O(1), does not allocate, and is safe for concurrent use; on a
// book too large for the caches it costs about one memory access (see
// the package documentation, "Performance"). An
// invalid t or s is an error wrapping [ErrUnknownFailure] or
// [ErrUnknownSeverity]; a customer the book does not hold is a
// *[CustomerError] wrapping [ErrNotFound], never a zero-value entry. A nil
// book holds no customer.
func (b *Book) Lookup(id string, t FailureType, s Severity) (e Entry, err error) {
	if err := checkKind(t, s); err != nil {
		return Entry{}, err
	}
	r := b.findRank(id)
	if r < 0 {
		return Entry{}, &CustomerError{Index: -1, Customer: id, Err: ErrNotFound}
	}
	blk := &b.rows[r>>chunkBits][(r&(chunkSize-1))*NumSeverities+int(s-1)]
	b.m.fill(&e, t, s, blk, b.channels[blk.ch])
	return e, nil
}

// Customer returns the inputs the book holds for id, and whether it holds
// them; a nil book holds none.
func (b *Book) Customer(id string) (Customer, bool) {
	i := b.find(id)
	if i < 0 {
		return Customer{}, false
	}
	return b.chunks[i>>chunkBits].cust[i&(chunkSize-1)], true
}

// idAt returns the ID of the customer at position p.
func (b *Book) idAt(p int) string { return b.chunks[p>>chunkBits].cust[p&(chunkSize-1)].ID }

// Customers calls yield with every customer in the book, in the order they
// were given to Build (updated customers in place, new ones at the end);
// none for a nil book.
func (b *Book) Customers(yield func(Customer) bool) {
	if b == nil {
		return
	}
	for _, c := range b.chunks {
		for j := range c.cust {
			if !yield(c.cust[j]) {
				return
			}
		}
	}
}

// WithCustomer returns a new book in which c's playbooks are rebuilt from
// c, for example after its quadrant, stage or failure history changed, or
// c is added if the book does not hold it; b itself is unchanged. See
// [Book.WithCustomers].
func (b *Book) WithCustomer(c Customer) (*Book, error) {
	return b.WithCustomers([]Customer{c})
}

// WithCustomers returns a new book in which the playbooks of every customer
// in cs are rebuilt from cs; customers the book does not hold are added at
// the end, in order. A customer given twice takes its last entry. b itself
// is unchanged and stays valid. Updating customers the book holds costs
// a copy of each 256-customer chunk touched (inputs and playbooks, about
// 100 KB). Adding customers costs a copy of the ID index and of every
// playbook, O(Len) (the playbooks are laid out in the index's order, so
// that a lookup costs one memory access): add them in batches. cs is neither kept nor modified. An invalid
// customer is a *[CustomerError] naming its position in cs, and nothing is
// applied. A nil book is an error: build one with [Model.Build].
func (b *Book) WithCustomers(cs []Customer) (*Book, error) {
	if b == nil {
		return nil, fmt.Errorf("recovery: WithCustomers on a nil book")
	}
	for i := range cs {
		if err := cs[i].validate(i); err != nil {
			return nil, err
		}
	}
	nb := *b
	cloned := false
	for i := range cs {
		if _, ok := b.chanIdx[cs[i].Channel]; ok {
			continue
		}
		if !cloned {
			nb.channels = append([]string(nil), b.channels...)
			nb.chanIdx = maps.Clone(b.chanIdx)
			cloned = true
		}
		if _, err := nb.intern(cs[i].Channel, i, cs[i].ID); err != nil {
			return nil, err
		}
	}
	nb.chunks = append([]*chunk(nil), b.chunks...)
	owned := map[int]bool{} // chunks of nb that are fresh copies
	added := map[string]int{}
	var addOrder []string
	changed := map[int]bool{} // input positions of the customers rebuilt
	for i := range cs {
		c := &cs[i]
		p := b.find(c.ID)
		if p < 0 {
			q, ok := added[c.ID]
			if !ok {
				if nb.n >= 1<<31-1 {
					return nil, fmt.Errorf("recovery: book is full")
				}
				q = nb.n
				nb.n++
				added[c.ID] = q
				addOrder = append(addOrder, c.ID)
			}
			p = q
		}
		changed[p] = true
		k, j := p>>chunkBits, p&(chunkSize-1)
		if k == len(nb.chunks) {
			nb.chunks = append(nb.chunks, &chunk{})
		}
		if !owned[k] {
			old := nb.chunks[k]
			nc := &chunk{cust: make([]Customer, len(old.cust), chunkSize), rank: make([]uint32, len(old.rank), chunkSize)}
			copy(nc.cust, old.cust)
			copy(nc.rank, old.rank)
			nb.chunks[k] = nc
			owned[k] = true
		}
		nc := nb.chunks[k]
		if j >= len(nc.cust) { // appending: within the fresh copy's capacity
			nc.cust = nc.cust[:j+1]
			nc.rank = nc.rank[:j+1]
		}
		nc.cust[j] = *c
	}
	if len(addOrder) == 0 {
		// Same IDs, same slots, same ranks: rebuild the changed
		// customers' blocks in copies of their row chunks.
		nb.rows = append([][]sevBlock(nil), b.rows...)
		ownedRows := map[int]bool{}
		for p := range changed {
			r := int(nb.chunks[p>>chunkBits].rank[p&(chunkSize-1)])
			k := r >> chunkBits
			if !ownedRows[k] {
				nb.rows[k] = slices.Clone(b.rows[k])
				ownedRows[k] = true
			}
			nb.fillBlocks(p, (*[NumSeverities]sevBlock)(nb.rows[k][(r&(chunkSize-1))*NumSeverities:]))
		}
		return &nb, nil
	}
	// Customers are added: copy the index (rebuilt larger when it would
	// be over half full) now that the new IDs are readable at their
	// positions, then lay the book out again, since ranks change: blocks
	// of unchanged customers are copied, the others computed.
	if 2*nb.n <= len(b.index.slots) {
		nb.index = idIndex{seed: b.index.seed, slots: append([]idSlot(nil), b.index.slots...)}
		for _, id := range addOrder {
			nb.index.insert(id, added[id], nb.idAt)
		}
	} else {
		nb.index = newIndexSize(b.index.seed, 2*nb.n)
		for p := range nb.n {
			nb.index.insert(nb.idAt(p), p, nb.idAt)
		}
	}
	for k, c := range nb.chunks {
		if !owned[k] { // fresh ranks, shared inputs
			nb.chunks[k] = &chunk{cust: c.cust, rank: make([]uint32, len(c.rank))}
		}
	}
	nb.layout(func(p int, blk *[NumSeverities]sevBlock) {
		if p < b.n && !changed[p] {
			*blk = *b.blocksAt(p)
			return
		}
		nb.fillBlocks(p, blk)
	})
	return &nb, nil
}

// fillBlocks computes the blocks of the customer at input position p of
// b, with its channel index.
func (b *Book) fillBlocks(p int, blk *[NumSeverities]sevBlock) {
	c := &b.chunks[p>>chunkBits].cust[p&(chunkSize-1)]
	b.m.compute(c, blk)
	ch := b.chanIdx[c.Channel]
	for s := range blk {
		blk[s].ch = ch
	}
}

// Store holds the current book and lets it be replaced while lookups
// continue. Readers never block and always see one whole book, the old or
// the new. The zero Store holds no book: lookups report [ErrNotFound].
// A Store must not be copied after first use.
type Store struct {
	cur atomic.Pointer[Book]
	mu  sync.Mutex // serializes writers
}

// NewStore returns a store holding b (which may be nil).
func NewStore(b *Book) *Store {
	s := &Store{}
	s.cur.Store(b)
	return s
}

// Book returns the current book; nil if none was stored.
func (s *Store) Book() *Book { return s.cur.Load() }

// Swap replaces the current book with b atomically and returns the old one.
func (s *Store) Swap(b *Book) *Book {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur.Swap(b)
}

// Lookup looks the playbook up in the current book; see [Book.Lookup]. It
// does not allocate and never blocks.
func (s *Store) Lookup(id string, t FailureType, s2 Severity) (Entry, error) {
	b := s.cur.Load()
	if b == nil {
		if err := checkKind(t, s2); err != nil {
			return Entry{}, err
		}
		return Entry{}, &CustomerError{Index: -1, Customer: id, Err: ErrNotFound}
	}
	return b.Lookup(id, t, s2)
}

// Update rebuilds the playbooks of the given customers in the current book
// (adding those it does not hold) and swaps the result in; see
// [Book.WithCustomers]. Concurrent Updates and Swaps are serialized;
// lookups continue meanwhile and see the book before or after the whole
// update, never part of it. A store without a book is an error.
func (s *Store) Update(cs ...Customer) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.cur.Load()
	if b == nil {
		return fmt.Errorf("recovery: store holds no book")
	}
	nb, err := b.WithCustomers(cs)
	if err != nil {
		return err
	}
	s.cur.Store(nb)
	return nil
}
