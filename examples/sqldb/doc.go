// Package sqldb tests cvm's database sources against real databases:
// SQLite (modernc.org/sqlite, pure Go) and PostgreSQL (pgx's database/sql
// driver, when CVM_POSTGRES_DSN names a server; .ci/run starts one). It
// has no API of its own: its tests check that cvm.RowsReader (the rows of
// a query read as transactions) and cvm.SummarizeSQL (the summary pushed
// down into the database) give, customer for customer, the Summaries of
// the CSV path, on CDNOW, Online Retail and synthetic data, and its
// benchmark program (cmd/sqlbench) times the two against each other.
//
// Run the tests from this folder:
//
//	GOWORK=off go test ./...
//
// with CVM_POSTGRES_DSN set (for example "host=/tmp/pg port=5432
// user=cvm dbname=postgres") to include PostgreSQL. The package dbtest
// opens the databases and loads transaction tables for these tests and
// for others in this module.
package sqldb
