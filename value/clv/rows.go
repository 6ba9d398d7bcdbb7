package clv

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/num"
)

// SpendRow is one distinct (Frequency, MeanSpend) pair of repeat buyers
// and the number of customers who share it: the compressed input of
// [FitGammaGammaRows].
type SpendRow struct {
	Frequency, MeanSpend float64
	Count                float64
}

// checkRows validates compressed rows as Customer.validate validates
// customers, plus a positive, finite Count, and returns a sorted copy in
// which equal (Frequency, Recency, T) rows are merged, their counts
// added: the rows Compress would build from the expanded customers. A
// bad row is a *CustomerError whose Index is the row's index.
func checkRows(rows []Row, bgbb bool) ([]Row, error) {
	if len(rows) == 0 {
		return nil, ErrEmptyInput
	}
	for i, r := range rows {
		c := Customer{Frequency: r.Frequency, Recency: r.Recency, T: r.T}
		if err := validateAs(c, i, bgbb); err != nil {
			return nil, err
		}
		if !(r.Count > 0) || math.IsInf(r.Count, 0) {
			return nil, &CustomerError{Index: i, Field: "count", Err: fmt.Errorf("%w: count %v is not positive and finite", ErrInvalidCustomer, r.Count)}
		}
	}
	out := slices.Clone(rows)
	if increasing(out, cmpRow) {
		return out, nil // sorted, nothing to merge: as Compress builds them
	}
	slices.SortStableFunc(out, cmpRow)
	m := out[:1]
	for _, r := range out[1:] {
		if last := &m[len(m)-1]; cmpRow(*last, r) == 0 {
			last.Count += r.Count
			continue
		}
		m = append(m, r)
	}
	return m, nil
}

// increasing reports whether every element of s is before the next by
// cmp: sorted with no two equal, which a stable sort and a merge of equal
// elements leave as they are.
func increasing[E any](s []E, cmp func(a, b E) int) bool {
	for i := 1; i < len(s); i++ {
		if cmp(s[i-1], s[i]) >= 0 {
			return false
		}
	}
	return true
}

// rowsFingerprint is the fingerprint of the customers that rows stand
// for, with zero spend: Fingerprint of the expanded customers when their
// MeanSpend is zero. rows are sorted and merged.
func rowsFingerprint(rows []Row) string {
	var n, cn, sx, cx, st, ct, sT, cT float64
	for _, r := range rows {
		n, cn = num.AddNeumaier(n, cn, r.Count)
		sx, cx = num.AddNeumaier(sx, cx, r.Count*r.Frequency)
		st, ct = num.AddNeumaier(st, ct, r.Count*r.Recency)
		sT, cT = num.AddNeumaier(sT, cT, r.Count*r.T)
	}
	return cvm.Fingerprint(n+cn, sx+cx, st+ct, sT+cT, 0)
}

// rowSettings checks s for a fit from rows; Source is not compared with
// the rows (which carry no holdout) and only its dates and unit are used.
func rowSettings(s *FitSettings, names []string) (FitSettings, error) {
	var set FitSettings
	if s != nil {
		set = *s
	}
	src := set.Source
	set.Source = nil
	set, err := checkSettings(&set, names, 0)
	set.Source = src
	return set, err
}

// FitBGNBDRows fits BG/NBD, as FitBGNBD does, to compressed rows, each
// (Frequency, Recency, T) standing for Count customers (Count need not be
// a whole number: a weight), so that counts computed elsewhere (a
// database, a distributed job) are fitted without expanding them into
// customers. Rows may repeat a triple; they are merged. The fit equals
// FitBGNBD on the expanded customers bit for bit, FitInfo included.
//
// s.Source, when given, only lends its dates and unit to the card: rows
// carry no holdout, so no holdout error is recorded. The card's
// fingerprint is that of the expanded customers with zero spend. It
// returns ErrEmptyInput for no rows, a *CustomerError whose Index is the
// row's for a row that is not a valid customer or whose Count is not
// positive and finite, and otherwise the errors of FitBGNBD.
func FitBGNBDRows(ctx context.Context, rows []Row, s *FitSettings) (*BGNBD, error) {
	return fitBGRows(ctx, rows, s, false)
}

