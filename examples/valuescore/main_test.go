package main

import (
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	var out, errb strings.Builder
	if err := run(nil, &out, &errb); err != nil {
		t.Fatal(err)
	}
	// acme has the largest revenue and headroom with a short DSO: high on
	// both dimensions whatever the exact weights, so quadrant IV.
	if !strings.Contains(out.String(), "acme") || !strings.Contains(strings.SplitN(out.String(), "acme", 2)[1], "IV") {
		t.Errorf("acme is not in quadrant IV:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "why bolt") {
		t.Errorf("no explanation:\n%s", out.String())
	}
	if err := run([]string{"x"}, &out, &errb); err == nil {
		t.Error("no error for an unexpected argument")
	}
}
