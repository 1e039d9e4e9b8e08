package main

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// cpuSample is the machine's CPU time from /proc/stat and each process's
// from /proc/PID/stat, in clock ticks.
type cpuSample struct {
	busy, total uint64 // all CPUs; busy excludes idle and iowait
	irq         uint64 // irq + softirq, part of busy
	procs       map[int]procTicks
	kthreads    uint64 // kernel threads' ticks
}

type procTicks struct {
	comm  string
	ticks uint64 // utime + stime, all threads
}

var (
	benchMu   sync.Mutex
	benchPIDs = map[int]bool{os.Getpid(): true}
)

// addBenchPID marks pid (the dip server) as part of the benchmark.
func addBenchPID(pid int) {
	benchMu.Lock()
	benchPIDs[pid] = true
	benchMu.Unlock()
}

// isBench reports whether a process serves or drives the benchmark: this
// program, its dip server, Redis and PostgreSQL. Redis and PostgreSQL may
// also be serving others; their time is counted here all the same.
func isBench(pid int, comm string) bool {
	benchMu.Lock()
	defer benchMu.Unlock()
	return benchPIDs[pid] || comm == "redis-server" || strings.HasPrefix(comm, "postgres")
}

func readCPU() cpuSample {
	s := cpuSample{procs: map[int]procTicks{}}
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		line, _, _ := strings.Cut(string(b), "\n")
		if f := strings.Fields(line); len(f) >= 5 && f[0] == "cpu" {
			for i, v := range f[1:] {
				n, _ := strconv.ParseUint(v, 10, 64)
				s.total += n
				if i != 3 && i != 4 { // idle, iowait
					s.busy += n
				}
				if i == 5 || i == 6 {
					s.irq += n
				}
			}
		}
	}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, dir := range dirs {
		pid, err := strconv.Atoi(filepath.Base(dir))
		if err != nil {
			continue
		}
		b, err := os.ReadFile(dir + "/stat")
		if err != nil {
			continue
		}
		open, close := strings.IndexByte(string(b), '('), strings.LastIndexByte(string(b), ')')
		if open < 0 || close < open {
			continue
		}
		f := strings.Fields(string(b[close+1:]))
		if len(f) < 13 {
			continue
		}
		ut, _ := strconv.ParseUint(f[11], 10, 64)
		st, _ := strconv.ParseUint(f[12], 10, 64)
		if ppid, _ := strconv.Atoi(f[1]); ppid == 2 || pid == 2 {
			s.kthreads += ut + st
			continue
		}
		s.procs[pid] = procTicks{comm: string(b[open+1 : close]), ticks: ut + st}
	}
	return s
}

// cpuUse is CPU use over a window, in % of one core (200% = 2 cores).
type cpuUse struct {
	machine float64 // everything, kernel included
	// other is what was not the benchmark's: the machine's busy time less
	// the benchmark's processes, kernel threads and interrupts. It counts
	// other processes, those that exited within the window too, and time
	// stolen by the hypervisor.
	other float64
	// The benchmark's processes: this program (the load generator), its
	// dip server, redis-server and postgres.
	self, dipServer, redis, postgres float64
}

// role names the benchmark process pid is, or "".
func role(pid int, comm string) string {
	switch {
	case pid == os.Getpid():
		return "self"
	case comm == "redis-server":
		return "redis"
	case strings.HasPrefix(comm, "postgres"):
		return "postgres"
	}
	if isBench(pid, comm) {
		return "dipServer"
	}
	return ""
}

// cpuSince returns the CPU use since s.
func cpuSince(s cpuSample, cores int) cpuUse {
	e := readCPU()
	if e.total <= s.total {
		return cpuUse{}
	}
	perCore := float64(e.total-s.total) / float64(cores) // ticks of one core
	busy := e.busy - s.busy
	u := cpuUse{machine: float64(busy) / perCore * 100}
	var bench uint64
	byRole := map[string]uint64{}
	for pid, p := range e.procs {
		r := role(pid, p.comm)
		if r == "" {
			continue
		}
		var d uint64
		if q, ok := s.procs[pid]; ok && q.comm == p.comm && p.ticks >= q.ticks {
			d = p.ticks - q.ticks
		} else if !ok {
			d = p.ticks // started in the window
		}
		bench += d
		byRole[r] += d
	}
	pct := func(t uint64) float64 { return float64(t) / perCore * 100 }
	u.self, u.dipServer, u.redis, u.postgres = pct(byRole["self"]), pct(byRole["dipServer"]), pct(byRole["redis"]), pct(byRole["postgres"])
	if e.kthreads >= s.kthreads {
		bench += e.kthreads - s.kthreads
	}
	bench += e.irq - s.irq
	if busy > bench {
		u.other = pct(busy - bench)
	}
	return u
}

// quietWaited is the time waitQuiet has waited in all.
var quietWaited time.Duration

// waitQuiet waits until processes outside the benchmark use less than
// threshold % of a core over 2 s, for at most maxWait. A threshold of 0
// does not wait. It returns how long it waited.
func waitQuiet(ctx context.Context, threshold float64, maxWait time.Duration, what string) time.Duration {
	if threshold <= 0 {
		return 0
	}
	start := time.Now()
	defer func() { quietWaited += time.Since(start) }()
	logged := false
	for {
		s := readCPU()
		select {
		case <-ctx.Done():
			return time.Since(start)
		case <-time.After(2 * time.Second):
		}
		u := cpuSince(s, runtime.NumCPU())
		if u.other < threshold {
			if logged {
				logf("%s: quiet after %v", what, time.Since(start).Round(time.Second))
			}
			return time.Since(start)
		}
		if time.Since(start) >= maxWait {
			logf("%s: still %.0f%% of a core used by other processes after %v; running anyway", what, u.other, maxWait)
			return time.Since(start)
		}
		if !logged {
			logf("%s: waiting for other processes to use less than %.0f%% of a core (now %.0f%%)", what, threshold, u.other)
			logged = true
		}
	}
}

// loadAvg returns the first three fields of /proc/loadavg.
func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
