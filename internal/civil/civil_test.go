package civil

import (
	"testing"
	"time"
)

func TestAgainstTimePackage(t *testing.T) {
	// Every day from 1600 to 2400 (leap centuries 1600, 2000, 2400 and
	// common ones 1700, 1800, 1900, 2100), against the time package.
	for d := time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() <= 2400; d = d.AddDate(0, 0, 1) {
		want := d.Unix() / 86400
		if d.Unix() < 0 && d.Unix()%86400 != 0 {
			want--
		}
		if got := Days(d.Year(), int(d.Month()), d.Day()); got != want {
			t.Fatalf("Days(%v) = %d, want %d", d.Format(time.DateOnly), got, want)
		}
		if y, m, dd := Date(want); y != d.Year() || m != int(d.Month()) || dd != d.Day() {
			t.Fatalf("Date(%d) = %d-%d-%d, want %v", want, y, m, dd, d.Format(time.DateOnly))
		}
		if last := d.AddDate(0, 0, 1).Day() == 1; last && DaysIn(d.Year(), int(d.Month())) != d.Day() {
			t.Fatalf("DaysIn(%d, %d) = %d, want %d", d.Year(), d.Month(), DaysIn(d.Year(), int(d.Month())), d.Day())
		}
	}
}

func TestKnownDays(t *testing.T) {
	for _, c := range []struct {
		y, m, d int
		days    int64
	}{
		{1970, 1, 1, 0}, {1969, 12, 31, -1}, {2000, 3, 1, 11017}, {1, 1, 1, -719162}, {0, 3, 1, -719468},
		{-1, 12, 31, -719529}, // year -1 (2 BC) ends the day before year 0 (1 BC, a leap year) begins: 0-01-01 is -719528
	} {
		if got := Days(c.y, c.m, c.d); got != c.days {
			t.Errorf("Days(%d, %d, %d) = %d, want %d", c.y, c.m, c.d, got, c.days)
		}
	}
}

func TestUnixDay(t *testing.T) {
	// Expected days by hand: 86400 seconds a day, rounded down.
	for _, c := range []struct {
		sec, want int64
	}{
		{0, 0}, {86399, 0}, {86400, 1}, {-1, -1}, {-86400, -1}, {-86401, -2},
	} {
		if got := UnixDay(c.sec); got != c.want {
			t.Errorf("UnixDay(%d) = %d, want %d", c.sec, got, c.want)
		}
	}
}
