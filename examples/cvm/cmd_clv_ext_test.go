package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cvmkit/cvm/internal/check"
)

// cvm clv -kind sbg reproduces the published fits of Fader & Hardie
// (2007), "How to project customer retention": regular alpha = 0.704,
// beta = 1.182; high end alpha = 0.668, beta = 3.806, fitted on years
// 1-7 of the survivors per 1,000 (the paper's table), with a projection
// for every period of the file.
func TestCLVSBG(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name        string
		alive       []int
		alpha, beta float64
	}{
		{"regular", []int{1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173}, 0.704, 1.182},
		{"highend", []int{1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394}, 0.668, 3.806},
	} {
		var b strings.Builder
		b.WriteString("period,alive\n")
		for i, v := range tc.alive {
			fmt.Fprintf(&b, "%d,%d\n", i, v)
		}
		path := filepath.Join(dir, tc.name+".csv")
		check.NoErr(t, os.WriteFile(path, []byte(b.String()), 0o644))
		save := filepath.Join(dir, tc.name+".json")
		var out, errb bytes.Buffer
		if err := run([]string{"clv", "-kind", "sbg", "-survivors", path, "-fit-periods", "7", "-json", "-save", save}, &out, &errb); err != nil {
			t.Fatalf("%v\n%s", err, errb.String())
		}
		var res struct {
			Alpha, Beta, LL float64
			Projected       []float64
		}
		check.NoErr(t, json.Unmarshal(out.Bytes(), &res))
		check.Float(t, tc.name+" alpha", res.Alpha, tc.alpha, 0, 5e-4)
		check.Float(t, tc.name+" beta", res.Beta, tc.beta, 0, 5e-4)
		if len(res.Projected) != len(tc.alive) || res.Projected[0] != 1000 || !(res.LL < 0) {
			t.Errorf("%s: %s", tc.name, out.String())
		}
		data := check.Must(os.ReadFile(save))
		if !bytes.Contains(data, []byte(`"format": "cvm.clv.sbg"`)) {
			t.Errorf("saved %s", data)
		}
		// The form, -model sbg, gives the same JSON as -kind sbg.
		kindJSON := bytes.Clone(out.Bytes())
		out.Reset()
		if err := run([]string{"clv", "-model", "sbg", "-survivors", path, "-fit-periods", "7", "-json"}, &out, &errb); err != nil {
			t.Fatalf("-model sbg: %v\n%s", err, errb.String())
		}
		var ka, mb map[string]any
		check.NoErr(t, json.Unmarshal(kindJSON, &ka))
		check.NoErr(t, json.Unmarshal(out.Bytes(), &mb))
		delete(ka, "fit_seconds")
		delete(mb, "fit_seconds")
		if fmt.Sprint(ka) != fmt.Sprint(mb) {
			t.Errorf("-model sbg gave\n%v\nwant (as -kind sbg)\n%v", mb, ka)
		}
		out.Reset()
		if err := run([]string{"clv", "-kind", "sbg", "-survivors", path, "-fit-periods", "7"}, &out, &errb); err != nil || !strings.Contains(out.String(), "* projected beyond") {
			t.Errorf("text: %v\n%s", err, out.String())
		}
	}
	bad := filepath.Join(dir, "bad.csv")
	check.NoErr(t, os.WriteFile(bad, []byte("0,100\n2,50\n"), 0o644))
	if err := run([]string{"clv", "-kind", "sbg", "-survivors", bad}, new(bytes.Buffer), new(bytes.Buffer)); err == nil || !strings.Contains(err.Error(), "bad.csv:2") {
		t.Errorf("gap in periods: %v", err)
	}
}

