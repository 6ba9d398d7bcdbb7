package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cvmkit/cvm/internal/check"
)

// kmeansCSV has two obvious groups around (0,0) and (10,10), 3 and 2 rows.
const kmeansCSV = "a,b\n0,0\n0,1\n1,0\n10,10\n10,11\n"

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestKMeansJSON checks the -json keys and values: centres are the group
// means (1/3,1/3) and (10,10.5), computed by hand; inertia is
// 2/9+5/9+5/9 + 0.25+0.25 = 1.8333.
func TestKMeansJSON(t *testing.T) {
	in := writeTemp(t, "f.csv", kmeansCSV)
	init := writeTemp(t, "init.csv", "0,0\n10,10\n")
	labels := filepath.Join(t.TempDir(), "labels.csv")
	var out, errb bytes.Buffer
	err := run([]string{"kmeans", "-in", in, "-k", "2", "-init", init, "-json", "-out", labels, "-algorithm", "lloyd"}, &out, &errb)
	if err != nil {
		t.Fatal(err, errb.String())
	}
	var got map[string]any
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"inertia", "iterations", "sizes", "centers", "fit_seconds"} {
		if _, ok := got[k]; !ok {
			t.Errorf("missing key %q in %s", k, out.String())
		}
	}
	if in := got["inertia"].(float64); in < 1.8333333 || in > 1.8333334 {
		t.Errorf("inertia %v, want 1.8333", in)
	}
	sizes := got["sizes"].([]any)
	if sizes[0].(float64) != 3 || sizes[1].(float64) != 2 {
		t.Errorf("sizes %v, want [3 2]", sizes)
	}
	b := check.Must(os.ReadFile(labels))
	if string(b) != "0\n0\n0\n1\n1\n" {
		t.Errorf("labels %q", b)
	}
}

