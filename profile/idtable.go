package profile

import (
	"hash/maphash"

	"github.com/cvmkit/cvm/internal/parallel"
)

// idTable interns customer IDs: the index of each distinct ID in ids, in
// order of first appearance. It is an open-addressing table of 16-byte
// slots, at most half full, whose slot holds an ID of up to 8 bytes
// itself (customer IDs usually are that short), so that a lookup in a
// stream that is not grouped by customer costs about one cache miss
// instead of a Go map's two (the table, then the key's bytes).
type idTable struct {
	seed  maphash.Seed
	slots []idSlot
	ids   []string // by index
}

// idSlot is one slot: tag 0 when empty; otherwise the high bits of the
// ID's hash, bit 4 set, and in bits 0-3 the ID's length code (keyOf):
// the length plus one when key holds the whole ID, 0 for a longer ID,
// whose first 8 bytes key holds and which is compared in ids.
type idSlot struct {
	key uint64
	tag uint32
	idx int32
}

// newIDTable returns a table holding ids (distinct), indexed in order.
func newIDTable(ids []string) *idTable {
	t := &idTable{seed: maphash.MakeSeed(), ids: ids}
	t.rehash(max(16, 4*len(ids)))
	return t
}

// keyOf returns id's slot key (its first 8 bytes, zero-padded) and its
// length code: len(id)+1 when the key holds the whole ID (up to 8 bytes),
// 0 when it does not.
func keyOf[S string | []byte](id S) (key uint64, code uint32) {
	n := min(len(id), 8)
	for i := range n {
		key |= uint64(id[i]) << (8 * i)
	}
	if len(id) <= 8 {
		return key, uint32(len(id)) + 1
	}
	return key, 0
}

// tagOf returns the slot tag of hash h and length code: never 0.
func tagOf(h uint64, code uint32) uint32 { return uint32(h>>32)&^0x1f | 0x10 | code }

// index returns id's index, adding it (copied by reference: ids keeps the
// string) when it is new.
func (t *idTable) index(id string) int32 {
	return indexHash(t, id, maphash.String(t.seed, id))
}

// indexBytes is index for an ID's bytes, made a string only when new.
func (t *idTable) indexBytes(id []byte) int32 {
	return indexHash(t, id, maphash.Bytes(t.seed, id))
}

// indexHash is t.index with id's hash h.
func indexHash[S string | []byte](t *idTable, id S, h uint64) int32 {
	key, code := keyOf(id)
	tag := tagOf(h, code)
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.tag == 0 {
			idx := int32(len(t.ids))
			*s = idSlot{key: key, tag: tag, idx: idx}
			t.ids = append(t.ids, string(id))
			if 2*len(t.ids) > len(t.slots) {
				t.rehash(2 * len(t.slots))
			}
			return idx
		}
		if s.tag == tag && s.key == key && (code != 0 || t.ids[s.idx] == string(id)) {
			return s.idx
		}
	}
}

// rehash moves the table to n slots (a power of two at least 2*len(ids)),
// reinserting the IDs in index order.
func (t *idTable) rehash(n int) {
	size := 16
	for size < n {
		size *= 2
	}
	// Probed before written: mapped first (see parallel.Make).
	t.slots = parallel.Make[idSlot](size)
	mask := uint64(size - 1)
	for idx, id := range t.ids {
		h := maphash.String(t.seed, id)
		key, code := keyOf(id)
		i := h & mask
		for t.slots[i].tag != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = idSlot{key: key, tag: tagOf(h, code), idx: int32(idx)}
	}
}
