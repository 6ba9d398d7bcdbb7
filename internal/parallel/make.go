package parallel

import (
	"sync/atomic"
	"unsafe"
)

// pageSize is the smallest page size of the platforms Go runs on; writing
// one byte in every pageSize bytes writes every page.
const pageSize = 4096

// Make returns make([]T, n) with every memory page of it already mapped
// writable by the operating system.
//
// Use it for a large slice of a type with pointers, filled while the
// garbage collector may run. A fresh large allocation is memory the
// process has never touched; when the collector scans it before it is
// written (as it does when the allocation itself starts a cycle), each
// page it reads is mapped to the kernel's shared zero page, and the
// program's first write to that page then copies it and flushes it from
// the TLB of every CPU the process runs on: an inter-processor interrupt
// for every 4 KiB, costly on a virtual machine (on the 2-core VM of the
// README, most of the system time of a 1M-customer profile build). Make
// maps the pages first: on Linux with madvise(MADV_POPULATE_WRITE), one
// call a core on its own piece of the slice, elsewhere by writing a byte
// of each page on every core. (On that VM, 923 MiB of a profile build
// took 140-161 ms on two cores against 259-314 ms in one call; 12 GiB in
// a fresh process 2.6-3.7 s against 8.5-28.7 s.)
func Make[T any](n int) []T {
	s := make([]T, n)
	var zero T
	size := uintptr(n) * unsafe.Sizeof(zero)
	if size < 1<<20 {
		// A few pages, likely from memory already in use: not worth it.
		return s
	}
	// The bytes are zero and stay zero: writing them as bytes (no write
	// barrier) is invisible to the collector.
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), size)
	if populateAll(b) {
		// The first and last pages may be partly outside the page-aligned
		// middle that populate maps.
		b[0], b[len(b)-1] = 0, 0
		return s
	}
	pages := int((size + pageSize - 1) / pageSize)
	For(pages, 2, func(lo, hi int) {
		for p := lo; p < hi; p++ {
			b[p*pageSize] = 0
		}
	})
	return s
}

// populateAll populates b in GOMAXPROCS pieces of whole pages at once,
// one a goroutine, and reports whether every piece was mapped.
func populateAll(b []byte) bool {
	// skip: the bytes before b's first page boundary. Piece [lo, hi) is
	// those pages counted from it (the first piece from b's start, the
	// last to its end); populate maps the whole pages inside each.
	skip := int((pageSize - uintptr(unsafe.Pointer(unsafe.SliceData(b)))%pageSize) % pageSize)
	pages := (len(b) + pageSize - 1) / pageSize
	var failed atomic.Bool
	For(pages, 2, func(lo, hi int) {
		from, to := min(skip+lo*pageSize, len(b)), min(skip+hi*pageSize, len(b))
		if lo == 0 {
			from = 0
		}
		if hi == pages {
			to = len(b)
		}
		if from < to && !populate(b[from:to]) {
			failed.Store(true)
		}
	})
	return !failed.Load()
}
