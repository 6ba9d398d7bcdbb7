package kmeans

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/cvmkit/cvm/internal/check"
)

func fit(t *testing.T, x []float64, d, k int, w []float64, s *Settings) *Model {
	t.Helper()
	m, err := Fit(context.Background(), x, d, k, w, s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestKOne checks k = 1 against the hand-computed mean of nine:
// x = 42/9, y = 24/9, inertia = sum of squared deviations (by hand:
// sum x^2 = 304, sum y^2 = 124, so 304 - 42^2/9 + 124 - 24^2/9 = 168).
func TestKOne(t *testing.T) {
	for _, algo := range []Algorithm{AlgorithmAuto, Lloyd, Hamerly, Elkan} {
		m := fit(t, nine, 2, 1, nil, &Settings{Algorithm: algo})
		if !check.Close(m.Centers[0], 42.0/9, 1e-15, 0) || !check.Close(m.Centers[1], 24.0/9, 1e-15, 0) || !check.Close(m.Inertia, 168, 1e-13, 0) {
			t.Errorf("%v: centre %v inertia %v, want [4.667 2.667] 168", algo, m.Centers, m.Inertia)
		}
	}
}

// TestKEqualsN: with as many clusters as distinct rows every row is its own
// cluster and the inertia is 0 (by definition).
func TestKEqualsN(t *testing.T) {
	for _, algo := range []Algorithm{Lloyd, Hamerly, Elkan} {
		m := fit(t, nine, 2, 9, nil, &Settings{Algorithm: algo, Seed: 5})
		if m.Inertia != 0 || slices.Max(m.Sizes) != 1 {
			t.Errorf("%v: inertia %v sizes %v, want 0 and all 1", algo, m.Inertia, m.Sizes)
		}
	}
}

// TestFewerDistinctThanK: 2 distinct points, k = 3, with k-means++, random
// init and caller centres: an error, never a hang.
func TestFewerDistinctThanK(t *testing.T) {
	x := []float64{1, 1, 1, 1, 2, 2, 2, 2, 1, 1}
	for _, s := range []*Settings{
		{Algorithm: Lloyd}, {Algorithm: Hamerly}, {Algorithm: Elkan}, {Init: InitRandom},
		{Centers: []float64{1, 1, 1, 1, 2, 2}},
	} {
		if _, err := Fit(context.Background(), x, 2, 3, nil, s); !errors.Is(err, ErrFewDistinct) {
			t.Errorf("%+v: error %v, want ErrFewDistinct", s, err)
		}
	}
}

// TestDuplicatesEqualWeights: every row twice equals every row with weight
// 2 (the weighted objective is the same function).
func TestDuplicatesEqualWeights(t *testing.T) {
	x := blobs(400, 3, 4, 21)
	dup := make([]float64, 0, 2*len(x))
	for i := 0; i < 400; i++ {
		dup = append(dup, x[i*3:i*3+3]...)
		dup = append(dup, x[i*3:i*3+3]...)
	}
	w := make([]float64, 400)
	for i := range w {
		w[i] = 2
	}
	init := slices.Clone(x[:12])
	for _, algo := range []Algorithm{Lloyd, Hamerly, Elkan} {
		a := fit(t, dup, 3, 4, nil, &Settings{Centers: init, Algorithm: algo})
		b := fit(t, x, 3, 4, w, &Settings{Centers: init, Algorithm: algo})
		if a.Iterations != b.Iterations || !check.Close(a.Inertia, b.Inertia, 1e-12, 0) {
			t.Errorf("%v: duplicated %d iters inertia %v; weighted %d iters %v", algo, a.Iterations, a.Inertia, b.Iterations, b.Inertia)
		}
	}
}

// TestZeroWeightRows: rows of weight 0 far away move no centre and change
// nothing else, but are labelled. The tolerance is set to strict
// convergence because, as in scikit-learn, it scales with the unweighted
// column variances, which the far rows inflate.
func TestZeroWeightRows(t *testing.T) {
	x := blobs(300, 2, 3, 8)
	init := slices.Clone(x[:6])
	base := fit(t, x, 2, 3, nil, &Settings{Centers: init, Tol: -1})
	xz := append(slices.Clone(x), 1e6, 1e6, -1e6, 5)
	w := make([]float64, 302)
	for i := range 300 {
		w[i] = 1
	}
	for _, algo := range []Algorithm{Lloyd, Hamerly, Elkan} {
		m := fit(t, xz, 2, 3, w, &Settings{Centers: init, Algorithm: algo, Tol: -1})
		check.Floats(t, algo.String()+" centres", m.Centers, base.Centers, 1e-12, 1e-12)
		if m.Iterations != base.Iterations || !check.Close(m.Inertia, base.Inertia, 1e-12, 0) {
			t.Errorf("%v: iterations %d inertia %v, want %d %v", algo, m.Iterations, m.Inertia, base.Iterations, base.Inertia)
		}
		if len(m.Labels) != 302 {
			t.Errorf("%v: %d labels", algo, len(m.Labels))
		}
	}
}

// TestConstantColumn: a constant column does not change the clustering of
// the other columns (it adds 0 to every distance).
func TestConstantColumn(t *testing.T) {
	x := blobs(500, 2, 3, 12)
	xc := make([]float64, 0, 500*3)
	for i := 0; i < 500; i++ {
		xc = append(xc, x[i*2], 7, x[i*2+1])
	}
	a := fit(t, x, 2, 3, nil, &Settings{Centers: slices.Clone(x[:6])})
	b := fit(t, xc, 3, 3, nil, &Settings{Centers: slices.Clone(xc[:9])})
	if !slices.Equal(a.Labels, b.Labels) || !check.Close(a.Inertia, b.Inertia, 1e-12, 0) {
		t.Errorf("constant column changed the fit: inertia %v vs %v", b.Inertia, a.Inertia)
	}
	s, err := FitStandardizer(xc, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Scale[1] != 1 || s.Mean[1] != 7 {
		t.Errorf("constant column: mean %v scale %v, want 7 and 1", s.Mean[1], s.Scale[1])
	}
}

// TestNoMutation checks that Fit, Predict and the preprocessing
// functions leave their inputs alone.
func TestNoMutation(t *testing.T) {
	x := blobs(200, 3, 3, 2)
	w := make([]float64, 200)
	for i := range w {
		w[i] = float64(i%3) + 0.5
	}
	init := slices.Clone(x[:9])
	x0, w0, i0 := slices.Clone(x), slices.Clone(w), slices.Clone(init)
	m := fit(t, x, 3, 3, w, &Settings{Centers: init})
	if _, err := m.Predict(nil, x); err != nil {
		t.Fatal(err)
	}
	if _, err := Log1p(nil, x[:3], 3); err != nil {
		t.Fatal(err)
	}
	s := check.Must(FitStandardizer(x, 3, w))
	s.Transform(nil, x)
	if !slices.Equal(x, x0) || !slices.Equal(w, w0) || !slices.Equal(init, i0) {
		t.Error("inputs were modified")
	}
	m.Centers[0] += 1
	if init[0] != i0[0] {
		t.Error("model aliases the caller's centres")
	}
}

func TestPredict(t *testing.T) {
	x := blobs(1000, 4, 5, 3)
	m := fit(t, x, 4, 5, nil, &Settings{Seed: 9})
	got, err := m.Predict(nil, x)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, m.Labels) {
		t.Error("Predict on the training rows differs from the final labels")
	}
	if _, err := m.Predict(nil, []float64{1, 2, math.Inf(-1), 4}); !errors.Is(err, ErrFeatureNotFinite) {
		t.Errorf("Predict Inf: error %v", err)
	}
	var fe *FeatureError
	if _, err := m.Predict(nil, []float64{0, 0, 0, 0, 1e300, 0, 0, 0}); !errors.Is(err, ErrFeatureRange) || !errors.As(err, &fe) || fe.Row != 1 || fe.Column != 0 {
		t.Errorf("Predict 1e300: error %v, want ErrFeatureRange at row 1 column 0", err)
	}
	if got := check.Must(m.Predict(nil, nil)); len(got) != 0 {
		t.Errorf("Predict empty: %v", got)
	}
}

// TestStandardizer checks hand-computed values: column {1,2,3} has mean 2
// and population sd sqrt(2/3); column {10,10,40} mean 20, sd sqrt(200).
func TestStandardizer(t *testing.T) {
	x := []float64{1, 10, 2, 10, 3, 40}
	s, err := FitStandardizer(x, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Mean[0] != 2 || !check.Close(s.Scale[0], math.Sqrt(2.0/3), 1e-15, 0) || s.Mean[1] != 20 || !check.Close(s.Scale[1], math.Sqrt(200), 1e-15, 0) {
		t.Errorf("got %+v", s)
	}
	z := s.Transform(nil, x)
	if !check.Close(z[4], 1/math.Sqrt(2.0/3), 1e-15, 0) {
		t.Errorf("z = %v", z)
	}
	back := s.Inverse(nil, z)
	check.Floats(t, "inverse", back, x, 1e-14, 1e-12)
	if s.Card == nil || s.Card.Customers != 3 {
		t.Errorf("card %+v, want 3 customers", s.Card)
	}
	if _, err := FitStandardizer(nil, 2, nil); !errors.Is(err, ErrNoRows) {
		t.Errorf("empty: %v", err)
	}
	if _, err := FitStandardizer([]float64{1, math.NaN()}, 2, nil); !errors.Is(err, ErrFeatureNotFinite) {
		t.Errorf("NaN: %v", err)
	}
	if _, err := FitStandardizer([]float64{1, 2}, 2, []float64{-1}); !errors.Is(err, ErrBadWeight) {
		t.Errorf("weight: %v", err)
	}
	// The variance of +-1e308 overflows: an error naming the cell, not an
	// infinite scale.
	var fe *FeatureError
	if _, err := FitStandardizer([]float64{1, 1e308, 2, -1e308}, 2, nil); !errors.Is(err, ErrFeatureRange) || !errors.As(err, &fe) || fe.Row != 0 || fe.Column != 1 {
		t.Errorf("1e308: error %v, want ErrFeatureRange at row 0 column 1", err)
	}
}

// TestLog1p checks log1p(e-1) = 1 and log1p(0) = 0, and the error for a
// value below -1 naming row 1 column 0.
func TestLog1p(t *testing.T) {
	got, err := Log1p(nil, []float64{0, math.E - 1}, 2)
	if err != nil || got[0] != 0 || !check.Close(got[1], 1, 1e-15, 0) {
		t.Errorf("got %v %v", got, err)
	}
	_, err = Log1p(nil, []float64{0, 1, -2, 3}, 2)
	var fe *FeatureError
	if !errors.Is(err, ErrLog1pDomain) || !errors.As(err, &fe) || fe.Row != 1 || fe.Column != 0 {
		t.Errorf("error %v, want ErrLog1pDomain at row 1 column 0", err)
	}
	if _, err := Log1p(nil, []float64{0, math.NaN()}, 2); !errors.Is(err, ErrFeatureNotFinite) {
		t.Errorf("NaN: error %v, want ErrFeatureNotFinite", err)
	}
}

// TestProgressAndMiniBatch checks the progress callback and that mini-batch
// lands within 5% of the exact inertia on well-separated blobs.
func TestProgressAndMiniBatch(t *testing.T) {
	x := blobs(20000, 2, 4, 13)
	var calls []int
	exact := fit(t, x, 2, 4, nil, &Settings{Seed: 4, Progress: func(run, it int, in float64) { calls = append(calls, it) }})
	if len(calls) != exact.Iterations || calls[0] != 1 {
		t.Errorf("progress calls %v for %d iterations", calls, exact.Iterations)
	}
	mb := fit(t, x, 2, 4, nil, &Settings{Seed: 4, Algorithm: MiniBatch})
	if mb.Inertia > 1.05*exact.Inertia {
		t.Errorf("mini-batch inertia %v vs exact %v", mb.Inertia, exact.Inertia)
	}
	if mb.Algorithm != MiniBatch {
		t.Errorf("algorithm %v", mb.Algorithm)
	}
}

// TestEnumText checks the text forms of Algorithm and Init, both ways.
func TestEnumText(t *testing.T) {
	for i, n := range []string{"auto", "Lloyd", "HAMERLY", "elkan", "minibatch"} {
		var a Algorithm
		if err := a.UnmarshalText([]byte(n)); err != nil || a != Algorithm(i) {
			t.Errorf("%s: %v %v", n, a, err)
		}
		b := check.Must(a.MarshalText())
		if !strings.EqualFold(string(b), n) {
			t.Errorf("MarshalText(%v) = %s, want %s", a, b, n)
		}
	}
	var a Algorithm
	if err := a.UnmarshalText([]byte("yinyang")); err == nil || !strings.Contains(err.Error(), "yinyang") {
		t.Errorf("yinyang: error %v, want one naming it", err)
	}
	if _, err := Algorithm(9).MarshalText(); err == nil {
		t.Error("MarshalText(Algorithm(9)): no error")
	}
	if Algorithm(9).String() != "Algorithm(9)" || Init(7).String() != "Init(7)" {
		t.Error(Algorithm(9).String(), Init(7).String())
	}
	for _, tc := range []struct {
		in   string
		want Init
	}{{"kmeans++", InitKMeansPlusPlus}, {"K-Means++", InitKMeansPlusPlus}, {"random", InitRandom}} {
		var i Init
		if err := i.UnmarshalText([]byte(tc.in)); err != nil || i != tc.want {
			t.Errorf("Init %q: %v %v", tc.in, i, err)
		}
	}
	var i Init
	if err := i.UnmarshalText([]byte("forgy")); err == nil {
		t.Error("Init forgy: no error")
	}
	if b := check.Must(InitRandom.MarshalText()); string(b) != "random" {
		t.Errorf("InitRandom.MarshalText() = %s", b)
	}
}

// TestRandomInitSeeded checks that random init with a seed is reproducible
// and that n_init = 10 is at least as good as its first run.
func TestRandomInitSeeded(t *testing.T) {
	x := blobs(2000, 3, 5, 17)
	a := fit(t, x, 3, 5, nil, &Settings{Init: InitRandom, Seed: 8})
	b := fit(t, x, 3, 5, nil, &Settings{Init: InitRandom, Seed: 8})
	c := fit(t, x, 3, 5, nil, &Settings{Init: InitRandom, Seed: 8, NInit: 1})
	if a.Inertia != b.Inertia || !slices.Equal(a.Labels, b.Labels) {
		t.Error("same seed, different result")
	}
	if a.Inertia > c.Inertia {
		t.Errorf("10 inits %v worse than the first %v", a.Inertia, c.Inertia)
	}
}

// TestMaxAbs checks the four-way maximum against a plain loop for every
// length 0..9 with one NaN, +Inf, -Inf, huge or negative-zero value at
// every position.
func TestMaxAbs(t *testing.T) {
	for n := 0; n <= 9; n++ {
		for pos := 0; pos < n; pos++ {
			for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), -math.MaxFloat64, math.Copysign(0, -1)} {
				x := make([]float64, n)
				for i := range x {
					x[i] = float64(i) - 3.5
				}
				x[pos] = v
				want := 0.0
				for _, y := range x {
					if math.IsNaN(y) {
						want = y
						break
					}
					want = math.Max(want, math.Abs(y))
				}
				if got := maxAbs(x); !check.Close(got, want, 0, 0) {
					t.Errorf("n=%d, %v at %d: got %v, want %v", n, v, pos, got, want)
				}
			}
		}
	}
}
