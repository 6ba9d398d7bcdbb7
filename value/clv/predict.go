package clv

import (
	"fmt"
	"math"

	"github.com/cvmkit/cvm/internal/num"
)

// PurchaseModel is a fitted model of purchase counts and dropout: BG/NBD,
// MBG/NBD, Pareto/NBD or BG/BB. Implementations are safe for concurrent reads and
// never return NaN or Inf: a value that would not be finite is an error
// naming the customer (*CustomerError) or the parameter (*ParamError).
type PurchaseModel interface {
	// Name returns the model's short name: "bgnbd", "mbgnbd", "pareto" or
	// "bgbb".
	Name() string
	// ConditionalExpectedPurchases returns the expected purchases in the
	// next t time units of a customer with history c.
	ConditionalExpectedPurchases(t float64, c Customer) (float64, error)
	// ProbAlive returns the probability that the customer is alive at the
	// end of calibration.
	ProbAlive(c Customer) (float64, error)
	// ExpectedPurchases returns the expected repeat purchases in (0, t]
	// of a new customer.
	ExpectedPurchases(t float64) (float64, error)
	// LogLikelihood returns the total log-likelihood of cs.
	LogLikelihood(cs []Customer) (float64, error)
}

var (
	_ PurchaseModel = (*BGNBD)(nil)
	_ PurchaseModel = (*ParetoNBD)(nil)
)

// forEach computes dst[i] = f(cs[i]) for every customer on up to
// GOMAXPROCS goroutines, chunk by chunk. It returns dst (allocated when
// too short) or the error of the lowest-index failing customer, with that
// index set.
func forEach(dst []float64, cs []Customer, f func(c Customer) (float64, error)) ([]float64, error) {
	if cap(dst) < len(cs) {
		dst = make([]float64, len(cs))
	}
	dst = dst[:len(cs)]
	nch := (len(cs) + chunkSize - 1) / chunkSize
	errs := make([]error, nch)
	parallelChunks(len(cs), func(c, lo, hi int) {
		for i := lo; i < hi; i++ {
			v, err := f(cs[i])
			if err != nil {
				if ce, ok := err.(*CustomerError); ok {
					cp := *ce
					cp.Index = i
					err = &cp
				}
				errs[c] = err
				return
			}
			dst[i] = v
		}
	})
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return dst, nil
}

// PredictPurchases stores in dst, allocated when nil or too short, the
// expected purchases in the next t time units of every customer of cs,
// computed on all cores, and returns it. cs is not modified. Empty cs
// gives an empty result. It returns a *CustomerError naming the first
// customer (by index) that is invalid or whose forecast is not finite, and
// a *ParamError for a bad t or model parameter; dst's contents are then
// unspecified.
func PredictPurchases(dst []float64, m PurchaseModel, t float64, cs []Customer) ([]float64, error) {
	if err := checkHorizon(t); err != nil {
		return nil, err
	}
	return forEach(dst, cs, func(c Customer) (float64, error) { return m.ConditionalExpectedPurchases(t, c) })
}

// PredictPurchasesAt stores in dst, allocated when nil or too short, the
// expected purchases of every customer of cs at every horizon of ts,
// dst[i*len(ts)+h] for cs[i] in the next ts[h] time units, and returns
// it: m.ConditionalExpectedPurchases(ts[h], cs[i]), bit for bit, computed
// on all cores. For BG/NBD and MBG/NBD the part of the forecast that
// depends on the horizon, (1-z)^(r+x) 2F1(r+x, b+x+k; a+b+x+k-1; z) with
// z = t/(alpha+T+t), does not depend on the recency, so it is computed
// once for each distinct (Frequency, T) and horizon, and P(alive) once for
// each customer; a customer base has far fewer distinct (Frequency, T)
// than customers. cs is not modified. Empty cs or ts gives an empty
// result. It returns a *ParamError for a bad horizon or model parameter
// and a *CustomerError, with the customer's index, for the first
// customer that is invalid or whose forecast at some horizon is not
// finite; dst's contents are then unspecified.
func PredictPurchasesAt(dst []float64, m PurchaseModel, ts []float64, cs []Customer) ([]float64, error) {
	for _, t := range ts {
		if err := checkHorizon(t); err != nil {
			return nil, err
		}
	}
	if cap(dst) < len(cs)*len(ts) {
		dst = make([]float64, len(cs)*len(ts))
	}
	dst = dst[:len(cs)*len(ts)]
	if len(ts) == 0 {
		return dst, nil
	}
	if bg, ok := m.(*BGNBD); ok {
		if err := bg.check(); err != nil {
			return nil, err
		}
		return dst, bg.predictAt(dst, ts, cs)
	}
	nch := (len(cs) + chunkSize - 1) / chunkSize
	errs := make([]error, nch)
	parallelChunks(len(cs), func(ch, lo, hi int) {
		for i := lo; i < hi; i++ {
			for h, t := range ts {
				v, err := m.ConditionalExpectedPurchases(t, cs[i])
				if err != nil {
					errs[ch] = withIndex(err, i)
					return
				}
				dst[i*len(ts)+h] = v
			}
		}
	})
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return dst, nil
}

