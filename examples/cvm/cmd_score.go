package main

import (
	"bufio"
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
	"text/tabwriter"
	"time"

	"github.com/cvmkit/cvm/examples/internal/input"
	"github.com/cvmkit/cvm/internal/csvout"
	"github.com/cvmkit/cvm/internal/synth"
	"github.com/cvmkit/cvm/value"
)

const scoreExample = `cvm score -synth 10000 -seed 1 -synth-out /tmp/indicators.csv -save /tmp/model.json -out /tmp/scores.csv
  cvm score -in /tmp/indicators.csv -model /tmp/model.json -out /tmp/scores.csv
  cvm score -in /tmp/indicators.csv -missing impute -cut mean -tiers 0.01,0.04,0.15,0.80 -explain C0042
  cvm score -in /tmp/indicators.csv -cut fixed -cuts 50,50 -weights 0.6,0.4 -topsis > /tmp/scores.csv
  cvm score -in /tmp/indicators.csv -objective critic -alpha 0.5 -save /tmp/model_critic.json -out /tmp/scores.csv
  cvm score -list
  cvm score -transactions online_retail.csv.gz -customer CustomerID -time InvoiceDate -quantity Quantity -price UnitPrice -order InvoiceNo -product StockCode -out /tmp/scores.csv
  cvm score -transactions tx.csv -in crm.csv -missing impute -out /tmp/scores.csv

The indicator CSV has a header: the customer column (-customer) and one
column per indicator ID of the catalog (cvm score -list shows the default
30); an empty cell, NA or NaN is a missing value; other cells must be
decimal numbers (hexadecimal and infinite values are errors). Errors name
the file, line, column and customer. Without -model the model is fitted on
the same file (reference bounds, cuts, tiers) and can be saved with -save
to score other files later with -model; the saved file is written only
after scoring succeeded. The -catalog and -model files are decoded
strictly: an unknown field is an error naming it.

With -transactions FILE (and the transaction input flags) the retail
indicators are computed from the transactions (value.RetailIndicators:
value.RetailCatalog's formulas, as of -as-of or the default as-of). With
-in as well, the indicator CSV (a CRM file) is joined to them by customer
ID: one row per customer of the transactions; a column in both is taken
from the transactions; the CRM columns take their definitions from the
-catalog file, else from the default 30-indicator catalog; a CRM customer
without transactions is left out and a customer without a CRM row has
missing CRM indicators (see -missing). The joined catalog's weights are
rescaled to sum to 1 in every group and dimension. A report on stderr
says which indicators came from where. -customer names the customer
column of both files.`

