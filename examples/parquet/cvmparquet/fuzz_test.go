package cvmparquet

import (
	"bytes"
	"testing"

	"github.com/cvmkit/cvm"
)

// FuzzOpen opens hostile bytes as a Parquet file and reads it: an error
// or the file's rows, never a panic, a hang, or fewer rows than the file
// declares without an error.
func FuzzOpen(f *testing.F) {
	txs := csvTransactions(f, synthCSV(21, 20, true), allColumns)
	good := toParquet(f, txs, &WriteSettings{RowGroupRows: 30})
	f.Add(good)
	f.Add(good[:len(good)-1])
	f.Add(good[:len(good)/2])
	f.Add([]byte("PAR1PAR1"))
	f.Add([]byte("PAR1\x00\x00\x00\x00PAR1"))
	f.Add(append(bytes.Clone(good[:len(good)-8]), 0xff, 0xff, 0xff, 0x7f, 'P', 'A', 'R', '1'))
	for _, at := range []int{4, 20, 100, len(good) / 3, len(good) - 40} {
		b := bytes.Clone(good)
		b[at] ^= 0xff
		f.Add(b)
	}
	f.Add(build(f, goodCols()))
	for _, c := range hostileCases(f) {
		f.Add(c.data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, rs := range []*cvm.ReadSettings{allColumns, {SkipBadRows: true, Order: cvm.NoColumn}} {
			rd, err := NewReader(bytes.NewReader(data), int64(len(data)), "fuzz", rs)
			if err != nil {
				return
			}
			if _, err := rd.ReadAll(ctx); err == nil {
				st := rd.Stats()
				if int64(st.Rows) != rd.NumRows() {
					t.Fatalf("read %d rows of %d without an error", st.Rows, rd.NumRows())
				}
			}
			rd, err = NewReader(bytes.NewReader(data), int64(len(data)), "fuzz", rs)
			if err != nil {
				t.Fatalf("second NewReader: %v", err)
			}
			rd.Summarize(ctx, nil)
		}
	})
}
