package recovery

import (
	"encoding/binary"
	"hash/maphash"
	"math/bits"

	"github.com/cvmkit/cvm/internal/parallel"
)

// The layout. A lookup by customer costs one memory miss: the book is one
// open-addressing hash table (linear probing, at most half full) of
// 64-byte slots, one cache line each, and a customer's slot holds its ID
// (inline up to idInline bytes) and everything its playbooks are computed
// from at lookup (the packed numbers of [Model.pack]: goodwill cap,
// churn odds factors, expectation factors, tier, quadrant, flags and the
// channel). So a lookup hashes the ID, reads the one line of the ID's
// home slot and computes the entry from it in registers; there is no
// second structure to visit. Three IDs in four sit in their home slot;
// the others are found by reading on, slot after slot; the next line
// after a miss is one a next-line prefetcher brings (reading it right
// after a miss cost 5-7% of a miss on the development machine), so it
// is read only when the home slot holds another ID. The table is kept
// in pages of pageSlots slots, so that [Book.WithCustomers] copies only
// the pages it changes; the page list (24 bytes a page, 12 KB at a
// million customers) stays in cache.

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
	k     [3]uint64 // the keys of hash, drawn from seed
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
	for j := range x.k {
		x.k[j] = maphash.String(seed, hashKeyNames[j])
	}
	// One allocation whose memory is mapped before it is probed (a probe
	// of a never-written page maps the zero page, and the write after it
	// copies it and flushes both CPUs' TLBs; see parallel.Make), cut into
	// the pages.
	all := parallel.Make[slot](size)
	for lo := 0; lo < size; lo += pageSlots {
		hi := min(size, lo+pageSlots)
		x.pages = append(x.pages, all[lo:hi:hi])
	}
	return x
}

// at returns slot i.
func (x *idIndex) at(i uint64) *slot { return &x.pages[i>>pageBits][i&(pageSlots-1)] }

// hashKeyNames are hashed with the table's seed to draw the keys of
// [idIndex.hash].
var hashKeyNames = [3]string{"recovery.k0", "recovery.k1", "recovery.k2"}

// hash returns the 64-bit hash of id under the table's seed. An ID of up
// to 16 bytes, the usual case, is read as two overlapping words and mixed
// with the keys by two 64x64->128-bit multiplications (the scheme of
// wyhash, which the Go runtime uses where it has no AES); a longer one
// goes through maphash with the table's seed. Either way the result
// depends only on id and the seed, so a book and its regrowths agree.
func (x *idIndex) hash(id string) uint64 {
	if len(id) > 16 {
		return maphash.String(x.seed, id)
	}
	a, b := idWords(id)
	return mix(mix(a^x.k[0], b^x.k[1]), uint64(len(id))^x.k[2])
}

// idWords returns the two words an ID of up to 16 bytes is hashed and
// compared by: for 8 to 16 bytes its first and last 8 bytes, for 4 to 7
// its first and last 4, for 1 to 3 its first, middle and last byte. Two
// IDs of the same length have the same words only if they are equal.
func idWords(id string) (a, b uint64) {
	switch n := len(id); {
	case n >= 8:
		return le64(id), le64(id[n-8:])
	case n >= 4:
		return uint64(le32(id)), uint64(le32(id[n-4:]))
	case n > 0:
		return uint64(id[0])<<16 | uint64(id[n>>1])<<8 | uint64(id[n-1]), 0
	}
	return 0, 0
}

// le64 returns the first 8 bytes of s as a little-endian word (one load
// where the processor allows it: the compiler merges the byte loads).
func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// le32 returns the first 4 bytes of s as a little-endian word.
func le32(s string) uint32 {
	_ = s[3]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

// mix folds the 128-bit product of a and b to 64 bits.
func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// probe returns the index of the slot holding id and true, or the index
// of the empty slot where id would go and false; (0, false) for an empty
// table. Updates and inserts go through it, and so do lookups of IDs
// not 8 to 16 bytes long (find).
func (b *Book) probe(id string) (uint64, bool) {
	x := &b.index
	if x.size == 0 {
		return 0, false
	}
	h := x.hash(id)
	mask := x.size - 1
	for i := h & mask; ; i = (i + 1) & mask {
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

// find returns the slot holding id, or nil; nil for a nil b. An ID of 8
// to 16 bytes, the usual case, is compared by its two words and length
// (idWords), slot after slot from its home; any other goes through
// probe.
func (b *Book) find(id string) *slot {
	if b == nil || b.index.size == 0 {
		return nil
	}
	x := &b.index
	n := len(id)
	if n < 8 || n > 16 {
		if i, ok := b.probe(id); ok {
			return x.at(i)
		}
		return nil
	}
	a, w := le64(id), le64(id[n-8:])
	h := mix(mix(a^x.k[0], w^x.k[1]), uint64(n)^x.k[2])
	mask := x.size - 1
	// One branch for the three comparisons: it fails for the IDs not at
	// home, one in four; an empty slot (length 0) never matches.
	for i := h & mask; ; i = (i + 1) & mask {
		s := x.at(i)
		if (uint64(s.klen)^uint64(n))|(binary.LittleEndian.Uint64(s.key[:8])^a)|(binary.LittleEndian.Uint64(s.key[n-8:])^w) == 0 {
			return s
		}
		if s.pos == 0 {
			return nil
		}
	}
}

// setKey records id at position pos in the empty slot s.
func (x *idIndex) setKey(s *slot, id string, pos int) {
	s.pos = uint32(pos + 1)
	if len(id) <= idInline {
		s.klen = uint8(copy(s.key[:], id))
		return
	}
	s.klen = idLong
	binary.LittleEndian.PutUint64(s.key[:8], x.hash(id))
}
