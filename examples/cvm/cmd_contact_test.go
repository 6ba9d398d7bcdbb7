package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readCSVFile(t *testing.T, path string) ([]map[string]string, []string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, r := range rows[1:] {
		m := map[string]string{}
		for j, h := range rows[0] {
			m[h] = r[j]
		}
		out = append(out, m)
	}
	return out, rows[0]
}

// TestContactCommand: profiles of a generated base, attributes with an
// opt-out and a stated channel, a plan with a budget, then its evaluation.
func TestContactCommand(t *testing.T) {
	dir := t.TempDir()
	tx, prof := filepath.Join(dir, "tx.csv"), filepath.Join(dir, "p.csv")
	if _, errOut, code := runCvm("gen", "-customers", "1500", "-seed", "3", "-out", tx); code != 0 {
		t.Fatalf("gen: %s", errOut)
	}
	if _, errOut, code := runCvm("profile", "-in", tx, "-out", prof, "-q"); code != 0 {
		t.Fatalf("profile: %s", errOut)
	}
	plan0 := filepath.Join(dir, "plan0.csv")
	if _, errOut, code := runCvm("contact", "-profiles", prof, "-as-of", "2025-12-31", "-control", "0", "-out", plan0, "-q"); code != 0 {
		t.Fatalf("contact: %s", errOut)
	}
	rows0, _ := readCSVFile(t, plan0)
	if len(rows0) < 20 {
		t.Fatalf("only %d decisions", len(rows0))
	}
	// Opt the first decided customer out, give the second a stated SMS.
	out, pref := rows0[0]["customer"], rows0[1]["customer"]
	attrs := summaryFixture(t, "attrs.csv", fmt.Sprintf("customer,preferred_channel,opt_out\n%s,,true\n%s,sms,email\n", out, pref))
	hist := summaryFixture(t, "hist.csv", "customer,at,rule,channel,responded\n"+rows0[2]["customer"]+",2025-12-30 10:00:00,x,email,true\n")
	plan := filepath.Join(dir, "plan.csv")
	_, errOut, code := runCvm("contact", "-profiles", prof, "-attributes", attrs, "-history", hist, "-as-of", "2025-12-31", "-budget", "20", "-control", "0.2", "-seed", "7", "-out", plan)
	if code != 0 {
		t.Fatalf("contact: %s", errOut)
	}
	if !strings.Contains(errOut, "of 20.00") {
		t.Errorf("summary: %s", errOut)
	}
	rows, head := readCSVFile(t, plan)
	for _, c := range []string{"customer", "rule", "message", "offer", "offer_cost", "channel", "send_at", "expected_value", "group"} {
		if !strings.Contains(","+strings.Join(head, ",")+",", ","+c+",") {
			t.Errorf("no column %s", c)
		}
	}
	spent, control := 0.0, 0
	for _, r := range rows {
		switch r["customer"] {
		case out:
			t.Errorf("opted-out %s in the plan", out)
		case pref:
			if r["channel"] != "sms" || r["channel_reason"] != "stated" {
				t.Errorf("stated sms: got %s (%s)", r["channel"], r["channel_reason"])
			}
		case rows0[2]["customer"]:
			t.Errorf("%s contacted a day ago, in the quiet period", r["customer"])
		}
		if r["send_at"] < "2025-12-31 23:59:59" {
			t.Errorf("send_at %s before the as-of", r["send_at"])
		}
		var c float64
		fmt.Sscan(r["cost"], &c)
		switch r["group"] {
		case "treatment":
			spent += c
		case "control":
			control++
		default:
			t.Errorf("group %q", r["group"])
		}
	}
	if spent > 20+0.0001*float64(len(rows)) {
		t.Errorf("spent %v over the budget 20", spent)
	}
	if control == 0 {
		t.Error("no control row")
	}
	// Outcomes: every treated customer responded, no control one.
	var b strings.Builder
	b.WriteString("customer,responded,revenue\n")
	for _, r := range rows {
		if r["group"] == "treatment" {
			fmt.Fprintf(&b, "%s,true,10\n", r["customer"])
		}
	}
	outcomes := summaryFixture(t, "outcomes.csv", b.String())
	js, errOut, code := runCvm("contact", "-evaluate", "-plan", plan, "-outcomes", outcomes, "-json")
	if code != 0 {
		t.Fatalf("evaluate: %s", errOut)
	}
	var ev struct {
		Overall struct {
			Uplift   *float64 `json:"uplift"`
			UpliftLo *float64 `json:"uplift_lo"`
			UpliftHi *float64 `json:"uplift_hi"`
		} `json:"overall"`
	}
	if err := json.Unmarshal([]byte(js), &ev); err != nil || ev.Overall.Uplift == nil || ev.Overall.UpliftLo == nil || ev.Overall.UpliftHi == nil {
		t.Fatalf("json %v: %s", err, js)
	}
	if *ev.Overall.Uplift != 1 {
		t.Errorf("uplift %v, want 1 (all treated responded, no control)", *ev.Overall.Uplift)
	}
	txt, errOut, code := runCvm("contact", "-evaluate", "-plan", plan, "-outcomes", outcomes)
	if code != 0 || !strings.Contains(txt, "overall") || !strings.Contains(txt, "95% interval") {
		t.Fatalf("evaluate text: %s %s", txt, errOut)
	}
}

