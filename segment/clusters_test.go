package segment

import (
	"errors"
	"math"
	"testing"
)

// TestNameClusters scores centres with fixed breaks and reads the default
// rules. Expected names follow the DefaultRules table in doc.go: a centre
// scoring 555 is "Champions" (R 5, FM 4-5), one scoring 111 is "Lost"
// (R 1, FM 1-2; Lost precedes Hibernating).
func TestNameClusters(t *testing.T) {
	sc, err := NewScorer(5, []float64{30, 90, 180, 365}, []float64{1.5, 2.5, 4.5, 8.5}, []float64{100, 200, 500, 1000})
	if err != nil {
		t.Fatal(err)
	}
	// columns: monetary, recency, frequency (order given by cols).
	centers := []float64{
		5000, 10, 20, // 555
		50, 400, 1, // 111
	}
	got, err := NameClusters(centers, 3, [3]int{1, 2, 0}, sc, DefaultRules())
	if err != nil {
		t.Fatal(err)
	}
	want := []ClusterSegment{{0, Cell{5, 5, 5}, "Champions", true}, {1, Cell{1, 1, 1}, "Lost", true}}
	for j := range want {
		if got[j] != want[j] {
			t.Errorf("cluster %d: got %+v, want %+v", j, got[j], want[j])
		}
	}

	// A rule set covering only R = 5: cell 111 is uncovered; the nearest
	// covered cell is 511 (distance 16), segment "Recent".
	rs, err := NewRuleSet(RuleSetDef{Bins: 5, Segments: []SegmentInfo{{Name: "Recent"}}, Rules: []Rule{{Segment: "Recent", R: &Range{5, 5}}}}, &RuleSetSettings{AllowGaps: true})
	if err != nil {
		t.Fatal(err)
	}
	got, err = NameClusters(centers[3:], 3, [3]int{1, 2, 0}, sc, rs)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Segment != "Recent" || got[0].Exact {
		t.Errorf("uncovered: got %+v, want nearest Recent, not exact", got[0])
	}

	_, err = NameClusters([]float64{math.NaN(), 1, 1}, 3, [3]int{0, 1, 2}, sc, DefaultRules())
	if !errors.Is(err, ErrNotFinite) {
		t.Errorf("NaN centre: error %v, want ErrNotFinite", err)
	}
}
