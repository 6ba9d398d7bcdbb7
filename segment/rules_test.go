package segment

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/cvmkit/cvm/internal/check"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestDefaultRulesCoverAll(t *testing.T) {
	rs := DefaultRules()
	if c := rs.Check(); !c.OK() || len(c.DeadRules) != 0 {
		t.Fatalf("default map check: %+v", c)
	}
	// Reference written from the table in doc.go, independently of the
	// rules: rows R = 5..1, columns FM = 1, 1.5, ..., 5.
	const (
		ch = "Champions"
		lo = "Loyal"
		pl = "Potential Loyalist"
		nw = "New"
		pr = "Promising"
		na = "Need Attention"
		as = "About to Sleep"
		cl = "Can't Lose Them"
		ar = "At Risk"
		ls = "Lost"
		hb = "Hibernating"
	)
	ref := map[int][9]string{
		//   FM: 1   1.5  2   2.5  3   3.5  4   4.5  5
		5: {nw, nw, pl, pl, pl, lo, ch, ch, ch},
		4: {pr, pr, pl, pl, pl, lo, lo, lo, lo},
		3: {as, as, as, na, na, lo, lo, lo, lo},
		2: {hb, hb, hb, hb, ar, ar, ar, cl, cl},
		1: {ls, ls, ls, hb, ar, ar, ar, cl, cl},
	}
	seen := map[string]int{}
	for r := 1; r <= 5; r++ {
		for f := 1; f <= 5; f++ {
			for m := 1; m <= 5; m++ {
				got, ok := rs.Segment(r, f, m)
				want := ref[r][f+m-2]
				if !ok || got != want {
					t.Errorf("Segment(%d, %d, %d) = %q, %v, want %q", r, f, m, got, ok, want)
				}
				seen[got]++
			}
		}
	}
	if len(seen) != 11 {
		t.Errorf("reached %d segments, want 11: %v", len(seen), seen)
	}
	for _, s := range rs.Segments() {
		if s.Meaning == "" || s.Action == "" {
			t.Errorf("segment %q lacks a meaning or action", s.Name)
		}
		if _, ok := rs.Info(s.Name); !ok {
			t.Errorf("Info(%q) not found", s.Name)
		}
	}
	if _, ok := rs.Info("nobody"); ok {
		t.Error("Info(nobody) found")
	}
	for _, c := range [][3]int{{0, 1, 1}, {6, 1, 1}, {1, 0, 1}, {1, 1, 6}, {-1, -1, -1}} {
		if s, ok := rs.Segment(c[0], c[1], c[2]); ok || rs.Index(c[0], c[1], c[2]) != -1 {
			t.Errorf("Segment(%v) = %q, true for a score outside 1..5", c, s)
		}
	}
}

func TestDefaultSegmentsGolden(t *testing.T) {
	// Cells from TestFitScoreGolden's value policy; segments by hand from
	// the doc.go table with FM = (F+M)/2.
	cells := []Cell{
		{5, 5, 3}, {5, 1, 1}, {5, 1, 1}, {4, 4, 1}, {3, 1, 5},
		{3, 5, 3}, {3, 1, 5}, {2, 4, 4}, {1, 1, 4}, {1, 1, 2},
	}
	want := []string{"Champions", "New", "New", "Potential Loyalist", "Need Attention",
		"Loyal", "Need Attention", "At Risk", "Hibernating", "Lost"}
	rs := DefaultRules()
	idx := rs.AssignAll(nil, append(slices.Clone(cells), Cell{0, 3, 3}))
	segs := rs.Segments()
	for i, c := range cells {
		if got, _ := rs.Segment(c.R, c.F, c.M); got != want[i] {
			t.Errorf("cell %v: %q, want %q", c, got, want[i])
		}
		if segs[idx[i]].Name != want[i] {
			t.Errorf("AssignAll cell %v: %q, want %q", c, segs[idx[i]].Name, want[i])
		}
	}
	if idx[len(cells)] != -1 {
		t.Errorf("AssignAll of an out-of-range cell = %d, want -1", idx[len(cells)])
	}
}

