package cvm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"math/big"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cvmkit/cvm/internal/check"
	"github.com/google/go-cmp/cmp"
)

// orderTestRows returns rows for many customers whose IDs share long
// prefixes (more than 8 and 16 bytes), are short, or differ only in
// their last byte, with returns and several rows a day; then the same
// rows grouped by customer, sorted by time, and shuffled.
func orderTestRows() (grouped, byTime, shuffled []string) {
	rng := rand.New(rand.NewPCG(19, 1))
	var ids []string
	for i := range 700 {
		switch i % 5 {
		case 0:
			ids = append(ids, "C"+strconv.Itoa(i))
		case 1:
			ids = append(ids, "customer-number-0000"+strconv.Itoa(i)) // 20+ shared bytes
		case 2:
			ids = append(ids, "ABCDEFGH"+strconv.Itoa(i%7)) // 8 shared bytes, then one
		case 3:
			ids = append(ids, strings.Repeat("x", i%17+1)) // prefixes of each other
		default:
			ids = append(ids, "Z"+strconv.Itoa(i*7919))
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	type r struct {
		cust string
		t    time.Time
		line string
	}
	var rows []r
	base := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, id := range ids {
		for k := range 1 + rng.IntN(30) {
			t := base.Add(time.Duration(rng.IntN(700*24)) * time.Hour).Add(time.Duration(k) * time.Second)
			amt := float64(rng.IntN(40000))/100 - 50
			line := id + "," + t.Format("2006-01-02 15:04:05") + "," + strconv.FormatFloat(amt, 'f', 2, 64) + ",o" + strconv.Itoa(rng.IntN(9))
			rows = append(rows, r{id, t, line})
		}
	}
	for _, x := range rows {
		grouped = append(grouped, x.line)
	}
	sorted := slices.Clone(rows)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].t.Before(sorted[j].t) })
	for _, x := range sorted {
		byTime = append(byTime, x.line)
	}
	shuffled = slices.Clone(grouped)
	rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	return grouped, byTime, shuffled
}

// refSummaries is a plain reference: per customer, the exact sum of the
// amounts and of the returns as written (math/big rationals), rounded to
// float64 once, the earliest and latest purchase, and a set of purchase
// days or orders.
func refSummaries(t *testing.T, lines []string, occ Occasion) []Summary {
	type acc struct {
		s            Summary
		sum, ret     big.Rat
		days, orders map[string]bool
	}
	m := map[string]*acc{}
	for _, l := range lines {
		f := strings.Split(l, ",")
		tm := check.Must(time.Parse("2006-01-02 15:04:05", f[1]))
		var amt big.Rat
		if _, ok := amt.SetString(f[2]); !ok {
			t.Fatalf("amount %q", f[2])
		}
		a := m[f[0]]
		if a == nil {
			a = &acc{s: Summary{Customer: f[0]}, days: map[string]bool{}, orders: map[string]bool{}}
			m[f[0]] = a
		}
		a.s.Transactions++
		a.sum.Add(&a.sum, &amt)
		if amt.Sign() < 0 {
			a.ret.Sub(&a.ret, &amt)
			continue
		}
		if a.s.First.IsZero() || tm.Before(a.s.First) {
			a.s.First = tm
		}
		if tm.After(a.s.Last) {
			a.s.Last = tm
		}
		a.days[f[1][:10]] = true
		a.orders[f[3]] = true
	}
	var out []Summary
	for _, a := range m {
		s := a.s
		s.Total, _ = a.sum.Float64()
		s.Returns, _ = a.ret.Float64()
		s.Occasions = len(a.days)
		if occ == ByOrder {
			s.Occasions = len(a.orders)
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b Summary) int { return strings.Compare(a.Customer, b.Customer) })
	return out
}

// Issue 19 item 1: the partitioned Summarize gives the same summaries
// for rows grouped by customer, sorted by time and shuffled, equal to a
// plain reference, whatever GOMAXPROCS, the block size and how many rows
// are collected before they go to the partitions.
func TestReaderSummarizeRowOrder(t *testing.T) {
	grouped, byTime, shuffled := orderTestRows()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	defer func(c, f int) { chunkSize, flushRows = c, f }(chunkSize, flushRows)
	for _, occ := range []Occasion{ByDay, ByOrder} {
		want := refSummaries(t, grouped, occ)
		for name, lines := range map[string][]string{"grouped": grouped, "time": byTime, "shuffled": shuffled} {
			input := "customer,time,amount,order\n" + strings.Join(lines, "\n") + "\n"
			for _, procs := range []int{1, 2, 3} {
				for _, size := range []int{256, 4096, 1 << 20} {
					for _, flush := range []int{1, 500, 1 << 21} {
						runtime.GOMAXPROCS(procs)
						chunkSize, flushRows = size, flush
						rd := check.Must(NewReader(strings.NewReader(input), nil))
						got, err := rd.Summarize(context.Background(), &SummarySettings{Occasions: occ})
						if err != nil {
							t.Fatal(err)
						}
						if d := cmp.Diff(want, got); d != "" {
							t.Fatalf("%v %s GOMAXPROCS %d block %d flush %d: (-reference +got):\n%s", occ, name, procs, size, flush, d)
						}
					}
				}
			}
		}
	}
}

