package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/examples/internal/input"
	"github.com/cvmkit/cvm/value/clv"
)

// clvExt holds cvm clv's flags for the sBG survivor fit (-kind sbg
// -survivors -fit-periods), BG/BB (-kind bgbb -period-days), covariates
// (-covariates) and model comparison (-compare).
type clvExt struct {
	survivors  string
	fitPeriods int
	periodDays int
	covPath    string
	compare    bool
}

func (e *clvExt) flags(fs *flag.FlagSet) {
	fs.StringVar(&e.survivors, "survivors", "", "with -kind sbg: a CSV period,alive of one cohort's survivor counts (period 0, 1, ...; header optional; - for standard input);\nprints alpha, beta, ll and projected survivors for every period of the file")
	fs.IntVar(&e.fitPeriods, "fit-periods", 0, "with -kind sbg: fit on periods 0..N and project the rest; 0 means every period of the file")
	fs.IntVar(&e.periodDays, "period-days", 7, "with -kind bgbb: length in days of one transaction opportunity, counted from each customer's first purchase")
	fs.StringVar(&e.covPath, "covariates", "", "with -kind bgnbd or pareto: a CSV customer,<numeric columns...> of time-invariant covariates (- for standard input);\nfits the model with them (CLVTools' parameterisation) and tests it against the plain model")
	fs.BoolVar(&e.compare, "compare", false, "fit BG/NBD, MBG/NBD and Pareto/NBD (with -covariates also their covariate versions), score each on the holdout\nand by the period-transactions chi-square, print LL, AIC, BIC and holdout error side by side and recommend one")
}

// isSet reports whether the flag name was given.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// checkSBG checks the flags of -kind sbg, which reads survivor counts
// instead of transactions.
func (e *clvExt) checkSBG(c *clvCmd, fs *flag.FlagSet) error {
	switch {
	case e.survivors == "":
		return usagef("-kind sbg needs -survivors FILE (a CSV period,alive)")
	case c.in != "" || c.modelPath != "" || c.out != "" || e.compare || e.covPath != "":
		return usagef("-kind sbg reads -survivors only: -in, -model, -out, -compare and -covariates do not apply")
	case e.fitPeriods < 0:
		return usagef("-fit-periods %d: must be non-negative", e.fitPeriods)
	}
	return nil
}

// check validates the flags for the other kinds once parsed.
func (e *clvExt) check(c *clvCmd, fs *flag.FlagSet) error {
	switch {
	case e.survivors != "" || isSet(fs, "fit-periods"):
		return usagef("-survivors and -fit-periods belong to -kind sbg")
	case isSet(fs, "period-days") && c.kind != "bgbb":
		return usagef("-period-days belongs to -kind bgbb")
	case e.periodDays < 1:
		return usagef("-period-days %d: must be at least 1", e.periodDays)
	case c.kind == "bgbb" && c.dist.level != 0:
		return usagef("-interval is not available for -kind bgbb")
	case e.compare && (isSet(fs, "kind") || c.modelPath != "" || c.out != "" || c.save != ""):
		return usagef("-compare fits every model itself: -kind, -model, -out and -save do not apply")
	case e.covPath != "" && !e.compare && c.kind != "bgnbd" && c.kind != "pareto":
		return usagef("-covariates needs -kind bgnbd or pareto (or -compare), not %s", c.kind)
	case e.covPath != "" && (c.modelPath != "" || c.out != "" || c.dist.level != 0):
		return usagef("-covariates prints the covariate fit and its test (and -save writes it); -model, -out and -interval do not apply")
	}
	return nil
}

// readSurvivors reads a CSV period,alive with periods 0, 1, 2, ... in
// order; "-" is standard input.
func readSurvivors(path string) ([]float64, error) {
	f, closeFile, err := input.OpenFile(path)
	if err != nil {
		return nil, err
	}
	defer closeFile()
	r := csv.NewReader(f)
	r.FieldsPerRecord = 2
	var alive []float64
	for line := 1; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		p, err1 := strconv.Atoi(strings.TrimSpace(rec[0]))
		v, err2 := strconv.ParseFloat(strings.TrimSpace(rec[1]), 64)
		if line == 1 && (err1 != nil || err2 != nil) {
			continue // a header
		}
		switch {
		case err1 != nil:
			return nil, fmt.Errorf("%s:%d: column period: %q is not a whole number", path, line, rec[0])
		case err2 != nil:
			return nil, fmt.Errorf("%s:%d: column alive: %q is not a number", path, line, rec[1])
		case p != len(alive):
			return nil, fmt.Errorf("%s:%d: period %d, want %d (periods 0, 1, 2, ... in order)", path, line, p, len(alive))
		}
		alive = append(alive, v)
	}
	if len(alive) < 2 {
		return nil, fmt.Errorf("%s: %d periods; want at least 2 (period 0 and one more)", path, len(alive))
	}
	return alive, nil
}

