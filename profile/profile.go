package profile

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"slices"
	"sort"
	"sync/atomic"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/chunks"
	"github.com/cvmkit/cvm/internal/civil"
	"github.com/cvmkit/cvm/internal/num"
	"github.com/cvmkit/cvm/internal/parallel"
	"github.com/cvmkit/cvm/internal/retail"
	"github.com/cvmkit/cvm/lifecycle"
	"github.com/cvmkit/cvm/recovery"
	"github.com/cvmkit/cvm/segment"
	"github.com/cvmkit/cvm/value"
	"github.com/cvmkit/cvm/value/clv"
)

// Profile is one customer's file: every view of the customer, joined.
type Profile struct {
	// Customer is the customer ID.
	Customer string `json:"customer"`
	// Summary is the customer's cvm.Summary as of the file's as-of
	// (occasions by UTC calendar day).
	Summary cvm.Summary `json:"summary"`
	// Units is the net quantity (units bought minus units returned) and
	// Products and Categories the distinct products and categories bought
	// (purchases only), sorted; zero and nil when the transactions carry
	// no quantity, product or category.
	Units      float64  `json:"units,omitempty"`
	Products   []string `json:"products,omitempty"`
	Categories []string `json:"categories,omitempty"`

	// RFM are the raw RFM values and Cell the scores, Segment the named
	// segment of segment.DefaultRules ("" when the cell has none); all zero
	// for a customer with only returns (FlagReturnsOnly).
	RFM     segment.RFM  `json:"rfm"`
	Cell    segment.Cell `json:"cell"`
	Segment string       `json:"segment,omitempty"`
	// Cluster is the customer's k-means cluster on its RFM values, 1 to
	// Models.Clusters.K(); 0 for none (no RFM values, or no cluster
	// model). See Clusters.
	Cluster int `json:"cluster,omitempty"`

	// CLV is the lifetime-value forecast.
	CLV CLV `json:"clv"`

	// Value is the value score: current, potential and total, quadrant
	// and tier. Reasons are the IDs of the indicators that contribute most
	// to the total score, largest first (Settings.Reasons of them).
	Value   value.Score `json:"value"`
	Reasons []string    `json:"reasons,omitempty"`

	// Lifecycle is the relationship state as of the as-of, Transition its
	// last stage change (the zero Transition when none), Pattern the
	// pattern of the current relationship.
	Lifecycle  lifecycle.State      `json:"lifecycle"`
	Transition lifecycle.Transition `json:"transition"`
	// History is every stage change, oldest first, with Settings.History
	// (nil otherwise).
	History []lifecycle.Transition `json:"history,omitempty"`
	Pattern lifecycle.Pattern      `json:"pattern"`

	// Recovery is the customer's input to the recovery book; the
	// playbooks themselves are File.Book.Lookup(Customer, ...).
	Recovery recovery.Customer `json:"recovery"`

	// Attributes are what the host supplied about the customer (the zero
	// value when nothing).
	Attributes Attributes `json:"attributes"`

	// Flags are the contradictions between the views; see Flag.
	Flags Flag `json:"flags"`
}

// Stage returns the lifecycle stage.
func (p *Profile) Stage() lifecycle.Stage { return p.Lifecycle.Stage() }

// CLV is a customer's lifetime-value forecast with the BG/NBD purchase
// model and the Gamma-Gamma spend model of value/clv.
type CLV struct {
	// OK says the customer has a forecast: a purchase on or before the
	// as-of and fitted models. Without one the figures are zero.
	OK bool `json:"ok"`
	// Input is the model input: repeat purchase days x, recency t_x and
	// age T in weeks, and the mean value of the repeat purchases, as
	// clv.Prepare computes them with the calibration end at the as-of.
	Input clv.Customer `json:"input"`
	// Repeat is the amount of the repeat purchase days (Input.MeanSpend
	// times Input.Frequency, unrounded), kept for Update.
	Repeat float64 `json:"repeat_spend"`
	// PAlive is the probability that the customer is still active,
	// ExpectedPurchases the purchases expected in the next 52 weeks,
	// ExpectedSpend the expected value of one purchase and Value the
	// discounted CLV over Settings.CLVMonths.
	PAlive            float64 `json:"p_alive"`
	ExpectedPurchases float64 `json:"expected_purchases"`
	ExpectedSpend     float64 `json:"expected_spend"`
	Value             float64 `json:"value"`
}

