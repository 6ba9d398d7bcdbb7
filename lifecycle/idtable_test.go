package lifecycle

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/cvmkit/cvm"
)

func TestIDTable(t *testing.T) {
	// Against a plain map: first-appearance indexes, duplicates found,
	// through several growths.
	tab := newIDTable()
	ref := map[string]int32{}
	for i := range 20000 {
		name := "c" + strconv.Itoa((i*7919)%5003)
		id, added, err := tab.lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		want, ok := ref[name]
		if !ok {
			want = int32(len(ref))
			ref[name] = want
		}
		if id != want || added == ok {
			t.Fatalf("lookup(%q) = %d, %v; want %d, %v", name, id, added, want, !ok)
		}
	}
	if tab.names.Len() != len(ref) {
		t.Errorf("%d names, want %d", tab.names.Len(), len(ref))
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
			id, added, err := tab.lookup(name)
			if err != nil || id != tc.ids[i] || added != tc.added[i] {
				t.Errorf("%v: lookup #%d (%q) = %d, %v; want %d, %v", tc.names, i, name, id, added, tc.ids[i], tc.added[i])
			}
		}
	}
	// A long sorted prefix, then every name again in reverse.
	tab := newIDTable()
	for i := range 5000 {
		if id, added, err := tab.lookup(strconv.Itoa(100000 + i)); err != nil || id != int32(i) || !added {
			t.Fatalf("sorted #%d = %d, %v", i, id, added)
		}
	}
	for i := 4999; i >= 0; i-- {
		if id, added, err := tab.lookup(strconv.Itoa(100000 + i)); err != nil || id != int32(i) || added {
			t.Fatalf("repeat #%d = %d, %v", i, id, added)
		}
	}
}

// TestIDTableLimit lowers the table's limit to 1<<3 - 1 = 7 customers:
// names in increasing order (listed, not hashed) and in no order (hashed)
// fill it, names already in it are still found, and the 8th new name is
// an error wrapping ErrTooLarge that names it; Classify and ClassifyEach
// on a grouped stream of 8 customers return that error.
func TestIDTableLimit(t *testing.T) {
	defer func(l uint) { idTableMaxLog = l }(idTableMaxLog)
	idTableMaxLog = 4
	for name, names := range map[string][]string{
		"sorted":   {"a", "b", "c", "d", "e", "f", "g"},
		"unsorted": {"g", "a", "f", "b", "e", "c", "d"},
	} {
		tab := newIDTable()
		for i, n := range names {
			if id, added, err := tab.lookup(n); err != nil || id != int32(i) || !added {
				t.Fatalf("%s: lookup(%q) = %d, %v, %v; want %d, true, nil", name, n, id, added, err, i)
			}
		}
		if id, added, err := tab.lookup(names[3]); err != nil || id != 3 || added {
			t.Errorf("%s: lookup(%q) at the limit = %d, %v, %v; want 3, false, nil", name, names[3], id, added, err)
		}
		_, _, err := tab.lookup("h")
		if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), `"h"`) || !strings.Contains(err.Error(), "7 customers") {
			t.Errorf("%s: 8th name: %v, want ErrTooLarge naming \"h\" and the limit of 7 customers", name, err)
		}
	}
	var txs []cvm.Transaction
	for i := range 8 {
		txs = append(txs, cvm.Transaction{Customer: "c" + strconv.Itoa(i), Time: date(2025, 1, 1+i), Amount: 10})
	}
	set := &ClassifySettings{AsOf: date(2025, 6, 1)}
	if _, err := Classify(context.Background(), seqOf(txs), set); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Classify: %v, want ErrTooLarge", err)
	}
	err := ClassifyEach(context.Background(), seqOf(txs), set, func(*Result) error { return nil })
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("ClassifyEach: %v, want ErrTooLarge", err)
	}
}