// The overflow error names the first overflowing row in input order
// when rows are collected over many blocks before aggregation.
func TestReaderSummarizeOverflowFlush(t *testing.T) {
	input := "customer,time,amount\n" + goodRows(100) + "B,2024-01-01,1e38\n" + goodRows(50) +
		"A,2024-01-01,1e38\n" + goodRows(5) + "A,2024-01-02,1e38\n" + goodRows(5) + "B,2024-01-02,1e38\n"
	defer func(c, f int) { chunkSize, flushRows = c, f }(chunkSize, flushRows)
	for _, flush := range []int{1, 100, 1 << 21} {
		// With and without a bad row after the overflows.
		for _, input := range []string{input + goodRows(10), input + "C,2024-01-03,x\n" + goodRows(10)} {
			for _, size := range []int{64, 1 << 20} {
				chunkSize, flushRows = size, flush
				rd := check.Must(NewReader(strings.NewReader(input), nil))
				_, err := rd.Summarize(context.Background(), nil)
				var pe *ParseError
				var te *TransactionError
				// Header, 100 rows, B (102), 50 rows, A (153), 5 rows, A (159).
				if !errors.Is(err, ErrOverflow) || !errors.As(err, &pe) || !errors.As(err, &te) || pe.Line != 159 || te.Customer != "A" {
					t.Errorf("block %d flush %d: %v, want ErrOverflow at line 159 naming A", size, flush, err)
				}
			}
		}
	}
}

// sortRefs orders IDs bytewise, as sorting the strings does, whatever
// prefixes they share.
func TestSortRefs(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 47, 49, 1000, 20000} {
		var ids [][]byte
		seen := map[string]bool{}
		for len(ids) < n {
			var b []byte
			switch rng.IntN(4) {
			case 0:
				b = []byte("prefix-shared-by-many-" + strconv.Itoa(rng.IntN(5*n+1)))
			case 1:
				b = bytes.Repeat([]byte{0}, rng.IntN(20)) // zero bytes, prefixes of each other
			case 2:
				b = append([]byte("AB"), bytes.Repeat([]byte{0}, rng.IntN(12))...)
			default:
				b = []byte(strconv.Itoa(rng.IntN(10 * (n + 1))))
			}
			if !seen[string(b)] {
				seen[string(b)] = true
				ids = append(ids, b)
			}
		}
		refs := make([]idRef, n)
		for i := range refs {
			refs[i] = idRef{key: idKey(ids[i], 0), g: uint32(i)}
		}
		sortRefs(refs, make([]idRef, n), 0, func(g uint32) []byte { return ids[g] })
		got := make([]string, n)
		for i, r := range refs {
			got[i] = string(ids[r.g])
		}
		want := make([]string, n)
		for i, b := range ids {
			want[i] = string(b)
		}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%d IDs: not in bytewise order", n)
		}
	}
}

// sortPairs sorts as slices.Sort does, by counting per customer (pairs
// at least a quarter of the customers) and by radix sort (fewer).
func TestSortPairs(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range []struct {
		pairs, customers int
		keys             int64
	}{
		{0, 1, 1}, {10, 5, 3}, {300, 1, 1000}, {300, 50, 2}, {5000, 4096, 40}, {5000, 100, 5000},
		{5000, 30000, 40}, {100000, 1 << 20, 1 << 30}, {20000, 300, 1 << 32},
	} {
		a := make([]uint64, c.pairs)
		for i := range a {
			a[i] = uint64(rng.IntN(c.customers))<<32 | uint64(rng.Int64N(c.keys))
		}
		want := slices.Sorted(slices.Values(a))
		sortPairs(a, c.customers)
		if !slices.Equal(a, want) {
			t.Errorf("%d pairs of %d customers: not sorted", c.pairs, c.customers)
		}
	}
}

