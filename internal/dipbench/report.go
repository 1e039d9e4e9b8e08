package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"
)

// report prints the run as Markdown: what ran where, the command, one
// side-by-side table, and notes.
func report(w io.Writer, c *config, d *dataSet, rows []row, notes []string, started time.Time) {
	fmt.Fprintf(w, "\n## LNP dips side by side (dipbench, %s)\n\n", started.UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(w, "Machine: %d CPUs (%s), Linux %s, %s, GOMAXPROCS=%d. Load generator, dip server, Redis and PostgreSQL all run on this one machine and share its cores.\n\n",
		runtime.NumCPU(), cpuModel(), kernel(), runtime.Version(), runtime.GOMAXPROCS(0))
	fmt.Fprintf(w, "Data: %s ported TNs over %s NPA-NXX codes, %s distinct routes (a third with four DPC/SSN pairs), seed %d. Probes: %s TNs cycled through, %.0f%% ported, %.0f%% not ported in a known code (answered from the code holder).\n\n",
		commas(int64(len(d.tns))), commas(int64(len(d.codes))), commas(int64(len(d.routes))), d.seed, commas(int64(c.probes)), c.hit*100, (1-c.hit)*100)
	fmt.Fprintf(w, "Command:\n\n")
	if s := os.Getenv("DIPBENCH_SCRIPT"); s != "" {
		fmt.Fprintf(w, "    %s\n\nwhich ran\n\n", s)
	}
	fmt.Fprintf(w, "    %s\n\n", commandLine())

	fmt.Fprintln(w, "| target | one dip | clients | dips/s | mean | p50 | p99 | p99.9 | errors | CPU/dip: server + client | CPU: machine / others | load | per TN |")
	fmt.Fprintln(w, "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
	for _, r := range rows {
		mean, p50, p99, p999, errs, perDip := "—", "—", "—", "—", "—", "—"
		if r.mean > 0 {
			mean = fmtDur(r.mean)
		}
		if r.res != nil {
			p50, p99, p999 = fmtDur(r.res.quantile(0.50)), fmtDur(r.res.quantile(0.99)), fmtDur(r.res.quantile(0.999))
			errs = commas(int64(r.res.errs))
			perDip = fmt.Sprintf("%.1f + %.1f µs", r.serverUS, r.clientUS)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %.0f%% / %.0f%% | %s | %s |\n",
			r.target, r.op, r.clients, commas(int64(r.rate+0.5)), mean, p50, p99, p999, errs, perDip, r.cpu.machine, r.cpu.other, r.load, r.mem)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "\"CPU/dip\" is the CPU time (user + system, /proc/PID/stat) per dip of the server side (the dip server process, redis-server, or all postgres processes) and of the load generator, over the measured window; the kernel's loopback and interrupt work is in neither. ")
	fmt.Fprintf(w, "In-process rows are tight loops: \"mean\" is ns per lookup on one goroutine; percentiles at that scale would measure the clock, so none are given. Networked rows are closed loops of %d clients, %v each after %v of warm-up; every dip's latency (request sent → answer decoded) is recorded and the percentiles are exact. \"CPU\" is measured over each row's window in %% of one core (%d%% = all cores): the whole machine's busy time (/proc/stat), and the part of it that was not the benchmark's: the machine's busy time less that of dipbench, its dip server, redis-server and postgres (/proc/PID/stat), kernel threads and interrupts. That is other sessions' builds and tests on this shared machine (short-lived ones included) and time stolen by the hypervisor.\n\n",
		c.concurrency, c.duration, c.warmup, 100*runtime.NumCPU())
	for _, n := range notes {
		fmt.Fprintf(w, "- %s\n", n)
	}
	fmt.Fprintf(w, "\nTotal run time %v.\n", time.Since(started).Round(time.Second))
}

// commandLine returns how this program was run, shell-quoted.
func commandLine() string {
	var b strings.Builder
	for i, a := range os.Args {
		if i == 0 {
			a = "dipbench"
			if s := os.Getenv("DIPBENCH_CMD"); s != "" {
				a = s
			}
			b.WriteString(a)
			continue
		}
		b.WriteByte(' ')
		b.WriteString(shellQuote(a))
	}
	return b.String()
}

func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=.,/:@+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for line := range strings.SplitSeq(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func kernel() string {
	b, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return strings.TrimSpace(string(b))
}

func fmtDur(d time.Duration) string {
	switch {
	case d < time.Microsecond:
		return fmt.Sprintf("%d ns", d.Nanoseconds())
	case d < 10*time.Microsecond:
		return fmt.Sprintf("%.1f µs", float64(d)/1e3)
	case d < time.Millisecond:
		return fmt.Sprintf("%.0f µs", float64(d)/1e3)
	case d < time.Second:
		return fmt.Sprintf("%.2f ms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

func fmtBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
}

func commas(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
