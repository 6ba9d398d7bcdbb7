package main

import (
	"io"
	"runtime"
	"sync"
	"sync/atomic"
)

// formatBlock is how many records one goroutine formats at a time.
const formatBlock = 1 << 14

// writeFormatted writes the records 0..n-1 that format appends, in order,
// through a formatWriter, and returns its first write error.
func writeFormatted(w io.Writer, n int, format func(b []byte, i int) []byte) error {
	fw := newFormatWriter(w)
	fw.add(n, format)
	return fw.close()
}

// formatWriter writes records that a format function appends, in order.
// Each add formats its records in blocks of formatBlock on GOMAXPROCS
// goroutines, one block each, and the blocks of one round are written by
// another goroutine while the next round is formatted, so that formatting
// and the copy of the bytes into the file overlap; the bytes do not
// depend on the number of cores. After the first write error nothing
// more is formatted; close returns it.
type formatWriter struct {
	workers int
	free    chan [][]byte // two rounds of buffers: one written, one formatted
	ready   chan [][]byte
	failed  atomic.Bool
	errc    chan error
}

// newFormatWriter starts a formatWriter writing to w; close ends it.
func newFormatWriter(w io.Writer) *formatWriter {
	fw := &formatWriter{workers: runtime.GOMAXPROCS(0), free: make(chan [][]byte, 2), ready: make(chan [][]byte), errc: make(chan error, 1)}
	fw.free <- make([][]byte, fw.workers)
	fw.free <- make([][]byte, fw.workers)
	go func() {
		var err error
		for bufs := range fw.ready {
			for _, b := range bufs {
				if err == nil {
					if _, err = w.Write(b); err != nil {
						fw.failed.Store(true)
					}
				}
			}
			fw.free <- bufs
		}
		fw.errc <- err
	}()
	return fw
}

// add formats the records 0..n-1 and queues them for writing. The
// records are formatted when it returns (format is not called after),
// so the caller may then reuse what format reads. It reports false after
// a write error.
func (fw *formatWriter) add(n int, format func(b []byte, i int) []byte) bool {
	workers := fw.workers
	for lo := 0; lo < n && !fw.failed.Load(); lo += formatBlock * workers {
		bufs := <-fw.free
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
		fw.ready <- bufs
	}
	return !fw.failed.Load()
}

// close writes what is queued and returns the first write error.
func (fw *formatWriter) close() error {
	close(fw.ready)
	return <-fw.errc
}
