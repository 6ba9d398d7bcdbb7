// Command profileservice answers "tell me about customer X" from a built
// customer file (the JSON of cvm profile -json, format cvm.profile.file):
// who the customer is in every view, the contradictions to mind, and the
// playbook already decided for a failure.
//
//	cvm profile -in tx.csv -json -out file.json
//	profileservice -file file.json -customer C000042 [-failure delivery -severity S3]
//
// It imports the profile package and nothing from examples/internal.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/cvmkit/cvm/profile"
	"github.com/cvmkit/cvm/recovery"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "profileservice:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("profileservice", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("file", "", "customer file: the JSON of cvm profile -json")
	id := fs.String("customer", "", "customer ID")
	failure := fs.String("failure", "delivery", "failure type for the playbook")
	severity := fs.String("severity", "S3", "failure severity S1 to S4")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *path == "" || *id == "" {
		return errors.New("-file and -customer are required")
	}
	b, err := os.ReadFile(*path)
	if err != nil {
		return err
	}
	var f profile.File
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("%s: %w", *path, err)
	}
	p, ok := f.Lookup(*id)
	if !ok {
		return fmt.Errorf("customer %q is not in the file (%d profiles)", *id, len(f.Profiles))
	}
	ft, err := recovery.ParseFailureType(*failure)
	if err != nil {
		return err
	}
	sev, err := recovery.ParseSeverity(*severity)
	if err != nil {
		return err
	}
	return tell(stdout, &f, p, ft, sev)
}

func tell(w io.Writer, f *profile.File, p *profile.Profile, ft recovery.FailureType, sev recovery.Severity) error {
	s := p.Summary
	day := func(t time.Time) string { return t.UTC().Format(time.DateOnly) }
	fmt.Fprintf(w, "customer %s as of %s\n", p.Customer, day(f.AsOf))
	if s.Occasions > 0 {
		fmt.Fprintf(w, "  history   %d purchase days, net %.2f (returns %.2f), first %s, last %s\n", s.Occasions, s.Total, s.Returns, day(s.First), day(s.Last))
		fmt.Fprintf(w, "  rfm       cell %s, segment %s\n", p.Cell, orNone(p.Segment))
	} else {
		fmt.Fprintf(w, "  history   returns only: net %.2f\n", s.Total)
	}
	if p.CLV.OK {
		fmt.Fprintf(w, "  forecast  P(alive) %.2f, %.1f purchases in 52 weeks, %.2f a purchase, CLV %.2f\n", p.CLV.PAlive, p.CLV.ExpectedPurchases, p.CLV.ExpectedSpend, p.CLV.Value)
	}
	fmt.Fprintf(w, "  value     current %.1f, potential %.1f, total %.1f: quadrant %s, tier %d", p.Value.Current, p.Value.Potential, p.Value.Total, p.Value.Quadrant, p.Value.Tier)
	if len(p.Reasons) > 0 {
		fmt.Fprintf(w, " (mostly %s)", strings.Join(p.Reasons, ", "))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  lifecycle %s since %s, pattern %s", p.Stage(), day(p.Lifecycle.Since()), p.Pattern)
	if p.Transition.Changed() {
		fmt.Fprintf(w, " (from %s by %s)", p.Transition.From, p.Transition.Rule)
	}
	fmt.Fprintln(w)
	if p.Flags != 0 {
		fmt.Fprintf(w, "  mind      %s\n", p.Flags)
	}
	e, err := f.Book.Lookup(p.Customer, ft, sev)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  if %s at %s: %s apology owned by the %s, by %s, acknowledge within %s, resolve within %s, goodwill cap %.2f\n",
		ft, sev, e.Apology, e.Owner, e.Channel, e.AcknowledgeBy, e.ResolveBy, e.Cap)
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
