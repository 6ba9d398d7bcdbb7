// Package dbtest opens real databases for the tests of the sqldb module and
// loads transaction tables into them.
//
// # Overview
//
// [SQLite] opens a fresh SQLite database (modernc.org/sqlite, pure Go) in
// the test's temporary folder. [Postgres] opens the PostgreSQL server named
// by the environment variable CVM_POSTGRES_DSN (a pgx connection string or
// URL; .ci/run starts a server and sets it), in a schema of its own that is
// dropped when the test ends, so that tests and packages running at once do
// not see each other's tables; without CVM_POSTGRES_DSN it skips the test.
// [All] returns SQLite and, when the variable is set, PostgreSQL, for
// tests that run the same checks on each:
//
//	for _, db := range dbtest.All(t) {
//		t.Run(db.Name, func(t *testing.T) {
//			err := db.LoadTransactions(ctx, "tx", txs)
//			...
//		})
//	}
//
// [DB.LoadTransactions] creates a table of transactions with the columns
// customer, time, amount, "order", quantity, product, category and channel
// (the ReadSettings defaults, plus the optional line-item columns) and
// loads it in bulk ([DB.LoadStream] from a stream, such as a CSV
// Reader's); [DB.Exec] runs statements, for tables of other shapes.
// The column types are those a user would choose:
//
//	               SQLite     PostgreSQL
//	customer       TEXT       text
//	time           TIMESTAMP  timestamptz
//	amount         REAL       numeric
//	order ...      TEXT       text
//	quantity       REAL       double precision
//
// SQLite keeps times as the driver writes them with the
// _time_format=sqlite that [OpenSQLite] sets: text such as
// "2006-01-02 15:04:05.999999999+00:00" in UTC (the loader converts to
// UTC); PostgreSQL amounts are the shortest decimal of each float64, so the
// numeric column holds the decimal the CSV reader parsed.
//
// [DataFile] finds the real data sets (CDNOW, Online Retail) through
// CVM_DATA or ../shared/data beside the core module and skips the test when
// they are absent; [CDNOW] and [OnlineRetail] read them with the settings
// the tests compare against.
//
// [OpenSQLite] and [OpenPostgres] are the same openers without a testing.TB,
// for benchmark programs.
package dbtest
