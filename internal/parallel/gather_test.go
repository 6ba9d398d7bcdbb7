package parallel

import (
	"runtime"
	"slices"
	"strconv"
	"testing"
)

func TestGather(t *testing.T) {
	// Each case appends runs of the given lengths; the result must be the
	// plain append of the same values, whatever the segment boundaries
	// and the number of cores.
	tests := []struct {
		name string
		runs []int
	}{
		{"none", nil},
		{"empty runs", []int{0, 0}},
		{"one value", []int{1}},
		{"the first segment exactly", []int{256}},
		{"past the first segment", []int{255, 2}},
		{"a full segment", []int{gatherSeg}},
		{"across a full segment's end", []int{4*gatherSeg - 3, 7}},
		{"a run longer than two full segments", []int{5, 2*gatherSeg + 11}},
		{"many small runs", slices.Repeat([]int{1000}, 100)},
	}
	for _, procs := range []int{1, 2, 3} {
		prev := runtime.GOMAXPROCS(procs)
		for _, tt := range tests {
			t.Run(tt.name+"/procs="+strconv.Itoa(procs), func(t *testing.T) {
				var want []string
				var g Gather[string]
				next := 0
				for k, n := range tt.runs {
					run := make([]string, n)
					for i := range run {
						run[i] = strconv.Itoa(next)
						next++
					}
					want = append(want, run...)
					if k%2 == 0 {
						g.Append(run...)
					} else {
						for _, v := range run {
							g.Add(v)
						}
					}
				}
				if g.Len() != len(want) {
					t.Fatalf("Len() = %d, want %d", g.Len(), len(want))
				}
				got := g.Slice()
				if !slices.Equal(got, want) {
					t.Fatalf("Slice() has %d values, differs from the %d appended", len(got), len(want))
				}
				if (got == nil) != (len(want) == 0) {
					t.Errorf("Slice() nil = %v for %d values", got == nil, len(want))
				}
				if g.Len() != 0 || g.Slice() != nil {
					t.Errorf("after Slice, Len() = %d, want 0 and a nil Slice", g.Len())
				}
			})
		}
		runtime.GOMAXPROCS(prev)
	}
}
