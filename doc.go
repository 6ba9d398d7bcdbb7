// Package cvm is the shared vocabulary of the cvm customer-value-modeling
// library: transactions, CSV ingestion, per-customer summaries and
// calibration/holdout splits.
//
// # Overview
//
// Firms that practise one-to-one marketing (Peppers & Rogers 1993) work in
// four steps: identify each customer from everything they do, differentiate
// customers by value and needs, interact with each in the context of where
// the relationship stands, and customise what each gets. The packages of
// this module follow those steps:
//
//   - cvm (this package) identifies: it reads transactions ([Transaction])
//     from CSV files of any size and condenses them into one [Summary] per
//     customer.
//   - segment differentiates by behaviour: RFM scores with named segments,
//     and (segment/kmeans) k-means clusters with honest k selection.
//   - value differentiates by worth: a 30-indicator model of current and
//     potential value with AHP, entropy and CRITIC weights, the value matrix
//     and the customer pyramid; value/clv forecasts lifetime value with
//     BG/NBD, Pareto/NBD and Gamma-Gamma models to drive potential value.
//   - lifecycle interacts in context: an event-driven state machine for the
//     exploration, formation, stability and decline stages of a relationship.
//   - recovery customises: service-recovery playbooks computed in advance for
//     every customer, failure type and severity, looked up when a failure
//     happens.
//
// Data flows one way: transactions and summaries from this package feed
// segment, value and lifecycle; their quadrants, tiers and stages feed
// recovery. This package imports none of them.
//
// # Conventions
//
// A purchase is a transaction with a non-negative amount; a negative amount
// is a return or refund. Purchase occasions are distinct calendar days by
// default ([ByDay]), as in the customer-base literature, or distinct orders
// ([ByOrder]). No function here reads the clock: "as of" times are always
// parameters.
//
// # One convention for every package
//
// A user who has learned one package of cvm has learned them all:
//
//   - Settings: a long-running or configurable call takes a pointer to a
//     settings struct named Settings, or XSettings where a package has
//     several (for example [ReadSettings]). A nil pointer means every
//     default; a zero field means that field's documented default. Where
//     zero is itself a meaningful choice, the field's doc comment says how
//     to ask for it.
//   - Arguments: ctx context.Context comes first on every call that can
//     run long (reading, summarising, fitting, classifying, building);
//     a dst slice, where a call writes into one, comes next, before the
//     inputs, as in gonum's floats.AddTo(dst, s, t); a nil dst is
//     allocated. Long calls report progress through a Progress field of
//     their settings.
//   - Streams: transactions are passed as iter.Seq[Transaction].
//   - Models: fit, then apply. Anything fitted marshals to JSON in one
//     envelope, {"format": "cvm.<pkg>.<type>", "version": N, "card":
//     {...}, ...}, with an exported Format constant per type and a
//     [ModelCard] saying where it came from; json.Unmarshal is the one
//     decode verb, strict about unknown fields, and a file of another
//     format or version is a [*FormatError] naming both.
//   - Enums: every enum type has String, MarshalText and UnmarshalText in
//     the package that owns it.
//   - SQL: a fitted model that a database can score exports itself with
//     SQL(d Dialect, s *SQLSettings) (string, error): one query in the
//     dialect over the input table and columns s names, numbers printed
//     exactly, so a warehouse scores without any cvm code (segment.Scorer,
//     value.Model, clv.BGNBD, clv.GammaGamma, profile.Models).
//   - Errors: data problems are returned as errors naming the line,
//     column, customer, field or parameter; panics are for programmer
//     errors only.
//
// # Reading transactions
//
// [NewReader] reads CSV from any io.Reader (gzip is recognised by its
// magic bytes). Columns are chosen by header name or by 1-based position
// ([ReadSettings]); the amount is one column or quantity x unit price; the
// delimiter is a comma, semicolon, tab or runs of white space; times are
// RFC 3339, "2006-01-02 15:04:05", "2006-01-02", "20060102" or a layout
// the caller gives. [Reader.Read] returns one [Transaction] at a time;
// [Reader.Summarize] and [Reader.ReadAll] read the rest of the input in
// blocks of whole records parsed on GOMAXPROCS goroutines and combined in
// input order, so their results never depend on the number of goroutines.
// [Reader.SummarizeEach] hands Summarize's summaries over in batches
// (never all held on a file sorted by customer), [Reader.Stream] yields
// the transactions one at a time, and
// [Reader.EachBatch] hands over runs of parsed rows ([Batch]: customer,
// time, amount and the optional quantity, product, category and channel)
// for a caller that needs no Transaction of each.
// A bad row is a [*ParseError] naming the line, the column and the value;
// [ReadSettings.SkipBadRows] skips and counts bad rows instead
// ([ReadStats]). Rows with an empty customer ID are skipped and counted, or
// are errors with [ReadSettings.FailOnEmptyCustomer].
//
// No input is read as less than it holds, and none exhausts memory:
//
//   - A source that fails or ends inside a record (a gzip member or an
//     HTTP body cut short, a disk error) is an error naming the line
//     reached and wrapping the cause, on every path; trailing data after
//     a gzip stream is an error too.
//   - A record is bounded: a line longer than [ReadSettings.MaxRecordBytes]
//     (1 MiB by default) is a bad row ([ErrRecordTooLong]), read in
//     bounded memory; a quoted field not closed within
//     [ReadSettings.MaxRecordLines] lines (100) and MaxRecordBytes is a
//     stray quote, a bad row at its line ([ErrQuote]), after which reading
//     resumes on the next line. Finding records is linear in the input.
//   - The reader holds a few blocks of input and the longest record; the
//     summaries hold about 100 bytes per customer plus its ID and 8 to 48
//     bytes per distinct (customer, occasion) pair, whatever the number of
//     rows ([Summarizer]). [Reader.Summarize] adds up to 2M parsed rows
//     waiting for their partitions (about 150 MB; none while the IDs
//     ascend, as in a file sorted by customer) and the result: measured
//     peak under 950 bytes per customer all included for 1M customers and
//     10M rows in any order (README).
//   - A customer's exact sum that would reach 2^127 units of its scale
//     (about 1.7e36 with cents) is an error naming the customer
//     ([ErrOverflow]), never a NaN, infinite or silently rounded total.
//   - Customer and order IDs are interned as 31-bit indexes: a 2^31-1st
//     distinct one is an error ([ErrTooManyIDs]) naming it, never a panic.
//
// # Database sources
//
// [NewRowsReader] reads transactions from the rows of a database/sql
// query, with the column mapping of the CSV reader (the query's column
// names play the header: customer, time, amount or quantity x price,
// order, product, category, channel, by name or position), its parsers
// and its errors: a bad value is a [*ParseError] naming the row number,
// the column and the value, and a NULL time or amount wraps [ErrNull].
// Times may be time.Time, text in the CSV layouts, or Unix seconds;
// amounts float64, integers or decimal text (PostgreSQL's numeric comes as
// text and is parsed exactly, as a CSV field). A [RowsReader] feeds every
// entry point that takes a transaction stream ([RowsReader.All] with
// [RowsReader.Err]) and has [RowsReader.Summarize] and
// [RowsReader.ReadAll] like the CSV reader:
//
//	rows, err := db.QueryContext(ctx, `SELECT customer, time, amount FROM tx`)
//	...
//	defer rows.Close()
//	rd, err := cvm.NewRowsReader(rows, nil)
//	...
//	sums, err := rd.Summarize(ctx, nil)
//
// The summary can instead be pushed down into the database:
// [SummaryQuery] generates, for a [Dialect] (SQLite, PostgreSQL, DuckDB
// or ANSI), one query that returns a row per customer (first and last
// purchase, occasions by day in a time zone or by order, rows, net total,
// returns), [ReadSummaryRows] reads those rows back into Summaries sorted
// by customer, and [SummarizeSQL] does both. The table is a name (its
// schema.table parts quoted) or a subquery in parentheses. The results
// are those of [Summarize] on the same transactions, bit for bit (on
// SQLite and DuckDB, as long as no amount has more decimal places than
// [SQLSummarySettings.Scale], 4 by default; more are rounded to it): the
// query sums money exactly (numeric in PostgreSQL, DECIMAL(38, Scale) in
// DuckDB, integers of 10^-Scale in SQLite) and the sum is rounded to
// float64 once, in Go. SQLite has no time zones: days are UTC or a fixed offset there, and
// times must be ISO 8601 text in UTC as drivers write them. The tests run
// on SQLite and PostgreSQL in the nested module examples/sqldb; the
// README has the timings of both paths.
//
// # Summaries
//
// For customer i with purchases (amount >= 0) at times t_1..t_n and returns
// r_1..r_m, all at or before the as-of time T:
//
//	First       = min t_j          Last = max t_j
//	Occasions   = |{day(t_j)}|     (ByDay; |{order(t_j)}| with ByOrder)
//	Total       = sum of all amounts, purchases and returns
//	Returns     = -sum r_k
//	Mean        = Total / Occasions
//
// Total and Returns are the float64 nearest to the exact decimal sums
// (ties to even), rounded once. Each amount counts as the shortest
// decimal that converts back to its float64 (strconv.FormatFloat with
// precision -1): 0.1 is one tenth, so a million amounts of 0.1 total
// exactly 100000. The CSV reader's plain decimals (up to 15 significant
// digits) are those decimals as written. A customer's purchases and
// returns are held as integers of units of 10^-s, s the most decimal
// places among its amounts, in 128 bits: exact up to 2^127 units. So
// the figures depend only on the set of transactions: not on their
// order, on GOMAXPROCS, or on how they were partitioned and merged; a
// database that sums NUMERIC amounts exactly and converts the sum to
// double precision once gets the same bits. The
// frequency x, recency t_x and age T of the BG/NBD and Pareto/NBD models
// (Fader, Hardie & Lee 2005) are Occasions-1, Last-First and T-First when
// occasions are days.
//
// [Split] divides a stream at a cut-off into calibration (at or before)
// and holdout (after) periods; [EndOfDay] turns a date into the cut-off
// that keeps that whole day in the calibration period.
//
// # Partial summaries and merging
//
// A [Summarizer] fed any subset of the transactions is a partial summary,
// and [Summarizer.Merge] combines partials of the same settings. Every
// figure is a function of the set of a customer's transactions, so the
// merge is associative and commutative and gives exactly one pass's
// bits:
//
//	First, Last   min and max over the partials
//	Transactions  sum
//	purchases and returns
//	              exact sums, at the larger of the two scales
//	Occasions     ByDay: the union of the sets of days (in
//	              SummarySettings.Location); ByOrder: the union of
//	              the sets of order IDs, plus the purchase rows without
//	              an order ID, each its own occasion, whose counts add
//
// A partial travels between processes as JSON ([Summarizer.MarshalJSON],
// format [SummarizerFormat]; decoding is strict). In memory a partial
// holds about 100 bytes per customer plus its ID, 8 bytes per distinct
// (customer, day) or (customer, order) pair (up to 48 while it
// deduplicates) and, with ByOrder, about 30 bytes per distinct order ID
// plus the ID; its JSON takes about 150 bytes per customer plus its ID,
// and 6 bytes per day or the order ID plus 3 (measured on synthetic
// data: 19.4 MB by day, 23.7 MB by order, for 100,000 customers with
// 745,000 purchase days).
//
// # Data report and the default as-of
//
// A [Report] says what a user should know about the data before trusting
// a result: rows read, skipped and without a customer; exact duplicates;
// zero and negative amounts; customers with returns only; orders whose
// rows fall on several days; rows earlier than the same customer's
// previous row; the time span and the rows far outside it; a suspected
// time-zone shift; and how much of the purchase amount the analysis
// covers. Each finding is a count with the first rows as examples (line,
// customer, time, amount), and Report.Warnings states the findings as
// sentences. [Auditor] builds it one transaction at a time, [Audit] from
// an iter.Seq, and [Reader.Report] from what a Reader read with
// [ReadSettings.Audit] set, with the reader's counts and line numbers.
//
// Outliers and the default as-of. Let k_1 <= ... <= k_n be the calendar
// months (year*12 + month) of the n rows, Q1 = k_ceil(n/4) and Q3 =
// k_ceil(3n/4). A row is an outlier when
//
//	k < Q1 - M  or  k > Q3 + M,   M = max(10 (Q3 - Q1), 12) months
//
// and the default as-of is the end of the day of the latest row that is
// not an outlier: every row after it is a late outlier, counted in
// Report.AfterAsOf, left out by an analysis as of it and named in a
// warning. So one row dated 9999-12-31 cannot become the analysis time,
// and one dated in year 0 or 1 is named. The quartiles ignore up to a
// quarter of the rows at either end, so outliers cannot move the fence.
// The factor 10 keeps real data inside it: for activity that decays
// exponentially (a cohort of customers acquired together, as CDNOW) with
// rate λ, Q1 = ln(4/3)/λ, Q3 = ln(4)/λ and the fence lies at
// (ln 4 + 10 ln 3)/λ = 12.4/λ, beyond which a fraction e^-12.4 = 4e-6
// of the rows fall; data spread evenly over a span S has Q3 - Q1 = S/2
// and the fence 4.75 S after its end. The floor of 12 months keeps a short
// file (a week of data) from calling a row a few months later an outlier.
// With fewer than four rows nothing can be called an outlier.
//
// Time-zone suspicion: of date-only data every row is at midnight. When
// more than half of 10 or more rows are exactly on a quarter hour and
// fewer than half of those at midnight, the most common such time of day
// is taken for shifted midnights, and Report.TimeZone names the zone
// whose midnight it is (23:00 UTC is midnight at UTC+01:00); likewise when
// more than half of the rows fall in one hour other than 0 (most rows at
// 23:xx).
//
// Memory of an Auditor is bounded by the customers, not the rows: about
// 40 bytes a customer plus its ID, a duplicate window of the last 4096
// rows (AuditSettings.DuplicateWindow, about 56 bytes a row), and about
// 150 bytes a calendar month that holds data. Exact duplicates are
// therefore found within the window only; a whole export appended twice
// shows as rows out of time order instead. The report is deterministic:
// the same rows in the same order give the same report, whatever
// GOMAXPROCS.
package cvm
