package profile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/check"
	"github.com/cvmkit/cvm/internal/synth"
	"github.com/cvmkit/cvm/lifecycle"
	"github.com/cvmkit/cvm/recovery"
	"github.com/cvmkit/cvm/segment"
	"github.com/cvmkit/cvm/value"
	"github.com/cvmkit/cvm/value/clv"
)

// js is v's JSON, for comparing values that hold NaN.
func js(t *testing.T, v any) string {
	t.Helper()
	return string(check.Must(json.Marshal(v)))
}

func base(n int) []cvm.Transaction {
	return slices.Collect(synth.Transactions(synth.Config{Customers: n, Seed: 7}))
}

// shuffled returns txs in a fixed scrambled order (not grouped by
// customer), so that Build's grouping is exercised.
func shuffled(txs []cvm.Transaction) []cvm.Transaction {
	out := slices.Clone(txs)
	for i := range out {
		j := (i * 7919) % len(out)
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// TestBuildJoin checks every profile field against the per-package
// results, joined here independently by customer ID.
func TestBuildJoin(t *testing.T) {
	ctx := context.Background()
	txs := shuffled(base(400))
	asOf := time.Date(2025, 6, 30, 23, 59, 59, 999999999, time.UTC) // end of a day: Prepare and Summarize agree
	f := check.Must(Build(ctx, slices.Values(txs), nil, &Settings{AsOf: asOf, Reasons: 2, Indicators: SummaryIndicators}))

	sums := check.Must(cvm.Summarize(ctx, slices.Values(txs), &cvm.SummarySettings{AsOf: asOf}))
	if len(f.Profiles) != len(sums) {
		t.Fatalf("got %d profiles, want %d", len(f.Profiles), len(sums))
	}
	vals, _, err := segment.RFMValues(sums, asOf, nil)
	check.NoErr(t, err)
	cells, scorer, err := segment.Score(nil, vals, nil)
	check.NoErr(t, err)
	rules := segment.DefaultRules()
	rfm := map[string]int{}
	for i, v := range vals {
		rfm[v.Customer] = i
	}
	ds := check.Must(clv.Prepare(ctx, slices.Values(txs), asOf, nil))
	bg := check.Must(clv.FitBGNBD(ctx, ds.Customers, nil))
	gg := check.Must(clv.FitGammaGamma(ctx, ds.Customers, nil))
	fc := check.Must(clv.NewForecast(bg, gg, ds.Customers, 52, nil))
	spend := check.Must(clv.PredictSpend(nil, gg, ds.Customers))
	ci := map[string]int{}
	for i, c := range ds.Customers {
		ci[c.ID] = i
	}
	lres := check.Must(lifecycle.Classify(ctx, slices.Values(txs), &lifecycle.ClassifySettings{AsOf: asOf}))
	li := map[string]lifecycle.Result{}
	for _, r := range lres {
		li[r.Customer] = r
	}
	// The value model on the same table, built here.
	ids := make([]string, len(sums))
	rev, freq, rec, ten := make([]float64, len(sums)), make([]float64, len(sums)), make([]float64, len(sums)), make([]float64, len(sums))
	for i, s := range sums {
		ids[i] = s.Customer
		rev[i], freq[i], rec[i], ten[i] = s.Total, float64(s.Occasions), math.NaN(), math.NaN()
		if s.Occasions > 0 {
			rec[i] = float64(cvm.DayNumber(asOf, time.UTC) - cvm.DayNumber(s.Last, time.UTC))
			ten[i] = asOf.Sub(s.First).Hours() / 24 / 365.25
		}
	}
	tab := value.NewIndicatorTable(ids).WithColumn("revenue", rev).WithColumn("order_frequency", freq).WithColumn("recency", rec).WithColumn("tenure", ten)
	tab = fc.AddTo(tab)
	vm := check.Must(value.Fit(ctx, tab, &value.Settings{Catalog: ValueCatalog(nil), NormalizeWeights: true, Missing: value.MissingImpute}))
	scores := check.Must(vm.Score(ctx, nil, tab))

	// The clusters: the model's centres applied here to the log RFM
	// values, standardised with the model's scale.
	if f.Models.Clusters == nil || f.Models.Clusters.K() < ClusterKMin || f.Models.Clusters.K() > ClusterKMax {
		t.Fatalf("clusters %+v", f.Models.Clusters)
	}
	feat := make([]float64, 0, 3*len(vals))
	for _, v := range vals {
		feat = append(feat, math.Log1p(v.Recency), math.Log1p(v.Frequency), math.Log1p(math.Max(v.Monetary, 0)))
	}
	labels := check.Must(f.Models.Clusters.Model.Predict(nil, f.Models.Clusters.Scale.Transform(nil, feat)))
	sizes := make([]int, f.Models.Clusters.K())
	for _, l := range labels {
		sizes[l]++
	}
	for j, n := range sizes {
		if n == 0 {
			t.Errorf("cluster %d empty: %v", j+1, sizes)
		}
	}

	for i, p := range f.Profiles {
		s := sums[i]
		if p.Customer != s.Customer || p.Summary != s {
			t.Fatalf("profile %d: summary %+v, want %+v", i, p.Summary, s)
		}
		if j, ok := rfm[p.Customer]; ok {
			if p.Cluster != labels[j]+1 {
				t.Errorf("%s: cluster %d, want %d", p.Customer, p.Cluster, labels[j]+1)
			}
			if p.RFM != vals[j] || p.Cell != cells[j] {
				t.Errorf("%s: rfm %+v %v, want %+v %v", p.Customer, p.RFM, p.Cell, vals[j], cells[j])
			}
			want := ""
			if name, ok := rules.Segment(cells[j].R, cells[j].F, cells[j].M); ok {
				want = name
			}
			if p.Segment != want {
				t.Errorf("%s: segment %q, want %q", p.Customer, p.Segment, want)
			}
		} else if p.Flags&FlagReturnsOnly == 0 || p.Cell != (segment.Cell{}) || p.Cluster != 0 {
			t.Errorf("%s: no RFM but flags %v cell %v", p.Customer, p.Flags, p.Cell)
		}
		if j, ok := ci[p.Customer]; ok {
			c := ds.Customers[j]
			if !p.CLV.OK || p.CLV.Input.Frequency != c.Frequency || p.CLV.Input.Recency != c.Recency || p.CLV.Input.T != c.T {
				t.Fatalf("%s: clv input %+v, want %+v", p.Customer, p.CLV.Input, c)
			}
			check.Float(t, p.Customer+" mean spend", p.CLV.Input.MeanSpend, c.MeanSpend, 1e-12, 1e-12)
			check.Float(t, p.Customer+" p alive", p.CLV.PAlive, fc.ProbAlive[j], 1e-9, 1e-12)
			check.Float(t, p.Customer+" purchases", p.CLV.ExpectedPurchases, fc.ExpectedPurchases[j], 1e-9, 1e-12)
			check.Float(t, p.Customer+" spend", p.CLV.ExpectedSpend, spend[j], 1e-9, 1e-9)
			check.Float(t, p.Customer+" clv", p.CLV.Value, fc.CLV[j], 1e-9, 1e-9)
		} else if p.CLV.OK {
			t.Errorf("%s: forecast without clv input", p.Customer)
		}
		r := li[p.Customer]
		if p.Lifecycle != r.State || p.Pattern != r.Pattern {
			t.Errorf("%s: lifecycle %v %v, want %v %v", p.Customer, p.Lifecycle.Stage(), p.Pattern, r.State.Stage(), r.Pattern)
		}
		var last lifecycle.Transition
		if n := len(r.History); n > 0 {
			last = r.History[n-1]
		}
		if js(t, p.Transition) != js(t, last) {
			t.Errorf("%s: transition %+v, want %+v", p.Customer, p.Transition, last)
		}
		sc := scores[i]
		check.Float(t, p.Customer+" total", p.Value.Total, sc.Total, 1e-9, 1e-9)
		if p.Value.Quadrant != sc.Quadrant || p.Value.Tier != sc.Tier {
			t.Errorf("%s: quadrant %v tier %v, want %v %v", p.Customer, p.Value.Quadrant, p.Value.Tier, sc.Quadrant, sc.Tier)
		}
		ex := check.Must(vm.Explain(tab, p.Customer))
		if len(p.Reasons) != 2 || p.Reasons[0] != ex.Contributions[0].ID || p.Reasons[1] != ex.Contributions[1].ID {
			t.Errorf("%s: reasons %v, want the first two of %+v", p.Customer, p.Reasons, ex.Contributions[:2])
		}
		e, err := f.Book.Lookup(p.Customer, recovery.Delivery, recovery.S3)
		check.NoErr(t, err)
		if p.Recovery.Quadrant != sc.Quadrant || p.Recovery.Stage != r.State.Stage() || e.Channel == "" {
			t.Errorf("%s: recovery %+v entry %+v", p.Customer, p.Recovery, e)
		}
	}
	_ = scorer
}

// TestUpdateEqualsRebuild: the profiles continued with a second period
// equal a build of both periods with the same models.
func TestUpdateEqualsRebuild(t *testing.T) {
	ctx := context.Background()
	txs := base(300)
	cut := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC) // a tick: the first second of a month
	asOf := time.Date(2025, 3, 20, 23, 59, 59, 0, time.UTC)
	var old, later []cvm.Transaction
	for _, t := range txs {
		if t.Time.After(cut) {
			later = append(later, t)
		} else {
			old = append(old, t)
		}
	}
	f := check.Must(Build(ctx, slices.Values(old), nil, &Settings{AsOf: cut, Indicators: SummaryIndicators}))
	got := check.Must(Update(ctx, f, slices.Values(later), asOf))
	want := check.Must(Apply(ctx, slices.Values(txs), nil, f.Models, &Settings{AsOf: asOf}))
	if got.Refit.Due {
		t.Fatalf("refit due: %+v", got.Refit)
	}
	if len(got.Profiles) != len(want.Profiles) {
		t.Fatalf("got %d profiles, want %d", len(got.Profiles), len(want.Profiles))
	}
	for i := range got.Profiles {
		g, w := got.Profiles[i], want.Profiles[i]
		check.Float(t, g.Customer+" total", g.Summary.Total, w.Summary.Total, 1e-12, 1e-9)
		check.Float(t, g.Customer+" returns", g.Summary.Returns, w.Summary.Returns, 1e-12, 1e-9)
		g.Summary.Total, g.Summary.Returns = w.Summary.Total, w.Summary.Returns
		if g.Summary != w.Summary {
			t.Fatalf("%s: summary %+v, want %+v", g.Customer, g.Summary, w.Summary)
		}
		if g.Lifecycle.Stage() != w.Lifecycle.Stage() || g.Lifecycle.Since() != w.Lifecycle.Since() || g.Pattern != w.Pattern || g.Transition.To != w.Transition.To || g.Transition.At() != w.Transition.At() {
			t.Errorf("%s: lifecycle %v since %v (%v), want %v since %v (%v)", g.Customer, g.Lifecycle.Stage(), g.Lifecycle.Since(), g.Transition, w.Lifecycle.Stage(), w.Lifecycle.Since(), w.Transition)
		}
		if g.Cell != w.Cell || g.Segment != w.Segment || g.Cluster != w.Cluster || g.Value.Quadrant != w.Value.Quadrant || g.Value.Tier != w.Value.Tier || g.Flags != w.Flags {
			t.Errorf("%s: %v %q %v %v %v, want %v %q %v %v %v", g.Customer, g.Cell, g.Segment, g.Value.Quadrant, g.Value.Tier, g.Flags, w.Cell, w.Segment, w.Value.Quadrant, w.Value.Tier, w.Flags)
		}
		check.Float(t, g.Customer+" clv", g.CLV.Value, w.CLV.Value, 1e-9, 1e-9)
		check.Float(t, g.Customer+" score", g.Value.Total, w.Value.Total, 1e-9, 1e-9)
	}
	// Much later, the rule asks for a refit.
	late := check.Must(Update(ctx, f, nil, cut.Add(RefitAge)))
	if !late.Refit.Due {
		t.Errorf("no refit due %v after the fit: %+v", RefitAge, late.Refit)
	}
}

func TestUpdateRejectsOldTransactions(t *testing.T) {
	ctx := context.Background()
	txs := base(100)
	asOf := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	f := check.Must(Build(ctx, slices.Values(txs), nil, &Settings{AsOf: asOf, Indicators: SummaryIndicators}))
	if _, err := Update(ctx, check.Must(Build(ctx, slices.Values(txs), nil, &Settings{AsOf: asOf})), nil, time.Time{}); err == nil {
		t.Error("Update of a retail file accepted")
	}
	if _, err := Update(ctx, f, slices.Values([]cvm.Transaction{{Customer: "x", Time: asOf, Amount: 1}}), time.Time{}); err == nil {
		t.Error("a transaction at the file's as-of was accepted")
	}
}

func TestFlags(t *testing.T) {
	asOf := time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)
	day := func(d int) time.Time { return asOf.AddDate(0, 0, -d) }
	r := lifecycle.DefaultSettings()
	// States built through lifecycle.Apply: a purchase, then silence long
	// enough for recency-based decline.
	declined := func(first, last int) lifecycle.State {
		var s lifecycle.State
		var err error
		for d := first; d >= last; d -= 7 {
			s, _, err = lifecycle.Apply(s, lifecycle.Event{Kind: lifecycle.Purchase, Time: day(d), Amount: 10}, &r)
			check.NoErr(t, err)
		}
		s, _, err = s.Move(lifecycle.Decline, day(last))
		check.NoErr(t, err)
		return s
	}
	for _, tc := range []struct {
		name string
		p    Profile
		want Flag
	}{
		{"none", Profile{Summary: cvm.Summary{Occasions: 3, First: day(400)}, Segment: "Champions", RFM: segment.RFM{Recency: 2}}, 0},
		{"champion declining", Profile{Summary: cvm.Summary{Occasions: 3, First: day(400)}, Segment: "Champions", RFM: segment.RFM{Recency: 60}, Lifecycle: declined(400, 60)}, FlagChampionDeclining},
		{"recent buyer lapsed", Profile{Summary: cvm.Summary{Occasions: 3, First: day(400)}, Segment: "Loyal", RFM: segment.RFM{Recency: 10}, Lifecycle: declined(400, 10)}, FlagRecentLapsed},
		{"both", Profile{Summary: cvm.Summary{Occasions: 3, First: day(400)}, Segment: "Champions", RFM: segment.RFM{Recency: 10}, Lifecycle: declined(400, 10)}, FlagChampionDeclining | FlagRecentLapsed},
		{"returns only", Profile{Summary: cvm.Summary{Transactions: 1, Total: -5, Returns: 5}}, FlagReturnsOnly},
		{"short history", Profile{Summary: cvm.Summary{Occasions: 2, First: day(40)}, RFM: segment.RFM{Recency: 33}, Lifecycle: declined(40, 33)}, FlagShortHistory},
	} {
		if got := flags(&tc.p, asOf, &r); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestFlagText(t *testing.T) {
	for _, f := range []Flag{0, FlagReturnsOnly, FlagChampionDeclining | FlagShortHistory, FlagChampionDeclining | FlagRecentLapsed | FlagReturnsOnly | FlagShortHistory} {
		b := check.Must(f.MarshalText())
		var g Flag
		check.NoErr(t, g.UnmarshalText(b))
		if g != f {
			t.Errorf("%q: got %v, want %v", b, g, f)
		}
	}
	if got := (FlagChampionDeclining | FlagShortHistory).String(); got != "champion-declining|short-history" {
		t.Errorf("String: got %q", got)
	}
	var g Flag
	for _, bad := range []string{"nope", "returns-only|", "|"} {
		if g.UnmarshalText([]byte(bad)) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := Flag(1 << 6).MarshalText(); err == nil {
		t.Error("unknown bit marshalled")
	}
}

func TestJSONRoundTrip(t *testing.T) {
	ctx := context.Background()
	txs := base(200)
	f := check.Must(Build(ctx, slices.Values(txs), nil, &Settings{Indicators: SummaryIndicators}))
	b := check.Must(json.Marshal(f))
	var g File
	check.NoErr(t, json.Unmarshal(b, &g))
	if len(g.Profiles) != len(f.Profiles) || g.AsOf != f.AsOf {
		t.Fatalf("got %d profiles as of %v", len(g.Profiles), g.AsOf)
	}
	for i := range f.Profiles {
		a, c := f.Profiles[i], g.Profiles[i]
		if a.Customer != c.Customer || a.Value != c.Value || js(t, a.Lifecycle) != js(t, c.Lifecycle) || a.Flags != c.Flags || a.CLV != c.CLV || a.Cluster != c.Cluster {
			t.Fatalf("%s: round trip differs", a.Customer)
		}
	}
	// The decoded models score the same data to the same profiles.
	h := check.Must(Apply(ctx, slices.Values(txs), nil, g.Models, &Settings{AsOf: f.AsOf}))
	for i := range f.Profiles {
		if h.Profiles[i].Value != f.Profiles[i].Value || h.Profiles[i].Cell != f.Profiles[i].Cell || h.Profiles[i].Cluster != f.Profiles[i].Cluster {
			t.Fatalf("%s: Apply with decoded models differs", f.Profiles[i].Customer)
		}
	}
	var m Models
	if err := json.Unmarshal([]byte(`{"format":"cvm.profile.models","version":1,"rfm":null,"bogus":1}`), &m); err == nil {
		t.Error("unknown field accepted")
	}
	if err := json.Unmarshal([]byte(`{"format":"cvm.profile.models","version":1}`), &m); err == nil {
		t.Error("models without rfm accepted")
	}
	if g.Models.Clusters == nil || g.Models.Clusters.K() != f.Models.Clusters.K() {
		t.Fatalf("clusters lost in the round trip: %+v", g.Models.Clusters)
	}
	// Clusters without a model are an error.
	half := *f.Models
	half.Clusters = &Clusters{Scale: f.Models.Clusters.Scale}
	if err := json.Unmarshal(check.Must(json.Marshal(&half)), &m); err == nil {
		t.Error("clusters without a model accepted")
	}
}

func TestAttributes(t *testing.T) {
	ctx := context.Background()
	txs := base(150)
	f0 := check.Must(Build(ctx, slices.Values(txs), nil, nil))
	id := f0.Profiles[3].Customer
	attrs := []Attributes{{Customer: id, Channel: "sms", Consent: true, Failures12m: 2, Indicators: map[string]float64{"share_of_wallet": 40}}}
	f := check.Must(Build(ctx, slices.Values(txs), attrs, nil))
	p, ok := f.Lookup(id)
	if !ok || p.Attributes.Channel != "sms" || p.Recovery.Channel != "sms" || p.Recovery.Failures12m != 2 {
		t.Fatalf("attributes not joined: %+v", p)
	}
	if _, ok := f.Models.Value.Weight("share_of_wallet"); !ok {
		t.Error("CRM indicator not in the value model")
	}
	if _, err := Build(ctx, slices.Values(txs), append(attrs, attrs[0]), nil); err == nil {
		t.Error("duplicate attributes accepted")
	}
	if _, err := Build(ctx, slices.Values(txs), []Attributes{{Customer: id, Indicators: map[string]float64{"nope": 1}}}, nil); err == nil {
		t.Error("unknown indicator accepted")
	}
}

func TestBuildErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := Build(ctx, slices.Values([]cvm.Transaction(nil)), nil, nil); err != ErrEmptyInput {
		t.Errorf("empty: %v", err)
	}
	if _, err := Build(ctx, slices.Values([]cvm.Transaction{{Customer: "a", Amount: 1}}), nil, nil); err == nil {
		t.Error("zero time accepted")
	}
	if _, err := Apply(ctx, slices.Values(base(10)), nil, nil, nil); err == nil {
		t.Error("Apply without models accepted")
	}
}

func TestScaleLifecycle(t *testing.T) {
	day := 24 * time.Hour
	for _, tc := range []struct {
		name           string
		span           time.Duration
		tenure, active int
	}{
		// By hand: tenure' = max(90, span-90), active' = round(8 x tenure'/365).
		{"two years: unchanged", 730 * day, 365, 8},
		{"455 days: unchanged", 455 * day, 365, 8},
		{"Online Retail, 373 days", 373 * day, 283, 6},
		{"half a year", 182 * day, 92, 2},
		{"a month", 30 * day, 90, 2},
	} {
		got := ScaleLifecycle(nil, tc.span)
		if got.StabilityTenureDays != tc.tenure || got.StabilityActiveMonths != tc.active {
			t.Errorf("%s: %d days, %d months; want %d, %d", tc.name, got.StabilityTenureDays, got.StabilityActiveMonths, tc.tenure, tc.active)
		}
		check.NoErr(t, got.Validate())
	}
	own := lifecycle.Settings{StabilityTenureDays: 200}
	if got := ScaleLifecycle(&own, 373*day); got.StabilityTenureDays != 200 {
		t.Errorf("a tenure the span allows was changed to %d", got.StabilityTenureDays)
	}
}

// TestBuildRetail: with the default retail indicators, the value scores
// are those of value.Fit on value.RetailIndicators' table with the CLV
// forecasts in the lifetime group of current value, joined here.
func TestBuildRetail(t *testing.T) {
	ctx := context.Background()
	txs := shuffled(base(300))
	for i := range txs {
		txs[i].Quantity = float64(1 + i%3)
		txs[i].Product = fmt.Sprintf("P%d", i%17)
	}
	asOf := time.Date(2025, 6, 30, 23, 59, 59, 999999999, time.UTC)
	f := check.Must(Build(ctx, slices.Values(txs), nil, &Settings{AsOf: asOf}))
	ret := check.Must(value.RetailIndicators(ctx, slices.Values(txs), &value.RetailSettings{AsOf: asOf}))
	ds := check.Must(clv.Prepare(ctx, slices.Values(txs), asOf, nil))
	bg := check.Must(clv.FitBGNBD(ctx, ds.Customers, nil))
	gg := check.Must(clv.FitGammaGamma(ctx, ds.Customers, nil))
	fc := check.Must(clv.NewForecast(bg, gg, ds.Customers, 52, nil))
	tab := fc.AddTo(ret.Table)
	cat := ret.Catalog
	fore := clv.PotentialIndicators(value.GroupLifetime)
	for k := range fore {
		fore[k].Dimension = value.CurrentValue
	}
	cat.Groups = append(slices.Clone(cat.Groups), value.Group{ID: value.GroupLifetime, Name: "lifetime", Dimension: value.CurrentValue, Weight: 0.3})
	cat = cat.Add(fore...)
	vm := check.Must(value.Fit(ctx, tab, &value.Settings{Catalog: cat, NormalizeWeights: true, Missing: value.MissingImpute}))
	scores := check.Must(vm.Score(ctx, nil, tab))
	// The retail indicators, computed in the profile's own pass, are
	// value's to the bit.
	for _, id := range ret.Table.IDs {
		got, ok := f.Indicators().Column(id)
		want, _ := ret.Table.Column(id)
		if !ok || !slices.EqualFunc(got, want, func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }) {
			t.Errorf("retail indicator %s: profile's column differs from value.RetailIndicators'", id)
		}
	}
	if !slices.Equal(f.retail.ReturnsOnly, ret.ReturnsOnly) || !slices.Equal(f.retail.Omitted, ret.Omitted) {
		t.Errorf("returns-only or omitted differ: %v %v, want %v %v", f.retail.ReturnsOnly, f.retail.Omitted, ret.ReturnsOnly, ret.Omitted)
	}
	if len(scores) != len(f.Profiles) {
		t.Fatalf("%d scores, %d profiles", len(scores), len(f.Profiles))
	}
	for i, p := range f.Profiles {
		check.Float(t, p.Customer+" current", p.Value.Current, scores[i].Current, 1e-9, 1e-9)
		check.Float(t, p.Customer+" potential", p.Value.Potential, scores[i].Potential, 1e-9, 1e-9)
		if p.Value.Quadrant != scores[i].Quadrant || p.Value.Tier != scores[i].Tier {
			t.Errorf("%s: %v %v, want %v %v", p.Customer, p.Value.Quadrant, p.Value.Tier, scores[i].Quadrant, scores[i].Tier)
		}
		if ret.ReturnsOnly[i] != (p.Flags&FlagReturnsOnly != 0) {
			t.Errorf("%s: returns-only %v, flags %v", p.Customer, ret.ReturnsOnly[i], p.Flags)
		}
		if want := len(p.Products); p.Summary.Occasions > 0 && want == 0 {
			t.Errorf("%s: no products", p.Customer)
		}
	}
	// The models round-trip and score the same.
	var m Models
	check.NoErr(t, json.Unmarshal(check.Must(json.Marshal(f.Models)), &m))
	g := check.Must(Apply(ctx, slices.Values(txs), nil, &m, &Settings{AsOf: asOf}))
	for i := range g.Profiles {
		if g.Profiles[i].Value != f.Profiles[i].Value {
			t.Fatalf("%s: Apply with decoded retail models differs", g.Profiles[i].Customer)
		}
	}
}

// TestForecastBits: the forecasts computed once per distinct history
// (forecast) are clv.NewForecast's and clv.PredictSpend's, bit for bit:
// the compression changes the cost, never a number. Bits are compared on
// purpose (the claim is identity, not closeness).
func TestForecastBits(t *testing.T) {
	ctx := context.Background()
	txs := base(600)
	asOf := time.Date(2025, 6, 30, 23, 59, 59, 999999999, time.UTC)
	f := check.Must(Build(ctx, slices.Values(txs), nil, &Settings{AsOf: asOf, Indicators: SummaryIndicators}))
	var cs []clv.Customer
	var at []int
	for i := range f.Profiles {
		if f.Profiles[i].CLV.OK {
			cs = append(cs, f.Profiles[i].CLV.Input)
			at = append(at, i)
		}
	}
	if len(cs) < 100 {
		t.Fatalf("%d forecasts", len(cs))
	}
	m := f.Models
	fc := check.Must(clv.NewForecast(m.Purchases, m.Spend, cs, forecastWeeks, &clv.CLVSettings{Months: 12}))
	spend := check.Must(clv.PredictSpend(nil, m.Spend, cs))
	same := func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }
	distinct := map[[3]float64]bool{}
	for k, i := range at {
		c := f.Profiles[i].CLV
		distinct[[3]float64{cs[k].Frequency, cs[k].Recency, cs[k].T}] = true
		if !same(c.PAlive, fc.ProbAlive[k]) || !same(c.ExpectedPurchases, fc.ExpectedPurchases[k]) || !same(c.ExpectedSpend, spend[k]) || !same(c.Value, fc.CLV[k]) {
			t.Errorf("%s: got %v %v %v %v, want %v %v %v %v", cs[k].ID, c.PAlive, c.ExpectedPurchases, c.ExpectedSpend, c.Value,
				fc.ProbAlive[k], fc.ExpectedPurchases[k], spend[k], fc.CLV[k])
		}
	}
	if len(distinct) == len(cs) {
		t.Logf("every history distinct (%d): the sharing is not exercised", len(cs))
	}
}

