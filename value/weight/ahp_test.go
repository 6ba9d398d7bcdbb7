package weight

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/cvmkit/cvm/internal/check"

	"gonum.org/v1/gonum/mat"
)

// pairwise builds a reciprocal matrix over names from judgements "a over b".
func pairwise(names []string, j map[[2]string]float64) *mat.Dense {
	idx := map[string]int{}
	a := mat.NewDense(len(names), len(names), nil)
	for i, n := range names {
		idx[n] = i
		a.Set(i, i, 1)
	}
	for p, v := range j {
		a.Set(idx[p[0]], idx[p[1]], v)
		a.Set(idx[p[1]], idx[p[0]], 1/v)
	}
	return a
}

// Saaty (2008), Decision making with the analytic hierarchy process, Int.
// J. Services Sciences 1(1), 83-98, Table 2: relative consumption of drinks
// in the US. Published eigenvector to three decimals; CR 0.022 with the
// random indices of Saaty (2005), as also reproduced by the AHPy test suite.
var drinkNames = []string{"coffee", "wine", "tea", "beer", "soda", "milk", "water"}
var drinks = map[[2]string]float64{
	{"coffee", "wine"}: 9, {"coffee", "tea"}: 5, {"coffee", "beer"}: 2, {"coffee", "soda"}: 1, {"coffee", "milk"}: 1,
	{"water", "coffee"}: 2, {"water", "wine"}: 9, {"water", "tea"}: 9, {"water", "beer"}: 3, {"water", "soda"}: 2, {"water", "milk"}: 3,
	{"tea", "wine"}: 3, {"beer", "wine"}: 9, {"beer", "tea"}: 3, {"beer", "milk"}: 1,
	{"soda", "wine"}: 9, {"soda", "tea"}: 4, {"soda", "beer"}: 2, {"soda", "milk"}: 2, {"milk", "wine"}: 9, {"milk", "tea"}: 3,
}

func TestAHPGolden(t *testing.T) {
	for _, tc := range []struct {
		name   string
		a      mat.Matrix
		ri     []float64
		accept bool
		w      []float64
		lambda float64 // NaN: not published
		ci     float64
		cr     float64
		tol    float64
	}{
		{
			name: "Saaty 2008 drinks", a: pairwise(drinkNames, drinks), ri: SaatyRI2005,
			w:      []float64{0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327},
			lambda: math.NaN(), ci: math.NaN(), cr: 0.022, tol: 5e-4,
		},
		{
			// R eigen() on this 5x5 matrix, published on RPubs
			// (rstudio-pubs-static 487905): lambda_max 6.446686, CI
			// 0.3616715, eigenvector 0.6974661 0.3422714 0.2022489
			// 0.2759289 0.5285358 (normalised: divided by its sum
			// 2.0464511). CR = CI/1.12 (Saaty 1980 RI) = 0.322921.
			name: "RPubs inconsistent 5x5", accept: true,
			a: mat.NewDense(5, 5, []float64{
				1, 3, 7, 3, 1,
				1.0 / 3, 1, 5, 1.0 / 3, 1,
				1.0 / 7, 1.0 / 5, 1, 3, 1.0 / 5,
				1.0 / 3, 3, 1.0 / 3, 1, 1.0 / 3,
				1, 1, 5, 3, 1}),
			w:      []float64{0.6974661 / 2.0464511, 0.3422714 / 2.0464511, 0.2022489 / 2.0464511, 0.2759289 / 2.0464511, 0.5285358 / 2.0464511},
			lambda: 6.446686, ci: 0.3616715, cr: 0.3616715 / 1.12, tol: 1e-6,
		},
		{
			// A consistent matrix a_ij = w_i/w_j has lambda_max = n and
			// eigenvector w (Saaty 1977, Theorem 1).
			name: "consistent",
			a: mat.NewDense(4, 4, []float64{
				1, 2, 4, 4,
				0.5, 1, 2, 2,
				0.25, 0.5, 1, 1,
				0.25, 0.5, 1, 1}),
			w: []float64{0.5, 0.25, 0.125, 0.125}, lambda: 4, ci: 0, cr: 0, tol: 1e-12,
		},
		{
			// 2x2: any reciprocal matrix is consistent: w = (3/4, 1/4).
			name: "2x2", a: mat.NewDense(2, 2, []float64{1, 3, 1.0 / 3, 1}),
			w: []float64{0.75, 0.25}, lambda: 2, ci: 0, cr: 0, tol: 1e-12,
		},
	} {
		res, err := AHP(tc.a, &AHPSettings{RI: tc.ri, AcceptInconsistent: tc.accept})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		for i := range tc.w {
			if !check.Close(res.Weights[i], tc.w[i], tc.tol, tc.tol) && math.Abs(res.Weights[i]-tc.w[i]) > tc.tol {
				t.Errorf("%s: weight %d: got %.6f, want %.6f", tc.name, i, res.Weights[i], tc.w[i])
			}
		}
		for _, p := range []struct {
			what      string
			got, want float64
		}{{"lambda", res.LambdaMax, tc.lambda}, {"CI", res.CI, tc.ci}, {"CR", res.CR, tc.cr}} {
			if !math.IsNaN(p.want) && math.Abs(p.got-p.want) > tc.tol {
				t.Errorf("%s: %s: got %.7f, want %.7f", tc.name, p.what, p.got, p.want)
			}
		}
	}
	// Without accepting, the RPubs matrix is an error carrying its CR.
	a := mat.NewDense(5, 5, []float64{1, 3, 7, 3, 1, 1.0 / 3, 1, 5, 1.0 / 3, 1, 1.0 / 7, 1.0 / 5, 1, 3, 1.0 / 5, 1.0 / 3, 3, 1.0 / 3, 1, 1.0 / 3, 1, 1, 5, 3, 1})
	_, err := AHP(a, nil)
	var ce *ConsistencyError
	if !errors.Is(err, ErrInconsistent) || !errors.As(err, &ce) || math.Abs(ce.CR-0.322921) > 1e-5 {
		t.Errorf("inconsistent: got %v", err)
	}
}

