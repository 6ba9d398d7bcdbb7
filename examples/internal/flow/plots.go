package flow

import (
	"github.com/cvmkit/cvm/examples/internal/plots"
)

// Plots writes every picture of the flow into dir in the given formats
// (file extensions such as ".png"; none means PNG and SVG) and returns the
// names written, without extension.
func (r *Result) Plots(dir string, formats ...string) ([]string, error) {
	r.formats = plots.Formats(formats)
	var names []string
	labels, cust, _ := r.OccasionBands()
	var vals []float64
	if cust[0] == 0 {
		labels, cust = labels[1:], cust[1:]
	}
	for _, c := range cust {
		vals = append(vals, float64(c))
	}
	p := plots.Bars("Customers by number of purchase occasions", "customers", labels, vals, "%.0f")
	p.X.Label.Text = "purchase occasions (distinct days)"
	if err := r.formats.Save(p, dir, "occasions"); err != nil {
		return names, err
	}
	names = append(names, "occasions")
	for _, f := range []func(string) (string, error){r.plotRFM} {
		name, err := f(dir)
		if err != nil {
			return names, err
		}
		names = append(names, name)
	}
	for _, f := range []func(string) ([]string, error){r.plotKMeans, r.plotCLV, r.plotValue, r.plotLifecycle} {
		more, err := f(dir)
		names = append(names, more...)
		if err != nil {
			return names, err
		}
	}
	return names, nil
}
