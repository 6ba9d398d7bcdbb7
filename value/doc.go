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
// Fitting ([Fit]) fixes, per indicator, reference bounds for the
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
// analytic hierarchy process ([AHP], Saaty 1977, 1980), or from the data by
// the entropy weight method ([EntropyWeights], Shannon 1948; Zeleny 1982)
// and CRITIC ([CRITICWeights], Diakoulaki, Mavrotas & Papayannakis 1995),
// and blended ([Blend]) as alpha*subjective + (1-alpha)*objective.
//
// # Sources
//
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
package value
