package recovery

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"
	"unsafe"

	"github.com/cvmkit/cvm/lifecycle"
	"github.com/cvmkit/cvm/value"

	"github.com/cvmkit/cvm/internal/check"
	"github.com/cvmkit/cvm/internal/cputime"
)

// synthCustomers returns n seeded, varied customers with IDs "c0000001"...
func synthCustomers(n int, seed uint64) []Customer {
	rng := rand.New(rand.NewPCG(seed, 7))
	chans := []string{"", "", "sms", "email", "phone", "chat"}
	cs := make([]Customer, n)
	for i := range cs {
		f := 0
		if rng.Float64() < 0.3 {
			f = 1 + rng.IntN(4)
		}
		cs[i] = Customer{
			ID:             fmt.Sprintf("c%07d", i),
			Quadrant:       value.Quadrant(1 + rng.IntN(4)),
			Tier:           value.Tier(1 + rng.IntN(4)),
			Stage:          lifecycle.Stage(rng.IntN(6)),
			Strength:       rng.Float64(),
			Failures12m:    f,
			LastRecoveryOK: rng.Float64() < 0.7,
			Channel:        chans[rng.IntN(len(chans))],
			Influence:      float64(rng.IntN(100)),
			GrossProfit:    rng.ExpFloat64() * 2000,
		}
	}
	return cs
}

func BenchmarkBuild(b *testing.B) {
	m, err := New(nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{1_000, 100_000, 1_000_000} {
		if testing.Short() && n > 100_000 {
			continue
		}
		cs := synthCustomers(n, 1)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			var bk *Book
			defer cputime.Report(b)()
			for b.Loop() {
				bk, err = m.Build(context.Background(), cs, nil)
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n*NumFailureTypes*NumSeverities)/b.Elapsed().Seconds()*float64(b.N)/1e6, "Mentries/s")
			_ = bk
		})
	}
}

// BenchmarkBookMemory reports the heap a book holds per customer.
func BenchmarkBookMemory(b *testing.B) {
	m := check.Must(New(nil))
	for _, n := range []int{10_000, 1_000_000} {
		if testing.Short() && n > 100_000 {
			continue
		}
		cs := synthCustomers(n, 2)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			var per float64
			for b.Loop() {
				runtime.GC()
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				bk, err := m.Build(context.Background(), cs, nil)
				if err != nil {
					b.Fatal(err)
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				per = float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
				runtime.KeepAlive(bk)
			}
			b.ReportMetric(per, "B/customer")
		})
	}
}