// runTestInput returns CSV rows in runs of one customer, the customers
// mostly in ascending ID order, and, by kind, hostile rows among them: amounts
// that overflow a customer's exact sums in one run or across runs, an
// amount with more decimal places than a sum can hold, rows after the
// as-of, and bad rows.
func runTestInput(rng *rand.Rand, kind int) string {
	var b strings.Builder
	b.WriteString("customer,time,amount\n")
	next := 0
	// Up to about 150 KB: past the reader's first 64 KiB, which is one
	// block whatever the block size.
	for range 40 + rng.IntN(1000) {
		// Customers in ascending ID order (C100000, C100001, ...), some
		// coming again at once (a run cut in two), and with kind&16 one
		// now and then out of order.
		if rng.IntN(8) != 0 {
			next++
		}
		id := next
		if kind&16 != 0 && rng.IntN(50) == 0 {
			id = rng.IntN(next + 1)
		}
		c := "C" + strconv.Itoa(100000+id)
		for range 1 + rng.IntN(12) {
			day := 1 + rng.IntN(28)
			amt := strconv.FormatFloat(float64(rng.IntN(100000))/100-100, 'f', 2, 64)
			switch x := rng.IntN(200); {
			case kind&1 != 0 && x < 2:
				amt = "9e37" // two overflow a sum, in one run or across runs
			case kind&1 != 0 && x < 3:
				amt = "-9e37"
			case kind&2 != 0 && x < 4:
				amt = "1e-401" // more places than a sum holds
			case kind&2 != 0 && x < 6:
				amt = "0.123456789" // a new, larger scale
			case kind&4 != 0 && x < 8:
				amt = "x" // a bad row
			}
			month := "2024-01-"
			if kind&8 != 0 && rng.IntN(4) == 0 {
				month = "2024-03-" // after the as-of
			}
			b.WriteString(c + "," + month + pad2(day) + " 1" + strconv.Itoa(rng.IntN(10)) + ":00:00," + amt + "\n")
		}
	}
	return b.String()
}

// The ascending path gives the same summaries, and the same first error
// at the same row, as the partitions alone, for inputs whose IDs ascend
// or stop ascending, with overflowing sums (within a block, across a
// block boundary, across runs), unholdable amounts, rows after the as-of
// and bad rows (strict and skipped), whatever the block size, the flush
// size and GOMAXPROCS; and with fewer IDs allowed than customers.
func TestReaderSummarizeAscendingMatchesRows(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	defer func(c, f, m int) { chunkSize, flushRows, maxIDs, rowByRow = c, f, m, false }(chunkSize, flushRows, maxIDs)
	// Which customer is the first too many for its partition depends on
	// the partitions' hash seed: both paths use the same.
	defer func(s func() maphash.Seed) { partitionSeed = s }(partitionSeed)
	seed := maphash.MakeSeed()
	partitionSeed = func() maphash.Seed { return seed }
	rng := rand.New(rand.NewPCG(23, 5))
	idLimit := maxIDs
	summarize := func(input string, skip bool, asOf time.Time) ([]Summary, error) {
		rd := check.Must(NewReader(strings.NewReader(input), &ReadSettings{SkipBadRows: skip}))
		return rd.Summarize(context.Background(), &SummarySettings{AsOf: asOf})
	}
	// A bad row within a run, then an overflow in the same run: the
	// bad row is the error, for the rows after it were never accepted.
	limitCase := "customer,time,amount\n" + goodRows(30) + "A,2024-01-01,9e37\nA,2024-01-01,x\nA,2024-01-02,9e37\nA,2024-01-03,1\n" + goodRows(30)
	// One customer's sums overflow in a later block than the one they
	// started in, while the IDs ascend.
	boundaryCase := "customer,time,amount\n" + goodRows(30) + "D,2024-01-01,9e37\n" + strings.Repeat("D,2024-01-02,1\n", 20000) + "D,2024-01-03,9e37\n" + "E,2024-01-01,1\n"
	failed, succeeded := 0, 0
	trials := 640
	if testing.Short() || raceEnabled {
		trials = 64
	}
	for trial := range trials + 2 {
		kind := trial % 32
		input := runTestInput(rng, kind)
		switch trial {
		case trials:
			input, kind = limitCase, 0
		case trials + 1:
			input, kind = boundaryCase, 0
		}
		skip := trial%64 >= 32 && trial < trials
		if trial == trials+1 && !strings.Contains(fmt.Sprint(summarize(input, false, time.Time{})), "line 20033") {
			t.Fatalf("the boundary case: %v, want the overflow at line 20033", fmt.Sprint(summarize(input, false, time.Time{})))
		}
		maxIDs = idLimit
		if trial%4 == 0 { // kinds without hostile amounts, which end the ascending path
			maxIDs = 2 + trial%7 // fewer than the customers
		}
		var asOf time.Time
		if kind&8 != 0 {
			asOf = utc(2024, 2, 1, 0, 0, 0)
		}
		for _, procs := range []int{1, 2} {
			for _, size := range []int{128, 1 << 20} {
				for _, flush := range []int{50, 1 << 21} {
					runtime.GOMAXPROCS(procs)
					chunkSize, flushRows = size, flush
					rowByRow = true
					want, wantErr := summarize(input, skip, asOf)
					rowByRow = false
					got, err := summarize(input, skip, asOf)
					if fmt.Sprint(err) != fmt.Sprint(wantErr) {
						t.Fatalf("trial %d, GOMAXPROCS %d block %d flush %d: error %v, want %v", trial, procs, size, flush, err, wantErr)
					}
					if d := cmp.Diff(want, got); d != "" {
						t.Fatalf("trial %d, GOMAXPROCS %d block %d flush %d: (-rows +runs):\n%s", trial, procs, size, flush, d)
					}
					if wantErr != nil {
						failed++
					} else {
						succeeded++
					}
				}
			}
		}
	}
	// Both outcomes must be common, or the test checks little.
	if failed < trials || succeeded < trials {
		t.Errorf("%d failing and %d succeeding runs: the inputs test too little", failed, succeeded)
	}
}

