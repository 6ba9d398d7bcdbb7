package flow

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/cvmkit/cvm/examples/internal/report"
	"github.com/cvmkit/cvm/lifecycle"
	"github.com/cvmkit/cvm/recovery"
	"github.com/cvmkit/cvm/value"

	"github.com/cvmkit/cvm/internal/synth"
	"github.com/cvmkit/cvm/profile"
)

// RecoveryStage is the recovery step: a playbook for every customer x
// failure type x severity, computed before any failure happens.
type RecoveryStage struct {
	Customers []recovery.Customer
	Book      *recovery.Book
	Story     string // the customer of the closing story
}

var (
	failures   = []recovery.FailureType{recovery.MoneyLoss, recovery.Defect, recovery.Delivery, recovery.FailedService, recovery.Staff, recovery.Outage}
	severities = []recovery.Severity{recovery.S1, recovery.S2, recovery.S3, recovery.S4}
	channels   = []string{"email", "email", "phone", "sms", "mail"}
)

func (r *Result) runRecovery() error {
	if r.Value == nil {
		return nil
	}
	f := r.File
	st := &RecoveryStage{Book: f.Book, Customers: make([]recovery.Customer, len(f.Profiles))}
	for i := range f.Profiles {
		st.Customers[i] = f.Profiles[i].Recovery
	}
	if !r.In.Synthetic {
		r.note("recovery: a transactions file has no failure or complaint history, preferred channel, influence or gross profit; the playbooks assume no past failures, the default channel per severity, and a gross profit of %.0f%% of the net sales for the compensation caps", 100*profile.AssumedMargin)
	}
	st.Story = r.pickStory(st)
	r.Recovery = st
	return nil
}

// attributes are what the synthetic firm knows besides its transactions:
// the B2B indicators of internal/synth, derived from each customer's own
// transactions plus noise (gross profit as the synthetic margin times the
// net sales), and a service desk's contact preferences, failures and
// complaints, drawn from the seed, one stream per customer.
func (r *Result) attributes() []profile.Attributes {
	syn := synth.IndicatorsFor(r.Summaries, r.In.Seed)
	out := make([]profile.Attributes, len(r.Summaries))
	var margin, contacts []float64
	for j, id := range syn.IDs {
		switch id {
		case "gross_margin":
			margin = syn.Columns[j]
		case "contacts":
			contacts = syn.Columns[j]
		}
	}
	r.synthIndicators = 0
	for j, id := range syn.IDs {
		if id != "gross_profit" && !slices.Contains(fromTransactions, id) {
			r.synthIndicators++
		}
		_ = j
	}
	for i, s := range r.Summaries {
		a := profile.Attributes{Customer: s.Customer, Indicators: map[string]float64{}}
		for j, id := range syn.IDs {
			if id == "gross_profit" || slices.Contains(fromTransactions, id) {
				continue
			}
			a.Indicators[id] = syn.Columns[j][i]
		}
		a.Indicators["gross_profit"] = s.Total * margin[i] / 100
		rng := rand.New(rand.NewPCG(r.In.Seed, uint64(i)^0x5eed5eed))
		a.Influence = contacts[i]
		a.Channel = channels[rng.IntN(len(channels))]
		switch u := rng.Float64(); {
		case u < 0.70:
		case u < 0.90:
			a.Failures12m = 1
		case u < 0.97:
			a.Failures12m = 2
		default:
			a.Failures12m = 3
		}
		a.LastRecoveryOK = rng.Float64() < 0.75
		// Nine in ten agreed to be contacted (contact never reaches the
		// others).
		a.Consent = rng.Float64() < 0.9
		out[i] = a
	}
	return out
}

// pickStory returns the customer of the closing story: the one asked
// for, else the quadrant IV customer in stability with the most net sales
// (any quadrant IV customer when no stage is known).
func (r *Result) pickStory(st *RecoveryStage) string {
	if r.In.Story != "" {
		if _, ok := st.Book.Customer(r.In.Story); ok {
			return r.In.Story
		}
		r.note("story: customer %q is not in the book; picked one instead", r.In.Story)
	}
	net := map[string]float64{}
	for _, s := range r.Summaries {
		net[s.Customer] = s.Total
	}
	best := ""
	for _, want := range []lifecycle.Stage{lifecycle.Stability, lifecycle.Formation, lifecycle.None} {
		for _, c := range st.Customers {
			if c.Quadrant == value.QuadrantIV && (c.Stage == want || want == lifecycle.None) && (best == "" || net[c.ID] > net[best]) {
				best = c.ID
			}
		}
		if best != "" {
			return best
		}
	}
	if len(st.Customers) == 0 {
		return ""
	}
	return st.Customers[0].ID
}

