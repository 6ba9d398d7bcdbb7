package kmeans

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/cvmkit/cvm/internal/check"
)

// nine is a small 2-D data set with three visible groups.
var nine = []float64{0, 0, 0, 1, 1, 0, 5, 5, 5, 6, 6, 5, 6, 6, 10, 0, 9, 1}

// TestCriteria checks the three criteria against scikit-learn 1.2.1
// (silhouette_score, calinski_harabasz_score, davies_bouldin_score on the
// same arrays, printed with repr).
func TestCriteria(t *testing.T) {
	tests := []struct {
		name          string
		labels        []int
		sil, ch, db   float64
		silRel, other float64
	}{
		{"good", []int{0, 0, 0, 1, 1, 1, 1, 2, 2}, 0.8193409704339198, 113.3076923076923, 0.20933721512609202, 1e-12, 1e-12},
		{"poor", []int{0, 1, 0, 1, 1, 0, 1, 0, 0}, 0.07678702668824772, 1.364153627311522, 2.036838126830741, 1e-12, 1e-12},
	}
	for _, tc := range tests {
		k := 3
		sil, err := Silhouette(context.Background(), nine, 2, k, tc.labels, nil)
		if err != nil {
			t.Fatal(err)
		}
		ch, err := CalinskiHarabasz(nine, 2, k, tc.labels)
		if err != nil {
			t.Fatal(err)
		}
		db, err := DaviesBouldin(nine, 2, k, tc.labels)
		if err != nil {
			t.Fatal(err)
		}
		if !check.Close(sil, tc.sil, tc.silRel, 0) || !check.Close(ch, tc.ch, tc.other, 0) || !check.Close(db, tc.db, tc.other, 0) {
			t.Errorf("%s: got silhouette %v CH %v DB %v, want %v %v %v", tc.name, sil, ch, db, tc.sil, tc.ch, tc.db)
		}
	}
}

// TestCriteriaUndefined checks the error for one cluster and for one row
// per cluster.
func TestCriteriaUndefined(t *testing.T) {
	one := make([]int, 9)
	each := []int{0, 1, 2, 3, 4, 5, 6, 7, 8}
	for _, labels := range [][]int{one, each} {
		if _, err := Silhouette(context.Background(), nine, 2, 9, labels, nil); !errors.Is(err, ErrCriterionUndefined) {
			t.Errorf("silhouette: error %v, want ErrCriterionUndefined", err)
		}
		if _, err := CalinskiHarabasz(nine, 2, 9, labels); !errors.Is(err, ErrCriterionUndefined) {
			t.Errorf("CH: error %v, want ErrCriterionUndefined", err)
		}
		if _, err := DaviesBouldin(nine, 2, 9, labels); !errors.Is(err, ErrCriterionUndefined) {
			t.Errorf("DB: error %v, want ErrCriterionUndefined", err)
		}
	}
}

