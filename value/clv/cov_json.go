package clv

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/cvmkit/cvm/internal/envelope"
	"github.com/cvmkit/cvm/internal/num"
)

// The formats of the covariate models' JSON envelopes.
const (
	BGNBDCovFormat     = "cvm.clv.bgnbdcov"     // a BGNBDCov
	ParetoNBDCovFormat = "cvm.clv.paretonbdcov" // a ParetoNBDCov
)

// covJSON is the JSON form of the covariate models: the base parameters
// (at z = 0) under their names, the covariates and their effects, the fit
// information and test, and the plain model in its own envelope.
type covJSON struct {
	envelope.Header
	Params     map[string]float64 `json:"params"`
	Covariates []string           `json:"covariates"`
	Trans      []float64          `json:"trans"`
	Life       []float64          `json:"life"`
	Info       FitInfo            `json:"info"`
	LR         LRTest             `json:"lr_test"`
	Plain      json.RawMessage    `json:"plain"`
}

func marshalCov(format string, h envelope.Header, names []string, vals []float64, f CovariateFit, plain json.Marshaler) ([]byte, error) {
	pb, err := plain.MarshalJSON()
	if err != nil {
		return nil, err
	}
	ps := map[string]float64{}
	for i, n := range names {
		ps[n] = vals[i]
	}
	return json.Marshal(covJSON{Header: h, Params: ps, Covariates: f.Names, Trans: f.Trans, Life: f.Life, Info: f.Info, LR: f.LR, Plain: pb})
}

// unmarshalCov decodes a covariate envelope and checks its sizes and
// values against each other, before the plain model is decoded into
// plain.
func unmarshalCov(data []byte, format string, names []string, plain json.Unmarshaler) (covJSON, []float64, error) {
	var j covJSON
	k := -1
	var peek struct {
		Covariates []string `json:"covariates"`
	}
	if err := json.Unmarshal(data, &peek); err == nil {
		k = len(peek.Covariates)
	}
	if k < 1 {
		return j, nil, &formatError{fmt.Errorf("clv: decoding %s: no covariates", format)}
	}
	if err := decode(data, format, &j, &j.Header, &j.Info, len(names)+2*k); err != nil {
		return j, nil, err
	}
	bad := func(why string, args ...any) error {
		return &formatError{fmt.Errorf("clv: decoding %s: "+why, append([]any{format}, args...)...)}
	}
	if len(j.Trans) != k || len(j.Life) != k {
		return j, nil, bad("%d covariates but %d trans and %d life effects", k, len(j.Trans), len(j.Life))
	}
	for i, v := range append(append([]float64{}, j.Trans...), j.Life...) {
		if !num.Finite(v) {
			return j, nil, bad("effect %d = %v is not finite", i, v)
		}
	}
	if len(j.Params) != len(names) {
		return j, nil, bad("%d parameters, want %d", len(j.Params), len(names))
	}
	vals := make([]float64, len(names))
	for i, n := range names {
		v, ok := j.Params[n]
		if !ok {
			return j, nil, bad("missing parameter %q", n)
		}
		vals[i] = v
	}
	if err := checkParams(names, vals); err != nil {
		return j, nil, err
	}
	if !(j.LR.Statistic >= 0) || math.IsInf(j.LR.Statistic, 0) || !(j.LR.PValue >= 0 && j.LR.PValue <= 1) || j.LR.DF != 2*k {
		return j, nil, bad("inconsistent likelihood-ratio test %+v", j.LR)
	}
	if len(j.Plain) == 0 {
		return j, nil, bad("missing plain model")
	}
	if err := plain.UnmarshalJSON(j.Plain); err != nil {
		return j, nil, err
	}
	return j, vals, nil
}

// MarshalJSON encodes m as {"format":"cvm.clv.bgnbdcov","version":2,
// "card":{...},"params":{"r":…,"alpha":…,"a":…,"b":…},"covariates":[…],
// "trans":[…],"life":[…],"info":{…},"lr_test":{…},"plain":{the plain
// model's envelope}}.
func (m *BGNBDCov) MarshalJSON() ([]byte, error) {
	return marshalCov(BGNBDCovFormat, envelope.New(BGNBDCovFormat, FormatVersion, m.Base.Card), bgNames, m.Base.params(), m.CovariateFit, m.Plain)
}

// UnmarshalJSON decodes what MarshalJSON writes. Errors are as for
// BGNBD.UnmarshalJSON, and sizes that disagree (effects against
// covariates, standard errors against parameters) wrap ErrFormat. On
// error m is unchanged.
func (m *BGNBDCov) UnmarshalJSON(data []byte) error {
	var plain BGNBD
	j, v, err := unmarshalCov(data, BGNBDCovFormat, bgNames, &plain)
	if err != nil {
		return err
	}
	*m = BGNBDCov{Base: &BGNBD{R: v[0], Alpha: v[1], A: v[2], B: v[3], Info: j.Info, Card: j.Card}, Plain: &plain,
		CovariateFit: CovariateFit{Names: j.Covariates, Trans: j.Trans, Life: j.Life, Info: j.Info, LR: j.LR}}
	return nil
}

// MarshalJSON encodes m as BGNBDCov.MarshalJSON does, in the format
// "cvm.clv.paretonbdcov" with the parameters r, alpha, s and beta.
func (m *ParetoNBDCov) MarshalJSON() ([]byte, error) {
	return marshalCov(ParetoNBDCovFormat, envelope.New(ParetoNBDCovFormat, FormatVersion, m.Base.Card), paretoNames, m.Base.params(), m.CovariateFit, m.Plain)
}

// UnmarshalJSON decodes what MarshalJSON writes; errors are as for
// BGNBDCov.UnmarshalJSON.
func (m *ParetoNBDCov) UnmarshalJSON(data []byte) error {
	var plain ParetoNBD
	j, v, err := unmarshalCov(data, ParetoNBDCovFormat, paretoNames, &plain)
	if err != nil {
		return err
	}
	*m = ParetoNBDCov{Base: &ParetoNBD{R: v[0], Alpha: v[1], S: v[2], Beta: v[3], Info: j.Info, Card: j.Card}, Plain: &plain,
		CovariateFit: CovariateFit{Names: j.Covariates, Trans: j.Trans, Life: j.Life, Info: j.Info, LR: j.LR}}
	return nil
}