func TestRuleSetCheck(t *testing.T) {
	rg := func(lo, hi float64) *Range { return &Range{lo, hi} }
	// B = 2: 8 cells. "Top" takes R 2 (4 cells), "Shadowed" only asks for
	// R 2 F 2 (already taken), "Low" takes R 1 F 1 (2 cells): cells (1,2,1)
	// and (1,2,2) are uncovered, "Never" has no rule, rule 2 is dead.
	spec := RuleSetDef{
		Bins:     2,
		Segments: []SegmentInfo{{Name: "Top"}, {Name: "Shadowed"}, {Name: "Low"}, {Name: "Never"}},
		Rules: []Rule{
			{Segment: "Top", R: rg(2, 2)},
			{Segment: "Shadowed", R: rg(2, 2), F: rg(2, 2)},
			{Segment: "Low", R: rg(1, 1), F: rg(1, 1)},
		},
	}
	want := RuleCheck{
		Unreachable: []string{"Shadowed", "Never"},
		Uncovered:   []Cell{{1, 2, 1}, {1, 2, 2}},
		DeadRules:   []int{1},
	}
	_, err := NewRuleSet(spec, nil)
	var ce *CoverageError
	if !errors.As(err, &ce) || !errors.Is(err, ErrRules) {
		t.Fatalf("strict: err = %v, want *CoverageError", err)
	}
	if diff := cmp.Diff(ce.Check, want); diff != "" {
		t.Errorf("strict check (-got +want):\n%s", diff)
	}
	if ce.Error() == "" {
		t.Error("empty message")
	}
	rs, err := NewRuleSet(spec, &RuleSetSettings{AllowGaps: true})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(rs.Check(), want); diff != "" {
		t.Errorf("lenient check (-got +want):\n%s", diff)
	}
	if s, ok := rs.Segment(1, 2, 1); ok {
		t.Errorf("uncovered cell gave %q", s)
	}
	if s, _ := rs.Segment(2, 2, 1); s != "Top" {
		t.Errorf("Segment(2,2,1) = %q, want Top", s)
	}
	// A rule set over R, F, M with a catch-all last rule.
	spec2 := RuleSetDef{Bins: 3, Segments: []SegmentInfo{{Name: "Big"}, {Name: "Rest"}},
		Rules: []Rule{{Segment: "Big", M: rg(3, 3), F: rg(2, 3)}, {Segment: "Rest"}}}
	rs2, err := NewRuleSet(spec2, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		cell Cell
		want string
	}{{Cell{1, 2, 3}, "Big"}, {Cell{3, 1, 3}, "Rest"}, {Cell{2, 3, 2}, "Rest"}} {
		if got, _ := rs2.Segment(c.cell.R, c.cell.F, c.cell.M); got != c.want {
			t.Errorf("%v: %q, want %q", c.cell, got, c.want)
		}
	}
}

func TestRuleSetErrors(t *testing.T) {
	rg := func(lo, hi float64) *Range { return &Range{lo, hi} }
	seg := []SegmentInfo{{Name: "S"}}
	tests := []struct {
		name  string
		spec  RuleSetDef
		field string
		want  error
	}{
		{"bins 1", RuleSetDef{Bins: 1, Segments: seg, Rules: []Rule{{Segment: "S"}}}, "bins", ErrBins},
		{"bins 11", RuleSetDef{Bins: 11, Segments: seg, Rules: []Rule{{Segment: "S"}}}, "bins", ErrBins},
		{"no segments", RuleSetDef{Bins: 5, Rules: []Rule{{Segment: "S"}}}, "segments", ErrRules},
		{"no rules", RuleSetDef{Bins: 5, Segments: seg}, "rules", ErrRules},
		{"empty name", RuleSetDef{Bins: 5, Segments: []SegmentInfo{{}}, Rules: []Rule{{Segment: ""}}}, "segment", ErrRules},
		{"duplicate name", RuleSetDef{Bins: 5, Segments: []SegmentInfo{{Name: "S"}, {Name: "S"}}, Rules: []Rule{{Segment: "S"}}}, "segment", ErrRules},
		{"unknown segment", RuleSetDef{Bins: 5, Segments: seg, Rules: []Rule{{Segment: "S"}, {Segment: "T"}}}, "segment", ErrRules},
		{"r above B", RuleSetDef{Bins: 5, Segments: seg, Rules: []Rule{{Segment: "S", R: rg(4, 6)}}}, "r", ErrRules},
		{"f below 1", RuleSetDef{Bins: 5, Segments: seg, Rules: []Rule{{Segment: "S", F: rg(0, 2)}}}, "f", ErrRules},
		{"m reversed", RuleSetDef{Bins: 5, Segments: seg, Rules: []Rule{{Segment: "S", M: rg(3, 2)}}}, "m", ErrRules},
		{"r not integer", RuleSetDef{Bins: 5, Segments: seg, Rules: []Rule{{Segment: "S", R: rg(1.5, 2)}}}, "r", ErrRules},
		{"fm off grid", RuleSetDef{Bins: 5, Segments: seg, Rules: []Rule{{Segment: "S", FM: rg(1.25, 2)}}}, "fm", ErrRules},
		{"fm NaN", RuleSetDef{Bins: 5, Segments: seg, Rules: []Rule{{Segment: "S", FM: rg(math.NaN(), 2)}}}, "fm", ErrRules},
		{"fm above B", RuleSetDef{Bins: 3, Segments: seg, Rules: []Rule{{Segment: "S", FM: rg(1, 3.5)}}}, "fm", ErrRules},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewRuleSet(tt.spec, &RuleSetSettings{AllowGaps: true})
			var re *RuleError
			if !errors.Is(err, tt.want) || !errors.As(err, &re) || re.Field != tt.field {
				t.Fatalf("err = %v, want %v in field %s", err, tt.want, tt.field)
			}
			if err.Error() == "" {
				t.Error("empty message")
			}
		})
	}
}

