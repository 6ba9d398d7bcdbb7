// Package segment differentiates customers by behaviour: RFM scores with
// named, checked segment maps, and k-means clusters.
//
// # Overview
//
// RFM analysis (Hughes 1994; Bult & Wansbeek 1995) describes each customer
// by three numbers as of a date: how Recently they bought, how Frequently,
// and how much Monetary value they brought. The numbers are scored into
// 1..B (B = 5 by default) and the score cells are named ("Champions",
// "At Risk") by a rule set. Widely used tools silently disagree on every
// step of that; this package makes each choice explicit:
//
//   - [RFMValues] and [RFMFromTransactions] compute the raw values.
//   - [FitScorer] fits the breaks that turn values into scores, with a
//     named tie policy, and [FitScore] also scores the customers it was
//     fitted on; the fitted [Scorer] is a JSON-serialisable model (fit
//     once, score a later period with [Scorer.ScoreAll], or any raw
//     values such as a k-means centre with [Scorer.Score]).
//   - [NewRuleSet] builds a first-match-wins [RuleSet] of named segments and
//     checks it: unreachable segments and uncovered cells are reported or
//     refused. [DefaultRules] is a 5-bin map of 11 segments that covers all
//     125 cells and reaches every segment it names.
//   - [SummarizeSegments] and [RFGrid] give the segment table and the R x F
//     heatmap; [BinCounts] the customers per score, so empty scores show.
//
// The command "cvm rfm" in examples/cvm runs all of it on a transactions
// CSV file.
//
// # RFM values
//
// For a customer with purchases (transactions with Amount >= 0, see
// [cvm.Summary]) and an as-of time t:
//
//	recency   = days from the last purchase to t
//	            WholeDays:      DayNumber(t) - DayNumber(last)   (calendar days)
//	            FractionalDays: (t - last) / 24h
//	frequency = purchase occasions (cvm.Summary.Occasions: distinct calendar
//	            days with cvm.ByDay, distinct order IDs with cvm.ByOrder)
//	monetary  = MonetaryTotal: net amount (purchases minus returns)
//	            MonetaryMean:  net amount / frequency
//
// A customer with only returns has no purchase, so no recency: such
// customers are left out and listed separately. A customer whose purchases
// are all zero, or whose returns exceed them, is kept with a monetary value
// of zero or below and scores lowest on M.
//
// # Scores
//
// Every dimension is scored on an ascending scale s in 1..B from B-1 breaks
// b_1 <= ... <= b_{B-1}, with right-closed intervals, as R's
// cut(x, c(-Inf, b, Inf)) does:
//
//	s(v) = 1 + #{k : b_k < v}
//	F = s(frequency), M = s(monetary), R = B + 1 - s(recency)
//
// so the most recent customers get R = B. The breaks come from one of
// three policies:
//
//   - TiesByValue: b_k = Q7(k/B), the quantile of type 7 in Hyndman & Fan
//     (1996), the default of R's quantile() and numpy's percentile():
//     Q7(p) = x(j) + g (x(j+1) - x(j)) with h = (n-1) p, j = floor(h),
//     g = h - j, on the sorted values x(0) <= ... <= x(n-1). Equal values
//     always share a score. When many customers share a value (half the
//     CDNOW customers bought once) several breaks coincide and the bins
//     between them are empty: F jumps from 1 to 3. [Binning.EmptyBins]
//     names those bins so a report can say so.
//   - TiesByRank: equal-count bins by rank, as pandas'
//     qcut(x.rank(method="first"), B) does on rows sorted by customer ID.
//     The customers are sorted by (value, customer ID), position i in
//     0..n-1 gets s = max(1, ceil(i B / (n-1))); customers with equal
//     values are split by customer ID, the smaller ID getting the lower s
//     (hence the higher R for recency). Bin sizes differ by at most one.
//     The breaks kept for later scoring are the largest value in each bin.
//   - Fixed breaks given by the caller, strictly increasing (for example
//     recency 30, 90, 180, 365 days).
//
// # Segments
//
// A rule names a segment and constrains any of R, F, M and FM = (F+M)/2
// to closed ranges; the first rule that matches a cell gives its segment.
// A rule set over (R, F, M) uses r, f, m; one over R and the mean of F and
// M uses r and fm. Building a rule set evaluates all B^3 cells once, so
// looking a cell up is one table read.
//
// [DefaultRules] (B = 5, over R and FM):
//
//	segment            R     FM         meaning
//	Champions          5     4-5        bought recently, buy often, spend most
//	Loyal              3-5   3.5-5      buy regularly and spend well
//	Potential Loyalist 4-5   2-3        recent, moderate frequency and spend
//	New                5     1-1.5      bought for the first time very recently
//	Promising          4     1-1.5      recent, but bought little so far
//	Need Attention     3     2.5-3      average on all three, slipping
//	About to Sleep     3     1-2        below average and fading
//	Can't Lose Them    1-2   4.5-5      were among the best, long gone
//	At Risk            1-2   3-4        spent and bought often, long ago
//	Lost               1     1-2        lowest on all three
//	Hibernating        1-2   1-2.5      long ago, little, rarely
//
// # RFM sources
//
// Hughes, A. M. (1994). Strategic Database Marketing. Probus.
// Bult, J. R. & Wansbeek, T. (1995). Optimal selection for direct mail.
// Marketing Science 14(4), 378-394.
// Hyndman, R. J. & Fan, Y. (1996). Sample quantiles in statistical
// packages. The American Statistician 50(4), 361-365.
//
// # K-means
//
// [FitKMeans] partitions the n rows of a row-major n x d matrix (a flat
// []float64 with d; see FitKMeans for why not *mat.Dense) into k clusters
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
// [Lloyd] computes every distance. [Hamerly] (for small d) and [Elkan]
// (larger d) skip distances that triangle-inequality bounds prove cannot
// change a label, so they produce the same labels as Lloyd, iteration by
// iteration, except for exact ties. [MiniBatch] is an approximation for
// very large n. Work is split into chunks whose size depends only on n
// and partial sums are reduced in chunk order, so the same inputs and seed
// give bit-identical results whatever GOMAXPROCS is; randomness comes only
// from KMeansSettings.Seed or KMeansSettings.Src. A regular iteration
// allocates nothing.
//
// With three features (log R, F, M), the distance scans of Lloyd and
// Hamerly run four rows at a time in AVX2 assembly on amd64 CPUs that have
// it, and a whole Hamerly pass does for k <= 8. The kernels compute the
// same bits as the Go code (the same operations in the same order, no
// fused multiply-add, ties to the lowest index), so results do not depend
// on the CPU; other CPUs and architectures, and builds with the purego
// tag, use the Go code.
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
// K-means sources:
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
package segment
