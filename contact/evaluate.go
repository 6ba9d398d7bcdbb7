package contact

import (
	"cmp"
	"math"
	"slices"
)

// Outcome is what a customer did after a plan: responded or not, and the
// revenue.
type Outcome struct {
	Customer  string  // the customer's ID, as in Decision.Customer
	Responded bool    // whether the customer responded
	Revenue   float64 // the revenue that followed
}

// Arm is one group's outcomes: decisions, responders, response rate,
// revenue in total and per decision.
type Arm struct {
	N          int     `json:"n"`                    // decisions in the group
	Responders int     `json:"responders"`           // decisions whose customer responded
	Rate       float64 `json:"rate"`                 // Responders / N; 0 when N is 0
	Revenue    float64 `json:"revenue"`              // revenue summed over the decisions
	PerCust    float64 `json:"revenue_per_customer"` // Revenue / N; 0 when N is 0
	sumSq      float64
}

// Comparison compares the treated and the control group of one rule (or
// all of them): the uplift in response rate, treated minus control, with
// its 95% interval (Wald, the normal approximation of the difference of two
// proportions: uplift +- 1.96 sqrt(p1(1-p1)/n1 + p0(1-p0)/n0)), and the
// uplift in revenue per customer with its 95% interval (Welch's standard
// error). OK is false, and the uplifts zero, when a group is empty.
type Comparison struct {
	Rule            string  `json:"rule,omitempty"`    // the rule's name; empty in Evaluation.Overall
	Treated         Arm     `json:"treated"`           // the decisions acted on
	Control         Arm     `json:"control"`           // the decisions held out
	OK              bool    `json:"ok"`                // both groups are non-empty
	Uplift          float64 `json:"uplift"`            // Treated.Rate - Control.Rate
	UpliftLo        float64 `json:"uplift_lo"`         // lower end of Uplift's 95% interval
	UpliftHi        float64 `json:"uplift_hi"`         // upper end of Uplift's 95% interval
	RevenueUplift   float64 `json:"revenue_uplift"`    // Treated.PerCust - Control.PerCust
	RevenueUpliftLo float64 `json:"revenue_uplift_lo"` // lower end of RevenueUplift's 95% interval
	RevenueUpliftHi float64 `json:"revenue_uplift_hi"` // upper end of RevenueUplift's 95% interval
}

// Evaluation is Evaluate's result: per rule in name order, and overall
// (every decision pooled).
type Evaluation struct {
	Rules   []Comparison `json:"rules"`   // one per rule name, in name order
	Overall Comparison   `json:"overall"` // every decision pooled
}

// z95 is the standard normal's 97.5% quantile.
const z95 = 1.959963984540054

// Evaluate compares the treated and the control decisions of a plan with
// the outcomes that followed. Each decision reads its customer's outcome
// (a customer with several outcome rows: responded if any did, revenues
// summed); a decision without an outcome counts as no response and no
// revenue. A NaN or infinite revenue is counted as it is and makes the
// revenue figures NaN; Evaluate has no error.
func Evaluate(decisions []Decision, outcomes []Outcome) Evaluation {
	type oc struct {
		resp bool
		rev  float64
	}
	by := make(map[string]oc, len(outcomes))
	for _, o := range outcomes {
		x := by[o.Customer]
		x.resp = x.resp || o.Responded
		x.rev += o.Revenue
		by[o.Customer] = x
	}
	rules := map[string]*Comparison{}
	var all Comparison
	for i := range decisions {
		d := &decisions[i]
		c := rules[d.RuleName]
		if c == nil {
			c = &Comparison{Rule: d.RuleName}
			rules[d.RuleName] = c
		}
		o := by[d.Customer]
		for _, cm := range []*Comparison{c, &all} {
			a := &cm.Treated
			if d.Control {
				a = &cm.Control
			}
			a.N++
			if o.resp {
				a.Responders++
			}
			a.Revenue += o.rev
			a.sumSq += o.rev * o.rev
		}
	}
	var ev Evaluation
	for _, c := range rules {
		c.finish()
		ev.Rules = append(ev.Rules, *c)
	}
	slices.SortFunc(ev.Rules, func(a, b Comparison) int { return cmp.Compare(a.Rule, b.Rule) })
	all.finish()
	ev.Overall = all
	return ev
}

func (c *Comparison) finish() {
	varRev := func(a *Arm) float64 {
		if a.N < 2 {
			return 0
		}
		v := (a.sumSq - a.Revenue*a.Revenue/float64(a.N)) / float64(a.N-1)
		return max(v, 0) / float64(a.N)
	}
	for _, a := range []*Arm{&c.Treated, &c.Control} {
		if a.N > 0 {
			a.Rate = float64(a.Responders) / float64(a.N)
			a.PerCust = a.Revenue / float64(a.N)
		}
	}
	if c.Treated.N == 0 || c.Control.N == 0 {
		return
	}
	c.OK = true
	p1, p0 := c.Treated.Rate, c.Control.Rate
	se := math.Sqrt(p1*(1-p1)/float64(c.Treated.N) + p0*(1-p0)/float64(c.Control.N))
	c.Uplift = p1 - p0
	c.UpliftLo, c.UpliftHi = c.Uplift-z95*se, c.Uplift+z95*se
	sr := math.Sqrt(varRev(&c.Treated) + varRev(&c.Control))
	c.RevenueUplift = c.Treated.PerCust - c.Control.PerCust
	c.RevenueUpliftLo, c.RevenueUpliftHi = c.RevenueUplift-z95*sr, c.RevenueUplift+z95*sr
}