// decodeRules decodes a rule set with the one decode verb.
func decodeRules(data []byte) (*RuleSet, error) {
	rs := new(RuleSet)
	if err := json.Unmarshal(data, rs); err != nil {
		return nil, err
	}
	return rs, nil
}

// rulesHead is the envelope a rules file starts with.
const rulesHead = `{"format": "cvm.segment.rules", "version": 2, `

func TestRuleSetJSON(t *testing.T) {
	data := check.Must(json.Marshal(DefaultRules()))
	if !strings.HasPrefix(string(data), `{"format":"cvm.segment.rules","version":2,"bins":5,`) {
		t.Errorf("envelope: %.80s", data)
	}
	rs := check.Must(decodeRules(data))
	if diff := cmp.Diff(rs.Def(), DefaultRuleSetDef()); diff != "" {
		t.Errorf("round trip (-got +want):\n%s", diff)
	}
	if !slices.Equal(rs.table, DefaultRules().table) {
		t.Error("round trip changed the cell table")
	}
	// A hand-written file over R and FM; FM 2.5 falls to the second rule.
	src := rulesHead + `"bins": 3,
	  "segments": [{"name": "Best", "meaning": "m", "action": "a"}, {"name": "Other"}],
	  "rules": [{"segment": "Best", "r": [3, 3], "fm": [3, 3]}, {"segment": "Other"}]}`
	rs = check.Must(decodeRules([]byte(src)))
	if s, _ := rs.Segment(3, 3, 3); s != "Best" {
		t.Errorf("Segment(3,3,3) = %q", s)
	}
	if s, _ := rs.Segment(3, 2, 3); s != "Other" {
		t.Errorf("Segment(3,2,3) = %q", s)
	}
	if rs.Bins() != 3 {
		t.Errorf("Bins = %d", rs.Bins())
	}
	// Gaps are kept for Check, so that a saved rule set with gaps reads
	// back: only R = 3 is covered.
	gappy := check.Must(decodeRules([]byte(rulesHead + `"bins": 3, "segments": [{"name": "A"}], "rules": [{"segment": "A", "r": [3, 3]}]}`)))
	if c := gappy.Check(); len(c.Uncovered) != 18 {
		t.Errorf("uncovered %d cells, want 18 (R 1 and 2, 9 cells each)", len(c.Uncovered))
	}
	back := check.Must(decodeRules(check.Must(json.Marshal(gappy))))
	if !slices.Equal(back.table, gappy.table) {
		t.Error("gappy round trip changed the cell table")
	}
}

