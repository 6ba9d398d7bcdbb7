package recovery

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cvmkit/cvm/internal/check"
	"github.com/cvmkit/cvm/value"
)

// TestIndexCollisions fills a small table with IDs chosen, with the
// table's own keys, to share a few home slots, of every length the
// lookup treats differently (1 to 3, 4 to 7, 8 to 16 bytes hashed by
// words, 17 to 20 inline but hashed by maphash, longer ones kept by
// hash), so that runs of displaced IDs of different lengths interleave,
// wrap past the end of the table and are found by probing. Every ID, and
// near misses of each (one byte changed at every position, one byte more
// or less), is looked up in the book and in a plain map of the same IDs:
// they must agree, on the position too, and every Lookup must equal the
// entry Playbook computes directly.
func TestIndexCollisions(t *testing.T) {
	m := mustModel(t, nil)
	cs := synthCustomers(60, 6)
	b := check.Must(m.Build(context.Background(), cs[:1], nil))
	want := map[string]int{}
	for i, c := range cs {
		want[c.ID] = i
	}
	// 60 + 70 IDs: added in two batches, the first grows the table to
	// 512 slots (rebuilt with the same keys, so b's hash holds), the
	// second goes into it slot by slot.
	const size = 512
	// The homes: that of the one-byte ID "q" (there are too few
	// one-byte IDs to choose their home), slot 5 and the last slot, from
	// which the run wraps to slot 0.
	homes := []uint64{b.index.hash("q") & (size - 1), 5, size - 1}
	lengths := []int{2, 3, 4, 7, 8, 9, 12, 15, 16, 17, 20, 21, 33}
	rng := rand.New(rand.NewPCG(5, 6))
	var added []Customer
	add := func(id string) {
		c := cs[len(added)%len(cs)]
		c.ID = id
		want[id] = len(cs) + len(added)
		added = append(added, c)
	}
	add("q")
	// Absent IDs that share the home slot of a present one and its
	// bytes but for the length: a prefix, the ID with a zero byte more
	// (an inline key is padded with zeros) and the ID one byte longer.
	var absent []string
	for n := 7; n <= 21; n++ {
		for tries := 0; ; tries++ {
			if tries == 1e6 {
				t.Fatalf("no pair of IDs of %d and %d bytes found with the same home", n, n+1)
			}
			long := randomID(rng, n+1)
			short := long[:n]
			if _, dup := want[long]; dup || b.index.hash(long)&(size-1) != b.index.hash(short)&(size-1) {
				continue
			}
			if _, dup := want[short]; dup {
				continue
			}
			if n%2 == 0 {
				add(long)
				absent = append(absent, short)
			} else {
				add(short)
				absent = append(absent, long)
			}
			break
		}
		for tries := 0; ; tries++ {
			if tries == 1e6 {
				t.Fatalf("no ID of %d bytes found sharing its home with itself and a zero byte", n)
			}
			id := randomID(rng, n)
			if _, dup := want[id]; dup || b.index.hash(id)&(size-1) != b.index.hash(id+"\x00")&(size-1) {
				continue
			}
			add(id)
			absent = append(absent, id+"\x00")
			break
		}
	}
	for _, n := range lengths {
		for _, home := range homes {
			for tries := 0; ; tries++ {
				if tries == 1e6 {
					t.Fatalf("no ID of %d bytes found with home %d", n, home)
				}
				id := randomID(rng, n)
				if _, dup := want[id]; !dup && b.index.hash(id)&(size-1) == home {
					add(id)
					break
				}
			}
		}
	}
	half := len(added) / 2
	b = check.Must(b.WithCustomers(append(cs[1:len(cs):len(cs)], added[:half]...)))
	if b.index.size != size {
		t.Fatalf("%d slots, want %d", b.index.size, size)
	}
	b = check.Must(b.WithCustomers(added[half:]))
	if b.index.size != size {
		t.Fatalf("%d slots after the second batch, want %d", b.index.size, size)
	}
	cs = append(cs, added...)
	displaced := 0
	for _, c := range cs {
		if s := b.find(c.ID); s != nil && s != b.index.at(b.index.hash(c.ID)&(b.index.size-1)) {
			displaced++
		}
	}
	if displaced < len(added)/2 {
		t.Fatalf("%d IDs away from their home slot, want at least %d: the test does not exercise probing", displaced, len(added)/2)
	}
	probe := func(id string) {
		t.Helper()
		p, ok := want[id]
		s := b.find(id)
		if got := s != nil; got != ok || ok && s.pos != uint32(p+1) {
			t.Fatalf("find(%q) = %+v, want found %v at position %d", id, s, ok, p)
		}
		c, found := b.Customer(id)
		if found != ok || ok && c != cs[p] {
			t.Fatalf("Customer(%q) = %+v, %v; want %+v, %v", id, c, found, cs[p], ok)
		}
	}
	for _, id := range absent {
		if _, ok := want[id]; ok {
			t.Fatalf("%q is not absent", id)
		}
		probe(id)
	}
	for _, c := range cs {
		probe(c.ID)
		id := []byte(c.ID)
		for i := range id {
			id[i] ^= 1
			probe(string(id))
			id[i] ^= 1
		}
		probe(c.ID + "x")
		probe(c.ID[:len(c.ID)-1])
		for s := S1; s <= S4; s++ {
			if got, want := check.Must(b.Lookup(c.ID, MoneyLoss, s)), mustEntry(t, m, c, MoneyLoss, s); got != want {
				t.Fatalf("%q %v: %+v, want %+v", c.ID, s, got, want)
			}
		}
	}
}

