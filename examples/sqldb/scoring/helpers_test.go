package scoring

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/examples/sqldb/dbtest"
)

// load creates table with the given columns (the first text, the others
// doubles) and inserts rows, a nil value as NULL, in one transaction.
func load(t *testing.T, db *dbtest.DB, table string, cols []string, rows [][]any) {
	t.Helper()
	ctx := context.Background()
	text, double := "TEXT", "REAL"
	if db.Dialect == cvm.PostgreSQL {
		text, double = "text", "double precision"
	}
	defs := make([]string, len(cols))
	for j, c := range cols {
		defs[j] = quote(c) + " " + double
		if j == 0 {
			defs[j] = quote(c) + " " + text
		}
	}
	if err := db.Exec(ctx, "DROP TABLE IF EXISTS "+quote(table), "CREATE TABLE "+quote(table)+" ("+strings.Join(defs, ", ")+")"); err != nil {
		t.Fatal(err)
	}
	tx, err := db.DB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	qcols := make([]string, len(cols))
	for j, c := range cols {
		qcols[j] = quote(c)
	}
	// Multi-row INSERTs of at most 1000 parameters.
	batch := max(1, 1000/len(cols))
	for lo := 0; lo < len(rows); lo += batch {
		hi := min(lo+batch, len(rows))
		var b strings.Builder
		b.WriteString("INSERT INTO " + quote(table) + " (" + strings.Join(qcols, ", ") + ") VALUES ")
		var args []any
		for i, r := range rows[lo:hi] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			for j := range r {
				if j > 0 {
					b.WriteString(", ")
				}
				args = append(args, r[j])
				if db.Dialect == cvm.PostgreSQL {
					b.WriteString("$" + itoa(len(args)))
				} else {
					b.WriteByte('?')
				}
			}
			b.WriteByte(')')
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			t.Fatalf("%s: insert rows %d to %d: %v", table, lo+1, hi, err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	// Statistics, as a warehouse table has them: without them PostgreSQL
	// overestimates the joins and compiles the large scoring expressions
	// with JIT, which takes minutes.
	if err := db.Exec(ctx, "ANALYZE "+quote(table)); err != nil {
		t.Fatal(err)
	}
}

// query runs q and calls each for every row.
func query(t *testing.T, db *dbtest.DB, q string, each func(*sql.Rows)) {
	t.Helper()
	rows, err := db.DB.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v\n%.2000s", db.Name, err, q)
	}
	defer rows.Close()
	for rows.Next() {
		each(rows)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", db.Name, err)
	}
}

func scan(t *testing.T, r *sql.Rows, dst ...any) {
	t.Helper()
	if err := r.Scan(dst...); err != nil {
		t.Fatal(err)
	}
}

func quote(id string) string { return `"` + strings.ReplaceAll(id, `"`, `""`) + `"` }

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
