package recovery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/check"
	"github.com/cvmkit/cvm/internal/envelope"
	"github.com/cvmkit/cvm/value"
)

// decodeBook is json.Unmarshal into a fresh Book.
func decodeBook(data []byte) (*Book, error) {
	var b Book
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, err
	}
	return &b, nil
}

func TestBookJSONRoundTrip(t *testing.T) {
	m := mustModel(t, nil)
	cs := synthCustomers(1100, 31)
	asOf := time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)
	b := check.Must(m.Build(context.Background(), cs, &BuildSettings{AsOf: asOf}))
	data := check.Must(json.Marshal(b))
	if !bytes.HasPrefix(data, []byte(`{"format":"cvm.recovery.book","version":2,"card":{"library":"`+cvm.Version+`","as_of":"2025-06-30T00:00:00Z","customers":1100,"fingerprint":"`)) {
		t.Errorf("header %s", data[:160])
	}
	d := check.Must(decodeBook(data))
	if !sameBook(b, d) {
		t.Error("decoded book differs")
	}
	if again := check.Must(json.Marshal(d)); !bytes.Equal(again, data) {
		t.Error("re-encoding differs")
	}
	// Inputs only: smaller, and decodes to the same book.
	small := check.Must(b.MarshalInputsJSON())
	if len(small)*10 > len(data) || bytes.Contains(small, []byte("playbook")) {
		t.Errorf("inputs-only encoding is %d bytes of %d", len(small), len(data))
	}
	d2 := check.Must(decodeBook(small))
	if c1, c2 := d2.Card(), b.Card(); !sameBook(b, d2) || c1.Fingerprint != c2.Fingerprint || !c1.AsOf.Equal(c2.AsOf) || c1.Customers != c2.Customers {
		t.Error("book decoded from inputs differs")
	}
}

// Custom settings travel with the book.
func TestBookJSONCustomSettings(t *testing.T) {
	s := DefaultSettings()
	s.QuadrantCap[0] = 75
	s.TierSpeed = []float64{0.1, 1}
	s.DefaultChannel[0] = "letter"
	s.LoyaltyBuffer = Off
	s.KeyAccount = []value.Quadrant{}
	m := mustModel(t, &s)
	b := check.Must(m.Build(context.Background(), synthCustomers(50, 32), nil))
	d := check.Must(decodeBook(check.Must(json.Marshal(b))))
	if got := d.Model().Settings(); got.QuadrantCap[0] != 75 || len(got.TierSpeed) != 2 || got.DefaultChannel[0] != "letter" ||
		got.LoyaltyBuffer != Off || got.KeyAccount == nil || len(got.KeyAccount) != 0 {
		t.Errorf("settings not restored: %+v", got)
	}
	if !sameBook(b, d) {
		t.Error("decoded book differs")
	}
}

func TestSettingsJSON(t *testing.T) {
	c := DefaultSettings()
	c.ParadoxMaxSeverity = 1
	data := check.Must(json.Marshal(c))
	if !bytes.HasPrefix(data, []byte(`{"format":"cvm.recovery.settings","version":1,`)) {
		t.Errorf("header %s", data[:60])
	}
	var got Settings
	check.NoErr(t, json.Unmarshal(data, &got))
	if d1 := check.Must(json.Marshal(got)); !bytes.Equal(d1, data) {
		t.Errorf("round trip differs:\n%s\n%s", d1, data)
	}
	// Missing fields are zero and take the defaults, as in Go: the model
	// is the default model but for the one field.
	check.NoErr(t, json.Unmarshal([]byte(`{"format":"cvm.recovery.settings","version":1,"max_loss_multiple":3}`), &got))
	want := DefaultSettings()
	want.MaxLossMultiple = 3
	w := check.Must(json.Marshal(want))
	if g := check.Must(json.Marshal(mustModel(t, &got).Settings())); !bytes.Equal(w, g) {
		t.Errorf("partial settings:\n%s\nwant\n%s", g, w)
	}
}

