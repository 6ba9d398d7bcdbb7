package clv

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// The grouping by ranks and counting sorts (group.go) against the
// comparison sorts it replaced, kept here as they were: the references
// for the bits of Compress, CompressIndex, indexRows and CompressSpend.

// refCompress is Compress as it was: sort by cmpRow, merge equal triples.
func refCompress(cs []Customer) []Row {
	if len(cs) == 0 {
		return nil
	}
	rows := make([]Row, len(cs))
	for i, c := range cs {
		rows[i] = Row{c.Frequency, c.Recency, c.T, 1}
	}
	slices.SortFunc(rows, cmpRow)
	out := rows[:1]
	for _, r := range rows[1:] {
		last := &out[len(out)-1]
		if r.Frequency == last.Frequency && r.Recency == last.Recency && r.T == last.T {
			last.Count++
			continue
		}
		out = append(out, r)
	}
	return slices.Clip(out)
}

// refIndexRows is indexRows as it was: sorted distinct values by
// slices.Sort and Compact, indices by maps.
func refIndexRows(rows []Row) *indexed {
	d := &indexed{rows: make([]irow, len(rows))}
	distinct := func(get func(Row) float64) ([]float64, map[float64]int32) {
		var vals []float64
		for _, r := range rows {
			vals = append(vals, get(r))
		}
		slices.Sort(vals)
		vals = slices.Compact(vals)
		m := make(map[float64]int32, len(vals))
		for i, v := range vals {
			m[v] = int32(i)
		}
		return vals, m
	}
	var mx, mtx, mt map[float64]int32
	d.xs, mx = distinct(func(r Row) float64 { return r.Frequency })
	d.txs, mtx = distinct(func(r Row) float64 { return r.Recency })
	d.ts, mt = distinct(func(r Row) float64 { return r.T })
	for i, r := range rows {
		d.rows[i] = irow{mx[r.Frequency], mtx[r.Recency], mt[r.T], r.Count}
		d.n += r.Count
	}
	return d
}

// refMergeSpend is mergeSpend as it was: a stable sort by cmpSpend, then
// equal pairs merged.
func refMergeSpend(rows []SpendRow) []SpendRow {
	if len(rows) == 0 {
		return rows
	}
	slices.SortStableFunc(rows, cmpSpend)
	m := rows[:1]
	for _, r := range rows[1:] {
		if last := &m[len(m)-1]; cmpSpend(*last, r) == 0 {
			last.Count += r.Count
			continue
		}
		m = append(m, r)
	}
	return slices.Clip(m)
}

// sameBits reports whether a and b hold the same bits.
func sameBits(a, b []float64) bool {
	return slices.EqualFunc(a, b, func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) })
}

func equalRowBits(a, b []Row) bool {
	return slices.EqualFunc(a, b, func(x, y Row) bool {
		return sameBits([]float64{x.Frequency, x.Recency, x.T, x.Count}, []float64{y.Frequency, y.Recency, y.T, y.Count})
	})
}

// groupCases returns customer bases for the grouping tests: ages and
// recencies in whole days (few distinct values, many shared histories),
// in fractional weeks (all distinct), and the values the ranks do not
// take (-0, NaN, negative, Inf) mixed in.
func groupCases() map[string][]Customer {
	rng := rand.New(rand.NewPCG(3, 17))
	days := func(n, maxDay int) []Customer {
		cs := make([]Customer, n)
		for i := range cs {
			t := rng.IntN(maxDay)
			x := min(rng.IntN(8), t)
			tx := 0
			if x > 0 {
				tx = x + rng.IntN(t-x+1)
			}
			cs[i] = Customer{Frequency: float64(x), Recency: float64(tx) / 7, T: float64(t) / 7, MeanSpend: float64(rng.IntN(5))}
		}
		return cs
	}
	cases := map[string][]Customer{
		"one":        {{Frequency: 2, Recency: 3, T: 5}},
		"days":       days(3000, 400),
		"many days":  days(60000, 60), // more rows than chunkSize, heavily shared
		"synthetic":  synthCustomers(5000),
		"continuous": simBGNBD(8, 4000, 0.5, 5, 0.8, 2.5, false),
		"equal": {{Frequency: 1, Recency: 1, T: 2}, {Frequency: 1, Recency: 1, T: 2},
			{Frequency: 1, Recency: 1, T: 2}},
	}
	for _, name := range []string{"negative zero", "NaN", "negative", "Inf"} {
		cs := days(500, 50)
		for k := range 20 {
			c := &cs[rng.IntN(len(cs))]
			v := map[string]float64{"negative zero": math.Copysign(0, -1), "NaN": math.NaN(), "negative": -float64(k), "Inf": math.Inf(1)}[name]
			switch k % 3 {
			case 0:
				c.Frequency = v
			case 1:
				c.Recency = v
			default:
				c.T = v
			}
		}
		cases[name] = cs
	}
	return cases
}

