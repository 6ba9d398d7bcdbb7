// Command rfmservice shows RFM segmentation from a host application's
// point of view: fit the score breaks once on last quarter's history, keep
// them as JSON, and later score a customer with the same breaks so segments
// stay comparable across periods.
//
//	go run ./examples/rfmservice
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/segment"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "rfmservice:", err)
		os.Exit(1)
	}
}

// history is what the host's order table holds (amounts in euros).
const history = `customer,time,amount,order
ann,2025-01-05,120,o1
ann,2025-02-11,80,o2
ann,2025-03-28,140,o3
bob,2025-01-20,35,o4
cid,2025-02-02,60,o5
cid,2025-03-30,45,o6
dee,2025-03-15,400,o7
eve,2025-01-03,20,o8
fay,2025-03-01,75,o9
fay,2025-03-20,-75,r9
`

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("no arguments expected, got %q", args)
	}
	rd, err := cvm.NewReader(strings.NewReader(history), nil)
	if err != nil {
		return err
	}
	txs, err := rd.ReadAll(context.Background())
	if err != nil {
		return err
	}
	asOf := time.Date(2025, 3, 31, 23, 59, 59, 0, time.UTC)
	sums, err := cvm.Summarize(context.Background(), slices.Values(txs), nil)
	if err != nil {
		return err
	}
	values, returnsOnly, err := segment.RFMValues(sums, asOf, nil)
	if err != nil {
		return err
	}
	// Fit once: 3 bins for a tiny base. Store the model as JSON.
	scorer, err := segment.FitScorer(values, &segment.ScorerSettings{Bins: 3})
	if err != nil {
		return err
	}
	saved, err := json.Marshal(scorer)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "fitted breaks (stored as %d bytes of JSON); customers with only returns: %v\n", len(saved), returnsOnly)

	// Later, in another process: load the breaks and score a customer.
	var loaded segment.Scorer
	if err := json.Unmarshal(saved, &loaded); err != nil {
		return err
	}
	rules, err := segment.NewRuleSet(segment.RuleSetDef{Bins: 3,
		Segments: []segment.SegmentInfo{{Name: "Best", Action: "thank and reward"}, {Name: "Slipping", Action: "send a reactivation offer"}, {Name: "Other", Action: "keep in the newsletter"}},
		Rules: []segment.Rule{{Segment: "Best", R: &segment.Range{Min: 2, Max: 3}, FM: &segment.Range{Min: 2.5, Max: 3}},
			{Segment: "Slipping", R: &segment.Range{Min: 1, Max: 1}}, {Segment: "Other"}}}, nil)
	if err != nil {
		return err
	}
	for _, v := range values {
		cell, err := loaded.Score(v.Recency, v.Frequency, v.Monetary)
		if err != nil {
			return err
		}
		name, _ := rules.Segment(cell.R, cell.F, cell.M)
		info, _ := rules.Info(name)
		fmt.Fprintf(stdout, "%-4s last bought %2.0f days ago, on %.0f days, net %6.2f: cell %s, %-8s -> %s\n",
			v.Customer, v.Recency, v.Frequency, v.Monetary, cell, name, info.Action)
	}
	return nil
}
