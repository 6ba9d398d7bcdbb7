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
	// The scenario of the lifecycle package's docs: a steady customer
	// reaches stability, then stops ordering and passes through decline to
	// the end.
	got := out.String()
	for _, want := range []string{"-> exploration", "-> stability", "-> decline", "-> ended", "now: ended"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if err := run([]string{"x"}, &out, &errb); err == nil {
		t.Error("no error for an unexpected argument")
	}
}
