package segment

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/cvmkit/cvm/internal/envelope"
)

// RulesFormat and RulesVersion name the JSON form of a [RuleSet], the
// form of a rules file a user writes:
//
//	{"format": "cvm.segment.rules", "version": 2, "bins": 5,
//	 "segments": [{"name": "Best", "meaning": "...", "action": "..."}, ...],
//	 "rules": [{"segment": "Best", "r": [5, 5], "fm": [4, 5]}, ...]}
//
// Decoding another format or version is a *cvm.FormatError naming both.
const (
	RulesFormat  = "cvm.segment.rules"
	RulesVersion = 2
)

// SegmentInfo names a segment and says what it means and what to do.
type SegmentInfo struct {
	Name    string `json:"name"`              // the name rules assign
	Meaning string `json:"meaning,omitempty"` // one line: who these customers are
	Action  string `json:"action,omitempty"`  // one line: what to do with them
}

// Range is a closed interval [Min, Max] of scores. Its JSON form is the
// two-element array [min, max].
type Range struct {
	Min, Max float64 // both bounds included
}

// MarshalJSON encodes r as [min, max].
func (r Range) MarshalJSON() ([]byte, error) {
	return json.Marshal([2]float64{r.Min, r.Max})
}

// UnmarshalJSON decodes [min, max].
func (r *Range) UnmarshalJSON(data []byte) error {
	var a []float64
	if err := json.Unmarshal(data, &a); err != nil {
		return fmt.Errorf("segment: range must be [min, max]: %w", err)
	}
	if len(a) != 2 {
		return fmt.Errorf("segment: range must be [min, max], got %d numbers", len(a))
	}
	r.Min, r.Max = a[0], a[1]
	return nil
}

func (r *Range) contains(x float64) bool { return r == nil || (x >= r.Min && x <= r.Max) }

// Rule assigns Segment to every cell whose scores lie in all of its
// ranges; a nil range accepts any score. FM is the mean of F and M, a
// multiple of 0.5.
type Rule struct {
	Segment string `json:"segment"`      // the name of a segment of the rule set
	R       *Range `json:"r,omitempty"`  // the R scores accepted; nil for any
	F       *Range `json:"f,omitempty"`  // the F scores accepted; nil for any
	M       *Range `json:"m,omitempty"`  // the M scores accepted; nil for any
	FM      *Range `json:"fm,omitempty"` // the (F+M)/2 values accepted; nil for any
}

func (u *Rule) matches(r, f, m int) bool {
	return u.R.contains(float64(r)) && u.F.contains(float64(f)) && u.M.contains(float64(m)) &&
		u.FM.contains(float64(f+m)/2)
}

// RuleSetDef is the definition of a rule set: the fields of its JSON form
// after the envelope.
type RuleSetDef struct {
	Bins     int           `json:"bins"`     // B, 2..10
	Segments []SegmentInfo `json:"segments"` // the segments the rules name
	Rules    []Rule        `json:"rules"`    // evaluated in order, first match wins
}

// RuleCheck is what building a rule set found.
type RuleCheck struct {
	// Unreachable lists the segments that no cell gets, in the order of
	// RuleSetDef.Segments.
	Unreachable []string
	// Uncovered lists the cells that no rule matches, in R, F, M order.
	Uncovered []Cell
	// DeadRules lists the 0-based indices of rules that never win a cell
	// because earlier rules take all of theirs. A dead rule is not an
	// error, but usually a mistake.
	DeadRules []int
}

// OK reports whether every segment is reachable and every cell covered.
func (c RuleCheck) OK() bool { return len(c.Unreachable) == 0 && len(c.Uncovered) == 0 }

// CoverageError is returned by NewRuleSet in strict mode when a segment is
// unreachable or a cell is not covered.
type CoverageError struct {
	Check RuleCheck // what building the rule set found
}

// Error summarises the coverage problems found.
func (e *CoverageError) Error() string {
	var b strings.Builder
	b.WriteString("segment: rule set")
	if len(e.Check.Unreachable) > 0 {
		fmt.Fprintf(&b, ": unreachable segments %q", e.Check.Unreachable)
	}
	if n := len(e.Check.Uncovered); n > 0 {
		cells := e.Check.Uncovered
		more := ""
		if len(cells) > 10 {
			cells, more = cells[:10], " ..."
		}
		fmt.Fprintf(&b, ": %d uncovered cells %v%s", n, cells, more)
	}
	return b.String()
}

// Unwrap returns ErrRules.
func (e *CoverageError) Unwrap() error { return ErrRules }

// RuleError reports an invalid rule or segment of a rule set.
type RuleError struct {
	Rule    int    // 0-based rule index; -1 when the problem is not in a rule
	Segment string // the segment concerned, when there is one
	Field   string // "segment", "segments", "r", "f", "m", "fm", "bins", "rules"
	Err     error  // the cause
}

