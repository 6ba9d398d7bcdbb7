package cvm_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/check"
	"github.com/cvmkit/cvm/internal/synth"
)

// BenchmarkReaderSummarizeAudit is the parallel summary path with and
// without an Auditor, on 100,000 synthetic customers (about a million
// rows).
func BenchmarkReaderSummarizeAudit(b *testing.B) {
	var buf bytes.Buffer
	check.NoErr(b, synth.WriteCSV(&buf, synth.Config{Customers: 100_000, Seed: 1}))
	data := buf.Bytes()
	for _, audit := range []bool{false, true} {
		b.Run(fmt.Sprintf("audit=%v", audit), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				o := &cvm.ReadSettings{}
				if audit {
					o.Audit = cvm.NewAuditor(nil)
				}
				rd := check.Must(cvm.NewReader(bytes.NewReader(data), o))
				check.Must(rd.Summarize(context.Background(), nil))
			}
		})
	}
}
