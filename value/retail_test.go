package value

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/check"
	"github.com/cvmkit/cvm/internal/synth"
)

func day(d int) time.Time { return time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC).AddDate(0, 0, d) }

func tx(c string, d int, amt float64) cvm.Transaction {
	return cvm.Transaction{Customer: c, Time: day(d), Amount: amt}
}

// A small base computed by hand. As-of day 365 (the latest transaction),
// window (0, 365], 12 periods of 365/12 days counted back from day 365.
//
//	a: 100 on days 65, 165, 265, 365 -> revenue 400, 4 purchase days,
//	   recency 0, tenure 300/365.25, gaps 100,100,100 (CV 0, regularity 1),
//	   periods: (365-d)*12/365 = 9, 6, 3, 0 -> 4 periods of 100, mean 400/12,
//	   growth: relationship from day 65, L = 301, mid 215.5: early 200,
//	   late 200 -> 0.
//	b: 50 on day 300, return -20 on day 310 -> revenue 30, 1 day, recency
//	   65, return share 0.4, regularity 0 (< 3 days); periods 2 (day 300:
//	   65*12/365 = 2) and 1 hold 50 and -20, mean 2.5; relationship from
//	   300, L = 66 >= 365/6 = 60: mid 333, early 50-20, late 0 -> -1.
//	c: return -30 on day 200 only -> returns only, recency = span + 1 =
//	   (365 + 20 + 1) + 1 = 387, revenue -30, return share 1, tenure 0,
//	   growth -1 (no purchase: the worst).
//	d: 10 on day -20 (before the window; an old relationship), then 40 on
//	   days 300 and 360 -> revenue 80, tenure 385 days; the gap 320 > 180
//	   starts a new relationship at day 300: L = 66, mid 333: early 40,
//	   late 40 -> growth 0 (not +1 as across the gap).
func retailBase() []cvm.Transaction {
	return []cvm.Transaction{
		tx("a", 65, 100), tx("a", 165, 100), tx("a", 265, 100), tx("a", 365, 100),
		tx("b", 300, 50), tx("b", 310, -20),
		tx("c", 200, -30),
		tx("d", -20, 10), tx("d", 300, 40), tx("d", 360, 40),
	}
}

func TestRetailIndicatorsByHand(t *testing.T) {
	txs := retailBase()
	r := check.Must(RetailIndicators(context.Background(), slices.Values(txs), nil))
	if !slices.Equal(r.Table.Customers, []string{"a", "b", "c", "d"}) {
		t.Fatalf("customers %v", r.Table.Customers)
	}
	if !r.AsOf.Equal(day(365)) {
		t.Errorf("as-of %v, want the latest transaction %v", r.AsOf, day(365))
	}
	if !slices.Equal(r.ReturnsOnly, []bool{false, false, true, false}) {
		t.Errorf("returns only %v", r.ReturnsOnly)
	}
	col := func(id string) []float64 {
		c, ok := r.Table.Column(id)
		if !ok {
			t.Fatalf("no column %s", id)
		}
		return c
	}
	a := 400.0 / 12
	volA := math.Sqrt((4*(100-a)*(100-a) + 8*a*a) / 12 / (a * a))
	volB := math.Sqrt(((50-2.5)*(50-2.5)+(-20-2.5)*(-20-2.5)+10*2.5*2.5)/12) / 2.5
	for _, tc := range []struct {
		id   string
		want []float64
	}{
		{"revenue", []float64{400, 30, -30, 80}},
		{"order_frequency", []float64{4, 1, 0, 2}},
		{"aov", []float64{100, 30, 0, 40}},
		{"recency", []float64{0, 65, 387, 5}},
		{"tenure", []float64{300 / 365.25, 65 / 365.25, 0, 385 / 365.25}},
		{"return_share", []float64{0, 0.4, 1, 0}},
		{"regularity", []float64{1, 0, 0, 0}},
		{"volatility", []float64{volA, volB, math.Sqrt(11), math.Sqrt((2*(40-80.0/12)*(40-80.0/12)+10*(80.0/12)*(80.0/12))/12) / (80.0 / 12)}},
		{"growth_trend", []float64{0, -1, -1, 0}},
	} {
		check.Floats(t, tc.id, col(tc.id), tc.want, 1e-12, 1e-12)
	}
	// Frequency classes bits.Len: a 4 -> 3, b 1 -> 1, c 0 -> 0, d 2 -> 2:
	// each customer is alone in its class, so its wallet is its own spend.
	check.Floats(t, "wallet_headroom", col("wallet_headroom"), []float64{0, 0, 0, 0}, 0, 0)
	// Without quantity, product or margin those indicators are left out.
	for _, id := range []string{"volume", "breadth", "cross_buying_headroom", "gross_profit"} {
		if _, ok := r.Table.Column(id); ok || r.Catalog.Index(id) >= 0 {
			t.Errorf("%s computed without the data for it", id)
		}
	}
	if len(r.Omitted) != 4 {
		t.Errorf("omitted %v", r.Omitted)
	}
	// The returned catalog fits as is (weights sum to 1).
	check.Must(Fit(context.Background(), r.Table, &Settings{Catalog: r.Catalog}))
}