// Attributes are what a host knows about a customer besides its
// transactions: from a CRM, a service desk, a consent register.
type Attributes struct {
	// Customer is the customer ID the attributes belong to.
	Customer string `json:"customer"`
	// Indicators are value indicators by catalog ID (value.DefaultCatalog
	// IDs such as "gross_margin" or "share_of_wallet"); they join the
	// transaction-derived indicators in the value model. An ID the
	// catalog does not have is an error of Build. A customer without an
	// indicator another customer has gets NaN (imputed by the model).
	Indicators map[string]float64 `json:"indicators,omitempty"`
	// Channel is the stated contact channel ("email", "sms", ...), empty
	// for none; Consent says the customer agreed to be contacted.
	Channel string `json:"channel,omitempty"`
	Consent bool   `json:"consent,omitempty"`
	// Type is the customer type ("b2b", "retail", ...), free text.
	Type string `json:"type,omitempty"`
	// Failures12m is the number of service failures or complaints in the
	// last 12 months; LastRecoveryOK whether the last recovery satisfied
	// the customer; Influence how many people the customer talks to.
	Failures12m    int     `json:"failures_12m,omitempty"`
	LastRecoveryOK bool    `json:"last_recovery_ok,omitempty"`
	Influence      float64 `json:"influence,omitempty"`
	// GrossProfit is the 12-month gross profit for compensation caps;
	// zero means unknown: AssumedMargin of the net amount is used.
	GrossProfit float64 `json:"gross_profit,omitempty"`
}

// Settings configure Build. A nil *Settings means every default.
type Settings struct {
	// AsOf is the analysis time: later transactions are left out. The zero
	// time means the one default of cvm (cvm.Report.AsOf: the end of the
	// UTC day of the last plausible transaction).
	AsOf time.Time
	// AsOfFunc, when AsOf is zero and AsOfFunc is not nil, is called once
	// the stream is read, and the time it returns is the as-of, as if AsOf
	// had been given. It serves a caller who reads the stream through a
	// cvm.Reader, whose report already has the default as-of
	// (cvm.Report.AsOf): Build then does not audit every transaction's
	// time a second time. A zero time is ErrEmptyInput.
	AsOfFunc func() time.Time
	// Models, when not nil, are the models of an earlier Build: the
	// profiles are scored with their breaks, parameters and weights, and
	// nothing is fitted (Apply). Nil means fit the models on these data.
	Models *Models
	// Lifecycle are the lifecycle rules and Recovery the recovery policy
	// for fitting; nil means their defaults. With Models, the models' own
	// are used and these are ignored.
	Lifecycle *lifecycle.Settings
	Recovery  *recovery.Settings
	// CLVMonths is the CLV horizon in months; 0 means 12.
	CLVMonths int
	// Indicators is where the value model's indicators come from; the zero
	// value is RetailIndicators. With Models, the models' own are used.
	Indicators IndicatorSource
	// History keeps each profile's full lifecycle history (about 80 bytes
	// a transition); false keeps the last transition only.
	History bool
	// Clusters is the number of k-means clusters (Profile.Cluster); 0
	// means the default rule (the best silhouette for k from ClusterKMin
	// to ClusterKMax), a negative value no clustering. With Models, the
	// models' own are used.
	Clusters int
	// Reasons is how many top reasons each profile carries; 0 means none
	// (they cost a value explanation per customer; see File.Explain).
	Reasons int
	// Progress, when not nil, is called on the calling goroutine at the
	// end of each stage with its name and duration.
	Progress func(stage string, took time.Duration)
}

// IndicatorSource says where the value model's indicators come from.
type IndicatorSource uint8

const (
	// RetailIndicators is value.RetailIndicators: the retail catalog
	// computed from the transactions (revenue, volume, order value,
	// frequency, recency, tenure, breadth, return share, volatility,
	// regularity in a 365-day window; wallet and cross-buying headroom and
	// the growth trend as potential value), with the CLV forecasts in the
	// lifetime group of current value (a forecast continues the current
	// relationship: Verhoef & Donkers 2001). The windows need every
	// transaction, so Update cannot continue it: refit with Build.
	RetailIndicators IndicatorSource = iota
	// SummaryIndicators are four indicators of value.DefaultCatalog that a
	// summary gives over the whole history (revenue, order_frequency,
	// recency, tenure) with the CLV forecasts in the growth group of
	// potential value; see ValueCatalog. Update can continue them.
	SummaryIndicators
)

// String returns "retail" or "summary".
func (s IndicatorSource) String() string {
	switch s {
	case RetailIndicators:
		return "retail"
	case SummaryIndicators:
		return "summary"
	}
	return fmt.Sprintf("IndicatorSource(%d)", int(s))
}

// MarshalText encodes s as String writes it; an unknown value is an error.
func (s IndicatorSource) MarshalText() ([]byte, error) {
	if s > SummaryIndicators {
		return nil, fmt.Errorf("profile: unknown indicator source %d", int(s))
	}
	return []byte(s.String()), nil
}

// UnmarshalText decodes "retail" or "summary".
func (s *IndicatorSource) UnmarshalText(b []byte) error {
	switch string(b) {
	case "retail":
		*s = RetailIndicators
	case "summary":
		*s = SummaryIndicators
	default:
		return fmt.Errorf("profile: unknown indicator source %q (want retail or summary)", b)
	}
	return nil
}

// AssumedMargin is the gross margin assumed for the recovery book's
// compensation caps of a customer whose host supplies no gross profit: the
// caps use AssumedMargin times the customer's net amount.
const AssumedMargin = 0.25

// CLV settings: forecasts over 52 weeks, discounted at
// clv.DefaultAnnualDiscount.
const forecastWeeks = 52

