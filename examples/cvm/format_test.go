package main

import (
	"bytes"
	"errors"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
)

// TestWriteFormatted: the records come out in order, whole, for counts
// around the block and round boundaries and at 1 to 3 cores; a write
// error is returned and stops the formatting.
func TestWriteFormatted(t *testing.T) {
	format := func(b []byte, i int) []byte { return append(strconv.AppendInt(b, int64(i), 10), '\n') }
	for _, procs := range []int{1, 2, 3} {
		prev := runtime.GOMAXPROCS(procs)
		for _, n := range []int{0, 1, formatBlock - 1, formatBlock, formatBlock + 1, 2*procs*formatBlock + 7, 5 * procs * formatBlock} {
			var want bytes.Buffer
			for i := range n {
				want.Write(format(nil, i))
			}
			var got bytes.Buffer
			if err := writeFormatted(&got, n, format); err != nil {
				t.Fatalf("GOMAXPROCS %d, n %d: %v", procs, n, err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Fatalf("GOMAXPROCS %d, n %d: %d bytes differ from the %d written in order", procs, n, got.Len(), want.Len())
			}
		}
		runtime.GOMAXPROCS(prev)
	}
	full := errors.New("disk full")
	w := &failingWriter{after: 3, err: full}
	var formatted atomic.Int64
	n := 1000 * formatBlock
	err := writeFormatted(w, n, func(b []byte, i int) []byte { formatted.Add(1); return append(b, 'x') })
	if !errors.Is(err, full) {
		t.Errorf("write error: %v, want %v", err, full)
	}
	if formatted.Load() == int64(n) {
		t.Errorf("every record formatted after the write failed")
	}
}

// failingWriter accepts its first after writes and fails every later one
// with err.
type failingWriter struct {
	after int
	err   error
}

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.after == 0 {
		return 0, w.err
	}
	w.after--
	return len(p), nil
}
