package segment

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// Log1p writes log(1+x) of every element of x into dst (allocated when nil
// or shorter than x) and returns dst[:len(x)]; dst may be x itself. It is
// the usual transform of skewed RFM columns. An element below -1, NaN or
// Inf is a *FeatureError with Row = index/d and Column = index%d (d >= 1
// is only used to name the position); an empty x gives an empty result.
func Log1p(dst, x []float64, d int) ([]float64, error) {
	if d < 1 {
		panic(fmt.Sprintf("segment: d = %d, want >= 1", d))
	}
	for i, v := range x {
		if v < -1 || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, &FeatureError{Row: i / d, Column: i % d, Value: v, Err: ErrFeatureNotFinite}
		}
	}
	if cap(dst) < len(x) {
		dst = make([]float64, len(x))
	}
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] = math.Log1p(v)
	}
	return dst, nil
}

// Standardizer is a fitted z-score transform, z = (x - Mean) / Scale per
// column. Scale is the population standard deviation (as scikit-learn's
// StandardScaler), or 1 for a constant column, so constant columns map to
// 0 and invert exactly. It is immutable once fitted and safe for
// concurrent use.
type Standardizer struct {
	Mean, Scale []float64
}

// standardizerVersion is the JSON format version of Standardizer.
const standardizerVersion = 1

// FitStandardizer fits a Standardizer to the n = len(x)/d rows of the
// row-major matrix x with optional non-negative weights (nil means unit
// weights; the weighted mean and weighted population variance are used).
// It panics if d < 1, len(x) is not a multiple of d or len(weights) != n.
// It returns ErrNoFeatureRows for n = 0, a *FeatureError for a NaN/Inf cell
// or a bad weight, and ErrWeightsZero when all weights are zero.
func FitStandardizer(x []float64, d int, weights []float64) (*Standardizer, error) {
	n, err := checkMatrix(x, d)
	if err != nil {
		return nil, err
	}
	if weights != nil && len(weights) != n {
		panic(fmt.Sprintf("segment: %d weights for %d rows", len(weights), n))
	}
	w, _, err := checkWeights(weights, n)
	if err != nil {
		return nil, err
	}
	var wt float64
	for _, v := range w {
		wt += v
	}
	s := &Standardizer{Mean: make([]float64, d), Scale: make([]float64, d)}
	for i := 0; i < n; i++ {
		for t, v := range x[i*d : i*d+d] {
			s.Mean[t] += w[i] * v
		}
	}
	for t := range s.Mean {
		s.Mean[t] /= wt
	}
	for i := 0; i < n; i++ {
		for t, v := range x[i*d : i*d+d] {
			dv := v - s.Mean[t]
			s.Scale[t] += w[i] * dv * dv
		}
	}
	for t := range s.Scale {
		s.Scale[t] = math.Sqrt(s.Scale[t] / wt)
		if s.Scale[t] == 0 {
			s.Scale[t] = 1
		}
	}
	return s, nil
}

// Transform writes (x - Mean)/Scale of the row-major x into dst (allocated
// when nil or short; may be x) and returns dst[:len(x)]. NaN and Inf
// propagate (validate with FitKMeans or Predict). It panics if len(x) is
// not a multiple of len(s.Mean).
func (s *Standardizer) Transform(dst, x []float64) []float64 {
	d := s.check(x)
	if cap(dst) < len(x) {
		dst = make([]float64, len(x))
	}
	dst = dst[:len(x)]
	for i, v := range x {
		t := i % d
		dst[i] = (v - s.Mean[t]) / s.Scale[t]
	}
	return dst
}

// Inverse writes x*Scale + Mean of the row-major x into dst (allocated when
// nil or short; may be x) and returns dst[:len(x)], e.g. to report centres
// in original units. NaN and Inf propagate. It panics if len(x) is not a
// multiple of len(s.Mean).
func (s *Standardizer) Inverse(dst, x []float64) []float64 {
	d := s.check(x)
	if cap(dst) < len(x) {
		dst = make([]float64, len(x))
	}
	dst = dst[:len(x)]
	for i, v := range x {
		t := i % d
		dst[i] = v*s.Scale[t] + s.Mean[t]
	}
	return dst
}

func (s *Standardizer) check(x []float64) int {
	d := len(s.Mean)
	if d == 0 || len(x)%d != 0 {
		panic(fmt.Sprintf("segment: len(x) = %d is not a multiple of the standardizer's %d columns", len(x), d))
	}
	return d
}

type standardizerJSON struct {
	Format  string    `json:"format"`
	Version int       `json:"version"`
	Mean    []float64 `json:"mean"`
	Scale   []float64 `json:"scale"`
}

// MarshalJSON encodes s with a format name and version; floats use the
// shortest representation that reads back to the same bits.
func (s *Standardizer) MarshalJSON() ([]byte, error) {
	return json.Marshal(standardizerJSON{"cvm.segment.standardizer", standardizerVersion, s.Mean, s.Scale})
}

// UnmarshalJSON decodes what MarshalJSON wrote. An unknown format or
// version, mismatched lengths, or a non-positive or non-finite scale is
// an error.
func (s *Standardizer) UnmarshalJSON(b []byte) error {
	var v standardizerJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	if v.Format != "cvm.segment.standardizer" || v.Version != standardizerVersion {
		return fmt.Errorf("segment: standardizer JSON format %q version %d, want cvm.segment.standardizer version %d", v.Format, v.Version, standardizerVersion)
	}
	if len(v.Mean) == 0 || len(v.Mean) != len(v.Scale) {
		return errors.New("segment: standardizer JSON has empty or mismatched mean and scale")
	}
	for t, sc := range v.Scale {
		if !(sc > 0) || math.IsInf(sc, 0) || math.IsNaN(v.Mean[t]) || math.IsInf(v.Mean[t], 0) {
			return fmt.Errorf("segment: standardizer JSON column %d: mean %v scale %v", t, v.Mean[t], sc)
		}
	}
	s.Mean, s.Scale = v.Mean, v.Scale
	return nil
}
