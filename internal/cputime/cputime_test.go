package cputime

import (
	"runtime"
	"testing"
	"time"
)

// TestProcessGrows spins and checks that the CPU time moves forward
// within 10 s on the platforms that report it.
func TestProcessGrows(t *testing.T) {
	before, ok := Process()
	if !ok {
		if runtime.GOOS != "windows" && runtime.GOOS != "plan9" && runtime.GOOS != "js" && runtime.GOOS != "wasip1" {
			t.Fatalf("Process reports no CPU time on %s", runtime.GOOS)
		}
		t.Skipf("no process CPU time on %s", runtime.GOOS)
	}
	x, start := uint64(1), time.Now()
	for {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("CPU time still %v after 10 s of spinning", before)
		}
		for range 1 << 20 {
			x = x*6364136223846793005 + 1442695040888963407
		}
		if after, _ := Process(); after > before {
			break
		}
	}
	if x == 0 {
		t.Log(x) // keeps the loop from being optimised away
	}
}
