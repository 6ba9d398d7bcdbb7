package value

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/sqlexpr"
)

// ErrNoSQL marks a model that has no SQL form: [Model.SQL] cannot express
// a [ZScore] normalisation (the normal CDF needs erfc, which SQL lacks).
var ErrNoSQL = errors.New("value: no SQL form")

// SQLSettings name the input of [Model.SQL]: a table with one row per
// customer and one column per indicator, NULL for a missing value (NaN in
// an [IndicatorTable]). A nil *SQLSettings means every default.
type SQLSettings struct {
	// Table is the input table or view; "" means "indicators". A dot
	// separates a schema ("crm.indicators"); each part is quoted.
	Table string
	// Customer is the customer ID column; "" means "customer".
	Customer string
	// Columns maps an indicator ID to its column; an indicator not in it
	// (or a nil map) is read from the column named by its ID.
	Columns map[string]string
}

// The output columns of [Model.SQL], after the customer column.
var sqlOutputs = []string{"current_value", "potential_value", "total_value", "quadrant", "tier"}

// SQL returns a query, in dialect d, that scores every row of the input
// table as [Model.Score] does, with the model's fitted bounds, grids,
// weights, cuts and tier cuts as literals: the columns are the customer
// column (under its own name), "current_value", "potential_value" and
// "total_value" (doubles, 0..100), "quadrant" ("I" to "IV", the text form
// of [Quadrant]) and "tier" (an integer, 1 the top). The query has no
// trailing semicolon.
//
// The query computes what Score computes, one IEEE double operation at a
// time in the same order: the signed log transform as
// sign(x) ln(1+|x|) with the database's LN, the min-max map as
// off + scale*x clamped to [0, 1], the percentile rank as a CASE over the
// 101 fitted percentiles with the same interpolation and the same middle
// of a run of equal percentiles, cost indicators as 1 - r, the weighted
// sum (or TOPSIS closeness) of each dimension in catalog order, the cap
// at 100, the weighted total, the quadrant (strictly above the cut is
// high) and the tier. Every comparison with a fitted value is made on the
// raw input, against the bound that Go's own transform maps to it, so a
// database whose LN differs from Go's in the last bit still puts every
// value on the same side of every break; the scores then differ from
// Score's by a few units in the last place (below 1e-12 on the 0..100
// scale), and agree to the bit where no logarithm is taken. A total
// within that distance of a fitted cut can fall in the other quadrant or
// tier.
//
// A NULL indicator is handled by the model's [MissingPolicy]: imputed
// with the fitted median's normalised value, or dropped with the
// dimension's weights renormalised (NULL scores when every indicator of
// a dimension is NULL, where Score returns an error); under MissingError
// the customer's scores are NULL, where Score returns an error. An
// infinite value, which Score rejects, must not be scored.
//
// It returns an *IndicatorError wrapping [ErrNoSQL] naming the first
// indicator with a [ZScore] normalisation, and an error naming the
// parameter for an unknown dialect or a customer column whose name is one
// of the output columns.
func (m *Model) SQL(d cvm.Dialect, s *SQLSettings) (string, error) {
	steps, names, err := m.sqlSteps(d, s)
	if err != nil {
		return "", err
	}
	return sqlexpr.Query(d, names, steps), nil
}

