package value

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/cvmkit/cvm/internal/parallel"
)

// chunk is the number of customers scored together; the accumulators of a
// chunk live on the stack.
const chunk = 256

// Score scores every customer of t and returns the scores in row order,
// written into dst when it has the capacity (so repeated scoring does not
// allocate) and into fresh memory otherwise.
//
// t must hold every catalog indicator; extra columns are an error wrapping
// [ErrUnknownID] unless the settings set IgnoreUnknown. A missing (NaN)
// value is handled by the model's [MissingPolicy]; an infinite value is a
// [DataError] wrapping [ErrNonFinite]. When several cells are bad, the
// error names the first in row-major order. An empty table returns dst[:0]
// and no error. Score does not check for duplicate customers (rows are
// scored independently; [Fit] and [IndicatorTable.Validate] do) and does
// not modify t. It panics if t's IDs, columns and customers differ in
// length.
//
// Work is split over GOMAXPROCS goroutines for large tables; the result
// does not depend on their number. Score returns ctx's error when ctx is
// cancelled (checked between blocks of customers).
func (m *Model) Score(ctx context.Context, dst []Score, t IndicatorTable) ([]Score, error) {
	checkShape(t)
	n := t.Len()
	if n == 0 {
		return dst[:0], nil
	}
	cols, err := m.spec.columns(t)
	if err != nil {
		return nil, err
	}
	if cap(dst) >= n {
		dst = dst[:n]
	} else {
		dst = make([]Score, n)
	}
	if err := m.score(ctx, t, cols, dst, true); err != nil {
		return nil, err
	}
	return dst, nil
}

// checkShape panics if t's IDs, columns and customers differ in length.
func checkShape(t IndicatorTable) {
	if len(t.IDs) != len(t.Columns) {
		panic("value: table IDs and columns differ in length")
	}
	for j, c := range t.Columns {
		if len(c) != len(t.Customers) {
			panic("value: column " + t.IDs[j] + " length differs from the number of customers")
		}
	}
}

// block is the number of customers handed to one goroutine at a time.
const block = 16 * chunk

