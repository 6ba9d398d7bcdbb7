// Package segment differentiates customers by behaviour: RFM scores with
// named, checked segment maps, and the RFM names of k-means clusters (the
// k-means library itself is [github.com/cvmkit/cvm/segment/kmeans]).
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
//     named tie policy, and [Score] fits them and scores the customers it
//     was fitted on in one call; the fitted [Scorer] is a
//     JSON-serialisable model (fit once, score a later period with
//     [Scorer.ScoreAll], or any raw values such as a k-means centre with
//     [Scorer.Score]).
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
// # Clusters
//
// The general k-means library, with k selection, preprocessing and
// validity indices, is the nested package
// [github.com/cvmkit/cvm/segment/kmeans]; it knows nothing of RFM.
// [NameClusters] is the join: it scores each centre, in original units,
// with a [Scorer] and names it with a [RuleSet], so a marketer can read a
// cluster as "Champions" or "At Risk".
//
// # Models and files
//
// The Scorer and the RuleSet marshal to JSON in the one cvm envelope,
//
//	{"format": "cvm.segment.scorer", "version": 2, "card": {...}, "bins": 5, ...}
//	{"format": "cvm.segment.rules", "version": 2, "bins": 5, "segments": [...], "rules": [...]}
//
// ([ScorerFormat], [ScorerVersion], [RulesFormat], [RulesVersion]), and
// json.Unmarshal is the one way to read them: a rules file a user writes
// is the RuleSet's JSON form. Decoding is strict: a file of another format
// or version is a *cvm.FormatError naming both, and unknown fields (a
// misspelt "fm" in a rule) and trailing data are errors naming them. A
// fitted Scorer carries a [cvm.ModelCard] ([Scorer.Card]): the customers
// it was fitted on and a fingerprint of their values.
//
// # Scoring in the warehouse
//
// [Scorer.SQL] exports a fitted scorer as one SQL query (cvm.Dialect:
// SQLite, PostgreSQL, DuckDB or ANSI) over a table of raw RFM values,
// which a database runs without any cvm code: each score is a CASE over
// the breaks in the scorer's own convention (a value equal to a break
// falls in the lower bin; recency inverted), and with
// [SQLSettings].Rules the segment map is a CASE over the cells, one
// branch per rule in order, first match wins, FM = (F+M)/2 in [lo, hi]
// written as F+M in [2 lo, 2 hi]:
//
//	CASE WHEN (recency IS NULL) THEN NULL WHEN (recency <= b_1) THEN 5 ... ELSE 1 END AS r
//	CASE WHEN ((r >= 5) AND (r <= 5) AND ((f + m) >= 8) AND ((f + m) <= 10)) THEN 'Champions' ... END AS segment
//
// The breaks print exactly (strconv 'g', -1) and the values are read as
// doubles, so every customer gets the cell and segment of
// [Scorer.ScoreAll] and [RuleSet.Segment]; on Online Retail in SQLite and
// PostgreSQL all 4,339 customers with a purchase do
// (examples/sqldb/scoring).
//
// # Names
//
// Fitting and applying are separate calls, named for what they return:
//
//	FitScorer(values, s)        -> *Scorer: the breaks, to save and reuse
//	Score(dst, values, s)       -> cells and the *Scorer: fit and score in one call
//	(*Scorer).ScoreAll(dst, v)  -> cells of values with a fitted scorer
//	(*Scorer).Score(r, f, m)    -> the cell of one triple of raw values
//
// Settings structs are [RFMSettings], [ScorerSettings] and
// [RuleSetSettings]; a nil pointer means every default. A call that
// writes into a caller's slice takes it first (dst), and
// [RFMFromTransactions], which summarises a stream, takes a
// context.Context first.
package segment
