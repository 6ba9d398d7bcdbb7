package weight

import (
	"errors"
	"fmt"
)

// Sentinel errors. Test for them with errors.Is; the typed errors below wrap
// them and name the matrix entry or vector element.
var (
	// ErrEmptyInput: a matrix with no rows or columns, or no matrices.
	ErrEmptyInput = errors.New("weight: empty input")
	// ErrNonFinite: NaN or an infinity in a matrix.
	ErrNonFinite = errors.New("weight: value is NaN or infinite")
	// ErrNegative: a negative value where entropy weights need x >= 0.
	ErrNegative = errors.New("weight: negative value")
	// ErrNoVariation: no column varies, so the data carry no information
	// to weigh by.
	ErrNoVariation = errors.New("weight: no column varies")
	// ErrNotSquare: a pairwise comparison matrix that is not square, or
	// matrices of different sizes.
	ErrNotSquare = errors.New("weight: matrix is not square")
	// ErrNonPositive: a pairwise comparison entry that is not positive and
	// finite.
	ErrNonPositive = errors.New("weight: AHP matrix entry is not positive and finite")
	// ErrNotReciprocal: a pairwise comparison matrix with a diagonal entry
	// other than 1 or a pair with a_ij * a_ji != 1 (beyond [ReciprocalTol]).
	ErrNotReciprocal = errors.New("weight: AHP matrix is not reciprocal")
	// ErrInconsistent: a consistency ratio of 0.10 or more that the caller
	// did not accept ([ConsistencyError]).
	ErrInconsistent = errors.New("weight: AHP matrix is inconsistent (CR >= 0.10)")
	// ErrNoRandomIndex: a matrix larger than the random-index table.
	ErrNoRandomIndex = errors.New("weight: no random index for this matrix size")
	// ErrBadRandomIndex: a random-index table entry that is NaN, infinite
	// or negative, or zero for a matrix of 3 or more criteria (where the
	// consistency ratio would divide by it).
	ErrBadRandomIndex = errors.New("weight: random index must be positive and finite for n >= 3")
	// ErrBadWeight: a weight that is NaN, infinite or negative, or a blend
	// factor outside [0, 1].
	ErrBadWeight = errors.New("weight: weight is NaN, infinite or negative")
	// ErrWeightSum: weights that sum to 0.
	ErrWeightSum = errors.New("weight: weights sum to 0")
)

// MatrixError reports a bad entry of a pairwise comparison or decision
// matrix, by 0-based row and column (the message counts from 1).
type MatrixError struct {
	Row, Col int     // 0-based position
	Value    float64 // the entry
	Err      error   // wraps a sentinel such as ErrNonPositive
}

// Error formats the MatrixError with its 1-based position.
func (e *MatrixError) Error() string {
	return fmt.Sprintf("weight: matrix entry (%d,%d) = %g: %v", e.Row+1, e.Col+1, e.Value, e.Err)
}

// Unwrap returns the underlying sentinel error.
func (e *MatrixError) Unwrap() error { return e.Err }

// VectorError reports a bad element of a weight vector or table: the
// vector's name ("weights", "subjective", "objective", "experts", "alpha",
// "RI"), the 0-based index (-1 when the whole vector is meant) and the
// value.
type VectorError struct {
	Vector string  // the vector's name
	Index  int     // 0-based; -1 for the whole vector
	Value  float64 // the element; with Index -1, the sum or the scalar
	Err    error   // wraps a sentinel such as ErrBadWeight
}

// Error formats the VectorError with its position.
func (e *VectorError) Error() string {
	if e.Index < 0 {
		return fmt.Sprintf("weight: %s = %g: %v", e.Vector, e.Value, e.Err)
	}
	return fmt.Sprintf("weight: %s[%d] = %g: %v", e.Vector, e.Index, e.Value, e.Err)
}

// Unwrap returns the underlying sentinel error.
func (e *VectorError) Unwrap() error { return e.Err }