// TestSubSecondTimes: times with nanoseconds are kept (the store's
// nanosecond column exists only then) and the as-of cuts within a second.
func TestSubSecondTimes(t *testing.T) {
	ctx := context.Background()
	txs := base(120)
	at := time.Date(2025, 6, 30, 12, 0, 0, 500, time.UTC)
	txs = append(txs, cvm.Transaction{Customer: "zz-ns", Time: at, Amount: 10},
		cvm.Transaction{Customer: "zz-ns", Time: at.Add(-400), Amount: 5},
		cvm.Transaction{Customer: "zz-ns", Time: at.Add(1), Amount: 7})
	f := check.Must(Build(ctx, slices.Values(txs), nil, &Settings{AsOf: at, Indicators: SummaryIndicators}))
	p, ok := f.Lookup("zz-ns")
	if !ok {
		t.Fatal("no profile")
	}
	// Summarize on the same rows is the reference.
	sums := check.Must(cvm.Summarize(ctx, slices.Values(txs), &cvm.SummarySettings{AsOf: at}))
	i, _ := slices.BinarySearchFunc(sums, "zz-ns", func(s cvm.Summary, id string) int { return strings.Compare(s.Customer, id) })
	if p.Summary != sums[i] || !p.Summary.Last.Equal(at) || !p.Summary.First.Equal(at.Add(-400)) || p.Summary.Transactions != 2 {
		t.Errorf("summary %+v, want %+v (the row 1 ns after the as-of left out)", p.Summary, sums[i])
	}
}

