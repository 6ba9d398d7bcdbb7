package cvm_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"slices"
	"strings"
	"time"

	"github.com/cvmkit/cvm"
)

// Reading a CSV file and summarizing it per customer. Rows with an empty
// customer ID are skipped and counted.
func Example() {
	const data = `customer,time,amount,order
C1,2024-01-05 10:00:00,20.00,o1
C1,2024-01-05 10:00:00,5.50,o1
C2,2024-01-06 09:30:00,12.00,o2
,2024-01-06 09:31:00,3.00,o3
C1,2024-02-10 16:45:00,30.00,o4
C1,2024-02-20 11:00:00,-5.50,r1
`
	rd, err := cvm.NewReader(strings.NewReader(data), nil)
	if err != nil {
		log.Fatal(err)
	}
	sums, err := rd.Summarize(context.Background(), &cvm.SummarySettings{AsOf: time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range sums {
		fmt.Printf("%s first %s last %s occasions %d total %.2f returns %.2f mean %.2f\n",
			s.Customer, s.First.Format(time.DateOnly), s.Last.Format(time.DateOnly), s.Occasions, s.Total, s.Returns, s.Mean())
	}
	st := rd.Stats()
	fmt.Printf("%d rows, %d transactions, %d without a customer\n", st.Rows, st.Transactions, st.EmptyCustomer)
	// Output:
	// C1 first 2024-01-05 last 2024-02-10 occasions 2 total 50.00 returns 5.50 mean 25.00
	// C2 first 2024-01-06 last 2024-01-06 occasions 1 total 12.00 returns 0.00 mean 12.00
	// 6 rows, 5 transactions, 1 without a customer
}

// Files without a header are read by column position: here the CDNOW
// sample, white-space separated with compact dates.
func ExampleNewReader_positions() {
	const data = " 00004 0001 19970101  2   29.33\r\n 00004 0001 19970118  2   29.73\r\n"
	rd, err := cvm.NewReader(strings.NewReader(data), &cvm.ReadSettings{
		NoHeader: true, Comma: cvm.Whitespace, Customer: "1", Time: "3", Amount: "5",
	})
	if err != nil {
		log.Fatal(err)
	}
	for t := range rd.All() {
		fmt.Println(t.Customer, t.Time.Format(time.DateOnly), t.Amount)
	}
	if err := rd.Err(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// 00004 1997-01-01 29.33
	// 00004 1997-01-18 29.73
}

// A bad row names its line, column and value.
func ExampleParseError() {
	const data = "customer,time,amount\nC1,2024-01-05,20\nC1,2024-01-06,twelve\n"
	rd, err := cvm.NewReader(strings.NewReader(data), nil)
	if err != nil {
		log.Fatal(err)
	}
	_, err = rd.ReadAll(context.Background())
	fmt.Println(err)
	// Output:
	// line 3, column "amount", value "twelve": cvm: not a number
}

// Splitting at the end of a calendar day for a calibration period and a
// holdout period, then summarizing the calibration period.
func ExampleSplit() {
	txs := []cvm.Transaction{
		{Customer: "A", Time: time.Date(1997, 9, 30, 15, 0, 0, 0, time.UTC), Amount: 10},
		{Customer: "A", Time: time.Date(1997, 10, 2, 0, 0, 0, 0, time.UTC), Amount: 20},
	}
	cutoff := cvm.EndOfDay(time.Date(1997, 9, 30, 0, 0, 0, 0, time.UTC))
	cal, hold := cvm.Split(slices.Values(txs), cutoff)
	fmt.Println(len(cal), len(hold))
	// Output:
	// 1 1
}

// A stray quote costs one row: with SkipBadRows, the line that opens a
// quoted field that is never closed is skipped and counted, and reading
// goes on at the next line.
func ExampleReadSettings_strayQuote() {
	const data = "customer,time,amount\nC1,2024-01-05,20\n\"C2,2024-01-06,12\nC3,2024-01-07,7\n"
	rd, err := cvm.NewReader(strings.NewReader(data), &cvm.ReadSettings{SkipBadRows: true})
	if err != nil {
		log.Fatal(err)
	}
	txs, err := rd.ReadAll(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range txs {
		fmt.Println(t.Customer, t.Amount)
	}
	st := rd.Stats()
	fmt.Println(st.Skipped, "skipped:", st.Errors[0])
	// Output:
	// C1 20
	// C3 7
	// 1 skipped: line 3: cvm: quoted field not closed within 100 lines and 1048576 bytes (ReadSettings.MaxRecordLines, MaxRecordBytes)
}

// A gzip file cut short is an error naming the line reached, never a
// smaller, complete input.
func ExampleNewReader_truncated() {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	io.WriteString(zw, "customer,time,amount\nC1,2024-01-05,20\nC2,2024-01-06,12.5\n")
	zw.Close()
	cut := buf.Bytes()[:buf.Len()-8] // without the gzip trailer
	rd, err := cvm.NewReader(bytes.NewReader(cut), nil)
	if err != nil {
		log.Fatal(err)
	}
	txs, err := rd.ReadAll(context.Background())
	fmt.Println(len(txs), "transactions;", err)
	fmt.Println(errors.Is(err, io.ErrUnexpectedEOF))
	// Output:
	// 2 transactions; cvm: reading line 4: gzip: unexpected EOF
	// true
}

func ExampleAppendSummaryCSV() {
	sums, err := cvm.Summarize(context.Background(), slices.Values([]cvm.Transaction{
		{Customer: "c1", Time: time.Date(2024, 1, 2, 10, 0, 0, 0, time.UTC), Amount: 30},
		{Customer: "c1", Time: time.Date(2024, 2, 1, 9, 30, 0, 0, time.UTC), Amount: 20.5},
		{Customer: "c2", Time: time.Date(2024, 2, 3, 12, 0, 0, 0, time.UTC), Amount: -4},
	}), nil)
	if err != nil {
		panic(err)
	}
	b := []byte(cvm.SummaryCSVHeader + "\n")
	for i := range sums {
		b = cvm.AppendSummaryCSV(b, &sums[i])
	}
	fmt.Print(string(b))
	// Output:
	// customer,first,last,occasions,transactions,total,returns,mean
	// c1,2024-01-02T10:00:00Z,2024-02-01T09:30:00Z,2,2,50.5,0,25.25
	// c2,,,0,1,-4,4,0
}

// Totals per run of a customer's rows, from the parsed rows themselves:
// no Transaction is made of each.
func ExampleReader_EachBatch() {
	in := "customer,time,amount\nA,2024-01-01,10\nA,2024-01-05,2.5\nB,2024-01-02,7\nB,2024-02-01,-1\nC,2024-03-01,4\n"
	rd, err := cvm.NewReader(strings.NewReader(in), nil)
	if err != nil {
		log.Fatal(err)
	}
	var cust string
	var total float64
	flush := func() {
		if cust != "" {
			fmt.Printf("%s %.2f\n", cust, total)
		}
	}
	err = rd.EachBatch(context.Background(), func(b *cvm.Batch) error {
		for i := range b.Len() {
			if c := b.Customer(i); string(c) != cust {
				flush()
				cust, total = string(c), 0
			}
			total += b.Amount(i)
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	flush()
	// Output:
	// A 12.50
	// B 6.00
	// C 4.00
}

// Writing the summaries as they come, never holding them all: the
// batches arrive once the file is read whole. B's return is not a
// purchase: its last purchase and its one occasion are the 2nd of
// January's.
func ExampleReader_SummarizeEach() {
	in := "customer,time,amount\nA,2024-01-01,10\nA,2024-01-05,2.5\nB,2024-01-02,7\nB,2024-02-01,-1\nC,2024-03-01,4\n"
	rd, err := cvm.NewReader(strings.NewReader(in), nil)
	if err != nil {
		log.Fatal(err)
	}
	var line []byte
	err = rd.SummarizeEach(context.Background(), nil, func(sums []cvm.Summary) error {
		for i := range sums {
			line = cvm.AppendSummaryCSV(line[:0], &sums[i])
			fmt.Print(string(line))
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// A,2024-01-01T00:00:00Z,2024-01-05T00:00:00Z,2,2,12.5,0,6.25
	// B,2024-01-02T00:00:00Z,2024-01-02T00:00:00Z,1,2,6,1,6
	// C,2024-03-01T00:00:00Z,2024-03-01T00:00:00Z,1,1,4,0,4
}
