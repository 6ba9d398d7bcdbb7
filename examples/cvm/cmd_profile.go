package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/cvmkit/cvm/examples/internal/input"
	"github.com/cvmkit/cvm/profile"
)

// defaultProfileMemLimit is cvm profile's default soft memory limit in
// MiB. Build's live heap peaks near 1.45 GB for 1M customers (the
// profiles, about 1 KB each, with the column store); without a limit the
// collector lets the heap grow to twice that before it runs. At 1,700 MiB
// the peak RSS of the 1M-customer benchmark stays near 1.75 GB for about
// the same CPU time (README). With the limit (and GOGC not set) the
// collector runs only as the heap nears it (GOGC off), so a smaller base
// may hold up to the limit before its first collection. A larger base
// needs a larger limit (or 0, which also leaves GOGC as it is): near its
// live heap the collector runs often, at up to half the CPU.
const defaultProfileMemLimit = 1700

func runProfile(args []string, stdout, stderr io.Writer) (retErr error) {
	fs := newFlagSet("profile", "-in FILE [input flags] [-product COL -category COL -channel COL] [-attributes CRM.csv] [-as-of DATE] [-out FILE] [-json] [-models FILE] [-save-models FILE]",
		"cvm profile -in tx.csv -product StockCode -out profiles.csv", stderr)
	in := fs.String("in", "", "transactions CSV file (gzip allowed); - for standard input")
	asOf := fs.String("as-of", "", "ignore transactions after this time; a date alone means the end of that day (UTC); "+input.AsOfDefault)
	out := fs.String("out", "-", "output file; - for standard output")
	asJSON := fs.Bool("json", false, "write the whole customer file as JSON (cvm.profile.file) instead of CSV")
	attrPath := fs.String("attributes", "", "CRM attributes CSV: a customer column, optional channel, consent, type, failures_12m, last_recovery_ok, influence, gross_profit, and value indicators by catalog ID")
	modelsIn := fs.String("models", "", "score with these saved models (cvm.profile.models JSON) instead of fitting")
	modelsOut := fs.String("save-models", "", "write the fitted models (cvm.profile.models JSON) to this file")
	indicators := fs.String("indicators", "retail", "value indicators: retail (value.RetailIndicators, CLV as current value) or summary (four from the summary, CLV as potential; what an update can continue)")
	memLimit := fs.Int("mem-limit", defaultProfileMemLimit, "soft memory limit in MiB for the Go runtime (runtime/debug.SetMemoryLimit): the collector runs as the heap nears it (and, unless GOGC is set, only then); 0 for none; GOMEMLIMIT, when set, wins")
	timing := fs.Bool("timing", false, "print the time of each stage, and of writing the output, on stderr")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile (runtime/pprof) of the build and the write to this file")
	memProfile := fs.String("memprofile", "", "write a heap profile (runtime/pprof, allocations) to this file at the end")
	clusters := fs.Int("clusters", 0, "k-means clusters on the log RFM values; 0 chooses k from 3 to 6 by silhouette (profile.Clusters); -1 for none")
	reasons := fs.Int("reasons", 3, "top value reasons per customer (value.Model.Reasons, in one pass: about half a second of CPU per million customers); 0 for none")
	inf := addInputFlags(fs)
	inf.OrderOnlyForReport() // occasions are UTC days: the profile uses no order IDs
	if done, err := parseFlags(fs, args); done {
		return err
	}
	if *in == "" {
		return usagef("-in is required")
	}
	if *memLimit < 0 {
		return usagef("-mem-limit %d: want 0 or more MiB", *memLimit)
	}
	if *memLimit > 0 && os.Getenv("GOMEMLIMIT") == "" {
		// The garbage collector works harder near the limit instead of
		// letting the heap double: the peak stays near the live data.
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(int64(*memLimit) << 20))
		if os.Getenv("GOGC") == "" {
			// And it runs only then: the cycles a growing heap would
			// start on the way (each scanning the profiles, and pages
			// not yet written, which this VM then copies on the first
			// write) cost 10% of the 1M-customer build (README).
			defer debug.SetGCPercent(debug.SetGCPercent(-1))
		}
	}
	if *reasons < 0 {
		return usagef("-reasons %d: want 0 or more", *reasons)
	}
	s := &profile.Settings{Reasons: *reasons, Clusters: *clusters}
	if err := s.Indicators.UnmarshalText([]byte(*indicators)); err != nil {
		return usagef("-indicators %q: want retail or summary", *indicators)
	}
	if *asOf != "" {
		t, err := parseAsOf(*asOf)
		if err != nil {
			return usagef("-as-of %q: %v", *asOf, err)
		}
		s.AsOf = t
	}
	if *timing {
		s.Progress = func(stage string, took time.Duration) { fmt.Fprintf(stderr, "%-36s %6.2f s\n", stage, took.Seconds()) }
	}
	if *modelsIn != "" {
		b, err := os.ReadFile(*modelsIn)
		if err != nil {
			return err
		}
		var m profile.Models
		if err := json.Unmarshal(b, &m); err != nil {
			return fmt.Errorf("%s: %w", *modelsIn, err)
		}
		s.Models = &m
	}
	var attrs []profile.Attributes
	if *attrPath != "" {
		var err error
		if attrs, err = readAttributes(*attrPath); err != nil {
			return err
		}
	}
	if *cpuProfile != "" {
		// Written to a temporary file renamed over the path at the end.
		po, err := input.Create(*cpuProfile, stdout)
		if err != nil {
			return err
		}
		defer po.Abort()
		if err := pprof.StartCPUProfile(po); err != nil {
			return err
		}
		defer func() {
			pprof.StopCPUProfile()
			if err := po.Commit(); err != nil && retErr == nil {
				retErr = err
			}
		}()
	}
	rd, closeFn, err := inf.OpenReport(*in, s.AsOf)
	if err != nil {
		return err
	}
	defer closeFn()
	if s.AsOf.IsZero() {
		// The reader's report has the default as-of once the file is read.
		s.AsOfFunc = func() time.Time { return rd.Report().AsOf }
	}
	start := time.Now()
	f, err := profile.BuildReader(context.Background(), rd, attrs, s)
	if *memProfile != "" && err == nil {
		// The heap as the file is built: what the profiles, models and
		// book hold live, and every allocation of the build.
		runtime.GC()
		if err = writeHeapProfile(*memProfile, stdout); err != nil {
			return err
		}
	}
	if perr := inf.PrintReport(*in, rd, stderr); perr != nil && err == nil {
		err = perr
	}
	if rerr := rd.Err(); rerr != nil {
		return fmt.Errorf("%s: %w", *in, rerr)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", *in, err)
	}
	if !inf.Quiet {
		inf.Report(*in, rd.Stats(), stderr)
	}
	wrote := time.Now()
	err = input.CreateFile(*out, stdout, func(w io.Writer) error {
		if *asJSON {
			b, err := json.Marshal(f)
			if err != nil {
				return err
			}
			_, err = w.Write(append(b, '\n'))
			return err
		}
		return writeProfilesCSV(w, f)
	})
	if err != nil {
		return err
	}
	if *timing {
		fmt.Fprintf(stderr, "%-36s %6.2f s\n", "write", time.Since(wrote).Seconds())
	}
	if *modelsOut != "" {
		b, err := json.Marshal(f.Models)
		if err != nil {
			return err
		}
		if err := input.CreateFile(*modelsOut, nil, func(w io.Writer) error { _, err := w.Write(append(b, '\n')); return err }); err != nil {
			return err
		}
	}
	if !inf.Quiet {
		flagged := 0
		for i := range f.Profiles {
			if f.Profiles[i].Flags != 0 {
				flagged++
			}
		}
		fmt.Fprintf(stderr, "%d profiles as of %s (%d flagged) in %.1f s\n", len(f.Profiles), f.AsOf.Format(time.DateTime), flagged, time.Since(start).Seconds())
		for _, n := range f.Notes {
			fmt.Fprintln(stderr, "note:", n)
		}
		if f.Refit.Due {
			fmt.Fprintln(stderr, "refit due:", f.Refit.Reason)
		}
	}
	return nil
}

