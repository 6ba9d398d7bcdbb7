package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/cvmkit/cvm/segment/kmeans"
)

const kselectExample = `cvm kselect -in features.csv -kmin 2 -kmax 10 -standardize -seed 1 -sample 5000`

func runKSelect(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("kselect", "-in FEATURES.csv -kmin KMIN -kmax KMAX [flags]", kselectExample, stderr)
	kf := addKMeansFlags(fs)
	kmin := fs.Int("kmin", 2, "smallest k (>= 2)")
	kmax := fs.Int("kmax", 10, "largest k")
	sample := fs.Int("sample", 5000, "silhouette on a seeded sample of this many rows when n is larger; 0 means exact")
	asJSON := fs.Bool("json", false, "print a JSON array, one object per k, instead of the table")
	if done, err := parseFlags(fs, args); done {
		return err
	}
	if *kmin < 2 || *kmax < *kmin {
		return usagef("need 2 <= -kmin <= -kmax")
	}
	if *sample < 0 {
		return usagef("-sample must be >= 0")
	}
	if kf.init != "kmeans++" && kf.init != "k-means++" && kf.init != "random" {
		return usagef("kselect: -init must be kmeans++ or random")
	}
	x, d, _, err := kf.load()
	if err != nil {
		return err
	}
	s, err := kf.settings(*kmin, d, nil)
	if err != nil {
		return err
	}
	ss := &kmeans.SilhouetteSettings{SampleSize: *sample, Seed: kf.seed}
	if *sample == 0 {
		ss.SampleSize = -1
	}
	rows, err := kmeans.SelectK(context.Background(), x, d, nil, *kmin, *kmax, &kmeans.SelectSettings{Fit: s, Silhouette: ss})
	if err != nil {
		return kf.locate(err)
	}
	if *asJSON {
		type row struct {
			K                int     `json:"k"`
			Inertia          float64 `json:"inertia"`
			Iterations       int     `json:"iterations"`
			Silhouette       float64 `json:"silhouette"`
			CalinskiHarabasz float64 `json:"calinski_harabasz"`
			DaviesBouldin    float64 `json:"davies_bouldin"`
		}
		out := make([]row, len(rows))
		for i, r := range rows {
			out[i] = row{r.K, r.Inertia, r.Iterations, r.Silhouette, r.CalinskiHarabasz, r.DaviesBouldin}
		}
		return json.NewEncoder(stdout).Encode(out)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "k\tinertia\tsilhouette (high)\tcalinski-harabasz (high)\tdavies-bouldin (low)\titerations\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%d\t%.6g\t%.4f\t%.2f\t%.4f\t%d\t\n", r.K, r.Inertia, r.Silhouette, r.CalinskiHarabasz, r.DaviesBouldin, r.Iterations)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(x)/d > *sample && *sample > 0 {
		fmt.Fprintf(stdout, "silhouette on a sample of %d rows (seed %d); the criteria may disagree: the choice of k is yours\n", *sample, kf.seed)
	} else {
		fmt.Fprintln(stdout, "silhouette exact; the criteria may disagree: the choice of k is yours")
	}
	return nil
}
