package value

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/cvmkit/cvm/internal/envelope"
	"github.com/cvmkit/cvm/internal/num"
)

// ModelFormat and ModelVersion identify the JSON encoding of a [Model]: the
// "format" and "version" fields of its envelope. A decoder accepts only
// this format and version; another is a *[cvm.FormatError] naming both.
const (
	ModelFormat  = "cvm.value.model"
	ModelVersion = 2
)

type enumText interface{ String() string }

func marshalEnum(v enumText, names []string) ([]byte, error) {
	s := v.String()
	if !slices.Contains(names, s) {
		return nil, fmt.Errorf("value: cannot marshal %s", s)
	}
	return []byte(s), nil
}

// unmarshalEnum returns the index of b in names, or an error naming b and
// the accepted names.
func unmarshalEnum(b []byte, names []string, kind string) (int, error) {
	i := slices.Index(names, string(b))
	if i < 0 {
		return 0, fmt.Errorf("value: unknown %s %q (want one of %v)", kind, b, names)
	}
	return i, nil
}

var (
	dimNames    = []string{"", "current", "potential"}
	dirNames    = []string{"benefit", "cost"}
	normNames   = []string{"minmax", "zscore", "percentile"}
	policyNames = []string{"error", "impute", "drop"}
	aggNames    = []string{"weighted-sum", "topsis"}
	cutNames    = []string{"concentration", "median", "mean", "fixed"}
)

// MarshalText returns "current" or "potential"; any other value is an error.
func (d Dimension) MarshalText() ([]byte, error) { return marshalEnum(d, dimNames[1:]) }

// UnmarshalText parses "current" or "potential"; on error d is unchanged.
func (d *Dimension) UnmarshalText(b []byte) error {
	i, err := unmarshalEnum(b, dimNames[1:], "dimension")
	if err == nil {
		*d = Dimension(i + 1)
	}
	return err
}

// MarshalText returns "benefit" or "cost"; any other value is an error.
func (d Direction) MarshalText() ([]byte, error) { return marshalEnum(d, dirNames) }

// UnmarshalText parses "benefit" or "cost"; on error d is unchanged.
func (d *Direction) UnmarshalText(b []byte) error {
	i, err := unmarshalEnum(b, dirNames, "direction")
	if err == nil {
		*d = Direction(i)
	}
	return err
}

// MarshalText returns "minmax", "zscore" or "percentile"; any other value
// is an error.
func (m NormMethod) MarshalText() ([]byte, error) { return marshalEnum(m, normNames) }

// UnmarshalText parses "minmax", "zscore" or "percentile"; on error m is
// unchanged.
func (m *NormMethod) UnmarshalText(b []byte) error {
	i, err := unmarshalEnum(b, normNames, "normalisation")
	if err == nil {
		*m = NormMethod(i)
	}
	return err
}

// MarshalText returns "error", "impute" or "drop"; any other value is an
// error.
func (p MissingPolicy) MarshalText() ([]byte, error) { return marshalEnum(p, policyNames) }

// UnmarshalText parses "error", "impute" or "drop"; on error p is
// unchanged.
func (p *MissingPolicy) UnmarshalText(b []byte) error {
	i, err := unmarshalEnum(b, policyNames, "missing policy")
	if err == nil {
		*p = MissingPolicy(i)
	}
	return err
}

// MarshalText returns "weighted-sum" or "topsis"; any other value is an
// error.
func (a Aggregation) MarshalText() ([]byte, error) { return marshalEnum(a, aggNames) }

// UnmarshalText parses "weighted-sum" or "topsis"; on error a is
// unchanged.
func (a *Aggregation) UnmarshalText(b []byte) error {
	i, err := unmarshalEnum(b, aggNames, "aggregation")
	if err == nil {
		*a = Aggregation(i)
	}
	return err
}

// MarshalText returns "concentration", "median", "mean" or "fixed"; any
// other value is an error.
func (s CutRule) MarshalText() ([]byte, error) { return marshalEnum(s, cutNames) }

// UnmarshalText parses "concentration", "median", "mean" or "fixed"; on
// error s is unchanged.
func (s *CutRule) UnmarshalText(b []byte) error {
	i, err := unmarshalEnum(b, cutNames, "cut rule")
	if err == nil {
		*s = CutRule(i)
	}
	return err
}

// catalogJSON has Catalog's fields without its methods, for decoding.
type catalogJSON Catalog

