package clv

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/check"
	"github.com/cvmkit/cvm/internal/synth"
	gocmp "github.com/google/go-cmp/cmp"
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
	if d := gocmp.Diff(want, ds.Customers, cmpopts.EquateApprox(0, 1e-12)); d != "" {
		t.Errorf("customers (-want +got):\n%s", d)
	}
	wantH := []HoldoutCustomer{{Purchases: 1, Spend: 26.48}, {Purchases: 1, Spend: 7}}
	if d := gocmp.Diff(wantH, ds.Holdout, cmpopts.EquateApprox(0, 1e-12)); d != "" {
		t.Errorf("holdout (-want +got):\n%s", d)
	}
	// 273 days from 1997-09-30 to 1998-06-30.
	check.Float(t, "HoldoutLength", ds.HoldoutLength, 273.0/7, 0, 1e-12)
	check.Float(t, "T (272/7)", ds.Customers[0].T, 38.857142857, 0, 1e-9)
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
	one := func(c string, tm time.Time, amt float64) []cvm.Transaction {
		return []cvm.Transaction{{Customer: "ok", Time: end, Amount: 1}, {Customer: c, Time: tm, Amount: amt}}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		txs  []cvm.Transaction
		end  time.Time
		s    *PrepareSettings
		want error
		msg  string
	}{
		{"empty", ctx, nil, end, nil, ErrEmptyInput, ""},
		{"all after end", ctx, cdnowExcerpt[11:], end, nil, ErrEmptyInput, ""},
		{"only returns", ctx, []cvm.Transaction{{Customer: "r", Time: end, Amount: -3}}, end, nil, ErrEmptyInput, ""},
		{"NaN amount", ctx, one("a", end, math.NaN()), end, nil, cvm.ErrNonFinite, `customer "a"`},
		{"-Inf amount (a return)", ctx, one("a", end, math.Inf(-1)), end, nil, cvm.ErrNonFinite, `customer "a"`},
		{"empty customer", ctx, one("", end, 1), end, nil, cvm.ErrEmptyCustomer, ""},
		{"zero time", ctx, one("z", time.Time{}, 1), end, nil, cvm.ErrZeroTime, `customer "z"`},
		{"bad holdout transaction", ctx, one("h", end.AddDate(0, 1, 0), math.NaN()), end, &PrepareSettings{HoldoutEnd: end.AddDate(1, 0, 0)}, cvm.ErrNonFinite, `customer "h"`},
		// Issue 13: a year-0000 date made a 2,000-year-old customer.
		{"year 0000", ctx, one("y0", time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), 1), end, nil, ErrImplausibleSpan, `customer "y0": time: clv: implausible time span: first purchase on 0000-01-01`},
		{"year 1800", ctx, one("old", time.Date(1800, 5, 1, 0, 0, 0, 0, time.UTC), 1), end, nil, ErrImplausibleSpan, `customer "old"`},
		{"older than MaxAge", ctx, one("two", end.AddDate(-2, 0, 0), 1), end, &PrepareSettings{MaxAge: 365 * 24 * time.Hour}, ErrImplausibleSpan, "more than MaxAge (365 days)"},
		{"holdout before end", ctx, cdnowExcerpt, end, &PrepareSettings{HoldoutEnd: day("1997-01-01 00:00")}, ErrInvalidParam, "holdout end"},
		{"bad unit", ctx, cdnowExcerpt, end, &PrepareSettings{Unit: 7}, ErrInvalidParam, "unit"},
		{"zero end", ctx, cdnowExcerpt, time.Time{}, nil, ErrInvalidParam, "calibration end"},
		{"cancelled", cancelled, cdnowExcerpt, end, nil, context.Canceled, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ds, err := Prepare(tc.ctx, slices.Values(tc.txs), tc.end, tc.s)
			if !errors.Is(err, tc.want) || ds != nil || !strings.Contains(fmt.Sprint(err), tc.msg) {
				t.Errorf("err = %v, want %v containing %q", err, tc.want, tc.msg)
			}
		})
	}
	// A negative MaxAge accepts any age; the year-0000 customer is then
	// 729,662 days old (hand computed: 1997-09-30 is day 10134 after
	// 1970-01-01, 0000-01-01 is day -719528).
	ds := check.Must(Prepare(ctx, slices.Values(one("y0", time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), 1)), end, &PrepareSettings{MaxAge: -1, Unit: Days}))
	check.Float(t, "T of year 0000", ds.Customers[1].T, 10134+719528, 0, 0)
	// Cancellation during a long stream stops it.
	ctx2, cancel2 := context.WithCancel(ctx)
	n := 0
	long := func(yield func(cvm.Transaction) bool) {
		for ; n < 1e6; n++ {
			if n == 5000 {
				cancel2()
			}
			if !yield(cvm.Transaction{Customer: "c", Time: end, Amount: 1}) {
				return
			}
		}
	}
	if _, err := Prepare(ctx2, long, end, nil); !errors.Is(err, context.Canceled) || n > 2*ctxEvery+5000 {
		t.Errorf("err = %v after %d transactions, want context.Canceled soon after 5000", err, n)
	}
}

