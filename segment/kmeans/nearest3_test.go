package kmeans

import (
	"context"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cvmkit/cvm/internal/check"
)

// nearest3Value draws a coordinate of one of several kinds: ordinary,
// small integers (many exact ties), zeros of both signs, huge (squares
// overflow to +Inf), tiny and subnormal (squares underflow to zero),
// infinities (Inf - Inf gives NaN distances) and NaNs.
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
	case 6:
		return math.Inf(1 - 2*rng.IntN(2))
	default:
		// NaNs of both signs and several payloads: a NaN distance must
		// change nothing, whatever its bits.
		return math.Float64frombits(0x7ff8000000000000 | uint64(rng.IntN(2))<<63 | uint64(rng.IntN(1<<20)))
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
				return rng.IntN(8)
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

// fuzzFloats reads b as little-endian float64 values, dropping a last
// partial one.
func fuzzFloats(b []byte) []float64 {
	vals := make([]float64, 0, len(b)/8)
	for i := 0; i+8 <= len(b); i += 8 {
		vals = append(vals, math.Float64frombits(binary.LittleEndian.Uint64(b[i:])))
	}
	return vals
}

// FuzzNearestTwo3Block checks the block kernel against the pure-Go code on
// fuzzed rows and centres: the bytes give k, then float64 values, NaNs
// included (a NaN distance is never kept, so its bits never matter).
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
		vals := fuzzFloats(b[1:])
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

// TestHamerly3Block checks the fused Hamerly pass (AVX2 where the CPU has
// it) against hamerly3Go, bit for bit: failing counts, the list of
// changed labels, and every bound, on random blocks of 0 to 33 rows (and
// a few longer ones), sparse and dense, with bounds drawn so that some
// rows pass and some fail, ties, duplicate centres and extreme values.
func TestHamerly3Block(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := 0; trial < 3000; trial++ {
		n := trial % 34
		if trial%100 == 99 {
			n = 200 + rng.IntN(100)
		}
		k := 1 + rng.IntN(10) // the AVX2 kernel takes k <= 8
		extreme := rng.IntN(4) == 0
		kind := func() int {
			if extreme {
				return rng.IntN(8)
			}
			return rng.IntN(2)
		}
		c3 := make([][3]float64, k)
		for j := range c3 {
			if j > 0 && rng.IntN(4) == 0 {
				c3[j] = c3[rng.IntN(j)]
				continue
			}
			for q := range c3[j] {
				c3[j][q] = nearest3Value(rng, kind())
			}
		}
		x := make([]float64, 3*n)
		for i := range x {
			x[i] = nearest3Value(rng, kind())
		}
		cumS, cumR, half := make([]float64, k), make([]float64, k), make([]float64, k)
		for j := range cumS {
			cumS[j], cumR[j], half[j] = rng.Float64(), rng.Float64(), rng.Float64()*2
			if rng.IntN(8) == 0 {
				half[j] = cumS[j] + 0.5 // ties in the bound test
			}
		}
		labels := make([]int32, n)
		upper, lower := make([]float64, n), make([]float64, n)
		for i := range labels {
			labels[i] = int32(rng.IntN(k))
			upper[i] = rng.Float64()*2 - 0.5
			lower[i] = rng.Float64() * 3
			if rng.IntN(8) == 0 {
				lower[i] = upper[i] + cumS[labels[i]] + cumR[labels[i]] // ties
			}
		}
		dense := rng.IntN(3) == 0
		up2, lo2 := slices.Clone(upper), slices.Clone(lower)
		chgA, labA := make([]int32, n), make([]int32, n)
		chgB, labB := make([]int32, n), make([]int32, n)
		fA, cA := hamerly3Block(x, labels, upper, lower, cumS, cumR, half, c3, dense, chgA, labA)
		fB, cB := hamerly3Go(x, labels, up2, lo2, cumS, cumR, half, c3, dense, chgB, labB)
		if fA != fB || cA != cB || !slices.Equal(chgA[:cA], chgB[:cB]) || !slices.Equal(labA[:cA], labB[:cB]) {
			t.Fatalf("trial %d n=%d k=%d dense=%v: block gives %d fails, changes %v to %v; Go gives %d, %v to %v",
				trial, n, k, dense, fA, chgA[:cA], labA[:cA], fB, chgB[:cB], labB[:cB])
		}
		for i := range upper {
			if math.Float64bits(upper[i]) != math.Float64bits(up2[i]) || math.Float64bits(lower[i]) != math.Float64bits(lo2[i]) {
				t.Fatalf("trial %d n=%d k=%d dense=%v row %d: block bounds (%v, %v), Go (%v, %v)",
					trial, n, k, dense, i, upper[i], lower[i], up2[i], lo2[i])
			}
		}
	}
}

