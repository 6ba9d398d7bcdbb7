package cvm

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/cvmkit/cvm/internal/check"
	"github.com/google/go-cmp/cmp"
)

// goldenTxs is a small history whose summaries are computed by hand in
// TestSummarize.
var goldenTxs = []Transaction{
	{Customer: "A", Time: utc(2024, 1, 1, 10, 0, 0), Amount: 10, Order: "o1"},
	{Customer: "C", Time: utc(2024, 1, 2, 23, 30, 0), Amount: 1},
	{Customer: "A", Time: utc(2024, 1, 1, 15, 0, 0), Amount: 5, Order: "o2"},
	{Customer: "B", Time: utc(2024, 2, 1, 0, 0, 0), Amount: -3, Order: "r9"},
	{Customer: "A", Time: utc(2024, 1, 3, 9, 0, 0), Amount: -4, Order: "r1"},
	{Customer: "C", Time: utc(2024, 1, 3, 0, 10, 0), Amount: 2},
	{Customer: "A", Time: utc(2024, 1, 5, 0, 0, 0), Amount: 20.5, Order: "o3"},
}

func TestSummarize(t *testing.T) {
	plus1 := time.FixedZone("UTC+1", 3600)
	for _, tt := range []struct {
		name string
		opts *SummarySettings
		want []Summary
	}{
		{
			// A: purchases 10 and 5 on Jan 1 (one day), 20.5 on Jan 5, a
			// return of 4: 2 occasions, total 31.5, returns 4.
			// B: only a return of 3. C: Jan 2 and Jan 3 in UTC.
			name: "by day, UTC",
			want: []Summary{
				{Customer: "A", First: utc(2024, 1, 1, 10, 0, 0), Last: utc(2024, 1, 5, 0, 0, 0), Occasions: 2, Transactions: 4, Total: 31.5, Returns: 4},
				{Customer: "B", Transactions: 1, Total: -3, Returns: 3},
				{Customer: "C", First: utc(2024, 1, 2, 23, 30, 0), Last: utc(2024, 1, 3, 0, 10, 0), Occasions: 2, Transactions: 2, Total: 3},
			},
		},
		{
			// In UTC+1 both of C's purchases fall on Jan 3.
			name: "by day, UTC+1",
			opts: &SummarySettings{Location: plus1},
			want: []Summary{
				{Customer: "A", First: utc(2024, 1, 1, 10, 0, 0), Last: utc(2024, 1, 5, 0, 0, 0), Occasions: 2, Transactions: 4, Total: 31.5, Returns: 4},
				{Customer: "B", Transactions: 1, Total: -3, Returns: 3},
				{Customer: "C", First: utc(2024, 1, 2, 23, 30, 0), Last: utc(2024, 1, 3, 0, 10, 0), Occasions: 1, Transactions: 2, Total: 3},
			},
		},
		{
			// A: orders o1, o2, o3 (returns are not occasions); C has no
			// order IDs, so each purchase is its own occasion.
			name: "by order",
			opts: &SummarySettings{Occasions: ByOrder},
			want: []Summary{
				{Customer: "A", First: utc(2024, 1, 1, 10, 0, 0), Last: utc(2024, 1, 5, 0, 0, 0), Occasions: 3, Transactions: 4, Total: 31.5, Returns: 4},
				{Customer: "B", Transactions: 1, Total: -3, Returns: 3},
				{Customer: "C", First: utc(2024, 1, 2, 23, 30, 0), Last: utc(2024, 1, 3, 0, 10, 0), Occasions: 2, Transactions: 2, Total: 3},
			},
		},
		{
			// Only A's two Jan 1 purchases are at or before Jan 2 00:00.
			name: "as of",
			opts: &SummarySettings{AsOf: utc(2024, 1, 2, 0, 0, 0)},
			want: []Summary{
				{Customer: "A", First: utc(2024, 1, 1, 10, 0, 0), Last: utc(2024, 1, 1, 15, 0, 0), Occasions: 1, Transactions: 2, Total: 15},
			},
		},
		{
			// AsOf is inclusive: A's purchase at exactly Jan 5 00:00 counts.
			name: "as of is inclusive",
			opts: &SummarySettings{AsOf: utc(2024, 1, 5, 0, 0, 0)},
			want: []Summary{
				{Customer: "A", First: utc(2024, 1, 1, 10, 0, 0), Last: utc(2024, 1, 5, 0, 0, 0), Occasions: 2, Transactions: 4, Total: 31.5, Returns: 4},
				{Customer: "C", First: utc(2024, 1, 2, 23, 30, 0), Last: utc(2024, 1, 3, 0, 10, 0), Occasions: 2, Transactions: 2, Total: 3},
			},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(goldenTxs)
			got, err := Summarize(context.Background(), slices.Values(in), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
			if !slices.Equal(in, goldenTxs) {
				t.Error("Summarize changed its input")
			}
		})
	}
}

