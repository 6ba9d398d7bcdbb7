package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	var out, errb strings.Builder
	if err := run([]string{"-top", "3"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	// A header line, a column line and the three customers asked for.
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "synthetic: 2000 customers") {
		t.Errorf("unexpected output:\n%s", out.String())
	}
}

func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.csv")
	os.WriteFile(empty, []byte("customer,time,amount,order\n"), 0o644)
	for _, args := range [][]string{{"-nope"}, {"-in", filepath.Join(dir, "missing.csv")}, {"-in", empty}} {
		var out, errb strings.Builder
		if err := run(args, &out, &errb); err == nil {
			t.Errorf("run(%q): no error", args)
		}
	}
}
