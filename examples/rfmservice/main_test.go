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
	// fay's purchase was returned in full, so she has a purchase day but a
	// net monetary value of 0; ann bought three times, last on 03-28.
	for _, want := range []string{"ann  last bought  3 days ago, on 3 days", "fay  last bought 30 days ago, on 1 days, net   0.00"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if err := run([]string{"x"}, &out, &errb); err == nil {
		t.Error("no error for an unexpected argument")
	}
}