// The wallet headroom against a plain reference: peers are customers with
// the same bits.Len(order frequency) and the same peer group; headroom is
// the peers' 0.9 quantile (Hyndman-Fan 7, computed here by hand) minus own
// revenue, at least 0.
func TestRetailWalletHeadroom(t *testing.T) {
	// Five one-purchase customers spending 10, 20, 30, 40, 50: the 0.9
	// quantile is 40 + 0.6*(50-40) = 46.
	var txs []cvm.Transaction
	for i, amt := range []float64{10, 20, 30, 40, 50} {
		txs = append(txs, tx(string(rune('a'+i)), 300, amt))
	}
	// Two customers in another peer group: 100 and 200 -> 0.9 quantile 190.
	txs = append(txs, tx("x", 300, 100), tx("y", 300, 200))
	peers := map[string]string{"x": "big", "y": "big"}
	r := check.Must(RetailIndicators(context.Background(), slices.Values(txs), &RetailSettings{Peers: peers, Margin: 0.25}))
	w, _ := r.Table.Column("wallet_headroom")
	check.Floats(t, "wallet_headroom", w, []float64{36, 26, 16, 6, 0, 90, 0}, 1e-12, 1e-12)
	gp, _ := r.Table.Column("gross_profit")
	check.Floats(t, "gross_profit", gp, []float64{2.5, 5, 7.5, 10, 12.5, 25, 50}, 1e-12, 0)
}

func TestRetailIndicatorsErrors(t *testing.T) {
	good := retailBase()
	for _, tc := range []struct {
		name string
		txs  []cvm.Transaction
		s    *RetailSettings
		is   error
	}{
		{"empty", nil, nil, ErrEmptyInput},
		{"all after as-of", good, &RetailSettings{AsOf: day(-30)}, ErrEmptyInput},
		{"empty customer", []cvm.Transaction{{Time: day(1), Amount: 1}}, nil, cvm.ErrEmptyCustomer},
		{"NaN amount", []cvm.Transaction{tx("a", 1, math.NaN())}, nil, cvm.ErrNonFinite},
		{"short window", good, &RetailSettings{WindowDays: 5}, nil},
		{"quantile above 1", good, &RetailSettings{Quantile: 1.5}, nil},
		{"negative gap", good, &RetailSettings{RelationshipGap: -1}, nil},
		{"margin above 1", good, &RetailSettings{Margin: 2}, nil},
	} {
		_, err := RetailIndicators(context.Background(), slices.Values(tc.txs), tc.s)
		if err == nil || (tc.is != nil && !errors.Is(err, tc.is)) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.is)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := RetailIndicators(ctx, slices.Values(good), nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v", err)
	}
}

// Row order does not change the indicators.
func TestRetailIndicatorsOrder(t *testing.T) {
	txs := synthTransactions(300)
	a := check.Must(RetailIndicators(context.Background(), slices.Values(txs), nil))
	rev := slices.Clone(txs)
	slices.Reverse(rev)
	b := check.Must(RetailIndicators(context.Background(), slices.Values(rev), nil))
	for j, id := range a.Table.IDs {
		check.Floats(t, id, b.Table.Columns[j], a.Table.Columns[j], 1e-9, 1e-9)
	}
}

