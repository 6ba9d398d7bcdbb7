package contact

import (
	"github.com/cvmkit/cvm/lifecycle"
	"github.com/cvmkit/cvm/value"
)

// DefaultRules returns the default rules, one per lifecycle strategy
// (Dwyer, Schurr & Oh 1987; the strategies of the lifecycle package) plus a
// recovery follow-up, an overdue reminder and an anniversary, so that a plan
// is useful on a bare transactions file. The rates are policy priors, not
// estimates: learn them from outcomes (Rates). The save is valued at the
// CLV (what leaving would lose), not the CLV at risk: the purchase model's
// P(alive) is near 1 for many customers the lifecycle already sees in
// decline (one-time buyers, whose BG/NBD P(alive) is 1), so the two views
// disagree exactly where the save matters. A new RuleSet on each call.
//
//	rule                trigger                         offer       value    resp  base  prio
//	welcome             into exploration, 31 days       fixed 5     spend    0.12  0.06  30
//	cross-sell          into formation, 31 days         none        spend    0.08  0.04  20
//	lock-in             into stability, 31 days, II/IV  share 0.05  clv      0.05  0.03  20
//	save                into decline, 31 days           share 0.10  clv      0.10  0.04  40
//	win-back            into ended, 31 days, CLV>=20    fixed 10    at_risk  0.05  0.02  35
//	overdue             1.5 x own interval, active      none        spend    0.06  0.03  10
//	anniversary         first purchase, 7 days          fixed 2     spend    0.05  0.03  5
//	recovery-follow-up  days 1, 7, 30 after resolution  none        clv      0.03  0.00  50
func DefaultRules() *RuleSet {
	dso := "Dwyer, Schurr & Oh 1987; lifecycle package strategies"
	return &RuleSet{Rules: []Rule{
		{Name: "welcome", Source: "acquisition in exploration: a reason for the second purchase (" + dso + "; Peppers & Rogers 1993)",
			Trigger: Trigger{Kind: Transition, To: []lifecycle.Stage{lifecycle.Exploration}},
			Action:  Action{Message: "welcome_second_order", Offer: Offer{Kind: FixedOffer, Amount: 5}, Channels: []Channel{Email, SMS}, Timing: Timing{Kind: Delay, Days: 2}, Priority: 30, Value: Spend, Response: 0.12, Baseline: 0.06}},
		{Name: "cross-sell", Source: "cross-sell in formation: widen the relationship while trust grows (" + dso + ")",
			Trigger: Trigger{Kind: Transition, To: []lifecycle.Stage{lifecycle.Formation}},
			Action:  Action{Message: "cross_sell", Channels: []Channel{Email, Push}, Timing: Timing{Kind: Rhythm}, Priority: 20, Value: Spend, Response: 0.08, Baseline: 0.04}},
		{Name: "lock-in", Source: "lock-in in stability for high-potential customers: loyalty programme, invest in quadrants II and IV (" + dso + "; value matrix strategies)",
			Trigger:  Trigger{Kind: Transition, To: []lifecycle.Stage{lifecycle.Stability}},
			Eligible: Eligibility{Quadrants: []value.Quadrant{value.QuadrantII, value.QuadrantIV}},
			Action:   Action{Message: "loyalty_programme", Offer: Offer{Kind: ShareOffer, Amount: 0.05}, Channels: []Channel{Email, Mail}, Timing: Timing{Kind: Now}, Priority: 20, Value: CLV, Response: 0.05, Baseline: 0.03}},
		{Name: "save", Source: "diagnose-then-save in decline: ask why, then an offer (" + dso + "; Reinartz & Kumar 2003)",
			Trigger: Trigger{Kind: Transition, To: []lifecycle.Stage{lifecycle.Decline}},
			Action:  Action{Message: "diagnose_then_save", Offer: Offer{Kind: ShareOffer, Amount: 0.10}, Channels: []Channel{Email, SMS, Phone}, Timing: Timing{Kind: Now}, Priority: 40, Value: CLV, Response: 0.10, Baseline: 0.04}},
		{Name: "win-back", Source: "win back ended relationships only where the expected value justifies the cost (Thomas, Blattberg & Fox 2004)",
			Trigger:  Trigger{Kind: Transition, To: []lifecycle.Stage{lifecycle.Ended}},
			Eligible: Eligibility{MinCLV: 20},
			Action:   Action{Message: "win_back", Offer: Offer{Kind: FixedOffer, Amount: 10}, Channels: []Channel{Email, Mail}, Timing: Timing{Kind: Now}, Priority: 35, Value: AtRisk, Response: 0.05, Baseline: 0.02}},
		{Name: "overdue", Source: "a purchase overdue against the customer's own rhythm (Peppers, Rogers & Dorf 1999: interaction in the context of the customer's behaviour)",
			Trigger:  Trigger{Kind: Overdue, Factor: 1.5},
			Eligible: Eligibility{Stages: []lifecycle.Stage{lifecycle.Formation, lifecycle.Stability}},
			Action:   Action{Message: "reminder", Channels: []Channel{Email, Push}, Timing: Timing{Kind: Now}, Priority: 10, Value: Spend, Response: 0.06, Baseline: 0.03}},
		{Name: "anniversary", Source: "a first-purchase anniversary: a relationship reward (Peppers & Rogers 1993)",
			Trigger:  Trigger{Kind: Anniversary},
			Eligible: Eligibility{Stages: []lifecycle.Stage{lifecycle.Formation, lifecycle.Stability, lifecycle.Decline}},
			Action:   Action{Message: "anniversary", Offer: Offer{Kind: FixedOffer, Amount: 2}, Channels: []Channel{Email}, Timing: Timing{Kind: Now}, Priority: 5, Value: Spend, Response: 0.05, Baseline: 0.03}},
		{Name: "recovery-follow-up", Source: "follow up after a service recovery on the recovery playbook's checkpoints (recovery package; Grégoire, Tripp & Legoux 2009)",
			Trigger: Trigger{Kind: FollowUp, Days: []int{1, 7, 30}},
			Action:  Action{Message: "recovery_follow_up", Channels: []Channel{Email, Phone}, Timing: Timing{Kind: Now}, Priority: 50, Value: CLV, Response: 0.03, Service: true}},
	}}
}
