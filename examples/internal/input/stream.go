package input

import (
	"context"
	"fmt"
	"io"
	"iter"
	"slices"
	"time"

	"github.com/cvmkit/cvm"
)

// StreamSettings are the settings of [Stream]. The zero value streams an
// input read as of the default as-of to a consumer that counts every
// transaction it is given.
type StreamSettings struct {
	// AsOf is the as-of of the read and of its data report, as for
	// ReadAll: the command's -as-of, or the zero time for the default
	// (cvm.Report.AsOf).
	AsOf time.Time
	// Until is the time after which the consumer leaves transactions out
	// itself (the end of its calibration or holdout period, or of its
	// -as-of day). When the report's as-of is at or after Until, the rows
	// after the as-of are after Until too, so the consumer ignored them
	// and the stream is kept. The zero time means that the consumer
	// counts every transaction.
	Until time.Time
	// Hold reads the input whole and returns its transactions, for a
	// command that uses them again after consume; false streams them
	// when it can.
	Hold bool
}

// Stream hands the transactions of the file at path ("-" for standard
// input) to consume and returns consume's result, streaming them when it
// can so that they are never all held. It returns the transactions too
// when it held them, in file order, and nil when they streamed. A nil set
// means the zero StreamSettings.
//
// Stream streams the file through consume, read as of set.AsOf
// (OpenReport). The transactions after the data report's as-of are to be
// left out, as ReadAll leaves them out: when there are some
// (cvm.Report.AfterAsOf) and the as-of is before set.Until, or set.Until
// is zero, consume has counted transactions it must not, so its result
// and error are dropped, nothing is printed, and the file is read again,
// whole, with ReadAll as of set.AsOf, for consume to be called once more
// on the transactions at or before the as-of. Standard input, which
// cannot be read twice, and set.Hold are read whole from the start.
// Either way the read counts (unless -q) and the data report are printed
// on stderr as ReadAll prints them, once, after the input is read and
// before any error of consume is returned.
//
// ctx is handed to the stream and to consume; ReadAll does not check it.
// An error opening path is returned as Open returns it. A read error (a
// bad row without -skip-bad, a truncated input) is returned before the
// report is printed, an error of consume after it; both name path and
// wrap the cause. With an error, the result is the zero T and there are
// no transactions.
func Stream[T any](ctx context.Context, f *Flags, path string, set *StreamSettings, stderr io.Writer, consume func(context.Context, iter.Seq[cvm.Transaction]) (T, error)) (T, []cvm.Transaction, error) {
	var s StreamSettings
	if set != nil {
		s = *set
	}
	var zero T
	if !s.Hold && path != "-" {
		rd, closeFn, err := f.OpenReport(path, s.AsOf)
		if err != nil {
			return zero, nil, err
		}
		v, err := consume(ctx, rd.Stream(ctx))
		closeFn()
		if rerr := rd.Err(); rerr != nil {
			return zero, nil, fmt.Errorf("%s: %w", path, rerr)
		}
		if rep := rd.Report(); rep.AfterAsOf == 0 || !s.Until.IsZero() && !rep.AsOf.Before(s.Until) {
			// The report is printed before an error of consume (such as
			// a first purchase centuries before a calibration end).
			f.Report(path, rd.Stats(), stderr)
			if perr := f.PrintReport(path, rd, stderr); perr != nil {
				return zero, nil, perr
			}
			if err != nil {
				return zero, nil, fmt.Errorf("%s: %w", path, err)
			}
			return v, nil, nil
		}
	}
	txs, _, err := f.ReadAll(path, s.AsOf, stderr)
	if err != nil {
		return zero, nil, err
	}
	v, err := consume(ctx, slices.Values(txs))
	if err != nil {
		return zero, nil, fmt.Errorf("%s: %w", path, err)
	}
	return v, txs, nil
}
