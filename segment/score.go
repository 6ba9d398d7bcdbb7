package segment

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/envelope"
	"github.com/cvmkit/cvm/internal/num"
)

// ScorerFormat and ScorerVersion name the JSON form of a [Scorer];
// decoding another format or version is a *cvm.FormatError naming both.
const (
	ScorerFormat  = "cvm.segment.scorer"
	ScorerVersion = 2
)

// DefaultBins is the number of score bins when none is given.
const DefaultBins = 5

// Cell is a customer's R, F and M scores, each in 1..B.
type Cell struct {
	R, F, M int // the scores, each in 1..B
}

// String returns the cell as analysts write it, "555" or "142"; when a score
// is 10 (only with B = 10) the scores are separated by dashes, "10-4-2".
func (c Cell) String() string {
	if c.R < 10 && c.F < 10 && c.M < 10 && c.R >= 0 && c.F >= 0 && c.M >= 0 {
		return string([]byte{byte('0' + c.R), byte('0' + c.F), byte('0' + c.M)})
	}
	return strconv.Itoa(c.R) + "-" + strconv.Itoa(c.F) + "-" + strconv.Itoa(c.M)
}

// TiePolicy says how values are binned when breaks are not given.
type TiePolicy int

const (
	// TiesByValue bins by type-7 quantile breaks of the values: equal
	// values always share a score and bins may be unequal or empty. This
	// is the zero value.
	TiesByValue TiePolicy = iota
	// TiesByRank bins by rank into equal-count bins; equal values are split
	// by customer ID (see the package documentation).
	TiesByRank
)

// String returns "values" or "rank", or "TiePolicy(N)" for an invalid
// value.
func (p TiePolicy) String() string {
	switch p {
	case TiesByValue:
		return "values"
	case TiesByRank:
		return "rank"
	}
	return fmt.Sprintf("TiePolicy(%d)", int(p))
}

// MarshalText returns "values" or "rank"; an invalid value is an error.
func (p TiePolicy) MarshalText() ([]byte, error) {
	if p != TiesByValue && p != TiesByRank {
		return nil, fmt.Errorf("segment: invalid tie policy %d", int(p))
	}
	return []byte(p.String()), nil
}

// UnmarshalText sets p from "values" or "rank" (case-insensitive); any
// other text is an error naming it.
func (p *TiePolicy) UnmarshalText(text []byte) error {
	switch strings.ToLower(string(text)) {
	case "values":
		*p = TiesByValue
	case "rank":
		*p = TiesByRank
	default:
		return fmt.Errorf("segment: unknown tie policy %q (want values or rank)", text)
	}
	return nil
}

// ScorerSettings are the settings of [FitScorer] and [Score]. A nil
// *ScorerSettings means the zero value: 5 bins, quantile breaks with
// TiesByValue for all three dimensions.
type ScorerSettings struct {
	// Bins is the number of scores B, from 2 to 10; 0 means DefaultBins.
	Bins int
	// Ties is the tie policy of the dimensions without fixed breaks; the
	// zero value is TiesByValue.
	Ties TiePolicy
	// RecencyBreaks, FrequencyBreaks and MonetaryBreaks, when not nil, are
	// the B-1 fixed breaks of that dimension, finite and strictly
	// increasing, in the units of the values (days for recency). nil means
	// breaks fitted by Ties. They are copied.
	RecencyBreaks, FrequencyBreaks, MonetaryBreaks []float64
}

// Method names how a [Binning]'s breaks were made.
const (
	MethodQuantile = "quantile-type7"
	MethodRank     = "rank"
	MethodFixed    = "fixed"
)

// Binning is the breaks of one dimension: value v has the ascending score
// 1 + #{k : Breaks[k] < v}.
type Binning struct {
	Method string    `json:"method"` // MethodQuantile, MethodRank or MethodFixed
	Breaks []float64 `json:"breaks"` // B-1 non-decreasing breaks
}

// EmptyBins returns the ascending scores, in 1..B, that no value can get
// because two breaks coincide (b_{k-1} == b_k leaves score k empty), in
// increasing order; nil when every score is reachable. For recency the
// score reported is the ascending one; the R score is B+1 minus it.
func (b Binning) EmptyBins() []int {
	var out []int
	for k := 1; k < len(b.Breaks); k++ {
		if b.Breaks[k] == b.Breaks[k-1] {
			out = append(out, k+1)
		}
	}
	return out
}

