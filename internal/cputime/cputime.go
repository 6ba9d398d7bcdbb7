// Package cputime reads the CPU time the process has used, for benchmarks
// that report it beside the wall clock: on a shared machine it measures
// the work done better than elapsed time does.
package cputime

import (
	"testing"
	"time"
)

// Process returns the user plus system CPU time the process has used so
// far, and true; or 0 and false where the platform gives no such figure
// (everything but Unix, today) or the call fails.
func Process() (time.Duration, bool) { return process() }

// Report starts counting b's CPU time and returns the function that
// reports it per operation as the metric "cpu-ns/op", to call when the
// timed loop is done: defer cputime.Report(b)(). Where [Process] gives no
// figure it reports nothing.
func Report(b *testing.B) (stop func()) {
	start, ok := Process()
	return func() {
		if end, _ := Process(); ok {
			b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
		}
	}
}
