package cvm

import (
	"strings"
	"testing"
	"time"
)

// TestSummaryQueryErrors checks every setting SummaryQuery refuses.
func TestSummaryQueryErrors(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	tests := []struct {
		name  string
		d     Dialect
		table string
		set   SQLSummarySettings
		want  string // in the error
	}{
		{"no table", SQLite, " ", SQLSummarySettings{}, "no table"},
		{"scale", PostgreSQL, "tx", SQLSummarySettings{Scale: 19}, "Scale 19"},
		{"negative scale", PostgreSQL, "tx", SQLSummarySettings{Scale: -1}, "Scale -1"},
		{"quantity alone", PostgreSQL, "tx", SQLSummarySettings{Quantity: "q"}, "together"},
		{"occasion", PostgreSQL, "tx", SQLSummarySettings{SummarySettings: SummarySettings{Occasions: 7}}, "Occasion(7)"},
		{"dialect", Dialect(9), "tx", SQLSummarySettings{}, "Dialect(9)"},
		{"sqlite zone", SQLite, "tx", SQLSummarySettings{SummarySettings: SummarySettings{Location: london}}, "Europe/London"},
		{"ansi zone", ANSI, "tx", SQLSummarySettings{SummarySettings: SummarySettings{Location: london}}, "UTC"},
		{"NUL", SQLite, "tx", SQLSummarySettings{Customer: "a\x00b"}, "NUL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := SummaryQuery(tc.d, tc.table, &tc.set)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v (query %q), want one containing %q", err, q, tc.want)
			}
		})
	}
}

// TestSummaryQueryParts checks the dialect-specific parts of the query:
// identifier quoting, table names and subqueries, days in a zone, the
// AsOf literal and the money sums. The expected fragments are written
// from each database's documentation.
func TestSummaryQueryParts(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	asOf := time.Date(2011, 12, 9, 12, 30, 0, 500, time.UTC)
	tests := []struct {
		name  string
		d     Dialect
		table string
		set   SQLSummarySettings
		want  []string
	}{
		{"sqlite", SQLite, `my "tx"`, SQLSummarySettings{Customer: `Cust"ID`, SummarySettings: SummarySettings{AsOf: asOf}},
			[]string{`"Cust""ID" AS c`, `FROM "my ""tx""") AS cvm_tx`, "date(t)", "SUM(CAST(ROUND((a) * 1e4) AS INTEGER))",
				"t <= '2011-12-09 12:30:00.0000005+00:00'", "NULL AS o"}},
		{"sqlite offset", SQLite, "main.tx", SQLSummarySettings{Scale: 2, SummarySettings: SummarySettings{Location: time.FixedZone("", -5400)}},
			[]string{`FROM "main"."tx")`, "date(t, '-5400 seconds')", "1e2"}},
		{"postgresql", PostgreSQL, "(SELECT * FROM tx WHERE amount > 0)", SQLSummarySettings{Quantity: "Quantity", Price: "UnitPrice",
			SummarySettings: SummarySettings{Occasions: ByOrder, Location: london, AsOf: asOf}},
			[]string{`CAST("Quantity" AS NUMERIC) * CAST("UnitPrice" AS NUMERIC) AS a`, `CAST("order" AS TEXT) AS o`,
				"FROM (SELECT * FROM tx WHERE amount > 0) AS cvm_src)", "CAST(SUM(a) AS TEXT)",
				"COUNT(DISTINCT CASE WHEN a >= 0 AND o <> '' THEN o END) + SUM(CASE WHEN a >= 0 AND (o IS NULL OR o = '') THEN 1 ELSE 0 END)",
				"t <= CAST('2011-12-09 12:30:00.0000005Z' AS TIMESTAMPTZ)"}},
		{"postgresql zone", PostgreSQL, "tx", SQLSummarySettings{SummarySettings: SummarySettings{Location: london}},
			[]string{"CAST((t AT TIME ZONE 'Europe/London') AS DATE)"}},
		{"postgresql offset", PostgreSQL, "tx", SQLSummarySettings{SummarySettings: SummarySettings{Location: time.FixedZone("X", 3600)}},
			[]string{"CAST(((t AT TIME ZONE 'UTC') + INTERVAL '3600 seconds') AS DATE)"}},
		{"duckdb", DuckDB, "tx", SQLSummarySettings{Scale: 6},
			[]string{`CAST("amount" AS DECIMAL(38, 6))`, "CAST(timezone('UTC', t) AS DATE)", "CAST(SUM(a) AS VARCHAR(80))"}},
		{"ansi", ANSI, "tx", SQLSummarySettings{SummarySettings: SummarySettings{AsOf: asOf}},
			[]string{"CAST(t AS DATE)", "TIMESTAMP '2011-12-09 12:30:00.0000005'", `CAST("amount" AS DECIMAL(38, 4))`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := SummaryQuery(tc.d, tc.table, &tc.set)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(q, w) {
					t.Errorf("query lacks %q:\n%s", w, q)
				}
			}
		})
	}
}

// TestSQLMoney checks the conversion of the database's sums: SQLite's
// integers of 10^-scale, exactly below 2^53 and through the decimal above,
// and decimals as text. Expected values worked by hand.
func TestSQLMoney(t *testing.T) {
	tests := []struct {
		d     Dialect
		c     cell
		scale int
		want  float64
		err   error
	}{
		{SQLite, cell{kind: cellInt, i: 153000}, 4, 15.3, nil},
		{SQLite, cell{kind: cellInt, i: -2000}, 4, -0.2, nil},
		{SQLite, cell{kind: cellInt, i: 1<<53 + 1}, 0, 1 << 53, nil}, // ties to even
		{SQLite, cell{kind: cellInt, i: -(1<<62 + 3)}, 4, -461168601842738.8, nil},
		{SQLite, cell{kind: cellInt, i: 7}, 4, 0.0007, nil},
		{PostgreSQL, cell{kind: cellString, s: "0.3000"}, 4, 0.3, nil},
		{PostgreSQL, cell{kind: cellBytes, b: []byte("-12345678901234567890.125")}, 4, -12345678901234567890.125, nil},
		{PostgreSQL, cell{kind: cellString, s: "NaN"}, 4, 0, ErrNonFinite},
		{PostgreSQL, cell{kind: cellString, s: "x"}, 4, 0, ErrBadAmount},
		{PostgreSQL, cell{kind: cellTime}, 4, 0, ErrColumnType},
	}
	for _, tc := range tests {
		got, err := sqlMoney(tc.d, &tc.c, tc.scale)
		if err != tc.err || got != tc.want {
			t.Errorf("%v %+v: got %v, %v; want %v, %v", tc.d, tc.c, got, err, tc.want, tc.err)
		}
	}
}
