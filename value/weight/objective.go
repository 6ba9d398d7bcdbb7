package weight

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

func checkFinite(x mat.Matrix) (int, int, error) {
	m, n := x.Dims()
	if m == 0 || n == 0 {
		return m, n, ErrEmptyInput
	}
	for i := range m {
		for j := range n {
			if v := x.At(i, j); math.IsNaN(v) || math.IsInf(v, 0) {
				return m, n, &MatrixError{Row: i, Col: j, Value: v, Err: ErrNonFinite}
			}
		}
	}
	return m, n, nil
}

// colRange returns the minimum and maximum of column j of x and a divisor
// s that keeps (x - lo)/s and (hi - lo)/s finite: 1 when hi - lo is
// finite, 2 otherwise (finite values near ±MaxFloat64). Dividing both the
// numerator and denominator of (x - lo)/(hi - lo) by s does not change the
// ratio.
func colRange(x mat.Matrix, m, j int) (lo, hi, s float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for i := range m {
		v := x.At(i, j)
		lo, hi = min(lo, v), max(hi, v)
	}
	s = 1
	if math.IsInf(hi-lo, 0) {
		s = 2
	}
	return lo, hi, s
}

// unit returns (v - lo)/(hi - lo) for hi > lo computed without overflow,
// with s from colRange.
func unit(v, lo, hi, s float64) float64 {
	if s == 1 {
		return (v - lo) / (hi - lo)
	}
	return (v/s - lo/s) / (hi/s - lo/s)
}

// Entropy returns the entropy weights of the columns (criteria) of x,
// whose rows are alternatives (Shannon entropy; Zeleny 1982; Hwang & Yoon
// 1981, sec. 4.1):
//
//	p_ij = x_ij / sum_i x_ij
//	e_j  = -(1/ln m) sum_i p_ij ln p_ij      with 0 ln 0 = 0
//	w_j  = (1 - e_j) / sum_k (1 - e_k)
//
// Zero convention. The proportions are taken of the raw, non-negative
// values, not of min-max normalised ones, and a zero contributes 0 ln 0 = 0
// (the limit). Min-max normalising first would send every column's minimum
// to 0 and make a nearly constant column with one deviating value look
// maximally informative ([100 100 100 101] would become [0 0 0 1], entropy
// 0, the largest weight); on the raw values that column has entropy close
// to 1 and a weight close to 0. A column of zeros carries no information
// and gets weight 0. Shift a column that can be negative (growth, NPS)
// before calling. The proportions do not depend on a column's scale; a
// column whose sum would overflow is divided by its maximum first, so
// finite values of any size give finite weights.
//
// Errors: an empty matrix ([ErrEmptyInput]), NaN or Inf ([ErrNonFinite])
// and negative values ([ErrNegative]) are [MatrixError]s naming the entry;
// a single row or no varying column gives [ErrNoVariation]. x is not
// modified.
func Entropy(x mat.Matrix) ([]float64, error) {
	m, n, err := checkFinite(x)
	if err != nil {
		return nil, err
	}
	if m < 2 {
		return nil, fmt.Errorf("%w: one alternative", ErrNoVariation)
	}
	k := 1 / math.Log(float64(m))
	d := make([]float64, n)
	total := 0.0
	for j := range n {
		s, mx := 0.0, 0.0
		for i := range m {
			v := x.At(i, j)
			if v < 0 {
				return nil, &MatrixError{Row: i, Col: j, Value: v, Err: ErrNegative}
			}
			s += v
			mx = max(mx, v)
		}
		if s == 0 {
			continue // no information: d_j = 0
		}
		scale := 1.0
		if math.IsInf(s, 0) {
			// p_ij = (x_ij/mx) / sum_i (x_ij/mx): the same proportions,
			// with a sum of at most m.
			scale, s = mx, 0
			for i := range m {
				s += x.At(i, j) / mx
			}
		}
		e := 0.0
		for i := range m {
			if p := x.At(i, j) / scale / s; p > 0 {
				e -= p * math.Log(p)
			}
		}
		d[j] = max(0, 1-k*e)
		total += d[j]
	}
	if total == 0 {
		return nil, ErrNoVariation
	}
	for j := range d {
		d[j] /= total
	}
	return d, nil
}

