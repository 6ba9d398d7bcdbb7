package cvm

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzReader checks that no input makes the reader panic, that every
// *ParseError names a line of the input, and that the parallel ReadAll
// reads exactly what Read reads.
func FuzzReader(f *testing.F) {
	f.Add([]byte("customer,time,amount,order\nA,2024-01-02 10:00:00,12.50,o1\n,2024-01-03,3,\n"), byte(','), false, false)
	f.Add([]byte(" 00004 0001 19970101  2   29.33\r\n 00004 0001 19970118  2   29.73\r\n"), byte(' '), true, true)
	f.Add([]byte("customer;time;amount\n\"A\n\"\"B\";2024-01-01T00:00:00Z;1e3\nX;bad;1\n"), byte(';'), false, true)
	f.Add([]byte("customer\ttime\tamount\nA\t20240101\t-0.5\n\nB\t2024-02-30\t1\n"), byte('\t'), false, false)
	f.Fuzz(func(t *testing.T, data []byte, comma byte, noHeader, skip bool) {
		switch comma {
		case ',', ';', '\t', ' ':
		default:
			comma = ','
		}
		opts := &ReadSettings{Comma: rune(comma), NoHeader: noHeader, SkipBadRows: skip}
		lines := bytes.Count(data, []byte("\n")) + 1
		checkErr := func(err error) {
			var pe *ParseError
			if errors.As(err, &pe) && (pe.Line < 1 || pe.Line > lines) {
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
		if skip {
			parStats := rd.Stats()
			if d := cmp.Diff(seqStats, parStats, cmp.Comparer(func(a, b *ParseError) bool { return a.Error() == b.Error() })); d != "" {
				t.Fatalf("stats differ (-Read +ReadAll):\n%s", d)
			}
		}
		rd, _ = NewReader(bytes.NewReader(data), opts)
		rd.Summarize(context.Background(), nil)
	})
}