func (r *Result) reportRecovery(w io.Writer) {
	st := r.Recovery
	if st == nil {
		return
	}
	report.Section(w, "7. Customise: service-recovery playbooks, decided in advance")
	report.Para(w, fmt.Sprintf("A playbook for each of the %s customers x %d failure types x %d severities (%s entries) was computed from each customer's quadrant, tier, lifecycle stage, relationship strength and failure history. When a failure happens the response is a lookup: O(1), no allocation.",
		report.Int(st.Book.Len()), len(failures), len(severities), report.Int(st.Book.Len()*len(failures)*len(severities))))
	// The offer is what Entry.Resolve grants for a loss of the customer's
	// mean purchase occasion: the restoration (the full loss for a
	// delivery) plus the goodwill above it within the caps, as a ratio of
	// the loss.
	meanOrder := make(map[string]float64, len(r.Summaries))
	for _, s := range r.Summaries {
		meanOrder[s.Customer] = s.Mean()
	}
	tb := report.New("A late or failed delivery at severity S3, by value quadrant (medians over the quadrant's customers; offer for a loss of the customer's mean order)",
		"quadrant", "customers", "apology", "owner", "offer x loss", "goodwill cap", "front line may grant", "acknowledge", "resolve")
	for _, q := range []value.Quadrant{value.QuadrantIV, value.QuadrantIII, value.QuadrantII, value.QuadrantI} {
		var es []recovery.Entry
		var offers []float64
		for _, c := range st.Customers {
			if c.Quadrant != q {
				continue
			}
			e, err := st.Book.Lookup(c.ID, recovery.Delivery, recovery.S3)
			if err != nil {
				continue
			}
			es = append(es, e)
			if loss := meanOrder[c.ID]; loss > 0 {
				if res, err := e.Resolve(loss); err == nil {
					offers = append(offers, res.Total/loss)
				}
			}
		}
		if len(es) == 0 {
			continue
		}
		med := func(f func(recovery.Entry) float64) float64 {
			v := make([]float64, len(es))
			for i, e := range es {
				v[i] = f(e)
			}
			slices.Sort(v)
			return v[len(v)/2]
		}
		tb.Row(q.String(), report.Int(len(es)), mode(es, func(e recovery.Entry) string { return e.Apology.String() }),
			mode(es, func(e recovery.Entry) string { return e.Owner.String() }),
			medianOf(offers),
			report.Money(med(func(e recovery.Entry) float64 { return e.Cap })),
			report.Money(med(func(e recovery.Entry) float64 { return e.PreApproved })),
			hours(time.Duration(med(func(e recovery.Entry) float64 { return float64(e.AcknowledgeBy) }))),
			hours(time.Duration(med(func(e recovery.Entry) float64 { return float64(e.ResolveBy) }))))
	}
	tb.Write(w)
}

// medianOf returns the upper median of v formatted with two decimals, or
// "-" for none.
func medianOf(v []float64) string {
	if len(v) == 0 {
		return "-"
	}
	slices.Sort(v)
	return report.Float(v[len(v)/2], 2)
}

// mode returns the most common label of es, ties to the first seen.
func mode(es []recovery.Entry, f func(recovery.Entry) string) string {
	count := map[string]int{}
	best := ""
	for _, e := range es {
		k := f(e)
		count[k]++
		if count[k] > count[best] {
			best = k
		}
	}
	return best
}

func hours(d time.Duration) string {
	if d >= 48*time.Hour {
		return fmt.Sprintf("%.0f days", d.Hours()/24)
	}
	if d >= time.Hour {
		return fmt.Sprintf("%.0f h", d.Hours())
	}
	return fmt.Sprintf("%.0f min", d.Minutes())
}

