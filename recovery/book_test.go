package recovery

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/cvmkit/cvm/lifecycle"
	"github.com/cvmkit/cvm/value"

	"github.com/cvmkit/cvm/internal/check"
)

// Every entry of a built book equals the entry computed directly.
func TestBookMatchesPlaybook(t *testing.T) {
	m := mustModel(t, nil)
	cs := synthCustomers(2500, 21) // three chunks, the last partial
	b, err := m.Build(context.Background(), cs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b.Len() != len(cs) {
		t.Fatalf("Len %d, want %d", b.Len(), len(cs))
	}
	for _, c := range cs {
		for ft := MoneyLoss; ft <= Outage; ft++ {
			for s := S1; s <= S4; s++ {
				got, err := b.Lookup(c.ID, ft, s)
				if err != nil {
					t.Fatal(err)
				}
				if want := mustEntry(t, m, c, ft, s); got != want {
					t.Fatalf("%s %v %v: %+v, want %+v", c.ID, ft, s, got, want)
				}
			}
		}
		if got, ok := b.Customer(c.ID); !ok || got != c {
			t.Fatalf("Customer(%s) = %+v %v", c.ID, got, ok)
		}
	}
}

// packed returns slot s without its key, which holds a seeded hash for a
// long ID: what a customer's playbooks are computed from.
func packed(s *slot) slot {
	c := *s
	c.klen, c.key = 0, [idInline]byte{}
	return c
}

// sameBook reports whether a and b hold the same customers and records
// (the layouts may differ: each book has its own hash seed).
func sameBook(a, b *Book) bool {
	if a.n != b.n || len(a.chunks) != len(b.chunks) || !slices.Equal(a.channels, b.channels) || !maps.Equal(a.chanIdx, b.chanIdx) {
		return false
	}
	for p := range a.n {
		id := a.idAt(p)
		sa, sb := a.find(id), b.find(id)
		if sa == nil || sb == nil || sa.pos != uint32(p+1) || sb.pos != uint32(p+1) {
			return false
		}
		if packed(sa) != packed(sb) {
			return false
		}
	}
	for k := range a.chunks {
		if !slices.Equal(a.chunks[k].cust, b.chunks[k].cust) {
			return false
		}
	}
	return true
}

// cloneBook deep-copies b.
func cloneBook(b *Book) *Book {
	c := *b
	c.index.pages = make([][]slot, len(b.index.pages))
	for k, pg := range b.index.pages {
		c.index.pages[k] = slices.Clone(pg)
	}
	c.chanIdx = maps.Clone(b.chanIdx)
	c.channels = slices.Clone(b.channels)
	c.chunks = make([]*chunk, len(b.chunks))
	for k, x := range b.chunks {
		c.chunks[k] = &chunk{slices.Clone(x.cust)}
	}
	return &c
}

// The book does not depend on the number of workers.
func TestBuildDeterministic(t *testing.T) {
	m := mustModel(t, nil)
	cs := synthCustomers(3000, 22)
	prev := runtime.GOMAXPROCS(1)
	b1, err := m.Build(context.Background(), cs, nil)
	runtime.GOMAXPROCS(prev)
	if err != nil {
		t.Fatal(err)
	}
	b2, err := m.Build(context.Background(), cs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !sameBook(b1, b2) {
		t.Error("books built with 1 and GOMAXPROCS workers differ")
	}
}

func TestLookupBadInput(t *testing.T) {
	m := mustModel(t, nil)
	b, err := m.Build(context.Background(), []Customer{{ID: "a", Quadrant: value.QuadrantI}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, ft := range []FailureType{0, 7, 255} {
		if _, err := b.Lookup("a", ft, S1); !errors.Is(err, ErrUnknownFailure) {
			t.Errorf("failure %d: %v", ft, err)
		}
	}
	for _, s := range []Severity{0, 5} {
		if _, err := b.Lookup("a", Staff, s); !errors.Is(err, ErrUnknownSeverity) {
			t.Errorf("severity %d: %v", s, err)
		}
	}
	e, err := b.Lookup("zz", Staff, S1)
	var ce *CustomerError
	if !errors.Is(err, ErrNotFound) || !errors.As(err, &ce) || ce.Customer != "zz" || e != (Entry{}) {
		t.Errorf("not found: %+v %v", e, err)
	}
	if got := err.Error(); got != `recovery: customer "zz": recovery: customer not in the book` {
		t.Errorf("message %q", got)
	}
	if _, ok := b.Customer("zz"); ok {
		t.Error("Customer(zz) ok")
	}
	var s Store
	if _, err := s.Lookup("a", Staff, S1); !errors.Is(err, ErrNotFound) {
		t.Errorf("empty store: %v", err)
	}
	if _, err := s.Lookup("a", 9, S1); !errors.Is(err, ErrUnknownFailure) {
		t.Errorf("empty store, bad type: %v", err)
	}
	if err := s.Update(Customer{ID: "a", Quadrant: 1}); err == nil {
		t.Error("Update on an empty store succeeded")
	}
	empty, err := m.Build(context.Background(), nil, nil)
	if err != nil || empty.Len() != 0 {
		t.Fatalf("empty build: %v %v", empty.Len(), err)
	}
	if _, err := empty.Lookup("a", Staff, S1); !errors.Is(err, ErrNotFound) {
		t.Errorf("empty book: %v", err)
	}
}

func TestWithCustomer(t *testing.T) {
	m := mustModel(t, nil)
	cs := synthCustomers(1500, 23)
	b, err := m.Build(context.Background(), cs, nil)
	if err != nil {
		t.Fatal(err)
	}
	before := cloneBook(b)
	// Update an existing customer: now in decline, with a bad recovery.
	c := cs[1200]
	c.Stage, c.Failures12m, c.LastRecoveryOK, c.Channel = lifecycle.Decline, 2, false, "whatsapp"
	nb, err := b.WithCustomer(c)
	if err != nil {
		t.Fatal(err)
	}
	// Add a new customer, filling the partial last chunk, and one more
	// customer in an empty book.
	n := Customer{ID: "new", Quadrant: value.QuadrantIV, Tier: 1, Channel: "sms"}
	nb, err = nb.WithCustomer(n)
	if err != nil {
		t.Fatal(err)
	}
	if nb.Len() != 1501 || b.Len() != 1500 {
		t.Errorf("Len %d/%d", nb.Len(), b.Len())
	}
	for _, x := range []Customer{c, n, cs[0], cs[1201]} {
		for s := S1; s <= S4; s++ {
			got, err := nb.Lookup(x.ID, Delivery, s)
			if err != nil {
				t.Fatal(err)
			}
			if want := mustEntry(t, m, x, Delivery, s); got != want {
				t.Errorf("%s %v: %+v, want %+v", x.ID, s, got, want)
			}
		}
	}
	// The old book is unchanged.
	if !sameBook(before, b) {
		t.Error("WithCustomer changed the original book")
	}
	if _, err := b.Lookup("new", Staff, S1); !errors.Is(err, ErrNotFound) {
		t.Error("new customer visible in the old book")
	}
	empty := check.Must(m.Build(context.Background(), nil, nil))
	one, err := empty.WithCustomer(n)
	if err != nil || one.Len() != 1 {
		t.Fatalf("add to empty: %v", err)
	}
	if _, err := one.Lookup("new", Staff, S1); err != nil {
		t.Error(err)
	}
	if _, err := b.WithCustomer(Customer{ID: "bad", Quadrant: 9}); !errors.Is(err, ErrBadValue) {
		t.Errorf("invalid customer: %v", err)
	}
	// The customer iterator yields updated customers in place, new ones last.
	var ids []string
	for x := range nb.Customers {
		ids = append(ids, x.ID)
	}
	if len(ids) != 1501 || ids[1200] != c.ID || ids[1500] != "new" {
		t.Errorf("Customers order: %d %s %s", len(ids), ids[1200], ids[1500])
	}
}

// Lookups run while single customers are rebuilt and whole books are
// swapped. Each version v of the book gives every customer a gross profit
// of 1000 x (v+1), so all four severities of one lookup must come from the
// same version: cap(S4) = 4 x cap(S1) and cap(S1) is a version's value.
// Run with -race.
func TestConcurrentLookupsDuringSwap(t *testing.T) {
	m := mustModel(t, nil)
	const n, versions = 3000, 8
	base := make([]Customer, n)
	for i := range base {
		base[i] = Customer{ID: fmt.Sprintf("c%d", i), Quadrant: value.QuadrantIV, Tier: 1}
	}
	books := make([]*Book, versions)
	valid := map[float64]bool{}
	for v := range versions {
		cs := append([]Customer(nil), base...)
		for i := range cs {
			cs[i].GrossProfit = float64(1000 * (v + 1))
		}
		b, err := m.Build(context.Background(), cs, nil)
		if err != nil {
			t.Fatal(err)
		}
		books[v] = b
		valid[0.25*min(5000, 100*float64(v+1))] = true // S1 cap share 0.25
	}
	st := NewStore(books[0])
	var stop atomic.Bool
	var lookups atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, 8)
	for r := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := r; !stop.Load(); i++ {
				id := base[(i*31)%n].ID
				b := st.Book()
				e1, err1 := b.Lookup(id, Outage, S1)
				e4, err4 := b.Lookup(id, Outage, S4)
				e, err := st.Lookup(id, Defect, S2)
				if err1 != nil || err4 != nil || err != nil {
					errc <- fmt.Errorf("lookup %s: %v %v %v", id, err1, err4, err)
					return
				}
				if e4.Cap != 4*e1.Cap || !valid[e1.Cap] || e.Cap <= 0 {
					errc <- fmt.Errorf("%s: torn book: caps %v %v %v", id, e1.Cap, e4.Cap, e.Cap)
					return
				}
				lookups.Add(1)
			}
		}()
	}
	// Writers: rebuild single customers and swap whole books.
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := 0; i < 300 && !stop.Load(); i++ {
			c := base[(i*17)%n]
			c.GrossProfit = float64(1000 * (i%versions + 1))
			if err := st.Update(c); err != nil {
				errc <- err
				return
			}
		}
	}()
	go func() {
		defer wg.Done()
		for i := 0; i < 300 && !stop.Load(); i++ {
			st.Swap(books[i%versions])
		}
	}()
	done := make(chan struct{})
	go func() {
		for lookups.Load() < 20000 && len(errc) == 0 {
			runtime.Gosched()
		}
		stop.Store(true)
		close(done)
	}()
	<-done
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
}

