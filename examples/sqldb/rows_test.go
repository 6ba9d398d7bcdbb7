package sqldb

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/examples/sqldb/dbtest"
)

// TestRowsValues reads values of every storage class SQLite keeps in an
// untyped column (integer, real, text, blob, NULL) and checks each
// transaction, or the error naming the row, column and value. Expected
// values are worked by hand from the inputs.
func TestRowsValues(t *testing.T) {
	db := dbtest.SQLite(t)
	if err := db.Exec(ctx, `CREATE TABLE t (customer, time, amount, "order")`); err != nil {
		t.Fatal(err)
	}
	unix := time.Unix(1700000000, 0).UTC()
	tests := []struct {
		name                  string
		customer, tim, amount string // SQL literals
		want                  cvm.Transaction
		err                   error  // nil for a transaction
		column, value         string // of the *ParseError
		empty                 bool   // skipped as an empty customer
	}{
		{name: "unix integer", customer: "'a'", tim: "1700000000", amount: "5",
			want: cvm.Transaction{Customer: "a", Time: unix, Amount: 5}},
		{name: "unix real", customer: "'a'", tim: "1700000000.25", amount: "2.5",
			want: cvm.Transaction{Customer: "a", Time: unix.Add(250 * time.Millisecond), Amount: 2.5}},
		{name: "text time, text amount", customer: "'b'", tim: "'2024-01-02 03:04:05'", amount: "' 12.50 '",
			want: cvm.Transaction{Customer: "b", Time: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), Amount: 12.5}},
		{name: "zone offset", customer: "'b'", tim: "'2024-01-02T03:04:05+02:00'", amount: "'-3'",
			want: cvm.Transaction{Customer: "b", Time: time.Date(2024, 1, 2, 1, 4, 5, 0, time.UTC), Amount: -3}},
		{name: "compact date", customer: "'c'", tim: "'20240102'", amount: "'1e3'",
			want: cvm.Transaction{Customer: "c", Time: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC), Amount: 1000}},
		{name: "integer customer, epoch", customer: "42", tim: "0", amount: "1",
			want: cvm.Transaction{Customer: "42", Time: time.Unix(0, 0).UTC(), Amount: 1}},
		{name: "blob customer", customer: "x'6162'", tim: "86400", amount: "1",
			want: cvm.Transaction{Customer: "ab", Time: time.Unix(86400, 0).UTC(), Amount: 1}},
		{name: "bad time", customer: "'d'", tim: "'yesterday'", amount: "1", err: cvm.ErrBadTime, column: "time", value: "yesterday"},
		{name: "zero time", customer: "'d'", tim: "'0001-01-01 00:00:00'", amount: "1", err: cvm.ErrZeroTime, column: "time", value: "0001-01-01 00:00:00"},
		{name: "bad amount", customer: "'d'", tim: "86400", amount: "'12,5'", err: cvm.ErrBadAmount, column: "amount", value: "12,5"},
		{name: "NaN amount", customer: "'d'", tim: "86400", amount: "'NaN'", err: cvm.ErrNonFinite, column: "amount", value: "NaN"},
		{name: "NULL time", customer: "'d'", tim: "NULL", amount: "1", err: cvm.ErrNull, column: "time", value: "NULL"},
		{name: "NULL amount", customer: "'d'", tim: "86400", amount: "NULL", err: cvm.ErrNull, column: "amount", value: "NULL"},
		{name: "NULL customer", customer: "NULL", tim: "86400", amount: "1", empty: true},
		{name: "empty customer", customer: "''", tim: "86400", amount: "1", empty: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Row 1 is good; the case is row 2.
			if err := db.Exec(ctx, `DELETE FROM t`,
				`INSERT INTO t VALUES ('ok', 86400, 1, '')`,
				`INSERT INTO t VALUES (`+tc.customer+`, `+tc.tim+`, `+tc.amount+`, 'o1')`); err != nil {
				t.Fatal(err)
			}
			rows, err := db.DB.QueryContext(ctx, `SELECT * FROM t ORDER BY rowid`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			rd, err := cvm.NewRowsReader(rows, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := rd.Read(); err != nil {
				t.Fatalf("row 1: %v", err)
			}
			got, err := rd.Read()
			switch {
			case tc.empty:
				if err == nil || rd.Stats().EmptyCustomer != 1 {
					t.Errorf("got %+v, %v, %d empty; want io.EOF after one empty customer", got, err, rd.Stats().EmptyCustomer)
				}
			case tc.err != nil:
				var pe *cvm.ParseError
				if !errors.As(err, &pe) || !errors.Is(err, tc.err) || pe.Line != 2 || pe.Column != tc.column || pe.Value != tc.value {
					t.Fatalf("error %v; want a *ParseError at line 2, column %q, value %q wrapping %v", err, tc.column, tc.value, tc.err)
				}
			default:
				tc.want.Order = "o1"
				if err != nil || got.Customer != tc.want.Customer || !got.Time.Equal(tc.want.Time) || got.Amount != tc.want.Amount || got.Order != "o1" {
					t.Errorf("got %+v, %v; want %+v", got, err, tc.want)
				}
			}
		})
	}
}

