package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cvmkit/cvm/internal/synth"
	"github.com/cvmkit/cvm/profile"
)

func TestRun(t *testing.T) {
	f, err := profile.Build(context.Background(), synth.Transactions(synth.Config{Customers: 200, Seed: 5}), nil, &profile.Settings{Reasons: 2})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "file.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	id := f.Profiles[7].Customer
	var out, errOut bytes.Buffer
	if err := run([]string{"-file", path, "-customer", id}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"customer " + id, "value ", "quadrant " + f.Profiles[7].Value.Quadrant.String(), "lifecycle " + f.Profiles[7].Stage().String(), "if delivery at S3"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	for _, bad := range [][]string{{"-file", path}, {"-file", path, "-customer", "nobody"}, {"-file", path, "-customer", id, "-severity", "S9"}} {
		if err := run(bad, &out, &errOut); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}
