package plots

import (
	"math"

	"github.com/cvmkit/cvm/internal/num"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// GroupedBars draws, for each label, one bar per series side by side, in
// the series' colours, with a legend of names: the layout of the
// observed-versus-expected histograms of the customer-base papers. It
// panics unless names and values have the same length and every series
// has one value per label. Non-finite values are drawn as zero.
func GroupedBars(title, ylabel string, labels, names []string, values [][]float64) *plot.Plot {
	if len(names) != len(values) {
		panic("plots: names and values lengths differ")
	}
	p := newPlot(title, "", ylabel)
	p.Legend.Top = true
	w := vg.Points(14)
	top := 0.0
	for i, vs := range values {
		if len(vs) != len(labels) {
			panic("plots: a series has not one value per label")
		}
		clean := make(plotter.Values, len(vs))
		for j, v := range vs {
			if num.Finite(v) {
				clean[j] = v
				top = math.Max(top, v)
			}
		}
		b, err := plotter.NewBarChart(clean, w)
		if err != nil {
			continue
		}
		b.Color = Palette(i)
		b.LineStyle.Width = 0
		b.Offset = w * vg.Length(2*float64(i)-float64(len(values)-1)) / 2
		p.Add(b)
		p.Legend.Add(names[i], b)
	}
	p.NominalX(labels...)
	p.X.Min, p.X.Max = -0.6, float64(len(labels))-0.4
	p.Y.Min, p.Y.Max = 0, top*1.1
	return p
}