func TestSummaryMethods(t *testing.T) {
	// Hand-computed: gross = 31.5 + 4; mean = 31.5 / 2.
	s := Summary{Occasions: 2, Total: 31.5, Returns: 4}
	if s.Gross() != 35.5 || s.Mean() != 15.75 {
		t.Errorf("Gross %v Mean %v, want 35.5 and 15.75", s.Gross(), s.Mean())
	}
	if m := (Summary{Total: -3, Returns: 3}).Mean(); m != 0 {
		t.Errorf("Mean without occasions %v, want 0", m)
	}
	if ByDay.String() != "day" || ByOrder.String() != "order" || Occasion(7).String() != "Occasion(7)" {
		t.Error("Occasion.String")
	}
}

func TestSummarizeErrors(t *testing.T) {
	for _, tt := range []struct {
		name  string
		txs   []Transaction
		opts  *SummarySettings
		want  error
		field string
	}{
		{"empty", nil, nil, ErrEmptyInput, ""},
		{"all after as-of", goldenTxs, &SummarySettings{AsOf: utc(2020, 1, 1, 0, 0, 0)}, ErrEmptyInput, ""},
		{"empty customer", []Transaction{{Time: utc(2024, 1, 1, 0, 0, 0), Amount: 1}}, nil, ErrEmptyCustomer, "customer"},
		{"zero time", []Transaction{{Customer: "A", Amount: 1}}, nil, ErrZeroTime, "time"},
		{"NaN", []Transaction{{Customer: "A", Time: utc(2024, 1, 1, 0, 0, 0), Amount: math.NaN()}}, nil, ErrNonFinite, "amount"},
		{"Inf", []Transaction{{Customer: "A", Time: utc(2024, 1, 1, 0, 0, 0), Amount: math.Inf(-1)}}, nil, ErrNonFinite, "amount"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Summarize(context.Background(), slices.Values(tt.txs), tt.opts)
			if !errors.Is(err, tt.want) || got != nil {
				t.Fatalf("got %v, %v; want nil, %v", got, err, tt.want)
			}
			var te *TransactionError
			if tt.field != "" && (!errors.As(err, &te) || te.Field != tt.field) {
				t.Errorf("error %v does not name field %q", err, tt.field)
			}
		})
	}
}

// A million purchases of 0.1: the exact sum of the float64 nearest 0.1
// taken a million times is 100000.0000000000055511151231257827..., whose
// nearest float64 is 100000. A naive float64 loop gives 100000.00000133288.
func TestSummarizeCompensated(t *testing.T) {
	const n = 1_000_000
	s := NewSummarizer(nil)
	day := utc(2024, 1, 1, 0, 0, 0)
	for i := range n {
		if err := s.Add(Transaction{Customer: "A", Time: day.Add(time.Duration(i) * time.Second), Amount: 0.1}); err != nil {
			t.Fatal(err)
		}
	}
	got := s.Summaries()
	// 1e6 seconds after Jan 1 00:00 is Jan 12 13:46:39, so 12 days.
	if len(got) != 1 || got[0].Total != 100000 || got[0].Occasions != 12 || got[0].Transactions != n {
		t.Errorf("got %+v, want Total 100000, 12 occasions, %d transactions", got, n)
	}
}

// Summaries can be called mid-stream; later transactions merge into the
// occasions already counted.
func TestSummarizerIncremental(t *testing.T) {
	s := NewSummarizer(nil)
	add := func(c string, d int) {
		if err := s.Add(Transaction{Customer: c, Time: utc(2024, 1, d, 12, 0, 0), Amount: 1}); err != nil {
			t.Fatal(err)
		}
	}
	add("A", 1)
	add("B", 1)
	if got := s.Summaries(); len(got) != 2 || got[0].Occasions != 1 {
		t.Fatalf("first: %+v", got)
	}
	add("A", 2)
	add("A", 1) // a day already counted before the first Summaries
	add("B", 1)
	got := s.Summaries()
	if got[0].Occasions != 2 || got[0].Transactions != 3 || got[1].Occasions != 1 || got[1].Transactions != 2 || s.Len() != 2 {
		t.Errorf("second: %+v, want A 2 occasions in 3 rows, B 1 in 2", got)
	}
}

