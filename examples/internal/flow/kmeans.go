package flow

import (
	"context"
	"fmt"
	"io"
	"math"

	"github.com/cvmkit/cvm/examples/internal/plots"
	"github.com/cvmkit/cvm/examples/internal/report"
	"github.com/cvmkit/cvm/profile"
	"github.com/cvmkit/cvm/segment/kmeans"
)

// The k-selection table of the report: k from kMin to kMax, fitted as
// the customer file fits its clusters (profile.ClusterSeed,
// profile.ClusterRestarts) so the reader can weigh the file's k.
const (
	kMin, kMax = 2, 8
)

// KMeansStage shows the customer file's k-means clusters (profile:
// log(1+R), log(1+F), log(1+M), standardised) and the criteria for
// other k.
type KMeansStage struct {
	Features []float64 // n x 3 standardised features, rows as RFM.Values
	Std      *kmeans.Standardizer
	KTable   []kmeans.KChoice
	K        int // the file's k
	Model    *kmeans.Model
	Labels   []int // the cluster (0-based) of each row of RFM.Values
	Profiles []ClusterProfile
}

// ClusterProfile describes one cluster in original units.
type ClusterProfile struct {
	Cluster                   int
	Customers                 int
	Share, RevenueShare       float64
	Recency, Freq, Money      float64 // means
	MedianMoney               float64 // median net amount
	CentreR, CentreF, CentreM float64 // the centre back in original units
	Segment                   string  // the RFM segment of the centre's cell
}

func (r *Result) runKMeans() error {
	c := r.File.Models.Clusters
	if c == nil {
		r.note("k-means: the customer file has no clusters (too few customers with purchases)")
		return nil
	}
	vals := r.RFM.Values
	st := &KMeansStage{Std: c.Scale, Model: c.Model, K: c.K()}
	for i := range r.File.Profiles {
		if p := &r.File.Profiles[i]; p.Summary.Occasions > 0 {
			st.Labels = append(st.Labels, p.Cluster-1)
		}
	}
	if len(st.Labels) != len(vals) {
		return fmt.Errorf("k-means: %d cluster labels for %d RFM rows", len(st.Labels), len(vals))
	}
	raw := make([]float64, 0, 3*len(vals))
	for _, v := range vals {
		raw = append(raw, v.Recency, v.Frequency, math.Max(v.Monetary, 0))
	}
	logs, err := kmeans.Log1p(nil, raw, 3)
	if err != nil {
		return fmt.Errorf("k-means features: %w", err)
	}
	st.Features = st.Std.Transform(nil, logs)
	if len(vals) > kMax {
		choices, err := kmeans.SelectK(context.Background(), st.Features, 3, nil, kMin, kMax,
			&kmeans.SelectSettings{Fit: &kmeans.Settings{Seed: profile.ClusterSeed, NInit: profile.ClusterRestarts}})
		if err != nil {
			return fmt.Errorf("k-means: %w", err)
		}
		st.KTable = choices
	}
	st.Profiles = r.profiles(st)
	r.KMeans = st
	return nil
}

func (r *Result) profiles(st *KMeansStage) []ClusterProfile {
	m := st.Model
	vals := r.RFM.Values
	out := make([]ClusterProfile, m.K)
	var total float64
	for _, v := range vals {
		total += v.Revenue
	}
	for i, v := range vals {
		p := &out[st.Labels[i]]
		p.Customers++
		p.Recency += v.Recency
		p.Freq += v.Frequency
		p.Money += v.Monetary
		p.RevenueShare += v.Revenue
	}
	// Medians in original units from the segment package's profile.
	raw := make([]float64, 0, 3*len(vals))
	for _, v := range vals {
		raw = append(raw, v.Recency, v.Frequency, v.Monetary)
	}
	if prof, err := kmeans.Profile(raw, 3, m.K, st.Labels); err == nil {
		for j, p := range prof {
			if p.Median != nil {
				out[j].MedianMoney = p.Median[2]
			}
		}
	}
	centre := make([]float64, 3)
	for j := range out {
		p := &out[j]
		p.Cluster = j
		if p.Customers > 0 {
			c := float64(p.Customers)
			p.Recency, p.Freq, p.Money = p.Recency/c, p.Freq/c, p.Money/c
		}
		p.Share = float64(p.Customers) / float64(len(vals))
		if total != 0 {
			p.RevenueShare /= total
		}
		st.Std.Inverse(centre, m.Center(j))
		p.CentreR, p.CentreF, p.CentreM = math.Expm1(centre[0]), math.Expm1(centre[1]), math.Expm1(centre[2])
		if cell, err := r.RFM.Scorer.Score(p.CentreR, p.CentreF, p.CentreM); err == nil {
			p.Segment, _ = r.RFM.Rules.Segment(cell.R, cell.F, cell.M)
		}
	}
	return out
}