func BenchmarkLookup(b *testing.B) {
	m := check.Must(New(nil))
	for _, n := range []int{1_000, 1_000_000} {
		if testing.Short() && n > 100_000 {
			continue
		}
		cs := synthCustomers(n, 3)
		bk, err := m.Build(context.Background(), cs, nil)
		if err != nil {
			b.Fatal(err)
		}
		type query struct {
			id string
			t  FailureType
			s  Severity
		}
		qs := make([]query, 4096)
		for i := range qs {
			qs[i] = query{cs[(i*7919)%n].ID, FailureType(1 + i%6), Severity(1 + i%4)}
		}
		runtime.GC() // do not charge the setup's garbage to the lookups
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			var sink float64
			defer cputime.Report(b)()
			for b.Loop() {
				q := &qs[i&4095]
				e, err := bk.Lookup(q.id, q.t, q.s)
				if err != nil {
					b.Fatal(err)
				}
				sink += e.Cap
				i++
			}
			_ = sink
		})
		st := NewStore(bk)
		b.Run(fmt.Sprintf("store/%d", n), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				q := &qs[i&4095]
				if _, err := st.Lookup(q.id, q.t, q.s); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

func BenchmarkResolve(b *testing.B) {
	m := check.Must(New(nil))
	e, err := m.Playbook(synthCustomers(1, 4)[0], Delivery, S3)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Resolve(1200); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUpdate(b *testing.B) {
	m := check.Must(New(nil))
	cs := synthCustomers(100_000, 5)
	bk, err := m.Build(context.Background(), cs, nil)
	if err != nil {
		b.Fatal(err)
	}
	st := NewStore(bk)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c := cs[(i*7919)%len(cs)]
		c.Failures12m++
		if err := st.Update(c); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkIndex compares the book's ID index with a Go map on the same
// IDs, side by side, so the ratio holds on a loaded machine.
func BenchmarkIndex(b *testing.B) {
	m := check.Must(New(nil))
	for _, n := range []int{1_000, 100_000, 1_000_000} {
		if testing.Short() && n > 100_000 {
			continue
		}
		cs := synthCustomers(n, 6)
		bk, err := m.Build(context.Background(), cs, nil)
		if err != nil {
			b.Fatal(err)
		}
		ref := make(map[string]int, n)
		for i, c := range cs {
			ref[c.ID] = i
		}
		ids := make([]string, 4096)
		for i := range ids {
			ids[i] = cs[(i*7919)%n].ID
		}
		runtime.GC()
		b.Run(fmt.Sprintf("book/%d", n), func(b *testing.B) {
			defer cputime.Report(b)()
			i, s := 0, 0
			for b.Loop() {
				s += int(bk.find(ids[i&4095]).pos)
				i++
			}
			_ = s
		})
		b.Run(fmt.Sprintf("lookup/%d", n), func(b *testing.B) {
			defer cputime.Report(b)()
			i := 0
			var s float64
			for b.Loop() {
				e := check.Must(bk.Lookup(ids[i&4095], Staff, S2))
				s += e.Cap
				i++
			}
			_ = s
		})
		b.Run(fmt.Sprintf("gomap/%d", n), func(b *testing.B) {
			defer cputime.Report(b)()
			i, s := 0, 0
			for b.Loop() {
				s += ref[ids[i&4095]]
				i++
			}
			_ = s
		})
	}
}

// BenchmarkLookupSpread looks up customers spread over the whole
// 1M-customer book, each once per pass in a random order, next to a
// pointer chase over an array as large as the book's playbooks, in the
// same run: "chase" is one random memory access (a load whose address
// depends on the previous load), the floor of a lookup in a book that does
// not fit in the caches. Each lookup's query index depends on the
// previous entry, so lookups do not overlap each other either: the ratio
// lookup/chase is the number of memory accesses a lookup costs. The query
// IDs are stored contiguously in query order, so reading them is not a
// miss of its own.
func BenchmarkLookupSpread(b *testing.B) {
	if testing.Short() {
		b.Skip("1M-customer book")
	}
	const n = 1_000_000
	m := check.Must(New(nil))
	cs := synthCustomers(n, 8)
	bk := check.Must(m.Build(context.Background(), cs, nil))
	rng := rand.New(rand.NewPCG(8, 9))
	perm := rng.Perm(n)
	var buf []byte
	for _, p := range perm {
		buf = append(buf, cs[p].ID...)
	}
	all := string(buf)
	type query struct {
		id string
		t  FailureType
		s  Severity
	}
	qs := make([]query, n)
	off := 0
	for i, p := range perm {
		l := len(cs[p].ID)
		qs[i] = query{all[off : off+l], FailureType(1 + i%6), Severity(1 + i%4)}
		off += l
	}
	// The chase: a random cycle (Sattolo) through as many 8-byte words as
	// the book's table has bytes (its 64-byte slots, 2^21 of them).
	words := int(bk.index.size) * int(unsafe.Sizeof(slot{})) / 8
	next := make([]uint64, words)
	for i := range next {
		next[i] = uint64(i)
	}
	for i := words - 1; i > 0; i-- {
		j := rng.IntN(i)
		next[i], next[j] = next[j], next[i]
	}
	runtime.GC()
	b.Run("lookup", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		var sink float64
		for b.Loop() {
			q := &qs[i]
			e, err := bk.Lookup(q.id, q.t, q.s)
			if err != nil {
				b.Fatal(err)
			}
			sink += e.Cap
			// e.Cap >= 0 (from the customer's block): the shift is 0,
			// but the next index waits for this lookup's playbook.
			i += 1 + int(math.Float64bits(e.Cap)>>63)
			if i == n {
				i = 0
			}
		}
		_ = sink
	})
	b.Run("chase", func(b *testing.B) {
		p := uint64(0)
		for b.Loop() {
			p = next[p]
		}
		_ = p
	})
	// paired alternates rounds of 2,000 lookups and 2,000 chase steps
	// within one benchmark (which goes first alternates too), so that
	// both see the same machine load, and reports each one's time per
	// access and the median over the rounds of their ratio, which a burst
	// of load on a shared machine moves least: one op is one round of
	// each. Each round is timed twice: by the wall clock (lookup/chase,
	// lookup-ns, chase-ns) and, on Linux, by the CPU time of the thread
	// (lookup/chase-cpu, lookup-cpu-ns, chase-cpu-ns), the goroutine
	// locked to it, which does not count the time the thread waits for a
	// CPU (most of it on a loaded machine) but does count the misses
	// after another process has had the caches.
	b.Run("paired", func(b *testing.B) {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		const round = 2_000
		i, p := 0, uint64(0)
		var sink float64
		var tl, tc, cl, cc time.Duration
		var ratios, cpuRatios []float64
		_, cpuOK := threadCPU()
		timed := func(f func()) (wall, cpu time.Duration) {
			t0 := time.Now()
			c0, _ := threadCPU()
			f()
			c1, _ := threadCPU()
			return time.Since(t0), c1 - c0
		}
		lookups := func() {
			for range round {
				q := &qs[i]
				e, err := bk.Lookup(q.id, q.t, q.s)
				if err != nil {
					b.Fatal(err)
				}
				sink += e.Cap
				i += 1 + int(math.Float64bits(e.Cap)>>63)
				if i == n {
					i = 0
				}
			}
		}
		chase := func() {
			for range round {
				p = next[p]
			}
		}
		k := 0
		for b.Loop() {
			var l, c, lc, ccpu time.Duration
			if k&1 == 0 {
				l, lc = timed(lookups)
				c, ccpu = timed(chase)
			} else {
				c, ccpu = timed(chase)
				l, lc = timed(lookups)
			}
			k++
			tl += l
			tc += c
			cl += lc
			cc += ccpu
			ratios = append(ratios, float64(l)/float64(c))
			if cpuOK && ccpu > 0 {
				cpuRatios = append(cpuRatios, float64(lc)/float64(ccpu))
			}
		}
		_, _ = sink, p
		slices.Sort(ratios)
		b.ReportMetric(float64(tl.Nanoseconds())/float64(b.N*round), "lookup-ns")
		b.ReportMetric(float64(tc.Nanoseconds())/float64(b.N*round), "chase-ns")
		b.ReportMetric(ratios[len(ratios)/2], "lookup/chase")
		if len(cpuRatios) > 0 {
			slices.Sort(cpuRatios)
			b.ReportMetric(float64(cl.Nanoseconds())/float64(b.N*round), "lookup-cpu-ns")
			b.ReportMetric(float64(cc.Nanoseconds())/float64(b.N*round), "chase-cpu-ns")
			b.ReportMetric(cpuRatios[len(cpuRatios)/2], "lookup/chase-cpu")
		}
	})
}

// BenchmarkBookWriteJSON writes the full encoding of a 100,000-customer
// book (about 6 KB a customer) to io.Discard: through WriteJSON, and,
// for comparison, each customer through json.Marshal (the reflection
// encoder WriteJSON leaves only for uncommon values), on one core.
func BenchmarkBookWriteJSON(b *testing.B) {
	m := check.Must(New(nil))
	book := check.Must(m.Build(context.Background(), synthCustomers(100_000, 5), nil))
	n := int64(len(check.Must(book.MarshalJSON())))
	b.Run("WriteJSON", func(b *testing.B) {
		b.SetBytes(n)
		defer cputime.Report(b)()
		for b.Loop() {
			if err := book.WriteJSON(io.Discard); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json.Marshal", func(b *testing.B) {
		b.SetBytes(n)
		defer cputime.Report(b)()
		rows := make([]rowJSON, 0, NumFailureTypes*NumSeverities)
		for b.Loop() {
			for c := range book.Customers {
				rows = rows[:0]
				sl := book.find(c.ID)
				for t := range NumFailureTypes {
					for s := range NumSeverities {
						rows = append(rows, book.m.row(sl, t, s))
					}
				}
				cj := customerJSON{ID: c.ID, Quadrant: c.Quadrant.String(), Tier: c.Tier, Stage: c.Stage.String(),
					Strength: c.Strength, Failures12m: c.Failures12m, LastRecoveryOK: c.LastRecoveryOK,
					Channel: c.Channel, Influence: c.Influence, GrossProfit: c.GrossProfit, Playbook: rows}
				if _, err := json.Marshal(&cj); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
