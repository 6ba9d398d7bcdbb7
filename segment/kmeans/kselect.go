package kmeans

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync/atomic"

	"github.com/cvmkit/cvm/internal/parallel"
)

// ErrCriterionUndefined means a clustering criterion is undefined for the
// labels: fewer than 2 non-empty clusters, or as many clusters as rows.
var ErrCriterionUndefined = errors.New("kmeans: criterion needs 2 <= clusters <= rows-1")

// mustLabels panics unless labels has n entries, each in [0,k).
func mustLabels(n, k int, labels []int) {
	if len(labels) != n {
		panic(fmt.Sprintf("kmeans: %d labels for %d rows", len(labels), n))
	}
	for i, l := range labels {
		if l < 0 || l >= k {
			panic(fmt.Sprintf("kmeans: label %d of row %d outside [0,%d)", l, i, k))
		}
	}
}

// checkLabels panics on a length mismatch or a label outside [0,k) and
// returns the cluster sizes and the number of non-empty clusters; it
// returns ErrCriterionUndefined when that number is outside [2, n-1].
func checkLabels(n, k int, labels []int) ([]int, int, error) {
	mustLabels(n, k, labels)
	sizes := make([]int, k)
	for _, l := range labels {
		sizes[l]++
	}
	m := 0
	for _, s := range sizes {
		if s > 0 {
			m++
		}
	}
	if m < 2 || m > n-1 {
		return nil, 0, fmt.Errorf("%w: %d clusters, %d rows", ErrCriterionUndefined, m, n)
	}
	return sizes, m, nil
}

// clusterMeans returns the unweighted mean of each cluster (zeros for an
// empty one) and the overall mean.
func clusterMeans(x []float64, d, k int, labels []int, sizes []int) (means, all []float64) {
	means = make([]float64, k*d)
	all = make([]float64, d)
	for i, l := range labels {
		for t, v := range x[i*d : i*d+d] {
			means[l*d+t] += v
			all[t] += v
		}
	}
	for j, s := range sizes {
		for t := 0; t < d; t++ {
			if s > 0 {
				means[j*d+t] /= float64(s)
			}
		}
	}
	for t := range all {
		all[t] /= float64(len(labels))
	}
	return means, all
}

// CalinskiHarabasz returns the variance ratio criterion (Calinski &
// Harabasz 1974) of the labelled rows of the row-major x with d columns,
//
//	CH = [B / (m-1)] / [W / (n-m)],
//	B = sum_j n_j ||mean_j - mean||^2,  W = sum_i ||x_i - mean_label(i)||^2,
//
// m being the number of non-empty clusters among labels in [0,k); higher is
// better. As scikit-learn's calinski_harabasz_score it is unweighted and
// returns 1 when W = 0. It panics on a label outside [0,k) or
// len(labels) != n; it returns ErrCriterionUndefined unless 2 <= m <= n-1
// and a *FeatureError for a NaN or Inf cell.
func CalinskiHarabasz(x []float64, d, k int, labels []int) (float64, error) {
	n, err := checkMatrix(x, d)
	if err != nil {
		return 0, err
	}
	sizes, m, err := checkLabels(n, k, labels)
	if err != nil {
		return 0, err
	}
	means, all := clusterMeans(x, d, k, labels, sizes)
	var b, w float64
	for j, s := range sizes {
		b += float64(s) * sqDist(means[j*d:j*d+d], all)
	}
	for i, l := range labels {
		w += sqDist(x[i*d:i*d+d], means[l*d:l*d+d])
	}
	if w == 0 {
		return 1, nil
	}
	return b * float64(n-m) / (w * float64(m-1)), nil
}

