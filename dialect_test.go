package cvm

import "testing"

func TestDialectText(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Dialect
	}{
		{"ansi", ANSI}, {"SQLite", SQLite}, {"postgresql", PostgreSQL}, {"postgres", PostgreSQL}, {"DuckDB", DuckDB},
	} {
		var d Dialect
		if err := d.UnmarshalText([]byte(tc.in)); err != nil || d != tc.want {
			t.Errorf("UnmarshalText(%q) = %v, %v; want %v", tc.in, d, err, tc.want)
		}
	}
	for d := ANSI; d <= DuckDB; d++ {
		b, err := d.MarshalText()
		var back Dialect
		if err != nil || back.UnmarshalText(b) != nil || back != d {
			t.Errorf("round trip of %v: %q, %v, back %v", d, b, err, back)
		}
	}
	var d Dialect
	if err := d.UnmarshalText([]byte("oracle")); err == nil {
		t.Error("UnmarshalText(oracle): no error")
	}
	if _, err := Dialect(9).MarshalText(); err == nil {
		t.Error("MarshalText(Dialect(9)): no error")
	}
	if got := Dialect(9).String(); got != "Dialect(9)" {
		t.Errorf("String = %q", got)
	}
}