// CRITIC returns the CRITIC weights (CRiteria Importance Through
// Intercriteria Correlation; Diakoulaki, Mavrotas & Papayannakis 1995) of
// the columns of x, whose rows are alternatives. benefit[j] says whether
// criterion j is a benefit (nil means all are):
//
//	r_ij = (x_ij - min_j)/(max_j - min_j)    benefit (cost: max_j - x_ij)
//	C_j  = sigma_j * sum_k (1 - rho_jk)
//	w_j  = C_j / sum_k C_k
//
// with sigma_j the (population) standard deviation of column j of r and
// rho the Pearson correlation. A constant column has no contrast: its
// weight is 0 and it is left out of the other columns' sums, so adding a
// constant column does not change the other weights. The normalisation
// makes the weights independent of each column's scale, and it is computed
// without overflow, so finite values of any size (±1e308) give finite
// weights.
//
// Errors: an empty matrix, NaN or Inf (a [MatrixError]), or no varying
// column ([ErrNoVariation]). It panics if benefit has the wrong length. x is
// not modified.
func CRITIC(x mat.Matrix, benefit []bool) ([]float64, error) {
	m, n, err := checkFinite(x)
	if err != nil {
		return nil, err
	}
	if benefit != nil && len(benefit) != n {
		panic("weight: CRITIC: benefit has the wrong length")
	}
	r := make([][]float64, n) // centred normalised columns
	sd := make([]float64, n)
	for j := range n {
		lo, hi, sc := colRange(x, m, j)
		if !(hi > lo) {
			continue
		}
		col := make([]float64, m)
		mu := 0.0
		for i := range m {
			v := unit(x.At(i, j), lo, hi, sc)
			if benefit != nil && !benefit[j] {
				v = 1 - v
			}
			col[i] = v
			mu += v
		}
		mu /= float64(m)
		ss := 0.0
		for i := range col {
			col[i] -= mu
			ss += col[i] * col[i]
		}
		r[j] = col
		sd[j] = math.Sqrt(ss / float64(m))
	}
	w := make([]float64, n)
	total := 0.0
	for j := range n {
		if r[j] == nil {
			continue
		}
		conflict := 0.0
		for k := range n {
			if k == j || r[k] == nil {
				continue
			}
			dot := 0.0
			for i := range m {
				dot += r[j][i] * r[k][i]
			}
			rho := dot / (float64(m) * sd[j] * sd[k])
			conflict += 1 - rho
		}
		w[j] = sd[j] * conflict
		total += w[j]
	}
	if total == 0 {
		// One varying column (or perfectly correlated ones): the
		// information is all in the varying columns, shared by contrast.
		for j := range n {
			w[j] = sd[j]
			total += sd[j]
		}
		if total == 0 {
			return nil, ErrNoVariation
		}
	}
	for j := range w {
		w[j] /= total
	}
	return w, nil
}

// Blend returns alpha*subjective + (1-alpha)*objective, each normalised to
// sum to 1 first, in fresh memory. alpha must be in [0, 1] and both vectors
// non-negative, finite, with a positive sum and the same length (a length
// mismatch panics; the others are [VectorError]s naming the offending
// element).
func Blend(subjective, objective []float64, alpha float64) ([]float64, error) {
	if len(subjective) != len(objective) {
		panic("weight: Blend: vectors differ in length")
	}
	if !(alpha >= 0 && alpha <= 1) {
		return nil, &VectorError{Vector: "alpha", Index: -1, Value: alpha, Err: fmt.Errorf("%w: alpha outside [0, 1]", ErrBadWeight)}
	}
	ss, err := weightSum("subjective", subjective)
	if err != nil {
		return nil, err
	}
	so, err := weightSum("objective", objective)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(subjective))
	for i := range out {
		out[i] = alpha*subjective[i]/ss + (1-alpha)*objective[i]/so
	}
	return out, nil
}

// weightSum checks a weight vector and returns its sum.
func weightSum(name string, w []float64) (float64, error) {
	s := 0.0
	for i, v := range w {
		if !(v >= 0) || math.IsInf(v, 0) {
			return 0, &VectorError{Vector: name, Index: i, Value: v, Err: ErrBadWeight}
		}
		s += v
	}
	if s == 0 {
		return 0, &VectorError{Vector: name, Index: -1, Value: 0, Err: ErrWeightSum}
	}
	if math.IsInf(s, 0) {
		return 0, &VectorError{Vector: name, Index: -1, Value: s, Err: fmt.Errorf("%w: sum overflows", ErrBadWeight)}
	}
	return s, nil
}

// TOPSISNorm is the normalisation of [TOPSIS].
type TOPSISNorm uint8

// The TOPSIS normalisations. The zero value is VectorNorm.
const (
	// VectorNorm divides each column by its Euclidean norm; the ideal and
	// anti-ideal points are the best and worst weighted values of each
	// column (Hwang & Yoon 1981).
	VectorNorm TOPSISNorm = iota
	// MinMaxNorm maps each column onto [0, 1], cost columns inverted; the
	// ideal point is then 1 and the anti-ideal 0 on every column.
	MinMaxNorm
)

