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
		{"not reciprocal", "1,3\n3,1\n", nil, false, "not reciprocal"},
		{"zero", "1,0\n1,1\n", nil, false, "not positive"},
		{"ragged", "1,3\n1/3\n", nil, false, "row 2"},
		{"text", "1,x\n1,1\n", nil, false, "row 1"},
		{"inconsistent", "1,9,1/9\n1/9,1,9\n9,1/9,1\n", nil, false, "CR"},
		{"bad ri", "1,3\n1/3,1\n", []string{"-ri", "dd"}, true, "-ri"},
	} {
		p := scoreWrite(t, dir, "bad.csv", tc.body)
		_, _, err := scoreRun(t, append([]string{"weights", "ahp", "-in", p}, tc.args...)...)
		var ue *usageError
		if err == nil || errors.As(err, &ue) != tc.usage || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
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
		{"negative", "entropy", "x,y\n1,2\n-1,3\n", nil, false, `line 3, column "x"`},
		{"missing cell", "critic", "x,y\n1,2\n,3\n", nil, false, "missing"},
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
	f.Fuzz(func(t *testing.T, s string) {
		labels, a, err := weightsReadMatrix(strings.NewReader(s), "fuzz")
		if err != nil {
			return
		}
		r, c := a.Dims()
		if r != c || (labels != nil && len(labels) != r) {
			t.Fatalf("%d x %d matrix with %d labels", r, c, len(labels))
		}
	})
}
