package kmeans

import "math"

// The general-d distance kernel. Distances are computed from direct
// differences, s = sum_t (x_t - c_t)^2 with t = 0..d-1 in order and every
// operation rounded (no fused multiply-add), exactly as [sqDist]: the
// kernel vectorises across centres (one centre per 64-bit lane), not
// across columns, so each lane adds its squares in sqDist's order and the
// distances, labels and bounds are bit-identical to the scalar code's.
// The ||x||^2 - 2 x.c + ||c||^2 expansion that scikit-learn's matrix
// products use would be faster still, but it rounds differently (and
// cancels badly for rows far from the origin), so labels could differ
// from the direct computation near ties: it is not used.

// blockScanMaxK is the largest k for which the Hamerly pass at d != 3
// rescans a failing row against every centre with the block kernel,
// rather than tightening its bound and searching the centres one by one.
// The rule depends only on k, never on the CPU, so the AVX2 and pure-Go
// paths take the same decisions.
const blockScanMaxK = 32

// scanFloats is the size of the per-call scratch of the block passes: a
// block of rows (copied rows, for the sparse pass) and their distances to
// the padded centres.
const scanFloats = 4096

// padK returns k rounded up to the kernel's group of 8 centres.
func padK(k int) int { return (k + 7) &^ 7 }

// scanRows returns the rows per block of the d != 3 block passes: as many
// as fit in the scratch next to their distances (and, for a sparse pass,
// their copies), a multiple of 4, at least 4 and at most gatherRows.
func scanRows(d, k int) int {
	r := scanFloats / (d + padK(k))
	return max(4, min(gatherRows, r&^3))
}

// transposeCenters writes the k x d row-major centres to ct as d rows of
// kp = padK(k) values (centre j of column t at ct[t*kp+j]); the padding
// lanes are zero and never read back.
func transposeCenters(ct, centers []float64, k, d int) {
	kp := padK(k)
	ct = ct[:d*kp]
	clear(ct)
	for j := 0; j < k; j++ {
		for t, v := range centers[j*d : j*d+d] {
			ct[t*kp+j] = v
		}
	}
}

// nearestTwoRows writes, for each of the n = len(x)/d rows of the
// row-major matrix x, its nearest centre (ties to the lowest index) to
// lab, and the squared distances to the nearest and second nearest (+Inf
// when k = 1) to d1 and d2: [nearestTwo] row by row, bit for bit. centers
// are the k x d centres and ct their transpose ([transposeCenters]); dist
// is scratch of at least n*padK(k) values. With AVX2 the rows in whole
// fours go through [distBlockAVX2]; the rest, or every row without it,
// through nearestTwo.
func nearestTwoRows(x []float64, d int, centers, ct []float64, k int, dist []float64, lab []int32, d1, d2 []float64) {
	n := len(x) / d
	lab, d1, d2 = lab[:n], d1[:n], d2[:n]
	n4 := 0
	if hasAVX2 && k > 0 {
		n4 = n &^ 3
	}
	if n4 > 0 {
		kp := padK(k)
		dist = dist[:n4*kp]
		distBlock(x[:n4*d], n4, d, ct[:d*kp], kp, dist)
		// As in nearestTwo3, the comparisons run on the distances' bit
		// patterns (the distances are +0, positive, +Inf or NaN, and every
		// NaN's bits order above +Inf's), which compile to conditional
		// moves: the same results as nearestTwo's branches, NaN included
		// (a NaN distance changes nothing).
		inf := math.Float64bits(math.Inf(1))
		for q := range n4 {
			row := dist[q*kp : q*kp+k]
			best, b1, b2 := int32(0), inf, inf
			for j, v := range row {
				dd := math.Float64bits(v)
				b2 = min(b2, max(b1, dd))
				if dd < b1 {
					best = int32(j)
				}
				b1 = min(b1, dd)
			}
			lab[q], d1[q], d2[q] = best, math.Float64frombits(b1), math.Float64frombits(b2)
		}
	}
	for q := n4; q < n; q++ {
		lab[q], d1[q], d2[q] = nearestTwo(x[q*d:q*d+d], centers, k, d)
	}
}
