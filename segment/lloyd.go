package segment

import "math"

// lloydChunk assigns every row of chunk c to its nearest centre (ties to
// the lowest index), computing every distance: Lloyd's (1982) step.
func (f *fitter) lloydChunk(c int) {
	lo, hi := f.pool.bounds(c)
	d, k := f.d, f.k
	centers := f.centers
	changed := 0
	for i := lo; i < hi; i++ {
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
	f.pchanged[c] = changed
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
