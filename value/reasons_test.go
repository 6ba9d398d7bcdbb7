package value

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"testing"

	"github.com/cvmkit/cvm/internal/check"
)

// prankRef is the percentile rank on a sorted grid as the package doc
// defines it, by a linear scan: 0 below the grid, 1 above it, the middle
// of the run of grid points equal to x, else linear interpolation between
// the neighbouring points.
func prankRef(x float64, g []float64) float64 {
	n := len(g) - 1
	if x < g[0] {
		return 0
	}
	if x > g[n] {
		return 1
	}
	lo := 0
	for g[lo] < x {
		lo++
	}
	if g[lo] == x {
		hi := lo
		for hi < n && g[hi+1] == x {
			hi++
		}
		return float64(lo+hi) / float64(2*n)
	}
	return (float64(lo-1) + (x-g[lo-1])/(g[lo]-g[lo-1])) / float64(n)
}

// hostileGrids are sorted 101-point grids with equal runs (at the start,
// in the middle, at the end, the whole grid), signed zeros, subnormals and
// values near the ends of the float64 range.
func hostileGrids() map[string][]float64 {
	lin := func(f func(i int) float64) []float64 {
		g := make([]float64, 101)
		for i := range g {
			g[i] = f(i)
		}
		return g
	}
	sub := math.SmallestNonzeroFloat64
	rng := rand.New(rand.NewPCG(3, 4))
	random := lin(func(int) float64 { return rng.NormFloat64() })
	slices.Sort(random)
	ties := lin(func(int) float64 { return float64(rng.IntN(6)) })
	slices.Sort(ties)
	return map[string][]float64{
		"linear":   lin(func(i int) float64 { return float64(i) }),
		"constant": lin(func(int) float64 { return 7 }),
		"zeros":    lin(func(i int) float64 { return []float64{math.Copysign(0, -1), 0}[i%2] }),
		"run start": lin(func(i int) float64 {
			return float64(max(i, 40))
		}),
		"run middle": lin(func(i int) float64 {
			if i >= 30 && i <= 70 {
				return 30
			}
			return float64(i)
		}),
		"run end":    lin(func(i int) float64 { return float64(min(i, 60)) }),
		"two values": lin(func(i int) float64 { return float64(i / 51) }),
		"subnormal":  lin(func(i int) float64 { return float64(i-50) * sub }),
		"signed zero run": lin(func(i int) float64 {
			switch {
			case i < 20:
				return float64(i - 20)
			case i < 50:
				return math.Copysign(0, -1)
			case i < 80:
				return 0
			}
			return float64(i - 79)
		}),
		"huge":   lin(func(i int) float64 { return math.MaxFloat64 * (float64(i)/50 - 1) }),
		"random": random,
		"ties":   ties,
	}
}

// probes returns values to rank on g: every grid point, its neighbours,
// midpoints, values outside the grid, signed zeros, subnormals, the
// extremes of the float64 range and infinities.
func probes(g []float64) []float64 {
	sub := math.SmallestNonzeroFloat64
	xs := []float64{0, math.Copysign(0, -1), sub, -sub, 2 * sub, math.MaxFloat64, -math.MaxFloat64, math.Inf(1), math.Inf(-1), 1, -1, 0.5}
	for i, v := range g {
		xs = append(xs, v, math.Nextafter(v, math.Inf(1)), math.Nextafter(v, math.Inf(-1)))
		if i > 0 {
			xs = append(xs, g[i-1]+(v-g[i-1])/2, g[i-1]/2+v/2)
		}
	}
	return xs
}

func TestPrankMatchesLinearScan(t *testing.T) {
	for name, g := range hostileGrids() {
		if !slices.IsSorted(g) {
			t.Fatalf("%s: grid not sorted", name)
		}
		rg := newRankGrid(g)
		for _, x := range probes(g) {
			want := prankRef(x, g)
			if got := prank(x, g); math.Float64bits(got) != math.Float64bits(want) {
				t.Errorf("%s: prank(%v) = %v, want %v", name, x, got, want)
			}
			if got := rg.at(x); math.Float64bits(got) != math.Float64bits(want) {
				t.Errorf("%s: rankGrid.at(%v) = %v, want %v", name, x, got, want)
			}
		}
		checkAt4(t, name, rg, g, probes(g))
	}
}

