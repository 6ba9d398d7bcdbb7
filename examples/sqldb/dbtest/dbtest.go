package dbtest

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/synth"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // the "sqlite" driver
)

// DSNEnv is the environment variable naming the PostgreSQL server of the
// tests.
const DSNEnv = "CVM_POSTGRES_DSN"

// DB is a database open for a test.
type DB struct {
	Name    string      // "sqlite" or "postgresql"
	Dialect cvm.Dialect // cvm.SQLite or cvm.PostgreSQL
	DB      *sql.DB
	// Schema is the PostgreSQL schema the connections use (their
	// search_path), empty for SQLite.
	Schema string
}

// OpenSQLite opens (creating it if need be) the SQLite database file path,
// with the driver writing times as ISO 8601 text ("2006-01-02
// 15:04:05.999999999-07:00", modernc's _time_format=sqlite), the form
// cvm's SQLite summary query expects. The caller closes it.
func OpenSQLite(path string) (*DB, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_time_format=sqlite")
	if err != nil {
		return nil, err
	}
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, err
	}
	return &DB{Name: "sqlite", Dialect: cvm.SQLite, DB: db}, nil
}

// OpenPostgres connects to the PostgreSQL server dsn with search_path set
// to schema, which it creates when missing; an empty schema means the
// server's default. The caller closes it.
func OpenPostgres(ctx context.Context, dsn, schema string) (*DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("dbtest: %s: %w", DSNEnv, err)
	}
	if schema != "" {
		boot := stdlib.OpenDB(*cfg.Copy())
		_, err := boot.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+quote(schema))
		boot.Close()
		if err != nil {
			return nil, err
		}
		cfg.RuntimeParams["search_path"] = schema
	}
	db := stdlib.OpenDB(*cfg)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return &DB{Name: "postgresql", Dialect: cvm.PostgreSQL, DB: db, Schema: schema}, nil
}

// SQLite opens a new, empty SQLite database in t.TempDir(), closed when
// the test ends.
func SQLite(t testing.TB) *DB {
	t.Helper()
	db, err := OpenSQLite(filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatalf("dbtest: open SQLite: %v", err)
	}
	t.Cleanup(func() { db.DB.Close() })
	return db
}

var schemas atomic.Int64

// Postgres connects to the server of CVM_POSTGRES_DSN in a new schema of
// its own, dropped (with everything in it) and closed when the test ends.
// It skips the test when CVM_POSTGRES_DSN is unset and fails it when the
// server cannot be reached.
func Postgres(t testing.TB) *DB {
	t.Helper()
	dsn := os.Getenv(DSNEnv)
	if dsn == "" {
		t.Skipf("dbtest: %s is not set: no PostgreSQL server (.ci/run starts one)", DSNEnv)
	}
	schema := fmt.Sprintf("cvmtest_%d_%d", os.Getpid(), schemas.Add(1))
	ctx := context.Background()
	db, err := OpenPostgres(ctx, dsn, schema)
	if err != nil {
		t.Fatalf("dbtest: connect to PostgreSQL (%s): %v", DSNEnv, err)
	}
	t.Cleanup(func() {
		if _, err := db.DB.ExecContext(ctx, "DROP SCHEMA "+quote(schema)+" CASCADE"); err != nil {
			t.Errorf("dbtest: drop schema %s: %v", schema, err)
		}
		db.DB.Close()
	})
	return db
}

// All returns a new SQLite database and, when CVM_POSTGRES_DSN is set, a
// PostgreSQL schema, as SQLite and Postgres open them.
func All(t testing.TB) []*DB {
	t.Helper()
	dbs := []*DB{SQLite(t)}
	if os.Getenv(DSNEnv) != "" {
		dbs = append(dbs, Postgres(t))
	}
	return dbs
}

// Exec runs each statement in turn and returns the first error, naming the
// statement.
func (d *DB) Exec(ctx context.Context, stmts ...string) error {
	for _, s := range stmts {
		if _, err := d.DB.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("dbtest: %s: %s: %w", d.Name, s, err)
		}
	}
	return nil
}

// quote quotes a SQL identifier with double quotes, as both dialects do.
func quote(id string) string { return `"` + strings.ReplaceAll(id, `"`, `""`) + `"` }

// Columns of the transaction table LoadTransactions creates, in order.
var Columns = []string{"customer", "time", "amount", "order", "quantity", "product", "category", "channel"}

// LoadTransactions creates table (dropping any table of that name) with
// the columns of Columns and loads txs into it, in one transaction for
// SQLite and by COPY for PostgreSQL. Times are stored in UTC. Empty Order,
// Product, Category and Channel are stored as empty strings and a zero
// Quantity as 0.
func (d *DB) LoadTransactions(ctx context.Context, table string, txs []cvm.Transaction) error {
	return d.LoadStream(ctx, table, slices.Values(txs))
}

// LoadStream is LoadTransactions for a stream of transactions, such as
// cvm.Reader.Stream, holding only a batch of rows at a time.
func (d *DB) LoadStream(ctx context.Context, table string, txs iter.Seq[cvm.Transaction]) error {
	types := []string{"TEXT", "TIMESTAMP", "REAL", "TEXT", "REAL", "TEXT", "TEXT", "TEXT"}
	if d.Dialect == cvm.PostgreSQL {
		types = []string{"text", "timestamptz", "numeric", "text", "double precision", "text", "text", "text"}
	}
	var cols []string
	for i, c := range Columns {
		cols = append(cols, quote(c)+" "+types[i])
	}
	if err := d.Exec(ctx, "DROP TABLE IF EXISTS "+quote(table),
		"CREATE TABLE "+quote(table)+" ("+strings.Join(cols, ", ")+")"); err != nil {
		return err
	}
	if d.Dialect == cvm.PostgreSQL {
		return d.copyPostgres(ctx, table, txs)
	}
	return d.insertSQLite(ctx, table, txs)
}

