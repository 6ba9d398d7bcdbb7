package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/cvmkit/cvm/examples/internal/flow"
	"github.com/cvmkit/cvm/examples/internal/input"
)

// runAll runs the whole quickstart flow on a transactions file and writes
// every output into a folder.
func runAll(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("run", "-in FILE -out DIR [-as-of DATE] [-plot-formats png,svg] [input flags]",
		"cvm run -in online_retail.csv.gz -customer CustomerID -time InvoiceDate -quantity Quantity -price UnitPrice -order InvoiceNo -out retail-run", stderr)
	in := fs.String("in", "", "transactions CSV file (gzip allowed); - for standard input")
	out := fs.String("out", "", "output folder: report.txt, one CSV per stage, JSON models, plots/, manifest.txt (SHA-256 of each file); built aside and swapped in whole; an existing folder is replaced only if empty or the output of an earlier run")
	asOf := fs.String("as-of", "", "analysis time; a date alone means the end of that day (UTC); "+input.AsOfDefault)
	formats := fs.String("plot-formats", "png,svg", `picture formats (png, svg, pdf); "" for no pictures`)
	story := fs.String("story", "", "customer ID for the report's closing recovery story; default: chosen")
	inf := addInputFlags(fs)
	if done, err := parseFlags(fs, args); done {
		return err
	}
	if *in == "" {
		return usagef("-in is required")
	}
	if *out == "" {
		return usagef("-out is required")
	}
	var fin flow.Input
	if *asOf != "" {
		t, err := parseAsOf(*asOf)
		if err != nil {
			return usagef("-as-of %q: %v", *asOf, err)
		}
		fin.AsOf = t
	}
	var exts []string
	for _, f := range strings.Split(*formats, ",") {
		switch f = strings.ToLower(strings.TrimSpace(f)); f {
		case "":
		case "png", "svg", "pdf":
			exts = append(exts, "."+f)
		default:
			return usagef("-plot-formats: unknown format %q (want png, svg or pdf)", f)
		}
	}
	start := time.Now()
	txs, rep, err := inf.ReadAll(*in, fin.AsOf, stderr)
	if err != nil {
		return err
	}
	fin.AsOf = rep.AsOf
	fin.Transactions, fin.Source, fin.Story = txs, *in, *story
	res, err := flow.Run(fin)
	if err != nil {
		return fmt.Errorf("%s: %w", *in, err)
	}
	// The folder is built aside and swapped in whole: a run that fails, or
	// a disk that fills, leaves the previous run's folder as it was.
	var files, pics []string
	err = input.ReplaceDir(*out, func(dir string) error {
		var err error
		if files, err = res.WriteFiles(dir); err != nil {
			return err
		}
		if len(exts) > 0 {
			pics, err = res.Plots(filepath.Join(dir, "plots"), exts...)
		}
		return err
	})
	if err != nil {
		return err
	}
	files = append(files, input.ManifestName)
	fmt.Fprintf(stdout, "%s: %d files and %d pictures in %s\n", *out, len(files), len(pics), *out)
	for _, f := range files {
		fmt.Fprintf(stdout, "  %s\n", f)
	}
	if len(pics) > 0 {
		fmt.Fprintf(stdout, "  plots/: %s (%s)\n", strings.Join(pics, ", "), strings.Join(exts, " "))
	}
	if !inf.Quiet {
		fmt.Fprintf(stderr, "run: done in %.1f s\n", time.Since(start).Seconds())
	}
	return nil
}
