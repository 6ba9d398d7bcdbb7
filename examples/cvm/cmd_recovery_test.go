package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cvmkit/cvm/internal/check"

	"github.com/cvmkit/cvm/recovery"
)

// recoveryTestCSV: C042 is a quadrant IV key account with an SMS
// preference; C043 a small customer whose last recovery failed, with the
// optional columns tier and channel empty; C044 misses nothing.
const recoveryTestCSV = `customer,quadrant,tier,stage,strength,failures_12m,last_recovery_ok,channel,influence,gross_profit,extra
C042,IV,1,stability,0.8,0,true,SMS,12,40000,x
C043,I,,exploration,0.1,1,false,,0,300,y
C044,II,gold,decline,0.4,2,yes,email,80,2500,z
`

func recoveryFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "customers.csv")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRecoveryLookup(t *testing.T) {
	in := recoveryFile(t, recoveryTestCSV)
	out := filepath.Join(t.TempDir(), "book.json")
	var stdout, stderr bytes.Buffer
	err := run([]string{"recovery", "-q", "-in", in, "-out", out, "-lookup", "C042", "-failure", "delivery", "-severity", "S3", "-loss", "1200"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	// Hand computation with the package defaults (recovery/doc.go): quadrant
	// IV at S3 escalates manager -> executive; tier 1 speed 0.25 of 2 h and
	// 24 h; expected = 0.8 (delivery fault) x 1.25 x (1 - 0.2 x 0.8) = 0.84;
	// goodwill cap = 0.75 x min(5000, 0.1 x 40000) = 3000; the re-delivery
	// restores the 1200 in full (never capped), and 0.84 < 1 asks for no
	// goodwill above it.
	for _, want := range []string{
		"apology      executive apologises personally",
		"owner        executive",
		"channel      sms",
		"deadlines    acknowledge within 30m, resolve within 6h",
		"remedy       re-performance",
		"expected     0.8400 x loss",
		"restore      1.0000 x loss in re-performance, never capped",
		"goodwill cap 3000.00 (total at most 2 x loss); front line may grant goodwill up to 250.00, money up to 250.00 at once",
		"resolution   loss 1200.00: restore 1200.00 (re-performance) + goodwill 0.00 = 1200.00 (front line grants it now)",
		"follow-up    days 1, 7, 30 after resolution",
	} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, stdout.String())
		}
	}
	// The written book loads and gives the same entry.
	var again bytes.Buffer
	if err := run([]string{"recovery", "-book", out, "-lookup", "C042", "-failure", "delivery", "-severity", "s3", "-loss", "1200"}, &again, &stderr); err != nil {
		t.Fatal(err)
	}
	if again.String() != stdout.String() {
		t.Errorf("from book:\n%s\nwant\n%s", again.String(), stdout.String())
	}
	// A compact book (inputs only) gives the same entry too.
	small := filepath.Join(t.TempDir(), "small.json")
	if err := run([]string{"recovery", "-q", "-in", in, "-out", small, "-compact"}, new(bytes.Buffer), &stderr); err != nil {
		t.Fatal(err)
	}
	again.Reset()
	if err := run([]string{"recovery", "-book", small, "-lookup", "C042", "-failure", "delivery", "-severity", "S3", "-loss", "1200"}, &again, &stderr); err != nil {
		t.Fatal(err)
	}
	if again.String() != stdout.String() {
		t.Errorf("from compact book:\n%s\nwant\n%s", again.String(), stdout.String())
	}
	// C043: empty tier is 4 (lead, speed 1), no channel: email at
	// S1; 1 failure with a bad recovery: manager, one level up.
	// The billing error is refunded in full (40); goodwill cap
	// = 0.25 x min(50, max(30, 20)) = 7.50 < (1.495 - 1) x 40 = 19.80.
	var s2 bytes.Buffer
	if err := run([]string{"recovery", "-book", out, "-lookup", "C043", "-failure", "billing", "-severity", "S1", "-loss", "40"}, &s2, &stderr); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"tier 4,", "channel      email", "one level up", "acknowledge within 1d, resolve within 5d",
		"resolution   loss 40.00: restore 40.00 (money) + goodwill 7.50 = 47.50 (goodwill capped at the playbook limit; service-manager decides on the rest)", "days 7, 60"} {
		if !strings.Contains(s2.String(), want) {
			t.Errorf("C043 output lacks %q:\n%s", want, s2.String())
		}
	}
}

