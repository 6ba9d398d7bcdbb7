package dbtest_test

import (
	"context"
	"testing"

	"github.com/cvmkit/cvm/examples/sqldb/dbtest"
)

// TestLoadTransactions loads a synthetic table into every database and
// counts its rows and customers back.
func TestLoadTransactions(t *testing.T) {
	ctx := context.Background()
	txs := dbtest.Synthetic(200, 1)
	customers := map[string]bool{}
	for _, tx := range txs {
		customers[tx.Customer] = true
	}
	for _, db := range dbtest.All(t) {
		t.Run(db.Name, func(t *testing.T) {
			if err := db.LoadTransactions(ctx, "tx", txs); err != nil {
				t.Fatal(err)
			}
			var rows, cust int
			if err := db.DB.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT customer) FROM tx`).Scan(&rows, &cust); err != nil {
				t.Fatal(err)
			}
			if rows != len(txs) || cust != len(customers) {
				t.Errorf("%d rows, %d customers; want %d, %d", rows, cust, len(txs), len(customers))
			}
		})
	}
}
