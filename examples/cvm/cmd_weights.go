package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/cvmkit/cvm/examples/internal/input"
	"github.com/cvmkit/cvm/internal/num"
	"github.com/cvmkit/cvm/value/weight"
	"gonum.org/v1/gonum/mat"
)

const weightsUsage = `ahp|entropy|critic -in FILE [-json] [flags]`

const weightsExample = `cvm weights ahp -in matrix.csv -json
  cvm weights ahp -in matrix.csv -ri saaty2005 -accept
  cvm weights ahp -in matrix.csv -ri 0,0,0.58,0.90,1.12
  cvm score -synth 1000 -synth-out /tmp/indicators.csv -out /dev/null
  cvm weights entropy -in /tmp/indicators.csv -shift
  cvm weights entropy -in cdnow_summary.csv -columns x,t_x,zbar
  cvm weights critic -in /tmp/indicators.csv -cost recency,volume_volatility,dso,overdue_ratio,cost_to_serve -json

ahp reads a square pairwise comparison matrix: entry (i,j) says how much
more important criterion i is than j on Saaty's 1..9 scale, fractions such
as 1/3 allowed; an optional header row and first column of labels name the
criteria. Entries are decimal numbers (1, 0.5, 2e-1) or fractions of two
(1/3); hexadecimal, NaN, infinite, zero and negative entries are errors
naming the line and column. For example, matrix.csv:

  ,economic,behaviour,credit
  economic,1,3,5
  behaviour,1/3,1,2
  credit,1/5,1/2,1

entropy and critic read a CSV with a header, one row per alternative
(customer), and weigh its numeric columns (text columns such as the
customer ID are skipped; a missing, NaN, infinite or hexadecimal cell is
an error naming the line and column). Entropy weights are
taken on the raw non-negative values (a zero counts as 0 ln 0 = 0), so
columns that can be negative need -shift.`

