package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"iter"
	"strconv"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/examples/internal/plots"
	"github.com/cvmkit/cvm/value/clv"
)

// clvPMFTail is the probability mass -pmf leaves out: the list stops at
// the first n with P(X(T) > n) <= 1e-6.
const clvPMFTail = 1e-6

// clvDist holds cvm clv's distribution flags (-interval, -draws, -seed,
// -pmf, -diagnostics, -plots) and what they computed.
type clvDist struct {
	level    float64
	draws    int
	seed     uint64
	pmfT     float64
	diag     bool
	plotsDir string

	horizonSet bool
	params     []clv.PurchaseModel // parameter draws for the intervals
	pmf        []float64
	period     *clv.PeriodCheck
	track      []clv.TrackRow
	iv         []clv.Interval // purchase intervals over horizon
	coverage   float64        // share of holdout counts inside their interval; -1 without holdout
	horizon    float64        // of the intervals
}

func (d *clvDist) flags(fs *flag.FlagSet) {
	fs.Float64Var(&d.level, "interval", 0, "with -out: add predictive intervals at this level (such as 0.9) over -horizon or the holdout:\ncolumns purchases_lo, purchases_hi and, with the CLV column, clv_lo, clv_hi")
	fs.IntVar(&d.draws, "draws", clv.DefaultDraws, "parameter draws (asymptotic normal of the log-parameters) mixed into the -interval distribution; 0 for none")
	fs.Uint64Var(&d.seed, "seed", 1, "seed of the -interval parameter draws")
	fs.Float64Var(&d.pmfT, "pmf", 0, "print the distribution P(X(T)=0), P(X(T)=1), ... of a new customer's repeat purchases over T (in -unit),\nuntil P(X(T) > n) <= 1e-6 (JSON field pmf)")
	fs.BoolVar(&d.diag, "diagnostics", false, "print the period-transactions check (customers by calibration repeat purchases, observed vs expected, chi-square)\nand the tracking of repeat purchases (JSON fields period_transactions, tracking)")
	fs.StringVar(&d.plotsDir, "plots", "", "draw the period-transactions and tracking charts as PNG and SVG in this folder")
}

// check validates the flags once parsed; c has its kind.
func (d *clvDist) check(c *clvCmd, fs *flag.FlagSet) error {
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "horizon" {
			d.horizonSet = true
		}
	})
	purchase := c.kind != "gammagamma" || c.modelPath != ""
	switch {
	case d.level != 0 && !(d.level > 0 && d.level < 1):
		return usagef("-interval %v: want a level in (0, 1), such as 0.9", d.level)
	case d.level != 0 && c.out == "":
		return usagef("-interval needs -out: the intervals are columns of the per-customer file")
	case d.level != 0 && !d.horizonSet && c.prep.HoldoutEnd.IsZero():
		return usagef("-interval needs the forecast horizon: give -holdout-end or -horizon")
	case d.draws < 0:
		return usagef("-draws %d: must be non-negative", d.draws)
	case d.pmfT < 0:
		return usagef("-pmf %v: must be a positive horizon", d.pmfT)
	case !purchase && (d.level != 0 || d.pmfT != 0 || d.diag || d.plotsDir != ""):
		return usagef("-interval, -pmf, -diagnostics and -plots need a purchase model, not -kind gammagamma")
	}
	return nil
}

// compute runs the distribution outputs asked for, after the fit.
func (d *clvDist) compute(ctx context.Context, c *clvCmd, txs iter.Seq[cvm.Transaction]) error {
	d.coverage = -1
	if c.pm == nil {
		return nil
	}
	if d.pmfT > 0 {
		p, err := clv.PMF(nil, c.pm, d.pmfT, clvPMFTail)
		if err != nil {
			return fmt.Errorf("-pmf: %w", err)
		}
		d.pmf = p
	}
	if d.diag || d.plotsDir != "" {
		var err error
		if d.period, err = clv.PeriodTransactions(c.pm, c.ds.Customers, 7); err != nil {
			return fmt.Errorf("period transactions: %w", err)
		}
		// BG/BB counts opportunities, not time since the first purchase:
		// no tracking in calendar weeks for it.
		if _, discrete := c.pm.(*clv.BGBB); !discrete {
			if d.track, err = clv.Track(ctx, c.pm, txs, c.cal, &clv.TrackSettings{Prepare: c.prep}); err != nil {
				return fmt.Errorf("tracking: %w", err)
			}
		}
	}
	if d.plotsDir != "" {
		if err := d.drawPlots(c); err != nil {
			return err
		}
	}
	if d.level != 0 && d.draws > 0 {
		var err error
		d.params, err = clv.SampleParams(ctx, c.pm, c.ds.Customers, &clv.SampleSettings{Draws: d.draws, Seed: d.seed})
		if err != nil {
			return fmt.Errorf("-interval parameter draws: %w", err)
		}
	}
	return d.intervals(ctx, c)
}

