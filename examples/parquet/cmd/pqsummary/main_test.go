package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/examples/internal/input"
	"github.com/cvmkit/cvm/examples/parquet/cvmparquet"
)

// TestRun: the Parquet and CSV paths print the same summaries.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "tx.csv")
	csv := "customer,time,amount,order\na,2024-01-02 10:00:00,2.5,o1\nb,2024-01-03,4,o2\na,2024-02-01,-1,o3\n"
	if err := os.WriteFile(in, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pq := filepath.Join(dir, "tx.parquet")
	if _, _, err := cvmparquet.ConvertCSV(t.Context(), pq, f, nil, nil); err != nil {
		t.Fatal(err)
	}
	for _, occ := range []string{"day", "order"} {
		var a, b, errw bytes.Buffer
		if err := run([]string{"-in", in, "-occasions", occ}, &a, &errw); err != nil {
			t.Fatal(err)
		}
		if err := run([]string{"-in", pq, "-occasions", occ}, &b, &errw); err != nil {
			t.Fatal(err)
		}
		// cvm summary's format: a bought 2.5 and returned 1 (net 1.5 over
		// one occasion), b bought 4.
		want := "customer,first,last,occasions,transactions,total,returns,mean\n" +
			"a,2024-01-02T10:00:00Z,2024-01-02T10:00:00Z,1,2,1.5,1,1.5\nb,2024-01-03T00:00:00Z,2024-01-03T00:00:00Z,1,1,4,0,4\n"
		if a.String() != want || b.String() != want {
			t.Errorf("CSV:\n%s\nParquet:\n%s\nwant:\n%s", a.String(), b.String(), want)
		}
	}
}

// TestInputFlags: both paths take the cvm command's input flags. The file
// has other column names than cvm's defaults and amounts as quantity x
// price; the expected summaries are by hand: c1 bought 2 x 1.5 = 3 and
// 1 x 2 = 2 on two days in one order, c2 returned 1 x 0.5.
func TestInputFlags(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "tx.csv")
	csv := "client;day;n;unit;inv\nc1;2024-01-02;2;1.5;i1\nc2;2024-01-03;-1;0.5;i2\nc1;2024-01-05;1;2;i1\n"
	if err := os.WriteFile(in, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	cols := []string{"-customer", "client", "-time", "day", "-quantity", "n", "-price", "unit", "-order", "inv"}
	pq := filepath.Join(dir, "tx.parquet")
	var out, errw bytes.Buffer
	// csv2parquet's columns are cvm's defaults; convert with the library.
	f, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rs := &cvm.ReadSettings{Customer: "client", Time: "day", Quantity: "n", Price: "unit", Order: "inv", Comma: ';'}
	if _, _, err := cvmparquet.ConvertCSV(t.Context(), pq, f, rs, nil); err != nil {
		t.Fatal(err)
	}
	want := "customer,first,last,occasions,transactions,total,returns,mean\n" +
		"c1,2024-01-02T00:00:00Z,2024-01-05T00:00:00Z,2,2,5,0,2.5\n" +
		"c2,,,0,1,-0.5,0.5,0\n"
	byOrder := strings.Replace(want, ",2,2,5,0,2.5", ",1,2,5,0,5", 1)
	for _, tc := range []struct {
		name    string
		args    []string
		want    string
		wantErr string
		usage   bool
	}{
		{name: "CSV", args: append([]string{"-in", in, "-delim", ";"}, cols...), want: want},
		{name: "Parquet, cvm's names", args: []string{"-in", pq}, want: want},
		{name: "CSV without -price", args: []string{"-in", in, "-delim", ";", "-customer", "client", "-time", "day", "-quantity", "n"},
			wantErr: "-quantity and -price must be given together", usage: true},
		{name: "Parquet without -quantity", args: []string{"-in", pq, "-price", "amount"},
			wantErr: "-quantity and -price must be given together", usage: true},
		{name: "Parquet column", args: []string{"-in", pq, "-amount", "amt"}, wantErr: `"amt"`, usage: true},
		{name: "Parquet -no-header", args: []string{"-in", pq, "-no-header"}, wantErr: "NoHeader", usage: true},
		{name: "Parquet -report", args: []string{"-in", pq, "-report"}, wantErr: "-report", usage: true},
		{name: "CSV by order", args: append([]string{"-in", in, "-delim", ";", "-occasions", "order"}, cols...), want: byOrder},
		{name: "Parquet by order", args: []string{"-in", pq, "-occasions", "order"}, want: byOrder},
		// Without orders, each purchase is an occasion of its own.
		{name: "CSV by order, -order none", args: append(append([]string{"-in", in, "-delim", ";", "-occasions", "order"}, cols...), "-order", ""),
			want: want},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out.Reset()
			err := run(tc.args, &out, &errw)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one with %q", err, tc.wantErr)
				}
				var ue *input.UsageError
				if got := errors.As(err, &ue); got != tc.usage {
					t.Errorf("usage error %v, want %v (%v)", got, tc.usage, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if out.String() != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", out.String(), tc.want)
			}
		})
	}
}