// UnmarshalJSON decodes a catalog strictly: an unknown field anywhere in
// it (a misspelt "weight" would otherwise leave the weight 0) and data
// after the object are errors naming them. It does not validate the
// catalog; [Catalog.Validate] and [Fit] do.
func (c *Catalog) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var v catalogJSON
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("value: catalog: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("value: catalog: data after the JSON object")
	}
	*c = Catalog(v)
	return nil
}

type fittedJSON struct {
	ID     string    `json:"id"`
	Lo     float64   `json:"lo"`
	Hi     float64   `json:"hi"`
	Mean   float64   `json:"mean"`
	SD     float64   `json:"sd"`
	Median float64   `json:"median"` // transformed scale
	Grid   []float64 `json:"grid,omitempty"`
}

type modelJSON struct {
	envelope.Header
	Weighting       *Weighting    `json:"weighting,omitempty"`
	Catalog         Catalog       `json:"catalog"`
	CurrentWeight   float64       `json:"current_weight"`
	PotentialWeight float64       `json:"potential_weight"`
	Missing         MissingPolicy `json:"missing"`
	Aggregation     Aggregation   `json:"aggregation"`
	Cut             CutRule       `json:"cut"`
	CurrentCut      float64       `json:"current_cut"`
	PotentialCut    float64       `json:"potential_cut"`
	CutShare        float64       `json:"cut_share,omitempty"`
	TierShares      []float64     `json:"tier_shares"`
	TierCuts        []float64     `json:"tier_cuts"`
	IgnoreUnknown   bool          `json:"ignore_unknown,omitempty"`
	Fitted          []fittedJSON  `json:"fitted"`
}

// MarshalJSON encodes the fitted model (catalog with normalised weights,
// settings, reference bounds, cuts) in the cvm envelope: one JSON object
// with "format" ([ModelFormat]), "version" ([ModelVersion]) and "card"
// ([Model.Card]) fields, and "weighting" when [Settings.Weighting] was
// set. It holds no customer data. Decoding it with [Model.UnmarshalJSON]
// gives a model that scores bit for bit the same.
func (m *Model) MarshalJSON() ([]byte, error) {
	card := m.Card()
	j := modelJSON{
		Header:        envelope.New(ModelFormat, ModelVersion, &card),
		Catalog:       m.spec.Catalog,
		CurrentWeight: m.spec.CurrentWeight, PotentialWeight: m.spec.PotentialWeight,
		Missing: m.spec.Missing, Aggregation: m.spec.Aggregation, Cut: m.spec.Cut,
		CurrentCut: m.cutC, PotentialCut: m.cutP, CutShare: m.spec.CutShare,
		TierShares: m.spec.TierShares, TierCuts: m.tierCuts,
		IgnoreUnknown: m.spec.IgnoreUnknown,
		Fitted:        make([]fittedJSON, len(m.fit)),
	}
	if m.spec.Weighting != (Weighting{}) {
		w := m.spec.Weighting
		j.Weighting = &w
	}
	for k, f := range m.fit {
		j.Fitted[k] = fittedJSON{ID: m.spec.Catalog.Indicators[k].ID, Lo: f.Lo, Hi: f.Hi, Mean: f.Mean, SD: f.SD, Median: f.MedianT, Grid: f.Grid}
	}
	return json.Marshal(j)
}

// inScore reports whether v is on the 0..100 score scale.
func inScore(v float64) bool { return v >= 0 && v <= 100 }

func finite(v ...float64) bool {
	for _, x := range v {
		if !num.Finite(x) {
			return false
		}
	}
	return true
}

