package value

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/num"
	"github.com/cvmkit/cvm/internal/parallel"
)

// MissingPolicy says what happens to a missing (NaN) value. Missing values
// are never silently replaced by zero.
type MissingPolicy uint8

// The missing-value policies. The zero value is MissingError.
const (
	// MissingError makes Fit and Score return a [DataError] wrapping
	// [ErrMissing] that names the customer and the indicator.
	MissingError MissingPolicy = iota
	// MissingImpute replaces the value by the indicator's fitted median;
	// the score counts it in [Score.Imputed].
	MissingImpute
	// MissingDrop leaves the indicator out of that customer's score and
	// renormalises the remaining weights of its dimension to sum to 1; the
	// score counts it in [Score.Dropped]. When every indicator of a
	// dimension is missing the result is an error wrapping [ErrAllMissing].
	MissingDrop
)

// String returns "error", "impute" or "drop".
func (p MissingPolicy) String() string {
	switch p {
	case MissingError:
		return "error"
	case MissingImpute:
		return "impute"
	case MissingDrop:
		return "drop"
	}
	return fmt.Sprintf("MissingPolicy(%d)", uint8(p))
}

// Aggregation is how a dimension's normalised indicators become its score.
type Aggregation uint8

// The aggregations. The zero value is WeightedSum.
const (
	// WeightedSum scores 100 * sum_j w_j r_j.
	WeightedSum Aggregation = iota
	// TOPSIS scores 100 * D-/(D+ + D-), the relative closeness to the fixed
	// ideal point (every r_j = 1) against the anti-ideal point (every
	// r_j = 0), with weighted Euclidean distances.
	TOPSIS
)

// String returns "weighted-sum" or "topsis".
func (a Aggregation) String() string {
	switch a {
	case WeightedSum:
		return "weighted-sum"
	case TOPSIS:
		return "topsis"
	}
	return fmt.Sprintf("Aggregation(%d)", uint8(a))
}

// CutRule says where the value matrix is cut into high and low on each
// dimension, and so how customers fall into the four quadrants.
type CutRule uint8

// The cut rules. The zero value is CutConcentration.
const (
	// CutConcentration cuts each dimension where value concentrates: the
	// high customers are the fewest top-scoring customers who together
	// hold at least Settings.CutShare (0.5) of the sum of the dimension's
	// fitted scores. The cut is the largest fitted score below the lowest
	// score of that set, so ties at it stay together (see [Fit]).
	CutConcentration CutRule = iota
	CutMedian                // at the fitted median of each dimension's scores
	CutMean                  // at the fitted mean
	CutFixed                 // at Settings.CurrentCut and Settings.PotentialCut
)

// String returns "concentration", "median", "mean" or "fixed", or
// "CutRule(n)" for an invalid value.
func (s CutRule) String() string {
	if int(s) < len(cutNames) {
		return cutNames[s]
	}
	return fmt.Sprintf("CutRule(%d)", uint8(s))
}

// DefaultTierShares is the default customer pyramid: the top 1%, the next
// 4%, the next 15% and the remaining 80% (Zeithaml, Rust & Lemon 2001).
var DefaultTierShares = []float64{0.01, 0.04, 0.15, 0.80}

// Weighting records how a catalog's weights were obtained. [Fit] copies it
// into the model's JSON and [cvm.ModelCard]; it changes no score.
type Weighting struct {
	// Method names the method: empty for weights given by hand, "ahp"
	// ([HierarchyWeights]), "entropy" or "critic" blended into given
	// weights ([DataWeights]), or a combination such as "ahp+critic".
	Method string `json:"method,omitempty"`
	// CR is the largest AHP consistency ratio of the hierarchy
	// ([HierarchyResult.MaxCR]) when Method involves AHP; 0 otherwise.
	CR float64 `json:"cr,omitempty"`
}

