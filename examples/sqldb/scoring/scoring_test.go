package scoring

import (
	"context"
	"database/sql"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/examples/sqldb/dbtest"
	"github.com/cvmkit/cvm/internal/synth"
	"github.com/cvmkit/cvm/profile"
	"github.com/cvmkit/cvm/segment"
	"github.com/cvmkit/cvm/value/clv"
)

// TestScoringSynthetic checks the scoring SQL on a synthetic customer
// base, without any data file.
func TestScoringSynthetic(t *testing.T) {
	ctx := context.Background()
	txs := slices.Collect(synth.Transactions(synth.Config{Customers: 2000, Seed: 11}))
	f, err := profile.Build(ctx, slices.Values(txs), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, db := range dbtest.All(t) {
		t.Run(db.Name, func(t *testing.T) { checkScoring(t, db, f) })
	}
}

// TestScoringOnlineRetail checks the scoring SQL on Online Retail
// (skipped when the file is absent): every customer's RFM cell and
// segment, value scores and P(alive) from SQLite and PostgreSQL equal
// profile.Build's.
func TestScoringOnlineRetail(t *testing.T) {
	path := dbtest.DataFile(t, "online_retail.csv.gz")
	ctx := context.Background()
	in, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	rd, err := cvm.NewReader(in, &cvm.ReadSettings{Customer: "CustomerID", Time: "InvoiceDate", Quantity: "Quantity",
		Price: "UnitPrice", Order: "InvoiceNo", Product: "StockCode"})
	if err != nil {
		t.Fatal(err)
	}
	txs, err := rd.ReadAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f, err := profile.Build(ctx, slices.Values(txs), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Profiles) != 4372 {
		t.Errorf("%d profiles, want 4372 (data README)", len(f.Profiles))
	}
	for _, db := range dbtest.All(t) {
		t.Run(db.Name, func(t *testing.T) { checkScoring(t, db, f) })
	}
}

// checkScoring loads the models' inputs into db (the raw RFM values, the
// value indicators and the CLV inputs of every profile), runs the
// generated SQL and compares every customer's results with the profile's.
func checkScoring(t *testing.T, db *dbtest.DB, f *profile.File) {
	ctx := context.Background()
	start := time.Now()
	lap := func(what string) { t.Logf("%s: %v", what, time.Since(start)); start = time.Now() }
	m := f.Models
	d := db.Dialect
	byID := make(map[string]*profile.Profile, len(f.Profiles))
	var rfm, clvRows [][]any
	var cs []clv.Customer
	for i := range f.Profiles {
		p := &f.Profiles[i]
		byID[p.Customer] = p
		if p.Cell.R > 0 {
			rfm = append(rfm, []any{p.Customer, p.RFM.Recency, p.RFM.Frequency, p.RFM.Monetary})
		}
		if p.CLV.OK {
			c := p.CLV.Input
			clvRows = append(clvRows, []any{p.Customer, c.Frequency, c.Recency, c.T, c.MeanSpend})
			cs = append(cs, c)
		}
	}
	if len(rfm) == 0 || len(clvRows) == 0 || m.Purchases == nil {
		t.Fatalf("%d RFM rows, %d CLV rows, purchase model %v: nothing to test", len(rfm), len(clvRows), m.Purchases != nil)
	}
	load(t, db, "rfm", []string{"customer", "recency", "frequency", "monetary"}, rfm)
	load(t, db, "clv", []string{"customer", "x", "t_x", "T", "mean_spend"}, clvRows)
	ind := f.Indicators()
	rows := make([][]any, ind.Len())
	for i, c := range ind.Customers {
		r := []any{c}
		for j := range ind.IDs {
			if x := ind.Columns[j][i]; x == x {
				r = append(r, x)
			} else {
				r = append(r, nil)
			}
		}
		rows[i] = r
	}
	load(t, db, "indicators", append([]string{"customer"}, ind.IDs...), rows)

	lap("load")
	// RFM cells and segments.
	q, err := m.RFM.SQL(d, &segment.SQLSettings{Rules: m.Rules})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	query(t, db, q, func(r *sql.Rows) {
		var id string
		var cr, cf, cm int
		var seg sql.NullString
		scan(t, r, &id, &cr, &cf, &cm, &seg)
		p := byID[id]
		if p.Cell.R != cr || p.Cell.F != cf || p.Cell.M != cm || seg.String != p.Segment || seg.Valid != (p.Segment != "") {
			t.Fatalf("customer %s: SQL cell %d%d%d segment %q, Go %v %q", id, cr, cf, cm, seg.String, p.Cell, p.Segment)
		}
		n++
	})
	if n != len(rfm) {
		t.Errorf("RFM: %d rows, want %d", n, len(rfm))
	}
	t.Logf("RFM: %d customers", n)

	lap("rfm")
	// Value scores, quadrant and tier.
	q, err = m.Value.SQL(d, nil)
	if err != nil {
		t.Fatal(err)
	}
	cc, cp := m.Value.Cuts()
	tiers := m.Value.TierCuts()
	n, near := 0, 0
	var maxDiff float64
	query(t, db, q, func(r *sql.Rows) {
		var id, quad string
		var cur, pot, tot float64
		var tier int
		scan(t, r, &id, &cur, &pot, &tot, &quad, &tier)
		v := byID[id].Value
		for _, pair := range [][2]float64{{cur, v.Current}, {pot, v.Potential}, {tot, v.Total}} {
			maxDiff = max(maxDiff, math.Abs(pair[0]-pair[1]))
			if math.Abs(pair[0]-pair[1]) > 1e-9 {
				t.Fatalf("customer %s: SQL value %v %v %v, Go %+v", id, cur, pot, tot, v)
			}
		}
		if quad != v.Quadrant.String() || tier != int(v.Tier) {
			atCut := math.Abs(v.Current-cc) < 1e-9 || math.Abs(v.Potential-cp) < 1e-9
			for _, c := range tiers {
				atCut = atCut || math.Abs(v.Total-c) < 1e-9
			}
			if !atCut {
				t.Fatalf("customer %s: SQL quadrant %s tier %d, Go %v %v", id, quad, tier, v.Quadrant, v.Tier)
			}
			near++
		}
		n++
	})
	if n != ind.Len() {
		t.Errorf("value: %d rows, want %d", n, ind.Len())
	}
	t.Logf("value: %d customers, largest score difference %.3g, %d within 1e-9 of a cut in another quadrant or tier", n, maxDiff, near)

	lap("value")
	// P(alive) in closed form.
	q, err = m.Purchases.SQL(d, nil)
	if err != nil {
		t.Fatal(err)
	}
	n, maxDiff = 0, 0
	query(t, db, q, func(r *sql.Rows) {
		var id string
		var p float64
		scan(t, r, &id, &p)
		want := byID[id].CLV.PAlive
		maxDiff = max(maxDiff, math.Abs(p-want))
		if math.Abs(p-want) > 1e-9 {
			t.Fatalf("customer %s: SQL P(alive) %v, Go %v", id, p, want)
		}
		n++
	})
	if n != len(clvRows) {
		t.Errorf("P(alive): %d rows, want %d", n, len(clvRows))
	}
	t.Logf("P(alive): %d customers, largest difference %.3g", n, maxDiff)

	lap("p_alive")
	// Expected purchases and CLV from the lookup table, joined on
	// (x, t_x, T), times the Gamma-Gamma expected spend.
	lookup, err := m.Purchases.LookupSQL(d, clv.Compress(cs), &clv.LookupSettings{CLV: &clv.CLVSettings{Months: m.CLVMonths}})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Exec(ctx, "DROP TABLE IF EXISTS cvm_clv_lookup"); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range strings.SplitAfter(lookup, ";\n") {
		if strings.TrimSpace(stmt) != "" {
			if err := db.Exec(ctx, stmt); err != nil {
				t.Fatal(err)
			}
		}
	}
	spend, err := m.Spend.SQL(d, nil)
	if err != nil {
		t.Fatal(err)
	}
	join := `SELECT c.customer, l.p_alive, l.expected_purchases, s.expected_spend * l.discounted_purchases
FROM clv AS c JOIN cvm_clv_lookup AS l ON l.x = c.x AND l.t_x = c.t_x AND l."T" = c."T"
JOIN (` + spend + `) AS s ON s.customer = c.customer`
	n, maxDiff = 0, 0
	query(t, db, join, func(r *sql.Rows) {
		var id string
		var p, e, v float64
		scan(t, r, &id, &p, &e, &v)
		c := byID[id].CLV
		maxDiff = max(maxDiff, math.Abs(v-c.Value)/max(1, math.Abs(c.Value)))
		if p != c.PAlive || e != c.ExpectedPurchases || math.Abs(v-c.Value) > 1e-9*max(1, math.Abs(c.Value)) {
			t.Fatalf("customer %s: lookup P(alive) %v E %v CLV %v, Go %v %v %v", id, p, e, v, c.PAlive, c.ExpectedPurchases, c.Value)
		}
		n++
	})
	if n != len(clvRows) {
		t.Errorf("lookup join: %d rows, want %d", n, len(clvRows))
	}
	t.Logf("lookup: %d rows; expected purchases equal; CLV largest relative difference %.3g", len(clv.Compress(cs)), maxDiff)

	lap("lookup and CLV")

	// The whole script of profile.Models.SQL: every view, joined.
	script, err := m.SQL(d, &profile.SQLSettings{Rows: f.CLVRows(), Prefix: "p_"})
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range strings.SplitAfter(script, ";\n") {
		if strings.TrimSpace(stmt) != "" {
			if err := db.Exec(ctx, stmt); err != nil {
				t.Fatal(err)
			}
		}
	}
	n = 0
	query(t, db, `SELECT customer, r, f, m, segment, p_alive, expected_purchases, expected_spend, clv, total_value, quadrant, tier FROM p_profile`, func(r *sql.Rows) {
		var id, quad string
		var seg sql.NullString
		var cr, cf, cm, tier sql.NullInt64
		var p, e, sp, v sql.NullFloat64
		var tot float64
		scan(t, r, &id, &cr, &cf, &cm, &seg, &p, &e, &sp, &v, &tot, &quad, &tier)
		g := byID[id]
		okCell := (g.Cell.R > 0) == cr.Valid && int(cr.Int64) == g.Cell.R && int(cf.Int64) == g.Cell.F && int(cm.Int64) == g.Cell.M && seg.String == g.Segment
		okCLV := g.CLV.OK == p.Valid && math.Abs(p.Float64-g.CLV.PAlive) <= 1e-9 && e.Float64 == g.CLV.ExpectedPurchases && sp.Float64 == g.CLV.ExpectedSpend &&
			math.Abs(v.Float64-g.CLV.Value) <= 1e-9*max(1, math.Abs(g.CLV.Value))
		if !okCell || !okCLV || math.Abs(tot-g.Value.Total) > 1e-9 || quad != g.Value.Quadrant.String() || int(tier.Int64) != int(g.Value.Tier) {
			t.Fatalf("customer %s: profile view %v %v %v %v %q %v %v %v %v %v %s %v, Go %+v %q %+v %+v", id, cr, cf, cm, seg, seg.String, p, e, sp, v, tot, quad, tier, g.Cell, g.Segment, g.CLV, g.Value)
		}
		n++
	})
	if n != ind.Len() {
		t.Errorf("profile view: %d rows, want %d", n, ind.Len())
	}
	lap("profile script")
}
