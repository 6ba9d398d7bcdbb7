package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/examples/internal/input"
	"github.com/cvmkit/cvm/value/clv"
)

const cohortExample = `cvm cohort -in CDNOW_sample.txt -no-header -customer 1 -time 3 -amount 5 -delim whitespace -order "" -by month -sbg`

// runCohort prints acquisition-cohort tables: retention (share of the
// cohort buying in each period), repeat purchase (share who have bought
// again by each period) and, with -sbg, an sBG fit per cohort.
func runCohort(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("cohort", "-in FILE [-by month|week] [-as-of DATE] [-periods N] [-sbg] [-json] [input flags]", cohortExample, stderr)
	in := fs.String("in", "", "transactions CSV file; - for standard input")
	by := fs.String("by", "month", "cohort period: month or week (weeks start on Monday)")
	asOfFlag := fs.String("as-of", "", "last day counted (2006-01-02 or 20060102); default the last purchase day")
	periods := fs.Int("periods", 12, "periods after acquisition shown in the text tables (JSON has them all)")
	sbg := fs.Bool("sbg", false, "fit an sBG retention model to every cohort's survivors (customers whose last purchase is in the period or later)")
	asJSON := fs.Bool("json", false, "print the cohorts as one JSON array")
	inf := addInputFlags(fs)
	if done, err := parseFlags(fs, args); done {
		return err
	}
	if *in == "" {
		return usagef("-in is required")
	}
	var set clv.CohortSettings
	if err := set.Period.UnmarshalText([]byte(*by)); err != nil {
		return usagef("-by %q: want month or week", *by)
	}
	set.FitSBG = *sbg
	if *periods < 1 {
		return usagef("-periods %d: must be at least 1", *periods)
	}
	var asOf time.Time
	if *asOfFlag != "" {
		var err error
		if asOf, err = clvParseDate(*asOfFlag); err != nil {
			return usagef("-as-of %q: %v", *asOfFlag, err)
		}
	}
	// The reader's as-of is the end of that day (UTC), which is counted:
	// clv.Cohorts cuts by day.
	readAsOf := asOf
	if !asOf.IsZero() {
		readAsOf = asOf.AddDate(0, 0, 1).Add(-time.Nanosecond)
	}
	cs, err := cohorts(*in, asOf, readAsOf, &set, inf, stderr)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(cs)
	}
	bw := bufio.NewWriter(stdout)
	label := func(c clv.Cohort) string {
		if set.Period == clv.Weeks7 {
			return c.Start.Format("2006-01-02")
		}
		return c.Start.Format("2006-01")
	}
	table := func(title string, curve func(c clv.Cohort) []int) {
		fmt.Fprintf(bw, "%s, %% of the cohort, by %s since acquisition\n%-10s %9s", title, set.Period, "cohort", "customers")
		for k := range *periods {
			fmt.Fprintf(bw, " %5d", k)
		}
		fmt.Fprintln(bw)
		for _, c := range cs {
			fmt.Fprintf(bw, "%-10s %9d", label(c), c.Customers)
			for k, v := range curve(c) {
				if k >= *periods {
					break
				}
				fmt.Fprintf(bw, " %5.1f", 100*float64(v)/float64(c.Customers))
			}
			fmt.Fprintln(bw)
		}
		fmt.Fprintln(bw)
	}
	table("retention (buying in the period)", func(c clv.Cohort) []int { return c.Active })
	table("repeat purchase (bought again by the period's end)", func(c clv.Cohort) []int { return c.Repeat })
	table("survivors (last purchase in the period or later)", func(c clv.Cohort) []int { return c.Alive })
	if *sbg {
		fmt.Fprintf(bw, "sBG per cohort (fitted on the complete periods of the survivors)\n%-10s %9s %9s %9s %12s\n", "cohort", "alpha", "beta", "churn", "ll")
		for _, c := range cs {
			if c.SBG == nil {
				fmt.Fprintf(bw, "%-10s %9s\n", label(c), "-")
				continue
			}
			m := c.SBG
			fmt.Fprintf(bw, "%-10s %9.4f %9.4f %9.4f %12.2f\n", label(c), m.Alpha, m.Beta, m.Alpha/(m.Alpha+m.Beta), m.Info.LogLikelihood)
		}
	}
	return bw.Flush()
}

// cohorts reads the file at path and returns its cohorts. The rows
// stream through clv.Cohorts, which ignores those after asOf's day, and
// are never all held (on the README's 10M-row file, 0.5 GB in place of
// 3.1 GB); without -as-of (a zero asOf), the rows after the data report's
// default as-of are left out (see input.Flags.ReadAll), so when there are
// some the file is read again and held, as is standard input
// (input.Stream).
func cohorts(path string, asOf, readAsOf time.Time, set *clv.CohortSettings, inf *input.Flags, stderr io.Writer) ([]clv.Cohort, error) {
	// readAsOf, the end of asOf's day, is where clv.Cohorts stops counting
	// (zero, counting everything, without -as-of).
	rs := input.StreamSettings{AsOf: readAsOf, Until: readAsOf}
	cs, _, err := input.Stream(context.Background(), inf, path, &rs, stderr, func(ctx context.Context, txs iter.Seq[cvm.Transaction]) ([]clv.Cohort, error) {
		return clv.Cohorts(ctx, txs, asOf, set)
	})
	return cs, err
}
