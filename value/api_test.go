package value

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/check"
)

// A model file of another format or version is a *cvm.FormatError naming
// both; unknown fields anywhere, trailing data and out-of-range values are
// errors naming them (issue 13: unknown fields were silently ignored).
func TestModelDecodeStrict(t *testing.T) {
	m := check.Must(Fit(ctx, smallTable(), ptr(smallSettings())))
	good := string(check.Must(json.Marshal(m)))
	for _, tc := range []struct {
		name, old, new string
		want           string // in the message
		format         bool   // a *cvm.FormatError
	}{
		{"other format", `"cvm.value.model"`, `"cvm.segment.kmeans"`, `"cvm.segment.kmeans"`, true},
		{"old format name", `"format":"cvm.value.model","version":2`, `"format":"cvm.value.Model","version":1`, `"cvm.value.Model" version 1`, true},
		{"other version", `"version":2`, `"version":3`, "version 3, want version 2", true},
		{"unknown top-level field", `"catalog"`, `"colour":1,"catalog"`, `unknown field "colour"`, false},
		{"unknown indicator field", `"weight":0.5`, `"wieght":0.5`, `unknown field "wieght"`, false},
		{"unknown fitted field", `"lo":`, `"low":0,"lo":`, `unknown field "low"`, false},
		{"unknown card field", `"customers":5`, `"customers":5,"owner":"x"`, `unknown field "owner"`, false},
		{"trailing data", good, good + "}", "after top-level value", false},
		{"unknown cut rule", `"cut":"concentration"`, `"cut":"middle"`, `unknown cut rule "middle"`, false},
		{"cut share above 1", `"cut_share":0.5`, `"cut_share":1.5`, "cut share 1.5", false},
		{"cut share without concentration", `"cut":"concentration"`, `"cut":"median"`, "cut share 0.5 for cut rule median", false},
		{"cut above 100", `"current_cut":50`, `"current_cut":150`, "cuts 150, 50 not in 0..100", false},
		{"tier cut above 100", `"tier_cuts":[65`, `"tier_cuts":[165`, "not in 0..100", false},
		{"negative CR", `"catalog"`, `"weighting":{"method":"ahp","cr":-1},"catalog"`, "weighting CR -1", false},
	} {
		bad := strings.Replace(good, tc.old, tc.new, 1)
		if bad == good {
			t.Fatalf("%s: %q not in %s", tc.name, tc.old, good)
		}
		var got Model
		err := json.Unmarshal([]byte(bad), &got)
		var fe *cvm.FormatError
		if err == nil || !strings.Contains(err.Error(), tc.want) || errors.As(err, &fe) != tc.format {
			t.Errorf("%s: got %v, want %q (FormatError %v)", tc.name, err, tc.want, tc.format)
		}
	}
}

// The model card: customers, the number of indicators, a fingerprint that
// changes with the fit data, and the AHP CR from Settings.Weighting; it
// survives the JSON round trip.
func TestModelCard(t *testing.T) {
	s := smallSettings()
	s.Weighting = Weighting{Method: "ahp+critic", CR: 0.042}
	m := check.Must(Fit(ctx, smallTable(), &s))
	c := m.Card()
	if c.Library != cvm.Version || c.Customers != 5 || c.Quality["indicators"] != 3 || c.Quality["ahp_cr"] != 0.042 || len(c.Fingerprint) != 24 {
		t.Errorf("card %+v", c)
	}
	c.Quality["indicators"] = 9 // a copy
	if m.Card().Quality["indicators"] != 3 {
		t.Error("Card returned the model's own map")
	}
	var m2 Model
	check.NoErr(t, json.Unmarshal(check.Must(json.Marshal(m)), &m2))
	if c2 := m2.Card(); c2.Fingerprint != m.Card().Fingerprint || c2.Customers != 5 || m2.Weighting() != s.Weighting {
		t.Errorf("decoded card %+v, weighting %+v", c2, m2.Weighting())
	}
	// The same rows in another order: the same fingerprint.
	rev := synthTable(2000, 5, 0.01)
	perm := make([]int, rev.Len())
	for i := range perm {
		perm[i] = len(perm) - 1 - i
	}
	f1 := check.Must(Fit(ctx, rev, &Settings{Missing: MissingImpute})).Card().Fingerprint
	f2 := check.Must(Fit(ctx, rev.Rows(perm), &Settings{Missing: MissingImpute})).Card().Fingerprint
	if f1 != f2 {
		t.Errorf("fingerprint depends on row order: %s, %s", f1, f2)
	}
	// Other data, other fingerprint; given weights: no ahp_cr.
	tb := smallTable()
	tb.Columns[0] = []float64{0, 10, 20, 30, 41}
	m3 := check.Must(Fit(ctx, tb, ptr(smallSettings())))
	if c3 := m3.Card(); c3.Fingerprint == c.Fingerprint || c3.Quality["ahp_cr"] != 0 {
		t.Errorf("card of other data %+v", c3)
	}
	if _, err := Fit(ctx, smallTable(), &Settings{Catalog: smallCatalog(), Weighting: Weighting{CR: math.NaN()}}); err == nil {
		t.Error("NaN CR: no error")
	}
}

