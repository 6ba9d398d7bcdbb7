package segment

import "math"

// elkanChunk is Elkan's (2003) exact assignment for chunk c, in the form of
// scikit-learn's _elkan_iter_chunked_dense: each row keeps an upper bound u
// on the distance to its centre and k lower bounds l_j. After the centres
// move by delta_j, u += delta_label and l_j = max(l_j - delta_j, 0); centre
// j is examined only when u > l_j and u > ||c_label - c_j||/2, and the whole
// row is skipped when u <= min_j ||c_label - c_j||/2.
func (f *fitter) elkanChunk(c int) {
	lo, hi := f.pool.bounds(c)
	d, k := f.d, f.k
	centers := f.centers
	changed := 0
	if !f.valid {
		for i := lo; i < hi; i++ {
			row := f.x[i*d : i*d+d]
			lb := f.lowerK[i*k : i*k+k]
			best, bestD := int32(0), math.Inf(1)
			for j := 0; j < k; j++ {
				dj := math.Sqrt(sqDist(row, centers[j*d:j*d+d]))
				lb[j] = dj
				if dj < bestD {
					best, bestD = int32(j), dj
				}
			}
			if f.labels[i] != best {
				f.labels[i] = best
				changed++
			}
			f.upper[i] = bestD
		}
	} else {
		shift, half, cc := f.shift, f.half, f.cc
		for i := lo; i < hi; i++ {
			lb := f.lowerK[i*k : i*k+k]
			for j, s := range shift[:k] {
				lb[j] = max(lb[j]-s, 0)
			}
			a := f.labels[i]
			u := f.upper[i] + shift[a]
			if u > half[a] {
				row := f.x[i*d : i*d+d]
				tight := false
				orig := a
				for j := int32(0); j < int32(k); j++ {
					if j == a || u <= lb[j] || u <= cc[int(a)*k+int(j)] {
						continue
					}
					if !tight {
						u = math.Sqrt(sqDist(row, centers[int(a)*d:int(a)*d+d]))
						lb[a] = u
						tight = true
						if u <= lb[j] || u <= cc[int(a)*k+int(j)] {
							continue
						}
					}
					dj := math.Sqrt(sqDist(row, centers[int(j)*d:int(j)*d+d]))
					lb[j] = dj
					if dj < u {
						a, u = j, dj
					}
				}
				if a != orig {
					f.labels[i] = a
					changed++
				}
			}
			f.upper[i] = u
		}
	}
	f.pchanged[c] = changed
	f.accumulate(c, lo, hi)
}
