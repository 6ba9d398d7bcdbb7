package profile_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/profile"
	"github.com/cvmkit/cvm/recovery"
)

// ExampleBuild builds the customer file of nine customers (eight buyers, one with a refund only) and reads one
// profile: every view of the customer, joined.
func ExampleBuild() {
	day := func(m time.Month, d int) time.Time { return time.Date(2025, m, d, 12, 0, 0, 0, time.UTC) }
	var txs []cvm.Transaction
	for i, id := range []string{"ann", "bob", "cat", "dan", "eve", "fay", "gus", "hal"} {
		for k := 0; k <= i; k++ {
			txs = append(txs, cvm.Transaction{Customer: id, Time: day(time.Month(1+k), 3+i), Amount: float64(20 + 10*i)})
		}
	}
	txs = append(txs, cvm.Transaction{Customer: "ivy", Time: day(time.March, 1), Amount: -15}) // a refund only
	f, err := profile.Build(context.Background(), slices.Values(txs), nil, &profile.Settings{AsOf: day(time.September, 30)})
	if err != nil {
		fmt.Println(err)
		return
	}
	p, _ := f.Lookup("hal")
	fmt.Printf("%d profiles as of %s\n", len(f.Profiles), f.AsOf.Format(time.DateOnly))
	fmt.Printf("%s: %d purchase days, net %.2f, RFM %s %s, stage %s\n", p.Customer, p.Summary.Occasions, p.Summary.Total, p.Cell, p.Segment, p.Stage())
	e, _ := f.Book.Lookup("hal", recovery.Delivery, recovery.S3)
	fmt.Printf("a late delivery: acknowledge within %s\n", e.AcknowledgeBy)
	q, _ := f.Lookup("ivy")
	fmt.Printf("%s: flags %v\n", q.Customer, q.Flags)
	// Output:
	// 9 profiles as of 2025-09-30
	// hal: 8 purchase days, net 720.00, RFM 555 Champions, stage stability
	// a late delivery: acknowledge within 30m0s
	// ivy: flags returns-only
}

// ExampleBuildReader builds the customer file of a CSV file's rows, read
// by a cvm.Reader without a cvm.Transaction made of each row.
func ExampleBuildReader() {
	var in strings.Builder
	in.WriteString("customer,time,amount\n")
	for i, id := range []string{"ann", "bob", "cat", "dan", "eve", "fay", "gus", "hal"} {
		for k := 0; k <= i; k++ {
			fmt.Fprintf(&in, "%s,2025-%02d-%02d 12:00:00,%d\n", id, 1+k, 3+i, 20+10*i)
		}
	}
	rd, err := cvm.NewReader(strings.NewReader(in.String()), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	f, err := profile.BuildReader(context.Background(), rd, nil, &profile.Settings{AsOf: time.Date(2025, 9, 30, 12, 0, 0, 0, time.UTC)})
	if err != nil {
		fmt.Println(err)
		return
	}
	p, _ := f.Lookup("hal")
	fmt.Printf("%d profiles; %s: %d purchase days, net %.2f, RFM %s %s\n", len(f.Profiles), p.Customer, p.Summary.Occasions, p.Summary.Total, p.Cell, p.Segment)
	// Output:
	// 8 profiles; hal: 8 purchase days, net 720.00, RFM 555 Champions
}