// runSBG fits the sBG model to the -survivors file and prints it.
func (e *clvExt) runSBG(c *clvCmd, stdout io.Writer) error {
	alive, err := readSurvivors(e.survivors)
	if err != nil {
		return err
	}
	n := len(alive) - 1
	if e.fitPeriods > 0 {
		if e.fitPeriods > n {
			return usagef("-fit-periods %d: %s has periods 0..%d", e.fitPeriods, e.survivors, n)
		}
		n = e.fitPeriods
	}
	m, err := clv.FitSBG(context.Background(), alive[:n+1], &c.fit)
	if err != nil {
		return fmt.Errorf("%s: %w", e.survivors, err)
	}
	surv, err := m.Survival(nil, len(alive))
	if err != nil {
		return err
	}
	ret, err := m.Retention(nil, len(alive)-1)
	if err != nil {
		return err
	}
	proj := make([]float64, len(surv))
	for i, s := range surv {
		proj[i] = alive[0] * s
	}
	if c.asJSON {
		res := map[string]any{"kind": "sbg", "alpha": m.Alpha, "beta": m.Beta, "ll": m.Info.LogLikelihood,
			"aic": m.Info.AIC, "bic": m.Info.BIC, "fit_periods": n, "alive": alive, "projected": proj,
			"survival": surv, "retention": ret, "card": m.Card}
		if se := m.Info.StdErr; se != nil {
			res["std_err"] = map[string]float64{"alpha": se[0], "beta": se[1]}
		}
		if err := json.NewEncoder(stdout).Encode(res); err != nil {
			return err
		}
	} else {
		bw := bufio.NewWriter(stdout)
		fmt.Fprintf(bw, "model sbg, fitted on periods 0..%d of %s (cohort of %g)\n", n, e.survivors, alive[0])
		for i, name := range []string{"alpha", "beta"} {
			v := []float64{m.Alpha, m.Beta}[i]
			if se := m.Info.StdErr; se != nil {
				fmt.Fprintf(bw, "  %-6s %10.4f  (se %.4f)\n", name, v, se[i])
			} else {
				fmt.Fprintf(bw, "  %-6s %10.4f\n", name, v)
			}
		}
		fmt.Fprintf(bw, "log-likelihood %.4f  AIC %.2f  BIC %.2f\n\n", m.Info.LogLikelihood, m.Info.AIC, m.Info.BIC)
		tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "period\talive\tprojected\tretention\t")
		for t := range alive {
			mark := ""
			if t > n {
				mark = " *"
			}
			r := ""
			if t > 0 {
				r = fmt.Sprintf("%.4f", ret[t-1])
			}
			fmt.Fprintf(tw, "%d\t%g\t%.1f%s\t%s\t\n", t, alive[t], proj[t], mark, r)
		}
		tw.Flush()
		if n < len(alive)-1 {
			fmt.Fprintln(bw, "* projected beyond the fit periods")
		}
		if err := bw.Flush(); err != nil {
			return err
		}
	}
	return saveModel(c.save, stdout, m)
}

// discrete replaces the Dataset's customers by BG/BB's discrete-period
// customers of the same IDs; the holdout table is not computed for them.
func (e *clvExt) discrete(ctx context.Context, c *clvCmd, txs []cvm.Transaction) error {
	cs, err := clv.PrepareDiscrete(ctx, slices.Values(txs), c.cal, &clv.DiscreteSettings{PeriodDays: e.periodDays, Location: c.prep.Location})
	if err != nil {
		return fmt.Errorf("%s: %w", c.in, err)
	}
	ds := *c.ds
	ds.Customers, ds.Holdout, ds.HoldoutLength = cs, nil, 0
	c.ds = &ds
	c.fit.Source = c.ds
	return nil
}

