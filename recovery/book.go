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

// chunk holds the inputs of up to chunkSize consecutive customers, in
// input order, for [Book.Customers], [Book.Customer] and the JSON form;
// their playbooks are packed in the table's slots (see index.go). A chunk
// is never modified once a published Book refers to it; updating a
// customer copies its chunk.
type chunk struct {
	cust []Customer
}

// Book holds the precomputed playbooks of a customer base: every customer x
// failure type x severity. A Book is immutable and safe for concurrent use;
// [Book.WithCustomer] returns a new book. To replace a book while lookups
// continue, keep it in a [Store].
type Book struct {
	m        *Model
	asOf     time.Time // from BuildSettings, for the card
	index    idIndex   // the slots: ID, position and packed playbooks
	chunks   []*chunk
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

// Build precomputes the playbooks of every customer (packs into its slot
// the numbers its 24 entries are computed from at lookup, see the package
// documentation), in parallel over GOMAXPROCS workers; the result does not depend on the worker count. The
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

	errs := make([]error, nch)
	parallel.Chunks(n, chunkSize, func(_, lo, hi int) {
		if ctx.Err() != nil {
			return
		}
		k := lo / chunkSize
		b.chunks[k], errs[k] = newChunk(customers[lo:hi], lo)
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if p := b.fillIndex(maphash.MakeSeed(), n, chans); p >= 0 {
		return nil, &CustomerError{Index: p, Customer: b.idAt(p), Field: "id", Err: ErrDuplicate}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return b, nil
}

// newChunk copies and validates the customers of one chunk; base is the
// index of cs[0] in the input.
func newChunk(cs []Customer, base int) (*chunk, error) {
	c := &chunk{cust: slices.Clone(cs)}
	for j := range c.cust {
		if err := c.cust[j].validate(base + j); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// customerAt returns the inputs of the customer at input position p.
func (b *Book) customerAt(p int) *Customer { return &b.chunks[p>>chunkBits].cust[p&(chunkSize-1)] }

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
	sl := b.find(id)
	if sl == nil {
		return Entry{}, &CustomerError{Index: -1, Customer: id, Err: ErrNotFound}
	}
	// Channel 0 is "": the model's default for s then, chosen without a
	// branch on the slot.
	ch, def := b.channels[sl.ch], b.m.cfg.DefaultChannel[s-1]
	if sl.ch == 0 {
		ch = def
	}
	b.m.fill(&e, t, s, sl, ch)
	return e, nil
}

// Customer returns the inputs the book holds for id, and whether it holds
// them; a nil book holds none.
func (b *Book) Customer(id string) (Customer, bool) {
	sl := b.find(id)
	if sl == nil {
		return Customer{}, false
	}
	return *b.customerAt(int(sl.pos - 1)), true
}

// idAt returns the ID of the customer at position p.
func (b *Book) idAt(p int) string { return b.customerAt(p).ID }

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
// a copy of each 256-customer chunk of inputs (about 25 KB) and each
// 4096-slot page of the table (256 KB) they touch. Adding customers
// copies the pages their slots go in, and when the table would be over
// half full rebuilds it twice as large, O(Len): add them in batches. cs
// is neither kept nor modified. An invalid customer is a *[CustomerError]
// naming its position in cs, and nothing is applied. A nil book is an
// error: build one with [Model.Build].
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
		p := -1
		if sl := b.find(c.ID); sl != nil {
			p = int(sl.pos - 1)
		} else {
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
			nc := &chunk{cust: make([]Customer, len(old.cust), chunkSize)}
			copy(nc.cust, old.cust)
			nb.chunks[k] = nc
			owned[k] = true
		}
		nc := nb.chunks[k]
		if j >= len(nc.cust) { // appending: within the fresh copy's capacity
			nc.cust = nc.cust[:j+1]
		}
		nc.cust[j] = *c
	}
	if 2*nb.n > int(b.index.size) {
		// Over half full: a table twice as large, every slot packed anew.
		nb.fillIndex(b.index.seed, 2*nb.n, nil)
		return &nb, nil
	}
	// Same table: copy the pages written to, insert the new IDs (now
	// readable at their positions), and pack the changed slots.
	nb.index.pages = append([][]slot(nil), b.index.pages...)
	ownedPages := map[uint64]bool{}
	writable := func(i uint64) *slot {
		if k := i >> pageBits; !ownedPages[k] {
			nb.index.pages[k] = slices.Clone(b.index.pages[k])
			ownedPages[k] = true
		}
		return nb.index.at(i)
	}
	for _, id := range addOrder {
		i, _ := nb.probe(id)
		nb.index.setKey(writable(i), id, added[id])
	}
	for p := range changed {
		i, _ := nb.probe(nb.idAt(p))
		nb.packAt(writable(i), p)
	}
	return &nb, nil
}

// fillIndex gives b a new table with room for n IDs, seeded with seed,
// holding every customer of b: the IDs go in in input order, then the
// slots are packed in parallel, with channel index chans[p] for the
// customer at input position p (looked up when chans is nil). It returns the input position of the
// first ID already in the table (the table then is incomplete), or -1.
func (b *Book) fillIndex(seed maphash.Seed, n int, chans []uint16) int {
	b.index = newIndexSize(seed, n)
	where := make([]uint32, b.n) // input position -> slot index
	for p := range b.n {
		id := b.idAt(p)
		i, dup := b.probe(id)
		if dup {
			return p
		}
		b.index.setKey(b.index.at(i), id, p)
		where[p] = uint32(i)
	}
	parallel.Chunks(b.n, chunkSize, func(_, lo, hi int) {
		for p := lo; p < hi; p++ {
			s := b.index.at(uint64(where[p]))
			if chans == nil {
				b.packAt(s, p)
			} else {
				b.m.pack(b.customerAt(p), s)
				s.ch = chans[p]
			}
		}
	})
	return -1
}

// packAt packs the playbooks of the customer at input position p of b,
// with its channel index, into its slot s.
func (b *Book) packAt(s *slot, p int) {
	c := b.customerAt(p)
	b.m.pack(c, s)
	s.ch = b.chanIdx[c.Channel]
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
