package cvm

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/cvmkit/cvm/internal/check"
)

// fastHeaders are the column layouts FuzzFastRow and TestFastRow read
// lines with, chosen by a byte.
var fastHeaders = []string{
	"customer,time,amount,order",
	"customer,time,amount",
	"time,amount,customer",
	"x,amount,y,customer,time,order",
	"order,customer,amount,time,z",
}

// genericRow parses line the generic way: splitFields, then parseRow.
func genericRow(cfg *parseConfig, line []byte, num int) (row, *ParseError) {
	f, _, ok := splitFields(line, cfg.comma, nil, nil, cfg.maxIdx+1)
	if !ok {
		return row{}, &ParseError{Line: num, Err: ErrQuote}
	}
	var r row
	pe := cfg.parseRow(f, num, &r, nil)
	return r, pe
}

// checkFastRow checks that the fast parser accepts line only when the
// generic path gives a good row, and then gives the same row.
func checkFastRow(t *testing.T, header string, comma byte, loc *time.Location, line []byte) (accepted bool) {
	if comma != ',' {
		header = strings.ReplaceAll(header, ",", string(comma))
	}
	rd, err := NewReader(strings.NewReader(header+"\n"), &ReadSettings{Comma: rune(comma), Location: loc})
	if err != nil {
		t.Fatal(err)
	}
	cfg := &rd.cfg
	fast := cfg.newFastRow()
	if fast == nil {
		t.Fatalf("no fast parser for %q", header)
	}
	want, pe := genericRow(cfg, line, 7)
	var got row
	ok := fast.parse(line, 7, &got)
	if ok != (pe == nil) && ok {
		t.Fatalf("%q (%s): fast parser accepts a line the generic path rejects: %v", line, header, pe)
	}
	if !ok {
		return false
	}
	if !sameRow(got, want) {
		t.Fatalf("%q (%s): fast %+v, generic %+v", line, header, got, want)
	}
	// The straight-line path for the usual columns reads a line, when it
	// does, as the general fast loop does.
	var std, loop row
	if fast.std && fast.parseStd(line, 7, &std) && (!fast.parseAny(line, 7, &loop) || !sameRow(std, loop)) {
		t.Fatalf("%q (%s): parseStd %+v, parseAny %+v", line, header, std, loop)
	}
	return true
}

// sameRow reports whether a and b are the same parsed row, bit for bit.
func sameRow(a, b row) bool {
	return bytes.Equal(a.cust, b.cust) && a.sec == b.sec && a.nsec == b.nsec && a.line == b.line &&
		math.Float64bits(a.amount) == math.Float64bits(b.amount) && a.dec == b.dec &&
		bytes.Equal(a.order, b.order) && (a.order == nil) == (b.order == nil) && a.hash == b.hash
}

