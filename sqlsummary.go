package cvm

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cvmkit/cvm/internal/num"
)

// SQLSummarySettings configures the summary push-down: SummaryQuery,
// ReadSummaryRows and SummarizeSQL. A nil *SQLSummarySettings means the
// zero value: columns customer, time, amount and (for ByOrder) order,
// occasions by UTC day, no cut-off, amounts summed to 4 decimal places on
// SQLite and DuckDB.
type SQLSummarySettings struct {
	// SummarySettings are the settings of Summarize: AsOf, Occasions
	// and Location mean what they mean there.
	SummarySettings

	// Customer, Time and Amount are column names; empty means
	// "customer", "time" and "amount". Quantity and Price, when set
	// (both must be), make the amount quantity x price and Amount is
	// ignored. Order is the order column for ByOrder; empty means
	// "order". Names are quoted as identifiers, so they match the
	// column's name exactly (in PostgreSQL, a column created without
	// quotes has a lower-case name).
	Customer, Time, Amount, Quantity, Price, Order string

	// Scale is the number of decimal places amounts are summed to on
	// SQLite (as integers of 10^-Scale: amounts with more places are
	// rounded to Scale places, half away from zero) and DuckDB
	// (DECIMAL(38, Scale)); PostgreSQL sums numeric exactly whatever the
	// places. 0 means 4; at most 18.
	Scale int
}

// DefaultSQLScale is SQLSummarySettings.Scale's default.
const DefaultSQLScale = 4

// sqlSummary is an SQLSummarySettings with its defaults filled in.
type sqlSummary struct {
	SQLSummarySettings
	scale int
}

func newSQLSummary(settings *SQLSummarySettings) (sqlSummary, error) {
	var s sqlSummary
	if settings != nil {
		s.SQLSummarySettings = *settings
	}
	s.Customer = cmp.Or(s.Customer, "customer")
	s.Time = cmp.Or(s.Time, "time")
	s.Amount = cmp.Or(s.Amount, "amount")
	s.Order = cmp.Or(s.Order, "order")
	if s.Location == nil {
		s.Location = time.UTC
	}
	s.scale = s.Scale
	switch {
	case s.scale == 0:
		s.scale = DefaultSQLScale
	case s.scale < 0 || s.scale > 18:
		return s, fmt.Errorf("cvm: SQLSummarySettings.Scale %d is outside [0, 18]", s.Scale)
	}
	if (s.Quantity == "") != (s.Price == "") {
		return s, fmt.Errorf("cvm: Quantity and Price must be given together")
	}
	if s.Occasions != ByDay && s.Occasions != ByOrder {
		return s, fmt.Errorf("cvm: unknown %v", s.Occasions)
	}
	return s, nil
}

