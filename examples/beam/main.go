// Command cvmbeam runs cvm's customer pipelines on Apache Beam: the
// per-customer summaries of cvm summary, or the customer file of cvm
// profile, with the same output for every customer, on any Beam runner
// (Prism in-process by default; Flink, Spark or Dataflow with Beam's
// runner flags). See the README's "Beam" section.
//
// The input flags are the cvm command's, same names and meanings:
// -customer, -time, -amount, -quantity and -price (given together), -order
// (an empty value for none), -product, -category, -channel, -no-header,
// -delim, -time-layout, -empty-customer skip|error and -q (cvmbeam prints
// no progress or read statistics of its own). -skip-bad and -report are
// usage errors: the workers cannot count and report skipped rows, and the
// data report needs every row on one machine. Rows with an empty customer
// ID are skipped by default, as in cvm, but not counted.
//
// The exit status is 2 for a usage error (a bad flag value, a flag the
// pipeline cannot honour), 1 for any other error.
//
//	cvmbeam -in 'tx-*.csv' -out summary.csv
//	cvmbeam -profile -in tx.csv -out profiles.csv
//	cvmbeam -in gs://bucket/tx-*.csv -out gs://bucket/summary.csv \
//	    --runner=dataflow --project=P --region=R --staging_location=gs://bucket/staging
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"
	"github.com/cvmkit/cvm/examples/internal/input"
)

func main() {
	os.Exit(input.ExitCode("cvmbeam", run(os.Args[1:], os.Stdout, os.Stderr), os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) error {
	flag.CommandLine.SetOutput(stderr)
	opts := addFlags(flag.CommandLine)
	if err := flag.CommandLine.Parse(args); err != nil {
		return err
	}
	if flag.CommandLine.NArg() > 0 {
		return &input.UsageError{Msg: fmt.Sprintf("unexpected arguments %q", flag.CommandLine.Args())}
	}
	beam.Init() // a worker started by the runner serves here and exits
	ctx := context.Background()
	p, err := opts.pipeline(ctx)
	if err != nil {
		return err
	}
	return beamx.Run(ctx, p)
}
