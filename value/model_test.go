package value

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/cvmkit/cvm/internal/check"
	"github.com/cvmkit/cvm/internal/synth"
)

// ctx is the context of the tests' Fit and Score calls.
var ctx = context.Background()

// ptr returns a pointer to a copy of v.
func ptr[T any](v T) *T { return &v }

// smallCatalog has one current group with a benefit and a cost indicator
// and one potential group with one indicator; the hand computations below
// use it.
func smallCatalog() Catalog {
	return Catalog{
		Groups: []Group{
			{ID: "g1", Name: "G1", Dimension: CurrentValue, Weight: 1},
			{ID: "g2", Name: "G2", Dimension: PotentialValue, Weight: 1},
		},
		Indicators: []Indicator{
			{ID: "a", Dimension: CurrentValue, Group: "g1", Weight: 0.5},
			{ID: "b", Dimension: CurrentValue, Group: "g1", Direction: Cost, Weight: 0.5},
			{ID: "c", Dimension: PotentialValue, Group: "g2", Weight: 1},
		},
	}
}

// smallTable: a = 0..40 and b = 5..1 give current = 25i; c = 5..1 gives
// potential = 100 - 25i for customer i = 0..4 (min-max by hand).
func smallTable() IndicatorTable {
	return IndicatorTable{
		Customers: []string{"A", "B", "C", "D", "E"},
		IDs:       []string{"a", "b", "c"},
		Columns: [][]float64{
			{0, 10, 20, 30, 40},
			{5, 4, 3, 2, 1},
			{5, 4, 3, 2, 1},
		},
	}
}

func smallSettings() Settings {
	return Settings{Catalog: smallCatalog(), CurrentWeight: 0.75, PotentialWeight: 0.25, TierShares: []float64{0.2, 0.2, 0.6}}
}

func TestFitScoreByHand(t *testing.T) {
	m, err := Fit(ctx, smallTable(), ptr(smallSettings()))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := m.Score(ctx, nil, smallTable())
	if err != nil {
		t.Fatal(err)
	}
	// Expected values by hand: current = 25i, potential = 100 - 25i,
	// total = 0.75 current + 0.25 potential = 25 + 12.5i. Cuts at the
	// medians (50, 50), high strictly above, so C (50, 50) is low/low; tier
	// cuts at the 0.8 and 0.6 quantiles of the totals (Hyndman-Fan type
	// 7): 65 and 55.
	want := []Score{
		{Customer: "A", Current: 0, Potential: 100, Total: 25, Quadrant: QuadrantII, Tier: 3},
		{Customer: "B", Current: 25, Potential: 75, Total: 37.5, Quadrant: QuadrantII, Tier: 3},
		{Customer: "C", Current: 50, Potential: 50, Total: 50, Quadrant: QuadrantI, Tier: 3},
		{Customer: "D", Current: 75, Potential: 25, Total: 62.5, Quadrant: QuadrantIII, Tier: 2},
		{Customer: "E", Current: 100, Potential: 0, Total: 75, Quadrant: QuadrantIII, Tier: 1},
	}
	for i, w := range want {
		g := sc[i]
		if g.Customer != w.Customer || !check.Close(g.Current, w.Current, 1e-12, 1e-12) || !check.Close(g.Potential, w.Potential, 1e-12, 1e-12) ||
			!check.Close(g.Total, w.Total, 1e-12, 1e-12) || g.Quadrant != w.Quadrant || g.Tier != w.Tier {
			t.Errorf("customer %d: got %+v, want %+v", i, g, w)
		}
	}
	c, p := m.Cuts()
	if !check.Close(c, 50, 1e-12, 1e-12) || !check.Close(p, 50, 1e-12, 1e-12) {
		t.Errorf("cuts: got %g %g, want 50 50", c, p)
	}
	if tc := m.TierCuts(); len(tc) != 2 || !check.Close(tc[0], 65, 1e-12, 1e-12) || !check.Close(tc[1], 55, 1e-12, 1e-12) {
		t.Errorf("tier cuts: got %v, want [65 55]", tc)
	}
}

