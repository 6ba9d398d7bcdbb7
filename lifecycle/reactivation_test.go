package lifecycle

import (
	"testing"
	"time"
)

// TestReactivationTrendWithinRelationship: after a re-activation the
// volume trend compares months of the new relationship only. A customer
// who bought 1,000 a month through 2023, ended in 2024 and came back with
// two small purchases is not in decline by the drop rule six weeks later
// (before, last 6 months against the 6 before reached back into 2023: a
// drop of 97% and Decline at the second tick). Figures by hand: the new
// relationship's months before October hold nothing, so growth6 has no
// base (NaN) and the drop rule cannot fire.
func TestReactivationTrendWithinRelationship(t *testing.T) {
	var s State
	apply := func(e Event) {
		t.Helper()
		var err error
		if s, _, err = Apply(s, e, nil); err != nil {
			t.Fatal(err)
		}
	}
	tick := func(y int, m time.Month) { apply(Event{Kind: Tick, Time: time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)}) }
	buy := func(y int, m time.Month, d int, amt float64) {
		apply(Event{Kind: Purchase, Time: time.Date(y, m, d, 12, 0, 0, 0, time.UTC), Amount: amt})
	}
	for m := time.January; m <= time.December; m++ {
		buy(2023, m, 10, 1000)
		tick(2023, m+1)
	}
	for m := time.February; m <= time.September; m++ {
		tick(2024, m)
	}
	if s.Stage() != Ended {
		t.Fatalf("after nine silent months: %v, want ended", s.Stage())
	}
	buy(2024, time.September, 15, 100)
	tick(2024, time.October)
	buy(2024, time.October, 10, 100)
	tick(2024, time.November)
	if s.Stage() != Exploration || s.Reactivations() != 1 {
		t.Fatalf("six weeks after re-activation: %v (re-activations %d), want exploration", s.Stage(), s.Reactivations())
	}
	m := s.Measure(time.Date(2024, 11, 1, 0, 0, 0, 0, time.UTC), nil)
	if m.Growth6 == m.Growth6 { // not NaN
		t.Errorf("growth6 = %v, want none (no month of the new relationship before)", m.Growth6)
	}
}