// DaviesBouldin returns the Davies-Bouldin index (Davies & Bouldin 1979),
//
//	DB = (1/m) sum_i max_{j != i} (s_i + s_j) / ||mean_i - mean_j||,
//
// s_i being the mean Euclidean distance of cluster i's rows to its mean,
// over the m non-empty clusters; lower is better. As scikit-learn's
// davies_bouldin_score it is unweighted, a zero distance between two means
// counts as infinitely far, and it returns 0 when every s_i is 0 or every
// distance between means is 0. Panics and errors are those of
// [CalinskiHarabasz].
func DaviesBouldin(x []float64, d, k int, labels []int) (float64, error) {
	n, err := checkMatrix(x, d)
	if err != nil {
		return 0, err
	}
	sizes, m, err := checkLabels(n, k, labels)
	if err != nil {
		return 0, err
	}
	means, _ := clusterMeans(x, d, k, labels, sizes)
	s := make([]float64, k)
	for i, l := range labels {
		s[l] += math.Sqrt(sqDist(x[i*d:i*d+d], means[l*d:l*d+d]))
	}
	allS, allM := true, true
	for j := range s {
		if sizes[j] > 0 {
			s[j] /= float64(sizes[j])
			if s[j] != 0 {
				allS = false
			}
		}
	}
	var total float64
	for a := 0; a < k; a++ {
		if sizes[a] == 0 {
			continue
		}
		worst := 0.0
		for b := 0; b < k; b++ {
			if b == a || sizes[b] == 0 {
				continue
			}
			dist := math.Sqrt(sqDist(means[a*d:a*d+d], means[b*d:b*d+d]))
			if dist == 0 {
				continue
			}
			allM = false
			worst = max(worst, (s[a]+s[b])/dist)
		}
		total += worst
	}
	if allS || allM {
		return 0, nil
	}
	return total / float64(m), nil
}

// SilhouetteSettings are the settings of [Silhouette]; nil means the zero
// value.
type SilhouetteSettings struct {
	// SampleSize bounds the rows used: when n > SampleSize, the score is
	// computed on SampleSize rows drawn without replacement, distances
	// taken among the sampled rows only (scikit-learn's
	// silhouette_score(sample_size=...)), so the cost is O(SampleSize^2 d)
	// instead of O(n^2 d). 0 means 5000; a negative value means exact.
	SampleSize int
	// Seed seeds the PCG that draws the sample; 0 is a valid seed.
	Seed uint64
}

// Silhouette returns the mean silhouette coefficient (Rousseeuw 1987) of
// the labelled rows of the row-major x,
//
//	s_i = (b_i - a_i) / max(a_i, b_i),
//
// a_i being the mean Euclidean distance from row i to the other rows of its
// cluster and b_i the smallest mean distance to the rows of another
// cluster; s_i = 0 for a row alone in its cluster. Higher is better; it is
// unweighted, as scikit-learn's silhouette_score. When n exceeds the
// sample size, rows are sampled as [SilhouetteSettings] describes, and the
// criterion must be defined on the sample. Panics and errors are those of
// [CalinskiHarabasz], plus ctx.Err() when ctx is cancelled (checked
// between chunks of rows) and, with a sample, ErrCriterionUndefined
// wrapped with "silhouette sample" when the sample holds fewer than two
// clusters. The result does
// not depend on GOMAXPROCS.
func Silhouette(ctx context.Context, x []float64, d, k int, labels []int, s *SilhouetteSettings) (float64, error) {
	if s == nil {
		s = &SilhouetteSettings{}
	}
	n, err := checkMatrix(x, d)
	if err != nil {
		return 0, err
	}
	if _, _, err := checkLabels(n, k, labels); err != nil {
		return 0, err
	}
	size := s.SampleSize
	if size == 0 {
		size = 5000
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	if size > 0 && n > size {
		rng := rand.New(rand.NewPCG(s.Seed, 0x5eed))
		for i := 0; i < size; i++ {
			r := i + rng.IntN(n-i)
			idx[i], idx[r] = idx[r], idx[i]
		}
		idx = idx[:size]
		slices.Sort(idx)
	}
	m := len(idx)
	lab := make([]int, m)
	for i, r := range idx {
		lab[i] = labels[r]
	}
	sizes, _, err := checkLabels(m, k, lab)
	if err != nil {
		return 0, fmt.Errorf("silhouette sample: %w", err)
	}
	// The sample's rows are copied into one block per cluster, each in
	// sample order, so that a row's distance sum to a cluster runs over
	// consecutive memory into one register, in the order of the sample:
	// the sums of the plain loop over the sample, bit for bit.
	start := make([]int, k+1)
	for _, c := range lab {
		start[c+1]++
	}
	for c := range k {
		start[c+1] += start[c]
	}
	next := slices.Clone(start[:k])
	packed := make([]float64, m*d)
	pos := make([]int, m) // sample row i is packed row pos[i]
	for i, r := range idx {
		p := next[lab[i]]
		next[lab[i]]++
		pos[i] = p
		copy(packed[p*d:p*d+d], x[r*d:r*d+d])
	}
	// Each row's coefficient, on every core in small chunks (ctx checked
	// before each); then one partial sum per chunk of chunkRows(m) rows,
	// reduced in chunk order, as the result has always been summed.
	coef := make([]float64, m)
	counted := make([]bool, m)
	sums := make([]float64, parallel.Workers()*k)
	var cancelled atomic.Bool
	parallel.Chunks(m, 64, func(w, lo, hi int) {
		if cancelled.Load() || ctx.Err() != nil {
			cancelled.Store(true)
			return
		}
		acc := sums[w*k : w*k+k]
		for i := lo; i < hi; i++ {
			pi := pos[i]
			ri := packed[pi*d : pi*d+d]
			for c := range k {
				var sum float64
				for p := start[c]; p < start[c+1]; p++ {
					if p != pi {
						sum += math.Sqrt(sqDist(ri, packed[p*d:p*d+d]))
					}
				}
				acc[c] = sum
			}
			own := lab[i]
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
				coef[i], counted[i] = (b-a)/mx, true
			}
		}
	})
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	chunk := chunkRows(m)
	part := make([]float64, (m+chunk-1)/chunk)
	for i := range m {
		if counted[i] {
			part[i/chunk] += coef[i]
		}
	}
	var total float64
	for _, v := range part {
		total += v
	}
	return total / float64(m), nil
}

