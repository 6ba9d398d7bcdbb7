// Command valuescore shows the value model from a host application's point
// of view: a firm with its own four indicators fits the current-plus-
// potential model once, stores it as JSON, scores customers with it, and
// explains one score to a sales manager.
//
//	go run ./examples/valuescore
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/cvmkit/cvm/value"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "valuescore:", err)
		os.Exit(1)
	}
}

// catalog is the firm's own model: two indicators per dimension.
func catalog() value.Catalog {
	return value.Catalog{
		Groups: []value.Group{
			{ID: "money", Name: "Economic contribution", Dimension: value.CurrentValue, Weight: 1},
			{ID: "growth", Name: "Growth", Dimension: value.PotentialValue, Weight: 1},
		},
		Indicators: []value.Indicator{
			{ID: "revenue", Name: "Revenue, 12 months", Dimension: value.CurrentValue, Group: "money", Unit: "EUR", Weight: 0.7, Norm: value.Normalization{Log: true}},
			{ID: "dso", Name: "Days sales outstanding", Dimension: value.CurrentValue, Group: "money", Unit: "days", Direction: value.Cost, Weight: 0.3},
			{ID: "headroom", Name: "Demand we do not supply", Dimension: value.PotentialValue, Group: "growth", Unit: "EUR", Weight: 0.6, Norm: value.Normalization{Log: true}},
			{ID: "satisfaction", Name: "Satisfaction score", Dimension: value.PotentialValue, Group: "growth", Unit: "1-5", Weight: 0.4},
		},
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("no arguments expected, got %q", args)
	}
	// One column per indicator, as the host's warehouse exports them.
	ctx := context.Background()
	t := value.NewIndicatorTable([]string{"acme", "bolt", "core", "dyna", "ergo", "flux"}).
		WithColumn("revenue", []float64{1_200_000, 90_000, 450_000, 15_000, 600_000, 30_000}).
		WithColumn("dso", []float64{35, 80, 42, 30, 95, 60}).
		WithColumn("headroom", []float64{2_000_000, 1_500_000, 50_000, 10_000, 300_000, 900_000}).
		WithColumn("satisfaction", []float64{4, 5, 3, 2, 2, 4})
	fitted, err := value.Fit(ctx, t, &value.Settings{Catalog: catalog()})
	if err != nil {
		return err
	}
	// Fit in one place, score in another: the model travels as JSON.
	blob, err := json.Marshal(fitted)
	if err != nil {
		return err
	}
	var m value.Model
	if err := json.Unmarshal(blob, &m); err != nil {
		return err
	}
	scores, err := m.Score(ctx, nil, t)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "customer  current  potential  total  quadrant  strategy")
	for _, s := range scores {
		fmt.Fprintf(stdout, "%-8s  %7.1f  %9.1f  %5.1f  %-8s  %s\n", s.Customer, s.Current, s.Potential, s.Total, s.Quadrant, s.Quadrant.Strategy())
	}
	ex, err := m.Explain(t, "bolt")
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nwhy bolt is in quadrant %s:\n", ex.Quadrant)
	for _, c := range ex.Contributions {
		fmt.Fprintf(stdout, "  %-24s raw %10.0f  normalised %.2f x weight %.2f = %5.1f points of %s value\n",
			c.Name, c.Raw, c.Normalized, c.Weight, c.Points, c.Dimension)
	}
	return nil
}
