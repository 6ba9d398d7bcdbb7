package clv

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// HoldoutRow is one line of the calibration/holdout table: the customers
// with a given number of calibration repeat purchases and their mean
// actual and predicted holdout purchases.
type HoldoutRow struct {
	Frequency int     // calibration frequency x; the last row holds x >= this value
	Customers int     // customers in the row
	Actual    float64 // mean actual holdout purchases
	Predicted float64 // mean conditional expected purchases over the holdout
}

// HoldoutTable returns the standard calibration versus holdout table
// (Fader, Hardie & Lee 2005, Figure 4): customers are grouped by
// calibration frequency 0, 1, ..., maxFreq-1 and maxFreq or more, and for
// each group the mean actual holdout purchases are set beside the mean
// conditional expected purchases over a holdout of length t. Groups with
// no customer are omitted; a fractional frequency is rounded down.
//
// holdout must have the length of cs (else HoldoutTable panics), as must a
// Dataset's Holdout. maxFreq must be positive (else it panics). Empty cs
// gives a nil table. Errors are as for PredictPurchases.
func HoldoutTable(m PurchaseModel, cs []Customer, holdout []HoldoutCustomer, t float64, maxFreq int) ([]HoldoutRow, error) {
	if len(holdout) != len(cs) {
		panic(fmt.Sprintf("clv: %d holdout records for %d customers", len(holdout), len(cs)))
	}
	if maxFreq <= 0 {
		panic("clv: maxFreq must be positive")
	}
	if len(cs) == 0 {
		return nil, nil
	}
	pred, err := PredictPurchases(nil, m, t, cs)
	if err != nil {
		return nil, err
	}
	rows := make([]HoldoutRow, maxFreq+1)
	for i, c := range cs {
		b := min(int(math.Floor(c.Frequency)), maxFreq)
		rows[b].Customers++
		rows[b].Actual += float64(holdout[i].Purchases)
		rows[b].Predicted += pred[i]
	}
	out := rows[:0]
	for b, r := range rows {
		if r.Customers == 0 {
			continue
		}
		r.Frequency = b
		r.Actual /= float64(r.Customers)
		r.Predicted /= float64(r.Customers)
		out = append(out, r)
	}
	return out, nil
}

// ExpectedMatrix returns the frequency/recency matrix of expected
// purchases in the next t time units for customers of age T: element
// (x, j) is the forecast for frequency x = 0..maxFreq and recency
// t_x = j T / (cols-1), j = 0..cols-1. A customer with x = 0 has t_x = 0,
// so row 0 repeats that value. maxFreq must be non-negative and cols at
// least 2 (else it panics). Errors are as for PredictPurchases, naming the
// cell as the customer "x=…,t_x=…".
func ExpectedMatrix(m PurchaseModel, t, T float64, maxFreq, cols int) (*mat.Dense, error) {
	if err := checkHorizon(t); err != nil {
		return nil, err
	}
	return frMatrix(T, maxFreq, cols, func(c Customer) (float64, error) { return m.ConditionalExpectedPurchases(t, c) })
}

// AliveMatrix returns the frequency/recency matrix of P(alive) for
// customers of age T, laid out as in ExpectedMatrix.
func AliveMatrix(m PurchaseModel, T float64, maxFreq, cols int) (*mat.Dense, error) {
	return frMatrix(T, maxFreq, cols, m.ProbAlive)
}

func frMatrix(T float64, maxFreq, cols int, f func(Customer) (float64, error)) (*mat.Dense, error) {
	if maxFreq < 0 || cols < 2 {
		panic(fmt.Sprintf("clv: bad matrix size %d x %d", maxFreq+1, cols))
	}
	if !(T >= 0) || math.IsInf(T, 0) {
		return nil, &ParamError{Param: "T", Value: T, Err: ErrInvalidParam}
	}
	out := mat.NewDense(maxFreq+1, cols, nil)
	for x := 0; x <= maxFreq; x++ {
		for j := range cols {
			tx := T * float64(j) / float64(cols-1)
			if x == 0 {
				tx = 0
			}
			v, err := f(Customer{ID: fmt.Sprintf("x=%d,t_x=%g", x, tx), Frequency: float64(x), Recency: tx, T: T})
			if err != nil {
				return nil, err
			}
			out.Set(x, j, v)
		}
	}
	return out, nil
}
