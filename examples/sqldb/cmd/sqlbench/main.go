// Command sqlbench times cvm's two ways to summarise a transaction table
// in a database: the summary pushed down (cvm.SummarizeSQL: the database
// groups, one row per customer comes back) and the rows read out and
// summarised in Go (cvm.RowsReader.Summarize).
//
//	sqlbench load -db sqlite -sqlite /tmp/tx10m.db -in /work/data/tx10m.csv
//	sqlbench load -db postgres -dsn "$CVM_POSTGRES_DSN" -in /work/data/tx10m.csv
//	sqlbench run -db sqlite -sqlite /tmp/tx10m.db -mode pushdown
//	sqlbench run -db postgres -dsn "$CVM_POSTGRES_DSN" -mode rows
//
// load creates the table tx (dbtest's columns and types) from a CSV file
// with the default columns customer, time, amount, order; run prints the
// mode, the customers, the sum of their totals and the seconds taken by
// the query and the summary.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/examples/sqldb/dbtest"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "sqlbench:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: sqlbench load|run [flags]")
	}
	fs := flag.NewFlagSet("sqlbench "+args[0], flag.ContinueOnError)
	kind := fs.String("db", "sqlite", "database: sqlite or postgres")
	path := fs.String("sqlite", "tx.db", "SQLite database file")
	dsn := fs.String("dsn", os.Getenv(dbtest.DSNEnv), "PostgreSQL connection string")
	in := fs.String("in", "", "load: the CSV file")
	mode := fs.String("mode", "pushdown", "run: pushdown or rows")
	table := fs.String("table", "tx", "table")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	ctx := context.Background()
	var db *dbtest.DB
	var err error
	switch *kind {
	case "sqlite":
		db, err = dbtest.OpenSQLite(*path)
	case "postgres", "postgresql":
		db, err = dbtest.OpenPostgres(ctx, *dsn, "")
	default:
		return fmt.Errorf("unknown -db %q", *kind)
	}
	if err != nil {
		return err
	}
	defer db.DB.Close()
	switch args[0] {
	case "load":
		f, err := os.Open(*in)
		if err != nil {
			return err
		}
		defer f.Close()
		rd, err := cvm.NewReader(f, nil)
		if err != nil {
			return err
		}
		start := time.Now()
		if err := db.LoadStream(ctx, *table, rd.Stream(ctx)); err != nil {
			return err
		}
		if err := rd.Err(); err != nil {
			return err
		}
		if db.Dialect == cvm.PostgreSQL {
			if err := db.Exec(ctx, "VACUUM ANALYZE "+*table); err != nil {
				return err
			}
		}
		fmt.Fprintf(stdout, "loaded %d rows in %.1f s\n", rd.Stats().Transactions, time.Since(start).Seconds())
		return nil
	case "run":
		start := time.Now()
		var sums []cvm.Summary
		switch *mode {
		case "pushdown":
			sums, err = cvm.SummarizeSQL(ctx, db.DB, db.Dialect, *table, nil)
		case "rows":
			rows, qerr := db.DB.QueryContext(ctx, `SELECT customer, "time", amount FROM `+*table)
			if qerr != nil {
				return qerr
			}
			defer rows.Close()
			rd, rerr := cvm.NewRowsReader(rows, nil)
			if rerr != nil {
				return rerr
			}
			sums, err = rd.Summarize(ctx, nil)
		default:
			return fmt.Errorf("unknown -mode %q", *mode)
		}
		if err != nil {
			return err
		}
		total := 0.0
		for _, s := range sums {
			total += s.Total
		}
		fmt.Fprintf(stdout, "%s %s: %d customers, total %.2f, %.2f s\n", db.Name, *mode, len(sums), total, time.Since(start).Seconds())
		return nil
	}
	return fmt.Errorf("unknown command %q", args[0])
}
