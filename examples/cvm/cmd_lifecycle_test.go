package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cvmkit/cvm/internal/check"
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
	dir := t.TempDir()
	settings := func(name, body string) string {
		path := filepath.Join(dir, name)
		check.NoErr(t, os.WriteFile(path, []byte(body), 0o644))
		return path
	}
	const env = `{"format": "cvm.lifecycle.settings", "version": 1, `
	// Issue 13: a bad settings file is reported against the settings file,
	// naming the field, not against the data file; a misspelt rule is an
	// error, not the default.
	for _, tc := range []struct {
		name, body, want string
	}{
		{"bad type", env + `"decline_recency": "x"}`, "decline_recency"},
		{"misspelt rule", env + `"decline_recencey": 3}`, `unknown field "decline_recencey"`},
		{"Go field name", env + `"DeclineRecency": 3}`, `unknown field "DeclineRecency"`},
		{"fraction above 1", env + `"decline_drop": 1.5}`, "decline_drop"},
		{"negative", env + `"end_min_days": -5}`, "end_min_days"},
		{"infinite", env + `"end_recency": 1e999}`, "end_recency"},
		{"no envelope", `{"decline_recency": 3}`, `"format"`},
		{"other format", `{"format": "cvm.lifecycle.state", "version": 1}`, "cvm.lifecycle.settings"},
		{"trailing data", env + `"confirm": 3}}`, "after top-level value"},
	} {
		t.Run("settings "+tc.name, func(t *testing.T) {
			path := settings(strings.ReplaceAll(tc.name, " ", "_")+".json", tc.body)
			err := run([]string{"lifecycle", "-q", "-in", in, "-settings", path}, &bytes.Buffer{}, &bytes.Buffer{})
			if err == nil || !strings.HasPrefix(err.Error(), path+": ") || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), in) {
				t.Errorf("error %v, want one naming %s and %s", err, path, tc.want)
			}
		})
	}
	// The printed defaults are a valid settings file, and a file changing
	// one rule changes the result. By hand: b buys once, 2022-03-10 (usual
	// interval 90 days). By default the recency rule moves it to decline
	// at the first tick with recency > 2 x 90 days, 2022-10-01 (205 days).
	// With decline_recency 3 that needs > 270 days (2023-01-01), but the
	// volume trend comes first: from the tick of 2022-10-01 the last six
	// complete months (Apr-Sep) are empty against the March purchase in
	// the six before, a drop of 100% > 50%, held at two ticks: 2022-11-01.
	var def bytes.Buffer
	check.NoErr(t, run([]string{"lifecycle", "-print-settings"}, &def, &bytes.Buffer{}))
	var stdout bytes.Buffer
	check.NoErr(t, run([]string{"lifecycle", "-q", "-in", in, "-as-of", "2023-01-15", "-settings", settings("def.json", def.String())}, &stdout, &bytes.Buffer{}))
	if !strings.Contains(stdout.String(), "b,decline,2022-10-01") {
		t.Errorf("defaults from -print-settings: b not in decline since 2022-10-01:\n%s", stdout.String())
	}
	stdout.Reset()
	check.NoErr(t, run([]string{"lifecycle", "-q", "-in", in, "-as-of", "2023-01-15", "-settings", settings("slow.json", env+`"decline_recency": 3}`)}, &stdout, &bytes.Buffer{}))
	if !strings.Contains(stdout.String(), "b,decline,2022-11-01") {
		t.Errorf("decline_recency 3: b not in decline since 2022-11-01:\n%s", stdout.String())
	}

	rules := settings("rules.json", env+`"decline_recency": "x"}`)
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
		{"bad settings", []string{"lifecycle", "-in", in, "-settings", rules}, false},
		{"old -rules flag", []string{"lifecycle", "-in", in, "-rules", rules}, true},
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

// TestRunLifecycleStreamed checks the streamed command (a file in, a
// file out) against the in-memory one (standard output, every
// transaction read first): the same bytes for a synthetic file grouped by
// customer, the same rows in time order, the grouped file with its first
// customer's row again at the end (written, found not grouped, classified
// again) and with one row dated 9999-12-31 (left out by the default
// as-of), with and without -as-of; and no temporary file left behind.
func TestRunLifecycleStreamed(t *testing.T) {
	dir := t.TempDir()
	grouped := filepath.Join(dir, "g.csv")
	var stderr bytes.Buffer
	if err := run([]string{"gen", "-customers", "3000", "-seed", "4", "-out", grouped}, &stderr, &stderr); err != nil {
		t.Fatal(err, stderr.String())
	}
	data := check.Must(os.ReadFile(grouped))
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	rows := slices.Clone(lines[1:])
	slices.SortStableFunc(rows, func(a, b string) int { return strings.Compare(strings.Split(a, ",")[1], strings.Split(b, ",")[1]) })
	first := strings.Split(lines[1], ",")[0]
	files := map[string]string{
		"grouped":    string(data),
		"time order": lines[0] + "\n" + strings.Join(rows, "\n") + "\n",
		"straggler":  string(data) + first + ",2025-03-03 10:00:00,10.00,x\n",
		"outlier":    string(data) + first + ",9999-12-31 00:00:00,10.00,y\n",
	}
	for name, content := range files {
		in := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".csv")
		if err := os.WriteFile(in, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, extra := range [][]string{nil, {"-as-of", "2025-06-30", "-tick", "weekly"}} {
			var want bytes.Buffer
			args := append([]string{"lifecycle", "-q", "-in", in}, extra...)
			if err := run(args, &want, &stderr); err != nil {
				t.Fatal(name, err, stderr.String())
			}
			out := filepath.Join(dir, "out.csv")
			if err := run(append(args, "-out", out), &stderr, &stderr); err != nil {
				t.Fatal(name, err, stderr.String())
			}
			if got := check.Must(os.ReadFile(out)); !bytes.Equal(got, want.Bytes()) {
				t.Errorf("%s %v: streamed output differs from the in-memory one", name, extra)
			}
		}
	}
	if entries := check.Must(os.ReadDir(dir)); slices.ContainsFunc(entries, func(e os.DirEntry) bool { return strings.HasSuffix(e.Name(), ".tmp") }) {
		t.Errorf("a temporary output file was left behind")
	}
}