// reportStory ends the report with one customer and one failure.
func (r *Result) reportStory(w io.Writer) {
	st := r.Recovery
	if st == nil || st.Story == "" {
		return
	}
	id := st.Story
	c, _ := st.Book.Customer(id)
	sc, _ := r.ScoreOf(id)
	var sum cvmSummary
	for _, s := range r.Summaries {
		if s.Customer == id {
			sum = cvmSummary{s.Total, s.Occasions, s.Last}
		}
	}
	loss := 0.0
	if sum.occasions > 0 {
		loss = math.Round(sum.total/float64(sum.occasions)*100) / 100
	}
	stage := ", lifecycle stage unknown"
	if c.Stage != lifecycle.None {
		stage = ") in " + c.Stage.String()
		if x, ok := r.StageOf(id); ok {
			stage += " since " + day(x.State.Since())
		}
	}
	report.Section(w, "8. The story: one customer, one failure, the response already decided")
	if c.Stage == lifecycle.None {
		stage += ")"
	}
	report.Para(w, fmt.Sprintf("Customer %s, a quadrant %s customer (%s tier%s, reports an S3 delivery failure: the order of %s did not arrive. Here is what the firm knows and the response, already decided:",
		id, sc.Quadrant, tierName(sc.Tier), stage, report.Money(loss)))
	alive, purch, clvV, _ := r.CLVOf(id)
	tb := report.New("Who the customer is")
	tb.Left(1)
	tb.Row("RFM segment", r.SegmentOf(id))
	tb.Row("value", fmt.Sprintf("current %.1f, potential %.1f, total %.1f: %s", sc.Current, sc.Potential, sc.Total, sc.Quadrant.Strategy()))
	tb.Row("history", fmt.Sprintf("%d purchase days, net %s, last on %s", sum.occasions, report.Money(sum.total), day(sum.last)))
	tb.Row("forecast", fmt.Sprintf("P(alive) %.2f, %.1f purchases expected next year, 12-month CLV %s", alive, purch, report.Money(clvV)))
	tb.Row("service history", fmt.Sprintf("%s in the last 12 months%s; %s", plural(int(c.Failures12m), "failure"), lastOK(c), orDefault(c.Channel, "no preferred channel stated")))
	tb.Write(w)

	e, err := st.Book.Lookup(id, recovery.Delivery, recovery.S3)
	if err != nil {
		fmt.Fprintf(w, "  lookup failed: %v\n", err)
		return
	}
	res, err := e.Resolve(loss)
	if err != nil {
		fmt.Fprintf(w, "  resolve failed: %v\n", err)
		return
	}
	approval := "the front line grants it at once"
	if res.NeedsApproval {
		approval = "needs approval by the " + e.Owner.String()
	}
	var fu []string
	for _, d := range e.FollowUp {
		if d > 0 {
			fu = append(fu, fmt.Sprintf("day %d", d))
		}
	}
	tb = report.New("\nThe response (recovery.Book.Lookup, then Entry.Resolve)")
	tb.Left(1)
	tb.Row("apology", fmt.Sprintf("%s; the case is owned by the %s", e.Apology, e.Owner))
	tb.Row("contact", fmt.Sprintf("by %s: acknowledge within %s, resolve within %s", e.Channel, hours(e.AcknowledgeBy), hours(e.ResolveBy)))
	restored := "the loss restored in full"
	if e.RestoreRatio < 1 {
		restored = fmt.Sprintf("%.2f x the loss restored", e.RestoreRatio)
	}
	tb.Row("remedy", fmt.Sprintf("%s worth %s: %s, never capped", e.Remedy, report.Money(res.Restore), restored))
	goodwill := "none: the customer expects no more than the loss restored"
	if res.Compensation > 0 || res.Capped {
		goodwill = fmt.Sprintf("%s above the loss (%s asked for", report.Money(res.Compensation), report.Money(max(e.Ratio-e.RestoreRatio, 0)*loss))
		if res.Capped {
			goodwill += fmt.Sprintf(", capped at %s", report.Money(e.Cap))
		}
		goodwill += ")"
	}
	tb.Row("goodwill", goodwill)
	tb.Row("total", fmt.Sprintf("%s; %s", report.Money(res.Total), approval))
	tb.Row("follow up", strings.Join(fu, ", ")+" after resolution")
	tb.Row("at stake", fmt.Sprintf("churn risk %s if handled badly, %s with this recovery", report.Pct(e.ChurnWithout), report.Pct(e.ChurnWith)))
	if e.Paradox {
		tb.Row("note", "first, minor failure: the offer aims above expectation (recovery paradox)")
	}
	tb.Write(w)
}

type cvmSummary struct {
	total     float64
	occasions int
	last      time.Time
}

func lastOK(c recovery.Customer) string {
	if c.Failures12m == 0 {
		return ""
	}
	if c.LastRecoveryOK {
		return ", the last one recovered to their satisfaction"
	}
	return ", the last one NOT recovered to their satisfaction"
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return "prefers " + s
}

// plural returns "1 failure", "2 failures" and so on.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