// File is the customer file: one Profile per customer with at least one
// transaction on or before AsOf, sorted by customer ID, and the models
// that scored them.
type File struct {
	// AsOf is the analysis time the profiles are as of.
	AsOf time.Time
	// Profiles are the customers' profiles, sorted by customer ID.
	Profiles []Profile
	// Models are the models that scored the profiles.
	Models *Models
	// Book is the recovery book of the profiles (every customer x failure
	// type x severity).
	Book *recovery.Book
	// Refit says whether the models are due to be refitted (Update).
	Refit Refit
	// Notes are plain statements of what the data could not give.
	Notes []string

	table  value.IndicatorTable // the value model's input, for Explain
	index  map[string]int
	retail *value.Retail // the retail indicators of a Build with RetailIndicators
}

// Lookup returns customer id's profile.
func (f *File) Lookup(id string) (*Profile, bool) {
	if f.index == nil {
		f.index = make(map[string]int, len(f.Profiles))
		for i := range f.Profiles {
			f.index[f.Profiles[i].Customer] = i
		}
	}
	i, ok := f.index[id]
	if !ok {
		return nil, false
	}
	return &f.Profiles[i], true
}

// Indicators returns the value model's input table, one row per profile
// (nil columns for a decoded retail file). The caller must not modify it.
func (f *File) Indicators() value.IndicatorTable { return f.table }

// Explain returns the value model's explanation of customer id's score:
// every indicator's raw value and contribution.
func (f *File) Explain(id string) (value.Explanation, error) {
	i := sort.SearchStrings(f.table.Customers, id)
	if i == len(f.table.Customers) || f.table.Customers[i] != id || f.Models == nil || f.Models.Value == nil {
		return value.Explanation{}, fmt.Errorf("profile: %w: %q", value.ErrUnknownCustomer, id)
	}
	return f.Models.Value.Explain(f.table.Rows([]int{i}), id)
}

// ErrEmptyInput is returned by Build when no transaction is on or before
// the as-of.
var ErrEmptyInput = errors.New("profile: empty input")

// Build builds the customer file from a transaction stream in any order,
// ranging over it once: it keeps each transaction's customer, time and
// amount (and quantity, product and category when present), about 20
// bytes a row (24 when times have fractions of a second) plus 8 for a
// quantity and 4 each for a product and a category, and derives every view
// from them. With settings.Models nil it fits the models (RFM breaks on
// these customers, BG/NBD and Gamma-Gamma, the value model) and returns
// them in File.Models; with Models set it scores with those (see Apply).
//
// Each view is what its package gives on the same transactions:
// cvm.Summarize (occasions by UTC day), segment.RFMValues and
// segment.Score, clv.Prepare with the calibration end at the as-of (a
// default as-of is at the end of a day, where Prepare and Summarize agree),
// clv.FitBGNBD and clv.FitGammaGamma, lifecycle.Classify with monthly
// ticks, value.Fit with the catalog of [ValueCatalog], recovery's Build;
// see the package doc for the join.
//
// attrs are the host's attributes, by customer ID in any order; a customer
// of attrs without a transaction gets no profile, and two entries for one
// customer are an error. attrs is not kept or modified.
//
// Build returns a *cvm.TransactionError for an unusable transaction,
// ErrEmptyInput when no transaction is on or before the as-of, the error
// of a model that cannot be fitted (too few customers or repeat buyers)
// and ctx.Err() when ctx is done.
func Build(ctx context.Context, txs iter.Seq[cvm.Transaction], attrs []Attributes, settings *Settings) (*File, error) {
	var s Settings
	if settings != nil {
		s = *settings
	}
	return build(ctx, attrs, &s, func() (*store, time.Time, error) { return ingest(ctx, txs, s.AsOf, s.AsOfFunc) })
}

// BuildReader builds the customer file from the rest of rd's input as
// Build(ctx, rd.Stream(ctx), attrs, settings) does, with the same result,
// reading the rows through cvm.Reader.EachBatch: no cvm.Transaction is
// made of each row, and a customer's ID becomes a string once a run of its
// rows. Without settings.AsOf and settings.AsOfFunc it audits every row's
// time for the default as-of, as Build does; a reader with
// ReadSettings.Audit has it already: set AsOfFunc to return
// rd.Report().AsOf. An error of rd (a truncated or failing input, a bad
// row it does not skip) is returned; rd cannot be read again afterwards.
func BuildReader(ctx context.Context, rd *cvm.Reader, attrs []Attributes, settings *Settings) (*File, error) {
	var s Settings
	if settings != nil {
		s = *settings
	}
	return build(ctx, attrs, &s, func() (*store, time.Time, error) { return ingestReader(ctx, rd, s.AsOf, s.AsOfFunc) })
}

