// Command quickstart runs the whole cvm flow on an embedded synthetic
// customer base, or on your own transactions file, in four steps on the
// profile package (collect, build the customer file, differentiate,
// interact), and prints a readable report; the pictures go to a folder.
//
// Usage:
//
//	go run ./examples/quickstart                       # embedded synthetic base
//	go run ./examples/quickstart -in sales.csv.gz \
//	    -customer CustomerID -time InvoiceDate -quantity Quantity -price UnitPrice -order InvoiceNo
//
// Flags -customers and -seed size the synthetic base; -plots DIR (default
// ./cvm-plots, "" for none) is where PNG and SVG pictures are written.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/cvmkit/cvm/contact"
	"github.com/cvmkit/cvm/examples/internal/flow"
	"github.com/cvmkit/cvm/examples/internal/input"
	"github.com/cvmkit/cvm/internal/synth"
	"github.com/cvmkit/cvm/profile"
	"github.com/cvmkit/cvm/recovery"
)

func main() {
	// A report lost to a full disk or a closed pipe is an error.
	stdout := &input.ErrWriter{W: os.Stdout}
	err := run(os.Args[1:], stdout, os.Stderr)
	if err == nil && stdout.Err != nil {
		err = fmt.Errorf("standard output: %w", stdout.Err)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		os.Exit(1)
	}
}

// options are quickstart's flags.
type options struct {
	customers int
	seed      uint64
	plots     string
	asOf      string
	story     string
	formats   string
	in        *input.Flags
	inPath    string
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.IntVar(&o.customers, "customers", 3000, "customers in the synthetic base")
	fs.Uint64Var(&o.seed, "seed", 42, "seed of the synthetic base")
	fs.StringVar(&o.plots, "plots", "cvm-plots", `folder for the PNG and SVG pictures; "" for none`)
	fs.StringVar(&o.asOf, "as-of", "", "analysis date YYYY-MM-DD (the end of that day, UTC); with -in, "+input.AsOfDefault)
	fs.StringVar(&o.formats, "plot-formats", "png,svg", "comma-separated picture formats: png, svg, pdf")
	fs.StringVar(&o.story, "story", "", "customer ID for the closing recovery story; default: chosen")
	fs.StringVar(&o.inPath, "in", "", "transactions CSV (gzip recognised); default: the embedded synthetic base")
	o.in = input.AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	in, err := o.input(stderr)
	if err != nil {
		return err
	}
	start := time.Now()
	ctx := context.Background()

	// 1. Collect: the transactions and what the firm knows besides them
	// (for the synthetic firm, its B2B indicators and service history).
	attrs, err := flow.Attributes(in)
	if err != nil {
		return err
	}

	// 2. Build the customer file: one profile per customer joining the
	// summary, RFM segment, CLV forecast, value scores, lifecycle stage and
	// recovery playbooks, with the models the next period scores with.
	file, err := profile.Build(ctx, slices.Values(in.Transactions), attrs, flow.Settings(in))
	if err != nil {
		return err
	}

	// 3. Differentiate: read the file by segment, cluster, value quadrant
	// and lifecycle stage.
	res, err := flow.Present(in, file)
	if err != nil {
		return err
	}
	if err := res.Report(stdout); err != nil {
		return err
	}

	// 4. Interact: when a failure happens, the response is a lookup in
	// the file, decided in advance.
	if res.Recovery != nil && res.Recovery.Story != "" {
		p, _ := file.Lookup(res.Recovery.Story)
		e, err := file.Book.Lookup(p.Customer, recovery.Delivery, recovery.S3)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nprofile lookup: customer %s (%s, quadrant %s, %s%s) -> on a late delivery: %s apology by %s within %s\n",
			p.Customer, orNone(p.Segment), p.Value.Quadrant, p.Stage(), flagged(p.Flags), e.Apology, e.Channel, e.AcknowledgeBy)
	}
	// 5. Customise: what each customer gets next, the message, offer,
	// channel and time, decided by the contact rules within a budget.
	if err := customise(ctx, stdout, file); err != nil {
		return err
	}
	if o.plots != "" {
		var formats []string
		for _, f := range strings.Split(o.formats, ",") {
			if f = strings.TrimSpace(f); f != "" {
				formats = append(formats, "."+strings.TrimPrefix(f, "."))
			}
		}
		names, err := res.Plots(o.plots, formats...)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\n%d pictures (PNG and SVG) written to %s: %v\n", len(names), o.plots, names)
	}
	if !o.in.Quiet {
		fmt.Fprintf(stderr, "quickstart: done in %.1f s\n", time.Since(start).Seconds())
	}
	return nil
}

