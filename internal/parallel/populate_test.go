package parallel

import "testing"

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
