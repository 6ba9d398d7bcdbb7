package segment

import (
	"context"
	"fmt"
	"slices"
	"testing"
)

// benchFit fits k clusters from the first k rows as initial centres, the
// setup used for the scikit-learn comparison (same initial centres).
func benchFit(b *testing.B, x []float64, d, k int, algo Algorithm) {
	init := slices.Clone(x[:k*d])
	s := &KMeansSettings{Centers: init, Algorithm: algo}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := FitKMeans(context.Background(), x, d, k, nil, s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFitLogRFM is the 3-column log-RFM case at several sizes, k = 8.
func BenchmarkFitLogRFM(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		x := logRFM(n, 1)
		for _, algo := range []Algorithm{Lloyd, Hamerly, Elkan} {
			b.Run(fmt.Sprintf("n=%d/%v", n, algo), func(b *testing.B) { benchFit(b, x, 3, 8, algo) })
		}
	}
}

// BenchmarkFitBlobs32 is the 32-column case, k = 16.
func BenchmarkFitBlobs32(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		x := blobs(n, 32, 16, 5)
		for _, algo := range []Algorithm{Lloyd, Hamerly, Elkan} {
			b.Run(fmt.Sprintf("n=%d/%v", n, algo), func(b *testing.B) { benchFit(b, x, 32, 16, algo) })
		}
	}
}
