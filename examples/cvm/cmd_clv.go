package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/examples/internal/input"
	"github.com/cvmkit/cvm/internal/csvout"
	"github.com/cvmkit/cvm/value/clv"
)

const clvExample = `cvm clv -in CDNOW_sample.txt -no-header -customer 1 -time 3 -amount 5 -delim whitespace -order "" -calibration-end 1997-09-30 -holdout-end 1998-06-30 -unit weeks -kind bgnbd -json -save bgnbd.json -out /tmp/clv.csv`

// clvKinds are the models cvm clv fits, by -kind name (the models' Name).
var clvKinds = []string{"bgnbd", "mbgnbd", "pareto", "gammagamma", "bgbb", "sbg"}

// clvCmd is one run of cvm clv: its flags, checked, and what it computed.
type clvCmd struct {
	in, out, save, modelPath string
	kind                     string
	cal                      time.Time
	prep                     clv.PrepareSettings
	fit                      clv.FitSettings
	clvSet                   clv.CLVSettings
	horizon                  float64
	asJSON                   bool

	ds    *clv.Dataset
	pm    clv.PurchaseModel // nil for Gamma-Gamma
	gg    *clv.GammaGamma   // the spend model, when fitted or loaded
	saved json.Marshaler    // the model -save writes
	info  clv.FitInfo
	card  *cvm.ModelCard
	ll    float64   // log-likelihood on the data
	secs  float64   // fit time; 0 for a loaded model
	names []string  // parameter names, in order
	vals  []float64 // parameter values
	table []clv.HoldoutRow
	dist  clvDist // -interval, -pmf, -diagnostics, -plots (cmd_clv_dist.go)
	ext   clvExt  // -kind sbg and bgbb, -covariates, -compare (cmd_clv_ext.go)
}

func runCLV(args []string, stdout, stderr io.Writer) error {
	c, inf, err := parseCLV(args, stderr)
	if c == nil || err != nil {
		return err
	}
	if c.kind == "sbg" {
		return c.ext.runSBG(c, stdout)
	}
	ctx := context.Background()
	txs, err := c.prepare(ctx, inf, stderr)
	if err != nil {
		return err
	}
	c.fit.Source = c.ds
	switch {
	case c.ext.compare:
		return c.ext.runCompare(ctx, c, stdout)
	case c.ext.covPath != "":
		return c.ext.runCov(ctx, c, stdout)
	case c.kind == "bgbb":
		if err := c.ext.discrete(ctx, c, txs); err != nil {
			return err
		}
	}
	if c.modelPath != "" {
		err = c.apply()
	} else {
		err = c.fitModel(ctx)
	}
	if err != nil {
		return err
	}
	if c.pm != nil && c.kind != "bgbb" && c.ds.Regularity != nil {
		c.info.Warnings = append(c.info.Warnings, c.ds.Regularity.Warning()...)
	}
	if c.pm != nil && c.ds.Holdout != nil {
		if c.table, err = clv.HoldoutTable(c.pm, c.ds.Customers, c.ds.Holdout, c.ds.HoldoutLength, 7); err != nil {
			return err
		}
	}
	if err := c.dist.compute(ctx, c, slices.Values(txs)); err != nil {
		return err
	}
	if err := c.print(stdout); err != nil {
		return fmt.Errorf("standard output: %w", err)
	}
	// The files are committed together once everything is written, so
	// that a run that fails replaces neither.
	var outs input.Outputs
	defer outs.Abort()
	if c.out != "" {
		if err := c.writeOut(ctx, &outs, stdout, stderr); err != nil {
			return err
		}
	}
	if c.save != "" {
		err := outs.Write(c.save, stdout, func(w io.Writer) error {
			b, err := json.MarshalIndent(c.saved, "", "  ")
			if err != nil {
				return err
			}
			_, err = w.Write(append(b, '\n'))
			return err
		})
		if err != nil {
			return err
		}
	}
	return outs.Commit()
}