func runWeights(args []string, stdout, stderr io.Writer) error {
	method := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		method, args = args[0], args[1:]
	}
	fs := newFlagSet("weights", weightsUsage, weightsExample, stderr)
	in := fs.String("in", "", "input CSV file; - for standard input")
	asJSON := fs.Bool("json", false, `print one JSON object: {"weights":[...],"lambda_max":..,"ci":..,"cr":..} for ahp, {"columns":[...],"weights":[...]} for entropy and critic`)
	ri := fs.String("ri", "saaty", "ahp: random-index table, saaty (Saaty 1980), saaty2005, or comma-separated RI(1),RI(2),... (positive and finite from n = 3 on)")
	accept := fs.Bool("accept", false, "ahp: print the weights even when CR >= 0.10")
	cost := fs.String("cost", "", "critic: comma-separated cost columns (lower is better)")
	columns := fs.String("columns", "", "entropy, critic: comma-separated columns to weigh; empty means every numeric column")
	shift := fs.Bool("shift", false, "entropy: subtract the minimum from columns with negative values (entropy needs values >= 0)")
	if done, err := parseFlags(fs, args); done {
		return err
	}
	if method == "" {
		return usagef("weights: give a method: ahp, entropy or critic")
	}
	if method != "ahp" && method != "entropy" && method != "critic" {
		return usagef("weights: unknown method %q: want ahp, entropy or critic", method)
	}
	if *in == "" {
		return usagef("-in is required")
	}
	var s *weight.AHPSettings
	if method == "ahp" {
		table, err := weightsRI(*ri)
		if err != nil {
			return err
		}
		s = &weight.AHPSettings{RI: table, AcceptInconsistent: *accept}
	}
	r, closeIn, err := input.OpenFile(*in)
	if err != nil {
		return err
	}
	defer closeIn()
	switch method {
	case "ahp":
		mx, err := weightsReadMatrix(r, *in)
		if err != nil {
			return err
		}
		res, err := weight.AHP(mx.a, s)
		if err != nil {
			var me *weight.MatrixError
			if errors.As(err, &me) {
				return fmt.Errorf("%s: line %d, column %d: %w", *in, mx.lines[me.Row], me.Col+1+mx.col0, err)
			}
			return fmt.Errorf("%s: %w", *in, err)
		}
		if err := weightsFinite(res.Weights); err != nil {
			return fmt.Errorf("%s: %w", *in, err)
		}
		if *asJSON {
			return json.NewEncoder(stdout).Encode(struct {
				Labels    []string  `json:"labels,omitempty"`
				Weights   []float64 `json:"weights"`
				LambdaMax float64   `json:"lambda_max"`
				CI        float64   `json:"ci"`
				CR        float64   `json:"cr"`
			}{mx.labels, res.Weights, res.LambdaMax, res.CI, res.CR})
		}
		if err := weightsPrint(stdout, mx.labels, res.Weights); err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "lambda_max  %.4f\nCI          %.4f\nCR          %.4f\n", res.LambdaMax, res.CI, res.CR)
		return err
	default: // entropy, critic
		var only []string
		if *columns != "" {
			for _, c := range strings.Split(*columns, ",") {
				only = append(only, strings.TrimSpace(c))
			}
		}
		if method == "entropy" && *cost != "" {
			return usagef("-cost applies to critic only (entropy weights do not depend on direction)")
		}
		cols, lines, x, err := weightsReadData(r, *in, only)
		if err != nil {
			return err
		}
		var w []float64
		if method == "entropy" {
			if *shift {
				m, n := x.Dims()
				for j := range n {
					lo := math.Inf(1)
					for i := range m {
						lo = min(lo, x.At(i, j))
					}
					for i := range m {
						if lo < 0 {
							x.Set(i, j, x.At(i, j)-lo)
						}
					}
				}
			}
			w, err = weight.Entropy(x)
		} else {
			var ben []bool
			if *cost != "" {
				ben = make([]bool, len(cols))
				for i := range ben {
					ben[i] = true
				}
				for _, c := range strings.Split(*cost, ",") {
					k := slices.Index(cols, strings.TrimSpace(c))
					if k < 0 {
						return usagef("-cost: no numeric column %q", c)
					}
					ben[k] = false
				}
			}
			w, err = weight.CRITIC(x, ben)
		}
		if err != nil {
			var me *weight.MatrixError
			if errors.As(err, &me) {
				return fmt.Errorf("%s: line %d, column %q: %w", *in, lines[me.Row], cols[me.Col], me.Err)
			}
			return fmt.Errorf("%s: %w", *in, err)
		}
		if err := weightsFinite(w); err != nil {
			return fmt.Errorf("%s: %w", *in, err)
		}
		if *asJSON {
			return json.NewEncoder(stdout).Encode(struct {
				Columns []string  `json:"columns"`
				Weights []float64 `json:"weights"`
			}{cols, w})
		}
		return weightsPrint(stdout, cols, w)
	}
}

