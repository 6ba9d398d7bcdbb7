package lifecycle

import "hash/maphash"

// idTable maps customer IDs to dense indexes in first-appearance order. It
// is an open-addressing table with linear probing, at most half full. A
// slot is 8 bytes: the top 32 bits of the key's hash, which also give the
// slot's home position, and the index plus one (0 is an empty slot); so
// growing never rehashes a string, and a probe touches half the memory a
// 16-byte slot would.
//
// While the names looked up come in strictly increasing order, as from a
// stream sorted by customer, each is new and the table only lists it: no
// hashing, no slots. The slots are built from the names at the first name
// out of order.
type idTable struct {
	seed   maphash.Seed
	shift  uint     // 64 - log2(len(slots))
	slots  []uint64 // tag<<32 | index+1; nil while the names are in order
	names  chunked[string]
	last   string // the last name added
	hashed bool   // the slots are in use
}

const idTableLog0 = 10

func newIDTable() *idTable {
	return &idTable{seed: maphash.MakeSeed(), shift: 64 - idTableLog0}
}

// lookup returns the index of name, adding it when new; added reports
// whether it was new.
func (t *idTable) lookup(name string) (id int32, added bool) {
	if !t.hashed {
		if n := t.names.len(); n == 0 || name > t.last {
			t.names.push(name)
			t.last = name
			return int32(n), true
		}
		t.hashAll()
	}
	h := maphash.String(t.seed, name)
	tag := h >> 32
	mask := uint64(len(t.slots) - 1)
	for i := h >> t.shift; ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			id = int32(t.names.len())
			t.names.push(name)
			t.slots[i] = tag<<32 | uint64(id+1)
			if 2*t.names.len() > len(t.slots) {
				t.grow()
			}
			return id, true
		}
		if s>>32 == tag {
			if j := int32(uint32(s)) - 1; *t.names.at(int(j)) == name {
				return j, false
			}
		}
	}
}

// hashAll builds the slots from the names listed so far, which are
// distinct.
func (t *idTable) hashAll() {
	t.hashed = true
	log := uint(idTableLog0)
	for 1<<log < 2*t.names.len()+2 {
		log++
	}
	t.shift = 64 - log
	t.slots = make([]uint64, 1<<log)
	mask := uint64(len(t.slots) - 1)
	for j := range t.names.len() {
		h := maphash.String(t.seed, *t.names.at(j))
		i := h >> t.shift
		for t.slots[i] != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = h>>32<<32 | uint64(j+1)
	}
}

// grow doubles the table. The home position of a slot is the top bits of
// its tag, so the tag alone places it.
func (t *idTable) grow() {
	if t.shift <= 32 {
		panic("lifecycle: customer table full")
	}
	t.slots, t.shift = growSlots(t.slots, t.shift, 0)
}

// growSlots returns a table of twice the slots of slots, with their
// entries, and its shift (shift-1). An entry's tag (top 32 bits) places
// it: its home position is the tag's bits below the top skip, shifted
// right by the new shift.
func growSlots(slots []uint64, shift, skip uint) ([]uint64, uint) {
	grown := make([]uint64, 2*len(slots))
	shift--
	mask := uint64(len(grown) - 1)
	for _, s := range slots {
		if s == 0 {
			continue
		}
		i := ((s >> 32 << 32) << skip) >> shift
		for grown[i] != 0 {
			i = (i + 1) & mask
		}
		grown[i] = s
	}
	return grown, shift
}
