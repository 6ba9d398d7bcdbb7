package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

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
