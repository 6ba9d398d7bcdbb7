package recovery

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestBookJSONRoundTrip(t *testing.T) {
	m := mustModel(t, nil)
	cs := synthCustomers(1100, 31)
	b, err := m.Build(cs)
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte(`{"format":"cvm.recovery.book","version":1,`)) {
		t.Errorf("header %s", data[:60])
	}
	d, err := DecodeBook(data)
	if err != nil {
		t.Fatal(err)
	}
	if !sameBook(b, d) {
		t.Error("decoded book differs")
	}
	again, err := json.Marshal(d)
	if err != nil || !bytes.Equal(again, data) {
		t.Errorf("re-encoding differs: %v", err)
	}
	// Inputs only: smaller, and decodes to the same book.
	small, err := b.MarshalInputsJSON()
	if err != nil {
		t.Fatal(err)
	}
	if len(small)*10 > len(data) || bytes.Contains(small, []byte("playbook")) {
		t.Errorf("inputs-only encoding is %d bytes of %d", len(small), len(data))
	}
	d2, err := DecodeBook(small)
	if err != nil {
		t.Fatal(err)
	}
	if !sameBook(b, d2) {
		t.Error("book decoded from inputs differs")
	}
}

// A custom configuration travels with the book.
func TestBookJSONCustomConfig(t *testing.T) {
	cfg := DefaultConfig()
	cfg.QuadrantCap[0] = 75
	cfg.TierSpeed = []float64{0.1, 1}
	cfg.DefaultChannel[0] = "letter"
	m := mustModel(t, &cfg)
	b, err := m.Build(synthCustomers(50, 32))
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(b)
	d, err := DecodeBook(data)
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Model().Config(); got.QuadrantCap[0] != 75 || len(got.TierSpeed) != 2 || got.DefaultChannel[0] != "letter" {
		t.Errorf("config not restored: %+v", got)
	}
	if !sameBook(b, d) {
		t.Error("decoded book differs")
	}
}

func TestConfigJSON(t *testing.T) {
	c := DefaultConfig()
	c.ParadoxMaxSeverity = 1
	data, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var got Config
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	d1, _ := json.Marshal(got)
	if !bytes.Equal(d1, data) {
		t.Errorf("round trip differs:\n%s\n%s", d1, data)
	}
	// Missing fields keep the defaults.
	if err := json.Unmarshal([]byte(`{"format":"cvm.recovery.config","version":1,"max_loss_multiple":3}`), &got); err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig()
	want.MaxLossMultiple = 3
	w, _ := json.Marshal(want)
	g, _ := json.Marshal(got)
	if !bytes.Equal(w, g) {
		t.Errorf("partial config:\n%s\nwant\n%s", g, w)
	}
}

