package lifecycle

// Strategy is the recommended way to treat customers in one stage: a name,
// the goal, and concrete actions. It is plain data: a host overrides it by
// editing the map [DefaultStrategies] returns.
type Strategy struct {
	Name    string   // a short name for the strategy
	Goal    string   // what the treatment aims at
	Actions []string // concrete actions
}

// DefaultStrategies returns the recommended strategy of each stage,
// Exploration through Ended, in a fresh map (with fresh Actions slices)
// the caller may change. The strategies follow the relationship-marketing
// literature (Dwyer, Schurr & Oh 1987; Jap & Ganesan 2000): lower the
// perceived risk while the customer explores, build trust while the
// relationship forms, lock in while it is stable, and diagnose before
// spending on a decline. There is no entry for None.
func DefaultStrategies() map[Stage]Strategy {
	return map[Stage]Strategy{
		Exploration: {
			Name: "acquisition",
			Goal: "lower the perceived risk of buying and size up the customer's potential",
			Actions: []string{
				"trial offers, guarantees and easy returns",
				"fast, flawless first deliveries",
				"learn the customer's needs and likely potential",
			},
		},
		Formation: {
			Name: "formation",
			Goal: "build trust and broaden the relationship",
			Actions: []string{
				"cross-sell into related categories",
				"a named contact and proactive service",
				"first agreements: subscriptions, framework contracts, loyalty enrolment",
			},
		},
		Stability: {
			Name: "stability",
			Goal: "lock in and watch for early signs of decline",
			Actions: []string{
				"long-term agreements and switching benefits",
				"referral programmes",
				"monitor recency and volume against the customer's own rhythm",
			},
		},
		Decline: {
			Name: "decline",
			Goal: "diagnose the cause, save high-value customers, let low-value ones go gracefully",
			Actions: []string{
				"ask why: service failure, a competitor, or a changed need",
				"service recovery and retention offers for high-value customers",
				"a graceful, low-cost exit for low-value customers",
			},
		},
		Ended: {
			Name: "win-back",
			Goal: "win back only where the expected value justifies the cost",
			Actions: []string{
				"a win-back offer to former high-value customers",
				"treat a new order as a re-activation: start exploration again",
			},
		},
	}
}