// QuoteIdent quotes name as an SQL identifier of dialect d: in double
// quotes, with a double quote inside doubled, for all four dialects
// (ANSI's delimited identifier). A NUL in name is an error.
func QuoteIdent(d Dialect, name string) (string, error) {
	if strings.IndexByte(name, 0) >= 0 {
		return "", fmt.Errorf("cvm: %v identifier %q holds a NUL", d, name)
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`, nil
}

// quoteString quotes s as an SQL string literal.
func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// sqlFrom returns the FROM item of table: a subquery, starting with "(",
// as it is; otherwise a name whose dot-separated parts (schema, table)
// are quoted one by one.
func sqlFrom(d Dialect, table string) (string, error) {
	t := strings.TrimSpace(table)
	if t == "" {
		return "", fmt.Errorf("cvm: no table for the summary query")
	}
	if t[0] == '(' {
		return t + " AS cvm_src", nil
	}
	parts := strings.Split(t, ".")
	for i, p := range parts {
		q, err := QuoteIdent(d, p)
		if err != nil {
			return "", err
		}
		parts[i] = q
	}
	return strings.Join(parts, "."), nil
}

// fixedOffset returns loc's offset from UTC in seconds when it is the
// same at a spread of times from 1900 to 2100 (a zone without daylight
// saving or changes of offset), and false otherwise.
func fixedOffset(loc *time.Location) (int, bool) {
	_, off := time.Date(1900, 1, 1, 0, 0, 0, 0, loc).Zone()
	for y := 1900; y <= 2100; y += 5 {
		for _, m := range []time.Month{time.January, time.April, time.July, time.October} {
			if _, o := time.Date(y, m, 1, 0, 0, 0, 0, loc).Zone(); o != off {
				return 0, false
			}
		}
	}
	return off, true
}

// dayExpr is the SQL expression of the calendar day of time expression t
// in loc, for dialect d: a DATE (text in SQLite), equal for two times of
// one day.
func dayExpr(d Dialect, t string, loc *time.Location) (string, error) {
	off, fixed := fixedOffset(loc)
	named := loc != time.UTC && !fixed
	switch d {
	case SQLite:
		if named {
			return "", fmt.Errorf("cvm: SQLite has no time zone database: Location %q must be UTC or a fixed offset", loc)
		}
		if off == 0 {
			return "date(" + t + ")", nil
		}
		return fmt.Sprintf("date(%s, '%+d seconds')", t, off), nil
	case PostgreSQL, DuckDB:
		zone := "UTC"
		if named {
			zone = loc.String()
		}
		var e string
		if d == PostgreSQL {
			e = "(" + t + " AT TIME ZONE " + quoteString(zone) + ")"
		} else {
			e = "timezone(" + quoteString(zone) + ", " + t + ")"
		}
		if off != 0 && !named {
			e = fmt.Sprintf("(%s + INTERVAL '%d seconds')", e, off)
		}
		return "CAST(" + e + " AS DATE)", nil
	default:
		if named || off != 0 {
			return "", fmt.Errorf("cvm: ANSI summary query: Location %q must be UTC", loc)
		}
		return "CAST(" + t + " AS DATE)", nil
	}
}

// timeLiteral is t as an SQL timestamp literal of dialect d.
func timeLiteral(d Dialect, t time.Time) string {
	t = t.UTC()
	switch d {
	case SQLite:
		// As the drivers write times: compared as text with the column.
		return quoteString(t.Format("2006-01-02 15:04:05.999999999-07:00"))
	case PostgreSQL, DuckDB:
		return "CAST(" + quoteString(t.Format("2006-01-02 15:04:05.999999999Z07:00")) + " AS TIMESTAMPTZ)"
	}
	return "TIMESTAMP " + quoteString(t.Format("2006-01-02 15:04:05.999999999"))
}

// SummaryQuery returns the query that makes a database of dialect d
// summarise the transactions of table into one row per customer, the
// rows ReadSummaryRows reads into the Summaries that Summarize would give
// for the same transactions and SummarySettings. table is a table name
// (its dot-separated parts, such as schema.table, are quoted as
// identifiers) or a subquery in parentheses, used as it is: it is SQL
// text, never user input. A nil settings means the zero
// SQLSummarySettings.
//
// The query groups by customer; rows with a NULL or empty customer are
// left out (as the CSV reader skips them), as are rows after AsOf. Per
// customer it returns the first and last purchase time (amount >= 0; NULL
// for a customer with only returns), the purchase occasions (distinct
// days in Location, or distinct non-empty orders plus each purchase with
// an empty or NULL order), the rows, the net total and the returns, and
// the number of rows with a NULL time or amount, which ReadSummaryRows
// reports as an error.
//
// Money is summed exactly: PostgreSQL sums numeric (a double precision
// column is cast to numeric, keeping its 15 significant digits), DuckDB
// DECIMAL(38, Scale), SQLite integers of 10^-Scale; ReadSummaryRows
// converts the exact sums to the nearest float64.
//
// What each dialect expects of the time column: PostgreSQL and DuckDB a
// timestamp with time zone (timestamptz), days taken in Location by AT
// TIME ZONE (an IANA name, or a fixed offset); SQLite ISO 8601 text in
// UTC, as database/sql drivers write a time.Time in UTC ("2006-01-02
// 15:04:05.999999999+00:00"; first, last and AsOf compare as text, so all
// rows must share that form), with Location UTC or a fixed offset (SQLite
// knows no time zones); ANSI a TIMESTAMP in UTC, days by CAST(... AS
// DATE), Location UTC.
func SummaryQuery(d Dialect, table string, settings *SQLSummarySettings) (string, error) {
	s, err := newSQLSummary(settings)
	if err != nil {
		return "", err
	}
	if d < ANSI || d > DuckDB {
		return "", fmt.Errorf("cvm: unknown dialect %v", d)
	}
	from, err := sqlFrom(d, table)
	if err != nil {
		return "", err
	}
	q := func(name string) string {
		if err == nil {
			var v string
			v, err = QuoteIdent(d, name)
			return v
		}
		return ""
	}
	// Customer and order IDs compare as text, so that an integer ID
	// column works too.
	str := func(col string) string {
		switch d {
		case PostgreSQL:
			return "CAST(" + col + " AS TEXT)"
		case DuckDB:
			return "CAST(" + col + " AS VARCHAR)"
		}
		return col
	}
	cust, tim := str(q(s.Customer)), q(s.Time)
	num := func(col string) string {
		switch d {
		case PostgreSQL:
			return "CAST(" + col + " AS NUMERIC)"
		case SQLite:
			return col
		}
		return fmt.Sprintf("CAST(%s AS DECIMAL(38, %d))", col, s.scale)
	}
	amt := num(q(s.Amount))
	if s.Quantity != "" {
		amt = num(q(s.Quantity)) + " * " + num(q(s.Price))
	}
	order := "NULL"
	if s.Occasions == ByOrder {
		order = str(q(s.Order))
	}
	if err != nil {
		return "", err
	}
	day, err := dayExpr(d, "t", s.Location)
	if err != nil {
		return "", err
	}
	text := "VARCHAR(80)"
	if d == SQLite || d == PostgreSQL {
		text = "TEXT"
	}
	sum := func(e string) string {
		if d == SQLite {
			return fmt.Sprintf("SUM(CAST(ROUND((%s) * 1e%d) AS INTEGER))", e, s.scale)
		}
		return "CAST(SUM(" + e + ") AS " + text + ")"
	}
	occ := "COUNT(DISTINCT CASE WHEN a >= 0 THEN " + day + " END)"
	if s.Occasions == ByOrder {
		occ = "COUNT(DISTINCT CASE WHEN a >= 0 AND o <> '' THEN o END)" +
			" + SUM(CASE WHEN a >= 0 AND (o IS NULL OR o = '') THEN 1 ELSE 0 END)"
	}
	var b strings.Builder
	b.WriteString("SELECT c,\n")
	b.WriteString("  MIN(CASE WHEN a >= 0 THEN t END),\n")
	b.WriteString("  MAX(CASE WHEN a >= 0 THEN t END),\n")
	b.WriteString("  " + occ + ",\n")
	b.WriteString("  COUNT(*),\n")
	b.WriteString("  " + sum("a") + ",\n")
	b.WriteString("  " + sum("CASE WHEN a < 0 THEN a ELSE 0 END") + ",\n")
	b.WriteString("  SUM(CASE WHEN t IS NULL THEN 1 ELSE 0 END),\n")
	b.WriteString("  SUM(CASE WHEN a IS NULL THEN 1 ELSE 0 END)\n")
	fmt.Fprintf(&b, "FROM (SELECT %s AS c, %s AS t, %s AS a, %s AS o FROM %s) AS cvm_tx\n", cust, tim, amt, order, from)
	b.WriteString("WHERE c IS NOT NULL AND c <> ''")
	if !s.AsOf.IsZero() {
		b.WriteString(" AND (t IS NULL OR t <= " + timeLiteral(d, s.AsOf) + ")")
	}
	b.WriteString("\nGROUP BY c")
	return b.String(), nil
}

// ReadSummaryRows reads the rows of SummaryQuery's query for dialect d
// and the same settings into one Summary per customer, sorted by customer
// ID (bytewise), as Summarize returns them: First and Last in Location,
// zero for a customer with only returns; Total and Returns the float64
// nearest the database's exact sums (an exact integer of minor units from
// SQLite converts exactly). A customer with a row whose time or amount
// is NULL is a *TransactionError naming the customer and the field and
// wrapping ErrNull; a value that cannot be read is a *ParseError naming
// the row and the column. No rows give ErrEmptyInput. It does not close
// rows.
func ReadSummaryRows(d Dialect, rows *sql.Rows, settings *SQLSummarySettings) ([]Summary, error) {
	s, err := newSQLSummary(settings)
	if err != nil {
		return nil, err
	}
	cfg := parseConfig{loc: s.Location, utc: s.Location == time.UTC}
	names := []string{"customer", "first", "last", "occasions", "transactions", "total", "returns", "null times", "null amounts"}
	cells := make([]cell, len(names))
	dest := make([]any, len(cells))
	for i := range cells {
		dest[i] = &cells[i]
	}
	var out []Summary
	var ids lastString
	for line := 1; rows.Next(); line++ {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("cvm: summary row %d: %w", line, err)
		}
		bad := func(i int, err error) error {
			return &ParseError{Line: line, Column: names[i], Value: string(cells[i].text()), Err: err}
		}
		id, ok := cells[0].id()
		if !ok || len(id) == 0 {
			return nil, bad(0, ErrColumnType)
		}
		var sum Summary
		// A new string per customer: ids.get only spares the copy when
		// a driver repeats one.
		sum.Customer = ids.get(id)
		ints := [9]int64{}
		for _, i := range []int{3, 4, 7, 8} {
			v := &cells[i]
			switch {
			case v.kind == cellInt:
				ints[i] = v.i
			case v.kind == cellNull && i >= 7:
			case v.kind == cellBytes || v.kind == cellString || v.kind == cellFloat:
				n, err := strconv.ParseInt(string(trimSpace(v.text())), 10, 64)
				if err != nil {
					return nil, bad(i, ErrBadAmount)
				}
				ints[i] = n
			default:
				return nil, bad(i, ErrColumnType)
			}
			if ints[i] < 0 || ints[i] > math.MaxInt32 && i != 4 {
				return nil, bad(i, ErrBadAmount)
			}
		}
		if ints[7] > 0 {
			return nil, &TransactionError{Customer: sum.Customer, Field: "time", Err: fmt.Errorf("%w: %d rows", ErrNull, ints[7])}
		}
		if ints[8] > 0 {
			return nil, &TransactionError{Customer: sum.Customer, Field: "amount", Err: fmt.Errorf("%w: %d rows", ErrNull, ints[8])}
		}
		sum.Occasions, sum.Transactions = int(ints[3]), int(ints[4])
		if cells[1].kind != cellNull {
			for _, i := range []int{1, 2} {
				sec, ns, ok := cfg.cellTime(&cells[i])
				if !ok {
					return nil, bad(i, ErrBadTime)
				}
				t := cfg.timeOf(sec, ns)
				if i == 1 {
					sum.First = t
				} else {
					sum.Last = t
				}
			}
		}
		for _, i := range []int{5, 6} {
			v, err := sqlMoney(d, &cells[i], s.scale)
			if err != nil {
				return nil, bad(i, err)
			}
			if i == 5 {
				sum.Total = v + 0 // no -0
			} else {
				sum.Returns = -v + 0
			}
		}
		out = append(out, sum)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cvm: summary rows, after row %d: %w", len(out), err)
	}
	if len(out) == 0 {
		return nil, ErrEmptyInput
	}
	slices.SortFunc(out, func(a, b Summary) int { return strings.Compare(a.Customer, b.Customer) })
	return out, nil
}

// sqlMoney converts a sum of SummaryQuery to the nearest float64: on
// SQLite an integer of 10^-scale units, elsewhere a decimal (text, or a
// number a driver converted).
func sqlMoney(d Dialect, v *cell, scale int) (float64, error) {
	var f float64
	switch {
	case v.kind == cellNull:
		return 0, nil // SUM of no rows; not reached after COUNT(*) > 0
	case d == SQLite && v.kind == cellInt:
		m := v.i
		if m > -(1<<53) && m < 1<<53 {
			// Both exact in float64: the quotient is correctly rounded.
			f = float64(m) / pow10[scale]
			break
		}
		s := strconv.FormatInt(m, 10)
		neg := s[0] == '-'
		s = strings.TrimPrefix(s, "-")
		if len(s) <= scale {
			s = strings.Repeat("0", scale-len(s)+1) + s
		}
		s = s[:len(s)-scale] + "." + s[len(s)-scale:]
		var err error
		if f, err = strconv.ParseFloat(s, 64); err != nil {
			return 0, ErrBadAmount
		}
		if neg {
			f = -f
		}
	case v.kind == cellBytes || v.kind == cellString:
		var err error
		if f, err = strconv.ParseFloat(string(trimSpace(v.text())), 64); err != nil {
			return 0, ErrBadAmount
		}
	case v.kind == cellFloat:
		f = v.f
	case v.kind == cellInt:
		f = float64(v.i)
	default:
		return 0, ErrColumnType
	}
	if !num.Finite(f) {
		return 0, ErrNonFinite
	}
	return f, nil
}

// SummarizeSQL runs SummaryQuery's query for dialect d, table and settings
// on db (a *sql.DB, *sql.Conn or *sql.Tx) and reads its rows with
// ReadSummaryRows: the database summarises, and only one row per
// customer crosses the connection. A nil settings means the zero
// SQLSummarySettings; ctx bounds the query.
func SummarizeSQL(ctx context.Context, db interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}, d Dialect, table string, settings *SQLSummarySettings) ([]Summary, error) {
	query, err := SummaryQuery(d, table, settings)
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("cvm: summary query: %w", err)
	}
	defer rows.Close()
	out, err := ReadSummaryRows(d, rows, settings)
	if err != nil {
		return nil, err
	}
	return out, rows.Close()
}
