package clv

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/sqlexpr"
)

// sqlCustomers are valid customers in weeks, on a day grid (t_x and T
// multiples of 1/7), with x = 0 customers among them.
func sqlCustomers(n int, seed uint64) []Customer {
	rng := rand.New(rand.NewPCG(seed, 2))
	cs := make([]Customer, n)
	for i := range cs {
		T := float64(1+rng.IntN(270)) / 7
		x := float64(rng.IntN(6))
		tx := 0.0
		if x > 0 {
			tx = math.Floor(rng.Float64()*T*7) / 7
		}
		cs[i] = Customer{ID: "c" + strconv.Itoa(i), Frequency: x, Recency: tx, T: T, MeanSpend: float64(rng.IntN(10000)) / 100}
	}
	return cs
}

func row(c Customer) map[string]sqlexpr.Value {
	num := func(x float64) sqlexpr.Value { return sqlexpr.Value{Kind: sqlexpr.Number, Num: x} }
	return map[string]sqlexpr.Value{"customer": {Kind: sqlexpr.String, Str: c.ID}, "x": num(c.Frequency), "t_x": num(c.Recency), "T": num(c.T), "mean_spend": num(c.MeanSpend)}
}

func TestSQLProbAlive(t *testing.T) {
	cs := sqlCustomers(3000, 1)
	for _, m := range []*BGNBD{
		cdnowBG, // FHL 2005, section 5
		{R: 0.243, Alpha: 4.414, A: 0.793, B: 0.6}, // b < 1: ln(b - 1) undefined at x = 0
		{Modified: true, R: 0.525, Alpha: 6.183, A: 0.891, B: 1.614},
		{R: 2, Alpha: 0.5, A: 30, B: 0.01}, // large logits of either sign
	} {
		steps, _, err := m.sqlSteps(cvm.PostgreSQL, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			want, err := m.ProbAlive(c)
			if err != nil {
				t.Fatal(err)
			}
			// Independently, FHL 2005 eq. 11 (and Batislam et al. 2007):
			// 1 / (1 + [x>0 or MBG] a/(b+x+k-1) ((alpha+T)/(alpha+t_x))^(r+x)).
			k := m.k()
			ind := 1.0
			if c.Frequency > 0 || m.Modified {
				ind = 1 / (1 + m.A/(m.B+c.Frequency+k-1)*math.Pow((m.Alpha+c.T)/(m.Alpha+c.Recency), m.R+c.Frequency))
			}
			got := sqlexpr.EvalSteps(steps, row(c))["p_alive"]
			if got.Kind != sqlexpr.Number || math.Abs(got.Num-want) > 1e-12 || math.Abs(ind-want) > 1e-9 {
				t.Fatalf("%s %+v: SQL %+v, Go %v, eq. 11 %v", m.Name(), c, got, want, ind)
			}
		}
		if got := sqlexpr.EvalSteps(steps, map[string]sqlexpr.Value{})["p_alive"]; got.Kind != sqlexpr.NullKind {
			t.Errorf("NULL input: p_alive %+v, want NULL", got)
		}
	}
}