// FitMBGNBDRows fits MBG/NBD to compressed rows like FitBGNBDRows.
func FitMBGNBDRows(ctx context.Context, rows []Row, s *FitSettings) (*BGNBD, error) {
	return fitBGRows(ctx, rows, s, true)
}

func fitBGRows(ctx context.Context, rows []Row, s *FitSettings, modified bool) (*BGNBD, error) {
	set, err := rowSettings(s, bgNames)
	if err != nil {
		return nil, err
	}
	rows, err = checkRows(rows, false)
	if err != nil {
		return nil, err
	}
	m, info, err := fitBGIndexed(ctx, indexRows(rows), set, modified)
	if err != nil {
		return nil, err
	}
	m.Card = cardOf(rowsFingerprint(rows), set, info)
	return m, nil
}

// FitParetoNBDRows fits Pareto/NBD to compressed rows like FitBGNBDRows.
func FitParetoNBDRows(ctx context.Context, rows []Row, s *FitSettings) (*ParetoNBD, error) {
	set, err := rowSettings(s, paretoNames)
	if err != nil {
		return nil, err
	}
	rows, err = checkRows(rows, false)
	if err != nil {
		return nil, err
	}
	m, info, err := fitParetoIndexed(ctx, indexRows(rows), set)
	if err != nil {
		return nil, err
	}
	m.Card = cardOf(rowsFingerprint(rows), set, info)
	return m, nil
}

// FitBGBBRows fits BG/BB to compressed rows like FitBGNBDRows, each row
// obeying the discrete-time rules of [BGBB].
func FitBGBBRows(ctx context.Context, rows []Row, s *FitSettings) (*BGBB, error) {
	set, err := rowSettings(s, bgbbNames)
	if err != nil {
		return nil, err
	}
	rows, err = checkRows(rows, true)
	if err != nil {
		return nil, err
	}
	m, info, err := fitBGBBIndexed(ctx, indexRows(rows), set)
	if err != nil {
		return nil, err
	}
	m.Card = cardOf(rowsFingerprint(rows), set, info)
	return m, nil
}

// CompressSpend returns the distinct (Frequency, MeanSpend) pairs of the
// repeat buyers of cs with a positive mean spend, the customers
// FitGammaGamma uses, with their counts, sorted by frequency then spend.
// It validates cs as FitGammaGamma does and returns its errors.
func CompressSpend(cs []Customer) ([]SpendRow, error) {
	if len(cs) == 0 {
		return nil, ErrEmptyInput
	}
	rows, err := spendRows(cs)
	if err != nil {
		return nil, err
	}
	return compressSpendRows(rows), nil
}

// compressSpendRows returns the distinct pairs of rows with their counts,
// sorted: mergeSpend of the rows with a count of 1 each. rows are repeat
// buyers with a positive mean spend, so their values are plain (see
// group.go) and the pairs are put in order by the rank of the frequency,
// then by sorting each frequency's spends as unsigned integers; mergeSpend
// sorts the others.
func compressSpendRows(rows []spendRow) []SpendRow {
	if out, ok := compressSpendPlain(rows); ok {
		return out
	}
	out := make([]SpendRow, len(rows))
	for i, r := range rows {
		out[i] = SpendRow{r.x, r.m, 1}
	}
	return mergeSpend(out)
}

func compressSpendPlain(rows []spendRow) ([]SpendRow, bool) {
	n := len(rows)
	if n == 0 || uint64(n) >= math.MaxUint32 {
		return nil, false
	}
	col := make([]float64, n)
	for i, r := range rows {
		if b := math.Float64bits(r.m); b>>63 != 0 || r.m != r.m {
			return nil, false
		}
		col[i] = r.x
	}
	rx := make([]uint32, n)
	xs, ok := ranks(rx, col)
	if !ok {
		return nil, false
	}
	start := make([]int, len(xs)+1)
	for _, k := range rx {
		start[k+1]++
	}
	for k := range xs {
		start[k+1] += start[k]
	}
	bits := make([]uint64, n)
	next := slices.Clone(start[:len(xs)])
	for i, r := range rows {
		k := rx[i]
		bits[next[k]] = math.Float64bits(r.m)
		next[k]++
	}
	var out []SpendRow
	for k, x := range xs {
		b := bits[start[k]:start[k+1]]
		slices.Sort(b)
		for i := 0; i < len(b); {
			j := i + 1
			for j < len(b) && b[j] == b[i] {
				j++
			}
			out = append(out, SpendRow{x, math.Float64frombits(b[i]), float64(j - i)})
			i = j
		}
	}
	return slices.Clip(out), true
}