// A model does not depend on the order of the rows: the same rows
// reversed give the same JSON, byte for byte, with every normalisation and
// the mean cut.
func TestRowOrder(t *testing.T) {
	tb := synthTable(3000, 11, 0.02)
	cat := DefaultCatalog()
	cat.Indicators[3].Norm = Normalization{Method: ZScore, Lower: 0.05, Upper: 0.95}
	cat.Indicators[17].Norm = Normalization{Method: ZScore, Log: true}
	cat.Indicators[20].Norm = Normalization{Method: PercentileRank}
	perm := make([]int, tb.Len())
	for i := range perm {
		perm[i] = (i*7919 + 13) % len(perm) // 7919 is prime, so a permutation
	}
	for _, cut := range []CutRule{CutMedian, CutMean} {
		s := &Settings{Catalog: cat, Missing: MissingImpute, Cut: cut}
		a := string(check.Must(json.Marshal(check.Must(Fit(ctx, tb, s)))))
		b := string(check.Must(json.Marshal(check.Must(Fit(ctx, tb.Rows(perm), s)))))
		if a != b {
			t.Errorf("%v: the model depends on the row order", cut)
		}
	}
}

// Fit and Score return the context's error when it is cancelled.
func TestContextCancelled(t *testing.T) {
	c, cancel := context.WithCancel(context.Background())
	cancel()
	tb := synthTable(20000, 1, 0)
	if _, err := Fit(c, tb, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Fit: got %v", err)
	}
	m := check.Must(Fit(ctx, tb, nil))
	if _, err := m.Score(c, nil, tb); !errors.Is(err, context.Canceled) {
		t.Errorf("Score: got %v", err)
	}
	if _, err := DataWeights(c, DefaultCatalog(), tb, CRITIC, 0.5); !errors.Is(err, context.Canceled) {
		t.Errorf("DataWeights: got %v", err)
	}
}