// Settings is everything [Fit] needs besides the data. A nil *Settings
// means every default; the zero value of each field means its default,
// given in the field's comment.
type Settings struct {
	// Catalog is the indicator hierarchy with its weights; an empty catalog
	// means [DefaultCatalog].
	Catalog Catalog

	// CurrentWeight and PotentialWeight weigh the two dimension scores in
	// the total score; both zero means 0.5 and 0.5. They are normalised to
	// sum to 1 (a single dimension may have weight 0).
	CurrentWeight, PotentialWeight float64

	// NormalizeWeights rescales each group's indicator weights and each
	// dimension's group weights to sum to 1. False (the default) means a
	// sum further than 1e-6 from 1 is an error wrapping [ErrWeightSum]
	// that names the group or dimension. A group or dimension whose weights
	// are all zero is an error either way.
	NormalizeWeights bool

	// Missing is the missing-value policy; the zero value is MissingError.
	Missing MissingPolicy

	// Aggregation is WeightedSum (the zero value) or TOPSIS.
	Aggregation Aggregation

	// Cut is where the value matrix is cut; the zero value is
	// CutConcentration. A customer is high on a dimension when its score is
	// above the cut (strictly). With CutFixed the cuts are CurrentCut and
	// PotentialCut, both on the 0..100 scale (0 is a valid fixed cut).
	Cut                      CutRule
	CurrentCut, PotentialCut float64

	// CutShare is, with CutConcentration, the share of a dimension's summed
	// fitted scores that its high customers hold; 0 means 0.5. It must be
	// in (0, 1]; other cut rules ignore it.
	CutShare float64

	// TierShares are the shares of customers in the pyramid's tiers, top
	// first; nil means DefaultTierShares. They must be positive and are
	// normalised to sum to 1.
	TierShares []float64

	// IgnoreUnknown makes table columns that are not in the catalog be
	// ignored; false (the default) means they are an error wrapping
	// [ErrUnknownID].
	IgnoreUnknown bool

	// Weighting records how the catalog's weights were obtained, for the
	// model card; the zero value means given by hand. Its CR must be
	// finite and non-negative.
	Weighting Weighting
}

// fitted is the per-indicator state fixed at fit time, in the transformed
// (log) scale.
type fitted struct {
	Lo, Hi     float64   // winsorising bounds = min-max reference bounds
	Mean, SD   float64   // of the winsorised values (ZScore; 0 otherwise)
	Grid       []float64 // 101 percentiles of the winsorised values (PercentileRank)
	MedianT    float64   // median in the transformed scale
	Median     float64   // raw-scale median, the imputed value
	ImputeNorm float64   // normalised (and direction-applied) median
}

// Model is a fitted value model. It is immutable and safe for concurrent
// use. It marshals to JSON and back exactly ([Model.MarshalJSON]).
type Model struct {
	spec Settings // with defaults applied and weights normalised
	card cvm.ModelCard
	fit  []fitted
	gw   []float64 // global weight of each indicator within its dimension
	dim  []uint8   // 0 current, 1 potential, per indicator
	cost []bool
	aff  []affine    // per indicator: the min-max map as off + scale*x
	rank []*rankGrid // per indicator: the percentile grid prepared for prank; nil unless PercentileRank
	pts  []float64   // per indicator: 100 * gw / wdim, its points per unit of normalised value
	wdim [2]float64  // total global weight of each dimension
	a    float64     // weight of current in Total

	cutC, cutP float64   // quadrant cuts on the 0..100 scale
	tierCuts   []float64 // tier k+1 when Total > tierCuts[k]; len = tiers-1
}

// Card returns the model's card (in fresh memory): the library version,
// the number of customers it was fitted on, a fingerprint of the fitted
// reference statistics, and the quality figures "indicators" (the number of
// indicators) and, when the weights came from AHP, "ahp_cr" (the largest
// consistency ratio, from [Settings.Weighting]).
func (m *Model) Card() cvm.ModelCard {
	c := m.card
	if c.Quality != nil {
		c.Quality = maps.Clone(c.Quality)
	}
	return c
}

// Weighting returns how the model's catalog weights were obtained, as
// given in [Settings.Weighting] at fit time.
func (m *Model) Weighting() Weighting { return m.spec.Weighting }

// Catalog returns a copy of the model's catalog, with normalised weights.
func (m *Model) Catalog() Catalog { return m.spec.Catalog.Clone() }

// CutRule returns the rule that fixed the value-matrix cuts and, for
// CutConcentration, the share of the summed scores the high customers
// hold (0 for the other rules).
func (m *Model) CutRule() (CutRule, float64) { return m.spec.Cut, m.spec.CutShare }

// Cuts returns the value-matrix cuts of the current and potential scores;
// a score above the cut (strictly) is high.
func (m *Model) Cuts() (current, potential float64) { return m.cutC, m.cutP }

// TierCuts returns the cut of each tier but the last, top tier first, in
// fresh memory: a customer is in the first tier whose cut its total
// exceeds (strictly), else in the last tier.
func (m *Model) TierCuts() []float64 { return slices.Clone(m.tierCuts) }

