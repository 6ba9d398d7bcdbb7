package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cvmkit/cvm/internal/synth"
)

func TestGen(t *testing.T) {
	var want bytes.Buffer
	if err := synth.WriteCSV(&want, synth.Config{Customers: 30, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	stdout, _, code := runCvm("gen", "-customers", "30", "-seed", "5")
	if code != 0 || stdout != want.String() {
		t.Fatalf("stdout: exit %d, output differs from synth.WriteCSV", code)
	}
	out := filepath.Join(t.TempDir(), "tx.csv")
	_, stderr, code := runCvm("gen", "-customers", "30", "-seed", "5", "-out", out)
	got, err := os.ReadFile(out)
	if code != 0 || err != nil || string(got) != want.String() || !strings.Contains(stderr, "wrote 30 customers") {
		t.Fatalf("-out: exit %d, %v, stderr %q", code, err, stderr)
	}
	// The file gen writes is what summary reads by default.
	stdout, stderr, code = runCvm("summary", "-in", out, "-q")
	if code != 0 || strings.Count(stdout, "\n") != 31 {
		t.Errorf("summary of gen output: exit %d, %d lines, stderr %q; want 31 lines", code, strings.Count(stdout, "\n"), stderr)
	}
}

func TestGenErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"gen", "-customers", "0"}, 2, "-customers"},
		{[]string{"gen", "-seasonality", "1"}, 2, "-seasonality"},
		{[]string{"gen", "-seed", "-1"}, 2, "seed"},
		{[]string{"gen", "extra"}, 2, "unexpected argument"},
		{[]string{"gen", "-out", filepath.Join(t.TempDir(), "no", "such.csv")}, 1, "no such file"},
	} {
		_, stderr, code := runCvm(tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tt.args, code, stderr, tt.code, tt.msg)
		}
	}
}
