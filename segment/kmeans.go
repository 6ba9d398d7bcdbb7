package segment

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
)

// Algorithm selects how [FitKMeans] iterates. Every exact algorithm (Lloyd,
// Hamerly, Elkan) produces the same sequence of labels; they differ only in
// how many distances they compute.
type Algorithm int

const (
	// AlgorithmAuto picks Lloyd for k = 1, Hamerly for d <= 16, Elkan for
	// larger d while n*k <= 64e6 (its n*k lower bounds fit in 512 MB), and
	// Hamerly otherwise.
	AlgorithmAuto Algorithm = iota
	// Lloyd is the plain algorithm: every distance, every iteration. It is
	// the reference the accelerated algorithms are checked against.
	Lloyd
	// Hamerly keeps one upper and one lower bound per row (Hamerly 2010).
	Hamerly
	// Elkan keeps one upper bound and k lower bounds per row and the
	// centre-to-centre distances (Elkan 2003).
	Elkan
	// MiniBatch is Sculley's (2010) mini-batch k-means: an approximation
	// for data too large for the exact path.
	MiniBatch
)

var algorithmNames = [...]string{"auto", "lloyd", "hamerly", "elkan", "minibatch"}

// String returns the lower-case name used by [ParseAlgorithm] and the CLI.
func (a Algorithm) String() string {
	if a < 0 || int(a) >= len(algorithmNames) {
		return fmt.Sprintf("Algorithm(%d)", int(a))
	}
	return algorithmNames[a]
}

// ParseAlgorithm returns the Algorithm named s (auto, lloyd, hamerly, elkan,
// minibatch; case-insensitive). An empty or unknown name is an error.
func ParseAlgorithm(s string) (Algorithm, error) {
	for i, n := range algorithmNames {
		if strings.EqualFold(s, n) {
			return Algorithm(i), nil
		}
	}
	return 0, fmt.Errorf("segment: unknown k-means algorithm %q (want auto, lloyd, hamerly, elkan or minibatch)", s)
}

// Init selects how initial centres are chosen when [KMeansSettings.Centers]
// is nil.
type Init int

const (
	// InitKMeansPlusPlus is greedy k-means++ (Arthur & Vassilvitskii 2007;
	// scikit-learn's _kmeans_plusplus): the first centre is a row drawn
	// with probability proportional to its weight; each later centre is the
	// best of 2+floor(ln k) candidates drawn with probability proportional
	// to weight x squared distance to the nearest chosen centre, "best"
	// meaning the lowest resulting weighted potential.
	InitKMeansPlusPlus Init = iota
	// InitRandom picks k distinct rows of positive weight uniformly.
	InitRandom
)

// KMeansSettings are the settings of [FitKMeans]. A nil *KMeansSettings
// means the zero value, whose every field documents its default.
type KMeansSettings struct {
	// Init is the initialisation; the zero value is k-means++. Ignored
	// when Centers is set.
	Init Init
	// Centers, when not nil, are the k initial centres, row-major k x d;
	// they are copied, never modified. NInit is then 1. A NaN or Inf is a
	// *FeatureError naming the centre (Row) and column.
	Centers []float64
	// NInit is the number of initialisations; the fit with the lowest
	// inertia is kept (the first one on ties). 0 means 1 for k-means++
	// and caller centres, 10 for random initialisation (scikit-learn's
	// n_init="auto").
	NInit int
	// MaxIter bounds the iterations of each run; 0 means 300 (100 for
	// MiniBatch, where it counts passes over the data).
	MaxIter int
	// Tol is the relative tolerance: a run stops when the summed squared
	// centre shift is at most Tol x the mean of the columns' (unweighted,
	// population) variances, as scikit-learn's _tolerance. 0 means 1e-4; a
	// negative value means 0, so only strict convergence (no label
	// changed) or MaxIter stops a run.
	Tol float64
	// Algorithm is the iteration; the zero value is AlgorithmAuto.
	Algorithm Algorithm
	// Src is the source of randomness; nil means a PCG seeded with Seed.
	// The fit draws from it sequentially in one goroutine.
	Src rand.Source
	// Seed seeds the PCG used when Src is nil; 0 is a valid seed.
	Seed uint64
	// BatchSize is the mini-batch size for MiniBatch; 0 means 1024.
	BatchSize int
	// Progress, when not nil, is called after every iteration of every
	// run with the run (0-based), the iteration (1-based) and the inertia
	// of the current labels against the updated centres. Computing that
	// inertia costs one more pass over the data per iteration. For
	// MiniBatch it is called after every step with an exponentially
	// weighted average of the mini-batch inertia scaled to n rows.
	Progress func(run, iteration int, inertia float64)
}

