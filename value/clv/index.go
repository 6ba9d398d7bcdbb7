package clv

import (
	"math"
	"slices"

	"github.com/cvmkit/cvm/internal/parallel"
)

// indexed is a compressed customer base in which each row refers to its
// frequency, recency and age by index into lists of distinct values, so
// that terms depending on one of them alone are computed once per distinct
// value.
type indexed struct {
	xs, txs, ts []float64
	rows        []irow
	n           float64 // number of customers
}

type irow struct {
	ix, itx, it int32
	w           float64
}

// newIndexed validates cs and builds its compressed, indexed form.
func newIndexed(cs []Customer) (*indexed, error) {
	if len(cs) == 0 {
		return nil, ErrEmptyInput
	}
	for i, c := range cs {
		if err := c.validate(i); err != nil {
			return nil, err
		}
	}
	return indexRows(Compress(cs)), nil
}

func indexRows(rows []Row) *indexed {
	if d, ok := indexRowsPlain(rows); ok {
		return d
	}
	d := &indexed{rows: make([]irow, len(rows))}
	distinct := func(get func(Row) float64) ([]float64, map[float64]int32) {
		var vals []float64
		for _, r := range rows {
			vals = append(vals, get(r))
		}
		slices.Sort(vals)
		vals = slices.Compact(vals)
		m := make(map[float64]int32, len(vals))
		for i, v := range vals {
			m[v] = int32(i)
		}
		return vals, m
	}
	var mx, mtx, mt map[float64]int32
	d.xs, mx = distinct(func(r Row) float64 { return r.Frequency })
	d.txs, mtx = distinct(func(r Row) float64 { return r.Recency })
	d.ts, mt = distinct(func(r Row) float64 { return r.T })
	for i, r := range rows {
		d.rows[i] = irow{mx[r.Frequency], mtx[r.Recency], mt[r.T], r.Count}
		d.n += r.Count
	}
	return d
}

// indexRowsPlain is indexRows by the ranks of each column's values (see
// group.go), for rows whose values are all plain: the same distinct
// values in the same order and the same indices. ok is false, and
// nothing is done, for other rows.
func indexRowsPlain(rows []Row) (*indexed, bool) {
	n := len(rows)
	if uint64(n) >= math.MaxUint32 {
		return nil, false
	}
	d := &indexed{rows: make([]irow, n)}
	rank := make([]uint32, n)
	col := make([]float64, n)
	for c, dst := range []*[]float64{&d.xs, &d.txs, &d.ts} {
		for i, r := range rows {
			col[i] = [3]float64{r.Frequency, r.Recency, r.T}[c]
		}
		vals, ok := ranks(rank, col)
		if !ok || len(vals) > math.MaxInt32 {
			return nil, false
		}
		*dst = vals
		for i, k := range rank {
			switch c {
			case 0:
				d.rows[i].ix = int32(k)
			case 1:
				d.rows[i].itx = int32(k)
			default:
				d.rows[i].it = int32(k)
			}
		}
	}
	for i, r := range rows {
		d.rows[i].w = r.Count
		d.n += r.Count
	}
	return d, true
}

// chunkSize is the number of rows one worker sums at a time. Partial sums
// are reduced in chunk order, so results do not depend on the number of
// workers.
const chunkSize = 16384

// parallelChunks calls fn(c, lo, hi) for every chunk c of [0, n) of
// chunkSize rows, on up to GOMAXPROCS goroutines (serially for one chunk),
// and returns when all are done.
func parallelChunks(n int, fn func(c, lo, hi int)) {
	parallel.Chunks(n, chunkSize, func(_, lo, hi int) { fn(lo/chunkSize, lo, hi) })
}
