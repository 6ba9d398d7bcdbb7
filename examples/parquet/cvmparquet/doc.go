// Package cvmparquet reads customer transactions from Parquet files, and
// writes them, for the cvm library.
//
// # Overview
//
// [NewReader] (or [OpenFile]) maps a file's top-level columns by name
// exactly as [cvm.NewReader] maps CSV headers, with the same
// [cvm.ReadSettings]: Customer, Time and Amount (or Quantity and Price),
// Order, Product, Category and Channel, with the same defaults
// ("customer", "time", "amount", and "order" when the file has one).
// [Reader.Stream] yields [cvm.Transaction] values in file order, for any
// entry point that takes a transaction stream; [Reader.Summarize] gives
// the []cvm.Summary that [cvm.Summarize] gives on those transactions, bit
// for bit. Row groups are decoded in parallel on up to GOMAXPROCS
// goroutines and combined in file order, so results never depend on the
// number of workers.
//
// # Types
//
// The physical and logical types real exports use are read:
//
//	customer, order, product, category, channel: BYTE_ARRAY or
//	    FIXED_LEN_BYTE_ARRAY (STRING, ENUM or none), trimmed of spaces and
//	    tabs as CSV fields are; INT32 or INT64, as decimal text
//	time: INT64 TIMESTAMP(MILLIS|MICROS|NANOS) (also the legacy
//	    TIMESTAMP_MILLIS and TIMESTAMP_MICROS), INT32 DATE, legacy INT96
//	    (Impala, Hive, Spark), or a string in the CSV reader's automatic
//	    layouts or ReadSettings.TimeLayout
//	amount, quantity, price: DOUBLE, FLOAT, INT32, INT64, DECIMAL (on
//	    INT32, INT64, BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY, up to 38 digits),
//	    or a string holding a number
//
// A timestamp with isAdjustedToUTC is an instant; one without it, a DATE,
// and a string without an offset are wall-clock times in
// ReadSettings.Location (UTC by default), as times without a zone are in
// CSV. A DECIMAL or an integer becomes the float64 nearest its decimal
// value, which is what strconv.ParseFloat and the CSV reader give for its
// text; a FLOAT is widened exactly. Quantity x price is computed as the
// CSV reader computes it: exactly, rounded once, when both are decimals
// of at most 15 significant digits whose integer product stays below
// 2^53, so 6 x 2.55 is 15.3; DOUBLE and FLOAT values take part as their
// shortest decimal form, DECIMAL values as their unscaled digits and
// scale. So a file and the CSV text of the same values (DOUBLEs in their
// shortest form) give the same transactions, bit for bit.
//
// A null or blank customer is an empty customer ID: skipped and counted
// (Stats.EmptyCustomer) unless ReadSettings.FailOnEmptyCustomer is set. A
// null time or amount is a bad row, as an empty CSV field is.
//
// # Errors and hostile files
//
// Every error names the file, the row group (0-based, as Parquet tools
// number them), the row (1-based within the file) and the column:
// a [*RowError]. A bad row stops the stream unless
// ReadSettings.SkipBadRows is set. A file that is not Parquet, is cut
// short, or has a page that cannot be decoded (parquet-go checks page
// CRCs when the writer stored them) is an error wrapping [ErrCorrupt],
// never fewer rows: every column chunk must hold exactly its row group's
// rows. Before parquet-go reads a column chunk, its page headers are
// decoded from a bounded window of the file and checked: a page must fit
// in its chunk, claim at most 256 times its compressed size (plus 1 MiB)
// uncompressed and at most its row group's rows (and 16,777,216) values,
// so lengths in a hostile file cannot size allocations the file could
// not back. Every column chunk of a mapped column must carry that
// column's path and physical type, as the schema gives them (parquet-go
// decodes by the schema's type, so a chunk that says otherwise would be
// read as values it does not hold). A panic inside parquet-go on a
// malformed file is recovered and returned as an ErrCorrupt error naming
// the file.
//
// # Writing
//
// [Write] and [WriteFile] write transactions as Parquet (customer, time
// as TIMESTAMP(NANOS) adjusted to UTC, amount as DOUBLE, the optional
// fields nullable; strings dictionary-encoded, pages Snappy-compressed,
// row groups of [DefaultRowGroupRows] rows); WriteFile writes whole or
// not at all, to a temporary file renamed over the target. [ConvertCSV]
// converts a CSV file that cvm reads, [ConvertReader] the transactions of
// a cvm.Reader the caller made (with an Auditor, say); the command
// examples/parquet/cmd/csv2parquet wraps it, with the cvm command's
// input flags.
//
// # Why parquet-go
//
// github.com/parquet-go/parquet-go is pure Go, reads and writes every
// type above, and exposes pages and typed values directly, which is all a
// row-oriented reader needs. Apache Arrow Go (github.com/apache/arrow-go)
// would read the same files into Arrow arrays first; its strengths
// (columnar compute, IPC, Flight) are not used here, and it is a much
// larger dependency.
package cvmparquet