// Lookup does not allocate, through the book or the store.
func TestLookupNoAllocs(t *testing.T) {
	m := mustModel(t, nil)
	cs := synthCustomers(2000, 41)
	b, err := m.Build(context.Background(), cs, nil)
	if err != nil {
		t.Fatal(err)
	}
	st := NewStore(b)
	i := 0
	allocs := testing.AllocsPerRun(1000, func() {
		c := &cs[(i*7)%len(cs)]
		if _, err := b.Lookup(c.ID, FailureType(1+i%6), Severity(1+i%4)); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Lookup(c.ID, FailureType(1+i%6), Severity(1+i%4)); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Lookup(c.ID, 0, S1); err == nil {
			t.Fatal("no error for failure type 0")
		}
		i++
	})
	if allocs != 0 {
		t.Errorf("%v allocations per lookup", allocs)
	}
}

// More than 65535 distinct channels do not fit the book's channel table.
func TestTooManyChannels(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 65536 customers")
	}
	m := mustModel(t, nil)
	cs := make([]Customer, 1<<16)
	for i := range cs {
		cs[i] = Customer{ID: fmt.Sprint(i), Quadrant: value.QuadrantI, Channel: fmt.Sprintf("ch%d", i)}
	}
	_, err := m.Build(context.Background(), cs, nil)
	var ce *CustomerError
	if !errors.As(err, &ce) || ce.Field != "channel" || ce.Index != 65535 || !errors.Is(err, ErrBadValue) {
		t.Fatalf("err %v", err)
	}
	b, err := m.Build(context.Background(), cs[:65535], nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.WithCustomer(cs[65535]); !errors.Is(err, ErrBadValue) {
		t.Errorf("WithCustomer: %v", err)
	}
}

