package report

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cvmkit/cvm/internal/num"
)

// Table is a titled table of text cells. The zero value is an empty table
// with no title; add a header with [Table.Header] and rows with
// [Table.Row].
type Table struct {
	Title  string
	Indent string // printed before every line; "" means two spaces
	head   []string
	rows   [][]string
	rules  map[int]bool // a rule line before row i
	left   map[int]bool // columns always left-aligned
}

// Left makes the given 0-based columns left-aligned even when they hold
// numbers (such as customer IDs).
func (t *Table) Left(cols ...int) {
	if t.left == nil {
		t.left = map[int]bool{}
	}
	for _, c := range cols {
		t.left[c] = true
	}
}

// New returns a table with the given title and header.
func New(title string, header ...string) *Table {
	return &Table{Title: title, head: header}
}

// Header sets the column headings.
func (t *Table) Header(cells ...string) { t.head = cells }

// Row appends a row; each cell is formatted with [Cell].
func (t *Table) Row(cells ...any) {
	r := make([]string, len(cells))
	for i, c := range cells {
		r[i] = Cell(c)
	}
	t.rows = append(t.rows, r)
}

// Rule draws a horizontal rule before the next row (for a total line).
func (t *Table) Rule() {
	if t.rules == nil {
		t.rules = map[int]bool{}
	}
	t.rules[len(t.rows)] = true
}

// Len returns the number of rows.
func (t *Table) Len() int { return len(t.rows) }

// Cell formats one value for a table: strings as they are, integers in
// full, floats with two decimals (0 decimals at 10,000 and above), NaN and
// Inf as "-", and anything else with fmt's %v.
func Cell(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return Float(x, 2)
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

// Float formats x with the given decimals, or with none when |x| >= 10,000;
// NaN and Inf become "-".
func Float(x float64, decimals int) string {
	if !num.Finite(x) {
		return "-"
	}
	if math.Abs(x) >= 1e4 {
		decimals = 0
	}
	return strconv.FormatFloat(x, 'f', decimals, 64)
}

// Pct formats a share in [0, 1] as a percentage with one decimal; NaN and
// Inf become "-".
func Pct(share float64) string {
	if !num.Finite(share) {
		return "-"
	}
	return strconv.FormatFloat(100*share, 'f', 1, 64) + "%"
}

// Write writes the table: title, header, a rule, and the rows, columns
// padded to their widest cell. An empty table writes its title and
// "(none)".
func (t *Table) Write(w io.Writer) error {
	ind := t.Indent
	if ind == "" {
		ind = "  "
	}
	var b strings.Builder
	if t.Title != "" {
		b.WriteString(t.Title + "\n")
	}
	ncol := len(t.head)
	for _, r := range t.rows {
		ncol = max(ncol, len(r))
	}
	if len(t.rows) == 0 {
		b.WriteString(ind + "(none)\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	width := make([]int, ncol)
	numeric := make([]bool, ncol)
	for c := range ncol {
		numeric[c] = true
		seen := false
		for _, r := range t.rows {
			if c < len(r) && r[c] != "" {
				seen = true
				if !isNumber(r[c]) {
					numeric[c] = false
				}
			}
		}
		if !seen || t.left[c] {
			numeric[c] = false
		}
	}
	measure := func(r []string) {
		for c, s := range r {
			width[c] = max(width[c], utf8.RuneCountInString(s))
		}
	}
	measure(t.head)
	for _, r := range t.rows {
		measure(r)
	}
	line := func(r []string) {
		var l strings.Builder
		l.WriteString(ind)
		for c := range ncol {
			s := ""
			if c < len(r) {
				s = r[c]
			}
			pad := strings.Repeat(" ", width[c]-utf8.RuneCountInString(s))
			if c > 0 {
				l.WriteString("  ")
			}
			if numeric[c] {
				l.WriteString(pad + s)
			} else {
				l.WriteString(s + pad)
			}
		}
		b.WriteString(strings.TrimRight(l.String(), " ") + "\n")
	}
	total := 0
	for c := range ncol {
		total += width[c]
	}
	total += 2 * (ncol - 1)
	rule := ind + strings.Repeat("-", total) + "\n"
	if len(t.head) > 0 {
		line(t.head)
		b.WriteString(rule)
	}
	for i, r := range t.rows {
		if t.rules[i] {
			b.WriteString(rule)
		}
		line(r)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// isNumber reports whether s reads as a number, allowing a sign, a leading
// currency sign, thousands separators, a trailing % or x, and "-" alone.
func isNumber(s string) bool {
	if s == "-" {
		return true
	}
	s = strings.TrimPrefix(s, "$")
	s = strings.TrimSuffix(s, "%")
	s = strings.TrimSuffix(s, "x")
	s = strings.ReplaceAll(s, ",", "")
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// Section writes a section heading: a blank line, the title, and a rule of
// '=' under it.
func Section(w io.Writer, title string) {
	fmt.Fprintf(w, "\n%s\n%s\n", title, strings.Repeat("=", utf8.RuneCountInString(title)))
}

// Para writes text wrapped at 78 columns, followed by a blank line.
func Para(w io.Writer, text string) {
	fmt.Fprint(w, Wrap(text, 78, "")+"\n")
}

// Wrap wraps text at width columns, prefixing each line with indent.
func Wrap(text string, width int, indent string) string {
	var b strings.Builder
	n := 0
	for i, word := range strings.Fields(text) {
		wl := utf8.RuneCountInString(word)
		if i > 0 && n+1+wl > width {
			b.WriteString("\n")
			n = 0
		}
		if n == 0 {
			b.WriteString(indent + word)
			n = utf8.RuneCountInString(indent) + wl
		} else {
			b.WriteString(" " + word)
			n += 1 + wl
		}
	}
	return b.String() + "\n"
}

// Int formats n with thousands separators, such as 1,234,567.
func Int(n int) string { return group(float64(n), 0) }

// Whole formats x rounded to a whole number with thousands separators;
// NaN and Inf become "-".
func Whole(x float64) string { return group(x, 0) }

// Money formats an amount with thousands separators and no decimals at
// 1,000 and above, two decimals below; NaN and Inf become "-".
func Money(x float64) string {
	if math.Abs(x) < 1000 {
		return group(x, 2)
	}
	return group(x, 0)
}

func group(x float64, decimals int) string {
	if !num.Finite(x) {
		return "-"
	}
	s := strconv.FormatFloat(math.Abs(x), 'f', decimals, 64)
	frac := ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s, frac = s[:i], s[i:]
	}
	var b strings.Builder
	if x < 0 && strings.Trim(s+frac, "0.") != "" {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String() + frac
}
