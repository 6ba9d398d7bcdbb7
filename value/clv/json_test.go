package clv

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/check"
	"github.com/google/go-cmp/cmp"
)

func TestJSONRoundTrip(t *testing.T) {
	cs := simBGNBD(51, 500, 0.5, 5, 0.8, 2.5, false)
	bg := check.Must(FitBGNBD(ctx, cs, nil))
	mbg := check.Must(FitMBGNBD(ctx, cs, nil))
	pa := check.Must(FitParetoNBD(ctx, simPareto(53, 300, 0.6, 10, 0.8, 12), nil))
	gg := check.Must(FitGammaGamma(ctx, simSpend(52, 200, 6, 4, 150), nil))
	bb := check.Must(FitBGBB(ctx, simBGBB(54, 300, 6, 1.2, 0.75, 0.66, 2.78), nil))
	// Exact equality (no tolerance): the encoding must be lossless.
	for _, tc := range []struct {
		in, out any
		format  string
	}{
		{bg, new(BGNBD), BGNBDFormat},
		{mbg, new(BGNBD), MBGNBDFormat},
		{pa, new(ParetoNBD), ParetoNBDFormat},
		{gg, new(GammaGamma), GammaGammaFormat},
		{bb, new(BGBB), BGBBFormat},
		{&BGNBD{R: 1, Alpha: 2, A: 3, B: 4}, new(BGNBD), BGNBDFormat},
	} {
		b := check.Must(json.Marshal(tc.in))
		if want := `{"format":"` + tc.format + `","version":2,`; !strings.HasPrefix(string(b), want) {
			t.Errorf("JSON %s does not start with %s", b, want)
		}
		check.NoErr(t, json.Unmarshal(b, tc.out))
		if d := cmp.Diff(tc.in, tc.out); d != "" {
			t.Errorf("round trip (-in +out):\n%s", d)
		}
	}
	// A model built by hand has no card; a fitted one has.
	if b := check.Must(json.Marshal(&BGNBD{R: 1, Alpha: 2, A: 3, B: 4})); strings.Contains(string(b), `"card"`) {
		t.Errorf("hand-built model with a card: %s", b)
	}
	if b := check.Must(json.Marshal(bg)); !strings.Contains(string(b), `"card":{"library":"`+cvm.Version+`"`) {
		t.Errorf("fitted model without a card: %s", b)
	}
}

// The card of a fit on a Dataset: values from the Dataset and the fit,
// the fingerprint recomputed here from the sums it is defined on.
func TestModelCard(t *testing.T) {
	calEnd := time.Date(2025, 3, 31, 0, 0, 0, 0, time.UTC)
	holdEnd := time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)
	ds := check.Must(Prepare(ctx, synthTransactions(800, 5), calEnd, &PrepareSettings{HoldoutEnd: holdEnd}))
	m := check.Must(FitBGNBD(ctx, ds.Customers, &FitSettings{Source: ds}))
	c := m.Card
	if c == nil {
		t.Fatal("no card")
	}
	if !c.AsOf.Equal(calEnd) || !c.CalibrationEnd.Equal(calEnd) || !c.HoldoutEnd.Equal(holdEnd) ||
		!c.CalibrationStart.Equal(ds.CalibrationStart) || c.TimeUnit != "weeks" || c.Discount != DiscountConvention ||
		c.Customers != len(ds.Customers) || c.Library != cvm.Version {
		t.Errorf("card %+v", c)
	}
	rev := make([]Customer, len(ds.Customers))
	for i, cu := range ds.Customers {
		rev[len(rev)-1-i] = cu
	}
	if Fingerprint(rev) != c.Fingerprint || Fingerprint(ds.Customers) != c.Fingerprint {
		t.Error("fingerprint depends on the order of the customers")
	}
	n := float64(len(ds.Customers))
	check.Float(t, "card log_likelihood", c.Quality["log_likelihood"], m.Info.LogLikelihood, 0, 0)
	check.Float(t, "card aic", c.Quality["aic"], m.Info.AIC, 0, 0)
	// The holdout error, recomputed in the test from the predictions.
	pred := check.Must(PredictPurchases(nil, m, ds.HoldoutLength, ds.Customers))
	var mae, bias float64
	for i, p := range pred {
		d := p - float64(ds.Holdout[i].Purchases)
		mae += max(d, -d)
		bias += d
	}
	check.Float(t, "holdout_mae", c.Quality["holdout_mae"], mae/n, 1e-12, 0)
	check.Float(t, "holdout_bias", c.Quality["holdout_bias"], bias/n, 1e-9, 1e-12)
	// Gamma-Gamma on the same customers: same fingerprint, its own count.
	gg := check.Must(FitGammaGamma(ctx, ds.Customers, &FitSettings{Source: ds}))
	if gg.Card.Fingerprint != c.Fingerprint || gg.Card.Customers != int(gg.Info.Customers) || gg.Card.Quality["holdout_mae"] != 0 {
		t.Errorf("Gamma-Gamma card %+v", gg.Card)
	}
	// Without a Source the card has no periods or unit.
	bare := check.Must(FitBGNBD(ctx, ds.Customers, nil))
	if !bare.Card.AsOf.IsZero() || bare.Card.TimeUnit != "" || bare.Card.Fingerprint != c.Fingerprint {
		t.Errorf("card without a source %+v", bare.Card)
	}
	defer func() {
		if recover() == nil {
			t.Error("a Source of other customers did not panic")
		}
	}()
	FitBGNBD(ctx, ds.Customers[1:], &FitSettings{Source: ds})
}

