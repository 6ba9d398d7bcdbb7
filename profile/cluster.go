package profile

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/cvmkit/cvm/segment"
	"github.com/cvmkit/cvm/segment/kmeans"
)

// The k-means cluster of the profiles: k-means on the customers' RFM
// values, the features
//
//	log(1 + recency days), log(1 + purchase days), log(1 + max(0, net amount))
//
// each standardised (z-scores, kmeans.Standardizer), fitted with
// k-means++ and ClusterRestarts restarts seeded with ClusterSeed on a
// sample of at most ClusterSample customers (drawn with ClusterSeed from
// the customers in ID order, so the fit does not depend on the row order),
// then every customer is assigned to the nearest centre
// (kmeans.Model.Predict). The default k (Settings.Clusters 0) is the k of
// ClusterKMin..ClusterKMax with the best silhouette on the sample
// (kmeans.SelectK, silhouette on a seeded 5,000-row subsample), as the
// quickstart report chooses it: k = 2 mostly splits active from lapsed
// buyers, which the RFM cell already shows.
const (
	ClusterSample   = 20000
	ClusterSeed     = 1
	ClusterRestarts = 4
	ClusterKMin     = 3
	ClusterKMax     = 6
)

// Clusters is the fitted k-means cluster model of a Build: the
// standardisation of the features and the centres. Like the other
// models it is immutable and safe for concurrent use.
type Clusters struct {
	// Scale standardises the log features; Model holds the k centres in
	// standardised units (its training labels are not kept).
	Scale *kmeans.Standardizer `json:"scale"`
	Model *kmeans.Model        `json:"model"`
}

// K returns the number of clusters.
func (c *Clusters) K() int { return c.Model.K }

// clusterFeatures returns the standardisable log features of vals, row
// major n x 3.
func clusterFeatures(vals []segment.RFM) ([]float64, error) {
	raw := make([]float64, 0, 3*len(vals))
	for _, v := range vals {
		raw = append(raw, v.Recency, v.Frequency, math.Max(v.Monetary, 0))
	}
	return kmeans.Log1p(raw, raw, 3)
}

// fitClusters fits the cluster model on vals (the customers with RFM
// values, in ID order) with k clusters, 0 meaning the default rule. It
// returns nil and a note when there are too few customers.
func fitClusters(ctx context.Context, vals []segment.RFM, k int) (*Clusters, string, error) {
	x, err := clusterFeatures(vals)
	if err != nil {
		return nil, "", err
	}
	n := len(vals)
	kmin, kmax := ClusterKMin, ClusterKMax
	if k > 0 {
		kmin, kmax = k, k
	}
	if n <= 2*kmax {
		return nil, fmt.Sprintf("clusters: %d customers with purchases, too few for k-means with k up to %d", n, kmax), nil
	}
	if n > ClusterSample {
		idx := rand.New(rand.NewPCG(ClusterSeed, 0)).Perm(n)[:ClusterSample]
		slices.Sort(idx)
		s := make([]float64, 0, 3*len(idx))
		for _, i := range idx {
			s = append(s, x[3*i:3*i+3]...)
		}
		x = s
	}
	scale, err := kmeans.FitStandardizer(x, 3, nil)
	if err != nil {
		return nil, "", err
	}
	z := scale.Transform(nil, x)
	fit := &kmeans.Settings{Seed: ClusterSeed, NInit: ClusterRestarts}
	var m *kmeans.Model
	if kmin == kmax {
		if m, err = kmeans.Fit(ctx, z, 3, kmin, nil, fit); err != nil {
			return nil, "", err
		}
	} else {
		choices, err := kmeans.SelectK(ctx, z, 3, nil, kmin, kmax, &kmeans.SelectSettings{Fit: fit, Silhouette: &kmeans.SilhouetteSettings{Seed: ClusterSeed}})
		if err != nil {
			return nil, "", err
		}
		best := choices[0]
		for _, c := range choices[1:] {
			if c.Silhouette > best.Silhouette {
				best = c
			}
		}
		m = best.Model
	}
	kept := *m
	kept.Labels = nil
	return &Clusters{Scale: scale, Model: &kept}, "", nil
}

// assign returns the cluster (1..K) of each customer of vals.
func (c *Clusters) assign(vals []segment.RFM) ([]int, error) {
	x, err := clusterFeatures(vals)
	if err != nil {
		return nil, err
	}
	lab, err := c.Model.Predict(nil, c.Scale.Transform(x, x))
	if err != nil {
		return nil, err
	}
	for i := range lab {
		lab[i]++
	}
	return lab, nil
}
