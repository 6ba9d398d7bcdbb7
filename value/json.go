package value

import (
	"encoding/json"
	"fmt"
	"github.com/cvmkit/cvm/internal/num"
	"math"
	"slices"
)

// ModelFormat and ModelVersion identify the JSON encoding of a [Model]. A
// decoder accepts only this format and a version it knows.
const (
	ModelFormat  = "cvm.value.Model"
	ModelVersion = 1
)

type enumText interface{ String() string }

func marshalEnum(v enumText, names []string) ([]byte, error) {
	s := v.String()
	if !slices.Contains(names, s) {
		return nil, fmt.Errorf("value: cannot marshal %s", s)
	}
	return []byte(s), nil
}

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
	splitNames  = []string{"median", "mean", "fixed"}
)

// MarshalText returns "current" or "potential"; any other value is an error.
func (d Dimension) MarshalText() ([]byte, error) { return marshalEnum(d, dimNames[1:]) }

// UnmarshalText parses "current" or "potential".
func (d *Dimension) UnmarshalText(b []byte) error {
	i, err := unmarshalEnum(b, dimNames[1:], "dimension")
	*d = Dimension(i + 1)
	return err
}

// MarshalText returns "benefit" or "cost".
func (d Direction) MarshalText() ([]byte, error) { return marshalEnum(d, dirNames) }

// UnmarshalText parses "benefit" or "cost".
func (d *Direction) UnmarshalText(b []byte) error {
	i, err := unmarshalEnum(b, dirNames, "direction")
	*d = Direction(i)
	return err
}

// MarshalText returns "minmax", "zscore" or "percentile".
func (m NormMethod) MarshalText() ([]byte, error) { return marshalEnum(m, normNames) }

// UnmarshalText parses "minmax", "zscore" or "percentile".
func (m *NormMethod) UnmarshalText(b []byte) error {
	i, err := unmarshalEnum(b, normNames, "normalisation")
	*m = NormMethod(i)
	return err
}

// MarshalText returns "error", "impute" or "drop".
func (p MissingPolicy) MarshalText() ([]byte, error) { return marshalEnum(p, policyNames) }

// UnmarshalText parses "error", "impute" or "drop".
func (p *MissingPolicy) UnmarshalText(b []byte) error {
	i, err := unmarshalEnum(b, policyNames, "missing policy")
	*p = MissingPolicy(i)
	return err
}

// MarshalText returns "weighted-sum" or "topsis".
func (a Aggregation) MarshalText() ([]byte, error) { return marshalEnum(a, aggNames) }

// UnmarshalText parses "weighted-sum" or "topsis".
func (a *Aggregation) UnmarshalText(b []byte) error {
	i, err := unmarshalEnum(b, aggNames, "aggregation")
	*a = Aggregation(i)
	return err
}

// MarshalText returns "median", "mean" or "fixed".
func (s Split) MarshalText() ([]byte, error) { return marshalEnum(s, splitNames) }

// UnmarshalText parses "median", "mean" or "fixed".
func (s *Split) UnmarshalText(b []byte) error {
	i, err := unmarshalEnum(b, splitNames, "split")
	*s = Split(i)
	return err
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
	Format          string        `json:"format"`
	Version         int           `json:"version"`
	Catalog         Catalog       `json:"catalog"`
	CurrentWeight   float64       `json:"current_weight"`
	PotentialWeight float64       `json:"potential_weight"`
	Missing         MissingPolicy `json:"missing"`
	Aggregation     Aggregation   `json:"aggregation"`
	Split           Split         `json:"split"`
	CurrentCut      float64       `json:"current_cut"`
	PotentialCut    float64       `json:"potential_cut"`
	TierShares      []float64     `json:"tier_shares"`
	TierCuts        []float64     `json:"tier_cuts"`
	IgnoreUnknown   bool          `json:"ignore_unknown,omitempty"`
	Fitted          []fittedJSON  `json:"fitted"`
}

// MarshalJSON encodes the fitted model (catalog with normalised weights,
// settings, reference bounds, cuts) as one JSON object with "format" and
// "version" fields. Decoding it with [Model.UnmarshalJSON] gives a model
// that scores bit for bit the same.
func (m *Model) MarshalJSON() ([]byte, error) {
	j := modelJSON{
		Format: ModelFormat, Version: ModelVersion,
		Catalog:       m.spec.Catalog,
		CurrentWeight: m.spec.CurrentWeight, PotentialWeight: m.spec.PotentialWeight,
		Missing: m.spec.Missing, Aggregation: m.spec.Aggregation, Split: m.spec.Split,
		CurrentCut: m.cutC, PotentialCut: m.cutP,
		TierShares: m.spec.TierShares, TierCuts: m.tierCuts,
		IgnoreUnknown: m.spec.IgnoreUnknown,
		Fitted:        make([]fittedJSON, len(m.fit)),
	}
	for k, f := range m.fit {
		j.Fitted[k] = fittedJSON{ID: m.spec.Catalog.Indicators[k].ID, Lo: f.Lo, Hi: f.Hi, Mean: f.Mean, SD: f.SD, Median: f.MedianT, Grid: f.Grid}
	}
	return json.Marshal(j)
}

func finite(v ...float64) bool {
	for _, x := range v {
		if !num.Finite(x) {
			return false
		}
	}
	return true
}

// UnmarshalJSON decodes a model written by [Model.MarshalJSON]. It checks
// the format and version (an error wrapping [ErrFormat] otherwise) and
// everything scoring relies on: a valid catalog whose weights sum to 1
// within 1e-9 per group and dimension, one finite fitted record per
// indicator in catalog order, ordered bounds, sorted percentile grids and
// consistent tier cuts. On error m is unchanged.
func (m *Model) UnmarshalJSON(b []byte) error {
	var j modelJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	if j.Format != ModelFormat || j.Version != ModelVersion {
		return fmt.Errorf("%w: format %q version %d (want %q version %d)", ErrFormat, j.Format, j.Version, ModelFormat, ModelVersion)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrFormat, fmt.Sprintf(format, args...))
	}
	s := Spec{Catalog: j.Catalog, CurrentWeight: j.CurrentWeight, PotentialWeight: j.PotentialWeight,
		Missing: j.Missing, Aggregation: j.Aggregation, Split: j.Split, CurrentCut: j.CurrentCut, PotentialCut: j.PotentialCut,
		TierShares: j.TierShares, IgnoreUnknown: j.IgnoreUnknown}
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
	if !finite(j.CurrentCut, j.PotentialCut) {
		return bad("cuts %g, %g", j.CurrentCut, j.PotentialCut)
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
		if !finite(v) || (k > 0 && v > j.TierCuts[k-1]) {
			return bad("tier cuts %v not finite and decreasing", j.TierCuts)
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
	*m = *nm
	return nil
}