// prepare reads the input and prepares the model input (c.ds). It returns
// the transactions when a later step needs them again (-kind bgbb,
// -diagnostics and -plots); otherwise they stream through clv.Prepare and
// are never all held (on the README's 10M-row file, 0.9 GB in place of
// 4.2 GB, and less than half the time). Either way the transactions after
// the as-of of the data report are left out (see input.Flags.ReadAll):
// when some lie after it but within the calibration or holdout period, the
// stream counted them, and the file is read again and held (input.Stream).
func (c *clvCmd) prepare(ctx context.Context, inf *input.Flags, stderr io.Writer) ([]cvm.Transaction, error) {
	end := c.cal
	if !c.prep.HoldoutEnd.IsZero() {
		end = c.prep.HoldoutEnd
	}
	if loc := c.prep.Location; loc != nil {
		end = end.In(loc)
	}
	set := input.StreamSettings{
		Until: cvm.EndOfDay(end), // clv.Prepare ignores what follows
		Hold:  c.kind == "bgbb" || c.dist.diag || c.dist.plotsDir != "",
	}
	ds, txs, err := input.Stream(ctx, inf, c.in, &set, stderr, func(ctx context.Context, txs iter.Seq[cvm.Transaction]) (*clv.Dataset, error) {
		return clv.Prepare(ctx, txs, c.cal, &c.prep)
	})
	if err != nil {
		return nil, err
	}
	c.ds = ds
	return txs, nil
}

// parseCLV parses and checks the flags; a nil command with a nil error
// means -h was asked for.
func parseCLV(args []string, stderr io.Writer) (*clvCmd, *input.Flags, error) {
	fs := newFlagSet("clv", "-in FILE -calibration-end DATE [-holdout-end DATE] [-unit weeks|days] [-kind bgnbd|mbgnbd|pareto|gammagamma|bgbb | -model FILE | -compare] [-covariates FILE] | -kind sbg (or -model sbg) -survivors FILE [-fit-periods N] [-save FILE] [-json] [-out FILE] [input flags]",
		clvExample, stderr)
	c := &clvCmd{}
	fs.StringVar(&c.in, "in", "", "transactions CSV file; - for standard input")
	calEnd := fs.String("calibration-end", "", "last day of the calibration period, inclusive (2006-01-02 or 20060102); required")
	holdEnd := fs.String("holdout-end", "", "last day of the holdout period, inclusive; prints the calibration/holdout table")
	unitFlag := fs.String("unit", "weeks", "time unit: weeks or days")
	fs.StringVar(&c.kind, "kind", "", "model to fit: bgnbd, mbgnbd, pareto, gammagamma, bgbb (discrete periods, see -period-days) or sbg (survivor counts, see -survivors) (default bgnbd)")
	fs.StringVar(&c.modelPath, "model", "", "apply this saved model file (from -save) instead of fitting one")
	fs.StringVar(&c.save, "save", "", "write the fitted model, with its model card, as JSON to this file")
	penalizer := fs.Float64("penalizer", 0, "L2 penalty coefficient on the parameters (as lifetimes' penalizer_coef)")
	fs.Float64Var(&c.horizon, "horizon", 0, "forecast horizon for expected purchases in -out, in -unit; 0 means the holdout length, else 52 weeks / 365 days")
	months := fs.Int("months", 12, "CLV horizon in months of 30 days")
	annual := fs.Float64("annual-discount", clv.DefaultAnnualDiscount, "annual discount rate for CLV, applied monthly as (1+d)^(1/12)-1; 0 means no discounting")
	fs.BoolVar(&c.asJSON, "json", false, "print one JSON object with the parameters, log_likelihood, the model card and fit_seconds")
	fs.StringVar(&c.out, "out", "", "write per-customer predictions as CSV to this file (- for standard output): customer, frequency, recency, T, mean_spend,\np_alive, expected_purchases (over -horizon), expected_spend and clv (Gamma-Gamma fitted alongside), holdout_purchases, holdout_spend")
	c.dist.flags(fs)
	c.ext.flags(fs)
	inf := addInputFlags(fs)
	if done, err := parseFlags(fs, args); done {
		return nil, nil, err
	}
	// -model sbg -survivors FILE is the sBG fit, as -kind sbg: survivor
	// counts never come with a saved model file, so the name cannot be
	// mistaken for one.
	if c.modelPath == "sbg" && c.ext.survivors != "" && c.kind == "" {
		c.kind, c.modelPath = "sbg", ""
	}
	if c.kind == "sbg" {
		if err := c.ext.checkSBG(c, fs); err != nil {
			return nil, nil, err
		}
		return c, nil, nil
	}
	if c.in == "" {
		return nil, nil, usagef("-in is required")
	}
	if *calEnd == "" {
		return nil, nil, usagef("-calibration-end is required")
	}
	var err error
	if c.cal, err = clvParseDate(*calEnd); err != nil {
		return nil, nil, usagef("-calibration-end %q: %v", *calEnd, err)
	}
	switch *unitFlag {
	case "weeks":
		c.prep.Unit = clv.Weeks
	case "days":
		c.prep.Unit = clv.Days
	default:
		return nil, nil, usagef("-unit %q: want weeks or days", *unitFlag)
	}
	if *holdEnd != "" {
		h, err := clvParseDate(*holdEnd)
		if err != nil {
			return nil, nil, usagef("-holdout-end %q: %v", *holdEnd, err)
		}
		if h.Before(c.cal) {
			return nil, nil, usagef("-holdout-end %s is before -calibration-end %s", *holdEnd, *calEnd)
		}
		c.prep.HoldoutEnd = h
	}
	switch {
	case c.kind != "" && c.modelPath != "":
		return nil, nil, usagef("-kind %s and -model %s: the model file says its kind; give one of them", c.kind, c.modelPath)
	case c.kind == "":
		c.kind = "bgnbd"
	case !slices.Contains(clvKinds, c.kind):
		return nil, nil, usagef("-kind %q: want bgnbd, mbgnbd, pareto, gammagamma, bgbb or sbg", c.kind)
	}
	if *penalizer < 0 {
		return nil, nil, usagef("-penalizer %v: must be non-negative", *penalizer)
	}
	if *months <= 0 {
		return nil, nil, usagef("-months %d: must be positive", *months)
	}
	if c.horizon < 0 {
		return nil, nil, usagef("-horizon %v: must be non-negative", c.horizon)
	}
	if !(*annual > -1) {
		return nil, nil, usagef("-annual-discount %v: must be greater than -1", *annual)
	}
	c.fit.Penalizer = *penalizer
	c.clvSet = clv.CLVSettings{Unit: c.prep.Unit, Months: *months, AnnualDiscount: *annual, NoDiscount: *annual == 0}
	if err := c.dist.check(c, fs); err != nil {
		return nil, nil, err
	}
	if err := c.ext.check(c, fs); err != nil {
		return nil, nil, err
	}
	return c, inf, nil
}

