package value

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// Validate on tables large enough for the hashed check of the customers:
// the first repeat (by the later index) and the first empty ID, as on a
// small table.
func TestValidateLargeCustomers(t *testing.T) {
	const n = 50_001 // odd: the hashed check's halves and one more
	ids := func() []string {
		cs := make([]string, n)
		for i := range cs {
			cs[i] = fmt.Sprintf("C%06d", i)
		}
		return cs
	}
	cases := []struct {
		name  string
		edit  func([]string)
		is    error
		index int
		first int // the "first at index" of a repeat; -1 for none
	}{
		{"distinct", func([]string) {}, nil, 0, -1},
		{"repeat across halves", func(cs []string) { cs[40_000] = cs[3] }, ErrDuplicate, 40_000, 3},
		{"repeat in a half", func(cs []string) { cs[200] = cs[100] }, ErrDuplicate, 200, 100},
		{"repeat of the last", func(cs []string) { cs[n-1] = cs[7] }, ErrDuplicate, n - 1, 7},
		{"two repeats", func(cs []string) { cs[30_000] = cs[5]; cs[20_000] = cs[6] }, ErrDuplicate, 20_000, 6},
		{"empty", func(cs []string) { cs[33_333] = "" }, ErrEmptyID, 33_333, -1},
		{"empty after a repeat", func(cs []string) { cs[10] = cs[1]; cs[11] = "" }, ErrDuplicate, 10, 1},
		{"two empty", func(cs []string) { cs[44_000] = ""; cs[45_000] = "" }, ErrEmptyID, 44_000, -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cs := ids()
			tc.edit(cs)
			err := NewIndicatorTable(cs).Validate()
			if tc.is == nil {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			var de *DataError
			if !errors.Is(err, tc.is) || !errors.As(err, &de) {
				t.Fatalf("Validate = %v, want a DataError wrapping %v", err, tc.is)
			}
			if de.Index != tc.index || de.Customer != cs[tc.index] {
				t.Errorf("error at %d %q, want %d %q", de.Index, de.Customer, tc.index, cs[tc.index])
			}
			if tc.first >= 0 && !strings.Contains(err.Error(), fmt.Sprintf("first at index %d)", tc.first)) {
				t.Errorf("error %q does not name the first at index %d", err, tc.first)
			}
		})
	}
}
