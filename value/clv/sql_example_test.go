package clv_test

import (
	"fmt"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/value/clv"
)

// P(alive) in closed form, as SQL, for the published CDNOW BG/NBD model
// (Fader, Hardie & Lee 2005); the lookup table carries the expected
// purchases, which need the hypergeometric function, for the customers'
// distinct (x, t_x, T): for x = 2, t_x = 30.43, T = 38.86 the published
// P(alive) 0.727 and 1.226 purchases in 39 weeks.
func ExampleBGNBD_SQL() {
	m := &clv.BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
	q, err := m.SQL(cvm.PostgreSQL, &clv.SQLSettings{Table: "customers"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(q)
	rows := []clv.Row{{Frequency: 2, Recency: 30.43, T: 38.86, Count: 1}, {Frequency: 0, Recency: 0, T: 38.86, Count: 5}}
	lookup, err := m.LookupSQL(cvm.SQLite, rows, &clv.LookupSettings{Horizon: 39})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(lookup)
	// Output:
	// WITH "cvm_bgnbd" AS MATERIALIZED (SELECT "customer" AS "customer",
	//   CAST("x" AS DOUBLE PRECISION) AS "cvm_x",
	//   CASE WHEN (CAST("x" AS DOUBLE PRECISION) = 0.0) THEN NULL ELSE (((-0.23193205734728903) - LN((((2.426 + CAST("x" AS DOUBLE PRECISION)) + 0.0) - 1.0))) + ((0.243 + CAST("x" AS DOUBLE PRECISION)) * (LN((4.414 + CAST("T" AS DOUBLE PRECISION))) - LN((4.414 + CAST("t_x" AS DOUBLE PRECISION)))))) END AS "cvm_logit"
	// FROM "customers")
	// SELECT "customer" AS "customer",
	//   CASE WHEN ("cvm_x" = 0.0) THEN 1.0 WHEN ("cvm_logit" <= 0.0) THEN (1.0 / (1.0 + EXP("cvm_logit"))) ELSE (EXP((-"cvm_logit")) / (1.0 + EXP((-"cvm_logit")))) END AS "p_alive"
	// FROM "cvm_bgnbd"
	// CREATE TABLE "cvm_clv_lookup" ("x" REAL NOT NULL, "t_x" REAL NOT NULL, "T" REAL NOT NULL, "p_alive" REAL NOT NULL, "expected_purchases" REAL NOT NULL, PRIMARY KEY ("x", "t_x", "T"));
	// INSERT INTO "cvm_clv_lookup" ("x", "t_x", "T", "p_alive", "expected_purchases") VALUES
	// (0.0, 0.0, 38.86, 1.0, 0.19509805201125427),
	// (2.0, 30.43, 38.86, 0.7265785700806728, 1.2260281747671409);
}
