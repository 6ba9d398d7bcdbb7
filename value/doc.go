// Package value scores customers on current and potential value with a
// hierarchical multi-indicator model, places them in the value matrix and
// the customer pyramid, and explains every score.
//
// # Overview
//
// The model follows the customer value evaluation of a large B2B supplier
// (the Baosteel case): every customer is evaluated on two dimensions,
// current value and potential value, each measured by indicators arranged
// in groups (dimension -> group -> indicator, see [Catalog]). The default
// catalog ([DefaultCatalog]) has 30 indicators, 15 per dimension in 3 groups
// of 5 each.
//
// Fitting ([Fit]) takes an [IndicatorTable] (customers x indicators) and
// optional [Settings], and fixes, per indicator, reference bounds for the
// normalisation, so scores stay comparable across periods and do not move
// when customers are added; it also fixes the cuts of the value matrix and
// the customer pyramid. Scoring ([Model.Score]) then maps each raw value x
// of indicator j onto [0, 1] and aggregates:
//
//	x'   = sign(x) * ln(1 + |x|)              when Normalization.Log
//	x''  = min(max(x', q_lo), q_hi)           winsorising at fitted quantiles
//	r_j  = (x'' - lo) / (hi - lo)             MinMax
//	     = Phi((x'' - mean) / sd)             ZScore
//	     = rank of x'' among fitted quantiles PercentileRank
//	r_j  = 1 - r_j                            for Cost indicators
//	w_j  = w_group(j) * w_indicator(j)        global weight within a dimension
//	S_d  = 100 * sum_j w_j r_j / sum_j w_j    over the dimension's indicators
//	Total = a * S_current + (1 - a) * S_potential
//
// or, with [TOPSIS] aggregation, S_d = 100 * D-/(D+ + D-) with the weighted
// Euclidean distances D+ and D- to the fixed ideal point r = 1 and anti-ideal
// point r = 0 (Hwang & Yoon 1981).
//
// # Weights
//
// Weights can be given directly, derived from pairwise comparisons by the
// analytic hierarchy process (Saaty 1977, 1980), or from the data by the
// entropy weight method (Shannon 1948; Zeleny 1982) and CRITIC
// (Diakoulaki, Mavrotas & Papayannakis 1995), and blended as
// alpha*subjective + (1-alpha)*objective. The methods themselves, which
// know nothing of customers, are in package [weight] ([weight.AHP],
// [weight.Entropy], [weight.CRITIC], [weight.Blend], [weight.TOPSIS]); this
// package applies them to a catalog ([HierarchyWeights], [DataWeights]).
//
// AHP is applied level by level ([HierarchyWeights]): one 2 x 2 matrix for
// the dimensions, one per dimension for its groups and one per group for
// its indicators, so the default catalog needs 67 judgements instead of
// the 435 of one 30 x 30 matrix ([JudgementCount]). Several experts'
// matrices are combined by the element-wise geometric mean
// ([weight.AggregateJudgements]). A matrix with a consistency ratio of
// 0.10 or more is an error unless the caller accepts it; the random-index
// table is pluggable ([weight.SaatyRI], [weight.SaatyRI2005]) and checked.
// Record how the weights were obtained in [Settings.Weighting]
// ([HierarchyResult.Weighting] for AHP): the fitted model's card then says
// so, with the largest consistency ratio.
//
//	A w = lambda_max w,  CI = (lambda_max - n)/(n - 1),  CR = CI / RI(n)
//	entropy: p_ij = x_ij / sum_i x_ij,  e_j = -sum_i p_ij ln p_ij / ln m,  w_j ~ 1 - e_j
//	CRITIC:  C_j = sigma_j sum_k (1 - rho_jk),  w_j ~ C_j
//
// Entropy weights are taken of the raw non-negative values with 0 ln 0 = 0,
// not of min-max normalised ones, so that a nearly constant column with one
// deviating value does not get an absurdly large weight (see
// [weight.Entropy]). CRITIC gives a constant column weight 0 and leaves it
// out of the other columns' conflict sums.
//
// Weights must sum to 1 within each group and each dimension (to 1e-6);
// [Settings.NormalizeWeights] rescales them instead of returning an error.
//
// # Missing and bad values
//
// An [IndicatorTable] marks a missing value with NaN. It is never replaced by zero:
// the [MissingPolicy] either rejects it (the default, an error naming the
// customer and the indicator), imputes the indicator's fitted median, or
// drops the indicator from that customer's score and renormalises the
// remaining weights of the dimension; [Score.Imputed] and [Score.Dropped]
// report it per customer and [Model.Explain] per indicator. Infinite values,
// duplicate customers, unknown indicator IDs and bad weights are errors
// that name the customer, indicator or parameter; a [DataError] also
// carries the customer's index in the table, which a caller that read the
// table from a file maps to its line (as cvm score does).
//
// # Value matrix and pyramid
//
// A customer is high on a dimension when its score is above the cut
// (strictly), as the [CutRule] says. The default, [CutConcentration], cuts
// where value concentrates: the high customers are the fewest top-scoring
// customers who together hold [Settings.CutShare] (one half) of the sum of
// the dimension's fitted scores,
//
//	s_(1) >= s_(2) >= ... sorted fitted scores,  k = min{k : s_(1) + ... + s_(k) >= share * sum_i s_i}
//	cut = the largest fitted score below s_(k)   (ties at s_(k) stay high together)
//
// so that quadrant IV (key-account care) holds the customers who carry
// both halves of the value, a minority: the seeds' gold customers and
// "concentrate resources on the best and highest-potential customers". On
// Online Retail (4,372 customers, retail catalog) it holds 937 customers
// (21.4%, with 50.7% of net sales), where the median split put 1,585
// (36.3%, 83.9% of net sales) there. The fitted median ([CutMedian]) or
// mean ([CutMean]) of the fit data's scores, or a given cut ([CutFixed]),
// remain available. Strictly above, because real data often have many
// customers tied at the bottom (no repeat purchase, no growth): with a
// median of 0, "at least the median" would make everyone high. The quadrants ([Quadrant]) carry their strategy
// ([Quadrant.Strategy]): IV high/high invest, III high current/low
// potential retain efficiently, II low current/high potential develop, I
// low/low serve at low cost. Quadrants and tiers have text forms
// ([ParseQuadrant], [ParseTier]: "IV", "gold"). The customer pyramid
// ([Tier]) cuts the fitted
// total scores at quantiles given by the tier shares, by default the top 1%,
// the next 4%, the next 15% and the rest (Zeithaml, Rust & Lemon 2001); a
// customer is in a tier when its total is above the tier's cut, so ties at
// a cut go to the lower tier.
//
// # Retail (B2C) catalog from transactions
//
// The default catalog is fed by a B2B firm's CRM, ERP and surveys. A
// retail business often has only its transactions: [RetailIndicators]
// computes [RetailCatalog]'s indicators from them in one pass (formulas
// and windows in [RetailCatalog]): current value from net revenue, gross
// profit (with a given margin), units, average order value, order
// frequency, recency, tenure, category breadth, return share, monthly
// volatility and purchase regularity; potential value from headroom, not
// continuation: share-of-wallet headroom (the spend of comparable
// customers at their 90th percentile minus the customer's own, a
// nearest-neighbour high-quantile wallet estimate after Perlich et al.
// 2007), cross-buying headroom (the breadth of comparable customers at
// their 90th percentile minus the customer's own) and the growth trend
// within the current relationship (a re-activated customer is compared
// with its purchases since the re-activation, not across the gap).
// Customers with returns but no purchase are flagged
// ([Retail.ReturnsOnly]) and get the worst recency, never an imputed one.
//
// Every retail indicator is normalised by its percentile rank among the
// fitted customers without winsorising ([PercentileRank]): only the
// largest fitted value maps to 1, so the top customers stay apart (on
// Online Retail the 43 highest totals, the top 1%, take 34 distinct values
// at one decimal, the highest 93.8; with the B2B catalog's signed-log
// min-max winsorised at the 99th percentile, 9 customers scored 100.0 and
// the top 1% took 24), and negative net revenues take the bottom ranks
// instead of stretching a min-max scale (issue 17 measured the 10th to
// 90th percentile customers' revenue normalised between 0.73 and 0.91).
//
// # Where CLV belongs: current value
//
// A CLV forecast (value/clv: BG/NBD or Pareto/NBD with Gamma-Gamma) is the
// customer's current behaviour continued. Verhoef & Donkers (2001) define
// current value as the value of a customer if the current purchase
// behaviour continues, and potential value as the additional value if the
// customer buys what he does not yet buy (cross-selling, share of wallet);
// Kumar & Reinartz (2012) likewise measure CLV as the future value of the
// relationship under the current strategy, and customer potential as the
// wallet not yet captured. So value/clv's forecasts belong with current
// value: [RetailCatalog] has a lifetime group of current value for them
// ([GroupLifetime]), and potential value holds only headroom and growth.
// The effect on Online Retail (cvm run, retail catalog with -product
// StockCode, Spearman over the 4,339 customers with an RFM cell): current
// against potential 0.699 before (CLV forecasts as potential, four
// indicators from transactions) and 0.512 after; total against a plain
// R+F+M sum of the quintile scores 0.972 before, 0.932 after (without
// -product: 0.489 and 0.919).
//
// # Other indicators and customer types
//
// Indicators are identified by ID only, so other packages can supply
// values: value/clv, for example, gives predicted lifetime value, expected
// purchases and P(alive) as [Indicator] entries (clv.PotentialIndicators,
// named before the decision above: set their Dimension to CurrentValue and
// their group to [GroupLifetime]) for [Catalog.Add], and their values as
// table columns ([IndicatorTable.WithColumn]). Indicators from two sources
// (transactions and a CRM file) are joined by customer ID with
// [IndicatorTable.Join] and their catalogs with [Catalog.Merge].
// Different customer types can use different indicator sets and weights:
// fit one model per type ([FitByType]).
//
// # Calls, persistence and concurrency
//
// The package follows the module's one convention: [Fit], [FitByType],
// [Model.Score], [Model.Reasons] and [DataWeights] take a context first
// (they can run long on a million customers) and return its error when it
// is cancelled; [Model.Score] and [Model.Reasons] take their dst slice
// before the table; settings are a *[Settings] where nil means every
// default.
//
// [Model.Explain] explains one customer's score in full. [Model.Reasons]
// gives, for every customer of a table in one pass, the IDs of the n
// indicators that contribute most to the total, in Explain's order (ties
// in catalog order): each value is normalised once and the top n are
// selected among small indices, without a table, a score or a sort per
// customer (a million customers x 18 retail indicators take about half a
// second of CPU, BenchmarkReasons).
//
// A fitted [Model] is immutable and safe for concurrent use. It marshals to
// JSON in the cvm envelope, {"format": "cvm.value.model", "version": 2,
// "card": {...}, ...} ([ModelFormat], [ModelVersion]), whose
// [cvm.ModelCard] records the library version, the number of customers, a
// fingerprint of the fitted statistics (never customer data) and the
// quality figures "indicators" and, for AHP weights, "ahp_cr".
// json.Unmarshal is the one decode verb: it rejects another format or
// version with a *cvm.FormatError naming both, and unknown fields with an
// error naming them, and decodes to a model that scores bit for bit the
// same, so it can be fitted in one place and scored in another. A
// [Catalog] decodes strictly too. Scoring writes into a caller-owned
// slice, allocates nothing per customer, and splits large tables over
// GOMAXPROCS goroutines with results independent of their number. A
// fitted model, and so its file, does not depend on the order of the
// table's rows: its statistics are quantiles, and the sums of the ZScore
// moments and of the mean cut are taken in sorted order.
//
// # Scoring in the warehouse
//
// [Model.SQL] exports a fitted model as one SQL query over a table of
// indicator columns (NULL for missing), for SQLite, PostgreSQL, DuckDB or
// ANSI SQL, which a database runs without any cvm code. Its CTEs compute
// what [Model.Score] computes, in the same order, one IEEE double
// operation at a time: the signed log transform, the min-max map clamped
// to [0, 1] or the percentile rank on the fitted 101-point grid, cost
// inversion, the imputation or dropping of missing values, the weighted
// sum (or TOPSIS closeness) capped at 100, the total, the quadrant and
// the tier. Every comparison with a fitted value is made on the raw
// input against the bound Go's own transform maps to it, so a database
// LN that differs from Go's in the last bit (SQLite's and PostgreSQL's
// do, for about 2% of arguments) cannot move a value across a break of
// the percentile grid. On Online Retail the SQL scores of all 4,372
// customers differ from Go's by at most 2.9e-14 on the 0..100 scale in
// SQLite and PostgreSQL, with the same quadrant and tier for every
// customer (examples/sqldb/scoring). A [ZScore] normalisation has no SQL
// form (erfc) and is an error wrapping [ErrNoSQL].
//
// # Sources
//
//   - P. C. Verhoef, B. Donkers (2001), Predicting customer potential
//     value: an application in the insurance industry, Decision Support
//     Systems 32(2), 189-199 (current vs potential value).
//   - V. Kumar, W. Reinartz (2012), Customer Relationship Management:
//     Concept, Strategy, and Tools, 2nd ed., Springer (CLV and customer
//     potential).
//   - C. Perlich, S. Rosset, R. D. Lawrence, B. Zadrozny (2007),
//     High-quantile modeling for customer wallet estimation and other
//     applications, Proc. 13th ACM SIGKDD, 977-985 (wallet as a high
//     quantile of comparable customers' spend).
//   - T. L. Saaty (1977), A scaling method for priorities in hierarchical
//     structures, J. Math. Psychology 15, 234-281; Saaty (1980), The
//     Analytic Hierarchy Process, McGraw-Hill.
//   - D. Diakoulaki, G. Mavrotas, L. Papayannakis (1995), Determining
//     objective weights in multiple criteria problems: the CRITIC method,
//     Computers & Operations Research 22(7), 763-770.
//   - C. L. Hwang, K. Yoon (1981), Multiple Attribute Decision Making,
//     Springer.
//   - V. A. Zeithaml, R. T. Rust, K. N. Lemon (2001), The customer pyramid,
//     California Management Review 43(4), 118-142.
//   - M. Zeleny (1982), Multiple Criteria Decision Making, McGraw-Hill
//     (entropy weights).
//   - J. Aczél, T. L. Saaty (1983), Procedures for synthesizing ratio
//     judgements, J. Math. Psychology 27, 93-102 (geometric-mean
//     aggregation).
//   - R. J. Hyndman, Y. Fan (1996), Sample quantiles in statistical
//     packages, The American Statistician 50(4), 361-365 (definition 7,
//     used for all fitted quantiles).
package value
