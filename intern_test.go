package cvm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cvmkit/cvm/internal/check"
)

// Past maxIDs distinct customers or order IDs, every way in returns an
// error wrapping ErrTooManyIDs naming the customer (and the line, when
// reading), instead of panicking; up to maxIDs all is well. The limit,
// 2^31-2, is made 3 here.
func TestTooManyIDs(t *testing.T) {
	defer func(m int) { maxIDs = m }(maxIDs)
	maxIDs = 3
	day := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	txs := func(customers, orders int) []Transaction {
		var out []Transaction
		for i := range customers {
			for j := range orders {
				out = append(out, Transaction{Customer: fmt.Sprint("C", i), Time: day.AddDate(0, 0, j), Amount: 1, Order: fmt.Sprint("O", i, "-", j)})
			}
		}
		return out
	}
	csvOf := func(txs []Transaction) string {
		var b strings.Builder
		b.WriteString("customer,time,amount,order\n")
		for _, t := range txs {
			fmt.Fprintf(&b, "%s,%s,%g,%s\n", t.Customer, t.Time.Format(time.DateOnly), t.Amount, t.Order)
		}
		return b.String()
	}
	wantErr := func(t *testing.T, what string, err error, customer, field string, line int) {
		t.Helper()
		var te *TransactionError
		if !errors.Is(err, ErrTooManyIDs) || !errors.As(err, &te) || te.Customer != customer || te.Field != field {
			t.Errorf("%s: %v, want ErrTooManyIDs naming customer %q, field %s", what, err, customer, field)
			return
		}
		var pe *ParseError
		if line > 0 && (!errors.As(err, &pe) || pe.Line != line) {
			t.Errorf("%s: %v, want line %d", what, err, line)
		}
	}
	ctx := context.Background()

	// Three customers fit.
	if got, err := Summarize(ctx, slices.Values(txs(3, 1)), nil); err != nil || len(got) != 3 {
		t.Fatalf("3 customers: %d summaries, %v", len(got), err)
	}
	_, err := Summarize(ctx, slices.Values(txs(4, 1)), nil)
	wantErr(t, "Summarize, 4 customers", err, "C3", "customer", 0)
	_, err = Summarize(ctx, slices.Values(txs(1, 4)), &SummarySettings{Occasions: ByOrder})
	wantErr(t, "Summarize, 4 orders", err, "C0", "order", 0)

	// The Summarizer is unchanged by the refused transaction.
	s := NewSummarizer(nil)
	for _, tx := range txs(4, 1) {
		err = s.Add(tx)
	}
	wantErr(t, "Add", err, "C3", "customer", 0)
	if s.Len() != 3 || len(s.Summaries()) != 3 {
		t.Errorf("after the refused customer: Len %d, want 3", s.Len())
	}

	// Merge checks before it changes anything.
	a, b := NewSummarizer(nil), NewSummarizer(nil)
	for _, tx := range txs(2, 1) {
		check.NoErr(t, a.Add(tx))
		tx.Customer += "x"
		check.NoErr(t, b.Add(tx))
	}
	err = a.Merge(b)
	if !errors.Is(err, ErrTooManyIDs) || a.Len() != 2 {
		t.Errorf("Merge past the limit: %v, Len %d; want ErrTooManyIDs, Len 2", err, a.Len())
	}
	ao, bo := NewSummarizer(&SummarySettings{Occasions: ByOrder}), NewSummarizer(&SummarySettings{Occasions: ByOrder})
	for _, tx := range txs(1, 2) {
		check.NoErr(t, ao.Add(tx))
		tx.Order += "x"
		check.NoErr(t, bo.Add(tx))
	}
	if err := ao.Merge(bo); !errors.Is(err, ErrTooManyIDs) {
		t.Errorf("Merge past the limit of orders: %v, want ErrTooManyIDs", err)
	}

	// A partial of 4 customers does not decode.
	maxIDs = 4
	big := NewSummarizer(nil)
	for _, tx := range txs(4, 1) {
		check.NoErr(t, big.Add(tx))
	}
	data := check.Must(big.MarshalJSON())
	maxIDs = 3
	var dec Summarizer
	if err := dec.UnmarshalJSON(data); !errors.Is(err, ErrTooManyIDs) {
		t.Errorf("UnmarshalJSON of 4 customers: %v, want ErrTooManyIDs", err)
	}

	// The Reader: the Auditor's customers (line 5 is C3's row).
	in := csvOf(txs(4, 1))
	rd := check.Must(NewReader(strings.NewReader(in), &ReadSettings{Audit: NewAuditor(nil)}))
	for err = nil; err == nil; {
		if _, err = rd.Read(); err != nil && !errors.Is(err, ErrTooManyIDs) {
			t.Fatalf("Read: %v, want ErrTooManyIDs", err)
		}
	}
	wantErr(t, "Read with an Auditor", err, "C3", "customer", 5)
	rd = check.Must(NewReader(strings.NewReader(in), &ReadSettings{Audit: NewAuditor(nil)}))
	_, err = rd.ReadAll(ctx)
	wantErr(t, "ReadAll with an Auditor", err, "C3", "customer", 5)
	// Reader.Summarize: with 4 customers among the partitions, whose
	// tables hold 3 each, the total is checked.
	rd = check.Must(NewReader(strings.NewReader(in), nil))
	if _, err := rd.Summarize(ctx, nil); !errors.Is(err, ErrTooManyIDs) {
		t.Errorf("Reader.Summarize of 4 customers: %v, want ErrTooManyIDs", err)
	}
	// And one partition's table: many customers, so that some partition
	// gets 4 of them.
	many := csvOf(txs(300*4, 1))
	rd = check.Must(NewReader(strings.NewReader(many), nil))
	if _, err := rd.Summarize(ctx, nil); !errors.Is(err, ErrTooManyIDs) {
		t.Errorf("Reader.Summarize of 1200 customers: %v, want ErrTooManyIDs", err)
	} else if pe := (*ParseError)(nil); !errors.As(err, &pe) || pe.Column != "customer" {
		t.Errorf("Reader.Summarize of 1200 customers: %v, want a *ParseError in column customer", err)
	}
	maxIDs = 1 << 20
	rd = check.Must(NewReader(strings.NewReader(many), nil))
	if got, err := rd.Summarize(ctx, nil); err != nil || len(got) != 1200 {
		t.Errorf("Reader.Summarize of 1200 customers, limit 2^20: %d, %v", len(got), err)
	}
}
