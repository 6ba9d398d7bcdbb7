package value

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/sqlexpr"
	"github.com/cvmkit/cvm/internal/synth"
)

// sqlTable is a synthetic table whose values are rounded so that many
// customers tie (runs of equal percentiles, values equal to the fitted
// bounds), with some negative values for the signed log.
func sqlTable(n int, seed uint64, missing float64) IndicatorTable {
	st := synth.Indicators(synth.IndicatorConfig{Customers: n, Seed: seed, MissingRate: missing})
	t := IndicatorTable{Customers: st.Customers, IDs: st.IDs, Columns: st.Columns}
	for j, c := range t.Columns {
		for i, x := range c {
			switch j % 3 {
			case 0:
				c[i] = math.Round(x) // ties
			case 1:
				if i%7 == 0 && x == x {
					c[i] = -x // negative values
				}
			}
		}
	}
	return t
}

// sqlCatalog is the default catalog with a mix of normalisations: every
// third indicator a percentile rank (with the log transform on every
// other one), some cost indicators.
func sqlCatalog() Catalog {
	c := DefaultCatalog()
	for k := range c.Indicators {
		ind := &c.Indicators[k]
		switch k % 3 {
		case 1:
			ind.Norm = Normalization{Method: PercentileRank, Log: k%2 == 0}
		case 2:
			if k%4 == 0 {
				ind.Norm = Normalization{Method: MinMax, Log: true, Lower: 0.05, Upper: 0.95}
			}
		}
	}
	return c
}

// evalSQL scores t with the query's steps, evaluated in Go by sqlexpr
// (with math.Log, not the model's own logarithm), and returns the scores
// with a false ok for NULL scores.
func evalSQL(t *testing.T, m *Model, d cvm.Dialect, tab IndicatorTable, s *SQLSettings) ([]Score, []bool) {
	t.Helper()
	steps, _, err := m.sqlSteps(d, s)
	if err != nil {
		t.Fatal(err)
	}
	col := func(id string) string {
		if s != nil && s.Columns[id] != "" {
			return s.Columns[id]
		}
		return id
	}
	cust := "customer"
	if s != nil && s.Customer != "" {
		cust = s.Customer
	}
	out := make([]Score, tab.Len())
	ok := make([]bool, tab.Len())
	for i := range tab.Customers {
		row := map[string]sqlexpr.Value{cust: {Kind: sqlexpr.String, Str: tab.Customers[i]}}
		for j, id := range tab.IDs {
			if x := tab.Columns[j][i]; x == x {
				row[col(id)] = sqlexpr.Value{Kind: sqlexpr.Number, Num: x}
			}
		}
		r := sqlexpr.EvalSteps(steps, row)
		if r["total_value"].Kind != sqlexpr.Number {
			continue
		}
		q, err := ParseQuadrant(r["quadrant"].Str)
		if err != nil {
			t.Fatalf("customer %s: quadrant %v: %v", tab.Customers[i], r["quadrant"], err)
		}
		out[i] = Score{Customer: r[cust].Str, Current: r["current_value"].Num, Potential: r["potential_value"].Num,
			Total: r["total_value"].Num, Quadrant: q, Tier: Tier(r["tier"].Num)}
		ok[i] = true
	}
	return out, ok
}

