// Package sqlexpr builds the SQL expressions of cvm's scoring SQL
// (segment, value and value/clv export fitted models as queries) and
// evaluates them in Go, so that a package's tests can check the logic of
// the SQL it generates without a database.
//
// Every expression prints fully parenthesised, so a database evaluates
// the operations in the order the tree gives, one IEEE 754 double
// operation at a time, as Go does. Numbers print with strconv's 'g'
// format and precision -1 (the shortest text that reads back to the same
// double) as a double literal of the dialect; columns are read as
// doubles (CAST(... AS DOUBLE PRECISION); REAL in SQLite, DOUBLE in
// DuckDB). NULL is a missing value: arithmetic on it is NULL and a
// comparison with it is not true, as in SQL; [Eval] follows the same
// rules.
package sqlexpr

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/cvmkit/cvm"
)

// Value is the value of an expression: NULL, a number, a string or a
// truth value.
type Value struct {
	Kind Kind
	Num  float64
	Str  string
	Bool bool
}

// Kind is the type of a Value.
type Kind uint8

// The kinds of value.
const (
	NullKind Kind = iota
	Number
	String
	Truth
)

// Expr is an SQL expression.
type Expr interface {
	// write appends the expression's SQL text in dialect d to b.
	write(b *strings.Builder, d cvm.Dialect)
	// eval evaluates the expression with column values env.
	eval(env map[string]Value) Value
}

// SQL returns the text of e in dialect d.
func SQL(e Expr, d cvm.Dialect) string {
	var b strings.Builder
	e.write(&b, d)
	return b.String()
}

// Eval evaluates e with the column values env (keyed by column name; a
// column not in env is NULL).
func Eval(e Expr, env map[string]Value) Value { return e.eval(env) }

// CheckDialect returns an error naming d when it is not one of cvm's
// dialects.
func CheckDialect(pkg string, d cvm.Dialect) error {
	if _, err := d.MarshalText(); err != nil {
		return fmt.Errorf("%s: unknown dialect %d", pkg, int(d))
	}
	return nil
}

