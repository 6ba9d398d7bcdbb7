package flow

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/cvmkit/cvm/examples/internal/plots"
	"github.com/cvmkit/cvm/examples/internal/report"
	"github.com/cvmkit/cvm/value"
	"gonum.org/v1/plot/vg"

	"github.com/cvmkit/cvm/profile"
)

// fromTransactions are the default catalog's indicators the flow computes
// from the transactions themselves.
var fromTransactions = []string{"revenue", "order_frequency", "recency", "tenure"}

// ValueStage is the value step: the current-plus-potential model, fitted
// and scored on every customer.
type ValueStage struct {
	Table   value.IndicatorTable
	Model   *value.Model
	Scores  []value.Score // aligned with Table.Customers
	Sources string        // where the indicators came from, for the report
	// ReturnsOnly marks, aligned with Table.Customers, the customers with
	// returns but no purchase (transactions files only; nil otherwise).
	ReturnsOnly []bool
	index       map[string]int
}

// tierNames are the default pyramid's tiers (Zeithaml, Rust & Lemon 2001).
var tierNames = []string{"", "Platinum", "Gold", "Iron", "Lead"}

func tierName(t value.Tier) string {
	if int(t) < len(tierNames) && t > 0 {
		return tierNames[t]
	}
	return fmt.Sprintf("tier %d", t)
}

func (r *Result) runValue() error {
	f := r.File
	st := &ValueStage{Table: f.Indicators(), Model: f.Models.Value, index: make(map[string]int, len(f.Profiles))}
	st.Scores = make([]value.Score, len(f.Profiles))
	st.ReturnsOnly = make([]bool, len(f.Profiles))
	nret := 0
	for i := range f.Profiles {
		p := &f.Profiles[i]
		st.Scores[i] = p.Value
		st.index[p.Customer] = i
		if p.Flags&profile.FlagReturnsOnly != 0 {
			st.ReturnsOnly[i] = true
			nret++
		}
	}
	catalog := st.Model.Catalog()
	if r.In.Synthetic {
		st.Sources = fmt.Sprintf("the default B2B catalog: %d indicators from the synthetic B2B table (internal/synth: volume, margin, credit, surveys, derived from each customer's own transactions plus noise), gross profit as that margin times the net sales, and revenue, order frequency, recency and tenure from the transactions", r.synthIndicators)
	} else {
		var ids []string
		for _, ind := range catalog.Indicators {
			if ind.Group != value.GroupLifetime {
				ids = append(ids, ind.ID)
			}
		}
		st.Sources = fmt.Sprintf("the retail catalog computed from the transactions by value.RetailIndicators: %s", strings.Join(ids, ", "))
		r.note("value: the B2B catalog's margins, credit, surveys and strategic fit cannot be derived from a transactions file; the retail catalog's %d indicators computed from the transactions are used instead, with CLV in current value", len(ids))
		if nret > 0 {
			r.note("value: %d customers have returns but no purchase; they are flagged (returns_only in value.csv) and get the worst recency, never an imputed one", nret)
		}
	}
	forecasts := 0
	for _, ind := range catalog.Indicators {
		if ind.Group == value.GroupLifetime {
			forecasts++
		}
	}
	if forecasts > 0 {
		st.Sources += fmt.Sprintf("; value/clv's %d forecast indicators (12-month CLV, expected purchases, P(alive)) in the lifetime group of current value", forecasts)
	}
	st.Sources += fmt.Sprintf(": %d in all.", len(catalog.Indicators))
	r.Value = st
	return nil
}

// ScoreOf returns customer id's value score.
func (r *Result) ScoreOf(id string) (value.Score, bool) {
	if r.Value == nil {
		return value.Score{}, false
	}
	i, ok := r.Value.index[id]
	if !ok {
		return value.Score{}, false
	}
	return r.Value.Scores[i], true
}

