package flow

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"github.com/cvmkit/cvm/examples/internal/plots"
	"github.com/cvmkit/cvm/examples/internal/report"
	"github.com/cvmkit/cvm/value/clv"
	"gonum.org/v1/plot"
)

// CLV settings of the flow: a 12-month horizon discounted at
// clv.DefaultAnnualDiscount, 10% a year.
const (
	clvMonths      = 12
	holdoutMaxFreq = 7
)

// CLVStage is the CLV step: a BG/NBD model validated on a holdout period,
// then refitted on all the data with a Gamma-Gamma spend model to forecast
// every customer.
type CLVStage struct {
	// Validation: fitted on the calibration period only.
	CalibrationEnd, HoldoutEnd time.Time
	HoldoutWeeks               float64
	Check                      *clv.BGNBD
	Holdout                    []clv.HoldoutRow

	// Forecast: fitted on everything up to the analysis date.
	Data      *clv.Dataset
	Model     *clv.BGNBD
	Spend     *clv.GammaGamma
	Forecast  *clv.Forecast
	Alive     []float64 // P(alive), aligned with Data.Customers
	Purchases []float64 // expected purchases in the next 52 weeks
	MeanSpend []float64 // expected value of one purchase
	Value     []float64 // discounted 12-month CLV
	AliveGrid [][]float64
	GridT     float64 // the age T of the P(alive) grid, weeks
	index     map[string]int
}

func (r *Result) runCLV() error {
	st := &CLVStage{index: map[string]int{}}
	lastDay := r.AsOf
	span := lastDay.Sub(r.First)
	hold := min(26*7*24*time.Hour, span/3)
	st.CalibrationEnd = lastDay.Add(-hold)
	st.HoldoutEnd = lastDay
	ctx := context.Background()
	check, err := clv.Prepare(ctx, slices.Values(r.In.Transactions), st.CalibrationEnd, &clv.PrepareSettings{HoldoutEnd: st.HoldoutEnd})
	if err == nil {
		st.HoldoutWeeks = check.HoldoutLength
		if st.Check, err = clv.FitBGNBD(ctx, check.Customers, &clv.FitSettings{Source: check}); err == nil {
			st.Holdout, err = clv.HoldoutTable(st.Check, check.Customers, check.Holdout, check.HoldoutLength, holdoutMaxFreq)
		}
	}
	if err != nil {
		r.note("CLV holdout check skipped: %v", err)
		st.Check, st.Holdout = nil, nil
	}

	// The forecast: the customer file's models and forecasts.
	m := r.File.Models
	if m.Purchases == nil || m.Spend == nil {
		return fmt.Errorf("clv: the models could not be fitted on these data")
	}
	st.Model, st.Spend = m.Purchases, m.Spend
	var cs []clv.Customer
	fc := &clv.Forecast{Horizon: 52}
	for i := range r.File.Profiles {
		p := &r.File.Profiles[i]
		if !p.CLV.OK {
			continue
		}
		cs = append(cs, p.CLV.Input)
		fc.Customers = append(fc.Customers, p.Customer)
		fc.ProbAlive = append(fc.ProbAlive, p.CLV.PAlive)
		fc.ExpectedPurchases = append(fc.ExpectedPurchases, p.CLV.ExpectedPurchases)
		fc.CLV = append(fc.CLV, p.CLV.Value)
		st.MeanSpend = append(st.MeanSpend, p.CLV.ExpectedSpend)
	}
	st.Data = &clv.Dataset{Unit: clv.Weeks, CalibrationEnd: lastDay, Customers: cs}
	st.Forecast = fc
	st.Alive, st.Purchases, st.Value = fc.ProbAlive, fc.ExpectedPurchases, fc.CLV
	for i, c := range cs {
		st.index[c.ID] = i
		st.GridT = math.Max(st.GridT, c.T)
	}
	// The P(alive) matrix for customers as old as the oldest.
	if m, err := clv.AliveMatrix(st.Model, st.GridT, 10, 11); err == nil {
		rows, cols := m.Dims()
		st.AliveGrid = make([][]float64, rows)
		for i := range rows {
			st.AliveGrid[i] = make([]float64, cols)
			for j := range cols {
				st.AliveGrid[i][j] = m.At(i, j)
			}
		}
	}
	r.CLV = st
	return nil
}

// CLVOf returns customer id's forecast: P(alive), expected purchases in
// the next year and the discounted 12-month CLV.
func (r *Result) CLVOf(id string) (alive, purchases, value float64, ok bool) {
	if r.CLV == nil {
		return 0, 0, 0, false
	}
	i, ok := r.CLV.index[id]
	if !ok {
		return 0, 0, 0, false
	}
	return r.CLV.Alive[i], r.CLV.Purchases[i], r.CLV.Value[i], true
}

