package main

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/opennpac/npac"
)

// client dips one TN over some path and returns the answer as it decoded
// it. A client is used by one goroutine at a time.
type client interface {
	Dip(tn npac.TN) (*npac.Route, error)
	Close() error
}

// afterDipper is a client with work to do after each dip that is not part
// of the dip's latency, such as the ACK of a SIP INVITE.
type afterDipper interface {
	AfterDip() error
}

// result is what a closed-loop run measured.
type result struct {
	clients  int
	ops      int           // dips answered in the measured window
	errs     int           // dips that failed in the measured window
	firstErr error         // the first failure, for the report
	elapsed  time.Duration // the measured window, to the last answer
	lat      []time.Duration
	cpu      cpuUse // in the measured window
	tries    int    // attempts made (see measure)
}

func (r *result) rate() float64 { return float64(r.ops) / r.elapsed.Seconds() }

// quantile returns the q-quantile of the latencies (nearest rank).
func (r *result) quantile(q float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	k := int(math.Ceil(q*float64(len(r.lat)))) - 1
	return r.lat[max(0, min(k, len(r.lat)-1))]
}

// ladder lists quantiles from p10 to the maximum.
func (r *result) ladder() string {
	var q []string
	for _, x := range []float64{0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1} {
		name := fmt.Sprintf("p%g", x*100)
		if x == 1 {
			name = "max"
		}
		q = append(q, name+" "+fmtDur(r.quantile(x)))
	}
	return strings.Join(q, ", ")
}

func (r *result) mean() time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	var sum time.Duration
	for _, l := range r.lat {
		sum += l
	}
	return sum / time.Duration(len(r.lat))
}

// closedLoop runs conc clients, each dipping probes one after another
// (a new dip as soon as the previous answer arrives), for warmup and then
// for dur. It records the latency of every dip that starts in the measured
// window. Each client walks the probes from its own starting point.
func closedLoop(conc int, warmup, dur time.Duration, p probes, newClient func(i int) (client, error)) (*result, error) {
	clients := make([]client, conc)
	for i := range clients {
		c, err := newClient(i)
		if err != nil {
			for _, c := range clients[:i] {
				c.Close()
			}
			return nil, err
		}
		clients[i] = c
	}
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()

	type perWorker struct {
		ops, errs int
		firstErr  error
		last      time.Time
		lat       []time.Duration
	}
	out := make([]perWorker, conc)
	start := time.Now()
	mark := start.Add(warmup)
	end := mark.Add(dur)
	var wg sync.WaitGroup
	for w := range conc {
		wg.Go(func() {
			c := clients[w]
			after, _ := c.(afterDipper)
			pw := &out[w]
			pw.lat = make([]time.Duration, 0, 1<<16)
			n := len(p.tns)
			i := w * (n / conc)
			for {
				t0 := time.Now()
				if !t0.Before(end) {
					return
				}
				_, err := c.Dip(p.tns[i])
				t1 := time.Now()
				if after != nil {
					if e := after.AfterDip(); err == nil {
						err = e
					}
				}
				if !t0.Before(mark) {
					if err != nil {
						pw.errs++
						if pw.firstErr == nil {
							pw.firstErr = fmt.Errorf("dip %s: %w", p.tns[i], err)
						}
					} else {
						pw.ops++
						pw.lat = append(pw.lat, t1.Sub(t0))
						pw.last = t1
					}
				}
				if i++; i == n {
					i = 0
				}
			}
		})
	}
	time.Sleep(time.Until(mark))
	c0 := readCPU()
	wg.Wait()

	r := &result{clients: conc, cpu: cpuSince(c0, runtime.NumCPU())}
	last := end
	for _, pw := range out {
		r.ops += pw.ops
		r.errs += pw.errs
		if r.firstErr == nil {
			r.firstErr = pw.firstErr
		}
		if pw.last.After(last) {
			last = pw.last
		}
		r.lat = append(r.lat, pw.lat...)
	}
	r.elapsed = last.Sub(mark)
	slices.Sort(r.lat)
	if r.ops == 0 {
		if r.firstErr == nil {
			r.firstErr = errors.New("no dip completed")
		}
		return r, r.firstErr
	}
	return r, nil
}

// verify dips the first n probes through c and checks every answer.
func verify(c client, p probes, n int) error {
	for i := range min(n, len(p.tns)) {
		got, err := c.Dip(p.tns[i])
		if a, ok := c.(afterDipper); ok {
			if e := a.AfterDip(); err == nil {
				err = e
			}
		}
		if err != nil {
			return fmt.Errorf("dip %s: %w", p.tns[i], err)
		}
		if err := sameAnswer(got, p.want[i]); err != nil {
			return fmt.Errorf("dip %s: %w", p.tns[i], err)
		}
	}
	return nil
}

// sameAnswer compares what a dip path answered with what it should. Paths
// that do not carry a field (SIP carries no SPID) leave it empty.
func sameAnswer(got, want *npac.Route) error {
	switch {
	case got == nil:
		return errors.New("no route")
	case got.Ported != want.Ported || got.LRN != want.LRN:
		return fmt.Errorf("got ported=%v lrn=%q, want ported=%v lrn=%q", got.Ported, got.LRN, want.Ported, want.LRN)
	case got.SPID != "" && got.SPID != want.SPID:
		return fmt.Errorf("got SPID %q, want %q", got.SPID, want.SPID)
	}
	return nil
}

// tight resolves probes in a tight loop on workers goroutines for dur and
// returns how many lookups were made and how long they took. Every probe
// is in a known code, so every lookup must answer.
func tight(r npac.Resolver, p probes, workers int, dur time.Duration) (ops int, elapsed time.Duration, cpu cpuUse, err error) {
	const chunk = 4096
	counts := make([]int, workers)
	misses := make([]int, workers)
	c0 := readCPU()
	start := time.Now()
	deadline := start.Add(dur)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			n := len(p.tns)
			i := w * (n / workers)
			var done, miss int
			for {
				for range chunk {
					if rt, ok := r.Resolve(p.tns[i]); !ok || rt == nil {
						miss++
					}
					if i++; i == n {
						i = 0
					}
				}
				done += chunk
				if time.Now().After(deadline) {
					break
				}
			}
			counts[w], misses[w] = done, miss
		})
	}
	wg.Wait()
	elapsed = time.Since(start)
	cpu = cpuSince(c0, runtime.NumCPU())
	for w := range workers {
		ops += counts[w]
		if misses[w] > 0 {
			err = fmt.Errorf("%d lookups found no route", misses[w])
		}
	}
	return ops, elapsed, cpu, err
}

// heapAlloc returns the live heap after full collections.
func heapAlloc() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
