package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/cvmkit/cvm/examples/internal/report"
	"github.com/cvmkit/cvm/internal/check"
	"github.com/cvmkit/cvm/internal/synth"
)

// runQuickstart runs the quickstart on a small synthetic base and returns
// its report.
func runQuickstart(t *testing.T, args ...string) (string, string) {
	t.Helper()
	var out, errb strings.Builder
	if err := run(args, &out, &errb); err != nil {
		t.Fatalf("run(%q): %v\nstderr: %s", args, err, errb.String())
	}
	return out.String(), errb.String()
}

// figure returns the text after label on the report line that starts
// with it (after indentation), with runs of spaces collapsed.
func figure(t *testing.T, rep, label string) string {
	t.Helper()
	re := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(label) + `\s+(\S+)`)
	m := re.FindStringSubmatch(rep)
	if m == nil {
		t.Fatalf("report has no line %q:\n%s", label, rep)
	}
	return m[1]
}

func TestQuickstartKeyFigures(t *testing.T) {
	const customers, seed = 300, 7
	dir := t.TempDir()
	// SVG only: rendering PNGs under the race detector takes seconds.
	rep, _ := runQuickstart(t, "-customers", "300", "-seed", "7", "-plots", dir, "-plot-formats", "svg", "-q")

	// Independent figures, recomputed from the generator's customers and
	// orders rather than from cvm's summaries.
	cfg := baseConfig(customers, seed)
	var gross, returns float64
	oneTime := 0
	for cu := range synth.Customers(cfg) {
		days := map[string]bool{}
		for _, o := range cu.Orders {
			days[o.Time.Format("2006-01-02")] = true
			for _, l := range o.Lines {
				gross += l
			}
			returns += o.Return
		}
		if len(days) == 1 {
			oneTime++
		}
	}
	tests := []struct{ label, want string }{
		{"customers", report.Int(customers)},
		{"one-time buyers", report.Int(oneTime)},
		{"gross sales", report.Money(gross)},
		{"returns and refunds", report.Money(returns)},
		{"net sales", report.Money(gross - returns)},
	}
	for _, tt := range tests {
		if got := figure(t, rep, tt.label); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.label, got, tt.want)
		}
	}
	// Every buyer is in exactly one RFM segment: the segment rows add up to
	// the buyers (all synthetic customers buy).
	seg := regexp.MustCompile(`(?m)^  (Champions|Loyal|Potential Loyalist|New|Promising|Need Attention|About to Sleep|Can't Lose Them|At Risk|Lost|Hibernating)\s+(\d+)\s`)
	sum := 0
	for _, m := range seg.FindAllStringSubmatch(rep, -1) {
		sum += check.Must(strconv.Atoi(m[2]))
	}
	if sum != customers {
		t.Errorf("RFM segments hold %d customers, want %d", sum, customers)
	}
	// Every customer has one lifecycle stage.
	stage := regexp.MustCompile(`(?m)^  (exploration|formation|stability|decline|ended)\s+([\d,]+)\s`)
	sum = 0
	for _, m := range stage.FindAllStringSubmatch(rep, -1) {
		sum += check.Must(strconv.Atoi(strings.ReplaceAll(m[2], ",", "")))
	}
	if sum != customers && !strings.Contains(rep, "lifecycle stages: the lifecycle package") {
		t.Errorf("lifecycle stages hold %d customers, want %d", sum, customers)
	}
	// The story ends the report with a quadrant IV customer and a decided
	// response.
	if !regexp.MustCompile(`Customer C\d{4}, a quadrant IV customer`).MatchString(rep) || !strings.Contains(rep, "acknowledge within") {
		t.Errorf("report has no closing story with a quadrant IV customer and a response:\n%s", rep)
	}
	// The value model's indicators, counted from the synthetic table: all
	// its columns but gross profit (recomputed from the margin) and the
	// four the transactions give; with those five and value/clv's three
	// forecasts, every column of the table plus three.
	syn := synth.Indicators(synth.IndicatorConfig{Customers: customers, Seed: seed})
	flat := strings.Join(strings.Fields(rep), " ")
	for _, want := range []string{
		fmt.Sprintf("Indicators here: the default B2B catalog: %d indicators from the synthetic B2B table", len(syn.IDs)-5),
		fmt.Sprintf("in the lifetime group of current value: %d in all.", len(syn.IDs)+3),
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	// Every default response to a delivery failure restores the full loss
	// (recovery.DefaultConfig: Restore 1 for deliveries), so no offer is
	// below 1 x loss.
	offer := regexp.MustCompile(`(?m)^  (I|II|III|IV)\s+[\d,]+\s+\S+\s+\S+\s+(\d+\.\d+)\s`)
	_, table, _ := strings.Cut(rep, "A late or failed delivery at severity S3")
	table, _, _ = strings.Cut(table, "\n\n")
	ms := offer.FindAllStringSubmatch(table, -1)
	if len(ms) != 4 {
		t.Fatalf("found %d quadrant rows in the recovery table, want 4:\n%s", len(ms), rep)
	}
	for _, m := range ms {
		if v := check.Must(strconv.ParseFloat(m[2], 64)); v < 1 {
			t.Errorf("quadrant %s: offer x loss %v, below the full loss every response restores", m[1], v)
		}
	}
	for _, name := range []string{"occasions", "rfm_heatmap", "clusters", "elbow", "silhouette", "lifecycle_stages", "lifecycle_flow", "clv_holdout", "p_alive", "value_matrix"} {
		for _, ext := range []string{".svg"} {
			fi, err := os.Stat(filepath.Join(dir, name+ext))
			if err != nil || fi.Size() < 1000 {
				t.Errorf("picture %s%s missing or tiny: %v", name, ext, err)
			}
		}
	}
}