// withIndex returns err with the customer index i when it is a
// *CustomerError (a copy), else err.
func withIndex(err error, i int) error {
	if ce, ok := err.(*CustomerError); ok {
		cp := *ce
		cp.Index = i
		return &cp
	}
	return err
}

// PredictAlive stores in dst, allocated when nil or too short, the
// probability that each customer of cs is alive, and returns it. Errors
// are as for PredictPurchases.
func PredictAlive(dst []float64, m PurchaseModel, cs []Customer) ([]float64, error) {
	return forEach(dst, cs, m.ProbAlive)
}

// PredictSpend stores in dst, allocated when nil or too short, the
// expected mean transaction value of each customer of cs under the
// Gamma-Gamma model m, and returns it. Customers without repeat purchases
// get the population mean. Errors are as for GammaGamma.ExpectedSpend,
// with the customer's index.
func PredictSpend(dst []float64, m *GammaGamma, cs []Customer) ([]float64, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	return forEach(dst, cs, m.ExpectedSpend)
}

// CLVSettings configures CLV. A nil *CLVSettings means the zero value:
// weeks, 12 months of 30 days, discounted at DefaultAnnualDiscount.
type CLVSettings struct {
	// Unit is the time unit the purchase model was fitted in; the zero
	// value is Weeks.
	Unit Unit
	// Months is the horizon in months; 0 means 12.
	Months int
	// AnnualDiscount is the annual discount rate. Cash flows in month i
	// are divided by (1+d)^i, where d = (1+AnnualDiscount)^(1/12) - 1 is
	// the equivalent monthly rate ([MonthlyRate]). Zero means
	// [DefaultAnnualDiscount], 10% a year (d = 0.7974% a month); set
	// NoDiscount for no discounting. It must be > -1 and finite. A monthly
	// rate m, such as lifetimes' discount_rate, is the annual rate
	// (1+m)^12 - 1.
	AnnualDiscount float64
	// NoDiscount turns discounting off: every month's cash flow counts in
	// full. AnnualDiscount must then be zero.
	NoDiscount bool
	// DaysPerMonth is the length of a month; 0 means 30, as in lifetimes.
	DaysPerMonth float64
}

// DefaultAnnualDiscount is the discount rate CLV uses when
// CLVSettings.AnnualDiscount is zero: 10% a year, applied monthly as
// MonthlyRate(0.10) = 0.7974% a month. The command-line tools use it too.
const DefaultAnnualDiscount = 0.10

// MonthlyRate returns the monthly discount rate equivalent to an annual
// rate, (1+annual)^(1/12) - 1; for example 0.1 a year is 0.007974 a month.
// It returns NaN for annual <= -1 or NaN.
func MonthlyRate(annual float64) float64 {
	if !(annual > -1) {
		return math.NaN()
	}
	return math.Expm1(math.Log1p(annual) / 12)
}

// monthlyDiscount returns the monthly discount rate of s, or a
// *ParamError for a bad rate.
func (s *CLVSettings) monthlyDiscount() (float64, error) {
	a := s.AnnualDiscount
	switch {
	case s.NoDiscount && a != 0:
		return 0, &ParamError{Param: "annual discount", Value: a, Err: fmt.Errorf("%w: set with NoDiscount", ErrInvalidParam)}
	case s.NoDiscount:
		return 0, nil
	case !(a > -1) || math.IsInf(a, 0):
		return 0, &ParamError{Param: "annual discount", Value: a, Err: fmt.Errorf("%w: must be finite and above -1", ErrInvalidParam)}
	case a == 0:
		a = DefaultAnnualDiscount
	}
	return MonthlyRate(a), nil
}