// forecastHorizon is the horizon of the expected_purchases column: -horizon,
// else the holdout length, else 52 weeks or 365 days.
func (c *clvCmd) forecastHorizon() float64 {
	switch {
	case c.horizon > 0:
		return c.horizon
	case c.ds.HoldoutLength > 0:
		return c.ds.HoldoutLength
	case c.prep.Unit == clv.Weeks:
		return 52
	}
	return 365
}

// intervals computes the purchase intervals over the forecast horizon and,
// when it is the holdout, their coverage of the holdout purchases.
func (d *clvDist) intervals(ctx context.Context, c *clvCmd) error {
	if d.level == 0 || c.pm == nil {
		return nil
	}
	h := c.forecastHorizon()
	iv, err := clv.PredictIntervals(ctx, nil, c.pm, h, c.ds.Customers, &clv.IntervalSettings{Level: d.level, Params: d.params})
	if err != nil {
		return fmt.Errorf("-interval: %w", err)
	}
	d.iv, d.horizon = iv, h
	if c.ds.Holdout != nil && h == c.ds.HoldoutLength && len(iv) > 0 {
		in := 0
		for i, v := range iv {
			if p := float64(c.ds.Holdout[i].Purchases); v.Lo <= p && p <= v.Hi {
				in++
			}
		}
		d.coverage = float64(in) / float64(len(iv))
	}
	return nil
}

// columns returns the -interval columns of the per-customer file, their
// names and values aligned with the customers: the purchase bounds and,
// when the CLV column is written (value not nil, with the expected spend
// spend), the CLV bounds.
func (d *clvDist) columns(ctx context.Context, c *clvCmd, spend, value []float64) ([]string, [][]float64, error) {
	if d.iv == nil {
		return nil, nil, nil
	}
	cs := c.ds.Customers
	lo, hi := make([]float64, len(cs)), make([]float64, len(cs))
	for i, v := range d.iv {
		lo[i], hi[i] = v.Lo, v.Hi
	}
	names, cols := []string{"purchases_lo", "purchases_hi"}, [][]float64{lo, hi}
	if value != nil {
		set := &clv.IntervalSettings{Level: d.level, Params: d.params}
		civ, err := clv.CLVIntervals(ctx, nil, c.pm, spend, cs, &c.clvSet, set)
		if err != nil {
			return nil, nil, fmt.Errorf("-interval: %w", err)
		}
		clo, chi := make([]float64, len(cs)), make([]float64, len(cs))
		for i, v := range civ {
			clo[i], chi[i] = v.Lo, v.Hi
		}
		names, cols = append(names, "clv_lo", "clv_hi"), append(cols, clo, chi)
	}
	return names, cols, nil
}

// addJSON adds the computed outputs to the -json object.
func (d *clvDist) addJSON(res map[string]any) {
	if d.pmf != nil {
		res["pmf"] = d.pmf
		res["pmf_t"] = d.pmfT
		res["pmf_tail"] = clvPMFTail
	}
	if d.period != nil {
		res["period_transactions"] = d.period
	}
	if d.track != nil {
		res["tracking"] = d.track
	}
	if d.level != 0 {
		iv := map[string]any{"level": d.level, "draws": d.draws, "seed": d.seed, "horizon": d.horizon}
		if d.coverage >= 0 {
			iv["holdout_coverage"] = d.coverage
		}
		res["interval"] = iv
	}
}

