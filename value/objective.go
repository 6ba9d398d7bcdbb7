package value

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// ErrNoVariation is returned by [EntropyWeights] and [CRITICWeights] when
// no column varies, so the data carry no information to weigh by.
var ErrNoVariation = errors.New("value: no column varies")

// ErrNegative is returned by [EntropyWeights] for a negative value.
var ErrNegative = errors.New("value: negative value")

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

// EntropyWeights returns the entropy weights of the columns (criteria) of x,
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
// before calling.
//
// Errors: an empty matrix ([ErrEmptyInput]), NaN or Inf ([ErrNonFinite])
// and negative values ([ErrNegative]) are [MatrixError]s naming the entry;
// a single row or no varying column gives [ErrNoVariation]. x is not
// modified.
func EntropyWeights(x mat.Matrix) ([]float64, error) {
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
		s := 0.0
		for i := range m {
			v := x.At(i, j)
			if v < 0 {
				return nil, &MatrixError{Row: i, Col: j, Value: v, Err: ErrNegative}
			}
			s += v
		}
		if s == 0 {
			continue // no information: d_j = 0
		}
		e := 0.0
		for i := range m {
			if p := x.At(i, j) / s; p > 0 {
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

// CRITICWeights returns the CRITIC weights (CRiteria Importance Through
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
// constant column does not change the other weights.
//
// Errors: an empty matrix, NaN or Inf (a [MatrixError]), or no varying
// column ([ErrNoVariation]). It panics if benefit has the wrong length. x is
// not modified.
func CRITICWeights(x mat.Matrix, benefit []bool) ([]float64, error) {
	m, n, err := checkFinite(x)
	if err != nil {
		return nil, err
	}
	if benefit != nil && len(benefit) != n {
		panic("value: CRITICWeights: benefit has the wrong length")
	}
	r := make([][]float64, n) // centred normalised columns
	sd := make([]float64, n)
	for j := range n {
		lo, hi := math.Inf(1), math.Inf(-1)
		for i := range m {
			v := x.At(i, j)
			lo, hi = min(lo, v), max(hi, v)
		}
		if !(hi > lo) {
			continue
		}
		col := make([]float64, m)
		mu := 0.0
		for i := range m {
			v := (x.At(i, j) - lo) / (hi - lo)
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
// mismatch panics; the others are errors naming the offending value).
func Blend(subjective, objective []float64, alpha float64) ([]float64, error) {
	if len(subjective) != len(objective) {
		panic("value: Blend: vectors differ in length")
	}
	if !(alpha >= 0 && alpha <= 1) {
		return nil, &WeightError{ID: "alpha", Weight: alpha, Err: errors.New("alpha outside [0, 1]")}
	}
	sum := func(name string, w []float64) (float64, error) {
		s := 0.0
		for i, v := range w {
			if !(v >= 0) || math.IsInf(v, 0) {
				return 0, &WeightError{ID: fmt.Sprintf("%s[%d]", name, i), Weight: v, Err: ErrBadWeight}
			}
			s += v
		}
		if s == 0 {
			return 0, &WeightError{ID: name, Weight: 0, Err: ErrWeightSum}
		}
		return s, nil
	}
	ss, err := sum("subjective", subjective)
	if err != nil {
		return nil, err
	}
	so, err := sum("objective", objective)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(subjective))
	for i := range out {
		out[i] = alpha*subjective[i]/ss + (1-alpha)*objective[i]/so
	}
	return out, nil
}

// TOPSISNorm is the normalisation of [TOPSISScores].
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

// TOPSISScores returns the relative closeness C_i = D-_i / (D+_i + D-_i)
// of each alternative (row of x) to the ideal point, with weighted
// Euclidean distances D+ to the ideal and D- to the anti-ideal (Hwang &
// Yoon 1981). weights are normalised to sum to 1; benefit[j] says whether
// criterion j is a benefit (nil means all are). An alternative at both
// points at once (all alternatives equal) gets 0.5. A constant column
// contributes nothing.
//
// Errors: an empty matrix or NaN/Inf ([MatrixError]), bad weights
// ([WeightError]), a column of zeros under VectorNorm. Lengths that do not
// match x panic. x is not modified.
func TOPSISScores(x mat.Matrix, weights []float64, benefit []bool, norm TOPSISNorm) ([]float64, error) {
	m, n, err := checkFinite(x)
	if err != nil {
		return nil, err
	}
	if len(weights) != n || (benefit != nil && len(benefit) != n) {
		panic("value: TOPSISScores: weights or benefit have the wrong length")
	}
	w, err := Blend(weights, weights, 1)
	if err != nil {
		return nil, err
	}
	v := mat.NewDense(m, n, nil)
	ideal := make([]float64, n)
	anti := make([]float64, n)
	for j := range n {
		ben := benefit == nil || benefit[j]
		switch norm {
		case VectorNorm:
			ss := 0.0
			for i := range m {
				ss += x.At(i, j) * x.At(i, j)
			}
			if ss == 0 {
				return nil, &MatrixError{Row: 0, Col: j, Value: 0, Err: errors.New("column of zeros cannot be vector-normalised")}
			}
			nrm := math.Sqrt(ss)
			lo, hi := math.Inf(1), math.Inf(-1)
			for i := range m {
				r := w[j] * x.At(i, j) / nrm
				v.Set(i, j, r)
				lo, hi = min(lo, r), max(hi, r)
			}
			if ben {
				ideal[j], anti[j] = hi, lo
			} else {
				ideal[j], anti[j] = lo, hi
			}
		case MinMaxNorm:
			lo, hi := math.Inf(1), math.Inf(-1)
			for i := range m {
				lo, hi = min(lo, x.At(i, j)), max(hi, x.At(i, j))
			}
			for i := range m {
				r := 0.0
				if hi > lo {
					r = (x.At(i, j) - lo) / (hi - lo)
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
			panic(fmt.Sprintf("value: unknown TOPSIS normalisation %d", norm))
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

// Objective is a data-driven weighting method for [DataWeights].
type Objective uint8

// The objective weighting methods.
const (
	Entropy Objective = iota // EntropyWeights
	CRITIC                   // CRITICWeights
)

// DataWeights returns a copy of c whose indicator weights within each group
// are alpha*subjective + (1-alpha)*objective, the subjective weights being
// c's own and the objective ones computed by method from the customers of t
// that have every indicator of the group (rows with a NaN are left out).
// Group weights are kept. Entropy weights are computed on the raw values,
// shifted by the column minimum when it is negative; CRITIC uses the
// indicators' directions. A group with one indicator keeps weight 1; a
// group whose objective weights cannot be computed (fewer than two complete
// rows, no varying column) is an error naming the group, as are the errors
// of [Catalog.Validate], [Blend] and a missing column ([ErrMissingID]).
// Neither c nor t is modified.
func DataWeights(c Catalog, t Table, method Objective, alpha float64) (Catalog, error) {
	if err := c.Validate(); err != nil {
		return Catalog{}, err
	}
	if method > CRITIC {
		panic(fmt.Sprintf("value: unknown objective weighting method %d", method))
	}
	out := c.Clone()
	for _, g := range out.Groups {
		var idx []int
		var cols [][]float64
		for k, ind := range out.Indicators {
			if ind.Group != g.ID {
				continue
			}
			col, ok := t.Column(ind.ID)
			if !ok {
				return Catalog{}, &IndicatorError{ID: ind.ID, Err: ErrMissingID}
			}
			idx = append(idx, k)
			cols = append(cols, col)
		}
		if len(idx) < 2 {
			continue
		}
		var rows []int
		for i := range t.Customers {
			ok := true
			for _, col := range cols {
				if math.IsNaN(col[i]) {
					ok = false
					break
				}
			}
			if ok {
				rows = append(rows, i)
			}
		}
		x := mat.NewDense(max(len(rows), 1), len(idx), nil)
		for r, i := range rows {
			for j, col := range cols {
				x.Set(r, j, col[i])
			}
		}
		if len(rows) < 2 {
			return Catalog{}, &IndicatorError{ID: g.ID, Err: fmt.Errorf("%w: fewer than two complete rows for objective weights", ErrNoVariation)}
		}
		var obj []float64
		var err error
		if method == Entropy {
			for j := range idx {
				lo := math.Inf(1)
				for r := range rows {
					lo = min(lo, x.At(r, j))
				}
				if lo < 0 {
					for r := range rows {
						x.Set(r, j, x.At(r, j)-lo)
					}
				}
			}
			obj, err = EntropyWeights(x)
		} else {
			ben := make([]bool, len(idx))
			for j, k := range idx {
				ben[j] = out.Indicators[k].Direction == Benefit
			}
			obj, err = CRITICWeights(x, ben)
		}
		if err != nil {
			return Catalog{}, &IndicatorError{ID: g.ID, Err: err}
		}
		subj := make([]float64, len(idx))
		for j, k := range idx {
			subj[j] = out.Indicators[k].Weight
		}
		w, err := Blend(subj, obj, alpha)
		if err != nil {
			return Catalog{}, &IndicatorError{ID: g.ID, Err: err}
		}
		for j, k := range idx {
			out.Indicators[k].Weight = w[j]
		}
	}
	return out, nil
}
