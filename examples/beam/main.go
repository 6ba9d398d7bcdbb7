// Command cvmbeam runs cvm's customer pipelines on Apache Beam: the
// per-customer summaries of cvm summary, or the customer file of cvm
// profile, with the same output for every customer, on any Beam runner
// (Prism in-process by default; Flink, Spark or Dataflow with Beam's
// runner flags). See the README's "Beam" section.
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
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "cvmbeam:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	flag.CommandLine.SetOutput(stderr)
	opts := addFlags(flag.CommandLine)
	if err := flag.CommandLine.Parse(args); err != nil {
		return err
	}
	beam.Init() // a worker started by the runner serves here and exits
	ctx := context.Background()
	p, err := opts.pipeline(ctx)
	if err != nil {
		return err
	}
	return beamx.Run(ctx, p)
}
