package kmeans

import "math"

// nearestTwo3Go is the pure-Go nearestTwo3Block: nearestTwo3 on each row
// of the row-major n x 3 matrix x, n = len(x)/3.
func nearestTwo3Go(x []float64, c3 [][3]float64, lab []int32, d1, d2 []float64) {
	n := len(x) / 3
	lab, d1, d2 = lab[:n], d1[:n], d2[:n]
	for q := range lab {
		r := x[3*q : 3*q+3 : 3*q+3]
		lab[q], d1[q], d2[q] = nearestTwo3(r[0], r[1], r[2], c3)
	}
}

// hamerly3Go is one d = 3 Hamerly pass over the rows of x (row-major
// n x 3, n = len(labels)) with their labels and stored bounds (see
// hamerlyChunk). A row fails when u = upper + cumS[a] > half[a] and
// u > lower - cumR[a], a its label. A failing row, or every row when
// dense, is scanned with nearestTwo3 and gets the bounds sqrt(b1) -
// cumS[j] and sqrt(b2) + cumR[j], j its nearest centre. The labels are
// not written: the rows whose label changes are listed in chg (their
// index) and chgLab (the new label), in row order. It returns the number
// of failing rows and of changes.
func hamerly3Go(x []float64, labels []int32, upper, lower, cumS, cumR, half []float64, c3 [][3]float64, dense bool, chg, chgLab []int32) (fails, changes int) {
	upper, lower = upper[:len(labels)], lower[:len(labels)]
	for ii, a := range labels {
		u := upper[ii] + cumS[a]
		fail := u > half[a] && u > lower[ii]-cumR[a]
		if fail {
			fails++
		}
		if !fail && !dense {
			continue
		}
		r := x[3*ii : 3*ii+3 : 3*ii+3]
		j, b1, b2 := nearestTwo3(r[0], r[1], r[2], c3)
		upper[ii] = math.Sqrt(b1) - cumS[j]
		lower[ii] = math.Sqrt(b2) + cumR[j]
		if j != a {
			chg[changes], chgLab[changes] = int32(ii), j
			changes++
		}
	}
	return fails, changes
}
