package value

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/cvmkit/cvm/value/weight"
	"gonum.org/v1/gonum/mat"
)

// Judgements are the pairwise comparison matrices of a catalog's hierarchy,
// one per level node, for [HierarchyWeights]. Rows and columns follow
// catalog order.
type Judgements struct {
	// Dimensions compares current value (row 0) with potential value (row
	// 1); nil means equal weights.
	Dimensions mat.Matrix
	// Groups compares the groups of each dimension, keyed by "current" or
	// "potential"; a dimension with one group needs none.
	Groups map[string]mat.Matrix
	// Indicators compares the indicators of each group, keyed by group ID; a
	// group with one indicator needs none.
	Indicators map[string]mat.Matrix
}

// JudgementCount returns the number of pairwise judgements a hierarchy
// needs: n(n-1)/2 for each level node with n children. The default catalog
// needs 1 + 2*3 + 6*10 = 67, against 30*29/2 = 435 for comparing all 30
// indicators in one matrix.
func JudgementCount(c Catalog) int {
	pairs := func(n int) int { return n * (n - 1) / 2 }
	total := pairs(2)
	for _, d := range []Dimension{CurrentValue, PotentialValue} {
		n := 0
		for _, g := range c.Groups {
			if g.Dimension == d && groupUsed(&c, g.ID) {
				n++
			}
		}
		total += pairs(n)
	}
	for _, g := range c.Groups {
		n := 0
		for _, ind := range c.Indicators {
			if ind.Group == g.ID {
				n++
			}
		}
		total += pairs(n)
	}
	return total
}

// HierarchyResult is the outcome of [HierarchyWeights].
type HierarchyResult struct {
	Catalog                        Catalog                     // the catalog with AHP group and indicator weights
	CurrentWeight, PotentialWeight float64                     // the dimension weights, for Settings
	Levels                         map[string]weight.AHPResult // by "dimensions", "current", "potential" or group ID
}

// MaxCR returns the largest consistency ratio of the levels, 0 when no
// level has three or more children. Record it in [Settings.Weighting] so
// that the fitted model's card carries it.
func (r HierarchyResult) MaxCR() float64 {
	cr := 0.0
	for _, l := range r.Levels {
		cr = max(cr, l.CR)
	}
	return cr
}

// Weighting returns the record of these weights for [Settings.Weighting]:
// method "ahp" and the largest consistency ratio.
func (r HierarchyResult) Weighting() Weighting {
	return Weighting{Method: "ahp", CR: r.MaxCR()}
}

// HierarchyWeights sets the group and indicator weights of c from per-level
// pairwise comparison matrices ([Judgements]) by [weight.AHP], level by
// level; a nil s means the defaults of [weight.AHPSettings]. A
// missing matrix for a node with two or more children is an error naming
// the node, as is a matrix of the wrong size or one that fails AHP (the
// error says which level). c is not modified.
func HierarchyWeights(c Catalog, j Judgements, s *weight.AHPSettings) (HierarchyResult, error) {
	if err := c.Validate(); err != nil {
		return HierarchyResult{}, err
	}
	out := HierarchyResult{Catalog: c.Clone(), Levels: map[string]weight.AHPResult{}}
	level := func(name string, m mat.Matrix, n int) ([]float64, error) {
		if n == 1 {
			return []float64{1}, nil
		}
		if m == nil {
			return nil, &IndicatorError{ID: name, Err: fmt.Errorf("no pairwise comparison matrix for %d children", n)}
		}
		if r, cc := m.Dims(); r != n || cc != n {
			return nil, &IndicatorError{ID: name, Err: fmt.Errorf("%w: matrix is %d x %d for %d children", weight.ErrNotSquare, r, cc, n)}
		}
		res, err := weight.AHP(m, s)
		if err != nil {
			var ce *weight.ConsistencyError
			if errors.As(err, &ce) {
				ce.Level = name
				return nil, ce
			}
			return nil, &IndicatorError{ID: name, Err: err}
		}
		out.Levels[name] = res
		return res.Weights, nil
	}
	out.CurrentWeight, out.PotentialWeight = 0.5, 0.5
	if j.Dimensions != nil {
		w, err := level("dimensions", j.Dimensions, 2)
		if err != nil {
			return HierarchyResult{}, err
		}
		out.CurrentWeight, out.PotentialWeight = w[0], w[1]
	}
	cat := &out.Catalog
	for _, d := range []Dimension{CurrentValue, PotentialValue} {
		var idx []int
		for g := range cat.Groups {
			if cat.Groups[g].Dimension == d && groupUsed(cat, cat.Groups[g].ID) {
				idx = append(idx, g)
			}
		}
		w, err := level(d.String(), j.Groups[d.String()], len(idx))
		if err != nil {
			return HierarchyResult{}, err
		}
		for k, g := range idx {
			cat.Groups[g].Weight = w[k]
		}
	}
	for _, g := range cat.Groups {
		var idx []int
		for i := range cat.Indicators {
			if cat.Indicators[i].Group == g.ID {
				idx = append(idx, i)
			}
		}
		if len(idx) == 0 {
			continue
		}
		w, err := level(g.ID, j.Indicators[g.ID], len(idx))
		if err != nil {
			return HierarchyResult{}, err
		}
		for k, i := range idx {
			cat.Indicators[i].Weight = w[k]
		}
	}
	for key := range j.Indicators {
		found := false
		for _, g := range cat.Groups {
			found = found || g.ID == key
		}
		if !found {
			return HierarchyResult{}, &IndicatorError{ID: key, Err: fmt.Errorf("%w: judgements for unknown group", ErrUnknownID)}
		}
	}
	for key := range j.Groups {
		if key != "current" && key != "potential" {
			return HierarchyResult{}, &IndicatorError{ID: key, Err: fmt.Errorf("%w: judgements for unknown dimension", ErrBadDimension)}
		}
	}
	return out, nil
}

