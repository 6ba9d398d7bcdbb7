package segment

import (
	"context"
	"encoding"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/check"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func day(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

// valueTxs is a hand-made history: "a" buys three times on two days and
// returns once, "b" buys a free item, "c" only returns, "d" buys only after
// the as-of time.
var valueTxs = []cvm.Transaction{
	{Customer: "a", Time: day(2024, 1, 1, 10, 0), Amount: 10, Order: "o1"},
	{Customer: "a", Time: day(2024, 1, 1, 15, 0), Amount: 5, Order: "o2"},
	{Customer: "a", Time: day(2024, 1, 5, 18, 0), Amount: 20, Order: "o3"},
	{Customer: "a", Time: day(2024, 1, 6, 8, 0), Amount: -5, Order: "r1"},
	{Customer: "b", Time: day(2024, 1, 3, 9, 0), Amount: 0, Order: "o4"},
	{Customer: "c", Time: day(2024, 1, 4, 0, 0), Amount: -7, Order: "r2"},
	{Customer: "d", Time: day(2024, 1, 10, 18, 0), Amount: 100, Order: "o5"},
}

var valueAsOf = day(2024, 1, 10, 12, 0)

func TestRFMFromTransactions(t *testing.T) {
	// Expected values computed by hand from valueTxs as of 2024-01-10 12:00:
	// a: last purchase 01-05 18:00 (the 01-06 return is not a purchase):
	//    whole days 10-5 = 5, fractional 4 days 18 h = 4.75; days {01-01,
	//    01-05} = 2 occasions, orders {o1,o2,o3} = 3; net 10+5+20-5 = 30.
	// b: last 01-03 09:00: whole 7, fractional 7 days 3 h = 7.125; one
	//    occasion; net 0 (kept: zero spend).
	// c: returns only, left out. d: only after as-of, absent.
	tests := []struct {
		name string
		opts *RFMSettings
		want []RFM
	}{
		{"nil options: whole days, by day, total", nil, []RFM{
			{Customer: "a", Recency: 5, Frequency: 2, Monetary: 30, Revenue: 30},
			{Customer: "b", Recency: 7, Frequency: 1, Monetary: 0, Revenue: 0},
		}},
		{"fractional, by order, mean", &RFMSettings{Recency: FractionalDays, Frequency: cvm.ByOrder, Monetary: MonetaryMean}, []RFM{
			{Customer: "a", Recency: 4.75, Frequency: 3, Monetary: 10, Revenue: 30},
			{Customer: "b", Recency: 7.125, Frequency: 1, Monetary: 0, Revenue: 0},
		}},
		{"whole days, by day, mean", &RFMSettings{Monetary: MonetaryMean}, []RFM{
			{Customer: "a", Recency: 5, Frequency: 2, Monetary: 15, Revenue: 30},
			{Customer: "b", Recency: 7, Frequency: 1, Monetary: 0, Revenue: 0},
		}},
		// In UTC+10 the as-of time is 01-10 22:00; a's purchases fall on
		// 01-01 20:00, 01-02 01:00 and 01-06 04:00 local: 3 days, the last
		// 4 days before; b's on 01-03 19:00: 7 days.
		{"whole days in UTC+10", &RFMSettings{Location: time.FixedZone("x", 10*3600)}, []RFM{
			{Customer: "a", Recency: 4, Frequency: 3, Monetary: 30, Revenue: 30},
			{Customer: "b", Recency: 7, Frequency: 1, Monetary: 0, Revenue: 0},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ret, err := RFMFromTransactions(context.Background(), slices.Values(valueTxs), valueAsOf, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(got, tt.want, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
				t.Errorf("values (-got +want):\n%s", diff)
			}
			if !slices.Equal(ret, []string{"c"}) {
				t.Errorf("returnsOnly = %q, want [c]", ret)
			}
		})
	}
}

func TestRFMErrors(t *testing.T) {
	good := []cvm.Summary{{Customer: "x", First: day(2024, 1, 1, 0, 0), Last: day(2024, 1, 2, 0, 0), Occasions: 2, Transactions: 2, Total: 10}}
	nanTotal := slices.Clone(good)
	nanTotal[0].Total = math.NaN()
	infTotal := slices.Clone(good)
	infTotal[0].Total = math.Inf(1)
	returnsOnly := []cvm.Summary{{Customer: "r", Transactions: 1, Total: -3, Returns: 3}}
	nanTx := []cvm.Transaction{{Customer: "n", Time: day(2024, 1, 1, 0, 0), Amount: math.NaN()}}
	tests := []struct {
		name string
		run  func() error
		want error
	}{
		{"zero as-of", func() error { _, _, err := RFMValues(good, time.Time{}, nil); return err }, ErrAsOf},
		{"as-of before last purchase", func() error { _, _, err := RFMValues(good, day(2024, 1, 1, 12, 0), nil); return err }, ErrAsOf},
		{"NaN total", func() error { _, _, err := RFMValues(nanTotal, day(2024, 2, 1, 0, 0), nil); return err }, ErrNotFinite},
		{"Inf total", func() error { _, _, err := RFMValues(infTotal, day(2024, 2, 1, 0, 0), nil); return err }, ErrNotFinite},
		{"returns only", func() error { _, _, err := RFMValues(returnsOnly, day(2024, 2, 1, 0, 0), nil); return err }, ErrNoCustomers},
		{"no summaries", func() error { _, _, err := RFMValues(nil, day(2024, 2, 1, 0, 0), nil); return err }, ErrNoCustomers},
		{"tx: zero as-of", func() error {
			_, _, err := RFMFromTransactions(context.Background(), slices.Values(valueTxs), time.Time{}, nil)
			return err
		}, ErrAsOf},
		{"tx: as-of before first transaction", func() error {
			_, _, err := RFMFromTransactions(context.Background(), slices.Values(valueTxs), day(2023, 12, 31, 0, 0), nil)
			return err
		}, ErrAsOf},
		{"tx: empty", func() error {
			_, _, err := RFMFromTransactions(context.Background(), slices.Values([]cvm.Transaction(nil)), valueAsOf, nil)
			return err
		}, cvm.ErrEmptyInput},
		{"tx: NaN amount", func() error {
			_, _, err := RFMFromTransactions(context.Background(), slices.Values(nanTx), valueAsOf, nil)
			return err
		}, cvm.ErrNonFinite},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if err.Error() == "" {
				t.Error("empty message")
			}
		})
	}
	// The as-of error names the customer.
	_, _, err := RFMValues(good, day(2024, 1, 1, 12, 0), nil)
	var re *RFMError
	if !errors.As(err, &re) || re.Customer != "x" || re.Field != "as-of" {
		t.Errorf("err = %#v, want an *RFMError for customer x, field as-of", err)
	}
}