func TestSQLExpectedSpend(t *testing.T) {
	gg := &GammaGamma{P: 6.25, Q: 3.74, Gamma: 15.44} // FHL 2005b, CDNOW
	steps, err := gg.sqlSteps(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range sqlCustomers(500, 2) {
		want, err := gg.ExpectedSpend(c)
		if err != nil {
			t.Fatal(err)
		}
		// FHL 2005b eq. 5: (gamma + m x) p / (p x + q - 1).
		m := c.MeanSpend
		if c.Frequency == 0 {
			m = 0
		}
		ind := (gg.Gamma + m*c.Frequency) * gg.P / (gg.P*c.Frequency + gg.Q - 1)
		got := sqlexpr.EvalSteps(steps, row(c))["expected_spend"]
		if got.Num != want || math.Abs(ind-want) > 1e-9*want {
			t.Fatalf("%+v: SQL %+v, Go %v, eq. 5 %v", c, got, want, ind)
		}
	}
	if _, err := (&GammaGamma{P: 1, Q: 0.5, Gamma: 1}).SQL(cvm.SQLite, nil); err == nil {
		t.Error("q <= 1: no error")
	}
}

// parseLookup reads the rows back from LookupSQL's text.
func parseLookup(t *testing.T, q string) [][]float64 {
	t.Helper()
	var out [][]float64
	for _, line := range strings.Split(q, "\n") {
		line = strings.TrimRight(line, ",;")
		if strings.Count(line, ")") > strings.Count(line, "(") {
			line = line[:len(line)-1] // the last row closes the VALUES list
		}
		if !strings.HasPrefix(line, "(") || !strings.HasSuffix(line, ")") {
			continue
		}
		var v []float64
		for _, f := range strings.Split(line[1:len(line)-1], ", ") {
			f = strings.TrimSuffix(strings.TrimPrefix(f, "CAST("), " AS DOUBLE PRECISION)")
			x, err := strconv.ParseFloat(f, 64)
			if err != nil {
				t.Fatalf("line %q: %v", line, err)
			}
			v = append(v, x)
		}
		out = append(out, v)
	}
	return out
}

func TestLookupSQL(t *testing.T) {
	cs := sqlCustomers(2000, 3)
	rows := Compress(cs)
	clvSet := &CLVSettings{Months: 6}
	for _, tc := range []struct {
		d    cvm.Dialect
		form LookupForm
	}{{cvm.SQLite, LookupTable}, {cvm.PostgreSQL, LookupTable}, {cvm.PostgreSQL, LookupQuery}, {cvm.SQLite, LookupQuery}} {
		q, err := cdnowBG.LookupSQL(tc.d, rows, &LookupSettings{Form: tc.form, Horizon: 39, CLV: clvSet, Batch: 100})
		if err != nil {
			t.Fatal(err)
		}
		got := parseLookup(t, q)
		if len(got) != len(rows) {
			t.Fatalf("%v %v: %d rows, want %d", tc.d, tc.form, len(got), len(rows))
		}
		for i, r := range rows {
			c := Customer{Frequency: r.Frequency, Recency: r.Recency, T: r.T}
			p, _ := cdnowBG.ProbAlive(c)
			e, err := cdnowBG.ConditionalExpectedPurchases(39, c)
			if err != nil {
				t.Fatal(err)
			}
			f, err := CLV(nil, cdnowBG, []float64{1}, []Customer{c}, clvSet)
			if err != nil {
				t.Fatal(err)
			}
			want := []float64{r.Frequency, r.Recency, r.T, p, e, f[0]}
			for j := range want {
				if got[i][j] != want[j] {
					t.Fatalf("row %d column %d: %v, want %v", i, j, got[i][j], want[j])
				}
			}
		}
		switch tc.form {
		case LookupTable:
			if n := strings.Count(q, "INSERT INTO"); n != (len(rows)+99)/100 {
				t.Errorf("%d INSERT statements, want %d", n, (len(rows)+99)/100)
			}
			if !strings.Contains(q, `PRIMARY KEY ("x", "t_x", "T")`) || !strings.HasPrefix(q, `CREATE TABLE "cvm_clv_lookup" (`) {
				t.Errorf("table form:\n%.300s", q)
			}
		case LookupQuery:
			if !strings.HasPrefix(q, `WITH "cvm_clv_lookup" ("x", "t_x", "T", "p_alive", "expected_purchases", "discounted_purchases") AS (VALUES`) ||
				!strings.HasSuffix(q, `SELECT * FROM "cvm_clv_lookup"`) {
				t.Errorf("query form:\n%.300s", q)
			}
		}
	}
	// A customer's CLV is its spend times discounted_purchases.
	spend := []float64{42.5}
	c := cs[7]
	v, err := CLV(nil, cdnowBG, spend, []Customer{c}, clvSet)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := CLV(nil, cdnowBG, []float64{1}, []Customer{c}, clvSet)
	if math.Abs(spend[0]*f[0]-v[0]) > 1e-12*v[0] {
		t.Errorf("spend x factor %v, CLV %v", spend[0]*f[0], v[0])
	}
}

func TestLookupSQLDoesNotModifyRows(t *testing.T) {
	// Unsorted rows with a repeated triple: LookupSQL sorts and merges a
	// copy.
	rows := []Row{{2, 5, 9, 1}, {0, 0, 3, 2}, {2, 5, 9, 4}}
	orig := slices.Clone(rows)
	q, err := cdnowBG.LookupSQL(cvm.SQLite, rows, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows, orig) {
		t.Errorf("rows modified: %v, was %v", rows, orig)
	}
	if got := parseLookup(t, q); len(got) != 2 || got[0][0] != 0 || got[1][0] != 2 {
		t.Errorf("lookup rows %v, want the two distinct triples sorted", got)
	}
}

func TestLookupSQLErrors(t *testing.T) {
	rows := []Row{{1, 2, 3, 1}}
	for _, tc := range []struct {
		name string
		m    *BGNBD
		rows []Row
		s    *LookupSettings
		want error
	}{
		{"no rows", cdnowBG, nil, nil, ErrEmptyInput},
		{"bad row", cdnowBG, []Row{{1, 4, 3, 1}}, nil, ErrInvalidCustomer},
		{"bad param", &BGNBD{R: -1, Alpha: 1, A: 1, B: 1}, rows, nil, ErrInvalidParam},
		{"bad horizon", cdnowBG, rows, &LookupSettings{Horizon: -1}, ErrInvalidParam},
		{"bad clv", cdnowBG, rows, &LookupSettings{CLV: &CLVSettings{Months: -1}}, ErrInvalidParam},
		{"schema cte", cdnowBG, rows, &LookupSettings{Form: LookupQuery, Table: "a.b"}, nil},
		{"bad form", cdnowBG, rows, &LookupSettings{Form: 7}, nil},
	} {
		_, err := tc.m.LookupSQL(cvm.SQLite, tc.rows, tc.s)
		if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := cdnowBG.SQL(cvm.Dialect(5), nil); err == nil {
		t.Error("unknown dialect: no error")
	}
	if _, err := cdnowBG.SQL(cvm.SQLite, &SQLSettings{Customer: "p_alive"}); err == nil {
		t.Error("customer named p_alive: no error")
	}
	var f LookupForm
	if err := f.UnmarshalText([]byte("query")); err != nil || f != LookupQuery {
		t.Errorf("UnmarshalText(query) = %v, %v", f, err)
	}
	if err := f.UnmarshalText([]byte("view")); err == nil {
		t.Error("UnmarshalText(view): no error")
	}
	if b, err := LookupTable.MarshalText(); string(b) != "table" || err != nil {
		t.Errorf("MarshalText = %s, %v", b, err)
	}
	if _, err := LookupForm(9).MarshalText(); err == nil {
		t.Error("MarshalText(9): no error")
	}
}