// Error names the rule and the cause.
func (e *RuleError) Error() string {
	where := "rule set"
	if e.Rule >= 0 {
		where = fmt.Sprintf("rule %d", e.Rule+1)
	}
	if e.Segment != "" {
		return fmt.Sprintf("segment: %s (%q): %s: %v", where, e.Segment, e.Field, e.Err)
	}
	return fmt.Sprintf("segment: %s: %s: %v", where, e.Field, e.Err)
}

// Unwrap returns the underlying error.
func (e *RuleError) Unwrap() error { return e.Err }

// RuleSetSettings are the settings of [NewRuleSet]. A nil
// *RuleSetSettings means the zero value: strict checking.
type RuleSetSettings struct {
	// AllowGaps, when true, builds the rule set even with unreachable
	// segments or uncovered cells and leaves them to [RuleSet.Check];
	// false (the zero value) returns a *CoverageError instead.
	AllowGaps bool
}

// RuleSet is a checked, first-match-wins map from score cells to segment
// names. It is immutable and safe for concurrent use.
type RuleSet struct {
	def   RuleSetDef
	check RuleCheck
	table []int16 // (r-1)*B*B + (f-1)*B + (m-1) -> segment index, -1 uncovered
}

// NewRuleSet validates def and evaluates it on all B^3 cells. It returns a
// *RuleError wrapping ErrRules for B outside 2..10, no segments or rules,
// more than 32767 segments, an empty or repeated segment name, a rule
// naming an unknown segment, a range outside 1..B, reversed, NaN, or not
// on the score grid (integers for r, f, m; multiples of 0.5 for fm), and a
// *CoverageError when a segment is unreachable or a cell uncovered unless
// settings.AllowGaps. def is copied.
func NewRuleSet(def RuleSetDef, settings *RuleSetSettings) (*RuleSet, error) {
	bad := func(rule int, seg, field, format string, args ...any) error {
		return &RuleError{Rule: rule, Segment: seg, Field: field, Err: fmt.Errorf("%w: "+format, append([]any{ErrRules}, args...)...)}
	}
	B := def.Bins
	if B < 2 || B > 10 {
		return nil, &RuleError{Rule: -1, Field: "bins", Err: fmt.Errorf("%w (got %d)", ErrBins, B)}
	}
	if len(def.Segments) == 0 {
		return nil, bad(-1, "", "segments", "no segments")
	}
	if len(def.Segments) > math.MaxInt16 {
		return nil, bad(-1, "", "segments", "%d segments, at most %d", len(def.Segments), math.MaxInt16)
	}
	if len(def.Rules) == 0 {
		return nil, bad(-1, "", "rules", "no rules")
	}
	index := make(map[string]int, len(def.Segments))
	for i, s := range def.Segments {
		if s.Name == "" {
			return nil, bad(-1, "", "segment", "segment %d has no name", i+1)
		}
		if _, dup := index[s.Name]; dup {
			return nil, bad(-1, s.Name, "segment", "segment named twice")
		}
		index[s.Name] = i
	}
	ruleSeg := make([]int16, len(def.Rules))
	for i, u := range def.Rules {
		si, ok := index[u.Segment]
		if !ok {
			return nil, bad(i, u.Segment, "segment", "unknown segment")
		}
		ruleSeg[i] = int16(si)
		for _, x := range []struct {
			name string
			r    *Range
			step float64
		}{{"r", u.R, 1}, {"f", u.F, 1}, {"m", u.M, 1}, {"fm", u.FM, 0.5}} {
			if x.r == nil {
				continue
			}
			lo, hi := x.r.Min, x.r.Max
			switch {
			case math.IsNaN(lo) || math.IsNaN(hi):
				return nil, bad(i, u.Segment, x.name, "NaN in range")
			case lo < 1 || hi > float64(B):
				return nil, bad(i, u.Segment, x.name, "range [%v, %v] outside 1..%d", lo, hi, B)
			case lo > hi:
				return nil, bad(i, u.Segment, x.name, "range [%v, %v] is reversed", lo, hi)
			case lo/x.step != math.Trunc(lo/x.step) || hi/x.step != math.Trunc(hi/x.step):
				return nil, bad(i, u.Segment, x.name, "range [%v, %v] is not on the score grid (step %v)", lo, hi, x.step)
			}
		}
	}
	rs := &RuleSet{def: cloneDef(def), table: make([]int16, B*B*B)}
	reached := make([]bool, len(def.Segments))
	won := make([]bool, len(def.Rules))
	for r := 1; r <= B; r++ {
		for f := 1; f <= B; f++ {
			for m := 1; m <= B; m++ {
				seg := int16(-1)
				for i := range rs.def.Rules {
					if rs.def.Rules[i].matches(r, f, m) {
						seg = ruleSeg[i]
						reached[seg] = true
						won[i] = true
						break
					}
				}
				rs.table[((r-1)*B+(f-1))*B+(m-1)] = seg
				if seg < 0 {
					rs.check.Uncovered = append(rs.check.Uncovered, Cell{r, f, m})
				}
			}
		}
	}
	for i, ok := range reached {
		if !ok {
			rs.check.Unreachable = append(rs.check.Unreachable, def.Segments[i].Name)
		}
	}
	for i, ok := range won {
		if !ok {
			rs.check.DeadRules = append(rs.check.DeadRules, i)
		}
	}
	if !rs.check.OK() && (settings == nil || !settings.AllowGaps) {
		return nil, &CoverageError{Check: rs.Check()}
	}
	return rs, nil
}

