package value

import (
	"context"
	"fmt"
	"iter"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/chunks"
	"github.com/cvmkit/cvm/internal/retail"
)

// Group IDs of the retail catalog ([RetailCatalog]).
const (
	GroupRetailEconomic  = "retail_economic"  // current: what the customer spends
	GroupRetailBehaviour = "retail_behaviour" // current: how the customer buys
	GroupLifetime        = "lifetime"         // current: forecasts of the current relationship (CLV), supplied by value/clv
	GroupHeadroom        = "headroom"         // potential: wallet and cross-buying headroom
	GroupTrend           = "trend"            // potential: growth within the current relationship
)

// Indicator IDs of the retail catalog that are not in [DefaultCatalog].
const (
	IndicatorAOV                 = "aov"
	IndicatorBreadth             = "breadth"
	IndicatorReturnShare         = "return_share"
	IndicatorVolatility          = "volatility"
	IndicatorRegularity          = "regularity"
	IndicatorWalletHeadroom      = "wallet_headroom"
	IndicatorCrossBuyingHeadroom = "cross_buying_headroom"
	IndicatorGrowthTrend         = "growth_trend"
)

// rankNorm is the retail catalog's normalisation: the percentile rank
// among the fitted customers, without winsorising, so that only the largest
// fitted value maps to 1 (no saturation of the top customers) and a long
// tail of negative values takes the bottom ranks without compressing the
// others. Log makes the interpolation between two grid points run on the
// signed log of money and counts.
var (
	rankNorm    = Normalization{Method: PercentileRank}
	rankLogNorm = Normalization{Method: PercentileRank, Log: true}
)

func retailInd(id, name, g string, dir Direction, unit string, n Normalization, def string) Indicator {
	d := CurrentValue
	if g == GroupHeadroom || g == GroupTrend {
		d = PotentialValue
	}
	return Indicator{ID: id, Name: name, Dimension: d, Group: g, Direction: dir, Unit: unit, Norm: n, Weight: 1, Definition: def, Source: "transactions (value.RetailIndicators)"}
}

