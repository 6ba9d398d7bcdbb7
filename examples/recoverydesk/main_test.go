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
	got := out.String()
	// The recovery package's policy: a quadrant IV customer in stability
	// with a serious failure gets an executive apology, and a stated
	// channel preference is honoured.
	if !strings.Contains(got, "C0042 S3 delivery, loss 12000: executive apology") || !strings.Contains(got, "via sms") {
		t.Errorf("C0042's response is not the documented one:\n%s", got)
	}
	if !strings.Contains(got, "unknown customer:") {
		t.Errorf("no not-found error for an unknown customer:\n%s", got)
	}
	if err := run([]string{"x"}, &out, &errb); err == nil {
		t.Error("no error for an unexpected argument")
	}
}