// Every enum round-trips through its text form, and the parsers accept
// what recovery's ParseQuadrant and ParseTier accepted (issue 14).
func TestEnumText(t *testing.T) {
	type textEnum interface {
		MarshalText() ([]byte, error)
		String() string
	}
	for _, tc := range []struct {
		v    textEnum
		back func([]byte) (textEnum, error)
	}{
		{CurrentValue, func(b []byte) (textEnum, error) { var v Dimension; return v, v.UnmarshalText(b) }},
		{Cost, func(b []byte) (textEnum, error) { var v Direction; return v, v.UnmarshalText(b) }},
		{PercentileRank, func(b []byte) (textEnum, error) { var v NormMethod; return v, v.UnmarshalText(b) }},
		{MissingDrop, func(b []byte) (textEnum, error) { var v MissingPolicy; return v, v.UnmarshalText(b) }},
		{TOPSIS, func(b []byte) (textEnum, error) { var v Aggregation; return v, v.UnmarshalText(b) }},
		{CutFixed, func(b []byte) (textEnum, error) { var v CutRule; return v, v.UnmarshalText(b) }},
		{CRITIC, func(b []byte) (textEnum, error) { var v Objective; return v, v.UnmarshalText(b) }},
		{QuadrantIII, func(b []byte) (textEnum, error) { var v Quadrant; return v, v.UnmarshalText(b) }},
		{Tier(3), func(b []byte) (textEnum, error) { var v Tier; return v, v.UnmarshalText(b) }},
	} {
		b, err := tc.v.MarshalText()
		if err != nil || string(b) != tc.v.String() {
			t.Errorf("%v: MarshalText %q %v", tc.v, b, err)
			continue
		}
		if _, err := tc.back([]byte("nonsense")); err == nil {
			t.Errorf("%T: nonsense accepted", tc.v)
		}
	}
	// Invalid values do not marshal; on error UnmarshalText leaves the
	// value unchanged.
	for _, v := range []textEnum{Dimension(0), Direction(9), NormMethod(9), MissingPolicy(9), Aggregation(9), CutRule(9), Objective(9), Quadrant(0), Quadrant(5)} {
		if _, err := v.MarshalText(); err == nil {
			t.Errorf("%v marshalled", v)
		}
	}
	d := PotentialValue
	if err := d.UnmarshalText([]byte("x")); err == nil || d != PotentialValue {
		t.Errorf("Dimension after a bad UnmarshalText: %v %v", d, err)
	}
	// Quadrants: Roman numerals in any case and digits, as recovery read them.
	for s, want := range map[string]Quadrant{"I": QuadrantI, "ii": QuadrantII, " III ": QuadrantIII, "iv": QuadrantIV, "1": QuadrantI, "4": QuadrantIV} {
		if got, err := ParseQuadrant(s); err != nil || got != want {
			t.Errorf("ParseQuadrant(%q) = %v, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "V", "0", "5", "IIII", "one"} {
		if _, err := ParseQuadrant(s); !errors.Is(err, ErrUnknownQuadrant) {
			t.Errorf("ParseQuadrant(%q): %v", s, err)
		}
	}
	// Tiers: numbers and the default pyramid's names, case-insensitive.
	for s, want := range map[string]Tier{"1": 1, "255": 255, "0": 0, "Platinum": 1, "GOLD": 2, " iron ": 3, "lead": 4} {
		if got, err := ParseTier(s); err != nil || got != want {
			t.Errorf("ParseTier(%q) = %v, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "256", "-1", "+1", "1.5", "bronze", "0x1"} {
		if _, err := ParseTier(s); !errors.Is(err, ErrUnknownTier) {
			t.Errorf("ParseTier(%q): %v", s, err)
		}
	}
	// Tier's JSON is a number, and a string is accepted.
	var tr struct{ T Tier }
	if b := check.Must(json.Marshal(struct{ T Tier }{2})); string(b) != `{"T":2}` {
		t.Errorf("Tier JSON %s", b)
	}
	for in, want := range map[string]Tier{`{"T":3}`: 3, `{"T":"gold"}`: 2, `{"T":"4"}`: 4} {
		if err := json.Unmarshal([]byte(in), &tr); err != nil || tr.T != want {
			t.Errorf("%s: %v %v", in, tr.T, err)
		}
	}
	for _, in := range []string{`{"T":256}`, `{"T":-1}`, `{"T":1.5}`, `{"T":"x"}`, `{"T":true}`} {
		if err := json.Unmarshal([]byte(in), &tr); err == nil {
			t.Errorf("%s accepted", in)
		}
	}
}

// DataError names the customer and indicator, never a 0-based row (issue
// 13: "row -1" for an unknown customer).
func TestDataErrorMessage(t *testing.T) {
	m := check.Must(Fit(ctx, smallTable(), ptr(smallSettings())))
	_, err := m.Explain(smallTable(), "nobody")
	var de *DataError
	if !errors.As(err, &de) || de.Index != -1 || err.Error() != `value: customer "nobody": value: unknown customer` {
		t.Errorf("unknown customer: %v", err)
	}
	tb := smallTable()
	tb.Columns[1] = []float64{5, math.NaN(), 3, 2, 1}
	_, err = m.Score(ctx, nil, tb)
	if !errors.As(err, &de) || de.Index != 1 || err.Error() != `value: customer "B": indicator "b" = NaN: value: missing value` {
		t.Errorf("missing: %v", err)
	}
}

// A catalog decodes strictly: a misspelt field is an error naming it.
func TestCatalogStrictJSON(t *testing.T) {
	var c Catalog
	check.NoErr(t, json.Unmarshal(check.Must(json.Marshal(smallCatalog())), &c))
	if c.Indicators[1].Direction != Cost {
		t.Errorf("round trip: %+v", c)
	}
	for in, want := range map[string]string{
		`{"groups":[],"indicators":[{"id":"a","wieght":1}]}`: `unknown field "wieght"`,
		`{"groups":[],"indicators":[],"extra":1}`:            `unknown field "extra"`,
		`{"groups":[{"id":"g","dimension":"future"}]}`:       `unknown dimension "future"`,
	} {
		if err := json.Unmarshal([]byte(in), &c); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", in, err, want)
		}
	}
}
