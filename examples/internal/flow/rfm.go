package flow

import (
	"fmt"
	"io"
	"strings"

	"github.com/cvmkit/cvm/examples/internal/plots"
	"github.com/cvmkit/cvm/examples/internal/report"
	"github.com/cvmkit/cvm/segment"
)

// RFMStage is the RFM step: raw values, fitted breaks, cells and named
// segments (the package's default map).
type RFMStage struct {
	Values      []segment.RFM // customers with a purchase, by ID
	ReturnsOnly []string      // customers with only returns: no RFM
	Scorer      *segment.Scorer
	Cells       []segment.Cell
	Rules       *segment.RuleSet
	Segment     []int // index into Rules.Segments() per customer, -1 for none
	Stats       []segment.SegmentStats
	Grid        segment.HeatGrid
}

func (r *Result) runRFM() error {
	f := r.File
	st := &RFMStage{Rules: f.Models.Rules, Scorer: f.Models.RFM}
	for i := range f.Profiles {
		p := &f.Profiles[i]
		if p.Summary.Occasions == 0 {
			st.ReturnsOnly = append(st.ReturnsOnly, p.Customer)
			continue
		}
		st.Values = append(st.Values, p.RFM)
		st.Cells = append(st.Cells, p.Cell)
	}
	st.Segment = st.Rules.AssignAll(nil, st.Cells)
	st.Stats = segment.SummarizeSegments(st.Values, st.Cells, st.Rules)
	st.Grid = segment.RFGrid(st.Values, st.Cells, st.Scorer.Bins())
	r.RFM = st
	return nil
}

// SegmentOf returns the RFM segment name of customer id, or "".
func (r *Result) SegmentOf(id string) string {
	if r.RFM == nil {
		return ""
	}
	i, ok := r.rfmIndex[id]
	if !ok || r.RFM.Segment[i] < 0 {
		return ""
	}
	return r.RFM.Rules.Segments()[r.RFM.Segment[i]].Name
}

func (r *Result) reportRFM(w io.Writer) {
	st := r.RFM
	report.Section(w, "2. Differentiate by behaviour: RFM segments")
	text := "Recency R is days since the last purchase (5 = most recent), frequency F the purchase days, monetary M the net amount; scores 1-5 from quantile breaks where equal values share a score."
	if n := len(st.ReturnsOnly); n > 0 {
		text += fmt.Sprintf(" The %d customers with only returns (typically refunds of purchases made before the data start) have no purchase and so no RFM.", n)
	}
	report.Para(w, text)
	tb := report.New("Breaks used (a score goes up past each break)", "dimension", "breaks", "empty scores")
	for _, d := range []struct {
		name string
		b    segment.Binning
		rec  bool
	}{{"recency (days)", st.Scorer.Recency(), true}, {"frequency (days)", st.Scorer.Frequency(), false}, {"monetary", st.Scorer.Monetary(), false}} {
		var br []string
		for _, v := range d.b.Breaks {
			br = append(br, report.Float(v, 1))
		}
		empty := "none"
		if e := d.b.EmptyBins(); len(e) > 0 {
			var s []string
			for _, k := range e {
				if d.rec {
					k = st.Scorer.Bins() + 1 - k
				}
				s = append(s, fmt.Sprint(k))
			}
			empty = strings.Join(s, ", ") + " (tied values)"
		}
		tb.Row(d.name, strings.Join(br, " | "), empty)
	}
	tb.Write(w)

	tb = report.New("\nSegments (default map over R and the mean of F and M)",
		"segment", "customers", "share", "revenue", "rev. share", "med. R", "med. F", "med. M")
	tb.Left(0)
	for _, s := range st.Stats {
		name := s.Segment
		if name == "" {
			name = "(no segment)"
		}
		tb.Row(name, report.Int(s.Customers), report.Pct(s.Share), report.Money(s.Revenue), report.Pct(s.RevenueShare),
			report.Float(s.MedianRecency, 0), report.Float(s.MedianFrequency, 0), report.Whole(s.MedianMonetary))
	}
	tb.Write(w)

	tb = report.New("\nWhat to do with the three largest segments by revenue", "segment", "action")
	for _, s := range topSegments(st.Stats, 3) {
		info, _ := st.Rules.Info(s.Segment)
		tb.Row(s.Segment, info.Action)
	}
	tb.Write(w)

	g := st.Grid
	tb = report.New("\nR x F grid: customers (mean monetary) per cell; R rows, F columns", "R \\ F")
	head := []string{"R \\ F"}
	for f := 1; f <= g.Bins; f++ {
		head = append(head, fmt.Sprintf("F=%d", f))
	}
	tb.Header(head...)
	for rr := g.Bins; rr >= 1; rr-- {
		row := []any{fmt.Sprintf("R=%d", rr)}
		for f := 1; f <= g.Bins; f++ {
			if g.Count[rr-1][f-1] == 0 {
				row = append(row, "-")
				continue
			}
			row = append(row, fmt.Sprintf("%d (%s)", g.Count[rr-1][f-1], report.Whole(g.MeanMonetary[rr-1][f-1])))
		}
		tb.Row(row...)
	}
	tb.Write(w)
}

func topSegments(stats []segment.SegmentStats, n int) []segment.SegmentStats {
	var out []segment.SegmentStats
	for _, s := range stats {
		if s.Segment != "" && s.Customers > 0 {
			out = append(out, s)
		}
	}
	for i := range out { // small n: selection sort, stable
		for j := i + 1; j < len(out); j++ {
			if out[j].Revenue > out[i].Revenue {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out[:min(n, len(out))]
}

// plotRFM draws the R x F heat map of mean monetary value.
func (r *Result) plotRFM(dir string) (string, error) {
	g := r.RFM.Grid
	z := make([][]float64, g.Bins)
	var ticks []string
	text := make([][]string, g.Bins)
	for i := range g.Bins {
		z[i] = make([]float64, g.Bins)
		text[i] = make([]string, g.Bins)
		for j := range g.Bins {
			z[i][j] = g.MeanMonetary[i][j]
			text[i][j] = fmt.Sprintf("%.0f\n%d customers", g.MeanMonetary[i][j], g.Count[i][j])
			if g.Count[i][j] == 0 {
				z[i][j] = nan
			}
		}
		ticks = append(ticks, fmt.Sprint(i+1))
	}
	p := plots.Heatmap("Mean monetary value per R x F cell (empty cells grey)",
		"F score (purchase days, 5 = most)", "R score (5 = most recent)", z, ticks, ticks, text)
	return "rfm_heatmap", r.formats.Save(p, dir, "rfm_heatmap")
}