func TestCLVExtUsageErrors(t *testing.T) {
	csvPath, _, _ := clvFiles(t)
	end := []string{"-in", csvPath, "-calibration-end", "2025-06-30"}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"sbg without survivors", []string{"-kind", "sbg"}},
		{"sbg with in", []string{"-kind", "sbg", "-survivors", "x.csv", "-in", csvPath}},
		{"sbg negative fit periods", []string{"-kind", "sbg", "-survivors", "x.csv", "-fit-periods", "-1"}},
		{"survivors without sbg", append([]string{"-survivors", "x.csv"}, end...)},
		{"period-days without bgbb", append([]string{"-period-days", "28"}, end...)},
		{"zero period-days", append([]string{"-kind", "bgbb", "-period-days", "0"}, end...)},
		{"compare with kind", append([]string{"-compare", "-kind", "pareto"}, end...)},
		{"compare with out", append([]string{"-compare", "-out", "x.csv"}, end...)},
		{"covariates with gammagamma", append([]string{"-covariates", "z.csv", "-kind", "gammagamma"}, end...)},
		{"covariates with out", append([]string{"-covariates", "z.csv", "-out", "x.csv"}, end...)},
		{"covariates with model", append([]string{"-covariates", "z.csv", "-model", "m.json"}, end...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := run(append([]string{"clv", "-q"}, tc.args...), new(bytes.Buffer), new(bytes.Buffer))
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Errorf("err = %v, want a usage error", err)
			}
		})
	}
}

// -compare, -covariates and -kind bgbb run end to end on synthetic data.
func TestCLVCompareCovariatesBGBB(t *testing.T) {
	csvPath, _, _ := clvFiles(t)
	end := []string{"-in", csvPath, "-calibration-end", "2025-03-31", "-q"}
	var out, errb bytes.Buffer
	if err := run(append([]string{"clv", "-compare", "-holdout-end", "2025-12-31"}, end...), &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	for _, want := range []string{"bgnbd", "mbgnbd", "pareto", "holdout MAE", "recommended: "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("compare output lacks %q:\n%s", want, out.String())
		}
	}
	// A covariate file with every customer: the first letter's parity.
	var ids bytes.Buffer
	if err := run(append([]string{"clv", "-out", "-"}, end...), &ids, &errb); err != nil {
		t.Fatal(err)
	}
	var z strings.Builder
	z.WriteString("customer,flag\n")
	for i, line := range strings.Split(strings.TrimSpace(ids.String()), "\n") {
		if i == 0 || !strings.Contains(line, ",") {
			continue
		}
		id := line[:strings.IndexByte(line, ',')]
		fmt.Fprintf(&z, "%s,%d\n", id, i%2)
	}
	zPath := filepath.Join(t.TempDir(), "z.csv")
	check.NoErr(t, os.WriteFile(zPath, []byte(z.String()), 0o644))
	out.Reset()
	save := filepath.Join(t.TempDir(), "cov.json")
	if err := run(append([]string{"clv", "-kind", "pareto", "-covariates", zPath, "-save", save}, end...), &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	if data := check.Must(os.ReadFile(save)); !bytes.Contains(data, []byte(`"format": "cvm.clv.paretonbdcov"`)) {
		t.Errorf("saved %s", data)
	}
	for _, want := range []string{"trans.flag", "life.flag", "likelihood-ratio test"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("covariates output lacks %q:\n%s", want, out.String())
		}
	}
	short := filepath.Join(t.TempDir(), "short.csv")
	check.NoErr(t, os.WriteFile(short, []byte("customer,flag\nnobody,1\n"), 0o644))
	if err := run(append([]string{"clv", "-covariates", short}, end...), new(bytes.Buffer), new(bytes.Buffer)); err == nil || !strings.Contains(err.Error(), "has no row") {
		t.Errorf("missing customer: %v", err)
	}
	out.Reset()
	if err := run(append([]string{"clv", "-kind", "bgbb", "-period-days", "28", "-json"}, end...), &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	var res map[string]any
	check.NoErr(t, json.Unmarshal(out.Bytes(), &res))
	if res["kind"] != "bgbb" || res["delta"] == nil {
		t.Errorf("bgbb: %s", out.String())
	}
}

// FuzzReadSurvivors: any file either reads as periods 0..n in order with
// at least two counts, or is an error naming the file.
func FuzzReadSurvivors(f *testing.F) {
	f.Add([]byte("period,alive\n0,1000\n1,631\n"))
	f.Add([]byte("0,10\n2,5\n"))
	f.Add([]byte("0,10\n1,x\n"))
	f.Add([]byte("0,10\n1,11,3\n"))
	f.Add([]byte(""))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "s.csv")
		check.NoErr(t, os.WriteFile(path, data, 0o644))
		alive, err := readSurvivors(path)
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("error %v does not name the file", err)
			}
			return
		}
		if len(alive) < 2 {
			t.Fatalf("%d periods accepted", len(alive))
		}
	})
}