// asc returns the ascending score of v.
func (b *Binning) asc(v float64) int {
	s := 1
	for _, x := range b.Breaks {
		if x < v {
			s++
		}
	}
	return s
}

// Scorer is a fitted RFM scoring model: the breaks of recency, frequency
// and monetary. It is immutable and safe for concurrent use. Its JSON form
// is the cvm envelope with [ScorerFormat] and [ScorerVersion] and
// round-trips exactly. Make one with [FitScorer], [Score], [NewScorer] or
// json.Unmarshal; the zero Scorer is not usable.
type Scorer struct {
	bins               int
	ties               TiePolicy
	recency, frequency Binning
	monetary           Binning
	card               *cvm.ModelCard
}

// Card returns a copy of the scorer's model card: for a fitted scorer the
// number of customers it was fitted on and a fingerprint of their values
// (the count, the smallest and largest recency, frequency and monetary
// value, and the fitted breaks, none of which depends on the order of the
// customers). It is nil for a scorer from [NewScorer], which fits nothing,
// and for a decoded scorer saved without a card.
func (s *Scorer) Card() *cvm.ModelCard {
	if s.card == nil {
		return nil
	}
	c := *s.card
	c.Quality = nil
	if s.card.Quality != nil {
		c.Quality = make(map[string]float64, len(s.card.Quality))
		for k, v := range s.card.Quality {
			c.Quality[k] = v
		}
	}
	return &c
}

// Bins returns the number of scores B.
func (s *Scorer) Bins() int { return s.bins }

// Ties returns the tie policy the scorer was fitted with.
func (s *Scorer) Ties() TiePolicy { return s.ties }

// Recency returns a copy of the recency breaks, in days.
func (s *Scorer) Recency() Binning { return cloneBinning(s.recency) }

// Frequency returns a copy of the frequency breaks, in occasions.
func (s *Scorer) Frequency() Binning { return cloneBinning(s.frequency) }

// Monetary returns a copy of the monetary breaks, in the currency.
func (s *Scorer) Monetary() Binning { return cloneBinning(s.monetary) }

func cloneBinning(b Binning) Binning {
	return Binning{Method: b.Method, Breaks: slices.Clone(b.Breaks)}
}

// NewScorer returns a Scorer with the given breaks, each B-1 finite,
// strictly increasing values, and method MethodFixed. It returns an
// *RFMError wrapping ErrBins or ErrBreaks.
func NewScorer(bins int, recency, frequency, monetary []float64) (*Scorer, error) {
	if bins < 2 || bins > 10 {
		return nil, &RFMError{Field: "bins", Value: float64(bins), Err: ErrBins}
	}
	s := &Scorer{bins: bins}
	for i, br := range [][]float64{recency, frequency, monetary} {
		if err := checkRFMBreaks(rfmDimNames[i], br, bins, true); err != nil {
			return nil, err
		}
		*s.dim(i) = Binning{Method: MethodFixed, Breaks: slices.Clone(br)}
	}
	return s, nil
}

var rfmDimNames = [3]string{"recency", "frequency", "monetary"}

func (s *Scorer) dim(i int) *Binning {
	switch i {
	case 0:
		return &s.recency
	case 1:
		return &s.frequency
	}
	return &s.monetary
}

func checkRFMBreaks(field string, br []float64, bins int, strict bool) error {
	if len(br) != bins-1 {
		return &RFMError{Field: field + " breaks", Err: fmt.Errorf("%w: %d breaks for %d bins, want %d", ErrBreaks, len(br), bins, bins-1)}
	}
	for k, x := range br {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return &RFMError{Field: field + " breaks", Err: fmt.Errorf("%w: break %d is %v", ErrBreaks, k+1, x)}
		}
		if k > 0 && (x < br[k-1] || (strict && x == br[k-1])) {
			return &RFMError{Field: field + " breaks", Err: fmt.Errorf("%w: break %d (%v) is not greater than break %d (%v)", ErrBreaks, k+1, x, k, br[k-1])}
		}
	}
	return nil
}

// FitScorer fits the breaks of each dimension on values and returns the
// scorer, to score these or later values with [Scorer.ScoreAll]: fixed
// breaks where s gives them, otherwise by s.Ties (see the package
// documentation). values is not modified.
//
// It returns an *RFMError wrapping ErrBins for B outside 2..10, ErrBreaks
// for bad fixed breaks, ErrNotFinite naming the customer of a NaN or
// infinite value, and ErrNoCustomers for empty values.
func FitScorer(values []RFM, s *ScorerSettings) (*Scorer, error) {
	sc, _, err := fitRFM(nil, values, s, false)
	return sc, err
}