// TestDecodeErrors is the table of bad book files. Issue 13: trailing "}"
// or "]]]" after a book was accepted.
func TestDecodeErrors(t *testing.T) {
	m := mustModel(t, nil)
	b := check.Must(m.Build(context.Background(), synthCustomers(3, 33), nil))
	s := string(check.Must(json.Marshal(b)))
	tests := []struct {
		name string
		in   string
		err  error // errors.Is target, if any
		has  string
	}{
		{"empty", "", nil, "unexpected end"},
		{"not json", "{", nil, "unexpected end"},
		{"array", "[]", nil, "cannot unmarshal array"},
		{"trailing object", s + "{}", nil, "after top-level value"},
		{"trailing brace", s + "}", nil, "after top-level value"},
		{"trailing brackets", s + "]]]", nil, "after top-level value"},
		{"format", strings.Replace(s, "cvm.recovery.book", "cvm.other", 1), nil, "cvm.other"},
		{"version 1", strings.Replace(s, `"version":2`, `"version":1`, 1), nil, "version 1"},
		{"settings version", strings.Replace(s, `"cvm.recovery.settings","version":1`, `"cvm.recovery.settings","version":9`, 1), nil, "version 9"},
		{"unknown field", strings.Replace(s, `"customers":`, `"extra":1,"customers":`, 1), nil, `"extra"`},
		{"unknown settings field", strings.Replace(s, `"max_loss_multiple":2`, `"max_loss_multiplier":2`, 1), nil, `"max_loss_multiplier"`},
		{"old config field", strings.Replace(s, `"settings":`, `"config":`, 1), nil, `"config"`},
		{"bad settings", strings.Replace(s, `"max_loss_multiple":2`, `"max_loss_multiple":-2`, 1), ErrBadValue, "MaxLossMultiple"},
		{"bad quadrant", strings.Replace(s, `"quadrant":"`, `"quadrant":"V`, 1), value.ErrUnknownQuadrant, "quadrant"},
		{"bad stage", strings.Replace(s, `"stage":"`, `"stage":"x`, 1), nil, "stage"},
		{"bad tier", strings.Replace(s, `"tier":`, `"tier":999`, 1), value.ErrUnknownTier, "tier"},
		{"bad strength", strings.Replace(s, `"strength":0.`, `"strength":3.`, 1), ErrBadValue, "strength"},
		{"bad failure", strings.Replace(s, `"failure":"billing"`, `"failure":"fire"`, 1), ErrUnknownFailure, "fire"},
		{"tampered", strings.Replace(s, `"ratio":`, `"ratio":9`, 1), ErrFormat, "does not match"},
		{"short playbook", strings.Replace(s, `"playbook":[{`, `"playbook":[{"failure":"billing","severity":"S1"},{`, 1), ErrFormat, "25 rows"},
		{"card count", strings.Replace(s, `"customers":3,`, `"customers":4,`, 1), ErrFormat, "card"},
		{"card fingerprint", strings.Replace(s, `"fingerprint":"`, `"fingerprint":"0`, 1), ErrFormat, "fingerprint"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.in == s {
				t.Fatal("replacement did not apply")
			}
			_, err := decodeBook([]byte(tc.in))
			var fe *cvm.FormatError
			switch {
			case err == nil:
				t.Fatal("no error")
			case (tc.name == "format" || strings.Contains(tc.name, "version")) && !errors.As(err, &fe):
				t.Errorf("err %v, want a *cvm.FormatError", err)
			case tc.err != nil && !errors.Is(err, tc.err):
				t.Errorf("err %v, want %v", err, tc.err)
			case !strings.Contains(err.Error(), tc.has):
				t.Errorf("err %v, want it to name %q", err, tc.has)
			}
		})
	}
	// Inputs without playbooks, settings or card are built with the
	// defaults.
	in := `{"format":"cvm.recovery.book","version":2,
	"customers":[{"customer":"a","quadrant":"IV","tier":1,"stage":"stability","strength":0.5,"failures_12m":0,"last_recovery_ok":true,"influence":0,"gross_profit":100}]}`
	d := check.Must(decodeBook([]byte(in)))
	if _, err := d.Lookup("a", Outage, S4); err != nil {
		t.Error(err)
	}
}

func FuzzDecodeBook(f *testing.F) {
	m := check.Must(New(nil))
	// Small seeds keep the fuzzer fast: a full book (6 KB a customer)
	// takes the minimizer a long time on every new input.
	b := check.Must(m.Build(context.Background(), synthCustomers(1, 34), nil))
	good := check.Must(json.Marshal(b))
	f.Add(good)
	f.Add(check.Must(b.MarshalInputsJSON()))
	f.Add([]byte(`{"format":"cvm.recovery.book","version":2,"settings":{"format":"cvm.recovery.settings","version":1},"customers":[{"customer":"a","quadrant":"2","tier":0,"stage":"none","strength":1,"failures_12m":3,"last_recovery_ok":false,"influence":1e9,"gross_profit":-5}]}`))
	f.Add([]byte(`{}`))
	// Issue 13: trailing data was accepted.
	f.Add(append(bytes.Clone(good), '}'))
	f.Add(append(bytes.Clone(good), "]]]"...))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := decodeBook(data)
		if err != nil {
			return
		}
		enc, err := json.Marshal(d)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		d2, err := decodeBook(enc)
		if err != nil {
			t.Fatalf("decode of re-encoding: %v", err)
		}
		if !sameBook(d, d2) {
			t.Fatal("round trip differs")
		}
	})
}

