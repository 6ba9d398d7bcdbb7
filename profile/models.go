package profile

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/envelope"
	"github.com/cvmkit/cvm/lifecycle"
	"github.com/cvmkit/cvm/recovery"
	"github.com/cvmkit/cvm/segment"
	"github.com/cvmkit/cvm/value"
	"github.com/cvmkit/cvm/value/clv"
)

// Formats and versions of the profile package's JSON (the cvm envelope).
const (
	ModelsFormat  = "cvm.profile.models"
	ModelsVersion = 1
	FileFormat    = "cvm.profile.file"
	FileVersion   = 1
)

// Models are the fitted models of a Build: what the next period scores
// with (Apply, Update) so that its cells, forecasts and scores are
// comparable. Models are immutable once built and safe for concurrent
// use. They marshal to JSON in the cvm envelope (ModelsFormat), each
// model in its own package's envelope, and decode strictly with
// json.Unmarshal.
type Models struct {
	// Card records what the models were fitted on.
	Card *cvm.ModelCard
	// AsOf is the as-of of the fit and Customers the customers fitted on.
	AsOf      time.Time
	Customers int
	// RFM are the RFM breaks and Rules the segment map.
	RFM   *segment.Scorer
	Rules *segment.RuleSet
	// Clusters is the k-means cluster model; nil when there were too few
	// customers or clustering was off (then no profile has a cluster).
	Clusters *Clusters
	// Purchases (BG/NBD) and Spend (Gamma-Gamma) are the CLV models; nil
	// when the data could not fit them (too few repeat buyers), then no
	// profile has a forecast. CLVMonths is the CLV horizon (0 means 12).
	Purchases *clv.BGNBD
	Spend     *clv.GammaGamma
	CLVMonths int
	// Value is the value model: normalisation bounds, weights, cuts, and
	// Indicators where its input comes from.
	Value      *value.Model
	Indicators IndicatorSource
	// Lifecycle are the lifecycle rules and Recovery the recovery policy.
	Lifecycle lifecycle.Settings
	Recovery  recovery.Settings
}

type modelsJSON struct {
	envelope.Header
	AsOf       time.Time          `json:"as_of"`
	Customers  int                `json:"customers"`
	RFM        *segment.Scorer    `json:"rfm"`
	Rules      *segment.RuleSet   `json:"rules"`
	Clusters   *Clusters          `json:"clusters,omitempty"`
	Purchases  *clv.BGNBD         `json:"purchases,omitempty"`
	Spend      *clv.GammaGamma    `json:"spend,omitempty"`
	CLVMonths  int                `json:"clv_months,omitempty"`
	Value      *value.Model       `json:"value"`
	Indicators IndicatorSource    `json:"indicators"`
	Lifecycle  lifecycle.Settings `json:"lifecycle"`
	Recovery   recovery.Settings  `json:"recovery"`
}

// MarshalJSON encodes m in the cvm envelope.
func (m *Models) MarshalJSON() ([]byte, error) {
	return json.Marshal(modelsJSON{Header: envelope.New(ModelsFormat, ModelsVersion, m.Card), AsOf: m.AsOf, Customers: m.Customers,
		RFM: m.RFM, Rules: m.Rules, Clusters: m.Clusters, Purchases: m.Purchases, Spend: m.Spend, CLVMonths: m.CLVMonths, Value: m.Value, Indicators: m.Indicators, Lifecycle: m.Lifecycle, Recovery: m.Recovery})
}

// UnmarshalJSON decodes what MarshalJSON writes. It returns a
// *cvm.FormatError for another format or version, and an error naming an
// unknown field, trailing data, a missing RFM, rules or value model, or a
// spend model without a purchase model.
func (m *Models) UnmarshalJSON(data []byte) error {
	var v modelsJSON
	if err := envelope.Decode("profile", data, ModelsFormat, ModelsVersion, &v); err != nil {
		return err
	}
	switch {
	case v.RFM == nil:
		return fmt.Errorf("profile: decoding %s: no rfm", ModelsFormat)
	case v.Rules == nil:
		return fmt.Errorf("profile: decoding %s: no rules", ModelsFormat)
	case v.Value == nil:
		return fmt.Errorf("profile: decoding %s: no value model", ModelsFormat)
	case (v.Purchases == nil) != (v.Spend == nil):
		return fmt.Errorf("profile: decoding %s: purchases and spend models must come together", ModelsFormat)
	case v.Clusters != nil && (v.Clusters.Scale == nil || v.Clusters.Model == nil || v.Clusters.Model.D != 3 || len(v.Clusters.Scale.Mean) != 3):
		return fmt.Errorf("profile: decoding %s: clusters want a scale and a model of 3 features", ModelsFormat)
	case v.Customers < 0 || v.CLVMonths < 0:
		return fmt.Errorf("profile: decoding %s: negative customers or clv_months", ModelsFormat)
	}
	if err := v.Lifecycle.Validate(); err != nil {
		return fmt.Errorf("profile: decoding %s: %w", ModelsFormat, err)
	}
	*m = Models{Card: v.Card, AsOf: v.AsOf, Customers: v.Customers, RFM: v.RFM, Rules: v.Rules, Clusters: v.Clusters, Purchases: v.Purchases, Spend: v.Spend,
		CLVMonths: v.CLVMonths, Value: v.Value, Indicators: v.Indicators, Lifecycle: v.Lifecycle, Recovery: v.Recovery}
	return nil
}

