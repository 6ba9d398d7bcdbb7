package input

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/check"
)

// tally is what the consumer of TestStream computes: the number and the
// amount of the transactions it counts.
type tally struct {
	N      int
	Amount float64
}

// TestStream: Stream keeps the streamed result unless the report's as-of
// leaves out rows the consumer counted, holds standard input and
// set.Hold, prints the report once and before an error of the consumer,
// and names the file in its errors. Every expected figure is counted by
// hand from the fixtures.
func TestStream(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		check.NoErr(t, os.WriteFile(p, data, 0o644))
		return p
	}
	// 3 rows, 3 transactions, amount 35; no outlier, so nothing after
	// the default as-of (the end of 2024-01-03).
	plain := write("plain.csv", []byte("customer,time,amount\na,2024-01-01,10\nb,2024-01-02,20\na,2024-01-03,5\n"))
	// 5 rows: the months' quartiles are both 2024-01 (ranks 2 and 4 of
	// 5), so the margin is 12 months and 2030-06 is an outlier. The
	// default as-of is the end of 2024-01-04, the last plausible day; 1
	// row (d, 100) is after it. At or before it: 4 transactions, 36.
	outlier := write("outlier.csv", []byte("customer,time,amount\na,2024-01-01,10\nb,2024-01-02,20\na,2024-01-03,5\nc,2024-01-04,1\nd,2030-06-01,100\n"))
	// Line 3's amount is not a number.
	bad := write("bad.csv", []byte("customer,time,amount\na,2024-01-01,10\nb,2024-01-02,x\n"))
	// A gzip member without the last 4 bytes of its trailer, with more
	// than one read block (64 KiB) of rows, so that the header is read
	// and the truncation is met by the stream.
	var csv, gz bytes.Buffer
	csv.WriteString("customer,time,amount\n")
	for i := range 5000 {
		fmt.Fprintf(&csv, "c%04d,2024-01-01,1\n", i)
	}
	zw := gzip.NewWriter(&gz)
	check.Must(zw.Write(csv.Bytes()))
	check.NoErr(t, zw.Close())
	trunc := write("trunc.csv.gz", gz.Bytes()[:gz.Len()-4])
	missing := filepath.Join(dir, "missing.csv")

	day := func(d int) time.Time { return cvm.EndOfDay(time.Date(2024, 1, d, 0, 0, 0, 0, time.UTC)) }
	errBoom := errors.New("boom")
	for _, c := range []struct {
		name string
		path string // "-" reads plain as standard input
		set  *StreamSettings
		// failOn is the call of the consumer that fails with errBoom
		// (0: none); the consumer counts the transactions at or before
		// set.Until.
		failOn int

		want     tally
		wantHeld []float64 // the held transactions' amounts; nil: streamed
		calls    int       // calls of the consumer
		rows     string    // the read counts printed once; "": none
		excluded int       // the warnings of rows after the as-of
		err      error     // the error wrapped; nil: none
	}{{
		name: "streams", path: plain,
		want: tally{3, 35}, calls: 1, rows: "3 rows, 3 transactions",
	}, {
		name: "holds when asked", path: plain, set: &StreamSettings{Hold: true},
		want: tally{3, 35}, wantHeld: []float64{10, 20, 5}, calls: 1, rows: "3 rows, 3 transactions",
	}, {
		name: "holds standard input", path: "-",
		want: tally{3, 35}, wantHeld: []float64{10, 20, 5}, calls: 1, rows: "3 rows, 3 transactions",
	}, {
		// The stream counted d's 100 (136 in all): read again, held.
		name: "holds a consumer counting everything past the as-of", path: outlier,
		want: tally{4, 36}, wantHeld: []float64{10, 20, 5, 1}, calls: 2, rows: "5 rows, 5 transactions", excluded: 1,
	}, {
		// Until is before the as-of, so after it too: d's row is ignored.
		name: "streams to a consumer stopping before the as-of", path: outlier, set: &StreamSettings{Until: day(3)},
		want: tally{3, 35}, calls: 1, rows: "5 rows, 5 transactions", excluded: 1,
	}, {
		name: "streams to a consumer stopping at the as-of", path: outlier, set: &StreamSettings{Until: day(4)},
		want: tally{4, 36}, calls: 1, rows: "5 rows, 5 transactions", excluded: 1,
	}, {
		// Until, the end of 2024-01-31, is after the as-of: Stream cannot
		// tell that the consumer ignored d's row (of 2030), and reads
		// again. Both times the consumer counts 4 transactions, 36.
		name: "holds a consumer stopping after the as-of", path: outlier, set: &StreamSettings{Until: day(31)},
		want: tally{4, 36}, wantHeld: []float64{10, 20, 5, 1}, calls: 2, rows: "5 rows, 5 transactions", excluded: 1,
	}, {
		// The stream counted d's 100 (5 transactions, 136), as a holdout
		// period ending in 2031 would: read again, held.
		name: "holds a consumer stopping after the late row", path: outlier, set: &StreamSettings{Until: time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)},
		want: tally{4, 36}, wantHeld: []float64{10, 20, 5, 1}, calls: 2, rows: "5 rows, 5 transactions", excluded: 1,
	}, {
		// As of 2024-01-02: a 10 and b 20; 3 rows after it.
		name: "streams as of a given day", path: outlier, set: &StreamSettings{AsOf: day(2), Until: day(2)},
		want: tally{2, 30}, calls: 1, rows: "5 rows, 5 transactions", excluded: 1,
	}, {
		name: "consumer error after the report", path: plain, failOn: 1,
		calls: 1, rows: "3 rows, 3 transactions", err: errBoom,
	}, {
		name: "consumer error on held transactions", path: plain, set: &StreamSettings{Hold: true}, failOn: 1,
		calls: 1, rows: "3 rows, 3 transactions", err: errBoom,
	}, {
		name: "consumer error of a dropped stream", path: outlier, failOn: 1,
		want: tally{4, 36}, wantHeld: []float64{10, 20, 5, 1}, calls: 2, rows: "5 rows, 5 transactions", excluded: 1,
	}, {
		name: "bad row", path: bad,
		calls: 1, err: &cvm.ParseError{},
	}, {
		name: "bad row, held", path: bad, set: &StreamSettings{Hold: true},
		err: &cvm.ParseError{},
	}, {
		name: "truncated gzip", path: trunc,
		calls: 1, err: io.ErrUnexpectedEOF,
	}, {
		name: "truncated gzip, held", path: trunc, set: &StreamSettings{Hold: true},
		err: io.ErrUnexpectedEOF,
	}, {
		name: "missing file", path: missing,
		err: fs.ErrNotExist,
	}} {
		t.Run(c.name, func(t *testing.T) {
			if c.path == "-" {
				in := check.Must(os.Open(plain))
				defer in.Close()
				stdin := os.Stdin
				os.Stdin = in
				defer func() { os.Stdin = stdin }()
			}
			fl := flag.NewFlagSet("t", flag.ContinueOnError)
			f := AddFlags(fl)
			check.NoErr(t, fl.Parse(nil))
			var until time.Time
			if c.set != nil {
				until = c.set.Until
			}
			calls := 0
			consume := func(ctx context.Context, txs iter.Seq[cvm.Transaction]) (tally, error) {
				calls++
				var n tally
				for tx := range txs {
					if until.IsZero() || !tx.Time.After(until) {
						n.N++
						n.Amount += tx.Amount
					}
				}
				if calls == c.failOn {
					return n, errBoom
				}
				return n, nil
			}
			var stderr strings.Builder
			got, held, err := Stream(context.Background(), f, c.path, c.set, &stderr, consume)

			if calls != c.calls {
				t.Errorf("consumer called %d times, want %d", calls, c.calls)
			}
			if c.rows == "" {
				if strings.Contains(stderr.String(), " rows, ") {
					t.Errorf("stderr %q, want no read counts", stderr.String())
				}
			} else if line := c.path + ": " + c.rows + "\n"; strings.Count(stderr.String(), line) != 1 {
				t.Errorf("stderr %q, want %q once", stderr.String(), line)
			}
			if n := strings.Count(stderr.String(), "excluded ("); n != c.excluded {
				t.Errorf("stderr %q: %d warnings of excluded rows, want %d", stderr.String(), n, c.excluded)
			}
			if c.err != nil {
				_, parse := c.err.(*cvm.ParseError)
				switch pe := (*cvm.ParseError)(nil); {
				case err == nil:
					t.Fatalf("no error, want one wrapping %v", c.err)
				case parse:
					if !errors.As(err, &pe) || pe.Line != 3 {
						t.Errorf("error %v, want a *cvm.ParseError at line 3", err)
					}
				case !errors.Is(err, c.err):
					t.Errorf("error %v, want one wrapping %v", err, c.err)
				}
				if !strings.Contains(err.Error(), c.path+": ") {
					t.Errorf("error %q does not name %s", err, c.path)
				}
				if c.err == errBoom && err.Error() != c.path+": boom" {
					t.Errorf("error %q, want %q", err, c.path+": boom")
				}
				if got != (tally{}) || held != nil {
					t.Errorf("with the error: %+v and %d transactions, want none", got, len(held))
				}
				return
			}
			check.NoErr(t, err)
			if got.N != c.want.N {
				t.Errorf("N = %d, want %d", got.N, c.want.N)
			}
			check.Float(t, "Amount", got.Amount, c.want.Amount, 0, 1e-12)
			if (held == nil) != (c.wantHeld == nil) {
				t.Fatalf("held %d transactions (nil %v), want nil %v", len(held), held == nil, c.wantHeld == nil)
			}
			amounts := make([]float64, len(held))
			for i, tx := range held {
				amounts[i] = tx.Amount
			}
			check.Floats(t, "held amounts", amounts, c.wantHeld, 0, 1e-12)
		})
	}
}
