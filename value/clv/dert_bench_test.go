package clv

import (
	"fmt"
	"testing"
)

// BenchmarkDERT times DERT at 15% a year for 10,000 synthetic customers
// (BG/NBD 0.41 s, Pareto/NBD 63 ms on 2 cores).
func BenchmarkDERT(b *testing.B) {
	cs := synthCustomers(10_000)
	dst := make([]float64, len(cs))
	delta := ContinuousRate(0.15, Weeks)
	for _, m := range []PurchaseModel{cdnowBG, cdnowPareto} {
		b.Run(fmt.Sprintf("%s/%d", m.Name(), len(cs)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := DERT(dst, m, delta, cs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
