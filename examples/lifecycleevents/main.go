// Command lifecycleevents shows the lifecycle state machine from a host
// application's point of view: each event for a customer (an order, a
// return, a month-end tick) is applied to the state the host stored in its
// own database, the new state is stored back as JSON, and a stage change
// comes with the rule that fired and the figures behind it.
//
//	go run ./examples/lifecycleevents
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/cvmkit/cvm/lifecycle"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "lifecycleevents:", err)
		os.Exit(1)
	}
}

// db stands in for the host's customer table: one JSON state per customer.
type db map[string][]byte

func (d db) load(id string) (lifecycle.State, error) {
	var s lifecycle.State
	if b, ok := d[id]; ok {
		return s, json.Unmarshal(b, &s)
	}
	return s, nil // a new customer: the zero State, stage None
}

func (d db) store(id string, s lifecycle.State) error {
	b, err := json.Marshal(s)
	d[id] = b
	return err
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("no arguments expected, got %q", args)
	}
	store := db{}
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 10, 0, 0, 0, time.UTC) }
	var events []lifecycle.Event
	// A customer who orders twice a month for eighteen months, then stops.
	for month := range 18 {
		for _, d := range []int{3, 17} {
			events = append(events, lifecycle.Event{Kind: lifecycle.Purchase, Time: day(2024, time.Month(1+month), d), Amount: 500 + 40*float64(month)})
		}
	}
	events = append(events, lifecycle.Event{Kind: lifecycle.Return, Time: day(2025, 6, 20), Amount: 300})
	// The host's scheduler ticks every month end, through a silent year.
	var all []lifecycle.Event
	tick := day(2024, 2, 1)
	for _, e := range events {
		for !tick.After(e.Time) {
			all = append(all, lifecycle.Event{Kind: lifecycle.Tick, Time: tick})
			tick = tick.AddDate(0, 1, 0)
		}
		all = append(all, e)
	}
	for ; tick.Before(day(2026, 7, 1)); tick = tick.AddDate(0, 1, 0) {
		all = append(all, lifecycle.Event{Kind: lifecycle.Tick, Time: tick})
	}
	for _, e := range all {
		s, err := store.load("C0042")
		if err != nil {
			return err
		}
		next, tr, err := lifecycle.Apply(s, e, nil)
		if err != nil {
			return err
		}
		if err := store.store("C0042", next); err != nil {
			return err
		}
		if tr.Changed() {
			fmt.Fprintf(stdout, "%s  %-11s -> %-11s by rule %-14s (%s)\n", tr.At().Format("2006-01-02"), tr.From, tr.To, tr.Rule, tr.Measures)
		}
	}
	s, err := store.load("C0042")
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "now: %s since %s; stored state is %d bytes of JSON\n", s.Stage(), s.Since().Format("2006-01-02"), len(store["C0042"]))
	return nil
}
