package flow

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/examples/internal/plots"
	"github.com/cvmkit/cvm/profile"
)

// Input is one customer base to run the flow on.
type Input struct {
	// Transactions are the purchases and returns, in any order. Run does not
	// modify or keep the slice.
	Transactions []cvm.Transaction
	// AsOf is the analysis time: later transactions are left out. The zero
	// time means the default of cvm.Report.AsOf: the end of the day (UTC)
	// of the last plausible transaction.
	AsOf time.Time
	// Source describes the data in the report's first line.
	Source string
	// Synthetic marks the embedded synthetic base, for which Seed also
	// drives the indicators, contacts and failures that transactions alone
	// cannot give.
	Synthetic bool
	Seed      uint64
	// Story is the customer of the closing story; "" means pick one.
	Story string
}

// Result is the output of every stage of the flow.
type Result struct {
	In        Input // the input, without its Transactions once the stages have run
	AsOf      time.Time
	First     time.Time // first transaction
	Last      time.Time // last transaction
	Rows      int       // transactions read
	Summaries []cvm.Summary

	// File is the customer file (package profile) every stage shows.
	File *profile.File

	RFM       *RFMStage
	rfmIndex  map[string]int
	KMeans    *KMeansStage
	Lifecycle *LifecycleStage
	CLV       *CLVStage
	Value     *ValueStage
	Recovery  *RecoveryStage

	formats plots.Formats

	synthIndicators int // indicators taken from the synthetic B2B table

	// Notes are plain statements of what could not be done, such as a
	// package that is not available or data a file does not contain.
	Notes []string
}

// ErrNoData is returned by Run when there are no transactions.
var ErrNoData = errors.New("flow: no transactions")

// Run builds the customer file of in (Build) and presents it (Present).
func Run(in Input) (*Result, error) {
	f, err := Build(in)
	if err != nil {
		return nil, err
	}
	return Present(in, f)
}

// Build builds the customer file of in with package profile: for the
// synthetic base, with the B2B indicators and the service history the
// synthetic firm knows besides its transactions (see Attributes) and the
// summary indicators; for a file, with the retail indicators. It returns
// ErrNoData for no transactions.
func Build(in Input) (*profile.File, error) {
	if len(in.Transactions) == 0 {
		return nil, ErrNoData
	}
	attrs, err := Attributes(in)
	if err != nil {
		return nil, err
	}
	f, err := profile.Build(context.Background(), slices.Values(in.Transactions), attrs, Settings(in))
	if err != nil {
		return nil, fmt.Errorf("customer file: %w", err)
	}
	return f, nil
}

// Settings are the profile settings of the flow: in.AsOf (zero: the cvm
// default), full lifecycle histories for the report, and the summary
// indicators for the synthetic base (its B2B indicators are attributes).
func Settings(in Input) *profile.Settings {
	s := &profile.Settings{AsOf: in.AsOf, History: true}
	if in.Synthetic {
		s.Indicators = profile.SummaryIndicators
	}
	return s
}

// Attributes returns what the firm knows about each customer besides the
// transactions: for the synthetic base, its B2B indicators and service
// history (drawn from in.Seed); nil for a file.
func Attributes(in Input) ([]profile.Attributes, error) {
	if !in.Synthetic {
		return nil, nil
	}
	asOf := in.AsOf
	if asOf.IsZero() {
		asOf = cvm.Audit(slices.Values(in.Transactions), nil).AsOf
	}
	sums, err := cvm.Summarize(context.Background(), slices.Values(in.Transactions), &cvm.SummarySettings{AsOf: asOf})
	if err != nil {
		return nil, fmt.Errorf("summaries: %w", err)
	}
	r := &Result{In: in, Summaries: sums}
	return r.attributes(), nil
}