// The refit rule: models are due to be refitted when at least
// RefitNewShare of the profiles are customers whose first purchase is
// after the models' as-of (customers the breaks and parameters never
// saw), or when the file's as-of is RefitAge or more after the models'
// (RFM breaks and the value model's bounds age with the base).
const (
	RefitNewShare = 0.2
	RefitAge      = 90 * 24 * time.Hour
)

// Refit says whether a file's models are due to be refitted, and why.
type Refit struct {
	// Due says the models should be refitted; Reason then says why (the
	// first rule met: new customers before age), and is empty otherwise.
	Due bool `json:"due"`
	// NewCustomers are the profiles whose first purchase is after the
	// models' as-of (or who have none), Share their share of the profiles.
	NewCustomers int     `json:"new_customers"`
	Share        float64 `json:"share"`
	// Age is the file's as-of minus the models'.
	Age    time.Duration `json:"age"`
	Reason string        `json:"reason,omitempty"`
}

func (m *Models) refit(f *File) Refit {
	var r Refit
	for i := range f.Profiles {
		if s := &f.Profiles[i].Summary; s.Occasions == 0 || s.First.After(m.AsOf) {
			r.NewCustomers++
		}
	}
	if len(f.Profiles) > 0 {
		r.Share = float64(r.NewCustomers) / float64(len(f.Profiles))
	}
	r.Age = f.AsOf.Sub(m.AsOf)
	switch {
	case r.Share >= RefitNewShare && f.AsOf.After(m.AsOf):
		r.Due, r.Reason = true, fmt.Sprintf("%.0f%% of the customers are new since the fit (refit at %.0f%%)", 100*r.Share, 100*RefitNewShare)
	case r.Age >= RefitAge:
		r.Due, r.Reason = true, fmt.Sprintf("the models are %.0f days old (refit at %.0f)", r.Age.Hours()/24, RefitAge.Hours()/24)
	}
	return r
}

type fileJSON struct {
	envelope.Header
	AsOf     time.Time `json:"as_of"`
	Models   *Models   `json:"models"`
	Refit    Refit     `json:"refit"`
	Notes    []string  `json:"notes,omitempty"`
	Profiles []Profile `json:"profiles"`
}

// MarshalJSON encodes the file in the cvm envelope (FileFormat): the
// profiles, the models, the refit status and the notes. The recovery book
// is not written: it is rebuilt from the profiles on decoding.
func (f *File) MarshalJSON() ([]byte, error) {
	return json.Marshal(fileJSON{Header: envelope.New(FileFormat, FileVersion, nil), AsOf: f.AsOf, Models: f.Models, Refit: f.Refit, Notes: f.Notes, Profiles: f.Profiles})
}

// UnmarshalJSON decodes what MarshalJSON writes and rebuilds the
// recovery book and, for SummaryIndicators, the value model's input
// (File.Explain; the retail indicators are not in the file). Profiles out of ID order or
// repeated, or without models, are an error.
func (f *File) UnmarshalJSON(data []byte) error {
	var v fileJSON
	if err := envelope.Decode("profile", data, FileFormat, FileVersion, &v); err != nil {
		return err
	}
	if v.Models == nil {
		return fmt.Errorf("profile: decoding %s: no models", FileFormat)
	}
	for i := 1; i < len(v.Profiles); i++ {
		if v.Profiles[i-1].Customer >= v.Profiles[i].Customer {
			return fmt.Errorf("profile: decoding %s: profile %d (%q) out of customer order", FileFormat, i, v.Profiles[i].Customer)
		}
	}
	g := &File{AsOf: v.AsOf, Profiles: v.Profiles, Models: v.Models, Refit: v.Refit, Notes: v.Notes}
	crm, err := g.crmIDs()
	if err != nil {
		return err
	}
	if v.Models.Indicators == SummaryIndicators {
		g.table = g.indicators(crm)
	}
	if v.Models.Indicators == SummaryIndicators && v.Models.Purchases != nil {
		g.table = g.withForecasts(g.table)
	}
	rm, err := recovery.New(&v.Models.Recovery)
	if err != nil {
		return fmt.Errorf("profile: decoding %s: %w", FileFormat, err)
	}
	rcs := make([]recovery.Customer, len(g.Profiles))
	for i := range g.Profiles {
		rcs[i] = g.Profiles[i].Recovery
	}
	if g.Book, err = rm.Build(contextBackground(), rcs, &recovery.BuildSettings{AsOf: g.AsOf}); err != nil {
		return fmt.Errorf("profile: decoding %s: %w", FileFormat, err)
	}
	*f = *g
	return nil
}

// column returns a forecast column: NaN for a profile without one.
func (f *File) column(fn func(p *Profile) float64) []float64 {
	out := make([]float64, len(f.Profiles))
	for i := range f.Profiles {
		if f.Profiles[i].CLV.OK {
			out[i] = fn(&f.Profiles[i])
		} else {
			out[i] = nan
		}
	}
	return out
}
