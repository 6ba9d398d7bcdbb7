package kmeans

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/cvmkit/cvm"
)

// Algorithm selects how [Fit] iterates. Every exact algorithm (Lloyd,
// Hamerly, Elkan) produces the same sequence of labels; they differ only in
// how many distances they compute.
type Algorithm int

const (
	// AlgorithmAuto picks Lloyd for k = 1; Hamerly for d <= 16, and for
	// larger d when k <= 32 and d plus k rounded up to a multiple of 8 is
	// at most 1024, where its failing rows are rescanned by the block
	// kernel (at d = 32, k = 16 it is 1.5-2x faster than Elkan); Elkan
	// for the other cases while n*k <= 64e6 (its n*k lower bounds fit in
	// 512 MB), and Hamerly otherwise.
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

// String returns the lower-case name of a: "auto", "lloyd", "hamerly",
// "elkan" or "minibatch" (the names the CLI takes), or "Algorithm(N)" for
// an invalid value.
func (a Algorithm) String() string {
	if a < 0 || int(a) >= len(algorithmNames) {
		return fmt.Sprintf("Algorithm(%d)", int(a))
	}
	return algorithmNames[a]
}

// MarshalText returns the name [Algorithm.String] gives; an invalid value
// is an error.
func (a Algorithm) MarshalText() ([]byte, error) {
	if a < 0 || int(a) >= len(algorithmNames) {
		return nil, fmt.Errorf("kmeans: invalid algorithm %d", int(a))
	}
	return []byte(algorithmNames[a]), nil
}

// UnmarshalText sets a to the algorithm named by text (auto, lloyd,
// hamerly, elkan, minibatch; case-insensitive). An empty or unknown name
// is an error naming it.
func (a *Algorithm) UnmarshalText(text []byte) error {
	for i, n := range algorithmNames {
		if strings.EqualFold(string(text), n) {
			*a = Algorithm(i)
			return nil
		}
	}
	return fmt.Errorf("kmeans: unknown algorithm %q (want auto, lloyd, hamerly, elkan or minibatch)", text)
}

// Init selects how initial centres are chosen when [Settings.Centers]
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

var initNames = [...]string{"kmeans++", "random"}

// String returns "kmeans++" or "random" (the names the CLI takes), or
// "Init(N)" for an invalid value.
func (i Init) String() string {
	if i < 0 || int(i) >= len(initNames) {
		return fmt.Sprintf("Init(%d)", int(i))
	}
	return initNames[i]
}

// MarshalText returns the name [Init.String] gives; an invalid value is an
// error.
func (i Init) MarshalText() ([]byte, error) {
	if i < 0 || int(i) >= len(initNames) {
		return nil, fmt.Errorf("kmeans: invalid init %d", int(i))
	}
	return []byte(initNames[i]), nil
}

// UnmarshalText sets i to the initialisation named by text: "kmeans++"
// (or "k-means++") or "random", case-insensitive. Anything else is an
// error naming it.
func (i *Init) UnmarshalText(text []byte) error {
	switch strings.ToLower(string(text)) {
	case "kmeans++", "k-means++":
		*i = InitKMeansPlusPlus
	case "random":
		*i = InitRandom
	default:
		return fmt.Errorf("kmeans: unknown init %q (want kmeans++ or random)", text)
	}
	return nil
}

// Settings are the settings of [Fit]. A nil *Settings
// means the zero value, whose every field documents its default.
type Settings struct {
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
	// n_init="auto"). A negative value is an error.
	NInit int
	// MaxIter bounds the iterations of each run; 0 means 300 (100 for
	// MiniBatch, where it counts passes over the data). A negative value
	// is an error.
	MaxIter int
	// Tol is the relative tolerance: a run stops when the summed squared
	// centre shift is at most Tol x the mean of the columns' (unweighted,
	// population) variances, as scikit-learn's _tolerance. 0 means 1e-4; a
	// negative value asks for 0, so only strict convergence (no label
	// changed) or MaxIter stops a run. NaN or +Inf is an error.
	Tol float64
	// Algorithm is the iteration; the zero value is AlgorithmAuto.
	Algorithm Algorithm
	// Src is the source of randomness; nil means a PCG seeded with Seed.
	// The fit draws from it sequentially in one goroutine.
	Src rand.Source
	// Seed seeds the PCG used when Src is nil; 0 is a valid seed.
	Seed uint64
	// BatchSize is the mini-batch size for MiniBatch; 0 means 1024. A
	// negative value is an error.
	BatchSize int
	// Progress, when not nil, is called after every iteration of every
	// run with the run (0-based), the iteration (1-based) and the inertia
	// of the current labels against the updated centres. Computing that
	// inertia costs one more pass over the data per iteration. For
	// MiniBatch it is called after every step with an exponentially
	// weighted average of the mini-batch inertia scaled to n rows.
	Progress func(run, iteration int, inertia float64)
}

// Model is a fitted k-means model. Fit returns it fully built; it
// is never modified afterwards, so it is safe for concurrent reads
// (Predict included). Callers must not modify its slices.
type Model struct {
	// K is the number of clusters, D the number of columns.
	K, D int
	// Centers are the k centres, row-major k x d, in the units of the data
	// given to Fit.
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
	// Card says where the model came from: Customers is the number of
	// rows fitted, Fingerprint a hash of the data's summary that does not
	// depend on the order of the rows (n, d, the rows of positive weight,
	// each column's smallest and largest value), Quality holds "inertia"
	// and "iterations". Fit always sets it; a decoded model has the card it
	// was saved with (nil when the file had none).
	Card *cvm.ModelCard
}

// Center returns centre j as a slice of Centers (do not modify it).
// It panics if j is out of range.
func (m *Model) Center(j int) []float64 {
	if j < 0 || j >= m.K {
		panic(fmt.Sprintf("kmeans: centre %d out of range [0,%d)", j, m.K))
	}
	return m.Centers[j*m.D : (j+1)*m.D]
}

// Errors of the k-means functions. Data errors wrap one of these; test
// with errors.Is.
var (
	ErrNoRows           = errors.New("kmeans: no feature rows")
	ErrBadK             = errors.New("kmeans: k must be in [1, number of rows]")
	ErrFeatureNotFinite = errors.New("kmeans: feature is NaN or Inf")
	ErrCenterNotFinite  = errors.New("kmeans: initial centre is NaN or Inf")
	// ErrFeatureRange means a finite feature (or initial centre) is so
	// large that squared distances or weighted sums would overflow to
	// Inf; standardize the columns (see [Standardizer]) or rescale them.
	ErrFeatureRange = errors.New("kmeans: feature too large: squared distances would overflow (rescale or standardize the columns)")
	ErrBadWeight    = errors.New("kmeans: weight is negative, NaN or Inf")
	// ErrLog1pDomain means [Log1p] was given a value below -1.
	ErrLog1pDomain = errors.New("kmeans: log1p of a value below -1")
	ErrWeightsZero = errors.New("kmeans: all weights are zero")
	// ErrFewDistinct means a fit ended with empty clusters because the
	// data has fewer distinct points (of positive weight) than k.
	ErrFewDistinct = errors.New("kmeans: fewer distinct points than clusters")
	// ErrSettings means a field of [Settings], [SelectSettings] or
	// [SilhouetteSettings] is out of range; the error names the field.
	ErrSettings = errors.New("kmeans: invalid setting")
)

// FeatureError is a data error at one cell of a feature matrix (Row and
// Column 0-based; Column is -1 for a weight), or, when Center is true, at
// one cell of the initial centres (Row is the centre).
type FeatureError struct {
	Row, Column int     // the cell, 0-based; Column is -1 for a weight
	Center      bool    // whether the cell is in the initial centres
	Value       float64 // the value at the cell
	// Err is the cause: ErrFeatureNotFinite, ErrCenterNotFinite,
	// ErrFeatureRange, ErrBadWeight or ErrLog1pDomain, possibly wrapped.
	Err error
}

// Error names the row and column (or weight, or centre) and the value.
func (e *FeatureError) Error() string {
	switch {
	case e.Center:
		return fmt.Sprintf("%v: centre %d column %d value %v", e.Err, e.Row, e.Column, e.Value)
	case e.Column < 0:
		return fmt.Sprintf("%v: row %d weight %v", e.Err, e.Row, e.Value)
	}
	return fmt.Sprintf("%v: row %d column %d value %v", e.Err, e.Row, e.Column, e.Value)
}

// Unwrap returns the sentinel error.
func (e *FeatureError) Unwrap() error { return e.Err }

// Fit clusters the n = len(x)/d rows of the row-major matrix x into k
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
// s.Centers have the wrong length, or s.Algorithm or s.Init is not a
// defined value. It returns ErrNoRows for n = 0, ErrBadK for k < 1 or
// k > n, an error wrapping ErrSettings naming the field for a negative
// NInit, MaxIter or BatchSize or a NaN or +Inf Tol, a *FeatureError for a
// NaN or Inf cell, a negative/NaN/Inf weight or a non-finite initial
// centre, a *FeatureError wrapping ErrFeatureRange naming the largest
// cell when finite values are so large that squared distances would
// overflow (about |x| > 1e150 for a million rows), ErrWeightsZero when
// every weight is zero, ErrFewDistinct when the result has empty clusters,
// and ctx.Err() when ctx is cancelled (checked every iteration).
//
// The result depends only on the inputs, the settings and the random
// stream, never on GOMAXPROCS: work is split into chunks whose size
// depends only on n, and partial sums are reduced in chunk order.
func Fit(ctx context.Context, x []float64, d, k int, weights []float64, s *Settings) (*Model, error) {
	if s == nil {
		s = &Settings{}
	}
	n, xMax, err := scanMatrix(x, d)
	if err != nil {
		return nil, err
	}
	if weights != nil && len(weights) != n {
		panic(fmt.Sprintf("kmeans: %d weights for %d rows", len(weights), n))
	}
	if s.Centers != nil && len(s.Centers) != k*d {
		panic(fmt.Sprintf("kmeans: %d initial centre values, want k*d = %d", len(s.Centers), k*d))
	}
	if s.Algorithm < AlgorithmAuto || s.Algorithm > MiniBatch {
		panic(fmt.Sprintf("kmeans: invalid algorithm %d", int(s.Algorithm)))
	}
	if s.Init != InitKMeansPlusPlus && s.Init != InitRandom {
		panic(fmt.Sprintf("kmeans: invalid init %d", int(s.Init)))
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	if k < 1 || k > n {
		return nil, fmt.Errorf("%w: k = %d, n = %d", ErrBadK, k, n)
	}
	positive, total := n, float64(n)
	if weights != nil {
		var err error
		if weights, positive, total, err = checkWeights(weights, n); err != nil {
			return nil, err
		}
	}
	for j := 0; j < len(s.Centers); j++ {
		if v := s.Centers[j]; math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, &FeatureError{Row: j / d, Column: j % d, Center: true, Value: v, Err: ErrCenterNotFinite}
		}
	}
	if err := checkRange(x, xMax, s.Centers, d, total); err != nil {
		return nil, err
	}
	if s.Centers == nil && s.Init == InitRandom && positive < k {
		return nil, fmt.Errorf("%w: k = %d but only %d rows have positive weight", ErrFewDistinct, k, positive)
	}

	p := s.resolve(n, d, k)
	f := newFitter(x, n, d, k, weights, p.algo)
	defer f.close()
	f.progress = s.Progress
	_, variance, lo, hi := f.columnStats()
	if p.algo != MiniBatch {
		f.tol = p.tol * meanOf(variance)
	}
	rng := rand.New(p.src)

	var best *Model
	for run := 0; run < p.nInit; run++ {
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
		if p.algo == MiniBatch {
			iters, converged, err = f.runMiniBatch(ctx, rng, run, p.maxIter, p.batch)
		} else {
			iters, converged, err = f.run(ctx, run, p.maxIter)
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
	best.Card = fitCard(n, d, positive, lo, hi, best)
	return best, nil
}

// fitCard is the model card of a fit: the rows, a fingerprint of the
// data's summary that does not depend on the order of the rows (n, d, the
// rows of positive weight, each column's smallest and largest value), and
// the inertia and iteration count.
func fitCard(n, d, positive int, lo, hi []float64, m *Model) *cvm.ModelCard {
	card := cvm.NewModelCard()
	card.Customers = n
	figs := make([]float64, 0, 3+2*d)
	figs = append(figs, float64(n), float64(d), float64(positive))
	figs = append(figs, lo...)
	figs = append(figs, hi...)
	card.Fingerprint = cvm.Fingerprint(figs...)
	card.SetQuality("inertia", m.Inertia)
	card.SetQuality("iterations", float64(m.Iterations))
	return &card
}

// params are the settings of a fit with every default resolved.
type params struct {
	algo                  Algorithm
	maxIter, nInit, batch int
	tol                   float64
	src                   rand.Source
}

// check returns an error wrapping ErrSettings naming the first field out
// of range.
func (s *Settings) check() error {
	switch {
	case s.NInit < 0:
		return fmt.Errorf("%w: NInit = %d, want >= 0 (0 means the default)", ErrSettings, s.NInit)
	case s.MaxIter < 0:
		return fmt.Errorf("%w: MaxIter = %d, want >= 0 (0 means the default)", ErrSettings, s.MaxIter)
	case s.BatchSize < 0:
		return fmt.Errorf("%w: BatchSize = %d, want >= 0 (0 means 1024)", ErrSettings, s.BatchSize)
	case math.IsNaN(s.Tol) || math.IsInf(s.Tol, 1):
		return fmt.Errorf("%w: Tol = %v, want a finite number (0 means 1e-4, a negative value 0)", ErrSettings, s.Tol)
	}
	return nil
}

// resolve applies the documented defaults of s to a fit of n rows, d
// columns and k clusters.
func (s *Settings) resolve(n, d, k int) params {
	p := params{algo: s.Algorithm, maxIter: s.MaxIter, nInit: s.NInit, batch: s.BatchSize, tol: s.Tol, src: s.Src}
	if p.algo == AlgorithmAuto {
		switch {
		case k == 1:
			p.algo = Lloyd
		case d <= 16, k <= blockScanMaxK && 4*(d+padK(k)) <= scanFloats:
			p.algo = Hamerly
		case float64(n)*float64(k) <= 64e6:
			p.algo = Elkan
		default:
			p.algo = Hamerly
		}
	}
	if p.maxIter == 0 {
		p.maxIter = 300
		if p.algo == MiniBatch {
			p.maxIter = 100
		}
	}
	if s.Centers != nil {
		p.nInit = 1
	} else if p.nInit == 0 {
		p.nInit = 1
		if s.Init == InitRandom {
			p.nInit = 10
		}
	}
	if p.batch == 0 {
		p.batch = 1024
	}
	switch {
	case p.tol == 0:
		p.tol = 1e-4
	case p.tol < 0:
		p.tol = 0
	}
	if p.src == nil {
		p.src = rand.NewPCG(s.Seed, 0x9e3779b97f4a7c15)
	}
	return p
}

func meanOf(v []float64) float64 {
	var t float64
	for _, x := range v {
		t += x
	}
	return t / float64(len(v))
}

// checkMatrix validates the shape and finiteness of x, and that its values
// are small enough for unweighted sums of squared distances over its rows
// (see checkRange).
func checkMatrix(x []float64, d int) (int, error) {
	n, m, err := scanMatrix(x, d)
	if err != nil {
		return 0, err
	}
	return n, checkRange(x, m, nil, d, float64(n))
}

// scanMatrix validates the shape and finiteness of x and returns its rows
// and its largest |value|, in one pass over x when it is finite.
func scanMatrix(x []float64, d int) (int, float64, error) {
	if d < 1 {
		panic(fmt.Sprintf("kmeans: d = %d, want >= 1", d))
	}
	if len(x)%d != 0 {
		panic(fmt.Sprintf("kmeans: len(x) = %d is not a multiple of d = %d", len(x), d))
	}
	n := len(x) / d
	if n == 0 {
		return 0, 0, ErrNoRows
	}
	m := maxAbs(x)
	if m <= math.MaxFloat64 {
		return n, m, nil
	}
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, 0, &FeatureError{Row: i / d, Column: i % d, Value: v, Err: ErrFeatureNotFinite}
		}
	}
	panic("unreachable: maxAbs is not finite but every value is")
}

// checkRange returns a *FeatureError wrapping ErrFeatureRange, naming the
// cell of x (or of centers, Row being the centre) of largest magnitude,
// when values of that magnitude could make a weighted sum of squared
// distances overflow: with M the largest |value| (xMax, the largest of x,
// from scanMatrix, or of centers), every squared distance is at most
// 4 d M^2, and a sum over rows of total weight W at most 4 d M^2 W, which
// must stay below MaxFloat64 with a margin of 2. x and centers must be
// finite.
func checkRange(x []float64, xMax float64, centers []float64, d int, total float64) error {
	m := max(xMax, maxAbs(centers))
	limit := math.Sqrt(math.MaxFloat64 / (8 * float64(d) * max(total, 1)))
	if m <= limit && !math.IsInf(total, 0) {
		return nil
	}
	for c, src := range [][]float64{x, centers} {
		for i, v := range src {
			if math.Abs(v) == m {
				return &FeatureError{Row: i / d, Column: i % d, Center: c == 1, Value: v,
					Err: fmt.Errorf("%w: |value| above %.3g for %d columns and total weight %g", ErrFeatureRange, limit, d, total)}
			}
		}
	}
	return fmt.Errorf("%w: total weight %g", ErrFeatureRange, total)
}

// maxAbs returns the largest |v| of x: NaN if x holds a NaN, +Inf if it
// holds an infinity (and no NaN), 0 for an empty x. With the sign bit
// cleared, the IEEE 754 bits of |v| read as unsigned integers order as
// the values do, and every NaN lies above +Inf, so the maximum is taken
// on integers: a conditional move per value, no branch. Four independent
// maxima keep the loop short of its latency.
func maxAbs(x []float64) float64 {
	const abs = 1<<63 - 1
	var m0, m1, m2, m3 uint64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		v := x[i : i+4 : i+4]
		m0 = max(m0, math.Float64bits(v[0])&abs)
		m1 = max(m1, math.Float64bits(v[1])&abs)
		m2 = max(m2, math.Float64bits(v[2])&abs)
		m3 = max(m3, math.Float64bits(v[3])&abs)
	}
	for _, v := range x[i:] {
		m0 = max(m0, math.Float64bits(v)&abs)
	}
	return math.Float64frombits(max(m0, m1, m2, m3))
}