// dataDir is the folder of the real data sets (see /work/shared/data's
// README), CVM_DATA or the shared folder beside the main checkout; tests
// that read it skip when it is absent.
func dataDir(t testing.TB, name string) string {
	dir := os.Getenv("CVM_DATA")
	if dir == "" {
		dir = "../../../shared/data"
	}
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("%s not found (set CVM_DATA to the data folder): %v", name, err)
	}
	return path
}

// readCDNOW reads CDNOW_master.txt (header, customer date cds dollars) or
// CDNOW_sample.txt (no header, customer sample-id date cds dollars).
func readCDNOW(t *testing.T, name string) []cvm.Transaction {
	f, err := os.Open(dataDir(t, name))
	check.NoErr(t, err)
	defer f.Close()
	set := &cvm.ReadSettings{Customer: "1", Time: "2", Amount: "4", Order: cvm.NoColumn, Comma: cvm.Whitespace}
	if name == "CDNOW_sample.txt" {
		set = &cvm.ReadSettings{NoHeader: true, Customer: "1", Time: "3", Amount: "5", Order: cvm.NoColumn, Comma: cvm.Whitespace}
	}
	rd := check.Must(cvm.NewReader(f, set))
	return check.Must(rd.ReadAll(ctx))
}

// prepareReference builds the Dataset the way the issue states it, from
// cvm.Split and cvm.Summarize, with the spend figures summed exactly
// (math/big) in the test: the independent reference for Prepare.
func prepareReference(t *testing.T, txs []cvm.Transaction, calEnd, holdEnd time.Time, unit Unit) ([]Customer, []HoldoutCustomer) {
	t.Helper()
	cut, hcut := cvm.EndOfDay(calEnd), cvm.EndOfDay(holdEnd)
	cal, hold := cvm.Split(slices.Values(txs), cut)
	purchases := func(txs []cvm.Transaction) iter.Seq[cvm.Transaction] {
		return func(yield func(cvm.Transaction) bool) {
			for _, t := range txs {
				if t.Amount >= 0 && !t.Time.After(hcut) && !yield(t) {
					return
				}
			}
		}
	}
	sums := check.Must(cvm.Summarize(ctx, purchases(cal), nil))
	hsums, err := cvm.Summarize(ctx, purchases(hold), nil)
	if err != nil && !errors.Is(err, cvm.ErrEmptyInput) {
		t.Fatal(err)
	}
	hby := map[string]cvm.Summary{}
	for _, s := range hsums {
		hby[s.Customer] = s
	}
	days := float64(unit.days())
	dayOf := func(tm time.Time) int64 { return cvm.DayNumber(tm, time.UTC) }
	// Exact repeat spend: every calibration purchase not on the first day.
	first := map[string]int64{}
	for _, s := range sums {
		first[s.Customer] = dayOf(s.First)
	}
	repeat := map[string]*big.Rat{}
	for _, tx := range cal {
		if tx.Amount >= 0 && dayOf(tx.Time) != first[tx.Customer] {
			r := repeat[tx.Customer]
			if r == nil {
				r = new(big.Rat)
				repeat[tx.Customer] = r
			}
			r.Add(r, new(big.Rat).SetFloat64(tx.Amount))
		}
	}
	cs := make([]Customer, len(sums))
	hs := make([]HoldoutCustomer, len(sums))
	for i, s := range sums {
		c := Customer{ID: s.Customer, Frequency: float64(s.Occasions - 1),
			Recency: float64(dayOf(s.Last)-dayOf(s.First)) / days, T: float64(dayOf(cut)-dayOf(s.First)) / days}
		if c.Frequency > 0 {
			c.MeanSpend, _ = new(big.Rat).Quo(repeat[s.Customer], new(big.Rat).SetFloat64(c.Frequency)).Float64()
		}
		cs[i] = c
		if h, ok := hby[s.Customer]; ok {
			hs[i] = HoldoutCustomer{Purchases: h.Occasions, Spend: h.Total}
		}
	}
	return cs, hs
}

