package flow

import (
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/cvmkit/cvm/examples/internal/plots"
	"github.com/cvmkit/cvm/examples/internal/report"
	"github.com/cvmkit/cvm/lifecycle"
	"gonum.org/v1/plot"
)

// LifecycleStage is the lifecycle step: every customer replayed through
// the stage machine with monthly ticks.
type LifecycleStage struct {
	Results []lifecycle.Result // sorted by customer ID
	index   map[string]int
}

// stages are the stages in the order the report lists them.
var stages = []lifecycle.Stage{lifecycle.Exploration, lifecycle.Formation, lifecycle.Stability, lifecycle.Decline, lifecycle.Ended}

func (r *Result) runLifecycle() error {
	f := r.File
	st := &LifecycleStage{Results: make([]lifecycle.Result, len(f.Profiles)), index: make(map[string]int, len(f.Profiles))}
	for i := range f.Profiles {
		p := &f.Profiles[i]
		st.Results[i] = lifecycle.Result{Customer: p.Customer, State: p.Lifecycle, History: p.History, Pattern: p.Pattern}
		st.index[p.Customer] = i
	}
	r.Lifecycle = st
	return nil
}

// StageOf returns customer id's lifecycle result.
func (r *Result) StageOf(id string) (lifecycle.Result, bool) {
	if r.Lifecycle == nil {
		return lifecycle.Result{}, false
	}
	i, ok := r.Lifecycle.index[id]
	if !ok {
		return lifecycle.Result{}, false
	}
	return r.Lifecycle.Results[i], true
}

