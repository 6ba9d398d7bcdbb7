package kmeans

import "math"

// elkanChunk is Elkan's (2003) exact assignment for chunk c, in the form of
// scikit-learn's _elkan_iter_chunked_dense: each row keeps an upper bound u
// on the distance to its centre a and k lower bounds l_j. After the centres
// move by delta_j, u += delta_a and l_j -= delta_j; centre j is examined
// only when u > l_j and u > ||c_a - c_j||/2, and the whole row is skipped
// when u <= min_j ||c_a - c_j||/2.
//
// The bounds are stored relative to the cumulative shifts S_j = sum
// delta_j (u_stored = u - S_a, l_stored = l_j + S_j), so a skipped row
// costs two reads and no write, instead of k updates per iteration.
func (f *fitter) elkanChunk(c int) {
	lo, hi := f.pool.Bounds(c)
	d, k := f.d, f.k
	centers := f.centers
	changed := 0
	if !f.valid {
		for i := lo; i < hi; i++ {
			row := f.x[i*d : i*d+d]
			lb := f.bound.lowerK[i*k : i*k+k]
			best, bestD := int32(0), math.Inf(1)
			for j := 0; j < k; j++ {
				dj := math.Sqrt(sqDist(row, centers[j*d:j*d+d]))
				lb[j] = dj + f.bound.cumS[j]
				if dj < bestD {
					best, bestD = int32(j), dj
				}
			}
			if f.labels[i] != best {
				f.labels[i] = best
				changed++
			}
			f.bound.upper[i] = bestD - f.bound.cumS[best]
		}
	} else {
		f.clearDelta(c)
		cumS, half, cc := f.bound.cumS, f.bound.half, f.bound.cc
		for i := lo; i < hi; i++ {
			a := f.labels[i]
			u := f.bound.upper[i] + cumS[a]
			if u <= half[a] {
				continue
			}
			lb := f.bound.lowerK[i*k : i*k+k]
			row := f.x[i*d : i*d+d]
			tight := false
			orig := a
			for j := int32(0); j < int32(k); j++ {
				if j == a {
					continue
				}
				lj := lb[j] - cumS[j]
				if u <= lj || u <= cc[int(a)*k+int(j)] {
					continue
				}
				if !tight {
					u = math.Sqrt(sqDist(row, centers[int(a)*d:int(a)*d+d]))
					lb[a] = u + cumS[a]
					tight = true
					if u <= lj || u <= cc[int(a)*k+int(j)] {
						continue
					}
				}
				dj := math.Sqrt(sqDist(row, centers[int(j)*d:int(j)*d+d]))
				lb[j] = dj + cumS[j]
				if dj < u {
					a, u = j, dj
				}
			}
			if a != orig {
				f.labels[i] = a
				changed++
				f.move(c, i, orig, a)
			}
			if tight {
				f.bound.upper[i] = u - cumS[a]
			}
		}
	}
	f.part.changed[c] = changed
	f.accumulate(c, lo, hi)
}