// Customer IDs that sort differently from their order of arrival, and a
// base big enough for the radix sort and the ID table to grow.
func TestSummarizeManyCustomers(t *testing.T) {
	const n = 5000
	var txs []Transaction
	for i := range n {
		c := n - 1 - i // arrive in descending order
		// Customer c buys on days 1..(c%3)+1, twice on day 1.
		for d := 1; d <= c%3+1; d++ {
			txs = append(txs, Transaction{Customer: "C" + itoa(c), Time: utc(2024, 3, d, 9, 0, 0), Amount: 1})
		}
		txs = append(txs, Transaction{Customer: "C" + itoa(c), Time: utc(2024, 3, 1, 18, 0, 0), Amount: 2})
	}
	got, err := Summarize(context.Background(), slices.Values(txs), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Fatalf("%d summaries, want %d", len(got), n)
	}
	for i, s := range got {
		if i > 0 && got[i-1].Customer >= s.Customer {
			t.Fatalf("not sorted at %d: %q >= %q", i, got[i-1].Customer, s.Customer)
		}
		var c int
		for _, ch := range s.Customer[1:] {
			c = c*10 + int(ch-'0')
		}
		days := c%3 + 1
		if s.Occasions != days || s.Transactions != days+1 || s.Total != float64(days+2) {
			t.Fatalf("%s: %+v, want %d occasions, %d rows, total %d", s.Customer, s, days, days+1, days+2)
		}
	}
}

func TestDayNumber(t *testing.T) {
	for _, tt := range []struct {
		t    time.Time
		loc  *time.Location
		want int64
	}{
		{utc(1970, 1, 1, 23, 59, 59), time.UTC, 0},
		{utc(1969, 12, 31, 0, 0, 0), time.UTC, -1},
		{utc(2000, 3, 1, 0, 0, 0), time.UTC, 11017}, // 30*365 + 7 leap days to 2000-01-01, + 31 + 29
		{utc(1970, 1, 1, 23, 30, 0), time.FixedZone("+1", 3600), 1},
	} {
		if got := DayNumber(tt.t, tt.loc); got != tt.want {
			t.Errorf("DayNumber(%v, %v) = %d, want %d", tt.t, tt.loc, got, tt.want)
		}
	}
}

// Issue 13 item 3, and issue 16 item 3: a customer's exact sum of
// purchases or of returns that would reach 2^127 units of its scale (the
// most decimal places among its amounts) is an error naming the
// customer, never a NaN, infinite or rounded total. 2^127 is about
// 1.70e38: 1e38 fits at scale 0, 2e38 does not, and 1e37 does not at
// scale 2 (1e39 cents). The transaction is not added, so the Summarizer
// stays usable.
func TestSummarizeOverflow(t *testing.T) {
	day := utc(2024, 1, 1, 0, 0, 0)
	for _, tt := range []struct {
		name    string
		amounts []float64
		at      int // index of the transaction that overflows
	}{
		{"purchases", []float64{1e38, 1e38}, 1},
		{"returns", []float64{-1e38, -1e38}, 1},
		{"after a small amount", []float64{1, 1e38, 1e38}, 2},
		{"one huge amount", []float64{1, math.MaxFloat64}, 1},
		{"scale of cents", []float64{0.01, 1e37}, 1},
		{"cents after a large amount", []float64{1e37, 0.01}, 1},
		// Returns of -1e38 twice overflow the returns even though the
		// total, with the purchases, stays in range.
		{"returns beside purchases", []float64{1e38, -1e38, 1e37, -1e38}, 3},
		// A new customer's refused first amount leaves no customer
		// behind, however many transactions follow for others.
		{"first amount", []float64{math.MaxFloat64}, 0},
		{"first return", []float64{-1e300}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var txs []Transaction
			for i, a := range tt.amounts {
				txs = append(txs, Transaction{Customer: "B", Time: day, Amount: 1}, Transaction{Customer: "A", Time: day.AddDate(0, 0, i), Amount: a})
			}
			_, err := Summarize(context.Background(), slices.Values(txs), nil)
			var te *TransactionError
			if !errors.Is(err, ErrOverflow) || !errors.As(err, &te) || te.Customer != "A" || te.Field != "amount" {
				t.Fatalf("Summarize: %v, want ErrOverflow naming customer A", err)
			}
			s := NewSummarizer(nil)
			for i, tx := range txs {
				err := s.Add(tx)
				if overflow := tx.Customer == "A" && i/2 == tt.at; overflow != errors.Is(err, ErrOverflow) {
					t.Fatalf("Add %d (%v): %v", i, tx.Amount, err)
				}
			}
			sums := s.Summaries()
			if i := slices.IndexFunc(sums, func(sum Summary) bool { return sum.Customer == "A" }); (i >= 0) != (len(tt.amounts) > 1) {
				t.Errorf("A in the summaries: %v, want %v", i >= 0, len(tt.amounts) > 1)
			}
			for _, sum := range sums {
				if math.IsNaN(sum.Total) || math.IsInf(sum.Total, 0) || math.IsNaN(sum.Returns) || math.IsInf(sum.Returns, 0) {
					t.Errorf("%+v: not finite", sum)
				}
				// Hand count: B has one row per amount; A lost the rows
				// that overflowed.
				if sum.Customer == "A" && sum.Transactions != len(tt.amounts)-1 {
					t.Errorf("A: %d transactions, want %d", sum.Transactions, len(tt.amounts)-1)
				}
			}
		})
	}
}

