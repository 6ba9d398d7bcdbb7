package segment_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/segment"
)

// RFM values from transactions, scored with quantile breaks into 3 bins and
// named with a small rule set over R and the mean of F and M.
func Example() {
	at := func(d int) time.Time { return time.Date(2024, 1, d, 12, 0, 0, 0, time.UTC) }
	txs := []cvm.Transaction{
		{Customer: "ann", Time: at(2), Amount: 40}, {Customer: "ann", Time: at(20), Amount: 60},
		{Customer: "ann", Time: at(28), Amount: 80},
		{Customer: "bob", Time: at(3), Amount: 25},
		{Customer: "cid", Time: at(15), Amount: 30}, {Customer: "cid", Time: at(25), Amount: 30},
		{Customer: "dee", Time: at(29), Amount: 10},
		{Customer: "eve", Time: at(5), Amount: -10}, // a return only
	}
	values, returnsOnly, err := segment.RFMFromTransactions(context.Background(), slices.Values(txs), at(31), nil)
	if err != nil {
		panic(err)
	}
	cells, scorer, err := segment.Score(nil, values, &segment.ScorerSettings{Bins: 3})
	if err != nil {
		panic(err)
	}
	// A rules file as a user writes it; json.Unmarshal reads it.
	var rules segment.RuleSet
	err = json.Unmarshal([]byte(`{"format": "cvm.segment.rules", "version": 2, "bins": 3,
	  "segments": [{"name": "Best"}, {"name": "New"}, {"name": "Lapsing"}, {"name": "Other"}],
	  "rules": [{"segment": "Best", "r": [2, 3], "fm": [2.5, 3]},
	            {"segment": "New", "r": [3, 3]},
	            {"segment": "Lapsing", "r": [1, 1]},
	            {"segment": "Other"}]}`), &rules)
	if err != nil {
		panic(err)
	}
	fmt.Println("returns only:", returnsOnly)
	fmt.Println("recency breaks:", scorer.Recency().Breaks)
	for i, v := range values {
		seg, _ := rules.Segment(cells[i].R, cells[i].F, cells[i].M)
		fmt.Printf("%s R=%2.0f F=%.0f M=%3.0f %v %s\n", v.Customer, v.Recency, v.Frequency, v.Monetary, cells[i], seg)
	}
	// Output:
	// returns only: [eve]
	// recency breaks: [3 6]
	// ann R= 3 F=3 M=180 333 Best
	// bob R=28 F=1 M= 25 111 Lapsing
	// cid R= 6 F=2 M= 60 222 Other
	// dee R= 2 F=1 M= 10 311 New
}

// A rule set with overlapping rules: building it strictly fails and names
// what is wrong; AllowGaps returns it with the report.
func ExampleNewRuleSet() {
	rg := func(lo, hi float64) *segment.Range { return &segment.Range{Min: lo, Max: hi} }
	spec := segment.RuleSetDef{
		Bins:     2,
		Segments: []segment.SegmentInfo{{Name: "Recent"}, {Name: "Recent big"}, {Name: "Old"}},
		Rules: []segment.Rule{
			{Segment: "Recent", R: rg(2, 2)},
			{Segment: "Recent big", R: rg(2, 2), M: rg(2, 2)}, // shadowed by the rule above
			{Segment: "Old", R: rg(1, 1), F: rg(1, 1)},
		},
	}
	_, err := segment.NewRuleSet(spec, nil)
	fmt.Println(err)
	rs, err := segment.NewRuleSet(spec, &segment.RuleSetSettings{AllowGaps: true})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%+v\n", rs.Check())
	// Output:
	// segment: rule set: unreachable segments ["Recent big"]: 2 uncovered cells [121 122]
	// {Unreachable:[Recent big] Uncovered:[121 122] DeadRules:[1]}
}

// The default map names each cell of 5-bin scores.
func ExampleDefaultRules() {
	rs := segment.DefaultRules()
	for _, c := range []segment.Cell{{R: 5, F: 5, M: 4}, {R: 5, F: 1, M: 1}, {R: 2, F: 5, M: 5}, {R: 1, F: 1, M: 1}} {
		name, _ := rs.Segment(c.R, c.F, c.M)
		info, _ := rs.Info(name)
		fmt.Printf("%v %-16s %s\n", c, name, info.Action)
	}
	// Output:
	// 554 Champions        reward them; early access, ask for reviews and referrals
	// 511 New              onboarding; make the second purchase easy
	// 255 Can't Lose Them  win them back personally; survey why they left
	// 111 Lost             ignore, or one low-cost win-back campaign
}

// Fit once, save the breaks, and later score raw values with them: a new
// period's customers, or a k-means centre in original units, which the
// default map then names.
func ExampleScorer_Score() {
	values := []segment.RFM{
		{Customer: "a", Recency: 2, Frequency: 9, Monetary: 900},
		{Customer: "b", Recency: 10, Frequency: 4, Monetary: 300},
		{Customer: "c", Recency: 40, Frequency: 2, Monetary: 120},
		{Customer: "d", Recency: 90, Frequency: 1, Monetary: 60},
		{Customer: "e", Recency: 200, Frequency: 1, Monetary: 20},
		{Customer: "f", Recency: 400, Frequency: 1, Monetary: 15},
	}
	scorer, err := segment.FitScorer(values, nil)
	if err != nil {
		panic(err)
	}
	saved, err := json.Marshal(scorer)
	if err != nil {
		panic(err)
	}
	var envelope struct {
		Format  string
		Version int
		Card    struct{ Customers int }
		Recency struct{ Breaks []float64 }
	}
	if err := json.Unmarshal(saved, &envelope); err != nil {
		panic(err)
	}
	fmt.Println(envelope.Format, envelope.Version, envelope.Card.Customers, envelope.Recency.Breaks)

	var later segment.Scorer
	if err := json.Unmarshal(saved, &later); err != nil {
		panic(err)
	}
	for _, centre := range [][3]float64{{5, 7.5, 650}, {300, 1, 18}} {
		c, err := later.Score(centre[0], centre[1], centre[2])
		if err != nil {
			panic(err)
		}
		name, _ := segment.DefaultRules().Segment(c.R, c.F, c.M)
		fmt.Println(centre, c, name)
	}
	// Output:
	// cvm.segment.scorer 2 6 [10 40 90 200]
	// [5 7.5 650] 555 Champions
	// [300 1 18] 111 Lost
}
