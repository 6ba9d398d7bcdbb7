package cvmparquet

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/cvmkit/cvm"
)

// BenchmarkSummarize summarises the same synthetic rows from Parquet
// (Reader.Summarize) and from CSV (cvm.Reader.Summarize, the cvm summary
// command's path), both from memory, at several sizes. The README gives
// the whole-process comparison on the 10M-row benchmark file.
func BenchmarkSummarize(b *testing.B) {
	for _, customers := range []int{1_500, 15_000, 150_000} {
		text := synthCSV(1, customers, false)
		txs := csvTransactions(b, text, nil)
		data := toParquet(b, txs, &WriteSettings{RowGroupRows: 1 << 17})
		rows := len(txs)
		b.Run(fmt.Sprintf("parquet/rows=%d", rows), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				rd, err := NewReader(bytes.NewReader(data), int64(len(data)), "bench", nil)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := rd.Summarize(ctx, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("csv/rows=%d", rows), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				rd, err := cvm.NewReader(strings.NewReader(text), nil)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := rd.Summarize(ctx, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
