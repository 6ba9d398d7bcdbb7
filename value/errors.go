package value

import (
	"errors"
	"fmt"
)

// Sentinel errors. Test for them with errors.Is; the typed errors below wrap
// them and name the indicator, customer or parameter.
var (
	ErrEmptyInput   = errors.New("value: empty input")
	ErrEmptyCatalog = errors.New("value: catalog has no indicators")
	ErrEmptyID      = errors.New("value: empty ID")
	ErrDuplicateID  = errors.New("value: duplicate ID")
	ErrUnknownID    = errors.New("value: unknown indicator ID")
	ErrMissingID    = errors.New("value: indicator not in table")
	ErrBadDimension = errors.New("value: bad dimension")
	ErrBadWeight    = errors.New("value: weight is NaN, infinite or negative")
	ErrWeightSum    = errors.New("value: weights do not sum to 1")
	ErrNonFinite    = errors.New("value: value is infinite")
	ErrMissing      = errors.New("value: missing value")
	ErrDuplicate    = errors.New("value: duplicate customer")
	ErrAllMissing   = errors.New("value: every indicator of a dimension is missing")
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

func (e *IndicatorError) Error() string { return fmt.Sprintf("value: indicator %q: %v", e.ID, e.Err) }
func (e *IndicatorError) Unwrap() error { return e.Err }

// WeightError reports an unusable weight or weight sum, naming the
// indicator, group or dimension (ID) and the value.
type WeightError struct {
	ID     string
	Weight float64
	Err    error
}

func (e *WeightError) Error() string {
	return fmt.Sprintf("value: weight of %q = %g: %v", e.ID, e.Weight, e.Err)
}
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

func (e *DataError) Error() string {
	if e.Indicator == "" {
		return fmt.Sprintf("value: row %d: customer %q: %v", e.Row, e.Customer, e.Err)
	}
	return fmt.Sprintf("value: row %d: customer %q: indicator %q = %g: %v", e.Row, e.Customer, e.Indicator, e.Value, e.Err)
}
func (e *DataError) Unwrap() error { return e.Err }

// MatrixError reports a bad entry of a pairwise comparison or decision
// matrix, by 0-based row and column.
type MatrixError struct {
	Row, Col int
	Value    float64
	Err      error
}

func (e *MatrixError) Error() string {
	return fmt.Sprintf("value: matrix entry (%d,%d) = %g: %v", e.Row+1, e.Col+1, e.Value, e.Err)
}
func (e *MatrixError) Unwrap() error { return e.Err }

// ErrUnknownCustomer is returned by [Model.Explain] for a customer ID that
// is not in the table.
var ErrUnknownCustomer = errors.New("value: unknown customer")
