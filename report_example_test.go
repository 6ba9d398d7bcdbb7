package cvm_test

import (
	"context"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/cvmkit/cvm"
)

// Reading a file with an Auditor: the report names a row dated far beyond
// the rest, which the default as-of leaves out, and the other anomalies.
func ExampleReader_Report() {
	const data = `customer,time,amount,order
C1,2024-01-05 10:00:00,20.00,o1
C1,2024-01-05 10:00:00,20.00,o1
C2,2024-01-06 09:30:00,12.00,o2
,2024-01-06 09:31:00,3.00,o3
C2,2024-02-10 16:45:00,0,o4
C3,2024-02-20 11:00:00,-5.50,r1
C1,9999-12-31 00:00:00,30.00,o5
`
	rd, err := cvm.NewReader(strings.NewReader(data), &cvm.ReadSettings{Audit: cvm.NewAuditor(nil)})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := rd.ReadAll(context.Background()); err != nil {
		log.Fatal(err)
	}
	r := rd.Report() // purchases 20+20+12+3+30 = 85: 3 without a customer, 30 after the as-of
	fmt.Printf("%d rows, %d customers, data %s to %s\n", r.Rows, r.Customers,
		r.PlausibleFirst.Format(time.DateOnly), r.PlausibleLast.Format(time.DateOnly))
	fmt.Printf("as of %s (default %v), %d rows after it\n", r.AsOf.Format(time.RFC3339), r.DefaultAsOf, r.AfterAsOf)
	fmt.Printf("revenue analysed %.4f of %.2f\n", r.Revenue.Share, r.Revenue.Gross)
	for _, w := range r.Warnings {
		fmt.Println("-", w)
	}
	// Output:
	// 7 rows, 3 customers, data 2024-01-05 to 2024-02-20
	// as of 2024-02-20T23:59:59Z (default true), 1 rows after it
	// revenue analysed 0.6118 of 85.00
	// - 1 row far outside the bulk of the data, which runs 2024-01-05T10:00:00Z to 2024-02-20T11:00:00Z: line 8 (customer "C1", 9999-12-31T00:00:00Z, amount 30, order "o5")
	// - 1 row after the default as-of (the end of the day of the last plausible row) 2024-02-20T23:59:59.999999999Z is excluded (35.3% of the purchase amount)
	// - 1 row with an empty customer ID is not analysed (3.5% of the purchase amount)
	// - 1 exact duplicate row: line 3 (customer "C1", 2024-01-05T10:00:00Z, amount 20, order "o1") repeats line 2
	// - 1 row with a zero amount: line 6 (customer "C2", 2024-02-10T16:45:00Z, amount 0, order "o4")
	// - 1 customer with returns only, no purchase: "C3"
}

// Auditing a stream of transactions with a given as-of.
func ExampleAudit() {
	txs := []cvm.Transaction{
		{Customer: "a", Time: time.Date(2024, 3, 1, 23, 0, 0, 0, time.UTC), Amount: 10},
		{Customer: "a", Time: time.Date(2024, 3, 2, 23, 0, 0, 0, time.UTC), Amount: 10},
		{Customer: "b", Time: time.Date(2024, 3, 5, 23, 0, 0, 0, time.UTC), Amount: 5},
	}
	seq := func(yield func(cvm.Transaction) bool) {
		for _, t := range txs {
			if !yield(t) {
				return
			}
		}
	}
	r := cvm.Audit(seq, &cvm.AuditSettings{AsOf: time.Date(2024, 3, 3, 0, 0, 0, 0, time.UTC)})
	fmt.Printf("as of %s: %d rows after it, %.4f of revenue analysed\n", r.AsOf.Format(time.DateOnly), r.AfterAsOf, r.Revenue.Share)
	fmt.Printf("rows at 23:00: %d of %d\n", r.Hours[23], r.Transactions)
	// Output:
	// as of 2024-03-03: 1 rows after it, 0.8000 of revenue analysed
	// rows at 23:00: 3 of 3
}