func (r *Result) reportLifecycle(w io.Writer) {
	st := r.Lifecycle
	if st == nil {
		return
	}
	report.Section(w, "6. Interact in context: lifecycle stages")
	report.Para(w, "Each customer's purchases and returns are replayed through the lifecycle state machine with a tick at every month end; the stage changes by measurable rules on the customer's own history (order count, active months, recency against the usual interval, 6-month growth).")
	net := map[string]float64{}
	for _, s := range r.Summaries {
		net[s.Customer] = s.Total
	}
	var total float64
	for _, v := range net {
		total += v
	}
	count := map[lifecycle.Stage]int{}
	rev := map[lifecycle.Stage]float64{}
	days := map[lifecycle.Stage]float64{}
	patterns := map[lifecycle.Pattern]int{}
	for _, x := range st.Results {
		s := x.State.Stage()
		count[s]++
		rev[s] += net[x.Customer]
		days[s] += x.State.TimeInStage(r.AsOf).Hours() / 24
		patterns[x.Pattern]++
	}
	tb := report.New("Stages as of "+day(r.AsOf), "stage", "customers", "share", "net sales share", "mean days in stage")
	for _, s := range append([]lifecycle.Stage{lifecycle.None}, stages...) {
		if count[s] == 0 && s == lifecycle.None {
			continue
		}
		mean := 0.0
		if count[s] > 0 {
			mean = days[s] / float64(count[s])
		}
		name := s.String()
		if s == lifecycle.None {
			name = "none (only returns)"
		}
		tb.Row(name, report.Int(count[s]), report.Pct(frac(count[s], len(st.Results))), report.Pct(rev[s]/total), report.Whole(mean))
	}
	tb.Write(w)
	if span := r.AsOf.Sub(r.First).Hours() / 24; span < float64(lifecycle.DefaultSettings().StabilityTenureDays)+30 && count[lifecycle.Stability] == 0 {
		fmt.Fprint(w, "\n"+report.Wrap(fmt.Sprintf("Note: stability needs a relationship of at least %d days with purchases in most months; the data cover %.0f days, so few customers, if any, can have reached it yet.",
			lifecycle.DefaultSettings().StabilityTenureDays, span), 78, ""))
	}

	tb = report.New("\nRelationship patterns so far", "pattern", "customers", "share")
	var ps []lifecycle.Pattern
	for p := range patterns {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	for _, p := range ps {
		tb.Row(p.String(), report.Int(patterns[p]), report.Pct(frac(patterns[p], len(st.Results))))
	}
	tb.Write(w)

	for _, id := range r.historyExamples() {
		x, _ := r.StageOf(id)
		tb = report.New(fmt.Sprintf("\nCustomer %s: now %s since %s (pattern %s)", id, x.State.Stage(), day(x.State.Since()), x.Pattern),
			"date", "from", "to", "rule", "measured")
		tb.Left(4)
		for _, tr := range x.History {
			tb.Row(day(tr.At()), tr.From.String(), tr.To.String(), tr.Rule.String(), measures(tr.Measures))
		}
		tb.Write(w)
	}
}

// measures formats the measures a reader needs to follow a transition.
func measures(m lifecycle.Measures) string {
	return fmt.Sprintf("orders %d, active %d/6 %d/12 months, recency %dd vs usual %dd", m.Orders, m.Active6, m.Active12, m.Recency, m.Interval)
}

// historyExamples picks up to three customers whose histories tell the
// model's story: one in stability now, one that declined and recovered,
// and one whose relationship left stability and ended; among matches the
// shortest history of at least three transitions, ties to the lowest ID.
func (r *Result) historyExamples() []string {
	var out []string
	pick := func(ok func(lifecycle.Result) bool) {
		best, bestN := "", 0
		for _, x := range r.Lifecycle.Results {
			if slices.Contains(out, x.Customer) || !ok(x) {
				continue
			}
			if n := len(x.History); n >= 3 && (bestN == 0 || n < bestN) {
				best, bestN = x.Customer, n
			}
		}
		if best != "" {
			out = append(out, best)
		}
	}
	pick(func(x lifecycle.Result) bool { return x.State.Stage() == lifecycle.Stability })
	pick(func(x lifecycle.Result) bool {
		for i := 1; i < len(x.History); i++ {
			if x.History[i-1].To == lifecycle.Decline && x.History[i].To != lifecycle.Ended {
				return true
			}
		}
		return false
	})
	pick(func(x lifecycle.Result) bool {
		return x.State.Stage() == lifecycle.Ended && x.Pattern.String() == "left-stability-early"
	})
	return out
}

// stageAt returns the stage of x at time t from its history.
func stageAt(x lifecycle.Result, t time.Time) lifecycle.Stage {
	s := lifecycle.None
	for _, tr := range x.History {
		if tr.At().After(t) {
			break
		}
		s = tr.To
	}
	return s
}

func (r *Result) plotLifecycle(dir string) ([]string, error) {
	st := r.Lifecycle
	if st == nil {
		return nil, nil
	}
	var labels []string
	var vals []float64
	count := map[lifecycle.Stage]int{}
	for _, x := range st.Results {
		count[x.State.Stage()]++
	}
	for _, s := range stages {
		labels = append(labels, s.String())
		vals = append(vals, float64(count[s]))
	}
	p := plots.Bars("Lifecycle stage as of "+day(r.AsOf), "customers", labels, vals, "%.0f")
	if err := r.formats.Save(p, dir, "lifecycle_stages"); err != nil {
		return nil, err
	}

	// Stage flow: customers in each stage at every month end.
	y, m, _ := r.First.UTC().Date()
	var ends []time.Time
	for t := time.Date(y, m+1, 1, 0, 0, 0, 0, time.UTC); !t.After(r.AsOf); t = t.AddDate(0, 1, 0) {
		ends = append(ends, t)
	}
	if len(ends) < 2 {
		return []string{"lifecycle_stages"}, nil
	}
	groups := make([]plots.Group, len(stages))
	x := make([]float64, len(ends))
	var ticks []plot.Tick
	for i, t := range ends {
		x[i] = float64(i)
		label := ""
		if i%3 == 0 {
			label = t.AddDate(0, 0, -1).Format("Jan 06")
		}
		ticks = append(ticks, plot.Tick{Value: float64(i), Label: label})
	}
	for j, s := range stages {
		groups[j] = plots.Group{Name: s.String(), Y: make([]float64, len(ends))}
	}
	for _, res := range st.Results {
		for i, t := range ends {
			s := stageAt(res, t)
			if j := slices.Index(stages, s); j >= 0 {
				groups[j].Y[i]++
			}
		}
	}
	p = plots.StackedArea("Stage flow: customers in each stage at every month end", "month", "customers", x, groups, ticks)
	if err := r.formats.Save(p, dir, "lifecycle_flow"); err != nil {
		return nil, err
	}
	return []string{"lifecycle_stages", "lifecycle_flow"}, nil
}
