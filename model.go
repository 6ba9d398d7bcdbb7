package cvm

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"time"

	"github.com/cvmkit/cvm/internal/num"
)

// Version is the version of this library, recorded in every model card so
// that a model file says which code fitted it.
const Version = "0.2.0"

// FormatError reports a model file of another format or version than the
// decoder reads. Every decoder of the library returns it (wrapped or as
// itself) when the "format" or "version" field of a JSON envelope does not
// match, so errors.As finds it whatever the package.
type FormatError struct {
	Format, WantFormat   string // format found in the input, and the one expected
	Version, WantVersion int    // version found in the input, and the one expected
}

// Error names the format and version found and the ones expected.
func (e *FormatError) Error() string {
	if e.Format != e.WantFormat {
		return fmt.Sprintf("cvm: model format %q version %d, want %q version %d",
			e.Format, e.Version, e.WantFormat, e.WantVersion)
	}
	return fmt.Sprintf("cvm: %s version %d, want version %d", e.Format, e.Version, e.WantVersion)
}

// ModelCard says where a fitted model came from: which library fitted it,
// on which periods and data, and how well. It holds no customer data. Every
// fitted model's JSON envelope carries one under "card"; fields that do not
// apply to a model are left zero and omitted from the JSON.
type ModelCard struct {
	// Library is the cvm [Version] that fitted the model.
	Library string `json:"library,omitempty"`
	// AsOf is the analysis time the model was fitted as of.
	AsOf time.Time `json:"as_of,omitzero"`
	// CalibrationStart and CalibrationEnd bound the calibration period;
	// HoldoutEnd ends the holdout period, if any.
	CalibrationStart time.Time `json:"calibration_start,omitzero"`
	CalibrationEnd   time.Time `json:"calibration_end,omitzero"`
	HoldoutEnd       time.Time `json:"holdout_end,omitzero"`
	// TimeUnit names the unit of the model's time parameters ("day",
	// "week"), and Discount the discounting convention, where they apply.
	TimeUnit string `json:"time_unit,omitempty"`
	Discount string `json:"discount,omitempty"`
	// Customers is the number of customers the model was fitted on.
	Customers int `json:"customers,omitempty"`
	// Fingerprint identifies the fitted data: a hash of the inputs'
	// summary (see [Fingerprint]), never the data itself.
	Fingerprint string `json:"fingerprint,omitempty"`
	// Quality holds the fit's quality figures by name, for example
	// "log_likelihood" or "holdout_mae". Non-finite values are left out.
	Quality map[string]float64 `json:"quality,omitempty"`
}

// NewModelCard returns a card with Library set to [Version].
func NewModelCard() ModelCard { return ModelCard{Library: Version} }

// SetQuality records a quality figure; a NaN or infinite value is not
// recorded, so the card always encodes as valid JSON.
func (c *ModelCard) SetQuality(name string, v float64) {
	if !num.Finite(v) {
		return
	}
	if c.Quality == nil {
		c.Quality = make(map[string]float64)
	}
	c.Quality[name] = v
}

// Fingerprint returns a short hexadecimal SHA-256 of the given numbers, in
// order: the figures that summarise what a model was fitted on (counts,
// totals, sums of the model's inputs). Equal inputs give equal
// fingerprints; the numbers cannot be recovered from it.
func Fingerprint(figures ...float64) string {
	h := sha256.New()
	var b [8]byte
	for _, v := range figures {
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(v))
		h.Write(b[:])
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}