// Quote returns name as a quoted SQL identifier: in double quotes, with
// any double quote doubled (standard SQL; SQLite, PostgreSQL and DuckDB
// accept it). An empty name is a programmer error and panics.
func Quote(name string) string {
	if name == "" {
		panic("sqlexpr: empty identifier")
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// QuoteString returns s as an SQL string literal.
func QuoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// DoubleType returns the name of the double precision type in d.
func DoubleType(d cvm.Dialect) string {
	switch d {
	case cvm.SQLite:
		return "REAL"
	case cvm.DuckDB:
		return "DOUBLE"
	}
	return "DOUBLE PRECISION"
}

// FormatNumber returns v as 'g' -1 text, with ".0" appended when the text
// would read as an integer (SQLite would otherwise make it an INTEGER and
// divide integers). v must be finite.
func FormatNumber(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		panic(fmt.Sprintf("sqlexpr: number %v is not finite", v))
	}
	if v == 0 {
		v = 0 // -0 prints as 0
	}
	s := strconv.FormatFloat(v, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return s
}

// Literal returns the double literal v in dialect d: the 'g' -1 text,
// which SQLite and PostgreSQL read exactly (PostgreSQL's numeric constant
// becomes the double of its text in any double operation), and for
// DuckDB and ANSI the text cast to the double type. A negative literal is
// parenthesised, so that "x - -1" cannot become a comment.
func Literal(v float64, d cvm.Dialect) string {
	s := FormatNumber(v)
	switch d {
	case cvm.DuckDB:
		s = "CAST('" + s + "' AS DOUBLE)"
	case cvm.ANSI:
		s = "CAST(" + s + " AS DOUBLE PRECISION)"
	}
	if v < 0 {
		s = "(" + s + ")"
	}
	return s
}

type num float64

// Num is the double literal v; v must be finite.
func Num(v float64) Expr {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		panic(fmt.Sprintf("sqlexpr: number %v is not finite", v))
	}
	return num(v)
}

func (n num) write(b *strings.Builder, d cvm.Dialect) { b.WriteString(Literal(float64(n), d)) }
func (n num) eval(map[string]Value) Value             { return Value{Kind: Number, Num: float64(n)} }

type integer int

// Int is the integer literal v.
func Int(v int) Expr { return integer(v) }

func (n integer) write(b *strings.Builder, _ cvm.Dialect) {
	if n < 0 {
		b.WriteString("(" + strconv.Itoa(int(n)) + ")")
		return
	}
	b.WriteString(strconv.Itoa(int(n)))
}
func (n integer) eval(map[string]Value) Value { return Value{Kind: Number, Num: float64(n)} }

type str string

// Str is the string literal s.
func Str(s string) Expr { return str(s) }

func (s str) write(b *strings.Builder, _ cvm.Dialect) { b.WriteString(QuoteString(string(s))) }
func (s str) eval(map[string]Value) Value             { return Value{Kind: String, Str: string(s)} }

type null struct{}

// Null is SQL NULL.
func Null() Expr { return null{} }

func (null) write(b *strings.Builder, _ cvm.Dialect) { b.WriteString("NULL") }
func (null) eval(map[string]Value) Value             { return Value{} }

type col struct {
	name string
	raw  bool
}

// Col is column name read as a double.
func Col(name string) Expr { return col{name: name} }

// Ref is column name as it is (an ID, or a column of an inner query that
// is a double already).
func Ref(name string) Expr { return col{name: name, raw: true} }

func (c col) write(b *strings.Builder, d cvm.Dialect) {
	if c.raw {
		b.WriteString(Quote(c.name))
		return
	}
	b.WriteString("CAST(" + Quote(c.name) + " AS " + DoubleType(d) + ")")
}
func (c col) eval(env map[string]Value) Value { return env[c.name] }

type binary struct {
	op   byte // + - * /
	a, b Expr
}

// Add, Sub, Mul and Div are the double operations a+b, a-b, a*b and a/b.
// Division by zero is NULL (as in SQLite; PostgreSQL raises an error), so
// the generators never divide by an expression that can be zero.
func Add(a, b Expr) Expr { return binary{'+', a, b} }

// Sub is a - b.
func Sub(a, b Expr) Expr { return binary{'-', a, b} }

// Mul is a * b.
func Mul(a, b Expr) Expr { return binary{'*', a, b} }

// Div is a / b.
func Div(a, b Expr) Expr { return binary{'/', a, b} }

func (e binary) write(b *strings.Builder, d cvm.Dialect) { writeInfix(b, d, e.a, string(e.op), e.b) }

// writeInfix appends (x op y).
func writeInfix(b *strings.Builder, d cvm.Dialect, x Expr, op string, y Expr) {
	b.WriteByte('(')
	x.write(b, d)
	b.WriteString(" " + op + " ")
	y.write(b, d)
	b.WriteByte(')')
}

// writeWrapped appends open, x, then end.
func writeWrapped(b *strings.Builder, d cvm.Dialect, open string, x Expr, end string) {
	b.WriteString(open)
	x.write(b, d)
	b.WriteString(end)
}

func (e binary) eval(env map[string]Value) Value {
	x, y := e.a.eval(env), e.b.eval(env)
	if x.Kind != Number || y.Kind != Number {
		return Value{}
	}
	var v float64
	switch e.op {
	case '+':
		v = x.Num + y.Num
	case '-':
		v = x.Num - y.Num
	case '*':
		v = x.Num * y.Num
	case '/':
		if y.Num == 0 {
			return Value{}
		}
		v = x.Num / y.Num
	}
	return Value{Kind: Number, Num: v}
}

type neg struct{ a Expr }

// Neg is -a.
func Neg(a Expr) Expr { return neg{a} }

func (e neg) write(b *strings.Builder, d cvm.Dialect) { writeWrapped(b, d, "(-", e.a, ")") }

func (e neg) eval(env map[string]Value) Value {
	x := e.a.eval(env)
	if x.Kind != Number {
		return Value{}
	}
	return Value{Kind: Number, Num: -x.Num}
}

type fn struct {
	name string
	a    Expr
}

// Ln, Exp and Sqrt are the functions LN, EXP and SQRT (SQL:2003; SQLite
// 3.35 or later with its math functions, as modernc.org/sqlite builds
// it). Their arguments must be in the domain: the generators guard them.
func Ln(a Expr) Expr { return fn{"LN", a} }

// Exp is EXP(a).
func Exp(a Expr) Expr { return fn{"EXP", a} }

// Sqrt is SQRT(a).
func Sqrt(a Expr) Expr { return fn{"SQRT", a} }

func (e fn) write(b *strings.Builder, d cvm.Dialect) { writeWrapped(b, d, e.name+"(", e.a, ")") }

func (e fn) eval(env map[string]Value) Value {
	x := e.a.eval(env)
	if x.Kind != Number {
		return Value{}
	}
	var v float64
	switch e.name {
	case "LN":
		if !(x.Num > 0) {
			return Value{}
		}
		v = math.Log(x.Num)
	case "EXP":
		v = math.Exp(x.Num)
	case "SQRT":
		if x.Num < 0 {
			return Value{}
		}
		v = math.Sqrt(x.Num)
	}
	return Value{Kind: Number, Num: v}
}

type cmpExpr struct {
	op   string // < <= > >= =
	a, b Expr
}

// Less, LessEq, Greater, GreaterEq and Equal compare two numbers; with a
// NULL operand the comparison is not true.
func Less(a, b Expr) Expr { return cmpExpr{"<", a, b} }

// LessEq is a <= b.
func LessEq(a, b Expr) Expr { return cmpExpr{"<=", a, b} }

// Greater is a > b.
func Greater(a, b Expr) Expr { return cmpExpr{">", a, b} }

// GreaterEq is a >= b.
func GreaterEq(a, b Expr) Expr { return cmpExpr{">=", a, b} }

// Equal is a = b.
func Equal(a, b Expr) Expr { return cmpExpr{"=", a, b} }

func (e cmpExpr) write(b *strings.Builder, d cvm.Dialect) { writeInfix(b, d, e.a, e.op, e.b) }

func (e cmpExpr) eval(env map[string]Value) Value {
	x, y := e.a.eval(env), e.b.eval(env)
	if x.Kind != Number || y.Kind != Number {
		return Value{}
	}
	var t bool
	switch e.op {
	case "<":
		t = x.Num < y.Num
	case "<=":
		t = x.Num <= y.Num
	case ">":
		t = x.Num > y.Num
	case ">=":
		t = x.Num >= y.Num
	case "=":
		t = x.Num == y.Num
	}
	return Value{Kind: Truth, Bool: t}
}

type isNull struct{ a Expr }

// IsNull is a IS NULL.
func IsNull(a Expr) Expr { return isNull{a} }

func (e isNull) write(b *strings.Builder, d cvm.Dialect) { writeWrapped(b, d, "(", e.a, " IS NULL)") }

func (e isNull) eval(env map[string]Value) Value {
	return Value{Kind: Truth, Bool: e.a.eval(env).Kind == NullKind}
}

type and []Expr

// And is the conjunction of the conditions; And() is true.
func And(conds ...Expr) Expr {
	if len(conds) == 1 {
		return conds[0]
	}
	return and(conds)
}

func (e and) write(b *strings.Builder, d cvm.Dialect) {
	if len(e) == 0 {
		b.WriteString("(1 = 1)")
		return
	}
	b.WriteByte('(')
	for i, c := range e {
		if i > 0 {
			b.WriteString(" AND ")
		}
		c.write(b, d)
	}
	b.WriteByte(')')
}

func (e and) eval(env map[string]Value) Value {
	for _, c := range e {
		if v := c.eval(env); v.Kind != Truth || !v.Bool {
			return Value{Kind: Truth}
		}
	}
	return Value{Kind: Truth, Bool: true}
}

// When is one branch of a CASE: Then when If is true.
type When struct {
	If, Then Expr
}

type caseExpr struct {
	whens []When
	els   Expr
}

// Case is CASE WHEN w.If THEN w.Then ... ELSE els END: the Then of the
// first true condition, else els (NULL when els is nil).
func Case(els Expr, whens ...When) Expr {
	if len(whens) == 0 {
		if els == nil {
			return null{}
		}
		return els
	}
	return caseExpr{whens, els}
}

func (e caseExpr) write(b *strings.Builder, d cvm.Dialect) {
	b.WriteString("CASE")
	for _, w := range e.whens {
		b.WriteString(" WHEN ")
		w.If.write(b, d)
		b.WriteString(" THEN ")
		w.Then.write(b, d)
	}
	if e.els != nil {
		b.WriteString(" ELSE ")
		e.els.write(b, d)
	}
	b.WriteString(" END")
}

func (e caseExpr) eval(env map[string]Value) Value {
	for _, w := range e.whens {
		if v := w.If.eval(env); v.Kind == Truth && v.Bool {
			return w.Then.eval(env)
		}
	}
	if e.els == nil {
		return Value{}
	}
	return e.els.eval(env)
}

// Column is one output column of a Select: Expr AS Name.
type Column struct {
	Name string
	Expr Expr
}

// Select is one step of a query: SELECT the columns FROM From (a table
// or the previous step).
type Select struct {
	Columns []Column
	From    string
}

// Query returns the query of the steps: each step but the last a named
// CTE (the names given), reading from the one before; the first reads
// from its own From, a table name quoted as given. The last step is the
// final SELECT. The CTEs are MATERIALIZED (SQLite 3.35, PostgreSQL 12,
// DuckDB): a step refers to a column of the one before several times,
// and an engine that inlined the steps would copy the expressions into
// each other, growing the query exponentially with the steps. ANSI SQL
// has no such hint.
func Query(d cvm.Dialect, names []string, steps []Select) string {
	if len(names) != len(steps)-1 {
		panic("sqlexpr: Query needs a name for every step but the last")
	}
	as := " AS MATERIALIZED ("
	if d == cvm.ANSI {
		as = " AS ("
	}
	var b strings.Builder
	for i, s := range steps {
		switch {
		case i == 0 && len(steps) > 1:
			b.WriteString("WITH " + Quote(names[0]) + as)
		case i > 0 && i < len(steps)-1:
			b.WriteString(",\n" + Quote(names[i]) + as)
		case i > 0:
			b.WriteString("\n")
		}
		b.WriteString("SELECT ")
		for j, c := range s.Columns {
			if j > 0 {
				b.WriteString(",\n  ")
			}
			c.Expr.write(&b, d)
			b.WriteString(" AS " + Quote(c.Name))
		}
		b.WriteString("\nFROM " + s.From)
		if i < len(steps)-1 {
			b.WriteString(")")
		}
	}
	return b.String()
}

// EvalSteps evaluates the steps of a Query on one input row: each step's
// columns from the previous step's output (the first from row), and
// returns the last step's output.
func EvalSteps(steps []Select, row map[string]Value) map[string]Value {
	env := row
	for _, s := range steps {
		out := make(map[string]Value, len(s.Columns))
		for _, c := range s.Columns {
			out[c.Name] = c.Expr.eval(env)
		}
		env = out
	}
	return env
}

// Table returns the quoted name of a table, which may be qualified by a
// schema with a dot ("sales.customers"): each part is quoted.
func Table(name string) string {
	parts := strings.Split(name, ".")
	for i, p := range parts {
		parts[i] = Quote(p)
	}
	return strings.Join(parts, ".")
}