// A batch update copies each touched block once, adds new customers in
// order, lets the last entry of a repeated customer win, and leaves the old
// book and the input slice alone.
func TestWithCustomers(t *testing.T) {
	m := mustModel(t, nil)
	cs := synthCustomers(700, 24)
	b, err := m.Build(context.Background(), cs, nil)
	if err != nil {
		t.Fatal(err)
	}
	before := cloneBook(b)
	up := []Customer{cs[5], cs[600], {ID: "n1", Quadrant: value.QuadrantIII}, cs[5], {ID: "n2", Quadrant: value.QuadrantI, Channel: "fax"}, {ID: "n1", Quadrant: value.QuadrantIV}}
	up[0].Stage = lifecycle.Ended
	up[3].Stage, up[3].Failures12m = lifecycle.Decline, 3 // the last entry for cs[5] wins
	in := slices.Clone(up)
	nb, err := b.WithCustomers(up)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(in, up) {
		t.Error("input modified")
	}
	if !sameBook(before, b) {
		t.Error("old book modified")
	}
	if nb.Len() != 702 {
		t.Fatalf("Len %d, want 702", nb.Len())
	}
	for _, want := range []Customer{up[3], up[1], up[4], up[5], cs[0], cs[699]} {
		got, ok := nb.Customer(want.ID)
		if !ok || got != want {
			t.Errorf("Customer(%s) = %+v, want %+v", want.ID, got, want)
		}
		e, err := nb.Lookup(want.ID, Defect, S2)
		if err != nil {
			t.Fatal(err)
		}
		if w := mustEntry(t, m, want, Defect, S2); e != w {
			t.Errorf("%s: %+v, want %+v", want.ID, e, w)
		}
	}
	var ids []string
	for c := range nb.Customers {
		ids = append(ids, c.ID)
	}
	if ids[700] != "n1" || ids[701] != "n2" {
		t.Errorf("new customers at %v", ids[700:])
	}
	// An invalid customer anywhere: nothing applied, position named.
	_, err = b.WithCustomers([]Customer{cs[1], {ID: "bad", Quadrant: value.QuadrantI, Strength: 2}})
	var ce *CustomerError
	if !errors.As(err, &ce) || ce.Index != 1 || ce.Field != "strength" {
		t.Errorf("err %v", err)
	}
	// Growing the index: add many customers to a small book.
	small := check.Must(m.Build(context.Background(), cs[:3], nil))
	grown, err := small.WithCustomers(cs[3:])
	if err != nil {
		t.Fatal(err)
	}
	if !sameBook(grown, mustBuild(t, m, cs)) {
		t.Error("book grown by WithCustomers differs from one built at once")
	}
	// Store.Update with several customers.
	st := NewStore(b)
	if err := st.Update(up...); err != nil {
		t.Fatal(err)
	}
	if st.Book().Len() != 702 {
		t.Errorf("store Len %d", st.Book().Len())
	}
}