// Score fits a scorer on values, as [FitScorer] does, and scores those
// same values in one call, writing the cells into dst (grown when too
// short) and returning it with the scorer. Under TiesByRank the cells are
// the equal-count rank scores, which scoring with the fitted breaks would
// not reproduce exactly when ties straddle a break; otherwise they equal
// those of [Scorer.ScoreAll]. (Scorer.Score, a method, scores one triple
// of raw values with a scorer already fitted.) The errors are those of
// FitScorer.
func Score(dst []Cell, values []RFM, s *ScorerSettings) ([]Cell, *Scorer, error) {
	sc, cells, err := fitRFM(dst, values, s, true)
	return cells, sc, err
}

func fitRFM(dst []Cell, values []RFM, settings *ScorerSettings, score bool) (*Scorer, []Cell, error) {
	var o ScorerSettings
	if settings != nil {
		o = *settings
	}
	if o.Bins == 0 {
		o.Bins = DefaultBins
	}
	if o.Bins < 2 || o.Bins > 10 {
		return nil, nil, &RFMError{Field: "bins", Value: float64(o.Bins), Err: ErrBins}
	}
	if o.Ties != TiesByValue && o.Ties != TiesByRank {
		panic(fmt.Sprintf("segment: invalid TiePolicy %d", int(o.Ties)))
	}
	fixed := [3][]float64{o.RecencyBreaks, o.FrequencyBreaks, o.MonetaryBreaks}
	for i, br := range fixed {
		if br != nil {
			if err := checkRFMBreaks(rfmDimNames[i], br, o.Bins, true); err != nil {
				return nil, nil, err
			}
		}
	}
	if len(values) == 0 {
		return nil, nil, ErrNoCustomers
	}
	if err := checkRFMValues(values); err != nil {
		return nil, nil, err
	}
	s := &Scorer{bins: o.Bins, ties: o.Ties}
	n := len(values)
	if score {
		dst = growCells(dst, n)
	}
	var sorted []float64   // TiesByValue: one dimension's values, sorted
	var sc num.SortScratch // its radix sort's memory
	var rs *rankSorter     // TiesByRank
	for d := range 3 {
		b := s.dim(d)
		if fixed[d] != nil {
			*b = Binning{Method: MethodFixed, Breaks: slices.Clone(fixed[d])}
			if score {
				for i := range values {
					setScore(&dst[i], d, s.bins, b.asc(rfmDim(&values[i], d)))
				}
			}
			continue
		}
		br := make([]float64, s.bins-1)
		switch o.Ties {
		case TiesByValue:
			if sorted == nil {
				sorted = make([]float64, n)
			}
			for i := range values {
				sorted[i] = rfmDim(&values[i], d)
			}
			num.SortFloats(sorted, &sc)
			for k := 1; k < s.bins; k++ {
				br[k-1] = num.QuantileSorted(sorted, float64(k)/float64(s.bins))
			}
			*b = Binning{Method: MethodQuantile, Breaks: br}
			if score {
				for i := range values {
					setScore(&dst[i], d, s.bins, b.asc(rfmDim(&values[i], d)))
				}
			}
		case TiesByRank:
			// A stable radix sort by value of the customers taken in
			// customer-ID order gives the order (value, ID).
			if rs == nil {
				rs = newRankSorter(values)
			}
			order := rs.sort(values, d)
			// br[k-1] is the largest value with rank score <= k; position
			// 0 has score 1 and so sets every break first.
			for pos, i := range order {
				a := rankScore(pos, n, s.bins)
				v := rfmDim(&values[i], d)
				for k := a; k < s.bins; k++ {
					br[k-1] = v
				}
				if score {
					setScore(&dst[i], d, s.bins, a)
				}
			}
			*b = Binning{Method: MethodRank, Breaks: br}
		}
	}
	s.card = scorerCard(values, s)
	return s, dst, nil
}

// scorerCard is the model card of a fitted scorer: the customers and a
// fingerprint of the count, the range of each dimension and the breaks.
func scorerCard(values []RFM, s *Scorer) *cvm.ModelCard {
	card := cvm.NewModelCard()
	card.Customers = len(values)
	figs := []float64{float64(len(values)), float64(s.bins)}
	for d := range 3 {
		lo, hi := math.Inf(1), math.Inf(-1)
		for i := range values {
			v := rfmDim(&values[i], d)
			lo, hi = min(lo, v), max(hi, v)
		}
		figs = append(figs, lo, hi)
		figs = append(figs, s.dim(d).Breaks...)
	}
	card.Fingerprint = cvm.Fingerprint(figs...)
	return &card
}