func (r *Result) reportCLV(w io.Writer) {
	st := r.CLV
	if st == nil {
		return
	}
	report.Section(w, "4. Differentiate by worth: lifetime value forecasts")
	report.Para(w, "BG/NBD (Fader, Hardie & Lee 2005) models repeat purchases and dropout from each customer's repeat purchases x, recency t_x and age T in weeks (same-day purchases merged, returns ignored); Gamma-Gamma models the value of a purchase. CLV is the discounted spend expected over the next 12 months at "+fmt.Sprintf("%.0f%%", 100*clv.DefaultAnnualDiscount)+" a year.")
	if st.Check != nil {
		tb := report.New(fmt.Sprintf("Validation: fitted up to %s, forecast for the %.0f weeks to %s",
			day(st.CalibrationEnd), st.HoldoutWeeks, day(st.HoldoutEnd)),
			"repeat purchases before", "customers", "actual after", "forecast", "error")
		for _, h := range st.Holdout {
			label := fmt.Sprint(h.Frequency)
			if h.Frequency == holdoutMaxFreq {
				label += "+"
			}
			tb.Row(label, report.Int(h.Customers), report.Float(h.Actual, 2), report.Float(h.Predicted, 2), report.Pct((h.Predicted-h.Actual)/math.Max(h.Actual, 1e-9)))
		}
		tb.Write(w)
		var act, pred float64
		for _, h := range st.Holdout {
			act += float64(h.Customers) * h.Actual
			pred += float64(h.Customers) * h.Predicted
		}
		if act > 0 && math.Abs(pred/act-1) > 0.1 {
			fmt.Fprint(w, "\n"+report.Wrap(fmt.Sprintf("Over the holdout the model forecasts %s purchases against %s actual (%+.0f%%). BG/NBD assumes each customer's purchase rate is constant, so a seasonal peak or trough in the holdout period (such as the weeks before Christmas) shows up as this gap; the ranking of customers is what the value model uses.",
				report.Whole(pred), report.Whole(act), 100*(pred/act-1)), 78, ""))
		}
		fmt.Fprintln(w)
	}
	m, g := st.Model, st.Spend
	tb := report.New("Models fitted on all the data", "model", "parameters", "log-likelihood")
	tb.Row("BG/NBD", fmt.Sprintf("r=%.3f alpha=%.3f a=%.3f b=%.3f", m.R, m.Alpha, m.A, m.B), report.Float(m.Info.LogLikelihood, 1))
	tb.Row("Gamma-Gamma", fmt.Sprintf("p=%.3f q=%.3f gamma=%.3f (corr. freq/spend %.2f)", g.P, g.Q, g.Gamma, g.Correlation), report.Float(g.Info.LogLikelihood, 1))
	tb.Write(w)
	if m.A < 0.05 {
		fmt.Fprint(w, "\n"+report.Wrap(fmt.Sprintf("Note: the fitted dropout (a = %.3f) is close to zero: the data show too few customers leaving for BG/NBD to estimate dropout, so P(alive) is near 1 for almost everyone. Read the expected purchases and CLV, which still rank customers, rather than P(alive).", m.A), 78, ""))
	}

	bands := []struct {
		label  string
		lo, hi float64
	}{{"below 10%", 0, 0.1}, {"10-50%", 0.1, 0.5}, {"50-90%", 0.5, 0.9}, {"90% and above", 0.9, 2}}
	tb = report.New("\nP(alive): how likely each customer still buys", "P(alive)", "customers", "share", "CLV share")
	var total float64
	for _, v := range st.Value {
		total += v
	}
	for _, b := range bands {
		n, v := 0, 0.0
		for i, p := range st.Alive {
			if p >= b.lo && p < b.hi {
				n++
				v += st.Value[i]
			}
		}
		tb.Row(b.label, report.Int(n), report.Pct(frac(n, len(st.Alive))), report.Pct(v/total))
	}
	tb.Write(w)
	fmt.Fprintf(w, "  total 12-month CLV: %s\n", report.Money(total))
}

func (r *Result) plotCLV(dir string) ([]string, error) {
	st := r.CLV
	if st == nil {
		return nil, nil
	}
	var names []string
	if len(st.Holdout) > 0 {
		var x, act, pred []float64
		for _, h := range st.Holdout {
			x = append(x, float64(h.Frequency))
			act = append(act, h.Actual)
			pred = append(pred, h.Predicted)
		}
		p := plots.Lines(fmt.Sprintf("BG/NBD: calibration vs holdout (%.0f weeks)", st.HoldoutWeeks),
			"repeat purchases in the calibration period",
			"mean purchases in holdout", []plots.Group{{Name: "actual", X: x, Y: act}, {Name: "BG/NBD forecast", X: x, Y: pred}})
		p.Y.Min = 0
		p.Legend.Left = true
		var ticks []plot.Tick
		for _, v := range x {
			label := fmt.Sprint(v)
			if int(v) == holdoutMaxFreq {
				label += "+"
			}
			ticks = append(ticks, plot.Tick{Value: v, Label: label})
		}
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
		if err := r.formats.Save(p, dir, "clv_holdout"); err != nil {
			return names, err
		}
		names = append(names, "clv_holdout")
	}
	if st.AliveGrid != nil {
		g := st.AliveGrid
		// Rows are frequency 0..20; columns recency j T/(cols-1). The heat
		// map puts row 0 at the bottom: frequency up, recency right.
		cols := len(g[0])
		xt := make([]string, cols)
		for j := range cols {
			xt[j] = fmt.Sprintf("%.0f", float64(j)*st.GridT/float64(cols-1))
		}
		yt := make([]string, len(g))
		for i := range g {
			yt[i] = fmt.Sprint(i)
		}
		text := make([][]string, len(g))
		for i := range g {
			text[i] = make([]string, cols)
			for j := range cols {
				text[i][j] = fmt.Sprintf("%.2f", g[i][j])
			}
		}
		p := plots.Heatmap(fmt.Sprintf("P(alive) by repeat purchases and recency, customers %.0f weeks old", st.GridT),
			"recency t_x: weeks from first to last purchase", "repeat purchases x", g, xt, yt, text)
		if err := r.formats.Save(p, dir, "p_alive"); err != nil {
			return names, err
		}
		names = append(names, "p_alive")
	}
	return names, nil
}