// checkWeights validates weights and returns a copy, or unit weights for
// nil, with the count of positive weights and their total. A total that
// overflows is a *FeatureError wrapping ErrBadWeight at the row where the
// sum became infinite.
func checkWeights(weights []float64, n int) ([]float64, int, float64, error) {
	w := make([]float64, n)
	if weights == nil {
		for i := range w {
			w[i] = 1
		}
		return w, n, float64(n), nil
	}
	positive := 0
	var total float64
	for i, v := range weights {
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, 0, 0, &FeatureError{Row: i, Column: -1, Value: v, Err: ErrBadWeight}
		}
		if v > 0 {
			positive++
		}
		total += v
		if math.IsInf(total, 0) {
			return nil, 0, 0, &FeatureError{Row: i, Column: -1, Value: v, Err: fmt.Errorf("%w: the weights sum to +Inf", ErrBadWeight)}
		}
		w[i] = v
	}
	if positive == 0 {
		return nil, 0, 0, ErrWeightsZero
	}
	return w, positive, total, nil
}

// Predict writes into dst (allocated when nil or too short) the nearest
// centre of each row of the row-major matrix x with m.D columns, ties going
// to the lowest index, and returns dst[:n]. It panics if len(x) is not a
// multiple of m.D; a NaN or Inf cell is a *FeatureError, and so is one
// (wrapping ErrFeatureRange) when a squared distance to a centre would
// overflow, as every distance would then tie at +Inf. An empty x gives an
// empty result.
func (m *Model) Predict(dst []int, x []float64) ([]int, error) {
	d := m.D
	if len(x)%d != 0 {
		panic(fmt.Sprintf("kmeans: len(x) = %d is not a multiple of d = %d", len(x), d))
	}
	n := len(x) / d
	mx := maxAbs(x)
	if !(mx <= math.MaxFloat64) {
		for i, v := range x {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, &FeatureError{Row: i / d, Column: i % d, Value: v, Err: ErrFeatureNotFinite}
			}
		}
	}
	if err := checkRange(x, mx, m.Centers, d, 1); err != nil {
		return nil, err
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
