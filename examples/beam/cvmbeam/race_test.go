//go:build race

package cvmbeam

// raceEnabled says the tests run with the race detector, which makes the
// larger pipelines too slow for a unit test.
const raceEnabled = true
