package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// TestLoop runs five nights on a small base: every night is reported, the
// spend stays within the budget, the last decision is explained, and two
// runs print the same bytes.
func TestLoop(t *testing.T) {
	var a, b, errs bytes.Buffer
	args := []string{"-customers", "1500", "-nights", "5", "-budget", "20", "-seed", "3"}
	if err := run(args, &a, &errs); err != nil {
		t.Fatalf("%v: %s", err, errs.String())
	}
	if err := run(args, &b, &errs); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Fatal("two runs differ")
	}
	out := a.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	nights := 0
	for _, l := range lines {
		var date string
		var profiles, treated, control int
		var spent float64
		if n, _ := fmtSscan(l, &date, &profiles, &treated, &control, &spent); n == 5 && strings.HasPrefix(date, "20") {
			nights++
			if spent > 20 {
				t.Errorf("%s: spent %v over the budget 20", date, spent)
			}
		}
	}
	if nights != 5 {
		t.Errorf("%d nights reported, want 5:\n%s", nights, out)
	}
	for _, want := range []string{"why:", "all nights:", "95% interval"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	t.Log(out)
	if err := run([]string{"-customers", "5"}, &a, &errs); err == nil {
		t.Error("5 customers accepted")
	}
}

func fmtSscan(s string, a ...any) (int, error) { return fmt.Sscan(s, a...) }
