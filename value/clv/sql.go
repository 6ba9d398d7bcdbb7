package clv

import (
	"cmp"
	"fmt"
	"math"
	"strings"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/sqlexpr"
)

// SQLSettings name the input of [BGNBD.SQL] and [GammaGamma.SQL]: a table
// with one row per customer and the model's inputs, in the unit the
// model was fitted in. A nil *SQLSettings means every default.
type SQLSettings struct {
	// Table is the input table or view; "" means "clv". A dot separates
	// a schema ("sales.clv"); each part is quoted.
	Table string
	// Customer is the customer ID column; "" means "customer".
	Customer string
	// Frequency, Recency and T are the columns of x, t_x and T of
	// [Customer]; "" means "x", "t_x" and "T" (quoted, so case matters).
	Frequency, Recency, T string
	// MeanSpend is the column of the mean repeat spend (GammaGamma.SQL
	// only); "" means "mean_spend".
	MeanSpend string
}

func (s *SQLSettings) defaults() SQLSettings {
	var o SQLSettings
	if s != nil {
		o = *s
	}
	o.Table = cmp.Or(o.Table, "clv")
	o.Customer = cmp.Or(o.Customer, "customer")
	o.Frequency = cmp.Or(o.Frequency, "x")
	o.Recency = cmp.Or(o.Recency, "t_x")
	o.T = cmp.Or(o.T, "T")
	o.MeanSpend = cmp.Or(o.MeanSpend, "mean_spend")
	return o
}

// SQL returns a query, in dialect d, that gives every row of the input
// table its probability of being alive in closed form, as
// [BGNBD.ProbAlive] computes it (Fader, Hardie & Lee 2005, eq. 11; the
// x = 0 case of BG/NBD is 1):
//
//	logit   = ln a - ln(b + x + k - 1) + (r + x) (ln(alpha + T) - ln(alpha + t_x))
//	P(alive) = 1 / (1 + exp(logit))        k = 0 (BG/NBD), 1 (MBG/NBD)
//
// with the same branch as Go against overflow (exp(-logit)/(1+exp(-logit))
// for a positive logit). The columns are the customer column (under its
// own name) and "p_alive", a double; a NULL input gives NULL. The
// database's LN and EXP may differ from Go's in the last bit, so the
// values agree to about 1e-15. Rows that are not valid customers (which
// ProbAlive rejects: negative values, t_x > T, t_x > 0 with x = 0) must
// not be scored. The query has no trailing semicolon.
//
// It returns a *ParamError for a parameter that is not positive and
// finite, and an error for an unknown dialect or a customer column named
// "p_alive".
func (m *BGNBD) SQL(d cvm.Dialect, s *SQLSettings) (string, error) {
	steps, names, err := m.sqlSteps(d, s)
	if err != nil {
		return "", err
	}
	return sqlexpr.Query(d, names, steps), nil
}

