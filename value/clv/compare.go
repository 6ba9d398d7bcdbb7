package clv

import (
	"context"
	"fmt"
	"iter"
	"math"
	"slices"
	"time"

	"github.com/cvmkit/cvm"
)

// CompareSettings configures Compare. A nil *CompareSettings means the
// zero value.
type CompareSettings struct {
	// Fit configures every fit (Penalizer, MaxIterations); its Source and
	// Init are ignored (the Dataset is the source; each model starts at
	// its default).
	Fit FitSettings
	// MaxFrequency is the last bin, "this many or more", of the
	// period-transactions check; 0 means 7.
	MaxFrequency int
	// Covariates, when not nil, adds BG/NBD and Pareto/NBD with these
	// covariates (aligned with the Dataset's Customers), each tested
	// against its plain model by a likelihood-ratio test.
	Covariates *Covariates
	// Transactions, when not nil, is the stream the Dataset was prepared
	// from, read for the Wheat-Morrison regularity check
	// (EstimateRegularity, with Location) when the Dataset has no
	// Regularity of its own (one Prepare did not make, or one with fewer
	// than two customers of three occasions). A Dataset with a Regularity
	// needs no Transactions.
	Transactions iter.Seq[cvm.Transaction]
	// Location is the calendar of the Transactions' purchase days, as
	// PrepareSettings.Location; nil means UTC.
	Location *time.Location
}

// ModelScore is one model's line of a Comparison.
type ModelScore struct {
	Name          string        `json:"name"` // bgnbd, mbgnbd, pareto, bgnbd+cov, pareto+cov
	Model         PurchaseModel `json:"-"`    // the fitted model (for +cov, the model at z = 0); nil if the fit failed
	Params        int           `json:"params"`
	LogLikelihood float64       `json:"log_likelihood"`
	AIC           float64       `json:"aic"`
	BIC           float64       `json:"bic"`
	// HoldoutMAE and HoldoutBias are the mean absolute error and the mean
	// error (predicted minus actual) of the expected holdout purchases
	// per customer; zero without a holdout period.
	HoldoutMAE  float64 `json:"holdout_mae"`
	HoldoutBias float64 `json:"holdout_bias"`
	// ChiSquare and ChiSquareP are the period-transactions check's
	// statistic and p-value (PeriodTransactions); zero for covariate
	// models, whose customers have parameters of their own.
	ChiSquare  float64 `json:"chi_square"`
	ChiSquareP float64 `json:"chi_square_p"`
	Error      string  `json:"error,omitempty"` // why the fit failed
}

// NestedTest is a likelihood-ratio test between two compared models, the
// restricted one nested in the full one.
type NestedTest struct {
	Restricted string `json:"restricted"`
	Full       string `json:"full"`
	LRTest
}

// Comparison is the result of Compare: every applicable model's score,
// the likelihood-ratio tests where models nest, the assumption checks'
// warnings, and the recommendation with its reason.
type Comparison struct {
	Models    []ModelScore `json:"models"`
	Tests     []NestedTest `json:"tests"`
	Warnings  []Warning    `json:"warnings"`
	Holdout   bool         `json:"holdout"` // the Dataset had a holdout period
	Recommend string       `json:"recommend"`
	Reason    string       `json:"reason"`
}

