package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/examples/internal/input"
	"github.com/cvmkit/cvm/internal/csvout"
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
	inf.OrderOnlyForReport() // the stages use no order IDs
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

	start := time.Now()
	var sum lifecycleSummary
	if *in == "-" || (*out == "-" && *history == "") {
		// Standard input cannot be read twice, nor standard output
		// replaced: every transaction read, then the results written.
		txs, rep, err := inf.ReadAll(*in, opts.AsOf, stderr)
		if err != nil {
			return err
		}
		// The one default as-of of every command (knowing it up front also
		// lets Classify overlap grouping and replaying).
		opts.AsOf = rep.AsOf
		start = time.Now()
		res, err := lifecycle.Classify(context.Background(), slices.Values(txs), opts)
		if err != nil {
			return fmt.Errorf("%s: %w", *in, err)
		}
		txs = nil
		if *history != "" {
			for _, r := range res {
				if r.Customer == *history {
					return lifecycleWriteHistory(stdout, r, opts.AsOf)
				}
			}
			return fmt.Errorf("%s: customer %q not found (or no transaction before -as-of)", *in, *history)
		}
		if err := input.CreateFile(*out, stdout, func(w io.Writer) error { return lifecycleWriteCSV(w, res) }); err != nil {
			return err
		}
		for i := range res {
			sum.add(&res[i])
		}
	} else {
		found, err := lifecycleStream(*in, *out, *history, inf, opts, stdout, stderr, &sum)
		if err != nil {
			return err
		}
		if *history != "" {
			if found == nil {
				return fmt.Errorf("%s: customer %q not found (or no transaction before -as-of)", *in, *history)
			}
			return lifecycleWriteHistory(stdout, *found, opts.AsOf)
		}
	}
	if !inf.Quiet {
		sum.write(stderr, opts.AsOf, opts.Tick, time.Since(start))
	}
	return nil
}

// lifecycleStream classifies the file at path without holding its
// transactions as cvm.Transaction values. With -as-of, the customers of a
// file grouped by customer are replayed and written (to a temporary file
// renamed over out at the end) as they complete, in one read; a file
// found not grouped is read again and classified whole. Without -as-of,
// the default as-of (cvm.Report.AsOf) is known once the file is read:
// one read keeps each row as 16 bytes, the replay follows, and the rows
// are written as the customers are replayed, without holding every
// result. With history set, nothing is written and the
// customer's result is returned (nil if absent).
func lifecycleStream(path, out, history string, inf *input.Flags, opts *lifecycle.ClassifySettings, stdout, stderr io.Writer, sum *lifecycleSummary) (*lifecycle.Result, error) {
	ctx := context.Background()
	audit := func(rd *cvm.Reader) error {
		if err := rd.Err(); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		inf.Report(path, rd.Stats(), stderr)
		return inf.PrintReport(path, rd, stderr)
	}
	classify := func(each bool) (*lifecycle.Result, error) {
		rd, closeFn, err := inf.OpenReport(path, opts.AsOf)
		if err != nil {
			return nil, err
		}
		defer closeFn()
		var o *input.Output
		if history == "" {
			if o, err = input.Create(out, stdout); err != nil {
				return nil, err
			}
			defer o.Abort()
			o.WriteString(lifecycleCSVHeader)
		}
		*sum = lifecycleSummary{}
		var found *lifecycle.Result
		var b []byte
		var werr error
		fn := func(r *lifecycle.Result) error {
			sum.add(r)
			if history != "" {
				if r.Customer == history {
					found = r
				}
				return nil
			}
			b = lifecycleAppendRow(b[:0], r)
			_, werr = o.Write(b)
			return werr
		}
		set := *opts
		// The file needs the number of changes only; -history the
		// customer's changes with their measures.
		set.NoHistory = history == ""
		if set.AsOf.IsZero() {
			// The default as-of is known once the file is read: one read,
			// the replay after it (the as-of comes from the reader's
			// report), the rows written as the customers are replayed.
			set.AsOfFunc = func() time.Time { return rd.Report().AsOf }
		}
		if each {
			err = lifecycle.ClassifyReader(ctx, rd, &set, fn)
		} else {
			var res []lifecycle.Result
			if res, err = lifecycle.Classify(ctx, rd.Stream(ctx), &set); err == nil {
				for i := range res {
					if err = fn(&res[i]); err != nil {
						break
					}
				}
			}
		}
		if rerr := rd.Err(); rerr != nil {
			return nil, fmt.Errorf("%s: %w", path, rerr)
		}
		if werr != nil {
			return nil, werr
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if err := audit(rd); err != nil {
			return nil, err
		}
		if opts.AsOf.IsZero() {
			opts.AsOf = rd.Report().AsOf
		}
		if o != nil {
			if err := o.Commit(); err != nil {
				return nil, err
			}
		}
		return found, nil
	}
	found, err := classify(true)
	if errors.Is(err, lifecycle.ErrNotGrouped) {
		// Rows were written for a customer that came back: classify the
		// file whole instead (the output so far is dropped).
		found, err = classify(false)
	}
	return found, err
}

// lifecycleSummary counts the customers by stage and pattern.
type lifecycleSummary struct {
	n        int
	stages   [lifecycle.Ended + 1]int
	patterns [lifecycle.LongLasting + 1]int
}

func (s *lifecycleSummary) add(r *lifecycle.Result) {
	s.n++
	s.stages[r.State.Stage()]++
	s.patterns[r.Pattern]++
}

// lifecycleCSVHeader is the header line of the per-customer CSV.
const lifecycleCSVHeader = "customer,stage,since,pattern,transitions\n"

// lifecycleWriteCSV writes customer,stage,since,pattern,transitions; since
// is empty for a customer with returns only (stage none).
func lifecycleWriteCSV(w io.Writer, res []lifecycle.Result) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString(lifecycleCSVHeader)
	var b []byte
	for i := range res {
		b = lifecycleAppendRow(b[:0], &res[i])
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// lifecycleAppendRow appends r's CSV row to b.
func lifecycleAppendRow(b []byte, r *lifecycle.Result) []byte {
	b = csvout.AppendField(b, r.Customer)
	b = append(b, ',')
	b = append(b, r.State.Stage().String()...)
	b = append(b, ',')
	b = csvout.AppendTime(b, r.State.Since()) // RFC 3339: since is whole seconds in UTC; nothing when zero
	b = append(b, ',')
	b = append(b, r.Pattern.String()...)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(r.Changes), 10)
	return append(b, '\n')
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

// write prints the stage and pattern distribution.
func (s *lifecycleSummary) write(w io.Writer, at time.Time, c lifecycle.Cadence, took time.Duration) {
	n := float64(s.n)
	fmt.Fprintf(w, "lifecycle as of %s, %v ticks: %d customers in %v\n", at.UTC().Format(time.RFC3339), c, s.n, took.Round(time.Millisecond))
	fmt.Fprintln(w, "stage        customers  share")
	for st := lifecycle.None; st <= lifecycle.Ended; st++ {
		if st == lifecycle.None && s.stages[st] == 0 {
			continue // "none": only returns, no purchase
		}
		fmt.Fprintf(w, "%-12v %9d  %5.1f%%\n", st, s.stages[st], 100*float64(s.stages[st])/n)
	}
	fmt.Fprintln(w, "pattern               customers  share")
	for p := lifecycle.Ongoing; p <= lifecycle.LongLasting; p++ {
		fmt.Fprintf(w, "%-21v %9d  %5.1f%%\n", p, s.patterns[p], 100*float64(s.patterns[p])/n)
	}
}