// RetailCatalog returns, in fresh memory, the catalog of a retail (B2C)
// business whose indicators [RetailIndicators] computes from transactions.
// Every indicator is normalised by its percentile rank among the fitted
// customers (money and counts on the signed log scale between grid points),
// which neither saturates at the top nor lets negative net revenues
// compress everyone else. Indicator weights are equal within a group (they
// are given as 1 each; [Fit] needs [Settings.NormalizeWeights], or use the
// catalog [RetailIndicators] returns, whose weights sum to 1); the group
// weights are 0.5 and 0.5 in each dimension. The lifetime group of current
// value has no indicators here: value/clv's forecasts go there (see the
// package documentation for why CLV is current value).
//
// Windows: W is [RetailSettings.WindowDays] (365), as-of day A. Money is
// net: purchases minus returns.
//
// Current value, economic (retail_economic):
//   - revenue: net amount in the window (A-W, A] [currency, benefit]
//   - gross_profit: revenue x [RetailSettings.Margin], only when a margin is given [currency, benefit]
//   - volume: net units in the window, only when transactions carry a quantity [units, benefit]
//   - aov: revenue / order_frequency, 0 without a purchase in the window [currency, benefit]
//
// Current value, behaviour (retail_behaviour):
//   - order_frequency: purchase days in the window [days, benefit]
//   - recency: days from the last purchase to A; a customer with no purchase (returns only) gets the file's span plus one day, the worst value [days, cost]
//   - tenure: years (365.25 days) from the first purchase to A [years, benefit]
//   - breadth: distinct categories (products when no category is given) bought in the window, only when transactions carry them [count, benefit]
//   - return_share: returns / purchases in the window, at most 1; 1 with returns but no purchase [ratio, cost]
//   - volatility: coefficient of variation (population SD / mean) of the net spend in the window's 12 equal periods; sqrt(11), the largest for non-negative spend, when the mean is not positive [ratio, cost]
//   - regularity: 1 / (1 + CV of the gaps between purchase days in the window); 0 with fewer than three purchase days [ratio, benefit]
//
// Potential value, headroom (headroom):
//   - wallet_headroom: max(0, Q_q(revenue | peers) - max(revenue, 0)), the spend of the customer's peers at quantile q ([RetailSettings.Quantile], 0.9) minus the customer's own [currency, benefit]
//   - cross_buying_headroom: max(0, Q_q(breadth | peers) - breadth), categories (or products) the peers buy and the customer does not, only when breadth is computed [count, benefit]
//
// Potential value, trend (trend):
//   - growth_trend: (S_recent - S_earlier) / (|S_recent| + |S_earlier|) in [-1, 1], the net spend in the later and earlier halves of the current relationship within the window; 0 when both are 0 or the relationship is shorter than W/6 days; -1, the worst, for a customer with returns but no purchase [ratio, benefit]
func RetailCatalog() Catalog {
	return Catalog{
		Groups: []Group{
			{ID: GroupRetailEconomic, Name: "Spend", Dimension: CurrentValue, Weight: 0.5},
			{ID: GroupRetailBehaviour, Name: "Buying behaviour", Dimension: CurrentValue, Weight: 0.5},
			{ID: GroupLifetime, Name: "Lifetime value of the current relationship", Dimension: CurrentValue, Weight: 0.5},
			{ID: GroupHeadroom, Name: "Headroom: wallet and cross-buying", Dimension: PotentialValue, Weight: 0.5},
			{ID: GroupTrend, Name: "Growth trend", Dimension: PotentialValue, Weight: 0.5},
		},
		Indicators: []Indicator{
			retailInd("revenue", "Net revenue", GroupRetailEconomic, Benefit, "currency", rankLogNorm, "net amount (purchases minus returns) in the window"),
			retailInd("gross_profit", "Gross profit", GroupRetailEconomic, Benefit, "currency", rankLogNorm, "revenue x the given margin"),
			retailInd("volume", "Units", GroupRetailEconomic, Benefit, "units", rankLogNorm, "net units in the window"),
			retailInd(IndicatorAOV, "Average order value", GroupRetailEconomic, Benefit, "currency", rankLogNorm, "revenue per purchase day in the window"),
			retailInd("order_frequency", "Order frequency", GroupRetailBehaviour, Benefit, "days", rankLogNorm, "purchase days in the window"),
			retailInd("recency", "Recency", GroupRetailBehaviour, Cost, "days", rankNorm, "days since the last purchase; the file's span plus one day without a purchase"),
			retailInd("tenure", "Tenure", GroupRetailBehaviour, Benefit, "years", rankNorm, "years since the first purchase"),
			retailInd(IndicatorBreadth, "Category breadth", GroupRetailBehaviour, Benefit, "count", rankLogNorm, "distinct categories (or products) bought in the window"),
			retailInd(IndicatorReturnShare, "Return share", GroupRetailBehaviour, Cost, "ratio", rankNorm, "returns / purchases in the window, at most 1"),
			retailInd(IndicatorVolatility, "Monthly volatility", GroupRetailBehaviour, Cost, "ratio", rankNorm, "coefficient of variation of the spend in 12 periods of the window"),
			retailInd(IndicatorRegularity, "Purchase regularity", GroupRetailBehaviour, Benefit, "ratio", rankNorm, "1 / (1 + CV of the gaps between purchase days)"),
			retailInd(IndicatorWalletHeadroom, "Share-of-wallet headroom", GroupHeadroom, Benefit, "currency", rankLogNorm, "peers' spend at the wallet quantile minus own spend, at least 0"),
			retailInd(IndicatorCrossBuyingHeadroom, "Cross-buying headroom", GroupHeadroom, Benefit, "count", rankLogNorm, "peers' breadth at the wallet quantile minus own breadth, at least 0"),
			retailInd(IndicatorGrowthTrend, "Growth trend", GroupTrend, Benefit, "ratio", rankNorm, "later vs earlier half of the current relationship's net spend in the window"),
		},
	}
}