// writeHeapProfile writes the heap profile (runtime/pprof "allocs": live
// and allocated bytes) to path, through a temporary file renamed over it.
func writeHeapProfile(path string, stdout io.Writer) error {
	return input.CreateFile(path, stdout, func(w io.Writer) error { return pprof.Lookup("allocs").WriteTo(w, 0) })
}

// writeProfilesCSV writes f's profiles as CSV (profile.CSVHeader and
// profile.AppendCSV), formatted on every core and written in profile
// order by writeFormatted: the bytes do not depend on the number of
// cores.
func writeProfilesCSV(w io.Writer, f *profile.File) error {
	if _, err := io.WriteString(w, profile.CSVHeader+"\n"); err != nil {
		return err
	}
	return writeFormatted(w, len(f.Profiles), func(b []byte, i int) []byte { return profile.AppendCSV(b, &f.Profiles[i]) })
}

// readAttributes reads a CRM attributes CSV: a header naming a customer
// column and any of channel, consent, type, failures_12m,
// last_recovery_ok, influence and gross_profit; every other column is a
// value indicator by catalog ID (an empty cell is missing). Column names
// are compared without case; a header with an empty or a repeated name is
// an error. Errors name the line and column.
func readAttributes(path string) ([]profile.Attributes, error) {
	r, closeFn, err := input.OpenFile(path)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	cr := csv.NewReader(r)
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: header: %w", path, err)
	}
	cust := -1
	keys := make([]string, len(head)) // the names without case
	seen := make(map[string]int, len(head))
	for j, h := range head {
		head[j] = strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF"))
		if head[j] == "" {
			return nil, fmt.Errorf("%s: header: column %d has no name", path, j+1)
		}
		key := strings.ToLower(head[j])
		keys[j] = key
		if k, ok := seen[key]; ok {
			return nil, fmt.Errorf("%s: header: columns %d and %d are both %q", path, k+1, j+1, head[j])
		}
		seen[key] = j
		if key == "customer" {
			cust = j
		}
	}
	if cust < 0 {
		return nil, fmt.Errorf("%s: no customer column in the header %q", path, head)
	}
	var out []profile.Attributes
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		line, _ := cr.FieldPos(0) // the line the record begins on: blank lines and quoted line ends count
		a := profile.Attributes{Customer: strings.TrimSpace(rec[cust])}
		if a.Customer == "" {
			return nil, fmt.Errorf("%s:%d: empty customer", path, line)
		}
		for j, v := range rec {
			v = strings.TrimSpace(v)
			if j == cust || v == "" {
				continue
			}
			bad := func(err error) error { return fmt.Errorf("%s:%d: column %s: %q: %w", path, line, head[j], v, err) }
			switch keys[j] {
			case "channel":
				a.Channel = v
			case "type":
				a.Type = v
			case "consent", "last_recovery_ok":
				b, err := strconv.ParseBool(v)
				if err != nil {
					return nil, bad(err)
				}
				if keys[j] == "consent" {
					a.Consent = b
				} else {
					a.LastRecoveryOK = b
				}
			case "failures_12m":
				n, err := strconv.Atoi(v)
				if err != nil || n < 0 {
					return nil, bad(fmt.Errorf("want a count"))
				}
				a.Failures12m = n
			default:
				x, err := strconv.ParseFloat(v, 64)
				if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
					return nil, bad(fmt.Errorf("want a finite number"))
				}
				switch keys[j] {
				case "influence":
					a.Influence = x
				case "gross_profit":
					a.GrossProfit = x
				default:
					if a.Indicators == nil {
						a.Indicators = map[string]float64{}
					}
					a.Indicators[head[j]] = x
				}
			}
		}
		out = append(out, a)
	}
}