func (m *Model) sqlSteps(d cvm.Dialect, s *SQLSettings) ([]sqlexpr.Select, []string, error) {
	if err := sqlexpr.CheckDialect("value", d); err != nil {
		return nil, nil, err
	}
	var o SQLSettings
	if s != nil {
		o = *s
	}
	o.Table = cmp.Or(o.Table, "indicators")
	o.Customer = cmp.Or(o.Customer, "customer")
	for _, out := range sqlOutputs {
		if o.Customer == out {
			return nil, nil, fmt.Errorf("value: SQL: customer column %q is an output column", o.Customer)
		}
	}
	if strings.HasPrefix(o.Customer, "cvm_") {
		return nil, nil, fmt.Errorf("value: SQL: customer column %q uses the reserved prefix cvm_", o.Customer)
	}
	inds := m.spec.Catalog.Indicators
	for _, ind := range inds {
		if ind.Norm.Method == ZScore {
			return nil, nil, &IndicatorError{ID: ind.ID, Err: fmt.Errorf("%w: zscore normalisation (the normal CDF needs erfc)", ErrNoSQL)}
		}
	}
	cust := sqlexpr.Column{Name: o.Customer, Expr: sqlexpr.Ref(o.Customer)}
	xName := func(k int) string { return "cvm_x" + strconv.Itoa(k+1) }
	tName := func(k int) string { return "cvm_t" + strconv.Itoa(k+1) }
	nName := func(k int) string { return "cvm_n" + strconv.Itoa(k+1) }

	// Step 1: the raw values as doubles, and their transforms.
	in := sqlexpr.Select{From: sqlexpr.Table(o.Table), Columns: []sqlexpr.Column{cust}}
	for k, ind := range inds {
		column := ind.ID
		if c, ok := o.Columns[ind.ID]; ok && c != "" {
			column = c
		}
		in.Columns = append(in.Columns, sqlexpr.Column{Name: xName(k), Expr: sqlexpr.Col(column)})
	}
	trans := sqlexpr.Select{From: sqlexpr.Quote("cvm_value_in"), Columns: []sqlexpr.Column{cust}}
	for k, ind := range inds {
		x := sqlexpr.Ref(xName(k))
		trans.Columns = append(trans.Columns, sqlexpr.Column{Name: xName(k), Expr: x})
		if ind.Norm.Log {
			trans.Columns = append(trans.Columns, sqlexpr.Column{Name: tName(k), Expr: slogSQL(x)})
		}
	}
	// Step 2: each indicator normalised onto [0, 1], NULL when missing
	// and not imputed.
	norm := sqlexpr.Select{From: sqlexpr.Quote("cvm_value_t"), Columns: []sqlexpr.Column{cust}}
	for k, ind := range inds {
		x := sqlexpr.Ref(xName(k))
		t := x
		if ind.Norm.Log {
			t = sqlexpr.Ref(tName(k))
		}
		missing := sqlexpr.Null()
		if m.spec.Missing == MissingImpute {
			missing = sqlexpr.Num(m.fit[k].ImputeNorm)
		}
		e := sqlexpr.Case(m.normSQL(k, x, t), sqlexpr.When{If: sqlexpr.IsNull(x), Then: missing})
		norm.Columns = append(norm.Columns, sqlexpr.Column{Name: nName(k), Expr: e})
	}
	// Step 3: each dimension's sums, in catalog order.
	topsis := m.spec.Aggregation == TOPSIS
	drop := m.spec.Missing == MissingDrop
	sums := sqlexpr.Select{From: sqlexpr.Quote("cvm_value_n"), Columns: []sqlexpr.Column{cust}}
	for dim := range 2 {
		var acc, acc2, dropw sqlexpr.Expr
		plus := func(sum, term sqlexpr.Expr) sqlexpr.Expr {
			if sum == nil {
				return term
			}
			return sqlexpr.Add(sum, term)
		}
		zero := sqlexpr.Num(0)
		for k := range inds {
			if int(m.dim[k]) != dim {
				continue
			}
			w := m.gw[k]
			r := sqlexpr.Ref(nName(k))
			var term, term2 sqlexpr.Expr
			if topsis {
				ww := sqlexpr.Num(w * w)
				one := sqlexpr.Num(1)
				term = sqlexpr.Mul(sqlexpr.Mul(ww, sqlexpr.Sub(one, r)), sqlexpr.Sub(one, r))
				term2 = sqlexpr.Mul(sqlexpr.Mul(ww, r), r)
			} else {
				term = sqlexpr.Mul(sqlexpr.Num(w), r)
			}
			if drop {
				term = sqlexpr.Case(term, sqlexpr.When{If: sqlexpr.IsNull(r), Then: zero})
				if term2 != nil {
					term2 = sqlexpr.Case(term2, sqlexpr.When{If: sqlexpr.IsNull(r), Then: zero})
				}
				dropw = plus(dropw, sqlexpr.Case(zero, sqlexpr.When{If: sqlexpr.IsNull(r), Then: sqlexpr.Num(w)}))
			}
			acc = plus(acc, term)
			if term2 != nil {
				acc2 = plus(acc2, term2)
			}
		}
		sums.Columns = append(sums.Columns, sqlexpr.Column{Name: "cvm_acc" + strconv.Itoa(dim), Expr: acc})
		if topsis {
			sums.Columns = append(sums.Columns, sqlexpr.Column{Name: "cvm_acc2_" + strconv.Itoa(dim), Expr: acc2})
		}
		ws := sqlexpr.Num(m.wdim[dim])
		if drop {
			ws = sqlexpr.Sub(ws, dropw)
		}
		sums.Columns = append(sums.Columns, sqlexpr.Column{Name: "cvm_ws" + strconv.Itoa(dim), Expr: ws})
	}
	// Step 4: the dimension scores.
	scores := sqlexpr.Select{From: sqlexpr.Quote("cvm_value_s"), Columns: []sqlexpr.Column{cust}}
	for dim, name := range []string{"current_value", "potential_value"} {
		di := strconv.Itoa(dim)
		acc, ws := sqlexpr.Ref("cvm_acc"+di), sqlexpr.Ref("cvm_ws"+di)
		var e sqlexpr.Expr
		if topsis {
			dp, dm := sqlexpr.Sqrt(acc), sqlexpr.Sqrt(sqlexpr.Ref("cvm_acc2_"+di))
			sum := sqlexpr.Add(dp, dm)
			e = sqlexpr.Case(nil, sqlexpr.When{If: sqlexpr.Greater(sum, sqlexpr.Num(0)),
				Then: sqlexpr.Div(sqlexpr.Mul(sqlexpr.Num(100), dm), sum)})
		} else {
			q := sqlexpr.Div(sqlexpr.Mul(sqlexpr.Num(100), acc), ws)
			e = sqlexpr.Case(q, sqlexpr.When{If: sqlexpr.Greater(q, sqlexpr.Num(100)), Then: sqlexpr.Num(100)})
		}
		if drop {
			e = sqlexpr.Case(nil, sqlexpr.When{If: sqlexpr.Greater(ws, sqlexpr.Num(1e-12*m.wdim[dim])), Then: e})
		}
		scores.Columns = append(scores.Columns, sqlexpr.Column{Name: name, Expr: e})
	}
	// Step 5: the total; step 6: quadrant and tier.
	cur, pot := sqlexpr.Ref("current_value"), sqlexpr.Ref("potential_value")
	total := sqlexpr.Select{From: sqlexpr.Quote("cvm_value_d"), Columns: []sqlexpr.Column{cust,
		{Name: "current_value", Expr: cur}, {Name: "potential_value", Expr: pot},
		{Name: "total_value", Expr: sqlexpr.Add(sqlexpr.Mul(sqlexpr.Num(m.a), cur), sqlexpr.Mul(sqlexpr.Num(1-m.a), pot))},
	}}
	tot := sqlexpr.Ref("total_value")
	hiC, hiP := sqlexpr.Greater(cur, sqlexpr.Num(m.cutC)), sqlexpr.Greater(pot, sqlexpr.Num(m.cutP))
	quadrant := sqlexpr.Case(sqlexpr.Str(QuadrantI.String()),
		sqlexpr.When{If: sqlexpr.IsNull(cur), Then: sqlexpr.Null()},
		sqlexpr.When{If: sqlexpr.IsNull(pot), Then: sqlexpr.Null()},
		sqlexpr.When{If: sqlexpr.And(hiC, hiP), Then: sqlexpr.Str(QuadrantIV.String())},
		sqlexpr.When{If: hiC, Then: sqlexpr.Str(QuadrantIII.String())},
		sqlexpr.When{If: hiP, Then: sqlexpr.Str(QuadrantII.String())})
	tierWhens := []sqlexpr.When{{If: sqlexpr.IsNull(tot), Then: sqlexpr.Null()}}
	for k, c := range m.tierCuts {
		tierWhens = append(tierWhens, sqlexpr.When{If: sqlexpr.Greater(tot, sqlexpr.Num(c)), Then: sqlexpr.Int(k + 1)})
	}
	final := sqlexpr.Select{From: sqlexpr.Quote("cvm_value_v"), Columns: []sqlexpr.Column{cust,
		{Name: "current_value", Expr: cur}, {Name: "potential_value", Expr: pot}, {Name: "total_value", Expr: tot},
		{Name: "quadrant", Expr: quadrant},
		{Name: "tier", Expr: sqlexpr.Case(sqlexpr.Int(len(m.tierCuts)+1), tierWhens...)},
	}}
	names := []string{"cvm_value_in", "cvm_value_t", "cvm_value_n", "cvm_value_s", "cvm_value_d", "cvm_value_v"}
	return []sqlexpr.Select{in, trans, norm, sums, scores, total, final}, names, nil
}

