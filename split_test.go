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