func TestCutRules(t *testing.T) {
	// Mean of current 0,25,50,75,100 is 50; of potential also 50 (by hand).
	for _, tc := range []struct {
		name   string
		split  CutRule
		cc, cp float64
		wantC  float64
		share  float64
	}{
		{"median", CutMedian, 0, 0, 50, 0},
		{"mean", CutMean, 0, 0, 50, 0},
		{"fixed", CutFixed, 30, 80, 30, 0},
		// Current scores 100, 75, 50, 25, 0 sum to 250 (by hand): 100 + 75
		// reach half of it, so the cut is 50, the next score below 75.
		{"concentration default 0.5", CutConcentration, 0, 0, 50, 0},
		{"concentration 0.4", CutConcentration, 0, 0, 75, 0.4},   // 100 >= 100
		{"concentration 0.41", CutConcentration, 0, 0, 50, 0.41}, // 100 < 102.5
		{"concentration 1", CutConcentration, 0, 0, 0, 1},        // all but the 0 are high
	} {
		s := smallSettings()
		s.Cut, s.CurrentCut, s.PotentialCut, s.CutShare = tc.split, tc.cc, tc.cp, tc.share
		m, err := Fit(ctx, smallTable(), &s)
		if err != nil {
			t.Fatal(err)
		}
		if c, _ := m.Cuts(); !check.Close(c, tc.wantC, 1e-12, 1e-12) {
			t.Errorf("%s: current cut %g, want %g", tc.name, c, tc.wantC)
		}
	}
	// With fixed cuts 30/80, B (25, 75) is low/low and A (0, 100) low/high.
	s := smallSettings()
	s.Cut, s.CurrentCut, s.PotentialCut = CutFixed, 30, 80
	m := check.Must(Fit(ctx, smallTable(), &s))
	sc := check.Must(m.Score(ctx, nil, smallTable()))
	if sc[0].Quadrant != QuadrantII || sc[1].Quadrant != QuadrantI || sc[3].Quadrant != QuadrantIII {
		t.Errorf("fixed cut quadrants: got %v %v %v, want II I III", sc[0].Quadrant, sc[1].Quadrant, sc[3].Quadrant)
	}
}

// The concentration cut against a plain reference: the customers above
// the cut are the fewest top-scoring ones (ties kept together) whose
// scores sum to at least the share of the total.
func TestConcentrationCut(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 200 {
		n := 1 + rng.IntN(40)
		x := make([]float64, n)
		for i := range x {
			x[i] = float64(rng.IntN(12)) * 7.5 // many ties
		}
		share := []float64{0.5, 0.1, 0.9, 1, 0.33}[trial%5]
		total := 0.0
		for _, v := range x {
			total += v
		}
		cut := concentrationCut(slices.Clone(x), share, nil)
		if total == 0 {
			if cut != 0 {
				t.Fatalf("zero scores: cut %g", cut)
			}
			continue
		}
		// Reference: walk the distinct values from the top; the high set
		// is every value down to the first v at which the running sum of
		// the scores >= v reaches share*total.
		vals := slices.Clone(x)
		slices.Sort(vals)
		vals = slices.Compact(vals)
		run, want := 0.0, vals[0]
		for k := len(vals) - 1; k >= 0; k-- {
			for _, v := range x {
				if v == vals[k] {
					run += v
				}
			}
			if run >= share*total {
				if k > 0 {
					want = vals[k-1]
				} else {
					want = vals[0]
				}
				break
			}
		}
		if cut != want {
			t.Fatalf("trial %d: x %v share %g: cut %g, want %g", trial, x, share, cut, want)
		}
	}
}

