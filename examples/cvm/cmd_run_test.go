package main

import (
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cvmkit/cvm/internal/check"
	"github.com/cvmkit/cvm/internal/synth"
)

func TestRunWritesEveryStage(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "tx.csv")
	f, err := os.Create(in)
	if err != nil {
		t.Fatal(err)
	}
	const customers = 200
	if err := synth.WriteCSV(f, synth.Config{Customers: customers, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	check.NoErr(t, f.Close())
	out := filepath.Join(dir, "out")
	var stdout, stderr strings.Builder
	// SVG only: PNG rendering under the race detector is slow.
	if err := run([]string{"run", "-in", in, "-out", out, "-plot-formats", "svg", "-q"}, &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	// Every customer of the generator has a row in the per-customer files
	// (all synthetic customers buy, so RFM and CLV cover them all).
	for _, name := range []string{"summaries.csv", "rfm.csv", "clusters.csv", "clv.csv", "value.csv", "lifecycle.csv"} {
		rows := readCSV(t, filepath.Join(out, name))
		if got := len(rows) - 1; got != customers {
			t.Errorf("%s: got %d rows, want %d", name, got, customers)
		}
	}
	for _, name := range []string{"rfm_scorer.json", "rfm_rules.json", "kmeans.json", "kmeans_standardizer.json",
		"clv_bgnbd.json", "clv_gammagamma.json", "value_model.json", "recovery_book.json", "report.txt",
		"plots/rfm_heatmap.svg", "plots/value_matrix.svg", "plots/p_alive.svg", "plots/lifecycle_flow.svg"} {
		if fi, err := os.Stat(filepath.Join(out, name)); err != nil || fi.Size() == 0 {
			t.Errorf("%s missing or empty: %v", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "plots", "rfm_heatmap.png")); err == nil {
		t.Error("png written although -plot-formats svg")
	}
	// value.csv's header is the one cvm score writes.
	if got := readCSV(t, filepath.Join(out, "value.csv"))[0]; strings.Join(got, ",") != "customer,current,potential,total,quadrant,tier" {
		t.Errorf("value.csv header %v", got)
	}
}

// writeOK writes a test input file, failing the test on an error.
func writeOK(t *testing.T, path string, data []byte, perm os.FileMode) {
	t.Helper()
	check.NoErr(t, os.WriteFile(path, data, perm))
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows
}

func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.csv")
	writeOK(t, empty, []byte("customer,time,amount,order\n"), 0o644)
	tests := []struct {
		name  string
		args  []string
		usage bool
		want  string
	}{
		{"no input", []string{"run", "-out", dir}, true, "-in is required"},
		{"no output", []string{"run", "-in", empty}, true, "-out is required"},
		{"bad format", []string{"run", "-in", empty, "-out", dir, "-plot-formats", "gif"}, true, "unknown format"},
		{"bad as-of", []string{"run", "-in", empty, "-out", dir, "-as-of", "soon"}, true, "-as-of"},
		{"missing file", []string{"run", "-in", filepath.Join(dir, "nope.csv"), "-out", dir, "-q"}, false, "nope.csv"},
		{"no transactions", []string{"run", "-in", empty, "-out", dir, "-q"}, false, "no transactions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			err := run(tt.args, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
			var ue *usageError
			if got := errors.As(err, &ue); got != tt.usage {
				t.Errorf("usage error: got %v, want %v (%v)", got, tt.usage, err)
			}
		})
	}
}