// score fills dst; with cuts false it leaves Quadrant and Tier zero. The
// blocks are handed out dynamically, but each block's result depends only
// on its rows, and the error is the one of the first failing block.
func (m *Model) score(ctx context.Context, t IndicatorTable, cols []int, dst []Score, cuts bool) error {
	n := len(dst)
	if n == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	colv := make([][]float64, len(cols))
	for k, j := range cols {
		colv[k] = t.Columns[j]
	}
	if n <= block {
		return m.scoreRange(t.Customers, colv, dst, 0, n, cuts)
	}
	// The error of the first failing block (lowest lo), whatever the order
	// in which blocks finish.
	var mu sync.Mutex
	var first error
	firstLo := n
	parallel.Chunks(n, block, func(_, lo, hi int) {
		if ctx.Err() != nil {
			return
		}
		if err := m.scoreRange(t.Customers, colv, dst, lo, hi, cuts); err != nil {
			mu.Lock()
			if lo < firstLo {
				first, firstLo = err, lo
			}
			mu.Unlock()
		}
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	return first
}

func (m *Model) scoreRange(customers []string, colv [][]float64, dst []Score, a, b int, cuts bool) error {
	for c := a; c < b; c += chunk {
		if err := m.scoreChunk(customers, colv, dst, c, min(c+chunk, b), cuts, nil, nil); err != nil {
			return err
		}
	}
	return nil
}

// scoreChunk scores rows [a, b) of at most chunk rows into dst[a:b].
// With dst nil it only checks the rows, returning the error Score would.
// With rv non-nil (at least len(m.fit)*chunk long) it also leaves the
// normalised value of row a+i of indicator k in rv[k*chunk+i] (the
// imputed value's for a missing one, unspecified when dropped) and the
// number of dropped values of each row in drops.
func (m *Model) scoreChunk(customers []string, colv [][]float64, dst []Score, a, b int, cuts bool, rv []float64, drops *[chunk]int32) error {
	var acc, acc2, dropw [2][chunk]float64
	var imp, drop [chunk]int32
	var rbuf [chunk]float64
	policy := m.spec.Missing
	topsis := m.spec.Aggregation == TOPSIS
	nb := b - a
	bad := false
	// The fast path handles a min-max indicator, r = clamp(off + scale*x,
	// 0, 1), in one pass over the column; at the first missing or infinite
	// value of the chunk the chunk is scored again from the start on the
	// general path, which handles them by the missing-value policy. It
	// keeps no normalised values, so rv turns it off.
	fast := !topsis && rv == nil
columns:
	for k := range m.fit {
		f := &m.fit[k]
		w := m.gw[k]
		d := m.dim[k]
		ac := acc[d][:nb]
		col := colv[k][a:b]
		af := m.aff[k]
		if fast && af.ok {
			var ok bool
			if af.log {
				ok = addLogMinMax(ac, col, w, af.off, af.scale)
			} else {
				ok = addMinMax(ac, col, w, af.off, af.scale)
			}
			if ok {
				continue
			}
			fast = false
			acc, acc2, dropw = [2][chunk]float64{}, [2][chunk]float64{}, [2][chunk]float64{}
			imp, drop = [chunk]int32{}, [chunk]int32{}
			bad = false
			goto columns
		}
		ac2 := acc2[d][:nb]
		var rs []float64
		if rv != nil {
			rs = rv[k*chunk : k*chunk+nb]
		} else {
			rs = rbuf[:nb]
		}
		if !m.normCol(k, rs, col) {
			// No missing or infinite value: the same sums as below.
			if topsis {
				for i, r := range rs {
					ac[i] += w * w * (1 - r) * (1 - r)
					ac2[i] += w * w * r * r
				}
			} else {
				for i, r := range rs {
					ac[i] += w * r
				}
			}
			continue
		}
		for i, x := range col {
			r := rs[i]
			if x-x != 0 { // NaN or Inf
				if math.IsInf(x, 0) || policy == MissingError {
					bad = true
					continue
				}
				if policy == MissingDrop {
					drop[i]++
					dropw[d][i] += w
					continue
				}
				imp[i]++
				r = f.ImputeNorm
				rs[i] = r
			}
			if topsis {
				ac[i] += w * w * (1 - r) * (1 - r)
				ac2[i] += w * w * r * r
			} else {
				ac[i] += w * r
			}
		}
	}
	if bad {
		return m.firstBad(customers, colv, a, b)
	}
	if drops != nil {
		*drops = drop
	}
	for i := range nb {
		var s [2]float64
		for d := range 2 {
			ws := m.wdim[d] - dropw[d][i]
			if !(ws > 1e-12*m.wdim[d]) {
				return m.allMissing(customers, a+i, d)
			}
			if topsis {
				dp, dm := math.Sqrt(acc[d][i]), math.Sqrt(acc2[d][i])
				if dp+dm == 0 {
					return m.allMissing(customers, a+i, d)
				}
				s[d] = 100 * dm / (dp + dm)
			} else {
				s[d] = min(100*acc[d][i]/ws, 100)
			}
		}
		if dst == nil {
			continue
		}
		sc := &dst[a+i]
		sc.Customer = customers[a+i]
		sc.Current, sc.Potential = s[0], s[1]
		sc.Total = m.a*s[0] + (1-m.a)*s[1]
		sc.Imputed, sc.Dropped = int(imp[i]), int(drop[i])
		if cuts {
			sc.Quadrant = QuadrantOf(s[0] > m.cutC, s[1] > m.cutP)
			sc.Tier = m.tier(sc.Total)
		} else {
			sc.Quadrant, sc.Tier = 0, 0
		}
	}
	return nil
}

// norm normalises the raw, non-missing value x of indicator k exactly as
// the fast path of scoreChunk does.
func (m *Model) norm(k int, ind *Indicator, x float64) float64 {
	af := m.aff[k]
	if af.log {
		x = slog(x)
	}
	if af.ok {
		r := af.off + af.scale*x
		if r < 0 {
			r = 0
		} else if r > 1 {
			r = 1
		}
		return r
	}
	if rg := m.rank[k]; rg != nil {
		r := rg.at(x) // prank(x, m.fit[k].Grid)
		if af.cost {
			r = 1 - r
		}
		return r
	}
	return normalize(ind.Norm.Method, &m.fit[k], x, af.cost)
}

// normCol writes into out[i] the normalised value of col[i], as norm
// computes it, for every finite col[i], and reports whether col holds a
// NaN or infinite value (whose out[i] is left unspecified). The
// indicator's method is chosen once per column, not per value.
func (m *Model) normCol(k int, out, col []float64) (special bool) {
	out = out[:len(col)]
	af := m.aff[k]
	switch rg := m.rank[k]; {
	case af.ok:
		off, scale := af.off, af.scale
		for i, x := range col {
			if x-x != 0 {
				special = true
				continue
			}
			if af.log {
				x = slog(x)
			}
			r := off + scale*x
			if r < 0 {
				r = 0
			} else if r > 1 {
				r = 1
			}
			out[i] = r
		}
	case rg != nil:
		// Four values at a time, interleaved; a group with a NaN or
		// infinite value, and the tail, one at a time.
		i := 0
		for ; i+4 <= len(col); i += 4 {
			x := *(*[4]float64)(col[i : i+4])
			if x[0]-x[0] != 0 || x[1]-x[1] != 0 || x[2]-x[2] != 0 || x[3]-x[3] != 0 {
				special = true
				for j, v := range x {
					if v-v == 0 {
						if af.log {
							v = slog(v)
						}
						out[i+j] = rg.at(v)
						if af.cost {
							out[i+j] = 1 - out[i+j]
						}
					}
				}
				continue
			}
			if af.log {
				x = [4]float64{slog(x[0]), slog(x[1]), slog(x[2]), slog(x[3])}
			}
			o := (*[4]float64)(out[i : i+4])
			rg.at4(o, &x)
			if af.cost {
				o[0], o[1], o[2], o[3] = 1-o[0], 1-o[1], 1-o[2], 1-o[3]
			}
		}
		for ; i < len(col); i++ {
			x := col[i]
			if x-x != 0 {
				special = true
				continue
			}
			if af.log {
				x = slog(x)
			}
			r := rg.at(x)
			if af.cost {
				r = 1 - r
			}
			out[i] = r
		}
	default:
		ind := &m.spec.Catalog.Indicators[k]
		for i, x := range col {
			if x-x != 0 {
				special = true
				continue
			}
			out[i] = m.norm(k, ind, x)
		}
	}
	return special
}

func (m *Model) tier(total float64) Tier {
	for k, c := range m.tierCuts {
		if total > c {
			return Tier(k + 1)
		}
	}
	return Tier(len(m.tierCuts) + 1)
}

func (m *Model) allMissing(customers []string, row, d int) error {
	return &DataError{Index: row, Customer: customers[row], Err: fmt.Errorf("%w (%v)", ErrAllMissing, Dimension(d+1)), Indicator: "", Value: 0}
}

// firstBad finds the first bad cell of rows [a, b) in row-major order.
func (m *Model) firstBad(customers []string, colv [][]float64, a, b int) error {
	for i := a; i < b; i++ {
		for k := range m.fit {
			x := colv[k][i]
			id := m.spec.Catalog.Indicators[k].ID
			if math.IsInf(x, 0) {
				return &DataError{Index: i, Customer: customers[i], Indicator: id, Value: x, Err: ErrNonFinite}
			}
			if math.IsNaN(x) && m.spec.Missing == MissingError {
				return &DataError{Index: i, Customer: customers[i], Indicator: id, Value: x, Err: ErrMissing}
			}
		}
	}
	return nil
}

// Contribution is one indicator's part in a customer's score.
type Contribution struct {
	ID        string    // the indicator's ID
	Name      string    // the indicator's name
	Dimension Dimension // the indicator's dimension
	Group     string    // the ID of the indicator's group
	Raw       float64   // the raw value; the fitted median when imputed; NaN when dropped
	Imputed   bool      // the value was missing and imputed
	Dropped   bool      // the value was missing and left out
	// Normalized is the value mapped onto [0, 1], cost indicators inverted.
	Normalized float64
	// Weight is the indicator's effective weight within its dimension, after
	// renormalisation when values were dropped; 0 when dropped.
	Weight float64
	// Points is 100 * Weight * Normalized, the indicator's points in its
	// dimension's weighted-sum score (with TOPSIS aggregation, the points of
	// the weighted sum, for reading only).
	Points float64
	// TotalPoints is Points times the dimension's weight in the total:
	// the indicator's part of the (weighted-sum) total score.
	TotalPoints float64
}

// Explanation is a customer's score with every indicator's contribution,
// sorted by TotalPoints, highest first (ties in catalog order). Under the
// weighted sum, the Points of a dimension sum to its score and all
// TotalPoints sum to the total.
type Explanation struct {
	Score
	Contributions []Contribution // one per indicator of the model
}

// Explain scores the customer of t with the given ID and explains the
// score. An unknown customer is a [DataError] wrapping [ErrUnknownCustomer];
// other errors are those of [Model.Score].
func (m *Model) Explain(t IndicatorTable, customer string) (Explanation, error) {
	row := slices.Index(t.Customers, customer)
	if row < 0 {
		return Explanation{}, &DataError{Index: -1, Customer: customer, Err: ErrUnknownCustomer}
	}
	one := IndicatorTable{Customers: t.Customers[row : row+1], IDs: t.IDs, Columns: make([][]float64, len(t.Columns))}
	for j, c := range t.Columns {
		one.Columns[j] = c[row : row+1]
	}
	sc, err := m.Score(context.Background(), nil, one)
	if err != nil {
		if de, ok := err.(*DataError); ok {
			de.Index = row
		}
		return Explanation{}, err
	}
	cols, err := m.spec.columns(t)
	if err != nil {
		return Explanation{}, err // cannot happen: Score checked the columns
	}
	var wsum [2]float64
	ex := Explanation{Score: sc[0], Contributions: make([]Contribution, len(m.fit))}
	for k := range m.fit {
		ind := &m.spec.Catalog.Indicators[k]
		x := t.Columns[cols[k]][row]
		c := Contribution{ID: ind.ID, Name: ind.Name, Dimension: ind.Dimension, Group: ind.Group, Raw: x}
		switch {
		case math.IsNaN(x) && m.spec.Missing == MissingDrop:
			c.Dropped = true
		case math.IsNaN(x):
			c.Imputed = true
			c.Raw = m.fit[k].Median
			c.Normalized = m.fit[k].ImputeNorm
			c.Weight = m.gw[k]
		default:
			c.Normalized = m.norm(k, ind, x)
			c.Weight = m.gw[k]
		}
		wsum[m.dim[k]] += c.Weight
		ex.Contributions[k] = c
	}
	for k := range ex.Contributions {
		c := &ex.Contributions[k]
		if ws := wsum[m.dim[k]]; ws > 0 {
			c.Weight /= ws
		}
		c.Points = 100 * c.Weight * c.Normalized
		c.TotalPoints = c.Points * m.a
		if m.dim[k] == 1 {
			c.TotalPoints = c.Points * (1 - m.a)
		}
	}
	slices.SortStableFunc(ex.Contributions, func(p, q Contribution) int { return cmp.Compare(q.TotalPoints, p.TotalPoints) })
	return ex, nil
}

// Reasons returns, for every customer of t in row order, the IDs of the n
// indicators that contribute most to its total score: the IDs of the first
// n Contributions of [Model.Explain], in Explain's order (TotalPoints
// highest first, ties in catalog order, a NaN last), or of all of them
// when the model has fewer than n indicators. It computes them in one
// pass over the table, each value normalised once, without Explain's
// per-customer table, score and sort.
//
// The result is written into dst when it has the capacity, and each row's
// IDs into the memory of dst[i] when it has the capacity; other rows get
// fresh memory, shared by blocks of rows but each row capped at its own
// length, so appending to one row does not change another. The IDs are
// the strings of the model's catalog.
//
// The rules for t and the errors are those of [Model.Score] on t: a
// missing (NaN) value is handled by the model's [MissingPolicy], an
// infinite value is a [DataError] wrapping [ErrNonFinite], and when
// several cells are bad the error names the first in row-major order. An
// empty table returns dst[:0] and no error. Reasons does not modify t. It
// panics if n is negative or t's IDs, columns and customers differ in
// length.
//
// Work is split over GOMAXPROCS goroutines for large tables; the result
// does not depend on their number. Reasons returns ctx's error when ctx is
// cancelled (checked between blocks of customers).
func (m *Model) Reasons(ctx context.Context, dst [][]string, t IndicatorTable, n int) ([][]string, error) {
	if n < 0 {
		panic(fmt.Sprintf("value: Reasons: negative number of reasons %d", n))
	}
	checkShape(t)
	rows := t.Len()
	if rows == 0 {
		return dst[:0], nil
	}
	cols, err := m.spec.columns(t)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if cap(dst) >= rows {
		dst = dst[:rows]
	} else {
		dst = make([][]string, rows)
	}
	colv := make([][]float64, len(cols))
	for k, j := range cols {
		colv[k] = t.Columns[j]
	}
	n = min(n, len(m.fit))
	// Scratch space per worker: the chunk's normalised values, by
	// indicator, and the best n indicators of a row with their points.
	type scratch struct {
		rv  []float64
		top []int32
		tp  []float64
	}
	sc := make([]scratch, parallel.Workers())
	var mu sync.Mutex
	var first error
	firstLo := rows
	parallel.Chunks(rows, block, func(w, lo, hi int) {
		if ctx.Err() != nil {
			return
		}
		s := &sc[w]
		if s.rv == nil {
			s.rv, s.top, s.tp = make([]float64, len(m.fit)*chunk), make([]int32, n), make([]float64, n)
		}
		if err := m.reasonsRange(t.Customers, colv, dst, lo, hi, n, s.rv, s.top, s.tp); err != nil {
			mu.Lock()
			if lo < firstLo {
				first, firstLo = err, lo
			}
			mu.Unlock()
		}
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if first != nil {
		return nil, first
	}
	return dst, nil
}

// reasonsRange fills dst[a:b] with n reasons per row; rv, top and tp are
// scratch space (len(m.fit)*chunk, n and n long).
func (m *Model) reasonsRange(customers []string, colv [][]float64, dst [][]string, a, b, n int, rv []float64, top []int32, tp []float64) error {
	need := 0
	for i := a; i < b; i++ {
		if cap(dst[i]) < n {
			need++
		}
	}
	var mem []string
	if need > 0 {
		mem = make([]string, need*n)
	}
	inds := m.spec.Catalog.Indicators
	for c := a; c < b; c += chunk {
		e := min(c+chunk, b)
		var drops [chunk]int32
		// Score's checks and normalised values (the same errors), no scores.
		if err := m.scoreChunk(customers, colv, nil, c, e, false, rv, &drops); err != nil {
			return err
		}
		if n == 0 {
			for i := c; i < e; i++ {
				dst[i] = dst[i][:0]
			}
			continue
		}
		for i := c; i < e; i++ {
			m.topN(top, tp, rv, i-c, drops[i-c] > 0, colv, i)
			row := dst[i]
			if cap(row) >= n {
				row = row[:n]
			} else {
				row, mem = mem[:n:n], mem[n:]
			}
			for j, k := range top {
				row[j] = inds[k].ID
			}
			dst[i] = row
		}
	}
	return nil
}

// topN leaves in top the indices of the len(top) indicators of largest
// TotalPoints of one row, in Explain's order, and their TotalPoints in tp.
// rv[k*chunk+i] is the normalised value of indicator k in the row; with
// dropped true some of the row's values (those of raw row ri, NaN, under
// MissingDrop) are left out and the weights renormalised as Explain does.
// The selection keeps the best so far in order and inserts each indicator,
// in catalog order, after every one at least as good.
func (m *Model) topN(top []int32, tp, rv []float64, i int, dropped bool, colv [][]float64, ri int) {
	n := len(top)
	ad := [2]float64{m.a, 1 - m.a} // the dimensions' weights in Total, as Explain's TotalPoints
	pts := m.pts
	var ws [2]float64
	if dropped {
		// Explain's weight sums: the kept indicators' weights in catalog order.
		for k := range m.fit {
			if x := colv[k][ri]; x == x {
				ws[m.dim[k]] += m.gw[k]
			}
		}
	}
	cnt := 0
	for k := range m.fit {
		d := m.dim[k]
		var p float64
		switch {
		case !dropped:
			p = (pts[k] * rv[k*chunk+i]) * ad[d]
		case colv[k][ri] != colv[k][ri]:
			p = 0 // Weight and Normalized are 0
		default:
			w := m.gw[k]
			if ws[d] > 0 {
				w /= ws[d]
			}
			p = (100 * w * rv[k*chunk+i]) * ad[d]
		}
		if cnt == n && !better(p, tp[n-1]) {
			continue
		}
		j := cnt
		if cnt < n {
			cnt++
		} else {
			j = n - 1
		}
		for j > 0 && better(p, tp[j-1]) {
			tp[j], top[j] = tp[j-1], top[j-1]
			j--
		}
		tp[j], top[j] = p, int32(k)
	}
}

// better reports whether TotalPoints p sorts before q in Explain's order
// (descending by cmp.Compare: larger first, NaN after every number).
func better(p, q float64) bool {
	return p > q || (q != q && p == p)
}
