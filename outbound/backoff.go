package outbound

import (
	"math/rand/v2"
	"time"
)

// schedule is the delay before retry n+1 after n failed attempts.
var schedule = [...]time.Duration{
	10 * time.Second,
	30 * time.Second,
	time.Minute,
	5 * time.Minute,
	15 * time.Minute,
	time.Hour,
}

// BackoffBase returns the delay before the next try after attempt failed
// attempts in a row: 10s, 30s, 1m, 5m, 15m, then 1h for every later one.
// Attempt counts from 1; smaller values count as 1. It has no jitter; use
// it for tests (Worker.Backoff) and Backoff otherwise.
func BackoffBase(attempt int) time.Duration {
	i := min(max(attempt, 1), len(schedule)) - 1
	return schedule[i]
}

// Backoff is BackoffBase with ±10% uniform random jitter, so that endpoints
// that failed together spread their retries.
func Backoff(attempt int) time.Duration {
	d := BackoffBase(attempt)
	spread := int64(d) / 5 // 20% wide, centered on d
	return time.Duration(int64(d) - spread/2 + rand.Int64N(spread+1))
}
