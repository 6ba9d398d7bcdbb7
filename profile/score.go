package profile

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/num"
	"github.com/cvmkit/cvm/internal/parallel"
	"github.com/cvmkit/cvm/lifecycle"
	"github.com/cvmkit/cvm/recovery"
	"github.com/cvmkit/cvm/segment"
	"github.com/cvmkit/cvm/value"
	"github.com/cvmkit/cvm/value/clv"
)

// Indicators the profile derives from each customer's transactions, with
// value.DefaultCatalog's IDs.
var fromTransactions = []string{"revenue", "order_frequency", "recency", "tenure"}

// ValueCatalog returns the catalog the profile's value model uses when
// the host supplies the indicators crm (catalog IDs; nil for none): from
// value.DefaultCatalog, the indicators the transactions give (revenue:
// the net amount; order_frequency: the purchase days; recency: days since
// the last purchase; tenure: years since the first, all up to the as-of),
// those in crm, and value/clv's forecasts (12-month CLV, expected
// purchases, P(alive)): in the lifetime group of current value (a forecast
// continues the current relationship) when crm gives potential value
// indicators of its own, else in the growth group of potential value, its
// only indicators; groups left without an indicator are dropped. Weights are renormalised by
// value.Fit (NormalizeWeights).
func ValueCatalog(crm []string) value.Catalog {
	c := value.DefaultCatalog()
	var inds []value.Indicator
	for _, ind := range c.Indicators {
		if slices.Contains(fromTransactions, ind.ID) || slices.Contains(crm, ind.ID) {
			inds = append(inds, ind)
		}
	}
	c.Indicators = inds
	if slices.ContainsFunc(inds, func(ind value.Indicator) bool { return ind.Dimension == value.PotentialValue }) {
		c = lifetimeForecasts(c)
	} else {
		c = c.Add(clv.PotentialIndicators(value.GroupGrowth)...)
	}
	var groups []value.Group
	for _, g := range c.Groups {
		if slices.ContainsFunc(c.Indicators, func(ind value.Indicator) bool { return ind.Group == g.ID }) {
			groups = append(groups, g)
		}
	}
	c.Groups = groups
	return c
}

