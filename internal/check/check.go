// Package check holds the test helpers shared by cvm's packages: one
// float comparison and one way to fail on an unexpected error.
package check

import (
	"math"
	"testing"
)

// Close reports whether got and want are within an absolute tolerance abs
// or a relative tolerance rel of each other. NaN equals NaN and an
// infinity equals only itself.
func Close(got, want, rel, abs float64) bool {
	if math.IsNaN(got) || math.IsNaN(want) {
		return math.IsNaN(got) && math.IsNaN(want)
	}
	if math.IsInf(got, 0) || math.IsInf(want, 0) {
		return got == want
	}
	d := math.Abs(got - want)
	return d <= abs || d <= rel*math.Max(math.Abs(got), math.Abs(want))
}

// Float fails tb unless got is [Close] to want, naming what was compared.
func Float(tb testing.TB, name string, got, want, rel, abs float64) {
	tb.Helper()
	if !Close(got, want, rel, abs) {
		tb.Errorf("%s = %.17g, want %.17g (rel %g, abs %g)", name, got, want, rel, abs)
	}
}

// Floats fails tb unless got and want have the same length and each pair
// is [Close].
func Floats(tb testing.TB, name string, got, want []float64, rel, abs float64) {
	tb.Helper()
	if len(got) != len(want) {
		tb.Errorf("%s: len %d, want %d", name, len(got), len(want))
		return
	}
	for i := range got {
		if !Close(got[i], want[i], rel, abs) {
			tb.Errorf("%s[%d] = %.17g, want %.17g (rel %g, abs %g)", name, i, got[i], want[i], rel, abs)
		}
	}
}

// Must returns v, and panics with err when err is not nil: for test
// set-up whose failure is a bug in the test, as in
// m := check.Must(Fit(x, nil)). The panic fails the test and prints err.
func Must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// NoErr fails tb at once when err is not nil.
func NoErr(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}
