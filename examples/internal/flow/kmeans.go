package flow

import (
	"context"
	"fmt"
	"io"
	"math"

	"github.com/cvmkit/cvm/examples/internal/plots"
	"github.com/cvmkit/cvm/examples/internal/report"
	"github.com/cvmkit/cvm/segment/kmeans"
)

// Cluster settings of the flow: k tried from KMin to KMax, the fit kept at
// K unless the k-selection criteria say otherwise.
const (
	kMin, kMax = 2, 8
	kSeed      = 1
)

// KMeansStage is the k-means step on log(1+R), log(1+F), log(1+M),
// standardised.
type KMeansStage struct {
	Features []float64 // n x 3 standardised features, rows as RFM.Values
	Std      *kmeans.Standardizer
	KTable   []kmeans.KChoice
	K        int // the k reported
	Model    *kmeans.Model
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
	vals := r.RFM.Values
	n := len(vals)
	if n <= kMax {
		r.note("k-means: only %d customers with purchases; clustering skipped", n)
		return nil
	}
	st := &KMeansStage{}
	raw := make([]float64, 0, 3*n)
	for _, v := range vals {
		raw = append(raw, v.Recency, v.Frequency, math.Max(v.Monetary, 0))
	}
	logs, err := kmeans.Log1p(nil, raw, 3)
	if err != nil {
		return fmt.Errorf("k-means features: %w", err)
	}
	if st.Std, err = kmeans.FitStandardizer(logs, 3, nil); err != nil {
		return fmt.Errorf("k-means features: %w", err)
	}
	st.Features = st.Std.Transform(nil, logs)
	choices, err := kmeans.SelectK(context.Background(), st.Features, 3, nil, kMin, kMax,
		&kmeans.SelectSettings{Fit: &kmeans.Settings{Seed: kSeed, NInit: 4}})
	if err != nil {
		return fmt.Errorf("k-means: %w", err)
	}
	st.KTable = choices
	st.K = chooseK(choices)
	st.Model = choices[st.K-kMin].Model
	st.Profiles = r.profiles(st)
	r.KMeans = st
	return nil
}

// chooseK returns the k the report shows: the best silhouette for k >= 3
// (k = 2 mostly splits active from lapsed buyers, which RFM already
// shows). The table shows every criterion, so a reader can disagree.
func chooseK(choices []kmeans.KChoice) int {
	best := choices[0]
	for _, c := range choices {
		if c.K >= 3 && (best.K < 3 || c.Silhouette > best.Silhouette) {
			best = c
		}
	}
	return best.K
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
		p := &out[m.Labels[i]]
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
	if prof, err := kmeans.Profile(raw, 3, m.K, m.Labels); err == nil {
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
	report.Para(w, "Features: log(1+recency days), log(1+purchase days), log(1+net amount), each standardised; k-means++ with 4 restarts, seed 1. The criteria for each k are set side by side; none is picked silently.")
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
	report.Para(w, fmt.Sprintf("The report uses k = %d, the best silhouette for k >= 3 (k = 2 mostly splits active from lapsed buyers, which RFM already shows).", st.K))
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
		g := &groups[st.Model.Labels[i]]
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