var normNames = [...]string{"vector", "minmax"}

// String returns "vector" or "minmax", or "TOPSISNorm(n)" for an invalid
// value.
func (n TOPSISNorm) String() string {
	if int(n) < len(normNames) {
		return normNames[n]
	}
	return fmt.Sprintf("TOPSISNorm(%d)", uint8(n))
}

// MarshalText returns "vector" or "minmax"; an invalid value is an error.
func (n TOPSISNorm) MarshalText() ([]byte, error) {
	if int(n) >= len(normNames) {
		return nil, fmt.Errorf("weight: cannot marshal %v", n)
	}
	return []byte(normNames[n]), nil
}

// UnmarshalText parses "vector" or "minmax"; anything else is an error
// naming it.
func (n *TOPSISNorm) UnmarshalText(b []byte) error {
	for i, s := range normNames {
		if string(b) == s {
			*n = TOPSISNorm(i)
			return nil
		}
	}
	return fmt.Errorf("weight: unknown TOPSIS normalisation %q (want vector or minmax)", b)
}

// TOPSIS returns the relative closeness C_i = D-_i / (D+_i + D-_i) of
// each alternative (row of x) to the ideal point, with weighted Euclidean
// distances D+ to the ideal and D- to the anti-ideal (Hwang & Yoon 1981).
// weights are normalised to sum to 1; benefit[j] says whether criterion j
// is a benefit (nil means all are). An alternative at both points at once
// (all alternatives equal) gets 0.5. A constant column contributes nothing
// under MinMaxNorm. Both normalisations are scale-invariant per column and
// computed without overflow, so finite values of any size give finite
// scores.
//
// Errors: an empty matrix or NaN/Inf ([MatrixError]), bad weights
// ([VectorError]), a column of zeros under VectorNorm. Lengths that do not
// match x panic, as does an invalid norm. x is not modified.
func TOPSIS(x mat.Matrix, weights []float64, benefit []bool, norm TOPSISNorm) ([]float64, error) {
	m, n, err := checkFinite(x)
	if err != nil {
		return nil, err
	}
	if len(weights) != n || (benefit != nil && len(benefit) != n) {
		panic("weight: TOPSIS: weights or benefit have the wrong length")
	}
	ws, err := weightSum("weights", weights)
	if err != nil {
		return nil, err
	}
	w := make([]float64, n)
	for j, v := range weights {
		w[j] = v / ws
	}
	v := mat.NewDense(m, n, nil)
	ideal := make([]float64, n)
	anti := make([]float64, n)
	for j := range n {
		ben := benefit == nil || benefit[j]
		switch norm {
		case VectorNorm:
			// ||x_j|| computed on x_j/max|x_j|, as hypot does, so that it
			// neither overflows nor underflows.
			mx := 0.0
			for i := range m {
				mx = max(mx, math.Abs(x.At(i, j)))
			}
			if mx == 0 {
				return nil, &MatrixError{Row: 0, Col: j, Value: 0, Err: errors.New("column of zeros cannot be vector-normalised")}
			}
			ss := 0.0
			for i := range m {
				y := x.At(i, j) / mx
				ss += y * y
			}
			nrm := math.Sqrt(ss)
			lo, hi := math.Inf(1), math.Inf(-1)
			for i := range m {
				r := w[j] * (x.At(i, j) / mx) / nrm
				v.Set(i, j, r)
				lo, hi = min(lo, r), max(hi, r)
			}
			if ben {
				ideal[j], anti[j] = hi, lo
			} else {
				ideal[j], anti[j] = lo, hi
			}
		case MinMaxNorm:
			lo, hi, sc := colRange(x, m, j)
			for i := range m {
				r := 0.0
				if hi > lo {
					r = unit(x.At(i, j), lo, hi, sc)
					if !ben {
						r = 1 - r
					}
				}
				v.Set(i, j, w[j]*r)
			}
			if hi > lo {
				ideal[j] = w[j]
			}
		default:
			panic(fmt.Sprintf("weight: unknown TOPSIS normalisation %d", norm))
		}
	}
	out := make([]float64, m)
	for i := range m {
		dp, dm := 0.0, 0.0
		for j := range n {
			a, b := v.At(i, j)-ideal[j], v.At(i, j)-anti[j]
			dp += a * a
			dm += b * b
		}
		dp, dm = math.Sqrt(dp), math.Sqrt(dm)
		if dp+dm == 0 {
			out[i] = 0.5
		} else {
			out[i] = dm / (dp + dm)
		}
	}
	return out, nil
}