// input builds the flow's input: the synthetic base, or the -in file.
func (o *options) input(stderr io.Writer) (flow.Input, error) {
	var in flow.Input
	if o.asOf != "" {
		t, err := time.Parse("2006-01-02", o.asOf)
		if err != nil {
			return in, fmt.Errorf("-as-of: %w", err)
		}
		in.AsOf = t.AddDate(0, 0, 1).Add(-time.Nanosecond)
	}
	in.Story = o.story
	if o.inPath != "" {
		txs, rep, err := o.in.ReadAll(o.inPath, in.AsOf, stderr)
		if err != nil {
			return in, err
		}
		in.Transactions, in.AsOf = txs, rep.AsOf
		in.Source = o.inPath
		return in, nil
	}
	if o.customers < 10 {
		return in, fmt.Errorf("-customers %d: need at least 10", o.customers)
	}
	in.Transactions = slices.Collect(synth.Transactions(baseConfig(o.customers, o.seed)))
	in.Source = fmt.Sprintf("embedded synthetic base (internal/synth: %d customers, seed %d)", o.customers, o.seed)
	in.Synthetic = true
	in.Seed = o.seed
	return in, nil
}

// baseConfig is the embedded synthetic base: customers who follow the
// BG/NBD story, the model the report fits, with the generator's defaults
// otherwise.
func baseConfig(customers int, seed uint64) synth.Config {
	return synth.Config{Customers: customers, Seed: seed, BGNBD: true}
}

func orNone(s string) string {
	if s == "" {
		return "no RFM segment"
	}
	return s
}

func flagged(f profile.Flag) string {
	if f == 0 {
		return ""
	}
	return ", mind: " + f.String()
}

// customise plans the next contacts for the whole file with the default
// contact rules and a budget of one unit of money per ten customers, and
// prints the plan's size and one treated customer's decision with why.
func customise(ctx context.Context, w io.Writer, file *profile.File) error {
	cs, err := contact.Customers(nil, file)
	if err != nil {
		return err
	}
	rules := contact.DefaultRules()
	budget := float64(len(cs)) / 10
	plan, err := contact.Decide(ctx, cs, nil, rules, file.AsOf, &contact.Settings{Budget: budget, Seed: 1})
	if err != nil {
		return err
	}
	treated, control := 0, 0
	var pick *contact.Decision
	for i := range plan.Decisions {
		d := &plan.Decisions[i]
		if d.Control {
			control++
			continue
		}
		treated++
		if pick == nil || d.Net > pick.Net {
			pick = d
		}
	}
	fmt.Fprintf(w, "\ncontact plan as of %s (default rules, budget %.2f): %d contacts, %d held out as control, %.2f spent for %.2f expected net value\n",
		file.AsOf.Format(time.DateOnly), budget, treated, control, plan.Allocation.Spent, plan.Allocation.Value)
	if pick == nil {
		fmt.Fprintln(w, "no contact is worth its cost today")
		return nil
	}
	fmt.Fprintf(w, "next contact: customer %s gets message %q (%s) by %s at %s, offer %s costing %.2f: %s\n",
		pick.Customer, pick.Message, pick.RuleName, pick.Channel, pick.SendAt.Format("2006-01-02 15:04"), pick.Offer.Kind, pick.OfferCost, pick.Why(rules))
	return nil
}
