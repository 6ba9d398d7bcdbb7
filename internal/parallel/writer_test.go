package parallel

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
)

// TestWriteOrdered: the records come out in order, whole, for counts
// around the block and round boundaries, at blocks of 1 and 5 and at 1 to
// 3 cores; a write error is returned and stops the formatting; a format
// error is returned, the error of the least failing record, after the
// blocks before that record's only.
func TestWriteOrdered(t *testing.T) {
	format := func(b []byte, i int) ([]byte, error) { return append(strconv.AppendInt(b, int64(i), 10), '\n'), nil }
	plain := func(n int) []byte {
		var b []byte
		for i := range n {
			b, _ = format(b, i)
		}
		return b
	}
	for _, procs := range []int{1, 2, 3} {
		prev := runtime.GOMAXPROCS(procs)
		for _, block := range []int{1, 5} {
			for _, n := range []int{0, 1, block - 1, block, block + 1, 2*procs*block + 3, 5 * procs * block} {
				var got bytes.Buffer
				if err := WriteOrdered(&got, n, block, format); err != nil {
					t.Fatalf("GOMAXPROCS %d, block %d, n %d: %v", procs, block, n, err)
				}
				if want := plain(n); !bytes.Equal(got.Bytes(), want) {
					t.Fatalf("GOMAXPROCS %d, block %d, n %d: %q, want %q", procs, block, n, got.Bytes(), want)
				}
			}
			// Records 17 and 23 fail: 17's error, and the blocks before
			// 17's written whole.
			var got bytes.Buffer
			err := WriteOrdered(&got, 100, block, func(b []byte, i int) ([]byte, error) {
				if i == 17 || i == 23 {
					return b, fmt.Errorf("record %d", i)
				}
				return format(b, i)
			})
			if err == nil || err.Error() != "record 17" {
				t.Errorf("GOMAXPROCS %d, block %d: format errors: %v, want record 17's", procs, block, err)
			}
			if want := plain(17 / block * block); !bytes.Equal(got.Bytes(), want) {
				t.Errorf("GOMAXPROCS %d, block %d, a format error at 17: wrote %q, want %q", procs, block, got.Bytes(), want)
			}
		}
		runtime.GOMAXPROCS(prev)
	}
	full := errors.New("disk full")
	var formatted atomic.Int64
	n := 1000 * 64
	err := WriteOrdered(&failAfterWrites{after: 3, err: full}, n, 64, func(b []byte, i int) ([]byte, error) {
		formatted.Add(1)
		return append(b, 'x'), nil
	})
	if !errors.Is(err, full) {
		t.Errorf("write error: %v, want %v", err, full)
	}
	if formatted.Load() == int64(n) {
		t.Errorf("every record formatted after the write failed")
	}
}

// failAfterWrites accepts its first after writes and fails every later
// one with err.
type failAfterWrites struct {
	after int
	err   error
}

func (w *failAfterWrites) Write(p []byte) (int, error) {
	if w.after == 0 {
		return 0, w.err
	}
	w.after--
	return len(p), nil
}
