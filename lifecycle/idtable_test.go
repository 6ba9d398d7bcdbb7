package lifecycle

import (
	"strconv"
	"testing"
)

func TestIDTable(t *testing.T) {
	// Against a plain map: first-appearance indexes, duplicates found,
	// through several growths.
	tab := newIDTable()
	ref := map[string]int32{}
	for i := range 20000 {
		name := "c" + strconv.Itoa((i*7919)%5003)
		id, added := tab.lookup(name)
		want, ok := ref[name]
		if !ok {
			want = int32(len(ref))
			ref[name] = want
		}
		if id != want || added == ok {
			t.Fatalf("lookup(%q) = %d, %v; want %d, %v", name, id, added, want, !ok)
		}
	}
	if tab.names.len() != len(ref) {
		t.Errorf("%d names, want %d", tab.names.len(), len(ref))
	}
}

func TestIDTableSortedPrefix(t *testing.T) {
	// Names in increasing order are listed without hashing; the first name
	// out of order builds the slots, after which repeats of names from the
	// sorted prefix are found.
	for _, tc := range []struct {
		names []string
		ids   []int32
		added []bool
	}{
		{[]string{"a", "b", "c"}, []int32{0, 1, 2}, []bool{true, true, true}},
		{[]string{"a", "b", "b"}, []int32{0, 1, 1}, []bool{true, true, false}},
		{[]string{"a", "c", "b", "a", "c", "d"}, []int32{0, 1, 2, 0, 1, 3}, []bool{true, true, true, false, false, true}},
		{[]string{"b", "a", "b"}, []int32{0, 1, 0}, []bool{true, true, false}},
	} {
		tab := newIDTable()
		for i, name := range tc.names {
			id, added := tab.lookup(name)
			if id != tc.ids[i] || added != tc.added[i] {
				t.Errorf("%v: lookup #%d (%q) = %d, %v; want %d, %v", tc.names, i, name, id, added, tc.ids[i], tc.added[i])
			}
		}
	}
	// A long sorted prefix, then every name again in reverse.
	tab := newIDTable()
	for i := range 5000 {
		if id, added := tab.lookup(strconv.Itoa(100000 + i)); id != int32(i) || !added {
			t.Fatalf("sorted #%d = %d, %v", i, id, added)
		}
	}
	for i := 4999; i >= 0; i-- {
		if id, added := tab.lookup(strconv.Itoa(100000 + i)); id != int32(i) || added {
			t.Fatalf("repeat #%d = %d, %v", i, id, added)
		}
	}
}