func runScore(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("score", "(-in FILE | -synth N | -transactions FILE [input flags] [-in CRM.csv]) [-as-of DATE] [-margin M] [-model FILE | -catalog FILE] [-save FILE] [-missing error|impute|drop] [-cut median|mean|fixed] [-cuts C,P] [-tiers S1,S2,...] [-weights C,P] [-objective entropy|critic -alpha A] [-topsis] [-explain ID] [-out FILE]",
		scoreExample, stderr)
	in := fs.String("in", "", "indicator CSV file; - for standard input")
	synthN := fs.Int("synth", 0, "score N synthetic B2B customers (internal/synth) instead of -in")
	seed := fs.Uint64("seed", 1, "seed for -synth")
	synthOut := fs.String("synth-out", "", "with -synth, also write the generated indicator table as CSV to this file (input for -in and cvm weights)")
	txPath := fs.String("transactions", "", "transactions CSV file (gzip allowed): compute the retail indicators from it and join -in, if given, by customer ID")
	asOfFlag := fs.String("as-of", "", "with -transactions: ignore transactions after this time; a date alone means the end of that day (UTC); "+input.AsOfDefault)
	margin := fs.Float64("margin", 0, "with -transactions: gross margin as a fraction of revenue, for the gross_profit indicator; 0 for none")
	modelPath := fs.String("model", "", "fitted model JSON (from -save); without it the model is fitted on the input")
	catalogPath := fs.String("catalog", "", "catalog JSON ({\"groups\":[...],\"indicators\":[...]}) instead of the default 30 indicators")
	save := fs.String("save", "", "write the fitted model JSON to this file")
	missing := fs.String("missing", "error", "missing values: error, impute (fitted median) or drop (renormalise that customer's weights)")
	cut := fs.String("cut", "concentration", "value-matrix cut rule: concentration (high = the fewest top customers holding half the summed scores), median, mean or fixed (with -cuts)")
	cuts := fs.String("cuts", "", "fixed cuts current,potential on the 0..100 scale, for -cut fixed")
	tiers := fs.String("tiers", "", "pyramid shares, top first; empty means 0.01,0.04,0.15,0.80")
	dimw := fs.String("weights", "", "weights of current,potential in the total; empty means 0.5,0.5")
	topsis := fs.Bool("topsis", false, "aggregate by TOPSIS (closeness to the fixed ideal point) instead of the weighted sum")
	objective := fs.String("objective", "", "blend data-driven indicator weights into each group: entropy or critic (with -alpha)")
	alpha := fs.Float64("alpha", 0.5, "with -objective: weight of the catalog's (subjective) weights; 1-alpha goes to the objective ones")
	normw := fs.Bool("normalize-weights", false, "rescale catalog weights that do not sum to 1 instead of failing")
	ignore := fs.Bool("ignore-unknown", false, "ignore columns that are not indicators of the catalog")
	explain := fs.String("explain", "", "print this customer's breakdown (each indicator's value, weight and points) instead of the CSV")
	out := fs.String("out", "-", "output CSV customer,current,potential,total,quadrant,tier; - for standard output")
	list := fs.Bool("list", false, "print the catalog's indicators (ID, dimension, group, direction, unit, definition, source) and exit")
	inf := addInputFlags(fs)
	if done, err := parseFlags(fs, args); done {
		return err
	}
	customer := inf.CustomerColumn()
	spec := value.Settings{NormalizeWeights: *normw, IgnoreUnknown: *ignore}
	if *catalogPath != "" {
		b, err := os.ReadFile(*catalogPath)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &spec.Catalog); err != nil {
			return fmt.Errorf("catalog %s: %w", *catalogPath, err)
		}
	}
	if *list {
		cat := spec.Catalog
		if len(cat.Indicators) == 0 {
			cat = value.DefaultCatalog()
		}
		return scoreList(stdout, cat)
	}
	if *synthN != 0 && (*in != "" || *txPath != "") {
		return usagef("-synth excludes -in and -transactions")
	}
	if *in == "" && *synthN == 0 && *txPath == "" {
		return usagef("give -in, -synth or -transactions")
	}
	if *txPath == "" && (*asOfFlag != "" || *margin != 0) {
		return usagef("-as-of and -margin apply to -transactions")
	}
	if *synthN < 0 {
		return usagef("-synth %d: want a positive number", *synthN)
	}
	if err := spec.Missing.UnmarshalText([]byte(*missing)); err != nil {
		return usagef("-missing: %v", err)
	}
	if err := spec.Cut.UnmarshalText([]byte(*cut)); err != nil {
		return usagef("-cut: %v", err)
	}
	if *topsis {
		spec.Aggregation = value.TOPSIS
	}
	if *cuts != "" {
		c, err := scoreFloats(*cuts, "-cuts")
		if err != nil {
			return err
		}
		if len(c) != 2 || spec.Cut != value.CutFixed {
			return usagef("-cuts wants two numbers and -cut fixed")
		}
		spec.CurrentCut, spec.PotentialCut = c[0], c[1]
	} else if spec.Cut == value.CutFixed {
		return usagef("-cut fixed needs -cuts current,potential")
	}
	var err error
	if *tiers != "" {
		if spec.TierShares, err = scoreFloats(*tiers, "-tiers"); err != nil {
			return err
		}
	}
	if *dimw != "" {
		w, err := scoreFloats(*dimw, "-weights")
		if err != nil {
			return err
		}
		if len(w) != 2 {
			return usagef("-weights wants two numbers: current,potential")
		}
		spec.CurrentWeight, spec.PotentialWeight = w[0], w[1]
	}

	var tb value.IndicatorTable
	src := scoreSource{name: "synthetic table"}
	if *synthN > 0 {
		cfg := synth.IndicatorConfig{Customers: *synthN, Seed: *seed}
		st := synth.Indicators(cfg)
		tb = value.IndicatorTable{Customers: st.Customers, IDs: st.IDs, Columns: st.Columns}
		if *synthOut != "" {
			if err := input.CreateFile(*synthOut, stdout, func(w io.Writer) error { return synth.WriteIndicatorCSV(w, cfg) }); err != nil {
				return err
			}
		}
	} else if *in != "" {
		r, closeIn, err := input.OpenFile(*in)
		if err != nil {
			return err
		}
		defer closeIn()
		if tb, src, err = scoreReadCSV(r, *in, customer); err != nil {
			return err
		}
	}
	if *txPath != "" {
		var asOf time.Time
		if *asOfFlag != "" {
			if asOf, err = parseAsOf(*asOfFlag); err != nil {
				return usagef("-as-of %q: %v", *asOfFlag, err)
			}
		}
		if tb, src, err = scoreTransactions(*txPath, asOf, *margin, inf, tb, *in, &spec, stderr); err != nil {
			return err
		}
	}
	if err := tb.Validate(); err != nil {
		return src.wrap(err)
	}
	ctx := context.Background()

	if *objective != "" {
		if *modelPath != "" {
			return usagef("-objective applies when fitting, not with -model")
		}
		var meth value.Objective
		if err := meth.UnmarshalText([]byte(*objective)); err != nil {
			return usagef("-objective: %v", err)
		}
		cat := spec.Catalog
		if len(cat.Indicators) == 0 {
			cat = value.DefaultCatalog()
		}
		if spec.Catalog, err = value.DataWeights(ctx, cat, tb, meth, *alpha); err != nil {
			return src.wrap(err)
		}
		spec.Weighting = value.Weighting{Method: meth.String()}
	}
	var m *value.Model
	if *modelPath != "" {
		b, err := os.ReadFile(*modelPath)
		if err != nil {
			return err
		}
		m = new(value.Model)
		if err := json.Unmarshal(b, m); err != nil {
			return fmt.Errorf("model %s: %w", *modelPath, err)
		}
	} else if m, err = value.Fit(ctx, tb, &spec); err != nil {
		return src.wrap(err)
	}
	// The saved model and the scores are committed together at the end,
	// so that a run that fails replaces neither.
	var outs input.Outputs
	defer outs.Abort()
	if *save != "" {
		b, err := json.MarshalIndent(m, "", " ")
		if err != nil {
			return err
		}
		if err := outs.Write(*save, stdout, func(w io.Writer) error {
			_, err := w.Write(append(b, '\n'))
			return err
		}); err != nil {
			return err
		}
	}
	scores, err := m.Score(ctx, nil, tb)
	if err != nil {
		return src.wrap(err)
	}
	if *explain != "" {
		ex, err := m.Explain(tb, *explain)
		if err != nil {
			return src.wrap(err)
		}
		if err := scoreExplain(stdout, ex); err != nil {
			return err
		}
		if *out == "-" {
			return outs.Commit()
		}
	}
	if err := outs.Write(*out, stdout, func(w io.Writer) error { return scoreWriteCSV(w, scores) }); err != nil {
		return err
	}
	return outs.Commit()
}