func (r *Result) reportKMeans(w io.Writer) {
	st := r.KMeans
	if st == nil {
		return
	}
	report.Section(w, "3. Differentiate by behaviour: k-means clusters")
	report.Para(w, fmt.Sprintf("Features: log(1+recency days), log(1+purchase days), log(1+net amount), each standardised; k-means++ with %d restarts, seed %d. The criteria for each k are set side by side; none is picked silently.", profile.ClusterRestarts, profile.ClusterSeed))
	tb := report.New("Choosing k (silhouette and Calinski-Harabasz: higher is better; Davies-Bouldin: lower)",
		"k", "inertia", "drop vs k-1", "silhouette", "Calinski-Harabasz", "Davies-Bouldin")
	for i, row := range st.KTable {
		drop := "-"
		if i > 0 {
			drop = report.Pct(1 - row.Inertia/st.KTable[i-1].Inertia)
		}
		tb.Row(row.K, report.Float(row.Inertia, 1), drop, report.Float(row.Silhouette, 3), report.Float(row.CalinskiHarabasz, 1), report.Float(row.DaviesBouldin, 3))
	}
	tb.Write(w)
	fmt.Fprintln(w)
	report.Para(w, fmt.Sprintf("The customer file uses k = %d: the best silhouette for k from %d to %d on a seeded sample of up to %d customers (k = 2 mostly splits active from lapsed buyers, which RFM already shows); every customer is then assigned to the nearest centre (profile.Clusters).", st.K, profile.ClusterKMin, profile.ClusterKMax, profile.ClusterSample))
	tb = report.New(fmt.Sprintf("Clusters at k = %d (means in original units; nearest RFM segment from the centre's cell)", st.Model.K),
		"cluster", "customers", "share", "rev. share", "recency", "purch. days", "net amount", "median net", "reads as")
	for _, p := range st.Profiles {
		tb.Row(p.Cluster+1, report.Int(p.Customers), report.Pct(p.Share), report.Pct(p.RevenueShare),
			report.Whole(p.Recency), report.Float(p.Freq, 1), report.Whole(p.Money), report.Whole(p.MedianMoney), p.Segment)
	}
	tb.Write(w)
}

func (r *Result) plotKMeans(dir string) ([]string, error) {
	st := r.KMeans
	if st == nil {
		return nil, nil
	}
	groups := make([]plots.Group, st.Model.K)
	for j := range groups {
		name := fmt.Sprintf("cluster %d", j+1)
		if s := st.Profiles[j].Segment; s != "" {
			name += " (" + s + ")"
		}
		groups[j].Name = name
	}
	for i, v := range r.RFM.Values {
		if v.Monetary <= 0 {
			continue
		}
		g := &groups[st.Labels[i]]
		g.X = append(g.X, v.Recency)
		g.Y = append(g.Y, v.Monetary)
	}
	p := plots.Scatter("k-means clusters: recency against net amount", "days since the last purchase", "net amount (log scale)", groups, nil, nil)
	plots.LogAxes(p, false, true)
	plots.Headroom(p, 0.3)
	if err := r.formats.Save(p, dir, "clusters"); err != nil {
		return nil, err
	}
	var ks, in, sil []float64
	for _, row := range st.KTable {
		ks = append(ks, float64(row.K))
		in = append(in, row.Inertia)
		sil = append(sil, row.Silhouette)
	}
	p = plots.Lines("Elbow: k-means inertia by k", "k", "inertia (sum of squared distances)", []plots.Group{{Name: "inertia", X: ks, Y: in}}, float64(st.K))
	p.Y.Min = 0
	if err := r.formats.Save(p, dir, "elbow"); err != nil {
		return nil, err
	}
	p = plots.Lines("Silhouette by k (higher is better)", "k", "mean silhouette", []plots.Group{{Name: "silhouette", X: ks, Y: sil}}, float64(st.K))
	if err := r.formats.Save(p, dir, "silhouette"); err != nil {
		return nil, err
	}
	return []string{"clusters", "elbow", "silhouette"}, nil
}