// slogSQL is sign(x) ln(1 + |x|), as slog.
func slogSQL(x sqlexpr.Expr) sqlexpr.Expr {
	one := sqlexpr.Num(1)
	return sqlexpr.Case(sqlexpr.Ln(sqlexpr.Add(one, x)),
		sqlexpr.When{If: sqlexpr.Less(x, sqlexpr.Num(0)), Then: sqlexpr.Neg(sqlexpr.Ln(sqlexpr.Sub(one, x)))})
}

// normSQL is the normalised value of indicator k, raw value x (not NULL)
// and transformed value t, as Model.norm computes it.
func (m *Model) normSQL(k int, x, t sqlexpr.Expr) sqlexpr.Expr {
	ind := &m.spec.Catalog.Indicators[k]
	f := &m.fit[k]
	af := m.aff[k]
	// below(g) is t < g and atMost(g) is t <= g, as conditions on x.
	cond := func(g float64, strict bool) sqlexpr.Expr {
		le, u := rawBound(ind.Norm.Log, g, strict)
		if le {
			return sqlexpr.LessEq(x, sqlexpr.Num(u))
		}
		return sqlexpr.Less(x, sqlexpr.Num(u))
	}
	below := func(g float64) sqlexpr.Expr { return cond(g, true) }
	atMost := func(g float64) sqlexpr.Expr { return cond(g, false) }
	if af.ok {
		v := sqlexpr.Add(sqlexpr.Num(af.off), sqlexpr.Mul(sqlexpr.Num(af.scale), t))
		return sqlexpr.Case(v,
			sqlexpr.When{If: sqlexpr.Less(v, sqlexpr.Num(0)), Then: sqlexpr.Num(0)},
			sqlexpr.When{If: sqlexpr.Greater(v, sqlexpr.Num(1)), Then: sqlexpr.Num(1)})
	}
	var r sqlexpr.Expr
	switch ind.Norm.Method {
	case MinMax: // constant reference: step(t, lo)
		r = sqlexpr.Case(sqlexpr.Num(1),
			sqlexpr.When{If: below(f.Lo), Then: sqlexpr.Num(0)},
			sqlexpr.When{If: atMost(f.Lo), Then: sqlexpr.Num(0.5)})
	case PercentileRank:
		r = prankSQL(f.Grid, t, below, atMost)
	}
	if af.cost {
		r = sqlexpr.Sub(sqlexpr.Num(1), r)
	}
	return r
}

