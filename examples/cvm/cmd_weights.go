package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/cvmkit/cvm/examples/internal/input"
	"github.com/cvmkit/cvm/value"
	"gonum.org/v1/gonum/mat"
)

const weightsUsage = `ahp|entropy|critic -in FILE [-json] [flags]`

const weightsExample = `cvm weights ahp -in matrix.csv -json
  cvm weights ahp -in matrix.csv -ri saaty2005 -accept
  cvm score -synth 1000 -synth-out /tmp/indicators.csv -out /dev/null
  cvm weights entropy -in /tmp/indicators.csv -shift
  cvm weights entropy -in cdnow_summary.csv -columns x,t_x,zbar
  cvm weights critic -in /tmp/indicators.csv -cost recency,volume_volatility,dso,overdue_ratio,cost_to_serve -json

ahp reads a square pairwise comparison matrix: entry (i,j) says how much
more important criterion i is than j on Saaty's 1..9 scale, fractions such
as 1/3 allowed; an optional header row and first column of labels name the
criteria. For example, matrix.csv:

  ,economic,behaviour,credit
  economic,1,3,5
  behaviour,1/3,1,2
  credit,1/5,1/2,1

entropy and critic read a CSV with a header, one row per alternative
(customer), and weigh its numeric columns (text columns such as the
customer ID are skipped; a missing cell is an error). Entropy weights are
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
	ri := fs.String("ri", "saaty", "ahp: random-index table, saaty (Saaty 1980) or saaty2005")
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
	if *in == "" {
		return usagef("-in is required")
	}
	r, closeIn, err := input.OpenFile(*in)
	if err != nil {
		return err
	}
	defer closeIn()
	switch method {
	case "ahp":
		s := &value.AHPSettings{AcceptInconsistent: *accept}
		switch *ri {
		case "saaty":
			s.RI = value.SaatyRI
		case "saaty2005":
			s.RI = value.SaatyRI2005
		default:
			return usagef("-ri %q: want saaty or saaty2005", *ri)
		}
		labels, a, err := weightsReadMatrix(r, *in)
		if err != nil {
			return err
		}
		res, err := value.AHP(a, s)
		if err != nil {
			return err
		}
		if *asJSON {
			return json.NewEncoder(stdout).Encode(struct {
				Labels    []string  `json:"labels,omitempty"`
				Weights   []float64 `json:"weights"`
				LambdaMax float64   `json:"lambda_max"`
				CI        float64   `json:"ci"`
				CR        float64   `json:"cr"`
			}{labels, res.Weights, res.LambdaMax, res.CI, res.CR})
		}
		if err := weightsPrint(stdout, labels, res.Weights); err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "lambda_max  %.4f\nCI          %.4f\nCR          %.4f\n", res.LambdaMax, res.CI, res.CR)
		return err
	case "entropy", "critic":
		var only []string
		if *columns != "" {
			for _, c := range strings.Split(*columns, ",") {
				only = append(only, strings.TrimSpace(c))
			}
		}
		cols, x, err := weightsReadData(r, *in, only)
		if err != nil {
			return err
		}
		var w []float64
		if method == "entropy" {
			if *cost != "" {
				return usagef("-cost applies to critic only (entropy weights do not depend on direction)")
			}
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
			w, err = value.EntropyWeights(x)
		} else {
			var ben []bool
			if *cost != "" {
				ben = make([]bool, len(cols))
				for i := range ben {
					ben[i] = true
				}
				for _, c := range strings.Split(*cost, ",") {
					k := -1
					for i, name := range cols {
						if name == strings.TrimSpace(c) {
							k = i
						}
					}
					if k < 0 {
						return usagef("-cost: no numeric column %q", c)
					}
					ben[k] = false
				}
			}
			w, err = value.CRITICWeights(x, ben)
		}
		if err != nil {
			var me *value.MatrixError
			if errors.As(err, &me) {
				return fmt.Errorf("%s: line %d, column %q: %w", *in, me.Row+2, cols[me.Col], me.Err)
			}
			return err
		}
		if *asJSON {
			return json.NewEncoder(stdout).Encode(struct {
				Columns []string  `json:"columns"`
				Weights []float64 `json:"weights"`
			}{cols, w})
		}
		return weightsPrint(stdout, cols, w)
	}
	return usagef("weights: unknown method %q: want ahp, entropy or critic", method)
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

// weightsParse parses a judgement: a number or a fraction a/b.
func weightsParse(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if a, b, ok := strings.Cut(s, "/"); ok {
		x, err1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
		y, err2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
		if err1 != nil || err2 != nil || y == 0 {
			return 0, false
		}
		return x / y, true
	}
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil && !math.IsNaN(v)
}

func weightsReadMatrix(r io.Reader, name string) ([]string, *mat.Dense, error) {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(recs) == 0 {
		return nil, nil, fmt.Errorf("%s: empty file", name)
	}
	var labels, head []string
	// A header row has a non-numeric cell after its first.
	for _, c := range recs[0][min(1, len(recs[0])):] {
		if _, ok := weightsParse(c); !ok {
			head = recs[0]
		}
	}
	if head != nil {
		recs = recs[1:]
	}
	// Row labels: the first cell of the first row is not a number.
	rowLabels := false
	if len(recs) > 0 && len(recs[0]) > 0 {
		_, ok := weightsParse(recs[0][0])
		rowLabels = !ok
	}
	if head != nil {
		if rowLabels {
			head = head[1:]
		}
		for _, c := range head {
			labels = append(labels, strings.TrimSpace(c))
		}
	}
	n := len(recs)
	a := mat.NewDense(max(n, 1), max(n, 1), nil)
	for i, rec := range recs {
		if rowLabels {
			if head == nil {
				labels = append(labels, strings.TrimSpace(rec[0]))
			}
			rec = rec[1:]
		}
		if len(rec) != n {
			return nil, nil, fmt.Errorf("%s: row %d has %d entries for a %d x %d matrix", name, i+1, len(rec), n, n)
		}
		for j, c := range rec {
			v, ok := weightsParse(c)
			if !ok {
				return nil, nil, fmt.Errorf("%s: row %d, column %d: %q is not a number or fraction", name, i+1, j+1, c)
			}
			a.Set(i, j, v)
		}
	}
	if n == 0 {
		return nil, nil, fmt.Errorf("%s: no matrix rows", name)
	}
	if labels != nil && len(labels) != n {
		return nil, nil, fmt.Errorf("%s: %d labels for a %d x %d matrix", name, len(labels), n, n)
	}
	return labels, a, nil
}

// weightsReadData reads a CSV with a header and keeps the columns in which
// every cell is a number (or only the named ones, which must be numeric).
func weightsReadData(r io.Reader, name string, only []string) ([]string, *mat.Dense, error) {
	cr := csv.NewReader(bufio.NewReaderSize(r, 1<<20))
	head, err := cr.Read()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: header: %w", name, err)
	}
	head = append([]string(nil), head...)
	numeric := make([]bool, len(head))
	for j := range numeric {
		numeric[j] = true
	}
	var rows [][]string
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
		rows = append(rows, rec)
		for j, c := range rec {
			c = strings.TrimSpace(c)
			if _, err := strconv.ParseFloat(c, 64); err != nil && c != "" && c != "NA" {
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
			return nil, nil, fmt.Errorf("%s: column %q is not numeric", name, h)
		}
		if ok {
			cols = append(cols, h)
			idx = append(idx, j)
		}
	}
	for _, c := range only {
		if !slices.Contains(cols, c) {
			return nil, nil, usagef("-columns: no column %q in %s", c, name)
		}
	}
	if len(cols) == 0 || len(rows) == 0 {
		return nil, nil, fmt.Errorf("%s: no numeric column with data", name)
	}
	x := mat.NewDense(len(rows), len(cols), nil)
	for i, rec := range rows {
		for k, j := range idx {
			v, err := strconv.ParseFloat(strings.TrimSpace(rec[j]), 64)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: line %d, column %q: missing value", name, i+2, cols[k])
			}
			x.Set(i, k, v)
		}
	}
	return cols, x, nil
}
