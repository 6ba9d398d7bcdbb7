package clv

import (
	"encoding/csv"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/check"
)

// The published CDNOW results, from the raw transactions of the 1/10
// sample (CDNOW_sample.txt in the shared data folder; skipped without it):
// the standard set-up of Fader, Hardie & Lee 2005, calibration 1997-01-01
// to 1997-09-30 in weeks, same-day purchases merged.

// cdnowSample prepares CDNOW_sample.txt by sample customer ID (column 2),
// the IDs of the published summary file.
func cdnowSample(t testing.TB) *Dataset {
	f, err := os.Open(dataDir(t, "CDNOW_sample.txt"))
	check.NoErr(t, err)
	defer f.Close()
	rd := check.Must(cvm.NewReader(f, &cvm.ReadSettings{NoHeader: true, Customer: "2", Time: "3", Amount: "5", Order: cvm.NoColumn, Comma: cvm.Whitespace}))
	return check.Must(Prepare(ctx, rd.All(), time.Date(1997, 9, 30, 0, 0, 0, 0, time.UTC), &PrepareSettings{HoldoutEnd: time.Date(1998, 6, 30, 0, 0, 0, 0, time.UTC)}))
}

// Prepare reproduces cdnow_customers_summary_with_transactions.csv, the
// published calibration summary (x, t_x, T, zbar to two decimals), for
// every one of the 2,357 customers (a value half a cent from the next is
// rounded up in the file).
func TestCDNOWSummary(t *testing.T) {
	ds := cdnowSample(t)
	b, err := os.ReadFile(dataDir(t, "cdnow_customers_summary_with_transactions.csv"))
	check.NoErr(t, err)
	recs := check.Must(csv.NewReader(strings.NewReader(string(b))).ReadAll())[1:]
	if len(recs) != 2357 || len(ds.Customers) != 2357 {
		t.Fatalf("%d published rows, %d customers; want 2357", len(recs), len(ds.Customers))
	}
	byID := map[int]Customer{}
	for _, c := range ds.Customers {
		byID[check.Must(strconv.Atoi(c.ID))] = c
	}
	for _, r := range recs {
		f := func(i int) float64 { return check.Must(strconv.ParseFloat(r[i], 64)) }
		c := byID[check.Must(strconv.Atoi(r[0]))]
		check.Float(t, "customer "+r[0]+" x", c.Frequency, f(1), 0, 0)
		check.Float(t, "customer "+r[0]+" t_x", c.Recency, f(2), 0, 0.005+1e-9)
		check.Float(t, "customer "+r[0]+" T", c.T, f(3), 0, 0.005+1e-9)
		check.Float(t, "customer "+r[0]+" zbar", c.MeanSpend, f(4), 0, 0.005+1e-9)
	}
}

// The fits reproduce the published estimates (Fader, Hardie & Lee 2005,
// "Counting your customers the easy way", section 5: BG/NBD r = 0.243,
// alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4; Fader & Hardie's
// Pareto/NBD note: r = 0.553, alpha = 10.578, s = 0.606, beta = 11.669,
// LL = -9595.0; Fader, Hardie & Lee 2005, "RFM and CLV": Gamma-Gamma
// p = 6.25, q = 3.74, gamma = 15.44 on 946 repeat buyers), to the
// published digits.
func TestCDNOWPublished(t *testing.T) {
	ds := cdnowSample(t)
	set := &FitSettings{Source: ds}
	bg := check.Must(FitBGNBD(ctx, ds.Customers, set))
	check.Floats(t, "BG/NBD", bg.params(), []float64{0.243, 4.414, 0.793, 2.426}, 0, 5e-4)
	check.Float(t, "BG/NBD LL", bg.Info.LogLikelihood, -9582.4, 0, 0.05)
	pa := check.Must(FitParetoNBD(ctx, ds.Customers, set))
	check.Floats(t, "Pareto/NBD", pa.params(), []float64{0.553, 10.578, 0.606, 11.669}, 0, 5e-4)
	check.Float(t, "Pareto/NBD LL", pa.Info.LogLikelihood, -9595.0, 0, 0.05)
	gg := check.Must(FitGammaGamma(ctx, ds.Customers, set))
	check.Floats(t, "Gamma-Gamma", gg.params(), []float64{6.25, 3.74, 15.44}, 0, 5e-3)
	check.Float(t, "Gamma-Gamma customers", gg.Info.Customers, 946, 0, 0)
	// The card says where the fit came from.
	c := bg.Card
	if !c.CalibrationStart.Equal(time.Date(1997, 1, 1, 0, 0, 0, 0, time.UTC)) || !c.HoldoutEnd.Equal(time.Date(1998, 6, 30, 0, 0, 0, 0, time.UTC)) ||
		c.Customers != 2357 || c.TimeUnit != "weeks" || c.Quality["holdout_mae"] <= 0 {
		t.Errorf("card %+v", c)
	}
}
