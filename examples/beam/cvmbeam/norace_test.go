//go:build !race

package cvmbeam

const raceEnabled = false
