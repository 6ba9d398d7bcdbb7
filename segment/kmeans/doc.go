// Package kmeans clusters the rows of a numeric matrix: k-means that
// matches scikit-learn (Lloyd, Hamerly, Elkan, mini-batch), the choice of
// k by inertia, silhouette, Calinski-Harabasz and Davies-Bouldin, the
// usual preprocessing (log1p, z-scores) and cluster profiles. It knows
// nothing of customers: package [github.com/cvmkit/cvm/segment] feeds it
// RFM features and names the clusters it finds
// ([github.com/cvmkit/cvm/segment.NameClusters]).
//
// # Overview
//
// Fit, then apply: [Fit] returns an immutable [Model] ([Model.Predict]
// labels new rows); [FitStandardizer] returns a [Standardizer]
// (Transform, Inverse); [SelectK] fits every k of a range and reports the
// criteria side by side. Settings are [Settings], [SelectSettings] and
// [SilhouetteSettings]; a nil pointer means every default.
//
// # K-means
//
// [Fit] partitions the n rows of a row-major n x d matrix (a flat
// []float64 with d; see Fit for why not *mat.Dense) into k clusters
// minimising the weighted inertia
//
//	J = sum_i w_i ||x_i - c_label(i)||^2,  c_j = sum_{label(i)=j} w_i x_i / sum_{label(i)=j} w_i.
//
// It follows scikit-learn 1.2's KMeans so the two give the same answers:
// greedy k-means++ seeding (2+floor(ln k) candidates per centre, drawn with
// probability proportional to w_i D(x_i)^2), random seeding, or caller
// centres; n_init restarts keeping the lowest inertia; a run stops when no
// label changed (strict convergence) or when
//
//	sum_j ||c_j(new) - c_j(old)||^2 <= tol * mean_t var(X[:, t]),
//
// after which one more assignment makes the labels match the centres; an
// empty cluster takes the row farthest from its centre; the inertia is
// computed from direct differences. With the same initial centres the
// iteration count, the cluster sizes and the inertia agree with
// scikit-learn to rounding (the package tests check this against a plain
// transcription; the README gives a side-by-side run).
//
// [Lloyd] computes every distance. [Hamerly] (for small d, and for any d
// when k <= 32) and [Elkan] (larger d and k) skip distances that triangle-inequality bounds prove cannot
// change a label, so they produce the same labels as Lloyd, iteration by
// iteration, except for exact ties. [MiniBatch] is an approximation for
// very large n. Work is split into chunks whose size depends only on n
// and partial sums are reduced in chunk order, so the same inputs and seed
// give bit-identical results whatever GOMAXPROCS is; randomness comes only
// from Settings.Seed or Settings.Src. A regular iteration
// allocates nothing.
//
// With three features (log R, F, M), the distance scans of Lloyd and
// Hamerly run four rows at a time in AVX2 assembly on amd64 CPUs that have
// it (detected by golang.org/x/sys/cpu, which also checks that the
// operating system saves the AVX state), and a whole Hamerly pass does for
// k <= 8. The kernels compute the
// same bits as the Go code (the same operations in the same order, no
// fused multiply-add, ties to the lowest index), so results do not depend
// on the CPU; other CPUs and architectures, and builds with the purego
// tag, use the Go code.
//
// For other d, Lloyd and Hamerly (k <= 32) scan rows a block at a time
// through a general-d AVX2 kernel: four rows against eight centres at
// once, one centre per 64-bit lane, each lane adding (x_t - c_t)^2 for t
// = 0..d-1 in order, separately rounded, so every distance has the bits
// of the scalar direct-difference code, whatever d (no multiple of any
// block size is needed) and whatever the CPU. scikit-learn instead
// computes ||x||^2 - 2 x.c + ||c||^2 with matrix products; that
// expansion rounds differently (and cancels for rows far from the
// origin), so near-ties could get other labels than the direct
// computation, and it is not used. Hamerly rescans a row whose bounds
// fail against every centre with the kernel (exact first and second
// distances, the tightest bounds), and the dense/sparse pass rule of
// d = 3 applies. At 100k x 32, k = 16 this makes Hamerly 3.5-4x faster
// than before and 1.5-2x faster than Elkan, so [AlgorithmAuto] picks it.
//
// [Log1p] and [Standardizer] are the usual preprocessing of RFM values:
// fit the z-score once, apply it to new rows, and invert it to report
// centres in original units. [SelectK] reports, for each k in a range, the
// inertia and three criteria side by side and picks none:
//
//	silhouette s_i = (b_i - a_i) / max(a_i, b_i)          (higher is better)
//	CH = [B/(m-1)] / [W/(n-m)]                              (higher is better)
//	DB = mean_i max_{j!=i} (s_i + s_j) / ||mu_i - mu_j||   (lower is better)
//
// The silhouette is exact up to 5000 rows and otherwise computed on a
// seeded sample, so it never costs O(n^2) on a million rows. [Profile]
// describes each cluster (size, share, mean and median per column) in
// original units.
//
// # Models and files
//
// A fitted [Model] and a fitted [Standardizer] marshal to JSON in the one
// cvm envelope,
//
//	{"format": "cvm.segment.kmeans", "version": 2, "card": {...}, "k": 8, "d": 3, "centers": [...], ...}
//	{"format": "cvm.segment.standardizer", "version": 2, "card": {...}, "mean": [...], "scale": [...]}
//
// ([ModelFormat], [ModelVersion], [StandardizerFormat],
// [StandardizerVersion]; the formats keep the "segment" name of the
// package they were first written by), and json.Unmarshal reads them back
// exactly. Decoding is strict and bounded: a file of another format or
// version is a *cvm.FormatError naming both; unknown fields and trailing
// data are errors naming them; every declared size (k, d, the sizes, the
// weights, the labels) is checked against the data present before
// anything is allocated from it, so a small file cannot make the decoder
// allocate more than its own size; negative sizes, weights, iteration
// counts and inertia are errors naming the field. The card of a fit says
// how many rows it saw, a fingerprint of their summary that does not
// depend on the order of the rows (n, d, the rows of positive weight, each
// column's smallest and largest value), and the inertia and iteration
// count.
//
// # Bad input
//
// Data problems are errors, never NaN or Inf in a result: a NaN or Inf
// cell or weight is a *FeatureError naming the row and column; finite
// values so large that squared distances would overflow (about |x| >
// 1e150 for a million rows) are a *FeatureError wrapping
// ErrFeatureRange, naming the largest cell, so standardize such columns
// first; settings out of range (negative NInit, MaxIter or BatchSize, a
// NaN or infinite Tol) are errors wrapping ErrSettings naming the field.
// Fit, SelectK and Silhouette take a context.Context first and return
// ctx.Err() when it is cancelled.
//
// # Sources
//
// Lloyd, S. P. (1982). Least squares quantization in PCM. IEEE Trans.
// Information Theory 28(2), 129-137.
// Arthur, D. & Vassilvitskii, S. (2007). k-means++: the advantages of
// careful seeding. SODA 2007, 1027-1035.
// Elkan, C. (2003). Using the triangle inequality to accelerate k-means.
// ICML 2003, 147-153.
// Hamerly, G. (2010). Making k-means even faster. SDM 2010, 130-140.
// Sculley, D. (2010). Web-scale k-means clustering. WWW 2010, 1177-1178.
// Rousseeuw, P. J. (1987). Silhouettes. J. Comput. Appl. Math. 20, 53-65.
// Calinski, T. & Harabasz, J. (1974). A dendrite method for cluster
// analysis. Communications in Statistics 3(1), 1-27.
// Davies, D. L. & Bouldin, D. W. (1979). A cluster separation measure.
// IEEE Trans. Pattern Analysis and Machine Intelligence 1(2), 224-227.
// Pedregosa, F. et al. (2011). Scikit-learn: machine learning in Python.
// JMLR 12, 2825-2830 (sklearn/cluster/_kmeans.py, version 1.2).
package kmeans