// TestSilhouetteSample checks that the sampled silhouette is the exact
// silhouette of the sampled rows (computed by the exact path on a copy),
// is seeded, and that a sample equal to n is exact.
func TestSilhouetteSample(t *testing.T) {
	x := blobs(3000, 3, 4, 9)
	m, err := Fit(context.Background(), x, 3, 4, nil, &Settings{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	exact, err := Silhouette(context.Background(), x, 3, 4, m.Labels, &SilhouetteSettings{SampleSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	full := check.Must(Silhouette(context.Background(), x, 3, 4, m.Labels, &SilhouetteSettings{SampleSize: 3000}))
	if full != exact {
		t.Errorf("sample = n: %v, want exact %v", full, exact)
	}
	a := check.Must(Silhouette(context.Background(), x, 3, 4, m.Labels, &SilhouetteSettings{SampleSize: 500, Seed: 3}))
	b := check.Must(Silhouette(context.Background(), x, 3, 4, m.Labels, &SilhouetteSettings{SampleSize: 500, Seed: 3}))
	if a != b {
		t.Errorf("same seed gave %v and %v", a, b)
	}
	if math.Abs(a-exact) > 0.05 {
		t.Errorf("sampled %v far from exact %v", a, exact)
	}
}

func TestSelectK(t *testing.T) {
	x := blobs(600, 2, 3, 4)
	got, err := SelectK(context.Background(), x, 2, nil, 2, 5, &SelectSettings{Fit: &Settings{Seed: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || got[0].K != 2 || got[3].K != 5 {
		t.Fatalf("got %d rows", len(got))
	}
	for i := 1; i < len(got); i++ {
		if got[i].Inertia > got[i-1].Inertia {
			t.Errorf("inertia rose from k=%d to k=%d: %v > %v", got[i-1].K, got[i].K, got[i].Inertia, got[i-1].Inertia)
		}
	}
	for _, r := range [][2]int{{1, 3}, {3, 2}, {2, 600}} {
		if _, err := SelectK(context.Background(), x, 2, nil, r[0], r[1], nil); !errors.Is(err, ErrBadK) {
			t.Errorf("range %v: error %v, want ErrBadK", r, err)
		}
	}
}

// Each row of SelectK is the fit and criteria of that k alone, at any
// GOMAXPROCS (the k values are fitted concurrently); with a caller's
// source the fits draw from it one k after another, in k order.
func TestSelectKRowsAreSingleFits(t *testing.T) {
	ctx := context.Background()
	x := blobs(900, 2, 4, 7)
	fit := &Settings{Seed: 5, NInit: 2}
	sil := &SilhouetteSettings{SampleSize: 300, Seed: 1}
	for _, procs := range []int{1, 2, 3} {
		prev := runtime.GOMAXPROCS(procs)
		got, err := SelectK(ctx, x, 2, nil, 2, 6, &SelectSettings{Fit: fit, Silhouette: sil})
		runtime.GOMAXPROCS(prev)
		if err != nil {
			t.Fatal(err)
		}
		for j, c := range got {
			k := 2 + j
			m, err := Fit(ctx, x, 2, k, nil, fit)
			if err != nil {
				t.Fatal(err)
			}
			s, _ := Silhouette(ctx, x, 2, k, m.Labels, sil)
			ch, _ := CalinskiHarabasz(x, 2, k, m.Labels)
			db, _ := DaviesBouldin(x, 2, k, m.Labels)
			if c.K != k || c.Inertia != m.Inertia || c.Silhouette != s || c.CalinskiHarabasz != ch || c.DaviesBouldin != db ||
				!slices.Equal(c.Model.Labels, m.Labels) || !slices.Equal(c.Model.Centers, m.Centers) {
				t.Errorf("GOMAXPROCS %d, k = %d: row %+v, alone inertia %v silhouette %v CH %v DB %v", procs, k, c, m.Inertia, s, ch, db)
			}
		}
	}
	// A caller's source: SelectK's fits are those of one shared source
	// drawn by k = 2, 3, 4 in turn.
	var runs []int
	src := rand.NewPCG(9, 9)
	got, err := SelectK(ctx, x, 2, nil, 2, 4, &SelectSettings{Fit: &Settings{Src: src, NInit: 1, Progress: func(run, it int, _ float64) {
		if it == 1 {
			runs = append(runs, run)
		}
	}}})
	if err != nil {
		t.Fatal(err)
	}
	ref := rand.NewPCG(9, 9)
	for j, c := range got {
		m, err := Fit(ctx, x, 2, 2+j, nil, &Settings{Src: ref, NInit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if c.Inertia != m.Inertia || !slices.Equal(c.Model.Labels, m.Labels) {
			t.Errorf("shared source, k = %d: inertia %v, in turn %v", 2+j, c.Inertia, m.Inertia)
		}
	}
	if len(runs) != 3 {
		t.Errorf("Progress saw %d first iterations, want 3 (one a k)", len(runs))
	}
}

// TestProfile checks sizes, shares, means and medians computed by hand.
func TestProfile(t *testing.T) {
	x := []float64{1, 10, 3, 30, 2, 20, 4, 40, 100, 0}
	labels := []int{0, 0, 0, 0, 2}
	got, err := Profile(x, 2, 3, labels)
	if err != nil {
		t.Fatal(err)
	}
	// cluster 0: columns {1,3,2,4} and {10,30,20,40}: means 2.5, 25; medians 2.5, 25.
	if got[0].Size != 4 || got[0].Share != 0.8 || got[0].Mean[0] != 2.5 || got[0].Median[1] != 25 {
		t.Errorf("cluster 0: %+v", got[0])
	}
	if got[1].Size != 0 || got[1].Mean != nil {
		t.Errorf("cluster 1: %+v, want empty", got[1])
	}
	if got[2].Median[0] != 100 || got[2].Share != 0.2 {
		t.Errorf("cluster 2: %+v", got[2])
	}
}

// TestSilhouetteCancelled checks that a cancelled context stops the
// silhouette and SelectK with ctx.Err().
func TestSilhouetteCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	labels := []int{0, 0, 0, 1, 1, 1, 2, 2, 2}
	if _, err := Silhouette(ctx, nine, 2, 3, labels, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Silhouette: error %v, want context.Canceled", err)
	}
	if _, err := SelectK(ctx, nine, 2, nil, 2, 3, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("SelectK: error %v, want context.Canceled", err)
	}
}

// TestCriteriaHugeFeatures checks that features whose squared distances
// overflow are an error for every criterion and Profile, not NaN or Inf.
func TestCriteriaHugeFeatures(t *testing.T) {
	x := []float64{0, 0, 1e300, 0, 0, 1e300, 1e300, 1e300}
	labels := []int{0, 1, 0, 1}
	for name, f := range map[string]func() error{
		"CalinskiHarabasz": func() error { _, err := CalinskiHarabasz(x, 2, 2, labels); return err },
		"DaviesBouldin":    func() error { _, err := DaviesBouldin(x, 2, 2, labels); return err },
		"Silhouette":       func() error { _, err := Silhouette(context.Background(), x, 2, 2, labels, nil); return err },
		"Profile":          func() error { _, err := Profile(x, 2, 2, labels); return err },
	} {
		if err := f(); !errors.Is(err, ErrFeatureRange) {
			t.Errorf("%s: error %v, want ErrFeatureRange", name, err)
		}
	}
}

// plainSilhouette is the silhouette of the sampled rows idx (in order)
// by the plain double loop: each row's distance sums to every cluster
// accumulated in sample order, one partial sum per chunkRows rows.
func plainSilhouette(x []float64, d, k int, labels, idx []int) float64 {
	m := len(idx)
	sizes := make([]int, k)
	for _, r := range idx {
		sizes[labels[r]]++
	}
	chunk := chunkRows(m)
	part := make([]float64, (m+chunk-1)/chunk)
	acc := make([]float64, k)
	for i, ri := range idx {
		clear(acc)
		for j, rj := range idx {
			if j != i {
				var s float64
				for t := range d {
					dv := x[ri*d+t] - x[rj*d+t]
					s += dv * dv
				}
				acc[labels[rj]] += math.Sqrt(s)
			}
		}
		own := labels[ri]
		if sizes[own] == 1 {
			continue
		}
		a := acc[own] / float64(sizes[own]-1)
		b := math.Inf(1)
		for j, sj := range sizes {
			if j != own && sj > 0 {
				b = min(b, acc[j]/float64(sj))
			}
		}
		if mx := max(a, b); mx > 0 {
			part[i/chunk] += (b - a) / mx
		}
	}
	var total float64
	for _, v := range part {
		total += v
	}
	return total / float64(m)
}

// TestSilhouetteBits: the silhouette equals the plain double loop bit for
// bit, with singleton and empty clusters, several k and d, and more rows
// than one chunk.
func TestSilhouetteBits(t *testing.T) {
	for _, c := range []struct{ n, d, k int }{{9, 2, 3}, {300, 3, 4}, {2500, 3, 5}, {700, 5, 7}} {
		x := blobs(c.n, c.d, c.k, 11)
		labels := make([]int, c.n)
		for i := range labels {
			labels[i] = (i*7 + i/3) % (c.k - 1) // cluster k-1 empty
		}
		labels[c.n/2] = c.k - 2 // and a few rows moved
		if c.n > 9 {
			labels[0] = c.k - 1 // a singleton
		}
		idx := make([]int, c.n)
		for i := range idx {
			idx[i] = i
		}
		got := check.Must(Silhouette(context.Background(), x, c.d, c.k, labels, &SilhouetteSettings{SampleSize: -1}))
		if want := plainSilhouette(x, c.d, c.k, labels, idx); got != want {
			t.Errorf("n=%d d=%d k=%d: %v, want %v (plain loop)", c.n, c.d, c.k, got, want)
		}
	}
}

func BenchmarkSilhouette(b *testing.B) {
	x := blobs(20000, 3, 5, 3)
	m := check.Must(Fit(context.Background(), x, 3, 5, nil, &Settings{Seed: 1}))
	for b.Loop() {
		check.Must(Silhouette(context.Background(), x, 3, 5, m.Labels, nil))
	}
}