// scoreTransactions computes the retail indicators of the transactions in
// path and, when crmName is not empty, joins the indicator table crm read
// from it; it sets spec's catalog and reports the sources on stderr.
func scoreTransactions(path string, asOf time.Time, margin float64, inf *input.Flags, crm value.IndicatorTable, crmName string, spec *value.Settings, stderr io.Writer) (value.IndicatorTable, scoreSource, error) {
	src := scoreSource{name: path}
	rd, closeFn, err := inf.OpenReport(path, asOf)
	if err != nil {
		return value.IndicatorTable{}, src, err
	}
	defer closeFn()
	// The rows stream through: the as-of (given, or the report's default)
	// is the reader's once the file is read, and RetailIndicators holds
	// each row (48 bytes) until then instead of every cvm.Transaction.
	r, err := value.RetailIndicators(context.Background(), rd.Stream(context.Background()), &value.RetailSettings{Margin: margin, AsOfFunc: func() time.Time { return rd.Report().AsOf }})
	if rerr := rd.Err(); rerr != nil {
		return value.IndicatorTable{}, src, fmt.Errorf("%s: %w", path, rerr)
	}
	if err != nil {
		return value.IndicatorTable{}, src, fmt.Errorf("%s: %w", path, err)
	}
	inf.Report(path, rd.Stats(), stderr)
	if err := inf.PrintReport(path, rd, stderr); err != nil {
		return value.IndicatorTable{}, src, err
	}
	ret := 0
	for _, ro := range r.ReturnsOnly {
		if ro {
			ret++
		}
	}
	fmt.Fprintf(stderr, "score: %d indicators from the transactions in %s, as of %s: %s\n", len(r.Table.IDs), path, r.AsOf.Format(time.RFC3339), strings.Join(r.Table.IDs, ", "))
	if len(r.Omitted) > 0 {
		fmt.Fprintf(stderr, "score: left out: %s\n", strings.Join(r.Omitted, "; "))
	}
	if ret > 0 {
		fmt.Fprintf(stderr, "score: %d customers have returns but no purchase: the worst recency and growth, never imputed\n", ret)
	}
	if crmName == "" {
		spec.Catalog = r.Catalog
		return r.Table, src, nil
	}
	src.name = path + " + " + crmName
	joined, jr, err := r.Table.Join(crm)
	if err != nil {
		return value.IndicatorTable{}, src, fmt.Errorf("%s: %w", src.name, err)
	}
	base := spec.Catalog
	if len(base.Indicators) == 0 {
		base = value.DefaultCatalog()
	}
	var known, unknown []string
	for _, id := range jr.Added {
		if base.Index(id) >= 0 {
			known = append(known, id)
		} else {
			unknown = append(unknown, id)
		}
	}
	if len(unknown) > 0 && !spec.IgnoreUnknown {
		return value.IndicatorTable{}, src, fmt.Errorf("%s: columns %s are not indicators of the CRM catalog (use -catalog or -ignore-unknown)", crmName, strings.Join(unknown, ", "))
	}
	if spec.Catalog, err = r.Catalog.Merge(base, known...); err != nil {
		return value.IndicatorTable{}, src, fmt.Errorf("%s: %w", src.name, err)
	}
	spec.NormalizeWeights = true
	fmt.Fprintf(stderr, "score: %d indicators from %s: %s\n", len(known), crmName, strings.Join(known, ", "))
	if len(jr.Shared) > 0 {
		fmt.Fprintf(stderr, "score: in both files, taken from the transactions: %s\n", strings.Join(jr.Shared, ", "))
	}
	if len(unknown) > 0 {
		fmt.Fprintf(stderr, "score: ignored (not in the catalog): %s\n", strings.Join(unknown, ", "))
	}
	fmt.Fprintf(stderr, "score: %d customers; %d without a row in %s (their CRM indicators are missing); %d rows of %s without transactions left out\n", joined.Len(), jr.Unmatched, crmName, jr.Dropped, crmName)
	return joined, src, nil
}

