package value

import (
	"fmt"
	"math"
	"slices"
)

// Dimension is the value dimension an indicator measures: current value
// (what the customer is worth to us now) or potential value (what the
// customer could be worth).
type Dimension uint8

// The two value dimensions.
const (
	CurrentValue   Dimension = iota + 1 // what the customer brings now
	PotentialValue                      // what the customer could bring
)

// String returns "current" or "potential".
func (d Dimension) String() string {
	switch d {
	case CurrentValue:
		return "current"
	case PotentialValue:
		return "potential"
	}
	return fmt.Sprintf("Dimension(%d)", uint8(d))
}

// Direction says whether a higher raw value is better (Benefit) or worse
// (Cost) for the customer's value.
type Direction uint8

// The two directions. The zero value is Benefit.
const (
	Benefit Direction = iota // higher is better
	Cost                     // lower is better; the normalised value is inverted
)

// String returns "benefit" or "cost".
func (d Direction) String() string {
	switch d {
	case Benefit:
		return "benefit"
	case Cost:
		return "cost"
	}
	return fmt.Sprintf("Direction(%d)", uint8(d))
}

// NormMethod is how an indicator's raw value is mapped onto [0, 1].
type NormMethod uint8

// The normalisation methods. The zero value is MinMax.
const (
	// MinMax maps [Lo, Hi] (the fitted reference bounds, after winsorising)
	// linearly onto [0, 1] and clamps values outside.
	MinMax NormMethod = iota
	// ZScore maps x to Phi((x - mean) / sd), the standard normal CDF of the
	// fitted z-score, so that it lies in (0, 1).
	ZScore
	// PercentileRank maps x to its rank among the fitted reference values,
	// interpolated on a grid of 101 fitted percentiles.
	PercentileRank
)

// String returns "minmax", "zscore" or "percentile".
func (m NormMethod) String() string {
	switch m {
	case MinMax:
		return "minmax"
	case ZScore:
		return "zscore"
	case PercentileRank:
		return "percentile"
	}
	return fmt.Sprintf("NormMethod(%d)", uint8(m))
}

// Normalization describes how one indicator is normalised. The zero value
// is plain min-max between the fitted minimum and maximum.
type Normalization struct {
	// Method is the mapping onto [0, 1]; the zero value is MinMax.
	Method NormMethod `json:"method"`
	// Log applies sign(x)*log(1+|x|) before anything else, for skewed money
	// and volume indicators; false means none.
	Log bool `json:"log,omitempty"`
	// Lower and Upper are the winsorising percentiles as fractions in
	// [0, 1]: values below the Lower quantile or above the Upper quantile of
	// the fit data are clamped to it. Zero Lower means 0 (no clamping at the
	// bottom); zero Upper means 1 (none at the top).
	Lower float64 `json:"lower,omitempty"`
	Upper float64 `json:"upper,omitempty"`
}

func (n Normalization) bounds() (lo, hi float64) {
	lo, hi = n.Lower, n.Upper
	if hi == 0 {
		hi = 1
	}
	return lo, hi
}

func (n Normalization) validate() error {
	lo, hi := n.bounds()
	if n.Method > PercentileRank {
		return fmt.Errorf("unknown normalisation method %d", n.Method)
	}
	if !(lo >= 0 && lo < hi && hi <= 1) {
		return fmt.Errorf("winsorising percentiles %g, %g not 0 <= lower < upper <= 1", n.Lower, n.Upper)
	}
	return nil
}