// Saaty (2005), Theory and Applications of the Analytic Network Process,
// choosing the best city to live in: criteria and per-criterion city
// comparisons; published overall priorities Bethesda 0.229, Boston 0.275,
// Pittsburgh 0.385, Santa Fe 0.111 (as reproduced by the AHPy test suite).
func TestAHPCities(t *testing.T) {
	crit := []string{"Culture", "Family", "Housing", "Jobs", "Transportation"}
	cities := []string{"Bethesda", "Boston", "Pittsburgh", "Santa Fe"}
	criteria := pairwise(crit, map[[2]string]float64{
		{"Culture", "Housing"}: 3, {"Culture", "Transportation"}: 5, {"Family", "Culture"}: 5, {"Family", "Housing"}: 7,
		{"Family", "Transportation"}: 7, {"Housing", "Transportation"}: 3, {"Jobs", "Culture"}: 2, {"Jobs", "Housing"}: 4,
		{"Jobs", "Transportation"}: 7, {"Family", "Jobs"}: 1})
	per := []map[[2]string]float64{
		{{"Bethesda", "Pittsburgh"}: 1, {"Boston", "Bethesda"}: 2, {"Boston", "Pittsburgh"}: 2.5, {"Boston", "Santa Fe"}: 1, {"Santa Fe", "Bethesda"}: 2, {"Santa Fe", "Pittsburgh"}: 2.5},
		{{"Bethesda", "Boston"}: 2, {"Bethesda", "Santa Fe"}: 4, {"Boston", "Santa Fe"}: 2, {"Pittsburgh", "Bethesda"}: 3, {"Pittsburgh", "Boston"}: 8, {"Pittsburgh", "Santa Fe"}: 9},
		{{"Bethesda", "Boston"}: 5, {"Bethesda", "Santa Fe"}: 2.5, {"Pittsburgh", "Bethesda"}: 2, {"Pittsburgh", "Boston"}: 9, {"Pittsburgh", "Santa Fe"}: 7, {"Santa Fe", "Boston"}: 4},
		{{"Bethesda", "Pittsburgh"}: 3, {"Bethesda", "Santa Fe"}: 4, {"Boston", "Bethesda"}: 2, {"Boston", "Pittsburgh"}: 6, {"Boston", "Santa Fe"}: 8, {"Pittsburgh", "Santa Fe"}: 1},
		{{"Bethesda", "Boston"}: 1.5, {"Bethesda", "Santa Fe"}: 4, {"Boston", "Santa Fe"}: 2.5, {"Pittsburgh", "Bethesda"}: 2, {"Pittsburgh", "Boston"}: 3.5, {"Pittsburgh", "Santa Fe"}: 9},
	}
	s := &AHPSettings{RI: SaatyRI2005, AcceptInconsistent: true}
	cw, err := AHP(criteria, s)
	if err != nil {
		t.Fatal(err)
	}
	total := make([]float64, 4)
	for k, j := range per {
		r, err := AHP(pairwise(cities, j), s)
		if err != nil {
			t.Fatal(err)
		}
		for i := range total {
			total[i] += cw.Weights[k] * r.Weights[i]
		}
	}
	for i, want := range []float64{0.229, 0.275, 0.385, 0.111} {
		if math.Abs(total[i]-want) > 5e-4 {
			t.Errorf("%s: got %.4f, want %.3f", cities[i], total[i], want)
		}
	}
}

