package kmeans

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/envelope"
)

// Log1p writes log(1+x) of every element of x into dst (allocated when nil
// or shorter than x) and returns dst[:len(x)]; dst may be x itself. It is
// the usual transform of skewed RFM columns. A NaN or Inf element is a
// *FeatureError wrapping ErrFeatureNotFinite and one below -1 a
// *FeatureError wrapping ErrLog1pDomain, with Row = index/d and Column =
// index%d (d >= 1 is only used to name the position); an empty x gives an
// empty result.
func Log1p(dst, x []float64, d int) ([]float64, error) {
	if d < 1 {
		panic(fmt.Sprintf("kmeans: d = %d, want >= 1", d))
	}
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, &FeatureError{Row: i / d, Column: i % d, Value: v, Err: ErrFeatureNotFinite}
		}
		if v < -1 {
			return nil, &FeatureError{Row: i / d, Column: i % d, Value: v, Err: ErrLog1pDomain}
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
	Mean, Scale []float64 // one value per column
	// Card says where the transform came from: Customers is the number of
	// rows it was fitted on. FitStandardizer sets it; a decoded
	// Standardizer has the card it was saved with (nil when none).
	Card *cvm.ModelCard
}

// StandardizerFormat and StandardizerVersion name the JSON form of a
// [Standardizer]; decoding another format or version is a
// *cvm.FormatError naming both.
const (
	StandardizerFormat  = "cvm.segment.standardizer"
	StandardizerVersion = 2
)

// FitStandardizer fits a Standardizer to the n = len(x)/d rows of the
// row-major matrix x with optional non-negative weights (nil means unit
// weights; the weighted mean and weighted population variance are used).
// It panics if d < 1, len(x) is not a multiple of d or len(weights) != n.
// It returns ErrNoRows for n = 0, a *FeatureError for a NaN/Inf cell or
// a bad weight, a *FeatureError wrapping ErrFeatureRange when finite
// values are so large that the variance would overflow, and
// ErrWeightsZero when all weights are zero.
func FitStandardizer(x []float64, d int, weights []float64) (*Standardizer, error) {
	n, xMax, err := scanMatrix(x, d)
	if err != nil {
		return nil, err
	}
	if weights != nil && len(weights) != n {
		panic(fmt.Sprintf("kmeans: %d weights for %d rows", len(weights), n))
	}
	w, _, wt, err := checkWeights(weights, n)
	if err != nil {
		return nil, err
	}
	if err := checkRange(x, xMax, nil, d, wt); err != nil {
		return nil, err
	}
	card := cvm.NewModelCard()
	card.Customers = n
	s := &Standardizer{Mean: make([]float64, d), Scale: make([]float64, d), Card: &card}
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
// propagate (validate with Fit or Predict). It panics if len(x) is
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
		panic(fmt.Sprintf("kmeans: len(x) = %d is not a multiple of the standardizer's %d columns", len(x), d))
	}
	return d
}

type standardizerJSON struct {
	envelope.Header
	Mean  []float64 `json:"mean"`
	Scale []float64 `json:"scale"`
}

// MarshalJSON encodes s in the cvm envelope ({"format":
// StandardizerFormat, "version": StandardizerVersion, "card": ...}); floats
// use the shortest representation that reads back to the same bits.
func (s *Standardizer) MarshalJSON() ([]byte, error) {
	return json.Marshal(standardizerJSON{envelope.New(StandardizerFormat, StandardizerVersion, s.Card), s.Mean, s.Scale})
}

// UnmarshalJSON decodes what MarshalJSON wrote. Another format or version
// is a *cvm.FormatError; unknown fields and trailing data are errors
// naming them; empty or mismatched mean and scale, a non-finite mean, or a
// scale that is not finite and positive is an error naming the column. On
// error s is unchanged.
func (s *Standardizer) UnmarshalJSON(b []byte) error {
	var v standardizerJSON
	if err := envelope.Decode("kmeans", b, StandardizerFormat, StandardizerVersion, &v); err != nil {
		return err
	}
	if len(v.Mean) == 0 || len(v.Mean) != len(v.Scale) {
		return fmt.Errorf("kmeans: decoding %s: %d means and %d scales, want the same number >= 1", StandardizerFormat, len(v.Mean), len(v.Scale))
	}
	if v.Card != nil && v.Card.Customers < 0 {
		return fmt.Errorf("kmeans: decoding %s: card customers = %d, want >= 0", StandardizerFormat, v.Card.Customers)
	}
	for t, sc := range v.Scale {
		if !(sc > 0) || math.IsInf(sc, 0) || math.IsNaN(v.Mean[t]) || math.IsInf(v.Mean[t], 0) {
			return fmt.Errorf("kmeans: decoding %s: column %d: mean %v scale %v, want a finite mean and a finite positive scale", StandardizerFormat, t, v.Mean[t], sc)
		}
	}
	*s = Standardizer{Mean: v.Mean, Scale: v.Scale, Card: v.Card}
	return nil
}