// checkAt4 checks at4 on xs in groups of four, shifted so that every
// value takes every lane.
func checkAt4(t *testing.T, name string, rg *rankGrid, g, xs []float64) {
	t.Helper()
	for shift := range 4 {
		for i := shift; i+4 <= len(xs); i += 4 {
			var r [4]float64
			rg.at4(&r, (*[4]float64)(xs[i:i+4]))
			for j, got := range r {
				if want := prankRef(xs[i+j], g); math.Float64bits(got) != math.Float64bits(want) {
					t.Fatalf("%s: rankGrid.at4 lane %d (%v) = %v, want %v", name, j, xs[i+j], got, want)
				}
			}
		}
	}
}

// Random sorted grids with many ties and random probes, against the scan.
func TestPrankRandomGrids(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		g := make([]float64, 101)
		levels := 1 + rng.IntN(120)
		for i := range g {
			g[i] = float64(rng.IntN(levels)) - float64(levels)/2
		}
		slices.Sort(g)
		rg := newRankGrid(g)
		xs := make([]float64, 0, 50)
		for range 50 {
			x := float64(rng.IntN(levels+4)) - float64(levels+4)/2
			if rng.IntN(2) == 0 {
				x += rng.Float64()
			}
			xs = append(xs, x)
			want := prankRef(x, g)
			if got := rg.at(x); math.Float64bits(got) != math.Float64bits(want) {
				t.Fatalf("rankGrid.at(%v) = %v, want %v on %v", x, got, want, g)
			}
			if got := prank(x, g); math.Float64bits(got) != math.Float64bits(want) {
				t.Fatalf("prank(%v) = %v, want %v on %v", x, got, want, g)
			}
		}
		checkAt4(t, "random", rg, g, xs)
	}
}

func TestLowerBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for n := range 131 {
		g := make([]float64, n)
		for i := range g {
			g[i] = float64(rng.IntN(n/3 + 1))
		}
		slices.Sort(g)
		for x := -1.0; x <= float64(n/3+2); x += 0.5 {
			// sort.SearchFloat64s: the smallest index with g[i] >= x.
			if got, want := lowerBound(g, x), sort.SearchFloat64s(g, x); got != want {
				t.Fatalf("n=%d: lowerBound(%v) = %d, want %d", n, x, got, want)
			}
		}
	}
}

// explainIDs returns the IDs of the first n contributions of Explain on
// row i of t, on a one-row table as profile.Build did.
func explainIDs(t *testing.T, m *Model, tb IndicatorTable, i, n int) []string {
	t.Helper()
	ex, err := m.Explain(tb.Rows([]int{i}), tb.Customers[i])
	if err != nil {
		t.Fatalf("Explain row %d: %v", i, err)
	}
	ids := []string{}
	for _, c := range ex.Contributions[:min(n, len(ex.Contributions))] {
		ids = append(ids, c.ID)
	}
	return ids
}

// tieCatalog has three current indicators of equal weight in one group (so
// equal values give bit-equal points), a cost min-max indicator, a
// log-scale percentile rank, a z-score, and a potential group with a
// benefit and a cost percentile rank.
func tieCatalog() Catalog {
	return Catalog{
		Groups: []Group{
			{ID: "g1", Name: "G1", Dimension: CurrentValue, Weight: 0.6},
			{ID: "g2", Name: "G2", Dimension: CurrentValue, Weight: 0.4},
			{ID: "g3", Name: "G3", Dimension: PotentialValue, Weight: 1},
		},
		Indicators: []Indicator{
			{ID: "a", Dimension: CurrentValue, Group: "g1", Weight: 1},
			{ID: "b", Dimension: CurrentValue, Group: "g1", Weight: 1},
			{ID: "c", Dimension: CurrentValue, Group: "g1", Weight: 1},
			{ID: "d", Dimension: CurrentValue, Group: "g2", Direction: Cost, Weight: 1},
			{ID: "e", Dimension: CurrentValue, Group: "g2", Norm: Normalization{Method: PercentileRank, Log: true}, Weight: 1},
			{ID: "f", Dimension: CurrentValue, Group: "g2", Norm: Normalization{Method: ZScore, Lower: 0.05, Upper: 0.95}, Weight: 1},
			{ID: "p", Dimension: PotentialValue, Group: "g3", Norm: Normalization{Method: PercentileRank}, Weight: 1},
			{ID: "q", Dimension: PotentialValue, Group: "g3", Direction: Cost, Norm: Normalization{Method: PercentileRank}, Weight: 1},
		},
	}
}

