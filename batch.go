package cvm

import (
	"context"
	"time"
)

// Batch is a run of rows a Reader parsed, in input order, handed to the
// function given to [Reader.EachBatch]. Its methods read row i's
// customer, time, amount and optional columns where the parser left them,
// without making a Transaction of each row; what they return, and the
// Batch itself, is valid during that call only. Row i is the Transaction
// that Read would return, with the same customer, time, amount, quantity,
// product, category and channel.
type Batch struct {
	rows []row
	exts []rowExtra // aligned with rows when the Reader reads an optional column
	cfg  *parseConfig
}

// Len returns the number of rows.
func (b *Batch) Len() int { return len(b.rows) }

// Customer returns row i's customer ID (never empty). The bytes belong to
// the Reader: copy them (string(b.Customer(i))) to keep them.
func (b *Batch) Customer(i int) []byte { return b.rows[i].cust }

// Unix returns row i's time as Unix seconds, as Transaction.Time.Unix
// would (the second at or before it), and the nanoseconds after that
// second.
func (b *Batch) Unix(i int) (sec int64, nsec int32) { return b.rows[i].sec, b.rows[i].nsec }

// Time returns row i's time, in the Reader's location (ReadSettings).
func (b *Batch) Time(i int) time.Time { r := &b.rows[i]; return b.cfg.timeOf(r.sec, r.nsec) }

// Amount returns row i's amount.
func (b *Batch) Amount(i int) float64 { return b.rows[i].amount }

// Quantity returns row i's quantity (Transaction.Quantity): 0 when the
// Reader reads no quantity.
func (b *Batch) Quantity(i int) float64 {
	if b.exts == nil {
		return 0
	}
	return b.exts[i].qty
}

// Product returns row i's product (Transaction.Product), empty when the
// Reader reads no product column. The bytes belong to the Reader, as
// Customer's do; so do Category's and Channel's.
func (b *Batch) Product(i int) []byte {
	if b.exts == nil {
		return nil
	}
	return b.exts[i].product
}

// Category returns row i's category (Transaction.Category), empty when the
// Reader reads no category column.
func (b *Batch) Category(i int) []byte {
	if b.exts == nil {
		return nil
	}
	return b.exts[i].category
}

// Channel returns row i's channel (Transaction.Channel), empty when the
// Reader reads no channel column.
func (b *Batch) Channel(i int) []byte {
	if b.exts == nil {
		return nil
	}
	return b.exts[i].channel
}

// EachBatch reads the rest of the input as Stream does (blocks parsed on
// GOMAXPROCS goroutines, handed over in input order, the same rows, bad
// rows and Audit) and calls fn with each run of its rows, on the calling
// goroutine. It is for a caller that needs the fields of each row and not
// a Transaction (which costs a time.Time and a string for each):
// lifecycle.ClassifyReader and profile.BuildReader read a file through
// it. It returns fn's first error, or the input's (a truncated or failing
// input is an error, as for Read; ctx is checked between blocks), after
// which the Reader cannot continue. Memory is the blocks in flight, as
// for Stream.
func (rd *Reader) EachBatch(ctx context.Context, fn func(*Batch) error) error {
	var ferr error
	b := &Batch{cfg: &rd.cfg}
	return rd.eachChunk(ctx, nil, func(c *chunk) error {
		err := rd.consume(c, func(lo, hi int) {
			if ferr == nil && hi > lo {
				b.rows = c.rows[lo:hi]
				if rd.cfg.extra {
					b.exts = c.exts[lo:hi]
				}
				ferr = fn(b)
				b.rows, b.exts = nil, nil
			}
		})
		if ferr != nil {
			return ferr
		}
		return err
	})
}