// The fast parser reads the common shapes and declines the rest, which
// the generic path then reads (or rejects) itself. Where it declines is
// part of the test: a fast parser declining everything would pass a
// differential test alone.
func TestFastRow(t *testing.T) {
	ny := check.Must(time.LoadLocation("America/New_York"))
	for _, c := range []struct {
		header string
		comma  byte
		loc    *time.Location
		line   string
		fast   bool
	}{
		{fastHeaders[0], ',', nil, "C000000,2024-06-04 17:35:22,262.19,C000000-1", true},
		{fastHeaders[0], ',', nil, "C0,2024-06-04T17:35:22,-0.5,", true},
		{fastHeaders[0], ',', nil, "C0,2024-06-04,12,o", true},
		{fastHeaders[0], ',', nil, "C0,20240604,12,o", true},
		{fastHeaders[0], ',', nil, "C0,2024-06-04 17:35:22.25,12,o", true},
		{fastHeaders[0], ',', nil, "C0,2024-06-04T17:35:22Z,12,o", true},
		{fastHeaders[0], ',', nil, " C0 , 2024-06-04 17:35:22 ,12, o ", true},
		{fastHeaders[0], ',', nil, "C0,2024-06-04 17:35:22,12,o,extra,fields", true},
		{fastHeaders[0], ',', nil, "C0,2024-02-29 00:00:00,+007.50,o", true},
		{fastHeaders[0], ',', nil, "C0,2024-02-29 00:00:00,-0.00, o ", true},
		{fastHeaders[0], ',', nil, "C0,2024-02-29 00:00:00,.5,o", true},
		{fastHeaders[0], ',', nil, "C0,2024-02-29 00:00:00,5.,o", true},
		{fastHeaders[0], ',', nil, "C0,2024-02-29 00:00:00,123456789012345,o", true},
		{fastHeaders[0], ',', nil, "C0,2024-02-29 00:00:00,1234567890.123456,o", false},
		{fastHeaders[0], ',', nil, "C 0,2024-02-29 00:00:00,1,o", true},
		{fastHeaders[0], ',', nil, "C0\t,2024-02-29 00:00:00,1,o", true},
		{fastHeaders[1], ',', nil, "C0,2024-02-29 00:00:00,1,extra", true},
		{fastHeaders[1], ',', nil, "C0,2024-02-29 00:00:00,1,extra,more", true},
		{fastHeaders[1], ',', nil, "C0,2024-02-29 00:00:00,1x,extra", false},
		{fastHeaders[1], ',', nil, "C0,2024-02-29 00:00:00,1,", true},
		{fastHeaders[0], ';', nil, "C0;2024-06-04 17:35:22;1.5;o", true},
		{fastHeaders[0], '\t', nil, "C0\t2024-06-04 17:35:22\t1.5\to", true},
		{fastHeaders[0], ',', ny, "C0,2024-06-04 17:35:22,1.5,o", true},
		{fastHeaders[0], ',', ny, "C0,2024-03-10 02:30:00,1.5,o", true}, // a time the clocks skip
		{fastHeaders[0], ',', ny, "C0,2024-03-10T02:30:00Z,1.5,o", true},
		{fastHeaders[1], ',', nil, "C0,2024-03-10T02:30:00Z,1.5", true},
		{fastHeaders[1], ',', nil, "C0,2024-03-10T02:30:00ZZ,1.5", false},
		{fastHeaders[1], ',', nil, "C0,2024-03-10T02:30:00+01:00,1.5", true},
		{fastHeaders[1], ',', nil, "C0,2024-06-04 17:35:22,1.5", true},
		{fastHeaders[2], ',', nil, "2024-06-04 17:35:22,1.5,C0", true},
		{fastHeaders[3], ',', nil, "a,1.5,b,C0,2024-06-04 17:35:22,o", true},
		{fastHeaders[4], ',', nil, "o,C0,1.5,2024-06-04 17:35:22", true},
		{fastHeaders[4], ',', nil, "o,C0,1.5,2024-06-04 17:35:22,", true},
		// Declined: the generic path reads these or rejects them.
		{fastHeaders[0], ',', nil, "C0,2024-06-04 17:35:22, 12,o", false},
		{fastHeaders[0], ',', nil, "C0,2024-06-04 17:35:22,12 ,o", false},
		{fastHeaders[0], ',', nil, "C0,2024-06-04 17:35:22,1e3,o", false},
		{fastHeaders[0], ',', nil, "C0,2024-06-04 17:35:22,1234567890123456,o", false},
		{fastHeaders[0], ',', nil, "C0,2024-06-04 17:35:22,NaN,o", false},
		{fastHeaders[0], ',', nil, "C0,2024-06-04 17:35:22,,o", false},
		{fastHeaders[0], ',', nil, "C0,2024-06-04 17:35:22,.,o", false},
		{fastHeaders[0], ',', nil, "C0,2024-06-04 17:35:22,1.2.3,o", false},
		{fastHeaders[0], ',', nil, ",2024-06-04 17:35:22,12,o", false},
		{fastHeaders[0], ',', nil, "  ,2024-06-04 17:35:22,12,o", false},
		{fastHeaders[0], ',', nil, "C0,2024-02-30 17:35:22,12,o", false},
		{fastHeaders[0], ',', nil, "C0,2023-02-29 00:00:00,12,o", false},
		{fastHeaders[0], ',', nil, "C0,2024-13-01 00:00:00,12,o", false},
		{fastHeaders[0], ',', nil, "C0,2024-06-04 24:00:00,12,o", false},
		{fastHeaders[0], ',', nil, "C0,2024-06-04 17:60:00,12,o", false},
		{fastHeaders[0], ',', nil, "C0,2024-06-04 17:35:60,12,o", false},
		{fastHeaders[0], ',', nil, "C0,2024-06-04x17:35:22,12,o", false},
		{fastHeaders[0], ',', nil, "C0,0001-01-01 00:00:00,12,o", false},
		{fastHeaders[0], ',', nil, "C0,yesterday,12,o", false},
		{fastHeaders[0], ',', nil, "C0,2024-06-04 17:35:22,12", false},
		{fastHeaders[0], ',', nil, "C0,2024-06-04 17:35:22", false},
		{fastHeaders[0], ',', nil, "C0", false},
	} {
		if got := checkFastRow(t, c.header, c.comma, c.loc, []byte(c.line)); got != c.fast {
			t.Errorf("%q (%s): fast parser accepted %v, want %v", c.line, c.header, got, c.fast)
		}
	}
}

