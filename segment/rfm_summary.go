package segment

import (
	"fmt"
	"slices"

	"github.com/cvmkit/cvm/internal/num"
)

// SegmentStats is one row of the segment table.
type SegmentStats struct {
	Segment         string  // segment name; "" for customers in no segment
	Customers       int     // number of customers
	Share           float64 // Customers / all customers
	Revenue         float64 // sum of RFM.Revenue (net totals)
	RevenueShare    float64 // Revenue / total revenue; 0 when the total is 0
	MeanRecency     float64 // mean of the raw RFM.Recency
	MedianRecency   float64 // median of the raw RFM.Recency
	MeanFrequency   float64 // mean of the raw RFM.Frequency
	MedianFrequency float64 // median of the raw RFM.Frequency
	MeanMonetary    float64 // mean of the raw RFM.Monetary
	MedianMonetary  float64 // median of the raw RFM.Monetary
}

// SummarizeSegments returns one row per segment of rs, in the order of
// rs.Segments(), including segments with no customer (all zero), followed
// by a row with Segment "" when some customer's cell has no segment.
// Medians are the type-7 quantile at 0.5 (the middle value, or the mean of
// the two middle values). values and cells must have the same length; it
// panics otherwise. Revenue sums use compensated summation. Empty input
// gives all-zero rows. The values should be finite, as FitScorer and Score require:
// a NaN or Inf propagates into its segment's revenue and means, and makes
// its medians meaningless. Neither slice is modified.
func SummarizeSegments(values []RFM, cells []Cell, rs *RuleSet) []SegmentStats {
	if len(values) != len(cells) {
		panic(fmt.Sprintf("segment: %d values but %d cells", len(values), len(cells)))
	}
	idx := rs.AssignAll(nil, cells)
	nseg := len(rs.def.Segments)
	// group customers by segment, slot nseg holding the unassigned.
	members := make([][]int32, nseg+1)
	for i, s := range idx {
		if s < 0 {
			s = nseg
		}
		members[s] = append(members[s], int32(i))
	}
	var total, comp float64
	for i := range values {
		total, comp = num.AddNeumaier(total, comp, values[i].Revenue)
	}
	total += comp
	n := len(values)
	out := make([]SegmentStats, 0, nseg+1)
	buf := make([]float64, 0, n)
	for s, m := range members {
		if s == nseg && len(m) == 0 {
			break
		}
		st := SegmentStats{Customers: len(m)}
		if s < nseg {
			st.Segment = rs.def.Segments[s].Name
		}
		if len(m) > 0 {
			st.Share = float64(len(m)) / float64(n)
			var rev, c float64
			for _, i := range m {
				rev, c = num.AddNeumaier(rev, c, values[i].Revenue)
			}
			st.Revenue = rev + c
			if total != 0 {
				st.RevenueShare = st.Revenue / total
			}
			for d := range 3 {
				buf = buf[:0]
				for _, i := range m {
					buf = append(buf, rfmDim(&values[i], d))
				}
				mean, med := meanMedian(buf)
				switch d {
				case 0:
					st.MeanRecency, st.MedianRecency = mean, med
				case 1:
					st.MeanFrequency, st.MedianFrequency = mean, med
				default:
					st.MeanMonetary, st.MedianMonetary = mean, med
				}
			}
		}
		out = append(out, st)
	}
	return out
}

// meanMedian returns the mean and median of x, sorting x.
func meanMedian(x []float64) (mean, median float64) {
	var s, c float64
	for _, v := range x {
		s, c = num.AddNeumaier(s, c, v)
	}
	mean = (s + c) / float64(len(x))
	slices.Sort(x)
	return mean, num.QuantileSorted(x, 0.5)
}

// HeatGrid is the R x F table of the usual RFM heatmap: Count[r-1][f-1] is
// the number of customers with scores R = r and F = f, and
// MeanMonetary[r-1][f-1] their mean monetary value (0 for an empty cell).
type HeatGrid struct {
	Bins         int         // B, the number of scores per axis: the grid is B x B
	Count        [][]int     // Count[r-1][f-1] customers have R = r and F = f
	MeanMonetary [][]float64 // their mean monetary value; 0 for an empty cell
}

// RFGrid returns the R x F grid of cells with bins scores. Cells with a
// score outside 1..bins are not counted. values and cells must have the
// same length; it panics otherwise, and for bins outside 2..10. Empty
// input gives an all-zero grid; a NaN or Inf monetary value propagates
// into its cell's mean. Neither slice is modified.
func RFGrid(values []RFM, cells []Cell, bins int) HeatGrid {
	if len(values) != len(cells) {
		panic(fmt.Sprintf("segment: %d values but %d cells", len(values), len(cells)))
	}
	if bins < 2 || bins > 10 {
		panic(fmt.Sprintf("segment: RFGrid bins %d outside 2..10", bins))
	}
	g := HeatGrid{Bins: bins, Count: make([][]int, bins), MeanMonetary: make([][]float64, bins)}
	sum := make([][]float64, bins)
	comp := make([][]float64, bins)
	for r := range bins {
		g.Count[r] = make([]int, bins)
		g.MeanMonetary[r] = make([]float64, bins)
		sum[r] = make([]float64, bins)
		comp[r] = make([]float64, bins)
	}
	for i, c := range cells {
		if c.R < 1 || c.R > bins || c.F < 1 || c.F > bins {
			continue
		}
		r, f := c.R-1, c.F-1
		g.Count[r][f]++
		sum[r][f], comp[r][f] = num.AddNeumaier(sum[r][f], comp[r][f], values[i].Monetary)
	}
	for r := range bins {
		for f := range bins {
			if g.Count[r][f] > 0 {
				g.MeanMonetary[r][f] = (sum[r][f] + comp[r][f]) / float64(g.Count[r][f])
			}
		}
	}
	return g
}