// weightsRI returns the random-index table named by -ri: saaty, saaty2005
// or a comma-separated list of numbers (checked by weight.AHP).
func weightsRI(s string) ([]float64, error) {
	switch s {
	case "saaty":
		return weight.SaatyRI, nil
	case "saaty2005":
		return weight.SaatyRI2005, nil
	}
	if !strings.Contains(s, ",") {
		return nil, usagef("-ri %q: want saaty, saaty2005 or a comma-separated list of random indices", s)
	}
	var out []float64
	for i, f := range strings.Split(s, ",") {
		v, err := parseDecimal(f)
		if err != nil {
			return nil, usagef("-ri: entry %d (n = %d): %v", i+1, i+1, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// weightsFinite guards the output: every weight must be a finite number,
// so that no command prints NaN as a weight with exit status 0.
func weightsFinite(w []float64) error {
	for i, v := range w {
		if !num.Finite(v) {
			return fmt.Errorf("weight %d is %g: the input cannot be weighted", i+1, v)
		}
	}
	return nil
}

func weightsPrint(w io.Writer, labels []string, weights []float64) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "criterion\tweight")
	for i, v := range weights {
		name := strconv.Itoa(i + 1)
		if labels != nil {
			name = labels[i]
		}
		fmt.Fprintf(tw, "%s\t%.4f\n", name, v)
	}
	return tw.Flush()
}

// decimalRE is the grammar of a number in the weights and score inputs:
// an optional sign, digits with an optional fraction (or a fraction
// alone) and an optional exponent. Go's strconv.ParseFloat also accepts
// hexadecimal floats ("0x1p-2"), underscores after a base prefix,
// "Inf" and "NaN"; none of them is a number a spreadsheet writes.
var decimalRE = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$`)

// parseDecimal parses a finite decimal number, with an error that names
// the cause: not a number, hexadecimal, NaN, infinite or out of range.
func parseDecimal(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if !decimalRE.MatchString(s) {
		l := strings.ToLower(strings.TrimLeft(s, "+-"))
		switch {
		case s == "":
			return 0, errors.New("empty cell")
		case l == "nan":
			return 0, fmt.Errorf("%q: NaN is not a number", s)
		case l == "inf" || l == "infinity":
			return 0, fmt.Errorf("%q: infinite values are not accepted", s)
		case strings.HasPrefix(l, "0x"):
			return 0, fmt.Errorf("%q: hexadecimal numbers are not accepted", s)
		}
		return 0, fmt.Errorf("%q is not a number", s)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is out of the range of float64", s)
	}
	return v, nil
}

// numberLike reports whether s is meant as a number (including NaN, Inf,
// hexadecimal and fractions, which parseJudgement then rejects with their
// cause) rather than a label, for telling a header row from a matrix row.
func numberLike(s string) bool {
	s = strings.TrimSpace(s)
	if a, b, ok := strings.Cut(s, "/"); ok {
		return numberLike(a) && numberLike(b)
	}
	if l := strings.ToLower(strings.TrimLeft(s, "+-")); strings.HasPrefix(l, "0x") {
		return true
	}
	_, err := strconv.ParseFloat(s, 64)
	return err == nil || errors.Is(err, strconv.ErrRange)
}

// parseJudgement parses a pairwise judgement: a decimal number or a
// fraction a/b of two, with an error naming the cause (a zero denominator,
// a hexadecimal or non-finite number).
func parseJudgement(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if a, b, ok := strings.Cut(s, "/"); ok {
		x, err := parseDecimal(a)
		if err != nil {
			return 0, fmt.Errorf("numerator of %q: %w", s, err)
		}
		y, err := parseDecimal(b)
		if err != nil {
			return 0, fmt.Errorf("denominator of %q: %w", s, err)
		}
		if y == 0 {
			return 0, fmt.Errorf("%q divides by zero", s)
		}
		v := x / y
		if math.IsInf(v, 0) {
			return 0, fmt.Errorf("%q overflows", s)
		}
		return v, nil
	}
	return parseDecimal(s)
}

// matrixFile is a pairwise comparison matrix read from CSV: the matrix,
// its labels (nil when the file has none), the 1-based line of each row
// and the number of label columns before the entries (0 or 1).
type matrixFile struct {
	a      *mat.Dense
	labels []string
	lines  []int
	col0   int
}

// weightsReadMatrix reads a square matrix of judgements with an optional
// header row and an optional first column of labels. A row is a header
// when a cell after its first is not number-like (so "NaN", "1/0" or
// "0x1p1" in the first row are entries, rejected with their cause, not
// labels). Errors name the file, line and column.
func weightsReadMatrix(r io.Reader, name string) (matrixFile, error) {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.FieldsPerRecord = -1
	recs, lines, err := readRecords(cr, name)
	if err != nil {
		return matrixFile{}, err
	}
	if len(recs) == 0 {
		return matrixFile{}, fmt.Errorf("%s: empty file", name)
	}
	var labels, head []string
	for _, c := range recs[0][min(1, len(recs[0])):] {
		if !numberLike(c) {
			head = recs[0]
			break
		}
	}
	if head != nil {
		recs, lines = recs[1:], lines[1:]
	}
	// Row labels: the first cell of the first row is not number-like.
	rowLabels := len(recs) > 0 && len(recs[0]) > 0 && !numberLike(recs[0][0])
	if head != nil {
		if rowLabels || (len(head) > 0 && strings.TrimSpace(head[0]) == "") {
			head = head[1:]
		}
		for _, c := range head {
			labels = append(labels, strings.TrimSpace(c))
		}
	}
	n := len(recs)
	if n == 0 {
		return matrixFile{}, fmt.Errorf("%s: no matrix rows", name)
	}
	out := matrixFile{a: mat.NewDense(n, n, nil), lines: lines}
	if rowLabels {
		out.col0 = 1
	}
	for i, rec := range recs {
		if rowLabels {
			if head == nil {
				labels = append(labels, strings.TrimSpace(rec[0]))
			}
			rec = rec[1:]
		} else if !numberLike(rec[0]) {
			return matrixFile{}, fmt.Errorf("%s: line %d: row label %q, but the first row has none", name, lines[i], rec[0])
		}
		if len(rec) != n {
			return matrixFile{}, fmt.Errorf("%s: line %d: row %d has %d entries for a %d x %d matrix", name, lines[i], i+1, len(rec), n, n)
		}
		for j, c := range rec {
			v, err := parseJudgement(c)
			if err != nil {
				return matrixFile{}, fmt.Errorf("%s: line %d, column %d: %w", name, lines[i], j+1+out.col0, err)
			}
			out.a.Set(i, j, v)
		}
	}
	if labels != nil && len(labels) != n {
		return matrixFile{}, fmt.Errorf("%s: %d labels for a %d x %d matrix", name, len(labels), n, n)
	}
	out.labels = labels
	return out, nil
}

// readRecords reads the records left in cr and the 1-based line each
// begins on; a read error is prefixed with name.
func readRecords(cr *csv.Reader, name string) ([][]string, []int, error) {
	var recs [][]string
	var lines []int
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return recs, lines, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		recs = append(recs, rec)
		lines = append(lines, line)
	}
}

// weightsReadData reads a CSV with a header and keeps the columns in which
// every cell is number-like (or only the named ones, which must be). It
// returns the columns, the 1-based line of each data row and the values;
// a cell of a kept column that is empty, NA, NaN, infinite or hexadecimal
// is an error naming the line and column.
func weightsReadData(r io.Reader, name string, only []string) ([]string, []int, *mat.Dense, error) {
	cr := csv.NewReader(bufio.NewReaderSize(r, 1<<20))
	head, err := cr.Read()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: header: %w", name, err)
	}
	head = append([]string(nil), head...)
	numeric := make([]bool, len(head))
	for j := range numeric {
		numeric[j] = true
	}
	rows, lines, err := readRecords(cr, name)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, rec := range rows {
		for j, c := range rec {
			c = strings.TrimSpace(c)
			if !numberLike(c) && c != "" && c != "NA" {
				numeric[j] = false
			}
		}
	}
	var cols []string
	var idx []int
	for j, ok := range numeric {
		h := strings.TrimSpace(head[j])
		if only != nil && !slices.Contains(only, h) {
			continue
		}
		if !ok && only != nil {
			return nil, nil, nil, fmt.Errorf("%s: column %q is not numeric", name, h)
		}
		if ok {
			cols = append(cols, h)
			idx = append(idx, j)
		}
	}
	for _, c := range only {
		if !slices.Contains(cols, c) {
			return nil, nil, nil, usagef("-columns: no column %q in %s", c, name)
		}
	}
	if len(cols) == 0 || len(rows) == 0 {
		return nil, nil, nil, fmt.Errorf("%s: no numeric column with data", name)
	}
	x := mat.NewDense(len(rows), len(cols), nil)
	for i, rec := range rows {
		for k, j := range idx {
			c := strings.TrimSpace(rec[j])
			if c == "" || c == "NA" {
				return nil, nil, nil, fmt.Errorf("%s: line %d, column %q: missing value", name, lines[i], cols[k])
			}
			v, err := parseDecimal(c)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("%s: line %d, column %q: %w", name, lines[i], cols[k], err)
			}
			x.Set(i, k, v)
		}
	}
	return cols, lines, x, nil
}