// The fingerprint is cvm.Fingerprint of the count and the sums, here all
// exact in floating point (hand computed): n = 3, x = 3, t_x = 7, T = 30,
// repeat spend 10 + 5 (the non-repeat buyer's NaN left out).
func TestFingerprint(t *testing.T) {
	cs := []Customer{
		{ID: "a", Frequency: 1, Recency: 4, T: 10, MeanSpend: 10},
		{ID: "b", T: 8, MeanSpend: math.NaN()},
		{ID: "c", Frequency: 2, Recency: 3, T: 12, MeanSpend: 5},
	}
	if got, want := Fingerprint(cs), cvm.Fingerprint(3, 3, 7, 30, 15); got != want {
		t.Errorf("Fingerprint = %s, want %s", got, want)
	}
	other := slices.Clone(cs)
	other[0].MeanSpend = 11
	if Fingerprint(other) == Fingerprint(cs) {
		t.Error("another spend has the same fingerprint")
	}
	if got, want := Fingerprint(nil), cvm.Fingerprint(0, 0, 0, 0, 0); got != want {
		t.Errorf("Fingerprint(nil) = %s, want %s", got, want)
	}
}

func TestJSONErrors(t *testing.T) {
	const bg = `{"format":"cvm.clv.bgnbd","version":2,`
	for _, tc := range []struct {
		name, in string
		into     json.Unmarshaler
		want     error
		msg      string
	}{
		{"malformed", bg, new(BGNBD), ErrFormat, "unexpected end"},
		{"version", `{"format":"cvm.clv.bgnbd","version":1,"r":1,"alpha":1,"a":1,"b":1}`, new(BGNBD), ErrFormat, "version 1, want version 2"},
		{"version 1 file", `{"format_version":1,"model":"bgnbd","r":1,"alpha":1,"a":1,"b":1}`, new(BGNBD), ErrFormat, `no "format" field`},
		{"no version", `{"format":"cvm.clv.bgnbd","r":1,"alpha":1,"a":1,"b":1}`, new(BGNBD), ErrFormat, "version 0"},
		{"wrong model", `{"format":"cvm.clv.paretonbd","version":2,"r":1,"alpha":1,"s":1,"beta":1}`, new(BGNBD), ErrFormat, `"cvm.clv.paretonbd" version 2, want "cvm.clv.bgnbd"`},
		{"unknown field", bg + `"r":1,"alpha":1,"a":1,"b":1,"zeta":1}`, new(BGNBD), ErrFormat, `unknown field "zeta"`},
		{"trailing data", bg + `"r":1,"alpha":1,"a":1,"b":1}]`, new(BGNBD), ErrFormat, "invalid character"},
		{"missing b", bg + `"r":1,"alpha":1,"a":1}`, new(BGNBD), ErrFormat, `missing parameter "b"`},
		{"missing r", bg + `"alpha":1,"a":1,"b":1}`, new(BGNBD), ErrFormat, `missing parameter "r"`},
		{"negative a", bg + `"r":1,"alpha":1,"a":-1,"b":1}`, new(BGNBD), ErrInvalidParam, "parameter a"},
		{"too many std errs", bg + `"r":1,"alpha":1,"a":1,"b":1,"info":{"std_err":[1,2,3,4,5]}}`, new(BGNBD), ErrFormat, "5 standard errors for 4"},
		{"negative std err", bg + `"r":1,"alpha":1,"a":1,"b":1,"info":{"std_err":[1,2,-3,4]}}`, new(BGNBD), ErrFormat, "standard error 2"},
		{"negative customers", bg + `"r":1,"alpha":1,"a":1,"b":1,"info":{"customers":-5}}`, new(BGNBD), ErrFormat, "customers -5"},
		{"negative rows", bg + `"r":1,"alpha":1,"a":1,"b":1,"info":{"rows":-1}}`, new(BGNBD), ErrFormat, "rows -1"},
		{"negative iterations", bg + `"r":1,"alpha":1,"a":1,"b":1,"info":{"iterations":-1}}`, new(BGNBD), ErrFormat, "iterations -1"},
		{"negative evaluations", bg + `"r":1,"alpha":1,"a":1,"b":1,"info":{"evaluations":-1}}`, new(BGNBD), ErrFormat, "evaluations -1"},
		{"negative penalizer", bg + `"r":1,"alpha":1,"a":1,"b":1,"info":{"penalizer":-1}}`, new(BGNBD), ErrFormat, "penalizer -1"},
		{"card customers", bg + `"card":{"customers":-2},"r":1,"alpha":1,"a":1,"b":1}`, new(BGNBD), ErrFormat, "card: customers -2"},
		{"card unknown field", bg + `"card":{"custmers":2},"r":1,"alpha":1,"a":1,"b":1}`, new(BGNBD), ErrFormat, `unknown field "custmers"`},
		{"pareto missing beta", `{"format":"cvm.clv.paretonbd","version":2,"r":1,"alpha":1,"s":1}`, new(ParetoNBD), ErrFormat, `missing parameter "beta"`},
		{"pareto zero s", `{"format":"cvm.clv.paretonbd","version":2,"r":1,"alpha":1,"s":0,"beta":1}`, new(ParetoNBD), ErrInvalidParam, "parameter s"},
		{"pareto version", `{"format":"cvm.clv.paretonbd","version":0}`, new(ParetoNBD), ErrFormat, "version 0"},
		{"gg missing gamma", `{"format":"cvm.clv.gammagamma","version":2,"p":1,"q":1}`, new(GammaGamma), ErrFormat, `missing parameter "gamma"`},
		{"gg zero p", `{"format":"cvm.clv.gammagamma","version":2,"p":0,"q":1,"gamma":1}`, new(GammaGamma), ErrInvalidParam, "parameter p"},
		{"gg correlation", `{"format":"cvm.clv.gammagamma","version":2,"p":1,"q":1,"gamma":1,"correlation":1.5}`, new(GammaGamma), ErrFormat, "correlation 1.5"},
		{"gg model", `{"format":"cvm.clv.bgnbd","version":2,"p":1,"q":1,"gamma":1}`, new(GammaGamma), ErrFormat, `want "cvm.clv.gammagamma"`},
		{"bgbb missing delta", `{"format":"cvm.clv.bgbb","version":2,"alpha":1,"beta":1,"gamma":1}`, new(BGBB), ErrFormat, `missing parameter "delta"`},
		{"bgbb std errs", `{"format":"cvm.clv.bgbb","version":2,"alpha":1,"beta":1,"gamma":1,"delta":1,"info":{"std_err":[1]}}`, new(BGBB), ErrFormat, "1 standard errors for 4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.into.UnmarshalJSON([]byte(tc.in))
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %v, want %v containing %q", err, tc.want, tc.msg)
			}
		})
	}
	// Another format or version is a *cvm.FormatError naming both.
	var fe *cvm.FormatError
	err := new(ParetoNBD).UnmarshalJSON([]byte(`{"format":"cvm.clv.bgnbd","version":2}`))
	if !errors.As(err, &fe) || fe.Format != BGNBDFormat || fe.WantFormat != ParetoNBDFormat {
		t.Errorf("err = %v, want a *cvm.FormatError", err)
	}
	// A failed decode leaves the destination untouched.
	m := &BGNBD{R: 9, Alpha: 9, A: 9, B: 9}
	if err := m.UnmarshalJSON([]byte(bg + `"r":1,"alpha":1,"a":-1,"b":1}`)); err == nil || m.R != 9 {
		t.Errorf("destination changed: %+v (%v)", m, err)
	}
}

