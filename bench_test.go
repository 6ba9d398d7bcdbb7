package cvm_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"testing"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/synth"
)

var (
	benchMu   sync.Mutex
	benchData = map[int][]byte{}
)

// benchCSV returns the synthetic CSV of n customers (about 10 rows each).
func benchCSV(b *testing.B, n int) []byte {
	benchMu.Lock()
	defer benchMu.Unlock()
	if d, ok := benchData[n]; ok {
		return d
	}
	var buf bytes.Buffer
	if err := synth.WriteCSV(&buf, synth.Config{Customers: n, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	benchData[n] = buf.Bytes()
	return buf.Bytes()
}

var benchSizes = []int{1_000, 10_000, 100_000}

// benchReader runs use on a new Reader over each size's CSV, held in
// memory, per iteration.
func benchReader(b *testing.B, use func(*cvm.Reader) error) {
	for _, n := range benchSizes {
		data := benchCSV(b, n)
		b.Run(fmt.Sprintf("customers=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				rd, err := cvm.NewReader(bytes.NewReader(data), nil)
				if err != nil {
					b.Fatal(err)
				}
				if err := use(rd); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkReaderSummarize is the parallel path of cvm summary: parse and
// summarize a CSV held in memory.
func BenchmarkReaderSummarize(b *testing.B) {
	benchReader(b, func(rd *cvm.Reader) error {
		_, err := rd.Summarize(context.Background(), nil)
		return err
	})
}

// BenchmarkRead reads row by row with Read.
func BenchmarkRead(b *testing.B) {
	benchReader(b, func(rd *cvm.Reader) error {
		for {
			if _, err := rd.Read(); err != nil {
				if errors.Is(err, io.EOF) {
					return nil
				}
				return err
			}
		}
	})
}

// BenchmarkReadAll reads every transaction with the parallel ReadAll.
func BenchmarkReadAll(b *testing.B) {
	benchReader(b, func(rd *cvm.Reader) error {
		_, err := rd.ReadAll(context.Background())
		return err
	})
}

// BenchmarkStream and BenchmarkEachBatch read every row in order, as a
// Transaction and in place: the cost of making the Transactions.
func BenchmarkStream(b *testing.B) {
	benchReader(b, func(rd *cvm.Reader) error {
		var sum float64
		for tx := range rd.Stream(context.Background()) {
			sum += tx.Amount
		}
		return rd.Err()
	})
}

func BenchmarkEachBatch(b *testing.B) {
	benchReader(b, func(rd *cvm.Reader) error {
		var sum float64
		return rd.EachBatch(context.Background(), func(bt *cvm.Batch) error {
			for i := range bt.Len() {
				sum += bt.Amount(i)
			}
			return nil
		})
	})
}

// BenchmarkReaderSummarizeEach is cvm summary's path: the summaries handed
// over in batches.
func BenchmarkReaderSummarizeEach(b *testing.B) {
	benchReader(b, func(rd *cvm.Reader) error {
		return rd.SummarizeEach(context.Background(), nil, func([]cvm.Summary) error { return nil })
	})
}

// BenchmarkSummarize summarizes transactions already in memory.
func BenchmarkSummarize(b *testing.B) {
	for _, n := range benchSizes {
		txs := slices.Collect(synth.Transactions(synth.Config{Customers: n, Seed: 1}))
		b.Run(fmt.Sprintf("customers=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := cvm.Summarize(context.Background(), slices.Values(txs), nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkReaderSummarizeOrder is BenchmarkReaderSummarize on the rows of
// 200,000 customers (about 2M rows) in three orders: grouped by customer
// (as synth writes them), sorted by time (the second column, whose text
// sorts as time) and shuffled. Issue 19: the speed should hardly depend
// on the order.
func BenchmarkReaderSummarizeOrder(b *testing.B) {
	data := benchCSV(b, 200_000)
	nl := bytes.IndexByte(data, '\n') + 1
	header, lines := data[:nl], bytes.SplitAfter(data[nl:], []byte("\n"))
	if len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	timeOf := func(l []byte) []byte {
		f := bytes.SplitN(l, []byte(","), 3)
		return f[1]
	}
	byTime := slices.Clone(lines)
	slices.SortStableFunc(byTime, func(x, y []byte) int { return bytes.Compare(timeOf(x), timeOf(y)) })
	shuffled := slices.Clone(lines)
	for i := range shuffled { // a fixed permutation: i -> i*p mod n
		j := int(uint64(i) * 1_000_003 % uint64(len(lines)))
		shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
	}
	for _, c := range []struct {
		name  string
		lines [][]byte
	}{{"grouped", lines}, {"time", byTime}, {"shuffled", shuffled}} {
		in := bytes.Join(append([][]byte{header}, c.lines...), nil)
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				rd, err := cvm.NewReader(bytes.NewReader(in), nil)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := rd.Summarize(context.Background(), nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