func (r *Result) reportValue(w io.Writer) {
	st := r.Value
	if st == nil {
		return
	}
	report.Section(w, "5. Differentiate by worth: current and potential value")
	report.Para(w, "The current-plus-potential value model of the Baosteel case: each customer is scored 0-100 on current value (what they bring now) and potential value (what they could bring), from weighted, normalised indicators. Indicators here: "+st.Sources)
	cutC, cutP := st.Model.Cuts()
	net := map[string]float64{}
	var total float64
	for _, s := range r.Summaries {
		net[s.Customer] = s.Total
		total += s.Total
	}
	rule, share := st.Model.CutRule()
	why := fmt.Sprintf("split at the %s: current %.1f, potential %.1f", map[value.CutRule]string{value.CutMedian: "medians", value.CutMean: "means", value.CutFixed: "fixed cuts"}[rule], cutC, cutP)
	if rule == value.CutConcentration {
		highC, highP := 0, 0
		for _, s := range st.Scores {
			if s.Current > cutC {
				highC++
			}
			if s.Potential > cutP {
				highP++
			}
		}
		report.Para(w, fmt.Sprintf("The matrix is cut where value concentrates (value.CutConcentration): high current value means being one of the fewest top customers who together hold %.0f%% of the summed current scores (%s customers, above %.1f), and likewise for potential (%s customers, above %.1f). Quadrant IV, key-account care, is so kept to the customers high on both.",
			100*share, report.Int(highC), cutC, report.Int(highP), cutP))
		why = fmt.Sprintf("cut where %.0f%% of each dimension's summed scores lies: current %.1f, potential %.1f", 100*share, cutC, cutP)
	}
	tb := report.New(fmt.Sprintf("Value matrix (%s)", why),
		"quadrant", "customers", "share", "net sales share", "mean current", "mean potential", "strategy")
	for _, q := range []value.Quadrant{value.QuadrantIV, value.QuadrantIII, value.QuadrantII, value.QuadrantI} {
		n := 0
		var rev, c, p float64
		for _, s := range st.Scores {
			if s.Quadrant == q {
				n++
				rev += net[s.Customer]
				c += s.Current
				p += s.Potential
			}
		}
		mc, mp := 0.0, 0.0
		if n > 0 {
			mc, mp = c/float64(n), p/float64(n)
		}
		tb.Row(q.String(), report.Int(n), report.Pct(frac(n, len(st.Scores))), report.Pct(rev/total), report.Float(mc, 1), report.Float(mp, 1), q.Strategy())
	}
	tb.Write(w)

	tb = report.New("\nCustomer pyramid by total score", "tier", "customers", "net sales share", "lowest total score")
	for tier := value.Tier(1); int(tier) < len(tierNames); tier++ {
		n := 0
		var rev float64
		low := math.Inf(1)
		for _, s := range st.Scores {
			if s.Tier == tier {
				n++
				rev += net[s.Customer]
				low = math.Min(low, s.Total)
			}
		}
		tb.Row(tierName(tier), report.Int(n), report.Pct(rev/total), report.Float(low, 1))
	}
	tb.Write(w)

	top := slices.Clone(st.Scores)
	slices.SortFunc(top, func(a, b value.Score) int {
		if c := cmp.Compare(b.Total, a.Total); c != 0 {
			return c
		}
		if c := cmp.Compare(net[b.Customer], net[a.Customer]); c != 0 {
			return c
		}
		return cmp.Compare(a.Customer, b.Customer)
	})
	tb = report.New("\nHighest total value", "customer", "current", "potential", "total", "quadrant", "tier", "net sales", "12-month CLV")
	tb.Left(0)
	for _, s := range top[:min(5, len(top))] {
		_, _, v, _ := r.CLVOf(s.Customer)
		tb.Row(s.Customer, report.Float(s.Current, 1), report.Float(s.Potential, 1), report.Float(s.Total, 1), s.Quadrant.String(), tierName(s.Tier), report.Money(net[s.Customer]), report.Money(v))
	}
	tb.Write(w)

	tb = report.New("\nWhere the five largest customers by net sales sit", "customer", "net sales", "current", "potential", "quadrant", "tier")
	tb.Left(0)
	for _, s := range r.TopCustomers(5) {
		sc, ok := r.ScoreOf(s.Customer)
		if !ok {
			continue
		}
		tb.Row(s.Customer, report.Money(s.Total), report.Float(sc.Current, 1), report.Float(sc.Potential, 1), sc.Quadrant.String(), tierName(sc.Tier))
	}
	tb.Write(w)
}

func (r *Result) plotValue(dir string) ([]string, error) {
	st := r.Value
	if st == nil {
		return nil, nil
	}
	groups := make([]plots.Group, len(tierNames)-1)
	for i := range groups {
		groups[i].Name = tierNames[len(tierNames)-1-i]
	}
	for _, s := range st.Scores {
		g := &groups[len(tierNames)-1-int(s.Tier)]
		g.X = append(g.X, s.Current)
		g.Y = append(g.Y, s.Potential)
	}
	cutC, cutP := st.Model.Cuts()
	p := plots.Scatter("Value matrix: current against potential value, by pyramid tier", "current value score", "potential value score", groups, []float64{cutC}, []float64{cutP})
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 100, 0, 100
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(10), -vg.Points(30)
	plots.Corners(p, "I", "II", "III", "IV", 0, 0, 100, 100)
	if err := r.formats.Save(p, dir, "value_matrix"); err != nil {
		return nil, err
	}
	return []string{"value_matrix"}, nil
}