// KChoice is one row of [SelectK]'s table: the fit for one k and the four
// criteria, side by side.
type KChoice struct {
	K          int     // the number of clusters
	Inertia    float64 // lower is better; always falls as k grows
	Iterations int     // the iterations of the kept run, as Model.Iterations
	// Silhouette (higher is better), CalinskiHarabasz (higher is better)
	// and DaviesBouldin (lower is better) of the fitted labels.
	Silhouette, CalinskiHarabasz, DaviesBouldin float64
	Model                                       *Model // the fit for K
}

// SelectSettings are the settings of [SelectK]; nil means the zero value.
type SelectSettings struct {
	// Fit are the fit settings used for every k (nil means defaults);
	// Centers must be nil.
	Fit *Settings
	// Silhouette are the silhouette settings (nil means defaults: a seeded
	// sample of 5000 rows when n > 5000).
	Silhouette *SilhouetteSettings
}

// SelectK fits k-means for every k in [kmin, kmax] on the row-major x
// (weights as in [Fit]) and returns one [KChoice] per k, in order,
// with the inertia and the three criteria. It does not pick a k: the
// criteria often disagree, and the choice is the caller's. It panics if
// s.Fit.Centers is set; it returns ErrBadK unless 2 <= kmin <= kmax and
// kmax <= n-1, and otherwise the errors of [Fit] (of the least k that has
// one). The k values are fitted concurrently, on up to GOMAXPROCS
// goroutines, with the results of one at a time; with s.Fit.Src or
// s.Fit.Progress set they are fitted one at a time, in k order, so that
// the source is drawn and Progress called in that order.
func SelectK(ctx context.Context, x []float64, d int, weights []float64, kmin, kmax int, s *SelectSettings) ([]KChoice, error) {
	if s == nil {
		s = &SelectSettings{}
	}
	if s.Fit != nil && s.Fit.Centers != nil {
		panic("kmeans: SelectK with fixed initial centres")
	}
	n, err := checkMatrix(x, d)
	if err != nil {
		return nil, err
	}
	if kmin < 2 || kmax < kmin || kmax > n-1 {
		return nil, fmt.Errorf("%w: k range [%d, %d] with n = %d (need 2 <= kmin <= kmax <= n-1)", ErrBadK, kmin, kmax, n)
	}
	out := make([]KChoice, kmax-kmin+1)
	errs := make([]error, len(out))
	choose := func(j int) {
		k := kmin + j
		c, err := selectOne(ctx, x, d, k, weights, s)
		if err != nil {
			err = fmt.Errorf("k = %d: %w", k, err)
		}
		out[j], errs[j] = c, err
	}
	if f := s.Fit; f != nil && (f.Src != nil || f.Progress != nil) {
		// A caller's source is drawn from, and Progress called, in k
		// order: one k at a time.
		for j := range out {
			if choose(j); errs[j] != nil {
				return nil, errs[j]
			}
		}
		return out, nil
	}
	// Each k's fit draws from its own source seeded with Fit.Seed, so the
	// fits are independent: up to GOMAXPROCS at once, largest k first
	// (the longest), the same results as one at a time.
	parallel.Chunks(len(out), 1, func(_, lo, _ int) { choose(len(out) - 1 - lo) })
	for j := range out {
		if errs[j] != nil {
			return nil, errs[j] // the least k's error, as one at a time
		}
	}
	return out, nil
}

