package clv

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestJSONRoundTrip(t *testing.T) {
	cs := simBGNBD(51, 500, 0.5, 5, 0.8, 2.5, false)
	bg, err := FitBGNBD(cs, nil)
	if err != nil {
		t.Fatal(err)
	}
	mbg, err := FitMBGNBD(cs, nil)
	if err != nil {
		t.Fatal(err)
	}
	pa, err := FitParetoNBD(simPareto(53, 300, 0.6, 10, 0.8, 12), nil)
	if err != nil {
		t.Fatal(err)
	}
	gg, err := FitGammaGamma(simSpend(52, 200, 6, 4, 150), nil)
	if err != nil {
		t.Fatal(err)
	}
	// Exact equality (no tolerance): the encoding must be lossless.
	for _, tc := range []struct {
		in, out any
		model   string
	}{
		{bg, new(BGNBD), `"model":"bgnbd"`},
		{mbg, new(BGNBD), `"model":"mbgnbd"`},
		{pa, new(ParetoNBD), `"model":"pareto"`},
		{gg, new(GammaGamma), `"model":"gammagamma"`},
		{&BGNBD{R: 1, Alpha: 2, A: 3, B: 4}, new(BGNBD), `"std_err":null`},
	} {
		b, err := json.Marshal(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), `"format_version":1`) || !strings.Contains(string(b), tc.model) {
			t.Errorf("JSON %s lacks version or %s", b, tc.model)
		}
		if err := json.Unmarshal(b, tc.out); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if d := cmp.Diff(tc.in, tc.out); d != "" {
			t.Errorf("round trip (-in +out):\n%s", d)
		}
	}
}

func TestJSONErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		into     json.Unmarshaler
		want     error
	}{
		{"malformed", `{"format_version":1,`, new(BGNBD), ErrFormat},
		{"version", `{"format_version":2,"model":"bgnbd","r":1,"alpha":1,"a":1,"b":1}`, new(BGNBD), ErrFormat},
		{"no version", `{"model":"bgnbd","r":1,"alpha":1,"a":1,"b":1}`, new(BGNBD), ErrFormat},
		{"wrong model", `{"format_version":1,"model":"pareto","r":1,"alpha":1,"s":1,"beta":1}`, new(BGNBD), ErrFormat},
		{"unknown field", `{"format_version":1,"model":"bgnbd","r":1,"alpha":1,"a":1,"b":1,"zeta":1}`, new(BGNBD), ErrFormat},
		{"missing b", `{"format_version":1,"model":"bgnbd","r":1,"alpha":1,"a":1}`, new(BGNBD), ErrFormat},
		{"missing r", `{"format_version":1,"model":"bgnbd","alpha":1,"a":1,"b":1}`, new(BGNBD), ErrFormat},
		{"negative a", `{"format_version":1,"model":"bgnbd","r":1,"alpha":1,"a":-1,"b":1}`, new(BGNBD), ErrInvalidParam},
		{"pareto missing beta", `{"format_version":1,"model":"pareto","r":1,"alpha":1,"s":1}`, new(ParetoNBD), ErrFormat},
		{"pareto zero s", `{"format_version":1,"model":"pareto","r":1,"alpha":1,"s":0,"beta":1}`, new(ParetoNBD), ErrInvalidParam},
		{"pareto version", `{"format_version":0,"model":"pareto"}`, new(ParetoNBD), ErrFormat},
		{"gg missing gamma", `{"format_version":1,"model":"gammagamma","p":1,"q":1}`, new(GammaGamma), ErrFormat},
		{"gg zero p", `{"format_version":1,"model":"gammagamma","p":0,"q":1,"gamma":1}`, new(GammaGamma), ErrInvalidParam},
		{"gg model", `{"format_version":1,"model":"bgnbd","p":1,"q":1,"gamma":1}`, new(GammaGamma), ErrFormat},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.into.UnmarshalJSON([]byte(tc.in)); !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
	// A failed decode leaves the destination untouched.
	m := &BGNBD{R: 9, Alpha: 9, A: 9, B: 9}
	_ = m.UnmarshalJSON([]byte(`{"format_version":1,"model":"bgnbd","r":1,"alpha":1,"a":-1,"b":1}`))
	if m.R != 9 {
		t.Errorf("destination changed: %+v", m)
	}
}

func FuzzUnmarshalModel(f *testing.F) {
	f.Add([]byte(`{"format_version":1,"model":"bgnbd","r":0.243,"alpha":4.414,"a":0.793,"b":2.426,"info":{"std_err":[1,2,3,4]}}`))
	f.Add([]byte(`{"format_version":1,"model":"pareto","r":1,"alpha":1,"s":1,"beta":1}`))
	f.Add([]byte(`{"format_version":1,"model":"gammagamma","p":6.25,"q":3.74,"gamma":15.44,"correlation":0.1}`))
	f.Add([]byte(`{"format_version":1,"model":"bgbb","alpha":1.2,"beta":0.75,"gamma":0.66,"delta":2.8}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, m := range []interface {
			json.Marshaler
			json.Unmarshaler
		}{new(BGNBD), new(ParetoNBD), new(GammaGamma), new(BGBB)} {
			if err := m.UnmarshalJSON(data); err != nil {
				continue
			}
			// Whatever decodes re-encodes and decodes to the same value.
			b, err := m.MarshalJSON()
			if err != nil {
				t.Fatalf("re-encode %s: %v", data, err)
			}
			switch v := m.(type) {
			case *BGNBD:
				var w BGNBD
				if err := w.UnmarshalJSON(b); err != nil || !cmp.Equal(*v, w) {
					t.Fatalf("round trip %s: %v", b, err)
				}
			case *ParetoNBD:
				var w ParetoNBD
				if err := w.UnmarshalJSON(b); err != nil || !cmp.Equal(*v, w) {
					t.Fatalf("round trip %s: %v", b, err)
				}
			case *BGBB:
				var w BGBB
				if err := w.UnmarshalJSON(b); err != nil || !cmp.Equal(*v, w) {
					t.Fatalf("round trip %s: %v", b, err)
				}
			case *GammaGamma:
				var w GammaGamma
				if err := w.UnmarshalJSON(b); err != nil || !cmp.Equal(*v, w) {
					t.Fatalf("round trip %s: %v", b, err)
				}
			}
		}
	})
}