func synthTransactions(n int) []cvm.Transaction {
	var out []cvm.Transaction
	for t := range synth.Transactions(synth.Config{Customers: n, Seed: 7}) {
		out = append(out, t)
	}
	return out
}

// On the retail catalog the scores neither saturate at the top nor let
// negative revenue compress the others; returns-only customers are never
// scored as recent buyers.
func TestRetailScoring(t *testing.T) {
	txs := synthTransactions(2000)
	// Ten returns-only customers with large refunds, and a few huge buyers.
	for i := range 10 {
		txs = append(txs, cvm.Transaction{Customer: "R" + string(rune('0'+i)), Time: day(700), Amount: -5000 * float64(i+1)})
	}
	r := check.Must(RetailIndicators(context.Background(), slices.Values(txs), nil))
	m := check.Must(Fit(context.Background(), r.Table, &Settings{Catalog: r.Catalog}))
	sc := check.Must(m.Score(context.Background(), nil, r.Table))
	tot := make([]float64, len(sc))
	for i, s := range sc {
		tot[i] = s.Total
	}
	slices.Sort(tot)
	slices.Reverse(tot)
	top := tot[:len(tot)/100]
	if len(slices.Compact(slices.Clone(top))) != len(top) {
		t.Errorf("top 1%% of totals has ties: %v", top)
	}
	if top[0] >= 100 {
		t.Errorf("top total %g saturates at 100", top[0])
	}
	// Revenue normalisation: zero revenue lies below the 10th percentile
	// buyer, and the 10th and 90th percentile buyers are far apart, more
	// than twice as far as under the B2B catalog's signed-log min-max
	// winsorised at the 99th percentile, which the large refunds stretch.
	k := m.spec.Catalog.Index("revenue")
	rev, _ := r.Table.Column("revenue")
	pos := slices.DeleteFunc(slices.Clone(rev), func(v float64) bool { return v <= 0 })
	slices.Sort(pos)
	ind := &m.spec.Catalog.Indicators[k]
	p10, p90 := m.norm(k, ind, pos[len(pos)/10]), m.norm(k, ind, pos[9*len(pos)/10])
	old := Indicator{Norm: logNorm}
	f, _, err := fitIndicator(old, rev, nil)
	check.NoErr(t, err)
	o10, o90 := normalize(MinMax, &f, slog(pos[len(pos)/10]), false), normalize(MinMax, &f, slog(pos[9*len(pos)/10]), false)
	if p90-p10 < 0.4 || p90-p10 < 2*(o90-o10) {
		t.Errorf("revenue: 10th and 90th percentile buyers normalise to %.3f and %.3f (min-max: %.3f and %.3f)", p10, p90, o10, o90)
	}
	if z := m.norm(k, ind, 0); z > p10 {
		t.Errorf("zero revenue normalises to %.3f, above the 10th percentile buyer's %.3f", z, p10)
	}
	// Returns-only customers: flagged, with the worst recency.
	kr := m.spec.Catalog.Index("recency")
	rec, _ := r.Table.Column("recency")
	n := 0
	for i, ro := range r.ReturnsOnly {
		if !ro {
			continue
		}
		n++
		if got := m.norm(kr, &m.spec.Catalog.Indicators[kr], rec[i]); got != 0 {
			t.Errorf("returns-only %s: recency %g normalises to %g, want 0 (the worst)", r.Table.Customers[i], rec[i], got)
		}
	}
	if n < 10 {
		t.Errorf("%d returns-only customers flagged, want at least 10", n)
	}
	// The default concentration cut leaves quadrant IV a minority, smaller
	// than under the median cut on the same data.
	med2 := check.Must(Fit(context.Background(), r.Table, &Settings{Catalog: r.Catalog, Cut: CutMedian}))
	sc2 := check.Must(med2.Score(context.Background(), nil, r.Table))
	iv, iv2 := 0, 0
	for i := range sc {
		if sc[i].Quadrant == QuadrantIV {
			iv++
		}
		if sc2[i].Quadrant == QuadrantIV {
			iv2++
		}
	}
	if 2*iv >= len(sc) || iv >= iv2 {
		t.Errorf("quadrant IV: %d of %d customers under the concentration cut, %d under the median cut", iv, len(sc), iv2)
	}
	// Nor do they look like customers with headroom and growth: their
	// potential is below the median customer's.
	pot := make([]float64, len(sc))
	for i, s := range sc {
		pot[i] = s.Potential
	}
	med := quantileSelect(slices.Clone(pot), 0.5)
	for i, ro := range r.ReturnsOnly {
		if ro && pot[i] >= med {
			t.Errorf("returns-only %s: potential %.1f, at or above the median %.1f", r.Table.Customers[i], pot[i], med)
		}
	}
}