// Indicator is one measurable attribute of a customer. It is identified by
// its ID: tables and weights refer to indicators by ID only.
type Indicator struct {
	ID        string        `json:"id"`        // unique, non-empty key, such as "revenue"
	Name      string        `json:"name"`      // human-readable name
	Dimension Dimension     `json:"dimension"` // CurrentValue or PotentialValue; must match its group's
	Group     string        `json:"group"`     // ID of the Group it belongs to
	Direction Direction     `json:"direction"` // Benefit (zero value) or Cost
	Unit      string        `json:"unit"`      // such as "t", "CNY", "days", "%", "1-5"
	Norm      Normalization `json:"norm"`      // how raw values map onto [0, 1]

	// Weight is the indicator's weight within its group. The weights of
	// a group's indicators must sum to 1 (see [Settings.NormalizeWeights]).
	Weight float64 `json:"weight"`

	Definition string `json:"definition,omitempty"` // one-line definition
	Source     string `json:"source,omitempty"`     // typical data source
}

// Group is a group of indicators within one dimension, such as "economic
// contribution".
type Group struct {
	ID        string    `json:"id"`        // unique, non-empty key
	Name      string    `json:"name"`      // human-readable name
	Dimension Dimension `json:"dimension"` // CurrentValue or PotentialValue

	// Weight is the group's weight within its dimension; the weights of a
	// dimension's groups must sum to 1 (see [Settings.NormalizeWeights]).
	Weight float64 `json:"weight"`
}

// Catalog is a hierarchy of indicators: dimension -> group -> indicator,
// with weights at the group and indicator levels. The order of Indicators is
// the order of the model's internal arrays and of explanations' ties.
//
// The global weight of an indicator within its dimension is its group's
// Weight times its own Weight. A catalog is a plain value: copy it with
// [Catalog.Clone] before changing a shared one.
type Catalog struct {
	Groups     []Group     `json:"groups"`     // the groups of both dimensions
	Indicators []Indicator `json:"indicators"` // each in one of Groups
}

// Clone returns a deep copy of c.
func (c Catalog) Clone() Catalog {
	return Catalog{
		Groups:     append([]Group(nil), c.Groups...),
		Indicators: append([]Indicator(nil), c.Indicators...),
	}
}

// Index returns the position of the indicator with the given ID, or -1.
func (c Catalog) Index(id string) int {
	for i := range c.Indicators {
		if c.Indicators[i].ID == id {
			return i
		}
	}
	return -1
}

// IDs returns the indicator IDs in catalog order, in fresh memory.
func (c Catalog) IDs() []string {
	ids := make([]string, len(c.Indicators))
	for i, ind := range c.Indicators {
		ids[i] = ind.ID
	}
	return ids
}

// Add returns a copy of c with ind appended (or replacing the indicator
// with the same ID). It does not validate; [Catalog.Validate] or [Fit] does.
func (c Catalog) Add(ind ...Indicator) Catalog {
	out := c.Clone()
	for _, in := range ind {
		if i := out.Index(in.ID); i >= 0 {
			out.Indicators[i] = in
		} else {
			out.Indicators = append(out.Indicators, in)
		}
	}
	return out
}

// WithWeights returns a copy of c whose indicator and group weights are
// replaced by w, keyed by indicator or group ID (indicator IDs first).
// Keys not in w keep their weight. An ID that is neither an indicator nor a
// group gives an error wrapping [ErrUnknownID]; a NaN, Inf or negative
// weight gives an error wrapping [ErrBadWeight].
func (c Catalog) WithWeights(w map[string]float64) (Catalog, error) {
	out := c.Clone()
	for id, v := range w {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return Catalog{}, &WeightError{ID: id, Weight: v, Err: ErrBadWeight}
		}
		if i := out.Index(id); i >= 0 {
			out.Indicators[i].Weight = v
			continue
		}
		found := false
		for g := range out.Groups {
			if out.Groups[g].ID == id {
				out.Groups[g].Weight = v
				found = true
			}
		}
		if !found {
			return Catalog{}, &IndicatorError{ID: id, Err: ErrUnknownID}
		}
	}
	return out, nil
}

