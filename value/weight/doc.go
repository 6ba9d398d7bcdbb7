// Package weight derives criteria weights for multi-criteria decisions and
// ranks alternatives with them: the analytic hierarchy process, the entropy
// weight method, CRITIC, blending of subjective and objective weights, and
// TOPSIS. It knows nothing of customers: its inputs are gonum matrices
// whose rows are alternatives and whose columns are criteria (or square
// pairwise comparison matrices). Package value uses it to weigh the
// indicators of its customer value model.
//
// # Overview
//
// Weights are derived from pairwise comparisons by the analytic hierarchy
// process ([AHP], Saaty 1977, 1980), or from data by the entropy weight
// method ([Entropy], Shannon 1948; Zeleny 1982) and CRITIC ([CRITIC],
// Diakoulaki, Mavrotas & Papayannakis 1995), and blended ([Blend]) as
// alpha*subjective + (1-alpha)*objective. [TOPSIS] ranks alternatives by
// their relative closeness to the ideal point (Hwang & Yoon 1981).
//
//	AHP:     A w = lambda_max w,  CI = (lambda_max - n)/(n - 1),  CR = CI / RI(n)
//	entropy: p_ij = x_ij / sum_i x_ij,  e_j = -sum_i p_ij ln p_ij / ln m,  w_j ~ 1 - e_j
//	CRITIC:  C_j = sigma_j sum_k (1 - rho_jk),  w_j ~ C_j
//	TOPSIS:  C_i = D-_i / (D+_i + D-_i)
//
// A pairwise comparison matrix with a consistency ratio of 0.10 or more is
// an error unless the caller accepts it ([AHPSettings]); the random-index
// table is pluggable ([SaatyRI], [SaatyRI2005]) and checked: every entry
// for n >= 3 must be positive and finite, so a table of zeros cannot
// silently report CR = 0. Several experts' matrices are combined by the
// element-wise geometric mean ([AggregateJudgements]).
//
// Entropy weights are taken of the raw non-negative values with 0 ln 0 = 0,
// not of min-max normalised ones, so that a nearly constant column with one
// deviating value does not get an absurdly large weight (see [Entropy]).
// CRITIC gives a constant column weight 0 and leaves it out of the other
// columns' conflict sums.
//
// # Bad input and extreme values
//
// NaN and infinities in a matrix are errors naming the entry
// ([MatrixError]); bad weights name the element ([VectorError]). Entropy,
// CRITIC and TOPSIS are scale-invariant per column, and they are computed
// so that finite values of any size give finite weights: a column whose
// range or sum would overflow (values near ±1e308) is scaled down first,
// which does not change the result.
//
// # Sources
//
//   - T. L. Saaty (1977), A scaling method for priorities in hierarchical
//     structures, J. Math. Psychology 15, 234-281; Saaty (1980), The
//     Analytic Hierarchy Process, McGraw-Hill; Saaty (2005), Theory and
//     Applications of the Analytic Network Process, RWS Publications.
//   - J. Aczél, T. L. Saaty (1983), Procedures for synthesizing ratio
//     judgements, J. Math. Psychology 27, 93-102 (geometric-mean
//     aggregation).
//   - D. Diakoulaki, G. Mavrotas, L. Papayannakis (1995), Determining
//     objective weights in multiple criteria problems: the CRITIC method,
//     Computers & Operations Research 22(7), 763-770.
//   - C. L. Hwang, K. Yoon (1981), Multiple Attribute Decision Making,
//     Springer.
//   - M. Zeleny (1982), Multiple Criteria Decision Making, McGraw-Hill
//     (entropy weights).
package weight
