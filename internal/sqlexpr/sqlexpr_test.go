package sqlexpr

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/cvmkit/cvm"
)

func TestLiteral(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		d    cvm.Dialect
		want string
	}{
		{3, cvm.SQLite, "3.0"},
		{0.1, cvm.SQLite, "0.1"},
		{-2.5, cvm.PostgreSQL, "(-2.5)"},
		{1e-7, cvm.SQLite, "1e-07"},
		{1e21, cvm.PostgreSQL, "1e+21"},
		{math.Copysign(0, -1), cvm.SQLite, "0.0"},
		{0.5, cvm.DuckDB, "CAST('0.5' AS DOUBLE)"},
		{0.5, cvm.ANSI, "CAST(0.5 AS DOUBLE PRECISION)"},
		{-1, cvm.ANSI, "(CAST(-1.0 AS DOUBLE PRECISION))"},
	} {
		if got := Literal(tc.v, tc.d); got != tc.want {
			t.Errorf("Literal(%v, %v) = %s, want %s", tc.v, tc.d, got, tc.want)
		}
	}
	// Round trip: the text reads back to the same double.
	for _, v := range []float64{math.Pi, 1.0 / 3, 123456789.123456789, 5e-324, math.MaxFloat64, 0.1 + 0.2} {
		s := FormatNumber(v)
		if back, err := strconv.ParseFloat(s, 64); err != nil || back != v {
			t.Errorf("FormatNumber(%v) = %s reads back as %v, %v", v, s, back, err)
		}
	}
}

func TestQuote(t *testing.T) {
	if got := Quote(`a"b`); got != `"a""b"` {
		t.Errorf("Quote = %s", got)
	}
	if got := Table("s.t"); got != `"s"."t"` {
		t.Errorf("Table = %s", got)
	}
	if got := QuoteString("Can't"); got != "'Can''t'" {
		t.Errorf("QuoteString = %s", got)
	}
	if DoubleType(cvm.SQLite) != "REAL" || DoubleType(cvm.PostgreSQL) != "DOUBLE PRECISION" || DoubleType(cvm.DuckDB) != "DOUBLE" {
		t.Error("DoubleType")
	}
	if CheckDialect("p", cvm.Dialect(4)) == nil || CheckDialect("p", cvm.DuckDB) != nil {
		t.Error("CheckDialect")
	}
}

func TestEvalNull(t *testing.T) {
	x := Col("x")
	num := func(v float64) Value { return Value{Kind: Number, Num: v} }
	for _, tc := range []struct {
		e    Expr
		env  map[string]Value
		want Value
	}{
		{Add(x, Num(1)), nil, Value{}},
		{Add(x, Num(1)), map[string]Value{"x": num(2)}, num(3)},
		{Div(Num(1), x), map[string]Value{"x": num(0)}, Value{}},
		{Ln(x), map[string]Value{"x": num(-1)}, Value{}},
		{Sqrt(x), map[string]Value{"x": num(4)}, num(2)},
		{Exp(Neg(x)), map[string]Value{"x": num(0)}, num(1)},
		{Case(Num(2), When{Less(x, Num(0)), Num(1)}), nil, num(2)}, // NULL < 0 is not true
		{Case(nil, When{IsNull(x), Str("n")}), nil, Value{Kind: String, Str: "n"}},
		{Case(nil, When{And(GreaterEq(x, Num(1)), LessEq(x, Num(2)), Equal(x, Num(1.5))), Int(7)}), map[string]Value{"x": num(1.5)}, num(7)},
		{Case(Int(0), When{And(), Int(1)}), nil, num(1)},
		{Case(Int(0), When{Greater(Sub(x, Num(1)), Mul(Num(2), Num(3))), Int(1)}), map[string]Value{"x": num(8)}, num(1)},
		{Null(), nil, Value{}},
	} {
		if got := Eval(tc.e, tc.env); got != tc.want {
			t.Errorf("%s with %v = %+v, want %+v", SQL(tc.e, cvm.SQLite), tc.env, got, tc.want)
		}
	}
}

func TestQuery(t *testing.T) {
	steps := []Select{
		{From: Table("in"), Columns: []Column{{"id", Ref("id")}, {"y", Mul(Col("x"), Num(2))}}},
		{From: Quote("s1"), Columns: []Column{{"id", Ref("id")}, {"z", Add(Ref("y"), Int(1))}}},
	}
	q := Query(cvm.SQLite, []string{"s1"}, steps)
	want := "WITH \"s1\" AS MATERIALIZED (SELECT \"id\" AS \"id\",\n  (CAST(\"x\" AS REAL) * 2.0) AS \"y\"\nFROM \"in\")\nSELECT \"id\" AS \"id\",\n  (\"y\" + 1) AS \"z\"\nFROM \"s1\""
	if q != want {
		t.Errorf("Query:\n%s\nwant:\n%s", q, want)
	}
	out := EvalSteps(steps, map[string]Value{"id": {Kind: String, Str: "a"}, "x": {Kind: Number, Num: 4}})
	if out["z"].Num != 9 || out["id"].Str != "a" {
		t.Errorf("EvalSteps = %v", out)
	}
	if !strings.HasPrefix(Query(cvm.SQLite, nil, steps[:1]), "SELECT") {
		t.Error("one step: not a plain SELECT")
	}
}
