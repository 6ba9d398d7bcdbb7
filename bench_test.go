package cvm_test

import (
	"bytes"
	"fmt"
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

// BenchmarkReaderSummarize is the parallel path of cvm summary: parse and
// summarize a CSV held in memory.
func BenchmarkReaderSummarize(b *testing.B) {
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
				if _, err := rd.Summarize(nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRead reads row by row with Read.
func BenchmarkRead(b *testing.B) {
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
				for {
					if _, err := rd.Read(); err != nil {
						break
					}
				}
			}
		})
	}
}

// BenchmarkReadAll reads every transaction with the parallel ReadAll.
func BenchmarkReadAll(b *testing.B) {
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
				if _, err := rd.ReadAll(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSummarize summarizes transactions already in memory.
func BenchmarkSummarize(b *testing.B) {
	for _, n := range benchSizes {
		txs := slices.Collect(synth.Transactions(synth.Config{Customers: n, Seed: 1}))
		b.Run(fmt.Sprintf("customers=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := cvm.Summarize(slices.Values(txs), nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