// build builds the file of the store that read returns, with its as-of,
// under s, which Build and BuildReader copied from the caller's.
func build(ctx context.Context, attrs []Attributes, s *Settings, read func() (*store, time.Time, error)) (*File, error) {
	tm := newTimer(s.Progress)
	st, asOf, err := read()
	if err != nil {
		return nil, err
	}
	tm.done("read")
	// st is not used after derive, so that the column store is garbage
	// while the models are fitted.
	first := time.Unix(st.first, 0)
	var scaled bool
	if s.Models == nil && s.Lifecycle == nil {
		l := ScaleLifecycle(nil, asOf.Sub(first))
		scaled = l != lifecycle.DefaultSettings()
		s.Lifecycle = &l
	}
	src := s.Indicators
	if s.Models != nil {
		src = s.Models.Indicators
	}
	base, rp, err := st.derive(ctx, asOf, lifecycleSettings(s), src == RetailIndicators, s.History, deriveChunk)
	if err != nil {
		return nil, err
	}
	f := &File{AsOf: asOf, Profiles: base}
	if rp != nil {
		ids := make([]string, len(base))
		for i := range base {
			ids[i] = base[i].Customer
		}
		pop := &Population{AsOf: asOf, Span: rp.span, Wallets: walletsOf(rp.figs), Quantity: rp.quantity, Items: rp.items}
		if f.retail, err = pop.retailOf(ctx, ids, rp.figs, rp.returnsOnly); err != nil {
			return nil, err
		}
	}
	tm.done("summaries, CLV inputs, lifecycle, retail indicators")
	if scaled {
		f.note("lifecycle: the data span %.0f days, too short for the default stability rule (%d days of tenure); scaled to %d days and %d active months of 12 (ScaleLifecycle)",
			asOf.Sub(first).Hours()/24, lifecycle.DefaultSettings().StabilityTenureDays, s.Lifecycle.StabilityTenureDays, s.Lifecycle.StabilityActiveMonths)
	}
	if err := f.attach(attrs); err != nil {
		return nil, err
	}
	return f, f.score(ctx, s, tm)
}

// Apply builds the file of txs and scores it with models, fitting nothing:
// Build with Settings.Models set to models. A nil models is an error.
func Apply(ctx context.Context, txs iter.Seq[cvm.Transaction], attrs []Attributes, models *Models, settings *Settings) (*File, error) {
	if models == nil {
		return nil, errors.New("profile: Apply without models")
	}
	var s Settings
	if settings != nil {
		s = *settings
	}
	s.Models = models
	return Build(ctx, txs, attrs, &s)
}

// ScaleLifecycle returns the lifecycle rules r (nil means
// lifecycle.DefaultSettings) fitted to data that span the given time from
// the earliest transaction to the as-of. The stability rule asks for a
// relationship of StabilityTenureDays (default 365) with purchases in
// StabilityActiveMonths of the last 12 months (default 8) and a trend
// confirmed over further ticks, so on data shorter than StabilityTenureDays
// + 90 days it can fire for almost nobody. There the rule is scaled to the
// span:
//
//	tenure' = max(90, span - 90) days
//	active' = max(2, round(active x tenure' / 365))
//
// and r is returned unchanged otherwise. On Online Retail (373 days)
// this asks for 283 days and 6 active months. Build applies it when it
// fits the models with Settings.Lifecycle nil, and says so in File.Notes.
func ScaleLifecycle(r *lifecycle.Settings, span time.Duration) lifecycle.Settings {
	var l lifecycle.Settings
	if r != nil {
		l = *r
	} else {
		l = lifecycle.DefaultSettings()
	}
	d := lifecycle.DefaultSettings()
	tenure, active := l.StabilityTenureDays, l.StabilityActiveMonths
	if tenure == 0 {
		tenure = d.StabilityTenureDays
	}
	if active == 0 {
		active = d.StabilityActiveMonths
	}
	days := int(span.Hours() / 24)
	if days >= tenure+90 {
		return l
	}
	t := max(90, days-90)
	if t >= tenure {
		return l
	}
	l.StabilityTenureDays = t
	l.StabilityActiveMonths = max(2, int(math.Round(float64(active)*float64(t)/365)))
	if l.StabilityActiveMonths > active {
		l.StabilityActiveMonths = active
	}
	return l
}

func lifecycleSettings(s *Settings) *lifecycle.Settings {
	if s.Models != nil {
		l := s.Models.Lifecycle
		return &l
	}
	if s.Lifecycle != nil {
		return s.Lifecycle
	}
	l := lifecycle.DefaultSettings()
	return &l
}

// attach joins the host's attributes to the profiles.
func (f *File) attach(attrs []Attributes) error {
	if len(attrs) == 0 {
		return nil
	}
	seen := make(map[string]bool, len(attrs))
	for _, a := range attrs {
		if seen[a.Customer] {
			return fmt.Errorf("profile: attributes: customer %q twice", a.Customer)
		}
		seen[a.Customer] = true
		if p, ok := f.Lookup(a.Customer); ok {
			p.Attributes = a
		}
	}
	return nil
}

// timer reports stage durations to a Progress callback.
type timer struct {
	fn   func(string, time.Duration)
	last time.Time
}

