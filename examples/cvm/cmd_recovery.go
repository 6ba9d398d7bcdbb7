package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cvmkit/cvm/examples/internal/input"
	"github.com/cvmkit/cvm/internal/csvout"
	"github.com/cvmkit/cvm/internal/num"
	"github.com/cvmkit/cvm/lifecycle"
	"github.com/cvmkit/cvm/recovery"
	"github.com/cvmkit/cvm/value"
)

const recoveryUsage = `[-in customers.csv[,more.csv] | -book book.json] [-settings settings.json] [-as-of DATE] [-out book.json [-compact]]
       [-lookup ID -failure TYPE -severity S1..S4 [-loss AMOUNT]] [-print-settings]

Precomputes a service-recovery playbook for every customer x failure type x
severity and looks one up.

Customer CSV (header required, columns in any order, extra columns ignored).
-in takes several files separated by commas and joins them by customer: the
first lists the customers, later ones add columns, so the outputs of other
commands work as they are, for example
  -in score.csv,stages.csv,history.csv
with score.csv from "cvm score" (customer,...,quadrant,tier), stages.csv from
"cvm lifecycle" (customer,stage,...) and history.csv holding the rest.
Columns:
  customer          customer ID (required)
  quadrant          value quadrant I, II, III, IV or 1-4 (required)
  tier              pyramid tier 1-255 or platinum/gold/iron/lead; empty: 4 (lead);
                    0: unknown, which gets the slowest tier's deadlines
  stage             none, exploration, formation, stability, decline, ended;
                    default formation (no stage adjustment)
  strength          relationship strength 0..1; default 0
  failures_12m      failures or complaints in the last 12 months; default 0
  last_recovery_ok  did the last recovery satisfy: true/false, yes/no, 1/0;
                    default true (ignored when failures_12m is 0)
  channel           preferred contact channel, such as sms; default none (the
                    severity's default channel is used)
  influence         people the customer talks to; default 0
  gross_profit      recent 12-month gross profit, for the cap; default 0 (the
                    cap's floor applies)

Failure types: billing (money loss), defect, delivery, service, staff, outage.
Severities: S1 no impact, S2 minor, S3 major, S4 operations stopped, safety,
or a repeat serious failure within 90 days.`

const recoveryExample = `cvm recovery -in customers.csv -out book.json -lookup C042 -failure delivery -severity S3 -loss 1200`

