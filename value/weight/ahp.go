package weight

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// SaatyRI is Saaty's table of random consistency indices for n = 1..15
// (SaatyRI[n-1]): the mean consistency index of random reciprocal matrices
// with entries from the 1/9..9 scale (Saaty 1980, The Analytic Hierarchy
// Process, Table 1.7, extended to n = 15 in the same book).
var SaatyRI = []float64{0, 0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59}

// SaatyRI2005 is Saaty's later table of random indices for n = 1..15
// (Saaty 2005, Theory and Applications of the Analytic Network Process,
// p. 31), which some software uses instead of [SaatyRI].
var SaatyRI2005 = []float64{0, 0, 0.52, 0.89, 1.11, 1.25, 1.35, 1.40, 1.45, 1.49, 1.52, 1.54, 1.56, 1.58, 1.59}

// ReciprocalTol is the tolerance of the reciprocity check of [AHP]:
// |a_ij * a_ji - 1| must not exceed it, so judgements typed as 0.333 for
// 1/3 are accepted.
const ReciprocalTol = 0.01

// AHPSettings configures [AHP]. A nil *AHPSettings means the zero value.
type AHPSettings struct {
	// RI is the random-index table, RI[n-1] for an n x n matrix; nil means
	// [SaatyRI]. Entries for n = 1 and 2 are not used (CR is 0 there);
	// every entry for n >= 3 must be positive and finite, or AHP returns an
	// error wrapping [ErrBadRandomIndex] naming it (a table of zeros
	// would otherwise hide every inconsistency behind CR = 0).
	RI []float64
	// AcceptInconsistent makes AHP return the weights of a matrix whose
	// consistency ratio is 0.10 or more; false (the default) means that is
	// an error wrapping [ErrInconsistent].
	AcceptInconsistent bool
}

// AHPResult is the outcome of [AHP].
type AHPResult struct {
	Weights   []float64 // the normalised principal eigenvector, summing to 1
	LambdaMax float64   // the principal eigenvalue
	CI        float64   // consistency index (LambdaMax - n) / (n - 1); 0 for n <= 2
	CR        float64   // consistency ratio CI / RI[n-1]; 0 for n <= 2
}

// CheckPairwise checks that a is a valid pairwise comparison matrix: square,
// every entry positive and finite, ones on the diagonal and a_ji = 1/a_ij
// within [ReciprocalTol]. The error is a [MatrixError] naming the entry.
func CheckPairwise(a mat.Matrix) error {
	r, c := a.Dims()
	if r != c {
		return fmt.Errorf("%w: %d x %d", ErrNotSquare, r, c)
	}
	if r == 0 {
		return ErrEmptyInput
	}
	for i := range r {
		for j := range r {
			v := a.At(i, j)
			if !(v > 0) || math.IsInf(v, 0) {
				return &MatrixError{Row: i, Col: j, Value: v, Err: ErrNonPositive}
			}
		}
	}
	for i := range r {
		if v := a.At(i, i); math.Abs(v-1) > ReciprocalTol {
			return &MatrixError{Row: i, Col: i, Value: v, Err: fmt.Errorf("%w: diagonal entry is not 1", ErrNotReciprocal)}
		}
		for j := i + 1; j < r; j++ {
			if p := a.At(i, j) * a.At(j, i); math.Abs(p-1) > ReciprocalTol {
				return &MatrixError{Row: j, Col: i, Value: a.At(j, i), Err: fmt.Errorf("%w: a(%d,%d) * a(%d,%d) = %g", ErrNotReciprocal, i+1, j+1, j+1, i+1, p)}
			}
		}
	}
	return nil
}

