package recovery_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cvmkit/cvm/lifecycle"
	"github.com/cvmkit/cvm/recovery"
	"github.com/cvmkit/cvm/value"
)

func Example() {
	m, err := recovery.New(nil) // default coefficients
	if err != nil {
		panic(err)
	}
	customers := []recovery.Customer{
		{ID: "C1", Quadrant: value.QuadrantIV, Tier: 1, Stage: lifecycle.Stability,
			Strength: 0.8, LastRecoveryOK: true, Channel: "sms", GrossProfit: 40000},
		{ID: "C2", Quadrant: value.QuadrantI, Tier: 4, Stage: lifecycle.Exploration,
			Strength: 0.1, Failures12m: 1, LastRecoveryOK: false, GrossProfit: 300},
	}
	book, err := m.Build(context.Background(), customers, nil)
	if err != nil {
		panic(err)
	}
	store := recovery.NewStore(book)

	for _, id := range []string{"C1", "C2"} {
		e, err := store.Lookup(id, recovery.Delivery, recovery.S3)
		if err != nil {
			panic(err)
		}
		r, err := e.Resolve(1200)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s: %s apology, owner %s, via %s, acknowledge %v, resolve %v\n",
			id, e.Apology, e.Owner, e.Channel, e.AcknowledgeBy, e.ResolveBy)
		fmt.Printf("    %s restoring %.2f of 1200 plus goodwill %.2f (cap %.2f, approval needed: %v), churn %.4f with / %.4f without recovery\n",
			e.Remedy, r.Restore, r.Compensation, e.Cap, r.NeedsApproval, e.ChurnWith, e.ChurnWithout)
	}
	_, err = store.Lookup("C9", recovery.Delivery, recovery.S3)
	fmt.Println(errors.Is(err, recovery.ErrNotFound), err)
	// Output:
	// C1: executive apology, owner executive, via sms, acknowledge 30m0s, resolve 6h0m0s
	//     re-performance restoring 1200.00 of 1200 plus goodwill 0.00 (cap 3000.00, approval needed: false), churn 0.0414 with / 0.6994 without recovery
	// C2: executive apology, owner executive, via phone, acknowledge 2h0m0s, resolve 24h0m0s
	//     re-performance restoring 1200.00 of 1200 plus goodwill 22.50 (cap 22.50, approval needed: true), churn 0.3910 with / 0.9238 without recovery
	// true recovery: customer "C9": recovery: customer not in the book
}

// Rebuilding one customer after their history changed, while lookups
// continue on the store.
func ExampleStore_Update() {
	m, err := recovery.New(nil)
	if err != nil {
		panic(err)
	}
	book, err := m.Build(context.Background(), []recovery.Customer{{ID: "C1", Quadrant: value.QuadrantII, Tier: 3}}, nil)
	if err != nil {
		panic(err)
	}
	store := recovery.NewStore(book)

	e, err := store.Lookup("C1", recovery.MoneyLoss, recovery.S1)
	if err != nil {
		panic(err)
	}
	fmt.Printf("before: %s apology, paradox %v, ratio %.2f\n", e.Apology, e.Paradox, e.Ratio)

	// The customer complained once and the recovery did not satisfy.
	if err := store.Update(recovery.Customer{ID: "C1", Quadrant: value.QuadrantII, Tier: 3,
		Failures12m: 1, LastRecoveryOK: false}); err != nil {
		panic(err)
	}
	if e, err = store.Lookup("C1", recovery.MoneyLoss, recovery.S1); err != nil {
		panic(err)
	}
	fmt.Printf("after:  %s apology, paradox %v, ratio %.2f, follow-up days %v\n", e.Apology, e.Paradox, e.Ratio, e.FollowUp)
	// Output:
	// before: front-line apology, paradox true, ratio 1.20
	// after:  manager apology, paradox false, ratio 1.44, follow-up days [7 60 0 0]
}

// Settings change only what they set: a zero field takes its default, and
// Off asks for a zero where zero means something. Here a model without the
// recovery paradox and with a goodwill floor of 30.
func ExampleSettings() {
	m, err := recovery.New(&recovery.Settings{ParadoxMaxSeverity: recovery.Off, ProfitFloor: 30})
	if err != nil {
		panic(err)
	}
	s := m.Settings()
	fmt.Println(s.ParadoxMaxSeverity == recovery.Off, s.ProfitFloor, s.MaxLossMultiple, s.LoyaltyBuffer)
	e, err := m.Playbook(recovery.Customer{ID: "C1", Quadrant: value.QuadrantI}, recovery.MoneyLoss, recovery.S1)
	if err != nil {
		panic(err)
	}
	fmt.Printf("paradox %v, ratio %.2f, cap %.2f\n", e.Paradox, e.Ratio, e.Cap)
	// Output:
	// true 30 2 0.2
	// paradox false, ratio 1.00, cap 7.50
}

// Writing a book to a file as it is encoded, rather than holding its
// JSON: a million customers' full form is about 6 GB. The bytes are
// MarshalJSON's, and json.Unmarshal reads them back into the same book.
func ExampleBook_WriteJSON() {
	m, err := recovery.New(nil)
	if err != nil {
		panic(err)
	}
	book, err := m.Build(context.Background(), []recovery.Customer{
		{ID: "C1", Quadrant: value.QuadrantIV, Tier: 1, Stage: lifecycle.Stability, Strength: 0.8, GrossProfit: 40000},
	}, nil)
	if err != nil {
		panic(err)
	}
	var buf bytes.Buffer // a file, in a program
	if err := book.WriteJSON(&buf); err != nil {
		panic(err)
	}
	data, err := book.MarshalJSON()
	if err != nil {
		panic(err)
	}
	var back recovery.Book
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		panic(err)
	}
	e, err := back.Lookup("C1", recovery.Delivery, recovery.S3)
	if err != nil {
		panic(err)
	}
	fmt.Println(bytes.Equal(buf.Bytes(), data), back.Len(), e.Apology)
	// Output:
	// true 1 executive
}