// Weight returns the global weight of indicator id within its dimension
// (group weight times indicator weight) and whether the model has it.
func (m *Model) Weight(id string) (float64, bool) {
	k := m.spec.Catalog.Index(id)
	if k < 0 {
		return 0, false
	}
	return m.gw[k], true
}

// Score is one customer's result.
type Score struct {
	Customer  string   // customer ID
	Current   float64  // current value score, 0..100
	Potential float64  // potential value score, 0..100
	Total     float64  // combined score, 0..100
	Quadrant  Quadrant // cell of the value matrix
	Tier      Tier     // level in the customer pyramid, 1 = top
	Imputed   int      // number of missing values imputed (MissingImpute)
	Dropped   int      // number of missing values left out (MissingDrop)
}

func checkSum(id string, sum float64, normalize bool) error {
	if sum == 0 {
		return &WeightError{ID: id, Weight: 0, Err: ErrWeightSum}
	}
	if !normalize && math.Abs(sum-1) > 1e-6 {
		return &WeightError{ID: id, Weight: sum, Err: ErrWeightSum}
	}
	return nil
}

// prepare applies defaults, validates and normalises the spec.
func (s Settings) prepare() (Settings, error) {
	if len(s.Catalog.Indicators) == 0 {
		s.Catalog = DefaultCatalog()
	} else {
		s.Catalog = s.Catalog.Clone()
	}
	if err := s.Catalog.Validate(); err != nil {
		return s, err
	}
	c := &s.Catalog
	// Indicator weights within each group.
	for g := range c.Groups {
		gid := c.Groups[g].ID
		sum, n := 0.0, 0
		for _, ind := range c.Indicators {
			if ind.Group == gid {
				sum += ind.Weight
				n++
			}
		}
		if n == 0 {
			continue
		}
		if err := checkSum("group "+gid, sum, s.NormalizeWeights); err != nil {
			return s, err
		}
		for i := range c.Indicators {
			if c.Indicators[i].Group == gid {
				c.Indicators[i].Weight /= sum
			}
		}
	}
	// Group weights within each dimension (only groups with indicators).
	for _, d := range []Dimension{CurrentValue, PotentialValue} {
		sum := 0.0
		for _, g := range c.Groups {
			if g.Dimension == d && groupUsed(c, g.ID) {
				sum += g.Weight
			}
		}
		if err := checkSum("dimension "+d.String(), sum, s.NormalizeWeights); err != nil {
			return s, err
		}
		for g := range c.Groups {
			if c.Groups[g].Dimension == d {
				c.Groups[g].Weight /= sum
			}
		}
	}
	for _, v := range []float64{s.CurrentWeight, s.PotentialWeight} {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return s, &WeightError{ID: "dimension", Weight: v, Err: ErrBadWeight}
		}
	}
	if s.CurrentWeight == 0 && s.PotentialWeight == 0 {
		s.CurrentWeight, s.PotentialWeight = 0.5, 0.5
	}
	sum := s.CurrentWeight + s.PotentialWeight
	s.CurrentWeight, s.PotentialWeight = s.CurrentWeight/sum, s.PotentialWeight/sum
	if s.Missing > MissingDrop {
		return s, fmt.Errorf("value: unknown missing policy %d", s.Missing)
	}
	if s.Aggregation > TOPSIS {
		return s, fmt.Errorf("value: unknown aggregation %d", s.Aggregation)
	}
	if s.Cut > CutFixed {
		return s, fmt.Errorf("value: unknown cut rule %d", s.Cut)
	}
	if s.Cut == CutConcentration {
		if s.CutShare == 0 {
			s.CutShare = 0.5
		}
		if !(s.CutShare > 0 && s.CutShare <= 1) {
			return s, fmt.Errorf("value: cut share %g not in (0, 1]", s.CutShare)
		}
	} else {
		s.CutShare = 0
	}
	if w := s.Weighting.CR; !(w >= 0) || math.IsInf(w, 0) {
		return s, fmt.Errorf("value: weighting CR %g is not finite and non-negative", w)
	}
	if s.Cut == CutFixed {
		for _, v := range []float64{s.CurrentCut, s.PotentialCut} {
			if !(v >= 0 && v <= 100) {
				return s, fmt.Errorf("value: fixed cut %g outside 0..100", v)
			}
		}
	}
	if s.TierShares == nil {
		s.TierShares = DefaultTierShares
	}
	if len(s.TierShares) == 0 || len(s.TierShares) > 255 {
		return s, fmt.Errorf("value: %d tier shares, need 1..255", len(s.TierShares))
	}
	sum = 0
	for _, v := range s.TierShares {
		if !(v > 0) || math.IsInf(v, 0) {
			return s, &WeightError{ID: "tier share", Weight: v, Err: ErrBadWeight}
		}
		sum += v
	}
	shares := make([]float64, len(s.TierShares))
	for i, v := range s.TierShares {
		shares[i] = v / sum
	}
	s.TierShares = shares
	return s, nil
}

