package segment

import "math"

// hamerlyChunk is Hamerly's (2010) exact assignment for chunk c: each row
// keeps an upper bound u on the distance to its centre and a lower bound l
// on the distance to every other centre. After the centres move by
// delta_j, u += delta_label and l -= max_{j != label} delta_j; the row is
// skipped when u <= max(l, s_label), s_j being half the distance from
// centre j to its nearest other centre, since no centre can then be
// strictly closer.
func (f *fitter) hamerlyChunk(c int) {
	lo, hi := f.pool.bounds(c)
	d, k := f.d, f.k
	centers := f.centers
	changed := 0
	if !f.valid {
		for i := lo; i < hi; i++ {
			j, b1, b2 := nearestTwo(f.x[i*d:i*d+d], centers, k, d)
			if f.labels[i] != j {
				f.labels[i] = j
				changed++
			}
			f.upper[i] = math.Sqrt(b1)
			f.lower[i] = math.Sqrt(b2)
		}
	} else {
		shift, half := f.shift, f.half
		maxIdx, max1, max2 := int32(f.maxShiftIdx), f.maxShift, f.maxShift2
		for i := lo; i < hi; i++ {
			a := f.labels[i]
			u := f.upper[i] + shift[a]
			l := f.lower[i]
			if a == maxIdx {
				l -= max2
			} else {
				l -= max1
			}
			m := max(half[a], l)
			if u > m {
				row := f.x[i*d : i*d+d]
				u = math.Sqrt(sqDist(row, centers[int(a)*d:int(a)*d+d]))
				if u > m {
					j, b1, b2 := nearestTwo(row, centers, k, d)
					if j != a {
						f.labels[i] = j
						changed++
					}
					u, l = math.Sqrt(b1), math.Sqrt(b2)
				}
			}
			f.upper[i] = u
			f.lower[i] = l
		}
	}
	f.pchanged[c] = changed
	f.accumulate(c, lo, hi)
}
