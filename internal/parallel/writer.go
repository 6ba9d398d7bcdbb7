package parallel

import (
	"io"
	"runtime"
	"sync"
	"sync/atomic"
)

// OrderedWriter writes records that a format function appends, in order.
// Each Add formats its records in blocks of a fixed number on GOMAXPROCS
// goroutines, one block each, and the blocks of one round are written by
// another goroutine while the next round is formatted, so that formatting
// and the copy of the bytes into the file overlap; the bytes do not
// depend on the number of cores. After the first format or write error
// nothing more is formatted; Close returns it.
type OrderedWriter struct {
	block   int
	workers int
	free    chan [][]byte // two rounds of buffers: one written, one formatted
	ready   chan [][]byte
	failed  atomic.Bool
	ferr    error // the first format error (of the least record)
	errc    chan error
}

// NewOrderedWriter starts an OrderedWriter writing to w, formatting block
// records (at least 1) a goroutine at a time; Close ends it.
func NewOrderedWriter(w io.Writer, block int) *OrderedWriter {
	fw := &OrderedWriter{block: max(block, 1), workers: runtime.GOMAXPROCS(0), free: make(chan [][]byte, 2), ready: make(chan [][]byte), errc: make(chan error, 1)}
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

// Add formats the records 0..n-1 and queues them for writing. The
// records are formatted when it returns (format is not called after), so
// the caller may then reuse what format reads. A format error stops the
// writing before the record's block; Add reports false after it or after
// a write error.
func (fw *OrderedWriter) Add(n int, format func(b []byte, i int) ([]byte, error)) bool {
	workers, block := fw.workers, fw.block
	errs := make([]error, workers)
	for lo := 0; lo < n && !fw.failed.Load(); lo += block * workers {
		bufs := <-fw.free
		var wg sync.WaitGroup
		for k := range workers {
			start, end := min(lo+k*block, n), min(lo+(k+1)*block, n)
			wg.Add(1)
			go func() {
				defer wg.Done()
				b := bufs[k][:0]
				for i := start; i < end && errs[k] == nil; i++ {
					b, errs[k] = format(b, i)
				}
				bufs[k] = b
			}()
		}
		wg.Wait()
		for k, err := range errs {
			if err != nil {
				// Write the blocks before it only.
				fw.ferr = err
				fw.failed.Store(true)
				clear(bufs[k:])
				break
			}
		}
		fw.ready <- bufs
	}
	return !fw.failed.Load()
}

// Close writes what is queued and returns the first format error, else
// the first write error.
func (fw *OrderedWriter) Close() error {
	close(fw.ready)
	err := <-fw.errc
	if fw.ferr != nil {
		return fw.ferr
	}
	return err
}

// WriteOrdered writes the records 0..n-1 that format appends, in order,
// through an OrderedWriter of blocks of block records, and returns its
// first error.
func WriteOrdered(w io.Writer, n, block int, format func(b []byte, i int) ([]byte, error)) error {
	fw := NewOrderedWriter(w, block)
	fw.Add(n, format)
	return fw.Close()
}