// The straight-line path reads the rows of cvm gen (and of most exports):
// with the order column read, and with it left as an extra field (as
// cvm summary reads such a file: the order counts only for the report).
func TestFastRowStd(t *testing.T) {
	line := []byte("C000000,2024-06-04 17:35:22,262.19,C000000-1")
	for _, settings := range []*ReadSettings{{}, {Order: NoColumn}} {
		rd := check.Must(NewReader(strings.NewReader(fastHeaders[0]+"\n"), settings))
		fast := rd.cfg.newFastRow()
		var r row
		if fast == nil || !fast.std || !fast.parseStd(line, 1, &r) || string(r.cust) != "C000000" || r.amount != 262.19 {
			t.Errorf("settings %+v: the straight-line path does not read %q (%+v)", settings, line, r)
		}
	}
}

// The fast parser's fixed layout gives the Unix time the time package
// gives, for every day of 1600-2400 (leap centuries and common ones) at
// a time of day that varies with the day.
func TestFastRowFixedTime(t *testing.T) {
	p := (&parseConfig{comma: ',', utc: true, loc: time.UTC, cust: column{0, "c"}, tim: column{1, "t"}, amt: column{2, "a"}, order: column{idx: -1}, maxIdx: 2}).newFastRow()
	n := 0
	for d := time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() <= 2400; d = d.AddDate(0, 0, 1) {
		n++
		tm := d.Add(time.Duration(n%86400) * time.Second)
		b := []byte(tm.Format(time.DateTime))
		sec, ok := p.fixedTime(b)
		if !ok || sec != tm.Unix() {
			t.Fatalf("%s: %d %v, want %d", b, sec, ok, tm.Unix())
		}
	}
}

// FuzzFastRow checks the fast row parser against the generic one on any
// line: it may decline a line, but what it accepts it reads exactly as
// splitFields and parseRow do.
func FuzzFastRow(f *testing.F) {
	for _, l := range []string{
		"C000000,2024-06-04 17:35:22,262.19,C000000-1",
		"C0,2024-06-04T17:35:22,-0.5,",
		" C0 ,2024-06-04 17:35:22 ,12, o ",
		"C0,2024-02-29 23:59:59,+007.50,o,x",
		"C0,2024-02-30 00:00:00,1,o",
		"C0,2024-06-04,000.000,o",
		"C0,2024-04-12T10:12:09Z,13.91",
		"C0,2024-04-31T10:12:09Z,13.91,o",
		"C0,9999-12-31 23:59:59,999999999999999,o",
		"C0,0000-03-01 00:00:00,0.000000000000000000001,o",
	} {
		f.Add([]byte(l), byte(0), byte(','), false)
	}
	f.Fuzz(func(t *testing.T, line []byte, layout, comma byte, local bool) {
		switch comma {
		case ',', ';', '\t':
		default:
			comma = ','
		}
		if bytes.ContainsAny(line, "\"\n\r") || len(line) > 200 {
			return // the fast parser sees lines of quote-free blocks, without their line end
		}
		var loc *time.Location
		if local {
			loc = time.FixedZone("X", -5*3600)
		}
		header := fastHeaders[int(layout)%len(fastHeaders)]
		if comma != ',' {
			line = bytes.ReplaceAll(line, []byte{','}, []byte{comma})
		}
		checkFastRow(t, header, comma, loc, line)
	})
}

// The fixed layout accepts a stamp with any one byte changed exactly when
// the time package parses it (with the T read as a space), and then gives
// the same Unix time; except that it declines the space-padded hour the
// time package reads (" 7:35:22"), which the generic path then parses.
func TestFastRowFixedTimeBytes(t *testing.T) {
	p := (&parseConfig{comma: ',', utc: true, loc: time.UTC, cust: column{0, "c"}, tim: column{1, "t"}, amt: column{2, "a"}, order: column{idx: -1}, maxIdx: 2}).newFastRow()
	for _, stamp := range []string{"2024-06-04 17:35:22", "1999-12-31T23:59:59", "2000-02-29 00:00:00"} {
		for i := range len(stamp) {
			for v := range 256 {
				b := []byte(stamp)
				b[i] = byte(v)
				sec, ok := p.fixedTime(b)
				s := []byte(string(b))
				if s[10] == 'T' {
					s[10] = ' '
				}
				tm, err := time.Parse(time.DateTime, string(s))
				if !ok && err == nil && i == 11 && v == ' ' {
					continue
				}
				if ok != (err == nil) || ok && sec != tm.Unix() {
					t.Errorf("%q: %d %v; time.Parse %v %v", b, sec, ok, tm, err)
				}
			}
		}
	}
}
