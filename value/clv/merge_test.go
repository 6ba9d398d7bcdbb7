package clv

import (
	"fmt"
	"hash/maphash"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/check"
	"github.com/cvmkit/cvm/internal/synth"
)

// partitionRows splits txs by customer into k partitions (every
// transaction of a customer in one, by a seeded hash of its ID), shuffles
// each, and returns the Compress and CompressSpend rows of each
// partition's Prepare, in a random order, with each partition's rows
// shuffled too.
func partitionRows(t *testing.T, txs []cvm.Transaction, k int, seed uint64, calEnd time.Time, set *PrepareSettings) ([][]Row, [][]SpendRow) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 16))
	hs := maphash.MakeSeed()
	parts := make([][]cvm.Transaction, k)
	for _, tx := range txs {
		p := maphash.String(hs, tx.Customer) % uint64(k)
		parts[p] = append(parts[p], tx)
	}
	var rows [][]Row
	var spend [][]SpendRow
	for _, part := range parts {
		rng.Shuffle(len(part), func(i, j int) { part[i], part[j] = part[j], part[i] })
		ds, err := Prepare(ctx, slices.Values(part), calEnd, set)
		if err != nil {
			continue // no customer of this partition buys in the calibration period
		}
		r := Compress(ds.Customers)
		rng.Shuffle(len(r), func(i, j int) { r[i], r[j] = r[j], r[i] })
		rows = append(rows, r)
		if s, err := CompressSpend(ds.Customers); err == nil {
			rng.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
			spend = append(spend, s)
		}
	}
	rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	rng.Shuffle(len(spend), func(i, j int) { spend[i], spend[j] = spend[j], spend[i] })
	return rows, spend
}

// sameRows fails unless got and want are equal bit for bit.
func sameRows[R comparable](t *testing.T, name string, got, want []R) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s: %d rows, want %d\n got %v\nwant %v", name, len(got), len(want), got[:min(len(got), 8)], want[:min(len(want), 8)])
	}
}

// Issue 16 item 3: the compressed rows of partitions keyed by customer,
// merged in any order, are Compress of the whole (and the spend rows
// CompressSpend of the whole), bit for bit, for 50 seeds, with returns,
// a Shanghai calendar and a holdout; and the central fit on the merged
// rows is the fit on the customers.
func TestMergeRows(t *testing.T) {
	shanghai := check.Must(time.LoadLocation("Asia/Shanghai"))
	calEnd := time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC)
	for seed := range uint64(50) {
		txs := slices.Collect(synth.Transactions(synth.Config{Customers: 300, Seed: seed, ReturnRate: 0.1}))
		set := &PrepareSettings{}
		if seed%2 == 1 {
			set = &PrepareSettings{Location: shanghai, Unit: Days, HoldoutEnd: calEnd.AddDate(0, 3, 0)}
		}
		ds := check.Must(Prepare(ctx, slices.Values(txs), calEnd, set))
		want := Compress(ds.Customers)
		wantSpend := check.Must(CompressSpend(ds.Customers))
		k := 1 + int(seed%7)
		rows, spend := partitionRows(t, txs, k, seed, calEnd, set)
		sameRows(t, fmt.Sprintf("seed %d, %d partitions", seed, k), MergeRows(rows...), want)
		sameRows(t, fmt.Sprintf("seed %d, %d partitions, spend", seed, k), MergeSpendRows(spend...), wantSpend)
		if seed == 0 {
			central := check.Must(FitBGNBDRows(ctx, MergeRows(rows...), nil))
			whole := check.Must(FitBGNBD(ctx, ds.Customers, nil))
			if central.R != whole.R || central.Alpha != whole.Alpha || central.A != whole.A || central.B != whole.B {
				t.Errorf("fit on merged rows %+v, on the customers %+v", central, whole)
			}
			gg := check.Must(FitGammaGammaRows(ctx, MergeSpendRows(spend...), nil))
			ggWhole := check.Must(FitGammaGamma(ctx, ds.Customers, nil))
			if gg.P != ggWhole.P || gg.Q != ggWhole.Q || gg.Gamma != ggWhole.Gamma {
				t.Errorf("Gamma-Gamma on merged rows %+v, on the customers %+v", gg, ggWhole)
			}
		}
	}
}

