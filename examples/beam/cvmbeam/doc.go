// Package cvmbeam runs cvm's per-customer computations as an Apache Beam
// pipeline (Go SDK), with the same output for every customer as the
// single-machine path.
//
// # Overview
//
// [ReadCSV] reads transaction files with cvm.NewReader, one file a shard,
// and keys every transaction by its customer, tagged with its position
// (file, index). It also merges a [Clock] per shard into the global
// figures the per-customer stages need ([Cut]): the as-of (cvm's default
// rule, [Clock.DefaultAsOf], unless one is given) and the earliest
// transaction.
//
// [Summaries] groups by customer, puts each customer's transactions back
// in input order and summarises them with cvm.Summarize, cut at the as-of.
// A customer's summary depends only on the customer's own transactions in
// stream order (sums in stream order with Neumaier's compensation,
// occasions as distinct days), so grouping on the customer first makes it
// exact: the bits of cvm.Summarize on the whole stream, whatever the
// runner, the number of workers and the order in which they deliver.
// [SummaryCSV] writes them in the format of cvm summary, sorted by
// customer ([WriteSorted]).
//
// Elements are plain structs of strings and numbers ([Row], [Summary],
// [Clock], [Cut], [Line]) so that every runner can encode them; every
// DoFn is registered (beam/register) for the runners that need it.
package cvmbeam
