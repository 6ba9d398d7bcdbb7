package profile

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/civil"
	"github.com/cvmkit/cvm/lifecycle"
	"github.com/cvmkit/cvm/value"
	"github.com/cvmkit/cvm/value/clv"
)

// A distributed Build: Parts, FitParts, ScoreParts.
//
// Build's views split in three. Most depend on one customer's own
// transactions (summary, units, products, categories, CLV input, lifecycle
// replay, the retail indicators but two): [Parts] computes them on any
// set of whole customers. A few need every customer: the RFM breaks, the
// CLV fits, the value model's bounds and weights, the retail wallet and
// cross-buying headroom (quantiles of the peers' revenue and breadth) and
// the retail recency of returns-only customers (the file's span):
// [FitParts] computes them centrally from the parts into a [Population].
// Scoring is again per customer given the population: [ScoreParts] scores
// any batch of parts. Each profile equals Build's on the whole stream, bit
// for bit, when the parts are computed with the same as-of and earliest
// transaction time (the distributed job's global figures).

// Part is one customer's share of a Build: the views of the customer's
// own transactions. Parts marshal to JSON (a pipeline's element) and
// decode strictly.
type Part struct {
	// Profile holds the per-customer views: Customer, Summary, Units,
	// Products, Categories, CLV.Input and CLV.Repeat, Lifecycle,
	// Transition, History and Pattern. The other fields are zero (and
	// are not in the JSON).
	Profile Profile `json:"profile"`
	// Retail are the customer's own value.RetailIndicators figures (a
	// returns-only customer's Recency is replaced by the population's);
	// nil without the retail indicators.
	Retail *RetailFigures `json:"retail,omitempty"`
	// ReturnsOnly says the customer has returns but no purchase up to the
	// as-of (value.Retail.ReturnsOnly).
	ReturnsOnly bool `json:"returns_only,omitempty"`
	// FirstDay is the UTC day number of the customer's earliest
	// transaction on or before the as-of.
	FirstDay int64 `json:"first_day"`
	// Quantity and Items say a transaction of the customer up to the as-of
	// carries a quantity, and a purchase a product or category.
	Quantity bool `json:"quantity,omitempty"`
	Items    bool `json:"items,omitempty"`
}

type partJSON struct {
	Customer    string                 `json:"customer"`
	Summary     cvm.Summary            `json:"summary"`
	Units       float64                `json:"units,omitempty"`
	Products    []string               `json:"products,omitempty"`
	Categories  []string               `json:"categories,omitempty"`
	Input       clv.Customer           `json:"clv_input"`
	Repeat      float64                `json:"repeat_spend"`
	Lifecycle   lifecycle.State        `json:"lifecycle"`
	Transition  lifecycle.Transition   `json:"transition"`
	History     []lifecycle.Transition `json:"history,omitempty"`
	Pattern     lifecycle.Pattern      `json:"pattern"`
	Retail      *RetailFigures         `json:"retail,omitempty"`
	ReturnsOnly bool                   `json:"returns_only,omitempty"`
	FirstDay    int64                  `json:"first_day"`
	Quantity    bool                   `json:"quantity,omitempty"`
	Items       bool                   `json:"items,omitempty"`
}

// MarshalJSON encodes the part's per-customer fields.
func (p *Part) MarshalJSON() ([]byte, error) {
	q := &p.Profile
	return json.Marshal(partJSON{Customer: q.Customer, Summary: q.Summary, Units: q.Units, Products: q.Products, Categories: q.Categories,
		Input: q.CLV.Input, Repeat: q.CLV.Repeat, Lifecycle: q.Lifecycle, Transition: q.Transition, History: q.History, Pattern: q.Pattern,
		Retail: p.Retail, ReturnsOnly: p.ReturnsOnly, FirstDay: p.FirstDay, Quantity: p.Quantity, Items: p.Items})
}

// UnmarshalJSON decodes what MarshalJSON writes; an unknown field or
// trailing data is an error.
func (p *Part) UnmarshalJSON(data []byte) error {
	var v partJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("profile: decoding a part: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("profile: decoding a part: trailing data")
	}
	*p = Part{Profile: Profile{Customer: v.Customer, Summary: v.Summary, Units: v.Units, Products: v.Products, Categories: v.Categories,
		CLV: CLV{Input: v.Input, Repeat: v.Repeat}, Lifecycle: v.Lifecycle, Transition: v.Transition, History: v.History, Pattern: v.Pattern},
		Retail: v.Retail, ReturnsOnly: v.ReturnsOnly, FirstDay: v.FirstDay, Quantity: v.Quantity, Items: v.Items}
	return nil
}

