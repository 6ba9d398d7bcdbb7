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