func FuzzSettingsJSON(f *testing.F) {
	f.Add(check.Must(json.Marshal(DefaultSettings())))
	f.Add([]byte(`{"format":"cvm.recovery.settings","version":1,"tier_speed":[1]}`))
	f.Add([]byte(`{"format":"cvm.recovery.settings","version":1,"loyalty_buffer":-2147483648,"key_account":[]}`))
	f.Add([]byte(`{"format":"cvm.recovery.settings","version":1}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var c Settings
		if err := json.Unmarshal(data, &c); err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("decoded invalid settings: %v", err)
		}
		enc := check.Must(json.Marshal(c))
		var c2 Settings
		check.NoErr(t, json.Unmarshal(enc, &c2))
		if enc2 := check.Must(json.Marshal(c2)); !bytes.Equal(enc, enc2) {
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
	})
}

// plainBookJSON is the book's encoding built the plain way, independently
// of write: every customer's inputs and playbook rows (read through
// Lookup, not the packed slots) in one bookJSON, through json.Marshal.
func plainBookJSON(t *testing.T, b *Book, playbooks bool) []byte {
	t.Helper()
	v := bookJSON{Header: envelope.New(BookFormat, BookVersion, b.Card()), Settings: b.m.set, Customers: []customerJSON{}}
	for c := range b.Customers {
		cj := customerJSON{
			ID: c.ID, Quadrant: c.Quadrant.String(), Tier: c.Tier, Stage: c.Stage.String(),
			Strength: c.Strength, Failures12m: c.Failures12m, LastRecoveryOK: c.LastRecoveryOK,
			Channel: c.Channel, Influence: c.Influence, GrossProfit: c.GrossProfit,
		}
		if playbooks {
			for ft := FailureType(1); ft <= NumFailureTypes; ft++ {
				for sv := Severity(1); sv <= NumSeverities; sv++ {
					e := check.Must(b.Lookup(c.ID, ft, sv))
					cj.Playbook = append(cj.Playbook, rowJSON{
						Failure: e.Failure, Severity: e.Severity,
						Expected: float32(e.Expected), Ratio: float32(e.Ratio), Cap: float32(e.Cap), PreApproved: float32(e.PreApproved),
						ChurnWith: float32(e.ChurnWith), ChurnOut: float32(e.ChurnWithout),
						AckMin: uint32(e.AcknowledgeBy / time.Minute), ResMin: uint32(e.ResolveBy / time.Minute),
						Apology: e.Apology, Owner: e.Owner, Paradox: e.Paradox, Escalated: e.Escalated,
					})
				}
			}
		}
		v.Customers = append(v.Customers, cj)
	}
	return check.Must(json.Marshal(v))
}

// failAfter is a writer that fails once it has taken n bytes.
type failAfter struct {
	n   int
	err error
}

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		k := f.n
		f.n = 0
		return k, f.err
	}
	f.n -= len(p)
	return len(p), nil
}

// TestBookWriteJSON checks WriteJSON and WriteInputsJSON (and so
// MarshalJSON and MarshalInputsJSON, which go through them) against the
// plain encoding for books of 0, 1, 256 (one chunk) and 1,100 customers at
// GOMAXPROCS 1 and 2, and that a failing writer's error is returned, at
// the envelope, among the customers and at the end.
func TestBookWriteJSON(t *testing.T) {
	m := mustModel(t, nil)
	asOf := time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)
	for _, n := range []int{0, 1, chunkSize, 1100} {
		b := check.Must(m.Build(context.Background(), synthCustomers(n, 7), &BuildSettings{AsOf: asOf}))
		for _, procs := range []int{1, 2} {
			prev := runtime.GOMAXPROCS(procs)
			for _, tc := range []struct {
				name      string
				write     func(io.Writer) error
				playbooks bool
			}{{"WriteJSON", b.WriteJSON, true}, {"WriteInputsJSON", b.WriteInputsJSON, false}} {
				want := plainBookJSON(t, b, tc.playbooks)
				var buf bytes.Buffer
				if err := tc.write(&buf); err != nil {
					t.Fatalf("%d customers, %s: %v", n, tc.name, err)
				}
				if !bytes.Equal(buf.Bytes(), want) {
					t.Errorf("%d customers, GOMAXPROCS %d, %s: %d bytes differ from the plain encoding's %d", n, procs, tc.name, buf.Len(), len(want))
				}
				for _, at := range []int{0, len(want) / 2, len(want) - 1} {
					boom := errors.New("disk full")
					if err := tc.write(&failAfter{n: at, err: boom}); err != boom {
						t.Errorf("%d customers, %s, writer failing after %d bytes: %v, want its error", n, tc.name, at, err)
					}
				}
			}
			runtime.GOMAXPROCS(prev)
		}
	}
	var nb *Book
	if err := nb.WriteJSON(io.Discard); err == nil {
		t.Error("nil book: no error")
	}
}

// TestAppendCustomer checks appendCustomer against json.Marshal on 20,000
// random customers drawn from hostile values: IDs and channels with
// quotes, backslashes, HTML characters, control bytes, non-ASCII and
// invalid UTF-8; floats at the bounds of encoding/json's exponent form,
// subnormal, negative zero, NaN and infinite; invalid enumerations.
// Either both give the same bytes or both an error.
func TestAppendCustomer(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	pick := func(n int) int { return rng.IntN(n) }
	// values draws strings and floats from the hostile lists, or, plain
	// true, from the common case only.
	type values struct {
		strs []string
		f64s []float64
		f32s []float32
	}
	hostile := values{
		strs: []string{"", "C1", `a"b`, `a\b`, "<x>", "a&b", "tab\there", "\x00", "é", "\u2028", "\xff", "Ω-1", "~ok~"},
		f64s: []float64{0, math.Copysign(0, -1), 1, -2.5, 0.1, 1e-6, 9.99e-7, 1e-7, 1e20, 1e21, 1e22, -1e-300, 5e-324, math.MaxFloat64, math.NaN(), math.Inf(1), math.Inf(-1)},
		f32s: []float32{0, 1, 0.3, 1e-6, 9.9e-7, 1e-7, 1e20, 1e21, 3e38, 1e-45, float32(math.NaN()), float32(math.Inf(-1))},
	}
	plainVals := values{
		strs: []string{"", "C1", "12668.0", "~ok~", "key-account"},
		f64s: []float64{0, math.Copysign(0, -1), 1e-6, 9.99e-7, 1e-7, 1e20, 1e21, 1e22, 5e-324, math.MaxFloat64, 123456.789},
		f32s: []float32{0, float32(math.Copysign(0, -1)), 1e-6, 9.9e-7, 1e-7, 1e20, 1e21, 3e38, 1e-45, 0.00012},
	}
	errs, same, plain := 0, 0, 0
	for i := range 20000 {
		v, common := hostile, i%2 == 1
		if common {
			v = plainVals
		}
		str := func() string { return v.strs[pick(len(v.strs))] }
		f64 := func() float64 {
			if pick(2) == 0 {
				return rng.NormFloat64() * math.Pow(10, float64(pick(44)-22))
			}
			return v.f64s[pick(len(v.f64s))]
		}
		f32 := func() float32 {
			if pick(2) == 0 {
				return float32(rng.NormFloat64() * math.Pow(10, float64(pick(24)-12)))
			}
			return v.f32s[pick(len(v.f32s))]
		}
		cj := customerJSON{
			ID: str(), Quadrant: str(), Tier: value.Tier(pick(6)), Stage: str(),
			Strength: f64(), Failures12m: pick(5) - 1, LastRecoveryOK: pick(2) == 0,
			Channel: str(), Influence: f64(), GrossProfit: f64(),
		}
		for range pick(3) * 12 {
			r := rowJSON{
				Failure: FailureType(pick(NumFailureTypes + 2)), Severity: Severity(pick(NumSeverities + 2)),
				Expected: f32(), Ratio: f32(), Cap: f32(), PreApproved: f32(), ChurnWith: f32(), ChurnOut: f32(),
				AckMin: rng.Uint32(), ResMin: uint32(pick(100)), Apology: Apology(pick(5)), Owner: Owner(pick(6)),
				Paradox: pick(2) == 0, Escalated: pick(2) == 0,
			}
			if common {
				r.Failure, r.Severity = FailureType(1+pick(NumFailureTypes)), Severity(1+pick(NumSeverities))
				r.Apology, r.Owner = Apology(1+pick(3)), Owner(1+pick(4))
			}
			cj.Playbook = append(cj.Playbook, r)
		}
		want, werr := json.Marshal(&cj)
		if _, ok := appendCustomerPlain(nil, &cj); ok {
			plain++
		}
		got, gerr := appendCustomer([]byte("prefix"), &cj)
		switch {
		case werr != nil || gerr != nil:
			if (werr == nil) != (gerr == nil) {
				t.Fatalf("customer %d: error %v, json.Marshal's %v", i, gerr, werr)
			}
			errs++
		case !bytes.Equal(got, append([]byte("prefix"), want...)):
			t.Fatalf("customer %d:\n got %s\nwant prefix%s", i, got, want)
		default:
			same++
		}
	}
	if errs < 1000 || same < 1000 || plain < 9000 {
		t.Errorf("%d errors, %d equal encodings, %d written by appendCustomerPlain: the draws miss a case", errs, same, plain)
	}
}
