package cvm

import (
	"encoding/csv"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestAppendSummaryCSV(t *testing.T) {
	tests := []struct {
		name string
		s    Summary
		want string
	}{
		{
			name: "purchases",
			s: Summary{Customer: "c1", First: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), Last: time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC),
				Occasions: 3, Transactions: 4, Total: 100, Returns: 12.5},
			// mean 100/3 as the shortest round-tripping decimal
			want: "c1,2024-01-02T03:04:05Z,2024-03-04T00:00:00Z,3,4,100,12.5,33.333333333333336\n",
		},
		{
			name: "returns only, quoted ID",
			s:    Summary{Customer: " a,\"b\"", Transactions: 1, Total: -5, Returns: 5},
			want: "\" a,\"\"b\"\"\",,,0,1,-5,5,0\n",
		},
		{
			name: "fractional seconds, offset, no exponent",
			s: Summary{Customer: "x", First: time.Date(2024, 6, 4, 17, 35, 22, 500_000_000, time.UTC),
				Last: time.Date(2024, 6, 4, 17, 35, 22, 0, time.FixedZone("", 2*3600)), Occasions: 1, Transactions: 1, Total: 1e21, Returns: 1e-7},
			want: "x,2024-06-04T17:35:22.5Z,2024-06-04T17:35:22+02:00,1,1,1000000000000000000000,0.0000001,1000000000000000000000\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(AppendSummaryCSV([]byte("x\n"), &tt.s))
			if got != "x\n"+tt.want {
				t.Errorf("AppendSummaryCSV:\n got %q\nwant %q", got, "x\n"+tt.want)
			}
			recs, err := csv.NewReader(strings.NewReader(SummaryCSVHeader + "\n" + tt.want)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 2 || len(recs[1]) != len(recs[0]) || recs[1][0] != tt.s.Customer {
				t.Errorf("read back %q", recs)
			}
		})
	}
}

// appendShortest writes what strconv.AppendFloat writes with 'f' and
// precision -1, for money figures (whole hundredths, the fast path) and
// for everything else.
func TestAppendShortest(t *testing.T) {
	vals := []float64{0, math.Copysign(0, -1), 0.01, -0.01, 0.1, 0.3, 0.1 + 0.2, 1, 10, 100, 12.3, 12.34, -12.3,
		1234567.89, 99999999999.99, 9999999999999.99, 1e13, 1e13 - 0.01, 123456789012.34, 1e-5, 5e-324,
		math.MaxFloat64, math.Inf(1), math.Inf(-1), math.NaN(), 1.005, 2.675, 0.125, 1.0 / 3}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		n := rng.Int64N(2e15) - 1e15
		vals = append(vals, float64(n)/100, float64(rng.Int64N(1e7))/100, rng.NormFloat64()*1e4, float64(n)/1000,
			math.Float64frombits(rng.Uint64()))
	}
	for _, v := range vals {
		want := strconv.AppendFloat(nil, v, 'f', -1, 64)
		if got := appendShortest([]byte("x"), v); string(got[1:]) != string(want) || got[0] != 'x' {
			t.Fatalf("%v (%016x): %q, want %q", v, math.Float64bits(v), got[1:], want)
		}
	}
}
