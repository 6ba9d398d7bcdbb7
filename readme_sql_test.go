package cvm_test

import (
	"context"
	"database/sql"
	"log"
	"os"
	"strings"
	"testing"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/profile"
	"github.com/cvmkit/cvm/segment"
)

// readmeSQLSnippet is the Go block of the README's "Scoring in the
// warehouse"; TestREADMESQLSnippet checks that the README holds its text,
// so the README's code compiles. It needs a database, and is not run here
// (examples/sqldb/scoring runs the same calls on SQLite and PostgreSQL).
func readmeSQLSnippet(ctx context.Context, db *sql.DB, scorer *segment.Scorer, file *profile.File) {
	// BEGIN README
	// RFM breaks and the segment map as CASE WHEN, over a table
	// rfm(customer, recency, frequency, monetary):
	q, err := scorer.SQL(cvm.PostgreSQL, &segment.SQLSettings{Rules: segment.DefaultRules()})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "CREATE VIEW rfm_scores AS "+q); err != nil {
		log.Fatal(err)
	}
	// Every model of a customer file: a CLV lookup table and the views
	// cvm_rfm, cvm_value, cvm_clv and cvm_profile.
	script, err := file.Models.SQL(cvm.PostgreSQL, &profile.SQLSettings{Rows: file.CLVRows()})
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("scoring.sql", []byte(script), 0o644); err != nil {
		log.Fatal(err)
	}
	// END README
}

func TestREADMESQLSnippet(t *testing.T) {
	_ = readmeSQLSnippet
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("readme_sql_test.go")
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(readme), "## Scoring in the warehouse\n")
	if ok {
		_, block, ok = strings.Cut(block, "```go\n")
	}
	if ok {
		block, _, ok = strings.Cut(block, "```\n")
	}
	if !ok {
		t.Fatal("README.md: no ```go block under \"## Scoring in the warehouse\"")
	}
	_, body, ok := strings.Cut(string(src), "\t// BEGIN README\n")
	if ok {
		body, _, ok = strings.Cut(body, "\t// END README\n")
	}
	if !ok {
		t.Fatal("readme_sql_test.go: no BEGIN README ... END README")
	}
	var lines []string
	for _, l := range strings.SplitAfter(body, "\n") {
		lines = append(lines, strings.TrimPrefix(l, "\t"))
	}
	if want := strings.Join(lines, ""); block != want {
		t.Errorf("README.md's Go block under \"Scoring in the warehouse\" differs from readmeSQLSnippet (update the README):\n--- README\n%s\n--- readmeSQLSnippet\n%s", block, want)
	}
}