// cmpSpend orders spend rows by frequency, then mean spend, as
// cmp.Compare orders floats.
func cmpSpend(a, b SpendRow) int {
	return cmp.Or(cmp.Compare(a.Frequency, b.Frequency), cmp.Compare(a.MeanSpend, b.MeanSpend))
}

// mergeSpend sorts rows in place and merges equal pairs.
func mergeSpend(rows []SpendRow) []SpendRow {
	if len(rows) == 0 {
		return rows
	}
	if increasing(rows, cmpSpend) {
		return slices.Clip(rows) // sorted, nothing to merge
	}
	slices.SortStableFunc(rows, cmpSpend)
	m := rows[:1]
	for _, r := range rows[1:] {
		if last := &m[len(m)-1]; cmpSpend(*last, r) == 0 {
			last.Count += r.Count
			continue
		}
		m = append(m, r)
	}
	return slices.Clip(m)
}

// FitGammaGammaRows fits the Gamma-Gamma model, as FitGammaGamma does, to
// compressed rows of repeat buyers, each (Frequency, MeanSpend) standing
// for Count customers. Rows may repeat a pair; they are merged. A row
// with Frequency 0 or MeanSpend 0 is skipped, as FitGammaGamma skips such
// customers. The fit, the correlation (weighted by the counts) included,
// equals FitGammaGamma on the expanded customers bit for bit. The card's
// fingerprint is of the count and the sums of Frequency and MeanSpend.
// It returns ErrEmptyInput for no rows, ErrNoRepeatBuyers when no row
// qualifies, a *CustomerError naming the row for a negative, NaN or
// infinite value or a Count that is not positive and finite, and otherwise
// the errors of FitGammaGamma.
func FitGammaGammaRows(ctx context.Context, rows []SpendRow, s *FitSettings) (*GammaGamma, error) {
	set, err := rowSettings(s, ggNames)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, ErrEmptyInput
	}
	use := make([]SpendRow, 0, len(rows))
	for i, r := range rows {
		bad := func(field string, v float64) error {
			return &CustomerError{Index: i, Field: field, Err: fmt.Errorf("%w: %v is not a finite non-negative number", ErrInvalidCustomer, v)}
		}
		switch {
		case !num.Finite(r.Frequency) || r.Frequency < 0:
			return nil, bad("frequency", r.Frequency)
		case !num.Finite(r.MeanSpend) || r.MeanSpend < 0:
			return nil, bad("spend", r.MeanSpend)
		case !(r.Count > 0) || math.IsInf(r.Count, 0):
			return nil, &CustomerError{Index: i, Field: "count", Err: fmt.Errorf("%w: count %v is not positive and finite", ErrInvalidCustomer, r.Count)}
		}
		if r.Frequency > 0 && r.MeanSpend > 0 {
			use = append(use, r)
		}
	}
	use = mergeSpend(use)
	m, info, err := fitGGRows(ctx, use, set)
	if err != nil {
		return nil, err
	}
	var n, cn, sx, cx, sm, cm float64
	for _, r := range use {
		n, cn = num.AddNeumaier(n, cn, r.Count)
		sx, cx = num.AddNeumaier(sx, cx, r.Count*r.Frequency)
		sm, cm = num.AddNeumaier(sm, cm, r.Count*r.MeanSpend)
	}
	m.Card = cardOf(cvm.Fingerprint(n+cn, sx+cx, 0, 0, sm+cm), set, info)
	m.Info.Warnings = correlationWarning(m.Correlation)
	return m, nil
}
