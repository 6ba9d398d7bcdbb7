package weight

import (
	"errors"
	"math"
	"testing"

	"github.com/cvmkit/cvm/internal/check"
	"gonum.org/v1/gonum/mat"
)

// scaled returns the columns of cols multiplied by scale[j], as a matrix.
func scaled(cols [][]float64, scale []float64) *mat.Dense {
	x := mat.NewDense(len(cols[0]), len(cols), nil)
	for j, c := range cols {
		for i, v := range c {
			x.Set(i, j, v*scale[j])
		}
	}
	return x
}

// Entropy, CRITIC and TOPSIS are scale-invariant per column, so columns
// near ±1e308 (whose range, sum or sum of squares overflows) must give the
// weights of the same columns at unit scale. The references are the plain
// implementation critic (CRITIC) and the methods on the unscaled data
// (issue 13: CRITIC of ±1e308 columns returned NaN weights).
func TestExtremeScale(t *testing.T) {
	a := []float64{3, 7, 1, 9, 4, 6}
	b := []float64{-1, 1, 0.5, -0.25, 0, 1}
	c := []float64{10, 12, 11, 30, 15, 13}
	cols := [][]float64{a, b, c}
	big := []float64{1e307, 1e308, 1e306}
	tiny := []float64{1e-300, 1e-310, 1e-320}

	want := critic(cols)
	for _, tc := range []struct {
		name  string
		scale []float64
	}{{"1e308", big}, {"subnormal", tiny}} {
		got, err := CRITIC(scaled(cols, tc.scale), nil)
		check.NoErr(t, err)
		check.Floats(t, "CRITIC "+tc.name, got, want, 1e-9, 1e-12)
	}

	pos := [][]float64{a, c}
	wantE := check.Must(Entropy(scaled(pos, []float64{1, 1})))
	gotE, err := Entropy(scaled(pos, []float64{1e307, 1e306}))
	check.NoErr(t, err)
	check.Floats(t, "Entropy 1e307", gotE, wantE, 1e-12, 1e-15)

	w := []float64{0.5, 0.3, 0.2}
	for _, norm := range []TOPSISNorm{VectorNorm, MinMaxNorm} {
		want := check.Must(TOPSIS(scaled(cols, []float64{1, 1, 1}), w, nil, norm))
		for _, sc := range [][]float64{big, tiny} {
			got, err := TOPSIS(scaled(cols, sc), w, nil, norm)
			check.NoErr(t, err)
			check.Floats(t, "TOPSIS "+norm.String(), got, want, 1e-9, 1e-12)
		}
	}
	// The extreme values of float64 themselves.
	x := mat.NewDense(3, 2, []float64{-math.MaxFloat64, 1, math.MaxFloat64, 2, 0, 4})
	got, err := CRITIC(x, nil)
	check.NoErr(t, err)
	for j, v := range got {
		if math.IsNaN(v) || v < 0 || v > 1 {
			t.Errorf("CRITIC(±MaxFloat64)[%d] = %g", j, v)
		}
	}
}

// A random-index table entry for n >= 3 that is 0, negative, NaN or
// infinite is an error naming the entry; it used to give CR = 0 and hide
// any inconsistency (issue 13).
func TestBadRandomIndex(t *testing.T) {
	// Saaty's 3x3 example with CR well above 0.10 (1, 9, 1/9 judgements).
	a := mat.NewDense(3, 3, []float64{1, 9, 1.0 / 9, 1.0 / 9, 1, 9, 9, 1.0 / 9, 1})
	for _, tc := range []struct {
		name string
		ri   []float64
		idx  int
	}{
		{"zero", []float64{0, 0, 0}, 2},
		{"negative", []float64{0, 0, -0.58}, 2},
		{"NaN", []float64{0, 0, math.NaN()}, 2},
		{"Inf", []float64{0, 0, math.Inf(1)}, 2},
		{"negative n=1", []float64{-1, 0, 0.58}, 0},
		{"NaN unused n=4", []float64{0, 0, 0.58, math.NaN()}, 3},
	} {
		_, err := AHP(a, &AHPSettings{RI: tc.ri, AcceptInconsistent: true})
		var ve *VectorError
		if !errors.Is(err, ErrBadRandomIndex) || !errors.As(err, &ve) || ve.Index != tc.idx {
			t.Errorf("%s: got %v, want ErrBadRandomIndex at RI[%d]", tc.name, err, tc.idx)
		}
	}
	// With Saaty's table the same matrix is inconsistent: lambda_max =
	// 1 + 81^(1/3) + 81^(-1/3)... by hand for this circulant matrix,
	// lambda_max = 10.111 with w = 1/3 each, CI = 3.556, CR = 6.13.
	res, err := AHP(a, &AHPSettings{AcceptInconsistent: true})
	check.NoErr(t, err)
	check.Float(t, "lambda_max", res.LambdaMax, 1+9+1.0/9, 1e-9, 0)
	check.Float(t, "CR", res.CR, (1+9+1.0/9-3)/2/0.58, 1e-9, 0)
	if _, err := AHP(a, nil); !errors.Is(err, ErrInconsistent) {
		t.Errorf("Saaty RI: got %v, want ErrInconsistent", err)
	}
}
