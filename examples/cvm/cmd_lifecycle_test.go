package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// lifecycleCSV: a buys 100 on the 15th of every month from 2022-01 to
// 2023-06, then stops; b buys once, on 2022-03-10.
func lifecycleCSV(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("customer,time,amount\n")
	for m := time.Date(2022, 1, 15, 0, 0, 0, 0, time.UTC); m.Before(time.Date(2023, 7, 1, 0, 0, 0, 0, time.UTC)); m = m.AddDate(0, 1, 0) {
		fmt.Fprintf(&b, "a,%s,100\n", m.Format(time.DateOnly))
	}
	b.WriteString("b,2022-03-10,50\n")
	b.WriteString("c,2022-05-01,-20\n") // returns only: stage none
	path := filepath.Join(t.TempDir(), "tx.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRunLifecycle(t *testing.T) {
	in := lifecycleCSV(t)
	var stdout, stderr bytes.Buffer
	if err := run([]string{"lifecycle", "-in", in, "-as-of", "2024-06-01"}, &stdout, &stderr); err != nil {
		t.Fatal(err, stderr.String())
	}
	// By hand, from the default rules (see the lifecycle package's
	// scenario tests): a reaches formation 2022-05-01, stability
	// 2023-03-01, decline 2023-09-01 (recency 78 > 2 x 31 days) and ends
	// 2024-01-01 (recency 200 > 180); b declines 2022-10-01 (205 > 2 x 90)
	// and ends 2023-04-01 (387 > 4 x 90).
	want := "customer,stage,since,pattern,transitions\n" +
		"a,ended,2024-01-01T00:00:00Z,left-stability-early,5\n" +
		"b,ended,2023-04-01T00:00:00Z,ended-in-exploration,3\n" +
		"c,none,,ongoing,0\n"
	if got := stdout.String(); got != want {
		t.Errorf("CSV:\n%s\nwant:\n%s", got, want)
	}
	if !strings.Contains(stderr.String(), "ended                2   66.7%") {
		t.Errorf("stderr has no stage distribution:\n%s", stderr.String())
	}

	stdout.Reset()
	if err := run([]string{"lifecycle", "-q", "-in", in, "-as-of", "2024-06-01", "-history", "a"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"2023-09-01  stability   -> decline      rule recency        tenure=594d orders=18",
		"2024-01-01  decline     -> ended        rule recency-end",
		"now: ended since 2024-01-01 (152 days), pattern left-stability-early",
	} {
		if !strings.Contains(stdout.String(), line) {
			t.Errorf("history lacks %q:\n%s", line, stdout.String())
		}
	}

	// Weekly ticks and the seasonal rules run too.
	stdout.Reset()
	if err := run([]string{"lifecycle", "-q", "-in", in, "-tick", "weekly", "-seasonal"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(stdout.String(), "\n"); n != 4 {
		t.Errorf("%d lines, want 4", n)
	}
}

func TestRunLifecycleErrors(t *testing.T) {
	in := lifecycleCSV(t)
	rules := filepath.Join(t.TempDir(), "rules.json")
	os.WriteFile(rules, []byte(`{"DeclineRecency": "x"}`), 0o644)
	for _, tc := range []struct {
		name  string
		args  []string
		usage bool
	}{
		{"no input", []string{"lifecycle"}, true},
		{"bad tick", []string{"lifecycle", "-in", in, "-tick", "daily"}, true},
		{"bad as-of", []string{"lifecycle", "-in", in, "-as-of", "yesterday"}, true},
		{"unknown flag", []string{"lifecycle", "-in", in, "-x"}, true},
		{"unknown customer", []string{"lifecycle", "-q", "-in", in, "-history", "zed"}, false},
		{"missing file", []string{"lifecycle", "-in", in + ".none"}, false},
		{"bad rules", []string{"lifecycle", "-in", in, "-rules", rules}, false},
		{"as-of before data", []string{"lifecycle", "-q", "-in", in, "-as-of", "2020-01-01"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(tc.args, &stdout, &stderr)
			var ue *usageError
			if err == nil || errors.As(err, &ue) != tc.usage {
				t.Errorf("error %v, want usage error %v", err, tc.usage)
			}
		})
	}
	var stderr bytes.Buffer
	if err := run([]string{"lifecycle", "-h"}, &bytes.Buffer{}, &stderr); err != nil || !strings.Contains(stderr.String(), "cvm lifecycle -in CDNOW_master.txt") {
		t.Errorf("-h: %v\n%s", err, stderr.String())
	}
}