func newTimer(fn func(string, time.Duration)) *timer {
	t := &timer{fn: fn}
	if fn != nil {
		t.last = time.Now()
	}
	return t
}

func (t *timer) done(stage string) {
	if t.fn == nil {
		return
	}
	now := time.Now()
	t.fn(stage, now.Sub(t.last))
	t.last = now
}

// store holds the transactions column by column, each column sized
// exactly once the stream is read.
type store struct {
	ids     []string
	cust    []int32
	sec     []int64
	nsec    []int32 // nil while every row is on a whole second
	amt     []float64
	qty     []float64 // nil until a row has a quantity
	prod    []int32   // product index + 1, 0 for none; nil until a row has one
	cat     []int32
	nameIdx map[string]int32 // product and category names, interned
	vocab   []string
	first   int64 // Unix seconds of the earliest transaction
}

// ns returns row r's nanoseconds.
func (st *store) ns(r int32) int32 {
	if st.nsec == nil {
		return 0
	}
	return st.nsec[r]
}

// intern returns the product or category name s interned, its index in
// vocab + 1, or 0 for "".
func (st *store) intern(s string) int32 {
	if s == "" {
		return 0
	}
	if i, ok := st.nameIdx[s]; ok {
		return i + 1
	}
	i := int32(len(st.vocab))
	st.nameIdx[s] = i
	st.vocab = append(st.vocab, s)
	return i + 1
}

// internBytes is intern for a name's bytes, made a string only when new.
func (st *store) internBytes(b []byte) int32 {
	if len(b) == 0 {
		return 0
	}
	if i, ok := st.nameIdx[string(b)]; ok {
		return i + 1
	}
	return st.intern(string(b))
}

// appendIndex appends the interned name k (0 for none) to col, the column
// of row: col stays nil until the first name, then holds one entry a row.
func appendIndex(col []int32, k int32, row int) []int32 {
	if k == 0 && col == nil {
		return nil
	}
	if col == nil {
		col = make([]int32, row, row+row/4+1)
	}
	return append(col, k)
}

// ingester fills a store row by row, in stream order.
type ingester struct {
	st *store
	// While the customers come in ascending ID order (as a file grouped
	// and sorted by customer does), a new ID is one above the last and
	// the IDs need no table; index is built at the first ID out of order
	// and holds the IDs from then on.
	index *idTable
	// The columns are read into chunks and copied once into exact-size
	// columns, instead of growing by reallocation (which copies each row
	// several times and leaves up to a quarter of the capacity unused).
	cust, nsec chunks.List[int32]
	sec        chunks.List[int64]
	amt        chunks.List[float64]
	subSecond  bool
	last       int32  // the current run's customer, -1 before the first row
	lastBytes  []byte // its ID, a copy (its string, in the table, would be a cache miss a row in a stream not grouped)
}

func newIngester() *ingester {
	return &ingester{st: &store{nameIdx: map[string]int32{}}, last: -1}
}

// same reports whether id is the current run's customer (false before
// the first row).
func (ing *ingester) same(id string) bool { return ing.last >= 0 && id == string(ing.lastBytes) }

// customer makes id the customer of the rows that follow.
func (ing *ingester) customer(id string) {
	if ing.ascending(id) {
		ing.appendID(id)
	} else {
		ing.last = ing.table().index(id)
	}
	ing.lastBytes = append(ing.lastBytes[:0], id...)
}

// customerBytes is customer for an ID's bytes, made a string only for a
// new customer.
func (ing *ingester) customerBytes(id []byte) {
	if ing.ascending(string(id)) {
		ing.appendID(string(id))
	} else {
		ing.last = ing.table().indexBytes(id)
	}
	ing.lastBytes = append(ing.lastBytes[:0], id...)
}

// ascending reports whether id is above every ID so far, no ID having
// come out of order: a new customer that needs no table.
func (ing *ingester) ascending(id string) bool {
	ids := ing.st.ids
	return ing.index == nil && (len(ids) == 0 || id > ids[len(ids)-1])
}

// appendID adds the new customer id, in ascending order.
func (ing *ingester) appendID(id string) {
	ing.last = int32(len(ing.st.ids))
	ing.st.ids = append(ing.st.ids, id)
}

// table returns the ID table, made of the IDs so far at the first ID out
// of order.
func (ing *ingester) table() *idTable {
	if ing.index == nil {
		ing.index = newIDTable(ing.st.ids)
	}
	return ing.index
}

// add appends a row of the current customer: Unix time (u, ns), amount,
// quantity and the interned product and category (0 for none).
func (ing *ingester) add(u int64, ns int32, amount, qty float64, prod, cat int32) {
	st := ing.st
	row := ing.cust.Len()
	if row == 0 || u < st.first {
		st.first = u
	}
	ing.cust.Push(ing.last)
	ing.sec.Push(u)
	if ns != 0 && !ing.subSecond {
		// The first fraction of a second: the rows before were whole.
		ing.subSecond = true
		for range row {
			ing.nsec.Push(0)
		}
	}
	if ing.subSecond {
		ing.nsec.Push(ns)
	}
	ing.amt.Push(amount)
	if qty != 0 || st.qty != nil {
		if st.qty == nil {
			st.qty = make([]float64, row, row+row/4+1)
		}
		st.qty = append(st.qty, qty)
	}
	st.prod = appendIndex(st.prod, prod, row)
	st.cat = appendIndex(st.cat, cat, row)
}

