package cvm_test

import (
	"fmt"

	"github.com/cvmkit/cvm"
)

// The summary query for a SQLite table of Online Retail's columns: the
// amount is Quantity x UnitPrice, occasions are invoices. Run it with
// cvm.SummarizeSQL(ctx, db, cvm.SQLite, "retail", set), or run it
// yourself and read its rows with cvm.ReadSummaryRows.
func ExampleSummaryQuery() {
	set := &cvm.SQLSummarySettings{
		SummarySettings: cvm.SummarySettings{Occasions: cvm.ByOrder},
		Customer:        "CustomerID", Time: "InvoiceDate",
		Quantity: "Quantity", Price: "UnitPrice", Order: "InvoiceNo",
	}
	q, err := cvm.SummaryQuery(cvm.SQLite, "retail", set)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(q)
	// Output:
	// SELECT c,
	//   MIN(CASE WHEN a >= 0 THEN t END),
	//   MAX(CASE WHEN a >= 0 THEN t END),
	//   COUNT(DISTINCT CASE WHEN a >= 0 AND o <> '' THEN o END) + SUM(CASE WHEN a >= 0 AND (o IS NULL OR o = '') THEN 1 ELSE 0 END),
	//   COUNT(*),
	//   SUM(CAST(ROUND((a) * 1e4) AS INTEGER)),
	//   SUM(CAST(ROUND((CASE WHEN a < 0 THEN a ELSE 0 END) * 1e4) AS INTEGER)),
	//   SUM(CASE WHEN t IS NULL THEN 1 ELSE 0 END),
	//   SUM(CASE WHEN a IS NULL THEN 1 ELSE 0 END)
	// FROM (SELECT "CustomerID" AS c, "InvoiceDate" AS t, "Quantity" * "UnitPrice" AS a, "InvoiceNo" AS o FROM "retail") AS cvm_tx
	// WHERE c IS NOT NULL AND c <> ''
	// GROUP BY c
}
