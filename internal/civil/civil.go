// Package civil converts between proleptic Gregorian calendar dates and
// day counts from 1970-01-01, without the time package's location and
// normalisation work, for the hot paths that parse and bucket times.
//
// The algorithms are Hinnant's days_from_civil and civil_from_days
// (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms", 2013), exact
// for every date whose day count fits an int64 without overflow in the
// intermediate products (years within about ±10^14).
package civil

// DaysIn returns the number of days in month m (1-12) of year y.
func DaysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// Days returns the number of days from 1970-01-01 to the date y-m-d
// (negative before it). m is 1-12; d is not checked against the month, so
// day 0 is the last day of the month before.
func Days(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := floorDiv(int64(y), 400)
	yoe := int64(y) - era*400
	mp := int64((m + 9) % 12)
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// Date returns the date of the day numbered days from 1970-01-01, the
// inverse of [Days]: year, month 1-12, day 1-31.
func Date(days int64) (y, m, d int) {
	z := days + 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	m = int(mp + 3)
	if mp >= 10 {
		m = int(mp - 9)
	}
	y64 := yoe + era*400
	if m <= 2 {
		y64++
	}
	return int(y64), m, d
}

// UnixDay returns the day number from 1970-01-01 of Unix time sec in
// UTC: sec/86400 rounded towards minus infinity.
func UnixDay(sec int64) int64 { return floorDiv(sec, 86400) }

// floorDiv returns a/b rounded towards minus infinity, for b > 0.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b < 0 {
		q--
	}
	return q
}