// TestKernelPathsAgree fits the same d = 3 data with the AVX2 kernels and
// with the pure-Go code (hasAVX2 switched off) and requires bit-identical
// centres, labels, inertia and iterations, for Lloyd and Hamerly, unit and
// integer weights, from k-means++ with restarts.
func TestKernelPathsAgree(t *testing.T) {
	if !hasAVX2 {
		t.Skip("no AVX2 kernel on this machine or build")
	}
	x := logRFM(6_001, 3) // 6001: the last chunk ends with a row outside the fours
	w := make([]float64, len(x)/3)
	for i := range w {
		w[i] = float64(i % 4)
	}
	for _, algo := range []Algorithm{Lloyd, Hamerly} {
		for _, k := range []int{2, 7, 13} {
			for _, wt := range [][]float64{nil, w} {
				s := &Settings{Algorithm: algo, Seed: uint64(k), NInit: 2}
				a, err := Fit(context.Background(), x, 3, k, wt, s)
				if err != nil {
					t.Fatal(err)
				}
				b, err := fitWithoutAVX2(t, x, 3, k, wt, s)
				if err != nil {
					t.Fatal(err)
				}
				if a.Iterations != b.Iterations || math.Float64bits(a.Inertia) != math.Float64bits(b.Inertia) ||
					!slices.Equal(a.Labels, b.Labels) || !slices.EqualFunc(a.Centers, b.Centers, func(p, q float64) bool {
					return math.Float64bits(p) == math.Float64bits(q)
				}) {
					t.Errorf("%v k=%d weighted=%v: AVX2 gives %d iterations, inertia %v; Go gives %d, %v (or labels/centres differ)",
						algo, k, wt != nil, a.Iterations, a.Inertia, b.Iterations, b.Inertia)
				}
			}
		}
	}
}

// withoutAVX2 switches the AVX2 kernels off until t ends; the detected
// value is restored by t.Cleanup, even when t fails.
func withoutAVX2(t testing.TB) {
	old := hasAVX2
	hasAVX2 = false
	t.Cleanup(func() { hasAVX2 = old })
}

// fitWithoutAVX2 fits d-column data with the pure-Go code, in a subtest
// so that the kernels are back on when it returns.
func fitWithoutAVX2(t *testing.T, x []float64, d, k int, w []float64, s *Settings) (m *Model, err error) {
	t.Run("purego", func(t *testing.T) {
		withoutAVX2(t)
		m, err = Fit(context.Background(), x, d, k, w, s)
	})
	return m, err
}

// TestKernelPathsAgreeD is TestKernelPathsAgree for the general-d block
// kernel: fits at d = 5, 32 and 33 (rows 4001, or 2053 under the race
// detector: two chunks, the second ending outside the fours) give the
// same bits with the AVX2 kernel and without it, for Lloyd and Hamerly, k
// on both sides of blockScanMaxK (k = 16 too without the race detector),
// weighted or not.
func TestKernelPathsAgreeD(t *testing.T) {
	if !hasAVX2 {
		t.Skip("no AVX2 kernel on this machine or build")
	}
	n, ks := 4_001, []int{1, 9, 16, 40}
	if raceEnabled {
		n, ks = 2_053, []int{1, 9, 40}
	}
	for _, d := range []int{5, 32, 33} {
		x := blobs(n, d, 10, uint64(d))
		w := make([]float64, len(x)/d)
		for i := range w {
			w[i] = float64(i % 3)
		}
		for _, algo := range []Algorithm{Lloyd, Hamerly} {
			for _, k := range ks {
				for _, wt := range [][]float64{nil, w} {
					s := &Settings{Algorithm: algo, Seed: uint64(k), NInit: 2}
					a := check.Must(Fit(context.Background(), x, d, k, wt, s))
					b := check.Must(fitWithoutAVX2(t, x, d, k, wt, s))
					if a.Iterations != b.Iterations || math.Float64bits(a.Inertia) != math.Float64bits(b.Inertia) ||
						!slices.Equal(a.Labels, b.Labels) || !slices.EqualFunc(a.Centers, b.Centers, func(p, q float64) bool {
						return math.Float64bits(p) == math.Float64bits(q)
					}) {
						t.Errorf("d=%d %v k=%d weighted=%v: AVX2 gives %d iterations, inertia %v; Go gives %d, %v (or labels/centres differ)",
							d, algo, k, wt != nil, a.Iterations, a.Inertia, b.Iterations, b.Inertia)
					}
				}
			}
		}
	}
}

