package lifecycle

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
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
	b, _ := json.Marshal(State{})
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
	if !strings.Contains(string(b), `"growth3":null`) || !strings.Contains(string(b), `"version":1`) {
		t.Errorf("JSON %s: want null for NaN and a version", b)
	}
	var back Transition
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !equalHistory([]Transition{back}, []Transition{tr}) || back.At() != tr.At() {
		t.Errorf("round trip:\n got %+v\nwant %+v", back, tr)
	}
	var zero Transition
	b, _ = json.Marshal(Transition{})
	if err := json.Unmarshal(b, &zero); err != nil || !zero.At().IsZero() || zero.Changed() {
		t.Errorf("zero transition: %v %+v", err, zero)
	}
	for _, tc := range []struct {
		name, in string
		want     error
	}{
		{"version", `{"version":2,"from":"none","to":"none","rule":"none"}`, ErrVersion},
		{"from", `{"version":1,"from":"x","to":"none","rule":"none"}`, ErrUnknownStage},
		{"to", `{"version":1,"from":"none","to":"x","rule":"none"}`, ErrUnknownStage},
		{"rule", `{"version":1,"from":"none","to":"none","rule":"x"}`, ErrCorrupt},
	} {
		var tr Transition
		if err := json.Unmarshal([]byte(tc.in), &tr); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	var de *DecodeError
	if err := json.Unmarshal([]byte(`{"version":"one"}`), &back); !errors.As(err, &de) {
		t.Errorf("malformed: %v, want *DecodeError", err)
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
		{"version", 0, ErrVersion},
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
		b, _ := json.Marshal(c)
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
	b, _ := json.Marshal(d)
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
			s, _, _ = Apply(s, e, nil)
		}
		b, err := json.Marshal(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`{"version":1,"stage":"decline","previous":"formation","volumes":[1e39]}`))
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
	f.Add([]byte(`{"version":1,"from":"none","to":"none","rule":"none","at":-1}`))
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
