package main

import (
	"io"

	"github.com/cvmkit/cvm/internal/parallel"
)

// formatBlock is how many records one goroutine formats at a time.
const formatBlock = 1 << 14

// writeFormatted writes the records 0..n-1 that format appends, in order,
// formatted on every core (internal/parallel.OrderedWriter), and returns
// the first write error.
func writeFormatted(w io.Writer, n int, format func(b []byte, i int) []byte) error {
	return parallel.WriteOrdered(w, n, formatBlock, infallible(format))
}

// infallible is format as an OrderedWriter's format, which never fails.
func infallible(format func(b []byte, i int) []byte) func([]byte, int) ([]byte, error) {
	return func(b []byte, i int) ([]byte, error) { return format(b, i), nil }
}