// RetailSettings configures [RetailIndicators]. A nil *RetailSettings
// means every default; the zero value of each field means its default.
type RetailSettings struct {
	// AsOf is the analysis time: transactions after it are skipped. The
	// zero time means the time of the latest transaction.
	AsOf time.Time
	// AsOfFunc, when AsOf is zero and AsOfFunc is not nil, is called once
	// txs is read, and the time it returns is the as-of, as if AsOf had
	// been given (the zero time: the latest transaction's). It serves a
	// caller reading through a cvm.Reader whose report has the default
	// as-of (cvm.Report.AsOf) only at the end, as profile.Settings.AsOfFunc
	// does: the rows are kept until then, 48 bytes each, instead of the
	// caller holding every cvm.Transaction.
	AsOfFunc func() time.Time
	// Location is the calendar in which days are counted; nil means UTC.
	Location *time.Location
	// WindowDays is the length W of the window (A-W, A] of the money,
	// frequency, breadth and trend indicators; 0 means 365.
	WindowDays int
	// Quantile is the quantile q of the peers' spend and breadth taken as
	// the customer's wallet (Perlich et al. 2007); 0 means 0.9. It must be
	// in (0, 1].
	Quantile float64
	// RelationshipGap is the gap, in days, between two purchase days after
	// which a later purchase starts a new relationship (a re-activation):
	// growth_trend compares spend within the current relationship only.
	// 0 means 180.
	RelationshipGap int
	// Margin is the gross margin, a fraction of revenue, for gross_profit;
	// 0 means no gross_profit indicator. It must be in [-1, 1].
	Margin float64
	// Peers optionally maps customer IDs to a peer group (a country, a
	// customer type, a size class from a CRM): the wallet quantiles are then
	// taken within the peer group and the frequency class. Customers absent
	// from it form one group of their own. Nil means one group.
	Peers map[string]string
}

// Retail is the result of [RetailIndicators].
type Retail struct {
	// Table holds one row per customer with a transaction at or before the
	// as-of time, sorted by customer ID, and one column per indicator of
	// Catalog. It has no missing values.
	Table IndicatorTable
	// Catalog is [RetailCatalog] restricted to the indicators the
	// transactions support and to groups with indicators, with weights
	// summing to 1 in every group and dimension, ready for [Fit].
	Catalog Catalog
	// ReturnsOnly marks, aligned with Table.Customers, the customers with
	// returns but no purchase up to the as-of time: their recency is the
	// worst value, never an imputed one; flag them in reports.
	ReturnsOnly []bool
	// AsOf is the analysis time used.
	AsOf time.Time
	// Omitted lists the retail indicators left out, each as "id: reason"
	// (no quantity, no product or category, no margin).
	Omitted []string
}