func (d *DB) insertSQLite(ctx context.Context, table string, txs iter.Seq[cvm.Transaction]) error {
	const batch = 500 // rows per INSERT: 8 * 500 parameters, below SQLite's 32766
	tx, err := d.DB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	row := "(?, ?, ?, ?, ?, ?, ?, ?)"
	stmt := func(n int) string {
		return "INSERT INTO " + quote(table) + " VALUES " + strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
	}
	full, err := tx.PrepareContext(ctx, stmt(batch))
	if err != nil {
		return err
	}
	defer full.Close()
	args := make([]any, 0, batch*len(Columns))
	rows := 0
	flush := func() error {
		n := len(args) / len(Columns)
		if n == 0 {
			return nil
		}
		var err error
		if n == batch {
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, stmt(n), args...)
		}
		if err != nil {
			return fmt.Errorf("dbtest: sqlite: insert rows %d to %d: %w", rows-n+1, rows, err)
		}
		args = args[:0]
		return nil
	}
	for t := range txs {
		args = append(args, t.Customer, t.Time.UTC(), t.Amount, t.Order, t.Quantity, t.Product, t.Category, t.Channel)
		if rows++; len(args) == cap(args) {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	return tx.Commit()
}

func (d *DB) copyPostgres(ctx context.Context, table string, txs iter.Seq[cvm.Transaction]) error {
	conn, err := d.DB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		next, stop := iter.Pull(txs)
		defer stop()
		src := pgx.CopyFromFunc(func() ([]any, error) {
			t, ok := next()
			if !ok {
				return nil, nil
			}
			return []any{t.Customer, t.Time.UTC(), strconv.FormatFloat(t.Amount, 'g', -1, 64), t.Order, t.Quantity, t.Product, t.Category, t.Channel}, nil
		})
		_, err := pc.CopyFrom(ctx, pgx.Identifier{table}, Columns, src)
		if err != nil {
			return fmt.Errorf("dbtest: postgresql: copy into %s: %w", table, err)
		}
		return nil
	})
}

// DataDir returns the folder of the real data sets: CVM_DATA, else
// ../shared/data beside the core module's root (the module root is found
// from this file's path at build time, then from the working folder).
func DataDir() string {
	if d := os.Getenv("CVM_DATA"); d != "" {
		return d
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		// file is <core>/examples/sqldb/dbtest/dbtest.go.
		return filepath.Join(filepath.Dir(file), "..", "..", "..", "..", "shared", "data")
	}
	return filepath.Join("..", "..", "..", "shared", "data")
}

// DataFile returns the path of the data set name in DataDir, skipping the
// test when it is absent.
func DataFile(t testing.TB, name string) string {
	t.Helper()
	path := filepath.Join(DataDir(), name)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("dbtest: %s not found (set CVM_DATA to the data folder): %v", name, err)
	}
	return path
}

// CDNOWSettings reads CDNOW_master.txt: white-space separated, customer in
// column 1, the date (YYYYMMDD, UTC) in column 2, dollars in column 4, no
// order column.
var CDNOWSettings = cvm.ReadSettings{Customer: "1", Time: "2", Amount: "4", Order: cvm.NoColumn, Comma: cvm.Whitespace}

// OnlineRetailSettings reads online_retail.csv.gz: CustomerID,
// InvoiceDate, amount = Quantity x UnitPrice, order InvoiceNo, product
// StockCode; rows without a customer are skipped.
var OnlineRetailSettings = cvm.ReadSettings{Customer: "CustomerID", Time: "InvoiceDate", Quantity: "Quantity",
	Price: "UnitPrice", Order: "InvoiceNo", Product: "StockCode"}

// ReadFile reads the data set name of DataDir with settings (skipping the
// test when the file is absent) and returns its transactions.
func ReadFile(t testing.TB, name string, settings *cvm.ReadSettings) []cvm.Transaction {
	t.Helper()
	f, err := os.Open(DataFile(t, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := cvm.NewReader(f, settings)
	if err != nil {
		t.Fatalf("dbtest: %s: %v", name, err)
	}
	txs, err := rd.ReadAll(context.Background())
	if err != nil {
		t.Fatalf("dbtest: %s: %v", name, err)
	}
	return txs
}

// CDNOW returns the transactions of CDNOW_master.txt (69,659 rows), read
// with CDNOWSettings; it skips the test when the file is absent.
func CDNOW(t testing.TB) []cvm.Transaction {
	t.Helper()
	s := CDNOWSettings
	return ReadFile(t, "CDNOW_master.txt", &s)
}

// OnlineRetail returns the transactions of online_retail.csv.gz with a
// customer (406,829 rows), read with OnlineRetailSettings; it skips the
// test when the file is absent.
func OnlineRetail(t testing.TB) []cvm.Transaction {
	t.Helper()
	s := OnlineRetailSettings
	return ReadFile(t, "online_retail.csv.gz", &s)
}

// Synthetic returns the transactions of a seeded synthetic base of n
// customers (cvm's internal/synth with its defaults: purchases and
// returns, several line items per order, times to the second), in the
// order the generator gives them: grouped by customer, in time order.
func Synthetic(n int, seed uint64) []cvm.Transaction {
	return slices.Collect(synth.Transactions(synth.Config{Customers: n, Seed: seed}))
}