// SummarizeEach hands over what Summarize returns, in order, in batches
// of about summaryBatch, after the whole input is read: on the ascending
// path and through the partitions, for inputs that ascend or stop
// ascending, with bad rows strict and skipped; and fn's error stops it.
func TestSummarizeEach(t *testing.T) {
	defer func(c, b int) { chunkSize, summaryBatch, rowByRow = c, b, false }(chunkSize, summaryBatch)
	chunkSize, summaryBatch = 128, 5
	rng := rand.New(rand.NewPCG(41, 3))
	for trial := range 96 {
		input := runTestInput(rng, trial%32)
		skip := trial%3 == 0
		rowByRow = trial%2 == 1
		rd := check.Must(NewReader(strings.NewReader(input), &ReadSettings{SkipBadRows: skip}))
		want, wantErr := rd.Summarize(context.Background(), nil)
		rd = check.Must(NewReader(strings.NewReader(input), &ReadSettings{SkipBadRows: skip}))
		var got []Summary
		calls := 0
		err := rd.SummarizeEach(context.Background(), nil, func(s []Summary) error {
			// Whole segments on the ascending path (the first block holds
			// what the header's read left over): no bound but non-empty.
			if rd.Stats().Rows == 0 || len(s) == 0 || rowByRow && len(s) > summaryBatch {
				return fmt.Errorf("a batch of %d after %d rows", len(s), rd.Stats().Rows)
			}
			calls++
			got = append(got, s...)
			return nil
		})
		if fmt.Sprint(err) != fmt.Sprint(wantErr) {
			t.Fatalf("trial %d: error %v, want %v", trial, err, wantErr)
		}
		if wantErr != nil {
			if calls != 0 {
				t.Fatalf("trial %d: %d batches before the error %v", trial, calls, err)
			}
			continue
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("trial %d (row by row %v): (-Summarize +SummarizeEach):\n%s", trial, rowByRow, d)
		}
		if rowByRow && len(want) > summaryBatch && calls < 2 {
			t.Fatalf("trial %d: %d summaries in %d batch(es)", trial, len(want), calls)
		}
	}
	// A file larger than the first block, whose IDs ascend: many batches
	// on the ascending path too.
	var big strings.Builder
	big.WriteString("customer,time,amount\n")
	for i := range 20000 {
		fmt.Fprintf(&big, "C%06d,2024-%02d-%02d,%d.25\n", i/10, 1+i%12, 1+i%28, i%97-20)
	}
	for _, rows := range []bool{false, true} {
		rowByRow = rows
		want := check.Must(check.Must(NewReader(strings.NewReader(big.String()), nil)).Summarize(context.Background(), nil))
		var got []Summary
		calls := 0
		err := check.Must(NewReader(strings.NewReader(big.String()), nil)).SummarizeEach(context.Background(), nil, func(s []Summary) error {
			calls++
			got = append(got, s...)
			return nil
		})
		if err != nil || calls < 10 || !cmp.Equal(want, got) || len(want) != 2000 {
			t.Fatalf("row by row %v: %d summaries in %d batches (error %v), want Summarize's %d", rows, len(got), calls, err, len(want))
		}
	}
	// fn's error is returned, after one call.
	rd := check.Must(NewReader(strings.NewReader("customer,time,amount\n"+goodRows(40)), nil))
	stop, calls := errors.New("stop"), 0
	if err := rd.SummarizeEach(context.Background(), nil, func([]Summary) error { calls++; return stop }); err != stop || calls != 1 {
		t.Errorf("SummarizeEach = %v after %d calls, want %v after 1", err, calls, stop)
	}
}
