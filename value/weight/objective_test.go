package weight

import (
	"errors"
	"math"
	"testing"

	"github.com/cvmkit/cvm/internal/check"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

func TestEntropy(t *testing.T) {
	// By hand (k = 1/ln 3): column 1 = (0, 1, 1): p = (0, 1/2, 1/2) with
	// 0 ln 0 = 0, e = ln 2/ln 3, d = 0.3690702; column 2 = (1, 2, 3): p =
	// (1/6, 1/3, 1/2), e = 0.9206198, d = 0.0793802; column 3 constant: d = 0.
	// w = d / sum d = 0.8229901, 0.1770099, 0.
	x := mat.NewDense(3, 3, []float64{0, 1, 1, 1, 2, 1, 1, 3, 1})
	w, err := Entropy(x)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []float64{0.8229901, 0.1770099, 0} {
		if math.Abs(w[i]-want) > 1e-7 {
			t.Errorf("w[%d] = %.7f, want %.7f", i, w[i], want)
		}
	}
	// The zero convention: a nearly constant column (100, 100, 100, 101)
	// gets almost no weight on raw proportions: by hand, d = 6.72e-6 against
	// d = 0.07678 for (1, 2, 3, 4), w = 8.75e-5. Min-max normalising first
	// would turn it into (0, 0, 0, 1), entropy 0, and give it 93% of the
	// weight.
	x = mat.NewDense(4, 2, []float64{100, 1, 100, 2, 100, 3, 101, 4})
	w, err = Entropy(x)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(w[0]-8.7486e-5) > 1e-8 {
		t.Errorf("nearly constant column: w = %.4g, want 8.7486e-05", w[0])
	}
	for _, tc := range []struct {
		name string
		x    mat.Matrix
		err  error
	}{
		{"negative", mat.NewDense(2, 2, []float64{1, 2, -1, 3}), ErrNegative},
		{"NaN", mat.NewDense(2, 2, []float64{1, 2, math.NaN(), 3}), ErrNonFinite},
		{"Inf", mat.NewDense(2, 2, []float64{1, 2, math.Inf(1), 3}), ErrNonFinite},
		{"constant", mat.NewDense(2, 2, []float64{1, 2, 1, 2}), ErrNoVariation},
		{"one row", mat.NewDense(1, 2, []float64{1, 2}), ErrNoVariation},
		{"zeros", mat.NewDense(2, 1, []float64{0, 0}), ErrNoVariation},
	} {
		if _, err := Entropy(tc.x); !errors.Is(err, tc.err) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.err)
		}
	}
}