// Parts computes the parts of the customers of txs: every transaction of
// each customer in txs must be in txs (a stream of whole customers, in
// any order; each customer's transactions in the order of the whole
// stream, since sums run in stream order). settings.AsOf must be set (the
// as-of of the whole stream, cvm.Report.AsOf for the default), and first
// is the earliest transaction time of the whole stream: with
// settings.Models and settings.Lifecycle nil the lifecycle rules are
// ScaleLifecycle's for the span from first to the as-of, as Build's.
// Settings.Indicators (or the models') says whether the retail figures are
// computed; History keeps each lifecycle history. Customers without a
// transaction on or before the as-of get no part; the parts are sorted by
// customer ID. Errors are Build's.
func Parts(ctx context.Context, txs iter.Seq[cvm.Transaction], first time.Time, settings *Settings) ([]Part, error) {
	var s Settings
	if settings != nil {
		s = *settings
	}
	if s.AsOf.IsZero() {
		return nil, errors.New("profile: Parts without an as-of")
	}
	st, asOf, err := ingest(ctx, txs, s.AsOf, nil)
	if errors.Is(err, ErrEmptyInput) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	lr := partsLifecycle(&s, first)
	src := s.Indicators
	if s.Models != nil {
		src = s.Models.Indicators
	}
	ps, rp, err := st.derive(ctx, asOf, &lr, src == RetailIndicators, s.History, deriveChunk)
	if errors.Is(err, ErrEmptyInput) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	parts := make([]Part, len(ps))
	asSec, asNs := asOf.Unix(), int32(asOf.Nanosecond())
	for i := range ps {
		parts[i].Profile = ps[i]
		parts[i].FirstDay = 1<<63 - 1
	}
	// FirstDay, Quantity and Items from the rows on or before the as-of.
	for r, c := range st.cust {
		if st.sec[r] > asSec || st.sec[r] == asSec && st.ns(int32(r)) > asNs {
			continue
		}
		i, ok := slices.BinarySearchFunc(parts, st.ids[c], func(p Part, id string) int { return cmp.Compare(p.Profile.Customer, id) })
		if !ok {
			continue
		}
		p := &parts[i]
		p.FirstDay = min(p.FirstDay, civil.UnixDay(st.sec[r]))
		if st.qty != nil && st.qty[r] != 0 {
			p.Quantity = true
		}
		if st.amt[r] >= 0 && (st.prod != nil && st.prod[r] > 0 || st.cat != nil && st.cat[r] > 0) {
			p.Items = true
		}
	}
	if rp != nil {
		for i := range parts {
			parts[i].Retail = &rp.figs[i]
			parts[i].ReturnsOnly = rp.returnsOnly[i]
		}
	}
	return parts, nil
}

// partsLifecycle returns the lifecycle rules of Parts and FitParts:
// Build's.
func partsLifecycle(s *Settings, first time.Time) lifecycle.Settings {
	if s.Models == nil && s.Lifecycle == nil {
		return ScaleLifecycle(nil, s.AsOf.Sub(first))
	}
	return *lifecycleSettings(s)
}

// Population is what scoring a part needs of every customer: the fitted
// models and the retail indicators' population figures. It marshals to
// JSON (a pipeline's side input).
type Population struct {
	// AsOf is the as-of of the parts.
	AsOf time.Time `json:"as_of"`
	// Models are the fitted models.
	Models *Models `json:"models"`
	// Span is the days from the earliest transaction up to the as-of to
	// the as-of, inclusive (the retail recency of returns-only customers
	// is Span + 1).
	Span int64 `json:"span"`
	// Wallets are the peer quantiles of the retail headroom, by peer
	// class (the bits of the purchase days in the window).
	Wallets []Wallet `json:"wallets,omitempty"`
	// Quantity and Items say some transaction carries a quantity, some
	// purchase a product or category (which retail indicators exist).
	Quantity bool `json:"quantity,omitempty"`
	Items    bool `json:"items,omitempty"`
	// Notes are the file's notes of the fit.
	Notes []string `json:"notes,omitempty"`
}

// Wallet is one peer class's wallet: the quantile (value.RetailSettings
// default, 0.9) of the class's revenue and breadth.
type Wallet struct {
	Class   int     `json:"class"`
	Revenue float64 `json:"revenue"`
	Breadth float64 `json:"breadth"`
}