func cloneDef(s RuleSetDef) RuleSetDef {
	s.Segments = slices.Clone(s.Segments)
	rules := make([]Rule, len(s.Rules))
	cp := func(r *Range) *Range {
		if r == nil {
			return nil
		}
		c := *r
		return &c
	}
	for i, u := range s.Rules {
		rules[i] = Rule{Segment: u.Segment, R: cp(u.R), F: cp(u.F), M: cp(u.M), FM: cp(u.FM)}
	}
	s.Rules = rules
	return s
}

type rulesJSON struct {
	envelope.Header
	RuleSetDef
}

// MarshalJSON encodes the rule set's definition in the cvm envelope
// ({"format": RulesFormat, "version": RulesVersion, ...}); a rule set has
// no model card, as nothing is fitted.
func (rs *RuleSet) MarshalJSON() ([]byte, error) {
	return json.Marshal(rulesJSON{envelope.New(RulesFormat, RulesVersion, nil), rs.def})
}

// UnmarshalJSON decodes a rule set from its JSON form, a file written by
// MarshalJSON or by hand, and builds it as [NewRuleSet] does with
// AllowGaps: unreachable segments and uncovered cells are left to
// [RuleSet.Check], so that a saved rule set with gaps reads back; call
// Check and refuse them if they matter. Another format or version is a
// *cvm.FormatError; unknown fields (a misspelt "fm") and trailing data are
// errors naming them; an invalid rule is NewRuleSet's *RuleError. On error
// rs is unchanged. Do not decode into the shared [DefaultRules].
func (rs *RuleSet) UnmarshalJSON(data []byte) error {
	var v rulesJSON
	if err := envelope.Decode("segment", data, RulesFormat, RulesVersion, &v); err != nil {
		return err
	}
	built, err := NewRuleSet(v.RuleSetDef, &RuleSetSettings{AllowGaps: true})
	if err != nil {
		return err
	}
	*rs = *built
	return nil
}

// Def returns a copy of the rule set's definition.
func (rs *RuleSet) Def() RuleSetDef { return cloneDef(rs.def) }

// Bins returns the number of scores B the rule set is for.
func (rs *RuleSet) Bins() int { return rs.def.Bins }

// Check returns what building the rule set found (empty for a strict
// rule set).
func (rs *RuleSet) Check() RuleCheck {
	return RuleCheck{
		Unreachable: slices.Clone(rs.check.Unreachable),
		Uncovered:   slices.Clone(rs.check.Uncovered),
		DeadRules:   slices.Clone(rs.check.DeadRules),
	}
}

// Segments returns the segments in the order of the definition; the index of a
// segment there is what [RuleSet.Index] returns.
func (rs *RuleSet) Segments() []SegmentInfo { return slices.Clone(rs.def.Segments) }

// Info returns the segment named name.
func (rs *RuleSet) Info(name string) (SegmentInfo, bool) {
	for _, s := range rs.def.Segments {
		if s.Name == name {
			return s, true
		}
	}
	return SegmentInfo{}, false
}

// Index returns the index in Segments of the segment of cell (r, f, m),
// or -1 when a score is outside 1..B or no rule covers the cell.
func (rs *RuleSet) Index(r, f, m int) int {
	B := rs.def.Bins
	if uint(r-1) >= uint(B) || uint(f-1) >= uint(B) || uint(m-1) >= uint(B) {
		return -1
	}
	return int(rs.table[((r-1)*B+(f-1))*B+(m-1)])
}

// Segment returns the name of the segment of cell (r, f, m); ok is false
// when a score is outside 1..B or no rule covers the cell.
func (rs *RuleSet) Segment(r, f, m int) (name string, ok bool) {
	i := rs.Index(r, f, m)
	if i < 0 {
		return "", false
	}
	return rs.def.Segments[i].Name, true
}

// AssignAll writes the segment index of every cell into dst, grown when
// too short, and returns it; -1 marks a cell outside 1..B or uncovered. It
// allocates nothing when cap(dst) >= len(cells).
func (rs *RuleSet) AssignAll(dst []int, cells []Cell) []int {
	if cap(dst) < len(cells) {
		dst = make([]int, len(cells))
	}
	dst = dst[:len(cells)]
	B := uint(rs.def.Bins)
	t := rs.table
	for i, c := range cells {
		r, f, m := uint(c.R-1), uint(c.F-1), uint(c.M-1)
		if r >= B || f >= B || m >= B {
			dst[i] = -1
			continue
		}
		dst[i] = int(t[(r*B+f)*B+m])
	}
	return dst
}
