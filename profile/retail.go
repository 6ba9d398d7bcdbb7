package profile

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/retail"
	"github.com/cvmkit/cvm/value"
)

// RetailFigures are a customer's value.RetailIndicators figures that need
// only the customer's own transactions: every indicator of
// value.RetailCatalog but the peer headroom (wallet_headroom and
// cross_buying_headroom, from the population) and gross_profit (the
// profile gives no margin). Volume is 0 when no transaction carries a
// quantity and Breadth when no purchase carries a product or category, as
// value computes them. The JSON names are the indicator IDs.
type RetailFigures struct {
	Revenue     float64 `json:"revenue"`
	Volume      float64 `json:"volume,omitempty"`
	AOV         float64 `json:"aov"`
	Frequency   float64 `json:"order_frequency"`
	Recency     float64 `json:"recency"`
	Tenure      float64 `json:"tenure"`
	Breadth     float64 `json:"breadth,omitempty"`
	ReturnShare float64 `json:"return_share"`
	Volatility  float64 `json:"volatility"`
	Regularity  float64 `json:"regularity"`
	GrowthTrend float64 `json:"growth_trend"`
}

func figuresOf(f *retail.Figures) RetailFigures {
	return RetailFigures{Revenue: f.Rev, Volume: f.Units, AOV: f.AOV, Frequency: f.Freq, Recency: f.Rec, Tenure: f.Ten,
		Breadth: f.Breadth, ReturnShare: f.RetShare, Volatility: f.Volat, Regularity: f.Reg, GrowthTrend: f.Growth}
}

// column returns the figure of indicator id of every customer, or false
// for an ID the figures do not hold.
func retailColumn(figs []RetailFigures, id string) ([]float64, bool) {
	var get func(*RetailFigures) float64
	switch id {
	case "revenue":
		get = func(r *RetailFigures) float64 { return r.Revenue }
	case "volume":
		get = func(r *RetailFigures) float64 { return r.Volume }
	case value.IndicatorAOV:
		get = func(r *RetailFigures) float64 { return r.AOV }
	case "order_frequency":
		get = func(r *RetailFigures) float64 { return r.Frequency }
	case "recency":
		get = func(r *RetailFigures) float64 { return r.Recency }
	case "tenure":
		get = func(r *RetailFigures) float64 { return r.Tenure }
	case value.IndicatorBreadth:
		get = func(r *RetailFigures) float64 { return r.Breadth }
	case value.IndicatorReturnShare:
		get = func(r *RetailFigures) float64 { return r.ReturnShare }
	case value.IndicatorVolatility:
		get = func(r *RetailFigures) float64 { return r.Volatility }
	case value.IndicatorRegularity:
		get = func(r *RetailFigures) float64 { return r.Regularity }
	case value.IndicatorGrowthTrend:
		get = func(r *RetailFigures) float64 { return r.GrowthTrend }
	default:
		return nil, false
	}
	col := make([]float64, len(figs))
	for i := range figs {
		col[i] = get(&figs[i])
	}
	return col, true
}

// retailPass is the retail part of derive: each customer's figures (in
// profile order) and what the rows up to the as-of carry.
type retailPass struct {
	figs        []RetailFigures
	returnsOnly []bool
	// quantity: some transaction has a non-zero quantity; items: some
	// purchase a product or category.
	quantity, items bool
	span            int64 // days from the earliest transaction to the as-of, inclusive
}

// walletsOf returns value.RetailIndicators' peer wallets of the figures:
// within each class bits.Len(order_frequency), the default quantile of
// revenue and of breadth (retail.Wallets, value's own).
func walletsOf(figs []RetailFigures) []Wallet {
	class := make([]retail.Class, len(figs))
	rev, br := make([]float64, len(figs)), make([]float64, len(figs))
	for i := range figs {
		class[i] = retail.ClassOf(figs[i].Frequency, "")
		rev[i], br[i] = figs[i].Revenue, figs[i].Breadth
	}
	wr := retail.Wallets(rev, class, retail.DefaultQuantile)
	wb := retail.Wallets(br, class, retail.DefaultQuantile)
	out := make([]Wallet, 0, len(wr))
	for c, v := range wr {
		out = append(out, Wallet{Class: c.Freq, Revenue: v, Breadth: wb[c]})
	}
	slices.SortFunc(out, func(a, b Wallet) int { return cmp.Compare(a.Class, b.Class) })
	return out
}

// retailOf returns what value.RetailIndicators returns on the stream of
// the customers ids (sorted) with figures figs: the catalog and omissions
// of a stream with (or without) the population's quantities and items, the
// peer headroom under the population's wallets and the recency Span + 1
// of a returns-only customer.
func (pop *Population) retailOf(ctx context.Context, ids []string, figs []RetailFigures, returnsOnly []bool) (*value.Retail, error) {
	// The catalog and the omissions: value's own, for a one-row stream with
	// a quantity and an item when the population has them.
	probe := cvm.Transaction{Customer: "probe", Time: pop.AsOf, Amount: 1}
	if pop.Quantity {
		probe.Quantity = 1
	}
	if pop.Items {
		probe.Product = "probe"
	}
	pr, err := value.RetailIndicators(ctx, func(yield func(cvm.Transaction) bool) { yield(probe) }, &value.RetailSettings{AsOf: pop.AsOf})
	if err != nil {
		return nil, err
	}
	wall := make(map[int]Wallet, len(pop.Wallets))
	for _, w := range pop.Wallets {
		wall[w.Class] = w
	}
	out := &value.Retail{Table: value.NewIndicatorTable(ids), Catalog: pr.Catalog, AsOf: pop.AsOf, Omitted: pr.Omitted, ReturnsOnly: returnsOnly}
	for _, id := range pr.Table.IDs {
		col, ok := retailColumn(figs, id)
		switch {
		case id == value.IndicatorWalletHeadroom || id == value.IndicatorCrossBuyingHeadroom:
			col = make([]float64, len(figs))
			for i := range figs {
				w, ok := wall[retail.ClassOf(figs[i].Frequency, "").Freq]
				if !ok {
					return nil, fmt.Errorf("profile: customer %q: no wallet for its peer class", ids[i])
				}
				if id == value.IndicatorWalletHeadroom {
					col[i] = retail.Headroom(w.Revenue, figs[i].Revenue)
				} else {
					col[i] = retail.Headroom(w.Breadth, figs[i].Breadth)
				}
			}
		case id == "recency":
			for i := range col {
				if returnsOnly[i] {
					col[i] = float64(pop.Span + 1)
				}
			}
		case !ok:
			return nil, fmt.Errorf("profile: retail indicator %q has no figure", id)
		}
		out.Table = out.Table.WithColumn(id, col)
	}
	return out, nil
}