// selectOne is SelectK's row for k.
func selectOne(ctx context.Context, x []float64, d, k int, weights []float64, s *SelectSettings) (KChoice, error) {
	m, err := Fit(ctx, x, d, k, weights, s.Fit)
	if err != nil {
		return KChoice{}, err
	}
	c := KChoice{K: k, Inertia: m.Inertia, Iterations: m.Iterations, Model: m}
	if c.Silhouette, err = Silhouette(ctx, x, d, k, m.Labels, s.Silhouette); err != nil {
		return KChoice{}, err
	}
	if c.CalinskiHarabasz, err = CalinskiHarabasz(x, d, k, m.Labels); err != nil {
		return KChoice{}, err
	}
	if c.DaviesBouldin, err = DaviesBouldin(x, d, k, m.Labels); err != nil {
		return KChoice{}, err
	}
	return c, nil
}

// ClusterProfile describes one cluster in the units of the data given to
// [Profile].
type ClusterProfile struct {
	Cluster int     // the label, 0..k-1
	Size    int     // rows
	Share   float64 // Size / n
	// Mean and Median of each column (the median of an even count is the
	// mean of the two middle values); nil for an empty cluster.
	Mean, Median []float64
}

// Profile returns one [ClusterProfile] per cluster 0..k-1 of the labelled
// rows of the row-major x, typically the raw features before log1p and
// standardisation so a marketer reads days and currency. It panics on a
// label outside [0,k), len(labels) != n, d < 1 or len(x) not a multiple of
// d; a NaN or Inf cell is a *FeatureError and no rows is ErrNoRows.
func Profile(x []float64, d, k int, labels []int) ([]ClusterProfile, error) {
	n, err := checkMatrix(x, d)
	if err != nil {
		return nil, err
	}
	mustLabels(n, k, labels)
	members := make([][]int, k)
	for i, l := range labels {
		members[l] = append(members[l], i)
	}
	out := make([]ClusterProfile, k)
	col := make([]float64, 0, n)
	for j, rows := range members {
		p := ClusterProfile{Cluster: j, Size: len(rows), Share: float64(len(rows)) / float64(n)}
		if len(rows) > 0 {
			p.Mean = make([]float64, d)
			p.Median = make([]float64, d)
			for t := 0; t < d; t++ {
				col = col[:0]
				var sum float64
				for _, i := range rows {
					v := x[i*d+t]
					col = append(col, v)
					sum += v
				}
				p.Mean[t] = sum / float64(len(rows))
				slices.Sort(col)
				h := len(col) / 2
				if len(col)%2 == 1 {
					p.Median[t] = col[h]
				} else {
					p.Median[t] = (col[h-1] + col[h]) / 2
				}
			}
		}
		out[j] = p
	}
	return out, nil
}
