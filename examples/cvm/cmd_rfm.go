package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/examples/internal/input"
	"github.com/cvmkit/cvm/internal/csvout"
	"github.com/cvmkit/cvm/segment"
)

const rfmExample = `cvm rfm -in CDNOW_master.txt -delim whitespace -customer customer_id -time date -amount dollar_value -order "" -as-of 1998-06-30 -summary rfm_segments.md -out rfm.csv

  Other choices: -ties rank (equal-count bins, ties split by customer ID),
  -frequency orders (distinct order IDs instead of days), -monetary mean
  (net amount per occasion), -recency-breaks 30,90,180,365 (fixed breaks),
  -rules my_rules.json (your own segment map; see -print-rules),
  -save scorer.json then -model scorer.json next period (same breaks).`

func runRFM(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("rfm", "-in FILE [-as-of DATE] [-bins B] [-ties values|rank] [-frequency days|orders] [-monetary total|mean] [-rules FILE] [-out FILE] [-summary FILE] [input flags]",
		rfmExample, stderr)
	in := fs.String("in", "", "transactions CSV file (gzip allowed); - for standard input")
	asOf := fs.String("as-of", "", "score as of this time; transactions after it are ignored; a date alone means the end of that day (UTC); "+input.AsOfDefault)
	bins := fs.Int("bins", 0, "number of scores B, 2..10 (default 5, or the bins of -rules or -model)")
	ties := fs.String("ties", "values", "tie policy: values (type-7 quantile breaks; equal values share a score; bins may be empty) or rank (equal-count bins; ties split by customer ID)")
	frequency := fs.String("frequency", "days", "purchase occasions: days (distinct calendar days, UTC) or orders (distinct order IDs)")
	monetary := fs.String("monetary", "total", "monetary value: total (net of returns) or mean (net per occasion)")
	recency := fs.String("recency", "whole", "recency in whole calendar days (whole) or fractional days (fractional)")
	rBreaks := fs.String("recency-breaks", "", "fixed recency breaks in days, B-1 increasing numbers: 30,90,180,365")
	fBreaks := fs.String("frequency-breaks", "", "fixed frequency breaks, B-1 increasing numbers")
	mBreaks := fs.String("monetary-breaks", "", "fixed monetary breaks, B-1 increasing numbers")
	rulesPath := fs.String("rules", "", "segment rule set, JSON (see -print-rules); default: the built-in 5-bin map")
	printRules := fs.Bool("print-rules", false, "print the built-in rule set as JSON and exit")
	modelIn := fs.String("model", "", "score with the breaks of this saved scorer (JSON from -save) instead of fitting")
	modelOut := fs.String("save", "", "write the scorer (breaks) as JSON to this file")
	out := fs.String("out", "-", "per-customer CSV: customer,recency_days,frequency,monetary,r,f,m,cell,segment; - for standard output")
	summaryPath := fs.String("summary", "", "segment summary file (markdown); default: standard error")
	inf := addInputFlags(fs)
	if done, err := parseFlags(fs, args); done {
		return err
	}
	if *printRules {
		data, err := json.MarshalIndent(segment.DefaultRules(), "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "%s\n", data)
		return err
	}

	// Choices.
	vopts := &segment.RFMSettings{}
	sopts := &cvm.SummarySettings{}
	switch *frequency {
	case "days", "day":
		vopts.Frequency, sopts.Occasions = cvm.ByDay, cvm.ByDay
	case "orders", "order":
		vopts.Frequency, sopts.Occasions = cvm.ByOrder, cvm.ByOrder
	default:
		return usagef("-frequency %q: want days or orders", *frequency)
	}
	switch *monetary {
	case "total":
		vopts.Monetary = segment.MonetaryTotal
	case "mean":
		vopts.Monetary = segment.MonetaryMean
	default:
		return usagef("-monetary %q: want total or mean", *monetary)
	}
	switch *recency {
	case "whole":
		vopts.Recency = segment.WholeDays
	case "fractional":
		vopts.Recency = segment.FractionalDays
	default:
		return usagef("-recency %q: want whole or fractional", *recency)
	}
	scOpts := &segment.ScorerSettings{}
	switch *ties {
	case "values", "value":
		scOpts.Ties = segment.TiesByValue
	case "rank":
		scOpts.Ties = segment.TiesByRank
	default:
		return usagef("-ties %q: want values or rank", *ties)
	}
	for _, b := range []struct {
		name string
		s    string
		dst  *[]float64
	}{{"recency-breaks", *rBreaks, &scOpts.RecencyBreaks}, {"frequency-breaks", *fBreaks, &scOpts.FrequencyBreaks}, {"monetary-breaks", *mBreaks, &scOpts.MonetaryBreaks}} {
		if b.s == "" {
			continue
		}
		v, err := rfmParseBreaks(b.s)
		if err != nil {
			return usagef("-%s %q: %v", b.name, b.s, err)
		}
		*b.dst = v
	}
	var scorer *segment.Scorer
	if *modelIn != "" {
		data, err := os.ReadFile(*modelIn)
		if err != nil {
			return err
		}
		scorer = new(segment.Scorer)
		if err := json.Unmarshal(data, scorer); err != nil {
			return fmt.Errorf("%s: %w", *modelIn, err)
		}
	}
	rules := segment.DefaultRules()
	if *rulesPath != "" {
		data, err := os.ReadFile(*rulesPath)
		if err != nil {
			return err
		}
		rs := new(segment.RuleSet) // decoded with gaps allowed: warned about below
		if err := json.Unmarshal(data, rs); err != nil {
			return fmt.Errorf("%s: %w", *rulesPath, err)
		}
		if c := rs.Check(); !c.OK() {
			fmt.Fprintf(stderr, "cvm rfm: warning: %s: %v\n", *rulesPath, &segment.CoverageError{Check: c})
		}
		rules = rs
	}
	B := *bins
	switch {
	case B == 0 && scorer != nil:
		B = scorer.Bins()
	case B == 0:
		B = rules.Bins()
	}
	if B < 2 || B > 10 {
		return usagef("-bins %d: want 2..10", B)
	}
	if scorer != nil && scorer.Bins() != B {
		return usagef("-bins %d but the model %s has %d bins", B, *modelIn, scorer.Bins())
	}
	if rules.Bins() != B {
		if *rulesPath == "" {
			return usagef("-bins %d: the built-in segment map is for 5 bins; give -rules FILE for %d", B, B)
		}
		return usagef("-bins %d but the rules %s are for %d bins", B, *rulesPath, rules.Bins())
	}
	scOpts.Bins = B
	var asOfTime time.Time
	if *asOf != "" {
		t, err := parseAsOf(*asOf)
		if err != nil {
			return usagef("-as-of %q: %v", *asOf, err)
		}
		asOfTime = t
		sopts.AsOf = t
	}
	if *in == "" {
		return usagef("-in is required")
	}

	// Read and summarise.
	sums, st, rep, err := inf.Summarize(*in, "rfm", sopts, stderr)
	if errors.Is(err, cvm.ErrEmptyInput) && !asOfTime.IsZero() && st.Transactions > 0 {
		return fmt.Errorf("%s: -as-of %s is before the first transaction: %w", *in, *asOf, segment.ErrAsOf)
	}
	if err != nil {
		return err
	}
	if asOfTime.IsZero() {
		if !slices.ContainsFunc(sums, func(s cvm.Summary) bool { return s.Occasions > 0 }) {
			return fmt.Errorf("%s: no purchases, only returns: %w", *in, segment.ErrNoCustomers)
		}
		asOfTime = rep.AsOf // the one default as-of of every command
	}
	values, returnsOnly, err := segment.RFMValues(sums, asOfTime, vopts)
	if err != nil {
		return fmt.Errorf("%s: %w", *in, err)
	}

	// Score and segment.
	var cells []segment.Cell
	if scorer != nil {
		cells, err = scorer.ScoreAll(nil, values)
	} else {
		cells, scorer, err = segment.Score(nil, values, scOpts)
	}
	if err != nil {
		return err
	}
	// Every output is committed together at the end, so that a run that
	// fails part way replaces none of them.
	var outs input.Outputs
	defer outs.Abort()
	if *modelOut != "" {
		data, err := json.MarshalIndent(scorer, "", "  ")
		if err != nil {
			return err
		}
		if err := outs.Write(*modelOut, stdout, func(w io.Writer) error {
			_, err := w.Write(append(data, '\n'))
			return err
		}); err != nil {
			return err
		}
	}
	segIdx := rules.AssignAll(nil, cells)
	if err := outs.Write(*out, stdout, func(w io.Writer) error {
		return rfmWriteCSV(w, values, cells, segIdx, rules.Segments())
	}); err != nil {
		return err
	}
	info := rfmRunInfo{asOf: asOfTime, vopts: vopts, scorer: scorer, fitted: *modelIn == "", returnsOnly: len(returnsOnly),
		rulesName: "built-in 5-bin map"}
	if *rulesPath != "" {
		info.rulesName = *rulesPath
	}
	if *summaryPath == "" {
		if err := outs.Commit(); err != nil {
			return err
		}
		return rfmWriteSummary(stderr, info, values, cells, rules)
	}
	if err := outs.Write(*summaryPath, stdout, func(w io.Writer) error {
		return rfmWriteSummary(w, info, values, cells, rules)
	}); err != nil {
		return err
	}
	return outs.Commit()
}

// rfmParseBreaks parses "30,90,180,365".
func rfmParseBreaks(s string) ([]float64, error) {
	parts := strings.Split(s, ",")
	out := make([]float64, len(parts))
	for i, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return nil, fmt.Errorf("break %d: %q is not a number", i+1, p)
		}
		out[i] = v
	}
	return out, nil
}

