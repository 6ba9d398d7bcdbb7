package report

import (
	"math"
	"strings"
	"testing"
)

func TestTableAlignment(t *testing.T) {
	tb := New("Segments", "segment", "customers", "share")
	tb.Row("Champions", 12, "4.0%")
	tb.Row("Lost", 1234, "41.1%")
	tb.Rule()
	tb.Row("total", 1246, "-")
	var b strings.Builder
	if err := tb.Write(&b); err != nil {
		t.Fatal(err)
	}
	// Expected layout written by hand: text left, numbers right.
	want := "Segments\n" +
		"  segment    customers  share\n" +
		"  ---------------------------\n" +
		"  Champions         12   4.0%\n" +
		"  Lost            1234  41.1%\n" +
		"  ---------------------------\n" +
		"  total           1246      -\n"
	if got := b.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestEmptyTable(t *testing.T) {
	var b strings.Builder
	New("T", "a").Write(&b)
	if got, want := b.String(), "T\n  (none)\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestFormatters(t *testing.T) {
	tests := []struct{ got, want string }{
		{Money(1234567.4), "1,234,567"},
		{Money(-1234.5), "-1,234"}, // FormatFloat rounds half to even: 1234.5 -> 1234
		{Money(12.25), "12.25"},
		{Money(math.NaN()), "-"},
		{Pct(0.4109), "41.1%"},
		{Pct(math.Inf(1)), "-"},
		{Float(12345.678, 2), "12346"},
		{Float(1.5, 1), "1.5"},
		{Int(1234567), "1,234,567"},
		{Int(-12), "-12"},
		{Money(-0.001), "0.00"},
		{Cell(3), "3"},
		{Cell(2.0), "2.00"},
	}
	for i, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("case %d: got %q, want %q", i, tt.got, tt.want)
		}
	}
}

func TestWrap(t *testing.T) {
	got := Wrap("aaa bbb ccc", 7, "")
	if want := "aaa bbb\nccc\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestLeftColumn(t *testing.T) {
	tb := New("", "id", "n")
	tb.Left(0)
	tb.Row("12", 3)
	tb.Row("7", 10)
	var b strings.Builder
	tb.Write(&b)
	// Written by hand: the ID column stays left-aligned although numeric;
	// the number column and its heading are right-aligned.
	want := "  id   n\n  ------\n  12   3\n  7   10\n"
	if got := b.String(); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}