// finish returns the store with its columns, and the as-of: asOf, else
// asOfFunc's when not nil, else the auditor's.
func (ing *ingester) finish(ctx context.Context, asOf time.Time, asOfFunc func() time.Time, aud *cvm.Auditor) (*store, time.Time, error) {
	if err := ctx.Err(); err != nil {
		return nil, asOf, err
	}
	switch {
	case aud != nil:
		asOf = aud.Report().AsOf
	case asOf.IsZero():
		asOf = asOfFunc()
	}
	st := ing.st
	if ing.cust.Len() == 0 || asOf.IsZero() {
		return nil, asOf, ErrEmptyInput
	}
	if ing.index != nil {
		st.ids = ing.index.ids // the table is garbage from here on
	}
	st.cust, st.sec, st.amt = ing.cust.Flat(), ing.sec.Flat(), ing.amt.Flat()
	if ing.subSecond {
		st.nsec = ing.nsec.Flat()
	}
	return st, asOf, nil
}

// ingest reads txs once into a store and returns it with the as-of:
// asOf, else asOfFunc's when not nil, else cvm.Report.AsOf of the stream.
func ingest(ctx context.Context, txs iter.Seq[cvm.Transaction], asOf time.Time, asOfFunc func() time.Time) (*store, time.Time, error) {
	ing := newIngester()
	var aud *cvm.Auditor
	if asOf.IsZero() && asOfFunc == nil {
		aud = cvm.NewAuditor(&cvm.AuditSettings{TimeOnly: true})
	}
	for t := range txs {
		if err := t.Validate(); err != nil {
			return nil, asOf, err
		}
		if ing.cust.Len()%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, asOf, err
			}
		}
		if aud != nil {
			aud.Add(t)
		}
		if !ing.same(t.Customer) {
			ing.customer(t.Customer)
		}
		ing.add(t.Time.Unix(), int32(t.Time.Nanosecond()), t.Amount, t.Quantity, ing.st.intern(t.Product), ing.st.intern(t.Category))
	}
	return ing.finish(ctx, asOf, asOfFunc, aud)
}

// ingestReader reads the rest of rd's input into a store, as ingest does
// its Stream, through EachBatch, and returns it with the as-of as ingest
// does.
func ingestReader(ctx context.Context, rd *cvm.Reader, asOf time.Time, asOfFunc func() time.Time) (*store, time.Time, error) {
	ing := newIngester()
	var aud *cvm.Auditor
	if asOf.IsZero() && asOfFunc == nil {
		aud = cvm.NewAuditor(&cvm.AuditSettings{TimeOnly: true})
	}
	err := rd.EachBatch(ctx, func(b *cvm.Batch) error {
		for i := range b.Len() {
			c := b.Customer(i)
			if !ing.same(string(c)) {
				ing.customerBytes(c)
			}
			if aud != nil {
				aud.Add(cvm.Transaction{Customer: string(c), Time: b.Time(i), Amount: b.Amount(i)})
			}
			sec, ns := b.Unix(i)
			ing.add(sec, ns, b.Amount(i), b.Quantity(i), ing.st.internBytes(b.Product(i)), ing.st.internBytes(b.Category(i)))
		}
		return nil
	})
	if err != nil {
		return nil, asOf, err
	}
	return ing.finish(ctx, asOf, asOfFunc, aud)
}

// grouped returns the customers sorted by ID and, for each (by rank),
// its rows in stream order: rows[start[k]:start[k+1]].
func (st *store) grouped() (order []int32, start []int, rows []int32) {
	order = sortIDs(st.ids)
	rank := make([]int32, len(st.ids))
	for k, i := range order {
		rank[i] = int32(k)
	}
	start = make([]int, len(st.ids)+1)
	for _, c := range st.cust {
		start[rank[c]+1]++
	}
	for k := range len(st.ids) {
		start[k+1] += start[k]
	}
	next := slices.Clone(start[:len(st.ids)])
	rows = make([]int32, len(st.cust))
	for r, c := range st.cust {
		k := rank[c]
		rows[next[k]] = int32(r)
		next[k]++
	}
	return order, start, rows
}