func groupUsed(c *Catalog, gid string) bool {
	for _, ind := range c.Indicators {
		if ind.Group == gid {
			return true
		}
	}
	return false
}

// columns maps each catalog indicator to its table column.
func (s *Settings) columns(t IndicatorTable) ([]int, error) {
	cols := make([]int, len(s.Catalog.Indicators))
	for k, ind := range s.Catalog.Indicators {
		cols[k] = -1
		for j, id := range t.IDs {
			if id == ind.ID {
				cols[k] = j
				break
			}
		}
		if cols[k] < 0 {
			return nil, &IndicatorError{ID: ind.ID, Err: ErrMissingID}
		}
	}
	if !s.IgnoreUnknown {
		for _, id := range t.IDs {
			if s.Catalog.Index(id) < 0 {
				return nil, &IndicatorError{ID: id, Err: ErrUnknownID}
			}
		}
	}
	return cols, nil
}

// Fit fixes the model's reference bounds, imputation medians, value-matrix
// cuts and tier cuts on the customers of t, and returns the fitted model,
// whose [Model.Card] records the number of customers and a fingerprint of
// the fitted statistics. A nil s means the default [Settings].
//
// t must hold every catalog indicator; see [IndicatorTable] for its rules.
// NaN values are missing: they are left out of the reference statistics
// and handled by s.Missing when the fit data are scored for the cuts. An
// indicator with no non-missing value is an error wrapping [ErrMissing].
// Duplicate customers, infinite values, unknown columns and bad weights
// are errors naming the thing. Fitting runs on up to GOMAXPROCS goroutines
// with a result independent of their number; it returns ctx's error when
// ctx is cancelled. Fit does not modify t.
func Fit(ctx context.Context, t IndicatorTable, s *Settings) (*Model, error) {
	if s == nil {
		s = &Settings{}
	}
	set, err := s.prepare()
	if err != nil {
		return nil, err
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	cols, err := set.columns(t)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m := newModel(set)
	inds := set.Catalog.Indicators
	errs := make([]error, len(inds))
	counts := make([]int, len(inds))
	bufs := make([]sortBuf, parallel.Workers())
	parallel.Chunks(len(inds), 1, func(w, lo, hi int) {
		for k := lo; k < hi; k++ {
			if ctx.Err() == nil {
				m.fit[k], counts[k], errs[k] = fitIndicator(inds[k], t.Columns[cols[k]], &bufs[w])
			}
		}
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for k, e := range errs {
		if e != nil {
			return nil, &IndicatorError{ID: inds[k].ID, Err: e}
		}
	}
	m.finish()
	// Score the fit data to fix the cuts.
	scores := make([]Score, t.Len())
	if err := m.score(ctx, t, cols, scores, false); err != nil {
		return nil, err
	}
	cur := make([]float64, len(scores))
	pot := make([]float64, len(scores))
	tot := make([]float64, len(scores))
	for i, sc := range scores {
		cur[i], pot[i], tot[i] = sc.Current, sc.Potential, sc.Total
	}
	cut := func(x []float64, fixed float64, buf *sortBuf) float64 {
		switch set.Cut {
		case CutConcentration:
			return concentrationCut(x, set.CutShare, buf)
		case CutMedian:
			return quantileSelect(x, 0.5)
		case CutMean:
			return mean(x, buf)
		}
		return fixed
	}
	ps := make([]float64, len(set.TierShares)-1)
	cum := 0.0
	for k := range ps {
		cum += set.TierShares[k]
		ps[k] = math.Max(0, 1-cum)
	}
	// The two cuts and the tier cuts (each sorting or selecting its own
	// slice) at the same time, the sorts in the fit's buffers.
	parallel.Chunks(3, 1, func(w, lo, hi int) {
		for j := lo; j < hi; j++ {
			switch j {
			case 0:
				m.cutC = cut(cur, set.CurrentCut, &bufs[w])
			case 1:
				m.cutP = cut(pot, set.PotentialCut, &bufs[w])
			default:
				m.tierCuts = quantilesSelect(tot, ps...)
			}
		}
	})
	// Quantiles of decreasing p from rounded cumulative shares are
	// non-increasing; enforce it against rounding.
	for k := 1; k < len(m.tierCuts); k++ {
		m.tierCuts[k] = min(m.tierCuts[k], m.tierCuts[k-1])
	}
	m.card = fitCard(m, t.Len(), counts)
	return m, nil
}

// fitCard fills the model card of a freshly fitted model: customers, a
// fingerprint of what it was fitted on and the quality figures. The
// fingerprint covers the number of customers and, per indicator, the
// number of non-missing values and the fitted quantiles (bounds and
// median), which depend only on the values, not on their order; the mean
// and SD are left out because their sums round differently when the rows
// are shuffled.
func fitCard(m *Model, customers int, counts []int) cvm.ModelCard {
	card := cvm.NewModelCard()
	card.Customers = customers
	figs := []float64{float64(customers), float64(len(m.fit))}
	for k, f := range m.fit {
		figs = append(figs, float64(counts[k]), f.Lo, f.Hi, f.MedianT)
	}
	card.Fingerprint = cvm.Fingerprint(figs...)
	card.SetQuality("indicators", float64(len(m.fit)))
	if w := m.spec.Weighting; strings.Contains(w.Method, "ahp") {
		card.SetQuality("ahp_cr", w.CR)
	}
	return card
}

// affine is an indicator's normalisation as a clamped affine map of the
// (transformed) value, when it is min-max with distinct bounds.
type affine struct {
	ok         bool
	log, cost  bool
	off, scale float64
}

// finish computes the derived per-indicator state once the fitted bounds
// are known.
func (m *Model) finish() {
	m.aff = make([]affine, len(m.fit))
	m.rank = make([]*rankGrid, len(m.fit))
	m.pts = make([]float64, len(m.fit))
	m.wdim = [2]float64{}
	for k, f := range m.fit {
		ind := &m.spec.Catalog.Indicators[k]
		af := affine{log: ind.Norm.Log, cost: m.cost[k]}
		if ind.Norm.Method == MinMax && f.Hi > f.Lo {
			inv := 1 / (f.Hi - f.Lo)
			af.ok = true
			if af.cost {
				af.off, af.scale = f.Hi*inv, -inv
			} else {
				af.off, af.scale = -f.Lo*inv, inv
			}
		}
		m.aff[k] = af
		m.wdim[m.dim[k]] += m.gw[k]
		if ind.Norm.Method == PercentileRank {
			m.rank[k] = newRankGrid(f.Grid)
		}
	}
	// Explain's Weight (gw / the dimension's weight sum, in catalog order
	// as wdim) times 100, as its Points compute it.
	for k := range m.fit {
		m.pts[k] = 100 * (m.gw[k] / m.wdim[m.dim[k]])
	}
}

func newModel(s Settings) *Model {
	n := len(s.Catalog.Indicators)
	m := &Model{spec: s, fit: make([]fitted, n), gw: make([]float64, n), dim: make([]uint8, n), cost: make([]bool, n), a: s.CurrentWeight}
	gweight := make(map[string]float64, len(s.Catalog.Groups))
	for _, g := range s.Catalog.Groups {
		gweight[g.ID] = g.Weight
	}
	for k, ind := range s.Catalog.Indicators {
		m.gw[k] = gweight[ind.Group] * ind.Weight
		if ind.Dimension == PotentialValue {
			m.dim[k] = 1
		}
		m.cost[k] = ind.Direction == Cost
	}
	return m
}

// concentrationCut returns the cut above which the fewest top scores of x
// hold at least share of their sum: with x sorted in decreasing order and
// k the first index at which the running sum reaches share * sum, the cut
// is the largest score below x[k], or x[k] itself when none is below (then
// exactly the scores above x[k] are high). A zero sum gives 0. It sorts x;
// the sums run in sorted order, so the cut does not depend on the order of x.
//
// buf is sortFloats' scratch memory (nil for fresh memory).
func concentrationCut(x []float64, share float64, buf *sortBuf) float64 {
	sortFloats(x, buf)
	total := 0.0
	for _, v := range x {
		total += v
	}
	if !(total > 0) {
		return 0
	}
	run := 0.0
	for k := len(x) - 1; k >= 0; k-- {
		run += x[k]
		if run >= share*total {
			j := k
			for j >= 0 && x[j] == x[k] {
				j--
			}
			if j < 0 {
				return x[k]
			}
			return x[j]
		}
	}
	return x[0]
}

// mean returns the mean of x, summed in sorted order so that it does not
// depend on the order of x; it sorts x, with buf as sortFloats' scratch
// memory (nil for fresh memory).
func mean(x []float64, buf *sortBuf) float64 {
	sortFloats(x, buf)
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// slog is the signed log transform sign(x) * ln(1 + |x|).
// For |x| >= 1e-3 it computes ln(1 + |x|) with lnNormal, whose rounding
// error is then negligible, because math.Log1p is much slower; an infinite
// |x| gives an infinite result.
func slog(x float64) float64 {
	if x < 0 {
		if x <= -1e-3 {
			if x < -math.MaxFloat64 {
				return math.Inf(-1)
			}
			return -lnNormal(1 - x)
		}
		return -math.Log1p(-x)
	}
	if x >= 1e-3 {
		if x > math.MaxFloat64 {
			return math.Inf(1)
		}
		return lnNormal(1 + x)
	}
	return math.Log1p(x)
}

// fitIndicator fits the reference statistics of one indicator and returns
// them with the number of non-missing values.
//
// buf, when not nil, is the memory of the transformed values and of the
// sort, reused from call to call by one goroutine (a million customers
// need 24 MB, which a fit of 15 indicators would otherwise allocate 15
// times, each time bringing the collector nearer); nil means fresh memory.
func fitIndicator(ind Indicator, col []float64, buf *sortBuf) (fitted, int, error) {
	if buf == nil {
		buf = &sortBuf{}
	}
	if cap(buf.v) < len(col) {
		buf.v = make([]float64, 0, len(col))
	}
	v := buf.v[:0]
	for _, x := range col {
		if x == x {
			if ind.Norm.Log {
				x = slog(x)
			}
			v = append(v, x)
		}
	}
	if len(v) == 0 {
		return fitted{}, 0, fmt.Errorf("%w: no non-missing value to fit", ErrMissing)
	}
	// The percentile grid needs the sorted values, and so do the moments
	// of ZScore, so that their sums do not depend on the order of the rows;
	// MinMax needs only the bounds and the median, and selection is several
	// times faster than sorting.
	pl, ph := ind.Norm.bounds()
	var lo, hi, med float64
	if ind.Norm.Method != MinMax {
		sortFloats(v, buf)
		lo, hi, med = num.QuantileSorted(v, pl), num.QuantileSorted(v, ph), num.QuantileSorted(v, 0.5)
	} else {
		q := quantilesSelect(v, pl, ph, 0.5)
		lo, hi, med = q[0], q[1], q[2]
	}
	// Winsorise (in place: v is ours, and stays sorted) for the moments and
	// the grid. Only ZScore uses the moments; they are 0 otherwise.
	var mu, sd float64
	if ind.Norm.Method == ZScore {
		s := 0.0
		for i, x := range v {
			x = min(max(x, lo), hi)
			v[i] = x
			s += x
		}
		mu = s / float64(len(v))
		ss := 0.0
		for _, x := range v {
			ss += (x - mu) * (x - mu)
		}
		sd = math.Sqrt(ss / float64(len(v)))
	} else if ind.Norm.Method == PercentileRank {
		for i, x := range v {
			v[i] = min(max(x, lo), hi)
		}
	}
	var grid []float64
	if ind.Norm.Method == PercentileRank {
		grid = make([]float64, 101)
		for p := range grid {
			grid[p] = num.QuantileSorted(v, float64(p)/100)
		}
	}
	return newFitted(ind, lo, hi, mu, sd, med, grid), len(v), nil
}

// newFitted assembles the fitted state of ind; med is the median in the
// transformed scale. Fit and UnmarshalJSON both use it, so a decoded model
// is bit for bit the fitted one.
func newFitted(ind Indicator, lo, hi, mu, sd, med float64, grid []float64) fitted {
	f := fitted{Lo: lo, Hi: hi, Mean: mu, SD: sd, MedianT: med, Median: med, Grid: grid}
	if ind.Norm.Log {
		if med < 0 {
			f.Median = -math.Expm1(-med)
		} else {
			f.Median = math.Expm1(med)
		}
	}
	f.ImputeNorm = normalize(ind.Norm.Method, &f, med, ind.Direction == Cost)
	return f
}

// normalize maps a transformed value onto [0, 1].
func normalize(method NormMethod, f *fitted, x float64, cost bool) float64 {
	var r float64
	switch method {
	case MinMax:
		r = minmax(x, f.Lo, f.Hi)
	case ZScore:
		x = min(max(x, f.Lo), f.Hi)
		if f.SD > 0 {
			r = 0.5 * math.Erfc(-(x-f.Mean)/(f.SD*math.Sqrt2))
		} else {
			r = step(x, f.Mean)
		}
	case PercentileRank:
		r = prank(x, f.Grid)
	}
	if cost {
		r = 1 - r
	}
	return r
}

// step is the normalisation against a constant reference: 0 below, 1/2 at,
// 1 above it.
func step(x, c float64) float64 {
	switch {
	case x < c:
		return 0
	case x > c:
		return 1
	}
	return 0.5
}

func minmax(x, lo, hi float64) float64 {
	if hi > lo {
		r := (x - lo) / (hi - lo)
		return min(max(r, 0), 1)
	}
	return step(x, lo)
}

// prank returns the percentile rank of x on the grid of 101 percentiles,
// interpolating linearly between grid points and taking the middle of a run
// of equal grid points. x must not be NaN; g is sorted.
func prank(x float64, g []float64) float64 {
	n := len(g) - 1
	if x < g[0] {
		return 0
	}
	if x > g[n] {
		return 1
	}
	lo := lowerBound(g, x)
	if g[lo] == x {
		hi := lo
		for hi < n && g[hi+1] == x {
			hi++
		}
		return float64(lo+hi) / float64(2*n)
	}
	// g[lo-1] < x < g[lo]
	return (float64(lo-1) + (x-g[lo-1])/(g[lo]-g[lo-1])) / float64(n)
}

// lowerBound returns the first index i of the sorted g with g[i] >= x
// (len(g) when there is none), for a non-NaN x, as slices.BinarySearch
// does. The search halves a window of fixed length without a branch on
// the data, so that the compiler can use conditional moves: on random
// values a binary search mispredicts about half its branches.
func lowerBound(g []float64, x float64) int {
	base, n := 0, len(g)
	if n == 0 {
		return 0
	}
	for n > 1 {
		half := n / 2
		if g[base+half-1] < x {
			base += half
		}
		n -= half
	}
	if g[base] < x {
		base++
	}
	return base
}

// rankGrid is a fitted percentile grid of 101 points prepared for prank:
// eq[i] is the rank of a value equal to g[i] when g[i] starts a run of
// equal points, prank's middle of the run, so that a value on a grid
// point costs no scan of its run. The arrays have 128 entries (the last
// 27 unused) so that an index masked by 127 needs no bounds check.
type rankGrid struct {
	g  [128]float64
	eq [128]float64
}

// newRankGrid prepares g, which has 101 points (a fitted or decoded grid).
// The unused entries of rg.g are +Inf.
func newRankGrid(g []float64) *rankGrid {
	rg := &rankGrid{}
	copy(rg.g[:101], g)
	for i := 101; i < len(rg.g); i++ {
		rg.g[i] = math.Inf(1)
	}
	const n = 100
	for lo := range 101 {
		hi := lo
		for hi < n && rg.g[hi+1] == rg.g[lo] {
			hi++
		}
		rg.eq[lo] = float64(lo+hi) / float64(2*n)
	}
	return rg
}

// b2i is 1 for true and 0 for false; the compiler makes it a conditional
// move.
func b2i(c bool) int {
	var i int
	if c {
		i = 1
	}
	return i
}

// at is prank(x, g[:101]), bit for bit, for a non-NaN x. The lower bound
// (the first point >= x) takes eight steps that halve a window of the 101
// points (101, 51, 26, 13, 7, 4, 2, 1 long) by conditional moves instead
// of branches: on spread values a binary search mispredicts about half
// its branches, and without them the searches of consecutive values
// overlap. The window [b, b+n) holds the answer; a step whose probe
// g[b+half-1] is below x drops the lower half. A value on a grid point
// takes the run's rank from eq.
func (rg *rankGrid) at(x float64) float64 {
	g := &rg.g
	if x < g[0] {
		return 0
	}
	if x > g[100] {
		return 1
	}
	b := 50 * b2i(g[49] < x)
	b += 25 * b2i(g[(b+24)&127] < x)
	b += 13 * b2i(g[(b+12)&127] < x)
	b += 6 * b2i(g[(b+5)&127] < x)
	b += 3 * b2i(g[(b+2)&127] < x)
	b += 2 * b2i(g[(b+1)&127] < x)
	b += b2i(g[b&127] < x)
	b += b2i(g[b&127] < x)
	// g[0] <= x <= g[100], so 0 <= b <= 100, and b > 0 unless x == g[0].
	b &= 127
	if g[b] == x {
		return rg.eq[b]
	}
	// g[b-1] < x < g[b]
	return (float64(b-1) + (x-g[(b-1)&127])/(g[b]-g[(b-1)&127])) / 100
}

// sel returns a if c and b otherwise, by a conditional move on the bits
// (the compiler has no branch-free select of floats).
func sel(c bool, a, b float64) float64 {
	m := -uint64(b2i(c))
	ab, bb := math.Float64bits(a), math.Float64bits(b)
	return math.Float64frombits(bb ^ (ab^bb)&m)
}

// at4 sets r[j] = rg.at(x[j]) for four non-NaN values, bit for bit,
// without a branch on the data: the four searches run interleaved (each
// step of one overlaps the others'), every candidate result is computed
// and the right one selected. The interpolation of a value on a grid
// point or outside the grid reads a neighbour that may be an unused +Inf
// entry (index 127 for -1, 101 above the grid) and gives NaN or garbage,
// which is never selected.
func (rg *rankGrid) at4(r *[4]float64, x *[4]float64) {
	g := &rg.g
	x0, x1, x2, x3 := x[0], x[1], x[2], x[3]
	b0 := 50 * b2i(g[49] < x0)
	b1 := 50 * b2i(g[49] < x1)
	b2 := 50 * b2i(g[49] < x2)
	b3 := 50 * b2i(g[49] < x3)
	for _, h := range [...]int{25, 13, 6, 3, 2, 1} {
		b0 += h * b2i(g[(b0+h-1)&127] < x0)
		b1 += h * b2i(g[(b1+h-1)&127] < x1)
		b2 += h * b2i(g[(b2+h-1)&127] < x2)
		b3 += h * b2i(g[(b3+h-1)&127] < x3)
	}
	b0 += b2i(g[b0&127] < x0)
	b1 += b2i(g[b1&127] < x1)
	b2 += b2i(g[b2&127] < x2)
	b3 += b2i(g[b3&127] < x3)
	r[0] = rg.pick(b0&127, x0)
	r[1] = rg.pick(b1&127, x1)
	r[2] = rg.pick(b2&127, x2)
	r[3] = rg.pick(b3&127, x3)
}

// pick is at's result for x given the lower bound b, by selection.
func (rg *rankGrid) pick(b int, x float64) float64 {
	g := &rg.g
	lo := g[(b-1)&127]
	r := (float64(b-1) + (x-lo)/(g[b]-lo)) / 100
	r = sel(g[b] == x, rg.eq[b], r)
	r = sel(x < g[0], 0, r)
	return sel(x > g[100], 1, r)
}

// FitByType fits one model per customer type, each with its own settings
// (and so its own indicator set and weights): types[i] is the type of
// customer t.Customers[i]. A customer whose type has no settings is a
// [DataError] naming it; settings with no customers are an error naming
// the type; a nil *Settings in s means the defaults. Use IgnoreUnknown in
// settings whose catalog has fewer indicators than t. Score each type's
// rows ([IndicatorTable.Rows]) with its model. It panics if types and
// t.Customers differ in length, and returns ctx's error when ctx is
// cancelled.
func FitByType(ctx context.Context, t IndicatorTable, types []string, s map[string]*Settings) (map[string]*Model, error) {
	if len(types) != t.Len() {
		panic("value: FitByType: types and customers differ in length")
	}
	rows := map[string][]int{}
	for i, ty := range types {
		if _, ok := s[ty]; !ok {
			return nil, &DataError{Index: i, Customer: t.Customers[i], Err: fmt.Errorf("%w: customer type %q has no settings", ErrUnknownID, ty)}
		}
		rows[ty] = append(rows[ty], i)
	}
	out := make(map[string]*Model, len(s))
	for _, ty := range slices.Sorted(maps.Keys(s)) {
		if len(rows[ty]) == 0 {
			return nil, fmt.Errorf("%w: no customers of type %q", ErrEmptyInput, ty)
		}
		m, err := Fit(ctx, t.Rows(rows[ty]), s[ty])
		if err != nil {
			return nil, fmt.Errorf("customer type %q: %w", ty, err)
		}
		out[ty] = m
	}
	return out, nil
}