// scoreSource is where the indicator table came from, to name the file,
// line and column in errors: lines[i] is the 1-based line of table row i
// (nil for a synthetic table, whose rows are named by number).
type scoreSource struct {
	name  string
	lines []int
}

// wrap names the file, line and column of a value.DataError (the
// library's errors name the customer and indicator but know no lines) and
// the file of any other error.
func (s scoreSource) wrap(err error) error {
	var de *value.DataError
	if !errors.As(err, &de) || de.Index < 0 {
		return fmt.Errorf("%s: %w", s.name, err)
	}
	where := fmt.Sprintf("row %d", de.Index+1)
	if de.Index < len(s.lines) {
		where = fmt.Sprintf("line %d", s.lines[de.Index])
	}
	if de.Indicator != "" {
		where += fmt.Sprintf(", column %q", de.Indicator)
	}
	return fmt.Errorf("%s: %s: %w", s.name, where, err)
}

func scoreFloats(s, flag string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		v, err := parseDecimal(f)
		if err != nil {
			return nil, usagef("%s %q: %v", flag, s, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// scoreReadCSV reads a header line with the customer column and
// indicator columns, then one row per customer. Empty, NA and NaN cells are
// missing (NaN); anything else must be a finite decimal number. Empty and
// duplicate customer IDs are errors naming the line (and the line of the
// first occurrence), as is a header without the customer column or with
// a column twice.
func scoreReadCSV(r io.Reader, name, customerCol string) (value.IndicatorTable, scoreSource, error) {
	src := scoreSource{name: name}
	cr := csv.NewReader(bufio.NewReaderSize(r, 1<<20))
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err == io.EOF {
		return value.IndicatorTable{}, src, fmt.Errorf("%s: empty file", name)
	}
	if err != nil {
		return value.IndicatorTable{}, src, fmt.Errorf("%s: %w", name, err)
	}
	ci := -1
	var ids []string
	var pos []int
	seenCol := map[string]bool{}
	for j, h := range head {
		h = strings.TrimSpace(h)
		if j == 0 {
			h = strings.TrimPrefix(h, "\ufeff")
		}
		if seenCol[h] {
			return value.IndicatorTable{}, src, fmt.Errorf("%s: line 1: column %q appears twice in the header", name, h)
		}
		seenCol[h] = true
		if h == customerCol {
			ci = j
			continue
		}
		ids = append(ids, h)
		pos = append(pos, j)
	}
	if ci < 0 {
		return value.IndicatorTable{}, src, fmt.Errorf("%s: no customer column %q in the header (use -customer)", name, customerCol)
	}
	t := value.IndicatorTable{IDs: ids, Columns: make([][]float64, len(ids))}
	first := map[string]int{} // customer -> line
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return value.IndicatorTable{}, src, fmt.Errorf("%s: %w", name, err)
		}
		line, _ := cr.FieldPos(ci)
		id := strings.TrimSpace(rec[ci])
		if id == "" {
			return value.IndicatorTable{}, src, fmt.Errorf("%s: line %d, column %q: empty customer ID", name, line, customerCol)
		}
		if l, dup := first[id]; dup {
			return value.IndicatorTable{}, src, fmt.Errorf("%s: line %d, column %q: customer %q appears twice (first on line %d)", name, line, customerCol, id, l)
		}
		id = strings.Clone(id)
		first[id] = line
		t.Customers = append(t.Customers, id)
		src.lines = append(src.lines, line)
		for k, j := range pos {
			s := strings.TrimSpace(rec[j])
			v := math.NaN()
			if s != "" && s != "NA" && s != "NaN" && s != "nan" {
				if v, err = parseDecimal(s); err != nil {
					return value.IndicatorTable{}, src, fmt.Errorf("%s: line %d, column %q: customer %q: %w", name, line, ids[k], id, err)
				}
			}
			t.Columns[k] = append(t.Columns[k], v)
		}
	}
	return t, src, nil
}

func scoreWriteCSV(w io.Writer, scores []value.Score) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString("customer,current,potential,total,quadrant,tier\n")
	var b []byte
	for _, s := range scores {
		b = csvout.AppendField(b[:0], s.Customer)
		for _, v := range []float64{s.Current, s.Potential, s.Total} {
			b = append(b, ',')
			b = strconv.AppendFloat(b, v, 'f', 4, 64)
		}
		b = append(b, ',')
		b = append(b, s.Quadrant.String()...)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(s.Tier), 10)
		b = append(b, '\n')
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	return bw.Flush()
}

