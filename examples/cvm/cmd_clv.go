package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/cvmkit/cvm/examples/internal/csvout"
	"github.com/cvmkit/cvm/examples/internal/input"
	"github.com/cvmkit/cvm/value/clv"
)

const clvExample = `cvm clv -in CDNOW_sample.txt -no-header -customer 1 -time 3 -amount 5 -delim whitespace -order "" -calibration-end 1997-09-30 -holdout-end 1998-06-30 -unit weeks -kind bgnbd -json -save bgnbd.json -out /tmp/clv.csv`

func runCLV(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("clv", "-in FILE -calibration-end DATE [-holdout-end DATE] [-unit weeks|days] [-kind bgnbd|mbgnbd|pareto|gammagamma] [-json] [-save FILE] [-out FILE] [input flags]",
		clvExample, stderr)
	in := fs.String("in", "", "transactions CSV file; - for standard input")
	calEnd := fs.String("calibration-end", "", "last day of the calibration period, inclusive (2006-01-02 or 20060102); required")
	holdEnd := fs.String("holdout-end", "", "last day of the holdout period, inclusive; prints the calibration/holdout table")
	unitFlag := fs.String("unit", "weeks", "time unit: weeks or days")
	model := fs.String("kind", "bgnbd", "model to fit: bgnbd, mbgnbd, pareto or gammagamma")
	save := fs.String("save", "", "write the fitted model as JSON to this file")
	penalizer := fs.Float64("penalizer", 0, "L2 penalty coefficient on the parameters (as lifetimes' penalizer_coef)")
	horizon := fs.Float64("horizon", 0, "forecast horizon for expected purchases in -out, in -unit; 0 means the holdout length, else 52 weeks / 365 days")
	months := fs.Int("months", 12, "CLV horizon in months of 30 days")
	discount := fs.Float64("discount", 0.01, "monthly discount rate for CLV (use -annual-discount for a yearly rate)")
	annual := fs.Float64("annual-discount", -1, "annual discount rate for CLV, converted to monthly as (1+d)^(1/12)-1; overrides -discount when >= 0")
	asJSON := fs.Bool("json", false, "print one JSON object with the fitted parameters, log_likelihood and fit_seconds")
	out := fs.String("out", "", "write per-customer predictions as CSV to this file (- for standard output): customer, frequency, recency, T, mean_spend,\np_alive, expected_purchases (over -horizon), expected_spend and clv (Gamma-Gamma fitted alongside), holdout_purchases, holdout_spend")
	inf := addInputFlags(fs)
	if done, err := parseFlags(fs, args); done {
		return err
	}
	if *in == "" {
		return usagef("-in is required")
	}
	if *calEnd == "" {
		return usagef("-calibration-end is required")
	}
	cal, err := clvParseDate(*calEnd)
	if err != nil {
		return usagef("-calibration-end %q: %v", *calEnd, err)
	}
	set := &clv.PrepareSettings{}
	switch *unitFlag {
	case "weeks":
		set.Unit = clv.Weeks
	case "days":
		set.Unit = clv.Days
	default:
		return usagef("-unit %q: want weeks or days", *unitFlag)
	}
	if *holdEnd != "" {
		h, err := clvParseDate(*holdEnd)
		if err != nil {
			return usagef("-holdout-end %q: %v", *holdEnd, err)
		}
		if h.Before(cal) {
			return usagef("-holdout-end %s is before -calibration-end %s", *holdEnd, *calEnd)
		}
		set.HoldoutEnd = h
	}
	switch *model {
	case "bgnbd", "mbgnbd", "pareto", "gammagamma":
	default:
		return usagef("-kind %q: want bgnbd, mbgnbd, pareto or gammagamma", *model)
	}
	if *penalizer < 0 {
		return usagef("-penalizer %v: must be non-negative", *penalizer)
	}
	if *months <= 0 {
		return usagef("-months %d: must be positive", *months)
	}
	if *horizon < 0 {
		return usagef("-horizon %v: must be non-negative", *horizon)
	}
	monthly := *discount
	if *annual >= 0 {
		monthly = clv.MonthlyRate(*annual)
	}
	if !(monthly > -1) {
		return usagef("-discount %v: must be greater than -1", monthly)
	}

	txs, err := inf.ReadAll(*in, stderr)
	if err != nil {
		return err
	}
	ds, err := clv.Prepare(txs, cal, set)
	if err != nil {
		return fmt.Errorf("%s: %w", *in, err)
	}
	fitSet := &clv.FitSettings{Penalizer: *penalizer}
	res := map[string]any{"model": *model, "unit": *unitFlag, "customers": len(ds.Customers)}
	var pm clv.PurchaseModel
	var gg *clv.GammaGamma
	var info clv.FitInfo
	var fitted any // the model -save writes
	var names []string
	var vals []float64
	start := time.Now()
	switch *model {
	case "bgnbd", "mbgnbd":
		fit := clv.FitBGNBD
		if *model == "mbgnbd" {
			fit = clv.FitMBGNBD
		}
		m, err := fit(ds.Customers, fitSet)
		if err != nil {
			return err
		}
		pm, info, fitted = m, m.Info, m
		names, vals = []string{"r", "alpha", "a", "b"}, []float64{m.R, m.Alpha, m.A, m.B}
	case "pareto":
		m, err := clv.FitParetoNBD(ds.Customers, fitSet)
		if err != nil {
			return err
		}
		pm, info, fitted = m, m.Info, m
		names, vals = []string{"r", "alpha", "s", "beta"}, []float64{m.R, m.Alpha, m.S, m.Beta}
	case "gammagamma":
		m, err := clv.FitGammaGamma(ds.Customers, fitSet)
		if err != nil {
			return err
		}
		gg, info, fitted = m, m.Info, m
		names, vals = []string{"p", "q", "gamma"}, []float64{m.P, m.Q, m.Gamma}
		res["correlation"] = m.Correlation
	}
	secs := time.Since(start).Seconds()
	se := map[string]float64{}
	for i, n := range names {
		res[n] = vals[i]
		if info.StdErr != nil {
			se[n] = info.StdErr[i]
		}
	}
	res["std_err"] = se
	res["log_likelihood"] = info.LogLikelihood
	res["aic"], res["bic"] = info.AIC, info.BIC
	res["iterations"] = info.Iterations
	res["fit_seconds"] = secs
	res["fit_customers"] = info.Customers

	var table []clv.HoldoutRow
	if pm != nil && ds.Holdout != nil {
		table, err = clv.HoldoutTable(pm, ds.Customers, ds.Holdout, ds.HoldoutLength, 7)
		if err != nil {
			return err
		}
		res["holdout"] = table
	}

	if *asJSON {
		enc := json.NewEncoder(stdout)
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stdout, "model %s, %d customers (%g used), unit %s\n", *model, len(ds.Customers), info.Customers, *unitFlag)
		for i, n := range names {
			if info.StdErr != nil {
				fmt.Fprintf(stdout, "  %-6s %10.4f  (se %.4f)\n", n, vals[i], info.StdErr[i])
			} else {
				fmt.Fprintf(stdout, "  %-6s %10.4f\n", n, vals[i])
			}
		}
		fmt.Fprintf(stdout, "log-likelihood %.4f  AIC %.2f  BIC %.2f  iterations %d  fit %.3fs\n",
			info.LogLikelihood, info.AIC, info.BIC, info.Iterations, secs)
		if gg != nil && (gg.Correlation > 0.3 || gg.Correlation < -0.3) {
			fmt.Fprintf(stdout, "warning: frequency/spend correlation %.3f; Gamma-Gamma assumes independence\n", gg.Correlation)
		}
		if table != nil {
			fmt.Fprintf(stdout, "\nholdout %.2f %s: mean purchases by calibration frequency\n  x   customers   actual  predicted\n", ds.HoldoutLength, *unitFlag)
			for _, r := range table {
				lab := strconv.Itoa(r.Frequency)
				if r.Frequency == 7 {
					lab += "+"
				}
				fmt.Fprintf(stdout, "  %-3s %9d %8.3f %10.3f\n", lab, r.Customers, r.Actual, r.Predicted)
			}
		}
	}
	if *out != "" {
		h := *horizon
		if h == 0 {
			switch {
			case ds.HoldoutLength > 0:
				h = ds.HoldoutLength
			case set.Unit == clv.Weeks:
				h = 52
			default:
				h = 365
			}
		}
		if err := clvWriteOut(*out, stdout, stderr, ds, pm, gg, fitSet, h, &clv.CLVSettings{Unit: set.Unit, Months: *months, MonthlyDiscount: monthly}); err != nil {
			return err
		}
	}
	if *save == "" {
		return nil
	}
	// Written last, so that a run that fails replaces no saved model.
	return input.CreateFile(*save, stdout, func(w io.Writer) error { return json.NewEncoder(w).Encode(fitted) })
}

