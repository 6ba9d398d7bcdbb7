package cvm

import (
	"errors"
	"fmt"
)

// Sentinel errors. Test for them with errors.Is; the typed errors that carry
// a position wrap them.
var (
	// ErrEmptyInput is returned when a computation needs at least one
	// transaction or customer and got none.
	ErrEmptyInput = errors.New("cvm: empty input")
	// ErrEmptyCustomer marks a transaction or row whose customer ID is empty.
	ErrEmptyCustomer = errors.New("cvm: empty customer ID")
	// ErrZeroTime marks a transaction whose time is the zero time.
	ErrZeroTime = errors.New("cvm: zero time")
	// ErrNonFinite marks a NaN or infinite amount.
	ErrNonFinite = errors.New("cvm: amount is NaN or infinite")
	// ErrOverflow marks a transaction that would take its customer's
	// exact sum of purchases, or of returns, to 2^127 units of the
	// customer's scale (the most decimal places among its amounts) or
	// beyond: about 1.7e38 for whole amounts, 1.7e36 with cents. See
	// [Summarize].
	ErrOverflow = errors.New("cvm: total amount overflows the exact sum (2^127 units)")
	// ErrTooManyIDs marks a customer or order ID that would be the
	// 2^31-1st distinct one of a Summarizer, a Reader's summary or an
	// Auditor: indexes are 31-bit.
	ErrTooManyIDs = errors.New("cvm: more than 2^31-2 distinct IDs")
)

// TransactionError reports an unusable transaction, naming the customer
// (when known) and the field.
type TransactionError struct {
	Customer string // customer ID; empty when the ID itself is missing
	Field    string // "customer", "time" or "amount"
	Err      error  // the underlying error, one of the sentinels above
}

// Error names the customer (when known), the field and the cause.
func (e *TransactionError) Error() string {
	if e.Customer == "" {
		return fmt.Sprintf("cvm: transaction %s: %v", e.Field, e.Err)
	}
	return fmt.Sprintf("cvm: customer %q: %s: %v", e.Customer, e.Field, e.Err)
}

// Unwrap returns the cause, for errors.Is and errors.As.
func (e *TransactionError) Unwrap() error { return e.Err }
