//go:build !purego

package kmeans

import "golang.org/x/sys/cpu"

// hasAVX2 reports whether the CPU and the operating system support AVX2
// (golang.org/x/sys/cpu checks the CPUID feature bit and that the OS saves
// the AVX state). It is set once here and only read by the library; tests
// switch the kernels off with [withoutAVX2], which restores it.
var hasAVX2 = cpu.X86.HasAVX2

// nearestTwo3AVX2 is [nearestTwo3Go] on n rows, n a multiple of 4 (any
// remainder is ignored), k >= 1 (k = 0 does nothing): four rows at a
// time, one row per 64-bit lane of a 256-bit register. x holds the rows,
// row-major n x 3; c the k centres; the nearest centre of row i goes to
// lab[i], its squared distance to d1[i] and the second smallest to d2[i].
//
// It computes the same bits as the pure-Go code. Every squared distance
// is (e0*e0 + e1*e1) + e2*e2 with e_t = x_t - c_t, rounded after every
// operation (separate VSUBPD, VMULPD, VADDPD, no FMA), so it is +0, a
// positive number, +Inf or NaN, never -0. On such values the Go code's
// unsigned comparisons of bit patterns order the numbers as floats do and
// put every NaN above +Inf, so a NaN distance never changes b1, b2 or the
// label. The kernel takes, in nearestTwo3's order, lt = dd < b1 (VCMPPD,
// ordered, false for NaN), b2 = min(max(b1, dd), b2) and b1 = min(dd,
// b1) with VMAXPD and VMINPD, which return their second operand when one
// is NaN: the operand order makes a NaN dd leave b1 and b2 as they are.
// Ties go to the lowest index (strict lt).
//
//go:noescape
func nearestTwo3AVX2(x *float64, n int, c *[3]float64, k int, lab *int32, d1, d2 *float64)

// nearestTwo3Block writes, for each of the len(x)/3 rows of the row-major
// matrix x, the nearest centre of c3 (ties to the lowest index) to lab and
// the squared distances to the nearest and second nearest centres to d1
// and d2, bit-identical to [nearestTwo3] row by row. lab, d1 and d2 must
// hold at least len(x)/3 values. With AVX2 the rows go four at a time
// through [nearestTwo3AVX2] and any last one to three through the Go
// code; otherwise all go through [nearestTwo3Go].
func nearestTwo3Block(x []float64, c3 [][3]float64, lab []int32, d1, d2 []float64) {
	n := len(x) / 3
	lab, d1, d2 = lab[:n], d1[:n], d2[:n]
	n4 := n &^ 3
	if !hasAVX2 || n4 == 0 || len(c3) == 0 {
		nearestTwo3Go(x, c3, lab, d1, d2)
		return
	}
	nearestTwo3AVX2(&x[0], n4, &c3[0], len(c3), &lab[0], &d1[0], &d2[0])
	if n4 < n {
		nearestTwo3Go(x[3*n4:], c3, lab[n4:], d1[n4:], d2[n4:])
	}
}

// hamerly3AVX2 is [hamerly3Go] on n rows, n a multiple of 4, 1 <= k <= 8,
// every label in [0, k), tab holding cumS, half and cumR in its three
// 8-entry thirds: four rows at a time, the bound test, the scan of
// [nearestTwo3AVX2] where a lane fails (every lane when dense), the square
// roots (VSQRTPD, correctly rounded as math.Sqrt) and the new bounds,
// blended with the old ones in the lanes not updated. The per-label
// values are looked up in registers (VPERMD on the two halves of a table
// and a blend), not gathered from memory. Same bits as the Go code.
//
//go:noescape
func hamerly3AVX2(x *float64, n int, labels *int32, upper, lower *float64, tab *[24]float64, c *[3]float64, k int, dense bool, chg, chgLab *int32) (fails, changes int)

// hasFused3 reports whether hamerly3Block runs the AVX2 kernel for k
// centres: with AVX2 and 1 <= k <= 8.
func hasFused3(k int) bool { return hasAVX2 && k >= 1 && k <= 8 }

// hamerly3Block is [hamerly3Go], through [hamerly3AVX2] for the rows in
// whole fours when hasFused3(len(c3)).
func hamerly3Block(x []float64, labels []int32, upper, lower, cumS, cumR, half []float64, c3 [][3]float64, dense bool, chg, chgLab []int32) (fails, changes int) {
	n, k := len(labels), len(c3)
	x, upper, lower, chg, chgLab = x[:3*n], upper[:n], lower[:n], chg[:n], chgLab[:n]
	cumS, cumR, half = cumS[:k], cumR[:k], half[:k]
	n4 := n &^ 3
	if !hasFused3(k) || n4 == 0 {
		return hamerly3Go(x, labels, upper, lower, cumS, cumR, half, c3, dense, chg, chgLab)
	}
	var tab [24]float64
	copy(tab[0:8], cumS)
	copy(tab[8:16], half)
	copy(tab[16:24], cumR)
	fails, changes = hamerly3AVX2(&x[0], n4, &labels[0], &upper[0], &lower[0], &tab, &c3[0], k, dense, &chg[0], &chgLab[0])
	if n4 < n {
		f, c := hamerly3Go(x[3*n4:], labels[n4:], upper[n4:], lower[n4:], cumS, cumR, half, c3, dense, chg[changes:], chgLab[changes:])
		for q := range chg[changes : changes+c] {
			chg[changes+q] += int32(n4)
		}
		fails += f
		changes += c
	}
	return fails, changes
}

// distBlockAVX2 writes to out (n x kp, row-major) the squared distances
// from each of the n rows of x (n x d, row-major; n a multiple of 4, any
// remainder ignored; d >= 1) to the kp centres of ct (d x kp, the
// centres transposed; kp a multiple of 8): four rows against eight
// centres at a time, one centre per 64-bit lane, each lane adding
// (x_t - c_t)^2 for t = 0..d-1 in order with separate VSUBPD, VMULPD and
// VADDPD, from +0: the bits of [sqDist].
//
//go:noescape
func distBlockAVX2(x *float64, n, d int, ct *float64, kp int, out *float64)

// distBlock is [distBlockAVX2] on slices: n rows of x, n a multiple of 4.
func distBlock(x []float64, n, d int, ct []float64, kp int, out []float64) {
	_, _, _ = x[n*d-1], ct[d*kp-1], out[n*kp-1]
	distBlockAVX2(&x[0], n, d, &ct[0], kp, &out[0])
}