// TestAsOfFunc: an as-of from Settings.AsOfFunc gives the file of the same
// Settings.AsOf (cvm.Report.AsOf giving Build's own default), and a zero
// one is ErrEmptyInput.
func TestAsOfFunc(t *testing.T) {
	ctx := context.Background()
	txs := shuffled(base(200))
	cases := []struct {
		name string
		asOf time.Time // given to AsOfFunc
		set  time.Time // Settings.AsOf of the file expected
	}{
		{"the report's as-of, Build's default", cvm.Audit(slices.Values(txs), nil).AsOf, time.Time{}},
		{"a given day", time.Date(2025, 3, 31, 23, 59, 59, 0, time.UTC), time.Date(2025, 3, 31, 23, 59, 59, 0, time.UTC)},
	}
	for _, c := range cases {
		want := check.Must(Build(ctx, slices.Values(txs), nil, &Settings{AsOf: c.set}))
		calls := 0
		got := check.Must(Build(ctx, slices.Values(txs), nil, &Settings{AsOfFunc: func() time.Time { calls++; return c.asOf }}))
		// As CSV rows: reflect.DeepEqual would call NaN fields unequal.
		var a, b []byte
		for i := range got.Profiles {
			a = AppendCSV(a, &got.Profiles[i])
		}
		for i := range want.Profiles {
			b = AppendCSV(b, &want.Profiles[i])
		}
		same := len(want.Profiles) > 0 && string(a) == string(b)
		if calls != 1 || !got.AsOf.Equal(want.AsOf) || !same {
			t.Errorf("%s: %d calls, as-of %v (want %v), profiles equal %v", c.name, calls, got.AsOf, want.AsOf, same)
		}
	}
	if _, err := Build(ctx, slices.Values(txs), nil, &Settings{AsOfFunc: func() time.Time { return time.Time{} }}); !errors.Is(err, ErrEmptyInput) {
		t.Errorf("zero as-of: %v, want ErrEmptyInput", err)
	}
}

