package recovery

import (
	"hash/maphash"
	"math/bits"
)

// idSlot is one slot of the ID index: the high 32 bits of the ID's hash and
// the customer's position plus one (0 marks an empty slot).
type idSlot struct{ tag, pos uint32 }

// idIndex maps customer IDs to positions with open addressing and linear
// probing, at most half full. It reads the IDs themselves from the book's
// chunks, so it costs 8 to 16 bytes per customer. It is immutable once
// built; insertCopy returns a new one.
type idIndex struct {
	seed  maphash.Seed
	slots []idSlot // length a power of two, or 0
}

// newIndexSize returns an empty index with room for n IDs.
func newIndexSize(seed maphash.Seed, n int) idIndex {
	size := 8
	if n > 2 {
		size = max(8, 1<<bits.Len(uint(2*n-1)))
	}
	return idIndex{seed: seed, slots: make([]idSlot, size)}
}

// find returns the position of id in b, or -1.
func (b *Book) find(id string) int {
	x := &b.index
	if len(x.slots) == 0 {
		return -1
	}
	h := maphash.String(x.seed, id)
	tag := uint32(h >> 32)
	mask := uint64(len(x.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := x.slots[i]
		if s.pos == 0 {
			return -1
		}
		if s.tag == tag {
			p := int(s.pos - 1)
			if b.chunks[p>>chunkBits].cust[p&(chunkSize-1)].ID == id {
				return p
			}
		}
	}
}

// insert adds id at position pos; it reports false, inserting nothing, if
// id is already there. The index must have room.
func (x *idIndex) insert(id string, pos int, idAt func(int) string) bool {
	h := maphash.String(x.seed, id)
	tag := uint32(h >> 32)
	mask := uint64(len(x.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &x.slots[i]
		if s.pos == 0 {
			*s = idSlot{tag: tag, pos: uint32(pos + 1)}
			return true
		}
		if s.tag == tag && idAt(int(s.pos-1)) == id {
			return false
		}
	}
}