// CLV stores in dst, allocated when nil or too short, the discounted
// customer lifetime value of each customer of cs over the horizon of s,
// and returns it:
//
//	CLV = sum_{i=1..Months} spend[j] * (E[Y(i M)] - E[Y((i-1) M)]) / (1+d)^i
//
// where E[Y(t)] is m's conditional expected purchases, M the month in the
// model's unit and d the monthly discount, (1+annual)^(1/12) - 1 for the
// annual rate of s (DefaultAnnualDiscount, 10% a year, for nil s or a zero
// rate; none with NoDiscount). spend[j] is the expected value
// of one purchase of customer j, typically from PredictSpend; it must have
// the length of cs (else CLV panics) and be finite and non-negative.
// Errors are as for PredictPurchases; a bad setting is a *ParamError.
func CLV(dst []float64, m PurchaseModel, spend []float64, cs []Customer, s *CLVSettings) ([]float64, error) {
	if len(spend) != len(cs) {
		panic(fmt.Sprintf("clv: %d spends for %d customers", len(spend), len(cs)))
	}
	var set CLVSettings
	if s != nil {
		set = *s
	}
	if set.Unit != Weeks && set.Unit != Days {
		return nil, &ParamError{Param: "unit", Value: float64(set.Unit), Err: ErrInvalidParam}
	}
	if set.Months < 0 {
		return nil, &ParamError{Param: "months", Value: float64(set.Months), Err: ErrInvalidParam}
	}
	if set.Months == 0 {
		set.Months = 12
	}
	monthly, err := set.monthlyDiscount()
	if err != nil {
		return nil, err
	}
	if set.DaysPerMonth == 0 {
		set.DaysPerMonth = 30
	}
	if !(set.DaysPerMonth > 0) || math.IsInf(set.DaysPerMonth, 0) {
		return nil, &ParamError{Param: "days per month", Value: set.DaysPerMonth, Err: ErrInvalidParam}
	}
	month := set.DaysPerMonth / set.Unit.days()
	if cap(dst) < len(cs) {
		dst = make([]float64, len(cs))
	}
	dst = dst[:len(cs)]
	for j, v := range spend {
		if !num.Finite(v) || v < 0 {
			c := cs[j]
			return nil, &CustomerError{Index: j, Customer: c.ID, Field: "spend", Err: fmt.Errorf("%w: expected spend %v", ErrInvalidCustomer, v)}
		}
	}
	nch := (len(cs) + chunkSize - 1) / chunkSize
	errs := make([]error, nch)
	parallelChunks(len(cs), func(ch, lo, hi int) {
		cum := make([]float64, set.Months)
		for j := lo; j < hi; j++ {
			c := cs[j]
			for i := 1; i <= set.Months; i++ {
				e, err := m.ConditionalExpectedPurchases(float64(i)*month, c)
				if err != nil {
					if ce, ok := err.(*CustomerError); ok {
						cp := *ce
						cp.Index = j
						err = &cp
					}
					errs[ch] = err
					return
				}
				cum[i-1] = e
			}
			sum := DiscountedCLV(spend[j], cum, monthly)
			if !num.Finite(sum) {
				errs[ch] = &CustomerError{Index: j, Customer: c.ID, Field: "prediction", Err: fmt.Errorf("%w: CLV not finite", ErrNotConverged)}
				return
			}
			dst[j] = sum
		}
	})
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return dst, nil
}

// DiscountedCLV returns CLV's sum for one customer from the expected
// value of one purchase and the cumulative expected purchases cum, cum[i-1]
// = E[Y(i months)], at the monthly discount rate:
//
//	sum_{i=1..len(cum)} spend * (cum[i-1] - cum[i-2]) / (1+monthly)^i
//
// with cum[-1] = 0, in CLV's order of operations (so that a caller who
// computes E[Y] once for many customers gets CLV's bits).
func DiscountedCLV(spend float64, cum []float64, monthly float64) float64 {
	prev, sum := 0.0, 0.0
	disc := 1.0
	for _, e := range cum {
		disc /= 1 + monthly
		sum += spend * (e - prev) * disc
		prev = e
	}
	return sum
}