// TestBuildRowOrder: the same transactions in another order give the same
// file: grouped in ascending ID order (the store needs no ID table),
// ascending until one early customer comes back at the end (the table is
// built there), grouped in descending order, and scrambled. With the
// retail indicators, whose sums are rounded in each customer's row order
// (as value.RetailIndicators documents), only the grouped orders that keep
// each customer's rows in their order are compared.
func TestBuildRowOrder(t *testing.T) {
	ctx := context.Background()
	txs := base(150)
	asc := slices.Clone(txs)
	slices.SortStableFunc(asc, func(a, b cvm.Transaction) int { return strings.Compare(a.Customer, b.Customer) })
	desc := slices.Clone(asc)
	slices.SortStableFunc(desc, func(a, b cvm.Transaction) int { return strings.Compare(b.Customer, a.Customer) })
	back := slices.Clone(asc)
	back = append(back[1:], back[0]) // the first customer's first row last
	if asc[0].Customer == asc[1].Customer {
		// back[0] is that customer's second row: still in ascending order
		// until the last row, which revisits it.
		if back[0].Customer != asc[0].Customer {
			t.Fatal("set-up: back does not revisit the first customer")
		}
	}
	for _, ind := range []IndicatorSource{SummaryIndicators, RetailIndicators} {
		s := &Settings{Indicators: ind, Reasons: 2}
		want := js(t, check.Must(Build(ctx, slices.Values(asc), nil, s)).Profiles)
		for name, order := range map[string][]cvm.Transaction{"ascending then back": back, "descending": desc, "scrambled": shuffled(asc)} {
			if ind == RetailIndicators && name != "descending" {
				continue
			}
			if got := js(t, check.Must(Build(ctx, slices.Values(order), nil, s)).Profiles); got != want {
				t.Errorf("%v, %s: profiles differ from those of the ascending order", ind, name)
			}
		}
	}
}

