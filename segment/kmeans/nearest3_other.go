//go:build !amd64 || purego

package kmeans

// hasAVX2 is false: the pure-Go code is used on this architecture or
// under the purego build tag. (A variable, as on amd64, so that the tests
// read it the same way everywhere.)
var hasAVX2 = false

// nearestTwo3Block writes, for each of the len(x)/3 rows of the row-major
// matrix x, the nearest centre of c3 (ties to the lowest index) to lab and
// the squared distances to the nearest and second nearest centres to d1
// and d2, as [nearestTwo3] row by row. lab, d1 and d2 must hold at least
// len(x)/3 values.
func nearestTwo3Block(x []float64, c3 [][3]float64, lab []int32, d1, d2 []float64) {
	nearestTwo3Go(x, c3, lab, d1, d2)
}

// hasFused3 is false: there is no fused kernel here.
func hasFused3(k int) bool { return false }

// hamerly3Block is [hamerly3Go].
func hamerly3Block(x []float64, labels []int32, upper, lower, cumS, cumR, half []float64, c3 [][3]float64, dense bool, chg, chgLab []int32) (fails, changes int) {
	return hamerly3Go(x, labels, upper, lower, cumS, cumR, half, c3, dense, chg, chgLab)
}

// distBlock is never called without AVX2 (see [nearestTwoRows]).
func distBlock(x []float64, n, d int, ct []float64, kp int, out []float64) {
	panic("kmeans: distBlock without AVX2")
}
