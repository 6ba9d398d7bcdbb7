package profile

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestIDTable: indices in order of first appearance, as a map assigns
// them, over IDs of every length from 0 to 20 bytes (inline up to 8),
// bytes 0 and 255, IDs of 8 bytes that look like the inline encoding of
// a shorter one, and growth from an initial table of IDs; every other
// row looked up by its bytes (indexBytes).
func TestIDTable(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var stream []string
	for range 30000 {
		b := make([]byte, rng.IntN(21))
		for i := range b {
			b[i] = []byte{0, 1, 'C', '7', 255}[rng.IntN(5)]
		}
		stream = append(stream, string(b))
	}
	// "ABC" inline is the bytes A B C 0 0 0 0 3: an 8-byte ID with those
	// bytes must not be taken for it, nor "ABC" for it.
	stream = append(stream, "ABC", "ABC\x00\x00\x00\x00\x03", "ABC", "ABC\x00\x00\x00\x00\x03", "", "\x00", "")
	for _, initial := range []int{0, 1, 100} {
		want := map[string]int32{}
		var ids []string
		for _, id := range stream[:initial] {
			if _, ok := want[id]; !ok {
				want[id] = int32(len(ids))
				ids = append(ids, id)
			}
		}
		tb := newIDTable(ids)
		for i, id := range stream {
			w, ok := want[id]
			if !ok {
				w = int32(len(want))
				want[id] = w
			}
			got := tb.index(id)
			if i%2 == 1 {
				got = tb.indexBytes([]byte(id))
			}
			if got != w {
				t.Fatalf("initial %d, row %d (%q): index %d, want %d", initial, i, id, got, w)
			}
		}
		if len(tb.ids) != len(want) {
			t.Fatalf("initial %d: %d IDs, want %d", initial, len(tb.ids), len(want))
		}
		for id, w := range want {
			if tb.ids[w] != id {
				t.Fatalf("ids[%d] = %q, want %q", w, tb.ids[w], id)
			}
		}
	}
}

// TestIDTableCollisions: with every hash equal (one probe run), IDs are
// told apart by their keys and lengths alone: IDs that differ only by
// trailing zero bytes, an ID of 8 bytes that looks like the
// inline encoding of a shorter one, IDs sharing their first 8 bytes.
func TestIDTableCollisions(t *testing.T) {
	stream := []string{"a", "a\x00", "a\x00\x00\x00\x00\x00\x00\x00", "a\x00\x00\x00\x00\x00\x00\x00\x00", "ABC", "ABC\x00\x00\x00\x00\x03", "XYZ\x00\x00\x00\x00\x03", "XYZ", "ABCDEFGH1", "ABCDEFGH2", "", "\x00", "ABCDEFGH", "ABCDEFG"}
	for i := range 300 {
		stream = append(stream, string(rune('a'+i%26))+string(rune('a'+i/26)))
	}
	stream = append(stream, stream...)
	tb := newIDTable(nil)
	tb.rehash(4096) // never grown below: rehash would place the IDs by their real hashes
	want := map[string]int32{}
	for i, id := range stream {
		w, ok := want[id]
		if !ok {
			w = int32(len(want))
			want[id] = w
		}
		if got := indexHash(tb, id, 42<<32|7); got != w {
			t.Fatalf("row %d (%q): index %d, want %d", i, id, got, w)
		}
	}
}

// BenchmarkIDTable interns a stream of 8-byte IDs of 1M customers in
// random order (as a file in time order gives them; each ID's bytes
// fresh, as the reader's), against a Go map: one op is one row.
func BenchmarkIDTable(b *testing.B) {
	const n, rows = 1 << 20, 1 << 23
	rng := rand.New(rand.NewPCG(3, 4))
	stream := make([]string, rows)
	for i := range stream {
		stream[i] = fmt.Sprintf("C%07d", rng.IntN(n))
	}
	b.Run("table", func(b *testing.B) {
		for b.Loop() {
			tb := newIDTable(nil)
			for _, id := range stream {
				tb.index(id)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/row")
	})
	b.Run("map", func(b *testing.B) {
		for b.Loop() {
			m := map[string]int32{}
			for _, id := range stream {
				if _, ok := m[id]; !ok {
					m[id] = int32(len(m))
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/row")
	})
}

// TestSortIDs: sortIDs orders indices as sorting the strings does, for
// IDs sharing their first 8 bytes, shorter IDs padded by zero bytes
// ("a" and "a\x00"), bytes above 127, and random IDs of 0-12 bytes.
func TestSortIDs(t *testing.T) {
	ids := []string{"a", "a\x00", "a\x00\x00", "", "\xff", "abcdefgh", "abcdefgh\x00", "abcdefghz", "abcdefgha", "abcdefg", "b", "\x80a"}
	rng := rand.New(rand.NewPCG(8, 9))
	seen := map[string]bool{}
	for _, id := range ids {
		seen[id] = true
	}
	for len(ids) < 5000 {
		b := make([]byte, rng.IntN(13))
		for i := range b {
			b[i] = []byte{0, 'a', 'b', 200}[rng.IntN(4)]
		}
		if !seen[string(b)] {
			seen[string(b)] = true
			ids = append(ids, string(b))
		}
	}
	want := slices.Clone(ids)
	slices.Sort(want)
	order := sortIDs(ids)
	for k, i := range order {
		if ids[i] != want[k] {
			t.Fatalf("position %d: %q, want %q", k, ids[i], want[k])
		}
	}
}