func TestAHPErrors(t *testing.T) {
	big := mat.NewDense(16, 16, nil)
	for i := range 16 {
		for j := range 16 {
			big.Set(i, j, 1)
		}
	}
	for _, tc := range []struct {
		name string
		a    mat.Matrix
		s    *AHPSettings
		err  error
		row  int // expected MatrixError row (0-based), -1 if none
	}{
		{"not reciprocal", mat.NewDense(2, 2, []float64{1, 3, 3, 1}), nil, ErrNotReciprocal, 1},
		{"zero", mat.NewDense(2, 2, []float64{1, 0, 1, 1}), nil, ErrNonPositive, 0},
		{"negative", mat.NewDense(2, 2, []float64{1, 1, -1, 1}), nil, ErrNonPositive, 1},
		{"NaN", mat.NewDense(2, 2, []float64{1, math.NaN(), 1, 1}), nil, ErrNonPositive, 0},
		{"Inf", mat.NewDense(2, 2, []float64{1, math.Inf(1), 1, 1}), nil, ErrNonPositive, 0},
		{"diagonal", mat.NewDense(2, 2, []float64{2, 1, 1, 1}), nil, ErrNotReciprocal, 0},
		{"not square", mat.NewDense(2, 3, []float64{1, 1, 1, 1, 1, 1}), nil, ErrNotSquare, -1},
		{"no RI for 16", big, nil, ErrNoRandomIndex, -1},
	} {
		_, err := AHP(tc.a, tc.s)
		if !errors.Is(err, tc.err) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.err)
			continue
		}
		var me *MatrixError
		if tc.row >= 0 && (!errors.As(err, &me) || me.Row != tc.row) {
			t.Errorf("%s: error %v does not name row %d", tc.name, err, tc.row+1)
		}
	}
	// A pluggable RI table of 16 entries accepts the 16x16 matrix.
	ri := append(append([]float64(nil), SaatyRI...), 1.60)
	if r, err := AHP(big, &AHPSettings{RI: ri}); err != nil || !check.Close(r.Weights[0], 1.0/16, 1e-12, 1e-12) {
		t.Errorf("custom RI: %v %v", r, err)
	}
	// 0.333 for 1/3 passes the reciprocity tolerance.
	if _, err := AHP(mat.NewDense(2, 2, []float64{1, 3, 0.333, 1}), nil); err != nil {
		t.Errorf("0.333: %v", err)
	}
}

func TestAggregateJudgements(t *testing.T) {
	e1 := mat.NewDense(2, 2, []float64{1, 2, 0.5, 1})
	e2 := mat.NewDense(2, 2, []float64{1, 8, 0.125, 1})
	g, err := AggregateJudgements([]mat.Matrix{e1, e2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// sqrt(2*8) = 4 and sqrt(1/16) = 1/4 (by hand).
	if !check.Close(g.At(0, 1), 4, 1e-12, 1e-12) || !check.Close(g.At(1, 0), 0.25, 1e-12, 1e-12) {
		t.Errorf("got %v", mat.Formatted(g))
	}
	// Weighted 3:1: 2^0.75 * 8^0.25 = 2^1.5 (by hand).
	g = check.Must(AggregateJudgements([]mat.Matrix{e1, e2}, []float64{3, 1}))
	if !check.Close(g.At(0, 1), math.Pow(2, 1.5), 1e-12, 1e-12) {
		t.Errorf("weighted: got %g", g.At(0, 1))
	}
	bad := mat.NewDense(2, 2, []float64{1, 2, 2, 1})
	if _, err := AggregateJudgements([]mat.Matrix{e1, bad}, nil); !errors.Is(err, ErrNotReciprocal) || !strings.Contains(err.Error(), "expert 1") {
		t.Errorf("bad expert: got %v", err)
	}
	if _, err := AggregateJudgements(nil, nil); !errors.Is(err, ErrEmptyInput) {
		t.Errorf("none: got %v", err)
	}
	three := mat.NewDense(3, 3, []float64{1, 1, 1, 1, 1, 1, 1, 1, 1})
	if _, err := AggregateJudgements([]mat.Matrix{e1, three}, nil); !errors.Is(err, ErrNotSquare) {
		t.Errorf("sizes: got %v", err)
	}
}
