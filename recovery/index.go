package recovery

import (
	"hash/maphash"
	"math/bits"
)

// idInline is the longest ID kept in the index slot itself.
const idInline = 23

// idLong marks a slot whose ID is too long to keep inline.
const idLong = 0xff

// idSlot is one 32-byte slot of the ID index: the high 32 bits of the ID's
// hash, the customer's position plus one (0 marks an empty slot), and the
// ID itself when it has at most idInline bytes, so that a lookup compares
// it without another memory access.
type idSlot struct {
	tag, pos uint32
	klen     uint8 // length of the inline ID, or idLong
	key      [idInline]byte
}

// match reports whether the slot holds id; idAt reads long IDs.
func (s *idSlot) match(id string, idAt func(int) string) bool {
	if s.klen != idLong {
		return int(s.klen) == len(id) && string(s.key[:s.klen]) == id
	}
	return idAt(int(s.pos-1)) == id
}

// idIndex maps customer IDs to positions with open addressing and linear
// probing, at most half full: 32 to 64 bytes per customer. It is not
// modified once a published Book refers to it.
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

// find returns the position of id in b, or -1; -1 for a nil b.
func (b *Book) find(id string) int {
	if b == nil {
		return -1
	}
	x := &b.index
	if len(x.slots) == 0 {
		return -1
	}
	h := maphash.String(x.seed, id)
	tag := uint32(h >> 32)
	mask := uint64(len(x.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &x.slots[i]
		if s.pos == 0 {
			return -1
		}
		if s.tag == tag {
			p := int(s.pos - 1)
			if s.klen != idLong {
				if int(s.klen) == len(id) && string(s.key[:s.klen]) == id {
					return p
				}
			} else if b.chunks[p>>chunkBits].cust[p&(chunkSize-1)].ID == id {
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
			*s = idSlot{tag: tag, pos: uint32(pos + 1), klen: idLong}
			if len(id) <= idInline {
				s.klen = uint8(copy(s.key[:], id))
			}
			return true
		}
		if s.tag == tag && s.match(id, idAt) {
			return false
		}
	}
}