// sortIDs returns the indices of ids in the order of the IDs (strings
// compared bytewise). The IDs are sorted by their first 8 bytes as a
// number, which orders them as the strings do except within a run of IDs
// sharing those bytes, sorted then by the whole string: a sort of 16-byte
// keys in place of one that reads two strings per comparison.
func sortIDs(ids []string) []int32 {
	type keyed struct {
		key uint64
		i   int32
	}
	ks := make([]keyed, len(ids))
	for i, id := range ids {
		var k uint64
		for j := range min(len(id), 8) {
			k |= uint64(id[j]) << (56 - 8*j)
		}
		ks[i] = keyed{k, int32(i)}
	}
	slices.SortFunc(ks, func(a, b keyed) int { return cmp.Compare(a.key, b.key) })
	order := make([]int32, len(ids))
	for lo := 0; lo < len(ks); {
		hi := lo + 1
		for hi < len(ks) && ks[hi].key == ks[lo].key {
			hi++
		}
		if hi-lo > 1 {
			// Equal first 8 bytes (a shorter ID is padded with zeros,
			// so "a" and "a\x00" meet here too): by the whole string.
			slices.SortFunc(ks[lo:hi], func(a, b keyed) int { return cmp.Compare(ids[a.i], ids[b.i]) })
		}
		for k := lo; k < hi; k++ {
			order[k] = ks[k].i
		}
		lo = hi
	}
	return order
}

// regroup reorders the columns into the grouped order of rows (row r of
// the result is rows[r] of the input) and sets rows to the identity, so
// that the replays below read the columns in sequence however the stream
// was ordered (a file in time order would otherwise have them jump across
// the whole store for each row). The order the replays see is unchanged.
func (st *store) regroup(rows []int32) {
	identity := true
	for i, r := range rows {
		if r != int32(i) {
			identity = false
			break
		}
	}
	if identity {
		return // a stream grouped by customer in ID order: nothing to move
	}
	st.cust = gather(st.cust, rows)
	st.sec = gather(st.sec, rows)
	st.amt = gather(st.amt, rows)
	st.nsec = gather(st.nsec, rows)
	st.qty = gather(st.qty, rows)
	st.prod = gather(st.prod, rows)
	st.cat = gather(st.cat, rows)
	for i := range rows {
		rows[i] = int32(i)
	}
}

// gather returns col[rows[0]], col[rows[1]], ... in fresh memory (nil for
// a nil col).
func gather[T any](col []T, rows []int32) []T {
	if col == nil {
		return nil
	}
	out := make([]T, len(rows))
	parallel.For(len(rows), 1<<16, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			out[i] = col[rows[i]]
		}
	})
	return out
}

