package parallel

import (
	"syscall"
	"unsafe"
)

// madvPopulateWrite is MADV_POPULATE_WRITE (Linux 5.14).
const madvPopulateWrite = 23

// populate asks the kernel to map every whole page inside b writable in
// one call, and reports whether it did (kernels before 5.14 refuse the advice).
func populate(b []byte) bool {
	start := (uintptr(unsafe.Pointer(unsafe.SliceData(b))) + pageSize - 1) &^ (pageSize - 1)
	end := (uintptr(unsafe.Pointer(unsafe.SliceData(b))) + uintptr(len(b))) &^ (pageSize - 1)
	if end <= start {
		return false
	}
	off := start - uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return syscall.Madvise(b[off:off+(end-start)], madvPopulateWrite) == nil
}
