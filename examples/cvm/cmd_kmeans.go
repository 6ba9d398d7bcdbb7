package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cvmkit/cvm/examples/internal/input"
	"github.com/cvmkit/cvm/segment/kmeans"
)

const kmeansExample = `cvm kmeans -in features.csv -k 8 -init kmeans++ -n-init 1 -max-iter 300 -tol 1e-4 -seed 1 -algorithm auto -standardize -out labels.csv -json`

// kmeansFlags are the fit flags cvm kmeans and cvm kselect share.
type kmeansFlags struct {
	in, init, algorithm string
	nInit, maxIter      int
	tol                 float64
	seed                uint64
	standardize         bool
}

func addKMeansFlags(fs *flag.FlagSet) *kmeansFlags {
	f := &kmeansFlags{}
	fs.StringVar(&f.in, "in", "-", "features CSV: numeric columns only, optional header line (auto-detected); - is standard input")
	fs.StringVar(&f.init, "init", "kmeans++", "initial centres: kmeans++, random, or a CSV file of k centres (original units)")
	fs.IntVar(&f.nInit, "n-init", 0, "number of initialisations, best inertia kept; 0 means 1 (10 for -init random)")
	fs.IntVar(&f.maxIter, "max-iter", 300, "maximum iterations per initialisation (passes for minibatch)")
	fs.Float64Var(&f.tol, "tol", 1e-4, "tolerance relative to the mean column variance; 0 means stop only when no label changes")
	fs.Uint64Var(&f.seed, "seed", 0, "random seed")
	fs.StringVar(&f.algorithm, "algorithm", "auto", "auto, lloyd, hamerly, elkan or minibatch")
	fs.BoolVar(&f.standardize, "standardize", false, "z-score the columns before fitting; centres are reported in original units")
	return f
}

// settings turns the flags into k-means settings for data with d columns,
// reading an -init file if one is given (transformed by std when not nil).
func (f *kmeansFlags) settings(k, d int, std *kmeans.Standardizer) (*kmeans.Settings, error) {
	var algo kmeans.Algorithm
	if err := algo.UnmarshalText([]byte(f.algorithm)); err != nil {
		return nil, usagef("-algorithm: %v", err)
	}
	if f.maxIter < 1 {
		return nil, usagef("-max-iter must be >= 1")
	}
	if !(f.tol >= 0) || math.IsInf(f.tol, 1) {
		return nil, usagef("-tol must be a finite number >= 0")
	}
	if f.nInit < 0 {
		return nil, usagef("-n-init must be >= 0")
	}
	s := &kmeans.Settings{Algorithm: algo, NInit: f.nInit, MaxIter: f.maxIter, Tol: f.tol, Seed: f.seed}
	if f.tol == 0 {
		s.Tol = -1
	}
	if err := s.Init.UnmarshalText([]byte(f.init)); err != nil {
		c, cd, err := readFeatures(f.init)
		if err != nil {
			return nil, fmt.Errorf("-init: %w", err)
		}
		if cd != d || len(c) != k*d {
			return nil, fmt.Errorf("-init %s: %d centres of %d columns, want k = %d centres of %d columns", f.init, len(c)/cd, cd, k, d)
		}
		if std != nil {
			c = std.Transform(c, c)
		}
		s.Centers = c
	}
	return s, nil
}

// load reads the features and standardizes them when asked.
func (f *kmeansFlags) load() (x []float64, d int, std *kmeans.Standardizer, err error) {
	x, d, err = readFeatures(f.in)
	if err != nil {
		return nil, 0, nil, err
	}
	if f.standardize {
		std, err = kmeans.FitStandardizer(x, d, nil)
		if err != nil {
			return nil, 0, nil, f.locate(err)
		}
		x = std.Transform(x, x)
	}
	return x, d, std, nil
}