// readCovariates reads a CSV customer,<numeric columns> and returns the
// covariates of the customers cs, in their order; a customer without a
// row is an error naming it. "-" is standard input.
func readCovariates(path string, cs []clv.Customer) (clv.Covariates, error) {
	var z clv.Covariates
	f, closeFile, err := input.OpenFile(path)
	if err != nil {
		return z, err
	}
	defer closeFile()
	r := csv.NewReader(f)
	head, err := r.Read()
	if err != nil {
		return z, fmt.Errorf("%s: header: %w", path, err)
	}
	if len(head) < 2 {
		line, _ := r.FieldPos(0)
		return z, fmt.Errorf("%s:%d: want a customer column and at least one covariate column", path, line)
	}
	z.Names = head[1:]
	rows := map[string][]float64{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return z, fmt.Errorf("%s: %w", path, err)
		}
		line, _ := r.FieldPos(0) // where the record begins: blank lines and quoted line ends count
		if _, dup := rows[rec[0]]; dup {
			return z, fmt.Errorf("%s:%d: customer %q appears twice", path, line, rec[0])
		}
		v := make([]float64, len(z.Names))
		for j := range v {
			x, err := strconv.ParseFloat(strings.TrimSpace(rec[j+1]), 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				return z, fmt.Errorf("%s:%d: column %s: %q is not a finite number", path, line, z.Names[j], rec[j+1])
			}
			v[j] = x
		}
		rows[rec[0]] = v
	}
	z.Values = make([][]float64, len(cs))
	for i, c := range cs {
		v, ok := rows[c.ID]
		if !ok {
			return z, fmt.Errorf("%s: customer %q has no row", path, c.ID)
		}
		z.Values[i] = v
	}
	return z, nil
}

// runCov fits the -kind model with the -covariates and prints it.
func (e *clvExt) runCov(ctx context.Context, c *clvCmd, stdout io.Writer) error {
	z, err := readCovariates(e.covPath, c.ds.Customers)
	if err != nil {
		return err
	}
	var base, plain []float64
	var names []string
	var fit clv.CovariateFit
	var plainInfo clv.FitInfo
	var saved json.Marshaler
	switch c.kind {
	case "bgnbd":
		m, err := clv.FitBGNBDCovariates(ctx, c.ds.Customers, z, &c.fit)
		if err != nil {
			return err
		}
		saved = m
		names, fit, plainInfo = []string{"r", "alpha", "a", "b"}, m.CovariateFit, m.Plain.Info
		base, plain = []float64{m.Base.R, m.Base.Alpha, m.Base.A, m.Base.B}, []float64{m.Plain.R, m.Plain.Alpha, m.Plain.A, m.Plain.B}
	case "pareto":
		m, err := clv.FitParetoNBDCovariates(ctx, c.ds.Customers, z, &c.fit)
		if err != nil {
			return err
		}
		saved = m
		names, fit, plainInfo = []string{"r", "alpha", "s", "beta"}, m.CovariateFit, m.Plain.Info
		base, plain = []float64{m.Base.R, m.Base.Alpha, m.Base.S, m.Base.Beta}, []float64{m.Plain.R, m.Plain.Alpha, m.Plain.S, m.Plain.Beta}
	}
	all := slices.Concat(names, prefixed("trans.", fit.Names), prefixed("life.", fit.Names))
	vals := slices.Concat(base, fit.Trans, fit.Life)
	if c.asJSON {
		res := map[string]any{"kind": c.kind + "+cov", "covariates": fit.Names, "customers": len(c.ds.Customers),
			"log_likelihood": fit.Info.LogLikelihood, "aic": fit.Info.AIC, "bic": fit.Info.BIC,
			"plain_log_likelihood": plainInfo.LogLikelihood, "lr_test": fit.LR, "warnings": fit.Info.Warnings}
		se := map[string]float64{}
		for i, n := range all {
			res[n] = vals[i]
			if fit.Info.StdErr != nil {
				se[n] = fit.Info.StdErr[i]
			}
		}
		res["std_err"] = se
		if err := json.NewEncoder(stdout).Encode(res); err != nil {
			return err
		}
		return saveModel(c.save, stdout, saved)
	}
	bw := bufio.NewWriter(stdout)
	fmt.Fprintf(bw, "model %s with covariates %s, %d customers, unit %s\n", c.kind, strings.Join(fit.Names, ", "), len(c.ds.Customers), c.prep.Unit)
	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "parameter\testimate\tse\tz\twithout covariates\t")
	for i, n := range all {
		se, zs := "", ""
		if fit.Info.StdErr != nil {
			se = fmt.Sprintf("%.4f", fit.Info.StdErr[i])
			if i >= len(names) {
				zs = fmt.Sprintf("%.2f", vals[i]/fit.Info.StdErr[i])
			}
		}
		pl := ""
		if i < len(plain) {
			pl = fmt.Sprintf("%.4f", plain[i])
		}
		fmt.Fprintf(tw, "%s\t%.4f\t%s\t%s\t%s\t\n", n, vals[i], se, zs, pl)
	}
	tw.Flush()
	fmt.Fprintf(bw, "log-likelihood %.4f (without covariates %.4f)  AIC %.2f  BIC %.2f\n", fit.Info.LogLikelihood, plainInfo.LogLikelihood, fit.Info.AIC, fit.Info.BIC)
	fmt.Fprintf(bw, "likelihood-ratio test against the model without covariates: chi2 %.3f on %d df, p = %.4g\n", fit.LR.Statistic, fit.LR.DF, fit.LR.PValue)
	printWarnings(bw, fit.Info.Warnings)
	if err := bw.Flush(); err != nil {
		return err
	}
	return saveModel(c.save, stdout, saved)
}