// KMeans is a fitted k-means model. FitKMeans returns it fully built; it
// is never modified afterwards, so it is safe for concurrent reads
// (Predict included). Callers must not modify its slices.
type KMeans struct {
	// K is the number of clusters, D the number of columns.
	K, D int
	// Centers are the k centres, row-major k x d, in the units of the data
	// given to FitKMeans.
	Centers []float64
	// Labels is the cluster of every training row, in 0..K-1; they match
	// Centers (a final assignment pass is run when a run stops on the
	// tolerance).
	Labels []int
	// Sizes counts the training rows of each cluster, zero-weight rows
	// included; Weights sums their weights.
	Sizes   []int
	Weights []float64
	// Inertia is sum of w_i ||x_i - c_label(i)||^2, computed from direct
	// differences.
	Inertia float64
	// Iterations is the iteration count of the kept run (scikit-learn's
	// n_iter_). For MiniBatch it counts mini-batch steps.
	Iterations int
	// Converged reports whether the kept run stopped before MaxIter
	// (strict convergence or tolerance).
	Converged bool
	// Algorithm is the algorithm used, never AlgorithmAuto.
	Algorithm Algorithm
}

// Center returns centre j as a slice of Centers (do not modify it).
// It panics if j is out of range.
func (m *KMeans) Center(j int) []float64 {
	if j < 0 || j >= m.K {
		panic(fmt.Sprintf("segment: centre %d out of range [0,%d)", j, m.K))
	}
	return m.Centers[j*m.D : (j+1)*m.D]
}

// Errors of the k-means functions. Data errors wrap one of these; test
// with errors.Is.
var (
	ErrNoFeatureRows    = errors.New("segment: no feature rows")
	ErrBadK             = errors.New("segment: k must be in [1, number of rows]")
	ErrFeatureNotFinite = errors.New("segment: feature is NaN or Inf")
	ErrCenterNotFinite  = errors.New("segment: initial centre is NaN or Inf")
	ErrBadWeight        = errors.New("segment: weight is negative, NaN or Inf")
	ErrWeightsZero      = errors.New("segment: all weights are zero")
	// ErrFewDistinct means a fit ended with empty clusters because the
	// data has fewer distinct points (of positive weight) than k.
	ErrFewDistinct = errors.New("segment: fewer distinct points than clusters")
)

// FeatureError is a data error at one cell of a feature matrix (Row and
// Column 0-based; Column is -1 for a weight, Row is the centre index for
// an initial centre).
type FeatureError struct {
	Row, Column int
	Value       float64
	Err         error
}

// Error names the row and column (or weight) and the value.
func (e *FeatureError) Error() string {
	if e.Column < 0 {
		return fmt.Sprintf("%v: row %d weight %v", e.Err, e.Row, e.Value)
	}
	return fmt.Sprintf("%v: row %d column %d value %v", e.Err, e.Row, e.Column, e.Value)
}

// Unwrap returns the sentinel error.
func (e *FeatureError) Unwrap() error { return e.Err }