func TestContactCommandErrors(t *testing.T) {
	prof := summaryFixture(t, "p.csv", "customer,stage,quadrant\nC1,decline,IV\n")
	badStage := summaryFixture(t, "p2.csv", "customer,stage\nC1,sideways\n")
	attrs := summaryFixture(t, "a.csv", "customer,preferred_channel\nC1,fax\n")
	unknown := summaryFixture(t, "a2.csv", "customer,opt_out\nC9,true\n")
	plan := summaryFixture(t, "plan.csv", "customer,rule,group\nC1,save,maybe\n")
	outcomes := summaryFixture(t, "o.csv", "customer,responded,revenue\nC1,true,x\n")
	treated := summaryFixture(t, "plan2.csv", "customer,rule,group\nC1,save,treatment\nC2,save,treatment\nC3,save,control\n")
	huge := summaryFixture(t, "o2.csv", "customer,responded,revenue\nC1,true,1.5e308\nC2,true,1.5e308\nC3,false,0\n")
	rules := summaryFixture(t, "r.json", `{"format":"cvm.contact.rules","version":1,"rules":[{"name":"r","trigger":{"kind":"overdue","factor":-1}}]}`)
	tests := []struct {
		name string
		args []string
		want string
		code int
	}{
		{"no as-of", []string{"-profiles", prof}, "-as-of is required", 2},
		{"no profiles", []string{"-as-of", "2025-01-01"}, "-profiles is required", 2},
		{"control 1", []string{"-profiles", prof, "-as-of", "2025-01-01", "-control", "1"}, "-control", 2},
		{"bad stage", []string{"-profiles", badStage, "-as-of", "2025-01-01"}, "p2.csv:2: column stage", 1},
		{"bad channel", []string{"-profiles", prof, "-attributes", attrs, "-as-of", "2025-01-01"}, "a.csv:2: column preferred_channel", 1},
		{"unknown customer", []string{"-profiles", prof, "-attributes", unknown, "-as-of", "2025-01-01"}, `customer "C9" has no profile`, 1},
		{"bad rules", []string{"-profiles", prof, "-rules", rules, "-as-of", "2025-01-01"}, `rule "r": trigger.factor`, 1},
		{"bad group", []string{"-evaluate", "-plan", plan, "-outcomes", outcomes}, "plan.csv:2: column group", 1},
		{"revenue overflow", []string{"-evaluate", "-plan", treated, "-outcomes", huge, "-json"}, "o2.csv: the revenue totals overflow", 1},
		{"evaluate without plan", []string{"-evaluate"}, "-plan and -outcomes", 2},
	}
	for _, tt := range tests {
		_, errOut, code := runCvm(append([]string{"contact"}, tt.args...)...)
		if code != tt.code || !strings.Contains(errOut, tt.want) {
			t.Errorf("%s: exit %d, %q; want %d and %q", tt.name, code, errOut, tt.code, tt.want)
		}
	}
}
