package cvm_test

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/cvmkit/cvm"
)

// Two workers summarise their shares of the transactions; one partial
// crosses a process boundary as JSON; the merge gives the summaries of
// one pass over all of them, bit for bit. Same-day purchases are one
// occasion even when they were summarised apart.
func ExampleSummarizer_Merge() {
	day := time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)
	a, b := cvm.NewSummarizer(nil), cvm.NewSummarizer(nil)
	for _, err := range []error{
		a.Add(cvm.Transaction{Customer: "C1", Time: day, Amount: 0.1}),
		a.Add(cvm.Transaction{Customer: "C2", Time: day, Amount: 5}),
		b.Add(cvm.Transaction{Customer: "C1", Time: day.Add(3 * time.Hour), Amount: 0.2}),
		b.Add(cvm.Transaction{Customer: "C1", Time: day.AddDate(0, 0, 2), Amount: -0.3}),
	} {
		if err != nil {
			fmt.Println(err)
			return
		}
	}
	data, err := json.Marshal(b) // on worker b
	if err != nil {
		fmt.Println(err)
		return
	}
	var fromB cvm.Summarizer // on the worker that merges
	if err := json.Unmarshal(data, &fromB); err != nil {
		fmt.Println(err)
		return
	}
	if err := a.Merge(&fromB); err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range a.Summaries() {
		fmt.Printf("%s: %d occasions, %d rows, total %v, returns %v\n", s.Customer, s.Occasions, s.Transactions, s.Total, s.Returns)
	}
	// Output:
	// C1: 1 occasions, 3 rows, total 0, returns 0.3
	// C2: 1 occasions, 1 rows, total 5, returns 0
}