// Units, breadth and cross-buying headroom, by hand. Three one-day
// customers (frequency class 1): p buys products A, B, C (3 units each,
// then returns one unit of A), q buys A twice (breadth 1), r buys
// categories X and Y of products A and B (category wins: breadth 2).
// Breadths 3, 1, 2: the 0.9 quantile is 2 + 0.8*(3-2) = 2.8, so the
// headroom is 0, 1.8 and 0.8.
func TestRetailItems(t *testing.T) {
	li := func(c, prod, cat string, qty, amt float64) cvm.Transaction {
		return cvm.Transaction{Customer: c, Time: day(10), Amount: amt, Quantity: qty, Product: prod, Category: cat}
	}
	txs := []cvm.Transaction{
		li("p", "A", "", 3, 30), li("p", "B", "", 3, 30), li("p", "C", "", 3, 30), li("p", "A", "", -1, -10),
		li("q", "A", "", 1, 10), li("q", "A", "", 2, 20),
		li("r", "A", "X", 1, 5), li("r", "B", "Y", 1, 5),
	}
	r := check.Must(RetailIndicators(context.Background(), slices.Values(txs), nil))
	for _, tc := range []struct {
		id   string
		want []float64
	}{
		{"volume", []float64{8, 3, 2}},
		{"breadth", []float64{3, 1, 2}},
		{"cross_buying_headroom", []float64{0, 1.8, 0.8}},
	} {
		got, ok := r.Table.Column(tc.id)
		if !ok {
			t.Fatalf("no %s column; omitted %v", tc.id, r.Omitted)
		}
		check.Floats(t, tc.id, got, tc.want, 1e-12, 1e-12)
	}
	if len(r.Omitted) != 1 || r.Omitted[0] != "gross_profit: no margin given" {
		t.Errorf("omitted %v", r.Omitted)
	}
}

// Join: a left join on customer ID; shared columns from the receiver,
// missing partners NaN, the other table's extra customers counted.
func TestIndicatorTableJoin(t *testing.T) {
	a := IndicatorTable{Customers: []string{"x", "y", "z"}, IDs: []string{"revenue", "recency"}, Columns: [][]float64{{1, 2, 3}, {10, 20, 30}}}
	b := IndicatorTable{Customers: []string{"z", "w", "x"}, IDs: []string{"credit_rating", "revenue"}, Columns: [][]float64{{7, 8, 9}, {100, 200, 300}}}
	j, rep, err := a.Join(b)
	check.NoErr(t, err)
	if !slices.Equal(j.IDs, []string{"revenue", "recency", "credit_rating"}) || !slices.Equal(rep.Added, []string{"credit_rating"}) || !slices.Equal(rep.Shared, []string{"revenue"}) || rep.Unmatched != 1 || rep.Dropped != 1 {
		t.Fatalf("ids %v, report %+v", j.IDs, rep)
	}
	cr, _ := j.Column("credit_rating")
	if cr[0] != 9 || !math.IsNaN(cr[1]) || cr[2] != 7 {
		t.Errorf("credit_rating %v, want [9 NaN 7]", cr)
	}
	rev, _ := j.Column("revenue")
	check.Floats(t, "revenue", rev, []float64{1, 2, 3}, 0, 0)
	dup := IndicatorTable{Customers: []string{"x", "x"}, IDs: []string{"q"}, Columns: [][]float64{{1, 2}}}
	if _, _, err := a.Join(dup); !errors.Is(err, ErrDuplicate) {
		t.Errorf("duplicate customer in the joined table: got %v", err)
	}
}