// TestRuleSetJSONBad is the table of bad rule files: each is an error
// naming its cause, and decoding leaves the target unchanged.
func TestRuleSetJSONBad(t *testing.T) {
	body := `"bins": 3, "segments": [{"name": "A"}], "rules": [{"segment": "A"}]}`
	tests := []struct{ name, in, want string }{
		{"empty", ``, "unexpected end"},
		{"no envelope (version 1 file)", `{"version": 1, ` + body, `no "format" field`},
		{"other format", `{"format": "cvm.segment.scorer", "version": 2, ` + body, `"cvm.segment.scorer" version 2, want "cvm.segment.rules" version 2`},
		{"old version", `{"format": "cvm.segment.rules", "version": 1, ` + body, "version 1, want version 2"},
		{"unknown top field", rulesHead + `"extra": 1, ` + body, `unknown field "extra"`},
		{"misspelt range", rulesHead + `"bins": 3, "segments": [{"name": "A"}], "rules": [{"segment": "A", "fn": [1, 2]}]}`, `unknown field "fn"`},
		{"unknown segment field", rulesHead + `"bins": 3, "segments": [{"name": "A", "colour": "red"}], "rules": [{"segment": "A"}]}`, `unknown field "colour"`},
		{"range of one", rulesHead + `"bins": 3, "segments": [{"name": "A"}], "rules": [{"segment": "A", "r": [1]}]}`, "got 1 numbers"},
		{"range as text", rulesHead + `"bins": 3, "segments": [{"name": "A"}], "rules": [{"segment": "A", "r": "1-2"}]}`, "range must be [min, max]"},
		{"range above B", rulesHead + `"bins": 3, "segments": [{"name": "A"}], "rules": [{"segment": "A", "r": [1, 4]}]}`, "outside 1..3"},
		{"unknown segment", rulesHead + `"bins": 3, "segments": [{"name": "A"}], "rules": [{"segment": "B"}]}`, "unknown segment"},
		{"bins 11", rulesHead + `"bins": 11, "segments": [{"name": "A"}], "rules": [{"segment": "A"}]}`, "bins"},
		{"bins huge", rulesHead + `"bins": 4611686018427387904, "segments": [{"name": "A"}], "rules": [{"segment": "A"}]}`, "bins"},
		{"trailing object", rulesHead + body + ` {}`, "after top-level value"},
		{"trailing brace", rulesHead + body + `}`, "invalid character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := DefaultRuleSetDef()
			target := check.Must(NewRuleSet(rs, nil))
			err := json.Unmarshal([]byte(tt.in), target)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if !slices.Equal(target.table, DefaultRules().table) {
				t.Error("a failed decode changed the target")
			}
		})
	}
}

