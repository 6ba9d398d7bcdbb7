package value

import (
	"errors"
	"fmt"
)

// Sentinel errors. Test for them with errors.Is; the typed errors below wrap
// them and name the indicator, customer or parameter.
var (
	// ErrEmptyInput: no customers, no matrix rows, or no matrices.
	ErrEmptyInput = errors.New("value: empty input")
	// ErrEmptyCatalog: a catalog without indicators, or without one of the
	// two dimensions.
	ErrEmptyCatalog = errors.New("value: catalog has no indicators")
	// ErrEmptyID: an empty indicator, group, column or customer ID.
	ErrEmptyID = errors.New("value: empty ID")
	// ErrDuplicateID: an indicator, group or table column ID given twice.
	ErrDuplicateID = errors.New("value: duplicate ID")
	// ErrUnknownID: an ID that is not in the catalog (a table column, a
	// weight key, a group reference, a customer type).
	ErrUnknownID = errors.New("value: unknown indicator ID")
	// ErrMissingID: a catalog indicator without a table column.
	ErrMissingID = errors.New("value: indicator not in table")
	// ErrBadDimension: a dimension other than CurrentValue and
	// PotentialValue, or an indicator whose dimension differs from its
	// group's.
	ErrBadDimension = errors.New("value: bad dimension")
	// ErrBadWeight: a weight that is NaN, infinite or negative.
	ErrBadWeight = errors.New("value: weight is NaN, infinite or negative")
	// ErrWeightSum: weights of a group or dimension that do not sum to 1
	// (or sum to 0).
	ErrWeightSum = errors.New("value: weights do not sum to 1")
	// ErrNonFinite: an infinite value in a table (NaN is a missing value).
	ErrNonFinite = errors.New("value: value is infinite")
	// ErrMissing: a missing (NaN) value under the MissingError policy, or
	// an indicator with no value at all to fit.
	ErrMissing = errors.New("value: missing value")
	// ErrDuplicate: a customer ID that appears twice in a table.
	ErrDuplicate = errors.New("value: duplicate customer")
	// ErrAllMissing: every indicator of one dimension missing for a
	// customer under the MissingDrop policy.
	ErrAllMissing = errors.New("value: every indicator of a dimension is missing")
	// ErrFormat: a model file whose format and version are right but
	// whose contents are not a valid model (bounds out of order, weights
	// that do not sum to 1, sizes that do not match). A file of another
	// format or version is a *cvm.FormatError instead.
	ErrFormat = errors.New("value: invalid model file")
)

// IndicatorError reports a problem with one indicator or group, by ID.
type IndicatorError struct {
	ID  string // the indicator or group ID
	Err error  // wraps a sentinel such as ErrUnknownID
}

// Error formats the IndicatorError with its position.
func (e *IndicatorError) Error() string { return fmt.Sprintf("value: indicator %q: %v", e.ID, e.Err) }

// Unwrap returns the underlying sentinel error.
func (e *IndicatorError) Unwrap() error { return e.Err }

// WeightError reports an unusable weight or weight sum, naming the
// indicator, group or dimension (ID) and the value.
type WeightError struct {
	ID     string  // the indicator, group or dimension
	Weight float64 // the weight or weight sum
	Err    error   // wraps ErrBadWeight or ErrWeightSum
}

// Error formats the WeightError with its position.
func (e *WeightError) Error() string {
	return fmt.Sprintf("value: weight of %q = %g: %v", e.ID, e.Weight, e.Err)
}

// Unwrap returns the underlying sentinel error.
func (e *WeightError) Unwrap() error { return e.Err }

// DataError reports an unusable cell of an [IndicatorTable]: the customer,
// its index in the table (0-based, as in t.Customers[Index]; -1 when the
// customer is not in the table) and the indicator. The message names the
// customer and the indicator, not the index: a caller that read the table
// from a file maps Index to its line (as cvm score does).
type DataError struct {
	Index     int     // 0-based index in t.Customers; -1 when not in the table
	Customer  string  // the customer ID
	Indicator string  // empty when the problem is the customer itself
	Value     float64 // the cell's value
	Err       error   // wraps a sentinel such as ErrMissing
}

// Error formats the DataError with the customer and indicator.
func (e *DataError) Error() string {
	if e.Indicator == "" {
		return fmt.Sprintf("value: customer %q: %v", e.Customer, e.Err)
	}
	return fmt.Sprintf("value: customer %q: indicator %q = %g: %v", e.Customer, e.Indicator, e.Value, e.Err)
}

// Unwrap returns the underlying sentinel error.
func (e *DataError) Unwrap() error { return e.Err }

// ErrUnknownCustomer is returned by [Model.Explain] for a customer ID that
// is not in the table.
var ErrUnknownCustomer = errors.New("value: unknown customer")
