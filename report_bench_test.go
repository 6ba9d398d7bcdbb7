package cvm_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/check"
	"github.com/cvmkit/cvm/internal/synth"
)

// BenchmarkReaderSummarizeAudit is the parallel summary path without an
// Auditor, with a TimeOnly one (what cvm does without -report) and with a
// full one (-report), on 100,000 synthetic customers (about a million
// rows).
func BenchmarkReaderSummarizeAudit(b *testing.B) {
	var buf bytes.Buffer
	check.NoErr(b, synth.WriteCSV(&buf, synth.Config{Customers: 100_000, Seed: 1}))
	data := buf.Bytes()
	for _, audit := range []string{"none", "time-only", "full"} {
		b.Run("audit="+audit, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				o := &cvm.ReadSettings{}
				switch audit {
				case "time-only":
					o.Audit = cvm.NewAuditor(&cvm.AuditSettings{TimeOnly: true})
				case "full":
					o.Audit = cvm.NewAuditor(nil)
				}
				rd := check.Must(cvm.NewReader(bytes.NewReader(data), o))
				check.Must(rd.Summarize(context.Background(), nil))
			}
		})
	}
}
