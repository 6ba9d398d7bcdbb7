package lifecycle_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/lifecycle"
)

// A customer who buys on the 15th of every month through June 2023 and
// then stops, with a tick on the first of every month.
func ExampleApply() {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	var s lifecycle.State
	apply := func(e lifecycle.Event) {
		var tr lifecycle.Transition
		var err error
		s, tr, err = lifecycle.Apply(s, e, nil)
		if err != nil {
			panic(err)
		}
		if tr.Changed() {
			fmt.Printf("%s %-11v -> %-11v %-14v recency=%dd interval=%dd\n", tr.At().Format("2006-01-02"),
				tr.From, tr.To, tr.Rule, tr.Measures.Recency, tr.Measures.Interval)
		}
	}
	for m := day(2022, 2, 1); m.Before(day(2024, 3, 1)); m = m.AddDate(0, 1, 0) {
		if buy := m.AddDate(0, -1, 14); buy.Before(day(2023, 7, 1)) {
			apply(lifecycle.Event{Kind: lifecycle.Purchase, Time: buy, Amount: 100})
		}
		apply(lifecycle.Event{Kind: lifecycle.Tick, Time: m})
	}
	fmt.Println("pattern:", s.Pattern(day(2024, 3, 1), nil))
	fmt.Println("strategy:", lifecycle.DefaultStrategies()[s.Stage()].Name)

	// The state goes to the host's database as JSON and comes back exactly.
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	var back lifecycle.State
	if err := json.Unmarshal(b, &back); err != nil {
		panic(err)
	}
	fmt.Println("round trip exact:", back == s)
	// Output:
	// 2022-01-15 none        -> exploration first-purchase recency=0d interval=90d
	// 2022-05-01 exploration -> formation   growth         recency=16d interval=31d
	// 2023-03-01 formation   -> stability   steady         recency=14d interval=31d
	// 2023-09-01 stability   -> decline     recency        recency=78d interval=31d
	// 2024-01-01 decline     -> ended       recency-end    recency=200d interval=31d
	// pattern: left-stability-early
	// strategy: win-back
	// round trip exact: true
}

func ExampleClassify() {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	var txs []cvm.Transaction
	for m := range 18 { // "steady" buys every month of 2023 and half of 2024
		txs = append(txs, cvm.Transaction{Customer: "steady", Time: day(2023, time.Month(1+m), 10), Amount: 80})
	}
	txs = append(txs, cvm.Transaction{Customer: "once", Time: day(2023, 2, 3), Amount: 25})
	res, err := lifecycle.Classify(context.Background(), slices.Values(txs),
		&lifecycle.ClassifySettings{AsOf: day(2024, 7, 1), Tick: lifecycle.Monthly})
	if err != nil {
		panic(err)
	}
	for _, r := range res {
		fmt.Printf("%-6s %-9v since %s  %-20v %d transitions\n", r.Customer, r.State.Stage(),
			r.State.Since().Format("2006-01-02"), r.Pattern, len(r.History))
	}
	// Output:
	// steady stability since 2024-03-01  ongoing              3 transitions
	// once   ended     since 2024-02-01  ended-in-exploration 3 transitions
}

// A settings file for cvm lifecycle: the envelope, and only the rules to
// change; a misspelt rule is an error naming it, never a silent default.
func ExampleSettings_UnmarshalJSON() {
	var s lifecycle.Settings
	err := json.Unmarshal([]byte(`{"format": "cvm.lifecycle.settings", "version": 1,
		"decline_recency": 3, "end_min_days": 365, "seasonal": true}`), &s)
	fmt.Println(s.DeclineRecency, s.EndMinDays, s.Seasonal, s.Confirm, err)

	err = json.Unmarshal([]byte(`{"format": "cvm.lifecycle.settings", "version": 1, "decline_recencey": 3}`), &s)
	fmt.Println(err)
	err = json.Unmarshal([]byte(`{"format": "cvm.lifecycle.settings", "version": 1, "decline_drop": 1.5}`), &s)
	fmt.Println(err)
	// Output:
	// 3 365 true 0 <nil>
	// lifecycle: decoding cvm.lifecycle.settings: json: unknown field "decline_recencey"
	// lifecycle: decoding cvm.lifecycle.settings: field "decline_drop": settings: DeclineDrop (decline_drop) = 1.5: want 0 (the default) to 1 (a fraction)
}

// The customers of ExampleClassify read from a CSV file, with the stage
// changes counted but not recorded.
func ExampleClassifyReader() {
	var b strings.Builder
	b.WriteString("customer,time,amount\n")
	for m := range 18 {
		fmt.Fprintf(&b, "steady,%s,80\n", time.Date(2023, time.Month(1+m), 10, 0, 0, 0, 0, time.UTC).Format("2006-01-02"))
	}
	b.WriteString("once,2023-02-03,25\n")
	rd, err := cvm.NewReader(strings.NewReader(b.String()), nil)
	if err != nil {
		panic(err)
	}
	set := &lifecycle.ClassifySettings{AsOf: time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC), NoHistory: true}
	err = lifecycle.ClassifyReader(context.Background(), rd, set, func(r *lifecycle.Result) error {
		fmt.Printf("%-6s %-9v since %s  %d changes, history %v\n", r.Customer, r.State.Stage(),
			r.State.Since().Format("2006-01-02"), r.Changes, r.History)
		return nil
	})
	if err != nil {
		panic(err)
	}
	// Output:
	// steady stability since 2024-03-01  3 changes, history []
	// once   ended     since 2024-02-01  3 changes, history []
}
