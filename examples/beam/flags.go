package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/examples/beam/cvmbeam"
	"github.com/cvmkit/cvm/examples/internal/input"
)

// options are the command's flags (Beam's own, --runner and the rest, are
// registered by the Beam packages on the same flag set). The input flags
// are the cvm command's (examples/internal/input), same names and
// meanings, except those a Beam pipeline cannot honour (see usable).
type options struct {
	in, out, asOf string
	input         *input.Flags
	fs            *flag.FlagSet

	profile    bool
	indicators string
	reasons    int
	clusters   int
	batches    int
}

func addFlags(fs *flag.FlagSet) *options {
	o := &options{fs: fs}
	fs.StringVar(&o.in, "in", "", "transaction CSV files (gzip allowed) or Parquet files (named *.parquet): comma-separated paths or globs, local or of a Beam file system (gs://...); each file is a shard")
	fs.StringVar(&o.out, "out", "summary.csv", "output CSV file, sorted by customer: cvm summary's format, or cvm profile's with -profile")
	fs.StringVar(&o.asOf, "as-of", "", "ignore transactions after this time (2006-01-02 for the end of that day UTC, or RFC 3339); default: cvm's (the end of the UTC day of the last plausible transaction)")
	o.input = input.AddFlags(fs)
	fs.BoolVar(&o.profile, "profile", false, "build the customer file (cvm profile's CSV) instead of the summaries")
	fs.StringVar(&o.indicators, "indicators", "retail", "with -profile: value indicators, retail or summary (as cvm profile)")
	fs.IntVar(&o.reasons, "reasons", 3, "with -profile: top value reasons per customer (as cvm profile)")
	fs.IntVar(&o.clusters, "clusters", 0, "with -profile: k-means clusters on the log RFM values; 0 chooses k by silhouette; -1 for none (as cvm profile)")
	fs.IntVar(&o.batches, "batches", 64, "with -profile: customer batches of the per-customer stages (units of parallel work)")
	return o
}

// isTrue says whether the boolean flag name was given true.
func (o *options) isTrue(name string) bool {
	f := o.fs.Lookup(name)
	return f != nil && f.Value.String() == "true"
}

// readSettings turns the input flags into the pipeline's settings. -skip-bad
// and -report are usage errors: the shards are read on the workers, which
// have no way to count and report the rows skipped, or to print the data
// report, and a flag silently ignored would lose rows unseen. -q is
// accepted: cvmbeam prints no progress or read statistics of its own
// (Beam's log lines are the runner's).
func (o *options) readSettings() (cvmbeam.ReadSettings, error) {
	ro, err := o.input.ReadOptions()
	if err != nil {
		return cvmbeam.ReadSettings{}, err
	}
	if ro.SkipBadRows {
		return cvmbeam.ReadSettings{}, &input.UsageError{Msg: "-skip-bad: not supported by cvmbeam (the workers cannot count and report the skipped rows); fix the bad rows, or run cvm"}
	}
	if o.isTrue("report") {
		return cvmbeam.ReadSettings{}, &input.UsageError{Msg: "-report: not supported by cvmbeam (the data report needs every row on one machine); run cvm report"}
	}
	return cvmbeam.ReadSettings{Customer: ro.Customer, Time: ro.Time, Amount: ro.Amount, Quantity: ro.Quantity, Price: ro.Price,
		Product: ro.Product, Category: ro.Category, Channel: ro.Channel, Order: ro.Order, NoHeader: ro.NoHeader, Comma: ro.Comma,
		TimeLayout: ro.TimeLayout, FailOnEmptyCustomer: ro.FailOnEmptyCustomer}, nil
}

func parseAsOf(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return cvm.EndOfDay(t), nil
	}
	if t, err := time.Parse(time.DateTime, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return t, &input.UsageError{Msg: fmt.Sprintf("-as-of %q: want 2006-01-02, 2006-01-02 15:04:05 or RFC 3339", s)}
	}
	return t, nil
}

// files expands the -in patterns with Beam's file systems.
func (o *options) files(ctx context.Context) ([]string, error) {
	var out []string
	for _, pat := range strings.Split(o.in, ",") {
		if pat = strings.TrimSpace(pat); pat == "" {
			continue
		}
		fsys, err := filesystem.New(ctx, pat)
		if err != nil {
			return nil, err
		}
		names, err := fsys.List(ctx, pat)
		fsys.Close()
		if err != nil {
			return nil, err
		}
		if len(names) == 0 {
			return nil, fmt.Errorf("-in: no file matches %q", pat)
		}
		out = append(out, names...)
	}
	if len(out) == 0 {
		return nil, &input.UsageError{Msg: "-in is required"}
	}
	return out, nil
}

func (o *options) pipeline(ctx context.Context) (*beam.Pipeline, error) {
	rs, err := o.readSettings()
	if err != nil {
		return nil, err
	}
	asOf, err := parseAsOf(o.asOf)
	if err != nil {
		return nil, err
	}
	files, err := o.files(ctx)
	if err != nil {
		return nil, err
	}
	p, s := beam.NewPipelineWithRoot()
	tx := cvmbeam.ReadCSV(s, files, rs, asOf)
	if o.profile {
		if o.reasons < 0 || o.batches < 1 {
			return nil, &input.UsageError{Msg: fmt.Sprintf("-reasons %d, -batches %d: want 0 or more, 1 or more", o.reasons, o.batches)}
		}
		if o.indicators != "retail" && o.indicators != "summary" {
			return nil, &input.UsageError{Msg: fmt.Sprintf("-indicators %q: want retail or summary", o.indicators)}
		}
		cvmbeam.ProfileCSV(s, cvmbeam.BuildProfiles(s, tx, cvmbeam.ProfileSettings{Indicators: o.indicators, Reasons: o.reasons, Clusters: o.clusters, Batches: o.batches}), o.out)
		return p, nil
	}
	cvmbeam.SummaryCSV(s, cvmbeam.Summaries(s, tx), o.out)
	return p, nil
}
