package clv

import (
	"cmp"
	"math"
	"slices"
)

// MergeRows returns the compressed rows of the union of disjoint groups
// of customers, given each group's compressed rows (as Compress builds
// them): rows with the same (Frequency, Recency, T) become one whose
// Count is the sum of theirs, sorted by frequency, then recency, then T,
// as Compress sorts. This is how a distributed count is combined: split
// the transactions by customer (every transaction of a customer in one
// partition, for example by a hash of the ID), Prepare and Compress each
// partition with the same calibration end and settings, and MergeRows the
// results, in any order; the rows can then be fitted centrally with
// FitBGNBDRows and the other Fit*Rows.
//
// For rows without a NaN and with whole counts below 2^53 (counts of
// customers), MergeRows(Compress(a), Compress(b), ...) is Compress of the
// union, bit for bit. For any rows the result does not depend on the
// order of the parts or of the rows within them: the counts of equal
// triples are summed in one fixed order, and of -0 and +0 the +0 is kept. A row with a NaN is never merged with
// another, as in Compress.
// MergeRows does not validate or modify its inputs (the Fit*Rows
// functions validate); it returns nil when there are no rows.
func MergeRows(parts ...[]Row) []Row {
	return merge(parts, func(a, b Row) int {
		return cmp.Or(cmpRow(a, b), cmpBits(a.Frequency, b.Frequency), cmpBits(a.Recency, b.Recency), cmpBits(a.T, b.T),
			cmp.Compare(a.Count, b.Count), cmpBits(a.Count, b.Count))
	}, func(last *Row, r Row) bool {
		if r.Frequency == last.Frequency && r.Recency == last.Recency && r.T == last.T {
			last.Count += r.Count
			return true
		}
		return false
	})
}

// MergeSpendRows is MergeRows for the spend rows of CompressSpend: the
// rows of disjoint groups of customers, equal (Frequency, MeanSpend) pairs
// merged with their counts added, sorted as CompressSpend sorts, so that
// FitGammaGammaRows fits a distributed count centrally. For rows without
// a NaN and with whole counts below 2^53, merging the CompressSpend rows
// of the groups gives CompressSpend of the union, bit for bit; for any
// rows the result does not depend on the order of the parts or rows. It
// does not validate or modify its inputs and returns nil when there are
// no rows.
func MergeSpendRows(parts ...[]SpendRow) []SpendRow {
	return merge(parts, func(a, b SpendRow) int {
		return cmp.Or(cmpSpend(a, b), cmpBits(a.Frequency, b.Frequency), cmpBits(a.MeanSpend, b.MeanSpend),
			cmp.Compare(a.Count, b.Count), cmpBits(a.Count, b.Count))
	}, func(last *SpendRow, r SpendRow) bool {
		if r.Frequency == last.Frequency && r.MeanSpend == last.MeanSpend {
			last.Count += r.Count
			return true
		}
		return false
	})
}

// merge concatenates the parts, sorts them by order and folds each row
// into the one before when absorb says it did (adding its count); nil
// when there are no rows.
func merge[T any](parts [][]T, order func(a, b T) int, absorb func(last *T, r T) bool) []T {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	if n == 0 {
		return nil
	}
	rows := make([]T, 0, n)
	for _, p := range parts {
		rows = append(rows, p...)
	}
	slices.SortFunc(rows, order)
	out := rows[:1]
	for _, r := range rows[1:] {
		if !absorb(&out[len(out)-1], r) {
			out = append(out, r)
		}
	}
	return slices.Clip(out)
}

// cmpBits orders floats by their bits, so that values cmp.Compare calls
// equal (-0 and +0, NaNs of different payloads) still sort one way.
func cmpBits(a, b float64) int { return cmp.Compare(math.Float64bits(a), math.Float64bits(b)) }
