package profile

import (
	"encoding/csv"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/lifecycle"
	"github.com/cvmkit/cvm/segment"
	"github.com/cvmkit/cvm/value"
)

func TestAppendCSV(t *testing.T) {
	day := func(s string) time.Time {
		tm, err := time.Parse(time.DateTime, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		name string
		p    Profile
		want string
	}{
		{
			name: "full",
			p: Profile{
				Customer:   "c1",
				Summary:    cvm.Summary{Customer: "c1", First: day("2024-01-02 03:04:05"), Last: day("2024-03-04 00:00:00"), Occasions: 3, Transactions: 4, Total: 120.5, Returns: -10.25},
				Units:      7,
				Products:   []string{"a", "b"},
				Categories: []string{"x"},
				RFM:        segment.RFM{Recency: 12.5},
				Cell:       segment.Cell{R: 5, F: 4, M: 3},
				Segment:    "Champions",
				Cluster:    2,
				CLV:        CLV{OK: true, PAlive: 0.9, ExpectedPurchases: 1.0 / 3, ExpectedSpend: 40, Value: 1234.5678},
				Value:      value.Score{Current: 50, Potential: 25.5, Total: 37.75, Quadrant: value.QuadrantIV, Tier: 1},
				Reasons:    []string{"clv", "frequency"},
				Transition: lifecycle.Transition{From: lifecycle.Exploration, To: lifecycle.Formation, Rule: lifecycle.RuleGrowth},
				Pattern:    lifecycle.Pattern(4),
				Flags:      FlagChampionDeclining | FlagShortHistory,
			},
			// 1/3 to 15 significant digits; the transition's time is
			// unexported, zero here: the Unix epoch.
			want: "c1,2024-01-02 03:04:05,2024-03-04 00:00:00,3,120.5,-10.25,7,2,1,12.5,5,4,3,Champions,2,0.9,0.333333333333333,40,1234.5678," +
				"50,25.5,37.75,IV,1,clv|frequency,none,,exploration->formation by growth on 1970-01-01,long-lasting,champion-declining|short-history\n",
		},
		{
			name: "empty, zero and NaN fields",
			p: Profile{
				Customer: "a, \"b\"",
				Summary:  cvm.Summary{Customer: "a, \"b\"", Total: 0, Returns: -5},
				Units:    math.NaN(),
				RFM:      segment.RFM{Recency: 99}, // not written: no occasions
				Cell:     segment.Cell{R: 1, F: 1, M: 1},
				CLV:      CLV{PAlive: 0.5}, // not written: OK false
				Value:    value.Score{Current: math.NaN(), Potential: 0, Total: 1e-7, Quadrant: value.QuadrantI, Tier: 5},
				Flags:    FlagReturnsOnly,
			},
			want: "\"a, \"\"b\"\"\",,,0,0,-5,,0,0,,,,,,,,,,,,0,0.0000001,I,5,,none,,,ongoing,returns-only\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(AppendCSV([]byte("prefix\n"), &tt.p))
			if got != "prefix\n"+tt.want {
				t.Errorf("AppendCSV:\n got %q\nwant %q", got, "prefix\n"+tt.want)
			}
			// The row has the header's columns and reads back with
			// encoding/csv.
			recs, err := csv.NewReader(strings.NewReader(CSVHeader + "\n" + tt.want)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 2 || len(recs[1]) != len(recs[0]) || recs[1][0] != tt.p.Customer {
				t.Errorf("read back %q", recs)
			}
		})
	}
	if n := len(strings.Split(CSVHeader, ",")); n != 30 {
		t.Errorf("CSVHeader has %d columns, want 30", n)
	}
}

// TestAppendNum: the one-conversion formatter writes what the two-step
// rounding writes (15 significant digits with 'g', parsed, written with
// 'f' and the shortest digits), on edge values and random ones of every
// magnitude.
func TestAppendNum(t *testing.T) {
	old := func(x float64) string {
		if math.IsNaN(x) {
			return ""
		}
		v, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 15, 64), 64)
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	xs := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 0.5, 9.99999999999999, 9.999999999999999, 99999999999999.95, 1e15, 1e16, 123456789012345678,
		1e-5, 1.5e-7, 0.000123456789012345, 1e-300, 5e-324, 1e300, math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64,
		math.Inf(1), math.Inf(-1), math.NaN(), 0.30000000000000004, 100, 1234.5, 0.4999999999999999, 2.675, 1e21, 1e22}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		e := r.IntN(80) - 40
		x := (r.Float64()*2 - 1) * math.Pow(10, float64(e))
		xs = append(xs, x, math.Round(x*100)/100, math.Float64frombits(r.Uint64()), math.Trunc(x))
	}
	// Whole numbers on both sides of 10^15 and of 2^53.
	for _, w := range []float64{1e15, 1 << 53, 1e14, 1e3} {
		for d := -3.0; d <= 3; d++ {
			xs = append(xs, w+d, -(w + d), math.Nextafter(w+d, 0))
		}
	}
	for _, x := range xs {
		if got, want := string(appendNum(nil, x)), old(x); got != want {
			t.Fatalf("appendNum(%v) = %q, want %q", x, got, want)
		}
	}
}

// TestAppendStamp: the stamps are time.Time.AppendFormat's bytes, for
// times spread over years -100 to 10100 and the edges of days, months,
// leap days and the range written directly.
func TestAppendStamp(t *testing.T) {
	times := []time.Time{
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2024, 2, 29, 12, 30, 45, 0, time.UTC),
		time.Date(1900, 2, 28, 23, 59, 59, 0, time.UTC),
		time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 500, time.UTC),
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2025, 6, 1, 8, 0, 0, 0, time.FixedZone("X", 5*3600+1800)),
	}
	rng := rand.New(rand.NewPCG(5, 6))
	lo, hi := time.Date(-100, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), time.Date(10100, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	for range 200000 {
		times = append(times, time.Unix(lo+rng.Int64N(hi-lo), rng.Int64N(1e9)))
	}
	for _, tm := range times {
		for _, c := range []struct {
			clock  bool
			layout string
		}{{true, time.DateTime}, {false, time.DateOnly}} {
			want := tm.UTC().Format(c.layout)
			if got := string(appendStamp([]byte("x"), tm, c.clock)); got != "x"+want {
				t.Fatalf("%v (clock %v): %q, want %q", tm, c.clock, got, "x"+want)
			}
		}
	}
}