// tieTable has small integer values (many equal values, hence equal
// points) and NaN in every column but p at the given rate.
func tieTable(n int, seed uint64, missing float64) IndicatorTable {
	rng := rand.New(rand.NewPCG(seed, 9))
	ids := []string{"a", "b", "c", "d", "e", "f", "p", "q"}
	tb := IndicatorTable{Customers: make([]string, n), IDs: ids, Columns: make([][]float64, len(ids))}
	for i := range tb.Customers {
		tb.Customers[i] = fmt.Sprintf("T%05d", i)
	}
	for j, id := range ids {
		col := make([]float64, n)
		for i := range col {
			col[i] = float64(rng.IntN(4))
			if i < 2 {
				col[i] = float64(3 * i) // the same bounds in every column
			}
			if id != "p" && i >= 2 && rng.Float64() < missing {
				col[i] = math.NaN()
			}
		}
		tb.Columns[j] = col
	}
	return tb
}

// Reasons gives Explain's first n IDs, in its order, for every row: with
// ties, imputed and dropped values, cost indicators, every normalisation,
// both dimensions and both aggregations.
func TestReasonsMatchExplain(t *testing.T) {
	def := DefaultCatalog()
	def.Indicators[3].Norm = Normalization{Method: ZScore, Lower: 0.05, Upper: 0.95}
	def.Indicators[20].Norm = Normalization{Method: PercentileRank}
	def.Indicators[21].Norm = Normalization{Method: PercentileRank, Log: true}
	cases := []struct {
		name string
		tb   IndicatorTable
		s    Settings
	}{
		{"ties impute", tieTable(800, 1, 0.1), Settings{Catalog: tieCatalog(), NormalizeWeights: true, Missing: MissingImpute}},
		{"ties drop", tieTable(800, 2, 0.1), Settings{Catalog: tieCatalog(), NormalizeWeights: true, Missing: MissingDrop, CurrentWeight: 0.7, PotentialWeight: 0.3}},
		{"ties complete", tieTable(800, 3, 0), Settings{Catalog: tieCatalog(), NormalizeWeights: true}},
		{"ties topsis drop", tieTable(800, 4, 0.1), Settings{Catalog: tieCatalog(), NormalizeWeights: true, Missing: MissingDrop, Aggregation: TOPSIS}},
		{"ties current only", tieTable(800, 5, 0.05), Settings{Catalog: tieCatalog(), NormalizeWeights: true, Missing: MissingImpute, CurrentWeight: 1}},
		{"default impute", synthTable(1500, 11, 0.05), Settings{Catalog: def, Missing: MissingImpute}},
		{"default drop topsis", synthTable(1500, 12, 0.05), Settings{Catalog: def, Missing: MissingDrop, Aggregation: TOPSIS, CurrentWeight: 0.3, PotentialWeight: 0.7}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := check.Must(Fit(ctx, tc.tb, &tc.s))
			for _, n := range []int{0, 1, 3, len(m.fit), len(m.fit) + 2} {
				got, err := m.Reasons(ctx, nil, tc.tb, n)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != tc.tb.Len() {
					t.Fatalf("n=%d: %d rows, want %d", n, len(got), tc.tb.Len())
				}
				for i := range got {
					if want := explainIDs(t, m, tc.tb, i, n); !slices.Equal(got[i], want) {
						t.Fatalf("n=%d row %d: Reasons %v, Explain %v", n, i, got[i], want)
					}
				}
			}
		})
	}
}

