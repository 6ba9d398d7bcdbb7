package main

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestWeightsAHP(t *testing.T) {
	dir := t.TempDir()
	// Saaty (2008) drinks matrix (value package golden test): CR 0.022
	// with the Saaty (2005) random indices, water 0.327.
	m := scoreWrite(t, dir, "m.csv", `,coffee,wine,tea,beer,soda,milk,water
coffee,1,9,5,2,1,1,1/2
wine,1/9,1,1/3,1/9,1/9,1/9,1/9
tea,1/5,3,1,1/3,1/4,1/3,1/9
beer,1/2,9,3,1,1/2,1,1/3
soda,1,9,4,2,1,2,1/2
milk,1,9,3,1,1/2,1,1/3
water,2,9,9,3,2,3,1
`)
	out, _, err := scoreRun(t, "weights", "ahp", "-in", m, "-ri", "saaty2005", "-json")
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Labels    []string  `json:"labels"`
		Weights   []float64 `json:"weights"`
		LambdaMax float64   `json:"lambda_max"`
		CI        float64   `json:"ci"`
		CR        float64   `json:"cr"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Weights) != 7 || math.Abs(res.Weights[6]-0.327) > 5e-4 || math.Abs(res.CR-0.022) > 5e-4 || res.Labels[6] != "water" || res.LambdaMax < 7 || res.CI <= 0 {
		t.Errorf("got %+v", res)
	}
	// Text output without labels; 2x2 matrix w = (0.75, 0.25) by hand.
	m2 := scoreWrite(t, dir, "m2.csv", "1,3\n1/3,1\n")
	out, _, err = scoreRun(t, "weights", "ahp", "-in", m2)
	if err != nil || !strings.Contains(out, "1          0.7500") || !strings.Contains(out, "CR          0.0000") {
		t.Errorf("text: %v %q", err, out)
	}
	for _, tc := range []struct {
		name, body string
		args       []string
		usage      bool
		want       string
	}{
		// Issue 13: each bad input names the file, line, column and cause.
		{"not reciprocal", "1,3\n3,1\n", nil, false, "bad.csv: line 2, column 1: weight: matrix entry (2,1) = 3: weight: AHP matrix is not reciprocal"},
		{"zero", "1,0\n1,1\n", nil, false, "bad.csv: line 1, column 2: weight: matrix entry (1,2) = 0: weight: AHP matrix entry is not positive"},
		{"ragged", "1,3\n1/3\n", nil, false, "bad.csv: line 2: row 2 has 1 entries"},
		{"text", "1,x\n1,1\n", nil, false, "bad.csv: line 2: row 1 has 2 entries for a 1 x 1 matrix"},
		{"NaN 2x2 (was a header plus a 1x1 matrix, weight 1)", "1,NaN\nNaN,1\n", nil, false, `bad.csv: line 1, column 2: "NaN": NaN is not a number`},
		{"NaN in a labelled row", ",a,b\na,1,nan\nb,1,1\n", nil, false, `bad.csv: line 2, column 3: "nan": NaN is not a number`},
		{"Inf", "1,+Inf\n0,1\n", nil, false, `bad.csv: line 1, column 2: "+Inf": infinite values are not accepted`},
		{"hex (was accepted)", "1,0x1p1\n0x1p-1,1\n", nil, false, `bad.csv: line 1, column 2: "0x1p1": hexadecimal numbers are not accepted`},
		{"hex fraction", "1,1/0x2\n2,1\n", nil, false, `bad.csv: line 1, column 2: denominator of "1/0x2": "0x2": hexadecimal`},
		{"1/0 (was 'not a number or fraction')", "1,1/0\n0,1\n", nil, false, `bad.csv: line 1, column 2: "1/0" divides by zero`},
		{"1/0 labelled", ",a,b\na,1,3\nb,1/0,1\n", nil, false, `bad.csv: line 3, column 2: "1/0" divides by zero`},
		{"overflow", "1,1e400\n1,1\n", nil, false, `bad.csv: line 1, column 2: "1e400" is out of the range`},
		{"inconsistent", "1,9,1/9\n1/9,1,9\n9,1/9,1\n", nil, false, "CR"},
		{"bad ri", "1,3\n1/3,1\n", []string{"-ri", "dd"}, true, "-ri"},
		{"RI of zeros (was CR = 0)", "1,9,1/9\n1/9,1,9\n9,1/9,1\n", []string{"-ri", "0,0,0", "-accept"}, false, "bad.csv: weight: RI[2] = 0: weight: random index must be positive and finite for n >= 3 (entry for n = 3)"},
		{"RI negative", "1,9,1/9\n1/9,1,9\n9,1/9,1\n", []string{"-ri", "0,0,-0.58"}, false, "RI[2] = -0.58"},
		{"RI NaN", "1,3\n1/3,1\n", []string{"-ri", "0,0,NaN"}, true, `-ri: entry 3 (n = 3): "NaN": NaN is not a number`},
	} {
		p := scoreWrite(t, dir, "bad.csv", tc.body)
		_, _, err := scoreRun(t, append([]string{"weights", "ahp", "-in", p}, tc.args...)...)
		var ue *usageError
		if err == nil || errors.As(err, &ue) != tc.usage || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
	// A user RI table is used as given: CR = CI / RI(3) = 3.5556 / 1 by hand
	// (circulant matrix: lambda_max = 1 + 9 + 1/9).
	p0 := scoreWrite(t, dir, "inc0.csv", "1,9,1/9\n1/9,1,9\n9,1/9,1\n")
	if out, _, err := scoreRun(t, "weights", "ahp", "-in", p0, "-ri", "0,0,1", "-accept"); err != nil || !strings.Contains(out, "CR          3.5556") {
		t.Errorf("-ri list: %v %q", err, out)
	}
	// CRITIC of columns near ±1e308 (was NaN weights, exit 0): the weights
	// of the same columns at unit scale, (0,1,2) and (2,0,1): 0.5 each.
	p1 := scoreWrite(t, dir, "big.csv", "a,b\n-1e308,1.7e308\n0,-1.7e308\n1e308,0\n")
	if out, _, err := scoreRun(t, "weights", "critic", "-in", p1); err != nil || strings.Count(out, "0.5000") != 2 {
		t.Errorf("critic 1e308: %v %q", err, out)
	}
	// -accept prints an inconsistent matrix's weights.
	p := scoreWrite(t, dir, "inc.csv", "1,9,1/9\n1/9,1,9\n9,1/9,1\n")
	if out, _, err := scoreRun(t, "weights", "ahp", "-in", p, "-accept"); err != nil || !strings.Contains(out, "CR") {
		t.Errorf("-accept: %v %q", err, out)
	}
}

func TestWeightsData(t *testing.T) {
	dir := t.TempDir()
	// Entropy by hand (value package test): (0,1,1), (1,2,3), (1,1,1) ->
	// 0.8230, 0.1770, 0.0000; the text column is skipped.
	p := scoreWrite(t, dir, "d.csv", "customer,x,y,z\nA,0,1,1\nB,1,2,1\nC,1,3,1\n")
	out, _, err := scoreRun(t, "weights", "entropy", "-in", p, "-json")
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Columns []string  `json:"columns"`
		Weights []float64 `json:"weights"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Columns, ",") != "x,y,z" || math.Abs(res.Weights[0]-0.8229901) > 1e-6 || res.Weights[2] != 0 {
		t.Errorf("entropy: %+v", res)
	}
	// CRITIC by hand: (0,1,2) and (2,0,1) get equal weights.
	p = scoreWrite(t, dir, "c.csv", "id,a,b\nA,0,2\nB,1,0\nC,2,1\n")
	out, _, err = scoreRun(t, "weights", "critic", "-in", p)
	if err != nil || strings.Count(out, "0.5000") != 2 {
		t.Errorf("critic: %v %q", err, out)
	}
	for _, tc := range []struct {
		name, method, body string
		args               []string
		usage              bool
		want               string
	}{
		{"negative", "entropy", "x,y\n1,2\n-1,3\n", nil, false, `bad.csv: line 3, column "x": weight: negative value`},
		{"missing cell", "critic", "x,y\n1,2\n,3\n", nil, false, `bad.csv: line 3, column "x": missing value`},
		{"NaN cell", "critic", "x,y\n1,2\nNaN,3\n", nil, false, `bad.csv: line 3, column "x": "NaN": NaN is not a number`},
		{"hex cell", "entropy", "x,y\n1,2\n0x10,3\n", nil, false, `bad.csv: line 3, column "x": "0x10": hexadecimal`},
		{"Inf cell after a quoted newline", "critic", "x,y\n\"1\",\"2\n\"\n-Inf,3\n", nil, false, `bad.csv: line 4, column "x": "-Inf": infinite`},
		{"no numeric", "critic", "x\na\n", nil, false, "no numeric"},
		{"cost unknown", "critic", "x,y\n1,2\n2,3\n", []string{"-cost", "q"}, true, `"q"`},
		{"unknown method", "pca", "x\n1\n", nil, true, "pca"},
	} {
		p := scoreWrite(t, dir, "bad.csv", tc.body)
		_, _, err := scoreRun(t, append([]string{"weights", tc.method, "-in", p}, tc.args...)...)
		var ue *usageError
		if err == nil || errors.As(err, &ue) != tc.usage || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
	// -columns selects columns: y alone gets weight 1.
	p = scoreWrite(t, dir, "d2.csv", "customer,x,y,z\nA,0,1,1\nB,1,2,1\nC,1,3,1\n")
	if out, _, err := scoreRun(t, "weights", "entropy", "-in", p, "-columns", "y", "-json"); err != nil || !strings.Contains(out, `"columns":["y"],"weights":[1]`) {
		t.Errorf("-columns: %v %q", err, out)
	}
	if _, _, err := scoreRun(t, "weights", "entropy", "-in", p, "-columns", "q"); err == nil {
		t.Error("-columns q: no error")
	}
	if _, _, err := scoreRun(t, "weights", "entropy", "-in", p, "-columns", "customer"); err == nil {
		t.Error("-columns customer: no error")
	}
	// -shift makes negative columns usable.
	p = scoreWrite(t, dir, "neg.csv", "x,y\n1,2\n-1,3\n")
	if _, _, err := scoreRun(t, "weights", "entropy", "-in", p, "-shift"); err != nil {
		t.Errorf("-shift: %v", err)
	}
	if _, _, err := scoreRun(t, "weights"); err == nil {
		t.Error("no method: no error")
	}
}

// FuzzWeightsReadMatrix: the pairwise-matrix reader never panics and
// returns a square matrix with one label per row when it has labels.
func FuzzWeightsReadMatrix(f *testing.F) {
	f.Add(",a,b\na,1,3\nb,1/3,1\n")
	f.Add("1,3\n1/3,1\n")
	f.Add("a,b\n1,2\n")
	f.Add("x\n")
	f.Add("1,NaN\nNaN,1\n")
	f.Add("1,0x1p1\n0x1p-1,1\n")
	f.Add("1,1/0\n0,1\n")
	f.Add(",a,b\na,1,Inf\nb,1,1\n")
	f.Fuzz(func(t *testing.T, s string) {
		mx, err := weightsReadMatrix(strings.NewReader(s), "fuzz")
		if err != nil {
			return
		}
		r, c := mx.a.Dims()
		if r != c || (mx.labels != nil && len(mx.labels) != r) || len(mx.lines) != r {
			t.Fatalf("%d x %d matrix with %d labels and %d lines", r, c, len(mx.labels), len(mx.lines))
		}
		for i := range r {
			for j := range r {
				if v := mx.a.At(i, j); math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("entry (%d,%d) = %g accepted", i+1, j+1, v)
				}
			}
		}
	})
}