// Present runs the presentation stages on the customer file f of in:
// RFM segments and their grid, k-means clusters, the CLV check on a
// holdout period and the forecasts, the value matrix, lifecycle stages
// and the recovery playbooks. It returns the error of the RFM stage,
// which every other stage needs; a later stage that fails is skipped and
// named in Result.Notes.
func Present(in Input, f *profile.File) (*Result, error) {
	if len(in.Transactions) == 0 {
		return nil, ErrNoData
	}
	r := &Result{In: in, Rows: len(in.Transactions), File: f, AsOf: f.AsOf}
	r.First, r.Last = in.Transactions[0].Time, in.Transactions[0].Time
	for _, t := range in.Transactions {
		if t.Time.Before(r.First) {
			r.First = t.Time
		}
		if t.Time.After(r.Last) {
			r.Last = t.Time
		}
	}
	r.Summaries = make([]cvm.Summary, len(f.Profiles))
	for i := range f.Profiles {
		r.Summaries[i] = f.Profiles[i].Summary
	}
	if in.Synthetic {
		r.attributes() // counts the synthetic indicators for the report
	}
	if err := r.runRFM(); err != nil {
		return nil, err
	}
	r.rfmIndex = make(map[string]int, len(r.RFM.Values))
	for i, v := range r.RFM.Values {
		r.rfmIndex[v.Customer] = i
	}
	// The later stages depend on the data having enough customers and
	// repeat purchases; one that cannot run is reported in Notes and
	// skipped, and the stages after it make do without it.
	for _, step := range []struct {
		name string
		run  func() error
	}{{"k-means clusters", r.runKMeans}, {"CLV forecasts", r.runCLV}, {"value scores", r.runValue},
		{"lifecycle stages", r.runLifecycle}, {"recovery playbooks", r.runRecovery}} {
		if err := step.run(); err != nil {
			r.note("%s skipped: %v", step.name, err)
		}
	}
	r.Notes = append(r.Notes, r.File.Notes...)
	// The stages are done with the transactions, and the report and the
	// files need only Rows, First and Last: letting them go frees their
	// memory (1.2 GB for 10M rows) for the writing.
	r.In.Transactions = nil
	return r, nil
}

// Totals are the base's headline figures.
type Totals struct {
	Customers, Buyers, OneTime int
	Gross, Returns, Net        float64
}

// Totals returns the headline figures of the summaries: customers, those
// with at least one purchase occasion, those with exactly one, and the
// gross, returned and net amounts.
func (r *Result) Totals() Totals {
	var t Totals
	t.Customers = len(r.Summaries)
	for _, s := range r.Summaries {
		if s.Occasions > 0 {
			t.Buyers++
		}
		if s.Occasions == 1 {
			t.OneTime++
		}
		t.Gross += s.Gross()
		t.Returns += s.Returns
		t.Net += s.Total
	}
	return t
}

// occasionBands are the bands of the purchase-occasion distribution.
var occasionBands = []struct {
	label  string
	lo, hi int
}{{"0 (returns only)", 0, 0}, {"1", 1, 1}, {"2", 2, 2}, {"3-5", 3, 5}, {"6-10", 6, 10}, {"11-20", 11, 20}, {"21+", 21, math.MaxInt}}

// OccasionBands returns the band labels, customers and net amount per
// band of purchase occasions.
func (r *Result) OccasionBands() (labels []string, customers []int, net []float64) {
	customers = make([]int, len(occasionBands))
	net = make([]float64, len(occasionBands))
	for _, b := range occasionBands {
		labels = append(labels, b.label)
	}
	for _, s := range r.Summaries {
		for i, b := range occasionBands {
			if s.Occasions >= b.lo && s.Occasions <= b.hi {
				customers[i]++
				net[i] += s.Total
				break
			}
		}
	}
	return labels, customers, net
}

// TopCustomers returns the n customers with the largest net amount,
// largest first, ties by ID.
func (r *Result) TopCustomers(n int) []cvm.Summary {
	s := slices.Clone(r.Summaries)
	slices.SortFunc(s, func(a, b cvm.Summary) int {
		if c := cmp.Compare(b.Total, a.Total); c != 0 {
			return c
		}
		return cmp.Compare(a.Customer, b.Customer)
	})
	return s[:min(n, len(s))]
}

var nan = math.NaN()

func (r *Result) note(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}
