package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "tx.csv")
	csv := "customer;when;qty;price\na;2024-01-02;2;1.25\nb;2024-01-03;1;4\n"
	if err := os.WriteFile(in, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errw bytes.Buffer
	err := run([]string{"-in", in, "-delim", ";", "-time", "when", "-quantity", "qty", "-price", "price"}, &out, &errw)
	if err != nil {
		t.Fatalf("run: %v (%s)", err, errw.String())
	}
	if !strings.Contains(out.String(), "tx.parquet: 2 transactions") {
		t.Errorf("output %q", out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "tx.parquet")); err != nil {
		t.Error(err)
	}
	if err := run([]string{"-in", in}, &out, &errw); err == nil {
		t.Error("run with the wrong delimiter: no error")
	}
	if err := run(nil, &out, &errw); err == nil {
		t.Error("run without -in: no error")
	}
}
