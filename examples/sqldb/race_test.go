//go:build race

package sqldb

// raceEnabled is true under the race detector, which makes the
// transpiled SQLite many times slower: the real data sets are then
// checked with one setting, and Online Retail on PostgreSQL only (see
// TestSummariesEqualCSV); a run without -race checks them all.
const raceEnabled = true