func (m *BGNBD) sqlSteps(d cvm.Dialect, s *SQLSettings) ([]sqlexpr.Select, []string, error) {
	if err := sqlexpr.CheckDialect("clv", d); err != nil {
		return nil, nil, err
	}
	if err := m.check(); err != nil {
		return nil, nil, err
	}
	o := s.defaults()
	if o.Customer == "p_alive" || strings.HasPrefix(o.Customer, "cvm_") {
		return nil, nil, fmt.Errorf("clv: SQL: customer column %q is an output or reserved name", o.Customer)
	}
	cust := sqlexpr.Column{Name: o.Customer, Expr: sqlexpr.Ref(o.Customer)}
	x, tx, T := sqlexpr.Col(o.Frequency), sqlexpr.Col(o.Recency), sqlexpr.Col(o.T)
	k := m.k()
	num := sqlexpr.Num
	logit := sqlexpr.Add(
		sqlexpr.Sub(num(math.Log(m.A)), sqlexpr.Ln(sqlexpr.Sub(sqlexpr.Add(sqlexpr.Add(num(m.B), x), num(k)), num(1)))),
		sqlexpr.Mul(sqlexpr.Add(num(m.R), x), sqlexpr.Sub(sqlexpr.Ln(sqlexpr.Add(num(m.Alpha), T)), sqlexpr.Ln(sqlexpr.Add(num(m.Alpha), tx)))))
	if k == 0 {
		// ln(b + x - 1) is not defined for x = 0 when b <= 1: the
		// logit is not computed there.
		logit = sqlexpr.Case(logit, sqlexpr.When{If: sqlexpr.Equal(x, num(0)), Then: sqlexpr.Null()})
	}
	first := sqlexpr.Select{From: sqlexpr.Table(o.Table), Columns: []sqlexpr.Column{cust,
		{Name: "cvm_x", Expr: x}, {Name: "cvm_logit", Expr: logit}}}
	lx, lg := sqlexpr.Ref("cvm_x"), sqlexpr.Ref("cvm_logit")
	one := num(1)
	var whens []sqlexpr.When
	if k == 0 {
		whens = append(whens, sqlexpr.When{If: sqlexpr.Equal(lx, num(0)), Then: one})
	}
	e := sqlexpr.Exp(sqlexpr.Neg(lg))
	whens = append(whens, sqlexpr.When{If: sqlexpr.LessEq(lg, num(0)), Then: sqlexpr.Div(one, sqlexpr.Add(one, sqlexpr.Exp(lg)))})
	p := sqlexpr.Case(sqlexpr.Div(e, sqlexpr.Add(one, e)), whens...)
	last := sqlexpr.Select{From: sqlexpr.Quote("cvm_bgnbd"), Columns: []sqlexpr.Column{cust, {Name: "p_alive", Expr: p}}}
	return []sqlexpr.Select{first, last}, []string{"cvm_bgnbd"}, nil
}

// SQL returns a query, in dialect d, that gives every row of the input
// table the Gamma-Gamma expected value of one purchase as
// [GammaGamma.ExpectedSpend] computes it (Fader, Hardie & Lee 2005b,
// eq. 5), written as the same weighted mean:
//
//	w = (q - 1) / (p x + q - 1),  E[Z | x, m] = w p gamma / (q - 1) + (1 - w) m   (m read as 0 when x = 0)
//
// The columns are the customer column and "expected_spend", a double,
// equal to Go's to the bit. A NULL input gives NULL; rows Go rejects
// (negative or non-finite values) must not be scored. The query has no
// trailing semicolon. It returns a *ParamError for a parameter that is
// not positive and finite or for q <= 1, and an error for an unknown
// dialect or a customer column named "expected_spend".
func (m *GammaGamma) SQL(d cvm.Dialect, s *SQLSettings) (string, error) {
	if err := sqlexpr.CheckDialect("clv", d); err != nil {
		return "", err
	}
	steps, err := m.sqlSteps(s)
	if err != nil {
		return "", err
	}
	return sqlexpr.Query(d, nil, steps), nil
}

func (m *GammaGamma) sqlSteps(s *SQLSettings) ([]sqlexpr.Select, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	if m.Q <= 1 {
		return nil, &ParamError{Param: "q", Value: m.Q, Err: fmt.Errorf("%w: expected spend is infinite for q <= 1", ErrInvalidParam)}
	}
	o := s.defaults()
	if o.Customer == "expected_spend" {
		return nil, fmt.Errorf("clv: SQL: customer column %q is an output name", o.Customer)
	}
	num := sqlexpr.Num
	x, ms := sqlexpr.Col(o.Frequency), sqlexpr.Col(o.MeanSpend)
	mean := sqlexpr.Case(num(0), sqlexpr.When{If: sqlexpr.IsNull(x), Then: sqlexpr.Null()},
		sqlexpr.When{If: sqlexpr.Greater(x, num(0)), Then: ms})
	w := sqlexpr.Div(num(m.Q-1), sqlexpr.Sub(sqlexpr.Add(sqlexpr.Mul(num(m.P), x), num(m.Q)), num(1)))
	v := sqlexpr.Add(sqlexpr.Mul(w, num(m.P*m.Gamma/(m.Q-1))), sqlexpr.Mul(sqlexpr.Sub(num(1), w), mean))
	return []sqlexpr.Select{{From: sqlexpr.Table(o.Table), Columns: []sqlexpr.Column{
		{Name: o.Customer, Expr: sqlexpr.Ref(o.Customer)}, {Name: "expected_spend", Expr: v}}}}, nil
}