// TestCompressReference: Compress and CompressIndex give refCompress's
// rows, bit for bit, and every customer's index names a row with its
// values (== for -0 and 0, which merge; a NaN customer's row has its
// NaN); indexRows on the rows gives refIndexRows' index.
func TestCompressReference(t *testing.T) {
	for name, cs := range groupCases() {
		orig := slices.Clone(cs)
		want := refCompress(cs)
		if got := Compress(cs); !equalRowBits(got, want) {
			t.Errorf("%s: Compress differs from the reference:\n%v\n%v", name, got, want)
		}
		rows, index := CompressIndex(cs)
		if !equalRowBits(rows, want) {
			t.Errorf("%s: CompressIndex's rows differ from the reference", name)
		}
		if len(index) != len(cs) {
			t.Fatalf("%s: %d indices for %d customers", name, len(index), len(cs))
		}
		counts := make([]float64, len(rows))
		for i, c := range cs {
			r := rows[index[i]]
			counts[index[i]]++
			eq := func(a, b float64) bool { return a == b || a != a && b != b }
			if !eq(r.Frequency, c.Frequency) || !eq(r.Recency, c.Recency) || !eq(r.T, c.T) {
				t.Errorf("%s: customer %d %+v has row %d %+v", name, i, c, index[i], r)
				break
			}
		}
		for k, r := range rows {
			if counts[k] != r.Count {
				t.Errorf("%s: row %d counts %v, %v customers name it", name, k, r.Count, counts[k])
				break
			}
		}
		if !slices.EqualFunc(cs, orig, func(a, b Customer) bool {
			return a.ID == b.ID && sameBits([]float64{a.Frequency, a.Recency, a.T, a.MeanSpend}, []float64{b.Frequency, b.Recency, b.T, b.MeanSpend})
		}) {
			t.Errorf("%s: input modified", name)
		}
		gotIx, wantIx := indexRows(want), refIndexRows(want)
		if !sameBits(gotIx.xs, wantIx.xs) || !sameBits(gotIx.txs, wantIx.txs) || !sameBits(gotIx.ts, wantIx.ts) ||
			!slices.Equal(gotIx.rows, wantIx.rows) || math.Float64bits(gotIx.n) != math.Float64bits(wantIx.n) {
			t.Errorf("%s: indexRows differs from the reference", name)
		}
	}
	if rows, index := CompressIndex(nil); rows != nil || index != nil {
		t.Errorf("CompressIndex(nil) = %v, %v", rows, index)
	}
}

// TestCompressSpendReference: CompressSpend and the fits' merge give the
// reference's rows (a stable sort, equal pairs merged), bit for bit, for
// repeat buyers with shared and distinct spends; and merged, sorted rows
// are left as they are.
func TestCompressSpendReference(t *testing.T) {
	cases := groupCases()
	cases["spend"] = simSpend(4, 30000, 6, 4, 150)
	for name, cs := range cases {
		rows, err := spendRows(cs)
		if err != nil {
			continue // the cases with values that are not valid
		}
		want := make([]SpendRow, len(rows))
		for i, r := range rows {
			want[i] = SpendRow{r.x, r.m, 1}
		}
		want = refMergeSpend(want)
		got, err := CompressSpend(cs)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: CompressSpend differs from the reference (%d and %d rows)", name, len(got), len(want))
		}
		if m := mergeSpend(slices.Clone(want)); !slices.Equal(m, want) {
			t.Errorf("%s: mergeSpend changed merged rows", name)
		}
		// Unsorted rows with weights that are not whole: mergeSpend
		// sorts and adds them in the stable order.
		shuffled := slices.Clone(want)
		for i := range shuffled {
			shuffled[i].Count = 0.1 * float64(i%7+1)
		}
		shuffled = append(shuffled, shuffled...)
		rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		if m, r := mergeSpend(slices.Clone(shuffled)), refMergeSpend(slices.Clone(shuffled)); !slices.Equal(m, r) {
			t.Errorf("%s: mergeSpend of shuffled rows differs from the reference", name)
		}
	}
}

// TestIDTable: ids are dense, in first-seen order, stable across growth,
// for keys that differ in their low bits, their high bits or both.
func TestIDTable(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var keys []uint64
	for i := range 5000 {
		keys = append(keys, uint64(i), uint64(i)<<52, rng.Uint64())
	}
	tab := newIDTable(1)
	want := map[uint64]uint32{}
	for pass := range 2 {
		for _, k := range keys {
			id := tab.id(k)
			w, ok := want[k]
			if !ok {
				if pass == 1 {
					t.Fatalf("key %x new on the second pass", k)
				}
				w = uint32(len(want))
				want[k] = w
			}
			if id != w {
				t.Fatalf("key %x: id %d, want %d", k, id, w)
			}
		}
	}
	if len(tab.keys) != len(want) || 2*len(tab.keys) > len(tab.slots) {
		t.Errorf("%d keys for %d distinct, %d slots", len(tab.keys), len(want), len(tab.slots))
	}
}

// TestRadixSort: the radix sort orders by the chosen bits, stably, as a
// stable comparison sort of the same bits does.
func TestRadixSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, c := range []struct{ lo, hi int }{{0, 0}, {0, 1}, {0, 7}, {0, 8}, {3, 20}, {20, 44}, {10, 64}, {0, 64}} {
		ks := make([]uint64, 3000)
		for i := range ks {
			ks[i] = rng.Uint64()
			if c.hi < 64 {
				ks[i] &= 1<<c.hi - 1
			}
		}
		field := func(k uint64) uint64 { return k >> c.lo }
		want := slices.Clone(ks)
		slices.SortStableFunc(want, func(a, b uint64) int { return cmp.Compare(field(a), field(b)) })
		got := radixSort(slices.Clone(ks), make([]uint64, len(ks)), c.lo, c.hi)
		if !slices.Equal(got, want) {
			t.Errorf("bits %d-%d: not the stable order", c.lo, c.hi)
		}
	}
}