func FuzzRuleSetJSON(f *testing.F) {
	f.Add(check.Must(json.Marshal(DefaultRules())))
	f.Add([]byte(rulesHead + `"bins": 2, "segments": [{"name": "A"}], "rules": [{"segment": "A", "fm": [1.5, 2]}]}`))
	f.Add([]byte(rulesHead + `"bins": 3, "segments": [{"name": "A"},{"name":"B"}], "rules": [{"segment": "B", "m": [2,3]},{"segment":"A"}]}`))
	f.Add([]byte(rulesHead + `"bins": 4611686018427387904, "segments": [{"name": "A"}], "rules": [{"segment": "A"}]}`))
	f.Add([]byte(rulesHead + `"bins": 3, "segments": [{"name": "A"}], "rules": [{"segment": "A", "r": [1e308, 1e309]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := decodeRules(data)
		if err != nil {
			return
		}
		B := rs.Bins()
		if B < 2 || B > 10 {
			t.Fatalf("bins %d accepted", B)
		}
		c := rs.Check()
		uncovered := 0
		for r := 1; r <= B; r++ {
			for fr := 1; fr <= B; fr++ {
				for m := 1; m <= B; m++ {
					if _, ok := rs.Segment(r, fr, m); !ok {
						uncovered++
					}
				}
			}
		}
		if uncovered != len(c.Uncovered) {
			t.Fatalf("%d uncovered cells, check says %d", uncovered, len(c.Uncovered))
		}
		out, err := json.Marshal(rs)
		if err != nil {
			t.Fatal(err)
		}
		back, err := decodeRules(out)
		if err != nil {
			t.Fatalf("re-decoding %s: %v", out, err)
		}
		if !slices.Equal(back.table, rs.table) {
			t.Fatal("round trip changed the cell table")
		}
	})
}

func TestSummarizeSegments(t *testing.T) {
	cells := []Cell{
		{5, 5, 3}, {5, 1, 1}, {5, 1, 1}, {4, 4, 1}, {3, 1, 5},
		{3, 5, 3}, {3, 1, 5}, {2, 4, 4}, {1, 1, 4}, {1, 1, 2},
	}
	// By hand from goldenValues and the segments of
	// TestDefaultSegmentsGolden; total revenue 1380.
	got := SummarizeSegments(goldenValues, cells, DefaultRules())
	zero := func(name string) SegmentStats { return SegmentStats{Segment: name} }
	one := func(name string, v RFM) SegmentStats {
		return SegmentStats{Segment: name, Customers: 1, Share: 0.1, Revenue: v.Revenue, RevenueShare: v.Revenue / 1380,
			MeanRecency: v.Recency, MedianRecency: v.Recency, MeanFrequency: v.Frequency, MedianFrequency: v.Frequency,
			MeanMonetary: v.Monetary, MedianMonetary: v.Monetary}
	}
	g := goldenValues
	want := []SegmentStats{
		one("Champions", g[0]),
		one("Loyal", g[5]),
		one("Potential Loyalist", g[3]),
		// B (3 days, 1, 20) and C (3 days, 1, 10).
		{Segment: "New", Customers: 2, Share: 0.2, Revenue: 30, RevenueShare: 30.0 / 1380,
			MeanRecency: 3, MedianRecency: 3, MeanFrequency: 1, MedianFrequency: 1, MeanMonetary: 15, MedianMonetary: 15},
		zero("Promising"),
		// E (20, 1, 80) and G (20, 1, 1000).
		{Segment: "Need Attention", Customers: 2, Share: 0.2, Revenue: 1080, RevenueShare: 1080.0 / 1380,
			MeanRecency: 20, MedianRecency: 20, MeanFrequency: 1, MedianFrequency: 1, MeanMonetary: 540, MedianMonetary: 540},
		zero("About to Sleep"),
		zero("Can't Lose Them"),
		one("At Risk", g[7]),
		one("Lost", g[9]),
		one("Hibernating", g[8]),
	}
	if diff := cmp.Diff(got, want, cmpopts.EquateApprox(1e-12, 0)); diff != "" {
		t.Errorf("summary (-got +want):\n%s", diff)
	}
	// A cell outside the map adds a "" row.
	got = SummarizeSegments(goldenValues[:2], []Cell{{5, 5, 5}, {9, 9, 9}}, DefaultRules())
	last := got[len(got)-1]
	if len(got) != 12 || last.Segment != "" || last.Customers != 1 || last.Revenue != 20 {
		t.Errorf("unassigned row = %+v (of %d rows)", last, len(got))
	}
}

func TestRFGrid(t *testing.T) {
	cells := []Cell{
		{5, 5, 3}, {5, 1, 1}, {5, 1, 1}, {4, 4, 1}, {3, 1, 5},
		{3, 5, 3}, {3, 1, 5}, {2, 4, 4}, {1, 1, 4}, {1, 1, 2},
	}
	g := RFGrid(goldenValues, cells, 5)
	// By hand: (R,F) -> customers: (5,5) A 50; (5,1) B 20, C 10; (4,4) D 20;
	// (3,1) E 80, G 1000; (3,5) F 40; (2,4) H 60; (1,1) I 70, J 30.
	wantCount := [][]int{
		{2, 0, 0, 0, 0},
		{0, 0, 0, 1, 0},
		{2, 0, 0, 0, 1},
		{0, 0, 0, 1, 0},
		{2, 0, 0, 0, 1},
	}
	wantMean := [][]float64{
		{50, 0, 0, 0, 0},
		{0, 0, 0, 60, 0},
		{540, 0, 0, 0, 40},
		{0, 0, 0, 20, 0},
		{15, 0, 0, 0, 50},
	}
	if diff := cmp.Diff(g.Count, wantCount); diff != "" {
		t.Errorf("count (-got +want):\n%s", diff)
	}
	if diff := cmp.Diff(g.MeanMonetary, wantMean, cmpopts.EquateApprox(1e-12, 0)); diff != "" {
		t.Errorf("mean monetary (-got +want):\n%s", diff)
	}
}

func TestSummaryPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"summary lengths": func() { SummarizeSegments(goldenValues, nil, DefaultRules()) },
		"grid lengths":    func() { RFGrid(goldenValues, nil, 5) },
		"grid bins":       func() { RFGrid(nil, nil, 11) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func TestNoMutationAndNoAliasing(t *testing.T) {
	values := slices.Clone(goldenValues)
	cells, s, err := Score(nil, values, nil)
	if err != nil {
		t.Fatal(err)
	}
	cellsCopy := slices.Clone(cells)
	if _, err := s.ScoreAll(nil, values); err != nil {
		t.Fatal(err)
	}
	SummarizeSegments(values, cells, DefaultRules())
	RFGrid(values, cells, 5)
	DefaultRules().AssignAll(nil, cells)
	if !slices.Equal(values, goldenValues) || !slices.Equal(cells, cellsCopy) {
		t.Error("an exported function modified its input")
	}
	// The scorer keeps copies of fixed breaks; its getters return copies.
	br := []float64{1, 2, 3, 4}
	s, err = FitScorer(values, &ScorerSettings{RecencyBreaks: br})
	if err != nil {
		t.Fatal(err)
	}
	br[0] = 99
	s.Recency().Breaks[1] = 99
	if got := s.Recency().Breaks; !slices.Equal(got, []float64{1, 2, 3, 4}) {
		t.Errorf("scorer breaks changed through an alias: %v", got)
	}
	// The rule set keeps a copy of its spec.
	spec := DefaultRuleSetDef()
	rs, err := NewRuleSet(spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	spec.Rules[0].R.Min = 1
	spec.Segments[0].Name = "changed"
	rs.Def().Rules[0].R.Max = 1
	if diff := cmp.Diff(rs.Def(), DefaultRuleSetDef()); diff != "" {
		t.Errorf("rule set changed through an alias:\n%s", diff)
	}
}

func TestConcurrentUse(t *testing.T) {
	// Run with -race: a fitted Scorer and a RuleSet are safe for
	// concurrent reads.
	s, err := FitScorer(goldenValues, nil)
	if err != nil {
		t.Fatal(err)
	}
	rs := DefaultRules()
	done := make(chan []int)
	for range 4 {
		go func() {
			cells, err := s.ScoreAll(nil, goldenValues)
			if err != nil {
				panic(err)
			}
			done <- rs.AssignAll(nil, cells)
		}()
	}
	first := <-done
	for range 3 {
		if got := <-done; !slices.Equal(got, first) {
			t.Errorf("concurrent results differ: %v, %v", got, first)
		}
	}
}

func TestCoverageErrorMessage(t *testing.T) {
	// B = 3 with one rule for R 3: 18 cells uncovered; the message lists
	// the first 10 and says there are more.
	_, err := NewRuleSet(RuleSetDef{Bins: 3, Segments: []SegmentInfo{{Name: "A"}}, Rules: []Rule{{Segment: "A", R: &Range{3, 3}}}}, nil)
	var ce *CoverageError
	if !errors.As(err, &ce) || len(ce.Check.Uncovered) != 18 {
		t.Fatalf("err = %v", err)
	}
	want := "segment: rule set: 18 uncovered cells [111 112 113 121 122 123 131 132 133 211] ..."
	if err.Error() != want {
		t.Errorf("message %q, want %q", err.Error(), want)
	}
}

func TestRulesFileRF(t *testing.T) {
	// testdata/rfm_rules_rf.json is the common R x F map (segments by
	// regular expressions on the "RF" string: [1-2][1-2] Hibernating,
	// [1-2][3-4] At Risk, [1-2]5 Can't Lose Them, 3[1-2] About to Sleep,
	// 33 Need Attention, [3-4][4-5] Loyal, 41 Promising, 51 New,
	// [4-5][2-3] Potential Loyalist, 5[4-5] Champions) written as rules.
	// By hand its 25 R x F cells are disjoint and cover the grid, so it
	// builds strictly and every M gives the same segment.
	rs := check.Must(decodeRules(check.Must(os.ReadFile("testdata/rfm_rules_rf.json"))))
	if c := rs.Check(); !c.OK() {
		t.Errorf("gaps %+v", c)
	}
	if c := rs.Check(); len(c.DeadRules) != 0 {
		t.Errorf("dead rules %v", c.DeadRules)
	}
	want := map[[2]int]string{{1, 1}: "Hibernating", {2, 4}: "At Risk", {1, 5}: "Can't Lose Them", {3, 2}: "About to Sleep",
		{3, 3}: "Need Attention", {3, 5}: "Loyal", {4, 4}: "Loyal", {4, 1}: "Promising", {5, 1}: "New", {5, 3}: "Potential Loyalist",
		{5, 4}: "Champions"}
	for rf, name := range want {
		for m := 1; m <= 5; m++ {
			if got, _ := rs.Segment(rf[0], rf[1], m); got != name {
				t.Errorf("R %d F %d M %d: %q, want %q", rf[0], rf[1], m, got, name)
			}
		}
	}
}
