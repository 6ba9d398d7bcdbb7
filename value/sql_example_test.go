package value_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/value"
)

// A fitted value model as SQL: the fitted bounds, weights, cuts and tier
// cuts become literals of a query over a table of indicator columns.
// Here the final step: the quadrant and the tier. By hand: the scores
// are 0, 25, 50, 100 (current) and 100, 75, 50, 0 (potential), so the
// median cuts are 37.5 and 62.5, and every total is 50.
func ExampleModel_SQL() {
	cat := value.Catalog{
		Groups: []value.Group{{ID: "now", Dimension: value.CurrentValue, Weight: 1}, {ID: "next", Dimension: value.PotentialValue, Weight: 1}},
		Indicators: []value.Indicator{
			{ID: "revenue", Dimension: value.CurrentValue, Group: "now", Weight: 1},
			{ID: "headroom", Dimension: value.PotentialValue, Group: "next", Weight: 1},
		},
	}
	t := value.IndicatorTable{Customers: []string{"a", "b", "c", "d"}, IDs: []string{"revenue", "headroom"},
		Columns: [][]float64{{0, 100, 200, 400}, {40, 30, 20, 0}}}
	m, err := value.Fit(context.Background(), t, &value.Settings{Catalog: cat, Cut: value.CutMedian, TierShares: []float64{0.25, 0.75}})
	if err != nil {
		fmt.Println(err)
		return
	}
	q, err := m.SQL(cvm.SQLite, &value.SQLSettings{Table: "customers", Customer: "id"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(q[strings.LastIndex(q, "\nSELECT")+1:])
	// Output:
	// SELECT "id" AS "id",
	//   "current_value" AS "current_value",
	//   "potential_value" AS "potential_value",
	//   "total_value" AS "total_value",
	//   CASE WHEN ("current_value" IS NULL) THEN NULL WHEN ("potential_value" IS NULL) THEN NULL WHEN (("current_value" > 37.5) AND ("potential_value" > 62.5)) THEN 'IV' WHEN ("current_value" > 37.5) THEN 'III' WHEN ("potential_value" > 62.5) THEN 'II' ELSE 'I' END AS "quadrant",
	//   CASE WHEN ("total_value" IS NULL) THEN NULL WHEN ("total_value" > 50.0) THEN 1 ELSE 2 END AS "tier"
	// FROM "cvm_value_v"
}
