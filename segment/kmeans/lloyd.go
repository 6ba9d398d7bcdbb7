package kmeans

import "math"

// lloydChunk assigns every row of chunk c to its nearest centre (ties to
// the lowest index), computing every distance: Lloyd's (1982) step. Rows
// go a block at a time through the block kernels ([fitter.nearestBlock])
// when a block of rows and their distances fit the scratch
// (f.blockLloyd), one by one otherwise; both give the same labels.
func (f *fitter) lloydChunk(c int) {
	lo, hi := f.pool.Bounds(c)
	d, k := f.d, f.k
	centers := f.centers
	changed := 0
	if f.blockLloyd {
		var dist [scanFloats]float64
		var lab [gatherRows]int32
		var d1, d2 [gatherRows]float64
		for b0 := lo; b0 < hi; b0 += f.scan {
			b1 := min(b0+f.scan, hi)
			f.nearestBlock(f.x[d*b0:d*b1], dist[:], lab[:], d1[:], d2[:])
			for q, j := range lab[:b1-b0] {
				if f.labels[b0+q] != j {
					f.labels[b0+q] = j
					changed++
				}
			}
		}
	}
	for i := lo; i < hi && !f.blockLloyd; i++ {
		row := f.x[i*d : i*d+d]
		best, bestD := int32(0), math.Inf(1)
		for j := 0; j < k; j++ {
			if dd := sqDist(row, centers[j*d:j*d+d]); dd < bestD {
				best, bestD = int32(j), dd
			}
		}
		if f.labels[i] != best {
			f.labels[i] = best
			changed++
		}
	}
	f.part.changed[c] = changed
	f.accumulate(c, lo, hi)
}

// nearestTwo returns the nearest centre (ties to the lowest index) and the
// squared distances to it and to the second nearest (+Inf when k = 1).
func nearestTwo(row, centers []float64, k, d int) (int32, float64, float64) {
	best, b1, b2 := int32(0), math.Inf(1), math.Inf(1)
	for j := 0; j < k; j++ {
		dd := sqDist(row, centers[j*d:j*d+d])
		if dd < b1 {
			best, b1, b2 = int32(j), dd, b1
		} else if dd < b2 {
			b2 = dd
		}
	}
	return best, b1, b2
}

// nearestTwo3 is nearestTwo for d = 3 on centres stored as [3]float64, with
// the same operations in the same order as sqDist.
//
// Squared distances are non-negative (or +Inf), so their IEEE 754 bit
// patterns, read as unsigned integers, order exactly as the values do: the
// comparisons run on those integers, which compile to conditional moves
// with a short dependency chain, where float min and max need several
// instructions each to honour NaN and signed zeros.
func nearestTwo3(x0, x1, x2 float64, c3 [][3]float64) (int32, float64, float64) {
	inf := math.Float64bits(math.Inf(1))
	best, b1, b2 := int32(0), inf, inf
	for j := range c3 {
		c := &c3[j]
		e0, e1, e2 := x0-c[0], x1-c[1], x2-c[2]
		// The conversions forbid fused multiply-adds (GOAMD64=v3), so
		// the bits match the AVX2 kernel's separate roundings.
		dd := math.Float64bits(float64(e0*e0) + float64(e1*e1) + float64(e2*e2))
		b2 = min(b2, max(b1, dd))
		if dd < b1 {
			best = int32(j)
		}
		b1 = min(b1, dd)
	}
	return best, math.Float64frombits(b1), math.Float64frombits(b2)
}