func mustBuild(t *testing.T, m *Model, cs []Customer) *Book {
	t.Helper()
	b, err := m.Build(context.Background(), cs, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// IDs short enough to sit in the index slot and longer ones, with shared
// prefixes, are all found; near misses are not.
func TestIndexIDLengths(t *testing.T) {
	m := mustModel(t, nil)
	var cs []Customer
	for n := 1; n <= 40; n++ {
		for _, fill := range []string{"x", "y"} {
			cs = append(cs, Customer{ID: strings.Repeat(fill, n), Quadrant: value.QuadrantII})
		}
	}
	b, err := m.Build(context.Background(), cs[:50], nil)
	if err != nil {
		t.Fatal(err)
	}
	if b, err = b.WithCustomers(cs[50:]); err != nil { // the rest added, index grown
		t.Fatal(err)
	}
	for i, c := range cs {
		if s := b.find(c.ID); s == nil || s.pos != uint32(i+1) {
			t.Errorf("find(%q) = %+v, want position %d", c.ID, s, i)
		}
		for _, miss := range []string{c.ID + "z", c.ID[1:] + "z", "z" + c.ID[1:]} {
			if s := b.find(miss); s != nil {
				t.Errorf("find(%q) = %+v, want nil", miss, s)
			}
		}
	}
	if _, err := m.Build(context.Background(), []Customer{cs[79], cs[79]}, nil); !errors.Is(err, ErrDuplicate) {
		t.Errorf("duplicate long ID: %v", err)
	}
	if _, err := m.Build(context.Background(), []Customer{cs[3], cs[3]}, nil); !errors.Is(err, ErrDuplicate) {
		t.Errorf("duplicate short ID: %v", err)
	}
}

// A nil book is an empty book (issue 13: Lookup panicked while Len
// handled nil).
func TestNilBook(t *testing.T) {
	var b *Book
	if b.Len() != 0 || b.Model() != nil {
		t.Errorf("nil book: Len %d, Model %v", b.Len(), b.Model())
	}
	if _, err := b.Lookup("a", Outage, S1); !errors.Is(err, ErrNotFound) {
		t.Errorf("Lookup: %v, want ErrNotFound", err)
	}
	if _, err := b.Lookup("a", 0, S1); !errors.Is(err, ErrUnknownFailure) {
		t.Errorf("Lookup with a bad type: %v, want ErrUnknownFailure", err)
	}
	if _, ok := b.Customer("a"); ok {
		t.Error("Customer found in a nil book")
	}
	for range b.Customers {
		t.Error("a customer in a nil book")
	}
	if c := b.Card(); c.Customers != 0 {
		t.Errorf("card of a nil book: %+v", c)
	}
	if _, err := b.MarshalJSON(); err == nil {
		t.Error("MarshalJSON of a nil book: no error")
	}
	if _, err := b.WithCustomer(Customer{ID: "a", Quadrant: value.QuadrantI}); err == nil {
		t.Error("WithCustomer on a nil book: no error")
	}
}

func TestBuildContext(t *testing.T) {
	m := mustModel(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Build(ctx, synthCustomers(3000, 5), nil); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v, want context.Canceled", err)
	}
	// The as-of goes to the card and changes no playbook.
	at := time.Date(2024, 3, 31, 0, 0, 0, 0, time.UTC)
	a := check.Must(m.Build(context.Background(), synthCustomers(300, 5), &BuildSettings{AsOf: at}))
	b := check.Must(m.Build(context.Background(), synthCustomers(300, 5), nil))
	if !sameBook(a, b) || !a.Card().AsOf.Equal(at) || !b.Card().AsOf.IsZero() || a.Card().Fingerprint != b.Card().Fingerprint {
		t.Error("as-of changed the book, or is not on the card")
	}
	// The fingerprint follows the inputs.
	c := check.Must(a.WithCustomer(Customer{ID: "new", Quadrant: value.QuadrantII}))
	if c.Card().Fingerprint == a.Card().Fingerprint || c.Card().Customers != 301 {
		t.Errorf("card after WithCustomer: %+v", c.Card())
	}
}

// TestLayout checks the table: a slot is one 64-byte cache line; for
// books of 1 to 300 customers (small tables, so IDs sit after their home
// slot and probes wrap past the end), with short and long IDs (inline and
// not), built whole and grown by WithCustomers a few at a time, every
// customer is found in its own slot (position and inline ID), no two
// share a slot, every Lookup equals the entry computed directly by
// Playbook, and absent IDs (a long one too) are not found.
func TestLayout(t *testing.T) {
	if size := unsafe.Sizeof(slot{}); size != 64 {
		t.Fatalf("a slot is %d bytes, want 64 (one cache line)", size)
	}
	m := mustModel(t, nil)
	for _, n := range []int{1, 2, 3, 5, 8, 31, 300} {
		cs := synthCustomers(n, uint64(40+n))
		for i := range cs {
			if i%3 == 1 {
				cs[i].ID = fmt.Sprintf("customer-with-a-long-identifier-%06d", i) // > idInline bytes
			}
		}
		whole := check.Must(m.Build(context.Background(), cs, nil))
		grown := check.Must(m.Build(context.Background(), cs[:1], nil))
		for lo := 1; lo < n; lo += 4 {
			grown = check.Must(grown.WithCustomers(cs[lo:min(lo+4, n)]))
		}
		for name, b := range map[string]*Book{"built": whole, "grown": grown} {
			seen := map[*slot]bool{}
			for p, c := range cs {
				s := b.find(c.ID)
				if s == nil || s.pos != uint32(p+1) || seen[s] {
					t.Fatalf("%s n=%d: %s at position %d: slot %+v (nil, another position or shared)", name, n, c.ID, p, s)
				}
				if inline := len(c.ID) <= idInline; inline != (s.klen != idLong) || inline && string(s.key[:s.klen]) != c.ID {
					t.Fatalf("%s n=%d: %s: slot key %q (length %d)", name, n, c.ID, s.key, s.klen)
				}
				seen[s] = true
				for ft := MoneyLoss; ft <= Outage; ft++ {
					for s := S1; s <= S4; s++ {
						if got, want := check.Must(b.Lookup(c.ID, ft, s)), mustEntry(t, m, c, ft, s); got != want {
							t.Fatalf("%s n=%d %s %v %v: %+v, want %+v", name, n, c.ID, ft, s, got, want)
						}
					}
				}
			}
			for _, id := range []string{"absent", "customer-with-a-long-identifier-absent"} {
				if s := b.find(id); s != nil {
					t.Errorf("%s n=%d: find(%q) = %+v, want nil", name, n, id, s)
				}
			}
		}
	}
}

// TestLayoutWrap grows a book of 8 slots by three IDs chosen (with the
// book's own hash keys) to have the last slot as their home, so that two
// of them wrap past the end of the table: they must still be found, in
// slots 7, 0 and 1 (one further for each the first customer holds), and
// looked up right.
func TestLayoutWrap(t *testing.T) {
	m := mustModel(t, nil)
	base := synthCustomers(4, 77)
	b := check.Must(m.Build(context.Background(), base[:1], nil))
	if b.index.size != 8 {
		t.Fatalf("%d slots, want 8", b.index.size)
	}
	cs := []Customer{base[0]}
	for i := 0; len(cs) < 4; i++ {
		id := fmt.Sprintf("w%d", i)
		if b.index.hash(id)&7 != 7 {
			continue
		}
		c := base[len(cs)]
		c.ID = id
		cs = append(cs, c)
		b = check.Must(b.WithCustomer(c))
	}
	if b.index.size != 8 {
		t.Fatalf("%d slots after growing, want 8", b.index.size)
	}
	// The w IDs fill the slots from 7 on, wrapping to 0, in the order
	// they were added, around the slot of cs[0].
	j := uint64(7)
	for p := 1; p < len(cs); p++ {
		if b.index.at(j).pos == 1 {
			j = (j + 1) & 7
		}
		if s := b.index.at(j); s.pos != uint32(p+1) {
			t.Errorf("%s: slot %d holds position %d, want %d", cs[p].ID, j, int(s.pos)-1, p)
		}
		j = (j + 1) & 7
	}
	for p, c := range cs {
		if s := b.find(c.ID); s == nil || s.pos != uint32(p+1) {
			t.Errorf("%s: slot %+v, want position %d", c.ID, s, p)
		}
		for s := S1; s <= S4; s++ {
			if got, want := check.Must(b.Lookup(c.ID, Delivery, s)), mustEntry(t, m, c, Delivery, s); got != want {
				t.Errorf("%s %v: %+v, want %+v", c.ID, s, got, want)
			}
		}
	}
}
