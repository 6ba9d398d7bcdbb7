package segment

import "math"

// hamerlyChunk is Hamerly's (2010) exact assignment for chunk c: each row
// keeps an upper bound u on the distance to its centre a and a lower bound
// l on the distance to every other centre. After the centres move by
// delta_j, u += delta_a and l -= max_{j != a} delta_j; the row is skipped
// when u <= max(l, s_a), s_j being half the distance from centre j to its
// nearest other centre, since no centre can then be strictly closer.
//
// The bounds are stored relative to cumulative shifts, u_stored = u - S_a
// and l_stored = l + R_a with S_j = sum delta_j and R_j = sum max_{j' != j}
// delta_j', so a skipped row costs three reads and no write.
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
			f.upper[i] = math.Sqrt(b1) - f.cumS[j]
			f.lower[i] = math.Sqrt(b2) + f.cumR[j]
		}
	} else {
		f.clearDelta(c)
		cumS, cumR, half := f.cumS, f.cumR, f.half
		labels, upper, lower := f.labels[lo:hi], f.upper[lo:hi], f.lower[lo:hi]
		for ii, a := range labels {
			u := upper[ii] + cumS[a]
			m := max(half[a], lower[ii]-cumR[a])
			if u <= m {
				continue
			}
			i := lo + ii
			row := f.x[i*d : i*d+d]
			if d == 3 {
				ca := &f.c3[a]
				e0, e1, e2 := row[0]-ca[0], row[1]-ca[1], row[2]-ca[2]
				u = math.Sqrt(e0*e0 + e1*e1 + e2*e2)
			} else {
				u = math.Sqrt(sqDist(row, centers[int(a)*d:int(a)*d+d]))
			}
			if u <= m {
				upper[ii] = u - cumS[a]
				continue
			}
			var j int32
			var b1, b2 float64
			if d == 3 {
				j, b1, b2 = nearestTwo3(row[0], row[1], row[2], f.c3)
			} else {
				j, b1, b2 = nearestTwo(row, centers, k, d)
			}
			if j != a {
				labels[ii] = j
				changed++
				f.move(c, i, a, j)
			}
			upper[ii] = math.Sqrt(b1) - cumS[j]
			lower[ii] = math.Sqrt(b2) + cumR[j]
		}
	}
	f.pchanged[c] = changed
	f.accumulate(c, lo, hi)
}