// rankScore is the equal-count score of 0-based position pos among n:
// max(1, ceil(pos*B/(n-1))), pandas' qcut of ranks 1..n.
func rankScore(pos, n, bins int) int {
	if n == 1 || pos == 0 {
		return 1
	}
	return (pos*bins + n - 2) / (n - 1)
}

// rankSorter orders customers by (value, customer ID) with a stable LSD
// radix sort on the value's bits, starting from customer-ID order.
type rankSorter struct {
	byID       []int32 // indices in (customer ID, index) order
	keys, tmpK []uint64
	idx, tmpI  []int32
}

func newRankSorter(values []RFM) *rankSorter {
	n := len(values)
	r := &rankSorter{
		byID: make([]int32, n),
		keys: make([]uint64, n), tmpK: make([]uint64, n),
		idx: make([]int32, n), tmpI: make([]int32, n),
	}
	sortedIDs := true
	for i := range r.byID {
		r.byID[i] = int32(i)
		if i > 0 && values[i].Customer < values[i-1].Customer {
			sortedIDs = false
		}
	}
	if !sortedIDs {
		slices.SortFunc(r.byID, func(a, c int32) int {
			if x := cmp.Compare(values[a].Customer, values[c].Customer); x != 0 {
				return x
			}
			return cmp.Compare(a, c)
		})
	}
	return r
}

// sort returns the indices of values in (dimension d, customer ID) order;
// the slice is reused by the next call.
func (r *rankSorter) sort(values []RFM, d int) []int32 {
	for p, i := range r.byID {
		r.keys[p] = orderedBits(rfmDim(&values[i], d))
		r.idx[p] = i
	}
	keys, idx, tmpK, tmpI := r.keys, r.idx, r.tmpK, r.tmpI
	var count [256]int
	for shift := uint(0); shift < 64; shift += 8 {
		clear(count[:])
		for _, k := range keys {
			count[byte(k>>shift)]++
		}
		if count[byte(keys[0]>>shift)] == len(keys) {
			continue // every key has this digit
		}
		sum := 0
		for b, c := range count {
			count[b] = sum
			sum += c
		}
		for p, k := range keys {
			q := count[byte(k>>shift)]
			count[byte(k>>shift)]++
			tmpK[q], tmpI[q] = k, idx[p]
		}
		keys, tmpK = tmpK, keys
		idx, tmpI = tmpI, idx
	}
	r.keys, r.idx, r.tmpK, r.tmpI = keys, idx, tmpK, tmpI
	return idx
}

// orderedBits maps a non-NaN float64 to a uint64 in the same order, with
// -0 and +0 equal.
func orderedBits(v float64) uint64 {
	if v == 0 {
		v = 0
	}
	b := math.Float64bits(v)
	if b>>63 != 0 {
		return ^b
	}
	return b | 1<<63
}

func rfmDim(v *RFM, d int) float64 {
	switch d {
	case 0:
		return v.Recency
	case 1:
		return v.Frequency
	}
	return v.Monetary
}

// setScore stores the ascending score a of dimension d, inverting recency.
func setScore(c *Cell, d, bins, a int) {
	switch d {
	case 0:
		c.R = bins + 1 - a
	case 1:
		c.F = a
	default:
		c.M = a
	}
}

func growCells(dst []Cell, n int) []Cell {
	if cap(dst) < n {
		return make([]Cell, n)
	}
	return dst[:n]
}

func checkRFMValues(values []RFM) error {
	for i := range values {
		v := &values[i]
		for d := range 3 {
			x := rfmDim(v, d)
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return &RFMError{Customer: v.Customer, Field: rfmDimNames[d], Value: x, Err: ErrNotFinite}
			}
		}
	}
	return nil
}

// Score returns the cell of raw values with the fitted breaks: R from
// recency (inverse), F from frequency, M from monetary. The values may be
// anything finite, such as a k-means centre in original units. It returns
// an *RFMError wrapping ErrNotFinite for a NaN or infinite value.
func (s *Scorer) Score(recency, frequency, monetary float64) (Cell, error) {
	var c Cell
	for d, x := range [3]float64{recency, frequency, monetary} {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return Cell{}, &RFMError{Field: rfmDimNames[d], Value: x, Err: ErrNotFinite}
		}
		setScore(&c, d, s.bins, s.dim(d).asc(x))
	}
	return c, nil
}

