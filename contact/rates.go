package contact

// Rates are response rates learned per rule and segment, treated and
// control apart, by the Beta-Binomial update: with a rule's prior rate r
// and prior weight w (Settings-free: Rates.Weight, 0 meaning 20 pseudo
// customers), the prior is Beta(r w, (1 - r) w) and after s responses in
// n contacts the posterior mean is
//
//	(r w + s) / (w + n)
//
// (Gelman et al. 2013, Bayesian Data Analysis, sec. 2.4). Decide reads the
// posterior means of the treated and the control group in place of the
// rule's Response and Baseline, so that each night's outcomes feed the next
// allocation. The zero Rates has learned nothing. A Rates is not safe for
// concurrent Observe; Decide only reads it.
type Rates struct {
	// Weight is the prior's weight in pseudo customers; 0 means 20.
	Weight float64
	m      map[rateKey]*count
}

type rateKey struct {
	rule, segment string
}

type count struct {
	n, s [2]float64 // [treated, control]
}

// Observe records one outcome of rule for a customer of segment: treated
// or control, responded or not.
func (r *Rates) Observe(rule, segment string, control, responded bool) {
	if r.m == nil {
		r.m = map[rateKey]*count{}
	}
	k := rateKey{rule, segment}
	c := r.m[k]
	if c == nil {
		c = &count{}
		r.m[k] = c
	}
	g := 0
	if control {
		g = 1
	}
	c.n[g]++
	if responded {
		c.s[g]++
	}
}

// Counts returns the contacts and responses recorded for rule and segment,
// treated and control.
func (r *Rates) Counts(rule, segment string) (treated, treatedResp, control, controlResp int) {
	if c := r.m[rateKey{rule, segment}]; c != nil {
		return int(c.n[0]), int(c.s[0]), int(c.n[1]), int(c.s[1])
	}
	return 0, 0, 0, 0
}

// Rate returns the posterior mean response rate of rule and segment, for
// the treated (control false) or the control group, with prior mean prior.
func (r *Rates) Rate(rule, segment string, prior float64, control bool) float64 {
	w := r.Weight
	if !(w > 0) {
		w = 20
	}
	c := r.m[rateKey{rule, segment}]
	if c == nil {
		return prior
	}
	g := 0
	if control {
		g = 1
	}
	return (prior*w + c.s[g]) / (w + c.n[g])
}

func (r *Rates) rates(rule, segment string, resp, base float64) (float64, float64) {
	if len(r.m) == 0 {
		return resp, base
	}
	return r.Rate(rule, segment, resp, false), r.Rate(rule, segment, base, true)
}

// Learn records the outcomes of a plan's decisions: a decision whose
// customer has an outcome with Responded counts as a response, one without
// an outcome as none.
func (r *Rates) Learn(p *Plan, outcomes []Outcome) {
	by := make(map[string]bool, len(outcomes))
	for _, o := range outcomes {
		by[o.Customer] = by[o.Customer] || o.Responded
	}
	for i := range p.Decisions {
		d := &p.Decisions[i]
		r.Observe(d.RuleName, d.Segment, d.Control, by[d.Customer])
	}
}