// derive computes each customer's base views: summary, CLV input,
// lifecycle state, units, products and categories.
func (st *store) derive(ctx context.Context, asOf time.Time, lr *lifecycle.Settings, withRetail, history bool, chunk int) ([]Profile, *retailPass, error) {
	order, start, rows := st.grouped()
	st.regroup(rows)
	// Each customer's lifecycle result and summary go straight into its
	// profile, so that they are never all held apart; all holds a profile
	// for every customer by rank, compacted below to the customers with a
	// summary (those with a transaction on or before the as-of).
	all := parallel.Make[Profile](len(order))
	// Each run of chunk consecutive customers (in ID order) is
	// summarised and classified on its own, the runs on every core: a
	// customer's summary and lifecycle state depend on its own rows only,
	// so the results are those of one replay of the whole store, and the
	// runs' summaries, each in ID order, go to their customers' places.
	nchunks := (len(order) + chunk - 1) / chunk
	chunkLen := make([]int, nchunks)
	chunkErrs := make([]error, nchunks)
	parallel.Chunks(len(order), chunk, func(_, lo, hi int) {
		c := lo / chunk
		if chunkErrs[c] = ctx.Err(); chunkErrs[c] != nil {
			return
		}
		// One pass over the customers' rows feeds both the summarizer
		// and the lifecycle replay (lifecycle.Replayer gives
		// lifecycle.ClassifyEach's results for a customer's rows).
		sm := cvm.NewSummarizer(&cvm.SummarySettings{AsOf: asOf})
		rp, err := lifecycle.NewReplayer(&lifecycle.ClassifySettings{AsOf: asOf, Settings: lr})
		if err != nil {
			chunkErrs[c] = err
			return
		}
		for k := lo; k < hi; k++ {
			id := st.ids[order[k]]
			for _, r := range rows[start[k]:start[k+1]] {
				if chunkErrs[c] = sm.Add(cvm.Transaction{Customer: id, Time: time.Unix(st.sec[r], int64(st.ns(r))).UTC(), Amount: st.amt[r]}); chunkErrs[c] != nil {
					return
				}
				if chunkErrs[c] = rp.Add(st.sec[r], st.amt[r]); chunkErrs[c] != nil {
					return
				}
			}
			x, ok := rp.Replay(history)
			if !ok {
				continue
			}
			p := &all[k]
			p.Lifecycle, p.Pattern = x.State, x.Pattern
			if n := len(x.History); n > 0 {
				p.Transition = x.History[n-1]
			}
			if history {
				p.History = x.History
			}
		}
		// The summaries, in ID order, of the customers of [lo, hi) with
		// a transaction on or before asOf.
		k := lo
		sums := sm.Summaries()
		for _, s := range sums {
			for st.ids[order[k]] != s.Customer {
				k++
			}
			all[k].Customer, all[k].Summary = s.Customer, s
		}
		chunkLen[c] = len(sums)
	})
	for _, err := range chunkErrs {
		if err != nil {
			return nil, nil, err
		}
	}
	n := 0
	for _, cn := range chunkLen {
		n += cn
	}
	if n == 0 {
		return nil, nil, ErrEmptyInput
	}
	// Customers with a transaction on or before asOf, in ID order: those
	// with a summary (a Customer) move to the front.
	ranks := make([]int, n)
	i := 0
	for k := range all {
		if all[k].Customer == "" {
			continue
		}
		ranks[i] = k
		if i != k {
			all[i], all[k] = all[k], Profile{}
		}
		i++
	}
	clear(all[n:])
	ps := all[:n:n]
	// The retail figures are computed in the per-customer pass below, from
	// the store's columns, with value.RetailIndicators' own accumulation
	// and formulas (internal/retail).
	var rp *retailPass
	if withRetail {
		rp = &retailPass{figs: make([]RetailFigures, len(ps)), returnsOnly: make([]bool, len(ps))}
		rp.span = cvm.DayNumber(asOf, time.UTC) - civil.UnixDay(st.first) + 1
	}
	var anyQty, anyItem atomic.Bool
	asSec, asNs := asOf.Unix(), int32(asOf.Nanosecond())
	asDay := cvm.DayNumber(asOf, time.UTC)
	parallel.For(len(ps), 1024, func(lo, hi int) {
		var pset, cset []int32
		var acc retail.Acc
		var sc retail.Scratch
		for i := lo; i < hi; i++ {
			p := &ps[i]
			k := ranks[i]
			pset, cset = pset[:0], cset[:0]
			acc.Reset()
			var units, uc float64
			var rep, repC float64
			firstDay := cvm.DayNumber(p.Summary.First, time.UTC)
			for _, r := range rows[start[k]:start[k+1]] {
				if st.sec[r] > asSec || st.sec[r] == asSec && st.ns(r) > asNs {
					continue
				}
				day := civil.UnixDay(st.sec[r])
				if rp != nil {
					// value.RetailIndicators' line item: the category,
					// else the product.
					var qty float64
					if st.qty != nil {
						qty = st.qty[r]
					}
					var item int32
					if st.cat != nil && st.cat[r] > 0 {
						item = st.cat[r]
					} else if st.prod != nil {
						item = st.prod[r]
					}
					acc.Add(day, st.amt[r], qty, item, item > 0)
				}
				if st.qty != nil {
					units, uc = num.AddNeumaier(units, uc, st.qty[r])
				}
				if st.amt[r] < 0 {
					continue
				}
				if day != firstDay {
					rep, repC = num.AddNeumaier(rep, repC, st.amt[r])
				}
				if st.prod != nil && st.prod[r] > 0 {
					pset = append(pset, st.prod[r])
				}
				if st.cat != nil && st.cat[r] > 0 {
					cset = append(cset, st.cat[r])
				}
			}
			p.Units = units + uc
			p.Products = st.names(pset)
			p.Categories = st.names(cset)
			if p.Summary.Occasions > 0 {
				p.CLV.Repeat = rep + repC
				p.CLV.Input = clvInput(p.Summary, p.CLV.Repeat, firstDay, asDay)
			}
			if rp != nil {
				if acc.Qty {
					anyQty.Store(true)
				}
				if acc.AnyItem {
					anyItem.Store(true)
				}
				fg := acc.Compute(asDay, retailWindow, retailGap, rp.span, &sc)
				rp.figs[i], rp.returnsOnly[i] = figuresOf(&fg), fg.ReturnsOnly
			}
		}
	})
	if rp != nil {
		rp.quantity, rp.items = anyQty.Load(), anyItem.Load()
	}
	return ps, rp, ctx.Err()
}

// deriveChunk is the number of consecutive customers derive summarises
// and classifies as one piece of work.
const deriveChunk = 1 << 15

// The windows of value.RetailIndicators' defaults (RetailSettings:
// WindowDays, RelationshipGap).
const (
	retailWindow = 365
	retailGap    = 180
)

// names returns the distinct names of the interned indices in set, sorted.
func (st *store) names(set []int32) []string {
	if len(set) == 0 {
		return nil
	}
	out := make([]string, len(set))
	for i, k := range set {
		out[i] = st.vocab[k-1]
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// clvInput is clv.Prepare's Customer from a summary by UTC day, the
// repeat-purchase amount and the day numbers of the first purchase and
// of the calibration end.
func clvInput(s cvm.Summary, repeat float64, firstDay, endDay int64) clv.Customer {
	c := clv.Customer{ID: s.Customer, Frequency: float64(s.Occasions - 1)}
	c.Recency = float64(cvm.DayNumber(s.Last, time.UTC)-firstDay) / 7
	c.T = float64(endDay-firstDay) / 7
	if c.Frequency > 0 {
		c.MeanSpend = repeat / c.Frequency
	}
	return c
}

// isNaN is math.IsNaN, for brevity.
func isNaN(x float64) bool { return math.IsNaN(x) }

var nan = math.NaN()

func contextBackground() context.Context { return context.Background() }
