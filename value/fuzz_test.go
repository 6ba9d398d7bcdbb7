package value

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/cvmkit/cvm/internal/check"
)

// FuzzModelJSON feeds arbitrary bytes to Model.UnmarshalJSON: it must never
// panic, and a model it accepts must score without panicking, re-marshal,
// and decode again to the same JSON.
func FuzzModelJSON(f *testing.F) {
	m, err := Fit(ctx, smallTable(), ptr(smallSettings()))
	if err != nil {
		f.Fatal(err)
	}
	b := check.Must(json.Marshal(m))
	f.Add(b)
	s := smallSettings()
	s.Catalog.Indicators[0].Norm = Normalization{Method: PercentileRank, Log: true}
	s.Catalog.Indicators[2].Norm = Normalization{Method: ZScore, Lower: 0.1, Upper: 0.9}
	s.Aggregation, s.Missing = TOPSIS, MissingDrop
	m = check.Must(Fit(ctx, smallTable(), &s))
	b = check.Must(json.Marshal(m))
	f.Add(b)
	f.Add([]byte(`{"format":"cvm.value.Model","version":1}`))
	f.Add([]byte(`{"format":"cvm.value.model","version":2}`))
	// Issue 13: unknown fields were ignored; issue 14: trailing data.
	f.Add([]byte(strings.Replace(string(b), `"catalog"`, `"colour":1,"catalog"`, 1)))
	f.Add([]byte(strings.Replace(string(b), `"weight"`, `"wieght"`, 1)))
	f.Add(append(append([]byte(nil), b...), "}"...))
	f.Add([]byte(strings.Replace(string(b), `"tier_cuts":[`, `"tier_cuts":[1e308,`, 1)))
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var m Model
		if err := json.Unmarshal(data, &m); err != nil {
			return
		}
		tb := IndicatorTable{Customers: []string{"x", "y"}, IDs: m.spec.Catalog.IDs(), Columns: make([][]float64, len(m.fit))}
		for j := range tb.Columns {
			tb.Columns[j] = []float64{1, math.NaN()}
		}
		if sc, err := m.Score(ctx, nil, tb); err == nil {
			for _, s := range sc {
				if math.IsNaN(s.Total) || s.Total < 0 || s.Total > 100 {
					t.Errorf("score %+v outside 0..100", s)
				}
			}
		}
		b1, err := json.Marshal(&m)
		if err != nil {
			t.Fatalf("re-marshal: %v", err)
		}
		var m2 Model
		if err := json.Unmarshal(b1, &m2); err != nil {
			t.Fatalf("decode of re-marshalled model: %v\n%s", err, b1)
		}
		b2 := check.Must(json.Marshal(&m2))
		if string(b1) != string(b2) {
			t.Fatalf("not stable:\n%s\n%s", b1, b2)
		}
	})
}
