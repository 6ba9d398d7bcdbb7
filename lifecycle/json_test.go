package lifecycle

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/check"
)

func TestStateJSONRoundTrip(t *testing.T) {
	evs := script(monthly(date(2022, 1, 15), date(2023, 6, 15), 100), date(2024, 6, 1))
	var s State
	for _, e := range evs {
		var err error
		if s, _, err = Apply(s, e, nil); err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var back State
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if back != s {
			t.Fatalf("round trip differs at %v:\n got %+v\nwant %+v", e.Time, back, s)
		}
	}
	// The zero State too.
	b := check.Must(json.Marshal(State{}))
	var back State
	if err := json.Unmarshal(b, &back); err != nil || back != (State{}) {
		t.Errorf("zero state: %v %+v", err, back)
	}
}

func TestTransitionJSON(t *testing.T) {
	tr := Transition{From: Stability, To: Decline, at: date(2024, 3, 1).Unix(), Rule: RuleRecency,
		Measures: Measures{Tenure: 400, Orders: 12, Recency: 70, Interval: 30, Growth3: math.NaN(), Growth6: -0.25, YoY3: math.NaN(), Volatility: 0.3, Level3: 12.5}}
	b, err := json.Marshal(tr)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"growth3":null`) || !strings.Contains(string(b), `"format":"cvm.lifecycle.transition","version":1`) {
		t.Errorf("JSON %s: want null for NaN and the envelope", b)
	}
	var back Transition
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !equalHistory([]Transition{back}, []Transition{tr}) || back.At() != tr.At() {
		t.Errorf("round trip:\n got %+v\nwant %+v", back, tr)
	}
	var zero Transition
	b = check.Must(json.Marshal(Transition{}))
	if err := json.Unmarshal(b, &zero); err != nil || !zero.At().IsZero() || zero.Changed() {
		t.Errorf("zero transition: %v %+v", err, zero)
	}
	for _, tc := range []struct {
		name, in string
		want     error
	}{
		{"from", `{"format":"cvm.lifecycle.transition","version":1,"from":"x","to":"none","rule":"none"}`, ErrUnknownStage},
		{"to", `{"format":"cvm.lifecycle.transition","version":1,"from":"none","to":"x","rule":"none"}`, ErrUnknownStage},
		{"rule", `{"format":"cvm.lifecycle.transition","version":1,"from":"none","to":"none","rule":"x"}`, ErrUnknownName},
	} {
		var tr Transition
		var de *DecodeError
		if err := json.Unmarshal([]byte(tc.in), &tr); !errors.Is(err, tc.want) || !errors.As(err, &de) || de.Field != tc.name {
			t.Errorf("%s: %v, want %v naming the field", tc.name, err, tc.want)
		}
	}
	var de *DecodeError
	if err := json.Unmarshal([]byte(`{"format":"cvm.lifecycle.transition","version":1,"from":1}`), &back); !errors.As(err, &de) {
		t.Errorf("malformed: %v, want *DecodeError", err)
	}
}

// TestDecodeBadInput is the table of bad documents for the three
// decoders: another format or version is a *cvm.FormatError; an unknown
// field (a misspelt name that would silently take a default) or no format
// at all is a *DecodeError naming the field where there is one; trailing
// data and truncation are syntax errors (json.Unmarshal checks the whole
// document before a decoder sees it). Issue 13: unknown fields were
// ignored.
func TestDecodeBadInput(t *testing.T) {
	state := string(check.Must(json.Marshal(State{})))
	tr := string(check.Must(json.Marshal(Transition{From: None, To: Exploration, Rule: RuleFirstPurchase})))
	settings := `{"format":"cvm.lifecycle.settings","version":1,"decline_recency":3}`
	cut := func(s string) string { return s[:len(s)-1] } // without the closing brace
	for _, tc := range []struct {
		name, in string
		into     json.Unmarshaler
		format   bool   // want a *cvm.FormatError
		field    string // want a *DecodeError naming this field ("" any *DecodeError, "-" a *json.SyntaxError)
	}{
		{"state: old format without envelope", `{"version":1,"stage":"none"}`, new(State), false, ""},
		{"state: other version", strings.Replace(state, `"version":1`, `"version":2`, 1), new(State), true, ""},
		{"state: other format", strings.Replace(state, "cvm.lifecycle.state", "cvm.lifecycle.transition", 1), new(State), true, ""},
		{"state: unknown field", cut(state) + `,"stagee":"decline"}`, new(State), false, "stagee"},
		{"state: trailing brace", state + "}", new(State), false, "-"},
		{"state: trailing brackets", state + "]]]", new(State), false, "-"},
		{"state: truncated", state[:len(state)/2], new(State), false, "-"},
		{"transition: unknown field", cut(tr) + `,"why":"x"}`, new(Transition), false, "why"},
		{"transition: unknown measure", strings.Replace(tr, `"orders":0`, `"orders":0,"ordres":1`, 1), new(Transition), false, "ordres"},
		{"transition: other version", strings.Replace(tr, `"version":1`, `"version":7`, 1), new(Transition), true, ""},
		{"transition: trailing data", tr + ` {}`, new(Transition), false, "-"},
		{"settings: misspelt rule", `{"format":"cvm.lifecycle.settings","version":1,"decline_recencey":3}`, new(Settings), false, "decline_recencey"},
		{"settings: Go field name", `{"format":"cvm.lifecycle.settings","version":1,"DeclineRecency":3}`, new(Settings), false, "DeclineRecency"},
		{"settings: no envelope", `{"decline_recency":3}`, new(Settings), false, ""},
		{"settings: other format", strings.Replace(settings, "settings", "state", 1), new(Settings), true, ""},
		{"settings: fraction above 1", `{"format":"cvm.lifecycle.settings","version":1,"decline_drop":1.5}`, new(Settings), false, "decline_drop"},
		{"settings: recover level above 1", `{"format":"cvm.lifecycle.settings","version":1,"recover_level":2}`, new(Settings), false, "recover_level"},
		{"settings: negative", `{"format":"cvm.lifecycle.settings","version":1,"end_min_days":-1}`, new(Settings), false, "end_min_days"},
		{"settings: huge", `{"format":"cvm.lifecycle.settings","version":1,"end_recency":1e308}`, new(Settings), false, "end_recency"},
		{"settings: overflow", `{"format":"cvm.lifecycle.settings","version":1,"end_recency":1e999}`, new(Settings), false, ""},
		{"settings: wrong type", `{"format":"cvm.lifecycle.settings","version":1,"seasonal":"yes"}`, new(Settings), false, ""},
		{"settings: trailing", settings + "}", new(Settings), false, "-"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := json.Unmarshal([]byte(tc.in), tc.into)
			var fe *cvm.FormatError
			var de *DecodeError
			var se *json.SyntaxError
			switch {
			case err == nil:
				t.Fatalf("no error for %s", tc.in)
			case tc.field == "-":
				if !errors.As(err, &se) {
					t.Fatalf("%v (%T), want a *json.SyntaxError", err, err)
				}
			case tc.format && !errors.As(err, &fe):
				t.Fatalf("%v, want a *cvm.FormatError", err)
			case !tc.format && !errors.As(err, &de):
				t.Fatalf("%v (%T), want a *DecodeError", err, err)
			case tc.field != "" && (de.Field != tc.field || !strings.Contains(err.Error(), tc.field)):
				t.Fatalf("%v: field %q, want %q named", err, de.Field, tc.field)
			}
		})
	}
}

func TestSettingsJSON(t *testing.T) {
	// Round trip, and a hand-written file: missing fields take defaults.
	want := Settings{DeclineRecency: 3, EndMinDays: 365, Seasonal: true}
	b := check.Must(json.Marshal(want))
	if !strings.HasPrefix(string(b), `{"format":"cvm.lifecycle.settings","version":1,`) || !strings.Contains(string(b), `"decline_recency":3`) {
		t.Errorf("JSON %s: want the envelope and the file's field names", b)
	}
	var got Settings
	check.NoErr(t, json.Unmarshal(b, &got))
	if got != want {
		t.Errorf("round trip: %+v, want %+v", got, want)
	}
	def := DefaultSettings()
	check.NoErr(t, json.Unmarshal(check.Must(json.Marshal(def)), &got))
	if got != def {
		t.Errorf("defaults round trip: %+v, want %+v", got, def)
	}
	if _, err := json.Marshal(Settings{DeclineDrop: 2}); err == nil {
		t.Error("marshalling invalid settings: no error")
	}
	// On error the settings are unchanged.
	before := got
	if err := json.Unmarshal([]byte(`{"format":"cvm.lifecycle.settings","version":1,"confirm":300}`), &got); err == nil || got != before {
		t.Errorf("confirm 300: %v, settings %+v", err, got)
	}
}

func TestStateJSONInvalid(t *testing.T) {
	s, _ := replay(t, script(monthly(date(2022, 1, 15), date(2022, 12, 15), 100), date(2023, 1, 1)), nil)
	good, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(good, &m); err != nil {
		t.Fatal(err)
	}
	vols := func(n int) []float64 { return make([]float64, n) }
	for _, tc := range []struct {
		field string
		value any
		want  error
	}{
		{"stage", "maturity", ErrUnknownStage},
		{"previous", "stability", ErrCorrupt}, // previous outside a decline
		{"highest", "decline", ErrCorrupt},
		{"volumes", vols(23), ErrCorrupt},
		{"intervals", make([]int, 11), ErrCorrupt},
		{"intervals", []int{30, 0}, ErrCorrupt},
		{"active", 1 << 24, ErrCorrupt},
		{"orders", -1, ErrCorrupt},
		{"stability_seconds", -5, ErrCorrupt},
	} {
		c := map[string]any{}
		for k, v := range m {
			c[k] = v
		}
		c[tc.field] = tc.value
		b := check.Must(json.Marshal(c))
		back := s
		err := json.Unmarshal(b, &back)
		var de *DecodeError
		if !errors.Is(err, tc.want) || !errors.As(err, &de) || de.Field != tc.field {
			t.Errorf("%s=%v: %v, want %v naming the field", tc.field, tc.value, err, tc.want)
		}
		if back != s {
			t.Errorf("%s: state changed on error", tc.field)
		}
	}
	if err := json.Unmarshal([]byte(`[1]`), &s); err == nil {
		t.Error("array: no error")
	}
	// In decline, the previous stage must be an active stage below.
	d := map[string]any{}
	for k, v := range m {
		d[k] = v
	}
	d["stage"], d["previous"] = "decline", "none"
	b := check.Must(json.Marshal(d))
	if err := json.Unmarshal(b, &s); !errors.Is(err, ErrCorrupt) {
		t.Errorf("decline without previous: %v", err)
	}
}

func FuzzStateJSON(f *testing.F) {
	for _, evs := range [][]Event{
		nil,
		{buy(date(2024, 1, 10), 10)},
		script(monthly(date(2022, 1, 15), date(2023, 6, 15), 100), date(2024, 6, 1)),
		script(monthly(date(2022, 1, 15), date(2023, 6, 15), 100), date(2023, 10, 1)),
	} {
		var s State
		for _, e := range evs {
			var err error
			if s, _, err = Apply(s, e, nil); err != nil {
				f.Fatal(err)
			}
		}
		b, err := json.Marshal(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"format":"cvm.lifecycle.state","version":1}`))
	f.Add([]byte(`{"format":"cvm.lifecycle.state","version":1,"stage":"decline","previous":"formation","volumes":[1e39]}`))
	// Issue 13: unknown fields, trailing data and huge declared sizes.
	f.Add([]byte(`{"format":"cvm.lifecycle.state","version":1,"stagee":"decline"}`))
	f.Add([]byte(`{"format":"cvm.lifecycle.state","version":1}}`))
	f.Add([]byte(`{"format":"cvm.lifecycle.state","version":1}]]]`))
	f.Add([]byte(`{"format":"cvm.lifecycle.state","version":1,"intervals":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var s State
		if err := json.Unmarshal(data, &s); err != nil {
			if s != (State{}) {
				t.Fatal("state changed on error")
			}
			return
		}
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("re-marshal: %v", err)
		}
		var back State
		if err := json.Unmarshal(b, &back); err != nil || back != s {
			t.Fatalf("round trip: %v\n%s", err, b)
		}
		// A decoded state accepts events without panicking, and only
		// through the table.
		for _, e := range []Event{
			{Kind: Tick, Time: s.Last().AddDate(0, 1, 0)}, buy(s.Last().AddDate(0, 1, 1), 5),
			{Kind: Tick, Time: s.Last().AddDate(1, 0, 0)}, {Kind: Termination, Time: s.Last().AddDate(2, 0, 0)},
		} {
			if s.Last().IsZero() {
				e.Time = date(2024, 1, 1).Add(e.Time.Sub(s.Last()))
			}
			n, tr, err := Apply(s, e, nil)
			if err == nil && tr.Changed() && !Allowed(tr.From, tr.To) {
				t.Fatalf("transition %v -> %v outside the table", tr.From, tr.To)
			}
			if err == nil {
				s = n
			}
		}
	})
}

func FuzzTransitionJSON(f *testing.F) {
	for _, tr := range []Transition{
		{},
		{From: Stability, To: Decline, at: date(2024, 3, 1).Unix(), Rule: RuleRecency,
			Measures: Measures{Tenure: 400, Orders: 12, Recency: 70, Interval: 30, Growth3: math.NaN(), Growth6: -0.25, YoY3: math.NaN(), Volatility: 0.3, Level3: 12.5}},
		{From: None, To: Exploration, at: date(1965, 3, 10).Unix(), Rule: RuleFirstPurchase},
	} {
		b, err := json.Marshal(tr)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"format":"cvm.lifecycle.transition","version":1,"from":"none","to":"none","rule":"none","at":-1}`))
	f.Add([]byte(`{"format":"cvm.lifecycle.transition","version":1,"from":"none","to":"none","rule":"none","measures":{"x":1}}`))
	f.Add([]byte(`{"format":"cvm.lifecycle.transition","version":1}]]]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var tr Transition
		if err := json.Unmarshal(data, &tr); err != nil {
			if !equalHistory([]Transition{tr}, []Transition{{}}) {
				t.Fatal("transition changed on error")
			}
			return
		}
		b, err := json.Marshal(tr)
		if err != nil {
			return // an infinite measure: documented as an error
		}
		var back Transition
		if err := json.Unmarshal(b, &back); err != nil || !equalHistory([]Transition{back}, []Transition{tr}) || back.at != tr.at {
			t.Fatalf("round trip: %v\n%s", err, b)
		}
	})
}

func FuzzSettingsJSON(f *testing.F) {
	f.Add(check.Must(json.Marshal(DefaultSettings())))
	f.Add(check.Must(json.Marshal(Settings{Seasonal: true})))
	// Issue 13: a misspelt rule, +Inf-like and out-of-range values,
	// trailing data.
	f.Add([]byte(`{"format":"cvm.lifecycle.settings","version":1,"decline_recencey":3}`))
	f.Add([]byte(`{"format":"cvm.lifecycle.settings","version":1,"end_recency":1e999}`))
	f.Add([]byte(`{"format":"cvm.lifecycle.settings","version":1,"decline_drop":1.5}`))
	f.Add([]byte(`{"format":"cvm.lifecycle.settings","version":1}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var s Settings
		if err := json.Unmarshal(data, &s); err != nil {
			if s != (Settings{}) {
				t.Fatal("settings changed on error")
			}
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("decoded invalid settings: %v", err)
		}
		var back Settings
		if err := json.Unmarshal(check.Must(json.Marshal(s)), &back); err != nil || back != s {
			t.Fatalf("round trip: %v", err)
		}
	})
}
