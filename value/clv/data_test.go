package clv

import (
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

// cdnowExcerpt is customer 00004 of CDNOW_sample.txt, typed by hand from
// the file (README in the shared data folder), plus two made-up customers.
var cdnowExcerpt = []cvm.Transaction{
	{Customer: "00004", Time: day("1997-01-01 00:00"), Amount: 29.33},
	{Customer: "00004", Time: day("1997-01-18 00:00"), Amount: 29.73},
	{Customer: "00004", Time: day("1997-08-02 00:00"), Amount: 14.96},
	{Customer: "00004", Time: day("1997-12-12 00:00"), Amount: 26.48},
	// Two purchases on one day and a return: one occasion of 30, return ignored.
	{Customer: "x", Time: day("1997-03-01 09:00"), Amount: 10},
	{Customer: "x", Time: day("1997-03-08 10:00"), Amount: 20},
	{Customer: "x", Time: day("1997-03-08 18:00"), Amount: 10},
	{Customer: "x", Time: day("1997-03-09 18:00"), Amount: -5},
	{Customer: "x", Time: day("1997-09-30 23:59"), Amount: 0}, // last calibration day, zero amount
	{Customer: "x", Time: day("1998-01-01 10:00"), Amount: 7},
	{Customer: "x", Time: day("1998-07-01 10:00"), Amount: 99}, // after holdout end
	// First purchase after the calibration end: not in the cohort.
	{Customer: "late", Time: day("1997-10-01 00:00"), Amount: 5},
}

func TestPrepareCDNOWConvention(t *testing.T) {
	in := slices.Clone(cdnowExcerpt)
	ds, err := Prepare(ctx, slices.Values(in), day("1997-09-30 00:00"), &PrepareSettings{HoldoutEnd: day("1998-06-30 00:00")})
	if err != nil {
		t.Fatal(err)
	}
	// Customer 00004: cdnow_customers_summary_with_transactions.csv line
	// "1,2,30.43,38.86,22.35" (x=2, t_x=30.43, T=38.86, zbar=22.35);
	// 213 days / 7 = 30.4286, 272 days / 7 = 38.857, (29.73+14.96)/2.
	// Customer x: hand computed: days 1997-03-01, 03-08, 09-30; x = 2,
	// t_x = 213/7, T = 213/7, spend (30+0)/2.
	want := []Customer{
		{ID: "00004", Frequency: 2, Recency: 213.0 / 7, T: 272.0 / 7, MeanSpend: 22.345},
		{ID: "x", Frequency: 2, Recency: 213.0 / 7, T: 213.0 / 7, MeanSpend: 15},
	}
	if d := cmp.Diff(want, ds.Customers, cmpopts.EquateApprox(0, 1e-12)); d != "" {
		t.Errorf("customers (-want +got):\n%s", d)
	}
	wantH := []HoldoutCustomer{{Purchases: 1, Spend: 26.48}, {Purchases: 1, Spend: 7}}
	if d := cmp.Diff(wantH, ds.Holdout, cmpopts.EquateApprox(0, 1e-12)); d != "" {
		t.Errorf("holdout (-want +got):\n%s", d)
	}
	// 273 days from 1997-09-30 to 1998-06-30.
	if math.Abs(ds.HoldoutLength-273.0/7) > 1e-12 {
		t.Errorf("HoldoutLength = %v, want %v", ds.HoldoutLength, 273.0/7)
	}
	if math.Abs(ds.Customers[0].T-38.857142857) > 1e-9 {
		t.Errorf("T = %v, want 38.857 (272/7)", ds.Customers[0].T)
	}
	if !slices.Equal(in, cdnowExcerpt) {
		t.Error("Prepare modified its input")
	}
}

func TestPrepareDays(t *testing.T) {
	ds, err := Prepare(ctx, slices.Values(cdnowExcerpt), day("1997-09-30 12:00"), &PrepareSettings{Unit: Days})
	if err != nil {
		t.Fatal(err)
	}
	// Hand computed in days; no holdout asked for.
	if c := ds.Customers[0]; c.Recency != 213 || c.T != 272 || ds.Holdout != nil || ds.HoldoutLength != 0 {
		t.Errorf("got %+v, holdout %v", c, ds.Holdout)
	}
	// Another location shifts calendar days (hand computed): in Tokyo
	// (UTC+9) customer x buys on 03-01, 03-08 (19:00) and 03-09 (03:00),
	// and 09-30 23:59 UTC is 10-01, after the end: x = 2, t_x = 8.
	tokyo := time.FixedZone("JST", 9*3600)
	ds, err = Prepare(ctx, slices.Values(cdnowExcerpt), day("1997-09-30 12:00"), &PrepareSettings{Unit: Days, Location: tokyo})
	if err != nil {
		t.Fatal(err)
	}
	if c := ds.Customers[1]; c.Frequency != 2 || c.Recency != 8 || c.T != 213 || c.MeanSpend != 15 {
		t.Errorf("Tokyo: got %+v, want x=2, t_x=8, T=213, spend 15", c)
	}
}

func TestPrepareErrors(t *testing.T) {
	end := day("1997-09-30 00:00")
	for _, tc := range []struct {
		name string
		txs  []cvm.Transaction
		end  time.Time
		s    *PrepareSettings
		want error
	}{
		{"empty", nil, end, nil, ErrEmptyInput},
		{"all after end", cdnowExcerpt[11:], end, nil, ErrEmptyInput},
		{"bad transaction", []cvm.Transaction{{Customer: "a", Time: end, Amount: math.NaN()}}, end, nil, cvm.ErrNonFinite},
		{"holdout before end", cdnowExcerpt, end, &PrepareSettings{HoldoutEnd: day("1997-01-01 00:00")}, ErrInvalidParam},
		{"bad unit", cdnowExcerpt, end, &PrepareSettings{Unit: 7}, ErrInvalidParam},
		{"zero end", cdnowExcerpt, time.Time{}, nil, ErrInvalidParam},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ds, err := Prepare(ctx, slices.Values(tc.txs), tc.end, tc.s)
			if !errors.Is(err, tc.want) || ds != nil {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestCompress(t *testing.T) {
	cs := []Customer{
		{ID: "1", Frequency: 2, Recency: 3, T: 5},
		{ID: "2", Frequency: 0, Recency: 0, T: 5},
		{ID: "3", Frequency: 2, Recency: 3, T: 5, MeanSpend: 9},
		{ID: "4", Frequency: 0, Recency: 0, T: 5},
		{ID: "5", Frequency: 2, Recency: 3, T: 6},
	}
	orig := slices.Clone(cs)
	// Hand counted.
	want := []Row{{0, 0, 5, 2}, {2, 3, 5, 2}, {2, 3, 6, 1}}
	if d := cmp.Diff(want, Compress(cs)); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if !slices.Equal(cs, orig) {
		t.Error("Compress modified its input")
	}
	if Compress(nil) != nil {
		t.Error("Compress(nil) != nil")
	}
	// Property: the compressed likelihood equals the full one.
	sim := simBGNBD(5, 300, 0.5, 5, 0.8, 2.5, false)
	for i := range sim {
		sim[i].T = math.Round(sim[i].T)
		sim[i].Recency = math.Min(math.Round(sim[i].Recency), sim[i].T)
		if sim[i].Frequency == 0 {
			sim[i].Recency = 0
		}
	}
	m := &BGNBD{R: 0.5, Alpha: 5, A: 0.8, B: 2.5}
	full := 0.0
	for _, c := range sim {
		full += math.Log(bgClosedForm(m.R, m.Alpha, m.A, m.B, c, false))
	}
	got, err := m.LogLikelihood(sim)
	if err != nil {
		t.Fatal(err)
	}
	if rows := len(Compress(sim)); rows >= len(sim) || math.Abs(got-full) > 1e-9*math.Abs(full) {
		t.Errorf("rows %d of %d; LL %v, want %v", rows, len(sim), got, full)
	}
}

func TestCustomerValidate(t *testing.T) {
	for _, tc := range []struct {
		c     Customer
		field string
	}{
		{Customer{Frequency: math.NaN(), T: 1}, "frequency"},
		{Customer{Frequency: 1, Recency: 1, T: math.Inf(1)}, "T"},
		{Customer{Frequency: 1, Recency: -1, T: 1}, "recency"},
		{Customer{Frequency: 1, Recency: 2, T: 1}, "recency"},
		{Customer{Frequency: 0, Recency: 0.5, T: 1}, "recency"},
		{Customer{T: -1}, "T"},
	} {
		err := tc.c.validate(3)
		var ce *CustomerError
		if !errors.As(err, &ce) || ce.Field != tc.field || ce.Index != 3 || !errors.Is(err, ErrInvalidCustomer) {
			t.Errorf("%+v: err = %v, want field %s", tc.c, err, tc.field)
		}
	}
	if err := (Customer{}).validate(0); err != nil {
		t.Errorf("zero customer: %v", err)
	}
}

func TestUnitString(t *testing.T) {
	if Weeks.String() != "weeks" || Days.String() != "days" || Unit(9).String() != "Unit(9)" {
		t.Error("Unit.String")
	}
}
