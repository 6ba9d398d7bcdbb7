package cvm

import (
	"fmt"
	"strings"
)

// Dialect is the SQL dialect of a generated query: the summary push-down
// of this package and the scoring SQL of the model packages. The
// dialects differ in how they cut a timestamp to a calendar day, cast
// and quote; where a construct is the same everywhere, the generated text
// is ANSI SQL.
type Dialect int

const (
	// ANSI is standard SQL, for engines without a dialect of their own
	// here. Day arithmetic uses CAST(... AS DATE).
	ANSI Dialect = iota
	// SQLite is SQLite 3.38 or later (modernc.org/sqlite, mattn/go-sqlite3).
	SQLite
	// PostgreSQL is PostgreSQL 12 or later.
	PostgreSQL
	// DuckDB is DuckDB 1.0 or later.
	DuckDB
)

var dialectNames = [...]string{ANSI: "ansi", SQLite: "sqlite", PostgreSQL: "postgresql", DuckDB: "duckdb"}

// String returns "ansi", "sqlite", "postgresql" or "duckdb".
func (d Dialect) String() string {
	if d >= 0 && int(d) < len(dialectNames) {
		return dialectNames[d]
	}
	return fmt.Sprintf("Dialect(%d)", int(d))
}

// MarshalText returns the name of d; a dialect outside the constants is an
// error.
func (d Dialect) MarshalText() ([]byte, error) {
	if d < 0 || int(d) >= len(dialectNames) {
		return nil, fmt.Errorf("cvm: unknown dialect %d", int(d))
	}
	return []byte(dialectNames[d]), nil
}

// UnmarshalText sets d from its name, in any case; "postgres" is accepted
// for PostgreSQL. An unknown name is an error naming it.
func (d *Dialect) UnmarshalText(b []byte) error {
	s := strings.ToLower(string(b))
	if s == "postgres" {
		s = "postgresql"
	}
	for i, n := range dialectNames {
		if s == n {
			*d = Dialect(i)
			return nil
		}
	}
	return fmt.Errorf("cvm: unknown dialect %q (want ansi, sqlite, postgresql or duckdb)", b)
}
