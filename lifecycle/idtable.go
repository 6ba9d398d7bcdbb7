package lifecycle

import "hash/maphash"

// idTable maps customer IDs to dense indexes in first-appearance order. It
// keeps each key's hash, so growing never rehashes a string; it is an
// open-addressing table with linear probing, at most half full.
type idTable struct {
	seed  maphash.Seed
	slots []idSlot
	names []string
}

type idSlot struct {
	hash uint64
	id   int32 // index into names plus one; 0 is an empty slot
}

func newIDTable() *idTable {
	return &idTable{seed: maphash.MakeSeed(), slots: make([]idSlot, 1<<10)}
}

// lookup returns the index of name, adding it when new; added reports
// whether it was new.
func (t *idTable) lookup(name string) (id int32, added bool) {
	h := maphash.String(t.seed, name)
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.id == 0 {
			id = int32(len(t.names))
			t.names = append(t.names, name)
			*s = idSlot{hash: h, id: id + 1}
			if 2*len(t.names) > len(t.slots) {
				t.grow()
			}
			return id, true
		}
		if s.hash == h && t.names[s.id-1] == name {
			return s.id - 1, false
		}
	}
}

func (t *idTable) grow() {
	slots := make([]idSlot, 2*len(t.slots))
	mask := uint64(len(slots) - 1)
	for _, s := range t.slots {
		if s.id == 0 {
			continue
		}
		i := s.hash & mask
		for slots[i].id != 0 {
			i = (i + 1) & mask
		}
		slots[i] = s
	}
	t.slots = slots
}