// Objective is a data-driven weighting method for [DataWeights].
type Objective uint8

// The objective weighting methods. The zero value is Entropy.
const (
	Entropy Objective = iota // weight.Entropy
	CRITIC                   // weight.CRITIC
)

var objectiveNames = []string{"entropy", "critic"}

// String returns "entropy" or "critic", or "Objective(n)" for an invalid
// value.
func (o Objective) String() string {
	if int(o) < len(objectiveNames) {
		return objectiveNames[o]
	}
	return fmt.Sprintf("Objective(%d)", uint8(o))
}

// MarshalText returns "entropy" or "critic"; an invalid value is an error.
func (o Objective) MarshalText() ([]byte, error) { return marshalEnum(o, objectiveNames) }

// UnmarshalText parses "entropy" or "critic".
func (o *Objective) UnmarshalText(b []byte) error {
	i, err := unmarshalEnum(b, objectiveNames, "objective")
	if err == nil {
		*o = Objective(i)
	}
	return err
}

// DataWeights returns a copy of c whose indicator weights within each group
// are alpha*subjective + (1-alpha)*objective, the subjective weights being
// c's own and the objective ones computed by method from the customers of t
// that have every indicator of the group (rows with a NaN are left out).
// Group weights are kept. Entropy weights are computed on the raw values,
// shifted by the column minimum when it is negative; CRITIC uses the
// indicators' directions. A group with one indicator keeps weight 1; a
// group whose objective weights cannot be computed (fewer than two complete
// rows, no varying column) is an error naming the group, as are the errors
// of [Catalog.Validate], [weight.Blend] and a missing column
// ([ErrMissingID]). The weights do not depend on a column's scale (see
// [weight.CRITIC]). It returns ctx's error if ctx is cancelled between
// groups. Neither c nor t is modified.
func DataWeights(ctx context.Context, c Catalog, t IndicatorTable, method Objective, alpha float64) (Catalog, error) {
	if err := c.Validate(); err != nil {
		return Catalog{}, err
	}
	if method > CRITIC {
		panic(fmt.Sprintf("value: unknown objective weighting method %d", method))
	}
	out := c.Clone()
	for _, g := range out.Groups {
		if err := ctx.Err(); err != nil {
			return Catalog{}, err
		}
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
			return Catalog{}, &IndicatorError{ID: g.ID, Err: fmt.Errorf("%w: fewer than two complete rows for objective weights", weight.ErrNoVariation)}
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
			obj, err = weight.Entropy(x)
		} else {
			ben := make([]bool, len(idx))
			for j, k := range idx {
				ben[j] = out.Indicators[k].Direction == Benefit
			}
			obj, err = weight.CRITIC(x, ben)
		}
		if err != nil {
			return Catalog{}, &IndicatorError{ID: g.ID, Err: err}
		}
		subj := make([]float64, len(idx))
		for j, k := range idx {
			subj[j] = out.Indicators[k].Weight
		}
		w, err := weight.Blend(subj, obj, alpha)
		if err != nil {
			return Catalog{}, &IndicatorError{ID: g.ID, Err: err}
		}
		for j, k := range idx {
			out.Indicators[k].Weight = w[j]
		}
	}
	return out, nil
}
