//go:build race

package cvm

// raceEnabled is true under the race detector, which makes the long
// differential tests many times slower: they then check fewer inputs
// (see TestReaderSummarizeAscendingMatchesRows); a run without -race
// checks them all.
const raceEnabled = true
