// Command recoverydesk shows service recovery from a host application's
// point of view: the playbooks for every customer are computed when the
// customer profiles are loaded, a failure reported at the service desk is
// answered by a lookup, and a customer whose profile changes is rebuilt
// while lookups go on. Run it with "go run ./examples/recoverydesk".
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/cvmkit/cvm/lifecycle"
	"github.com/cvmkit/cvm/recovery"
	"github.com/cvmkit/cvm/value"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "recoverydesk:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("no arguments expected, got %q", args)
	}
	// The profiles the host keeps: value quadrant and tier from the value
	// model, stage from the lifecycle package, the rest from the CRM.
	customers := []recovery.Customer{
		{ID: "C0042", Quadrant: value.QuadrantIV, Tier: 1, Stage: lifecycle.Stability, Strength: 0.9, Channel: "sms", Influence: 40, GrossProfit: 250_000},
		{ID: "C0043", Quadrant: value.QuadrantII, Tier: 3, Stage: lifecycle.Formation, Strength: 0.4, GrossProfit: 8_000},
		{ID: "C0044", Quadrant: value.QuadrantI, Tier: 4, Stage: lifecycle.Exploration, Strength: 0.1, GrossProfit: 300},
		{ID: "C0045", Quadrant: value.QuadrantIII, Tier: 2, Stage: lifecycle.Decline, Strength: 0.7, Failures12m: 2, LastRecoveryOK: false, GrossProfit: 40_000},
	}
	model, err := recovery.New(nil) // the documented default coefficients
	if err != nil {
		return err
	}
	book, err := model.Build(context.Background(), customers, nil)
	if err != nil {
		return err
	}
	desk := recovery.NewStore(book)

	// A failure is reported: the response is a lookup, already decided.
	handle := func(id string, f recovery.FailureType, s recovery.Severity, loss float64) error {
		e, err := desk.Lookup(id, f, s)
		if err != nil {
			return err
		}
		res, err := e.Resolve(loss)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s %s %s, loss %.0f: %s apology, owner %s, via %s within %s (resolve within %s); offer %s worth %.0f",
			id, s, f, loss, e.Apology, e.Owner, e.Channel, e.AcknowledgeBy, e.ResolveBy, e.Remedy, res.Total)
		if res.NeedsApproval {
			fmt.Fprint(stdout, ", needs approval")
		}
		if e.Paradox {
			fmt.Fprint(stdout, ", aims above expectation (first minor failure)")
		}
		fmt.Fprintln(stdout)
		return nil
	}
	for _, c := range []struct {
		id   string
		f    recovery.FailureType
		s    recovery.Severity
		loss float64
	}{
		{"C0042", recovery.Delivery, recovery.S3, 12_000},
		{"C0043", recovery.MoneyLoss, recovery.S1, 80},
		{"C0044", recovery.Defect, recovery.S2, 60},
		{"C0045", recovery.Staff, recovery.S2, 500},
	} {
		if err := handle(c.id, c.f, c.s, c.loss); err != nil {
			return err
		}
	}

	// C0044 grew into a quadrant II customer: rebuild that one customer.
	grown := customers[2]
	grown.Quadrant, grown.Tier, grown.Stage = value.QuadrantII, 3, lifecycle.Formation
	if err := desk.Update(grown); err != nil {
		return err
	}
	if err := handle("C0044", recovery.Defect, recovery.S2, 60); err != nil {
		return err
	}
	// A customer the book does not hold is an error, never a blank playbook.
	if _, err := desk.Lookup("C9999", recovery.Delivery, recovery.S3); err != nil {
		fmt.Fprintln(stdout, "unknown customer:", err)
	}
	return nil
}