func TestMissingPolicies(t *testing.T) {
	tb := smallTable()
	miss := IndicatorTable{Customers: tb.Customers, IDs: tb.IDs, Columns: [][]float64{
		{0, math.NaN(), 20, 30, 40}, tb.Columns[1], tb.Columns[2],
	}}
	for _, tc := range []struct {
		name     string
		policy   MissingPolicy
		current  float64 // of customer B, by hand
		imp, drp int
		err      error
	}{
		// a missing: error names B and a.
		{"error", MissingError, 0, 0, 0, ErrMissing},
		// impute: a = fitted median 20 -> 0.5; b = 4 -> 0.25: 100*(0.25+0.125) = 37.5.
		{"impute", MissingImpute, 37.5, 1, 0, nil},
		// drop: only b remains with weight renormalised to 1: 100*0.25 = 25.
		{"drop", MissingDrop, 25, 0, 1, nil},
	} {
		s := smallSettings()
		s.Missing = tc.policy
		m, err := Fit(ctx, tb, &s)
		if err != nil {
			t.Fatal(err)
		}
		sc, err := m.Score(ctx, nil, miss)
		if tc.err != nil {
			var de *DataError
			if !errors.Is(err, tc.err) || !errors.As(err, &de) || de.Customer != "B" || de.Indicator != "a" || de.Index != 1 {
				t.Errorf("%s: got error %v, want %v naming B and a", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !check.Close(sc[1].Current, tc.current, 1e-12, 1e-12) || sc[1].Imputed != tc.imp || sc[1].Dropped != tc.drp {
			t.Errorf("%s: got %+v, want current %g imputed %d dropped %d", tc.name, sc[1], tc.current, tc.imp, tc.drp)
		}
		ex, err := m.Explain(miss, "B")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range ex.Contributions {
			if c.ID == "a" && (c.Imputed != (tc.policy == MissingImpute) || c.Dropped != (tc.policy == MissingDrop)) {
				t.Errorf("%s: explanation of a: %+v", tc.name, c)
			}
		}
	}
	// Every indicator of a dimension missing under drop is an error.
	s := smallSettings()
	s.Missing = MissingDrop
	m := check.Must(Fit(ctx, tb, &s))
	allMiss := IndicatorTable{Customers: tb.Customers, IDs: tb.IDs, Columns: [][]float64{tb.Columns[0], tb.Columns[1], {1, 2, math.NaN(), 4, 5}}}
	if _, err := m.Score(ctx, nil, allMiss); !errors.Is(err, ErrAllMissing) {
		t.Errorf("all missing: got %v, want ErrAllMissing", err)
	}
}

func TestExplain(t *testing.T) {
	m := check.Must(Fit(ctx, smallTable(), ptr(smallSettings())))
	ex, err := m.Explain(smallTable(), "D")
	if err != nil {
		t.Fatal(err)
	}
	// D: a = 30 -> 0.75, weight 0.5, 37.5 points; b = 2 -> cost 0.75,
	// 37.5 points; c = 2 -> 0.25, weight 1, 25 points (by hand). Total
	// points with dimension weights 0.75/0.25: 28.125, 28.125, 6.25; sorted,
	// ties in catalog order.
	want := []struct {
		id         string
		norm, w, p float64
	}{{"a", 0.75, 0.5, 37.5}, {"b", 0.75, 0.5, 37.5}, {"c", 0.25, 1, 25}}
	for i, w := range want {
		c := ex.Contributions[i]
		if c.ID != w.id || !check.Close(c.Normalized, w.norm, 1e-12, 1e-12) || !check.Close(c.Weight, w.w, 1e-12, 1e-12) || !check.Close(c.Points, w.p, 1e-12, 1e-12) {
			t.Errorf("contribution %d: got %+v, want %+v", i, c, w)
		}
	}
	// The points of a dimension sum to its score, the total points to the
	// total.
	sum, tot := 0.0, 0.0
	for _, c := range ex.Contributions {
		if c.Dimension == CurrentValue {
			sum += c.Points
		}
		tot += c.TotalPoints
	}
	if !check.Close(sum, ex.Current, 1e-12, 1e-12) || !check.Close(tot, ex.Total, 1e-12, 1e-12) {
		t.Errorf("current points sum to %g, score %g; total points %g, total %g", sum, ex.Current, tot, ex.Total)
	}
	if _, err := m.Explain(smallTable(), "nobody"); !errors.Is(err, ErrUnknownCustomer) {
		t.Errorf("unknown customer: got %v", err)
	}
}

func TestNormalizations(t *testing.T) {
	e := math.E
	for _, tc := range []struct {
		name string
		norm Normalization
		fit  []float64
		x    float64
		want float64 // by hand
	}{
		// log1p of 0, e-1, e^2-1 is 0, 1, 2: min-max gives 0.5 for e-1.
		{"log", Normalization{Log: true}, []float64{0, e - 1, e*e - 1}, e - 1, 0.5},
		// signed log: -(e-1) -> -1 on [-1, 1] -> 0.
		{"signed log", Normalization{Log: true}, []float64{-(e - 1), e - 1}, -(e - 1), 0},
		// upper winsorising at 0.75 of 0,1,2,3,100: q = 3 (type 7); 2 -> 2/3, 100 -> 1.
		{"winsor", Normalization{Upper: 0.75}, []float64{0, 1, 2, 3, 100}, 2, 2.0 / 3},
		{"winsor top", Normalization{Upper: 0.75}, []float64{0, 1, 2, 3, 100}, 100, 1},
		// lower winsorising at 0.25 of 0,1,2,3,4: q = 1; 0 -> 0 and 2 -> 1/3.
		{"winsor low", Normalization{Lower: 0.25}, []float64{0, 1, 2, 3, 4}, 2, 1.0 / 3},
		// out of the fitted range clamps.
		{"clamp", Normalization{}, []float64{0, 10}, 20, 1},
		// z-score: mean 2 -> Phi(0) = 0.5; x = 3: z = 1/sqrt(2/3) = 1.224745,
		// Phi(z) = 0.8896643 (Python 3 math.erfc: 0.5*erfc(-z/sqrt(2))).
		{"z mean", Normalization{Method: ZScore}, []float64{1, 2, 3}, 2, 0.5},
		{"z", Normalization{Method: ZScore}, []float64{1, 2, 3}, 3, 0.8896643},
		// percentile rank on 0..100: 37.5 -> 0.375.
		{"prank", Normalization{Method: PercentileRank}, seq(101), 37.5, 0.375},
		{"prank below", Normalization{Method: PercentileRank}, seq(101), -1, 0},
		// ties: 0,0,0,1 -> the grid is 0 up to the 66th percentile (type 7:
		// h = 3p < 2 until p = 2/3), so 0 is the middle of 0..66: 0.33.
		{"prank ties", Normalization{Method: PercentileRank}, []float64{0, 0, 0, 1}, 0, 0.33},
		// constant reference: 0.5 at the constant.
		{"constant", Normalization{}, []float64{3, 3}, 3, 0.5},
	} {
		cat := Catalog{
			Groups: []Group{{ID: "g", Dimension: CurrentValue, Weight: 1}, {ID: "p", Dimension: PotentialValue, Weight: 1}},
			Indicators: []Indicator{
				{ID: "x", Dimension: CurrentValue, Group: "g", Weight: 1, Norm: tc.norm},
				{ID: "y", Dimension: PotentialValue, Group: "p", Weight: 1},
			},
		}
		n := len(tc.fit)
		tb := IndicatorTable{Customers: ids(n), IDs: []string{"x", "y"}, Columns: [][]float64{tc.fit, seq(n)}}
		m, err := Fit(ctx, tb, &Settings{Catalog: cat})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		one := IndicatorTable{Customers: []string{"q"}, IDs: []string{"x", "y"}, Columns: [][]float64{{tc.x}, {0}}}
		sc, err := m.Score(ctx, nil, one)
		if err != nil {
			t.Fatal(err)
		}
		if !check.Close(sc[0].Current/100, tc.want, 1e-6, 1e-6) {
			t.Errorf("%s: got %.7f, want %.7f", tc.name, sc[0].Current/100, tc.want)
		}
	}
}

func seq(n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = float64(i)
	}
	return s
}

func ids(n int) []string {
	s := make([]string, n)
	for i := range s {
		s[i] = synth.CustomerID(i, n)
	}
	return s
}

func TestTOPSISAggregation(t *testing.T) {
	s := smallSettings()
	s.Aggregation = TOPSIS
	m, err := Fit(ctx, smallTable(), &s)
	if err != nil {
		t.Fatal(err)
	}
	sc := check.Must(m.Score(ctx, nil, smallTable()))
	// Customer B: r_a = r_b = 0.25, w = 0.5 each: D+ = sqrt(2*(0.5*0.75)^2),
	// D- = sqrt(2*(0.5*0.25)^2), closeness = 0.25/(0.75+0.25) = 0.25 (by hand).
	if !check.Close(sc[1].Current, 25, 1e-12, 1e-12) {
		t.Errorf("TOPSIS current of B: got %g, want 25", sc[1].Current)
	}
	// Unequal values: D (0.75, 0.75) -> 75; mix check on a one-off table
	// with r_a = 1, r_b = 0: D+ = D- = 0.5 -> 50.
	one := IndicatorTable{Customers: []string{"x"}, IDs: []string{"a", "b", "c"}, Columns: [][]float64{{40}, {5}, {3}}}
	sc = check.Must(m.Score(ctx, nil, one))
	if !check.Close(sc[0].Current, 50, 1e-12, 1e-12) {
		t.Errorf("TOPSIS current: got %g, want 50", sc[0].Current)
	}
}

func TestErrors(t *testing.T) {
	tb := smallTable()
	withCol := func(id string, col []float64) IndicatorTable { return tb.WithColumn(id, col) }
	dup := IndicatorTable{Customers: []string{"A", "B", "A", "D", "E"}, IDs: tb.IDs, Columns: tb.Columns}
	inf := IndicatorTable{Customers: tb.Customers, IDs: tb.IDs, Columns: [][]float64{{0, 1, math.Inf(1), 3, 4}, tb.Columns[1], tb.Columns[2]}}
	badSum := smallCatalog()
	badSum.Indicators[0].Weight = 0.7
	negW := smallCatalog()
	negW.Indicators[0].Weight = math.NaN()
	unknownGroup := smallCatalog()
	unknownGroup.Indicators[0].Group = "nope"
	dupID := smallCatalog()
	dupID.Indicators[1].ID = "a"
	for _, tc := range []struct {
		name  string
		spec  Settings
		table IndicatorTable
		err   error
		named string // a string the message must contain
	}{
		{"unknown indicator", smallSettings(), withCol("zzz", make([]float64, 5)), ErrUnknownID, `"zzz"`},
		{"missing column", smallSettings(), IndicatorTable{Customers: tb.Customers, IDs: tb.IDs[:2], Columns: tb.Columns[:2]}, ErrMissingID, `"c"`},
		{"duplicate customer", smallSettings(), dup, ErrDuplicate, `"A"`},
		{"infinite", smallSettings(), inf, ErrNonFinite, `"C"`},
		{"weights not 1", Settings{Catalog: badSum}, tb, ErrWeightSum, "g1"},
		{"NaN weight", Settings{Catalog: negW}, tb, ErrBadWeight, `"a"`},
		{"unknown group", Settings{Catalog: unknownGroup}, tb, ErrUnknownID, "nope"},
		{"duplicate ID", Settings{Catalog: dupID}, tb, ErrDuplicateID, `"a"`},
		{"empty", smallSettings(), IndicatorTable{}, ErrEmptyInput, ""},
		{"all missing", Settings{Catalog: smallCatalog(), Missing: MissingImpute}, IndicatorTable{Customers: tb.Customers, IDs: tb.IDs,
			Columns: [][]float64{tb.Columns[0], tb.Columns[1], {math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN()}}}, ErrMissing, `"c"`},
	} {
		_, err := Fit(ctx, tc.table, &tc.spec)
		if !errors.Is(err, tc.err) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.err)
			continue
		}
		if tc.named != "" && !strings.Contains(err.Error(), tc.named) {
			t.Errorf("%s: message %q does not name %s", tc.name, err, tc.named)
		}
	}
	// NormalizeWeights rescales instead: a 0.7/0.5 group becomes 7/12, 5/12.
	m, err := Fit(ctx, tb, &Settings{Catalog: badSum, NormalizeWeights: true})
	if err != nil {
		t.Fatal(err)
	}
	if w, _ := m.Weight("a"); !check.Close(w, 7.0/12, 1e-12, 1e-12) {
		t.Errorf("normalised weight: got %g, want 7/12", w)
	}
	// Score errors: unknown column, Inf.
	m = check.Must(Fit(ctx, tb, ptr(smallSettings())))
	if _, err := m.Score(ctx, nil, withCol("zzz", make([]float64, 5))); !errors.Is(err, ErrUnknownID) {
		t.Errorf("score unknown: got %v", err)
	}
	if _, err := m.Score(ctx, nil, inf); !errors.Is(err, ErrNonFinite) {
		t.Errorf("score inf: got %v", err)
	}
	// An empty table scores to nothing.
	if sc, err := m.Score(ctx, nil, IndicatorTable{}); err != nil || len(sc) != 0 {
		t.Errorf("empty table: %v %v", sc, err)
	}
	// IgnoreUnknown accepts extra columns.
	s := smallSettings()
	s.IgnoreUnknown = true
	if _, err := Fit(ctx, withCol("zzz", make([]float64, 5)), &s); err != nil {
		t.Errorf("IgnoreUnknown: %v", err)
	}
}