// text prints the computed outputs after the text report.
func (d *clvDist) text(w io.Writer, c *clvCmd) {
	unit := c.prep.Unit.String()
	if d.pmf != nil {
		fmt.Fprintf(w, "\nP(X(%g %s) = n), repeat purchases of a new customer (until P(X > n) <= %g):\n", d.pmfT, unit, clvPMFTail)
		for n, p := range d.pmf {
			if n == 12 && len(d.pmf) > 13 {
				fmt.Fprintf(w, "  ... %d terms in all (-json field pmf), P(X > 11) = %.6f\n", len(d.pmf), pmfRest(d.pmf[:12]))
				break
			}
			fmt.Fprintf(w, "  %3d %.6f\n", n, p)
		}
	}
	if d.period != nil {
		fmt.Fprintf(w, "\nperiod transactions: customers by calibration repeat purchases\n  x   observed  expected\n")
		for _, r := range d.period.Rows {
			lab := strconv.Itoa(r.Frequency)
			if r.Frequency == len(d.period.Rows)-1 {
				lab += "+"
			}
			fmt.Fprintf(w, "  %-3s %8d %9.1f\n", lab, r.Observed, r.Expected)
		}
		fmt.Fprintf(w, "  chi-square %.2f, df %d, p %.4f\n", d.period.ChiSquare, d.period.DF, d.period.PValue)
	}
	if d.track != nil {
		var calA, calE float64
		for _, r := range d.track {
			if !r.Holdout {
				calA, calE = r.CumActual, r.CumExpected
			}
		}
		last := d.track[len(d.track)-1]
		fmt.Fprintf(w, "\ntracking: cumulative repeat purchases, actual vs expected\n  calibration end  %8.0f %10.1f\n", calA, calE)
		if last.Holdout {
			fmt.Fprintf(w, "  holdout end      %8.0f %10.1f  (holdout alone %.0f vs %.1f)\n", last.CumActual, last.CumExpected,
				last.CumActual-calA, last.CumExpected-calE)
		}
	}
	if d.level != 0 && d.coverage >= 0 {
		fmt.Fprintf(w, "\n%g%% intervals (%d parameter draws, seed %d) cover the holdout purchases of %.1f%% of the customers\n",
			100*d.level, d.draws, d.seed, 100*d.coverage)
	}
}

// drawPlots saves the period-transactions and tracking charts.
func (d *clvDist) drawPlots(c *clvCmd) error {
	labels := make([]string, len(d.period.Rows))
	obs, exp := make([]float64, len(labels)), make([]float64, len(labels))
	for i, r := range d.period.Rows {
		labels[i] = strconv.Itoa(r.Frequency)
		obs[i], exp[i] = float64(r.Observed), r.Expected
	}
	labels[len(labels)-1] += "+"
	name := c.kind
	pp := plots.GroupedBars(fmt.Sprintf("Repeat purchases in calibration: actual vs %s (chi-square %.1f, df %d)", name, d.period.ChiSquare, d.period.DF),
		"customers", labels, []string{"actual", name}, [][]float64{obs, exp})
	if err := plots.Save(pp, d.plotsDir, "period_transactions"); err != nil || d.track == nil {
		return err
	}
	unit := c.prep.Unit.String()
	t := make([]float64, len(d.track))
	ca, ce, wa, we := make([]float64, len(t)), make([]float64, len(t)), make([]float64, len(t)), make([]float64, len(t))
	calEnd := -1.0
	for i, r := range d.track {
		t[i], ca[i], ce[i], wa[i], we[i] = r.Time, r.CumActual, r.CumExpected, r.Actual, r.Expected
		if !r.Holdout {
			calEnd = r.Time
		}
	}
	var vl []float64
	if d.track[len(d.track)-1].Holdout {
		vl = []float64{calEnd}
	}
	xl := unit + " since the cohort's first purchase (dashed: calibration end)"
	cum := plots.Lines("Tracking cumulative repeat purchases", xl, "cumulative repeat purchases",
		[]plots.Group{{Name: "actual", X: t, Y: ca}, {Name: name, X: t, Y: ce}}, vl...)
	cum.Legend.Left = true
	if err := plots.Save(cum, d.plotsDir, "tracking_cumulative"); err != nil {
		return err
	}
	inc := plots.Lines("Tracking repeat purchases per period", xl, "repeat purchases",
		[]plots.Group{{Name: "actual", X: t, Y: wa}, {Name: name, X: t, Y: we}}, vl...)
	return plots.Save(inc, d.plotsDir, "tracking_incremental")
}

// pmfRest returns 1 minus the sum of p.
func pmfRest(p []float64) float64 {
	s := 1.0
	for _, v := range p {
		s -= v
	}
	return s
}