// critic is a plain reference CRITIC (Diakoulaki et al. 1995, eqs. 1-4)
// using gonum's stat.StdDev and stat.Correlation on min-max normalised
// benefit columns; all columns must vary.
func critic(cols [][]float64) []float64 {
	n := len(cols)
	norm := make([][]float64, n)
	for j, c := range cols {
		lo, hi := c[0], c[0]
		for _, v := range c {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
		norm[j] = make([]float64, len(c))
		for i, v := range c {
			norm[j][i] = (v - lo) / (hi - lo)
		}
	}
	cs := make([]float64, n)
	total := 0.0
	for j := range n {
		s := 0.0
		for k := range n {
			s += 1 - stat.Correlation(norm[j], norm[k], nil)
		}
		cs[j] = stat.StdDev(norm[j], nil) * s
		total += cs[j]
	}
	for j := range cs {
		cs[j] /= total
	}
	return cs
}

func TestCRITIC(t *testing.T) {
	a := []float64{3, 7, 1, 9, 4, 6}
	b := []float64{2, 1, 8, 3, 5, 5}
	c := []float64{10, 12, 11, 30, 15, 13}
	want := critic([][]float64{a, b, c})
	// With a constant column added: weight 0 there, the others unchanged.
	x := mat.NewDense(6, 4, nil)
	for i := range 6 {
		x.Set(i, 0, a[i])
		x.Set(i, 1, 5) // constant
		x.Set(i, 2, b[i])
		x.Set(i, 3, c[i])
	}
	w, err := CRITIC(x, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := []float64{w[0], w[2], w[3]}
	if w[1] != 0 {
		t.Errorf("constant column weight %g, want 0", w[1])
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Errorf("w = %v, want %v (reference)", got, want)
			break
		}
	}
	// By hand: (0,1,2) and (2,0,1) normalise to (0,.5,1) and (1,0,.5), equal
	// standard deviations and correlation -0.5, so equal weights.
	w = check.Must(CRITIC(mat.NewDense(3, 2, []float64{0, 2, 1, 0, 2, 1}), nil))
	if !check.Close(w[0], 0.5, 1e-12, 1e-12) || !check.Close(w[1], 0.5, 1e-12, 1e-12) {
		t.Errorf("symmetric: %v", w)
	}
	// A cost column is inverted before the correlations: (0,1,2) as cost
	// is perfectly correlated with (2,1,0) as benefit, so they share the
	// weight equally by contrast.
	w = check.Must(CRITIC(mat.NewDense(3, 2, []float64{0, 2, 1, 1, 2, 0}), []bool{false, true}))
	if !check.Close(w[0], 0.5, 1e-12, 1e-12) {
		t.Errorf("cost column: %v", w)
	}
	if _, err := CRITIC(mat.NewDense(2, 2, []float64{1, 1, 1, 1}), nil); !errors.Is(err, ErrNoVariation) {
		t.Errorf("all constant: %v", err)
	}
	if _, err := CRITIC(mat.NewDense(2, 1, []float64{1, math.NaN()}), nil); !errors.Is(err, ErrNonFinite) {
		t.Errorf("NaN: %v", err)
	}
}

// Hwang & Yoon (1981), Multiple Attribute Decision Making, the fighter
// aircraft example: max speed, ferry range, max payload, acquisition cost
// (cost), reliability and maneuverability (interval-scaled), weights
// (0.2, 0.1, 0.1, 0.1, 0.2, 0.3). TOPSIS with vector normalisation gives
// relative closeness 0.643, 0.268, 0.614, 0.312 to three decimals (the
// ranking A1 > A3 > A4 > A2).
func TestTOPSISHwangYoon(t *testing.T) {
	data := []float64{
		2.0, 1500, 20000, 5.5, 5, 9,
		2.5, 2700, 18000, 6.5, 3, 5,
		1.8, 2000, 21000, 4.5, 7, 7,
		2.2, 1800, 20000, 5.0, 5, 5}
	x := mat.NewDense(4, 6, data)
	w := []float64{0.2, 0.1, 0.1, 0.1, 0.2, 0.3}
	ben := []bool{true, true, true, false, true, true}
	c, err := TOPSIS(x, w, ben, VectorNorm)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []float64{0.643, 0.268, 0.614, 0.312} {
		if math.Abs(c[i]-want) > 1e-3 {
			t.Errorf("A%d: got %.4f, want %.3f", i+1, c[i], want)
		}
	}
	// Min-max normalisation: a plain reference with the ideal at w_j and
	// the anti-ideal at 0 on every column.
	c, err = TOPSIS(x, w, ben, MinMaxNorm)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		dp, dm := 0.0, 0.0
		for j := range 6 {
			lo, hi := math.Inf(1), math.Inf(-1)
			for k := range 4 {
				lo, hi = math.Min(lo, data[k*6+j]), math.Max(hi, data[k*6+j])
			}
			r := (data[i*6+j] - lo) / (hi - lo)
			if !ben[j] {
				r = 1 - r
			}
			dp += (w[j] - w[j]*r) * (w[j] - w[j]*r)
			dm += (w[j] * r) * (w[j] * r)
		}
		want := math.Sqrt(dm) / (math.Sqrt(dp) + math.Sqrt(dm))
		if math.Abs(c[i]-want) > 1e-12 {
			t.Errorf("min-max A%d: got %.6f, want %.6f", i+1, c[i], want)
		}
	}
	if _, err := TOPSIS(mat.NewDense(2, 1, []float64{0, 0}), []float64{1}, nil, VectorNorm); err == nil {
		t.Error("zero column: no error")
	}
	if _, err := TOPSIS(x, []float64{1, 1, 1, 1, 1, -1}, ben, VectorNorm); !errors.Is(err, ErrBadWeight) {
		t.Errorf("negative weight: %v", err)
	}
}

func TestBlend(t *testing.T) {
	// By hand: 0.25*0.5 + 0.75*0.2 = 0.275, 0.25*0.5 + 0.75*0.8 = 0.725;
	// inputs are normalised first (1, 1 -> 0.5, 0.5).
	w, err := Blend([]float64{1, 1}, []float64{0.2, 0.8}, 0.25)
	if err != nil || !check.Close(w[0], 0.275, 1e-12, 1e-12) || !check.Close(w[1], 0.725, 1e-12, 1e-12) {
		t.Errorf("got %v %v", w, err)
	}
	for _, tc := range []struct {
		name  string
		s, o  []float64
		alpha float64
	}{
		{"alpha", []float64{1}, []float64{1}, 1.5},
		{"NaN alpha", []float64{1}, []float64{1}, math.NaN()},
		{"negative", []float64{-1, 2}, []float64{1, 1}, 0.5},
		{"zero sum", []float64{0, 0}, []float64{1, 1}, 0.5},
		{"Inf", []float64{1, 1}, []float64{math.Inf(1), 1}, 0.5},
	} {
		if _, err := Blend(tc.s, tc.o, tc.alpha); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

// The weighting functions do not modify their matrix arguments.
func TestWeightsNoMutation(t *testing.T) {
	data := []float64{2, 1500, 20000, 5.5, 2.5, 2700, 18000, 6.5, 1.8, 2000, 21000, 4.5}
	x := mat.NewDense(3, 4, append([]float64(nil), data...))
	w := []float64{0.4, 0.3, 0.2, 0.1}
	Entropy(x)
	CRITIC(x, []bool{true, true, true, false})
	TOPSIS(x, w, nil, VectorNorm)
	TOPSIS(x, w, nil, MinMaxNorm)
	a := mat.NewDense(2, 2, []float64{1, 3, 1.0 / 3, 1})
	AHP(a, nil)
	AggregateJudgements([]mat.Matrix{a, a}, nil)
	s, o := []float64{1, 2}, []float64{3, 4}
	Blend(s, o, 0.5)
	if !mat.Equal(x, mat.NewDense(3, 4, data)) || a.At(0, 1) != 3 || w[0] != 0.4 || s[1] != 2 || o[0] != 3 {
		t.Error("an input was modified")
	}
}
