package clv

import (
	"math"
	"math/bits"
	"slices"
)

// Grouping of equal values without comparison sorts. Compress, the
// fits' indexes and the forecasts all need the distinct values of a
// column of numbers, or of several columns together, over up to millions
// of customers whose columns hold few distinct values (purchase counts,
// ages in whole days): a hash table gives each distinct value a dense
// number, the few distinct values are sorted, and the customers are put
// in order by counting sorts of those ranks, a linear pass per column.
//
// The keys are the values' bits. For numbers that are not negative and
// not NaN, equal bits are equal values (== and cmp.Compare) and the
// order of the bits, read as unsigned integers, is their numeric order;
// callers take this path only for such columns (plain reports it) and
// keep their comparison sort for the others (-0, which equals 0 with
// other bits, negative numbers and NaN).

// idTable numbers distinct uint64 keys densely in the order they are
// first seen: an open-addressing hash table, at most half full.
type idTable struct {
	slots []uint32 // id+1 of the key in each slot; 0 for an empty slot
	keys  []uint64 // the keys by id
	shift uint     // 64 - log2(len(slots))
}

func newIDTable(hint int) *idTable {
	size := 16
	for size < 2*hint {
		size *= 2
	}
	return &idTable{slots: make([]uint32, size), shift: uint(64 - bits.Len(uint(size-1)))}
}

// mix is the finaliser of splitmix64: every bit of k moves the top bits.
func mix(k uint64) uint64 {
	k ^= k >> 30
	k *= 0xbf58476d1ce4e5b9
	k ^= k >> 27
	k *= 0x94d049bb133111eb
	k ^= k >> 31
	return k
}

// id returns the number of key k, giving it the next one when it is new.
func (t *idTable) id(k uint64) uint32 {
	mask := uint64(len(t.slots) - 1)
	for h := mix(k) >> t.shift; ; h = (h + 1) & mask {
		s := t.slots[h]
		if s == 0 {
			id := uint32(len(t.keys))
			t.keys = append(t.keys, k)
			t.slots[h] = id + 1
			if 2*len(t.keys) > len(t.slots) {
				t.grow()
			}
			return id
		}
		if t.keys[s-1] == k {
			return s - 1
		}
	}
}

func (t *idTable) grow() {
	t.slots = make([]uint32, 2*len(t.slots))
	t.shift--
	mask := uint64(len(t.slots) - 1)
	for id, k := range t.keys {
		h := mix(k) >> t.shift
		for t.slots[h] != 0 {
			h = (h + 1) & mask
		}
		t.slots[h] = uint32(id) + 1
	}
}

// ranks stores in dst[i] the rank of col[i] among the distinct values of
// col (0 for the smallest) and returns those values in increasing order;
// ok is false, and dst unspecified, when a value is not plain.
func ranks(dst []uint32, col []float64) (vals []float64, ok bool) {
	t := newIDTable(64)
	for i, v := range col {
		b := math.Float64bits(v)
		if b>>63 != 0 || v != v {
			return nil, false
		}
		dst[i] = t.id(b)
	}
	sorted := slices.Clone(t.keys)
	slices.Sort(sorted)
	vals = make([]float64, len(sorted))
	rankOf := make([]uint32, len(sorted)) // by id
	pos := newIDTable(len(sorted))
	for r, k := range sorted {
		vals[r] = math.Float64frombits(k)
		pos.id(k)
	}
	for id, k := range t.keys {
		rankOf[id] = pos.id(k)
	}
	for i, id := range dst[:len(col)] {
		dst[i] = rankOf[id]
	}
	return vals, true
}

// radixSort sorts ks by their bits from lo up (the bits below lo are
// ignored and keep their order, for they are already sorted or do not
// matter), where every key is below 1<<hi, with tmp (of ks's length) as
// scratch, and returns the sorted slice (ks or tmp): a
// least-significant-digit radix sort of digits of up to 8 bits, as few
// passes as the bits need.
func radixSort(ks, tmp []uint64, lo, hi int) []uint64 {
	nbits := hi - lo
	passes := (nbits + 7) / 8
	if passes <= 0 {
		return ks
	}
	width := (nbits + passes - 1) / passes
	mask := uint64(1)<<width - 1
	var count [256]int
	for p := range passes {
		sh := uint(lo + p*width)
		clear(count[:])
		for _, k := range ks {
			count[k>>sh&mask]++
		}
		sum := 0
		for d, c := range count {
			count[d] = sum
			sum += c
		}
		for _, k := range ks {
			d := k >> sh & mask
			tmp[count[d]] = k
			count[d]++
		}
		ks, tmp = tmp, ks
	}
	return ks
}

// lexOrder returns the rows 0..n-1 of the rank columns cols (each of n
// ranks below the matching bound) in lexicographic order of (cols[0],
// cols[1], ...), rows of equal ranks in index order, each as its key <<
// shift | its index: the key is the rank tuple as a number in the mixed
// base of bounds, so that two rows have the same ranks exactly when their
// keys are equal. ok is false, and nothing is done, when keys and indices
// do not fit together in 64 bits.
func lexOrder(cols [][]uint32, bounds []int) (order []uint64, shift uint, ok bool) {
	space := uint64(1)
	for _, b := range bounds {
		hi, lo := bits.Mul64(space, uint64(max(b, 1)))
		if hi != 0 {
			return nil, 0, false
		}
		space = lo
	}
	n := len(cols[0])
	kbits, ibits := bits.Len64(space-1), bits.Len64(uint64(n))
	if kbits+ibits > 64 {
		return nil, 0, false
	}
	ks := make([]uint64, n)
	for i := range ks {
		key := uint64(0)
		for c, col := range cols {
			key = key*uint64(bounds[c]) + uint64(col[i])
		}
		ks[i] = key<<ibits | uint64(i)
	}
	return radixSort(ks, make([]uint64, n), ibits, ibits+kbits), uint(ibits), true
}
