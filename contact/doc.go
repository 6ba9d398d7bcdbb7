// Package contact decides rule-triggered one-to-one contact: for each
// customer of the customer file, which message, offer, channel and send
// time, within a budget, measured against a control group.
//
// # Overview
//
// One-to-one marketing has four steps: identify, differentiate, interact and
// customise (Peppers & Rogers 1993; Peppers, Rogers & Dorf 1999). The
// profile package identifies and differentiates; this package interacts and
// customises. A [Rule] is data (Go values, or a JSON file in the cvm
// envelope [RulesFormat]): a [Trigger] on the customer's behaviour, an
// [Eligibility] over the profile's fields, and an [Action] with the message
// key, the offer and its cost, the channels, the timing, a priority and a
// control share. [DefaultRules] follow the lifecycle strategies (Dwyer,
// Schurr & Oh 1987): acquisition in exploration, cross-sell in formation,
// lock-in in stability, diagnose-then-save in decline, win-back of ended
// relationships only where the value justifies the cost (Thomas, Blattberg
// & Fox 2004), plus a recovery follow-up, an overdue reminder and an
// anniversary.
//
// [Decide] evaluates the rules for every [Customer] (see [FromProfile]) as
// of a caller-given time, never the clock, and returns a [Plan]: one
// [Decision] per chosen contact, with why. It is deterministic: the same
// customers, history, rules, as-of and settings give the same plan whatever
// GOMAXPROCS, and the customers in another order get the same decisions
// (ties between contacts of equal value go to the smaller customer ID;
// only a budget filled to within rounding may differ, since the costs are
// summed in the plan's order).
//
// # Triggers
//
// Transition: the stage is one of To (from one of From) and began within
// Within days (default 31, one monthly lifecycle tick) before the as-of. AliveBelow: P(alive) < Level.
// Overdue: the days since the last purchase exceed Factor (default 1.5)
// times the customer's own interval, the mean gap between purchase days
// (or 364 / expected purchases in 52 weeks for a one-time buyer). Anniversary:
// a first-purchase anniversary within Within days. SegmentChange: the RFM
// segment differs from the previous period's. FollowUp: the recovery
// checkpoints (days after the last resolution). Schedule: every Every days
// from Start. A rule the history shows already acted since its trigger fired
// does not fire again.
//
// # Channel, timing and pressure
//
// A stated channel preference always wins; a channel the customer opted
// out of is never used (a global opt-out is no contact); otherwise the
// channel the customer last responded on, else the rule's cheapest. The
// send time is the as-of, a delay after the trigger, or the expected next
// purchase (last purchase plus the interval), then never before the as-of
// and moved into the allowed hours. No contact within QuietAfterContact days
// of the last one, none but service contacts within QuietAfterComplaint days
// of a complaint; at most MaxPerCustomer contacts per plan and MaxPerWindow
// per Window days with the history's. Among a customer's competing actions
// the highest priority wins, then the highest net value.
//
// # Value and budget
//
// Each contact's expected net value is
//
//	net = (response - baseline) x (value - offer cost) - channel cost
//
// where value is the expected spend of a purchase, the CLV, or the CLV at
// risk, CLV (1 - P(alive)) / max(P(alive), 0.05), and the offer is paid by
// responders only. A contact with net <= 0 is never made. With a budget B the
// choice is a 0/1 knapsack over the contacts (cost = channel + offer cost,
// never exceeding B even if every customer responds): with at most
// [ExactItems] candidates every subset is tried (optimal); otherwise greedy
// by net / cost, or the best single contact when it is worth more, which is
// at least half the optimum (Martello & Toth 1990); [Allocation.Bound] reports the LP
// relaxation's value (Dantzig 1957), an upper bound on the optimum, so
// the gap of every plan is known.
//
// # Control groups and learning
//
// Each rule holds out round(share x n) of its n chosen customers, those
// with the smallest seeded hash of (rule, customer): an exact share, stable
// for a seed. Control customers are not contacted and cost nothing.
// [Evaluate] compares treated and control response rates and revenue, with
// the uplift and its 95% interval (Wald; Radcliffe 2007 on uplift
// measurement). [Rates] learn the treated and the control response rate
// per rule and segment by the Beta-Binomial update and feed the next
// [Decide].
//
// # Cost
//
// Decide is one pass over the customers (in parallel ranges), a sort of
// the profitable contacts by density and a sort per rule by hash; see the
// README for the 1M-customer benchmark.
package contact