// rfmWriteCSV writes customer,recency_days,frequency,monetary,r,f,m,cell,segment.
func rfmWriteCSV(w io.Writer, values []segment.RFM, cells []segment.Cell, segIdx []int, segs []segment.SegmentInfo) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString("customer,recency_days,frequency,monetary,r,f,m,cell,segment\n")
	var b []byte
	for i := range values {
		v, c := &values[i], cells[i]
		b = csvout.AppendField(b[:0], v.Customer)
		b = append(b, ',')
		b = strconv.AppendFloat(b, v.Recency, 'f', -1, 64)
		b = append(b, ',')
		b = strconv.AppendFloat(b, v.Frequency, 'f', -1, 64)
		b = append(b, ',')
		b = strconv.AppendFloat(b, v.Monetary, 'f', -1, 64)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(c.R), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(c.F), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(c.M), 10)
		b = append(b, ',')
		b = append(b, c.String()...)
		b = append(b, ',')
		if s := segIdx[i]; s >= 0 {
			b = csvout.AppendField(b, segs[s].Name)
		}
		b = append(b, '\n')
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	return bw.Flush()
}

type rfmRunInfo struct {
	asOf        time.Time
	vopts       *segment.RFMSettings
	scorer      *segment.Scorer
	fitted      bool
	returnsOnly int
	rulesName   string
}