// FitParts fits the models on the parts of every customer (from Parts with
// the same first and settings, in any order and grouping), as Build fits
// them on the whole stream, and returns them with the population figures
// for ScoreParts. Settings.Reasons and Progress are ignored. Two parts of
// one customer, or none, are an error.
func FitParts(ctx context.Context, parts []Part, first time.Time, settings *Settings) (*Population, error) {
	var s Settings
	if settings != nil {
		s = *settings
	}
	if s.Models != nil {
		return nil, errors.New("profile: FitParts with models: nothing to fit")
	}
	if len(parts) == 0 {
		return nil, ErrEmptyInput
	}
	parts = sortedParts(parts)
	for i := 1; i < len(parts); i++ {
		if parts[i].Profile.Customer == parts[i-1].Profile.Customer {
			return nil, fmt.Errorf("profile: FitParts: customer %q has two parts", parts[i].Profile.Customer)
		}
	}
	pop := &Population{AsOf: s.AsOf}
	minDay := int64(1<<63 - 1)
	for i := range parts {
		minDay = min(minDay, parts[i].FirstDay)
		pop.Quantity = pop.Quantity || parts[i].Quantity
		pop.Items = pop.Items || parts[i].Items
	}
	pop.Span = cvm.DayNumber(s.AsOf, time.UTC) - minDay + 1
	l := partsLifecycle(&s, first)
	f := &File{AsOf: s.AsOf, Profiles: profilesOf(parts)}
	if s.Indicators == RetailIndicators {
		pop.Wallets = walletsOf(retailFigures(parts))
		var err error
		if f.retail, err = pop.retail(ctx, parts); err != nil {
			return nil, err
		}
	}
	if s.Lifecycle == nil && l != lifecycle.DefaultSettings() {
		f.note("lifecycle: the data span %.0f days, too short for the default stability rule (%d days of tenure); scaled to %d days and %d active months of 12 (ScaleLifecycle)",
			s.AsOf.Sub(first).Hours()/24, lifecycle.DefaultSettings().StabilityTenureDays, l.StabilityTenureDays, l.StabilityActiveMonths)
	}
	fs := Settings{AsOf: s.AsOf, Lifecycle: &l, Recovery: s.Recovery, CLVMonths: s.CLVMonths, Indicators: s.Indicators, Clusters: s.Clusters}
	if err := f.score(ctx, &fs, newTimer(nil)); err != nil {
		return nil, err
	}
	pop.Models, pop.Notes = f.Models, f.Notes
	return pop, nil
}

// ScoreParts scores a batch of parts (any set of customers, from Parts
// with the population's as-of) with the population's models and returns
// their file: each profile is the one Build gives on the whole stream.
// The file's Book holds the batch's customers; its Refit and Models.Card
// are those of the whole fit. Settings.Reasons is the number of reasons
// (0 none), Settings.History is ignored (Parts keeps histories); the other
// settings are the models'.
func ScoreParts(ctx context.Context, parts []Part, pop *Population, settings *Settings) (*File, error) {
	if pop == nil || pop.Models == nil {
		return nil, errors.New("profile: ScoreParts without a population")
	}
	var s Settings
	if settings != nil {
		s = *settings
	}
	parts = sortedParts(parts)
	f := &File{AsOf: pop.AsOf, Profiles: profilesOf(parts)}
	if len(parts) == 0 {
		return f, nil
	}
	if pop.Models.Indicators == RetailIndicators {
		var err error
		if f.retail, err = pop.retail(ctx, parts); err != nil {
			return nil, err
		}
	}
	ss := Settings{AsOf: pop.AsOf, Models: pop.Models, Reasons: s.Reasons}
	if err := f.score(ctx, &ss, newTimer(nil)); err != nil {
		return nil, err
	}
	return f, nil
}

// sortedParts returns the parts sorted by customer (a copy when they are
// not).
func sortedParts(parts []Part) []Part {
	less := func(a, b Part) int { return strings.Compare(a.Profile.Customer, b.Profile.Customer) }
	if slices.IsSortedFunc(parts, less) {
		return parts
	}
	parts = slices.Clone(parts)
	slices.SortFunc(parts, less)
	return parts
}

// profilesOf copies the parts' profiles.
func profilesOf(parts []Part) []Profile {
	ps := make([]Profile, len(parts))
	for i := range parts {
		ps[i] = parts[i].Profile
	}
	return ps
}

// retail returns the value.Retail of the parts (sorted by customer) with
// the population's headroom, recency of returns-only customers and
// indicators.
func (pop *Population) retail(ctx context.Context, parts []Part) (*value.Retail, error) {
	ids := make([]string, len(parts))
	retOnly := make([]bool, len(parts))
	for i := range parts {
		ids[i] = parts[i].Profile.Customer
		retOnly[i] = parts[i].ReturnsOnly
	}
	return pop.retailOf(ctx, ids, retailFigures(parts), retOnly)
}

// retailFigures returns the parts' retail figures (zero for a part
// without).
func retailFigures(parts []Part) []RetailFigures {
	figs := make([]RetailFigures, len(parts))
	for i := range parts {
		if parts[i].Retail != nil {
			figs[i] = *parts[i].Retail
		}
	}
	return figs
}