func runKMeans(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("kmeans", "-in FEATURES.csv -k K [flags]", kmeansExample, stderr)
	kf := addKMeansFlags(fs)
	k := fs.Int("k", 8, "number of clusters")
	out := fs.String("out", "", "write the label (0..k-1) of every row, one per line, to this file")
	asJSON := fs.Bool("json", false, "print one JSON object: inertia, iterations, sizes and centers (sizes[j] rows in cluster j, centre centers[j]), fit_seconds")
	save := fs.String("save", "", "write the fitted model as JSON to this file (features as given: not with -standardize)")
	modelPath := fs.String("model", "", "label the rows with the centres of this saved model (JSON from -save) instead of fitting; writes -out only")
	if done, err := parseFlags(fs, args); done {
		return err
	}
	if *k < 1 {
		return usagef("-k must be >= 1")
	}
	if kf.standardize && (*save != "" || *modelPath != "") {
		return usagef("-save and -model use the features as given; drop -standardize (or standardize the CSV first)")
	}
	if *modelPath != "" {
		return kmeansPredict(*modelPath, kf.in, *out, stdout)
	}
	x, d, std, err := kf.load()
	if err != nil {
		return err
	}
	s, err := kf.settings(*k, d, std)
	if err != nil {
		return err
	}
	start := time.Now()
	m, err := kmeans.Fit(context.Background(), x, d, *k, nil, s)
	if err != nil {
		return kf.locate(err)
	}
	secs := time.Since(start).Seconds()
	centers := slices.Clone(m.Centers)
	if std != nil {
		centers = std.Inverse(centers, centers)
	}
	// The outputs are committed together once everything is written.
	var outs input.Outputs
	defer outs.Abort()
	if *save != "" {
		if err := outs.Write(*save, stdout, func(w io.Writer) error { return json.NewEncoder(w).Encode(m) }); err != nil {
			return err
		}
	}
	if *out != "" {
		if err := outs.Write(*out, stdout, func(w io.Writer) error { return writeLabels(w, m.Labels) }); err != nil {
			return err
		}
	}
	if err := outs.Commit(); err != nil {
		return err
	}
	if *asJSON {
		rows := make([][]float64, m.K)
		for j := range rows {
			rows[j] = centers[j*d : (j+1)*d]
		}
		return json.NewEncoder(stdout).Encode(struct {
			Inertia    float64     `json:"inertia"`
			Iterations int         `json:"iterations"`
			Sizes      []int       `json:"sizes"`
			Centers    [][]float64 `json:"centers"`
			FitSeconds float64     `json:"fit_seconds"`
		}{m.Inertia, m.Iterations, m.Sizes, rows, secs})
	}
	fmt.Fprintf(stdout, "k=%d n=%d d=%d algorithm=%s iterations=%d converged=%v inertia=%.6g fit=%.3fs\n",
		m.K, len(m.Labels), d, m.Algorithm, m.Iterations, m.Converged, m.Inertia, secs)
	fmt.Fprintln(stdout, "cluster\tsize\tcentre")
	for j := 0; j < m.K; j++ {
		parts := make([]string, d)
		for t, v := range centers[j*d : (j+1)*d] {
			parts[t] = strconv.FormatFloat(v, 'f', 4, 64)
		}
		fmt.Fprintf(stdout, "%d\t%d\t%s\n", j, m.Sizes[j], strings.Join(parts, ","))
	}
	return nil
}

// writeLabels writes one label per line.
func writeLabels(f io.Writer, labels []int) error {
	w := bufio.NewWriter(f)
	for _, l := range labels {
		w.WriteString(strconv.Itoa(l))
		w.WriteByte('\n')
	}
	return w.Flush()
}

// kmeansPredict labels the rows of the features file in with the nearest
// centre of the saved model at modelPath and writes the labels to out
// (standard output when "" or "-").
func kmeansPredict(modelPath, in, out string, stdout io.Writer) error {
	data, err := os.ReadFile(modelPath)
	if err != nil {
		return err
	}
	m := new(kmeans.Model)
	if err := json.Unmarshal(data, m); err != nil {
		return fmt.Errorf("%s: %w", modelPath, err)
	}
	x, d, err := readFeatures(in)
	if err != nil {
		return err
	}
	if d != m.D {
		return fmt.Errorf("%s: %d columns, but the model %s has d = %d", in, d, modelPath, m.D)
	}
	labels, err := m.Predict(nil, x)
	if err != nil {
		return locateFeature(in, "", err)
	}
	return input.CreateFile(out, stdout, func(w io.Writer) error { return writeLabels(w, labels) })
}

// locate names the file and the 1-based data row (header not counted) and
// column of a *kmeans.FeatureError from the features of -in or the
// centres of -init; other errors are returned as they are.
func (f *kmeansFlags) locate(err error) error { return locateFeature(f.in, f.init, err) }

func locateFeature(in, init string, err error) error {
	var fe *kmeans.FeatureError
	if !errors.As(err, &fe) {
		return err
	}
	path, what := in, "data row"
	if fe.Center {
		path, what = init, "centre"
	}
	if fe.Column < 0 {
		return fmt.Errorf("%s: %s %d weight: %w", path, what, fe.Row+1, err)
	}
	return fmt.Errorf("%s: %s %d column %d: %w", path, what, fe.Row+1, fe.Column+1, err)
}

// readFeatures reads a CSV of numeric columns ("-" is standard input). The
// first line is a header when one of its fields is not a number. Every
// row must have the same number of fields; a field that is not a finite
// number is an error naming its line and column.
func readFeatures(path string) ([]float64, int, error) {
	r, closeIn, err := input.OpenFile(path)
	if err != nil {
		return nil, 0, err
	}
	defer closeIn()
	return parseFeatures(r, path)
}

func parseFeatures(r io.Reader, name string) ([]float64, int, error) {
	cr := csv.NewReader(bufio.NewReaderSize(r, 1<<16))
	cr.ReuseRecord = true
	cr.TrimLeadingSpace = true
	var x []float64
	d := 0
	for first := true; ; first = false {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", name, err)
		}
		line, _ := cr.FieldPos(0) // where the record begins: blank lines and quoted line ends count
		if first && len(rec) > 0 {
			rec[0] = strings.TrimPrefix(rec[0], "\uFEFF") // a byte order mark is not part of a header or a number
		}
		if d == 0 {
			d = len(rec)
			if first && isHeader(rec) {
				continue
			}
		}
		if len(rec) != d {
			return nil, 0, fmt.Errorf("%s: line %d: %d fields, want %d", name, line, len(rec), d)
		}
		for c, s := range rec {
			v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil || v != v || v > 1.7976931348623157e308 || v < -1.7976931348623157e308 {
				return nil, 0, fmt.Errorf("%s: line %d column %d: %q is not a finite number", name, line, c+1, s)
			}
			x = append(x, v)
		}
	}
	if len(x) == 0 {
		return nil, 0, fmt.Errorf("%s: no data rows", name)
	}
	return x, d, nil
}

func isHeader(rec []string) bool {
	for _, s := range rec {
		if _, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err != nil {
			return true
		}
	}
	return false
}