// rfmWriteSummary writes the choices, the breaks with their empty scores,
// the segment table and the R x F grid, as markdown.
func rfmWriteSummary(w io.Writer, info rfmRunInfo, values []segment.RFM, cells []segment.Cell, rules *segment.RuleSet) error {
	bw := bufio.NewWriter(w)
	s := info.scorer
	B := s.Bins()
	freq := "distinct days (UTC)"
	if info.vopts.Frequency == cvm.ByOrder {
		freq = "distinct orders"
	}
	how := "fitted on this data"
	if !info.fitted {
		how = "from the saved model"
	}
	fmt.Fprintf(bw, "RFM as of %s: %d customers", info.asOf.Format(time.RFC3339), len(values))
	if info.returnsOnly > 0 {
		fmt.Fprintf(bw, " (%d more with only returns left out)", info.returnsOnly)
	}
	fmt.Fprintf(bw, "\nrecency %s; frequency = %s; monetary = net %s; %d bins, ties by %s, breaks %s; segments: %s\n\n",
		info.vopts.Recency, freq, info.vopts.Monetary, B, s.Ties(), how, info.rulesName)
	rc, fc, mc := segment.BinCounts(cells, B)
	dims := []struct {
		name   string
		b      segment.Binning
		counts []int
		dim    func(*segment.RFM) float64
		score  func(segment.Cell) int
	}{
		{"R (recency, days)", s.Recency(), rc, func(v *segment.RFM) float64 { return v.Recency }, func(c segment.Cell) int { return c.R }},
		{"F (frequency)", s.Frequency(), fc, func(v *segment.RFM) float64 { return v.Frequency }, func(c segment.Cell) int { return c.F }},
		{"M (monetary)", s.Monetary(), mc, func(v *segment.RFM) float64 { return v.Monetary }, func(c segment.Cell) int { return c.M }},
	}
	for _, d := range dims {
		fmt.Fprintf(bw, "%s: %s breaks %s; customers per score 1..%d: %s\n", d.name, d.b.Method, rfmFloats(d.b.Breaks), B, rfmInts(d.counts))
		if info.fitted && s.Ties() == segment.TiesByRank && d.b.Method == segment.MethodRank {
			// Say when the most common value was split across scores.
			mode, modeN := rfmMode(values, d.dim)
			lo, hi := B+1, 0
			for i := range values {
				if d.dim(&values[i]) == mode {
					lo, hi = min(lo, d.score(cells[i])), max(hi, d.score(cells[i]))
				}
			}
			if lo < hi {
				fmt.Fprintf(bw, "  %d customers (%.1f%%) share the value %s and were split across scores %d..%d by customer ID (-ties rank); a later period scored with these breaks puts them all in one score\n",
					modeN, 100*float64(modeN)/float64(len(values)), strconv.FormatFloat(mode, 'g', 6, 64), lo, hi)
			}
		}
		var empty []string
		for k, n := range d.counts {
			if n == 0 {
				empty = append(empty, strconv.Itoa(k+1))
			}
		}
		if len(empty) == 0 {
			continue
		}
		// Explain: the most common value and how many share it.
		mode, modeN := rfmMode(values, d.dim)
		fmt.Fprintf(bw, "  empty scores %s: ", strings.Join(empty, ", "))
		if s.Ties() == segment.TiesByValue && d.b.Method == segment.MethodQuantile {
			fmt.Fprintf(bw, "%d customers (%.1f%%) share the value %s and equal values share a score, so quantile breaks coincide; -ties rank gives equal-count bins instead\n",
				modeN, 100*float64(modeN)/float64(len(values)), strconv.FormatFloat(mode, 'g', 6, 64))
		} else {
			fmt.Fprintf(bw, "no customer has a value in those bins\n")
		}
	}
	fmt.Fprintln(bw)

	stats := segment.SummarizeSegments(values, cells, rules)
	fmt.Fprintln(bw, "| segment | customers | share | revenue | revenue share | mean R | median R | mean F | median F | mean M | median M |")
	fmt.Fprintln(bw, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, st := range stats {
		name := st.Segment
		if name == "" {
			name = "(no segment)"
		}
		fmt.Fprintf(bw, "| %s | %d | %.1f%% | %.2f | %.1f%% | %.1f | %.1f | %.2f | %.1f | %.2f | %.2f |\n",
			name, st.Customers, 100*st.Share, st.Revenue, 100*st.RevenueShare,
			st.MeanRecency, st.MedianRecency, st.MeanFrequency, st.MedianFrequency, st.MeanMonetary, st.MedianMonetary)
	}
	fmt.Fprintln(bw)

	g := segment.RFGrid(values, cells, B)
	fmt.Fprintln(bw, "R x F grid: customers / mean monetary")
	fmt.Fprintln(bw)
	fmt.Fprint(bw, "| R \\ F |")
	for f := 1; f <= B; f++ {
		fmt.Fprintf(bw, " %d |", f)
	}
	fmt.Fprint(bw, "\n|---|")
	for range B {
		fmt.Fprint(bw, "---:|")
	}
	fmt.Fprintln(bw)
	for r := B; r >= 1; r-- {
		fmt.Fprintf(bw, "| %d |", r)
		for f := 1; f <= B; f++ {
			if n := g.Count[r-1][f-1]; n > 0 {
				fmt.Fprintf(bw, " %d / %.2f |", n, g.MeanMonetary[r-1][f-1])
			} else {
				fmt.Fprint(bw, " 0 |")
			}
		}
		fmt.Fprintln(bw)
	}
	return bw.Flush()
}

func rfmFloats(x []float64) string {
	p := make([]string, len(x))
	for i, v := range x {
		p[i] = strconv.FormatFloat(v, 'g', 6, 64)
	}
	return "[" + strings.Join(p, " ") + "]"
}

func rfmInts(x []int) string {
	p := make([]string, len(x))
	for i, v := range x {
		p[i] = strconv.Itoa(v)
	}
	return strings.Join(p, " ")
}

// rfmMode returns the most common value of one dimension and its count.
func rfmMode(values []segment.RFM, dim func(*segment.RFM) float64) (float64, int) {
	counts := make(map[float64]int)
	best, bestN := 0.0, 0
	for i := range values {
		v := dim(&values[i])
		counts[v]++
		if n := counts[v]; n > bestN || (n == bestN && v < best) {
			best, bestN = v, n
		}
	}
	return best, bestN
}