// ScoreAll scores every customer of values with the fitted breaks into dst,
// grown when too short, and returns it; it allocates nothing when cap(dst)
// >= len(values). values is not modified. It returns an *RFMError wrapping
// ErrNotFinite naming the customer of a NaN or infinite value; dst is then
// partly written.
func (s *Scorer) ScoreAll(dst []Cell, values []RFM) ([]Cell, error) {
	dst = growCells(dst, len(values))
	rb, fb, mb := s.recency.Breaks, s.frequency.Breaks, s.monetary.Breaks
	top := s.bins + 1
	for i := range values {
		v := &values[i]
		if !finite3(v.Recency, v.Frequency, v.Monetary) {
			return dst, checkRFMValues(values[i : i+1])
		}
		r, f, m := 1, 1, 1
		for _, x := range rb {
			if x < v.Recency {
				r++
			}
		}
		for _, x := range fb {
			if x < v.Frequency {
				f++
			}
		}
		for _, x := range mb {
			if x < v.Monetary {
				m++
			}
		}
		dst[i] = Cell{R: top - r, F: f, M: m}
	}
	return dst, nil
}

func finite3(a, b, c float64) bool {
	// x-x is 0 for finite x and NaN for NaN or Inf.
	return (a-a)+(b-b)+(c-c) == 0
}

// BinCounts returns, for each of R, F and M, the number of customers with
// each score 1..bins (index 0 is score 1). A zero count is an empty bin.
// Scores outside 1..bins are not counted; empty cells give zero counts. It
// panics if bins < 1.
func BinCounts(cells []Cell, bins int) (r, f, m []int) {
	r, f, m = make([]int, bins), make([]int, bins), make([]int, bins)
	for _, c := range cells {
		if c.R >= 1 && c.R <= bins {
			r[c.R-1]++
		}
		if c.F >= 1 && c.F <= bins {
			f[c.F-1]++
		}
		if c.M >= 1 && c.M <= bins {
			m[c.M-1]++
		}
	}
	return r, f, m
}

type scorerJSON struct {
	envelope.Header
	Bins      int       `json:"bins"`
	Ties      TiePolicy `json:"ties"`
	Recency   Binning   `json:"recency"`
	Frequency Binning   `json:"frequency"`
	Monetary  Binning   `json:"monetary"`
}

// MarshalJSON encodes the scorer in the cvm envelope ({"format":
// ScorerFormat, "version": ScorerVersion, "card": ...}).
func (s *Scorer) MarshalJSON() ([]byte, error) {
	return json.Marshal(scorerJSON{envelope.New(ScorerFormat, ScorerVersion, s.card), s.bins, s.ties, s.recency, s.frequency, s.monetary})
}

// UnmarshalJSON decodes a scorer written by MarshalJSON. Another format or
// version is a *cvm.FormatError; unknown fields and trailing data are
// errors naming them; bins outside 2..10 and breaks that are not B-1
// finite, non-decreasing values (strictly increasing for fixed breaks)
// are an *RFMError naming the field, and an unknown tie policy or method
// an error naming it. On error s is unchanged.
func (s *Scorer) UnmarshalJSON(data []byte) error {
	var j scorerJSON
	if err := envelope.Decode("segment", data, ScorerFormat, ScorerVersion, &j); err != nil {
		return err
	}
	if j.Bins < 2 || j.Bins > 10 {
		return &RFMError{Field: "bins", Value: float64(j.Bins), Err: ErrBins}
	}
	if j.Card != nil && j.Card.Customers < 0 {
		return fmt.Errorf("segment: decoding %s: card customers = %d, want >= 0", ScorerFormat, j.Card.Customers)
	}
	t := Scorer{bins: j.Bins, ties: j.Ties, card: j.Card}
	for d, b := range [3]Binning{j.Recency, j.Frequency, j.Monetary} {
		switch b.Method {
		case MethodQuantile, MethodRank, MethodFixed:
		default:
			return fmt.Errorf("segment: decoding %s: %s: unknown method %q", ScorerFormat, rfmDimNames[d], b.Method)
		}
		if err := checkRFMBreaks(rfmDimNames[d], b.Breaks, j.Bins, b.Method == MethodFixed); err != nil {
			return err
		}
		*t.dim(d) = b
	}
	*s = t
	return nil
}
