package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/examples/internal/input"
	"github.com/cvmkit/cvm/examples/parquet/cvmparquet"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "tx.csv")
	csv := "customer;when;qty;price\na;2024-01-02;2;1.25\nb;2024-01-03;1;4\n"
	if err := os.WriteFile(in, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errw bytes.Buffer
	err := run([]string{"-in", in, "-delim", ";", "-time", "when", "-quantity", "qty", "-price", "price"}, &out, &errw)
	if err != nil {
		t.Fatalf("run: %v (%s)", err, errw.String())
	}
	if !strings.Contains(out.String(), "tx.parquet: 2 transactions") {
		t.Errorf("output %q", out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "tx.parquet")); err != nil {
		t.Error(err)
	}
	if err := run([]string{"-in", in}, &out, &errw); err == nil {
		t.Error("run with the wrong delimiter: no error")
	}
	if err := run(nil, &out, &errw); err == nil {
		t.Error("run without -in: no error")
	}
}

// tx is what the tests compare of a transaction read back.
type tx struct {
	Customer, Time string
	Amount         float64
	Order, Channel string
}

// readBack reads the Parquet file at path with every optional column.
func readBack(t *testing.T, path string) []tx {
	t.Helper()
	rd, err := cvmparquet.OpenFile(path, &cvm.ReadSettings{Channel: cvmparquet.ColChannel})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	txs, err := rd.ReadAll(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var out []tx
	for _, x := range txs {
		out = append(out, tx{x.Customer, x.Time.Format(time.DateOnly), x.Amount, x.Order, x.Channel})
	}
	return out
}

// TestInputFlags checks that the input flags have the cvm command's names
// and meanings, on the file read back. The expected transactions are the
// CSV rows by hand: quantity x price, the order column dropped by an
// empty -order, columns by position without a header.
func TestInputFlags(t *testing.T) {
	const header = "customer,time,amount,order,qty,price,chan\n"
	const rows = "a,2024-01-02,2.5,o1,2,1.5,web\nb,2024-01-03,4,o2,3,0.5,shop\n"
	plain := []tx{{"a", "2024-01-02", 2.5, "o1", ""}, {"b", "2024-01-03", 4, "o2", ""}}
	for _, tc := range []struct {
		name       string
		csv        string
		args       []string
		want       []tx
		wantErr    string // a usage error with this text when usage is set
		usage      bool
		wantStderr string // stderr holds this; "" with -q means empty
	}{
		{name: "defaults", csv: header + rows, want: plain, wantStderr: "2 rows, 2 transactions"},
		{name: "order none", csv: header + rows, args: []string{"-order", ""},
			want: []tx{{"a", "2024-01-02", 2.5, "", ""}, {"b", "2024-01-03", 4, "", ""}}},
		{name: "order named", csv: header + rows, args: []string{"-order", "chan"},
			want: []tx{{"a", "2024-01-02", 2.5, "web", ""}, {"b", "2024-01-03", 4, "shop", ""}}},
		{name: "quantity x price", csv: header + rows, args: []string{"-quantity", "qty", "-price", "price"},
			want: []tx{{"a", "2024-01-02", 3, "o1", ""}, {"b", "2024-01-03", 1.5, "o2", ""}}},
		{name: "quantity without price", csv: header + rows, args: []string{"-quantity", "qty"},
			wantErr: "-quantity and -price must be given together", usage: true},
		{name: "price without quantity", csv: header + rows, args: []string{"-price", "price"},
			wantErr: "-quantity and -price must be given together", usage: true},
		{name: "channel", csv: header + rows, args: []string{"-channel", "chan"},
			want: []tx{{"a", "2024-01-02", 2.5, "o1", "web"}, {"b", "2024-01-03", 4, "o2", "shop"}}},
		{name: "no header, positions", csv: rows, args: []string{"-no-header", "-customer", "1", "-time", "2", "-amount", "6", "-order", "4"},
			want: []tx{{"a", "2024-01-02", 1.5, "o1", ""}, {"b", "2024-01-03", 0.5, "o2", ""}}},
		{name: "semicolons", csv: strings.ReplaceAll(header+rows, ",", ";"), args: []string{"-delim", "semicolon"}, want: plain},
		{name: "bad delimiter", csv: header + rows, args: []string{"-delim", "|"}, wantErr: `-delim "|"`, usage: true},
		{name: "missing column", csv: header + rows, args: []string{"-customer", "client"}, wantErr: `"client"`, usage: true},
		{name: "time layout", csv: "customer,time,amount\na,02/01/2024,2.5\n", args: []string{"-time-layout", "02/01/2006"},
			want: []tx{{"a", "2024-01-02", 2.5, "", ""}}},
		{name: "bad row stops", csv: header + rows + "c,never,1,o3,1,1,web\n", wantErr: "line 4"},
		{name: "skip-bad", csv: header + rows + "c,never,1,o3,1,1,web\n", args: []string{"-skip-bad"}, want: plain,
			wantStderr: "1 bad rows skipped"},
		{name: "empty customer skipped", csv: header + rows + ",2024-01-04,1,o3,1,1,web\n", want: plain,
			wantStderr: "1 rows with an empty customer ID skipped"},
		{name: "empty customer error", csv: header + rows + ",2024-01-04,1,o3,1,1,web\n", args: []string{"-empty-customer", "error"},
			wantErr: "line 4"},
		{name: "empty-customer bad value", csv: header + rows, args: []string{"-empty-customer", "keep"},
			wantErr: `-empty-customer "keep"`, usage: true},
		{name: "quiet", csv: header + rows, args: []string{"-q"}, want: plain},
		{name: "report", csv: header + rows, args: []string{"-report", "-q"}, want: plain, wantStderr: "data report: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, "tx.csv")
			if err := os.WriteFile(in, []byte(tc.csv), 0o644); err != nil {
				t.Fatal(err)
			}
			pq := filepath.Join(dir, "tx.parquet")
			var out, errw bytes.Buffer
			err := run(append([]string{"-in", in}, tc.args...), &out, &errw)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one with %q", err, tc.wantErr)
				}
				var ue *input.UsageError
				if got := errors.As(err, &ue); got != tc.usage {
					t.Errorf("usage error %v, want %v (%v)", got, tc.usage, err)
				}
				if _, err := os.Stat(pq); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("failed run left %s (%v)", pq, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("run: %v (%s)", err, errw.String())
			}
			got := readBack(t, pq)
			if len(got) != len(tc.want) {
				t.Fatalf("read back %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("transaction %d: %+v, want %+v", i, got[i], tc.want[i])
				}
			}
			quiet := slices.Contains(tc.args, "-q")
			switch {
			case tc.wantStderr != "" && !strings.Contains(errw.String(), tc.wantStderr):
				t.Errorf("stderr %q, want it to hold %q", errw.String(), tc.wantStderr)
			case tc.wantStderr == "" && quiet && errw.Len() > 0:
				t.Errorf("stderr %q with -q, want nothing", errw.String())
			}
		})
	}
}