// Issue 13 item 7: candidate occasions are deduplicated as they pile up,
// so one customer buying on alternating days for millions of rows keeps
// memory bounded by its distinct days, not its rows (1.7 GB for a 2.5 MB
// gzip before). The counts match a plain map-based reference.
func TestSummarizerOccasionsBounded(t *testing.T) {
	defer func(old int) { compactMin = old }(compactMin)
	compactMin = 1 << 10
	s := NewSummarizer(nil)
	day := utc(2024, 1, 1, 12, 0, 0)
	const rows = 200_000
	peak := 0
	for i := range rows {
		// Customer A alternates between days 0 and 1; customers B0..B99
		// each buy on their own day i%7.
		if err := s.Add(Transaction{Customer: "A", Time: day.AddDate(0, 0, i%2), Amount: 1}); err != nil {
			t.Fatal(err)
		}
		if err := s.Add(Transaction{Customer: "B" + itoa(i%100), Time: day.AddDate(0, 0, i%7), Amount: 1}); err != nil {
			t.Fatal(err)
		}
		peak = max(peak, s.pending+len(s.sorted))
	}
	// Distinct (customer, day) pairs: A 2, each B 7.
	if limit := 2*compactMin + pairBlock; peak > limit {
		t.Errorf("%d occasion pairs held at the peak, want at most %d", peak, limit)
	}
	got := s.Summaries()
	want := map[string]int{"A": 2}
	for b := range 100 {
		want["B"+itoa(b)] = 7
	}
	for _, sum := range got {
		if sum.Occasions != want[sum.Customer] {
			t.Errorf("%s: %d occasions, want %d", sum.Customer, sum.Occasions, want[sum.Customer])
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d customers, want %d", len(got), len(want))
	}
}

// With compaction on, Summaries over random input matches a map-based
// count of distinct (customer, day) pairs.
func TestSummarizerCompactionMatchesReference(t *testing.T) {
	defer func(old int) { compactMin = old }(compactMin)
	for _, cm := range []int{1, 64, 1 << 21} {
		compactMin = cm
		r := rand.New(rand.NewPCG(7, uint64(cm)))
		s := NewSummarizer(nil)
		ref := map[string]map[int]bool{}
		for range 20_000 {
			c, d := "C"+itoa(r.IntN(300)), r.IntN(40)
			amt := float64(r.IntN(100)) - 10
			check.NoErr(t, s.Add(Transaction{Customer: c, Time: utc(2024, 1, 1, 0, 0, 0).AddDate(0, 0, d), Amount: amt}))
			if ref[c] == nil {
				ref[c] = map[int]bool{}
			}
			if amt >= 0 {
				ref[c][d] = true
			}
		}
		for _, sum := range s.Summaries() {
			if sum.Occasions != len(ref[sum.Customer]) {
				t.Fatalf("compactMin %d: %s has %d occasions, want %d", cm, sum.Customer, sum.Occasions, len(ref[sum.Customer]))
			}
		}
	}
}
