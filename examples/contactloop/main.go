// Command contactloop runs the nightly contact loop a host runs on top of
// cvm, on a synthetic base: each night it updates the customer file with the
// day's transactions (profile.Update), evaluates the contact rules as of the
// night (contact.Decide, with the contact history so far and the response
// rates learned so far), emits the plan, and records the outcomes: the
// responses and complaints go into the contact history, and the response
// rates are updated per rule and segment (Beta-Binomial), which the next
// night's allocation reads (the mean expected uplift column). At the end it
// compares treated and control over all nights (contact.Evaluate).
//
//	contactloop [-customers 3000] [-nights 14] [-budget 40] [-seed 1]
//
// The outcomes are simulated: a control customer responds with the rule's
// baseline rate, a treated one with the baseline plus half the rule's prior
// uplift (the priors are optimistic, so learning lowers them), and one
// treated contact in a hundred brings a complaint. It imports the profile
// and contact packages and internal/synth for the data.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/contact"
	"github.com/cvmkit/cvm/internal/synth"
	"github.com/cvmkit/cvm/profile"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "contactloop:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("contactloop", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("customers", 3000, "customers in the synthetic base")
	nights := fs.Int("nights", 14, "nights to run")
	budget := fs.Float64("budget", 40, "budget of each night's plan")
	seed := fs.Uint64("seed", 1, "seed of the base, the control groups and the simulated outcomes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 100 || *nights < 1 || *budget < 0 {
		return errors.New("want -customers >= 100, -nights >= 1, -budget >= 0")
	}
	ctx := context.Background()
	cfg := synth.Config{Customers: *n, Seed: *seed}
	txs := slices.Collect(synth.Transactions(cfg))
	slices.SortStableFunc(txs, func(a, b cvm.Transaction) int { return a.Time.Compare(b.Time) })
	end := txs[len(txs)-1].Time.UTC().Truncate(24 * time.Hour).Add(24*time.Hour - time.Second)
	start := end.AddDate(0, 0, -*nights)
	until := func(t time.Time) int {
		i, _ := slices.BinarySearchFunc(txs, t, func(x cvm.Transaction, t time.Time) int {
			if x.Time.After(t) {
				return 1
			}
			return -1
		})
		return i
	}
	lo := until(start)
	f, err := profile.Build(ctx, slices.Values(txs[:lo]), nil, &profile.Settings{AsOf: start, Indicators: profile.SummaryIndicators})
	if err != nil {
		return err
	}
	var (
		history  []contact.Contact
		rates    contact.Rates
		all      []contact.Decision
		outcomes []contact.Outcome
		prevSeg  = map[string]string{}
		cs       []contact.Customer
	)
	rules := contact.DefaultRules()
	rng := rand.New(rand.NewPCG(*seed, 99))
	fmt.Fprintf(stdout, "%d customers, %d nights from %s, budget %.2f a night\n", *n, *nights, start.Format(time.DateOnly), *budget)
	fmt.Fprintln(stdout, "night       profiles  treated  control   spent  expected  responses  complaints  mean expected uplift")
	for night := 1; night <= *nights; night++ {
		asOf := start.AddDate(0, 0, night)
		hi := until(asOf)
		// 1. Update the customer file with the day's transactions.
		if f, err = profile.Update(ctx, f, slices.Values(txs[lo:hi]), asOf); err != nil {
			return err
		}
		lo = hi
		if cs, err = contact.Customers(cs, f); err != nil {
			return err
		}
		for i := range cs {
			cs[i].PrevSegment = prevSeg[cs[i].ID]
			prevSeg[cs[i].ID] = cs[i].Segment
		}
		// 2-3. Evaluate the triggers and allocate the budget.
		plan, err := contact.Decide(ctx, cs, history, rules, asOf, &contact.Settings{Budget: *budget, Seed: *seed, Rates: &rates})
		if err != nil {
			return err
		}
		// 4. Record the outcomes (simulated here).
		var tonight []contact.Outcome
		resp, compl := 0, 0
		meanUp, treated := 0.0, 0
		for i := range plan.Decisions {
			d := &plan.Decisions[i]
			a := rules.Rules[d.Rule].Action
			p := a.Baseline
			if !d.Control {
				p += (a.Response - a.Baseline) / 2
			}
			o := contact.Outcome{Customer: d.Customer, Responded: rng.Float64() < p}
			if o.Responded {
				o.Revenue = cs[d.Index].ExpectedSpend
				resp++
			}
			tonight = append(tonight, o)
			if !d.Control {
				meanUp += d.Response
				treated++
				c := contact.Contact{Customer: d.Customer, At: d.SendAt, Rule: d.RuleName, Channel: d.Channel, Responded: o.Responded, Complaint: rng.Float64() < 0.01}
				if c.Complaint {
					compl++
				}
				history = append(history, c)
			}
		}
		rates.Learn(plan, tonight)
		all = append(all, plan.Decisions...)
		outcomes = append(outcomes, tonight...)
		fmt.Fprintf(stdout, "%s  %8d  %7d  %7d  %6.2f  %8.2f  %9d  %10d  %.4f\n", asOf.Format(time.DateOnly), len(f.Profiles), plan.Stats.Treated, plan.Stats.Control,
			plan.Allocation.Spent, plan.Allocation.Value, resp, compl, meanUp/float64(max(treated, 1)))
		if night == *nights && len(plan.Decisions) > 0 {
			d := plan.Decisions[0]
			fmt.Fprintf(stdout, "last night, customer %s: %s, offer %s (%.2f), by %s at %s\n  why: %s\n", d.Customer, d.Message, d.Offer, d.OfferCost, d.Channel,
				d.SendAt.Format(time.DateTime), d.Why(rules))
		}
	}
	// Each night's decisions are evaluated with that night's outcomes:
	// give each decision its own outcome by a per-night customer key.
	keyed := make([]contact.Decision, len(all))
	keyedOut := make([]contact.Outcome, len(outcomes))
	for i := range all {
		keyed[i] = all[i]
		keyed[i].Customer = fmt.Sprint(i)
		keyedOut[i] = outcomes[i]
		keyedOut[i].Customer = keyed[i].Customer
	}
	// The complaints go back into the customer file at its next build
	// (profile.Attributes.Failures12m, read by the recovery playbooks).
	fails := contact.Complaints(history, start.AddDate(0, 0, *nights))
	fmt.Fprintf(stdout, "%d customers complained: their failures_12m for the next build\n", len(fails))
	ev := contact.Evaluate(keyed, keyedOut)
	o := ev.Overall
	fmt.Fprintf(stdout, "all nights: %d treated (%.4f responded), %d control (%.4f); uplift %+.4f, 95%% interval [%+.4f, %+.4f]\n",
		o.Treated.N, o.Treated.Rate, o.Control.N, o.Control.Rate, o.Uplift, o.UpliftLo, o.UpliftHi)
	return nil
}