// FitKMeans clusters the n = len(x)/d rows of the row-major matrix x into k
// clusters and returns the fitted model.
//
// x is a flat row-major slice rather than a *mat.Dense: the hot loops read
// rows as contiguous sub-slices with no stride or interface call, a
// *mat.Dense m with m.RawMatrix().Stride == d is passed without a copy as
// m.RawMatrix().Data, and plain CSV loaders produce this shape directly.
// weights, when not nil, holds one non-negative weight per row (nil means
// unit weights); zero-weight rows are labelled but move no centre. x and
// weights are read, never modified or kept.
//
// It panics if d < 1, len(x) is not a multiple of d, or weights or
// s.Centers have the wrong length. It returns ErrNoFeatureRows for n = 0,
// ErrBadK for k < 1 or k > n, a *FeatureError for a NaN or Inf cell, a
// negative/NaN/Inf weight or a non-finite initial centre, ErrWeightsZero
// when every weight is zero, ErrFewDistinct when the result has empty
// clusters, and ctx.Err() when ctx is cancelled (checked every iteration).
//
// The result depends only on the inputs, the settings and the random
// stream, never on GOMAXPROCS: work is split into chunks whose size
// depends only on n, and partial sums are reduced in chunk order.
func FitKMeans(ctx context.Context, x []float64, d, k int, weights []float64, s *KMeansSettings) (*KMeans, error) {
	if s == nil {
		s = &KMeansSettings{}
	}
	n, err := checkMatrix(x, d)
	if err != nil {
		return nil, err
	}
	if weights != nil && len(weights) != n {
		panic(fmt.Sprintf("segment: %d weights for %d rows", len(weights), n))
	}
	if s.Centers != nil && len(s.Centers) != k*d {
		panic(fmt.Sprintf("segment: %d initial centre values, want k*d = %d", len(s.Centers), k*d))
	}
	if s.Algorithm < AlgorithmAuto || s.Algorithm > MiniBatch {
		panic(fmt.Sprintf("segment: invalid algorithm %d", int(s.Algorithm)))
	}
	if s.Init != InitKMeansPlusPlus && s.Init != InitRandom {
		panic(fmt.Sprintf("segment: invalid init %d", int(s.Init)))
	}
	if k < 1 || k > n {
		return nil, fmt.Errorf("%w: k = %d, n = %d", ErrBadK, k, n)
	}
	positive := n
	if weights != nil {
		var err error
		if weights, positive, err = checkWeights(weights, n); err != nil {
			return nil, err
		}
	}
	for j := 0; j < len(s.Centers); j++ {
		if v := s.Centers[j]; math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, &FeatureError{Row: j / d, Column: j % d, Value: v, Err: ErrCenterNotFinite}
		}
	}
	if s.Centers == nil && s.Init == InitRandom && positive < k {
		return nil, fmt.Errorf("%w: k = %d but only %d rows have positive weight", ErrFewDistinct, k, positive)
	}

	algo := s.Algorithm
	if algo == AlgorithmAuto {
		switch {
		case k == 1:
			algo = Lloyd
		case d <= 16:
			algo = Hamerly
		case float64(n)*float64(k) <= 64e6:
			algo = Elkan
		default:
			algo = Hamerly
		}
	}
	maxIter := s.MaxIter
	if maxIter <= 0 {
		maxIter = 300
		if algo == MiniBatch {
			maxIter = 100
		}
	}
	nInit := s.NInit
	if nInit <= 0 || s.Centers != nil {
		nInit = 1
		if s.Centers == nil && s.Init == InitRandom && s.NInit <= 0 {
			nInit = 10
		}
	}
	tol := s.Tol
	if tol == 0 {
		tol = 1e-4
	}
	if tol < 0 {
		tol = 0
	}
	src := s.Src
	if src == nil {
		src = rand.NewPCG(s.Seed, 0x9e3779b97f4a7c15)
	}
	rng := rand.New(src)

	f := newFitter(x, n, d, k, weights, algo)
	defer f.pool.close()
	f.progress = s.Progress
	if algo != MiniBatch {
		f.tol = tol * f.meanVariance()
	}

	var best *KMeans
	for run := 0; run < nInit; run++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		switch {
		case s.Centers != nil:
			copy(f.centers, s.Centers)
		case s.Init == InitRandom:
			f.initRandom(rng)
		default:
			f.initPlusPlus(rng)
		}
		var iters int
		var converged bool
		if algo == MiniBatch {
			batch := s.BatchSize
			if batch <= 0 {
				batch = 1024
			}
			iters, converged, err = f.runMiniBatch(ctx, rng, run, maxIter, batch)
		} else {
			iters, converged, err = f.run(ctx, run, maxIter)
		}
		if err != nil {
			return nil, err
		}
		inertia := f.inertia()
		if best == nil || inertia < best.Inertia {
			best = f.result(inertia, iters, converged, best)
		}
	}
	empty := 0
	for _, sz := range best.Sizes {
		if sz == 0 {
			empty++
		}
	}
	if empty > 0 {
		return nil, fmt.Errorf("%w: %d of %d clusters are empty", ErrFewDistinct, empty, k)
	}
	return best, nil
}

