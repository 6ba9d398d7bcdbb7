package plots

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cvmkit/cvm/examples/internal/input"

	"github.com/cvmkit/cvm/internal/num"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/brewer"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Width and Height are the size of every saved picture.
const (
	Width  = 18 * vg.Centimeter
	Height = 12 * vg.Centimeter
)

// Palette is the colour of group i in scatters, lines and areas: a
// colour-blind-safe qualitative set (Okabe & Ito 2008), cycled.
func Palette(i int) color.Color {
	p := []color.RGBA{
		{0, 114, 178, 255},   // blue
		{230, 159, 0, 255},   // orange
		{0, 158, 115, 255},   // bluish green
		{204, 121, 167, 255}, // reddish purple
		{86, 180, 233, 255},  // sky blue
		{213, 94, 0, 255},    // vermillion
		{240, 228, 66, 255},  // yellow
		{0, 0, 0, 255},       // black
	}
	return p[((i%len(p))+len(p))%len(p)]
}

// Formats are the file formats Save writes, as file extensions.
type Formats []string

// DefaultFormats are PNG, to look at, and SVG, to scale and edit.
var DefaultFormats = Formats{".png", ".svg"}

// Save writes p as dir/name.png and dir/name.svg, creating dir.
func Save(p *plot.Plot, dir, name string) error {
	return DefaultFormats.Save(p, dir, name)
}

