package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cvmkit/cvm/internal/check"
)

func TestHelp(t *testing.T) {
	// "cvm help" lists every command on standard output.
	stdout, _, code := runCvm("help")
	if code != 0 {
		t.Fatalf("cvm help: exit %d", code)
	}
	for _, c := range commands {
		if !strings.Contains(stdout, "  "+c.name+" ") {
			t.Errorf("cvm help does not list %s:\n%s", c.name, stdout)
		}
	}
	// "cvm help CMD" prints that command's usage, example and flags.
	for _, c := range commands {
		stdout, stderr, code := runCvm("help", c.name)
		if code != 0 {
			t.Errorf("cvm help %s: exit %d: %s", c.name, code, stderr)
		}
		if !strings.HasPrefix(stdout, "usage: cvm "+c.name+" ") || !strings.Contains(stdout, "example:") || !strings.Contains(stdout, "flags:") {
			t.Errorf("cvm help %s:\n%s", c.name, stdout)
		}
	}
	for _, args := range [][]string{{"help", "nope"}, {"help", "rfm", "kmeans"}, {"nope"}, {}} {
		if _, _, code := runCvm(args...); code != 2 {
			t.Errorf("cvm %v: exit %d, want 2", args, code)
		}
	}
}

func TestKMeansSaveAndModel(t *testing.T) {
	dir := t.TempDir()
	in := writeTemp(t, "f.csv", kmeansCSV)
	model, labels := filepath.Join(dir, "m.json"), filepath.Join(dir, "labels.txt")
	if _, stderr, code := runCvm("kmeans", "-in", in, "-k", "2", "-seed", "1", "-save", model, "-out", labels); code != 0 {
		t.Fatalf("kmeans -save: exit %d: %s", code, stderr)
	}
	// The saved centres label new rows by the nearest centre: (0,0) and
	// (1,1) join the group around the origin, (9,9) the other.
	fresh := writeTemp(t, "g.csv", "a,b\n0,0\n9,9\n1,1\n")
	stdout, stderr, code := runCvm("kmeans", "-in", fresh, "-model", model)
	if code != 0 {
		t.Fatalf("kmeans -model: exit %d: %s", code, stderr)
	}
	got := strings.Fields(stdout)
	fit := strings.Fields(string(check.Must(os.ReadFile(labels))))
	// Same labels as the fitted rows: (0,0) is row 1 of the fit, (10,10)
	// row 4.
	if want := []string{fit[0], fit[3], fit[0]}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("labels %v, want %v", got, want)
	}
	if _, _, code := runCvm("kmeans", "-in", fresh, "-model", model, "-standardize"); code != 2 {
		t.Errorf("-model with -standardize: exit %d, want 2", code)
	}
	three := writeTemp(t, "h.csv", "1,2,3\n")
	if _, stderr, code := runCvm("kmeans", "-in", three, "-model", model); code != 1 || !strings.Contains(stderr, "d = 2") {
		t.Errorf("3 columns for a d = 2 model: exit %d: %s", code, stderr)
	}
}

func TestRunReplacesItsFolder(t *testing.T) {
	dir := t.TempDir()
	small := writeTx(t, dir, synthCSV(t, 60, 3))
	out := filepath.Join(dir, "run")
	for i := range 2 {
		var stdout, stderr bytes.Buffer
		if err := run([]string{"run", "-q", "-in", small, "-out", out, "-plot-formats", ""}, &stdout, &stderr); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		if i == 0 {
			// A file an earlier run wrote (listed in its manifest) that
			// this run does not write: an in-place rewrite would leave it
			// beside the new files, the swap removes it.
			check.NoErr(t, os.WriteFile(filepath.Join(out, "old_stage.csv"), []byte("x"), 0o644))
			m := check.Must(os.OpenFile(filepath.Join(out, "manifest.txt"), os.O_APPEND|os.O_WRONLY, 0))
			check.Must(m.WriteString("0000  old_stage.csv\n"))
			check.NoErr(t, m.Close())
		}
	}
	if _, err := os.Stat(filepath.Join(out, "old_stage.csv")); err == nil {
		t.Error("the second run left a file of the first run's folder")
	}
	// A file the user put in the folder is never removed: the run refuses.
	check.NoErr(t, os.WriteFile(filepath.Join(out, "notes.txt"), []byte("mine"), 0o644))
	var stdout, stderr bytes.Buffer
	err := run([]string{"run", "-q", "-in", small, "-out", out, "-plot-formats", ""}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "notes.txt is not in manifest.txt") {
		t.Fatalf("run over a folder with a user's file: %v", err)
	}
	names := check.Must(os.ReadDir(dir))
	for _, e := range names {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary %s left behind", e.Name())
		}
	}
	manifest := string(check.Must(os.ReadFile(filepath.Join(out, "manifest.txt"))))
	for _, f := range []string{"  summaries.csv\n", "  report.txt\n", "  rfm_scorer.json\n"} {
		if !strings.Contains(manifest, f) {
			t.Errorf("manifest lacks %q:\n%s", f, manifest)
		}
	}
}

// TestStdoutDevFull writes the text outputs of kmeans and clv to a real
// full device: the command must exit 1 naming standard output.
func TestStdoutDevFull(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip("no /dev/full:", err)
	}
	defer full.Close()
	dir := t.TempDir()
	tx := writeTx(t, dir, synthCSV(t, 200, 4))
	for _, args := range [][]string{
		{"kmeans", "-k", "2", "-in", writeTemp(t, "f.csv", kmeansCSV)},
		{"clv", "-q", "-in", tx, "-calibration-end", "2025-06-30"},
		{"summary", "-q", "-in", tx},
	} {
		var stderr bytes.Buffer
		code := exitCode(run(args, full, &stderr), &stderr)
		if code != 1 || !strings.Contains(stderr.String(), "no space left on device") {
			t.Errorf("%v > /dev/full: exit %d, stderr %q; want 1 and ENOSPC", args, code, stderr.String())
		}
	}
}

// TestRenamedFlags: a script written for an old flag name is told the new
// one, with a usage error.
func TestRenamedFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"rfm", "-model-out", "m.json"}, "renamed: use -save FILE"},
		{[]string{"clv", "-discount", "0.01"}, "renamed: use -annual-discount"},
	} {
		_, stderr, code := runCvm(tt.args...)
		if code != 2 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
}
