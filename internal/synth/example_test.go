package synth_test

import (
	"bytes"
	"fmt"
	"log"
	"strings"

	"github.com/cvmkit/cvm/internal/synth"
)

// Writing a small synthetic customer base as CSV. The same seed gives the
// same bytes every time.
func ExampleWriteCSV() {
	var buf bytes.Buffer
	if err := synth.WriteCSV(&buf, synth.Config{Customers: 100, Seed: 1}); err != nil {
		log.Fatal(err)
	}
	lines := strings.Split(buf.String(), "\n")
	fmt.Println(lines[0])
	fmt.Println(lines[1])
	// Output:
	// customer,time,amount,order
	// C0000,2024-06-04 17:35:22,262.19,C0000-1
}
