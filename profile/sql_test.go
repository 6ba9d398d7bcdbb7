package profile

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/value/clv"
)

func TestModelsSQL(t *testing.T) {
	f, err := Build(context.Background(), slices.Values(base(400)), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := f.Models
	rows := f.CLVRows()
	if len(rows) == 0 {
		t.Fatal("no CLV rows")
	}
	n := 0
	for _, r := range rows {
		n += int(r.Count)
	}
	ok := 0
	for i := range f.Profiles {
		if f.Profiles[i].CLV.OK {
			ok++
		}
	}
	if n != ok {
		t.Errorf("CLV rows count %d customers, %d profiles have a forecast", n, ok)
	}
	script, err := m.SQL(cvm.PostgreSQL, &SQLSettings{Rows: rows, Prefix: "s_"})
	if err != nil {
		t.Fatal(err)
	}
	// Each model's own query is in the script, in order.
	_, err = m.RFM.SQL(cvm.PostgreSQL, nil)
	if err != nil {
		t.Fatal(err)
	}
	val, err := m.Value.SQL(cvm.PostgreSQL, nil)
	if err != nil {
		t.Fatal(err)
	}
	lookup, err := m.Purchases.LookupSQL(cvm.PostgreSQL, rows, &clv.LookupSettings{Table: "s_clv_lookup", CLV: &clv.CLVSettings{Months: m.CLVMonths}})
	if err != nil {
		t.Fatal(err)
	}
	last := 0
	for _, want := range []string{lookup, `CREATE VIEW "s_rfm" AS`, `'Champions'`, `CREATE VIEW "s_value" AS` + "\n" + val + ";\n",
		`CREATE VIEW "s_clv" AS`, `"p_alive"`, `"expected_spend"`, `AS "clv"`, `LEFT JOIN "s_clv_lookup" AS l ON l."x" = CAST(i."x" AS DOUBLE PRECISION)`,
		`CREATE VIEW "s_profile" AS`} {
		i := strings.Index(script[last:], want)
		if i < 0 {
			t.Fatalf("script lacks %.80q after position %d:\n%.3000s", want, last, script[last:])
		}
		last += i
	}
	if got := strings.Count(script, "CREATE VIEW"); got != 4 {
		t.Errorf("%d views, want 4", got)
	}
	// Without rows: no lookup table, no expected purchases.
	script, err = m.SQL(cvm.SQLite, nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(script, "CREATE TABLE") || strings.Contains(script, `l."expected_purchases"`) || !strings.Contains(script, `CREATE VIEW "cvm_profile"`) {
		t.Errorf("script without rows:\n%.2000s", script)
	}
	// Errors.
	if _, err := m.SQL(cvm.Dialect(8), nil); err == nil {
		t.Error("unknown dialect: no error")
	}
	noCLV := *m
	noCLV.Purchases, noCLV.Spend = nil, nil
	if _, err := noCLV.SQL(cvm.SQLite, &SQLSettings{Rows: rows}); err == nil {
		t.Error("rows without purchase models: no error")
	}
	if script, err := noCLV.SQL(cvm.SQLite, nil); err != nil || strings.Contains(script, "cvm_clv") {
		t.Errorf("no purchase models: %v\n%.500s", err, script)
	}
}