func TestSQLMatchesScore(t *testing.T) {
	cases := []struct {
		name    string
		set     Settings
		missing float64
	}{
		{"default catalog", Settings{}, 0},
		{"mixed norms", Settings{Catalog: sqlCatalog()}, 0},
		{"impute", Settings{Catalog: sqlCatalog(), Missing: MissingImpute}, 0.05},
		{"drop", Settings{Catalog: sqlCatalog(), Missing: MissingDrop}, 0.05},
		{"topsis", Settings{Catalog: sqlCatalog(), Aggregation: TOPSIS, Missing: MissingImpute}, 0.02},
		{"topsis drop", Settings{Catalog: sqlCatalog(), Aggregation: TOPSIS, Missing: MissingDrop}, 0.02},
		{"median cut, weights", Settings{Catalog: sqlCatalog(), Cut: CutMedian, CurrentWeight: 0.7, PotentialWeight: 0.3, TierShares: []float64{0.1, 0.2, 0.7}}, 0},
		{"retail catalog", Settings{Catalog: retailLike()}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tab := sqlTable(3000, 7, tc.missing)
			set := tc.set
			if len(set.Catalog.Indicators) > 0 && set.Catalog.Index("volume") < 0 {
				tab = retailTable(tab)
			}
			m, err := Fit(ctx, tab, &set)
			if err != nil {
				t.Fatal(err)
			}
			// Score's results with Go; under MissingError a table with
			// missing values is an error, so only complete tables here.
			want, err := m.Score(ctx, nil, tab)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := evalSQL(t, m, cvm.PostgreSQL, tab, nil)
			near := 0
			for i := range want {
				if !ok[i] {
					t.Fatalf("customer %s: NULL score, want %+v", want[i].Customer, want[i])
				}
				g, w := got[i], want[i]
				for _, p := range [][2]float64{{g.Current, w.Current}, {g.Potential, w.Potential}, {g.Total, w.Total}} {
					if math.Abs(p[0]-p[1]) > 1e-9 {
						t.Fatalf("customer %s: SQL %+v, Go %+v", w.Customer, g, w)
					}
				}
				cc, cp := m.Cuts()
				atCut := math.Abs(w.Current-cc) < 1e-9 || math.Abs(w.Potential-cp) < 1e-9
				for _, c := range m.TierCuts() {
					atCut = atCut || math.Abs(w.Total-c) < 1e-9
				}
				if g.Quadrant != w.Quadrant || g.Tier != w.Tier {
					if !atCut {
						t.Fatalf("customer %s: SQL quadrant %v tier %v, Go %v %v", w.Customer, g.Quadrant, g.Tier, w.Quadrant, w.Tier)
					}
					near++
				}
			}
			if near > 0 {
				t.Logf("%d customers within 1e-9 of a cut differ in quadrant or tier", near)
			}
		})
	}
}

// retailLike is a catalog of three indicators of each dimension with the
// retail catalog's percentile ranks, over columns of sqlTable.
func retailLike() Catalog {
	return Catalog{
		Groups: []Group{{ID: "g", Dimension: CurrentValue, Weight: 1}, {ID: "h", Dimension: PotentialValue, Weight: 1}},
		Indicators: []Indicator{
			{ID: "rev", Dimension: CurrentValue, Group: "g", Weight: 0.5, Norm: rankLogNorm},
			{ID: "freq", Dimension: CurrentValue, Group: "g", Weight: 0.3, Norm: rankNorm},
			{ID: "rec", Dimension: CurrentValue, Group: "g", Weight: 0.2, Norm: rankNorm, Direction: Cost},
			{ID: "wallet", Dimension: PotentialValue, Group: "h", Weight: 0.6, Norm: rankLogNorm},
			{ID: "trend", Dimension: PotentialValue, Group: "h", Weight: 0.4, Norm: rankNorm},
		},
	}
}

// retailTable maps five columns of t to retailLike's indicators; rec and
// freq are whole numbers, as days and orders are.
func retailTable(t IndicatorTable) IndicatorTable {
	get := func(id string) []float64 { c, _ := t.Column(id); return c }
	whole := func(c []float64, s float64) []float64 {
		out := make([]float64, len(c))
		for i, x := range c {
			out[i] = math.Round(math.Abs(x) * s)
		}
		return out
	}
	return IndicatorTable{Customers: t.Customers, IDs: []string{"rev", "freq", "rec", "wallet", "trend"},
		Columns: [][]float64{get("revenue"), whole(get("order_frequency"), 1), whole(get("recency"), 1), get("share_of_wallet"), get("growth_rate")}}
}

func TestSQLMissingError(t *testing.T) {
	// Under MissingError a NULL indicator gives NULL scores.
	tab := sqlTable(500, 3, 0)
	m, err := Fit(ctx, tab, nil)
	if err != nil {
		t.Fatal(err)
	}
	tab.Columns[5][0] = math.NaN()
	_, ok := evalSQL(t, m, cvm.SQLite, tab, nil)
	if ok[0] || !ok[1] {
		t.Errorf("NULL indicator: scored %v, want NULL; next customer scored %v, want true", ok[0], ok[1])
	}
}

