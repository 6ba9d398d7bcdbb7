package segment

// DefaultRuleSetDef returns the definition of the default 5-bin rule set
// over R and FM = (F+M)/2; see the table in the package documentation. It
// is a fresh copy the caller may change and pass to [NewRuleSet].
func DefaultRuleSetDef() RuleSetDef {
	rg := func(lo, hi float64) *Range { return &Range{lo, hi} }
	return RuleSetDef{
		Bins: 5,
		Segments: []SegmentInfo{
			{"Champions", "bought recently, buy often and spend the most", "reward them; early access, ask for reviews and referrals"},
			{"Loyal", "buy regularly and spend well, recently enough", "upsell higher-value products; loyalty programme"},
			{"Potential Loyalist", "recent customers with moderate frequency and spend", "membership or loyalty offer; recommend related products"},
			{"New", "first purchase very recently, little spent so far", "onboarding; make the second purchase easy"},
			{"Promising", "fairly recent, but bought little so far", "build awareness; free trials, brand content"},
			{"Need Attention", "average recency, frequency and spend", "limited-time offers based on past purchases"},
			{"About to Sleep", "below average recency, frequency and spend", "reactivate with popular products and discounts"},
			{"Can't Lose Them", "were among the best buyers, but not for a long time", "win them back personally; survey why they left"},
			{"At Risk", "bought often and spent well, but long ago", "personalised reactivation; renewals and helpful content"},
			{"Lost", "lowest recency, frequency and spend", "ignore, or one low-cost win-back campaign"},
			{"Hibernating", "last purchase long ago, few orders, low spend", "offer relevant products and special discounts; cap the cost"},
		},
		Rules: []Rule{
			{Segment: "Champions", R: rg(5, 5), FM: rg(4, 5)},
			{Segment: "Loyal", R: rg(3, 5), FM: rg(3.5, 5)},
			{Segment: "Potential Loyalist", R: rg(4, 5), FM: rg(2, 3)},
			{Segment: "New", R: rg(5, 5), FM: rg(1, 1.5)},
			{Segment: "Promising", R: rg(4, 4), FM: rg(1, 1.5)},
			{Segment: "Need Attention", R: rg(3, 3), FM: rg(2.5, 3)},
			{Segment: "About to Sleep", R: rg(3, 3), FM: rg(1, 2)},
			{Segment: "Can't Lose Them", R: rg(1, 2), FM: rg(4.5, 5)},
			{Segment: "At Risk", R: rg(1, 2), FM: rg(3, 4)},
			{Segment: "Lost", R: rg(1, 1), FM: rg(1, 2)},
			{Segment: "Hibernating", R: rg(1, 2), FM: rg(1, 2.5)},
		},
	}
}

var defaultRules = func() *RuleSet {
	rs, err := NewRuleSet(DefaultRuleSetDef(), nil)
	if err != nil {
		panic(err) // a test checks this never happens
	}
	return rs
}()

// DefaultRules returns the default 5-bin rule set of 11 segments; it covers
// all 125 cells and reaches every segment. The RuleSet is shared and
// immutable.
func DefaultRules() *RuleSet { return defaultRules }
