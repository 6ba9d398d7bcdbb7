package csvout_test

import (
	"fmt"
	"os"

	"github.com/cvmkit/cvm/internal/csvout"
)

// A field with a comma, a quote or a leading space is quoted, with any
// quote doubled; the others are written as they are.
func ExampleAppendRecord() {
	line := csvout.AppendRecord(nil, "C1", "Smith, J.", `say "hi"`, " lead", "")
	fmt.Print(string(line))
	// Output:
	// C1,"Smith, J.","say ""hi"""," lead",
}

func ExampleWriter() {
	w := csvout.NewWriter(os.Stdout)
	w.Write("customer", "total")
	w.WriteLine(csvout.AppendField(nil, "a,b"))
	w.WriteLine([]byte(",12.5\n"))
	if err := w.Flush(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// customer,total
	// "a,b",12.5
}
