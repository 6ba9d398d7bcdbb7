package kmeans

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// benchFit fits k clusters from the first k rows as initial centres, the
// setup used for the scikit-learn comparison (same initial centres).
func benchFit(b *testing.B, x []float64, d, k int, algo Algorithm) {
	init := slices.Clone(x[:k*d])
	s := &Settings{Centers: init, Algorithm: algo}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Fit(context.Background(), x, d, k, nil, s); err != nil {
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

var benchCSV = flag.String("kmeans.csv", "", "write the benchmark data sets as CSV files into this directory (for the scikit-learn comparison)")

// TestWriteBenchCSV writes, when -kmeans.csv is set, the data of
// BenchmarkFitLogRFM (1M rows) and BenchmarkFitBlobs32 (100k rows) and
// their initial centres (the first k rows), so that
// /work/shared/peers/kmeans_sklearn.py can fit the same data from the same
// centres.
func TestWriteBenchCSV(t *testing.T) {
	if *benchCSV == "" {
		t.Skip("set -kmeans.csv=DIR")
	}
	write := func(name string, x []float64, d int) {
		var b strings.Builder
		for i := 0; i < len(x); i += d {
			for t := 0; t < d; t++ {
				if t > 0 {
					b.WriteByte(',')
				}
				b.WriteString(strconv.FormatFloat(x[i+t], 'g', -1, 64))
			}
			b.WriteByte('\n')
		}
		if err := os.WriteFile(filepath.Join(*benchCSV, name), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rfm := logRFM(1_000_000, 1)
	write("rfm1m.csv", rfm, 3)
	write("rfm1m_init.csv", rfm[:8*3], 3)
	b := blobs(100_000, 32, 16, 5)
	write("blobs100k.csv", b, 32)
	write("blobs100k_init.csv", b[:16*32], 32)
}
