package contact_test

import (
	"context"
	"fmt"
	"time"

	"github.com/cvmkit/cvm/contact"
	"github.com/cvmkit/cvm/lifecycle"
	"github.com/cvmkit/cvm/value"
)

// One customer moved into decline three days ago; another, who prefers
// SMS, into stability. The default rules save the first and lock in the
// second; with no control group both are contacted. By hand: ann's save is
// (0.10 - 0.04) x (400 - 8) - 0.05 = 23.47; bob's lock-in
// (0.05 - 0.03) x (150 - 1.50) - 0.10 = 2.87 on his SMS.
func ExampleDecide() {
	asOf := time.Date(2026, 6, 30, 23, 59, 59, 0, time.UTC)
	day := 24 * time.Hour
	customers := []contact.Customer{
		{ID: "ann", Quadrant: value.QuadrantIV, Segment: "At Risk", Stage: lifecycle.Decline, From: lifecycle.Stability, Since: asOf.Add(-3 * day),
			Forecast: true, PAlive: 0.55, ExpectedPurchases: 3, ExpectedSpend: 80, CLV: 400,
			First: asOf.Add(-400 * day), Last: asOf.Add(-60 * day), Occasions: 9},
		{ID: "bob", Quadrant: value.QuadrantII, Segment: "Loyal", Stage: lifecycle.Stability, From: lifecycle.Formation, Since: asOf.Add(-1 * day),
			Forecast: true, PAlive: 0.95, ExpectedPurchases: 6, ExpectedSpend: 30, CLV: 150,
			First: asOf.Add(-200 * day), Last: asOf.Add(-1 * day), Occasions: 8, Channel: contact.SMS},
	}
	plan, err := contact.Decide(context.Background(), customers, nil, nil, asOf, &contact.Settings{Control: contact.Off, Budget: 100})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range plan.Decisions {
		fmt.Printf("%s: %s, offer %s (%.2f), %s because %s, at %s, expected %.2f\n",
			d.Customer, d.Message, d.Offer, d.OfferCost, d.Channel, d.Reason, d.SendAt.Format(time.DateTime), d.Net)
	}
	fmt.Printf("spent %.2f of %.0f by %s\n", plan.Allocation.Spent, plan.Allocation.Budget, plan.Allocation.Method)
	// Output:
	// ann: diagnose_then_save, offer share:0.1 (8.00), email because cheapest, at 2026-07-01 09:00:00, expected 23.47
	// bob: loyalty_programme, offer share:0.05 (1.50), sms because stated, at 2026-07-01 09:00:00, expected 2.87
	// spent 9.65 of 100 by exact
}
