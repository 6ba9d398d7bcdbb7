package contact

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkDecide plans for n customers with the default rules and a
// budget of one currency unit per 100 customers.
func BenchmarkDecide(b *testing.B) {
	for _, n := range []int{1e4, 1e5, 1e6} {
		cs := genCustomers(n, 1)
		s := &Settings{Budget: float64(n) / 100, Seed: 1}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p, err := Decide(context.Background(), cs, nil, nil, asOf, s)
				if err != nil || len(p.Decisions) == 0 {
					b.Fatal(err)
				}
			}
		})
	}
}
