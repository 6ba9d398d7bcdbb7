package segment

import (
	"cmp"
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/sqlexpr"
)

// sqlValues are customers with whole-day recencies, whole frequencies and
// monetary values on a cent grid, so that many tie with each other and
// with the fitted breaks.
func sqlValues(n int, seed uint64) []RFM {
	rng := rand.New(rand.NewPCG(seed, 1))
	out := make([]RFM, n)
	for i := range out {
		m := math.Round(rng.ExpFloat64()*20000) / 100
		if i%11 == 0 {
			m = -m // net returns
		}
		out[i] = RFM{Customer: "c" + strconv.Itoa(i), Recency: math.Floor(rng.ExpFloat64() * 90),
			Frequency: 1 + math.Floor(rng.ExpFloat64()*3), Monetary: m}
	}
	return out
}

// evalRFM evaluates the query's steps in Go for every customer.
func evalRFM(t *testing.T, s *Scorer, o *SQLSettings, values []RFM) ([]Cell, []sqlexpr.Value) {
	t.Helper()
	if _, err := s.SQL(cvm.SQLite, o); err != nil {
		t.Fatal(err)
	}
	d := *o
	d.Table, d.Customer = cmp.Or(d.Table, "rfm"), cmp.Or(d.Customer, "customer")
	d.Recency, d.Frequency, d.Monetary = cmp.Or(d.Recency, "recency"), cmp.Or(d.Frequency, "frequency"), cmp.Or(d.Monetary, "monetary")
	steps := s.sqlSteps(&d)
	cells := make([]Cell, len(values))
	segs := make([]sqlexpr.Value, len(values))
	for i, v := range values {
		num := func(x float64) sqlexpr.Value { return sqlexpr.Value{Kind: sqlexpr.Number, Num: x} }
		r := sqlexpr.EvalSteps(steps, map[string]sqlexpr.Value{d.Customer: {Kind: sqlexpr.String, Str: v.Customer},
			d.Recency: num(v.Recency), d.Frequency: num(v.Frequency), d.Monetary: num(v.Monetary)})
		cells[i] = Cell{int(r["r"].Num), int(r["f"].Num), int(r["m"].Num)}
		segs[i] = r["segment"]
	}
	return cells, segs
}

func TestSQLMatchesScoreAll(t *testing.T) {
	values := sqlValues(5000, 3)
	for _, tc := range []struct {
		name string
		set  *ScorerSettings
	}{
		{"quantile", nil},
		{"rank", &ScorerSettings{Ties: TiesByRank}},
		{"ten bins", &ScorerSettings{Bins: 10}},
		{"fixed", &ScorerSettings{Bins: 3, RecencyBreaks: []float64{7, 30}, FrequencyBreaks: []float64{1, 3}, MonetaryBreaks: []float64{0, 100.5}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := FitScorer(values, tc.set)
			if err != nil {
				t.Fatal(err)
			}
			want, err := s.ScoreAll(nil, values)
			if err != nil {
				t.Fatal(err)
			}
			o := &SQLSettings{}
			if s.Bins() == 5 {
				o.Rules = DefaultRules()
			}
			got, segs := evalRFM(t, s, o, values)
			atBreak := 0
			for i := range values {
				if got[i] != want[i] {
					t.Fatalf("customer %+v: SQL cell %v, Go %v", values[i], got[i], want[i])
				}
				for d, bin := range []Binning{s.Recency(), s.Frequency(), s.Monetary()} {
					for _, b := range bin.Breaks {
						if rfmDim(&values[i], d) == b {
							atBreak++
						}
					}
				}
				if o.Rules == nil {
					continue
				}
				name, ok := o.Rules.Segment(want[i].R, want[i].F, want[i].M)
				if g := segs[i]; ok != (g.Kind == sqlexpr.String) || g.Str != name {
					t.Fatalf("cell %v: SQL segment %+v, Go %q", want[i], g, name)
				}
			}
			if tc.set == nil && atBreak == 0 {
				t.Error("no value equals a break: the test does not test ties")
			}
		})
	}
}

func TestSQLNullAndUncovered(t *testing.T) {
	// A NULL value gives a NULL score and segment; a cell no rule covers
	// a NULL segment.
	s, err := NewScorer(2, []float64{10}, []float64{2}, []float64{50})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := NewRuleSet(RuleSetDef{Bins: 2, Segments: []SegmentInfo{{Name: "Top's"}},
		Rules: []Rule{{Segment: "Top's", R: &Range{2, 2}, FM: &Range{2, 2}}}}, &RuleSetSettings{AllowGaps: true})
	if err != nil {
		t.Fatal(err)
	}
	steps := s.sqlSteps(&SQLSettings{Table: "t", Customer: "id", Recency: "r0", Frequency: "f0", Monetary: "m0", Rules: rs})
	num := func(x float64) sqlexpr.Value { return sqlexpr.Value{Kind: sqlexpr.Number, Num: x} }
	for _, tc := range []struct {
		r, f, m sqlexpr.Value
		wantR   float64
		wantSeg string
	}{
		{num(10), num(3), num(51), 2, "Top's"}, // 10 is at the break: R = 2
		{num(11), num(3), num(51), 1, ""},
		{sqlexpr.Value{}, num(3), num(51), -1, ""},
	} {
		out := sqlexpr.EvalSteps(steps, map[string]sqlexpr.Value{"r0": tc.r, "f0": tc.f, "m0": tc.m})
		if tc.wantR < 0 {
			if out["r"].Kind != sqlexpr.NullKind || out["segment"].Kind != sqlexpr.NullKind {
				t.Errorf("NULL recency: r %+v segment %+v, want NULL", out["r"], out["segment"])
			}
			continue
		}
		if out["r"].Num != tc.wantR || out["segment"].Str != tc.wantSeg || (tc.wantSeg == "") != (out["segment"].Kind == sqlexpr.NullKind) {
			t.Errorf("%v: r %+v segment %+v, want %v %q", tc, out["r"], out["segment"], tc.wantR, tc.wantSeg)
		}
	}
	q, err := s.SQL(cvm.PostgreSQL, &SQLSettings{Rules: rs})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`'Top''s'`, `WITH "cvm_rfm" AS MATERIALIZED (`, `CAST("recency" AS DOUBLE PRECISION)`, `FROM "rfm"`, `AS "segment"`} {
		if !strings.Contains(q, want) {
			t.Errorf("query lacks %s:\n%s", want, q)
		}
	}
}

func TestSQLErrors(t *testing.T) {
	s, err := NewScorer(3, []float64{1, 2}, []float64{1, 2}, []float64{1, 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SQL(cvm.SQLite, &SQLSettings{Rules: DefaultRules()}); !errors.Is(err, ErrBins) {
		t.Errorf("rules of 5 bins for 3: %v, want ErrBins", err)
	}
	if _, err := s.SQL(cvm.Dialect(-1), nil); err == nil {
		t.Error("unknown dialect: no error")
	}
	if _, err := s.SQL(cvm.SQLite, &SQLSettings{Customer: "m"}); err == nil {
		t.Error("customer column named m: no error")
	}
}
