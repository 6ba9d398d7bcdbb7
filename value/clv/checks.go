package clv

import (
	"context"
	"fmt"
	"iter"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/num"
	"gonum.org/v1/gonum/stat"
)

// Warning is the finding of an assumption check made before a fit: the
// check's name, the figure it measured and what it means.
type Warning struct {
	Check   string  `json:"check"`
	Value   float64 `json:"value"`
	Message string  `json:"message"`
}

// The assumption checks' names, Warning.Check.
const (
	CheckCorrelation = "frequency_spend_correlation" // Gamma-Gamma: |r| above 0.3
	CheckRegularity  = "purchase_regularity"         // Wheat-Morrison k of 2 or more
	CheckWindow      = "short_window"                // median age below twice the median inter-purchase time
	CheckHeavy       = "heavy_buyers"                // a frequency of 300 or more
	CheckRepeat      = "few_repeat_buyers"           // fewer than 30, or under 10%, repeat buyers
)

// purchaseWarnings runs the checks on a purchase model's customers that
// need only (x, t_x, T): the calibration window against the
// inter-purchase times, heavy buyers, and the number of repeat buyers.
func purchaseWarnings(cs []Customer) []Warning {
	var out []Warning
	ages, gaps := make([]float64, 0, len(cs)), make([]float64, 0, len(cs))
	repeat, heavy := 0, 0.0
	for _, c := range cs {
		ages = append(ages, c.T)
		if c.Frequency > 0 {
			repeat++
			gaps = append(gaps, c.Recency/c.Frequency)
		}
		heavy = max(heavy, c.Frequency)
	}
	if len(cs) == 0 {
		return nil
	}
	if share := float64(repeat) / float64(len(cs)); repeat < 30 || share < 0.1 {
		out = append(out, Warning{CheckRepeat, float64(repeat), fmt.Sprintf(
			"only %d of %d customers (%.1f%%) made a repeat purchase: too few to identify the dropout process; the dropout estimates and P(alive) are mostly the prior's",
			repeat, len(cs), 100*share)})
	}
	if len(gaps) > 0 {
		mt, mg := lowerMedian(ages), lowerMedian(gaps)
		if mg > 0 && mt < 2*mg {
			out = append(out, Warning{CheckWindow, mt / mg, fmt.Sprintf(
				"the median customer age %.3g is %.2f times the median time between repeat purchases %.3g: the calibration window is too short to tell a dropout from a pause; lengthen it",
				mt, mt/mg, mg)})
		}
	}
	if heavy >= 300 {
		out = append(out, Warning{CheckHeavy, heavy, fmt.Sprintf(
			"a customer has %g repeat purchases: such heavy buyers (wholesale or shared accounts) dominate the likelihood, push the series to thousands of terms and can overflow; consider fitting them apart",
			heavy)})
	}
	return out
}