// Prepare agrees with cvm.Split + cvm.Summarize for every customer:
// frequency, recency and age exactly, spend to the last bit or two of an
// exact sum.
func TestPrepareAgreesWithSummarize(t *testing.T) {
	cases := []struct {
		name            string
		txs             func(t *testing.T) []cvm.Transaction
		calEnd, holdEnd time.Time
	}{
		{"synthetic", func(*testing.T) []cvm.Transaction {
			return slices.Collect(synth.Transactions(synth.Config{Customers: 3000, Seed: 17}))
		}, time.Date(2025, 3, 31, 0, 0, 0, 0, time.UTC), time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)},
		{"CDNOW master", func(t *testing.T) []cvm.Transaction { return readCDNOW(t, "CDNOW_master.txt") },
			time.Date(1997, 9, 30, 0, 0, 0, 0, time.UTC), time.Date(1998, 6, 30, 0, 0, 0, 0, time.UTC)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			txs := tc.txs(t)
			for _, unit := range []Unit{Weeks, Days} {
				ds := check.Must(Prepare(ctx, slices.Values(txs), tc.calEnd, &PrepareSettings{Unit: unit, HoldoutEnd: tc.holdEnd}))
				wantC, wantH := prepareReference(t, txs, tc.calEnd, tc.holdEnd, unit)
				if d := gocmp.Diff(wantC, ds.Customers, cmpopts.EquateApprox(1e-15, 0)); d != "" {
					t.Errorf("%v: customers (-Split+Summarize +Prepare):\n%s", unit, d)
				}
				if d := gocmp.Diff(wantH, ds.Holdout); d != "" {
					t.Errorf("%v: holdout (-Split+Summarize +Prepare):\n%s", unit, d)
				}
				for i, c := range ds.Customers {
					if c.Frequency != wantC[i].Frequency || c.Recency != wantC[i].Recency || c.T != wantC[i].T {
						t.Fatalf("%v: customer %s: %+v, want x, t_x, T of %+v exactly", unit, c.ID, c, wantC[i])
					}
				}
			}
		})
	}
}

// Issue 13: the order of the rows never changes a result. Each purchase is
// split into three same-day parts with awkward cents, and the stream is
// shuffled: the Dataset is the same to the bit.
func TestPrepareOrderIndependent(t *testing.T) {
	calEnd, holdEnd := time.Date(2025, 3, 31, 0, 0, 0, 0, time.UTC), time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)
	var txs []cvm.Transaction
	for tx := range synth.Transactions(synth.Config{Customers: 2000, Seed: 23}) {
		a := math.Round(tx.Amount*0.37*100) / 100
		b := math.Round(tx.Amount*0.21*100) / 100
		for i, amt := range []float64{a, b, tx.Amount - a - b} {
			u := tx
			u.Amount, u.Time = amt, tx.Time.Add(time.Duration(i)*time.Minute)
			txs = append(txs, u)
		}
	}
	sets := map[string][]cvm.Transaction{"synthetic": txs}
	if _, err := os.Stat(filepath.Join(cmp.Or(os.Getenv("CVM_DATA"), "../../../shared/data"), "CDNOW_master.txt")); err == nil {
		sets["CDNOW master"] = readCDNOW(t, "CDNOW_master.txt")
	}
	for name, txs := range sets {
		end, hend := calEnd, holdEnd
		if name != "synthetic" {
			end, hend = time.Date(1997, 9, 30, 0, 0, 0, 0, time.UTC), time.Date(1998, 6, 30, 0, 0, 0, 0, time.UTC)
		}
		s := &PrepareSettings{HoldoutEnd: hend}
		want := check.Must(Prepare(ctx, slices.Values(txs), end, s))
		rng := rand.New(rand.NewPCG(5, 6))
		for round := range 3 {
			sh := slices.Clone(txs)
			rng.Shuffle(len(sh), func(i, j int) { sh[i], sh[j] = sh[j], sh[i] })
			if round == 2 {
				slices.Reverse(sh)
			}
			got := check.Must(Prepare(ctx, slices.Values(sh), end, s))
			if d := gocmp.Diff(want, got); d != "" {
				t.Fatalf("%s: shuffle %d changes the Dataset (-in order +shuffled):\n%s", name, round, d)
			}
		}
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
	if d := gocmp.Diff(want, Compress(cs)); d != "" {
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

func TestUnitText(t *testing.T) {
	if Weeks.String() != "weeks" || Days.String() != "days" || Unit(9).String() != "Unit(9)" {
		t.Error("Unit.String")
	}
	for _, u := range []Unit{Weeks, Days} {
		b := check.Must(u.MarshalText())
		var back Unit = 7
		check.NoErr(t, back.UnmarshalText(b))
		if back != u || string(b) != u.String() {
			t.Errorf("%v: text %q back to %v", u, b, back)
		}
	}
	if _, err := Unit(9).MarshalText(); err == nil {
		t.Error("Unit(9).MarshalText: no error")
	}
	u := Days
	for _, in := range []string{"", "week", "Weeks", "months", "0"} {
		if err := u.UnmarshalText([]byte(in)); err == nil || u != Days || !strings.Contains(err.Error(), fmt.Sprintf("%q", in)) {
			t.Errorf("UnmarshalText(%q) = %v, unit %v", in, err, u)
		}
	}
}
