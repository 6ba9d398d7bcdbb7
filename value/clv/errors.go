package clv

import (
	"errors"
	"fmt"
)

// Sentinel errors. Test for them with errors.Is; the typed errors that carry
// a position or a parameter name wrap them.
var (
	// ErrEmptyInput is returned when a fit or a data preparation gets no
	// customer.
	ErrEmptyInput = errors.New("clv: empty input")
	// ErrInvalidCustomer marks a customer whose frequency, recency, age or
	// spend is negative, NaN, infinite or inconsistent (recency > age, or a
	// positive recency with zero frequency).
	ErrInvalidCustomer = errors.New("clv: invalid customer")
	// ErrInvalidParam marks a model parameter that is not positive and
	// finite, or a prediction argument (such as a horizon) out of range.
	ErrInvalidParam = errors.New("clv: invalid parameter")
	// ErrNotConverged is returned when the optimiser or a series did not
	// converge to a finite value.
	ErrNotConverged = errors.New("clv: did not converge")
	// ErrNoRepeatBuyers is returned by FitGammaGamma when no customer has a
	// repeat purchase with a positive mean spend.
	ErrNoRepeatBuyers = errors.New("clv: no repeat buyers")
	// ErrCorrelated is returned by FitGammaGamma when the correlation of
	// frequency and mean spend exceeds FitSettings.MaxCorrelation.
	ErrCorrelated = errors.New("clv: frequency and spend are correlated")
	// ErrImplausibleSpan is returned by Prepare, wrapped in a
	// *cvm.TransactionError naming the customer, for a first purchase more
	// than PrepareSettings.MaxAge before the calibration end.
	ErrImplausibleSpan = errors.New("clv: implausible time span")
	// ErrFormat marks a model file that does not decode: malformed JSON,
	// an unknown field, a missing parameter, inconsistent fit information,
	// or another format or version (then also a *cvm.FormatError, which
	// errors.As finds).
	ErrFormat = errors.New("clv: bad model format")
)

// CustomerError reports a problem with one customer: the index in the
// caller's slice, the ID when known, and the field ("frequency", "recency",
// "T", "spend", or "prediction").
type CustomerError struct {
	Index    int
	Customer string
	Field    string
	Err      error
}

// Error names the customer and the cause.
func (e *CustomerError) Error() string {
	if e.Customer != "" {
		return fmt.Sprintf("clv: customer %q (index %d): %s: %v", e.Customer, e.Index, e.Field, e.Err)
	}
	return fmt.Sprintf("clv: customer at index %d: %s: %v", e.Index, e.Field, e.Err)
}

// Unwrap returns the underlying error.
func (e *CustomerError) Unwrap() error { return e.Err }

// ParamError reports an unusable model parameter or argument by name.
type ParamError struct {
	Param string
	Value float64
	Err   error
}

// Error names the parameter, its value and the cause.
func (e *ParamError) Error() string {
	return fmt.Sprintf("clv: parameter %s = %v: %v", e.Param, e.Value, e.Err)
}

// Unwrap returns the underlying error.
func (e *ParamError) Unwrap() error { return e.Err }
