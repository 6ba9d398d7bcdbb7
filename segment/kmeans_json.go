package segment

import (
	"encoding/json"
	"fmt"
	"math"
)

// kmeansVersion is the JSON format version of KMeans.
const kmeansVersion = 1

type kmeansJSON struct {
	Format     string      `json:"format"`
	Version    int         `json:"version"`
	K          int         `json:"k"`
	D          int         `json:"d"`
	Algorithm  string      `json:"algorithm"`
	Centers    [][]float64 `json:"centers"`
	Inertia    float64     `json:"inertia"`
	Iterations int         `json:"iterations"`
	Converged  bool        `json:"converged"`
	Sizes      []int       `json:"sizes"`
	Weights    []float64   `json:"weights"`
	Labels     []int       `json:"labels"`
}

// MarshalJSON encodes the model, training labels included, with a format
// name and version. Floats use the shortest representation that reads
// back to the same bits, so a round trip is exact.
func (m *KMeans) MarshalJSON() ([]byte, error) {
	c := make([][]float64, m.K)
	for j := range c {
		c[j] = m.Centers[j*m.D : (j+1)*m.D]
	}
	return json.Marshal(kmeansJSON{
		Format: "cvm.segment.kmeans", Version: kmeansVersion, K: m.K, D: m.D,
		Algorithm: m.Algorithm.String(), Centers: c, Inertia: m.Inertia,
		Iterations: m.Iterations, Converged: m.Converged, Sizes: m.Sizes,
		Weights: m.Weights, Labels: m.Labels,
	})
}

// UnmarshalJSON decodes what MarshalJSON wrote. An unknown format or
// version, inconsistent shapes, a label out of range, or a non-finite
// centre is an error.
func (m *KMeans) UnmarshalJSON(b []byte) error {
	var v kmeansJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	if v.Format != "cvm.segment.kmeans" || v.Version != kmeansVersion {
		return fmt.Errorf("segment: k-means JSON format %q version %d, want cvm.segment.kmeans version %d", v.Format, v.Version, kmeansVersion)
	}
	if v.K < 1 || v.D < 1 || len(v.Centers) != v.K || len(v.Sizes) != v.K || len(v.Weights) != v.K {
		return fmt.Errorf("segment: k-means JSON shapes inconsistent with k = %d, d = %d", v.K, v.D)
	}
	algo, err := ParseAlgorithm(v.Algorithm)
	if err != nil {
		return err
	}
	centers := make([]float64, 0, v.K*v.D)
	for j, c := range v.Centers {
		if len(c) != v.D {
			return fmt.Errorf("segment: k-means JSON centre %d has %d values, want %d", j, len(c), v.D)
		}
		for t, x := range c {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return &FeatureError{Row: j, Column: t, Value: x, Err: ErrCenterNotFinite}
			}
		}
		centers = append(centers, c...)
	}
	for i, l := range v.Labels {
		if l < 0 || l >= v.K {
			return fmt.Errorf("segment: k-means JSON label %d of row %d out of range", l, i)
		}
	}
	if v.Labels == nil {
		v.Labels = []int{}
	}
	*m = KMeans{K: v.K, D: v.D, Centers: centers, Labels: v.Labels, Sizes: v.Sizes, Weights: v.Weights,
		Inertia: v.Inertia, Iterations: v.Iterations, Converged: v.Converged, Algorithm: algo}
	return nil
}