// fitModel fits the model of -kind.
func (c *clvCmd) fitModel(ctx context.Context) error {
	cs := c.ds.Customers
	start := time.Now()
	switch c.kind {
	case "bgnbd", "mbgnbd":
		fit := clv.FitBGNBD
		if c.kind == "mbgnbd" {
			fit = clv.FitMBGNBD
		}
		m, err := fit(ctx, cs, &c.fit)
		if err != nil {
			return err
		}
		c.usePurchase(m, m.Info, m.Card, []string{"r", "alpha", "a", "b"}, []float64{m.R, m.Alpha, m.A, m.B})
	case "pareto":
		m, err := clv.FitParetoNBD(ctx, cs, &c.fit)
		if err != nil {
			return err
		}
		c.usePurchase(m, m.Info, m.Card, []string{"r", "alpha", "s", "beta"}, []float64{m.R, m.Alpha, m.S, m.Beta})
	case "gammagamma":
		m, err := clv.FitGammaGamma(ctx, cs, &c.fit)
		if err != nil {
			return err
		}
		c.useSpend(m)
	case "bgbb":
		m, err := clv.FitBGBB(ctx, cs, &c.fit)
		if err != nil {
			return err
		}
		c.usePurchase(m, m.Info, m.Card, []string{"alpha", "beta", "gamma", "delta"}, []float64{m.Alpha, m.Beta, m.Gamma, m.Delta})
	}
	c.secs = time.Since(start).Seconds()
	c.ll = c.info.LogLikelihood
	return nil
}

func (c *clvCmd) usePurchase(m clv.PurchaseModel, info clv.FitInfo, card *cvm.ModelCard, names []string, vals []float64) {
	c.pm, c.saved, c.info, c.card, c.names, c.vals = m, m.(json.Marshaler), info, card, names, vals
	c.kind = m.Name()
}

func (c *clvCmd) useSpend(m *clv.GammaGamma) {
	c.gg, c.saved, c.info, c.card = m, m, m.Info, m.Card
	c.names, c.vals = []string{"p", "q", "gamma"}, []float64{m.P, m.Q, m.Gamma}
	c.kind = m.Name()
}

