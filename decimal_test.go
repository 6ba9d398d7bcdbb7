package cvm

import (
	"context"
	"math"
	"math/big"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cvmkit/cvm/internal/check"
)

// shortestRat is the reference for an amount's exact value: strconv's
// shortest decimal of |a|, as a rational.
func shortestRat(t *testing.T, a float64) *big.Rat {
	t.Helper()
	r, ok := new(big.Rat).SetString(strconv.FormatFloat(math.Abs(a), 'e', -1, 64))
	if !ok {
		t.Fatalf("SetString(%v)", a)
	}
	return r
}

// ratOf is m * 10^-s as a rational.
func ratOf(m u128, s int) *big.Rat {
	n := new(big.Int).SetUint64(m.hi)
	n.Lsh(n, 64).Add(n, new(big.Int).SetUint64(m.lo))
	d := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(s)), nil)
	return new(big.Rat).SetFrac(n, d)
}

// decimalOf gives strconv's shortest decimal at the smallest scale >= 0,
// on the fast path (plain amounts) and the slow one alike: random cents,
// random decimals of 0 to 12 places, random float64 bits, and edge cases.
func TestDecimalOf(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 3))
	amounts := []float64{0, 1, 0.1, 0.2, 0.3, 1.005, 2.675, 1e-9, 1.5e-10, 123456789.123456789,
		1 << 50, 1<<50 + 1, 1 << 53, 1e15, 1e16, 1e17, 1e21, 1e22, 1e23, 5e-324, math.SmallestNonzeroFloat64,
		1e38, 1.7e38, 9.999999999999999e37, 0.1 + 0.2, 100 * 1.1}
	for range 20000 {
		places := rng.IntN(13)
		m := rng.Int64N(1_000_000_000_000)
		amounts = append(amounts, float64(m)/math.Pow(10, float64(places)))
		amounts = append(amounts, float64(rng.IntN(1_000_000))/100)
		f := math.Float64frombits(rng.Uint64())
		if !math.IsNaN(f) && !math.IsInf(f, 0) {
			amounts = append(amounts, f)
		}
	}
	for _, a := range amounts {
		want := shortestRat(t, a)
		m, s, ok := decimalOf(a)
		m2, s2, ok2 := decimalSlow(math.Abs(a))
		if ok != ok2 || ok && (m != m2 || s != s2) {
			t.Fatalf("%v: fast %v %d %v, slow %v %d %v", a, m, s, ok, m2, s2, ok2)
		}
		// 2^127 units at scale 0 is the bound: anything that fits is
		// exact, anything beyond fails.
		limit := new(big.Rat).SetInt(new(big.Int).Lsh(big.NewInt(1), 127))
		if !ok {
			if want.Cmp(limit) < 0 && s == 0 {
				t.Errorf("%v: not ok, but below 2^127", a)
			}
			continue
		}
		if got := ratOf(m, s); got.Cmp(want) != 0 {
			t.Fatalf("decimalOf(%v) = %v e-%d, want %v", a, m, s, want.FloatString(30))
		}
		// The scale is the smallest: one place less is not whole.
		if s > 0 {
			prev := new(big.Rat).Mul(want, new(big.Rat).SetFrac(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(s-1)), nil), big.NewInt(1)))
			if prev.IsInt() {
				t.Errorf("decimalOf(%v): scale %d is not the smallest", a, s)
			}
		}
	}
}

// The reader's packed decimals are the decimals decimalOf gives for the
// float64 it parses, so Reader.Summarize and Summarize agree bit for bit.
func TestPackDecimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 4))
	var fields []string
	for range 20000 {
		fields = append(fields, strconv.FormatInt(rng.Int64N(1e15), 10))
		places := rng.IntN(10)
		v := strconv.FormatInt(rng.Int64N(1e12), 10)
		if places > 0 {
			v = strings.Repeat("0", places) + v
			v = v[:len(v)-places] + "." + v[len(v)-places:]
		}
		fields = append(fields, v, "-"+v, v+"00")
	}
	fields = append(fields, "0", "-0", "0.000", "1200", "1200.00", "999999999999999", "0.000000000000000000001")
	for _, f := range fields {
		a, dec, ok := parseAmountDec([]byte(f))
		if !ok {
			t.Fatalf("%q: not parsed", f)
		}
		if dec == 0 {
			continue
		}
		m, s, _ := decimalOf(a)
		if got := (u128{0, dec & decMantMask}); got != m || int(dec>>decScaleShift&0xff) != s {
			t.Fatalf("%q: packed %v e-%d, decimalOf %v e-%d", f, got, dec>>decScaleShift&0xff, m, s)
		}
	}
	// Products: the packed decimal is the exact product when it has at
	// most 15 significant digits, and none otherwise.
	for range 20000 {
		q := strconv.Itoa(rng.IntN(100000))
		p := strconv.FormatFloat(float64(rng.IntN(10000000))/1000, 'f', -1, 64)
		v, dec, _, _ := parseProductDec([]byte(q), []byte(p))
		if dec == 0 {
			continue
		}
		m, s, _ := decimalOf(v)
		want := new(big.Rat)
		want.SetString(q)
		pr, _ := new(big.Rat).SetString(p)
		want.Mul(want, pr)
		if got := ratOf(u128{0, dec & decMantMask}, int(dec>>decScaleShift&0xff)); got.Cmp(want) != 0 ||
			(u128{0, dec & decMantMask}) != m {
			t.Fatalf("%s x %s: packed %v, exact %v, decimalOf %v e-%d", q, p, got, want, m, s)
		}
	}
}