// saveModel writes m as indented JSON to path (nothing for an empty
// path), whole or not at all.
func saveModel(path string, stdout io.Writer, m json.Marshaler) error {
	if path == "" {
		return nil
	}
	var outs input.Outputs
	defer outs.Abort()
	if err := outs.Write(path, stdout, func(w io.Writer) error {
		b, err := json.MarshalIndent(m, "", "  ")
		if err != nil {
			return err
		}
		_, err = w.Write(append(b, '\n'))
		return err
	}); err != nil {
		return err
	}
	return outs.Commit()
}

func prefixed(p string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = p + n
	}
	return out
}

func printWarnings(w io.Writer, ws []clv.Warning) {
	for _, x := range ws {
		fmt.Fprintf(w, "warning (%s): %s\n", x.Check, x.Message)
	}
}

// runCompare fits and compares every applicable model. The regularity
// check is the Dataset's, computed by clv.Prepare in its pass.
func (e *clvExt) runCompare(ctx context.Context, c *clvCmd, stdout io.Writer) error {
	set := &clv.CompareSettings{Fit: c.fit}
	if e.covPath != "" {
		z, err := readCovariates(e.covPath, c.ds.Customers)
		if err != nil {
			return err
		}
		set.Covariates = &z
	}
	cmp, err := clv.Compare(ctx, c.ds, set)
	if err != nil {
		return err
	}
	if c.asJSON {
		return json.NewEncoder(stdout).Encode(cmp)
	}
	bw := bufio.NewWriter(stdout)
	fmt.Fprintf(bw, "model comparison, %d customers, unit %s", len(c.ds.Customers), c.prep.Unit)
	if cmp.Holdout {
		fmt.Fprintf(bw, ", holdout %.2f %s", c.ds.HoldoutLength, c.prep.Unit)
	}
	fmt.Fprintln(bw)
	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "model\tk\tLL\tAIC\tBIC\tholdout MAE\tholdout bias\tchi2 (0..7+)\tp\t")
	for _, m := range cmp.Models {
		if m.Error != "" {
			fmt.Fprintf(tw, "%s\t%d\tfailed: %s\t\t\t\t\t\t\t\n", m.Name, m.Params, m.Error)
			continue
		}
		chi, p := "", ""
		if m.ChiSquare > 0 {
			chi, p = fmt.Sprintf("%.2f", m.ChiSquare), fmt.Sprintf("%.3g", m.ChiSquareP)
		}
		mae, bias := "", ""
		if cmp.Holdout {
			mae, bias = fmt.Sprintf("%.4f", m.HoldoutMAE), fmt.Sprintf("%+.4f", m.HoldoutBias)
		}
		fmt.Fprintf(tw, "%s\t%d\t%.2f\t%.2f\t%.2f\t%s\t%s\t%s\t%s\t\n", m.Name, m.Params, m.LogLikelihood, m.AIC, m.BIC, mae, bias, chi, p)
	}
	tw.Flush()
	for _, t := range cmp.Tests {
		fmt.Fprintf(bw, "LR test %s vs %s: chi2 %.3f on %d df, p = %.4g\n", t.Full, t.Restricted, t.Statistic, t.DF, t.PValue)
	}
	fmt.Fprintln(bw, "(BG/NBD, MBG/NBD and Pareto/NBD are not nested: no LR test between them)")
	printWarnings(bw, cmp.Warnings)
	fmt.Fprintf(bw, "recommended: %s (%s)\n", cmp.Recommend, cmp.Reason)
	return bw.Flush()
}