// apply loads the -model file, of any clv format, and evaluates it on the
// data: its log-likelihood there replaces the fitted one.
func (c *clvCmd) apply() error {
	data, err := os.ReadFile(c.modelPath)
	if err != nil {
		if slices.Contains(clvKinds, c.modelPath) && errors.Is(err, os.ErrNotExist) {
			return usagef("-model %s: no such file; -model loads a saved model, -kind %s fits one", c.modelPath, c.modelPath)
		}
		return err
	}
	var head struct {
		Format string `json:"format"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return fmt.Errorf("%s: %w", c.modelPath, err)
	}
	var ll float64
	switch head.Format {
	case clv.BGNBDFormat, clv.MBGNBDFormat:
		var m clv.BGNBD
		if err = json.Unmarshal(data, &m); err == nil {
			c.usePurchase(&m, m.Info, m.Card, []string{"r", "alpha", "a", "b"}, []float64{m.R, m.Alpha, m.A, m.B})
		}
	case clv.ParetoNBDFormat:
		var m clv.ParetoNBD
		if err = json.Unmarshal(data, &m); err == nil {
			c.usePurchase(&m, m.Info, m.Card, []string{"r", "alpha", "s", "beta"}, []float64{m.R, m.Alpha, m.S, m.Beta})
		}
	case clv.GammaGammaFormat:
		var m clv.GammaGamma
		if err = json.Unmarshal(data, &m); err == nil {
			c.useSpend(&m)
		}
	case clv.BGBBFormat:
		return usagef("-model %s: a BG/BB model; refit it with -kind bgbb (its customers are discrete periods)", c.modelPath)
	default:
		err = fmt.Errorf("format %q is not a model cvm clv applies (want %s, %s, %s or %s)",
			head.Format, clv.BGNBDFormat, clv.MBGNBDFormat, clv.ParetoNBDFormat, clv.GammaGammaFormat)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", c.modelPath, err)
	}
	if u := c.prep.Unit.String(); c.card != nil && c.card.TimeUnit != "" && c.card.TimeUnit != u {
		return usagef("%s: the model was fitted in %s, not -unit %s", c.modelPath, c.card.TimeUnit, u)
	}
	if c.pm != nil {
		ll, err = c.pm.LogLikelihood(c.ds.Customers)
	} else {
		ll, err = c.gg.LogLikelihood(c.ds.Customers)
	}
	if err != nil {
		return fmt.Errorf("%s on %s: %w", c.modelPath, c.in, err)
	}
	c.ll = ll
	return nil
}

// print writes the parameters, the fit and the holdout table, as text or
// as one JSON object.
func (c *clvCmd) print(stdout io.Writer) error {
	unit := c.prep.Unit.String()
	if c.asJSON {
		res := map[string]any{"kind": c.kind, "unit": unit, "customers": len(c.ds.Customers),
			"log_likelihood": c.ll, "fit_customers": c.info.Customers, "card": c.card}
		se := map[string]float64{}
		for i, n := range c.names {
			res[n] = c.vals[i]
			if c.info.StdErr != nil {
				se[n] = c.info.StdErr[i]
			}
		}
		res["std_err"] = se
		if c.modelPath != "" {
			res["model_file"] = c.modelPath
		} else {
			res["aic"], res["bic"] = c.info.AIC, c.info.BIC
			res["iterations"] = c.info.Iterations
			res["fit_seconds"] = c.secs
		}
		if c.gg != nil {
			res["correlation"] = c.gg.Correlation
		}
		if len(c.info.Warnings) > 0 {
			res["warnings"] = c.info.Warnings
		}
		if c.table != nil {
			res["holdout"] = c.table
		}
		c.dist.addJSON(res)
		return json.NewEncoder(stdout).Encode(res)
	}
	bw := bufio.NewWriter(stdout)
	if c.modelPath != "" {
		fmt.Fprintf(bw, "model %s from %s, %d customers, unit %s\n", c.kind, c.modelPath, len(c.ds.Customers), unit)
	} else {
		fmt.Fprintf(bw, "model %s, %d customers (%g used), unit %s\n", c.kind, len(c.ds.Customers), c.info.Customers, unit)
	}
	for i, n := range c.names {
		if c.info.StdErr != nil {
			fmt.Fprintf(bw, "  %-6s %10.4f  (se %.4f)\n", n, c.vals[i], c.info.StdErr[i])
		} else {
			fmt.Fprintf(bw, "  %-6s %10.4f\n", n, c.vals[i])
		}
	}
	if c.modelPath != "" {
		fmt.Fprintf(bw, "log-likelihood on %s %.4f\n", c.in, c.ll)
	} else {
		fmt.Fprintf(bw, "log-likelihood %.4f  AIC %.2f  BIC %.2f  iterations %d  fit %.3fs\n",
			c.ll, c.info.AIC, c.info.BIC, c.info.Iterations, c.secs)
	}
	if c.gg != nil && (c.gg.Correlation > 0.3 || c.gg.Correlation < -0.3) {
		fmt.Fprintf(bw, "warning: frequency/spend correlation %.3f; Gamma-Gamma assumes independence\n", c.gg.Correlation)
	}
	if c.gg == nil {
		printWarnings(bw, c.info.Warnings)
	}
	if c.table != nil {
		fmt.Fprintf(bw, "\nholdout %.2f %s: mean purchases by calibration frequency\n  x   customers   actual  predicted\n", c.ds.HoldoutLength, unit)
		for _, r := range c.table {
			lab := strconv.Itoa(r.Frequency)
			if r.Frequency == 7 {
				lab += "+"
			}
			fmt.Fprintf(bw, "  %-3s %9d %8.3f %10.3f\n", lab, r.Customers, r.Actual, r.Predicted)
		}
	}
	c.dist.text(bw, c)
	return bw.Flush()
}

// writeOut writes the per-customer predictions CSV. For a purchase model
// it also fits Gamma-Gamma for the spend and CLV columns, leaving them out
// (with a note) when that fit fails.
func (c *clvCmd) writeOut(ctx context.Context, outs *input.Outputs, stdout, stderr io.Writer) error {
	h := c.horizon
	if h == 0 {
		switch {
		case c.ds.HoldoutLength > 0:
			h = c.ds.HoldoutLength
		case c.prep.Unit == clv.Weeks:
			h = 52
		default:
			h = 365
		}
	}
	ds, pm, gg := c.ds, c.pm, c.gg
	var alive, exp, spend, value []float64
	var err error
	if pm != nil {
		if alive, err = clv.PredictAlive(nil, pm, ds.Customers); err != nil {
			return err
		}
		if exp, err = clv.PredictPurchases(nil, pm, h, ds.Customers); err != nil {
			return err
		}
		if gg == nil {
			gg, err = clv.FitGammaGamma(ctx, ds.Customers, &c.fit)
			if err != nil {
				fmt.Fprintf(stderr, "no spend or CLV columns: Gamma-Gamma fit: %v\n", err)
			}
		}
	}
	if gg != nil {
		if spend, err = clv.PredictSpend(nil, gg, ds.Customers); err != nil {
			if !errors.Is(err, clv.ErrInvalidParam) || pm == nil {
				return err
			}
			fmt.Fprintf(stderr, "no spend or CLV columns: %v\n", err)
			spend = nil
		}
	}
	if pm != nil && spend != nil {
		if value, err = clv.CLV(nil, pm, spend, ds.Customers, &c.clvSet); err != nil {
			return err
		}
	}
	names, cols, err := c.dist.columns(ctx, c, spend, value)
	if err != nil {
		return err
	}
	return outs.Write(c.out, stdout, func(w io.Writer) error {
		head := []byte("customer,frequency,recency,T,mean_spend")
		if pm != nil {
			head = append(head, ",p_alive,expected_purchases"...)
		}
		if spend != nil {
			head = append(head, ",expected_spend"...)
		}
		if value != nil {
			head = append(head, ",clv"...)
		}
		for _, n := range names {
			head = append(head, ","+n...)
		}
		if ds.Holdout != nil {
			head = append(head, ",holdout_purchases,holdout_spend"...)
		}
		if _, err := w.Write(append(head, '\n')); err != nil {
			return err
		}
		// Each number as strconv.FormatFloat(v, 'g', 10, 64); the rows
		// are formatted on every core (writeFormatted).
		f := func(b []byte, v float64) []byte { return strconv.AppendFloat(append(b, ','), v, 'g', 10, 64) }
		return writeFormatted(w, len(ds.Customers), func(b []byte, i int) []byte {
			cu := &ds.Customers[i]
			b = csvout.AppendField(b, cu.ID)
			b = f(f(f(f(b, cu.Frequency), cu.Recency), cu.T), cu.MeanSpend)
			if pm != nil {
				b = f(f(b, alive[i]), exp[i])
			}
			if spend != nil {
				b = f(b, spend[i])
			}
			if value != nil {
				b = f(b, value[i])
			}
			for _, col := range cols {
				b = f(b, col[i])
			}
			if ds.Holdout != nil {
				b = strconv.AppendInt(append(b, ','), int64(ds.Holdout[i].Purchases), 10)
				b = f(b, ds.Holdout[i].Spend)
			}
			return append(b, '\n')
		})
	})
}

// clvParseDate parses a calendar day as 2006-01-02 or 20060102, in UTC.
func clvParseDate(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02", "20060102"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("want a date as 2006-01-02 or 20060102")
}
