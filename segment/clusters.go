package segment

import "fmt"

// ClusterSegment is the RFM reading of one k-means cluster.
type ClusterSegment struct {
	// Cluster is the cluster's index in the centres given.
	Cluster int
	// Cell is the RFM cell of the cluster's centre, scored with the
	// scorer's breaks.
	Cell Cell
	// Segment is the name of the rule-set segment of Cell or, when no rule
	// covers Cell, of the covered cell nearest to it (squared Euclidean
	// distance between score triples, ties to the lowest R, then F, then
	// M); Exact is false in that case. Segment is "" only when the rule set
	// covers no cell.
	Segment string
	Exact   bool // whether a rule covers Cell itself
}

// NameClusters maps each cluster to the nearest RFM segment name, so a
// marketer can read clusters. centers holds k centres, row-major with d
// columns, in original units (days, purchases, money: typically the
// Median or Mean of [Profile], or centres passed back through
// [Standardizer.Inverse] and expm1 when fitted on log1p values); cols gives
// the column of recency, frequency and monetary. Each centre is scored with
// sc ([Scorer.Score]) and looked up in rs ([RuleSet.Segment]).
//
// It panics if d < 1, len(centers) is not a multiple of d, a column index
// is outside [0,d), or sc and rs have different numbers of bins. A NaN or
// Inf centre value is the scorer's *RFMError, wrapped with the cluster.
func NameClusters(centers []float64, d int, cols [3]int, sc *Scorer, rs *RuleSet) ([]ClusterSegment, error) {
	if d < 1 || len(centers)%d != 0 {
		panic(fmt.Sprintf("segment: %d centre values with d = %d", len(centers), d))
	}
	for _, c := range cols {
		if c < 0 || c >= d {
			panic(fmt.Sprintf("segment: RFM column %d outside [0,%d)", c, d))
		}
	}
	if sc.Bins() != rs.Bins() {
		panic(fmt.Sprintf("segment: scorer has %d bins, rule set %d", sc.Bins(), rs.Bins()))
	}
	k := len(centers) / d
	out := make([]ClusterSegment, k)
	for j := 0; j < k; j++ {
		row := centers[j*d : j*d+d]
		cell, err := sc.Score(row[cols[0]], row[cols[1]], row[cols[2]])
		if err != nil {
			return nil, fmt.Errorf("cluster %d: %w", j, err)
		}
		cs := ClusterSegment{Cluster: j, Cell: cell}
		if name, ok := rs.Segment(cell.R, cell.F, cell.M); ok {
			cs.Segment, cs.Exact = name, true
		} else {
			cs.Segment = nearestCovered(rs, cell)
		}
		out[j] = cs
	}
	return out, nil
}

// nearestCovered returns the segment of the covered cell nearest to c.
func nearestCovered(rs *RuleSet, c Cell) string {
	B := rs.Bins()
	best, bestD := "", -1
	for r := 1; r <= B; r++ {
		for f := 1; f <= B; f++ {
			for m := 1; m <= B; m++ {
				name, ok := rs.Segment(r, f, m)
				if !ok {
					continue
				}
				dd := (r-c.R)*(r-c.R) + (f-c.F)*(f-c.F) + (m-c.M)*(m-c.M)
				if bestD < 0 || dd < bestD {
					best, bestD = name, dd
				}
			}
		}
	}
	return best
}