// Validate checks the structure of c: non-empty unique IDs, every
// indicator in a known group of the same dimension, valid enums and
// normalisations, weights finite and non-negative, and at least one
// indicator per dimension. It does not check that weights sum to 1 ([Fit]
// does, according to [Settings.NormalizeWeights]).
func (c Catalog) Validate() error {
	if len(c.Indicators) == 0 {
		return ErrEmptyCatalog
	}
	groups := make(map[string]Dimension, len(c.Groups))
	for _, g := range c.Groups {
		if g.ID == "" {
			return &IndicatorError{ID: g.ID, Err: fmt.Errorf("group: %w", ErrEmptyID)}
		}
		if _, dup := groups[g.ID]; dup {
			return &IndicatorError{ID: g.ID, Err: fmt.Errorf("group: %w", ErrDuplicateID)}
		}
		if g.Dimension != CurrentValue && g.Dimension != PotentialValue {
			return &IndicatorError{ID: g.ID, Err: fmt.Errorf("group: %w: %v", ErrBadDimension, g.Dimension)}
		}
		if math.IsNaN(g.Weight) || math.IsInf(g.Weight, 0) || g.Weight < 0 {
			return &WeightError{ID: g.ID, Weight: g.Weight, Err: ErrBadWeight}
		}
		groups[g.ID] = g.Dimension
	}
	seen := make(map[string]bool, len(c.Indicators))
	var dims [3]int
	for _, ind := range c.Indicators {
		if ind.ID == "" {
			return &IndicatorError{ID: ind.ID, Err: ErrEmptyID}
		}
		if seen[ind.ID] {
			return &IndicatorError{ID: ind.ID, Err: ErrDuplicateID}
		}
		seen[ind.ID] = true
		gd, ok := groups[ind.Group]
		if !ok {
			return &IndicatorError{ID: ind.ID, Err: fmt.Errorf("%w: group %q", ErrUnknownID, ind.Group)}
		}
		if ind.Dimension != gd {
			return &IndicatorError{ID: ind.ID, Err: fmt.Errorf("%w: %v in group %q of dimension %v", ErrBadDimension, ind.Dimension, ind.Group, gd)}
		}
		if ind.Direction > Cost {
			return &IndicatorError{ID: ind.ID, Err: fmt.Errorf("unknown direction %d", ind.Direction)}
		}
		if err := ind.Norm.validate(); err != nil {
			return &IndicatorError{ID: ind.ID, Err: err}
		}
		if math.IsNaN(ind.Weight) || math.IsInf(ind.Weight, 0) || ind.Weight < 0 {
			return &WeightError{ID: ind.ID, Weight: ind.Weight, Err: ErrBadWeight}
		}
		dims[ind.Dimension]++
	}
	if dims[CurrentValue] == 0 || dims[PotentialValue] == 0 {
		return fmt.Errorf("%w: needs at least one current and one potential indicator", ErrEmptyCatalog)
	}
	return nil
}

// Merge returns a copy of c with the indicators of other whose IDs are
// given appended, each with its group when c has no group of that ID, for
// joining indicators of two sources (such as [RetailCatalog]'s from
// transactions and [DefaultCatalog]'s from a CRM file). An ID that other
// lacks, or that c already has, is an error wrapping [ErrUnknownID] or
// [ErrDuplicateID]. The weights are not rescaled: fit the result with
// [Settings.NormalizeWeights].
func (c Catalog) Merge(other Catalog, ids ...string) (Catalog, error) {
	out := c.Clone()
	for _, id := range ids {
		k := other.Index(id)
		if k < 0 {
			return Catalog{}, &IndicatorError{ID: id, Err: ErrUnknownID}
		}
		if out.Index(id) >= 0 {
			return Catalog{}, &IndicatorError{ID: id, Err: ErrDuplicateID}
		}
		ind := other.Indicators[k]
		if !slices.ContainsFunc(out.Groups, func(g Group) bool { return g.ID == ind.Group }) {
			for _, g := range other.Groups {
				if g.ID == ind.Group {
					out.Groups = append(out.Groups, g)
				}
			}
		}
		out.Indicators = append(out.Indicators, ind)
	}
	return out, nil
}