// clvWriteOut writes the per-customer predictions CSV. For a purchase
// model it also fits Gamma-Gamma for the spend and CLV columns, leaving
// them out (with a note) when that fit fails.
func clvWriteOut(path string, stdout, stderr io.Writer, ds *clv.Dataset, pm clv.PurchaseModel, gg *clv.GammaGamma, fitSet *clv.FitSettings, h float64, cs *clv.CLVSettings) error {
	var alive, exp, spend, value []float64
	var err error
	if pm != nil {
		if alive, err = clv.PredictAlive(pm, ds.Customers, nil); err != nil {
			return err
		}
		if exp, err = clv.PredictPurchases(pm, h, ds.Customers, nil); err != nil {
			return err
		}
		if gg == nil {
			gg, err = clv.FitGammaGamma(ds.Customers, fitSet)
			if err != nil {
				fmt.Fprintf(stderr, "no spend or CLV columns: Gamma-Gamma fit: %v\n", err)
			}
		}
	}
	if gg != nil {
		if spend, err = clv.PredictSpend(gg, ds.Customers, nil); err != nil {
			if !errors.Is(err, clv.ErrInvalidParam) || pm == nil {
				return err
			}
			fmt.Fprintf(stderr, "no spend or CLV columns: %v\n", err)
			spend = nil
		}
	}
	if pm != nil && spend != nil {
		if value, err = clv.CLV(pm, spend, ds.Customers, cs, nil); err != nil {
			return err
		}
	}
	return input.CreateFile(path, stdout, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<20)
		bw.WriteString("customer,frequency,recency,T,mean_spend")
		if pm != nil {
			bw.WriteString(",p_alive,expected_purchases")
		}
		if spend != nil {
			bw.WriteString(",expected_spend")
		}
		if value != nil {
			bw.WriteString(",clv")
		}
		if ds.Holdout != nil {
			bw.WriteString(",holdout_purchases,holdout_spend")
		}
		bw.WriteByte('\n')
		f := func(v float64) string { return strconv.FormatFloat(v, 'g', 10, 64) }
		for i, c := range ds.Customers {
			fmt.Fprintf(bw, "%s,%s,%s,%s,%s", string(csvout.AppendField(nil, c.ID)), f(c.Frequency), f(c.Recency), f(c.T), f(c.MeanSpend))
			if pm != nil {
				fmt.Fprintf(bw, ",%s,%s", f(alive[i]), f(exp[i]))
			}
			if spend != nil {
				fmt.Fprintf(bw, ",%s", f(spend[i]))
			}
			if value != nil {
				fmt.Fprintf(bw, ",%s", f(value[i]))
			}
			if ds.Holdout != nil {
				fmt.Fprintf(bw, ",%d,%s", ds.Holdout[i].Purchases, f(ds.Holdout[i].Spend))
			}
			bw.WriteByte('\n')
		}
		return bw.Flush()
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