// RetailIndicators computes, in one pass over txs (in any order), the
// retail indicators of [RetailCatalog] for every customer, with the
// formulas and windows given there. The result's Catalog holds the
// indicators the transactions support: volume needs a non-zero quantity on
// some transaction, breadth and cross_buying_headroom a product or
// category, gross_profit a margin; the others are always computed.
//
// Peers for the wallet and cross-buying quantiles are the customers of the
// same frequency class, k = bits.Len(order_frequency) (0; 1; 2-3; 4-7;
// ...), within the same [RetailSettings.Peers] group: customers who buy as
// often are assumed to need as much; the quantile of their spend is the
// wallet (a nearest-neighbour high-quantile estimate, after Perlich,
// Rosset, Lawrence & Zadrozny 2007).
//
// An invalid transaction (empty customer, zero time, non-finite amount or
// quantity) is a *[cvm.TransactionError]; no transaction at or before the
// as-of time is [ErrEmptyInput]; bad settings are errors naming the field.
// RetailIndicators checks ctx every few thousand transactions and returns
// its error when it is cancelled. The result does not depend on the order
// of txs beyond the rounding of sums of amounts (summed with Neumaier's
// compensation). It keeps one record per customer and day (and one per
// purchased item when products or categories are given), and with
// AsOfFunc every row until the end (48 bytes a row): on synthetic
// data, 100,000 customers with about 15 transactions each take 0.3 s and
// allocate 120 MB (BenchmarkRetailIndicators).
func RetailIndicators(ctx context.Context, txs iter.Seq[cvm.Transaction], s *RetailSettings) (*Retail, error) {
	var set RetailSettings
	if s != nil {
		set = *s
	}
	if set.WindowDays == 0 {
		set.WindowDays = 365
	}
	if set.Quantile == 0 {
		set.Quantile = retail.DefaultQuantile
	}
	if set.RelationshipGap == 0 {
		set.RelationshipGap = 180
	}
	switch {
	case set.WindowDays < 12:
		return nil, fmt.Errorf("value: retail window %d days, need at least 12", set.WindowDays)
	case !(set.Quantile > 0 && set.Quantile <= 1):
		return nil, fmt.Errorf("value: retail wallet quantile %g not in (0, 1]", set.Quantile)
	case set.RelationshipGap < 0:
		return nil, fmt.Errorf("value: retail relationship gap %d days is negative", set.RelationshipGap)
	case !(set.Margin >= -1 && set.Margin <= 1):
		return nil, fmt.Errorf("value: retail margin %g not in [-1, 1]", set.Margin)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	loc := set.Location
	if loc == nil {
		loc = time.UTC
	}
	accs := map[string]*retail.Acc{}
	intern := map[string]int32{}
	var latest time.Time
	minDay := int64(math.MaxInt64)
	anyItem := false
	// add accumulates one transaction of customer a.
	add := func(a *retail.Acc, tm time.Time, amount, qty float64, item int32, hasItem bool) {
		day := cvm.DayNumber(tm, loc)
		minDay = min(minDay, day)
		a.Add(day, amount, qty, item, hasItem)
		anyItem = anyItem || a.AnyItem
	}
	// With AsOfFunc the rows wait in held until the as-of is known.
	deferred := set.AsOf.IsZero() && set.AsOfFunc != nil
	var held chunks.List[heldRow]
	n := 0
	for t := range txs {
		if n++; n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if err := t.Validate(); err != nil {
			return nil, err
		}
		if !set.AsOf.IsZero() && t.Time.After(set.AsOf) {
			continue
		}
		if t.Time.After(latest) {
			latest = t.Time
		}
		a := accs[t.Customer]
		if a == nil {
			a = &retail.Acc{}
			accs[t.Customer] = a
		}
		qty, item := lineItem(t)
		var id int32
		if item != "" {
			var ok bool
			if id, ok = intern[item]; !ok {
				id = int32(len(intern))
				intern[item] = id
			}
		}
		if deferred {
			held.Push(heldRow{acc: a, sec: t.Time.Unix(), nsec: int32(t.Time.Nanosecond()), item: id, hasItem: item != "", amount: t.Amount, qty: qty})
			continue
		}
		add(a, t.Time, t.Amount, qty, id, item != "")
	}
	asOf := set.AsOf
	if deferred {
		asOf = set.AsOfFunc()
	}
	if asOf.IsZero() {
		asOf = latest
	}
	if deferred {
		// The held rows at or before the as-of, in stream order: the
		// accumulation of the loop above with AsOf set.
		for _, b := range held.Chunks() {
			for i := range b {
				r := &b[i]
				if tm := time.Unix(r.sec, int64(r.nsec)); !tm.After(asOf) {
					add(r.acc, tm, r.amount, r.qty, r.item, r.hasItem)
				}
			}
		}
		held = chunks.List[heldRow]{}
		maps.DeleteFunc(accs, func(_ string, a *retail.Acc) bool { return len(a.Days) == 0 }) // only rows after the as-of
	}
	if len(accs) == 0 {
		return nil, ErrEmptyInput
	}
	A := cvm.DayNumber(asOf, loc)
	W := int64(set.WindowDays)
	span := A - minDay + 1
	ids := make([]string, 0, len(accs))
	for id := range accs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	nc := len(ids)
	col := func() []float64 { return make([]float64, nc) }
	rev, gp, vol, aov := col(), col(), col(), col()
	freq, rec, ten, br, rs, volat, reg := col(), col(), col(), col(), col(), col(), col()
	wall, cross, grow := col(), col(), col()
	retOnly := make([]bool, nc)
	anyQty := false
	var sc retail.Scratch
	for i, id := range ids {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		a := accs[id]
		anyQty = anyQty || a.Qty
		m := a.Compute(A, W, int64(set.RelationshipGap), span, &sc)
		rev[i], vol[i], aov[i], freq[i], rec[i], ten[i] = m.Rev, m.Units, m.AOV, m.Freq, m.Rec, m.Ten
		br[i], rs[i], volat[i], reg[i], grow[i] = m.Breadth, m.RetShare, m.Volat, m.Reg, m.Growth
		gp[i] = m.Rev * set.Margin
		retOnly[i] = m.ReturnsOnly
	}
	// Peer classes and their quantiles.
	class := make([]retail.Class, nc)
	for i, id := range ids {
		class[i] = retail.ClassOf(freq[i], set.Peers[id])
	}
	peerHeadroom(wall, rev, class, set.Quantile)
	peerHeadroom(cross, br, class, set.Quantile)

	cat := RetailCatalog()
	cols := map[string][]float64{
		"revenue": rev, "gross_profit": gp, "volume": vol, IndicatorAOV: aov,
		"order_frequency": freq, "recency": rec, "tenure": ten, IndicatorBreadth: br,
		IndicatorReturnShare: rs, IndicatorVolatility: volat, IndicatorRegularity: reg,
		IndicatorWalletHeadroom: wall, IndicatorCrossBuyingHeadroom: cross, IndicatorGrowthTrend: grow,
	}
	omit := map[string]string{}
	if set.Margin == 0 {
		omit["gross_profit"] = "no margin given"
	}
	if !anyQty {
		omit["volume"] = "no transaction carries a quantity"
	}
	if !anyItem {
		omit[IndicatorBreadth] = "no purchase carries a product or category"
		omit[IndicatorCrossBuyingHeadroom] = "no purchase carries a product or category"
	}
	out := &Retail{Table: NewIndicatorTable(ids), ReturnsOnly: retOnly, AsOf: asOf}
	var keep []Indicator
	for _, ind := range cat.Indicators {
		if why, ok := omit[ind.ID]; ok {
			out.Omitted = append(out.Omitted, ind.ID+": "+why)
			continue
		}
		keep = append(keep, ind)
		out.Table = out.Table.WithColumn(ind.ID, cols[ind.ID])
	}
	cat.Indicators = keep
	out.Catalog = normalizedCatalog(cat)
	return out, nil
}

// heldRow is a transaction RetailIndicators holds until the as-of is
// known (RetailSettings.AsOfFunc).
type heldRow struct {
	acc     *retail.Acc
	sec     int64
	nsec    int32
	item    int32
	hasItem bool
	amount  float64
	qty     float64
}

// normalizedCatalog drops the groups without indicators and rescales the
// weights to sum to 1 in every group and dimension.
func normalizedCatalog(c Catalog) Catalog {
	var groups []Group
	for _, g := range c.Groups {
		if groupUsed(&c, g.ID) {
			groups = append(groups, g)
		}
	}
	c.Groups = groups
	for _, g := range c.Groups {
		sum := 0.0
		for _, ind := range c.Indicators {
			if ind.Group == g.ID {
				sum += ind.Weight
			}
		}
		for k := range c.Indicators {
			if c.Indicators[k].Group == g.ID {
				c.Indicators[k].Weight /= sum
			}
		}
	}
	for _, d := range []Dimension{CurrentValue, PotentialValue} {
		sum := 0.0
		for _, g := range c.Groups {
			if g.Dimension == d {
				sum += g.Weight
			}
		}
		for k := range c.Groups {
			if c.Groups[k].Dimension == d {
				c.Groups[k].Weight /= sum
			}
		}
	}
	return c
}

// peerHeadroom sets dst[i] to the headroom of x[i] under its class's
// wallet, the quantile q of x in the class (retail.Wallets,
// retail.Headroom).
func peerHeadroom(dst, x []float64, class []retail.Class, q float64) {
	wallet := retail.Wallets(x, class, q)
	for i, c := range class {
		dst[i] = retail.Headroom(wallet[c], x[i])
	}
}
