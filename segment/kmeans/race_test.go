//go:build race

package kmeans

// raceEnabled is true under the race detector, which makes the pure-Go
// distance loops many times slower: TestKernelPathsAgreeD then fits fewer
// rows and TestBenchDataMatchesReference (one goroutine's arithmetic at
// 100k x 32, with nothing the detector can find that the smaller fits do
// not exercise) is skipped; a run without -race checks them in full.
const raceEnabled = true
