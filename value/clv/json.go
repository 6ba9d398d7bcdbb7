package clv

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/cvmkit/cvm/internal/envelope"
	"github.com/cvmkit/cvm/internal/num"
)

// The formats of the fitted models' JSON envelopes, {"format": ...,
// "version": FormatVersion, "card": {...}, parameters..., "info": {...}}.
const (
	BGNBDFormat      = "cvm.clv.bgnbd"      // a BGNBD with Modified false
	MBGNBDFormat     = "cvm.clv.mbgnbd"     // a BGNBD with Modified true
	ParetoNBDFormat  = "cvm.clv.paretonbd"  // a ParetoNBD
	GammaGammaFormat = "cvm.clv.gammagamma" // a GammaGamma
	BGBBFormat       = "cvm.clv.bgbb"       // a BGBB
)

// FormatVersion is the version of every clv model format. Decoding
// rejects any other version with a *cvm.FormatError. Version 1, before the
// common envelope, had "format_version" and "model" fields instead.
const FormatVersion = 2

// formatError is a decoding error that errors.Is matches to ErrFormat
// while keeping the decoder's message, and errors.As to a
// *cvm.FormatError when the format or version differs.
type formatError struct{ err error }

// Error returns the decoder's message.
func (e *formatError) Error() string { return e.err.Error() }

// Unwrap returns the decoder's error and ErrFormat.
func (e *formatError) Unwrap() []error { return []error{e.err, ErrFormat} }

// decode decodes the envelope data of format into v strictly, then checks
// the fit information against the k parameters of the model and the card.
func decode(data []byte, format string, v any, h *envelope.Header, info *FitInfo, k int) error {
	if err := envelope.Decode("clv", data, format, FormatVersion, v); err != nil {
		return &formatError{err}
	}
	if err := checkInfo(info, k); err != nil {
		return &formatError{fmt.Errorf("clv: decoding %s: info: %w", format, err)}
	}
	if h.Card != nil && h.Card.Customers < 0 {
		return &formatError{fmt.Errorf("clv: decoding %s: card: customers %d is negative", format, h.Card.Customers)}
	}
	return nil
}

// checkInfo checks decoded fit information: counts non-negative,
// standard errors absent or one positive finite value per parameter.
func checkInfo(in *FitInfo, k int) error {
	switch {
	case !(in.Customers >= 0) || math.IsInf(in.Customers, 0):
		return fmt.Errorf("customers %v is not a finite non-negative number", in.Customers)
	case in.Rows < 0:
		return fmt.Errorf("rows %d is negative", in.Rows)
	case in.Iterations < 0:
		return fmt.Errorf("iterations %d is negative", in.Iterations)
	case in.Evaluations < 0:
		return fmt.Errorf("evaluations %d is negative", in.Evaluations)
	case !(in.Penalizer >= 0):
		return fmt.Errorf("penalizer %v is negative", in.Penalizer)
	case in.StdErr != nil && len(in.StdErr) != k:
		return fmt.Errorf("%d standard errors for %d parameters", len(in.StdErr), k)
	}
	for i, v := range in.StdErr {
		if !(v > 0) || !num.Finite(v) {
			return fmt.Errorf("standard error %d = %v is not positive", i, v)
		}
	}
	return nil
}

// param ties a parameter's JSON name and decoded value to its field.
type param struct {
	name string
	src  *float64 // nil when missing from the JSON
	dst  *float64
}

// fill copies every parameter into its field of the model m, then checks
// m. It returns an error wrapping ErrFormat naming the first parameter
// missing, or m's *ParamError.
func fill(format string, m interface{ check() error }, ps ...param) error {
	for _, p := range ps {
		if p.src == nil {
			return &formatError{fmt.Errorf("clv: decoding %s: missing parameter %q", format, p.name)}
		}
		*p.dst = *p.src
	}
	return m.check()
}

func ptr(v float64) *float64 { return &v }

