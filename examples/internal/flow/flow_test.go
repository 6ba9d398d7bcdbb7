package flow

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/synth"
)

func TestRunNoData(t *testing.T) {
	if _, err := Run(Input{}); !errors.Is(err, ErrNoData) {
		t.Errorf("got %v, want ErrNoData", err)
	}
}

// TestTinyBase runs the flow on three hand-made customers: the summaries
// and RFM work, the stages that need more data are skipped with a note,
// and the report, files and pictures are still written.
func TestTinyBase(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2025, 1, d, 12, 0, 0, 0, time.UTC) }
	txs := []cvm.Transaction{
		{Customer: "a", Time: day(2), Amount: 100, Order: "1"},
		{Customer: "a", Time: day(20), Amount: 50, Order: "2"},
		{Customer: "b", Time: day(5), Amount: 30, Order: "3"},
		{Customer: "c", Time: day(9), Amount: -10, Order: "4"},
	}
	orig := slices.Clone(txs)
	r, err := Run(Input{Transactions: txs, Source: "hand-made"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(txs, orig) {
		t.Error("Run modified the caller's transactions")
	}
	// Hand-counted: three customers, a with two purchase days, b one, c
	// only a return; gross 180, returns 10.
	want := Totals{Customers: 3, Buyers: 2, OneTime: 1, Gross: 180, Returns: 10, Net: 170}
	if got := r.Totals(); got != want {
		t.Errorf("Totals() = %+v, want %+v", got, want)
	}
	if got := r.AsOf; !got.Equal(time.Date(2025, 1, 21, 0, 0, 0, 0, time.UTC).Add(-time.Nanosecond)) {
		t.Errorf("AsOf = %v, want the end of 2025-01-20", got)
	}
	if r.KMeans != nil || len(r.Notes) == 0 || !strings.Contains(r.Notes[0], "k-means") {
		t.Errorf("k-means not skipped with a note: %q", r.Notes)
	}
	var b strings.Builder
	if err := r.Report(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "What this run could not do") {
		t.Errorf("report does not list what was skipped:\n%s", b.String())
	}
	dir := t.TempDir()
	if _, err := r.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Plots(filepath.Join(dir, "plots"), ".svg"); err != nil {
		t.Fatal(err)
	}
	rfm, err := os.ReadFile(filepath.Join(dir, "rfm.csv"))
	if err != nil {
		t.Fatal(err)
	}
	// c has only returns, so no RFM row.
	if got := strings.Count(string(rfm), "\n"); got != 3 {
		t.Errorf("rfm.csv has %d lines, want a header and 2 customers:\n%s", got, rfm)
	}
}

func TestDeterministic(t *testing.T) {
	txs := slices.Collect(synth.Transactions(synth.Config{Customers: 120, Seed: 11}))
	var reports [2]string
	for i := range reports {
		r, err := Run(Input{Transactions: txs, Synthetic: true, Seed: 11, Source: "synthetic"})
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		if err := r.Report(&b); err != nil {
			t.Fatal(err)
		}
		reports[i] = b.String()
	}
	if reports[0] != reports[1] {
		t.Error("two runs on the same data gave different reports")
	}
}
