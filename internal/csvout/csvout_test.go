package csvout

import (
	"bytes"
	"encoding/csv"
	"errors"
	"math/rand/v2"
	"testing"
	"time"
)

// encodingCSV is the reference: what encoding/csv writes for record.
func encodingCSV(t testing.TB, record []string) string {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.Write(record); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestAppendRecordMatchesEncodingCSV(t *testing.T) {
	// Cases from the issue (IDs with quotes, commas, CR, tab) and
	// encoding/csv's own special cases.
	records := [][]string{
		{"plain", "1.5"},
		{`a"b`, `x,y`},
		{"cr\rin", "lf\nin", "crlf\r\n"},
		{"\ttab first", "tab\tinside", " space first", "space last "},
		{`\.`, `\.x`, ""},
		{""},
		{"", ""},
		{"\u00a0nbsp first", "héllo", "\xff invalid"},
		{`"`, `""`, `,`},
	}
	for _, rec := range records {
		got := string(AppendRecord(nil, rec...))
		if want := encodingCSV(t, rec); got != want {
			t.Errorf("AppendRecord(%q) = %q, want %q (encoding/csv)", rec, got, want)
		}
	}
	// Random fields over the bytes that matter.
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("ab ,\"\r\n\t\\.")
	for range 20000 {
		rec := make([]string, 1+r.IntN(3))
		for i := range rec {
			f := make([]byte, r.IntN(6))
			for j := range f {
				f[j] = alphabet[r.IntN(len(alphabet))]
			}
			rec[i] = string(f)
		}
		got := string(AppendRecord(nil, rec...))
		if want := encodingCSV(t, rec); got != want {
			t.Fatalf("AppendRecord(%q) = %q, want %q (encoding/csv)", rec, got, want)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	rec := []string{`id "with" quotes`, "a,b", "two\nlines", " lead", "\ttab"}
	got, err := csv.NewReader(bytes.NewReader(AppendRecord(nil, rec...))).Read()
	if err != nil {
		t.Fatal(err)
	}
	for i := range rec {
		if got[i] != rec[i] {
			t.Errorf("field %d read back as %q, want %q", i, got[i], rec[i])
		}
	}
}

type failWriter struct{ err error }

func (f failWriter) Write(p []byte) (int, error) { return 0, f.err }

func TestWriterKeepsFirstError(t *testing.T) {
	full := errors.New("no space left on device")
	w := NewWriter(failWriter{full})
	if err := w.Write("a", "b"); err != nil {
		t.Fatalf("buffered Write = %v, want nil", err)
	}
	if err := w.Flush(); !errors.Is(err, full) {
		t.Fatalf("Flush = %v, want %v", err, full)
	}
	if err := w.Write("c"); !errors.Is(err, full) {
		t.Fatalf("Write after a failure = %v, want %v", err, full)
	}
}

func FuzzAppendRecord(f *testing.F) {
	for _, s := range []string{"", `a"b`, "x,y", "\r", "\t", " ", `\.`, "\xff"} {
		f.Add(s, "z")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, rec := range [][]string{{a}, {a, b}} {
			got := string(AppendRecord(nil, rec...))
			if want := encodingCSV(t, rec); got != want {
				t.Fatalf("AppendRecord(%q) = %q, want %q (encoding/csv)", rec, got, want)
			}
		}
	})
}

// AppendTime's fast path writes what time.Time.AppendFormat writes.
func TestAppendTime(t *testing.T) {
	for _, tm := range []time.Time{
		{},
		time.Date(2024, 6, 4, 17, 35, 22, 0, time.UTC),
		time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC),
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2024, 6, 4, 17, 35, 22, 500, time.UTC),
		time.Date(2024, 6, 4, 17, 35, 22, 0, time.FixedZone("+2", 7200)),
	} {
		want := tm.Format(time.RFC3339Nano)
		if tm.IsZero() {
			want = ""
		}
		if got := string(AppendTime(nil, tm)); got != want {
			t.Errorf("AppendTime(%v) = %q, want %q", tm, got, want)
		}
	}
}
