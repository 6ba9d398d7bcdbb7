package cvm

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// The reference for every automatic layout is the time package itself.
func TestParseTimeLayouts(t *testing.T) {
	cfg := &parseConfig{loc: time.UTC, utc: true}
	for _, tt := range []struct{ in, layout string }{
		{"20240229", "20060102"},
		{"19700101", "20060102"},
		{"2024-02-29", time.DateOnly},
		{"2024-12-31 23:59:59", time.DateTime},
		{"2024-12-31T23:59:59", "2006-01-02T15:04:05"},
		{"2024-12-31 23:59", "2006-01-02 15:04"},
		{"2024-12-31 23:59:59.123456789", "2006-01-02 15:04:05.999999999"},
		{"2024-06-01T12:00:00Z", time.RFC3339},
		{"2024-06-01T12:00:00.25+05:30", time.RFC3339Nano},
		{"2024-06-01T12:00:00-0700", "2006-01-02T15:04:05-0700"},
		{"1900-03-01", time.DateOnly},
		{"2024-06-01T12:00:00.5+05:30", time.RFC3339Nano},
	} {
		want, err := time.Parse(tt.layout, tt.in)
		if err != nil {
			t.Fatalf("reference parse of %q: %v", tt.in, err)
		}
		sec, ns, ok := cfg.parseTime([]byte(tt.in))
		if !ok || sec != want.Unix() || int(ns) != want.Nanosecond() {
			t.Errorf("parseTime(%q) = %d, %d, %v; want %d, %d", tt.in, sec, ns, ok, want.Unix(), want.Nanosecond())
		}
	}
	for _, bad := range []string{"", "2024", "2024-02-30", "20240001", "2024-1-01", "2024-01-01 1:00", "2024-01-01X10:00",
		"2024-01-01 10:00:0", "2024-01-01 10:00:00.", "2024-01-01 10:00:00.1234567890", "2024-01-01T10:00:00+25:00", "2024-01-01T10:00:00Q",
		"2024-01-01 10:60", "2024-01-01 10:00:61", "2024-00-10"} {
		if _, _, ok := cfg.parseTime([]byte(bad)); ok {
			t.Errorf("parseTime(%q) accepted", bad)
		}
	}
}

// parseAmount agrees with strconv.ParseFloat bit for bit.
func TestParseAmount(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cases := []string{"0", "-0", "+1", "0.1", "0.000001", ".5", "5.", "123456789012345", "1234567890123456",
		"0.1234567890123456789", "99999999999999.9", "1e5", "-2.5E-3", "Inf", "-inf", "NaN", "0x10"}
	for range 20000 {
		n := rng.Int64N(1e15)
		s := strconv.FormatInt(n, 10)
		if k := rng.IntN(len(s) + 1); k < len(s) {
			s = s[:len(s)-k] + "." + s[len(s)-k:]
		}
		if rng.IntN(2) == 0 {
			s = "-" + s
		}
		cases = append(cases, s)
	}
	for _, s := range cases {
		want, err := strconv.ParseFloat(s, 64)
		got, ok := parseAmount([]byte(s))
		if ok != (err == nil) || ok && !(got == want || got != got && want != want) {
			t.Errorf("parseAmount(%q) = %v, %v; strconv gives %v, %v", s, got, ok, want, err)
		}
	}
	for _, bad := range []string{"", "-", ".", "1.2.3", "1,5", "abc", "--1"} {
		if _, ok := parseAmount([]byte(bad)); ok {
			t.Errorf("parseAmount(%q) accepted", bad)
		}
	}
}

// Quantity x price is the decimal product rounded once; the reference is
// strconv.ParseFloat of the product written out by hand.
func TestParseProduct(t *testing.T) {
	for _, tt := range []struct{ q, p, exact string }{
		{"6", "2.55", "15.30"},
		{"3", "0.1", "0.3"},
		{"-1", "27.50", "-27.50"},
		{"12", "0.85", "10.20"},
		{"0", "-5", "0"},
		{"2.5", "-0.04", "-0.100"},
		{"1e2", "0.07", "7"}, // slow path: float64 product of 100 and 0.07 is 7.000000000000001
	} {
		got, qok, pok := parseProduct([]byte(tt.q), []byte(tt.p))
		want, _ := strconv.ParseFloat(tt.exact, 64)
		if tt.q == "1e2" {
			x, y := 100.0, 0.07 // variables: a constant product would be exact
			want = x * y
		}
		if !qok || !pok || got != want {
			t.Errorf("parseProduct(%s, %s) = %v, %v, %v; want %v", tt.q, tt.p, got, qok, pok, want)
		}
	}
	if _, qok, pok := parseProduct([]byte("x"), []byte("1")); qok || !pok {
		t.Error("bad quantity accepted")
	}
	if _, qok, pok := parseProduct([]byte("1"), []byte("y")); !qok || pok {
		t.Error("bad price accepted")
	}
}
