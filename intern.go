package cvm

import (
	"bytes"
	"hash/maphash"
)

// idTable interns customer IDs as dense indexes 0, 1, 2, ... It keeps the
// IDs' bytes in one arena and the index in an open-addressing table of
// pointer-free words, so a million customers cost the garbage collector
// nothing to scan. The hash seed only decides slot placement, never an
// index, so results do not depend on it.
type idTable struct {
	seed  maphash.Seed
	arena []byte
	ends  []int    // ID i is arena[ends[i-1]:ends[i]] (ends[-1] = 0)
	slots []uint64 // 0 empty; else hash>>32<<32 | (index+1)
	mask  uint64
}

func newIDTable() *idTable {
	t := &idTable{seed: maphash.MakeSeed()}
	t.slots = make([]uint64, 1<<6)
	t.mask = 1<<6 - 1
	return t
}

func (t *idTable) len() int { return len(t.ends) }

func (t *idTable) id(i int32) []byte {
	start := 0
	if i > 0 {
		start = t.ends[i-1]
	}
	return t.arena[start:t.ends[i]]
}

func (t *idTable) hash(b []byte) uint64 { return maphash.Bytes(t.seed, b) }

func (t *idTable) hashString(s string) uint64 { return maphash.String(t.seed, s) }

// find returns the index of id with hash h, or -1 when it is not there.
func (t *idTable) find(h uint64, id []byte) int32 {
	tag := h &^ 0xffffffff
	for p := h & t.mask; ; p = (p + 1) & t.mask {
		s := t.slots[p]
		if s == 0 {
			return -1
		}
		if s&^0xffffffff == tag {
			if i := int32(s&0xffffffff) - 1; bytes.Equal(t.id(i), id) {
				return i
			}
		}
	}
}

// maxIDs is how many IDs an idTable holds at most, 2^31-2 (indexes and
// index+1 fit an int32). Tests make it small.
var maxIDs = 1<<31 - 2

// index returns the index of id with hash h, adding id when new, or -1
// when id is new and the table already holds maxIDs IDs (the caller
// returns an error wrapping ErrTooManyIDs).
func (t *idTable) index(h uint64, id []byte) int32 {
	tag := h &^ 0xffffffff
	for p := h & t.mask; ; p = (p + 1) & t.mask {
		s := t.slots[p]
		if s == 0 {
			break
		}
		if s&^0xffffffff == tag {
			if i := int32(s&0xffffffff) - 1; bytes.Equal(t.id(i), id) {
				return i
			}
		}
	}
	if len(t.ends) >= maxIDs {
		return -1
	}
	i := int32(len(t.ends))
	t.arena = append(t.arena, id...)
	t.ends = append(t.ends, len(t.arena))
	if 2*len(t.ends) > len(t.slots) {
		t.grow()
	} else {
		t.put(h, i)
	}
	return i
}

func (t *idTable) put(h uint64, i int32) {
	p := h & t.mask
	for t.slots[p] != 0 {
		p = (p + 1) & t.mask
	}
	t.slots[p] = h&^0xffffffff | uint64(i+1)
}

func (t *idTable) grow() {
	t.slots = make([]uint64, 2*len(t.slots))
	// A large new table may be memory the process never touched, which
	// make leaves as it is; put reads each slot before it writes one, and
	// a page first read is mapped to the shared zero page, to be copied,
	// with a TLB flush on every CPU, at its first write. Writing the
	// zeros first maps each page once, writable.
	clear(t.slots)
	t.mask = uint64(len(t.slots) - 1)
	for i := range t.ends {
		t.put(t.hash(t.id(int32(i))), int32(i))
	}
}