// FuzzHamerly3Block checks the fused Hamerly pass against hamerly3Go on
// fuzzed data: byte 0 gives k (1 to 8, the AVX2 kernel's range), byte 1
// dense, then float64 values fill the centres, cumS, cumR, half, and then
// per row its three values, upper and lower bounds and (from one more
// value's bits) its label. NaNs are kept in the rows and centres and
// replaced by zero in the tables and bounds (with two NaN operands the
// payload that propagates to a stored bound is not specified in Go).
func FuzzHamerly3Block(f *testing.F) {
	seed := make([]byte, 2+8*(8*6+9*6))
	seed[0] = 7
	for i := 2; i+8 <= len(seed); i += 8 {
		binary.LittleEndian.PutUint64(seed[i:], math.Float64bits(float64(i%11)-4))
	}
	f.Add(seed)
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < 2 {
			return
		}
		k := 1 + int(b[0]%8)
		dense := b[1]&1 == 1
		vals := fuzzFloats(b[2:])
		raw := func() float64 {
			if len(vals) == 0 {
				return 0
			}
			v := vals[0]
			vals = vals[1:]
			return v
		}
		next := func() float64 {
			if v := raw(); !math.IsNaN(v) {
				return v
			}
			return 0
		}
		c3 := make([][3]float64, k)
		for j := range c3 {
			c3[j] = [3]float64{raw(), raw(), raw()}
		}
		cumS, cumR, half := make([]float64, k), make([]float64, k), make([]float64, k)
		for j := 0; j < k; j++ {
			cumS[j], cumR[j], half[j] = next(), next(), next()
		}
		n := len(vals) / 6
		x := make([]float64, 3*n)
		labels := make([]int32, n)
		upper, lower := make([]float64, n), make([]float64, n)
		for i := 0; i < n; i++ {
			x[3*i], x[3*i+1], x[3*i+2] = raw(), raw(), raw()
			upper[i], lower[i] = next(), next()
			labels[i] = int32(math.Float64bits(next()) % uint64(k))
		}
		up2, lo2 := slices.Clone(upper), slices.Clone(lower)
		chgA, labA := make([]int32, n), make([]int32, n)
		chgB, labB := make([]int32, n), make([]int32, n)
		fA, cA := hamerly3Block(x, labels, upper, lower, cumS, cumR, half, c3, dense, chgA, labA)
		fB, cB := hamerly3Go(x, labels, up2, lo2, cumS, cumR, half, c3, dense, chgB, labB)
		if fA != fB || cA != cB || !slices.Equal(chgA[:cA], chgB[:cB]) || !slices.Equal(labA[:cA], labB[:cB]) {
			t.Fatalf("block gives %d fails, changes %v to %v; Go gives %d, %v to %v", fA, chgA[:cA], labA[:cA], fB, chgB[:cB], labB[:cB])
		}
		for i := range upper {
			if math.Float64bits(upper[i]) != math.Float64bits(up2[i]) || math.Float64bits(lower[i]) != math.Float64bits(lo2[i]) {
				t.Fatalf("row %d: block bounds (%v, %v), Go (%v, %v)", i, upper[i], lower[i], up2[i], lo2[i])
			}
		}
	})
}
