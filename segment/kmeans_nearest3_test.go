package segment

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"
)

// nearest3Value draws a coordinate of one of several kinds: ordinary,
// small integers (many exact ties), zeros of both signs, huge (squares
// overflow to +Inf), tiny and subnormal (squares underflow to zero), and
// infinities.
func nearest3Value(rng *rand.Rand, kind int) float64 {
	switch kind {
	case 0:
		return rng.NormFloat64() * 3
	case 1:
		return float64(rng.IntN(3) - 1)
	case 2:
		if rng.IntN(2) == 0 {
			return math.Copysign(0, -1)
		}
		return 0
	case 3:
		return (rng.Float64()*2 - 1) * 1e308
	case 4:
		return (rng.Float64()*2 - 1) * 1e-160
	case 5:
		return (rng.Float64()*2 - 1) * 5e-324 * float64(rng.IntN(1000))
	default:
		return math.Inf(1 - 2*rng.IntN(2))
	}
}

// checkNearest3Block compares nearestTwo3Block (the AVX2 kernel where the
// CPU has it) with nearestTwo3Go, bit for bit.
func checkNearest3Block(t *testing.T, x []float64, c3 [][3]float64) {
	t.Helper()
	n := len(x) / 3
	labA, d1A, d2A := make([]int32, n), make([]float64, n), make([]float64, n)
	labB, d1B, d2B := make([]int32, n), make([]float64, n), make([]float64, n)
	nearestTwo3Block(x, c3, labA, d1A, d2A)
	nearestTwo3Go(x, c3, labB, d1B, d2B)
	for i := 0; i < n; i++ {
		if labA[i] != labB[i] || math.Float64bits(d1A[i]) != math.Float64bits(d1B[i]) || math.Float64bits(d2A[i]) != math.Float64bits(d2B[i]) {
			t.Fatalf("n=%d k=%d row %d %v: block gives (%d, %v, %v), Go gives (%d, %v, %v)",
				n, len(c3), i, x[3*i:3*i+3], labA[i], d1A[i], d2A[i], labB[i], d1B[i], d2B[i])
		}
	}
}

// TestNearestTwo3Block checks the block kernel against the pure-Go code on
// random blocks of 0 to 33 rows and 1 to 20 centres: mixed kinds of values,
// duplicate centres, rows equal to centres (ties at distance zero), and
// small-integer grids (ties between different centres).
func TestNearestTwo3Block(t *testing.T) {
	if !hasAVX2 {
		t.Log("no AVX2 kernel here: the block function is the Go code")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 3000; trial++ {
		n := trial % 34
		k := 1 + rng.IntN(20)
		mode := rng.IntN(4)
		kind := func() int {
			switch mode {
			case 0:
				return 0
			case 1:
				return 1
			case 2:
				return rng.IntN(2) * 2 // zeros and ordinary
			default:
				return rng.IntN(7)
			}
		}
		c3 := make([][3]float64, k)
		for j := range c3 {
			if j > 0 && rng.IntN(4) == 0 {
				c3[j] = c3[rng.IntN(j)] // duplicate centre
				continue
			}
			for t := range c3[j] {
				c3[j][t] = nearest3Value(rng, kind())
			}
		}
		x := make([]float64, 3*n)
		for i := 0; i < n; i++ {
			if rng.IntN(5) == 0 {
				copy(x[3*i:3*i+3], c3[rng.IntN(k)][:]) // on a centre
				continue
			}
			for t := 0; t < 3; t++ {
				x[3*i+t] = nearest3Value(rng, kind())
			}
		}
		checkNearest3Block(t, x, c3)
	}
}

// TestNearestTwo3BlockTies checks, with hand-made numbers, that equal
// distances go to the lowest index and that the second distance counts a
// tie: rows at distance 1 from centres 1 and 2 (and 3 from centre 0).
func TestNearestTwo3BlockTies(t *testing.T) {
	c3 := [][3]float64{{3, 0, 0}, {1, 0, 0}, {-1, 0, 0}, {1, 0, 0}}
	x := make([]float64, 3*9)
	lab, d1, d2 := make([]int32, 9), make([]float64, 9), make([]float64, 9)
	nearestTwo3Block(x, c3, lab, d1, d2)
	for i := range lab {
		// Distances 9, 1, 1, 1 (hand computed): nearest 1, second 1.
		if lab[i] != 1 || d1[i] != 1 || d2[i] != 1 {
			t.Errorf("row %d: got (%d, %v, %v), want (1, 1, 1)", i, lab[i], d1[i], d2[i])
		}
	}
}

// FuzzNearestTwo3Block checks the block kernel against the pure-Go code on
// fuzzed rows and centres: the bytes give k, then float64 values (NaN
// inputs are replaced by zero: with two NaN operands the propagated
// payload is not specified in Go, and the fit never has NaN input).
func FuzzNearestTwo3Block(f *testing.F) {
	seed := make([]byte, 1+8*3*9)
	seed[0] = 2
	for i := 1; i+8 <= len(seed); i += 8 {
		binary.LittleEndian.PutUint64(seed[i:], math.Float64bits(float64(i%7)-3))
	}
	f.Add(seed)
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < 1 {
			return
		}
		k := 1 + int(b[0]%16)
		var vals []float64
		for i := 1; i+8 <= len(b); i += 8 {
			v := math.Float64frombits(binary.LittleEndian.Uint64(b[i:]))
			if math.IsNaN(v) {
				v = 0
			}
			vals = append(vals, v)
		}
		c3 := make([][3]float64, k)
		for j := range c3 {
			for t := range c3[j] {
				if q := 3*j + t; q < len(vals) {
					c3[j][t] = vals[q]
				}
			}
		}
		x := vals[min(len(vals), 3*k):]
		x = x[:len(x)/3*3]
		checkNearest3Block(t, x, c3)
	})
}
