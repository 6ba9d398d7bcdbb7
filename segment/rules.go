package segment

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
)

// RulesFormatVersion is the format version of a rule set's JSON form.
const RulesFormatVersion = 1

// SegmentInfo names a segment and says what it means and what to do.
type SegmentInfo struct {
	Name    string `json:"name"`
	Meaning string `json:"meaning,omitempty"` // one line: who these customers are
	Action  string `json:"action,omitempty"`  // one line: what to do with them
}

// Range is a closed interval [Min, Max] of scores. Its JSON form is the
// two-element array [min, max].
type Range struct {
	Min, Max float64
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
	Segment string `json:"segment"`
	R       *Range `json:"r,omitempty"`
	F       *Range `json:"f,omitempty"`
	M       *Range `json:"m,omitempty"`
	FM      *Range `json:"fm,omitempty"`
}

func (u *Rule) matches(r, f, m int) bool {
	return u.R.contains(float64(r)) && u.F.contains(float64(f)) && u.M.contains(float64(m)) &&
		u.FM.contains(float64(f+m)/2)
}

// RuleSpec is the definition of a rule set and its JSON form.
type RuleSpec struct {
	Version  int           `json:"version"` // RulesFormatVersion; 0 is taken as it
	Bins     int           `json:"bins"`    // B, 2..10
	Segments []SegmentInfo `json:"segments"`
	Rules    []Rule        `json:"rules"` // evaluated in order, first match wins
}