func TestRecoverySummaryAndSettings(t *testing.T) {
	in := recoveryFile(t, recoveryTestCSV)
	var stdout, stderr bytes.Buffer
	if err := run([]string{"recovery", "-in", in}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	want := "quadrant,customers,s4_executive_apology,s4_manager_apology,s1_paradox_eligible\nI,1,1,0,0\nII,1,1,0,0\nIII,0,0,0,0\nIV,1,1,0,1\n"
	if stdout.String() != want {
		t.Errorf("summary:\n%s\nwant\n%s", stdout.String(), want)
	}
	if !strings.Contains(stderr.String(), "3 customers, 72 playbook entries") {
		t.Errorf("stderr %q", stderr.String())
	}
	// -print-settings, edited, and read back with -settings.
	stdout.Reset()
	if err := run([]string{"recovery", "-print-settings"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stdout.String(), "{\n  \"format\": \"cvm.recovery.settings\",\n  \"version\": 1,") {
		t.Errorf("settings file without the envelope:\n%s", stdout.String())
	}
	cfg := strings.Replace(stdout.String(), `"max_loss_multiple": 2`, `"max_loss_multiple": 1`, 1)
	if cfg == stdout.String() {
		t.Fatal("settings have no max_loss_multiple 2")
	}
	cp := filepath.Join(t.TempDir(), "cfg.json")
	check.NoErr(t, os.WriteFile(cp, []byte(cfg), 0o644))
	stdout.Reset()
	if err := run([]string{"recovery", "-q", "-in", in, "-settings", cp, "-lookup", "C044", "-failure", "defect", "-severity", "S2"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "at most 1 x loss") {
		t.Errorf("settings not applied:\n%s", stdout.String())
	}
	// A settings file with one field: the rest are the defaults.
	check.NoErr(t, os.WriteFile(cp, []byte(`{"format": "cvm.recovery.settings", "version": 1, "max_loss_multiple": 1}`), 0o644))
	stdout.Reset()
	check.NoErr(t, run([]string{"recovery", "-q", "-in", in, "-settings", cp, "-lookup", "C044", "-failure", "defect", "-severity", "S2"}, &stdout, &stderr))
	if !strings.Contains(stdout.String(), "at most 1 x loss") {
		t.Errorf("partial settings not applied:\n%s", stdout.String())
	}
	// -as-of goes into the book's card.
	book := filepath.Join(t.TempDir(), "book.json")
	check.NoErr(t, run([]string{"recovery", "-q", "-in", in, "-as-of", "2024-06-30", "-out", book}, &stdout, &stderr))
	if data := check.Must(os.ReadFile(book)); !bytes.Contains(data, []byte(`"card":{"library":`)) || !bytes.Contains(data, []byte(`"as_of":"2024-06-30T23:59:59.999999999Z","customers":3,`)) {
		t.Errorf("book card: %.200s", data)
	}
}

func TestRecoveryErrors(t *testing.T) {
	good := recoveryFile(t, recoveryTestCSV)
	book := filepath.Join(t.TempDir(), "book.json")
	if err := run([]string{"recovery", "-q", "-in", good, "-out", book}, new(bytes.Buffer), new(bytes.Buffer)); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := func(name, body string) string {
		p := filepath.Join(dir, name)
		check.NoErr(t, os.WriteFile(p, []byte(body), 0o644))
		return p
	}
	badCfg := file("cfg.json", `{"format":"cvm.recovery.settings","version":1,"max_loss_multiple":-1}`)
	oldCfg := file("old.json", `{"format":"cvm.recovery.config","version":1,"max_loss_multiple":3}`)
	typo := file("typo.json", `{"format":"cvm.recovery.settings","version":1,"max_loss_multipel":3}`)
	trailing := file("trailing.json", `{"format":"cvm.recovery.settings","version":1}]]]`)
	oldBook := file("oldbook.json", `{"format":"cvm.recovery.book","version":1,"config":{},"customers":[]}`)
	tests := []struct {
		name  string
		args  []string
		usage bool   // exit 2
		want  string // in the message
		is    error
	}{
		{"no input", []string{}, true, "exactly one of -in", nil},
		{"both inputs", []string{"-in", good, "-book", book}, true, "exactly one", nil},
		{"lookup without failure", []string{"-in", good, "-lookup", "C042"}, true, "needs -failure", nil},
		{"failure without lookup", []string{"-in", good, "-failure", "staff"}, true, "need -lookup", nil},
		{"unknown failure", []string{"-in", good, "-lookup", "C042", "-failure", "fire", "-severity", "S1"}, true, "unknown failure type", nil},
		{"unknown severity", []string{"-in", good, "-lookup", "C042", "-failure", "staff", "-severity", "S5"}, true, "unknown severity", nil},
		{"negative loss", []string{"-in", good, "-lookup", "C042", "-failure", "staff", "-severity", "S1", "-loss", "-5"}, true, "-loss", nil},
		{"NaN loss", []string{"-in", good, "-lookup", "C042", "-failure", "staff", "-severity", "S1", "-loss", "NaN"}, true, "-loss", nil},
		{"settings with book", []string{"-book", book, "-settings", file("ok.json", `{"format":"cvm.recovery.settings","version":1}`)}, true, "-settings and -as-of apply to -in", nil},
		{"bad settings", []string{"-in", good, "-settings", badCfg}, false, badCfg + ": recovery: settings: MaxLossMultiple", recovery.ErrBadValue},
		{"old config file", []string{"-in", good, "-settings", oldCfg}, false, `"cvm.recovery.config" version 1, want "cvm.recovery.settings" version 1`, nil},
		{"misspelt setting", []string{"-in", good, "-settings", typo}, false, `unknown field "max_loss_multipel"`, nil},
		{"trailing data", []string{"-in", good, "-settings", trailing}, false, "after top-level value", nil},
		{"old book", []string{"-book", oldBook}, false, `cvm.recovery.book version 1, want version 2`, nil},
		{"old -config flag", []string{"-in", good, "-config", badCfg}, true, "-config", nil},
		{"bad as-of", []string{"-in", good, "-as-of", "soon"}, true, "-as-of", nil},
		{"not found", []string{"-book", book, "-lookup", "C999", "-failure", "staff", "-severity", "S1"}, false, `"C999"`, recovery.ErrNotFound},
		{"bad delim", []string{"-in", good, "-delim", "x"}, true, "-delim", nil},
		{"missing file", []string{"-in", filepath.Join(t.TempDir(), "none.csv")}, false, "no such file", nil},
	}
	for _, tc := range tests {
		var stdout, stderr bytes.Buffer
		err := run(append([]string{"recovery", "-q"}, tc.args...), &stdout, &stderr)
		var ue *usageError
		if err == nil || errors.As(err, &ue) != tc.usage || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v (usage %v), want %q usage %v", tc.name, err, errors.As(err, &ue), tc.want, tc.usage)
		}
		if tc.is != nil && !errors.Is(err, tc.is) {
			t.Errorf("%s: err %v is not %v", tc.name, err, tc.is)
		}
	}
}

func TestRecoveryBadCSV(t *testing.T) {
	head := "customer,quadrant,tier,stage,strength,failures_12m,last_recovery_ok,influence,gross_profit\n"
	tests := []struct{ name, csv, want string }{
		{"empty", "", "empty file"},
		{"no rows", head, "no customers"},
		{"no quadrant column", "customer,tier\nA,1\n", `no "quadrant" column`},
		{"empty id", head + ",IV,1,stability,0.5,0,true,0,1\n", "line 2, column customer"},
		{"bad quadrant", head + "A,V,1,stability,0.5,0,true,0,1\n", "line 2, column quadrant"},
		{"bad tier", head + "A,IV,tin,stability,0.5,0,true,0,1\n", "line 2, column tier"},
		{"bad stage", head + "A,IV,1,asleep,0.5,0,true,0,1\n", "line 2, column stage"},
		{"strength NaN", head + "A,IV,1,stability,NaN,0,true,0,1\n", "line 2, column strength"},
		{"strength 2", head + "A,IV,1,stability,2,0,true,0,1\n", "line 2, column strength"},
		{"failures -1", head + "A,IV,1,stability,0.5,-1,true,0,1\n", "line 2, column failures_12m"},
		{"failures 1.5", head + "A,IV,1,stability,0.5,1.5,true,0,1\n", "line 2, column failures_12m"},
		{"bad ok", head + "A,IV,1,stability,0.5,1,maybe,0,1\n", "line 2, column last_recovery_ok"},
		{"influence -1", head + "A,IV,1,stability,0.5,1,true,-1,1\n", "line 2, column influence"},
		{"profit Inf", head + "B,I,,,,,,,\nA,IV,1,stability,0.5,1,true,1,Inf\n", "line 3, column gross_profit"},
		{"duplicate", head + "A,IV,1,stability,0.5,1,true,1,1\nA,I,1,stability,0.5,1,true,1,1\n", "duplicate"},
	}
	for _, tc := range tests {
		in := recoveryFile(t, tc.csv)
		err := run([]string{"recovery", "-q", "-in", in}, new(bytes.Buffer), new(bytes.Buffer))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", tc.name, err, tc.want)
		}
	}
	// Only the required columns: the documented defaults apply.
	in := recoveryFile(t, "customer,quadrant\nA,III\n")
	var stdout bytes.Buffer
	if err := run([]string{"recovery", "-q", "-in", in, "-lookup", "A", "-failure", "outage", "-severity", "S4"}, &stdout, new(bytes.Buffer)); err != nil {
		t.Fatal(err)
	}
	// Tier 4 (speed 1): 1 h, 8 h; formation; strength 0; no failures.
	for _, want := range []string{"tier 4, formation, strength 0.00, 0 failures", "acknowledge within 1h, resolve within 8h", "channel      phone"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("defaults: output lacks %q:\n%s", want, stdout.String())
		}
	}
}

func TestRecoveryHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := run([]string{"recovery", "-h"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"example:", "-lookup C042 -failure delivery -severity S3 -loss 1200", "last_recovery_ok", "gross_profit"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

// The outputs of other commands, joined by customer: the first file lists
// the customers, later files add columns; customers only in later files are
// ignored.
func TestRecoveryJoin(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	score := write("score.csv", "customer,current,potential,total,quadrant,tier\nA,0.9,0.8,0.85,IV,1\nB,0.1,0.2,0.15,I,4\n")
	stages := write("stages.csv", "customer,stage,since,pattern,transitions\nB,decline,2024-01-01,x,3\nA,stability,2023-01-01,y,2\nZ,ended,2020-01-01,z,1\n")
	hist := write("hist.csv", "customer,strength,failures_12m,last_recovery_ok,channel,gross_profit\nA,0.8,0,true,sms,40000\n")
	var stdout bytes.Buffer
	if err := run([]string{"recovery", "-q", "-in", score + "," + stages + "," + hist, "-lookup", "A", "-failure", "delivery", "-severity", "S3", "-loss", "1200"}, &stdout, new(bytes.Buffer)); err != nil {
		t.Fatal(err)
	}
	// Same customer as C042 in TestRecoveryLookup: same hand-computed entry.
	for _, want := range []string{"quadrant IV, tier 1, stability, strength 0.80", "channel      sms", "restore 1200.00 (re-performance) + goodwill 0.00 = 1200.00"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("joined output lacks %q:\n%s", want, stdout.String())
		}
	}
	stdout.Reset()
	if err := run([]string{"recovery", "-q", "-in", score + "," + stages + "," + hist}, &stdout, new(bytes.Buffer)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "I,1,") || !strings.Contains(stdout.String(), "IV,1,") {
		t.Errorf("summary should count A and B only:\n%s", stdout.String())
	}
	// Errors name the file and line.
	dup := write("dup.csv", "customer,stage\nA,formation\nA,decline\n")
	badStage := write("bad.csv", "customer,stage\nA,formation\nB,asleep\n")
	noID := write("noid.csv", "client,stage\nA,formation\n")
	for _, tc := range []struct{ files, want string }{
		{score + "," + dup, "dup.csv: line 3, column customer: duplicate customer"},
		{score + "," + badStage, "bad.csv: line 3, column stage"},
		{score + "," + noID, `noid.csv: header has no "customer" column`},
		{stages, `no "quadrant" column`},
	} {
		err := run([]string{"recovery", "-q", "-in", tc.files}, new(bytes.Buffer), new(bytes.Buffer))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", tc.files, err, tc.want)
		}
	}
}