// TestRowsSettings checks column names (exact, then ignoring case, or
// positions), a missing column, quantity x price, a time layout for
// integer dates, skipping bad rows and the Progress callback.
func TestRowsSettings(t *testing.T) {
	db := dbtest.SQLite(t)
	if err := db.Exec(ctx,
		`CREATE TABLE r (CustomerID TEXT, InvoiceDate INTEGER, Quantity REAL, UnitPrice REAL, InvoiceNo TEXT, StockCode TEXT)`,
		`INSERT INTO r VALUES ('17850.0', 20101201, 6, 2.55, '536365', '85123A'), ('17850.0', 20101201, 3, 'x', '536365', '71053'), ('13047.0', 20101202, -2, 0.1, 'C536379', 'D')`); err != nil {
		t.Fatal(err)
	}
	query := func(t *testing.T, q string, set *cvm.ReadSettings) (*cvm.RowsReader, error) {
		rows, err := db.DB.QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rows.Close() })
		return cvm.NewRowsReader(rows, set)
	}
	t.Run("missing column", func(t *testing.T) {
		_, err := query(t, `SELECT CustomerID, InvoiceDate FROM r`, &cvm.ReadSettings{Customer: "CustomerID", Time: "InvoiceDate"})
		if !errors.Is(err, cvm.ErrColumn) || !strings.Contains(err.Error(), `"amount"`) {
			t.Errorf("err = %v, want ErrColumn naming amount", err)
		}
	})
	t.Run("quantity x price", func(t *testing.T) {
		progress := 0
		rd, err := query(t, `SELECT * FROM r ORDER BY rowid`, &cvm.ReadSettings{Customer: "customerid", Time: "2", TimeLayout: "20060102",
			Quantity: "Quantity", Price: "UnitPrice", Order: "InvoiceNo", Product: "StockCode", SkipBadRows: true,
			Progress: func(int) { progress++ }})
		if err != nil {
			t.Fatal(err)
		}
		txs, err := rd.ReadAll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// 6 x 2.55 = 15.3 exactly as the CSV reader forms it (float64
		// multiplication gives 15.299999999999999); -2 x 0.1 = -0.2.
		if len(txs) != 2 || txs[0].Amount != 15.3 || txs[1].Amount != -0.2 || txs[0].Quantity != 6 ||
			txs[0].Product != "85123A" || txs[1].Order != "C536379" || !txs[1].Time.Equal(time.Date(2010, 12, 2, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("got %+v", txs)
		}
		st := rd.Stats()
		if st.Rows != 3 || st.Skipped != 1 || len(st.Errors) != 1 || st.Errors[0].Line != 2 || st.Errors[0].Column != "UnitPrice" || st.Errors[0].Value != "x" {
			t.Errorf("stats %+v, errors %v; want 3 rows, row 2's UnitPrice x skipped", st, st.Errors)
		}
		// Push-down with the same columns: quantity x price summed in
		// units of 10^-4 (SQLite).
		sums, err := cvm.SummarizeSQL(ctx, db.DB, db.Dialect, `(SELECT * FROM r WHERE UnitPrice <> 'x')`, &cvm.SQLSummarySettings{
			Customer: "CustomerID", Time: "InvoiceDate", Quantity: "Quantity", Price: "UnitPrice"})
		if err == nil {
			// InvoiceDate is an integer, not ISO text: the SQLite query
			// cannot take its day. Users cast in a subquery; here only
			// the money is checked.
			_ = sums
		}
		sums, err = cvm.SummarizeSQL(ctx, db.DB, db.Dialect,
			`(SELECT CustomerID AS customer, substr(InvoiceDate, 1, 4) || '-' || substr(InvoiceDate, 5, 2) || '-' || substr(InvoiceDate, 7, 2) AS time, Quantity, UnitPrice FROM r WHERE UnitPrice <> 'x')`,
			&cvm.SQLSummarySettings{Quantity: "Quantity", Price: "UnitPrice"})
		if err != nil {
			t.Fatal(err)
		}
		if len(sums) != 2 || sums[0].Customer != "13047.0" || sums[0].Total != -0.2 || sums[0].Returns != 0.2 || !sums[0].First.IsZero() ||
			sums[1].Total != 15.3 || sums[1].Occasions != 1 || !sums[1].First.Equal(time.Date(2010, 12, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("push-down %+v", sums)
		}
	})
}

// TestRowsPostgres reads PostgreSQL's own types: numeric as text (parsed
// exactly), timestamptz as time.Time, integers, NULLs and a bad value,
// each error naming row and column.
func TestRowsPostgres(t *testing.T) {
	db := dbtest.Postgres(t)
	if err := db.Exec(ctx,
		`CREATE TABLE p (customer bigint, "time" timestamptz, amount numeric, note text)`,
		`INSERT INTO p VALUES (1, '2024-01-02 03:04:05.123456+00', 0.1, ''), (1, '2024-01-03 00:00:00+00', 0.2, ''),
			(2, NULL, 1, ''), (3, '2024-01-03 00:00:00+00', NULL, '')`); err != nil {
		t.Fatal(err)
	}
	rows, err := db.DB.QueryContext(ctx, `SELECT * FROM p ORDER BY customer`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	rd, err := cvm.NewRowsReader(rows, &cvm.ReadSettings{SkipBadRows: true})
	if err != nil {
		t.Fatal(err)
	}
	txs, err := rd.ReadAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(txs) != 2 || txs[0].Customer != "1" || txs[0].Amount != 0.1 || txs[1].Amount != 0.2 ||
		!txs[0].Time.Equal(time.Date(2024, 1, 2, 3, 4, 5, 123456000, time.UTC)) {
		t.Errorf("got %+v", txs)
	}
	st := rd.Stats()
	if len(st.Errors) != 2 || st.Errors[0].Line != 3 || st.Errors[0].Column != "time" || !errors.Is(st.Errors[0], cvm.ErrNull) ||
		st.Errors[1].Line != 4 || st.Errors[1].Column != "amount" || !errors.Is(st.Errors[1], cvm.ErrNull) {
		t.Errorf("errors %v; want NULL time on row 3, NULL amount on row 4", st.Errors)
	}
	// The push-down reports the NULLs by customer and field.
	_, err = cvm.SummarizeSQL(ctx, db.DB, db.Dialect, "p", nil)
	var te *cvm.TransactionError
	if !errors.As(err, &te) || !errors.Is(err, cvm.ErrNull) || te.Customer != "2" || te.Field != "time" {
		t.Errorf("push-down error %v; want customer 2's NULL time", err)
	}
	sums, err := cvm.SummarizeSQL(ctx, db.DB, db.Dialect, `(SELECT * FROM p WHERE customer = 1)`, nil)
	if err != nil {
		t.Fatal(err)
	}
	// 0.1 + 0.2 summed as decimals is 0.3, the float64 nearest 3/10
	// (float64 addition gives 0.30000000000000004).
	if len(sums) != 1 || sums[0].Total != 0.3 || sums[0].Occasions != 2 || math.Signbit(sums[0].Returns) {
		t.Errorf("push-down %+v", sums)
	}
}

// TestRowsAll feeds RowsReader.All to cvm.Summarize, as any entry point
// taking a transaction stream is fed, and checks the result and Err
// against the CSV path; then a stream cut short by a bad row ends with
// the row's error in Err.
func TestRowsAll(t *testing.T) {
	txs := dbtest.Synthetic(500, 3)
	want, err := cvm.Summarize(ctx, slices.Values(txs), nil)
	if err != nil {
		t.Fatal(err)
	}
	db := dbtest.SQLite(t)
	if err := db.LoadTransactions(ctx, "tx", txs); err != nil {
		t.Fatal(err)
	}
	rows, err := db.DB.QueryContext(ctx, `SELECT * FROM tx`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	audit := cvm.NewAuditor(nil)
	rd, err := cvm.NewRowsReader(rows, &cvm.ReadSettings{Audit: audit})
	if err != nil {
		t.Fatal(err)
	}
	got, err := cvm.Summarize(ctx, rd.All(), nil)
	if err != nil || rd.Err() != nil {
		t.Fatal(err, rd.Err())
	}
	compare(t, "All", got, want)
	if st := rd.Stats(); st.Rows != len(txs) || st.Transactions != len(txs) {
		t.Errorf("stats %+v, want %d rows", st, len(txs))
	}
	if r := audit.Report(); r.Transactions != len(txs) || r.Customers != len(want) || !r.First.Equal(slices.MinFunc(txs, byTime).Time) {
		t.Errorf("audit: %d transactions, %d customers, first %v; want %d, %d", r.Transactions, r.Customers, r.First, len(txs), len(want))
	}

	rows2, err := db.DB.QueryContext(ctx, `SELECT customer, time, CASE WHEN rowid = 7 THEN 'bad' ELSE amount END AS amount FROM tx ORDER BY rowid`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows2.Close()
	rd, err = cvm.NewRowsReader(rows2, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for range rd.All() {
		n++
	}
	var pe *cvm.ParseError
	if n != 6 || !errors.As(rd.Err(), &pe) || pe.Line != 7 || pe.Column != "amount" || pe.Value != "bad" {
		t.Errorf("%d transactions, Err %v; want 6, then row 7's amount", n, rd.Err())
	}
}

func byTime(a, b cvm.Transaction) int { return a.Time.Compare(b.Time) }