func runRecovery(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("recovery", recoveryUsage, recoveryExample, stderr)
	in := fs.String("in", "", "customer CSV to build the book from (see above); - for stdin; several files separated by commas are joined by customer")
	bookIn := fs.String("book", "", "load a book written by -out instead of building one")
	settingsPath := fs.String("settings", "", "model settings file (format cvm.recovery.settings, as -print-settings writes it); missing or zero fields keep their defaults")
	asOf := fs.String("as-of", "", "with -in: the date the customer inputs describe, recorded in the book's model card")
	out := fs.String("out", "", "write the book as JSON to this file")
	compact := fs.Bool("compact", false, "with -out: write the configuration and customer inputs only (about 25x smaller; -book rebuilds the playbooks on loading)")
	lookup := fs.String("lookup", "", "customer ID whose playbook entry to print")
	failure := fs.String("failure", "", "failure type for -lookup: billing, defect, delivery, service, staff, outage")
	severity := fs.String("severity", "", "severity for -lookup: S1, S2, S3 or S4")
	lossStr := fs.String("loss", "", "loss amount for -lookup: prints the restoration and the goodwill compensation")
	delim := fs.String("delim", ",", "CSV field delimiter: , ; tab")
	printSettings := fs.Bool("print-settings", false, "print the model settings file, every default filled in, and exit")
	quiet := fs.Bool("q", false, "no build statistics on stderr")
	if done, err := parseFlags(fs, args); done {
		return err
	}

	var settings *recovery.Settings
	if *settingsPath != "" {
		data, err := os.ReadFile(*settingsPath)
		if err != nil {
			return err
		}
		settings = new(recovery.Settings)
		if err := json.Unmarshal(data, settings); err != nil {
			return fmt.Errorf("%s: %w", *settingsPath, err)
		}
	}
	m, err := recovery.New(settings)
	if err != nil {
		return err
	}
	if *printSettings {
		data, err := json.MarshalIndent(m.Settings(), "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "%s\n", data)
		return err
	}

	// Validate the lookup flags before any work.
	var ft recovery.FailureType
	var sev recovery.Severity
	loss := math.NaN()
	if *lookup != "" {
		if *failure == "" || *severity == "" {
			return usagef("-lookup needs -failure and -severity")
		}
		if ft, err = recovery.ParseFailureType(*failure); err != nil {
			return usagef("-failure: %v", err)
		}
		if sev, err = recovery.ParseSeverity(*severity); err != nil {
			return usagef("-severity: %v", err)
		}
		if *lossStr != "" {
			loss, err = strconv.ParseFloat(strings.TrimSpace(*lossStr), 64)
			if err != nil || loss < 0 || !num.Finite(loss) {
				return usagef("-loss: %q is not a finite amount >= 0", *lossStr)
			}
		}
	} else if *failure != "" || *severity != "" || *lossStr != "" {
		return usagef("-failure, -severity and -loss need -lookup")
	}
	if (*in == "") == (*bookIn == "") {
		return usagef("give exactly one of -in (customer CSV) and -book (book JSON)")
	}
	if *bookIn != "" && (*settingsPath != "" || *asOf != "") {
		return usagef("-settings and -as-of apply to -in; a book carries its own settings and card")
	}
	var bs recovery.BuildSettings
	if *asOf != "" {
		if bs.AsOf, err = parseAsOf(*asOf); err != nil {
			return usagef("-as-of %q: %v", *asOf, err)
		}
	}

	var book *recovery.Book
	if *bookIn != "" {
		data, err := os.ReadFile(*bookIn)
		if err != nil {
			return err
		}
		book = new(recovery.Book)
		if err = json.Unmarshal(data, book); err != nil {
			return fmt.Errorf("%s: %w", *bookIn, err)
		}
	} else {
		comma, err := parseDelim(*delim)
		if err != nil {
			return err
		}
		customers, err := readRecoveryCustomers(strings.Split(*in, ","), os.Stdin, comma)
		if err != nil {
			return err
		}
		start := time.Now()
		if book, err = m.Build(context.Background(), customers, &bs); err != nil {
			return fmt.Errorf("%s: %w", *in, err)
		}
		if !*quiet {
			fmt.Fprintf(stderr, "recovery: %d customers, %d playbook entries in %v\n",
				book.Len(), book.Len()*recovery.NumFailureTypes*recovery.NumSeverities, time.Since(start).Round(time.Microsecond))
		}
	}

	if *out != "" {
		write := book.WriteJSON // streamed: a million customers' playbooks are some 6 GB of JSON
		if *compact {
			write = book.WriteInputsJSON
		}
		if err := input.CreateFile(*out, stdout, write); err != nil {
			return err
		}
	}
	if *lookup != "" {
		e, err := book.Lookup(*lookup, ft, sev)
		if err != nil {
			return err
		}
		c, _ := book.Customer(*lookup)
		return printEntry(stdout, c, e, loss)
	}
	if *out == "" {
		return printBookSummary(stdout, book)
	}
	return nil
}

func parseDelim(s string) (rune, error) {
	switch strings.ToLower(s) {
	case ",", "comma":
		return ',', nil
	case ";", "semicolon":
		return ';', nil
	case "tab", "\t", `\t`:
		return '\t', nil
	}
	return 0, usagef("-delim: %q is not , ; or tab", s)
}

// recoveryRowError names the file, line and column of a bad customer CSV
// cell.
type recoveryRowError struct {
	File   string
	Line   int
	Column string
	Err    error
}

func (e *recoveryRowError) Error() string {
	return fmt.Sprintf("%s: line %d, column %s: %v", e.File, e.Line, e.Column, e.Err)
}

func (e *recoveryRowError) Unwrap() error { return e.Err }

// recoveryCell is one cell of the joined customer table and where it came
// from.
type recoveryCell struct {
	val, file string
	line      int
}

// recoveryRow is one customer of the joined table.
type recoveryRow struct {
	file  string // the first file, which lists the customers
	line  int
	cells map[string]recoveryCell
}

// readRecoveryTable reads the customer CSV files and joins them by
// customer: the first file lists the customers, in order; later files add
// or replace columns for those customers and their other rows are ignored.
// "-" reads stdin.
func readRecoveryTable(files []string, stdin io.Reader, comma rune) ([]recoveryRow, error) {
	var rows []recoveryRow
	byID := map[string]int{}
	haveQuadrant := false
	for fi, name := range files {
		err := func() error {
			r := stdin
			if name != "-" {
				f, err := os.Open(name)
				if err != nil {
					return err
				}
				defer f.Close()
				r = f
			}
			cr := csv.NewReader(r)
			cr.Comma = comma
			cr.FieldsPerRecord = -1
			header, err := cr.Read()
			if err == io.EOF {
				return fmt.Errorf("%s: empty file: want a header line", name)
			}
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			cols := make([]string, len(header))
			idCol := -1
			for i, h := range header {
				cols[i] = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
				if cols[i] == "customer" && idCol < 0 {
					idCol = i
				}
				haveQuadrant = haveQuadrant || cols[i] == "quadrant"
			}
			if idCol < 0 {
				return fmt.Errorf("%s: header has no \"customer\" column (have %s)", name, strings.Join(header, ","))
			}
			seen := map[string]bool{}
			for {
				rec, err := cr.Read()
				if err == io.EOF {
					return nil
				}
				if err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
				line, _ := cr.FieldPos(0) // where the record begins: blank lines and quoted line ends count
				id := ""
				if idCol < len(rec) {
					id = strings.TrimSpace(rec[idCol])
				}
				if id == "" {
					return &recoveryRowError{File: name, Line: line, Column: "customer", Err: errors.New("empty customer ID")}
				}
				if seen[id] {
					return &recoveryRowError{File: name, Line: line, Column: "customer", Err: fmt.Errorf("duplicate customer %q", id)}
				}
				seen[id] = true
				k, ok := byID[id]
				if !ok {
					if fi > 0 {
						continue // not in the first file
					}
					k = len(rows)
					byID[id] = k
					rows = append(rows, recoveryRow{file: name, line: line, cells: map[string]recoveryCell{}})
				}
				for i, v := range rec {
					if i < len(cols) && cols[i] != "" {
						if _, dup := rows[k].cells[cols[i]]; dup && i != idCol && fileHasEarlierCol(cols, i) {
							continue // a repeated column in one file: the first wins
						}
						rows[k].cells[cols[i]] = recoveryCell{strings.TrimSpace(v), name, line}
					}
				}
			}
		}()
		if err != nil {
			return nil, err
		}
	}
	if !haveQuadrant {
		return nil, fmt.Errorf("no \"quadrant\" column in %s", strings.Join(files, ", "))
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s: no customers after the header", files[0])
	}
	return rows, nil
}

// fileHasEarlierCol reports whether cols[i] also appears before i.
func fileHasEarlierCol(cols []string, i int) bool {
	for _, c := range cols[:i] {
		if c == cols[i] {
			return true
		}
	}
	return false
}

// readRecoveryCustomers reads and joins the customer CSV files described in
// recoveryUsage.
func readRecoveryCustomers(files []string, stdin io.Reader, comma rune) ([]recovery.Customer, error) {
	rows, err := readRecoveryTable(files, stdin, comma)
	if err != nil {
		return nil, err
	}
	cs := make([]recovery.Customer, 0, len(rows))
	for _, row := range rows {
		cell := func(name string) string { return row.cells[name].val }
		bad := func(name string, format string, args ...any) error {
			src, ok := row.cells[name]
			if !ok {
				src = recoveryCell{file: row.file, line: row.line}
			}
			return &recoveryRowError{File: src.file, Line: src.line, Column: name, Err: fmt.Errorf(format, args...)}
		}
		c := recovery.Customer{ID: cell("customer"), Tier: 4, Stage: lifecycle.Formation, LastRecoveryOK: true,
			Channel: strings.ToLower(cell("channel"))}
		if c.ID == "" {
			return nil, bad("customer", "empty customer ID")
		}
		if c.Quadrant, err = value.ParseQuadrant(cell("quadrant")); err != nil {
			return nil, bad("quadrant", "%q is not I, II, III or IV", cell("quadrant"))
		}
		if v := cell("tier"); v != "" {
			if c.Tier, err = value.ParseTier(v); err != nil {
				return nil, bad("tier", "%q is not 0-255 or platinum, gold, iron, lead", v)
			}
		}
		if v := cell("stage"); v != "" {
			if c.Stage, err = lifecycle.ParseStage(v); err != nil {
				return nil, bad("stage", "%q is not none, exploration, formation, stability, decline or ended", v)
			}
		}
		num := func(name string, lo, hi float64) (float64, error) {
			v := cell(name)
			if v == "" {
				return 0, nil
			}
			x, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsNaN(x) || x < lo || x > hi {
				return 0, bad(name, "%q is not a number in [%v, %v]", v, lo, hi)
			}
			return x, nil
		}
		if c.Strength, err = num("strength", 0, 1); err != nil {
			return nil, err
		}
		f, err := num("failures_12m", 0, 1e9)
		if err != nil {
			return nil, err
		}
		if f != math.Trunc(f) {
			return nil, bad("failures_12m", "%q is not a whole number", cell("failures_12m"))
		}
		c.Failures12m = int(f)
		if v := cell("last_recovery_ok"); v != "" {
			switch strings.ToLower(v) {
			case "true", "yes", "y", "1", "t":
				c.LastRecoveryOK = true
			case "false", "no", "n", "0", "f":
				c.LastRecoveryOK = false
			default:
				return nil, bad("last_recovery_ok", "%q is not true or false", v)
			}
		}
		if c.Influence, err = num("influence", 0, math.MaxFloat64); err != nil {
			return nil, err
		}
		if c.GrossProfit, err = num("gross_profit", -math.MaxFloat64, math.MaxFloat64); err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	return cs, nil
}

// printEntry writes one playbook entry in readable form; loss is NaN when
// none was given.
func printEntry(w io.Writer, c recovery.Customer, e recovery.Entry, loss float64) error {
	hist := fmt.Sprintf("%d failures in 12 months", c.Failures12m)
	if c.Failures12m > 0 {
		if c.LastRecoveryOK {
			hist += ", last recovery satisfied"
		} else {
			hist += ", last recovery did NOT satisfy"
		}
	}
	tier := "unknown"
	if c.Tier > 0 {
		tier = strconv.Itoa(int(c.Tier))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "customer     %s: quadrant %s, tier %s, %s, strength %.2f, %s\n", c.ID, c.Quadrant, tier, c.Stage, c.Strength, hist)
	fmt.Fprintf(&b, "failure      %s, %s\n", e.Failure, e.Severity)
	apology := map[recovery.Apology]string{
		recovery.ApologyFrontLine: "front line apologises",
		recovery.ApologyManager:   "manager apologises, with a written root cause",
		recovery.ApologyExecutive: "executive apologises personally",
	}[e.Apology]
	if e.Escalated {
		apology += " (one level up: the last recovery did not satisfy)"
	}
	fmt.Fprintf(&b, "apology      %s\n", apology)
	fmt.Fprintf(&b, "owner        %s\n", e.Owner)
	fmt.Fprintf(&b, "channel      %s\n", e.Channel)
	fmt.Fprintf(&b, "deadlines    acknowledge within %s, resolve within %s\n", fmtDuration(e.AcknowledgeBy), fmtDuration(e.ResolveBy))
	fmt.Fprintf(&b, "remedy       %s\n", e.Remedy)
	aim := "restore"
	if e.Paradox {
		aim = "above expectation (first failure, low severity: recovery paradox)"
	}
	fmt.Fprintf(&b, "expected     %.4f x loss\n", e.Expected)
	fmt.Fprintf(&b, "offer        %.4f x loss, aim %s\n", e.Ratio, aim)
	fmt.Fprintf(&b, "restore      %.4f x loss in %s, never capped\n", e.RestoreRatio, e.Remedy)
	fmt.Fprintf(&b, "goodwill cap %.2f (total at most %g x loss); front line may grant goodwill up to %.2f, money up to %.2f at once\n",
		e.Cap, e.LossCap, e.PreApproved, e.FrontLineLimit)
	if !math.IsNaN(loss) {
		r, err := e.Resolve(loss)
		if err != nil {
			return err
		}
		note := "front line grants it now"
		switch {
		case r.Capped:
			note = fmt.Sprintf("goodwill capped at the playbook limit; %s decides on the rest", e.Owner)
		case r.NeedsApproval:
			note = "needs approval by " + e.Owner.String()
		}
		fmt.Fprintf(&b, "resolution   loss %.2f: restore %.2f (%s) + goodwill %.2f = %.2f (%s)\n",
			r.Loss, r.Restore, e.Remedy, r.Compensation, r.Total, note)
	}
	fmt.Fprintf(&b, "churn risk   %.1f%% with a good, quick recovery; %.1f%% without\n", 100*e.ChurnWith, 100*e.ChurnWithout)
	var days []string
	for _, d := range e.FollowUp {
		if d != 0 {
			days = append(days, strconv.Itoa(int(d)))
		}
	}
	fmt.Fprintf(&b, "follow-up    days %s after resolution\n", strings.Join(days, ", "))
	_, err := io.WriteString(w, b.String())
	return err
}

func fmtDuration(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d >= time.Hour:
		return fmt.Sprintf("%dh%02dm", d/time.Hour, (d%time.Hour)/time.Minute)
	}
	return fmt.Sprintf("%dm", d/time.Minute)
}

// printBookSummary counts S4 apology levels and paradox-eligible S1
// entries by quadrant.
func printBookSummary(w io.Writer, b *recovery.Book) error {
	type row struct{ n, exec, manager, paradox int }
	var rows [5]row
	for c := range b.Customers {
		r := &rows[c.Quadrant]
		r.n++
		e4, err := b.Lookup(c.ID, recovery.Outage, recovery.S4)
		if err != nil {
			return err
		}
		switch e4.Apology {
		case recovery.ApologyExecutive:
			r.exec++
		case recovery.ApologyManager:
			r.manager++
		}
		e1, err := b.Lookup(c.ID, recovery.Outage, recovery.S1)
		if err != nil {
			return err
		}
		if e1.Paradox {
			r.paradox++
		}
	}
	cw := csvout.NewWriter(w)
	cw.Write("quadrant", "customers", "s4_executive_apology", "s4_manager_apology", "s1_paradox_eligible")
	for q := value.QuadrantI; q <= value.QuadrantIV; q++ {
		r := rows[q]
		cw.Write(q.String(), strconv.Itoa(r.n), strconv.Itoa(r.exec), strconv.Itoa(r.manager), strconv.Itoa(r.paradox))
	}
	return cw.Flush()
}
