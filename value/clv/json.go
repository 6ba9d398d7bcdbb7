package clv

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
)

// FormatVersion is the version of the JSON form of the fitted models,
// written as "format_version". Decoding rejects any other version.
const FormatVersion = 1

// modelJSON is the JSON form shared by all models; only the parameters of
// the named model are set.
type modelJSON struct {
	FormatVersion int      `json:"format_version"`
	Model         string   `json:"model"`
	R             *float64 `json:"r,omitempty"`
	Alpha         *float64 `json:"alpha,omitempty"`
	A             *float64 `json:"a,omitempty"`
	B             *float64 `json:"b,omitempty"`
	S             *float64 `json:"s,omitempty"`
	Beta          *float64 `json:"beta,omitempty"`
	P             *float64 `json:"p,omitempty"`
	Q             *float64 `json:"q,omitempty"`
	Gamma         *float64 `json:"gamma,omitempty"`
	Delta         *float64 `json:"delta,omitempty"`
	Correlation   *float64 `json:"correlation,omitempty"`
	Info          FitInfo  `json:"info"`
}

func decodeModel(data []byte, names ...string) (*modelJSON, error) {
	var j modelJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	if j.FormatVersion != FormatVersion {
		return nil, fmt.Errorf("%w: format_version %d, want %d", ErrFormat, j.FormatVersion, FormatVersion)
	}
	if !slices.Contains(names, j.Model) {
		return nil, fmt.Errorf("%w: model %q, want one of %q", ErrFormat, j.Model, names)
	}
	return &j, nil
}

// param ties a parameter's JSON name and decoded value to its field.
type param struct {
	name string
	src  *float64 // nil when missing from the JSON
	dst  *float64
}

// fill copies every parameter into its field and returns an error wrapping
// ErrFormat naming the first one missing.
func fill(ps ...param) error {
	for _, p := range ps {
		if p.src == nil {
			return fmt.Errorf("%w: missing parameter %s", ErrFormat, p.name)
		}
		*p.dst = *p.src
	}
	return nil
}

func ptr(v float64) *float64 { return &v }

// MarshalJSON encodes m as {"format_version":1,"model":"bgnbd" or
// "mbgnbd","r":…,"alpha":…,"a":…,"b":…,"info":{…}}. Floats are written
// in the shortest form that reads back to the same value, so a round trip
// is exact.
func (m *BGNBD) MarshalJSON() ([]byte, error) {
	return json.Marshal(modelJSON{FormatVersion: FormatVersion, Model: m.Name(),
		R: ptr(m.R), Alpha: ptr(m.Alpha), A: ptr(m.A), B: ptr(m.B), Info: m.Info})
}

// UnmarshalJSON decodes what MarshalJSON writes. It returns an error
// wrapping ErrFormat for malformed JSON, unknown fields, another format
// version or model, or a missing parameter, and a *ParamError for a
// parameter that is not positive and finite.
func (m *BGNBD) UnmarshalJSON(data []byte) error {
	j, err := decodeModel(data, "bgnbd", "mbgnbd")
	if err != nil {
		return err
	}
	var v BGNBD
	v.Modified = j.Model == "mbgnbd"
	if err := fill(param{"r", j.R, &v.R}, param{"alpha", j.Alpha, &v.Alpha}, param{"a", j.A, &v.A}, param{"b", j.B, &v.B}); err != nil {
		return err
	}
	if err := v.check(); err != nil {
		return err
	}
	v.Info = j.Info
	*m = v
	return nil
}

// MarshalJSON encodes m as {"format_version":1,"model":"pareto","r":…,
// "alpha":…,"s":…,"beta":…,"info":{…}}; see BGNBD.MarshalJSON.
func (m *ParetoNBD) MarshalJSON() ([]byte, error) {
	return json.Marshal(modelJSON{FormatVersion: FormatVersion, Model: m.Name(),
		R: ptr(m.R), Alpha: ptr(m.Alpha), S: ptr(m.S), Beta: ptr(m.Beta), Info: m.Info})
}

// UnmarshalJSON decodes what MarshalJSON writes; errors are as for
// BGNBD.UnmarshalJSON.
func (m *ParetoNBD) UnmarshalJSON(data []byte) error {
	j, err := decodeModel(data, "pareto")
	if err != nil {
		return err
	}
	var v ParetoNBD
	if err := fill(param{"r", j.R, &v.R}, param{"alpha", j.Alpha, &v.Alpha}, param{"s", j.S, &v.S}, param{"beta", j.Beta, &v.Beta}); err != nil {
		return err
	}
	if err := v.check(); err != nil {
		return err
	}
	v.Info = j.Info
	*m = v
	return nil
}

// MarshalJSON encodes m as {"format_version":1,"model":"gammagamma",
// "p":…,"q":…,"gamma":…,"correlation":…,"info":{…}}; see
// BGNBD.MarshalJSON.
func (m *GammaGamma) MarshalJSON() ([]byte, error) {
	return json.Marshal(modelJSON{FormatVersion: FormatVersion, Model: m.Name(),
		P: ptr(m.P), Q: ptr(m.Q), Gamma: ptr(m.Gamma), Correlation: ptr(m.Correlation), Info: m.Info})
}

// UnmarshalJSON decodes what MarshalJSON writes; errors are as for
// BGNBD.UnmarshalJSON.
func (m *GammaGamma) UnmarshalJSON(data []byte) error {
	j, err := decodeModel(data, "gammagamma")
	if err != nil {
		return err
	}
	var v GammaGamma
	if err := fill(param{"p", j.P, &v.P}, param{"q", j.Q, &v.Q}, param{"gamma", j.Gamma, &v.Gamma}); err != nil {
		return err
	}
	if err := v.check(); err != nil {
		return err
	}
	if j.Correlation != nil {
		v.Correlation = *j.Correlation
	}
	v.Info = j.Info
	*m = v
	return nil
}

// MarshalJSON encodes m as {"format_version":1,"model":"bgbb","alpha":…,
// "beta":…,"gamma":…,"delta":…,"info":{…}}; see BGNBD.MarshalJSON.
func (m *BGBB) MarshalJSON() ([]byte, error) {
	return json.Marshal(modelJSON{FormatVersion: FormatVersion, Model: m.Name(),
		Alpha: ptr(m.Alpha), Beta: ptr(m.Beta), Gamma: ptr(m.Gamma), Delta: ptr(m.Delta), Info: m.Info})
}

// UnmarshalJSON decodes what MarshalJSON writes; errors are as for
// BGNBD.UnmarshalJSON.
func (m *BGBB) UnmarshalJSON(data []byte) error {
	j, err := decodeModel(data, "bgbb")
	if err != nil {
		return err
	}
	var v BGBB
	if err := fill(param{"alpha", j.Alpha, &v.Alpha}, param{"beta", j.Beta, &v.Beta}, param{"gamma", j.Gamma, &v.Gamma}, param{"delta", j.Delta, &v.Delta}); err != nil {
		return err
	}
	if err := v.check(); err != nil {
		return err
	}
	v.Info = j.Info
	*m = v
	return nil
}
