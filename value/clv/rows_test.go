package clv

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/cvmkit/cvm/internal/check"
)

// splitRows returns rows in reverse order with every row of count above 1
// split into a row of count 1 and the rest, so a fit from them must merge
// them back.
func splitRows(rows []Row) []Row {
	var out []Row
	for _, r := range slices.Backward(rows) {
		if r.Count > 1 {
			a := r
			a.Count = 1
			r.Count--
			out = append(out, a)
		}
		out = append(out, r)
	}
	return out
}

// A fit from compressed rows equals the fit of the expanded customers:
// the same parameters (to 1e-10; in fact the same bits) and the same
// log-likelihood. The expected values are those of the plain fits on the
// customers, an independent path through the public API.
func TestFitRowsEqualsExpanded(t *testing.T) {
	cs := synthCustomers(3000)
	rows := splitRows(Compress(cs))
	if len(rows) <= len(Compress(cs)) {
		t.Fatal("test rows were not split")
	}
	same := func(name string, got, want []float64, gi, wi FitInfo) {
		t.Helper()
		check.Floats(t, name, got, want, 1e-10, 0)
		check.Float(t, name+" LL", gi.LogLikelihood, wi.LogLikelihood, 1e-12, 0)
		check.Float(t, name+" customers", gi.Customers, wi.Customers, 0, 0)
		if gi.Rows != wi.Rows {
			t.Errorf("%s: %d rows, want %d", name, gi.Rows, wi.Rows)
		}
	}
	bg := check.Must(FitBGNBD(ctx, cs, nil))
	bgr := check.Must(FitBGNBDRows(ctx, rows, nil))
	same("bgnbd", bgr.params(), bg.params(), bgr.Info, bg.Info)
	if bgr.Card.Fingerprint != Fingerprint(cs) {
		t.Errorf("rows fingerprint %s, customers %s", bgr.Card.Fingerprint, Fingerprint(cs))
	}
	mbg := check.Must(FitMBGNBD(ctx, cs, nil))
	mbgr := check.Must(FitMBGNBDRows(ctx, rows, nil))
	same("mbgnbd", mbgr.params(), mbg.params(), mbgr.Info, mbg.Info)
	pa := check.Must(FitParetoNBD(ctx, cs, nil))
	par := check.Must(FitParetoNBDRows(ctx, rows, nil))
	same("pareto", par.params(), pa.params(), par.Info, pa.Info)

	bcs := simBGBB(7, 2000, 6, 1.2, 0.75, 0.66, 2.8)
	bb := check.Must(FitBGBB(ctx, bcs, nil))
	bbr := check.Must(FitBGBBRows(ctx, splitRows(Compress(bcs)), nil))
	same("bgbb", bbr.params(), bb.params(), bbr.Info, bb.Info)

	scs := simSpend(3, 2000, 6, 4, 15)
	for i := range scs {
		scs[i].MeanSpend = math.Round(scs[i].MeanSpend) // ties, so rows merge
	}
	gg := check.Must(FitGammaGamma(ctx, scs, nil))
	srows := check.Must(CompressSpend(scs))
	if len(srows) >= len(scs) {
		t.Fatalf("%d spend rows for %d customers", len(srows), len(scs))
	}
	// Reverse and add a skipped zero-spend row.
	srows = append(slices.Clone(srows), SpendRow{Frequency: 0, MeanSpend: 0, Count: 40})
	slices.Reverse(srows)
	ggr := check.Must(FitGammaGammaRows(ctx, srows, nil))
	same("gammagamma", ggr.params(), gg.params(), ggr.Info, gg.Info)
	check.Float(t, "gammagamma correlation", ggr.Correlation, gg.Correlation, 1e-12, 0)
}

func TestFitRowsErrors(t *testing.T) {
	good := Row{Frequency: 2, Recency: 3, T: 5, Count: 4}
	cases := []struct {
		name  string
		rows  []Row
		field string
		err   error
	}{
		{"empty", nil, "", ErrEmptyInput},
		{"zero count", []Row{good, {Frequency: 1, Recency: 1, T: 2}}, "count", ErrInvalidCustomer},
		{"negative count", []Row{good, {Count: -1, T: 1}}, "count", ErrInvalidCustomer},
		{"NaN count", []Row{{Count: math.NaN(), T: 1}}, "count", ErrInvalidCustomer},
		{"Inf count", []Row{{Count: math.Inf(1), T: 1}}, "count", ErrInvalidCustomer},
		{"recency above T", []Row{good, {Frequency: 1, Recency: 3, T: 2, Count: 1}}, "recency", ErrInvalidCustomer},
		{"negative frequency", []Row{{Frequency: -1, T: 2, Count: 1}}, "frequency", ErrInvalidCustomer},
		{"NaN T", []Row{{T: math.NaN(), Count: 1}}, "T", ErrInvalidCustomer},
	}
	for _, c := range cases {
		for name, fit := range map[string]func([]Row) error{
			"bgnbd":  func(r []Row) error { _, err := FitBGNBDRows(ctx, r, nil); return err },
			"mbgnbd": func(r []Row) error { _, err := FitMBGNBDRows(ctx, r, nil); return err },
			"pareto": func(r []Row) error { _, err := FitParetoNBDRows(ctx, r, nil); return err },
			"bgbb":   func(r []Row) error { _, err := FitBGBBRows(ctx, r, nil); return err },
		} {
			err := fit(c.rows)
			if !errors.Is(err, c.err) {
				t.Errorf("%s %s: error %v, want %v", name, c.name, err, c.err)
				continue
			}
			var ce *CustomerError
			if c.field != "" && (!errors.As(err, &ce) || ce.Field != c.field || ce.Index != len(c.rows)-1) {
				t.Errorf("%s %s: error %v, want field %s of row %d", name, c.name, err, c.field, len(c.rows)-1)
			}
		}
	}
	if _, err := FitBGBBRows(ctx, []Row{{Frequency: 1.5, Recency: 2, T: 3, Count: 1}}, nil); !errors.Is(err, ErrInvalidCustomer) {
		t.Errorf("bgbb fractional frequency: %v", err)
	}
	// Gamma-Gamma rows.
	for _, c := range []struct {
		name string
		rows []SpendRow
		err  error
	}{
		{"empty", nil, ErrEmptyInput},
		{"only zero", []SpendRow{{Frequency: 0, MeanSpend: 0, Count: 3}, {Frequency: 2, MeanSpend: 0, Count: 1}}, ErrNoRepeatBuyers},
		{"negative spend", []SpendRow{{Frequency: 2, MeanSpend: -1, Count: 1}}, ErrInvalidCustomer},
		{"NaN frequency", []SpendRow{{Frequency: math.NaN(), MeanSpend: 1, Count: 1}}, ErrInvalidCustomer},
		{"zero count", []SpendRow{{Frequency: 1, MeanSpend: 1}}, ErrInvalidCustomer},
	} {
		if _, err := FitGammaGammaRows(ctx, c.rows, nil); !errors.Is(err, c.err) {
			t.Errorf("gammagamma %s: error %v, want %v", c.name, err, c.err)
		}
	}
}

// The row fits do not modify the caller's rows.
func TestFitRowsNoMutation(t *testing.T) {
	rows := splitRows(Compress(synthCustomers(500)))
	orig := slices.Clone(rows)
	check.Must(FitBGNBDRows(ctx, rows, nil))
	if !slices.Equal(rows, orig) {
		t.Error("FitBGNBDRows modified its rows")
	}
}