// TestDeriveChunks: derive's results do not depend on how many customers
// each run summarises and classifies.
func TestDeriveChunks(t *testing.T) {
	ctx := context.Background()
	txs := shuffled(base(120))
	asOf := time.Date(2025, 12, 31, 23, 59, 59, 0, time.UTC)
	lr := lifecycle.DefaultSettings()
	var want string
	for _, chunk := range []int{1 << 15, 1, 7, 64} {
		st, _, err := ingest(ctx, slices.Values(txs), asOf, nil)
		if err != nil {
			t.Fatal(err)
		}
		ps, _, err := st.derive(ctx, asOf, &lr, true, true, chunk)
		if err != nil {
			t.Fatal(err)
		}
		got := fmt.Sprintf("%+v", ps)
		if want == "" {
			want = got
			if len(ps) < 100 {
				t.Fatalf("only %d profiles", len(ps))
			}
		} else if got != want {
			t.Errorf("chunk %d: profiles differ from those of one chunk", chunk)
		}
	}
}

// TestDeriveHistory: with history, each profile's full lifecycle history
// (kept across the customers of a chunk) and state are those of
// lifecycle.Classify on the same transactions, with an as-of inside the
// data so that later rows are left out.
func TestDeriveHistory(t *testing.T) {
	ctx := context.Background()
	txs := shuffled(base(150))
	asOf := time.Date(2025, 6, 30, 12, 0, 0, 0, time.UTC)
	later := 0
	for _, x := range txs {
		if x.Time.After(asOf) {
			later++
		}
	}
	if later == 0 {
		t.Fatal("no transaction after the as-of")
	}
	lr := lifecycle.DefaultSettings()
	res := check.Must(lifecycle.Classify(ctx, slices.Values(txs), &lifecycle.ClassifySettings{AsOf: asOf, Settings: &lr}))
	want := map[string]lifecycle.Result{}
	for _, r := range res {
		want[r.Customer] = r
	}
	for _, chunk := range []int{5, 1 << 15} {
		st, _, err := ingest(ctx, slices.Values(txs), asOf, nil)
		if err != nil {
			t.Fatal(err)
		}
		ps, _, err := st.derive(ctx, asOf, &lr, true, true, chunk)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != len(want) {
			t.Fatalf("chunk %d: %d profiles, want %d", chunk, len(ps), len(want))
		}
		multi := 0
		for _, p := range ps {
			r, ok := want[p.Customer]
			if !ok {
				t.Fatalf("chunk %d: %s has a profile but no lifecycle result", chunk, p.Customer)
			}
			if p.Lifecycle != r.State || p.Pattern != r.Pattern {
				t.Errorf("chunk %d: %s: lifecycle %+v %v, want %+v %v", chunk, p.Customer, p.Lifecycle, p.Pattern, r.State, r.Pattern)
			}
			if js(t, p.History) != js(t, r.History) {
				t.Errorf("chunk %d: %s: history %v, want %v", chunk, p.Customer, p.History, r.History)
			}
			if len(r.History) > 1 {
				multi++
			}
		}
		if multi == 0 {
			t.Fatalf("no customer with more than one transition")
		}
	}
}

