//go:build !amd64 || purego

package segment

// hasAVX2 is false: the pure-Go code is used on this architecture or
// under the purego build tag.
const hasAVX2 = false

// nearestTwo3Block writes, for each of the len(x)/3 rows of the row-major
// matrix x, the nearest centre of c3 (ties to the lowest index) to lab and
// the squared distances to the nearest and second nearest centres to d1
// and d2, as [nearestTwo3] row by row. lab, d1 and d2 must hold at least
// len(x)/3 values.
func nearestTwo3Block(x []float64, c3 [][3]float64, lab []int32, d1, d2 []float64) {
	nearestTwo3Go(x, c3, lab, d1, d2)
}
