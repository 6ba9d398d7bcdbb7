package segment_test

import (
	"fmt"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/segment"
)

// A scorer's breaks as SQL: a value equal to a break falls in the lower
// bin, and recency is inverted (the most recent customers get R = 3).
func ExampleScorer_SQL() {
	s, err := segment.NewScorer(3, []float64{7, 30}, []float64{1, 3}, []float64{50, 250.5})
	if err != nil {
		fmt.Println(err)
		return
	}
	q, err := s.SQL(cvm.SQLite, &segment.SQLSettings{Table: "customers"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(q)
	// Output:
	// SELECT "customer" AS "customer",
	//   CASE WHEN (CAST("recency" AS REAL) IS NULL) THEN NULL WHEN (CAST("recency" AS REAL) <= 7.0) THEN 3 WHEN (CAST("recency" AS REAL) <= 30.0) THEN 2 ELSE 1 END AS "r",
	//   CASE WHEN (CAST("frequency" AS REAL) IS NULL) THEN NULL WHEN (CAST("frequency" AS REAL) <= 1.0) THEN 1 WHEN (CAST("frequency" AS REAL) <= 3.0) THEN 2 ELSE 3 END AS "f",
	//   CASE WHEN (CAST("monetary" AS REAL) IS NULL) THEN NULL WHEN (CAST("monetary" AS REAL) <= 50.0) THEN 1 WHEN (CAST("monetary" AS REAL) <= 250.5) THEN 2 ELSE 3 END AS "m"
	// FROM "customers"
}