// Save writes p in every format of f as dir/name.ext, creating dir; nil f
// means DefaultFormats. Each file is written whole or not at all
// (examples/internal/input.CreateFile).
func (f Formats) Save(p *plot.Plot, dir, name string) error {
	if f == nil {
		f = DefaultFormats
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, ext := range f {
		wt, err := p.WriterTo(Width, Height, strings.TrimPrefix(ext, "."))
		if err != nil {
			return fmt.Errorf("plots: saving %s%s: %w", name, ext, err)
		}
		err = input.CreateFile(filepath.Join(dir, name+ext), nil, func(w io.Writer) error {
			_, err := wt.WriteTo(w)
			return err
		})
		if err != nil {
			return fmt.Errorf("plots: saving %s%s: %w", name, ext, err)
		}
	}
	return nil
}

func newPlot(title, xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.X.Tick.Marker = cleanTicks{}
	p.Y.Tick.Marker = cleanTicks{}
	return p
}

// cleanTicks are plot's default ticks with short labels: 750 rather than
// 750.00, 25k rather than 25000.00.
type cleanTicks struct{}

func (cleanTicks) Ticks(min, max float64) []plot.Tick {
	t := plot.DefaultTicks{}.Ticks(min, max)
	for i := range t {
		if t[i].Label != "" {
			t[i].Label = Short(t[i].Value)
		}
	}
	return t
}

// Short formats a tick value briefly: 0.25, 750, 25k, 1.5M.
func Short(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e6:
		return strconv.FormatFloat(v/1e6, 'g', 4, 64) + "M"
	case a >= 1e4:
		return strconv.FormatFloat(v/1e3, 'g', 4, 64) + "k"
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// grid is a plotter.GridXYZ over z[row][col], row 0 at the bottom.
type grid struct{ z [][]float64 }

func (g grid) Dims() (c, r int)   { return len(g.z[0]), len(g.z) }
func (g grid) Z(c, r int) float64 { return g.z[r][c] }
func (g grid) X(c int) float64    { return float64(c + 1) }
func (g grid) Y(r int) float64    { return float64(r + 1) }

// Heatmap draws z[row][col] as cells coloured from light yellow (low) to
// dark red (high), row 0 at the bottom, with text[row][col] written in each
// cell (nil text means the value as "%.0f"; NaN cells are grey and blank).
// xticks and yticks name the columns and rows; nil numbers them from 1.
// It panics if z is empty or ragged, or text is not nil and of another
// shape.
func Heatmap(title, xlabel, ylabel string, z [][]float64, xticks, yticks []string, text [][]string) *plot.Plot {
	if len(z) == 0 || len(z[0]) == 0 {
		panic("plots: empty heat map")
	}
	for _, r := range z {
		if len(r) != len(z[0]) {
			panic("plots: ragged heat map")
		}
	}
	p := newPlot(title, xlabel, ylabel)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, r := range z {
		for _, v := range r {
			if num.Finite(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if math.IsInf(lo, 0) {
		lo, hi = 0, 1
	}
	if hi == lo {
		hi = lo + 1
	}
	pal, err := brewer.GetPalette(brewer.TypeSequential, "YlOrRd", 9)
	if err != nil {
		panic(err)
	}
	h := plotter.NewHeatMap(grid{z}, pal)
	h.Min, h.Max = lo, hi
	h.NaN = color.RGBA{235, 235, 235, 255}
	p.Add(h)
	var pts plotter.XYs
	var labels []string
	var light []bool
	for r, row := range z {
		for c, v := range row {
			if !num.Finite(v) {
				continue
			}
			pts = append(pts, plotter.XY{X: float64(c + 1), Y: float64(r + 1)})
			if text != nil {
				labels = append(labels, text[r][c])
			} else {
				labels = append(labels, fmt.Sprintf("%.0f", v))
			}
			light = append(light, (v-lo)/(hi-lo) > 0.6)
		}
	}
	if len(pts) > 0 {
		if l, err := plotter.NewLabels(plotter.XYLabels{XYs: pts, Labels: labels}); err == nil {
			for i := range l.TextStyle {
				l.TextStyle[i].XAlign, l.TextStyle[i].YAlign = draw.XCenter, draw.YCenter
				l.TextStyle[i].Font.Size = vg.Points(9)
				if light[i] {
					l.TextStyle[i].Color = color.White
				}
			}
			p.Add(l)
		}
	}
	p.X.Tick.Marker = ticks(len(z[0]), xticks)
	p.Y.Tick.Marker = ticks(len(z), yticks)
	return p
}

func ticks(n int, names []string) plot.ConstantTicks {
	t := make(plot.ConstantTicks, n)
	for i := range n {
		label := fmt.Sprint(i + 1)
		if i < len(names) {
			label = names[i]
		}
		t[i] = plot.Tick{Value: float64(i + 1), Label: label}
	}
	return t
}

// Group is one coloured set of points in a scatter, or one line.
type Group struct {
	Name string
	X, Y []float64
}

func xys(x, y []float64) plotter.XYs {
	if len(x) != len(y) {
		panic("plots: x and y lengths differ")
	}
	out := make(plotter.XYs, 0, len(x))
	for i := range x {
		if num.Finite(x[i]) && num.Finite(y[i]) {
			out = append(out, plotter.XY{X: x[i], Y: y[i]})
		}
	}
	return out
}

// ScatterMax is the most dots Scatter draws. Past it every group is
// thinned alike to every k-th of its points, in order, the first kept (k
// the smallest that brings the total within ScatterMax), so that the
// groups keep their shares and shapes and a picture of a million
// customers stays a picture of a few megabytes (a dot a customer made
// 126 MB SVGs).
const ScatterMax = 20000

// thin thins the groups' points in place to at most limit in all, as
// ScatterMax says.
func thin(groups []plotter.XYs, limit int) {
	total := 0
	for _, g := range groups {
		total += len(g)
	}
	if total <= limit {
		return
	}
	// Group i keeps ceil(len/k) points: find the smallest k whose total
	// is within limit (k = ceil(total/limit) leaves at most one extra a group).
	kept := func(k int) int {
		n := 0
		for _, g := range groups {
			n += (len(g) + k - 1) / k
		}
		return n
	}
	k := (total + limit - 1) / limit
	for kept(k) > limit {
		k++
	}
	for i, g := range groups {
		n := 0
		for j := 0; j < len(g); j += k {
			g[n] = g[j]
			n++
		}
		groups[i] = g[:n]
	}
}

// Scatter draws each group as small translucent dots in its own colour,
// with dashed reference lines at vlines (x) and hlines (y), thinned to
// ScatterMax dots or fewer (see ScatterMax). It panics if a group's X and
// Y differ in length.
func Scatter(title, xlabel, ylabel string, groups []Group, vlines, hlines []float64) *plot.Plot {
	p := newPlot(title, xlabel, ylabel)
	p.Legend.Top = true
	all := make([]plotter.XYs, len(groups))
	for i, g := range groups {
		all[i] = xys(g.X, g.Y)
	}
	thin(all, ScatterMax)
	for i, g := range groups {
		pts := all[i]
		if len(pts) == 0 {
			continue
		}
		s, err := plotter.NewScatter(pts)
		if err != nil {
			continue
		}
		c := color.NRGBAModel.Convert(Palette(i)).(color.NRGBA)
		c.A = 150
		s.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(1.6), Shape: draw.CircleGlyph{}}
		p.Add(s)
		p.Legend.Add(g.Name, s)
	}
	refLines(p, vlines, hlines)
	return p
}

func refLines(p *plot.Plot, vlines, hlines []float64) {
	style := draw.LineStyle{Color: color.Gray{90}, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}}
	for _, x := range vlines {
		line, err := plotter.NewLine(plotter.XYs{{X: x, Y: 0}, {X: x, Y: 1}})
		if err == nil {
			line.LineStyle = style
			p.Add(vline{line, x})
		}
	}
	for _, y := range hlines {
		line, err := plotter.NewLine(plotter.XYs{{X: 0, Y: y}, {X: 1, Y: y}})
		if err == nil {
			line.LineStyle = style
			p.Add(hline{line, y})
		}
	}
}

// vline and hline span the whole axis range at draw time.
type vline struct {
	*plotter.Line
	x float64
}

func (v vline) Plot(c draw.Canvas, p *plot.Plot) {
	v.Line.XYs = plotter.XYs{{X: v.x, Y: p.Y.Min}, {X: v.x, Y: p.Y.Max}}
	v.Line.Plot(c, p)
}

// GlyphBoxes is empty: a reference line needs no padding.
func (v vline) GlyphBoxes(*plot.Plot) []plot.GlyphBox { return nil }

func (v vline) DataRange() (xmin, xmax, ymin, ymax float64) {
	return v.x, v.x, math.Inf(1), math.Inf(-1)
}

type hline struct {
	*plotter.Line
	y float64
}

func (h hline) Plot(c draw.Canvas, p *plot.Plot) {
	h.Line.XYs = plotter.XYs{{X: p.X.Min, Y: h.y}, {X: p.X.Max, Y: h.y}}
	h.Line.Plot(c, p)
}

// GlyphBoxes is empty: a reference line needs no padding.
func (h hline) GlyphBoxes(*plot.Plot) []plot.GlyphBox { return nil }

func (h hline) DataRange() (xmin, xmax, ymin, ymax float64) {
	return math.Inf(1), math.Inf(-1), h.y, h.y
}

// Lines draws each group as a line with points, in its own colour and
// dash pattern, with optional dashed vertical lines at vlines.
func Lines(title, xlabel, ylabel string, groups []Group, vlines ...float64) *plot.Plot {
	p := newPlot(title, xlabel, ylabel)
	p.Legend.Top = true
	for i, g := range groups {
		pts := xys(g.X, g.Y)
		if len(pts) == 0 {
			continue
		}
		l, s, err := plotter.NewLinePoints(pts)
		if err != nil {
			continue
		}
		l.Color = Palette(i)
		l.Width = vg.Points(1.5)
		s.GlyphStyle = draw.GlyphStyle{Color: Palette(i), Radius: vg.Points(2.2), Shape: draw.CircleGlyph{}}
		p.Add(l, s)
		if g.Name != "" {
			p.Legend.Add(g.Name, l, s)
		}
	}
	refLines(p, vlines, nil)
	return p
}

// Bars draws one bar per label, with its value written above it (format
// like "%.0f").
func Bars(title, ylabel string, labels []string, values []float64, format string) *plot.Plot {
	if len(labels) != len(values) {
		panic("plots: labels and values lengths differ")
	}
	p := newPlot(title, "", ylabel)
	b, err := plotter.NewBarChart(plotter.Values(values), vg.Points(28))
	if err != nil {
		return p
	}
	b.Color = Palette(0)
	b.LineStyle.Width = 0
	p.Add(b)
	var pts plotter.XYs
	var texts []string
	for i, v := range values {
		pts = append(pts, plotter.XY{X: float64(i), Y: v})
		texts = append(texts, fmt.Sprintf(format, v))
	}
	if l, err := plotter.NewLabels(plotter.XYLabels{XYs: pts, Labels: texts}); err == nil {
		for i := range l.TextStyle {
			l.TextStyle[i].XAlign = draw.XCenter
			l.TextStyle[i].Font.Size = vg.Points(9)
		}
		l.Offset = vg.Point{Y: vg.Points(3)}
		p.Add(l)
	}
	p.NominalX(labels...)
	p.X.Min, p.X.Max = -0.6, float64(len(values))-0.4
	p.Y.Min = 0
	for _, v := range values {
		p.Y.Max = math.Max(p.Y.Max, v*1.1)
	}
	return p
}

// StackedArea draws the groups' Y values stacked over the shared x, the
// first group at the bottom; xticks label the x values when non-nil.
// It panics if a group's Y length differs from len(x).
func StackedArea(title, xlabel, ylabel string, x []float64, groups []Group, xticks []plot.Tick) *plot.Plot {
	p := newPlot(title, xlabel, ylabel)
	p.Legend.Top = true
	p.Legend.Left = true
	base := make([]float64, len(x))
	type layer struct {
		poly *plotter.Polygon
		name string
	}
	var layers []layer
	for i, g := range groups {
		if len(g.Y) != len(x) {
			panic("plots: stacked group length differs from x")
		}
		var ring plotter.XYs
		top := make([]float64, len(x))
		for j := range x {
			top[j] = base[j] + g.Y[j]
			ring = append(ring, plotter.XY{X: x[j], Y: top[j]})
		}
		for j := len(x) - 1; j >= 0; j-- {
			ring = append(ring, plotter.XY{X: x[j], Y: base[j]})
		}
		poly, err := plotter.NewPolygon(ring)
		if err != nil {
			continue
		}
		poly.Color = Palette(i)
		poly.LineStyle.Width = 0
		layers = append(layers, layer{poly, g.Name})
		base = top
	}
	for i := len(layers) - 1; i >= 0; i-- { // legend top-down like the areas
		p.Add(layers[i].poly)
		p.Legend.Add(layers[i].name, layers[i].poly)
	}
	if xticks != nil {
		p.X.Tick.Marker = plot.ConstantTicks(xticks)
	}
	p.Y.Min = 0
	Headroom(p, 0.3)
	return p
}

// LogAxes puts the x and/or y axis of p on a log scale with log ticks.
// Points at or below zero cannot be drawn on a log axis: leave them out.
func LogAxes(p *plot.Plot, x, y bool) {
	if x {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = logTicks{}
	}
	if y {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{}
	}
}

// logTicks are powers of ten with 2 and 5 between them, labelled briefly.
type logTicks struct{}

func (logTicks) Ticks(min, max float64) []plot.Tick {
	var t []plot.Tick
	if min <= 0 {
		min = 1e-3
	}
	for e := math.Floor(math.Log10(min)); e <= math.Ceil(math.Log10(max)); e++ {
		base := math.Pow(10, e)
		for _, m := range []float64{1, 2, 5} {
			v := m * base
			if v < min || v > max {
				continue
			}
			t = append(t, plot.Tick{Value: v, Label: Short(v)})
		}
	}
	return t
}

// Headroom raises the top of p's y axis by frac of its span (on a log
// axis, of its span in decades) so the legend sits above the data. Call it
// after the data are added and the scales set.
func Headroom(p *plot.Plot, frac float64) {
	if _, ok := p.Y.Scale.(plot.LogScale); ok && p.Y.Min > 0 {
		p.Y.Max *= math.Pow(p.Y.Max/p.Y.Min, frac)
		return
	}
	p.Y.Max += frac * (p.Y.Max - p.Y.Min)
}

// Corners writes the names of the four quadrants in the corners of the
// box (x0, y0)-(x1, y1): lowLow bottom left, lowHigh top left (low x, high
// y), highLow bottom right and highHigh top right.
func Corners(p *plot.Plot, lowLow, lowHigh, highLow, highHigh string, x0, y0, x1, y1 float64) {
	dx, dy := (x1-x0)/60, (y1-y0)/60
	pts := plotter.XYs{{X: x0 + dx, Y: y0 + dy}, {X: x0 + dx, Y: y1 - dy}, {X: x1 - dx, Y: y0 + dy}, {X: x1 - dx, Y: y1 - dy}}
	l, err := plotter.NewLabels(plotter.XYLabels{XYs: pts, Labels: []string{lowLow, lowHigh, highLow, highHigh}})
	if err != nil {
		return
	}
	for i := range l.TextStyle {
		l.TextStyle[i].Font.Size = vg.Points(16)
		l.TextStyle[i].Color = color.Gray{70}
		if i >= 2 {
			l.TextStyle[i].XAlign = draw.XRight
		}
		if i%2 == 1 {
			l.TextStyle[i].YAlign = draw.YTop
		}
	}
	p.Add(l)
}
