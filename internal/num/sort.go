package num

import (
	"math"
	"slices"
)

// SortScratch is memory SortFloats reuses from call to call; one
// goroutine at a time may use it. The zero value is ready to use.
type SortScratch struct {
	keys, tmp []uint64
}

// SortFloats sorts v, which must be free of NaN, into the order of
// slices.Sort, bit for bit. A large v that does not hold both -0 and +0
// (the only equal values with different bits, which slices.Sort leaves
// in no set order) is sorted by an LSD radix sort of order-preserving
// keys, 11 bits a pass, several times faster than comparison sorting;
// the sorted values are then the same bits whatever the algorithm. sc,
// when not nil, keeps the keys' memory from call to call.
func SortFloats(v []float64, sc *SortScratch) {
	if len(v) < 1<<12 {
		slices.Sort(v)
		return
	}
	var pos, neg bool
	for _, x := range v {
		if x == 0 {
			if math.Signbit(x) {
				neg = true
			} else {
				pos = true
			}
		}
	}
	if pos && neg {
		slices.Sort(v)
		return
	}
	// key is the bits with the sign bit flipped for x >= 0 and every bit
	// flipped for x < 0: unsigned order of keys is the order of values.
	key := func(x float64) uint64 {
		b := math.Float64bits(x)
		return b ^ (uint64(int64(b)>>63) | 1<<63)
	}
	const bitsPer, passes = 11, 6
	const size = 1 << bitsPer
	var count [passes][size]int
	if sc == nil {
		sc = &SortScratch{}
	}
	if cap(sc.keys) < len(v) {
		sc.keys, sc.tmp = make([]uint64, len(v)), make([]uint64, len(v))
	}
	k, tmp := sc.keys[:len(v)], sc.tmp[:len(v)]
	for i, x := range v {
		u := key(x)
		k[i] = u
		for p := range passes {
			count[p][u>>(p*bitsPer)&(size-1)]++
		}
	}
	for p := range passes {
		c := &count[p]
		if c[k[0]>>(p*bitsPer)&(size-1)] == len(v) {
			continue // every key has this digit
		}
		sum := 0
		for d := range c {
			c[d], sum = sum, sum+c[d]
		}
		shift := p * bitsPer
		for _, u := range k {
			d := u >> shift & (size - 1)
			tmp[c[d]] = u
			c[d]++
		}
		k, tmp = tmp, k
	}
	for i, u := range k {
		// Undo key: a key with the top bit set was x >= 0.
		v[i] = math.Float64frombits(u ^ (uint64(int64(^u)>>63) | 1<<63))
	}
}
