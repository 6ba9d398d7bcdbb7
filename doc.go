// Package cvm is the shared vocabulary of the cvm customer-value-modeling
// library: transactions, CSV ingestion, per-customer summaries and
// calibration/holdout splits.
//
// # Overview
//
// Firms that practise one-to-one marketing (Peppers & Rogers 1993) work in
// four steps: identify each customer from everything they do, differentiate
// customers by value and needs, interact with each in the context of where
// the relationship stands, and customise what each gets. The packages of
// this module follow those steps:
//
//   - cvm (this package) identifies: it reads transactions ([Transaction])
//     from CSV files of any size and condenses them into one [Summary] per
//     customer.
//   - segment differentiates by behaviour: RFM scores with named segments,
//     and k-means clusters with honest k selection.
//   - value differentiates by worth: a 30-indicator model of current and
//     potential value with AHP, entropy and CRITIC weights, the value matrix
//     and the customer pyramid; value/clv forecasts lifetime value with
//     BG/NBD, Pareto/NBD and Gamma-Gamma models to drive potential value.
//   - lifecycle interacts in context: an event-driven state machine for the
//     exploration, formation, stability and decline stages of a relationship.
//   - recovery customises: service-recovery playbooks computed in advance for
//     every customer, failure type and severity, looked up when a failure
//     happens.
//
// Data flows one way: transactions and summaries from this package feed
// segment, value and lifecycle; their quadrants, tiers and stages feed
// recovery. This package imports none of them.
//
// # Conventions
//
// A purchase is a transaction with a non-negative amount; a negative amount
// is a return or refund. Purchase occasions are distinct calendar days by
// default ([ByDay]), as in the customer-base literature, or distinct orders
// ([ByOrder]). No function here reads the clock: "as of" times are always
// parameters.
package cvm
