package cvm

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSplit(t *testing.T) {
	// Date-only CDNOW-style data: calibration through 1997-09-30
	// inclusive, the set-up of Fader, Hardie & Lee (2005).
	txs := []Transaction{
		{Customer: "1", Time: utc(1997, 9, 29, 0, 0, 0), Amount: 1},
		{Customer: "1", Time: utc(1997, 10, 1, 0, 0, 0), Amount: 2},
		{Customer: "2", Time: utc(1997, 9, 30, 0, 0, 0), Amount: 3},
		{Customer: "2", Time: utc(1997, 9, 30, 18, 0, 0), Amount: 4},
	}
	in := slices.Clone(txs)
	endOfDay := EndOfDay(utc(1997, 9, 30, 0, 0, 0))
	if want := time.Date(1997, 9, 30, 23, 59, 59, 999999999, time.UTC); !endOfDay.Equal(want) {
		t.Fatalf("EndOfDay = %v, want %v", endOfDay, want)
	}
	for _, tt := range []struct {
		name      string
		cutoff    time.Time
		cal, hold []Transaction
	}{
		{"end of day", endOfDay, []Transaction{txs[0], txs[2], txs[3]}, []Transaction{txs[1]}},
		// At midnight the 18:00 purchase of Sep 30 is after the cutoff.
		{"midnight", utc(1997, 9, 30, 0, 0, 0), []Transaction{txs[0], txs[2]}, []Transaction{txs[1], txs[3]}},
		{"before all", utc(1990, 1, 1, 0, 0, 0), nil, txs},
	} {
		cal, hold := Split(slices.Values(in), tt.cutoff)
		if d := cmp.Diff(tt.cal, cal); d != "" {
			t.Errorf("%s: calibration (-want +got):\n%s", tt.name, d)
		}
		if d := cmp.Diff(tt.hold, hold); d != "" {
			t.Errorf("%s: holdout (-want +got):\n%s", tt.name, d)
		}
	}
	if !slices.Equal(in, txs) {
		t.Error("Split changed its input")
	}
	if cal, hold := Split(slices.Values([]Transaction(nil)), endOfDay); cal != nil || hold != nil {
		t.Error("empty input: want two nil slices")
	}
	// EndOfDay keeps the location of its argument.
	plus2 := time.FixedZone("+2", 7200)
	if got := EndOfDay(time.Date(2024, 3, 1, 1, 0, 0, 0, plus2)); !got.Equal(time.Date(2024, 3, 1, 23, 59, 59, 999999999, plus2)) {
		t.Errorf("EndOfDay in +2 = %v", got)
	}
}

// A nil location is UTC, as everywhere else in cvm (it used to panic).
func TestDayNumberNilLocation(t *testing.T) {
	for _, tt := range []struct {
		t    time.Time
		want int64
	}{
		{utc(1970, 1, 1, 23, 59, 59), 0},
		{utc(1969, 12, 31, 0, 0, 0), -1},
		// 23:30 at +1 is 22:30 UTC, still day 0; at UTC it would be day 1 at +1.
		{time.Date(1970, 1, 1, 23, 30, 0, 0, time.FixedZone("+1", 3600)), 0},
	} {
		if got := DayNumber(tt.t, nil); got != tt.want {
			t.Errorf("DayNumber(%v, nil) = %d, want %d", tt.t, got, tt.want)
		}
	}
}

// Split takes any iter.Seq[Transaction], not only a slice's: here a
// generator with no slice behind it.
func TestSplitSeq(t *testing.T) {
	gen := func(yield func(Transaction) bool) {
		for d := 1; d <= 5; d++ {
			if !yield(Transaction{Customer: "c", Time: utc(2024, 1, d, 12, 0, 0), Amount: float64(d)}) {
				return
			}
		}
	}
	cal, hold := Split(gen, EndOfDay(utc(2024, 1, 3, 0, 0, 0)))
	var ca, ha []float64
	for _, t := range cal {
		ca = append(ca, t.Amount)
	}
	for _, t := range hold {
		ha = append(ha, t.Amount)
	}
	if !slices.Equal(ca, []float64{1, 2, 3}) || !slices.Equal(ha, []float64{4, 5}) {
		t.Errorf("calibration %v, holdout %v; want [1 2 3] and [4 5]", ca, ha)
	}
}

// A zero cutoff is the instant 0001-01-01 UTC, not "no cut-off"; times in
// other locations are compared as instants.
func TestSplitZeroCutoffAndLocations(t *testing.T) {
	plus2 := time.FixedZone("+2", 7200)
	txs := []Transaction{
		{Customer: "a", Time: utc(2024, 1, 1, 0, 0, 0), Amount: 1},
		// 01:00 at +2 is 23:00 UTC the day before: at or before a cutoff of
		// 2023-12-31 23:30 UTC.
		{Customer: "b", Time: time.Date(2024, 1, 1, 1, 0, 0, 0, plus2), Amount: 2},
	}
	if cal, hold := Split(slices.Values(txs), time.Time{}); cal != nil || len(hold) != 2 {
		t.Errorf("zero cutoff: %d calibration, %d holdout; want 0 and 2", len(cal), len(hold))
	}
	cal, hold := Split(slices.Values(txs), utc(2023, 12, 31, 23, 30, 0))
	if len(cal) != 1 || cal[0].Customer != "b" || len(hold) != 1 || hold[0].Customer != "a" {
		t.Errorf("locations: calibration %v, holdout %v; want b and a", cal, hold)
	}
}