// LookupForm is the form of the lookup SQL of [BGNBD.LookupSQL].
type LookupForm uint8

// The lookup forms. The zero value is LookupTable.
const (
	// LookupTable is a script: CREATE TABLE with the key (x, t_x, T) as
	// primary key, then INSERT ... VALUES statements of at most
	// LookupSettings.Batch rows, each ended by a semicolon.
	LookupTable LookupForm = iota
	// LookupQuery is one query, WITH name (columns) AS (VALUES ...)
	// SELECT * FROM name, to join as a subquery without creating a table
	// (no trailing semicolon).
	LookupQuery
)

// String returns "table" or "query".
func (f LookupForm) String() string {
	switch f {
	case LookupTable:
		return "table"
	case LookupQuery:
		return "query"
	}
	return fmt.Sprintf("LookupForm(%d)", int(f))
}

// MarshalText returns "table" or "query"; another value is an error.
func (f LookupForm) MarshalText() ([]byte, error) {
	if f > LookupQuery {
		return nil, fmt.Errorf("clv: invalid lookup form %d", int(f))
	}
	return []byte(f.String()), nil
}

// UnmarshalText sets f from "table" or "query"; other text is an error
// naming it.
func (f *LookupForm) UnmarshalText(text []byte) error {
	switch string(text) {
	case "table":
		*f = LookupTable
	case "query":
		*f = LookupQuery
	default:
		return fmt.Errorf("clv: unknown lookup form %q (want table or query)", text)
	}
	return nil
}

// LookupSettings configure [BGNBD.LookupSQL]. A nil *LookupSettings
// means every default.
type LookupSettings struct {
	// Table is the name of the table (or of the CTE, for LookupQuery);
	// "" means "cvm_clv_lookup". A dot separates a schema (LookupTable
	// only).
	Table string
	// Form is LookupTable (the zero value) or LookupQuery.
	Form LookupForm
	// Horizon is the horizon t of the "expected_purchases" column, in the
	// model's unit; 0 means 52 (a year in weeks, the unit of cvm's
	// defaults and of package profile). It must be finite and positive.
	Horizon float64
	// CLV, when not nil, adds the column "discounted_purchases": the
	// discounted expected purchases of [CLV] over its horizon, CLV with a
	// spend of 1 per purchase. A customer's CLV is its expected spend
	// ([GammaGamma.SQL]) times this column. Nil means no such column.
	CLV *CLVSettings
	// Batch is the number of rows per INSERT (LookupTable); 0 means 500.
	Batch int
}