func synthTable(n int, seed uint64, missing float64) IndicatorTable {
	st := synth.Indicators(synth.IndicatorConfig{Customers: n, Seed: seed, MissingRate: missing})
	return IndicatorTable{Customers: st.Customers, IDs: st.IDs, Columns: st.Columns}
}

func TestJSONRoundTrip(t *testing.T) {
	tb := synthTable(3000, 7, 0.02)
	cat := DefaultCatalog()
	cat.Indicators[3].Norm = Normalization{Method: ZScore, Lower: 0.05, Upper: 0.95}
	cat.Indicators[20].Norm = Normalization{Method: PercentileRank}
	for _, agg := range []Aggregation{WeightedSum, TOPSIS} {
		m, err := Fit(ctx, tb, &Settings{Catalog: cat, Missing: MissingImpute, Aggregation: agg, CurrentWeight: 0.6, PotentialWeight: 0.4})
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var m2 Model
		if err := json.Unmarshal(b, &m2); err != nil {
			t.Fatal(err)
		}
		b2 := check.Must(json.Marshal(&m2))
		if string(b) != string(b2) {
			t.Errorf("re-marshalled JSON differs")
		}
		s1 := check.Must(m.Score(ctx, nil, tb))
		s2, err := m2.Score(ctx, nil, tb)
		if err != nil {
			t.Fatal(err)
		}
		for i := range s1 {
			if math.Float64bits(s1[i].Total) != math.Float64bits(s2[i].Total) || s1[i].Quadrant != s2[i].Quadrant || s1[i].Tier != s2[i].Tier {
				t.Fatalf("%v: customer %d: decoded model scores %+v, original %+v", agg, i, s2[i], s1[i])
			}
		}
	}
	// Format and version are checked.
	var m Model
	for _, bad := range []string{
		`{"format":"other","version":1}`,
		`{"format":"cvm.value.Model","version":1}`,
		`{"format":"cvm.value.model","version":1}`,
		`not json`,
	} {
		if err := json.Unmarshal([]byte(bad), &m); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestDeterministicAcrossWorkers(t *testing.T) {
	tb := synthTable(20000, 3, 0.01)
	m, err := Fit(ctx, tb, &Settings{Missing: MissingDrop})
	if err != nil {
		t.Fatal(err)
	}
	s1 := check.Must(m.Score(ctx, nil, tb))
	prev := runtime.GOMAXPROCS(1)
	s2 := check.Must(m.Score(ctx, nil, tb))
	m1 := check.Must(Fit(ctx, tb, &Settings{Missing: MissingDrop}))
	runtime.GOMAXPROCS(prev)
	if !slices.Equal(s1, s2) {
		t.Error("scores differ between GOMAXPROCS 1 and", prev)
	}
	b0 := check.Must(json.Marshal(m))
	b1 := check.Must(json.Marshal(m1))
	if string(b0) != string(b1) {
		t.Error("fitted models differ between GOMAXPROCS 1 and", prev)
	}
}

func TestNoMutation(t *testing.T) {
	tb := synthTable(500, 1, 0.05)
	cp := IndicatorTable{Customers: slices.Clone(tb.Customers), IDs: slices.Clone(tb.IDs)}
	for _, c := range tb.Columns {
		cp.Columns = append(cp.Columns, slices.Clone(c))
	}
	cat := DefaultCatalog()
	catCopy := cat.Clone()
	m, err := Fit(ctx, tb, &Settings{Catalog: cat, Missing: MissingImpute, NormalizeWeights: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Score(ctx, nil, tb); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Explain(tb, tb.Customers[3]); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cp.Customers, tb.Customers) || !slices.Equal(cp.IDs, tb.IDs) {
		t.Error("customers or IDs modified")
	}
	for j := range cp.Columns {
		for i := range cp.Columns[j] {
			a, b := cp.Columns[j][i], tb.Columns[j][i]
			if a != b && !(math.IsNaN(a) && math.IsNaN(b)) {
				t.Fatalf("column %d row %d modified", j, i)
			}
		}
	}
	if !slices.Equal(cat.Indicators, catCopy.Indicators) || !slices.Equal(cat.Groups, catCopy.Groups) {
		t.Error("catalog modified")
	}
}

func TestScoreRangeAndTiers(t *testing.T) {
	tb := synthTable(10000, 11, 0)
	m, err := Fit(ctx, tb, &Settings{})
	if err != nil {
		t.Fatal(err)
	}
	sc := check.Must(m.Score(ctx, nil, tb))
	var tiers [5]int
	var quads [5]int
	for _, s := range sc {
		for _, v := range []float64{s.Current, s.Potential, s.Total} {
			if !(v >= 0 && v <= 100) {
				t.Fatalf("%s: score %g outside 0..100", s.Customer, v)
			}
		}
		tiers[s.Tier]++
		quads[s.Quadrant]++
	}
	// The default pyramid: 1%, 4%, 15%, 80% of 10000 (continuous scores,
	// so the counts are exact up to the interpolated cut: +-1).
	for k, want := range []int{0, 100, 400, 1500, 8000} {
		if k > 0 && (tiers[k] < want-1 || tiers[k] > want+1) {
			t.Errorf("tier %d: %d customers, want %d", k, tiers[k], want)
		}
	}
	// Correlated current and potential (synth shares size and relationship
	// factors): II and III are rarer than I and IV.
	if quads[QuadrantIV] <= quads[QuadrantII] || quads[QuadrantI] <= quads[QuadrantIII] {
		t.Errorf("quadrant counts %v", quads)
	}
}

func TestCatalog(t *testing.T) {
	c := DefaultCatalog()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(c.Indicators) != 30 || len(c.Groups) != 6 {
		t.Fatalf("default catalog: %d indicators, %d groups", len(c.Indicators), len(c.Groups))
	}
	per := map[string]int{}
	dims := map[Dimension]int{}
	for _, ind := range c.Indicators {
		per[ind.Group]++
		dims[ind.Dimension]++
		if ind.Name == "" || ind.Unit == "" || ind.Definition == "" || ind.Source == "" {
			t.Errorf("%s: incomplete documentation", ind.ID)
		}
	}
	for g, n := range per {
		if n != 5 {
			t.Errorf("group %s has %d indicators", g, n)
		}
	}
	if dims[CurrentValue] != 15 || dims[PotentialValue] != 15 {
		t.Errorf("dimensions %v", dims)
	}
	if !slices.Equal(c.IDs(), synth.IndicatorIDs) {
		t.Error("synth.IndicatorIDs differ from the default catalog")
	}
	// Extending and replacing.
	ext := c.Add(Indicator{ID: "clv", Name: "Predicted CLV", Dimension: PotentialValue, Group: GroupGrowth, Weight: 0.1})
	if len(ext.Indicators) != 31 || len(c.Indicators) != 30 {
		t.Error("Add did not copy")
	}
	w, err := c.WithWeights(map[string]float64{"revenue": 0.5, GroupCredit: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	if w.Indicators[w.Index("revenue")].Weight != 0.5 || c.Indicators[c.Index("revenue")].Weight != 0.2 {
		t.Error("WithWeights")
	}
	if _, err := c.WithWeights(map[string]float64{"nope": 1}); !errors.Is(err, ErrUnknownID) {
		t.Errorf("WithWeights unknown: %v", err)
	}
	if _, err := c.WithWeights(map[string]float64{"revenue": -1}); !errors.Is(err, ErrBadWeight) {
		t.Errorf("WithWeights negative: %v", err)
	}
	// Catalog JSON round trip uses readable enums.
	b := check.Must(json.Marshal(c))
	var c2 Catalog
	if err := json.Unmarshal(b, &c2); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Indicators, c2.Indicators) {
		t.Error("catalog JSON round trip")
	}
	if !strings.Contains(string(b), `"direction":"cost"`) {
		t.Error("enums not marshalled as text")
	}
}

func TestPerTypeCatalogs(t *testing.T) {
	// Two customer types scored with different indicator sets: the
	// distributors' catalog drops the technical-relationship indicators.
	tb := synthTable(400, 5, 0)
	types := make([]string, tb.Len())
	for i := range types {
		types[i] = "manufacturer"
		if i%3 == 0 {
			types[i] = "distributor"
		}
	}
	full := DefaultCatalog()
	dist := Catalog{Groups: full.Groups}
	for _, ind := range full.Indicators {
		if ind.ID != "joint_projects" && ind.ID != "contacts" {
			dist.Indicators = append(dist.Indicators, ind)
		}
	}
	models, err := FitByType(ctx, tb, types, map[string]*Settings{
		"manufacturer": {Catalog: full},
		"distributor":  {Catalog: dist, NormalizeWeights: true, IgnoreUnknown: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := models["distributor"].Weight("contacts"); ok {
		t.Error("distributor model has contacts")
	}
	if w, _ := models["distributor"].Weight("satisfaction"); !check.Close(w, 0.3*0.25, 1e-12, 1e-12) {
		t.Errorf("renormalised weight: got %g, want %g", w, 0.3*0.25)
	}
}

func TestLnNormal(t *testing.T) {
	// lnNormal against math.Log (the reference): within 1 ulp over a
	// spread of magnitudes.
	x := 1.0
	for x < 1e300 {
		for _, y := range []float64{x, x * 1.37, x * 1.4142, x * 1.9999} {
			got, want := lnNormal(y), math.Log(y)
			if math.Abs(got-want) > math.Abs(want)*2.3e-16 && got != want {
				t.Fatalf("lnNormal(%g) = %.17g, math.Log %.17g", y, got, want)
			}
		}
		x *= 3.7
	}
	// slog is odd and continuous at the 1e-3 switch.
	if !check.Close(slog(1e-3), math.Log1p(1e-3), 1e-15, 1e-15) || slog(-5) != -slog(5) || !math.IsInf(slog(math.Inf(1)), 1) {
		t.Error("slog")
	}
}

func TestAddLogMinMax(t *testing.T) {
	// The unrolled loop equals the slog path bit for bit.
	col := []float64{0, 5e-4, 1e-3, 0.5, 1, 7, 123.456, 1e6, 3.3e12, -2, -1e-4, 1e300}
	ac := make([]float64, len(col))
	addLogMinMax(ac, col, 0.3, 0.1, 0.05)
	for i, x := range col {
		r := min(max(0.1+0.05*slog(x), 0), 1)
		if ac[i] != 0.3*r {
			t.Errorf("x = %g: got %.17g, want %.17g", x, ac[i], 0.3*r)
		}
	}
}

// TestMissingAfterFastColumns puts the missing value in the last indicator,
// after the fast path has already added the others for the chunk: the chunk
// is scored again on the general path, so every other customer scores as
// on the complete table, and the customer with the missing value scores as
// if it had the fitted median (3, the median of 5 4 3 2 1).
func TestMissingAfterFastColumns(t *testing.T) {
	tb := smallTable()
	s := smallSettings()
	s.Missing = MissingImpute
	m, err := Fit(ctx, tb, &s)
	if err != nil {
		t.Fatal(err)
	}
	miss := IndicatorTable{Customers: tb.Customers, IDs: tb.IDs, Columns: [][]float64{tb.Columns[0], tb.Columns[1], {5, math.NaN(), 3, 2, 1}}}
	median := IndicatorTable{Customers: tb.Customers, IDs: tb.IDs, Columns: [][]float64{tb.Columns[0], tb.Columns[1], {5, 3, 3, 2, 1}}}
	got, err := m.Score(ctx, nil, miss)
	if err != nil {
		t.Fatal(err)
	}
	want, err := m.Score(ctx, nil, median)
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		g, w := got[i], want[i]
		if i == 1 {
			w.Imputed = 1
		}
		if g != w {
			t.Errorf("customer %s: got %+v, want %+v", tb.Customers[i], g, w)
		}
	}
}