// prankSQL is prank(t, g) as an ascending CASE: 0 below g[0]; at a run
// g[lo..hi] of equal points (lo+hi)/(2n); between runs ending at g[j-1]
// and starting at g[j] the interpolation (j-1 + (t-g[j-1])/(g[j]-g[j-1]))/n;
// 1 above g[n].
func prankSQL(g []float64, t sqlexpr.Expr, below, atMost func(float64) sqlexpr.Expr) sqlexpr.Expr {
	n := len(g) - 1
	whens := []sqlexpr.When{{If: below(g[0]), Then: sqlexpr.Num(0)}}
	for lo := 0; lo <= n; {
		hi := lo
		for hi < n && g[hi+1] == g[lo] {
			hi++
		}
		if lo > 0 {
			// g[lo-1] < t < g[lo]
			k := sqlexpr.Num(float64(lo - 1))
			frac := sqlexpr.Div(sqlexpr.Sub(t, sqlexpr.Num(g[lo-1])), sqlexpr.Num(g[lo]-g[lo-1]))
			whens = append(whens, sqlexpr.When{If: below(g[lo]), Then: sqlexpr.Div(sqlexpr.Add(k, frac), sqlexpr.Num(float64(n)))})
		}
		whens = append(whens, sqlexpr.When{If: atMost(g[lo]), Then: sqlexpr.Num(float64(lo+hi) / float64(2*n))})
		lo = hi + 1
	}
	return sqlexpr.Case(sqlexpr.Num(1), whens...)
}

// rawBound returns the condition on a finite raw value x that is
// equivalent to tr(x) < g (strict) or tr(x) <= g, where tr is slog when
// log is true and the identity otherwise: x <= u when le, else x < u. For
// slog, u is found by bisection over the doubles with Go's slog itself,
// which does not decrease, so the condition is exact for the values Go
// transforms.
func rawBound(log bool, g float64, strict bool) (le bool, u float64) {
	if !log {
		return !strict, g
	}
	pred := func(v float64) bool {
		t := slog(v)
		if strict {
			return t < g
		}
		return t <= g
	}
	lo, hi := orderedKey(-math.MaxFloat64), orderedKey(math.MaxFloat64)
	if !pred(fromOrderedKey(lo)) {
		return false, -math.MaxFloat64 // never true for a finite x
	}
	if pred(fromOrderedKey(hi)) {
		return true, math.MaxFloat64 // always true
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if pred(fromOrderedKey(mid)) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return false, fromOrderedKey(hi)
}

// orderedKey maps a double to a uint64 in the same order (-0 just below
// +0); fromOrderedKey inverts it.
func orderedKey(v float64) uint64 {
	b := math.Float64bits(v)
	if b>>63 != 0 {
		return ^b
	}
	return b | 1<<63
}

func fromOrderedKey(k uint64) float64 {
	if k>>63 != 0 {
		return math.Float64frombits(k &^ (1 << 63))
	}
	return math.Float64frombits(^k)
}