func TestDecodeErrors(t *testing.T) {
	m := mustModel(t, nil)
	b, _ := m.Build(synthCustomers(3, 33))
	good, _ := json.Marshal(b)
	s := string(good)
	tests := []struct {
		name string
		in   string
		err  error
	}{
		{"empty", "", ErrFormat},
		{"not json", "{", ErrFormat},
		{"array", "[]", ErrFormat},
		{"trailing", s + "{}", ErrFormat},
		{"format", strings.Replace(s, "cvm.recovery.book", "cvm.other", 1), ErrFormat},
		{"version", strings.Replace(s, `"version":1`, `"version":2`, 1), ErrFormat},
		{"config version", strings.Replace(s, `"version":1`, `"version":9`, 2), ErrFormat},
		{"unknown field", strings.Replace(s, `"customers":`, `"extra":1,"customers":`, 1), ErrFormat},
		{"no config", `{"format":"cvm.recovery.book","version":1,"customers":[]}`, ErrFormat},
		{"bad config", strings.Replace(s, `"max_loss_multiple":2`, `"max_loss_multiple":-2`, 1), ErrBadValue},
		{"bad quadrant", strings.Replace(s, `"quadrant":"`, `"quadrant":"V`, 1), ErrBadValue},
		{"bad stage", strings.Replace(s, `"stage":"`, `"stage":"x`, 1), ErrBadValue},
		{"bad strength", strings.Replace(s, `"strength":0.`, `"strength":3.`, 1), ErrBadValue},
		{"bad failure", strings.Replace(s, `"failure":"billing"`, `"failure":"fire"`, 1), ErrFormat},
		{"tampered", strings.Replace(s, `"ratio":`, `"ratio":9`, 1), ErrFormat},
		{"short playbook", strings.Replace(s, `"playbook":[{`, `"playbook":[{"failure":"billing","severity":"S1"},{`, 1), ErrFormat},
	}
	for _, tc := range tests {
		if tc.in == s {
			t.Fatalf("%s: replacement did not apply", tc.name)
		}
		if _, err := DecodeBook([]byte(tc.in)); !errors.Is(err, tc.err) {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.err)
		}
	}
	// Inputs without playbooks are built.
	in := `{"format":"cvm.recovery.book","version":1,"config":{"format":"cvm.recovery.config","version":1},
	"customers":[{"customer":"a","quadrant":"IV","tier":1,"stage":"stability","strength":0.5,"failures_12m":0,"last_recovery_ok":true,"influence":0,"gross_profit":100}]}`
	d, err := DecodeBook([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Lookup("a", Outage, S4); err != nil {
		t.Error(err)
	}
}

func FuzzDecodeBook(f *testing.F) {
	m, _ := New(nil)
	b, _ := m.Build(synthCustomers(2, 34))
	good, _ := json.Marshal(b)
	f.Add(good)
	f.Add([]byte(`{"format":"cvm.recovery.book","version":1,"config":{"format":"cvm.recovery.config","version":1},"customers":[{"customer":"a","quadrant":"2","tier":0,"stage":"none","strength":1,"failures_12m":3,"last_recovery_ok":false,"influence":1e9,"gross_profit":-5}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := DecodeBook(data)
		if err != nil {
			return
		}
		enc, err := json.Marshal(d)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		d2, err := DecodeBook(enc)
		if err != nil {
			t.Fatalf("decode of re-encoding: %v", err)
		}
		if !sameBook(d, d2) {
			t.Fatal("round trip differs")
		}
	})
}

func FuzzConfigJSON(f *testing.F) {
	good, _ := json.Marshal(DefaultConfig())
	f.Add(good)
	f.Add([]byte(`{"format":"cvm.recovery.config","version":1,"tier_speed":[1]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var c Config
		if err := json.Unmarshal(data, &c); err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("decoded an invalid config: %v", err)
		}
		enc, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		var c2 Config
		if err := json.Unmarshal(enc, &c2); err != nil {
			t.Fatal(err)
		}
		enc2, _ := json.Marshal(c2)
		if !bytes.Equal(enc, enc2) {
			t.Fatal("round trip differs")
		}
	})
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"S1", "s4", "3", "billing", "late", "", "S"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if v, err := ParseSeverity(s); err == nil {
			if w, err := ParseSeverity(v.String()); err != nil || w != v {
				t.Fatalf("severity %q -> %v -> %v %v", s, v, w, err)
			}
		}
		if v, err := ParseFailureType(s); err == nil {
			if w, err := ParseFailureType(v.String()); err != nil || w != v {
				t.Fatalf("failure %q -> %v -> %v %v", s, v, w, err)
			}
		}
		if q, ok := ParseQuadrant(s); ok {
			if w, ok := ParseQuadrant(q.String()); !ok || w != q {
				t.Fatalf("quadrant %q -> %v -> %v", s, q, w)
			}
		}
		if st, ok := ParseStage(s); ok {
			if w, ok := ParseStage(st.String()); !ok || w != st {
				t.Fatalf("stage %q -> %v -> %v", s, st, w)
			}
		}
		if tr, ok := ParseTier(s); ok && (tr < 1) {
			t.Fatalf("tier %q -> %v", s, tr)
		}
	})
}