// The tie order by hand: x, y, z have equal weights (1/3 of current), u
// is all of potential, the dimensions weigh 1/2 each, all min-max on
// [0, 2]; a contribution is 100 * w * r / 2. Equal contributions keep the
// catalog order x, y, z, u.
func TestReasonsTieOrder(t *testing.T) {
	cat := Catalog{
		Groups: []Group{
			{ID: "g1", Name: "G1", Dimension: CurrentValue, Weight: 1},
			{ID: "g2", Name: "G2", Dimension: PotentialValue, Weight: 1},
		},
		Indicators: []Indicator{
			{ID: "x", Dimension: CurrentValue, Group: "g1", Weight: 1},
			{ID: "y", Dimension: CurrentValue, Group: "g1", Weight: 1},
			{ID: "z", Dimension: CurrentValue, Group: "g1", Weight: 1},
			{ID: "u", Dimension: PotentialValue, Group: "g2", Weight: 1},
		},
	}
	tb := IndicatorTable{
		Customers: []string{"A", "B", "C", "D"},
		IDs:       []string{"u", "z", "y", "x"}, // not in catalog order
		Columns: [][]float64{
			{0, 1, 2, 0}, // u
			{0, 2, 2, 0}, // z
			{0, 2, 1, 1}, // y
			{0, 2, 1, 2}, // x
		},
	}
	m := check.Must(Fit(ctx, tb, &Settings{Catalog: cat, NormalizeWeights: true}))
	want := [][]string{
		{"x", "y", "z", "u"}, // all 0
		{"u", "x", "y", "z"}, // u 25, x = y = z = 16.67
		{"u", "z", "x", "y"}, // u 50, z 16.67, x = y = 8.33
		{"x", "y", "z", "u"}, // x 16.67, y 8.33, z = u = 0
	}
	got := check.Must(m.Reasons(ctx, nil, tb, 4))
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("Reasons = %v, want %v", got, want)
	}
	got = check.Must(m.Reasons(ctx, nil, tb, 2))
	for i := range want {
		if !slices.Equal(got[i], want[i][:2]) {
			t.Errorf("Reasons n=2 row %d = %v, want %v", i, got[i], want[i][:2])
		}
	}
}

// better is Explain's order: larger first, -0 == +0, NaN after numbers.
func TestBetter(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		p, q float64
		want bool
	}{
		{2, 1, true}, {1, 2, false}, {1, 1, false},
		{0, math.Copysign(0, -1), false}, {math.Copysign(0, -1), 0, false},
		{0, nan, true}, {nan, 0, false}, {nan, nan, false},
		{math.Inf(-1), nan, true},
	}
	for _, c := range cases {
		if got := better(c.p, c.q); got != c.want {
			t.Errorf("better(%v, %v) = %v, want %v", c.p, c.q, got, c.want)
		}
		// cmp.Compare(q, p) < 0 is the comparator Explain sorts with.
		cmpWant := c.q < c.p || (math.IsNaN(c.q) && !math.IsNaN(c.p))
		if c.want != cmpWant {
			t.Errorf("case %v, %v: want %v disagrees with the comparator's %v", c.p, c.q, c.want, cmpWant)
		}
	}
}

// Over several blocks, on one and two cores: the same reasons, Explain's,
// and dst's memory is reused.
func TestReasonsParallelAndDst(t *testing.T) {
	tb := synthTable(2*block+chunk+17, 21, 0.02)
	m := check.Must(Fit(ctx, tb, &Settings{Missing: MissingImpute}))
	orig := tb.Rows(slices.Collect(func(yield func(int) bool) {
		for i := range tb.Len() {
			if !yield(i) {
				return
			}
		}
	}))
	var runs [][][]string
	for _, procs := range []int{1, 2} {
		prev := runtime.GOMAXPROCS(procs)
		runs = append(runs, check.Must(m.Reasons(ctx, nil, tb, 3)))
		runtime.GOMAXPROCS(prev)
	}
	if !slices.EqualFunc(runs[0], runs[1], slices.Equal) {
		t.Fatal("reasons differ between 1 and 2 procs")
	}
	for i := 0; i < tb.Len(); i += 97 {
		if want := explainIDs(t, m, tb, i, 3); !slices.Equal(runs[0][i], want) {
			t.Fatalf("row %d: %v, want %v", i, runs[0][i], want)
		}
	}
	dst := runs[0]
	first := &dst[5][0]
	again := check.Must(m.Reasons(ctx, dst, tb, 3))
	if &again[5][0] != first {
		t.Error("dst's row memory not reused")
	}
	if !slices.EqualFunc(again, runs[1], slices.Equal) {
		t.Error("reasons into dst differ")
	}
	// Rows are capped: appending to one leaves the next alone.
	fresh := check.Must(m.Reasons(ctx, nil, tb, 3))
	next := slices.Clone(fresh[1])
	_ = append(fresh[0], "extra")
	if !slices.Equal(fresh[1], next) {
		t.Error("appending to a row changed the next")
	}
	// The table is not modified.
	for j := range tb.Columns {
		if !slices.EqualFunc(tb.Columns[j], orig.Columns[j], func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }) {
			t.Fatalf("column %s modified", tb.IDs[j])
		}
	}
}