// LookupSQL returns, in dialect d, a lookup table over the compressed
// rows: one row per distinct (x, t_x, T) of rows with the columns "x",
// "t_x", "T" (the key), "p_alive" ([BGNBD.ProbAlive]), "expected_purchases"
// ([BGNBD.ConditionalExpectedPurchases] over s.Horizon) and, with s.CLV,
// "discounted_purchases", all doubles printed exactly (strconv 'g', -1),
// so that a join on the key with the customers' own (x, t_x, T), computed
// as the rows were, gives each customer Go's figures to the bit. The
// conditional expectation needs the Gauss hypergeometric function, which
// SQL lacks; the table carries it for the customers that exist, which
// [Compress] makes few (a few thousand rows for a million customers in
// days). Rows are sorted as Compress sorts them, repeated triples merged
// and their Count ignored.
//
// It returns ErrEmptyInput for no rows, a *CustomerError whose Index is
// the row's for a row that is not a valid customer or whose forecast does
// not converge, a *ParamError for a bad parameter, horizon or CLV
// setting, and an error for an unknown dialect or form.
func (m *BGNBD) LookupSQL(d cvm.Dialect, rows []Row, s *LookupSettings) (string, error) {
	if err := sqlexpr.CheckDialect("clv", d); err != nil {
		return "", err
	}
	if err := m.check(); err != nil {
		return "", err
	}
	var o LookupSettings
	if s != nil {
		o = *s
	}
	if o.Table == "" {
		o.Table = "cvm_clv_lookup"
	}
	if o.Horizon == 0 {
		o.Horizon = 52
	}
	if !(o.Horizon > 0) || math.IsInf(o.Horizon, 0) {
		return "", &ParamError{Param: "horizon", Value: o.Horizon, Err: fmt.Errorf("%w: must be positive and finite", ErrInvalidParam)}
	}
	if o.Batch == 0 {
		o.Batch = 500
	}
	if o.Batch < 0 {
		return "", &ParamError{Param: "batch", Value: float64(o.Batch), Err: ErrInvalidParam}
	}
	if o.Form > LookupQuery {
		return "", fmt.Errorf("clv: invalid lookup form %d", int(o.Form))
	}
	if o.Form == LookupQuery && strings.Contains(o.Table, ".") {
		return "", fmt.Errorf("clv: lookup table %q: a CTE name has no schema", o.Table)
	}
	sorted, err := checkRows(rows, false)
	if err != nil {
		return "", err
	}
	cols := []string{"x", "t_x", "T", "p_alive", "expected_purchases"}
	if o.CLV != nil {
		cols = append(cols, "discounted_purchases")
	}
	values := make([][]float64, len(sorted))
	one := []float64{1}
	for i, r := range sorted {
		c := Customer{Frequency: r.Frequency, Recency: r.Recency, T: r.T}
		e, ok := m.condExp(o.Horizon, c)
		if !ok {
			return "", &CustomerError{Index: i, Field: "prediction", Err: ErrNotConverged}
		}
		v := []float64{r.Frequency, r.Recency, r.T, m.probAlive(c), e}
		if o.CLV != nil {
			f, err := CLV(nil, m, one, []Customer{c}, o.CLV)
			if err != nil {
				if ce, ok := err.(*CustomerError); ok {
					cp := *ce
					cp.Index = i
					return "", &cp
				}
				return "", err
			}
			v = append(v, f[0])
		}
		values[i] = v
	}
	return lookupText(d, o, cols, values), nil
}

func lookupText(d cvm.Dialect, o LookupSettings, cols []string, values [][]float64) string {
	var b strings.Builder
	quoted := make([]string, len(cols))
	for j, c := range cols {
		quoted[j] = sqlexpr.Quote(c)
	}
	list := strings.Join(quoted, ", ")
	table := sqlexpr.Table(o.Table)
	row := func(v []float64, typed bool) {
		b.WriteByte('(')
		for j, x := range v {
			if j > 0 {
				b.WriteString(", ")
			}
			if typed && d == cvm.PostgreSQL {
				// A VALUES list of numeric constants would be numeric.
				b.WriteString("CAST(" + sqlexpr.FormatNumber(x) + " AS DOUBLE PRECISION)")
			} else {
				b.WriteString(sqlexpr.Literal(x, d))
			}
		}
		b.WriteByte(')')
	}
	if o.Form == LookupQuery {
		b.WriteString("WITH " + table + " (" + list + ") AS (VALUES\n")
		for i, v := range values {
			if i > 0 {
				b.WriteString(",\n")
			}
			row(v, true)
		}
		b.WriteString(")\nSELECT * FROM " + table)
		return b.String()
	}
	b.WriteString("CREATE TABLE " + table + " (")
	for j, c := range quoted {
		if j > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c + " " + sqlexpr.DoubleType(d) + " NOT NULL")
	}
	b.WriteString(", PRIMARY KEY (" + strings.Join(quoted[:3], ", ") + "));\n")
	for i, v := range values {
		if i%o.Batch == 0 {
			if i > 0 {
				b.WriteString(";\n")
			}
			b.WriteString("INSERT INTO " + table + " (" + list + ") VALUES\n")
		} else {
			b.WriteString(",\n")
		}
		row(v, false)
	}
	b.WriteString(";\n")
	return b.String()
}
