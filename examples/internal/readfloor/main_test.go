package main

import (
	"bytes"
	"strings"
	"testing"
	"testing/iotest"
)

func TestCount(t *testing.T) {
	long := strings.Repeat("x", blockSize+10) // a line across two blocks
	for _, tt := range []struct {
		name  string
		in    string
		lines int64 // counted by hand
	}{
		{"empty", "", 0},
		{"one line", "a,b\n", 1},
		{"no final line end", "a\nb", 2},
		{"blank lines", "\n\n\n", 3},
		{"line across blocks", "h\n" + long + "\nz\n", 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			lines, n, err := count(iotest.HalfReader(strings.NewReader(tt.in)))
			if err != nil || lines != tt.lines || n != int64(len(tt.in)) {
				t.Errorf("count = %d lines, %d bytes, %v; want %d, %d, nil", lines, n, err, tt.lines, len(tt.in))
			}
		})
	}
}

func TestCountError(t *testing.T) {
	_, _, err := count(iotest.TimeoutReader(strings.NewReader(strings.Repeat("a\n", blockSize))))
	if err != iotest.ErrTimeout {
		t.Errorf("count on a failing reader: error %v, want %v", err, iotest.ErrTimeout)
	}
}

func TestRunUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if err := run(nil, &out, &errb); err == nil {
		t.Error("run without a file: no error")
	}
}