// Reasons returns Score's errors: the same error for the same table.
func TestReasonsErrors(t *testing.T) {
	base := tieTable(300, 7, 0.1)
	mImp := check.Must(Fit(ctx, base, &Settings{Catalog: tieCatalog(), NormalizeWeights: true, Missing: MissingImpute}))
	mErr := check.Must(Fit(ctx, tieTable(300, 7, 0), &Settings{Catalog: tieCatalog(), NormalizeWeights: true}))
	mDrop := check.Must(Fit(ctx, base, &Settings{Catalog: tieCatalog(), NormalizeWeights: true, Missing: MissingDrop}))
	withCell := func(id string, row int, v float64) IndicatorTable {
		col, _ := base.Column(id)
		col = slices.Clone(col)
		col[row] = v
		return base.WithColumn(id, col)
	}
	allMissing := withCell("p", 200, math.NaN()).WithColumn("q", func() []float64 {
		col, _ := base.Column("q")
		col = slices.Clone(col)
		col[200] = math.NaN()
		return col
	}())
	cases := []struct {
		name string
		m    *Model
		tb   IndicatorTable
		is   error
		row  int // the DataError's Index; -1 for none
	}{
		{"infinite", mImp, withCell("c", 123, math.Inf(1)), ErrNonFinite, 123},
		{"missing under MissingError", mErr, base, ErrMissing, -2},
		{"all of a dimension dropped", mDrop, allMissing, ErrAllMissing, 200},
		{"unknown column", mImp, base.WithColumn("zz", make([]float64, base.Len())), ErrUnknownID, -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, serr := tc.m.Score(ctx, nil, tc.tb)
			got, err := tc.m.Reasons(ctx, nil, tc.tb, 3)
			if err == nil || got != nil {
				t.Fatalf("Reasons = %v, %v; want an error", got, err)
			}
			if !errors.Is(err, tc.is) {
				t.Errorf("error %v, want %v", err, tc.is)
			}
			if serr == nil || err.Error() != serr.Error() {
				t.Errorf("error %v, Score's %v", err, serr)
			}
			var de *DataError
			if tc.row != -1 {
				if !errors.As(err, &de) {
					t.Fatalf("error %v is not a DataError", err)
				}
				if tc.row >= 0 && de.Index != tc.row {
					t.Errorf("Index %d, want %d", de.Index, tc.row)
				}
			}
		})
	}
	// Empty table, cancelled context, negative n.
	empty := IndicatorTable{IDs: base.IDs, Columns: make([][]float64, len(base.IDs))}
	if got, err := mImp.Reasons(ctx, make([][]string, 3), empty, 3); err != nil || len(got) != 0 {
		t.Errorf("empty table: %v, %v", got, err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := mImp.Reasons(cctx, nil, base, 3); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("negative n did not panic")
		}
	}()
	_, _ = mImp.Reasons(ctx, nil, base, -1)
}

