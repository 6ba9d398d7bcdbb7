package cvmparquet_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/examples/parquet/cvmparquet"
)

// Write transactions as Parquet, then summarise the file.
func Example() {
	ctx := context.Background()
	day := func(d int) time.Time { return time.Date(2025, 3, d, 12, 0, 0, 0, time.UTC) }
	txs := []cvm.Transaction{
		{Customer: "alice", Time: day(1), Amount: 20.5, Order: "o1"},
		{Customer: "bob", Time: day(2), Amount: 9.99, Order: "o2"},
		{Customer: "alice", Time: day(9), Amount: 14, Order: "o3"},
		{Customer: "alice", Time: day(10), Amount: -4.5, Order: "o4"},
	}
	var file bytes.Buffer
	if _, err := cvmparquet.Write(ctx, &file, func(yield func(cvm.Transaction) bool) {
		for _, t := range txs {
			if !yield(t) {
				return
			}
		}
	}, nil); err != nil {
		fmt.Println(err)
		return
	}
	rd, err := cvmparquet.NewReader(bytes.NewReader(file.Bytes()), int64(file.Len()), "tx.parquet", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	sums, err := rd.Summarize(ctx, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range sums {
		fmt.Printf("%s: %d occasions, total %.2f, returns %.2f, last %s\n",
			s.Customer, s.Occasions, s.Total, s.Returns, s.Last.Format(time.DateOnly))
	}
	// Output:
	// alice: 2 occasions, total 30.00, returns 4.50, last 2025-03-09
	// bob: 1 occasions, total 9.99, returns 0.00, last 2025-03-02
}

// Convert a CSV reader's transactions to a Parquet file, then print the
// reader's data report: the reader is the caller's, so it can carry an
// Auditor.
func ExampleConvertReader() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "cvmparquet-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	csv := "customer;time;amount\nalice;2025-03-01;20.5\nbob;2025-03-02;9.99\n;2025-03-03;5\nalice;2025-03-09;14\n"
	rd, err := cvm.NewReader(strings.NewReader(csv), &cvm.ReadSettings{Comma: ';', Audit: cvm.NewAuditor(nil)})
	if err != nil {
		fmt.Println(err)
		return
	}
	path := filepath.Join(dir, "tx.parquet")
	n, err := cvmparquet.ConvertReader(ctx, path, rd, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	rep := rd.Report()
	fmt.Printf("wrote %d transactions; report: %d rows, %d customers, %d with an empty customer ID\n",
		n, rep.Rows, rep.Customers, rep.EmptyCustomer)
	pq, err := cvmparquet.OpenFile(path, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer pq.Close()
	fmt.Println("file rows:", pq.NumRows())
	// Output:
	// wrote 3 transactions; report: 4 rows, 2 customers, 1 with an empty customer ID
	// file rows: 3
}
