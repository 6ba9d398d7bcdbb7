package clv

import (
	"context"
	"iter"

	"github.com/cvmkit/cvm"
	"github.com/cvmkit/cvm/internal/synth"
)

// ctx is the context of the package's tests, which are never cancelled.
var ctx = context.Background()

// synthTransactions returns the purchases of n synthetic customers
// (internal/synth defaults, no returns) from the given seed.
func synthTransactions(n int, seed uint64) iter.Seq[cvm.Transaction] {
	return synth.Transactions(synth.Config{Customers: n, Seed: seed, ReturnRate: -1})
}
