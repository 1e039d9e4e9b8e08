//go:build race

package routeindex_test

// raceEnabled is true when the tests run under the race detector.
const raceEnabled = true
