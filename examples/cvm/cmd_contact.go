package main

import (
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cvmkit/cvm/contact"
	"github.com/cvmkit/cvm/examples/internal/input"
	"github.com/cvmkit/cvm/internal/csvout"
	"github.com/cvmkit/cvm/internal/num"
	"github.com/cvmkit/cvm/lifecycle"
	"github.com/cvmkit/cvm/value"
)

func runContact(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("contact", "-profiles profiles.csv [-rules rules.json] [-attributes attrs.csv] [-history contacts.csv] -as-of DATE [-budget N] [-max-per-customer N] [-control SHARE] [-seed S] -out plan.csv\n       cvm contact -evaluate -plan plan.csv -outcomes outcomes.csv [-json]",
		"cvm contact -profiles profiles.csv -as-of 2011-12-09 -budget 500 -out plan.csv", stderr)
	profilesPath := fs.String("profiles", "", "the customer file as cvm profile -out writes it")
	rulesPath := fs.String("rules", "", "contact rules (cvm.contact.rules JSON); default: the default rules")
	attrPath := fs.String("attributes", "", "contact attributes CSV: customer, preferred_channel, opt_out (true or channels joined by |), optional prev_segment, complaint, resolved, hours (9-20)")
	histPath := fs.String("history", "", "contact history CSV: customer, at, optional rule, channel, responded, complaint")
	asOf := fs.String("as-of", "", "the time the plan is made for (a date alone means the end of that day, UTC); required")
	budget := fs.Float64("budget", 0, "most the treated contacts may cost (channel plus offer); 0 for no budget")
	perCustomer := fs.Int("max-per-customer", 1, "most contacts per customer in this plan")
	control := fs.Float64("control", 0.1, "share of each rule's chosen customers held out as control; 0 for none")
	seed := fs.Uint64("seed", 1, "seed of the control groups")
	out := fs.String("out", "-", "plan CSV; - for standard output")
	evaluate := fs.Bool("evaluate", false, "evaluate a plan against outcomes instead of planning")
	planPath := fs.String("plan", "", "with -evaluate: the plan CSV")
	outcomesPath := fs.String("outcomes", "", "with -evaluate: outcomes CSV with customer, responded, revenue")
	asJSON := fs.Bool("json", false, "with -evaluate: write the evaluation as JSON")
	quiet := fs.Bool("q", false, "no summary on standard error")
	if done, err := parseFlags(fs, args); done {
		return err
	}
	if *evaluate {
		if *planPath == "" || *outcomesPath == "" {
			return usagef("-evaluate needs -plan and -outcomes")
		}
		return evaluateContact(*planPath, *outcomesPath, *asJSON, stdout)
	}
	if *profilesPath == "" {
		return usagef("-profiles is required")
	}
	if *asOf == "" {
		return usagef("-as-of is required: a plan is made for a given time")
	}
	t, err := parseAsOf(*asOf)
	if err != nil {
		return usagef("-as-of %q: %v", *asOf, err)
	}
	if *perCustomer < 1 {
		return usagef("-max-per-customer %d: want 1 or more", *perCustomer)
	}
	if !(*control >= 0 && *control < 1) {
		return usagef("-control %v: want a share in [0, 1)", *control)
	}
	if !(*budget >= 0 && !math.IsInf(*budget, 0)) {
		return usagef("-budget %v: want a finite amount >= 0", *budget)
	}
	rules := contact.DefaultRules()
	if *rulesPath != "" {
		b, err := os.ReadFile(*rulesPath)
		if err != nil {
			return err
		}
		rules = &contact.RuleSet{}
		if err := json.Unmarshal(b, rules); err != nil {
			return fmt.Errorf("%s: %w", *rulesPath, err)
		}
	}
	cs, err := readContactProfiles(*profilesPath)
	if err != nil {
		return err
	}
	if *attrPath != "" {
		if err := readContactAttributes(*attrPath, cs); err != nil {
			return err
		}
	}
	var hist []contact.Contact
	if *histPath != "" {
		if hist, err = readContactHistory(*histPath); err != nil {
			return err
		}
	}
	s := &contact.Settings{Budget: *budget, MaxPerCustomer: *perCustomer, Control: *control, Seed: *seed}
	if *control == 0 {
		s.Control = contact.Off
	}
	plan, err := contact.Decide(context.Background(), cs, hist, rules, t, s)
	if err != nil {
		return err
	}
	if err := input.CreateFile(*out, stdout, func(w io.Writer) error { return writeContactPlan(w, plan, rules) }); err != nil {
		return err
	}
	if !*quiet {
		printContactSummary(stderr, plan, rules)
	}
	return nil
}