// checkMatrix validates the shape and finiteness of x.
func checkMatrix(x []float64, d int) (int, error) {
	if d < 1 {
		panic(fmt.Sprintf("segment: d = %d, want >= 1", d))
	}
	if len(x)%d != 0 {
		panic(fmt.Sprintf("segment: len(x) = %d is not a multiple of d = %d", len(x), d))
	}
	n := len(x) / d
	if n == 0 {
		return 0, ErrNoFeatureRows
	}
	if allFinite(x) {
		return n, nil
	}
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, &FeatureError{Row: i / d, Column: i % d, Value: v, Err: ErrFeatureNotFinite}
		}
	}
	return n, nil
}

// allFinite reports whether x holds no NaN or Inf: v*0 is a zero for a
// finite v and NaN otherwise, and NaN survives the sums. Four independent
// sums keep the loop short of its add latency.
func allFinite(x []float64) bool {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		v := x[i : i+4 : i+4]
		s0 += v[0] * 0
		s1 += v[1] * 0
		s2 += v[2] * 0
		s3 += v[3] * 0
	}
	for _, v := range x[i:] {
		s0 += v * 0
	}
	return s0+s1+s2+s3 == 0
}

// checkWeights validates weights and returns a copy, or unit weights for
// nil, with the count of positive weights.
func checkWeights(weights []float64, n int) ([]float64, int, error) {
	w := make([]float64, n)
	if weights == nil {
		for i := range w {
			w[i] = 1
		}
		return w, n, nil
	}
	positive := 0
	for i, v := range weights {
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, 0, &FeatureError{Row: i, Column: -1, Value: v, Err: ErrBadWeight}
		}
		if v > 0 {
			positive++
		}
		w[i] = v
	}
	if positive == 0 {
		return nil, 0, ErrWeightsZero
	}
	return w, positive, nil
}

// Predict writes into dst (allocated when nil or too short) the nearest
// centre of each row of the row-major matrix x with m.D columns, ties going
// to the lowest index, and returns dst[:n]. It panics if len(x) is not a
// multiple of m.D; a NaN or Inf cell is a *FeatureError. An empty x gives
// an empty result.
func (m *KMeans) Predict(dst []int, x []float64) ([]int, error) {
	d := m.D
	if len(x)%d != 0 {
		panic(fmt.Sprintf("segment: len(x) = %d is not a multiple of d = %d", len(x), d))
	}
	n := len(x) / d
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, &FeatureError{Row: i / d, Column: i % d, Value: v, Err: ErrFeatureNotFinite}
		}
	}
	if cap(dst) < n {
		dst = make([]int, n)
	}
	dst = dst[:n]
	for i := 0; i < n; i++ {
		j, _ := nearest(x[i*d:i*d+d], m.Centers, m.K, d)
		dst[i] = j
	}
	return dst, nil
}

// nearest returns the index of the centre nearest to row and the squared
// distance, ties going to the lowest index.
func nearest(row, centers []float64, k, d int) (int, float64) {
	best, bestD := 0, math.Inf(1)
	for j := 0; j < k; j++ {
		dd := sqDist(row, centers[j*d:j*d+d])
		if dd < bestD {
			best, bestD = j, dd
		}
	}
	return best, bestD
}

// sqDist is the squared Euclidean distance from direct differences.
func sqDist(a, b []float64) float64 {
	b = b[:len(a)]
	var s float64
	for t, v := range a {
		dv := v - b[t]
		s += dv * dv
	}
	return s
}
