package segment

import (
	"cmp"
	"fmt"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/sqlexpr"
)

// SQLSettings name the input of [Scorer.SQL]: a table with one row per
// customer and its raw RFM values. A nil *SQLSettings means every
// default.
type SQLSettings struct {
	// Table is the input table or view; "" means "rfm". A dot separates a
	// schema ("sales.rfm"); each part is quoted.
	Table string
	// Customer, Recency, Frequency and Monetary are the input columns:
	// the customer ID and the raw values of [RFM] (recency in the unit the
	// scorer was fitted in, days since the last purchase by default).
	// "" means "customer", "recency", "frequency" and "monetary".
	Customer, Recency, Frequency, Monetary string
	// Rules, when not nil, adds the column "segment": the name of the
	// segment of each cell by the rule set, first match wins, NULL for a
	// cell no rule covers. Nil means no segment column. Its Bins must be
	// the scorer's.
	Rules *RuleSet
}

// SQL returns a query, in dialect d, that scores every row of the input
// table exactly as [Scorer.ScoreAll] does: the columns are the customer
// column (under its own name), "r", "f" and "m", the scores 1..B as
// integers, and, with s.Rules, "segment". The query has no trailing
// semicolon, so it can be wrapped (CREATE VIEW v AS ..., or a subquery).
//
// Each score is a CASE over the fitted breaks in the scorer's convention:
// a value equal to a break falls in the lower bin (ascending score
// 1 + #{k : b_k < v}), and R is B+1 minus the ascending score of recency,
// so the most recent customers get B. A NULL value gives a NULL score
// and a NULL segment; a row with a NaN or infinite value, which ScoreAll
// rejects, cannot be told apart in SQL and must not be scored. The
// values are read as doubles and the breaks printed exactly (strconv 'g',
// -1), so the scores equal ScoreAll's for every finite value.
//
// It returns an error for an unknown dialect, an *RFMError naming the
// field for a customer column named like an output column ("r", "f",
// "m", "segment") and one wrapping ErrBins for rules whose bins differ
// from the scorer's.
func (s *Scorer) SQL(d cvm.Dialect, set *SQLSettings) (string, error) {
	if err := sqlexpr.CheckDialect("segment", d); err != nil {
		return "", err
	}
	var o SQLSettings
	if set != nil {
		o = *set
	}
	o.Table = cmp.Or(o.Table, "rfm")
	o.Customer = cmp.Or(o.Customer, "customer")
	o.Recency = cmp.Or(o.Recency, "recency")
	o.Frequency = cmp.Or(o.Frequency, "frequency")
	o.Monetary = cmp.Or(o.Monetary, "monetary")
	switch o.Customer {
	case "r", "f", "m", "segment", "cvm_rfm":
		return "", &RFMError{Field: "customer", Err: fmt.Errorf("segment: SQL: customer column %q is an output name", o.Customer)}
	}
	if o.Rules != nil && o.Rules.Bins() != s.bins {
		return "", &RFMError{Field: "rules", Value: float64(o.Rules.Bins()), Err: fmt.Errorf("%w: rule set for %d bins, scorer has %d", ErrBins, o.Rules.Bins(), s.bins)}
	}
	steps := s.sqlSteps(&o)
	if len(steps) == 1 {
		return sqlexpr.Query(d, nil, steps), nil
	}
	return sqlexpr.Query(d, []string{"cvm_rfm"}, steps), nil
}

// sqlSteps are the query's steps: the cells, then the segment.
func (s *Scorer) sqlSteps(o *SQLSettings) []sqlexpr.Select {
	cells := sqlexpr.Select{From: sqlexpr.Table(o.Table), Columns: []sqlexpr.Column{
		{Name: o.Customer, Expr: sqlexpr.Ref(o.Customer)},
		{Name: "r", Expr: binCase(sqlexpr.Col(o.Recency), s.recency.Breaks, true)},
		{Name: "f", Expr: binCase(sqlexpr.Col(o.Frequency), s.frequency.Breaks, false)},
		{Name: "m", Expr: binCase(sqlexpr.Col(o.Monetary), s.monetary.Breaks, false)},
	}}
	if o.Rules == nil {
		return []sqlexpr.Select{cells}
	}
	r, f, m := sqlexpr.Ref("r"), sqlexpr.Ref("f"), sqlexpr.Ref("m")
	return []sqlexpr.Select{cells, {From: sqlexpr.Quote("cvm_rfm"), Columns: []sqlexpr.Column{
		{Name: o.Customer, Expr: sqlexpr.Ref(o.Customer)},
		{Name: "r", Expr: r}, {Name: "f", Expr: f}, {Name: "m", Expr: m},
		{Name: "segment", Expr: o.Rules.sqlCase(r, f, m)},
	}}}
}

// binCase is the score of v by breaks: the ascending score 1 + #{k :
// b_k < v}, or B+1 minus it when inverse. As the breaks do not
// decrease, the first k with v <= b_k gives the score k+1.
func binCase(v sqlexpr.Expr, breaks []float64, inverse bool) sqlexpr.Expr {
	top := len(breaks) + 1
	score := func(asc int) sqlexpr.Expr {
		if inverse {
			return sqlexpr.Int(top + 1 - asc)
		}
		return sqlexpr.Int(asc)
	}
	whens := []sqlexpr.When{{If: sqlexpr.IsNull(v), Then: sqlexpr.Null()}}
	for k, b := range breaks {
		whens = append(whens, sqlexpr.When{If: sqlexpr.LessEq(v, sqlexpr.Num(b)), Then: score(k + 1)})
	}
	return sqlexpr.Case(score(top), whens...)
}

// sqlCase is the segment of cell (r, f, m) by the rules, first match
// wins, as a CASE; NULL when no rule matches. FM = (F+M)/2 in [lo, hi]
// is F+M in [2 lo, 2 hi], exact in integers.
func (rs *RuleSet) sqlCase(r, f, m sqlexpr.Expr) sqlexpr.Expr {
	fm := sqlexpr.Add(f, m)
	var whens []sqlexpr.When
	for _, u := range rs.def.Rules {
		var conds []sqlexpr.Expr
		add := func(x sqlexpr.Expr, g *Range, scale float64) {
			if g != nil {
				conds = append(conds, sqlexpr.GreaterEq(x, sqlexpr.Num(scale*g.Min)), sqlexpr.LessEq(x, sqlexpr.Num(scale*g.Max)))
			}
		}
		add(r, u.R, 1)
		add(f, u.F, 1)
		add(m, u.M, 1)
		add(fm, u.FM, 2)
		whens = append(whens, sqlexpr.When{If: sqlexpr.And(conds...), Then: sqlexpr.Str(u.Segment)})
	}
	return sqlexpr.Case(nil, whens...)
}