func TestRFMValuesDoesNotMutate(t *testing.T) {
	sums, err := cvm.Summarize(context.Background(), slices.Values(valueTxs), &cvm.SummarySettings{AsOf: valueAsOf})
	if err != nil {
		t.Fatal(err)
	}
	orig := slices.Clone(sums)
	if _, _, err := RFMValues(sums, valueAsOf, &RFMSettings{Monetary: MonetaryMean}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sums, orig); diff != "" {
		t.Errorf("sums changed:\n%s", diff)
	}
}

func TestEnumStrings(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{WholeDays.String(), "whole-days"}, {FractionalDays.String(), "fractional-days"}, {RecencyUnit(9).String(), "RecencyUnit(9)"},
		{MonetaryTotal.String(), "total"}, {MonetaryMean.String(), "mean"}, {MonetaryRule(9).String(), "MonetaryRule(9)"},
		{TiesByValue.String(), "values"}, {TiesByRank.String(), "rank"}, {TiePolicy(9).String(), "TiePolicy(9)"},
		{Cell{5, 5, 5}.String(), "555"}, {Cell{1, 4, 2}.String(), "142"}, {Cell{10, 4, 2}.String(), "10-4-2"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestInvalidEnumsPanic(t *testing.T) {
	sums := []cvm.Summary{{Customer: "x", First: day(2024, 1, 1, 0, 0), Last: day(2024, 1, 1, 0, 0), Occasions: 1, Transactions: 1, Total: 1}}
	for name, f := range map[string]func(){
		"RecencyUnit":  func() { RFMValues(sums, day(2024, 2, 1, 0, 0), &RFMSettings{Recency: 9}) },
		"MonetaryRule": func() { RFMValues(sums, day(2024, 2, 1, 0, 0), &RFMSettings{Monetary: 9}) },
		"TiePolicy":    func() { FitScorer([]RFM{{Customer: "x", Frequency: 1}}, &ScorerSettings{Ties: 9}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("invalid %s: no panic", name)
				}
			}()
			f()
		}()
	}
}

// textEnum is an enum with both text methods.
type textEnum interface {
	encoding.TextMarshaler
}

// TestEnumText checks that every enum's text form reads back to the same
// value, and that unknown text and invalid values are errors naming them.
func TestEnumText(t *testing.T) {
	for _, c := range []struct {
		v    textEnum
		text string
		back func([]byte) (any, error)
	}{
		{WholeDays, "whole-days", func(b []byte) (any, error) { var u RecencyUnit; err := u.UnmarshalText(b); return u, err }},
		{FractionalDays, "fractional-days", func(b []byte) (any, error) { var u RecencyUnit; err := u.UnmarshalText(b); return u, err }},
		{MonetaryTotal, "total", func(b []byte) (any, error) { var m MonetaryRule; err := m.UnmarshalText(b); return m, err }},
		{MonetaryMean, "mean", func(b []byte) (any, error) { var m MonetaryRule; err := m.UnmarshalText(b); return m, err }},
		{TiesByValue, "values", func(b []byte) (any, error) { var p TiePolicy; err := p.UnmarshalText(b); return p, err }},
		{TiesByRank, "rank", func(b []byte) (any, error) { var p TiePolicy; err := p.UnmarshalText(b); return p, err }},
	} {
		b := check.Must(c.v.MarshalText())
		if string(b) != c.text {
			t.Errorf("MarshalText(%v) = %q, want %q", c.v, b, c.text)
		}
		got := check.Must(c.back(b))
		if got != any(c.v) {
			t.Errorf("UnmarshalText(%q) = %v, want %v", b, got, c.v)
		}
	}
	var u RecencyUnit
	var m MonetaryRule
	var p TiePolicy
	for _, err := range []error{u.UnmarshalText([]byte("weeks")), m.UnmarshalText([]byte("median")), p.UnmarshalText([]byte("dense"))} {
		if err == nil || !strings.Contains(err.Error(), "unknown") {
			t.Errorf("unknown text: error %v", err)
		}
	}
	for _, v := range []textEnum{RecencyUnit(9), MonetaryRule(9), TiePolicy(9)} {
		if _, err := v.MarshalText(); err == nil {
			t.Errorf("MarshalText(%v): no error", v)
		}
	}
}