// float rounds m * 10^-s correctly: the reference is big.Rat's nearest
// float64.
func TestU128Float(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 5))
	for range 20000 {
		m := u128{rng.Uint64() >> rng.IntN(65), rng.Uint64() >> rng.IntN(65)}
		m.hi &= exactHiMax - 1
		s := rng.IntN(45)
		want, _ := ratOf(m, s).Float64()
		if got := m.float(s); got != want {
			t.Fatalf("%v e-%d: %v, want %v", m, s, got, want)
		}
		var d big.Int
		d.SetString(string(m.appendDecimal(nil)), 10)
		if n := ratOf(m, 0).Num(); d.Cmp(n) != 0 {
			t.Fatalf("appendDecimal %v = %s, want %s", m, m.appendDecimal(nil), n)
		}
	}
}

// Totals are the exact decimal sums rounded once (math/big reference),
// and the same bits for any order of the rows, for Summarize and, at
// GOMAXPROCS 1 and 2, Reader.Summarize.
func TestSummarizeExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 6))
	day := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var txs []Transaction
	var lines []string
	type ref struct{ total, ret big.Rat }
	want := map[string]*ref{}
	for i := range 5000 {
		c := "C" + strconv.Itoa(rng.IntN(60))
		var field string
		switch rng.IntN(4) {
		case 0:
			field = strconv.FormatFloat(float64(rng.IntN(100000)-20000)/100, 'f', 2, 64)
		case 1:
			field = strconv.Itoa(rng.IntN(1000000) - 1000)
		case 2:
			field = "0.1"
		default: // many places, large and small
			field = strconv.FormatFloat(rng.NormFloat64()*math.Pow(10, float64(rng.IntN(12))), 'g', 12, 64)
		}
		a := check.Must(strconv.ParseFloat(field, 64))
		tm := day.Add(time.Duration(i) * time.Hour)
		txs = append(txs, Transaction{Customer: c, Time: tm, Amount: a})
		lines = append(lines, c+","+tm.Format("2006-01-02 15:04:05")+","+field)
		r := want[c]
		if r == nil {
			r = &ref{}
			want[c] = r
		}
		x, _ := new(big.Rat).SetString(field)
		r.total.Add(&r.total, x)
		if a < 0 {
			r.ret.Sub(&r.ret, x)
		}
	}
	base := check.Must(Summarize(context.Background(), slices.Values(txs), nil))
	for _, s := range base {
		r := want[s.Customer]
		wt, _ := r.total.Float64()
		wr, _ := r.ret.Float64()
		if s.Total != wt || s.Returns != wr {
			t.Errorf("%s: total %v returns %v, want %v %v (exact %s)", s.Customer, s.Total, s.Returns, wt, wr, r.total.FloatString(12))
		}
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	defer func(old int) { chunkSize = old }(chunkSize)
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 7))
		perm := rng.Perm(len(txs))
		shuffled := make([]Transaction, len(txs))
		csvLines := make([]string, len(txs))
		for i, j := range perm {
			shuffled[i], csvLines[i] = txs[j], lines[j]
		}
		got := check.Must(Summarize(context.Background(), slices.Values(shuffled), nil))
		sameSummaries(t, "shuffled", got, base)
		runtime.GOMAXPROCS(1 + int(seed%2))
		chunkSize = 512 << (seed % 4)
		rd := check.Must(NewReader(strings.NewReader("customer,time,amount\n"+strings.Join(csvLines, "\n")), nil))
		got = check.Must(rd.Summarize(context.Background(), nil))
		sameSummaries(t, "reader", got, base)
	}
}

// sameSummaries fails unless got and want are equal bit for bit.
func sameSummaries(t *testing.T, name string, got, want []Summary) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d summaries, want %d", name, len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Customer != w.Customer || !g.First.Equal(w.First) || !g.Last.Equal(w.Last) || g.Occasions != w.Occasions ||
			g.Transactions != w.Transactions || math.Float64bits(g.Total) != math.Float64bits(w.Total) ||
			math.Float64bits(g.Returns) != math.Float64bits(w.Returns) {
			t.Fatalf("%s: %+v, want %+v", name, g, w)
		}
	}
}

// Adding a row of a known customer allocates nothing.
func TestSummarizerAddNoAlloc(t *testing.T) {
	s := NewSummarizer(nil)
	day := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	tx := Transaction{Customer: "A", Time: day, Amount: 12.34}
	check.NoErr(t, s.Add(tx))
	if n := testing.AllocsPerRun(1000, func() {
		tx.Amount = -tx.Amount
		if err := s.Add(tx); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("Add allocates %v times per row", n)
	}
}