// randomID returns an ID of n bytes: any bytes up to 5, else "c-" and
// digits, so that equal prefixes are common.
func randomID(rng *rand.Rand, n int) string {
	if n <= 5 {
		var sb strings.Builder
		for range n {
			sb.WriteByte(byte(rng.IntN(256)))
		}
		return sb.String()
	}
	var sb strings.Builder
	sb.WriteString("c-")
	for range n - 2 {
		sb.WriteByte(byte('0' + rng.IntN(10)))
	}
	return sb.String()
}

// The hash spreads IDs that differ only in a few bytes, as sequential
// customer numbers do, like a random function: in a table at the load a
// book of 2^k/2 customers has, the share of IDs in their home slot and
// the longest run from home are those of linear probing with uniform
// hashing (about 76% at home for a load of 0.48, displacement 0.46 on
// average; Knuth, TAOCP vol. 3, 6.4, (1/2)(1 + 1/(1-a)) probes per
// successful search), for IDs of every length class.
func TestIndexHashSpread(t *testing.T) {
	m := mustModel(t, nil)
	for _, format := range []string{"%d", "c%07d", "customer-%08d", "%020d", "a-long-customer-identifier-%d"} {
		const n = 1 << 14
		cs := make([]Customer, n)
		for i := range cs {
			cs[i] = Customer{ID: fmt.Sprintf(format, i), Quadrant: value.QuadrantI}
		}
		b := check.Must(m.Build(context.Background(), cs, nil))
		if b.index.size != 2*n {
			t.Fatalf("%d slots, want %d", b.index.size, 2*n)
		}
		home, total, longest := 0, 0, 0
		for _, c := range cs {
			i, ok := b.probe(c.ID)
			if !ok {
				t.Fatalf("%s: not found", c.ID)
			}
			d := int((i - b.index.hash(c.ID)) & (b.index.size - 1))
			if d == 0 {
				home++
			}
			total += d
			longest = max(longest, d)
		}
		// Load 1/2: mean displacement (1/(1-a) - 1)/2 = 0.5; the bounds
		// leave room for chance (the standard deviation of the share at
		// home is about 0.4% at 16k IDs) but not for a hash that clusters.
		if share, mean := float64(home)/n, float64(total)/n; share < 0.70 || mean > 0.65 || longest > 64 {
			t.Errorf("%q: %.3f at home, mean displacement %.3f, longest %d; want >= 0.70, <= 0.65, <= 64", format, share, mean, longest)
		}
	}
}

// f32down is float32(x), or the float32 next to it towards zero when
// that is above x: the same as math.Nextafter32, the reference here,
// for every x including zeros, subnormals, the largest float32s, Inf
// and NaN.
func TestF32Down(t *testing.T) {
	ref := func(x float64) float32 {
		f := float32(x)
		if float64(f) > x {
			f = math.Nextafter32(f, 0)
		}
		return f
	}
	xs := []float64{0, math.Copysign(0, -1), 1, -1, 1.2, 1.0000000001, 0.9999999999, -1.0000000001, -0.9999999999,
		math.SmallestNonzeroFloat32, math.SmallestNonzeroFloat32 / 3, -math.SmallestNonzeroFloat32 / 3, 1e-50, -1e-50,
		math.MaxFloat32, math.Nextafter(math.MaxFloat32, math.Inf(1)), 1e39, -1e39, math.MaxFloat64,
		math.Inf(1), math.Inf(-1), math.NaN(), 2, 1.3}
	rng := rand.New(rand.NewPCG(1, 1))
	for range 100000 {
		xs = append(xs, rng.Float64()*3, math.Float64frombits(rng.Uint64()))
	}
	for _, x := range xs {
		got, want := f32down(x), ref(x)
		if math.Float32bits(got) != math.Float32bits(want) && !(math.IsNaN(float64(got)) && math.IsNaN(float64(want))) {
			t.Fatalf("f32down(%v) = %v (%#x), want %v (%#x)", x, got, math.Float32bits(got), want, math.Float32bits(want))
		}
	}
}