func TestSQLAllDropped(t *testing.T) {
	// Every potential indicator dropped: NULL scores (Score: an error).
	c := smallCatalog()
	tab := smallTable()
	m, err := Fit(ctx, tab, &Settings{Catalog: c, Missing: MissingDrop})
	if err != nil {
		t.Fatal(err)
	}
	tab.Columns[2] = []float64{math.NaN(), 4, 3, 2, 1}
	if _, err := m.Score(ctx, nil, tab); !errors.Is(err, ErrAllMissing) {
		t.Fatalf("Score: %v, want ErrAllMissing", err)
	}
	_, ok := evalSQL(t, m, cvm.SQLite, tab, nil)
	if ok[0] || !ok[1] {
		t.Errorf("all dropped: scored %v, want NULL", ok[0])
	}
}

func TestSQLSettingsColumns(t *testing.T) {
	tab := smallTable()
	m, err := Fit(ctx, tab, ptr(smallSettings()))
	if err != nil {
		t.Fatal(err)
	}
	s := &SQLSettings{Table: "crm.ind", Customer: "id", Columns: map[string]string{"a": "Col A", "c": `odd"name`}}
	q, err := m.SQL(cvm.SQLite, s)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`FROM "crm"."ind"`, `CAST("Col A" AS REAL)`, `CAST("b" AS REAL)`, `CAST("odd""name" AS REAL)`, `"id" AS "id"`,
		`AS "current_value"`, `AS "potential_value"`, `AS "total_value"`, `AS "quadrant"`, `AS "tier"`} {
		if !strings.Contains(q, want) {
			t.Errorf("query lacks %s:\n%s", want, q)
		}
	}
	if strings.HasSuffix(strings.TrimSpace(q), ";") {
		t.Error("query ends with a semicolon")
	}
	got, ok := evalSQL(t, m, cvm.SQLite, tab, s)
	want, err := m.Score(ctx, nil, tab)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		// By hand (smallTable): current 25i, potential 100-25i, exact.
		if !ok[i] || got[i] != want[i] {
			t.Errorf("customer %d: SQL %+v, Go %+v", i, got[i], want[i])
		}
	}
}

func TestSQLErrors(t *testing.T) {
	c := smallCatalog()
	c.Indicators[1].Norm.Method = ZScore
	m, err := Fit(ctx, smallTable(), &Settings{Catalog: c})
	if err != nil {
		t.Fatal(err)
	}
	var ie *IndicatorError
	if _, err := m.SQL(cvm.SQLite, nil); !errors.Is(err, ErrNoSQL) || !errors.As(err, &ie) || ie.ID != "b" {
		t.Errorf("zscore: %v, want ErrNoSQL naming b", err)
	}
	m, err = Fit(ctx, smallTable(), ptr(smallSettings()))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		d cvm.Dialect
		s *SQLSettings
	}{
		{cvm.Dialect(9), nil},
		{cvm.SQLite, &SQLSettings{Customer: "tier"}},
		{cvm.SQLite, &SQLSettings{Customer: "cvm_id"}},
	} {
		if _, err := m.SQL(tc.d, tc.s); err == nil {
			t.Errorf("SQL(%v, %+v): no error", tc.d, tc.s)
		}
	}
}

func TestRawBound(t *testing.T) {
	// rawBound(g) must agree with slog(x) < g and <= g for values at,
	// around and between the fitted points.
	for _, g := range []float64{slog(0), slog(1), slog(-3.5), slog(1234.56), slog(1e-4), slog(-1e-4), 7.25, -2.5, 0} {
		for _, strict := range []bool{true, false} {
			le, u := rawBound(true, g, strict)
			for _, x := range []float64{0, 1, -3.5, 1234.56, 1e-4, -1e-4, math.Expm1(7.25), -math.Expm1(2.5),
				math.Nextafter(math.Expm1(7.25), 0), math.Nextafter(math.Expm1(7.25), 1e9), u, math.Nextafter(u, -1e300), math.Nextafter(u, 1e300)} {
				want := slog(x) < g
				if !strict {
					want = slog(x) <= g
				}
				got := x < u
				if le {
					got = x <= u
				}
				if got != want {
					t.Errorf("g %v strict %v x %v: bound says %v, slog says %v", g, strict, x, got, want)
				}
			}
		}
	}
}
