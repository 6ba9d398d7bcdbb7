package dbtest_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/examples/sqldb/dbtest"
)

// ExampleDB_LoadTransactions loads three transactions into a SQLite file
// and totals each customer's amount back with SQL.
func ExampleDB_LoadTransactions() {
	dir, err := os.MkdirTemp("", "dbtest-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	db, err := dbtest.OpenSQLite(filepath.Join(dir, "tx.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.DB.Close()

	ctx := context.Background()
	day := func(d int) time.Time { return time.Date(2024, 1, d, 12, 0, 0, 0, time.UTC) }
	txs := []cvm.Transaction{
		{Customer: "a", Time: day(1), Amount: 10},
		{Customer: "a", Time: day(5), Amount: 2.5},
		{Customer: "b", Time: day(3), Amount: 7},
	}
	if err := db.LoadTransactions(ctx, "tx", txs); err != nil {
		log.Fatal(err)
	}
	rows, err := db.DB.QueryContext(ctx, `SELECT customer, COUNT(*), SUM(amount) FROM tx GROUP BY customer ORDER BY customer`)
	if err != nil {
		log.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var c string
		var n int
		var sum float64
		if err := rows.Scan(&c, &n, &sum); err != nil {
			log.Fatal(err)
		}
		fmt.Println(c, n, sum)
	}
	if err := rows.Err(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// a 2 12.5
	// b 1 7
}