func FuzzUnmarshalModel(f *testing.F) {
	f.Add([]byte(`{"format":"cvm.clv.bgnbd","version":2,"r":0.243,"alpha":4.414,"a":0.793,"b":2.426,"info":{"std_err":[1,2,3,4]}}`))
	f.Add([]byte(`{"format":"cvm.clv.mbgnbd","version":2,"card":{"library":"0.2.0","customers":5,"quality":{"log_likelihood":-3}},"r":1,"alpha":1,"a":1,"b":1}`))
	f.Add([]byte(`{"format":"cvm.clv.paretonbd","version":2,"r":1,"alpha":1,"s":1,"beta":1}`))
	f.Add([]byte(`{"format":"cvm.clv.gammagamma","version":2,"p":6.25,"q":3.74,"gamma":15.44,"correlation":0.1}`))
	f.Add([]byte(`{"format":"cvm.clv.bgbb","version":2,"alpha":1.2,"beta":0.75,"gamma":0.66,"delta":2.8}`))
	f.Add([]byte(`{"format":"cvm.clv.bgnbd","version":2,"r":1,"alpha":1,"a":1,"b":1,"info":{"std_err":[1,1,1,1,1,1,1,1],"rows":-9,"customers":1e308}}`))
	f.Add([]byte(`{"format":"cvm.clv.bgnbd","version":2,"card":{"customers":-1},"r":1,"alpha":1,"a":1,"b":1}`))
	f.Add([]byte(`{"format_version":1,"model":"bgnbd","r":0.243,"alpha":4.414,"a":0.793,"b":2.426}`))
	f.Add([]byte(`{"format":"cvm.clv.sbg","version":2,"alpha":0.704,"beta":1.182,"info":{"std_err":[0.06,0.15]}}`))
	f.Add([]byte(`{"format":"cvm.clv.bgnbdcov","version":2,"params":{"r":1,"alpha":2,"a":1,"b":3},"covariates":["z"],"trans":[0.5],"life":[-0.1],"info":{},"lr_test":{"statistic":3,"df":2,"p_value":0.2},"plain":{"format":"cvm.clv.bgnbd","version":2,"r":1,"alpha":2,"a":1,"b":3,"info":{}}}`))
	f.Add([]byte(`{"format":"cvm.clv.paretonbdcov","version":2,"params":{"r":1,"alpha":2,"s":1,"beta":3},"covariates":["z","w"],"trans":[0.5],"life":[-0.1,1],"info":{},"lr_test":{"df":4,"p_value":1},"plain":{}}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, m := range []interface {
			json.Marshaler
			json.Unmarshaler
		}{new(BGNBD), new(ParetoNBD), new(GammaGamma), new(BGBB), new(SBG), new(BGNBDCov), new(ParetoNBDCov)} {
			if err := m.UnmarshalJSON(data); err != nil {
				continue
			}
			// Whatever decodes re-encodes and decodes to the same value.
			b, err := m.MarshalJSON()
			if err != nil {
				t.Fatalf("re-encode %s: %v", data, err)
			}
			var w interface{ UnmarshalJSON([]byte) error }
			switch m.(type) {
			case *BGNBD:
				w = new(BGNBD)
			case *ParetoNBD:
				w = new(ParetoNBD)
			case *BGBB:
				w = new(BGBB)
			case *GammaGamma:
				w = new(GammaGamma)
			case *SBG:
				w = new(SBG)
			case *BGNBDCov:
				w = new(BGNBDCov)
			case *ParetoNBDCov:
				w = new(ParetoNBDCov)
			}
			if err := w.UnmarshalJSON(b); err != nil || !cmp.Equal(m, w) {
				t.Fatalf("round trip %s: %v", b, err)
			}
		}
	})
}
