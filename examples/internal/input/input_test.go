package input

import (
	"flag"
	"io"
	"testing"

	"github.com/cvmkit/cvm"
)

// TestOrderOnlyForReport: a program that uses no order IDs reads the
// order column only with -report; others read it as the flags say.
func TestOrderOnlyForReport(t *testing.T) {
	for _, c := range []struct {
		args      []string
		forReport bool
		want      string
	}{
		{nil, false, ""}, // the library's default: "order" when the header has it
		{nil, true, cvm.NoColumn},
		{[]string{"-report"}, true, ""},
		{[]string{"-order", "inv"}, false, "inv"},
		{[]string{"-order", "inv"}, true, cvm.NoColumn},
		{[]string{"-order", "inv", "-report"}, true, "inv"},
		{[]string{"-order", ""}, false, cvm.NoColumn},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		f := AddFlags(fs)
		if c.forReport {
			f.OrderOnlyForReport()
		}
		if err := fs.Parse(c.args); err != nil {
			t.Fatal(err)
		}
		o, err := f.ReadOptions()
		if err != nil {
			t.Fatal(err)
		}
		if o.Order != c.want {
			t.Errorf("%v, only for report %v: Order %q, want %q", c.args, c.forReport, o.Order, c.want)
		}
	}
}