func TestQuickstartDeterministic(t *testing.T) {
	a, _ := runQuickstart(t, "-customers", "100", "-seed", "3", "-plots", "", "-q")
	b, _ := runQuickstart(t, "-customers", "100", "-seed", "3", "-plots", "", "-q")
	if a != b {
		t.Error("two runs with the same seed gave different reports")
	}
}

func TestQuickstartErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"-nope"}, "flag provided but not defined"},
		{"extra argument", []string{"x"}, "unexpected argument"},
		{"too few customers", []string{"-customers", "3"}, "at least 10"},
		{"bad as-of", []string{"-as-of", "yesterday", "-plots", ""}, "-as-of"},
		{"missing file", []string{"-in", filepath.Join(t.TempDir(), "none.csv"), "-plots", ""}, "none.csv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb strings.Builder
			err := run(tt.args, &out, &errb)
			if err == nil || !strings.Contains(err.Error()+errb.String(), tt.want) {
				t.Errorf("got error %v (stderr %q), want one containing %q", err, errb.String(), tt.want)
			}
		})
	}
}

// TestQuickstartFile runs the flow on a file, as a user with their own
// transactions would, and checks that the report says what a file cannot
// give.
func TestQuickstartFile(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "tx.csv")
	f, err := os.Create(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := synth.WriteCSV(f, synth.Config{Customers: 150, Seed: 2}); err != nil {
		t.Fatal(err)
	}
	check.NoErr(t, f.Close())
	rep, _ := runQuickstart(t, "-in", in, "-plots", "", "-q", "-as-of", "2025-06-30")
	for _, want := range []string{"data: " + in, "analysed as of 2025-06-30",
		"cannot be derived from a transactions file", "What this run could not do"} {
		if !strings.Contains(rep, want) {
			t.Errorf("report lacks %q:\n%s", want, rep)
		}
	}
	if got := figure(t, rep, "customers"); got != "150" {
		t.Errorf("customers: got %s, want 150", got)
	}
	// A file gives the retail catalog (value.RetailCatalog) without volume,
	// breadth, cross-buying headroom (no quantity or product column) and
	// gross profit (no margin): 10 indicators, plus the 3 forecasts.
	flat := strings.Join(strings.Fields(rep), " ")
	for _, want := range []string{"current value: 13 in all.", "the retail catalog computed from the transactions"} {
		if !strings.Contains(flat, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

// TestQuickstartContact checks that the report ends the story with one
// customer's next contact: the message, offer, channel, time and why, from
// a plan that stays within its budget (one unit per ten customers).
func TestQuickstartContact(t *testing.T) {
	rep, _ := runQuickstart(t, "-customers", "300", "-seed", "7", "-plots", "", "-q")
	m := regexp.MustCompile(`contact plan as of \S+ \(default rules, budget (\d+\.\d+)\): (\d+) contacts, (\d+) held out as control, (\d+\.\d+) spent`).FindStringSubmatch(rep)
	if m == nil {
		t.Fatalf("report has no contact plan line:\n%s", rep)
	}
	if budget, spent := check.Must(strconv.ParseFloat(m[1], 64)), check.Must(strconv.ParseFloat(m[4], 64)); budget != 30 || spent > budget {
		t.Errorf("budget %v (want 300 customers / 10 = 30), spent %v", budget, spent)
	}
	if m[2] == "0" {
		t.Fatalf("no contact planned:\n%s", rep)
	}
	if !regexp.MustCompile(`next contact: customer C\d{4} gets message "[a-z_]+" \(\S+\) by (push|email|sms|mail|phone) at \d{4}-\d\d-\d\d \d\d:\d\d, offer \S+ costing \d+\.\d+: .*treatment`).MatchString(rep) {
		t.Errorf("report lacks one customer's decision with message, channel, time and why:\n%s", rep)
	}
}
