package recovery

import (
	"errors"
	"fmt"
)

// Sentinel errors. Test for them with errors.Is; the typed errors below wrap
// them with the customer, field or parameter concerned.
var (
	// ErrUnknownFailure marks a failure type that is not one of the six.
	ErrUnknownFailure = errors.New("recovery: unknown failure type")
	// ErrUnknownSeverity marks a severity other than S1 to S4.
	ErrUnknownSeverity = errors.New("recovery: unknown severity")
	// ErrNotFound is returned by lookups for a customer the book does not hold.
	ErrNotFound = errors.New("recovery: customer not in the book")
	// ErrBadLoss marks a loss amount that is negative, NaN or infinite.
	ErrBadLoss = errors.New("recovery: loss must be a finite amount >= 0")
	// ErrBadValue marks a customer field or configuration parameter that is
	// out of range, NaN or infinite.
	ErrBadValue = errors.New("recovery: value out of range")
	// ErrDuplicate marks a customer ID given twice to Build.
	ErrDuplicate = errors.New("recovery: duplicate customer ID")
	// ErrEmptyID marks a customer with an empty ID.
	ErrEmptyID = errors.New("recovery: empty customer ID")
	// ErrFormat marks a book whose stored playbooks or card do not match
	// its settings and inputs, or stored data that cannot be decoded.
	// Another format or version is a *cvm.FormatError.
	ErrFormat = errors.New("recovery: bad encoding")
)

// CustomerError reports a problem with one customer: an invalid field, a
// duplicate, or a customer that is not in the book.
type CustomerError struct {
	Index    int    // position in the input slice; -1 when not applicable
	Customer string // the customer ID
	Field    string // the field concerned, such as "strength"; empty for the whole customer
	Err      error  // one of the sentinels above
}

// Error names the customer, its input position when known, and the field.
func (e *CustomerError) Error() string {
	pos := ""
	if e.Index >= 0 {
		pos = fmt.Sprintf(" (#%d)", e.Index)
	}
	if e.Field == "" {
		return fmt.Sprintf("recovery: customer %q%s: %v", e.Customer, pos, e.Err)
	}
	return fmt.Sprintf("recovery: customer %q%s: %s: %v", e.Customer, pos, e.Field, e.Err)
}

// Unwrap returns the underlying sentinel error.
func (e *CustomerError) Unwrap() error { return e.Err }

// SettingsError reports an invalid model parameter, naming it.
type SettingsError struct {
	Param string // the Settings field, with an index when it is an array, such as "RepurchaseMinor[2]"
	Err   error  // ErrBadValue, or a more specific error
}

// Error names the parameter.
func (e *SettingsError) Error() string {
	return fmt.Sprintf("recovery: settings: %s: %v", e.Param, e.Err)
}

// Unwrap returns the underlying error.
func (e *SettingsError) Unwrap() error { return e.Err }