// sortFloats gives slices.Sort's bits: the same sorted values, and a
// fit (every method that sorts) with the bits of the fit by slices.Sort.
func TestSortFloats(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	gen := map[string]func(n int) []float64{
		"normal":   func(n int) []float64 { return fill(n, func() float64 { return rng.NormFloat64() }) },
		"counts":   func(n int) []float64 { return fill(n, func() float64 { return float64(1 + rng.IntN(5)) }) },
		"skewed":   func(n int) []float64 { return fill(n, func() float64 { return math.Floor(rng.ExpFloat64()*3) + 1 }) },
		"negative": func(n int) []float64 { return fill(n, func() float64 { return -1 - float64(rng.IntN(50)) }) },
		"both zeros": func(n int) []float64 {
			return fill(n, func() float64 { return []float64{0, math.Copysign(0, -1), 1, -2}[rng.IntN(4)] })
		},
		"positive zeros": func(n int) []float64 {
			return fill(n, func() float64 { return []float64{0, 0, 1, -2}[rng.IntN(4)] })
		},
		"negative zeros": func(n int) []float64 {
			return fill(n, func() float64 { return []float64{math.Copysign(0, -1), 1, -2}[rng.IntN(3)] })
		},
		"subnormal": func(n int) []float64 {
			return fill(n, func() float64 { return float64(rng.IntN(19)-9) * math.SmallestNonzeroFloat64 })
		},
		"extremes": func(n int) []float64 {
			return fill(n, func() float64 {
				// Differences of values near the end of the range
				// overflow the quantiles' interpolation (a NaN grid).
				return []float64{1e300, -1e300, math.SmallestNonzeroFloat64, 1, -1}[rng.IntN(5)] * (1 + rng.Float64()/1e3)
			})
		},
		"bits": func(n int) []float64 {
			return fill(n, func() float64 {
				for {
					if x := math.Float64frombits(rng.Uint64()); math.Abs(x) < 1e300 && x != 0 {
						return x
					}
				}
			})
		},
		"constant": func(n int) []float64 { return fill(n, func() float64 { return 3 }) },
	}
	norms := []Normalization{{Method: PercentileRank}, {Method: PercentileRank, Lower: 0.05, Upper: 0.95}, {Method: ZScore, Lower: 0.01, Upper: 0.99}}
	eq := func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) }
	for name, g := range gen {
		for _, n := range []int{1, 2, 100, 4095, 4096, 5000, 70_001} {
			v := g(n)
			want := slices.Clone(v)
			slices.Sort(want)
			got := slices.Clone(v)
			sortFloats(got, nil)
			if name != "both zeros" && !slices.EqualFunc(got, want, eq) {
				t.Fatalf("%s n=%d: sortFloats differs from slices.Sort", name, n)
			}
			if !slices.IsSorted(got) {
				t.Fatalf("%s n=%d: not sorted", name, n)
			}
			for _, norm := range norms {
				ind := Indicator{ID: "x", Norm: norm, Direction: Cost}
				got, _, err := fitIndicator(ind, v, nil)
				if err != nil {
					t.Fatal(err)
				}
				if want := fitSortRef(ind, v); !sameFitted(got, want) {
					t.Fatalf("%s n=%d %v: fit %+v, by slices.Sort %+v", name, n, norm, got, want)
				}
			}
		}
	}
}

// fitSortRef is fitIndicator's fit for PercentileRank and ZScore with
// slices.Sort, as it was before sortFloats: the reference.
func fitSortRef(ind Indicator, v []float64) fitted {
	v = slices.Clone(v)
	slices.Sort(v)
	pl, ph := ind.Norm.bounds()
	lo, hi, med := quantileSortedRef(v, pl), quantileSortedRef(v, ph), quantileSortedRef(v, 0.5)
	var mu, sd float64
	sum := 0.0
	for i, x := range v {
		v[i] = min(max(x, lo), hi)
		sum += v[i]
	}
	var grid []float64
	if ind.Norm.Method == ZScore {
		mu = sum / float64(len(v))
		ss := 0.0
		for _, x := range v {
			ss += (x - mu) * (x - mu)
		}
		sd = math.Sqrt(ss / float64(len(v)))
	} else {
		grid = make([]float64, 101)
		for p := range grid {
			grid[p] = quantileSortedRef(v, float64(p)/100)
		}
	}
	return newFitted(ind, lo, hi, mu, sd, med, grid)
}

// quantileSortedRef is definition 7 of Hyndman & Fan (1996) on sorted x.
func quantileSortedRef(x []float64, p float64) float64 {
	h := float64(len(x)-1) * p
	j := int(math.Floor(h))
	if j+1 >= len(x) {
		return x[len(x)-1]
	}
	return x[j] + (h-float64(j))*(x[j+1]-x[j])
}

func fill(n int, f func() float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = f()
	}
	return v
}

func sameFitted(a, b fitted) bool {
	eq := func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) }
	return eq(a.Lo, b.Lo) && eq(a.Hi, b.Hi) && eq(a.Mean, b.Mean) && eq(a.SD, b.SD) && eq(a.MedianT, b.MedianT) &&
		eq(a.Median, b.Median) && eq(a.ImputeNorm, b.ImputeNorm) && slices.EqualFunc(a.Grid, b.Grid, eq)
}