// TestKMeansJSONSizesMatchCenters checks that sizes[j] is the size of the
// cluster whose centre is centers[j]: with the initial centres given in
// the order (10,10), (0,0), cluster 0 is the group of 2 rows with mean
// (10, 10.5) and cluster 1 the group of 3 with mean (1/3, 1/3), worked by
// hand from kmeansCSV. (Sizes sorted largest first would give [3 2].)
func TestKMeansJSONSizesMatchCenters(t *testing.T) {
	in := writeTemp(t, "f.csv", kmeansCSV)
	init := writeTemp(t, "init.csv", "10,10\n0,0\n")
	var out, errb bytes.Buffer
	if err := run([]string{"kmeans", "-in", in, "-k", "2", "-init", init, "-json", "-algorithm", "lloyd"}, &out, &errb); err != nil {
		t.Fatal(err, errb.String())
	}
	var got struct {
		Sizes   []int       `json:"sizes"`
		Centers [][]float64 `json:"centers"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Sizes, []int{2, 3}) {
		t.Errorf("sizes %v, want [2 3]", got.Sizes)
	}
	want := [][]float64{{10, 10.5}, {1.0 / 3, 1.0 / 3}}
	if len(got.Centers) != 2 {
		t.Fatalf("centers %v", got.Centers)
	}
	for j := range want {
		check.Floats(t, fmt.Sprintf("centers[%d]", j), got.Centers[j], want[j], 1e-12, 0)
	}
}

func TestKMeansStandardizeText(t *testing.T) {
	in := writeTemp(t, "f.csv", kmeansCSV)
	var out bytes.Buffer
	if err := run([]string{"kmeans", "-in", in, "-k", "2", "-standardize", "-seed", "3"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	// Centres are reported in original units.
	if !strings.Contains(out.String(), "10.0000,10.5000") {
		t.Errorf("output:\n%s", out.String())
	}
}

func TestKMeansErrors(t *testing.T) {
	in := writeTemp(t, "f.csv", kmeansCSV)
	bad := writeTemp(t, "bad.csv", "1,2\n3,x\n")
	ragged := writeTemp(t, "r.csv", "1,2\n3\n")
	huge := writeTemp(t, "huge.csv", "a,b\n1,2\n-1e308,4\n1e307,0\n")
	hugeInit := writeTemp(t, "hinit.csv", "0,0\n1,1e300\n")
	tests := []struct {
		args  []string
		usage bool
		msg   string
	}{
		{[]string{"kmeans", "-in", in, "-k", "0"}, true, "-k"},
		{[]string{"kmeans", "-in", in, "-k", "9"}, false, "k must be"},
		{[]string{"kmeans", "-in", in, "-algorithm", "fast"}, true, "algorithm"},
		{[]string{"kmeans", "-in", in, "-max-iter", "0"}, true, "max-iter"},
		{[]string{"kmeans", "-in", in, "-tol", "-1"}, true, "tol"},
		{[]string{"kmeans", "-in", in, "-tol", "NaN"}, true, "tol"},
		{[]string{"kmeans", "-in", in, "-tol", "+Inf"}, true, "tol"},
		{[]string{"kmeans", "-in", in, "-init", "forgy", "-k", "2"}, false, "forgy"},
		{[]string{"kmeans", "-in", in, "-n-init", "-1"}, true, "n-init"},
		{[]string{"kmeans", "-in", in, "-k", "2", "-init", in}, false, "init"},
		{[]string{"kmeans", "-in", bad, "-k", "1"}, false, "line 2 column 2"},
		{[]string{"kmeans", "-in", ragged, "-k", "1"}, false, "line 2"},
		{[]string{"kmeans", "-in", in, "extra"}, true, "unexpected"},
		// Finite features whose squared distances overflow: before, a -Inf
		// centre and exit 0.
		{[]string{"kmeans", "-in", huge, "-k", "2"}, false, huge + ": data row 2 column 1: kmeans: feature too large"},
		{[]string{"kmeans", "-in", huge, "-k", "2", "-standardize"}, false, huge + ": data row 2 column 1"},
		{[]string{"kselect", "-in", huge, "-kmax", "2"}, false, huge + ": data row 2 column 1"},
		{[]string{"kmeans", "-in", in, "-k", "2", "-init", hugeInit}, false, hugeInit + ": centre 2 column 2"},
		{[]string{"kselect", "-in", in, "-kmin", "1"}, true, "kmin"},
		{[]string{"kselect", "-in", in, "-sample", "-2"}, true, "sample"},
		{[]string{"kselect", "-in", in, "-init", in}, true, "init"},
		{[]string{"kselect", "-in", in, "-kmax", "5"}, false, "k range"},
	}
	for _, tc := range tests {
		var out bytes.Buffer
		err := run(tc.args, &out, &out)
		var ue *usageError
		if err == nil || errors.As(err, &ue) != tc.usage || !strings.Contains(err.Error()+out.String(), tc.msg) {
			t.Errorf("%v: error %v (usage %v), want usage=%v containing %q", tc.args, err, errors.As(err, &ue), tc.usage, tc.msg)
		}
	}
}

func TestKSelectTable(t *testing.T) {
	in := writeTemp(t, "f.csv", "0,0\n0,1\n1,0\n10,10\n10,11\n20,0\n21,0\n")
	var out bytes.Buffer
	if err := run([]string{"kselect", "-in", in, "-kmin", "2", "-kmax", "4", "-json"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	var rows []map[string]float64
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
		t.Fatal(err, out.String())
	}
	var ks []float64
	for _, r := range rows {
		ks = append(ks, r["k"])
		for _, key := range []string{"inertia", "silhouette", "calinski_harabasz", "davies_bouldin"} {
			if _, ok := r[key]; !ok {
				t.Errorf("missing %s", key)
			}
		}
	}
	if !slices.Equal(ks, []float64{2, 3, 4}) {
		t.Errorf("k column %v", ks)
	}
	out.Reset()
	if err := run([]string{"kselect", "-in", in, "-kmax", "3"}, &out, &out); err != nil || !strings.Contains(out.String(), "davies-bouldin") {
		t.Errorf("table: %v\n%s", err, out.String())
	}
}

func TestKMeansHelp(t *testing.T) {
	for _, cmd := range []string{"kmeans", "kselect"} {
		var out bytes.Buffer
		if err := run([]string{cmd, "-h"}, &out, &out); err != nil || !strings.Contains(out.String(), "example:\n  cvm "+cmd) {
			t.Errorf("%s -h: %v\n%s", cmd, err, out.String())
		}
	}
}