// crmIDs returns the indicator IDs the attributes supply, sorted, or an
// error naming one the default catalog does not have.
func (f *File) crmIDs() ([]string, error) {
	known := map[string]bool{}
	for _, ind := range value.DefaultCatalog().Indicators {
		known[ind.ID] = true
	}
	var ids []string
	for i := range f.Profiles {
		for id := range f.Profiles[i].Attributes.Indicators {
			if !known[id] || slices.Contains(fromTransactions, id) {
				return nil, fmt.Errorf("profile: customer %q: indicator %q is not a CRM indicator of value.DefaultCatalog", f.Profiles[i].Customer, id)
			}
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// score fits the models (unless s.Models is set) and fills every view
// that depends on them: RFM, CLV forecasts, value, recovery, flags.
func (f *File) score(ctx context.Context, s *Settings, tm *timer) error {
	m := s.Models
	fit := m == nil
	if fit {
		m = &Models{AsOf: f.AsOf, Customers: len(f.Profiles), Lifecycle: *lifecycleSettings(s), Recovery: recovery.DefaultSettings()}
		if s.Recovery != nil {
			m.Recovery = *s.Recovery
		}
	}
	ps := f.Profiles
	sums := make([]cvm.Summary, len(ps))
	for i := range ps {
		sums[i] = ps[i].Summary
	}
	// RFM.
	vals, _, err := segment.RFMValues(sums, f.AsOf, nil)
	if err != nil {
		return fmt.Errorf("profile: rfm: %w", err)
	}
	var cells []segment.Cell
	if fit {
		if cells, m.RFM, err = segment.Score(nil, vals, nil); err != nil {
			return fmt.Errorf("profile: rfm: %w", err)
		}
		m.Rules = segment.DefaultRules()
	} else {
		cells = make([]segment.Cell, len(vals))
		for i, v := range vals {
			if cells[i], err = m.RFM.Score(v.Recency, v.Frequency, v.Monetary); err != nil {
				return fmt.Errorf("profile: rfm: %w", err)
			}
		}
	}
	segs := m.Rules.AssignAll(nil, cells)
	names := m.Rules.Segments()
	for i, j := 0, 0; i < len(ps) && j < len(vals); i++ {
		if ps[i].Customer != vals[j].Customer {
			ps[i].RFM, ps[i].Cell, ps[i].Segment = segment.RFM{}, segment.Cell{}, ""
			continue
		}
		ps[i].RFM, ps[i].Cell, ps[i].Segment = vals[j], cells[j], ""
		if segs[j] >= 0 {
			ps[i].Segment = names[segs[j]].Name
		}
		j++
	}
	if fit && s.Clusters >= 0 {
		c, note, err := fitClusters(ctx, vals, s.Clusters)
		if err != nil {
			return fmt.Errorf("profile: clusters: %w", err)
		}
		if note != "" {
			f.note("%s", note)
		}
		m.Clusters = c
	}
	var lab []int
	if m.Clusters != nil {
		if lab, err = m.Clusters.assign(vals); err != nil {
			return fmt.Errorf("profile: clusters: %w", err)
		}
	}
	for i, j := 0, 0; i < len(ps); i++ {
		ps[i].Cluster = 0
		if j < len(vals) && ps[i].Customer == vals[j].Customer {
			if lab != nil {
				ps[i].Cluster = lab[j]
			}
			j++
		}
	}
	tm.done("rfm, clusters")

	// CLV.
	nc := 0
	for i := range ps {
		if ps[i].Summary.Occasions > 0 {
			nc++
		}
	}
	cs := make([]clv.Customer, 0, nc)
	at := make([]int, 0, nc)
	for i := range ps {
		if ps[i].Summary.Occasions > 0 {
			cs = append(cs, ps[i].CLV.Input)
			at = append(at, i)
		}
	}
	rows, index := clv.CompressIndex(cs)
	if fit {
		if m.Purchases, err = clv.FitBGNBDRows(ctx, rows, nil); err != nil {
			f.note("CLV: BG/NBD not fitted: %v", err)
			m.Purchases = nil
		}
		if m.Purchases != nil {
			rows, err := clv.CompressSpend(cs)
			if err == nil {
				m.Spend, err = clv.FitGammaGammaRows(ctx, rows, nil)
			}
			if err != nil {
				f.note("CLV: Gamma-Gamma not fitted: %v", err)
				m.Spend = nil
			}
		}
		m.CLVMonths = s.CLVMonths
	}
	var fc bool
	if m.Purchases != nil && m.Spend != nil {
		months := m.CLVMonths
		if months == 0 {
			months = 12
		}
		if err := forecast(ps, cs, at, len(rows), index, m.Purchases, m.Spend, months); err != nil {
			return fmt.Errorf("profile: clv: %w", err)
		}
		fc = true
	}
	tm.done("clv")

	// Value.
	crm, err := f.crmIDs()
	if err != nil {
		return err
	}
	if fit {
		m.Indicators = s.Indicators
	}
	var t value.IndicatorTable
	var cat value.Catalog
	if m.Indicators == RetailIndicators {
		if f.retail == nil {
			return fmt.Errorf("profile: the models use the retail indicators, which Update cannot continue: build again")
		}
		t, cat = f.retail.Table, f.retail.Catalog
		t, cat = f.withCRM(t, cat, crm)
		if fc {
			t = f.withForecasts(t)
			cat = lifetimeForecasts(cat)
		}
	} else {
		t = f.indicators(crm)
		cat = ValueCatalog(crm)
		if fc {
			t = f.withForecasts(t)
		} else {
			forecast := []string{clv.IndicatorCLV, clv.IndicatorExpectedPurchases, clv.IndicatorProbAlive}
			cat.Indicators = slices.DeleteFunc(slices.Clone(cat.Indicators), func(ind value.Indicator) bool { return slices.Contains(forecast, ind.ID) })
		}
	}
	if fit {
		var groups []value.Group
		for _, g := range cat.Groups {
			if slices.ContainsFunc(cat.Indicators, func(ind value.Indicator) bool { return ind.Group == g.ID }) {
				groups = append(groups, g)
			}
		}
		cat.Groups = groups
		if m.Value, err = value.Fit(ctx, t, &value.Settings{Catalog: cat, NormalizeWeights: true, Missing: value.MissingImpute, IgnoreUnknown: true}); err != nil {
			return fmt.Errorf("profile: value: %w", err)
		}
	}
	scores, err := m.Value.Score(ctx, nil, t)
	if err != nil {
		return fmt.Errorf("profile: value: %w", err)
	}
	for i := range ps {
		ps[i].Value = scores[i]
	}
	f.table = t
	if s.Reasons > 0 {
		// The first s.Reasons contributions of Explain, for every row at once.
		reasons, err := m.Value.Reasons(ctx, nil, t, s.Reasons)
		if err != nil {
			return fmt.Errorf("profile: value: %w", err)
		}
		for i := range ps {
			ps[i].Reasons = reasons[i]
		}
	}
	tm.done("value")

	// Recovery.
	rm, err := recovery.New(&m.Recovery)
	if err != nil {
		return fmt.Errorf("profile: recovery: %w", err)
	}
	// The recovery inputs and the flags (which read neither the book nor
	// the inputs) in one pass on every core.
	rcs := parallel.Make[recovery.Customer](len(ps)) // filled on every core while the collector may scan it
	parallel.For(len(ps), 1<<12, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			rcs[i] = recoveryCustomer(&ps[i], f.AsOf)
			ps[i].Recovery = rcs[i]
			ps[i].Flags = flags(&ps[i], f.AsOf, &m.Lifecycle)
		}
	})
	if f.Book, err = rm.Build(ctx, rcs, &recovery.BuildSettings{AsOf: f.AsOf}); err != nil {
		return fmt.Errorf("profile: recovery: %w", err)
	}
	tm.done("recovery")

	if fit {
		m.Card = modelCard(f, m)
	}
	f.Models = m
	f.Refit = m.refit(f)
	return nil
}

// forecast fills the CLV forecasts of the profiles ps[at[k]] from their
// inputs cs[k]: the numbers of clv.NewForecast (expected purchases over
// forecastWeeks, P(alive), the CLV over months at
// clv.DefaultAnnualDiscount) and clv.PredictSpend, bit for bit, computed
// once for each distinct (x, t_x, T): the purchase model sees nothing
// else, so customers with the same history share their expected purchases
// (the spend enters only the CLV sum, per customer, in clv.CLV's order).
// index[k] is the row of cs[k] among the rows distinct histories of
// clv.CompressIndex.
func forecast(ps []Profile, cs []clv.Customer, at []int, rows int, index []int, pm *clv.BGNBD, gg *clv.GammaGamma, months int) error {
	uniq, ref := histories(cs, rows, index)
	// cum[u*(months+1)+i-1] is E[Y(i months)] of history u, as clv.CLV
	// asks it: months of 30 days in weeks; the last of each history's
	// horizons is forecastWeeks.
	const month = 30.0 / 7
	ts := make([]float64, months+1)
	for i := range months {
		ts[i] = float64(i+1) * month
	}
	ts[months] = forecastWeeks
	stride := months + 1
	cum, err := clv.PredictPurchasesAt(nil, pm, ts, uniq)
	if err != nil {
		return forecastError(pm, uniq, ts[:months])
	}
	alive, err := clv.PredictAlive(nil, pm, uniq)
	if err != nil {
		return err
	}
	spend, err := clv.PredictSpend(nil, gg, cs)
	if err != nil {
		return err
	}
	monthly := clv.MonthlyRate(clv.DefaultAnnualDiscount)
	var errs []error
	var mu sync.Mutex
	parallel.For(len(cs), 1<<14, func(lo, hi int) {
		for j := lo; j < hi; j++ {
			u := int(ref[j])
			v := spend[j]
			if !num.Finite(v) || v < 0 {
				mu.Lock()
				errs = append(errs, &clv.CustomerError{Index: j, Customer: cs[j].ID, Field: "spend", Err: fmt.Errorf("%w: expected spend %v", clv.ErrInvalidCustomer, v)})
				mu.Unlock()
				return
			}
			sum := clv.DiscountedCLV(v, cum[u*stride:u*stride+months], monthly) // clv.CLV's sum
			if !num.Finite(sum) {
				mu.Lock()
				errs = append(errs, &clv.CustomerError{Index: j, Customer: cs[j].ID, Field: "prediction", Err: fmt.Errorf("%w: CLV not finite", clv.ErrNotConverged)})
				mu.Unlock()
				return
			}
			c := &ps[at[j]].CLV
			c.OK, c.PAlive, c.ExpectedPurchases, c.ExpectedSpend, c.Value = true, alive[u], cum[u*stride+months], v, sum
		}
	})
	if len(errs) > 0 {
		// The lowest customer index, as clv reports it.
		return slices.MinFunc(errs, func(a, b error) int {
			return cmp.Compare(a.(*clv.CustomerError).Index, b.(*clv.CustomerError).Index)
		})
	}
	return nil
}

// histories returns the distinct histories (x, t_x, T) of cs, each as its
// first customer, in the order of their first customers, and the history
// of each customer: a map from the values' bits to the first customer
// would give them, and does for values whose bits are not their
// comparison (-0, NaN), so that an error names the customer and the index
// it always named; for the others the rows of clv.CompressIndex, which
// group the same customers, give them without the map.
func histories(cs []clv.Customer, rows int, index []int) (uniq []clv.Customer, ref []int32) {
	ref = make([]int32, len(cs))
	plain := func(v float64) bool { return math.Float64bits(v)>>63 == 0 && !isNaN(v) }
	if !slices.ContainsFunc(cs, func(c clv.Customer) bool { return !plain(c.Frequency) || !plain(c.Recency) || !plain(c.T) }) {
		u := make([]int32, rows) // a row's place in uniq, +1
		for j, r := range index {
			if u[r] == 0 {
				uniq = append(uniq, cs[j])
				u[r] = int32(len(uniq))
			}
			ref[j] = u[r] - 1
		}
		return uniq, ref
	}
	type key struct{ x, tx, t uint64 }
	pos := make(map[key]int32, len(cs)/4)
	for j := range cs {
		c := &cs[j]
		k := key{math.Float64bits(c.Frequency), math.Float64bits(c.Recency), math.Float64bits(c.T)}
		u, ok := pos[k]
		if !ok {
			u = int32(len(uniq))
			pos[k] = u
			uniq = append(uniq, *c)
		}
		ref[j] = u
	}
	return uniq, ref
}

// forecastError returns the error of the first forecast of the histories
// uniq that fails, as the forecasts reported it when each was computed
// on its own: expected purchases over forecastWeeks of every history
// (naming the history's index), P(alive), then the months ts of each
// history (index 0, as clv.BGNBD.ConditionalExpectedPurchasesAt gives
// it). clv.PredictPurchasesAt found one.
func forecastError(pm *clv.BGNBD, uniq []clv.Customer, ts []float64) error {
	if _, err := clv.PredictPurchases(nil, pm, forecastWeeks, uniq); err != nil {
		return err
	}
	if _, err := clv.PredictAlive(nil, pm, uniq); err != nil {
		return err
	}
	for _, c := range uniq {
		if _, err := pm.ConditionalExpectedPurchasesAt(nil, ts, c); err != nil {
			return err
		}
	}
	return fmt.Errorf("%w: a forecast failed once and not again", clv.ErrNotConverged)
}

// withForecasts adds the profiles' CLV forecasts to t, whose customers
// are the profiles' (NaN for a profile without one), as
// clv.Forecast.AddTo would, without matching IDs.
func (f *File) withForecasts(t value.IndicatorTable) value.IndicatorTable {
	return t.WithColumn(clv.IndicatorExpectedPurchases, f.column(func(p *Profile) float64 { return p.CLV.ExpectedPurchases })).
		WithColumn(clv.IndicatorProbAlive, f.column(func(p *Profile) float64 { return p.CLV.PAlive })).
		WithColumn(clv.IndicatorCLV, f.column(func(p *Profile) float64 { return p.CLV.Value }))
}

// withCRM adds the host's CRM indicators crm to a retail table and its
// catalog (the indicators of value.DefaultCatalog with those IDs, in
// their groups).
func (f *File) withCRM(t value.IndicatorTable, cat value.Catalog, crm []string) (value.IndicatorTable, value.Catalog) {
	if len(crm) == 0 {
		return t, cat
	}
	def := value.DefaultCatalog()
	for _, id := range crm {
		if _, ok := t.Column(id); ok {
			continue // the retail table has it (revenue and the like)
		}
		col := make([]float64, len(f.Profiles))
		for i := range f.Profiles {
			v, ok := f.Profiles[i].Attributes.Indicators[id]
			if !ok {
				v = math.NaN()
			}
			col[i] = v
		}
		t = t.WithColumn(id, col)
		for _, ind := range def.Indicators {
			if ind.ID != id {
				continue
			}
			cat.Indicators = append(cat.Indicators, ind)
			if !slices.ContainsFunc(cat.Groups, func(g value.Group) bool { return g.ID == ind.Group }) {
				for _, g := range def.Groups {
					if g.ID == ind.Group {
						cat.Groups = append(cat.Groups, g)
					}
				}
			}
		}
	}
	return t, cat
}

// lifetimeForecasts adds value/clv's forecasts to cat as the lifetime
// group of current value (weight 0.3 before normalisation), as the
// quickstart's report does.
func lifetimeForecasts(cat value.Catalog) value.Catalog {
	forecasts := clv.PotentialIndicators(value.GroupLifetime)
	for k := range forecasts {
		forecasts[k].Dimension = value.CurrentValue
	}
	cat.Groups = slices.Clone(cat.Groups)
	if i := slices.IndexFunc(cat.Groups, func(g value.Group) bool { return g.ID == value.GroupLifetime }); i >= 0 {
		cat.Groups[i].Weight = 0.3
	} else {
		cat.Groups = append(cat.Groups, value.Group{ID: value.GroupLifetime, Name: "Lifetime value of the current relationship", Dimension: value.CurrentValue, Weight: 0.3})
	}
	return cat.Add(forecasts...)
}

// indicators returns the value model's input: the transaction indicators
// of every profile and the host's CRM indicators crm.
func (f *File) indicators(crm []string) value.IndicatorTable {
	ps := f.Profiles
	ids := make([]string, len(ps))
	for i := range ps {
		ids[i] = ps[i].Customer
	}
	t := value.NewIndicatorTable(ids)
	rev, freq, rec, ten := make([]float64, len(ps)), make([]float64, len(ps)), make([]float64, len(ps)), make([]float64, len(ps))
	asDay := cvm.DayNumber(f.AsOf, time.UTC)
	for i := range ps {
		s := &ps[i].Summary
		rev[i], freq[i] = s.Total, float64(s.Occasions)
		rec[i], ten[i] = math.NaN(), math.NaN()
		if s.Occasions > 0 {
			rec[i] = float64(asDay - cvm.DayNumber(s.Last, time.UTC))
			ten[i] = f.AsOf.Sub(s.First).Hours() / 24 / 365.25
		}
	}
	t = t.WithColumn("revenue", rev).WithColumn("order_frequency", freq).WithColumn("recency", rec).WithColumn("tenure", ten)
	for _, id := range crm {
		col := make([]float64, len(ps))
		for i := range ps {
			v, ok := ps[i].Attributes.Indicators[id]
			if !ok {
				v = math.NaN()
			}
			col[i] = v
		}
		t = t.WithColumn(id, col)
	}
	return t
}

// recoveryCustomer is what the recovery book needs to know about p.
func recoveryCustomer(p *Profile, asOf time.Time) recovery.Customer {
	a := &p.Attributes
	c := recovery.Customer{ID: p.Customer, Quadrant: p.Value.Quadrant, Tier: p.Value.Tier, Stage: p.Stage(),
		Failures12m: a.Failures12m, LastRecoveryOK: a.LastRecoveryOK, Channel: a.Channel, Influence: a.Influence, GrossProfit: a.GrossProfit}
	if c.GrossProfit == 0 && p.Summary.Total > 0 {
		c.GrossProfit = p.Summary.Total * AssumedMargin
	}
	if c.Influence < 0 || isNaN(c.Influence) || math.IsInf(c.Influence, 0) {
		c.Influence = 0
	}
	if c.Failures12m < 0 {
		c.Failures12m = 0
	}
	// Strength: tenure (two years is full) times P(alive).
	if p.Summary.Occasions > 0 && p.CLV.OK {
		ten := asOf.Sub(p.Summary.First).Hours() / 24 / 365.25
		c.Strength = math.Max(0, math.Min(1, ten/2)) * p.CLV.PAlive
	}
	return c
}

func (f *File) note(format string, args ...any) {
	f.Notes = append(f.Notes, fmt.Sprintf(format, args...))
}

// modelCard records what the models were fitted on.
func modelCard(f *File, m *Models) *cvm.ModelCard {
	c := cvm.NewModelCard()
	c.AsOf = f.AsOf
	c.Customers = len(f.Profiles)
	var total, occ float64
	for i := range f.Profiles {
		total += f.Profiles[i].Summary.Total
		occ += float64(f.Profiles[i].Summary.Occasions)
	}
	c.Fingerprint = cvm.Fingerprint(float64(len(f.Profiles)), total, occ)
	if m.Purchases != nil {
		c.SetQuality("bgnbd_log_likelihood", m.Purchases.Info.LogLikelihood)
	}
	return &c
}

var _ = lifecycle.None
