package sqlexpr_test

import (
	"fmt"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/sqlexpr"
)

// An expression prints fully parenthesised, with exact double literals,
// and evaluates in Go with SQL's NULL rules.
func Example() {
	x := sqlexpr.Col("spend")
	e := sqlexpr.Case(sqlexpr.Num(1), sqlexpr.When{If: sqlexpr.LessEq(x, sqlexpr.Num(0.1)), Then: sqlexpr.Div(x, sqlexpr.Num(0.1))})
	fmt.Println(sqlexpr.SQL(e, cvm.PostgreSQL))
	v := sqlexpr.Eval(e, map[string]sqlexpr.Value{"spend": {Kind: sqlexpr.Number, Num: 0.05}})
	fmt.Printf("%.4f\n", v.Num)
	// Output:
	// CASE WHEN (CAST("spend" AS DOUBLE PRECISION) <= 0.1) THEN (CAST("spend" AS DOUBLE PRECISION) / 0.1) ELSE 1.0 END
	// 0.5000
}
