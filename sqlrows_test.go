package cvm

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

// rowsOf returns a RowsReader of one row whose customer, time and amount
// cells are given, without a database: the conversions of the cells are
// what is tested here; the reading of real rows is tested against SQLite
// and PostgreSQL in examples/sqldb.
func rowsOf(t *testing.T, tim, amount cell, set *ReadSettings) *RowsReader {
	t.Helper()
	o := ReadSettings{}
	if set != nil {
		o = *set
	}
	c := parseConfig{layout: o.TimeLayout, loc: o.Location}
	if c.loc == nil {
		c.loc = time.UTC
	}
	c.utc = c.loc == time.UTC
	if err := c.resolveColumns(&o, []string{"customer", "time", "amount"}); err != nil {
		t.Fatal(err)
	}
	return &RowsReader{cfg: c, opts: o, cells: []cell{{kind: cellString, s: "A"}, tim, amount}}
}

// FuzzSQLValue checks the conversion of database values against the CSV
// reader: a text time or amount converts as the same CSV field does (same
// value to the bit, same exact decimal, same error), a float64 amount is
// taken as it is and its shortest decimal parses back to it, and Unix
// seconds in an integer or a float64 give that instant.
func FuzzSQLValue(f *testing.F) {
	for _, s := range []string{"12.50", " -3 ", "1e3", "NaN", "Inf", "0x1p-2", "", "12,5", "2024-01-02 03:04:05",
		"2024-01-02T03:04:05.123456789+02:00", "20240102", "0001-01-01", "9999999999999999999", "1.0000000000000001",
		"-0", "+.5", "."} {
		f.Add(s, 0.1, int64(1700000000))
	}
	f.Add("1", math.Inf(1), int64(-1))
	f.Add("1", math.Copysign(0, -1), int64(math.MaxInt64))
	f.Add("1", 1e300, int64(math.MinInt64))
	f.Add("1", 5e-324, int64(0))
	f.Fuzz(func(t *testing.T, s string, x float64, n int64) {
		// Text against the CSV reader, for text a CSV field can hold.
		if !strings.ContainsAny(s, ",\"\r\n") && strings.TrimSpace(s) != "" {
			csvRd, err := NewReader(strings.NewReader("customer,time,amount\nA,"+s+","+s+"\n"), nil)
			if err != nil {
				t.Fatal(err)
			}
			var csvRow row
			var csvX rowExtra
			rec, err := csvRd.readRecord()
			if err != nil {
				t.Fatalf("%q: CSV record: %v", s, err)
			}
			csvErr := csvRd.cfg.parseRow(rec, 2, &csvRow, &csvX)
			for _, kind := range []cellKind{cellString, cellBytes} {
				c := cell{kind: kind, s: s, b: []byte(s)}
				rd := rowsOf(t, c, c, nil)
				var r row
				var x rowExtra
				pe := rd.parseCells(2, &r, &x)
				if (pe == nil) != (csvErr == nil) {
					t.Fatalf("%q: rows error %v, CSV error %v", s, pe, csvErr)
				}
				if pe != nil {
					if pe.Column != csvErr.Column || !errors.Is(pe, errors.Unwrap(csvErr)) || pe.Line != 2 {
						t.Fatalf("%q: rows error %v, CSV error %v", s, pe, csvErr)
					}
					continue
				}
				if r.sec != csvRow.sec || r.nsec != csvRow.nsec || math.Float64bits(r.amount) != math.Float64bits(csvRow.amount) || r.dec != csvRow.dec {
					t.Fatalf("%q: rows %+v, CSV %+v", s, r, csvRow)
				}
			}
		}
		// A float64 amount.
		rd := rowsOf(t, cell{kind: cellInt, i: 86400}, cell{kind: cellFloat, f: x}, nil)
		a, _, err := rd.amount(2)
		switch {
		case math.IsNaN(x) || math.IsInf(x, 0):
			if !errors.Is(err, ErrNonFinite) {
				t.Fatalf("amount %v: err %v, want ErrNonFinite", x, err)
			}
		case err != nil || math.Float64bits(a) != math.Float64bits(x):
			t.Fatalf("amount %v: got %v, %v", x, a, err)
		default:
			d, err := rd.decimal(2)
			if err != nil {
				t.Fatal(err)
			}
			if back, ok := parseAmount(d); !ok || back != x {
				t.Fatalf("amount %v: decimal %q parses to %v, %v", x, d, back, ok)
			}
		}
		// Unix seconds.
		c := parseConfig{loc: time.UTC, utc: true}
		if sec, ns, ok := c.cellTime(&cell{kind: cellInt, i: n}); !ok || sec != n || ns != 0 {
			t.Fatalf("time %d: got %d, %d, %v", n, sec, ns, ok)
		}
		sec, ns, ok := c.cellTime(&cell{kind: cellFloat, f: x})
		if !ok {
			if math.Abs(x) < 1<<62 {
				t.Fatalf("time %v: not read", x)
			}
			return
		}
		if ns < 0 || ns >= 1e9 || math.Abs(float64(sec)+float64(ns)/1e9-x) > 1e-9*math.Max(1, math.Abs(x)) {
			t.Fatalf("time %v: got %d s %d ns", x, sec, ns)
		}
	})
}

// TestCellText checks the text of each kind of cell, as errors show it.
func TestCellText(t *testing.T) {
	tests := []struct {
		c    cell
		want string
	}{
		{cell{kind: cellNull}, "NULL"},
		{cell{kind: cellInt, i: -42}, "-42"},
		{cell{kind: cellFloat, f: 0.1}, "0.1"},
		{cell{kind: cellFloat, f: 1e21}, "1000000000000000000000"},
		{cell{kind: cellBool, i: 1}, "true"},
		{cell{kind: cellBytes, b: []byte("x y")}, "x y"},
		{cell{kind: cellString, s: "z"}, "z"},
	}
	for _, tc := range tests {
		if got := string(tc.c.text()); got != tc.want {
			t.Errorf("%+v: text %q, want %q", tc.c, got, tc.want)
		}
	}
	var c cell
	if err := c.Scan(struct{}{}); err == nil || !strings.Contains(err.Error(), "struct {}") {
		t.Errorf("Scan(struct{}{}) = %v, want an error naming the type", err)
	}
	if _, ok := (&cell{kind: cellTime}).id(); ok {
		t.Error("a time as a customer ID: no error")
	}
}