// lowerMedian returns the element of rank ceil(n/2) of v (the median of
// stat.Quantile's Empirical rule), reordering v: Hoare's selection with a
// median-of-three pivot, linear on average, where sorting would add a
// tenth to a BG/NBD fit of 100,000 customers.
func lowerMedian(v []float64) float64 {
	k := (len(v) - 1) / 2
	lo, hi := 0, len(v)-1
	for lo < hi {
		mid := lo + (hi-lo)/2
		a, b, c := v[lo], v[mid], v[hi]
		p := max(min(a, b), min(max(a, b), c))
		i, j := lo, hi
		for i <= j {
			for v[i] < p {
				i++
			}
			for v[j] > p {
				j--
			}
			if i <= j {
				v[i], v[j] = v[j], v[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return v[k]
		}
	}
	return v[k]
}

// correlationWarning is the Gamma-Gamma check of the fitted correlation.
func correlationWarning(corr float64) []Warning {
	if math.Abs(corr) <= 0.3 {
		return nil
	}
	return []Warning{{CheckCorrelation, corr, fmt.Sprintf(
		"frequency and mean spend of the repeat buyers correlate at %.3f: Gamma-Gamma assumes they are independent, so its spend forecasts are biased", corr)}}
}

// CheckPurchaseData runs the assumption checks of the purchase models on
// cs and returns their warnings, empty when every check passes: fewer
// than 30 repeat buyers or fewer than 10% of customers ("dropout not
// identified"), a median age below twice the median time between repeat
// purchases t_x/x ("window too short"), and a customer with 300 or more
// repeat purchases ("heavy buyers"). Every purchase-model fit stores the
// same warnings in FitInfo.Warnings. Empty cs gives none.
func CheckPurchaseData(cs []Customer) []Warning { return purchaseWarnings(cs) }

// Regularity is the Wheat & Morrison (1990, "Estimating purchase
// regularity with two interpurchase times", Journal of Marketing Research
// 27(1)) estimate of purchase regularity: for each customer with three or
// more purchase occasions, M = t1/(t1+t2) of the first two inter-purchase
// times. Under Poisson purchasing (the count models' assumption) M is
// uniform on (0, 1), variance 1/12; under Erlang-k inter-purchase times M
// is Beta(k, k), variance 1/(4(2k+1)), so
//
//	k = (1/(4 var(M)) - 1) / 2
//
// and k near 1 supports the count models while k of 2 or more points to
// a regular-buyer model.
type Regularity struct {
	K         float64 `json:"k"`         // the estimate; 1 for Poisson, at most 1e6
	MeanM     float64 `json:"mean_m"`    // 0.5 under any Erlang-k
	Customers int     `json:"customers"` // customers with three or more occasions
}

// EstimateRegularity returns the Wheat-Morrison regularity of the
// purchase occasions (distinct calendar days in loc, nil for UTC, of
// transactions with a non-negative amount) on or before calibrationEnd's
// day, in the stream txs in any order. It returns ErrNoRepeatBuyers when
// fewer than two customers have three occasions, a *cvm.TransactionError
// for an invalid transaction, and ctx.Err() when ctx is done first.
func EstimateRegularity(ctx context.Context, txs iter.Seq[cvm.Transaction], calibrationEnd time.Time, loc *time.Location) (Regularity, error) {
	if loc == nil {
		loc = time.UTC
	}
	end := cvm.DayNumber(calibrationEnd, loc)
	// Only each customer's first three distinct days count: keep the three
	// smallest seen, in order, one map lookup a row and no list of days.
	index := map[string]int32{}
	var firsts []firstDays
	var ids []string
	n := 0
	for t := range txs {
		if n++; n%ctxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return Regularity{}, err
			}
		}
		if err := t.Validate(); err != nil {
			return Regularity{}, err
		}
		if t.Amount < 0 {
			continue
		}
		d := cvm.DayNumber(t.Time, loc)
		if d > end {
			continue
		}
		i, ok := index[t.Customer]
		if !ok {
			i = int32(len(firsts))
			index[t.Customer] = i
			firsts = append(firsts, firstDays{})
			ids = append(ids, t.Customer)
		}
		firsts[i].add(d)
	}
	order := make([]int32, len(ids))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(ids[a], ids[b]) })
	var ms []float64
	for _, i := range order {
		if m, ok := firsts[i].m(); ok {
			ms = append(ms, m)
		}
	}
	return regularityOf(ms)
}

// regularityOf returns the regularity of the customers' M values, in
// customer ID order (so that the sums do not depend on the input order).
func regularityOf(ms []float64) (Regularity, error) {
	if len(ms) < 2 {
		return Regularity{}, ErrNoRepeatBuyers
	}
	mean, v := stat.MeanVariance(ms, nil)
	k := (1/(4*v) - 1) / 2
	if !num.Finite(k) || k > 1e6 {
		k = 1e6 // all pairs alike: as regular as measurable
	}
	return Regularity{K: k, MeanM: mean, Customers: len(ms)}, nil
}

// firstDays holds the n (at most 3) smallest distinct days added, in
// ascending order.
type firstDays struct {
	d [3]int64
	n int
}

// m returns M = t1/(t1+t2) of the first two inter-purchase times, and
// false with fewer than three days.
func (f *firstDays) m() (float64, bool) {
	if f.n < 3 {
		return 0, false
	}
	t1, t2 := float64(f.d[1]-f.d[0]), float64(f.d[2]-f.d[1])
	return t1 / (t1 + t2), true
}

// add adds day d.
func (f *firstDays) add(d int64) {
	j := 0
	for j < f.n && f.d[j] < d {
		j++
	}
	if j < f.n && f.d[j] == d || j == 3 {
		return // seen, or later than the three kept
	}
	// Shift the larger ones up, dropping a fourth.
	for k := min(f.n, 2); k > j; k-- {
		f.d[k] = f.d[k-1]
	}
	f.d[j] = d
	f.n = min(f.n+1, 3)
}

// Warning returns the regularity warning when K is 2 or more, else nil.
func (r Regularity) Warning() []Warning {
	if !(r.K >= 2) {
		return nil
	}
	return []Warning{{CheckRegularity, r.K, fmt.Sprintf(
		"purchases are more regular than Poisson (Wheat-Morrison k = %.2f over %d customers; 1 is Poisson): the count models overstate the chance of long gaps, so they call regular customers dead too early; consider a regular-buyer (Erlang) model",
		r.K, r.Customers)}}
}