// RuleCheck is what building a rule set found.
type RuleCheck struct {
	// Unreachable lists the segments that no cell gets, in the order of
	// RuleSpec.Segments.
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
	Check RuleCheck
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
	Field   string // "segment", "r", "f", "m", "fm", "bins", "rules", "version"
	Err     error
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

// RuleSetOptions configures NewRuleSet. A nil *RuleSetOptions means strict
// checking.
type RuleSetOptions struct {
	// AllowGaps, when true, builds the rule set even with unreachable
	// segments or uncovered cells and leaves them to [RuleSet.Check];
	// false (the zero value) returns a *CoverageError instead.
	AllowGaps bool
}

// RuleSet is a checked, first-match-wins map from score cells to segment
// names. It is immutable and safe for concurrent use.
type RuleSet struct {
	spec  RuleSpec
	check RuleCheck
	table []int16 // (r-1)*B*B + (f-1)*B + (m-1) -> segment index, -1 uncovered
}

// NewRuleSet validates spec and evaluates it on all B^3 cells. It returns a
// *RuleError wrapping ErrRules for B outside 2..10, no segments or rules,
// an empty or repeated segment name, a rule naming an unknown segment, a
// range outside 1..B, reversed, NaN, or not on the score grid (integers
// for r, f, m; multiples of 0.5 for fm), and a *CoverageError when a
// segment is unreachable or a cell uncovered unless opts.AllowGaps. spec
// is copied.
func NewRuleSet(spec RuleSpec, opts *RuleSetOptions) (*RuleSet, error) {
	bad := func(rule int, seg, field, format string, args ...any) error {
		return &RuleError{Rule: rule, Segment: seg, Field: field, Err: fmt.Errorf("%w: "+format, append([]any{ErrRules}, args...)...)}
	}
	if spec.Version != 0 && spec.Version != RulesFormatVersion {
		return nil, bad(-1, "", "version", "format version %d, want %d", spec.Version, RulesFormatVersion)
	}
	B := spec.Bins
	if B < 2 || B > 10 {
		return nil, &RuleError{Rule: -1, Field: "bins", Err: fmt.Errorf("%w (got %d)", ErrBins, B)}
	}
	if len(spec.Segments) == 0 {
		return nil, bad(-1, "", "segments", "no segments")
	}
	if len(spec.Segments) > math.MaxInt16 {
		return nil, bad(-1, "", "segments", "%d segments, at most %d", len(spec.Segments), math.MaxInt16)
	}
	if len(spec.Rules) == 0 {
		return nil, bad(-1, "", "rules", "no rules")
	}
	index := make(map[string]int, len(spec.Segments))
	for i, s := range spec.Segments {
		if s.Name == "" {
			return nil, bad(-1, "", "segment", "segment %d has no name", i+1)
		}
		if _, dup := index[s.Name]; dup {
			return nil, bad(-1, s.Name, "segment", "segment named twice")
		}
		index[s.Name] = i
	}
	ruleSeg := make([]int16, len(spec.Rules))
	for i, u := range spec.Rules {
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
	rs := &RuleSet{spec: cloneSpec(spec), table: make([]int16, B*B*B)}
	reached := make([]bool, len(spec.Segments))
	won := make([]bool, len(spec.Rules))
	for r := 1; r <= B; r++ {
		for f := 1; f <= B; f++ {
			for m := 1; m <= B; m++ {
				seg := int16(-1)
				for i := range rs.spec.Rules {
					if rs.spec.Rules[i].matches(r, f, m) {
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
			rs.check.Unreachable = append(rs.check.Unreachable, spec.Segments[i].Name)
		}
	}
	for i, ok := range won {
		if !ok {
			rs.check.DeadRules = append(rs.check.DeadRules, i)
		}
	}
	if !rs.check.OK() && (opts == nil || !opts.AllowGaps) {
		return nil, &CoverageError{Check: rs.Check()}
	}
	return rs, nil
}

func cloneSpec(s RuleSpec) RuleSpec {
	s.Version = RulesFormatVersion
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

// ParseRules decodes a rule set from its JSON form (a [RuleSpec]; unknown
// fields are an error) and builds it with [NewRuleSet].
func ParseRules(data []byte, opts *RuleSetOptions) (*RuleSet, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var spec RuleSpec
	if err := dec.Decode(&spec); err != nil {
		return nil, fmt.Errorf("segment: decoding rule set: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("segment: decoding rule set: data after the rule set")
	}
	return NewRuleSet(spec, opts)
}

// MarshalJSON encodes the rule set as its RuleSpec with the format version.
func (rs *RuleSet) MarshalJSON() ([]byte, error) { return json.Marshal(rs.spec) }

// Spec returns a copy of the rule set's definition.
func (rs *RuleSet) Spec() RuleSpec { return cloneSpec(rs.spec) }

// Bins returns the number of scores B the rule set is for.
func (rs *RuleSet) Bins() int { return rs.spec.Bins }

// Check returns what building the rule set found (empty for a strict
// rule set).
func (rs *RuleSet) Check() RuleCheck {
	return RuleCheck{
		Unreachable: slices.Clone(rs.check.Unreachable),
		Uncovered:   slices.Clone(rs.check.Uncovered),
		DeadRules:   slices.Clone(rs.check.DeadRules),
	}
}

// Segments returns the segments in the order of the spec; the index of a
// segment there is what [RuleSet.Index] returns.
func (rs *RuleSet) Segments() []SegmentInfo { return slices.Clone(rs.spec.Segments) }

// Info returns the segment named name.
func (rs *RuleSet) Info(name string) (SegmentInfo, bool) {
	for _, s := range rs.spec.Segments {
		if s.Name == name {
			return s, true
		}
	}
	return SegmentInfo{}, false
}

// Index returns the index in Segments of the segment of cell (r, f, m),
// or -1 when a score is outside 1..B or no rule covers the cell.
func (rs *RuleSet) Index(r, f, m int) int {
	B := rs.spec.Bins
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
	return rs.spec.Segments[i].Name, true
}

// AssignAll writes the segment index of every cell into dst, grown when
// too short, and returns it; -1 marks a cell outside 1..B or uncovered. It
// allocates nothing when cap(dst) >= len(cells).
func (rs *RuleSet) AssignAll(dst []int, cells []Cell) []int {
	if cap(dst) < len(cells) {
		dst = make([]int, len(cells))
	}
	dst = dst[:len(cells)]
	B := uint(rs.spec.Bins)
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
