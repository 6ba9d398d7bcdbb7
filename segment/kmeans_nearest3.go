package segment

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