// AHP derives weights from a pairwise comparison matrix by Saaty's
// eigenvector method: the weights are the principal right eigenvector of a
// normalised to sum to 1, found by power iteration (the matrix is positive,
// so by Perron's theorem the iteration converges to it).
//
//	A w = lambda_max w,  CI = (lambda_max - n)/(n - 1),  CR = CI / RI(n)
//
// a must pass [CheckPairwise] (NaN, Inf and non-positive entries are
// [MatrixError]s). A consistency ratio of 0.10 or more is an error wrapping
// [ErrInconsistent] unless s.AcceptInconsistent; a matrix larger than the
// RI table (n >= 3) is an error wrapping [ErrNoRandomIndex]; a bad RI table
// is a [VectorError] wrapping [ErrBadRandomIndex]. A nil s means the zero
// [AHPSettings]. On error the result is the zero value. a is not modified.
func AHP(a mat.Matrix, s *AHPSettings) (AHPResult, error) {
	if s == nil {
		s = &AHPSettings{}
	}
	ri := s.RI
	if ri == nil {
		ri = SaatyRI
	}
	if err := checkRI(ri); err != nil {
		return AHPResult{}, err
	}
	if err := CheckPairwise(a); err != nil {
		return AHPResult{}, err
	}
	n, _ := a.Dims()
	if n >= 3 && n > len(ri) {
		return AHPResult{}, fmt.Errorf("%w: n = %d, table has %d entries", ErrNoRandomIndex, n, len(ri))
	}
	A := mat.DenseCopyOf(a)
	w := make([]float64, n)
	// Start from the normalised row geometric means, which is the exact
	// answer for a consistent matrix and close otherwise.
	for i := range n {
		s := 0.0
		for j := range n {
			s += math.Log(A.At(i, j))
		}
		w[i] = math.Exp(s / float64(n))
	}
	normalize1(w)
	next := make([]float64, n)
	lambda := 0.0
	for iter := 0; iter < 10000; iter++ {
		lambda = 0
		for i := range n {
			v := 0.0
			for j := range n {
				v += A.At(i, j) * w[j]
			}
			next[i] = v
			lambda += v
		}
		normalize1(next)
		diff := 0.0
		for i := range n {
			diff = max(diff, math.Abs(next[i]-w[i]))
		}
		w, next = next, w
		if diff < 1e-15 {
			break
		}
	}
	// lambda_max = sum_i (A w)_i for w summing to 1, evaluated at the
	// final w.
	lambda = 0
	for i := range n {
		for j := range n {
			lambda += A.At(i, j) * w[j]
		}
	}
	res := AHPResult{Weights: w, LambdaMax: lambda}
	if n > 2 {
		res.CI = (lambda - float64(n)) / float64(n-1)
		res.CR = res.CI / ri[n-1] // positive and finite: checkRI

	}
	if res.CR >= 0.10 && !s.AcceptInconsistent {
		return AHPResult{}, &ConsistencyError{N: n, LambdaMax: res.LambdaMax, CI: res.CI, CR: res.CR}
	}
	return res, nil
}

// ConsistencyError reports a pairwise comparison matrix whose consistency
// ratio is 0.10 or more. It wraps [ErrInconsistent].
type ConsistencyError struct {
	Level         string  // the hierarchy level or group, when known
	N             int     // the matrix order
	LambdaMax, CI float64 // the principal eigenvalue and the consistency index
	CR            float64 // the consistency ratio, CI over the random index
}

// Error formats the ConsistencyError with its position.
func (e *ConsistencyError) Error() string {
	where := ""
	if e.Level != "" {
		where = " " + e.Level
	}
	return fmt.Sprintf("weight: AHP matrix%s (%dx%d) is inconsistent: lambda_max = %.4f, CI = %.4f, CR = %.4f >= 0.10; revise the judgements or accept it", where, e.N, e.N, e.LambdaMax, e.CI, e.CR)
}

// Unwrap returns the underlying sentinel error.
func (e *ConsistencyError) Unwrap() error { return ErrInconsistent }

// checkRI checks a random-index table: entries for n >= 3 positive and
// finite, those for n = 1, 2 finite and non-negative.
func checkRI(ri []float64) error {
	for i, v := range ri {
		if !(v >= 0) || math.IsInf(v, 0) || (i >= 2 && v == 0) {
			return &VectorError{Vector: "RI", Index: i, Value: v, Err: fmt.Errorf("%w (entry for n = %d)", ErrBadRandomIndex, i+1)}
		}
	}
	return nil
}

func normalize1(w []float64) {
	s := 0.0
	for _, v := range w {
		s += v
	}
	for i := range w {
		w[i] /= s
	}
}

// AggregateJudgements combines several experts' pairwise comparison
// matrices of the same size into one by the element-wise geometric mean,
// which keeps the result reciprocal (Aczél & Saaty 1983, Procedures for
// synthesizing ratio judgements, J. Math. Psychology 27, 93-102). weights
// are the experts' weights (nil means equal); they are normalised to sum to
// 1. Each matrix must pass [CheckPairwise]; an error names the expert
// (0-based) and the entry. No matrices is an error wrapping [ErrEmptyInput].
func AggregateJudgements(ms []mat.Matrix, weights []float64) (*mat.Dense, error) {
	if len(ms) == 0 {
		return nil, ErrEmptyInput
	}
	if weights != nil && len(weights) != len(ms) {
		panic("weight: AggregateJudgements: weights and matrices differ in length")
	}
	n, _ := ms[0].Dims()
	wsum := 0.0
	for k, m := range ms {
		if err := CheckPairwise(m); err != nil {
			return nil, fmt.Errorf("expert %d: %w", k, err)
		}
		if r, _ := m.Dims(); r != n {
			return nil, fmt.Errorf("expert %d: %w: %d x %d, want %d x %d", k, ErrNotSquare, r, r, n, n)
		}
		w := 1.0
		if weights != nil {
			w = weights[k]
			if !(w >= 0) || math.IsInf(w, 0) {
				return nil, &VectorError{Vector: "experts", Index: k, Value: w, Err: ErrBadWeight}
			}
		}
		wsum += w
	}
	if wsum == 0 {
		return nil, &VectorError{Vector: "experts", Index: -1, Value: 0, Err: ErrWeightSum}
	}
	out := mat.NewDense(n, n, nil)
	for i := range n {
		for j := range n {
			s := 0.0
			for k, m := range ms {
				w := 1.0
				if weights != nil {
					w = weights[k]
				}
				s += w / wsum * math.Log(m.At(i, j))
			}
			out.Set(i, j, math.Exp(s))
		}
	}
	return out, nil
}
