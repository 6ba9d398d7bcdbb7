package segment_test

import (
	"context"
	"fmt"
	"math"

	"github.com/cvmkit/cvm/segment"
	"github.com/cvmkit/cvm/segment/kmeans"
)

// ExampleNameClusters clusters customers on log1p of their RFM values with
// package kmeans, brings the centres back to days, purchases and money,
// and names each with the scorer fitted on the same customers and the
// default segment map.
func ExampleNameClusters() {
	values := []segment.RFM{
		{Customer: "a", Recency: 2, Frequency: 12, Monetary: 1500},
		{Customer: "b", Recency: 5, Frequency: 9, Monetary: 1100},
		{Customer: "c", Recency: 8, Frequency: 10, Monetary: 1300},
		{Customer: "d", Recency: 20, Frequency: 6, Monetary: 600},
		{Customer: "e", Recency: 200, Frequency: 1, Monetary: 40},
		{Customer: "f", Recency: 260, Frequency: 1, Monetary: 25},
		{Customer: "g", Recency: 300, Frequency: 2, Monetary: 60},
		{Customer: "h", Recency: 350, Frequency: 1, Monetary: 30},
	}
	scorer, err := segment.FitScorer(values, nil)
	if err != nil {
		panic(err)
	}
	raw := make([]float64, 0, 3*len(values))
	for _, v := range values {
		raw = append(raw, v.Recency, v.Frequency, v.Monetary)
	}
	logs, err := kmeans.Log1p(nil, raw, 3)
	if err != nil {
		panic(err)
	}
	std, err := kmeans.FitStandardizer(logs, 3, nil)
	if err != nil {
		panic(err)
	}
	m, err := kmeans.Fit(context.Background(), std.Transform(nil, logs), 3, 2, nil, &kmeans.Settings{Seed: 1})
	if err != nil {
		panic(err)
	}
	centres := std.Inverse(nil, m.Centers)
	for i := range centres {
		centres[i] = math.Expm1(centres[i])
	}
	names, err := segment.NameClusters(centres, 3, [3]int{0, 1, 2}, scorer, segment.DefaultRules())
	if err != nil {
		panic(err)
	}
	for _, c := range names {
		r := centres[3*c.Cluster : 3*c.Cluster+3]
		fmt.Printf("cluster %d: %d customers, centre %.0f days %.1f purchases %.0f, cell %v: %s\n",
			c.Cluster, m.Sizes[c.Cluster], r[0], r[1], r[2], c.Cell, c.Segment)
	}
	// Output:
	// cluster 0: 4 customers, centre 7 days 9.0 purchases 1065, cell 444: Loyal
	// cluster 1: 4 customers, centre 272 days 1.2 purchases 37, cell 222: Hibernating
}
