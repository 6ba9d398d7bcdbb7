package clv

import (
	"math"
	"slices"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/num"
)

// DiscountConvention is the discounting convention of [CLV], recorded in
// every fitted model's card: cash flows are discounted month by month at
// the monthly equivalent of an annual rate, [DefaultAnnualDiscount]
// unless [CLVSettings] says otherwise.
const DiscountConvention = "monthly at (1+annual)^(1/12)-1; default annual 0.10"

// newCard returns the model card of a fit of cs: the data's periods and
// unit from set.Source when given, the number of customers the fit used,
// the fingerprint of cs and the quality figures of info.
func newCard(cs []Customer, set FitSettings, info FitInfo) *cvm.ModelCard {
	return cardOf(Fingerprint(cs), set, info)
}

// cardOf is newCard with the fingerprint given.
func cardOf(fingerprint string, set FitSettings, info FitInfo) *cvm.ModelCard {
	card := cvm.NewModelCard()
	if src := set.Source; src != nil {
		card.AsOf = src.CalibrationEnd
		card.CalibrationStart = src.CalibrationStart
		card.CalibrationEnd = src.CalibrationEnd
		card.HoldoutEnd = src.HoldoutEnd
		card.TimeUnit = src.Unit.String()
	}
	card.Discount = DiscountConvention
	card.Customers = int(info.Customers)
	card.Fingerprint = fingerprint
	card.SetQuality("log_likelihood", info.LogLikelihood)
	card.SetQuality("aic", info.AIC)
	card.SetQuality("bic", info.BIC)
	return &card
}

// purchaseCard is newCard for a purchase model m, with the holdout error
// of m's forecasts when set.Source has a holdout period.
func purchaseCard(m PurchaseModel, cs []Customer, set FitSettings, info FitInfo) *cvm.ModelCard {
	card := newCard(cs, set, info)
	if src := set.Source; src != nil && src.Holdout != nil {
		if mae, bias, ok := holdoutError(m, cs, src.Holdout, src.HoldoutLength); ok {
			card.SetQuality("holdout_mae", mae)
			card.SetQuality("holdout_bias", bias)
		}
	}
	return card
}

// holdoutError returns the mean absolute error and the mean error
// (predicted minus actual) of m's expected holdout purchases per
// customer; ok is false when a forecast fails.
func holdoutError(m PurchaseModel, cs []Customer, hold []HoldoutCustomer, length float64) (mae, bias float64, ok bool) {
	if len(cs) == 0 {
		return 0, 0, false
	}
	pred, err := PredictPurchases(nil, m, length, cs)
	if err != nil {
		return 0, 0, false
	}
	var sa, ca, sb, cb float64
	for i, p := range pred {
		d := p - float64(hold[i].Purchases)
		sa, ca = num.AddNeumaier(sa, ca, math.Abs(d))
		sb, cb = num.AddNeumaier(sb, cb, d)
	}
	n := float64(len(cs))
	return (sa + ca) / n, (sb + cb) / n, true
}

// Fingerprint returns the [cvm.Fingerprint] of a customer base: of the
// number of customers and the sums of Frequency, Recency, T and the
// MeanSpend of repeat buyers (non-finite spends left out). The sums are
// taken in sorted order, so the fingerprint does not depend on the order
// of cs. Every model fitted on the same customers carries the same
// fingerprint in its card. Empty cs has the fingerprint of five zeros.
func Fingerprint(cs []Customer) string {
	var sx, cx, st, ct, sT, cT float64
	for _, r := range Compress(cs) {
		sx, cx = num.AddNeumaier(sx, cx, r.Count*r.Frequency)
		st, ct = num.AddNeumaier(st, ct, r.Count*r.Recency)
		sT, cT = num.AddNeumaier(sT, cT, r.Count*r.T)
	}
	spend := make([]float64, 0, len(cs))
	for _, c := range cs {
		if c.Frequency > 0 && num.Finite(c.MeanSpend) {
			spend = append(spend, c.MeanSpend)
		}
	}
	slices.Sort(spend)
	var ss, cs2 float64
	for _, v := range spend {
		ss, cs2 = num.AddNeumaier(ss, cs2, v)
	}
	return cvm.Fingerprint(float64(len(cs)), sx+cx, st+ct, sT+cT, ss+cs2)
}
