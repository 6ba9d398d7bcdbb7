package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/cvmkit/cvm/examples/internal/csvout"
	"github.com/cvmkit/cvm/examples/internal/input"
	"github.com/cvmkit/cvm/lifecycle"
)

const lifecycleExample = `cvm lifecycle -in CDNOW_master.txt -delim whitespace -customer customer_id -time date -amount dollar_value -order "" -as-of 1998-06-30 -tick monthly -out stages.csv

  One customer's transitions with the measures behind each:
    cvm lifecycle -in CDNOW_master.txt -delim whitespace -customer customer_id -time date -amount dollar_value -order "" -history 00007
  Other choices: -tick weekly (evaluate every Monday), -seasonal (year-on-year
  trend; silences that recur every year are not declines), -settings settings.json
  (override any rule: print the defaults with -print-settings, keep the
  "format" and "version" lines and the rules to change, e.g.
  {"format": "cvm.lifecycle.settings", "version": 1, "decline_recency": 3, "end_min_days": 365}).`

func runLifecycle(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("lifecycle", "-in FILE [-as-of DATE] [-tick monthly|weekly] [-seasonal] [-settings FILE] [-out FILE | -history ID] [input flags]\n       cvm lifecycle -print-settings",
		lifecycleExample, stderr)
	in := fs.String("in", "", "transactions CSV file (gzip allowed); - for standard input")
	asOf := fs.String("as-of", "", "classify as of this time; transactions after it are ignored and a last tick falls on it; a date alone means the end of that day (UTC); "+input.AsOfDefault)
	tick := fs.String("tick", "monthly", "how often the rules are evaluated: monthly (the 1st, 00:00 UTC) or weekly (Mondays)")
	seasonal := fs.Bool("seasonal", false, "seasonal business: volume trend year on year, recurring yearly silences are not declines")
	settingsPath := fs.String("settings", "", "settings file (format cvm.lifecycle.settings, as -print-settings writes it) overriding rules; missing or zero fields keep their defaults")
	printSettings := fs.Bool("print-settings", false, "print the default settings file and exit")
	out := fs.String("out", "-", "per-customer CSV: customer,stage,since,pattern,transitions; - for standard output")
	history := fs.String("history", "", "print this customer's transitions with their rules and measures instead of the CSV")
	inf := addInputFlags(fs)
	if done, err := parseFlags(fs, args); done {
		return err
	}
	if *printSettings {
		data, err := json.MarshalIndent(lifecycle.DefaultSettings(), "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "%s\n", data)
		return err
	}
	opts := &lifecycle.ClassifySettings{Settings: &lifecycle.Settings{}}
	c, err := lifecycle.ParseCadence(*tick)
	if err != nil {
		return usagef("-tick %q: want monthly or weekly", *tick)
	}
	opts.Tick = c
	if *asOf != "" {
		t, err := parseAsOf(*asOf)
		if err != nil {
			return usagef("-as-of %q: %v", *asOf, err)
		}
		opts.AsOf = t
	}
	if *settingsPath != "" {
		data, err := os.ReadFile(*settingsPath)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(data, opts.Settings); err != nil {
			return fmt.Errorf("%s: %w", *settingsPath, err)
		}
	}
	if *seasonal {
		opts.Settings.Seasonal = true
	}
	if *in == "" {
		return usagef("-in is required")
	}

	txs, rep, err := inf.ReadAll(*in, opts.AsOf, stderr)
	if err != nil {
		return err
	}
	// The one default as-of of every command (knowing it up front also
	// lets Classify overlap grouping and replaying).
	opts.AsOf = rep.AsOf
	at := opts.AsOf
	start := time.Now()
	res, err := lifecycle.Classify(context.Background(), slices.Values(txs), opts)
	if err != nil {
		return fmt.Errorf("%s: %w", *in, err)
	}
	if *history != "" {
		for _, r := range res {
			if r.Customer == *history {
				return lifecycleWriteHistory(stdout, r, at)
			}
		}
		return fmt.Errorf("%s: customer %q not found (or no transaction before -as-of)", *in, *history)
	}
	if err := input.CreateFile(*out, stdout, func(w io.Writer) error { return lifecycleWriteCSV(w, res) }); err != nil {
		return err
	}
	if !inf.Quiet {
		lifecycleWriteDistribution(stderr, res, at, opts.Tick, time.Since(start))
	}
	return nil
}

// lifecycleWriteCSV writes customer,stage,since,pattern,transitions; since
// is empty for a customer with returns only (stage none).
func lifecycleWriteCSV(w io.Writer, res []lifecycle.Result) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString("customer,stage,since,pattern,transitions\n")
	var b []byte
	for i := range res {
		r := &res[i]
		b = csvout.AppendField(b[:0], r.Customer)
		b = append(b, ',')
		b = append(b, r.State.Stage().String()...)
		b = append(b, ',')
		if since := r.State.Since(); !since.IsZero() {
			b = since.AppendFormat(b, time.RFC3339)
		}
		b = append(b, ',')
		b = append(b, r.Pattern.String()...)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(len(r.History)), 10)
		b = append(b, '\n')
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// lifecycleWriteHistory prints one customer's transitions with the rule
// and the measures behind each, then the current state.
func lifecycleWriteHistory(w io.Writer, r lifecycle.Result, at time.Time) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "customer %s as of %s\n", r.Customer, at.UTC().Format(time.RFC3339))
	for _, tr := range r.History {
		fmt.Fprintf(bw, "%s  %-11v -> %-11v  rule %-14v %v\n", tr.At().Format(time.DateOnly), tr.From, tr.To, tr.Rule, tr.Measures)
	}
	s := r.State
	days := int(s.TimeInStage(at) / (24 * time.Hour))
	fmt.Fprintf(bw, "now: %v since %s (%d days), pattern %v, %d orders in this relationship, %d re-activations\n",
		s.Stage(), s.Since().Format(time.DateOnly), days, r.Pattern, s.Orders(), s.Reactivations())
	if st, ok := lifecycle.DefaultStrategies()[s.Stage()]; ok {
		fmt.Fprintf(bw, "strategy: %s: %s\n", st.Name, st.Goal)
	}
	return bw.Flush()
}

// lifecycleWriteDistribution prints the stage and pattern distribution.
func lifecycleWriteDistribution(w io.Writer, res []lifecycle.Result, at time.Time, c lifecycle.Cadence, took time.Duration) {
	var stages [lifecycle.Ended + 1]int
	var patterns [lifecycle.LongLasting + 1]int
	for i := range res {
		stages[res[i].State.Stage()]++
		patterns[res[i].Pattern]++
	}
	n := float64(len(res))
	fmt.Fprintf(w, "lifecycle as of %s, %v ticks: %d customers in %v\n", at.UTC().Format(time.RFC3339), c, len(res), took.Round(time.Millisecond))
	fmt.Fprintln(w, "stage        customers  share")
	for s := lifecycle.None; s <= lifecycle.Ended; s++ {
		if s == lifecycle.None && stages[s] == 0 {
			continue // "none": only returns, no purchase
		}
		fmt.Fprintf(w, "%-12v %9d  %5.1f%%\n", s, stages[s], 100*float64(stages[s])/n)
	}
	fmt.Fprintln(w, "pattern               customers  share")
	for p := lifecycle.Ongoing; p <= lifecycle.LongLasting; p++ {
		fmt.Fprintf(w, "%-21v %9d  %5.1f%%\n", p, patterns[p], 100*float64(patterns[p])/n)
	}
}
