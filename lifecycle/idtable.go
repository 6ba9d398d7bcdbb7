package lifecycle

import (
	"fmt"
	"hash/maphash"

	"github.com/cvmkit/cvm/internal/chunks"
)

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
	names  chunks.List[string]
	last   string // the last name added
	hashed bool   // the slots are in use
}

const idTableLog0 = 10

// idTableMaxLog bounds the table at 1<<idTableMaxLog slots, so at
// 1<<(idTableMaxLog-1) - 1 customers: the home position of a slot is
// taken from its 32-bit tag, and an index plus one must fit in 32 bits.
// Tests make it small.
var idTableMaxLog uint = 32

// idTableMax returns the most customers the table holds.
func idTableMax() int { return 1<<(idTableMaxLog-1) - 1 }

func newIDTable() *idTable {
	return &idTable{seed: maphash.MakeSeed(), shift: 64 - idTableLog0}
}

// lookup returns the index of name, adding it when new; added reports
// whether it was new. A new name beyond the table's limit is an error
// wrapping ErrTooLarge.
func (t *idTable) lookup(name string) (id int32, added bool, err error) {
	if !t.hashed {
		if n := t.names.Len(); n == 0 || name > t.last {
			if n >= idTableMax() {
				return 0, false, t.full(name)
			}
			t.names.Push(name)
			t.last = name
			return int32(n), true, nil
		}
		t.hashAll()
	}
	h := maphash.String(t.seed, name)
	tag := h >> 32
	mask := uint64(len(t.slots) - 1)
	for i := h >> t.shift; ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			if t.names.Len() >= idTableMax() {
				return 0, false, t.full(name)
			}
			id = int32(t.names.Len())
			t.names.Push(name)
			t.slots[i] = tag<<32 | uint64(id+1)
			if 2*t.names.Len() > len(t.slots) {
				t.grow()
			}
			return id, true, nil
		}
		if s>>32 == tag {
			if j := int32(uint32(s)) - 1; *t.names.At(int(j)) == name {
				return j, false, nil
			}
		}
	}
}

// full returns the error for a new customer name beyond the limit.
func (t *idTable) full(name string) error {
	return fmt.Errorf("%w: customer %q is one more than the %d customers a Classify call holds", ErrTooLarge, name, idTableMax())
}

// hashAll builds the slots from the names listed so far, which are
// distinct.
func (t *idTable) hashAll() {
	t.hashed = true
	log := uint(idTableLog0)
	for 1<<log < 2*t.names.Len()+2 {
		log++
	}
	t.shift = 64 - log
	t.slots = make([]uint64, 1<<log)
	mask := uint64(len(t.slots) - 1)
	for j := range t.names.Len() {
		h := maphash.String(t.seed, *t.names.At(j))
		i := h >> t.shift
		for t.slots[i] != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = h>>32<<32 | uint64(j+1)
	}
}

// grow doubles the table. The home position of a slot is the top bits of
// its tag, so the tag alone places it. lookup's limit keeps the table
// within 1<<idTableMaxLog slots: at most half full, it grows past
// 1<<(idTableMaxLog-1) slots only beyond that limit's customers.
func (t *idTable) grow() {
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