// Compare fits every applicable purchase model to the calibration period
// of ds (BG/NBD, MBG/NBD and Pareto/NBD; with s.Covariates also their
// covariate versions; BG/BB needs discrete-period data and is not
// applicable to a Dataset), scores each on the holdout period (the mean
// absolute error of the expected holdout purchases per customer) and by
// the period-transactions chi-square, lists the log-likelihood, AIC and
// BIC, and recommends one:
//
//   - with a holdout period, the model with the lowest holdout error
//     (forecasting is what the models are for), unless a model with
//     fewer parameters is within 1% of it;
//   - without one, the model with the lowest BIC.
//
// BG/NBD and MBG/NBD are not nested (neither is a special case of the
// other), nor are they nested with Pareto/NBD, so the likelihood-ratio
// test is reported only for a covariate model against its plain one. The
// warnings are the purchase-data checks (CheckPurchaseData) and the
// regularity check: ds.Regularity, else EstimateRegularity of
// s.Transactions when given. A model whose fit fails is listed with its
// Error and never recommended.
// It returns ErrEmptyInput for a Dataset without customers, an error
// wrapping ErrNotConverged when no model fits, and ctx.Err() when ctx is
// done first.
func Compare(ctx context.Context, ds *Dataset, s *CompareSettings) (*Comparison, error) {
	var set CompareSettings
	if s != nil {
		set = *s
	}
	if set.MaxFrequency <= 0 {
		set.MaxFrequency = 7
	}
	cs := ds.Customers
	if len(cs) == 0 {
		return nil, ErrEmptyInput
	}
	fs := set.Fit
	fs.Source, fs.Init = ds, nil
	out := &Comparison{Holdout: ds.Holdout != nil, Warnings: purchaseWarnings(cs)}
	switch {
	case ds.Regularity != nil:
		// Prepare's, in its Location, from its one pass.
		out.Warnings = append(out.Warnings, ds.Regularity.Warning()...)
	case set.Transactions != nil:
		reg, err := EstimateRegularity(ctx, set.Transactions, ds.CalibrationEnd, set.Location)
		switch {
		case err == nil:
			out.Warnings = append(out.Warnings, reg.Warning()...)
		case ctx.Err() != nil:
			return nil, ctx.Err()
		}
	}
	score := func(name string, m PurchaseModel, info FitInfo, err error, k int, period bool) {
		sc := ModelScore{Name: name, Params: k}
		if err != nil {
			sc.Error = err.Error()
			out.Models = append(out.Models, sc)
			return
		}
		sc.Model, sc.LogLikelihood, sc.AIC, sc.BIC = m, info.LogLikelihood, info.AIC, info.BIC
		if period {
			if pc, err := PeriodTransactions(m, cs, set.MaxFrequency); err == nil {
				sc.ChiSquare, sc.ChiSquareP = pc.ChiSquare, pc.PValue
			}
			if ds.Holdout != nil {
				mae, bias, ok := holdoutError(m, cs, ds.Holdout, ds.HoldoutLength)
				if !ok {
					sc.Model, sc.Error = nil, "holdout forecast failed"
				}
				sc.HoldoutMAE, sc.HoldoutBias = mae, bias
			}
		}
		out.Models = append(out.Models, sc)
	}
	bg, err := FitBGNBD(ctx, cs, &fs)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	score("bgnbd", bg, infoOf(bg, err), err, 4, true)
	mbg, err := FitMBGNBD(ctx, cs, &fs)
	score("mbgnbd", mbg, infoOf(mbg, err), err, 4, true)
	pa, err := FitParetoNBD(ctx, cs, &fs)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	score("pareto", pa, infoOf(pa, err), err, 4, true)
	if z := set.Covariates; z != nil {
		k := 4 + 2*len(z.Names)
		bc, err := FitBGNBDCovariates(ctx, cs, *z, &fs)
		if err == nil {
			score("bgnbd+cov", bc.Base, bc.Info, nil, k, false)
			out.Tests = append(out.Tests, NestedTest{"bgnbd", "bgnbd+cov", bc.LR})
			holdoutCov(out, ds, func(i int) PurchaseModel { return bc.For(z.Values[i]) })
		} else {
			score("bgnbd+cov", nil, FitInfo{}, err, k, false)
		}
		pc, err := FitParetoNBDCovariates(ctx, cs, *z, &fs)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err == nil {
			score("pareto+cov", pc.Base, pc.Info, nil, k, false)
			out.Tests = append(out.Tests, NestedTest{"pareto", "pareto+cov", pc.LR})
			holdoutCov(out, ds, func(i int) PurchaseModel { return pc.For(z.Values[i]) })
		} else {
			score("pareto+cov", nil, FitInfo{}, err, k, false)
		}
	}
	if err := out.recommend(); err != nil {
		return nil, err
	}
	return out, nil
}

// infoOf returns the fit information of a fitted model, zero on error.
func infoOf(m PurchaseModel, err error) FitInfo {
	if err != nil {
		return FitInfo{}
	}
	switch m := m.(type) {
	case *BGNBD:
		return m.Info
	case *ParetoNBD:
		return m.Info
	}
	return FitInfo{}
}

// holdoutCov sets the holdout error of the last model, a covariate model
// whose customer i has the model of(i).
func holdoutCov(out *Comparison, ds *Dataset, of func(i int) PurchaseModel) {
	if ds.Holdout == nil {
		return
	}
	sc := &out.Models[len(out.Models)-1]
	var sa, sb float64
	for i, c := range ds.Customers {
		m := of(i)
		p, err := m.ConditionalExpectedPurchases(ds.HoldoutLength, c)
		if err != nil {
			sc.Model, sc.Error = nil, "holdout forecast failed: "+err.Error()
			return
		}
		d := p - float64(ds.Holdout[i].Purchases)
		sa += math.Abs(d)
		sb += d
	}
	n := float64(len(ds.Customers))
	sc.HoldoutMAE, sc.HoldoutBias = sa/n, sb/n
}

func (c *Comparison) recommend() error {
	var ok []int
	for i, m := range c.Models {
		if m.Model != nil {
			ok = append(ok, i)
		}
	}
	if len(ok) == 0 {
		return fmt.Errorf("%w: no model could be fitted", ErrNotConverged)
	}
	key := func(i int) float64 {
		if c.Holdout {
			return c.Models[i].HoldoutMAE
		}
		return c.Models[i].BIC
	}
	slices.SortStableFunc(ok, func(a, b int) int {
		switch ka, kb := key(a), key(b); {
		case ka < kb:
			return -1
		case ka > kb:
			return 1
		}
		return 0
	})
	best := ok[0]
	if c.Holdout {
		// A simpler model within 1% of the best error is preferred.
		for _, i := range ok[1:] {
			if c.Models[i].Params < c.Models[best].Params && key(i) <= 1.01*key(ok[0]) {
				best = i
			}
		}
	}
	b := c.Models[best]
	c.Recommend = b.Name
	switch {
	case c.Holdout && best != ok[0]:
		c.Reason = fmt.Sprintf("holdout error %.4f per customer, within 1%% of the lowest (%s, %.4f), with fewer parameters (%d against %d)",
			b.HoldoutMAE, c.Models[ok[0]].Name, c.Models[ok[0]].HoldoutMAE, b.Params, c.Models[ok[0]].Params)
	case c.Holdout && len(ok) > 1:
		c.Reason = fmt.Sprintf("lowest holdout error: %.4f purchases per customer against %.4f for %s (the runner-up); BIC %.1f",
			b.HoldoutMAE, c.Models[ok[1]].HoldoutMAE, c.Models[ok[1]].Name, b.BIC)
	case len(ok) > 1:
		c.Reason = fmt.Sprintf("no holdout period, so the lowest BIC: %.1f against %.1f for %s (the runner-up)",
			b.BIC, c.Models[ok[1]].BIC, c.Models[ok[1]].Name)
	default:
		c.Reason = "the only model that could be fitted"
	}
	return nil
}