func scoreExplain(w io.Writer, ex value.Explanation) error {
	fmt.Fprintf(w, "customer %s: current %.2f, potential %.2f, total %.2f, quadrant %s (%s), tier %d",
		ex.Customer, ex.Current, ex.Potential, ex.Total, ex.Quadrant, ex.Quadrant.Strategy(), ex.Tier)
	if ex.Imputed > 0 || ex.Dropped > 0 {
		fmt.Fprintf(w, "; %d imputed, %d dropped", ex.Imputed, ex.Dropped)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "indicator\tdimension\tgroup\traw\tnormalized\tweight\tpoints\tof total\tnote\t")
	for _, c := range ex.Contributions {
		note := ""
		switch {
		case c.Imputed:
			note = "missing: imputed median"
		case c.Dropped:
			note = "missing: dropped"
		}
		raw := strconv.FormatFloat(c.Raw, 'g', 8, 64)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.4f\t%.4f\t%.2f\t%.2f\t%s\t\n", c.ID, c.Dimension, c.Group, raw, c.Normalized, c.Weight, c.Points, c.TotalPoints, note)
	}
	return tw.Flush()
}

func scoreList(w io.Writer, c value.Catalog) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "id\tdimension\tgroup\tdirection\tunit\tweight\tdefinition\tsource")
	for _, ind := range c.Indicators {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%.4g\t%s\t%s\n", ind.ID, ind.Dimension, ind.Group, ind.Direction, ind.Unit, ind.Weight, ind.Definition, ind.Source)
	}
	return tw.Flush()
}
