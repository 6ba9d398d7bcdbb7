package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cvmkit/cvm/profile"
)

// TestProfileCommand builds profiles of a generated base, with CRM
// attributes, and checks one row per customer with the required columns,
// the JSON file, and scoring again with the saved models.
func TestProfileCommand(t *testing.T) {
	dir := t.TempDir()
	tx := filepath.Join(dir, "tx.csv")
	if _, errOut, code := runCvm("gen", "-customers", "300", "-seed", "3", "-out", tx); code != 0 {
		t.Fatalf("gen: %s", errOut)
	}
	attrs := summaryFixture(t, "crm.csv", "customer,channel,consent,failures_12m,share_of_wallet\nC000001,sms,true,2,40\nC000002,,false,0,\n")
	out, models := filepath.Join(dir, "p.csv"), filepath.Join(dir, "m.json")
	if _, errOut, code := runCvm("profile", "-in", tx, "-attributes", attrs, "-out", out, "-save-models", models, "-q"); code != 0 {
		t.Fatalf("profile: %s", errOut)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 301 {
		t.Fatalf("got %d rows, want a header and 300 customers", len(rows))
	}
	col := map[string]int{}
	for j, h := range rows[0] {
		col[h] = j
	}
	for _, want := range []string{"customer", "rfm_segment", "p_alive", "clv", "current_value", "potential_value", "total_value", "quadrant", "tier", "stage", "flags"} {
		if _, ok := col[want]; !ok {
			t.Errorf("no column %q", want)
		}
	}
	js := filepath.Join(dir, "p.json")
	if _, errOut, code := runCvm("profile", "-in", tx, "-models", models, "-json", "-out", js, "-q"); code != 0 {
		t.Fatalf("profile -models: %s", errOut)
	}
	b, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	var file profile.File
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	for i, p := range file.Profiles {
		if p.Customer != rows[i+1][0] || strings.TrimSpace(rows[i+1][col["quadrant"]]) != p.Value.Quadrant.String() {
			t.Fatalf("row %d: %s %s, JSON %s %s", i, rows[i+1][0], rows[i+1][col["quadrant"]], p.Customer, p.Value.Quadrant)
		}
	}
	for _, bad := range [][]string{{"profile"}, {"profile", "-in", tx, "-attributes", summaryFixture(t, "bad.csv", "id,x\n1,2\n")}} {
		if _, _, code := runCvm(bad...); code == 0 {
			t.Errorf("%v: no error", bad)
		}
	}
}
