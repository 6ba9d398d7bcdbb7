package kmeans

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/cvmkit/cvm/internal/envelope"
)

// ModelFormat and ModelVersion name the JSON form of a [Model]; decoding
// another format or version is a *cvm.FormatError naming both.
const (
	ModelFormat  = "cvm.segment.kmeans"
	ModelVersion = 2
)

type modelJSON struct {
	envelope.Header
	K          int         `json:"k"`
	D          int         `json:"d"`
	Algorithm  Algorithm   `json:"algorithm"`
	Centers    [][]float64 `json:"centers"`
	Inertia    float64     `json:"inertia"`
	Iterations int         `json:"iterations"`
	Converged  bool        `json:"converged"`
	Sizes      []int       `json:"sizes"`
	Weights    []float64   `json:"weights"`
	Labels     []int       `json:"labels"`
}

// MarshalJSON encodes the model, training labels included, in the cvm
// envelope ({"format": ModelFormat, "version": ModelVersion, "card": ...}).
// Floats use the shortest representation that reads back to the same
// bits, so a round trip is exact.
func (m *Model) MarshalJSON() ([]byte, error) {
	c := make([][]float64, m.K)
	for j := range c {
		c[j] = m.Centers[j*m.D : (j+1)*m.D]
	}
	return json.Marshal(modelJSON{
		Header: envelope.New(ModelFormat, ModelVersion, m.Card),
		K:      m.K, D: m.D, Algorithm: m.Algorithm, Centers: c, Inertia: m.Inertia,
		Iterations: m.Iterations, Converged: m.Converged, Sizes: m.Sizes,
		Weights: m.Weights, Labels: m.Labels,
	})
}

// UnmarshalJSON decodes what MarshalJSON wrote. Another format or version
// is a *cvm.FormatError; unknown fields and trailing data are errors
// naming them. Every declared size is checked against the data present
// before anything is allocated from it: k and d must match the centres
// given, sizes and weights must have k entries, and the labels, when
// present, must count to the sizes. A non-finite centre, a negative size,
// weight or iteration count, a negative or non-finite inertia, an
// unknown or "auto" algorithm, or a label out of range is an error naming
// the field. On error m is unchanged.
func (m *Model) UnmarshalJSON(b []byte) error {
	var v modelJSON
	if err := envelope.Decode("kmeans", b, ModelFormat, ModelVersion, &v); err != nil {
		return err
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("kmeans: decoding %s: "+format, append([]any{ModelFormat}, args...)...)
	}
	switch {
	case v.K < 1 || v.K != len(v.Centers):
		return bad("k = %d but %d centres", v.K, len(v.Centers))
	case len(v.Sizes) != v.K:
		return bad("k = %d but %d sizes", v.K, len(v.Sizes))
	case len(v.Weights) != v.K:
		return bad("k = %d but %d weights", v.K, len(v.Weights))
	case v.D < 1:
		return bad("d = %d, want >= 1", v.D)
	case v.Algorithm <= AlgorithmAuto || v.Algorithm > MiniBatch:
		return bad("algorithm %q is not a fitted algorithm", v.Algorithm)
	case v.Iterations < 0:
		return bad("iterations = %d, want >= 0", v.Iterations)
	case !(v.Inertia >= 0) || math.IsInf(v.Inertia, 0):
		return bad("inertia = %v, want finite and >= 0", v.Inertia)
	case v.Card != nil && v.Card.Customers < 0:
		return bad("card customers = %d, want >= 0", v.Card.Customers)
	}
	for j, c := range v.Centers {
		if len(c) != v.D {
			return bad("centre %d has %d values, want d = %d", j, len(c), v.D)
		}
		for t, x := range c {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return &FeatureError{Row: j, Column: t, Center: true, Value: x, Err: ErrCenterNotFinite}
			}
		}
	}
	for j := range v.Sizes {
		if v.Sizes[j] < 0 {
			return bad("size of cluster %d = %d, want >= 0", j, v.Sizes[j])
		}
		if w := v.Weights[j]; !(w >= 0) || math.IsInf(w, 0) {
			return bad("weight of cluster %d = %v, want finite and >= 0", j, w)
		}
	}
	if len(v.Labels) > 0 {
		counts := make([]int, v.K)
		for i, l := range v.Labels {
			if l < 0 || l >= v.K {
				return bad("label %d of row %d outside [0,%d)", l, i, v.K)
			}
			counts[l]++
		}
		for j, c := range counts {
			if c != v.Sizes[j] {
				return bad("size of cluster %d = %d but %d labels", j, v.Sizes[j], c)
			}
		}
	}
	// Every length is now one the input holds: k*d values were read.
	centers := make([]float64, 0, v.K*v.D)
	for _, c := range v.Centers {
		centers = append(centers, c...)
	}
	if v.Labels == nil {
		v.Labels = []int{}
	}
	*m = Model{K: v.K, D: v.D, Centers: centers, Labels: v.Labels, Sizes: v.Sizes, Weights: v.Weights,
		Inertia: v.Inertia, Iterations: v.Iterations, Converged: v.Converged, Algorithm: v.Algorithm, Card: v.Card}
	return nil
}