// UnmarshalJSON decodes a model written by [Model.MarshalJSON]; it is the
// one way to decode a model (json.Unmarshal calls it). Another format or
// version is a *[cvm.FormatError] naming both; an unknown field anywhere
// or data after the object is an error naming it. It then checks
// everything scoring relies on (an error wrapping [ErrFormat] or naming
// the indicator otherwise): a valid catalog whose weights sum to 1 within
// 1e-9 per group and dimension, dimension weights summing to 1, cuts on
// the 0..100 scale, 1 to 255 tier shares and one fewer finite,
// non-increasing tier cuts, one finite fitted record per indicator in
// catalog order, ordered bounds, a non-negative SD and sorted 101-point
// percentile grids. On error m is unchanged.
func (m *Model) UnmarshalJSON(b []byte) error {
	var j modelJSON
	if err := envelope.Decode("value", b, ModelFormat, ModelVersion, &j); err != nil {
		return err
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrFormat, fmt.Sprintf(format, args...))
	}
	s := Settings{Catalog: j.Catalog, CurrentWeight: j.CurrentWeight, PotentialWeight: j.PotentialWeight,
		Missing: j.Missing, Aggregation: j.Aggregation, Cut: j.Cut, CurrentCut: j.CurrentCut, PotentialCut: j.PotentialCut, CutShare: j.CutShare,
		TierShares: j.TierShares, IgnoreUnknown: j.IgnoreUnknown}
	if j.Weighting != nil {
		if w := j.Weighting.CR; !(w >= 0) || math.IsInf(w, 0) {
			return bad("weighting CR %g", w)
		}
		s.Weighting = *j.Weighting
	}
	if err := s.Catalog.Validate(); err != nil {
		return err
	}
	c := &s.Catalog
	for _, g := range c.Groups {
		sum, n := 0.0, 0
		for _, ind := range c.Indicators {
			if ind.Group == g.ID {
				sum += ind.Weight
				n++
			}
		}
		if n > 0 && math.Abs(sum-1) > 1e-9 {
			return &WeightError{ID: "group " + g.ID, Weight: sum, Err: ErrWeightSum}
		}
	}
	for _, d := range []Dimension{CurrentValue, PotentialValue} {
		sum := 0.0
		for _, g := range c.Groups {
			if g.Dimension == d && groupUsed(c, g.ID) {
				sum += g.Weight
			}
		}
		if math.Abs(sum-1) > 1e-9 {
			return &WeightError{ID: "dimension " + d.String(), Weight: sum, Err: ErrWeightSum}
		}
	}
	if !finite(s.CurrentWeight, s.PotentialWeight) || s.CurrentWeight < 0 || s.PotentialWeight < 0 || math.Abs(s.CurrentWeight+s.PotentialWeight-1) > 1e-9 {
		return bad("dimension weights %g, %g", s.CurrentWeight, s.PotentialWeight)
	}
	if j.Cut > CutFixed {
		return bad("cut rule %d", j.Cut)
	}
	if (j.Cut == CutConcentration) != (j.CutShare != 0) || !(j.CutShare >= 0 && j.CutShare <= 1) {
		return bad("cut share %g for cut rule %v", j.CutShare, j.Cut)
	}
	if !inScore(j.CurrentCut) || !inScore(j.PotentialCut) {
		return bad("cuts %g, %g not in 0..100", j.CurrentCut, j.PotentialCut)
	}
	if len(s.TierShares) == 0 || len(s.TierShares) > 255 || len(j.TierCuts) != len(s.TierShares)-1 {
		return bad("%d tier shares and %d tier cuts", len(s.TierShares), len(j.TierCuts))
	}
	for _, v := range s.TierShares {
		if !(v > 0) || !finite(v) {
			return bad("tier share %g", v)
		}
	}
	for k, v := range j.TierCuts {
		if !inScore(v) || (k > 0 && v > j.TierCuts[k-1]) {
			return bad("tier cuts %v not in 0..100 and non-increasing", j.TierCuts)
		}
	}
	if len(j.Fitted) != len(c.Indicators) {
		return bad("%d fitted records for %d indicators", len(j.Fitted), len(c.Indicators))
	}
	nm := newModel(s)
	for k, fj := range j.Fitted {
		ind := c.Indicators[k]
		if fj.ID != ind.ID {
			return bad("fitted record %d is %q, want %q", k, fj.ID, ind.ID)
		}
		if !finite(fj.Lo, fj.Hi, fj.Mean, fj.SD, fj.Median) || fj.Lo > fj.Hi || fj.SD < 0 {
			return &IndicatorError{ID: ind.ID, Err: bad("fitted bounds")}
		}
		if ind.Norm.Method == PercentileRank {
			if len(fj.Grid) != 101 || !finite(fj.Grid...) || !slices.IsSorted(fj.Grid) {
				return &IndicatorError{ID: ind.ID, Err: bad("percentile grid")}
			}
		} else if fj.Grid != nil {
			return &IndicatorError{ID: ind.ID, Err: bad("percentile grid for %v", ind.Norm.Method)}
		}
		nm.fit[k] = newFitted(ind, fj.Lo, fj.Hi, fj.Mean, fj.SD, fj.Median, fj.Grid)
	}
	nm.finish()
	nm.cutC, nm.cutP = j.CurrentCut, j.PotentialCut
	nm.tierCuts = j.TierCuts
	if j.Card != nil {
		nm.card = *j.Card
	}
	*m = *nm
	return nil
}
