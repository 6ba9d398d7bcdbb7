package sqldb

import (
	"bytes"
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/examples/sqldb/dbtest"
	"github.com/cvmkit/cvm/internal/synth"
)

var ctx = context.Background()

// dataset is a transaction file read by the CSV path, with the settings
// that read it.
type dataset struct {
	name string
	txs  []cvm.Transaction
	read cvm.ReadSettings
}

// datasets returns the synthetic base (always) and CDNOW and Online
// Retail (when present), each read by cvm.NewReader.
func datasets(t *testing.T) []dataset {
	var buf bytes.Buffer
	if err := synth.WriteCSV(&buf, synth.Config{Customers: 3000, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	rd, err := cvm.NewReader(&buf, nil)
	if err != nil {
		t.Fatal(err)
	}
	syn, err := rd.ReadAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := []dataset{{"synth", syn, cvm.ReadSettings{}}}
	for _, d := range []struct {
		name, file string
		set        cvm.ReadSettings
	}{{"cdnow", "CDNOW_master.txt", dbtest.CDNOWSettings}, {"online_retail", "online_retail.csv.gz", dbtest.OnlineRetailSettings}} {
		t.Run(d.name, func(t *testing.T) {
			s := d.set
			out = append(out, dataset{d.name, dbtest.ReadFile(t, d.file, &s), d.set})
		})
	}
	return out
}

// london is a zone with daylight saving; plus2 a fixed offset.
var (
	london, _ = time.LoadLocation("Europe/London")
	plus2     = time.FixedZone("UTC+2", 2*3600)
)

// summarySettings are the Summarize settings each data set is checked
// with; asOf is a time inside the data.
func summarySettings(asOf time.Time) []struct {
	name string
	set  cvm.SummarySettings
} {
	return []struct {
		name string
		set  cvm.SummarySettings
	}{
		{"day", cvm.SummarySettings{}},
		{"order", cvm.SummarySettings{Occasions: cvm.ByOrder}},
		{"asof", cvm.SummarySettings{AsOf: asOf}},
		{"plus2", cvm.SummarySettings{Location: plus2}},
		{"london", cvm.SummarySettings{Location: london, AsOf: asOf}},
	}
}

// TestSummariesEqualCSV loads each data set into each database and
// checks that the rows read back (cvm.RowsReader) and the summary pushed
// down (cvm.SummarizeSQL) give the Summaries of the CSV path for every
// customer.
func TestSummariesEqualCSV(t *testing.T) {
	sets := datasets(t)
	for _, db := range dbtest.All(t) {
		for _, ds := range sets {
			t.Run(db.Name+"/"+ds.name, func(t *testing.T) {
				if raceEnabled && db.Dialect == cvm.SQLite && ds.name == "online_retail" {
					t.Skip("the race detector makes SQLite too slow for Online Retail; run without -race for it")
				}
				if err := db.LoadTransactions(ctx, "tx", ds.txs); err != nil {
					t.Fatal(err)
				}
				mid := ds.txs[len(ds.txs)/2].Time
				sets := summarySettings(mid)
				if ds.name != "synth" {
					// Fewer settings on the larger real data (one
					// under the race detector), for the race detector's
					// sake; synth has them all.
					sets = []struct {
						name string
						set  cvm.SummarySettings
					}{sets[0], sets[1], sets[4]}
					if raceEnabled {
						sets = sets[:1]
					}
				}
				for k, ss := range sets {
					t.Run(ss.name, func(t *testing.T) {
						want, err := cvm.Summarize(ctx, slices.Values(ds.txs), &ss.set)
						if err != nil {
							t.Fatal(err)
						}
						// The rows path, with the first and the last
						// settings (the conversions do not depend on
						// the others).
						if k == 0 || k == len(sets)-1 {
							rows, err := db.DB.QueryContext(ctx, `SELECT * FROM tx`)
							if err != nil {
								t.Fatal(err)
							}
							defer rows.Close()
							rd, err := cvm.NewRowsReader(rows, nil)
							if err != nil {
								t.Fatal(err)
							}
							got, err := rd.Summarize(ctx, &ss.set)
							if err != nil {
								t.Fatal(err)
							}
							compare(t, "rows", got, want)
						}

						set := &cvm.SQLSummarySettings{SummarySettings: ss.set}
						got, err := cvm.SummarizeSQL(ctx, db.DB, db.Dialect, "tx", set)
						if db.Dialect == cvm.SQLite && ss.set.Location == london {
							if err == nil {
								t.Errorf("SQLite with Location %v: no error", london)
							}
							return
						}
						if err != nil {
							t.Fatal(err)
						}
						compare(t, "push-down", got, want)
					})
				}
			})
		}
	}
}

// compare checks got against want customer by customer, to the bit:
// both sum money exactly and round once.
func compare(t *testing.T, what string, got, want []cvm.Summary) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d customers, want %d", what, len(got), len(want))
		return
	}
	bad := 0
	for i := range got {
		g, w := got[i], want[i]
		ok := g.Customer == w.Customer && g.First.Equal(w.First) && g.Last.Equal(w.Last) &&
			g.Occasions == w.Occasions && g.Transactions == w.Transactions &&
			math.Float64bits(g.Total) == math.Float64bits(w.Total) &&
			math.Float64bits(g.Returns) == math.Float64bits(w.Returns)
		if !ok {
			if bad++; bad <= 5 {
				t.Errorf("%s: customer %d:\n got %+v\nwant %+v", what, i, g, w)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d customers differ", what, bad, len(got))
	}
}
