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
	// ErrNonFinite: an infinite value in a table, or NaN or Inf in a matrix.
	ErrNonFinite = errors.New("value: value is infinite")
	// ErrMissing: a missing (NaN) value under the MissingError policy, or
	// an indicator with no value at all to fit.
	ErrMissing = errors.New("value: missing value")
	// ErrDuplicate: a customer ID that appears twice in a table.
	ErrDuplicate = errors.New("value: duplicate customer")
	// ErrAllMissing: every indicator of one dimension missing for a
	// customer under the MissingDrop policy.
	ErrAllMissing = errors.New("value: every indicator of a dimension is missing")
	// ErrInconsistent is returned by AHP when the consistency ratio is
	// 0.10 or more and the caller did not accept it.
	ErrInconsistent  = errors.New("value: AHP matrix is inconsistent (CR >= 0.10)")
	ErrNotReciprocal = errors.New("value: AHP matrix is not reciprocal")
	ErrNonPositive   = errors.New("value: AHP matrix entry is not positive and finite")
	ErrNotSquare     = errors.New("value: matrix is not square")
	ErrFormat        = errors.New("value: unsupported model format")
)

// IndicatorError reports a problem with one indicator or group, by ID.
type IndicatorError struct {
	ID  string
	Err error
}

// Error formats the IndicatorError with its position.
func (e *IndicatorError) Error() string { return fmt.Sprintf("value: indicator %q: %v", e.ID, e.Err) }

// Unwrap returns the underlying sentinel error.
func (e *IndicatorError) Unwrap() error { return e.Err }

// WeightError reports an unusable weight or weight sum, naming the
// indicator, group or dimension (ID) and the value.
type WeightError struct {
	ID     string
	Weight float64
	Err    error
}

// Error formats the WeightError with its position.
func (e *WeightError) Error() string {
	return fmt.Sprintf("value: weight of %q = %g: %v", e.ID, e.Weight, e.Err)
}

// Unwrap returns the underlying sentinel error.
func (e *WeightError) Unwrap() error { return e.Err }

// DataError reports an unusable cell of a [Table]: the customer (and its
// row, 0-based) and the indicator.
type DataError struct {
	Row       int
	Customer  string
	Indicator string // empty when the problem is the customer itself
	Value     float64
	Err       error
}

// Error formats the DataError with its position.
func (e *DataError) Error() string {
	if e.Indicator == "" {
		return fmt.Sprintf("value: row %d: customer %q: %v", e.Row, e.Customer, e.Err)
	}
	return fmt.Sprintf("value: row %d: customer %q: indicator %q = %g: %v", e.Row, e.Customer, e.Indicator, e.Value, e.Err)
}

// Unwrap returns the underlying sentinel error.
func (e *DataError) Unwrap() error { return e.Err }

// MatrixError reports a bad entry of a pairwise comparison or decision
// matrix, by 0-based row and column.
type MatrixError struct {
	Row, Col int
	Value    float64
	Err      error
}

// Error formats the MatrixError with its position.
func (e *MatrixError) Error() string {
	return fmt.Sprintf("value: matrix entry (%d,%d) = %g: %v", e.Row+1, e.Col+1, e.Value, e.Err)
}

// Unwrap returns the underlying sentinel error.
func (e *MatrixError) Unwrap() error { return e.Err }

// ErrUnknownCustomer is returned by [Model.Explain] for a customer ID that
// is not in the table.
var ErrUnknownCustomer = errors.New("value: unknown customer")
