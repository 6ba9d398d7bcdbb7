package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/examples/beam/cvmbeam"
	"github.com/cvmkit/cvm/internal/delim"
)

// options are the command's flags (Beam's own, --runner and the rest, are
// registered by the Beam packages on the same flag set).
type options struct {
	in, out, asOf     string
	customer, time    string
	amount, order     string
	delim, timeLayout string
	noHeader          bool
	orderSet          bool // -order was given

	profile    bool
	indicators string
	reasons    int
	clusters   int
	batches    int
	product    string
	quantity   string
	price      string
	category   string
}

func addFlags(fs *flag.FlagSet) *options {
	o := &options{}
	fs.StringVar(&o.in, "in", "", "transaction CSV files (gzip allowed) or Parquet files (named *.parquet): comma-separated paths or globs, local or of a Beam file system (gs://...); each file is a shard")
	fs.StringVar(&o.out, "out", "summary.csv", "output CSV file, sorted by customer: cvm summary's format, or cvm profile's with -profile")
	fs.StringVar(&o.asOf, "as-of", "", "ignore transactions after this time (2006-01-02 for the end of that day UTC, or RFC 3339); default: cvm's (the end of the UTC day of the last plausible transaction)")
	fs.StringVar(&o.customer, "customer", "", "customer column (name, or 1-based number); default: cvm's")
	fs.StringVar(&o.time, "time", "", "time column; default: cvm's")
	fs.StringVar(&o.amount, "amount", "", "amount column; default: cvm's")
	fs.Func("order", "order column; an empty value for none; default: cvm's", func(v string) error {
		o.order, o.orderSet = v, true
		return nil
	})
	fs.StringVar(&o.delim, "delim", ",", "field delimiter: , ; tab or whitespace")
	fs.StringVar(&o.timeLayout, "time-layout", "", "Go time layout of the time column; default: cvm's detection")
	fs.BoolVar(&o.noHeader, "no-header", false, "the files have no header line")
	fs.StringVar(&o.product, "product", "", "product column (for cvm profile's products and the retail breadth); default: none")
	fs.StringVar(&o.quantity, "quantity", "", "quantity column; with -price the amount is quantity x price (as cvm's -quantity and -price); default: none")
	fs.StringVar(&o.price, "price", "", "unit price column, with -quantity; default: none")
	fs.StringVar(&o.category, "category", "", "category column; default: none")
	fs.BoolVar(&o.profile, "profile", false, "build the customer file (cvm profile's CSV) instead of the summaries")
	fs.StringVar(&o.indicators, "indicators", "retail", "with -profile: value indicators, retail or summary (as cvm profile)")
	fs.IntVar(&o.reasons, "reasons", 3, "with -profile: top value reasons per customer (as cvm profile)")
	fs.IntVar(&o.clusters, "clusters", 0, "with -profile: k-means clusters on the log RFM values; 0 chooses k by silhouette; -1 for none (as cvm profile)")
	fs.IntVar(&o.batches, "batches", 64, "with -profile: customer batches of the per-customer stages (units of parallel work)")
	return o
}

func (o *options) readSettings() (cvmbeam.ReadSettings, error) {
	rs := cvmbeam.ReadSettings{Customer: o.customer, Time: o.time, Amount: o.amount, Order: o.order, NoHeader: o.noHeader, TimeLayout: o.timeLayout,
		Product: o.product, Category: o.category, Quantity: o.quantity, Price: o.price}
	if (o.quantity == "") != (o.price == "") {
		return rs, errors.New("-quantity and -price must be given together")
	}
	if o.orderSet && o.order == "" {
		rs.Order = cvm.NoColumn // -order '': the files have no order column
	}
	comma, err := delim.Parse(o.delim)
	if err != nil {
		return rs, err
	}
	rs.Comma = comma
	return rs, nil
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
		return t, fmt.Errorf("-as-of %q: want 2006-01-02, 2006-01-02 15:04:05 or RFC 3339", s)
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
		return nil, errors.New("-in is required")
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
			return nil, fmt.Errorf("-reasons %d, -batches %d: want 0 or more, 1 or more", o.reasons, o.batches)
		}
		if o.indicators != "retail" && o.indicators != "summary" {
			return nil, fmt.Errorf("-indicators %q: want retail or summary", o.indicators)
		}
		cvmbeam.ProfileCSV(s, cvmbeam.BuildProfiles(s, tx, cvmbeam.ProfileSettings{Indicators: o.indicators, Reasons: o.reasons, Clusters: o.clusters, Batches: o.batches}), o.out)
		return p, nil
	}
	cvmbeam.SummaryCSV(s, cvmbeam.Summaries(s, tx), o.out)
	return p, nil
}