func TestCatalogMerge(t *testing.T) {
	m, err := RetailCatalog().Merge(DefaultCatalog(), "credit_rating", "dso")
	check.NoErr(t, err)
	if m.Index("credit_rating") < 0 || m.Index("dso") < 0 || !slices.ContainsFunc(m.Groups, func(g Group) bool { return g.ID == GroupCredit }) {
		t.Fatalf("merged catalog %+v", m.IDs())
	}
	check.NoErr(t, m.Validate())
	if _, err := RetailCatalog().Merge(DefaultCatalog(), "revenue"); !errors.Is(err, ErrDuplicateID) {
		t.Errorf("revenue twice: got %v", err)
	}
	if _, err := RetailCatalog().Merge(DefaultCatalog(), "colour"); !errors.Is(err, ErrUnknownID) {
		t.Errorf("unknown: got %v", err)
	}
}

// TestRetailAsOfFunc: an as-of from AsOfFunc gives the result of the same
// AsOf, bit for bit (every column, the catalog, the returns-only marks,
// the omissions), on synthetic customers with products and quantities,
// a customer whose only rows are after the as-of, a row on the as-of's
// day after it, and rows at it; a zero time gives the latest
// transaction's; an as-of before every row is ErrEmptyInput.
func TestRetailAsOfFunc(t *testing.T) {
	ctx := context.Background()
	txs := synthTransactions(300)
	for i := range txs {
		if i%3 == 0 {
			txs[i].Quantity, txs[i].Product = float64(1+i%4), []string{"A", "B", "C"}[i%3]
		}
	}
	cut := txs[len(txs)/2].Time
	txs = append(txs,
		cvm.Transaction{Customer: "late-only", Time: cut.Add(time.Hour), Amount: 9},
		cvm.Transaction{Customer: txs[0].Customer, Time: cut.Add(time.Second), Amount: 7, Product: "Z"},
		cvm.Transaction{Customer: txs[1].Customer, Time: cut, Amount: 5})
	for _, c := range []struct {
		name string
		asOf time.Time // from AsOfFunc
		want time.Time // the AsOf of the same result
	}{
		{"mid-file, within a day", cut, cut},
		{"zero: the latest", time.Time{}, time.Time{}},
	} {
		want := check.Must(RetailIndicators(ctx, slices.Values(txs), &RetailSettings{AsOf: c.want, Margin: 0.3}))
		calls := 0
		got := check.Must(RetailIndicators(ctx, slices.Values(txs), &RetailSettings{Margin: 0.3, AsOfFunc: func() time.Time { calls++; return c.asOf }}))
		if calls != 1 || !got.AsOf.Equal(want.AsOf) || !slices.Equal(got.Table.Customers, want.Table.Customers) || !slices.Equal(got.Table.IDs, want.Table.IDs) ||
			!slices.Equal(got.ReturnsOnly, want.ReturnsOnly) || !slices.Equal(got.Omitted, want.Omitted) || len(got.Catalog.Indicators) != len(want.Catalog.Indicators) {
			t.Fatalf("%s: %d calls, as-of %v, %d customers; want 1, %v, %d", c.name, calls, got.AsOf, len(got.Table.Customers), want.AsOf, len(want.Table.Customers))
		}
		for j, id := range want.Table.IDs {
			for k := range want.Table.Columns[j] {
				if math.Float64bits(got.Table.Columns[j][k]) != math.Float64bits(want.Table.Columns[j][k]) {
					t.Fatalf("%s: %s row %d: %v, want %v", c.name, id, k, got.Table.Columns[j][k], want.Table.Columns[j][k])
				}
			}
		}
		if c.name == "mid-file, within a day" && slices.Contains(got.Table.Customers, "late-only") {
			t.Errorf("%s: the customer with rows after the as-of only has a row", c.name)
		}
	}
	if _, err := RetailIndicators(ctx, slices.Values(txs), &RetailSettings{AsOfFunc: func() time.Time { return txs[0].Time.AddDate(-10, 0, 0) }}); !errors.Is(err, ErrEmptyInput) {
		t.Errorf("as-of before every row: %v, want ErrEmptyInput", err)
	}
}
