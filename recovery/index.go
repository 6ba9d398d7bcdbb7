package recovery

import (
	"encoding/binary"
	"hash/maphash"
	"math/bits"
)

// The layout. A lookup by customer costs one memory miss: the book is one
// open-addressing hash table (linear probing, at most half full) of
// 64-byte slots, one cache line each, and a customer's slot holds its ID
// (inline up to idInline bytes) and everything its playbooks are computed
// from at lookup (the packed numbers of [Model.pack]: goodwill cap,
// churn odds factors, expectation factors, tier, quadrant, flags and the
// channel). So a lookup hashes the ID, reads the one line of the ID's
// home slot (the next one when the home is taken by another ID, and so on)
// and computes the entry from it in registers; there is no second
// structure to visit. The table is kept in pages of pageSlots slots, so
// that [Book.WithCustomers] copies only the pages it changes; the page
// list (8 bytes a page, 4 KB at a million customers) stays in cache.

// idInline is the longest ID kept in the slot itself.
const idInline = 20

// idLong marks a slot whose ID is too long to keep inline; its key then
// holds the ID's 64-bit hash, and the ID is compared at its position.
const idLong = 0xff

// slot is one 64-byte slot of the book's table: a cache line.
type slot struct {
	// The packed playbook numbers (see Model.pack).
	absCap, eOut, eWith, rel float64
	pos                      uint32 // the customer's position plus one; 0 marks an empty slot
	past                     uint16 // min(Failures12m, RecurrenceCap)
	ch                       uint16 // the customer's channel in the book's table
	tier, quad, flags        uint8  // tier, quadrant - 1, slot flags
	klen                     uint8  // length of the inline ID, or idLong
	key                      [idInline]byte
}

const (
	pageBits  = 12
	pageSlots = 1 << pageBits // slots per page (256 KB)
)

// idIndex is the book's table: size slots, a power of two (or 0), in
// pages of pageSlots slots (one shorter page when size is smaller). A
// page is not modified once a published Book refers to it.
type idIndex struct {
	seed  maphash.Seed
	size  uint64
	pages [][]slot
}

// newIndexSize returns an empty table with room for n IDs at most half
// full.
func newIndexSize(seed maphash.Seed, n int) idIndex {
	size := 8
	if n > 2 {
		size = max(8, 1<<bits.Len(uint(2*n-1)))
	}
	x := idIndex{seed: seed, size: uint64(size)}
	for lo := 0; lo < size; lo += pageSlots {
		x.pages = append(x.pages, make([]slot, min(size-lo, pageSlots)))
	}
	return x
}

// at returns slot i.
func (x *idIndex) at(i uint64) *slot { return &x.pages[i>>pageBits][i&(pageSlots-1)] }

// probe returns the index of the slot holding id and true, or the index
// of the empty slot where id would go and false; (0, false) for an empty
// table. It is the one search of the table: lookups, Customer, updates
// and inserts all go through it.
func (b *Book) probe(id string) (uint64, bool) {
	x := &b.index
	if x.size == 0 {
		return 0, false
	}
	h := maphash.String(x.seed, id)
	mask := x.size - 1
	i := h & mask
	// The home slot and the next one are read at once: a quarter of the
	// IDs of a table half full sit after their home, most of them in the
	// next slot, whose line then is on its way while the home's is.
	s, next := x.at(i), x.at((i+1)&mask)
	nextPos := next.pos
	if s.pos == 0 {
		return i, false
	}
	if b.match(s, id, h) {
		return i, true
	}
	i = (i + 1) & mask
	if nextPos == 0 {
		return i, false
	}
	for ; ; i = (i + 1) & mask {
		s := x.at(i)
		if s.pos == 0 {
			return i, false
		}
		if b.match(s, id, h) {
			return i, true
		}
	}
}

// match reports whether slot s, occupied, holds id, whose hash is h.
func (b *Book) match(s *slot, id string, h uint64) bool {
	if s.klen != idLong {
		return int(s.klen) == len(id) && string(s.key[:s.klen]) == id
	}
	return len(id) > idInline && binary.LittleEndian.Uint64(s.key[:8]) == h && b.idAt(int(s.pos-1)) == id
}

// find returns the slot holding id, or nil; nil for a nil b.
func (b *Book) find(id string) *slot {
	if b == nil {
		return nil
	}
	if i, ok := b.probe(id); ok {
		return b.index.at(i)
	}
	return nil
}

// setKey records id at position pos in the empty slot s.
func (x *idIndex) setKey(s *slot, id string, pos int) {
	s.pos = uint32(pos + 1)
	if len(id) <= idInline {
		s.klen = uint8(copy(s.key[:], id))
		return
	}
	s.klen = idLong
	binary.LittleEndian.PutUint64(s.key[:8], maphash.String(x.seed, id))
}
