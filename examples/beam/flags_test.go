package main

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/examples/beam/cvmbeam"
	"github.com/cvmkit/cvm/examples/internal/input"
)

// The input flags are the cvm command's, same names and meanings; those a
// pipeline cannot honour (-skip-bad, -report) are usage errors, never
// ignored.
func TestInputFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want cvmbeam.ReadSettings
		err  string // a usage error containing it; "" for none
	}{
		{"defaults: the library's", nil, cvmbeam.ReadSettings{Comma: ','}, ""},
		{"columns by name", []string{"-customer", "id", "-time", "t", "-amount", "a", "-order", "inv", "-product", "sku", "-category", "cat", "-channel", "ch"},
			cvmbeam.ReadSettings{Customer: "id", Time: "t", Amount: "a", Order: "inv", Product: "sku", Category: "cat", Channel: "ch", Comma: ','}, ""},
		{"order empty: none", []string{"-order", ""}, cvmbeam.ReadSettings{Order: cvm.NoColumn, Comma: ','}, ""},
		{"quantity and price", []string{"-quantity", "q", "-price", "p"}, cvmbeam.ReadSettings{Quantity: "q", Price: "p", Comma: ','}, ""},
		{"no header, tab, layout", []string{"-no-header", "-delim", "tab", "-time-layout", "20060102"}, cvmbeam.ReadSettings{NoHeader: true, Comma: '\t', TimeLayout: "20060102"}, ""},
		{"empty customer error", []string{"-empty-customer", "error"}, cvmbeam.ReadSettings{FailOnEmptyCustomer: true, Comma: ','}, ""},
		{"empty customer skip", []string{"-empty-customer", "skip"}, cvmbeam.ReadSettings{Comma: ','}, ""},
		{"quiet", []string{"-q"}, cvmbeam.ReadSettings{Comma: ','}, ""},
		{"report false", []string{"-report=false"}, cvmbeam.ReadSettings{Comma: ','}, ""},
		{"quantity alone", []string{"-quantity", "q"}, cvmbeam.ReadSettings{}, "-quantity and -price"},
		{"empty customer bad", []string{"-empty-customer", "keep"}, cvmbeam.ReadSettings{}, "-empty-customer"},
		{"bad delimiter", []string{"-delim", "ab"}, cvmbeam.ReadSettings{}, "delim"},
		{"skip bad", []string{"-skip-bad"}, cvmbeam.ReadSettings{}, "-skip-bad: not supported"},
		{"report", []string{"-report"}, cvmbeam.ReadSettings{}, "-report: not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("cvmbeam", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			o := addFlags(fs)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			got, err := o.readSettings()
			if tt.err != "" {
				var ue *input.UsageError
				if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want a usage error containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("settings %+v, want %+v", got, tt.want)
			}
		})
	}
}

// Bad -as-of, -in and profile flags are usage errors too.
func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-in", "x.csv", "-as-of", "yesterday"},
		{},
		{"-in", " , "},
	} {
		fs := flag.NewFlagSet("cvmbeam", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		o := addFlags(fs)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		_, err := o.pipeline(t.Context())
		var ue *input.UsageError
		if !errors.As(err, &ue) {
			t.Errorf("%q: error %v, want a usage error", args, err)
		}
	}
}
