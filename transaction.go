package cvm

import (
	"fmt"
	"time"

	"github.com/cvmkit/cvm/internal/num"
)

// Transaction is one purchase, return or refund by one customer.
//
// Amount is in the caller's currency; a negative Amount is a return or a
// refund, zero is a purchase of nothing chargeable (a free item), and a
// positive Amount is a purchase. Order is the order or invoice identifier
// and may be empty when the source has none.
//
// Quantity, Product, Category and Channel are optional line-item details:
// the units bought (negative for units returned; 0 when the source has no
// quantity), the product or SKU, its category and the sales channel, each
// empty when the source has none. Nothing in the root package reads them;
// the profile package derives units and distinct products and categories
// from them. Validate does not check them, except that a set Quantity must
// be finite.
type Transaction struct {
	Customer string
	Time     time.Time
	Amount   float64
	Order    string

	Quantity float64
	Product  string
	Category string
	Channel  string
}

// IsReturn reports whether t is a return or refund (a negative amount).
func (t Transaction) IsReturn() bool { return t.Amount < 0 }

// Validate reports whether t can be used by the models: the customer ID must
// be non-empty, the time set, and the amount finite. The error is a
// *TransactionError naming the customer and the field.
func (t Transaction) Validate() error {
	switch {
	case t.Customer == "":
		return &TransactionError{Field: "customer", Err: ErrEmptyCustomer}
	case t.Time.IsZero():
		return &TransactionError{Customer: t.Customer, Field: "time", Err: ErrZeroTime}
	case !num.Finite(t.Amount):
		return &TransactionError{Customer: t.Customer, Field: "amount", Err: fmt.Errorf("%w: %v", ErrNonFinite, t.Amount)}
	case !num.Finite(t.Quantity):
		return &TransactionError{Customer: t.Customer, Field: "quantity", Err: fmt.Errorf("%w: %v", ErrNonFinite, t.Quantity)}
	}
	return nil
}
