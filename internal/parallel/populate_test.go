package parallel

import (
	"runtime"
	"testing"
)

func TestPopulateKeepsContents(t *testing.T) {
	b := make([]byte, 5*pageSize+123)
	for i := range b {
		b[i] = byte(i*7 + 1)
	}
	populate(b[17:]) // true or false by kernel; must not change a byte
	for i := range b {
		if b[i] != byte(i*7+1) {
			t.Fatalf("byte %d changed to %d", i, b[i])
		}
	}
	if populate(b[1:10]) {
		t.Fatal("populate of less than a page reported mapping a page")
	}
}

// populateAll's pieces cover b from its first byte to its last and no
// further, at any offset from a page boundary and any GOMAXPROCS: the
// bytes are kept, and those around b are not touched.
func TestPopulateAllKeepsContents(t *testing.T) {
	buf := make([]byte, 40*pageSize)
	for i := range buf {
		buf[i] = byte(i*5 + 3)
	}
	for _, procs := range []int{1, 2, 3} {
		prev := runtime.GOMAXPROCS(procs)
		for _, off := range []int{0, 1, pageSize - 1, pageSize, 3*pageSize + 17} {
			for _, n := range []int{2 * pageSize, 7*pageSize + 5, 30 * pageSize} {
				populateAll(buf[off : off+n])
			}
		}
		runtime.GOMAXPROCS(prev)
	}
	for i := range buf {
		if buf[i] != byte(i*5+3) {
			t.Fatalf("byte %d changed to %d", i, buf[i])
		}
	}
}
