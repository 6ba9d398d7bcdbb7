package cvm

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/cvmkit/cvm/internal/check"
	"github.com/google/go-cmp/cmp"
)

// gzipped returns s compressed, for fuzz seeds and tests.
func gzipped(s string) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	io.WriteString(zw, s)
	zw.Close()
	return buf.Bytes()
}

// FuzzReader checks that no input makes the reader panic, that every
// *ParseError names a line of the input, that the parallel ReadAll reads
// exactly what Read reads (transactions, errors and counts), and that the
// parallel Reader.Summarize agrees with Summarize over Read.
//
// bound, when not 0, sets small record bounds: MaxRecordBytes 1 + bound%64
// and MaxRecordLines 1 + bound/64.
func FuzzReader(f *testing.F) {
	f.Add([]byte("customer,time,amount,order\nA,2024-01-02 10:00:00,12.50,o1\n,2024-01-03,3,\n"), byte(','), false, false, byte(0))
	f.Add([]byte(" 00004 0001 19970101  2   29.33\r\n 00004 0001 19970118  2   29.73\r\n"), byte(' '), true, true, byte(0))
	f.Add([]byte("customer;time;amount\n\"A\n\"\"B\";2024-01-01T00:00:00Z;1e3\nX;bad;1\n"), byte(';'), false, true, byte(0))
	f.Add([]byte("customer\ttime\tamount\nA\t20240101\t-0.5\n\nB\t2024-02-30\t1\n"), byte('\t'), false, false, byte(0))
	// Hostile inputs of issue 13: a stray quote before good rows, two
	// stray quotes apart, a line without a line end, overflowing totals,
	// gzip cut short, without its trailer, and with trailing garbage.
	good := strings.Repeat("B,2024-01-02,1\n", 20)
	f.Add([]byte("customer,time,amount\n\"A,2024-01-01,1\n"+good), byte(','), false, true, byte(0))
	f.Add([]byte("customer,time,amount\n\"A,2024-01-01,1\n"+good), byte(','), false, false, byte(3+64))
	f.Add([]byte("customer,time,amount\nA\",2024-01-01,1\n"+good+"C,\"2024-01-01,1\n"+good), byte(','), false, true, byte(40))
	f.Add([]byte("customer,time,amount\nx\",y,\"\nx\",y,\"\nx\",y,\"\nA,2024-01-01,1\n"), byte(','), false, true, byte(200))
	f.Add([]byte("customer,time,amount\nA,2024-01-01,1\n"+strings.Repeat("\x00", 300)+"\nB,2024-01-01,2\n"), byte(','), false, true, byte(63))
	f.Add([]byte("customer,time,amount\nA,2024-01-01,1e308\nA,2024-01-02,1e308\n"), byte(','), false, false, byte(0))
	f.Add([]byte("customer,time,amount\nA,2024-01-01,-1e308\nA,2024-01-02,-1e308\n"), byte(','), false, true, byte(0))
	gz := gzipped("customer,time,amount\nA,2024-01-01,1\nB,2024-01-02,89.5\n")
	f.Add(gz[:len(gz)-8], byte(','), false, false, byte(0))
	f.Add(gz[:len(gz)-14], byte(','), false, true, byte(0))
	f.Add(append(slices.Clip(gz), "garbage after the stream"...), byte(','), false, false, byte(0))
	f.Add(append(slices.Clip(gz), gzipped("C,2024-01-03,2\n")...), byte(','), false, false, byte(0))
	f.Fuzz(fuzzReader)
}

func fuzzReader(t *testing.T, data []byte, comma byte, noHeader, skip bool, bound byte) {
	switch comma {
	case ',', ';', '\t', ' ':
	default:
		comma = ','
	}
	opts := &ReadSettings{Comma: rune(comma), NoHeader: noHeader, SkipBadRows: skip}
	if bound != 0 {
		opts.MaxRecordBytes, opts.MaxRecordLines = 1+int(bound%64), 1+int(bound/64)
	}
	lines := bytes.Count(data, []byte("\n")) + 1
	checkErr := func(err error) {
		var pe *ParseError
		if errors.As(err, &pe) && (pe.Line < 1 || pe.Line > lines) && !bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
			t.Fatalf("error %v names line %d of %d", err, pe.Line, lines)
		}
	}
	rd, err := NewReader(bytes.NewReader(data), opts)
	if err != nil {
		return
	}
	var seq []Transaction
	var seqErr error
	for {
		tx, err := rd.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			checkErr(err)
			seqErr = err
			break
		}
		if tx.Validate() != nil {
			t.Fatalf("Read returned an invalid transaction %+v", tx)
		}
		seq = append(seq, tx)
	}
	seqStats := rd.Stats()
	for _, e := range seqStats.Errors {
		checkErr(e)
	}

	defer func(old int) { chunkSize = old }(chunkSize)
	chunkSize = 8
	rd, err = NewReader(bytes.NewReader(data), opts)
	if err != nil {
		t.Fatalf("second NewReader: %v", err)
	}
	par, parErr := rd.ReadAll(context.Background())
	checkErr(parErr)
	if d := cmp.Diff(seq, par); d != "" {
		t.Fatalf("Read and ReadAll differ (-Read +ReadAll):\n%s", d)
	}
	if (seqErr == nil) != (parErr == nil) || seqErr != nil && seqErr.Error() != parErr.Error() {
		t.Fatalf("Read error %v, ReadAll error %v", seqErr, parErr)
	}
	if skip || seqErr == nil {
		parStats := rd.Stats()
		if d := cmp.Diff(seqStats, parStats, cmp.Comparer(func(a, b *ParseError) bool { return a.Error() == b.Error() })); d != "" {
			t.Fatalf("stats differ (-Read +ReadAll):\n%s", d)
		}
	}
	rd = check.Must(NewReader(bytes.NewReader(data), opts))
	got, gotErr := rd.Summarize(context.Background(), nil)
	if seqErr != nil {
		if gotErr == nil {
			t.Fatalf("Read error %v, Reader.Summarize none", seqErr)
		}
		return
	}
	want, wantErr := Summarize(context.Background(), slices.Values(seq), nil)
	if (wantErr == nil) != (gotErr == nil) || errors.Is(wantErr, ErrOverflow) != errors.Is(gotErr, ErrOverflow) {
		t.Fatalf("Summarize error %v, Reader.Summarize error %v", wantErr, gotErr)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("Summarize and Reader.Summarize differ (-want +got):\n%s", d)
	}
}