// The same on CDNOW master (23,570 customers, calibration through
// 1997-09-30), split into 8 partitions.
func TestMergeRowsCDNOW(t *testing.T) {
	txs := readCDNOW(t, "CDNOW_master.txt")
	calEnd := time.Date(1997, 9, 30, 0, 0, 0, 0, time.UTC)
	ds := check.Must(Prepare(ctx, slices.Values(txs), calEnd, nil))
	rows, spend := partitionRows(t, txs, 8, 1, calEnd, nil)
	sameRows(t, "CDNOW", MergeRows(rows...), Compress(ds.Customers))
	sameRows(t, "CDNOW spend", MergeSpendRows(spend...), check.Must(CompressSpend(ds.Customers)))
}

// MergeRows gives the same bits whatever the order of the parts and rows,
// also for fractional counts and signed zeros; NaN rows stay apart; it
// does not modify its inputs; no rows is nil.
func TestMergeRowsOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 9))
	var all []Row
	var spend []SpendRow
	vals := []float64{0, math.Copysign(0, -1), 1, 2.5}
	for range 400 {
		all = append(all, Row{vals[rng.IntN(4)], vals[rng.IntN(4)], vals[rng.IntN(4)], rng.Float64() * 10})
		spend = append(spend, SpendRow{vals[rng.IntN(4)], vals[rng.IntN(4)], rng.Float64() * 10})
	}
	all = append(all, Row{math.NaN(), 1, 1, 1}, Row{math.NaN(), 1, 1, 1})
	split := func(n int, r *rand.Rand) []int { // cut points of n items into parts
		cuts := []int{0}
		for i := 1; i < n; i++ {
			if r.IntN(20) == 0 {
				cuts = append(cuts, i)
			}
		}
		return append(cuts, n)
	}
	var first []Row
	var firstSpend []SpendRow
	for seed := range uint64(30) {
		r := rand.New(rand.NewPCG(seed, 1))
		rows, sp := slices.Clone(all), slices.Clone(spend)
		r.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
		r.Shuffle(len(sp), func(i, j int) { sp[i], sp[j] = sp[j], sp[i] })
		var parts [][]Row
		cuts := split(len(rows), r)
		for i := 1; i < len(cuts); i++ {
			parts = append(parts, rows[cuts[i-1]:cuts[i]])
		}
		var sparts [][]SpendRow
		cuts = split(len(sp), r)
		for i := 1; i < len(cuts); i++ {
			sparts = append(sparts, sp[cuts[i-1]:cuts[i]])
		}
		before := slices.Clone(rows)
		got, gotSpend := MergeRows(parts...), MergeSpendRows(sparts...)
		if !slices.EqualFunc(rows, before, sameRowBits) {
			t.Fatal("MergeRows modified its input")
		}
		// 2 NaN rows plus at most 3^3 distinct triples (zeros merged).
		if nan := slices.IndexFunc(got, func(r Row) bool { return math.IsNaN(r.Frequency) }); nan < 0 || len(got) > 29 {
			t.Fatalf("%d rows, NaN at %d", len(got), nan)
		}
		if seed == 0 {
			first, firstSpend = got, gotSpend
			continue
		}
		if !slices.EqualFunc(got, first, sameRowBits) {
			t.Fatalf("seed %d: merged rows differ with the order", seed)
		}
		if !slices.EqualFunc(gotSpend, firstSpend, func(a, b SpendRow) bool {
			return math.Float64bits(a.Frequency) == math.Float64bits(b.Frequency) &&
				math.Float64bits(a.MeanSpend) == math.Float64bits(b.MeanSpend) && math.Float64bits(a.Count) == math.Float64bits(b.Count)
		}) {
			t.Fatalf("seed %d: merged spend rows differ with the order", seed)
		}
	}
	if MergeRows() != nil || MergeRows(nil, []Row{}) != nil || MergeSpendRows() != nil {
		t.Error("no rows: not nil")
	}
}

func sameRowBits(a, b Row) bool {
	return math.Float64bits(a.Frequency) == math.Float64bits(b.Frequency) && math.Float64bits(a.Recency) == math.Float64bits(b.Recency) &&
		math.Float64bits(a.T) == math.Float64bits(b.T) && math.Float64bits(a.Count) == math.Float64bits(b.Count)
}