// TestBuildReader: BuildReader gives the file that Build gives over the
// same Reader's Stream, on the same CSV: grouped rows with the default
// as-of (the report's) and with a given one, scrambled rows with quantity
// times price, products (some empty), categories and a channel; and the
// same error for a truncated file.
func TestBuildReader(t *testing.T) {
	ctx := context.Background()
	csvOf := func(txs []cvm.Transaction, extra bool) string {
		var b strings.Builder
		if extra {
			b.WriteString("customer,time,q,p,sku,cat,ch\n")
		} else {
			b.WriteString("customer,time,amount\n")
		}
		for i, x := range txs {
			stamp := x.Time.UTC().Format(time.RFC3339Nano)
			if !extra {
				fmt.Fprintf(&b, "%s,%s,%.2f\n", x.Customer, stamp, x.Amount)
				continue
			}
			q := float64(1 + i%3)
			if x.Amount < 0 {
				q = -q
			}
			sku := fmt.Sprintf("P%d", i%17)
			if i%5 == 0 {
				sku = ""
			}
			fmt.Fprintf(&b, "%s,%s,%g,%.2f,%s,c%d,%s\n", x.Customer, stamp, q, x.Amount/q, sku, i%4, []string{"web", "shop"}[i%2])
		}
		return b.String()
	}
	grouped := base(150)
	scrambled := partsData(150, false)
	extra := &cvm.ReadSettings{Quantity: "q", Price: "p", Product: "sku", Category: "cat", Channel: "ch"}
	for _, c := range []struct {
		name string
		in   string
		read *cvm.ReadSettings
		set  Settings
	}{
		{"grouped, default as-of", csvOf(grouped, false), nil, Settings{Reasons: 2}},
		{"grouped, given as-of", csvOf(grouped, false), nil, Settings{AsOf: time.Date(2025, 3, 31, 23, 59, 59, 0, time.UTC), Indicators: SummaryIndicators}},
		{"scrambled, optional columns", csvOf(scrambled, true), extra, Settings{Reasons: 3, History: true}},
		{"truncated", csvOf(grouped, false) + "Z1,2025-01-01,\"3", nil, Settings{}},
	} {
		open := func() *cvm.Reader {
			var rs *cvm.ReadSettings
			if c.read != nil {
				r := *c.read
				rs = &r
			}
			return check.Must(cvm.NewReader(strings.NewReader(c.in), rs))
		}
		rd := open()
		set := c.set
		want, werr := Build(ctx, rd.Stream(ctx), nil, &set)
		if rerr := rd.Err(); rerr != nil {
			werr = rerr // the Stream's error, which Build sees as its end
		}
		set = c.set
		got, gerr := BuildReader(ctx, open(), nil, &set)
		if (werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error() {
			t.Errorf("%s: error %v, Build over Stream %v", c.name, gerr, werr)
			continue
		}
		if werr != nil {
			if c.name != "truncated" {
				t.Errorf("%s: %v", c.name, werr)
			}
			continue
		}
		if c.name == "truncated" {
			t.Errorf("truncated: no error")
		}
		if len(got.Profiles) == 0 || !got.AsOf.Equal(want.AsOf) || js(t, got.Profiles) != js(t, want.Profiles) || js(t, got.Models) != js(t, want.Models) {
			t.Errorf("%s: %d profiles as of %v, differ from Build over Stream's %d as of %v", c.name, len(got.Profiles), got.AsOf, len(want.Profiles), want.AsOf)
		}
		if c.read != nil && !slices.ContainsFunc(got.Profiles, func(p Profile) bool { return len(p.Products) > 0 && len(p.Categories) > 0 && p.Units != 0 }) {
			t.Errorf("%s: no profile with products, categories and units", c.name)
		}
	}
	// A reader that audits has the default as-of in its report, as cvm
	// profile reads: the file of Build's own default.
	in := csvOf(scrambled, false)
	want := check.Must(Build(ctx, check.Must(cvm.NewReader(strings.NewReader(in), nil)).Stream(ctx), nil, nil))
	rd := check.Must(cvm.NewReader(strings.NewReader(in), &cvm.ReadSettings{Audit: cvm.NewAuditor(&cvm.AuditSettings{TimeOnly: true})}))
	got := check.Must(BuildReader(ctx, rd, nil, &Settings{AsOfFunc: func() time.Time { return rd.Report().AsOf }}))
	if !got.AsOf.Equal(want.AsOf) || js(t, got.Profiles) != js(t, want.Profiles) {
		t.Errorf("as-of from the reader's audit: %d profiles as of %v, want %d as of %v", len(got.Profiles), got.AsOf, len(want.Profiles), want.AsOf)
	}
}
