package clv

import (
	"fmt"
	"testing"
)

// BenchmarkPredictIntervals times 90% purchase intervals over 52 weeks
// for synthetic customers (internal/synth, weeks), from the models fitted
// to 10,000 of them, with no parameter draws and with 100 (SampleParams).
//
//	flock /work/bench.lock go test -run XXX -bench PredictIntervals -benchtime 1x -cpu 2 ./value/clv/
func BenchmarkPredictIntervals(b *testing.B) {
	fitOn := synthCustomers(10_000)
	bg, err := FitBGNBD(ctx, fitOn, nil)
	if err != nil {
		b.Fatal(err)
	}
	pa, err := FitParetoNBD(ctx, fitOn, nil)
	if err != nil {
		b.Fatal(err)
	}
	sizes := []int{10_000, 1_000_000}
	if testing.Short() {
		sizes = sizes[:1]
	}
	for _, n := range sizes {
		cs := synthCustomers(n)
		dst := make([]Interval, n)
		for _, m := range []PurchaseModel{bg, pa} {
			draws, err := SampleParams(ctx, m, fitOn, &SampleSettings{Seed: 1})
			if err != nil {
				b.Fatal(err)
			}
			for _, ps := range [][]PurchaseModel{nil, draws} {
				b.Run(fmt.Sprintf("%s/draws=%d/%d", m.Name(), len(ps), n), func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						if _, err := PredictIntervals(ctx, dst, m, 52, cs, &IntervalSettings{Params: ps}); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}
