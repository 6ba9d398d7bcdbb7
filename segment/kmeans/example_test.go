package kmeans_test

import (
	"context"
	"fmt"

	"github.com/cvmkit/cvm/segment/kmeans"
)

// ExampleFit clusters six customers described by log1p of recency
// (days) and frequency (orders), from k-means++ with a fixed seed.
func ExampleFit() {
	raw := []float64{ // recency days, orders
		3, 12,
		5, 9,
		8, 15,
		200, 1,
		260, 2,
		300, 1,
	}
	x, err := kmeans.Log1p(nil, raw, 2)
	if err != nil {
		panic(err)
	}
	m, err := kmeans.Fit(context.Background(), x, 2, 2, nil, &kmeans.Settings{Seed: 1})
	if err != nil {
		panic(err)
	}
	fmt.Println("labels:", m.Labels)
	fmt.Println("sizes:", m.Sizes)
	fmt.Printf("inertia: %.4f\n", m.Inertia)
	p, err := kmeans.Profile(raw, 2, m.K, m.Labels)
	if err != nil {
		panic(err)
	}
	for _, c := range p {
		fmt.Printf("cluster %d: share %.2f, median recency %.0f days, median orders %.0f\n", c.Cluster, c.Share, c.Median[0], c.Median[1])
	}
	// Output:
	// labels: [0 0 0 1 1 1]
	// sizes: [3 3]
	// inertia: 0.6332
	// cluster 0: share 0.50, median recency 5 days, median orders 12
	// cluster 1: share 0.50, median recency 260 days, median orders 1
}

// ExampleStandardizer fits a z-score once, applies it, and reports a
// centre in original units.
func ExampleStandardizer() {
	x := []float64{1, 100, 2, 200, 3, 300}
	s, err := kmeans.FitStandardizer(x, 2, nil)
	if err != nil {
		panic(err)
	}
	z := s.Transform(nil, x)
	fmt.Printf("z row 0: %.4f %.4f\n", z[0], z[1])
	centre := s.Inverse(nil, []float64{1, 1}) // one standard deviation above the mean
	fmt.Printf("centre: %.4f %.4f\n", centre[0], centre[1])
	// Output:
	// z row 0: -1.2247 -1.2247
	// centre: 2.8165 281.6497
}

// ExampleSelectK prints the criteria side by side for k = 2..4 on three
// well-separated groups.
func ExampleSelectK() {
	x := []float64{0, 0, 0, 1, 1, 0, 5, 5, 5, 6, 6, 5, 6, 6, 10, 0, 9, 1}
	rows, err := kmeans.SelectK(context.Background(), x, 2, nil, 2, 4, &kmeans.SelectSettings{Fit: &kmeans.Settings{Seed: 3}})
	if err != nil {
		panic(err)
	}
	for _, r := range rows {
		fmt.Printf("k=%d inertia=%.4f silhouette=%.4f CH=%.4f DB=%.4f\n", r.K, r.Inertia, r.Silhouette, r.CalinskiHarabasz, r.DaviesBouldin)
	}
	// Output:
	// k=2 inertia=59.0000 silhouette=0.6239 CH=12.9322 DB=0.4793
	// k=3 inertia=4.3333 silhouette=0.8193 CH=113.3077 DB=0.2093
	// k=4 inertia=3.3333 silhouette=0.5245 CH=82.3333 DB=0.5916
}