// bgJSON is the JSON form of BG/NBD and MBG/NBD.
type bgJSON struct {
	envelope.Header
	R     *float64 `json:"r"`
	Alpha *float64 `json:"alpha"`
	A     *float64 `json:"a"`
	B     *float64 `json:"b"`
	Info  FitInfo  `json:"info"`
}

// Format returns BGNBDFormat, or MBGNBDFormat for an MBG/NBD model.
func (m *BGNBD) Format() string {
	if m.Modified {
		return MBGNBDFormat
	}
	return BGNBDFormat
}

// MarshalJSON encodes m in its envelope, {"format":"cvm.clv.bgnbd" or
// "cvm.clv.mbgnbd","version":2,"card":{...},"r":…,"alpha":…,"a":…,"b":…,
// "info":{…}}; the card is left out for a model built by hand. Floats are
// written in the shortest form that reads back to the same value, so a
// round trip is exact.
func (m *BGNBD) MarshalJSON() ([]byte, error) {
	return json.Marshal(bgJSON{Header: envelope.New(m.Format(), FormatVersion, m.Card),
		R: ptr(m.R), Alpha: ptr(m.Alpha), A: ptr(m.A), B: ptr(m.B), Info: m.Info})
}

// UnmarshalJSON decodes what MarshalJSON writes, either format. It returns
// a *cvm.FormatError for another format or version, an error wrapping
// ErrFormat for malformed JSON, an unknown field (named), a missing
// parameter or inconsistent fit information, and a *ParamError for a
// parameter that is not positive and finite. On error m is unchanged.
func (m *BGNBD) UnmarshalJSON(data []byte) error {
	var peek struct {
		Format string `json:"format"`
	}
	format := BGNBDFormat
	if json.Unmarshal(data, &peek) == nil && peek.Format == MBGNBDFormat {
		format = MBGNBDFormat
	}
	var j bgJSON
	if err := decode(data, format, &j, &j.Header, &j.Info, len(bgNames)); err != nil {
		return err
	}
	v := BGNBD{Modified: format == MBGNBDFormat, Info: j.Info, Card: j.Card}
	if err := fill(format, &v, param{"r", j.R, &v.R}, param{"alpha", j.Alpha, &v.Alpha}, param{"a", j.A, &v.A}, param{"b", j.B, &v.B}); err != nil {
		return err
	}
	*m = v
	return nil
}

// paretoJSON is the JSON form of Pareto/NBD.
type paretoJSON struct {
	envelope.Header
	R     *float64 `json:"r"`
	Alpha *float64 `json:"alpha"`
	S     *float64 `json:"s"`
	Beta  *float64 `json:"beta"`
	Info  FitInfo  `json:"info"`
}

// Format returns ParetoNBDFormat.
func (m *ParetoNBD) Format() string { return ParetoNBDFormat }

// MarshalJSON encodes m as {"format":"cvm.clv.paretonbd","version":2,
// "card":{...},"r":…,"alpha":…,"s":…,"beta":…,"info":{…}}; see
// BGNBD.MarshalJSON.
func (m *ParetoNBD) MarshalJSON() ([]byte, error) {
	return json.Marshal(paretoJSON{Header: envelope.New(ParetoNBDFormat, FormatVersion, m.Card),
		R: ptr(m.R), Alpha: ptr(m.Alpha), S: ptr(m.S), Beta: ptr(m.Beta), Info: m.Info})
}

// UnmarshalJSON decodes what MarshalJSON writes; errors are as for
// BGNBD.UnmarshalJSON.
func (m *ParetoNBD) UnmarshalJSON(data []byte) error {
	var j paretoJSON
	if err := decode(data, ParetoNBDFormat, &j, &j.Header, &j.Info, len(paretoNames)); err != nil {
		return err
	}
	v := ParetoNBD{Info: j.Info, Card: j.Card}
	if err := fill(ParetoNBDFormat, &v, param{"r", j.R, &v.R}, param{"alpha", j.Alpha, &v.Alpha}, param{"s", j.S, &v.S}, param{"beta", j.Beta, &v.Beta}); err != nil {
		return err
	}
	*m = v
	return nil
}

