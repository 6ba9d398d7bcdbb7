package main

import (
	"io"
	"runtime"
	"sync"
	"sync/atomic"
)

// formatBlock is how many records one goroutine formats at a time.
const formatBlock = 1 << 14

// writeFormatted writes the records 0..n-1 that format appends, in order.
// Blocks of formatBlock records are formatted on GOMAXPROCS goroutines,
// one block each, and the blocks of one round are written by another
// goroutine while the next round is formatted, so that formatting and
// the copy of the bytes into the file overlap; the bytes do not depend on
// the number of cores. It returns the first write error, after which
// nothing more is formatted.
func writeFormatted(w io.Writer, n int, format func(b []byte, i int) []byte) error {
	workers := runtime.GOMAXPROCS(0)
	free := make(chan [][]byte, 2) // two rounds of buffers: one written, one formatted
	free <- make([][]byte, workers)
	free <- make([][]byte, workers)
	ready := make(chan [][]byte)
	var failed atomic.Bool
	errc := make(chan error, 1)
	go func() {
		var err error
		for bufs := range ready {
			for _, b := range bufs {
				if err == nil {
					if _, err = w.Write(b); err != nil {
						failed.Store(true)
					}
				}
			}
			free <- bufs
		}
		errc <- err
	}()
	for lo := 0; lo < n && !failed.Load(); lo += formatBlock * workers {
		bufs := <-free
		var wg sync.WaitGroup
		for k := range workers {
			start, end := min(lo+k*formatBlock, n), min(lo+(k+1)*formatBlock, n)
			wg.Add(1)
			go func() {
				defer wg.Done()
				b := bufs[k][:0]
				for i := start; i < end; i++ {
					b = format(b, i)
				}
				bufs[k] = b
			}()
		}
		wg.Wait()
		ready <- bufs
	}
	close(ready)
	return <-errc
}