// contactPlanColumns are the columns of the plan CSV.
var contactPlanColumns = []string{"customer", "rule", "message", "offer", "offer_cost", "channel", "send_at", "expected_value", "group",
	"channel_reason", "channel_cost", "cost", "response", "value", "fired", "why"}

func writeContactPlan(w io.Writer, p *contact.Plan, rules *contact.RuleSet) error {
	cw := csvout.NewWriter(w)
	if err := cw.Write(contactPlanColumns...); err != nil {
		return err
	}
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', 4, 64) }
	for i := range p.Decisions {
		d := &p.Decisions[i]
		g := "treatment"
		if d.Control {
			g = "control"
		}
		if err := cw.Write(d.Customer, d.RuleName, d.Message, d.Offer.String(), f(d.OfferCost), d.Channel.String(), d.SendAt.UTC().Format(time.DateTime),
			f(d.Net), g, d.Reason.String(), f(d.ChannelCost), f(d.Cost), f(d.Response), f(d.Value), d.Fired.UTC().Format(time.DateTime), d.Why(rules)); err != nil {
			return err
		}
	}
	return cw.Flush()
}

func printContactSummary(w io.Writer, p *contact.Plan, rules *contact.RuleSet) {
	type agg struct {
		treated, control int
		cost, value      float64
	}
	byRule := map[string]*agg{}
	byChannel := map[string]*agg{}
	for i := range p.Decisions {
		d := &p.Decisions[i]
		for _, m := range []struct {
			m map[string]*agg
			k string
		}{{byRule, d.RuleName}, {byChannel, d.Channel.String()}} {
			a := m.m[m.k]
			if a == nil {
				a = &agg{}
				m.m[m.k] = a
			}
			if d.Control {
				a.control++
			} else {
				a.treated++
				a.cost += d.Cost
				a.value += d.Net
			}
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, m := range []struct {
		name string
		m    map[string]*agg
	}{{"rule", byRule}, {"channel", byChannel}} {
		fmt.Fprintf(tw, "%s\ttreated\tcontrol\tcost\texpected value\t\n", m.name)
		keys := make([]string, 0, len(m.m))
		for k := range m.m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			a := m.m[k]
			fmt.Fprintf(tw, "%s\t%d\t%d\t%.2f\t%.2f\t\n", k, a.treated, a.control, a.cost, a.value)
		}
	}
	tw.Flush()
	st, al := p.Stats, p.Allocation
	fmt.Fprintf(w, "%d customers as of %s: %d fired, %d eligible; %d opted out, %d already done, %d quiet, %d unprofitable, %d capped, %d over budget\n",
		st.Customers, p.AsOf.UTC().Format(time.DateTime), st.Fired, st.Eligible, st.OptedOut, st.Done, st.Quiet, st.Unprofitable, st.Capped, st.OverBudget)
	fmt.Fprintf(w, "%d treated, %d control; spent %.2f", st.Treated, st.Control, al.Spent)
	if al.Budget > 0 {
		fmt.Fprintf(w, " of %.2f", al.Budget)
	}
	fmt.Fprintf(w, " for an expected net value of %.2f (allocation %s; chosen %.2f, LP bound %.2f)\n", al.Value, al.Method, al.Chosen, al.Bound)
}

// csvTable reads a CSV with a header into named columns.
type csvTable struct {
	path string
	col  map[string]int
	cr   *csv.Reader
	line int
}

func openCSVTable(path string, required ...string) (*csvTable, func(), error) {
	r, closeFn, err := input.OpenFile(path)
	if err != nil {
		return nil, nil, err
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		closeFn()
		return nil, nil, fmt.Errorf("%s: header: %w", path, err)
	}
	t := &csvTable{path: path, col: map[string]int{}, cr: cr, line: 1}
	for j, h := range head {
		t.col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF")))] = j
	}
	for _, c := range required {
		if _, ok := t.col[c]; !ok {
			closeFn()
			return nil, nil, fmt.Errorf("%s: no %s column in the header %q", path, c, head)
		}
	}
	return t, closeFn, nil
}

// next returns the next row, io.EOF at the end.
func (t *csvTable) next() ([]string, error) {
	rec, err := t.cr.Read()
	if err == io.EOF {
		return nil, io.EOF
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", t.path, err)
	}
	t.line, _ = t.cr.FieldPos(0) // the line the row begins on: blank lines and quoted line ends count
	return rec, nil
}

func (t *csvTable) get(rec []string, name string) string {
	if j, ok := t.col[name]; ok && j < len(rec) {
		return strings.TrimSpace(rec[j])
	}
	return ""
}

func (t *csvTable) errf(name, v string, err error) error {
	return fmt.Errorf("%s:%d: column %s: %q: %w", t.path, t.line, name, v, err)
}

func parseStamp(s string) (time.Time, error) {
	for _, l := range []string{time.DateTime, time.DateOnly, time.RFC3339Nano} {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("want 2006-01-02, 2006-01-02 15:04:05 or RFC 3339")
}

// readContactProfiles reads the customer file as cvm profile writes it.
func readContactProfiles(path string) ([]contact.Customer, error) {
	t, closeFn, err := openCSVTable(path, "customer", "stage")
	if err != nil {
		return nil, err
	}
	defer closeFn()
	var cs []contact.Customer
	for {
		rec, err := t.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		c := contact.Customer{ID: t.get(rec, "customer"), Segment: t.get(rec, "rfm_segment")}
		if c.ID == "" {
			return nil, fmt.Errorf("%s:%d: empty customer", path, t.line)
		}
		num := func(name string) (float64, bool, error) {
			v := t.get(rec, name)
			if v == "" {
				return 0, false, nil
			}
			x, err := strconv.ParseFloat(v, 64)
			if err != nil || !num.Finite(x) {
				return 0, false, t.errf(name, v, errors.New("want a finite number"))
			}
			return x, true, nil
		}
		stamp := func(name string) (time.Time, error) {
			v := t.get(rec, name)
			if v == "" {
				return time.Time{}, nil
			}
			x, err := parseStamp(v)
			if err != nil {
				return x, t.errf(name, v, err)
			}
			return x, nil
		}
		var ok bool
		if c.PAlive, ok, err = num("p_alive"); err != nil {
			return nil, err
		}
		c.Forecast = ok
		if c.ExpectedPurchases, _, err = num("expected_purchases"); err != nil {
			return nil, err
		}
		if c.ExpectedSpend, _, err = num("expected_spend"); err != nil {
			return nil, err
		}
		if c.CLV, _, err = num("clv"); err != nil {
			return nil, err
		}
		occ, _, err := num("occasions")
		if err != nil {
			return nil, err
		}
		if occ < 0 || occ != math.Trunc(occ) || occ > math.MaxInt32 {
			return nil, t.errf("occasions", t.get(rec, "occasions"), errors.New("want a whole number >= 0"))
		}
		c.Occasions = int(occ)
		if c.First, err = stamp("first"); err != nil {
			return nil, err
		}
		if c.Last, err = stamp("last"); err != nil {
			return nil, err
		}
		if c.Since, err = stamp("stage_since"); err != nil {
			return nil, err
		}
		if v := t.get(rec, "stage"); v != "" {
			if c.Stage, err = lifecycle.ParseStage(v); err != nil {
				return nil, t.errf("stage", v, err)
			}
		}
		if v := t.get(rec, "last_transition"); v != "" {
			from, _, found := strings.Cut(v, "->")
			if !found {
				return nil, t.errf("last_transition", v, errors.New("want FROM->TO by RULE on DATE"))
			}
			if c.From, err = lifecycle.ParseStage(from); err != nil {
				return nil, t.errf("last_transition", v, err)
			}
		}
		if v := t.get(rec, "quadrant"); v != "" {
			if c.Quadrant, err = value.ParseQuadrant(v); err != nil {
				return nil, t.errf("quadrant", v, err)
			}
		}
		if v := t.get(rec, "tier"); v != "" {
			if c.Tier, err = value.ParseTier(v); err != nil {
				return nil, t.errf("tier", v, err)
			}
		}
		if v := t.get(rec, "flags"); v != "" {
			if err := c.Flags.UnmarshalText([]byte(v)); err != nil {
				return nil, t.errf("flags", v, err)
			}
		}
		cs = append(cs, c)
	}
	return cs, nil
}

// readContactAttributes sets the contact attributes of cs from a CSV.
// A customer not in cs is an error naming it.
func readContactAttributes(path string, cs []contact.Customer) error {
	idx := make(map[string]int, len(cs))
	for i := range cs {
		idx[cs[i].ID] = i
	}
	t, closeFn, err := openCSVTable(path, "customer")
	if err != nil {
		return err
	}
	defer closeFn()
	for {
		rec, err := t.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		id := t.get(rec, "customer")
		i, ok := idx[id]
		if !ok {
			return fmt.Errorf("%s:%d: customer %q has no profile", path, t.line, id)
		}
		c := &cs[i]
		if v := t.get(rec, "preferred_channel"); v != "" {
			if c.Channel, err = contact.ParseChannel(v); err != nil {
				return t.errf("preferred_channel", v, err)
			}
		}
		if v := t.get(rec, "opt_out"); v != "" {
			if c.OptOut, err = contact.ParseChannelSet(v); err != nil {
				return t.errf("opt_out", v, err)
			}
		}
		if v := t.get(rec, "prev_segment"); v != "" {
			c.PrevSegment = v
		}
		for _, f := range []struct {
			name string
			dst  *time.Time
		}{{"complaint", &c.Complaint}, {"resolved", &c.Resolved}} {
			if v := t.get(rec, f.name); v != "" {
				if *f.dst, err = parseStamp(v); err != nil {
					return t.errf(f.name, v, err)
				}
			}
		}
		if v := t.get(rec, "hours"); v != "" {
			a, b, _ := strings.Cut(v, "-")
			from, e1 := strconv.Atoi(strings.TrimSpace(a))
			to, e2 := strconv.Atoi(strings.TrimSpace(b))
			if e1 != nil || e2 != nil || from < 0 || from >= to || to > 24 {
				return t.errf("hours", v, errors.New("want FROM-TO, 0 <= FROM < TO <= 24"))
			}
			c.Hours = contact.Hours{From: uint8(from), To: uint8(to)}
		}
	}
}

func parseBoolCell(t *csvTable, rec []string, name string) (bool, error) {
	v := t.get(rec, name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, t.errf(name, v, errors.New("want true or false"))
	}
	return b, nil
}

// readContactHistory reads the contact history CSV.
func readContactHistory(path string) ([]contact.Contact, error) {
	t, closeFn, err := openCSVTable(path, "customer", "at")
	if err != nil {
		return nil, err
	}
	defer closeFn()
	var out []contact.Contact
	for {
		rec, err := t.next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		c := contact.Contact{Customer: t.get(rec, "customer"), Rule: t.get(rec, "rule")}
		if c.Customer == "" {
			return nil, fmt.Errorf("%s:%d: empty customer", path, t.line)
		}
		v := t.get(rec, "at")
		if c.At, err = parseStamp(v); err != nil {
			return nil, t.errf("at", v, err)
		}
		if v := t.get(rec, "channel"); v != "" {
			if c.Channel, err = contact.ParseChannel(v); err != nil {
				return nil, t.errf("channel", v, err)
			}
		}
		if c.Responded, err = parseBoolCell(t, rec, "responded"); err != nil {
			return nil, err
		}
		if c.Complaint, err = parseBoolCell(t, rec, "complaint"); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
}

func evaluateContact(planPath, outcomesPath string, asJSON bool, stdout io.Writer) error {
	t, closeFn, err := openCSVTable(planPath, "customer", "rule", "group")
	if err != nil {
		return err
	}
	defer closeFn()
	var ds []contact.Decision
	for {
		rec, err := t.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		d := contact.Decision{Customer: t.get(rec, "customer"), RuleName: t.get(rec, "rule")}
		switch g := t.get(rec, "group"); g {
		case "treatment":
		case "control":
			d.Control = true
		default:
			return t.errf("group", g, errors.New("want treatment or control"))
		}
		ds = append(ds, d)
	}
	o, closeO, err := openCSVTable(outcomesPath, "customer", "responded")
	if err != nil {
		return err
	}
	defer closeO()
	var outs []contact.Outcome
	for {
		rec, err := o.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		oc := contact.Outcome{Customer: o.get(rec, "customer")}
		if oc.Responded, err = parseBoolCell(o, rec, "responded"); err != nil {
			return err
		}
		if v := o.get(rec, "revenue"); v != "" {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil || !num.Finite(x) {
				return o.errf("revenue", v, errors.New("want a finite number"))
			}
			oc.Revenue = x
		}
		outs = append(outs, oc)
	}
	ev := contact.Evaluate(ds, outs)
	if asJSON {
		b, err := json.MarshalIndent(ev, "", "  ")
		if err != nil {
			// Every revenue cell is finite, so only a sum can overflow.
			return fmt.Errorf("%s: the revenue totals overflow a float64: %w", outcomesPath, err)
		}
		_, err = stdout.Write(append(b, '\n'))
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "rule\ttreated\tcontrol\ttreated rate\tcontrol rate\tuplift\t95% interval\trevenue uplift\t")
	rows := append(slices.Clone(ev.Rules), ev.Overall)
	rows[len(rows)-1].Rule = "overall"
	slices.SortStableFunc(rows[:len(rows)-1], func(a, b contact.Comparison) int { return cmp.Compare(a.Rule, b.Rule) })
	for _, c := range rows {
		if !c.OK {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%.4f\t%.4f\t-\t-\t-\t\n", c.Rule, c.Treated.N, c.Control.N, c.Treated.Rate, c.Control.Rate)
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.4f\t%.4f\t%+.4f\t[%+.4f, %+.4f]\t%+.2f\t\n", c.Rule, c.Treated.N, c.Control.N, c.Treated.Rate, c.Control.Rate, c.Uplift, c.UpliftLo, c.UpliftHi, c.RevenueUplift)
	}
	return tw.Flush()
}
