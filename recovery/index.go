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
	dir   []idGroup
}

// idGroup is the directory entry of 64 consecutive slots: which of them
// are occupied, and how many occupied slots come before the group. The
// directory takes a quarter byte per slot, 0.5 MB for a 1M-customer book, so
// it stays in cache while the slots do not.
type idGroup struct {
	occ  uint64
	base uint32
}

// buildDir builds the directory of x's slots.
func (x *idIndex) buildDir() {
	x.dir = make([]idGroup, (len(x.slots)+63)/64)
	n := 0
	for g := range x.dir {
		x.dir[g].base = uint32(n)
		var occ uint64
		for q, s := range x.slots[g*64 : min(g*64+64, len(x.slots))] {
			if s.pos != 0 {
				occ |= 1 << q
			}
		}
		x.dir[g].occ = occ
		n += bits.OnesCount64(occ)
	}
}

// rankOf returns the number of occupied slots before slot i: its rank,
// when it is occupied.
func (x *idIndex) rankOf(i uint64) int {
	g := &x.dir[i>>6]
	return int(g.base) + bits.OnesCount64(g.occ&(1<<(i&63)-1))
}

// findRank returns the rank of id's slot, where its playbooks are in
// b.rows, or -1; -1 for a nil b.
//
// The rank is computed from the directory for the ID's home slot before
// the slot is read, and the slot where the ID is found is almost always
// the home slot (the index is at most half full): so the address of the
// playbooks does not depend on the slot's contents, and the processor
// fetches them while the slot's miss is pending. When the ID sits k slots
// after its home, every slot in between is occupied (linear probing), so
// its rank is the home's plus k.
func (b *Book) findRank(id string) int {
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
	home := h & mask
	r := x.rankOf(home)
	for i := home; ; i = (i + 1) & mask {
		s := &x.slots[i]
		if s.pos == 0 {
			return -1
		}
		if s.tag == tag {
			ok := false
			if s.klen != idLong {
				ok = int(s.klen) == len(id) && string(s.key[:s.klen]) == id
			} else {
				p := int(s.pos - 1)
				ok = b.chunks[p>>chunkBits].cust[p&(chunkSize-1)].ID == id
			}
			if ok {
				if i >= home {
					return r + int(i-home)
				}
				return x.rankOf(i) // wrapped past the end of the table
			}
		}
	}
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