// ggJSON is the JSON form of Gamma-Gamma.
type ggJSON struct {
	envelope.Header
	P           *float64 `json:"p"`
	Q           *float64 `json:"q"`
	Gamma       *float64 `json:"gamma"`
	Correlation float64  `json:"correlation"`
	Info        FitInfo  `json:"info"`
}

// Format returns GammaGammaFormat.
func (m *GammaGamma) Format() string { return GammaGammaFormat }

// MarshalJSON encodes m as {"format":"cvm.clv.gammagamma","version":2,
// "card":{...},"p":…,"q":…,"gamma":…,"correlation":…,"info":{…}}; see
// BGNBD.MarshalJSON.
func (m *GammaGamma) MarshalJSON() ([]byte, error) {
	return json.Marshal(ggJSON{Header: envelope.New(GammaGammaFormat, FormatVersion, m.Card),
		P: ptr(m.P), Q: ptr(m.Q), Gamma: ptr(m.Gamma), Correlation: m.Correlation, Info: m.Info})
}

// UnmarshalJSON decodes what MarshalJSON writes; errors are as for
// BGNBD.UnmarshalJSON, and a correlation outside [-1, 1] wraps ErrFormat.
func (m *GammaGamma) UnmarshalJSON(data []byte) error {
	var j ggJSON
	if err := decode(data, GammaGammaFormat, &j, &j.Header, &j.Info, len(ggNames)); err != nil {
		return err
	}
	if !(j.Correlation >= -1 && j.Correlation <= 1) {
		return &formatError{fmt.Errorf("clv: decoding %s: correlation %v outside [-1, 1]", GammaGammaFormat, j.Correlation)}
	}
	v := GammaGamma{Correlation: j.Correlation, Info: j.Info, Card: j.Card}
	if err := fill(GammaGammaFormat, &v, param{"p", j.P, &v.P}, param{"q", j.Q, &v.Q}, param{"gamma", j.Gamma, &v.Gamma}); err != nil {
		return err
	}
	*m = v
	return nil
}

// bgbbJSON is the JSON form of BG/BB.
type bgbbJSON struct {
	envelope.Header
	Alpha *float64 `json:"alpha"`
	Beta  *float64 `json:"beta"`
	Gamma *float64 `json:"gamma"`
	Delta *float64 `json:"delta"`
	Info  FitInfo  `json:"info"`
}

// Format returns BGBBFormat.
func (m *BGBB) Format() string { return BGBBFormat }

// MarshalJSON encodes m as {"format":"cvm.clv.bgbb","version":2,
// "card":{...},"alpha":…,"beta":…,"gamma":…,"delta":…,"info":{…}}; see
// BGNBD.MarshalJSON.
func (m *BGBB) MarshalJSON() ([]byte, error) {
	return json.Marshal(bgbbJSON{Header: envelope.New(BGBBFormat, FormatVersion, m.Card),
		Alpha: ptr(m.Alpha), Beta: ptr(m.Beta), Gamma: ptr(m.Gamma), Delta: ptr(m.Delta), Info: m.Info})
}

// UnmarshalJSON decodes what MarshalJSON writes; errors are as for
// BGNBD.UnmarshalJSON.
func (m *BGBB) UnmarshalJSON(data []byte) error {
	var j bgbbJSON
	if err := decode(data, BGBBFormat, &j, &j.Header, &j.Info, len(bgbbNames)); err != nil {
		return err
	}
	v := BGBB{Info: j.Info, Card: j.Card}
	if err := fill(BGBBFormat, &v, param{"alpha", j.Alpha, &v.Alpha}, param{"beta", j.Beta, &v.Beta}, param{"gamma", j.Gamma, &v.Gamma}, param{"delta", j.Delta, &v.Delta}); err != nil {
		return err
	}
	*m = v
	return nil
}
