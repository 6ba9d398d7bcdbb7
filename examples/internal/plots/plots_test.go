package plots

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// TestSaveEveryKind draws one picture of every kind, NaN and Inf
// included, and checks that each format is written.
func TestSaveEveryKind(t *testing.T) {
	dir := t.TempDir()
	nan := math.NaN()
	pics := map[string]*plot.Plot{
		"heatmap": Heatmap("h", "x", "y", [][]float64{{1, 2}, {nan, 4}}, []string{"a", "b"}, nil, nil),
		"scatter": Scatter("s", "x", "y", []Group{{Name: "g", X: []float64{1, 2, nan}, Y: []float64{3, math.Inf(1), 5}}, {Name: "empty"}}, []float64{1.5}, []float64{4}),
		"lines":   Lines("l", "x", "y", []Group{{Name: "a", X: []float64{1, 2, 3}, Y: []float64{3, 1, 2}}}, 2),
		"bars":    Bars("b", "y", []string{"a", "b"}, []float64{3, 5}, "%.0f"),
		"grouped": GroupedBars("g", "y", []string{"a", "b"}, []string{"obs", "exp"}, [][]float64{{3, nan}, {2.5, 4}}),
		"area":    StackedArea("a", "x", "y", []float64{0, 1, 2}, []Group{{Name: "lo", Y: []float64{1, 2, 3}}, {Name: "hi", Y: []float64{2, 2, 2}}}, []plot.Tick{{Value: 0, Label: "Jan"}}),
	}
	LogAxes(pics["lines"], true, true)
	Headroom(pics["lines"], 0.2)
	Corners(pics["scatter"], "I", "II", "III", "IV", 0, 0, 10, 10)
	for name, p := range pics {
		if err := (Formats{".png", ".svg"}).Save(p, dir, name); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, ext := range []string{".png", ".svg"} {
			fi, err := os.Stat(filepath.Join(dir, name+ext))
			if err != nil || fi.Size() < 500 {
				t.Errorf("%s%s missing or tiny: %v", name, ext, err)
			}
		}
	}
	if err := (Formats{".gif"}).Save(pics["bars"], dir, "x"); err == nil {
		t.Error("no error for an unknown format")
	}
}

func TestPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"empty heat map":  func() { Heatmap("", "", "", nil, nil, nil, nil) },
		"ragged heat map": func() { Heatmap("", "", "", [][]float64{{1, 2}, {3}}, nil, nil, nil) },
		"x and y lengths": func() { Scatter("", "", "", []Group{{X: []float64{1}, Y: nil}}, nil, nil) },
		"bars lengths":    func() { Bars("", "", []string{"a"}, nil, "%f") },
		"stacked lengths": func() { StackedArea("", "", "", []float64{1, 2}, []Group{{Y: []float64{1}}}, nil) },
		"grouped names":   func() { GroupedBars("", "", []string{"a"}, []string{"x"}, nil) },
		"grouped values":  func() { GroupedBars("", "", []string{"a"}, []string{"x"}, [][]float64{{1, 2}}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func TestShort(t *testing.T) {
	// Expected labels written by hand.
	for v, want := range map[float64]string{0.25: "0.25", 750: "750", 25000: "25k", 1.5e6: "1.5M", -2e4: "-20k"} {
		if got := Short(v); got != want {
			t.Errorf("Short(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestThin(t *testing.T) {
	pts := func(n, base int) plotter.XYs {
		out := make(plotter.XYs, n)
		for i := range out {
			out[i] = plotter.XY{X: float64(base + i)}
		}
		return out
	}
	tests := []struct {
		name  string
		sizes []int
		max   int
		want  []int // points kept a group
		k     int   // the stride
	}{
		{"within", []int{3, 4}, 7, []int{3, 4}, 1},
		{"empty", nil, 5, nil, 1},
		{"half", []int{10, 10}, 10, []int{5, 5}, 2},
		// k = ceil(21/10) = 3 keeps 4+4+1 = 9.
		{"uneven", []int{10, 10, 1}, 10, []int{4, 4, 1}, 3},
		// k = 2 would keep 2+2+2 = 6 > 5: k = 3 keeps 1+1+1.
		{"one extra a group", []int{3, 3, 3}, 5, []int{1, 1, 1}, 3},
		{"a million", []int{600_000, 400_000}, ScatterMax, []int{12_000, 8_000}, 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			groups := make([]plotter.XYs, len(tt.sizes))
			for i, n := range tt.sizes {
				groups[i] = pts(n, 1000*i)
			}
			thin(groups, tt.max)
			total := 0
			for i, g := range groups {
				total += len(g)
				if len(g) != tt.want[i] {
					t.Errorf("group %d: %d points, want %d", i, len(g), tt.want[i])
				}
				for j, p := range g {
					if want := float64(1000*i + j*tt.k); p.X != want {
						t.Fatalf("group %d, point %d: x %v, want %v (every %d-th)", i, j, p.X, want, tt.k)
					}
				}
			}
			if total > tt.max {
				t.Errorf("%d points kept, more than %d", total, tt.max)
			}
		})
	}
}
