package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cvmkit/cvm/internal/check"
)

// Cohort tables of a small file, counted by hand: the January cohort (a,
// b) buys a, b in January and a in March; c joins in February.
func TestCohortCommand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tx.csv")
	check.NoErr(t, os.WriteFile(path, []byte("customer,time,amount\na,2024-01-03,5\nb,2024-01-09,5\na,2024-03-01,5\nc,2024-02-10,5\n"), 0o644))
	var out, errb bytes.Buffer
	if err := run([]string{"cohort", "-in", path, "-q", "-json"}, &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	var cs []struct {
		Customers int
		Active    []int
		Repeat    []int
	}
	check.NoErr(t, json.Unmarshal(out.Bytes(), &cs))
	if len(cs) != 2 || cs[0].Customers != 2 || len(cs[0].Active) != 3 || cs[0].Active[2] != 1 || cs[0].Repeat[2] != 1 || cs[1].Customers != 1 {
		t.Errorf("cohorts %s", out.String())
	}
	out.Reset()
	if err := run([]string{"cohort", "-in", path, "-q", "-by", "week", "-sbg"}, &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	if !strings.Contains(out.String(), "by week") || !strings.Contains(out.String(), "2024-01-01") || !strings.Contains(out.String(), "sBG per cohort") {
		t.Errorf("text:\n%s", out.String())
	}
	// -as-of is the last day counted: its purchases after midnight are
	// in (a's repeat and b's first purchase on 2024-03-01).
	late := filepath.Join(t.TempDir(), "late.csv")
	check.NoErr(t, os.WriteFile(late, []byte("customer,time,amount\na,2024-01-03 10:00:00,5\nb,2024-03-01 12:00:00,5\na,2024-03-01 13:00:00,5\nc,2024-03-02 09:00:00,5\n"), 0o644))
	out.Reset()
	if err := run([]string{"cohort", "-in", late, "-q", "-json", "-as-of", "2024-03-01"}, &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	cs = nil
	check.NoErr(t, json.Unmarshal(out.Bytes(), &cs))
	if len(cs) != 2 || cs[0].Customers != 1 || !slices.Equal(cs[0].Active, []int{1, 0, 1}) || cs[1].Customers != 1 || !slices.Equal(cs[1].Active, []int{1}) {
		t.Errorf("-as-of 2024-03-01: cohorts %s, want January (a: active 1, 0, 1) and March (b)", out.String())
	}
	// A row dated far beyond the rest is after the default as-of and left
	// out (the streamed file is then read again): the cohorts of the
	// first file, checked above.
	clean := new(bytes.Buffer)
	check.NoErr(t, run([]string{"cohort", "-in", path, "-q", "-json"}, clean, &errb))
	outlier := filepath.Join(t.TempDir(), "outlier.csv")
	check.NoErr(t, os.WriteFile(outlier, []byte("customer,time,amount\na,2024-01-03,5\nb,2024-01-09,5\nd,9999-12-31,5\na,2024-03-01,5\nc,2024-02-10,5\n"), 0o644))
	out.Reset()
	errb.Reset()
	if err := run([]string{"cohort", "-in", outlier, "-q", "-json"}, &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	if out.String() != clean.String() || !strings.Contains(errb.String(), "9999-12-31") {
		t.Errorf("with a row on 9999-12-31: cohorts %s, want %s; stderr:\n%s", out.String(), clean.String(), errb.String())
	}
	for _, args := range [][]string{{}, {"-in", path, "-by", "day"}, {"-in", path, "-periods", "0"}, {"-in", path, "-as-of", "x"}} {
		err := run(append([]string{"cohort", "-q"}, args...), new(bytes.Buffer), new(bytes.Buffer))
		var ue *usageError
		if !errors.As(err, &ue) {
			t.Errorf("%v: err = %v, want a usage error", args, err)
		}
	}
}
