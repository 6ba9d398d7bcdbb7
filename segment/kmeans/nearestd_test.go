package kmeans

import (
	"math"
	"math/rand/v2"
	"testing"
)

// refNearestTwo is the plain reference for the general-d kernel: every
// distance from direct differences added in column order, the nearest
// centre by strict <, ties to the lowest index, and the second smallest
// distance (an independent transcription, not the package's nearestTwo).
func refNearestTwo(row, centers []float64, k, d int) (int32, float64, float64) {
	best, b1, b2 := int32(0), math.Inf(1), math.Inf(1)
	for j := 0; j < k; j++ {
		s := 0.0
		for t := 0; t < d; t++ {
			e := row[t] - centers[j*d+t]
			s = s + float64(e*e)
		}
		switch {
		case s < b1:
			best, b2, b1 = int32(j), b1, s
		case s < b2:
			b2 = s
		}
	}
	return best, b1, b2
}

// checkNearestRows compares nearestTwoRows (the AVX2 kernel where the CPU
// has it) with refNearestTwo, bit for bit.
func checkNearestRows(t *testing.T, x []float64, d int, centers []float64, k int) {
	t.Helper()
	n := len(x) / d
	ct := make([]float64, d*padK(k))
	transposeCenters(ct, centers, k, d)
	dist := make([]float64, n*padK(k))
	lab, d1, d2 := make([]int32, n), make([]float64, n), make([]float64, n)
	nearestTwoRows(x, d, centers, ct, k, dist, lab, d1, d2)
	for i := 0; i < n; i++ {
		j, b1, b2 := refNearestTwo(x[i*d:i*d+d], centers, k, d)
		if lab[i] != j || math.Float64bits(d1[i]) != math.Float64bits(b1) || math.Float64bits(d2[i]) != math.Float64bits(b2) {
			t.Fatalf("n=%d d=%d k=%d row %d: kernel gives (%d, %v, %v), reference (%d, %v, %v)",
				n, d, k, i, lab[i], d1[i], d2[i], j, b1, b2)
		}
	}
}

// TestNearestTwoRows checks the general-d kernel against the plain
// reference on random blocks: 0 to 37 rows (whole fours and remainders),
// d from 1 to 40 (most not a multiple of anything the kernel groups by),
// k from 1 to 33 (padding lanes in the last group of eight), with values
// of every kind of nearest3Value, duplicate centres and rows equal to a
// centre (exact ties, which must go to the lowest index), and
// small-integer grids (ties between different centres).
func TestNearestTwoRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 4))
	for trial := 0; trial < 1500; trial++ {
		d := 1 + rng.IntN(40)
		k := 1 + rng.IntN(33)
		n := rng.IntN(38)
		kinds := 1 + rng.IntN(8) // 1: ordinary only, ..., 8: with Inf and NaN
		if trial%2 == 0 {
			kinds = min(kinds, 6) // half the trials NaN- and Inf-free
		}
		val := func() float64 { return nearest3Value(rng, rng.IntN(kinds)) }
		if trial%5 == 0 {
			val = func() float64 { return float64(rng.IntN(3) - 1) } // grid: many ties
		}
		centers := make([]float64, k*d)
		for i := range centers {
			centers[i] = val()
		}
		if k > 2 && trial%3 == 0 {
			copy(centers[(k-1)*d:], centers[:d]) // a duplicate centre
		}
		x := make([]float64, n*d)
		for i := range x {
			x[i] = val()
		}
		for i := 0; i < n; i += 3 {
			j := rng.IntN(k)
			copy(x[i*d:i*d+d], centers[j*d:j*d+d]) // on a centre
		}
		checkNearestRows(t, x, d, centers, k)
	}
}

// TestNearestTwoRowsTies pins the tie rule with hand-made cases: equal
// distances to several centres go to the lowest index, and the second
// distance is then the same value.
func TestNearestTwoRowsTies(t *testing.T) {
	// d = 5, k = 10: centres 2, 5 and 9 are the same point; the rows are
	// that point (distance 0 to all three) and a point at distance 1 from
	// it along column 4.
	d, k := 5, 10
	centers := make([]float64, k*d)
	for j := 0; j < k; j++ {
		for t := 0; t < d; t++ {
			centers[j*d+t] = float64(10*j + t)
		}
	}
	p := []float64{3, -1, 4, 1, 5}
	for _, j := range []int{2, 5, 9} {
		copy(centers[j*d:], p)
	}
	var x []float64
	for range 4 {
		x = append(x, p...)
	}
	x = append(x, 3, -1, 4, 1, 6)
	ct := make([]float64, d*padK(k))
	transposeCenters(ct, centers, k, d)
	n := len(x) / d
	lab, d1, d2 := make([]int32, n), make([]float64, n), make([]float64, n)
	nearestTwoRows(x, d, centers, ct, k, make([]float64, n*padK(k)), lab, d1, d2)
	// Hand: rows 0-3 are at distance 0 from centres 2, 5 and 9; row 4 at
	// squared distance 1 from them.
	for i, want := range []struct {
		lab    int32
		d1, d2 float64
	}{{2, 0, 0}, {2, 0, 0}, {2, 0, 0}, {2, 0, 0}, {2, 1, 1}} {
		if lab[i] != want.lab || d1[i] != want.d1 || d2[i] != want.d2 {
			t.Errorf("row %d: got (%d, %v, %v), want (%d, %v, %v)", i, lab[i], d1[i], d2[i], want.lab, want.d1, want.d2)
		}
	}
	checkNearestRows(t, x, d, centers, k)
}
