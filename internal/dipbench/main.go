// Command dipbench measures LNP dips side by side, in one run, on one data
// set: the routeindex and a plain Go map in process, HTTP and SIP dips
// served from a routeindex over loopback, and the same data in Redis (GET)
// and PostgreSQL (indexed SELECT). It prints one table for
// docs/performance.md. Run it through scripts/bench-dips.sh.
//
// The HTTP and SIP servers run in a child process (this program with
// -serve), so that, like Redis and PostgreSQL, they do not share a Go
// runtime or a heap with the load generator; they do share the machine's
// cores with it.
//
// Every networked target is driven by the same closed loop: -concurrency
// clients, each sending its next dip as soon as the previous answer
// arrives, for -warmup (not recorded) and then -duration. The latency of
// every dip in the measured window is kept, so percentiles are exact.
// Each client decodes the answer into an npac.Route, as a switch's dip
// client would; answers are checked against the data set first.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/opennpac/npac"
)

type config struct {
	spec        dataSpec
	probes      int
	hit         float64
	duration    time.Duration
	warmup      time.Duration
	concurrency int
	targets     []string
	redisAddr   string
	pgURL       string
	sipTimeout  time.Duration
	verifyN     int
	quiet       float64
	quietMax    time.Duration
	attempts    int
	serve       bool
}

var allTargets = []string{"index", "map", "http", "sip", "redis", "postgres"}

func main() {
	var c config
	var targets string
	flag.IntVar(&c.spec.tns, "tns", 1_000_000, "ported TNs to generate")
	flag.IntVar(&c.spec.codes, "codes", 0, "NPA-NXX codes to spread them over (0: one per 500 TNs)")
	flag.IntVar(&c.spec.routes, "routes", 4000, "distinct routes (LRN, SPID, SV type, DPC/SSNs)")
	flag.Uint64Var(&c.spec.seed, "seed", 20261121, "random seed of the data and the probes")
	flag.IntVar(&c.probes, "probes", 1<<20, "distinct probe TNs the clients cycle through")
	flag.Float64Var(&c.hit, "hit", 0.9, "share of probes that are ported TNs; the rest are not-ported TNs of known codes")
	flag.DurationVar(&c.duration, "duration", 10*time.Second, "measured time per target")
	flag.DurationVar(&c.warmup, "warmup", time.Second, "unrecorded warm-up per networked target")
	flag.IntVar(&c.concurrency, "concurrency", 32, "clients in flight for networked targets")
	flag.StringVar(&targets, "targets", strings.Join(allTargets, ","), "targets to run, comma-separated: "+strings.Join(allTargets, ","))
	flag.StringVar(&c.redisAddr, "redis", "127.0.0.1:6379", "Redis address")
	flag.StringVar(&c.pgURL, "postgres", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "PostgreSQL URL")
	flag.DurationVar(&c.sipTimeout, "sip-timeout", 4*time.Second, "how long a SIP client waits for a final answer, retransmitting its INVITE after 0.5, 1.5, 3.5 s")
	flag.IntVar(&c.verifyN, "verify", 2000, "probes whose answers are checked on each path before it is measured")
	flag.Float64Var(&c.quiet, "wait-quiet", 0, "before each row, wait until processes outside the benchmark use less than this % of a core (0: don't wait)")
	flag.DurationVar(&c.quietMax, "wait-quiet-max", 5*time.Minute, "longest -wait-quiet wait per row")
	flag.IntVar(&c.attempts, "attempts", 1, "with -wait-quiet: measure a row up to this many times while processes outside the benchmark use more than -wait-quiet % of a core during it, and keep the least disturbed attempt")
	flag.BoolVar(&c.serve, "serve", false, "internal: be the HTTP/SIP server process")
	flag.Parse()
	if c.spec.codes == 0 {
		c.spec.codes = max(1, c.spec.tns/500)
	}
	for t := range strings.SplitSeq(targets, ",") {
		if t = strings.TrimSpace(t); t == "" {
			continue
		}
		if !slices.Contains(allTargets, t) {
			fatalf("-targets: unknown target %q (have %s)", t, strings.Join(allTargets, ","))
		}
		c.targets = append(c.targets, t)
	}
	if err := c.spec.check(); err != nil {
		fatalf("%v", err)
	}
	if c.concurrency < 1 || c.probes < c.concurrency || c.hit < 0 || c.hit > 1 {
		fatalf("need -concurrency ≥ 1, -probes ≥ -concurrency and 0 ≤ -hit ≤ 1")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if c.serve {
		if err := serve(ctx, c.spec); err != nil {
			fatalf("serve: %v", err)
		}
		return
	}
	if err := run(ctx, &c); err != nil {
		fatalf("%v", err)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "dipbench: "+format+"\n", args...)
}

func fatalf(format string, args ...any) {
	logf(format, args...)
	os.Exit(1)
}

func (c *config) wants(t string) bool { return slices.Contains(c.targets, t) }

// row is one line of the report.
type row struct {
	target, op, clients string
	rate                float64
	cpu                 cpuUse
	mean                time.Duration
	res                 *result // nil for in-process rows
	tries               int
	serverUS, clientUS  float64 // CPU µs per dip of the server side and of the load generator
	load, mem           string
}

func run(ctx context.Context, c *config) error {
	started := time.Now()
	notes := []string{"Load average at the start: " + loadAvg() + "."}
	t0 := time.Now()
	d := generate(c.spec)
	p := d.makeProbes(c.probes, c.hit)
	logf("generated %d ported TNs over %d codes, %d routes, %d probes in %v", len(d.tns), len(d.codes), len(d.routes), c.probes, time.Since(t0).Round(time.Millisecond))
	var rows []row
	n := float64(len(d.tns))
	gmp := runtime.GOMAXPROCS(0)

	// In process: the index and the Go map, built in this process so that
	// their heaps can be measured, then dropped before the network runs.
	if c.wants("index") || c.wants("map") {
		base := heapAlloc()
		t0 = time.Now()
		ix := d.buildIndex()
		ixLoad := time.Since(t0)
		ixHeap := heapAlloc() - base
		t0 = time.Now()
		m := d.buildMap()
		mLoad := time.Since(t0)
		mHeap := heapAlloc() - base - ixHeap
		notes = append(notes,
			fmt.Sprintf("routeindex: %.2f B/TN live heap (runtime.MemStats.HeapAlloc after GC, before and after the build), %.2f B/TN by its own Bytes(); %d distinct routes interned.",
				float64(ixHeap)/n, float64(ix.Bytes())/n, ix.Values()),
			fmt.Sprintf("Go map: %.2f B/TN live heap (map[string]*npac.Route of %d TNs plus a %d-entry code map; key strings each allocated, routes shared).",
				float64(mHeap)/n, len(m.tns), len(m.codes)))
		for i, tn := range p.tns {
			for name, r := range map[string]npac.Resolver{"routeindex": ix, "map": m} {
				got, ok := r.Resolve(tn)
				if !ok {
					return fmt.Errorf("%s: probe %s not found", name, tn)
				}
				if err := sameAnswer(got, p.want[i]); err != nil {
					return fmt.Errorf("%s: probe %s: %w", name, tn, err)
				}
			}
		}
		type inproc struct {
			name, op string
			r        npac.Resolver
			load     time.Duration
			heap     uint64
		}
		var ins []inproc
		if c.wants("index") {
			ins = append(ins, inproc{"routeindex", "Resolve", ix, ixLoad, ixHeap})
		}
		if c.wants("map") {
			ins = append(ins, inproc{"Go map", "2 map lookups at most", m, mLoad, mHeap})
		}
		for _, in := range ins {
			for _, workers := range []int{1, gmp} {
				type tr struct {
					ops int
					el  time.Duration
				}
				t, cpu, tries, err := measure(ctx, c, fmt.Sprintf("%s on %d goroutine(s)", in.name, workers), func() (tr, cpuUse, error) {
					logf("%s: tight loop on %d goroutine(s) for %v", in.name, workers, c.duration)
					ops, el, cpu, err := tight(in.r, p, workers, c.duration)
					return tr{ops, el}, cpu, err
				})
				if err != nil {
					return fmt.Errorf("%s: %w", in.name, err)
				}
				ops, el := t.ops, t.el
				rw := row{target: in.name + " (in process)", op: in.op, clients: fmt.Sprintf("%d goroutine%s", workers, plural(workers)),
					rate: float64(ops) / el.Seconds(), cpu: cpu, tries: tries, load: fmtDur(in.load), mem: fmt.Sprintf("%.1f B heap", float64(in.heap)/n)}
				if workers == 1 {
					rw.mean = el / time.Duration(ops)
				}
				rows = append(rows, rw)
				if workers == gmp {
					break
				}
			}
		}
		runtime.KeepAlive(ix)
		runtime.KeepAlive(m)
	}
	runtime.GC()
	debug.FreeOSMemory()

	// HTTP and SIP, served by a child process from its own routeindex.
	if c.wants("http") || c.wants("sip") {
		srv, err := startServer(ctx, c.spec)
		if err != nil {
			return err
		}
		defer srv.stop()
		var mem []string
		checkpoint := func(when string) memStats {
			ms, err := getMemStats(srv.httpAddr)
			if err != nil {
				logf("server memstats: %v", err)
				return ms
			}
			mem = append(mem, fmt.Sprintf("%s: live heap %s (%.1f B/TN), RSS %s, %d goroutines",
				when, fmtBytes(int64(ms.HeapAlloc)), float64(ms.HeapAlloc)/n, fmtBytes(srv.rss()), ms.Goroutines))
			return ms
		}
		checkpoint("after the build")
		if c.wants("http") {
			tr := newHTTPTransport(c.concurrency)
			hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}
			base := "http://" + srv.httpAddr + "/lnp/v1/"
			if err := verify(&httpClient{c: hc, base: base}, p, c.verifyN); err != nil {
				return fmt.Errorf("http: %w", err)
			}
			res, err := measureLoop(ctx, c, "http", p, func(int) (client, error) {
				return &httpClient{c: hc, base: base}, nil
			})
			if err != nil {
				return fmt.Errorf("http: %w", err)
			}
			tr.CloseIdleConnections()
			ms := checkpoint("after the HTTP run")
			rows = append(rows, netRow("HTTP GET /lnp/v1/{tn}", "HTTP/1.1 keep-alive, JSON answer decoded", res, fmt.Sprintf("(routeindex) %v", fmtDur(srv.build)),
				fmt.Sprintf("%.1f B server heap after the run", float64(ms.HeapAlloc)/n), res.cpu.dipServer))
		}
		if c.wants("sip") {
			vc, err := dialSIP(srv.sipAddr, 1_000_000, c.sipTimeout)
			if err != nil {
				return err
			}
			err = verify(vc, p, c.verifyN)
			vc.Close()
			if err != nil {
				return fmt.Errorf("sip: %w", err)
			}
			res, err := measureLoop(ctx, c, "sip", p, func(i int) (client, error) {
				if i == 0 {
					sipRetransmits.Store(0)
				}
				return dialSIP(srv.sipAddr, i, c.sipTimeout)
			})
			if err != nil {
				return fmt.Errorf("sip: %w", err)
			}
			if n := sipRetransmits.Load(); n > 0 || res.errs > 0 {
				notes = append(notes, fmt.Sprintf("SIP: %d INVITEs were sent again after no answer within T1 (500 ms, doubling, as RFC 3261 Timer A) in the last attempt, warm-up included; %d dips got no answer within %v.", n, res.errs, c.sipTimeout))
			}
			ms := checkpoint("right after the SIP run")
			rows = append(rows, netRow("SIP INVITE → 302 (UDP)", "sipredirect.Server; raw UDP UAC, ACK after", res, fmt.Sprintf("(routeindex) %v", fmtDur(srv.build)),
				fmt.Sprintf("server heap %s right after the run (the redirect server is stateless)", fmtBytes(int64(ms.HeapAlloc))), res.cpu.dipServer))
		}
		notes = append(notes, fmt.Sprintf("Dip server process (HTTP and SIP over one routeindex, index built in %v); peak RSS %s. %s.",
			fmtDur(srv.build), fmtBytes(srv.hwm()), strings.Join(mem, "; ")))
		srv.stop()
	}

	if c.wants("redis") {
		rdb, err := openRedis(ctx, c.redisAddr, c.concurrency)
		if err != nil {
			return err
		}
		defer rdb.Close()
		defer func() {
			if n, err := redisCleanup(context.Background(), rdb); err != nil {
				logf("redis cleanup: %v", err)
			} else {
				logf("redis: deleted the %d keys written (%s*)", n, redisPrefix)
			}
		}()
		logf("redis: loading")
		st, err := loadRedis(ctx, rdb, d)
		if err != nil {
			return fmt.Errorf("redis load: %w", err)
		}
		rc := &redisClient{ctx: ctx, rdb: rdb}
		if err := verify(rc, p, c.verifyN); err != nil {
			return fmt.Errorf("redis: %w", err)
		}
		res, err := measureLoop(ctx, c, "redis", p, func(int) (client, error) { return rc, nil })
		if err != nil {
			return fmt.Errorf("redis: %w", err)
		}
		ver, _ := redisVersion(ctx, rdb)
		rows = append(rows, netRow("Redis "+ver+" GET", "go-redis pool; GET tn, then GET code if not ported; JSON decoded", res, fmtDur(st.load)+" (pipelined SET)", fmt.Sprintf("%.1f B used_memory", float64(st.bytes)/n), res.cpu.redis))
	}

	if c.wants("postgres") {
		pool, err := openPostgres(ctx, c.pgURL, c.concurrency)
		if err != nil {
			return err
		}
		defer pool.Close()
		defer func() {
			if err := pgCleanup(context.Background(), pool); err != nil {
				logf("postgres cleanup: %v", err)
			} else {
				logf("postgres: dropped schema %s", pgSchema)
			}
		}()
		logf("postgres: loading")
		st, err := loadPostgres(ctx, pool, d)
		if err != nil {
			return fmt.Errorf("postgres load: %w", err)
		}
		pc := &pgClient{ctx: ctx, pool: pool}
		if err := verify(pc, p, c.verifyN); err != nil {
			return fmt.Errorf("postgres: %w", err)
		}
		res, err := measureLoop(ctx, c, "postgres", p, func(int) (client, error) { return pc, nil })
		if err != nil {
			return fmt.Errorf("postgres: %w", err)
		}
		var ver string
		pool.QueryRow(ctx, "SHOW server_version").Scan(&ver)
		ver, _, _ = strings.Cut(ver, " ")
		rows = append(rows, netRow("PostgreSQL "+ver+" SELECT", "pgx pool; one SELECT, primary-key lookups; JSON decoded", res, fmtDur(st.load)+" (COPY + PK + ANALYZE)", fmt.Sprintf("%.1f B on disk", float64(st.bytes)/n), res.cpu.postgres))
	}

	if len(ladders) > 0 {
		notes = append(notes, "Latency quantiles of the networked rows: "+strings.Join(ladders, "; ")+".")
	}
	notes = append(notes, "Load average at the end: "+loadAvg()+".")
	if c.quiet > 0 {
		notes = append(notes, fmt.Sprintf("Before each row the run waited (at most %v) for processes outside the benchmark to use less than %.0f%% of a core over 2 s: %v of waiting in all.", c.quietMax, c.quiet, quietWaited.Round(time.Second)))
	}
	for _, r := range rows {
		if r.tries > 1 {
			notes = append(notes, fmt.Sprintf("%q (%s) was measured %d times because other processes disturbed it; the table shows the least disturbed attempt.", r.target, r.clients, r.tries))
		}
		if r.cpu.other > 10 {
			notes = append(notes, fmt.Sprintf("Warning: during %q (%s), processes outside the benchmark used %.0f%% of a core during the kept attempt; that row understates what the machine can do.", r.target, r.clients, r.cpu.other))
		}
	}
	report(os.Stdout, c, d, rows, notes, started)
	return nil
}

// ladders are the latency quantiles of the networked rows, for the notes.
var ladders []string

// netRow makes the row of a networked target; serverPct is the CPU its
// server side used in the window, in % of one core.
func netRow(target, op string, res *result, load, mem string, serverPct float64) row {
	if res.errs > 0 {
		logf("%s: %d failed dips; first: %v", target, res.errs, res.firstErr)
	}
	ladders = append(ladders, fmt.Sprintf("%s: %s", target, res.ladder()))
	perDip := func(pct float64) float64 { return pct / 100 * res.elapsed.Seconds() / float64(res.ops) * 1e6 }
	return row{target: target, op: op, clients: strconv.Itoa(res.clients), rate: res.rate(), cpu: res.cpu, tries: res.tries,
		serverUS: perDip(serverPct), clientUS: perDip(res.cpu.self), mean: res.mean(), res: res, load: load, mem: mem}
}

// measure runs f, after waiting for the machine to go quiet, up to
// c.attempts times while processes outside the benchmark took more than
// c.quiet % of a core during it. It returns the attempt they disturbed
// least (not the fastest), and how many attempts were made.
func measure[T any](ctx context.Context, c *config, what string, f func() (T, cpuUse, error)) (best T, bestCPU cpuUse, tries int, err error) {
	for tries = 1; ; tries++ {
		waitQuiet(ctx, c.quiet, c.quietMax, what)
		v, cpu, err := f()
		if err != nil {
			return best, bestCPU, tries, err
		}
		if tries == 1 || cpu.other < bestCPU.other {
			best, bestCPU = v, cpu
		}
		if c.quiet <= 0 || cpu.other <= c.quiet || tries >= c.attempts || ctx.Err() != nil {
			return best, bestCPU, tries, nil
		}
		logf("%s: other processes used %.0f%% of a core during the run; measuring again", what, cpu.other)
	}
}

// measureLoop is measure over closedLoop.
func measureLoop(ctx context.Context, c *config, what string, p probes, newClient func(i int) (client, error)) (*result, error) {
	res, _, tries, err := measure(ctx, c, what, func() (*result, cpuUse, error) {
		logf("%s: %d clients for %v + %v warm-up", what, c.concurrency, c.duration, c.warmup)
		r, err := closedLoop(c.concurrency, c.warmup, c.duration, p, newClient)
		if err != nil {
			return nil, cpuUse{}, err
		}
		logf("%s: %.0f dips/s, %s; CPU machine %.0f%%, others %.0f%%", what, r.rate(), r.ladder(), r.cpu.machine, r.cpu.other)
		return r, r.cpu, nil
	})
	if err != nil {
		return nil, err
	}
	res.tries = tries
	return res, nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// server is the child process serving HTTP and SIP dips.
type server struct {
	cmd               *exec.Cmd
	stdin             io.Closer
	httpAddr, sipAddr string
	build             time.Duration
	stopped           bool
}

func startServer(ctx context.Context, s dataSpec) (*server, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe, "-serve",
		"-tns", strconv.Itoa(s.tns), "-codes", strconv.Itoa(s.codes),
		"-routes", strconv.Itoa(s.routes), "-seed", strconv.FormatUint(s.seed, 10))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	srv := &server{cmd: cmd, stdin: stdin}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		srv.stop()
		return nil, fmt.Errorf("dip server did not start: %w", err)
	}
	for f := range strings.FieldsSeq(line) {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "http":
			srv.httpAddr = v
		case "sip":
			srv.sipAddr = v
		case "build":
			srv.build, _ = time.ParseDuration(v)
		}
	}
	if srv.httpAddr == "" || srv.sipAddr == "" {
		srv.stop()
		return nil, fmt.Errorf("dip server said %q", line)
	}
	addBenchPID(cmd.Process.Pid)
	logf("dip server pid %d: http %s, sip udp %s", cmd.Process.Pid, srv.httpAddr, srv.sipAddr)
	return srv, nil
}

// procStatus returns a field of /proc/PID/status in bytes.
func (s *server) procStatus(field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func (s *server) rss() int64 { return s.procStatus("VmRSS") }
func (s *server) hwm() int64 { return s.procStatus("VmHWM") }

func (s *server) stop() {
	if s.stopped {
		return
	}
	s.stopped = true
	s.stdin.Close()
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
}

// serve is the child: build the index, serve HTTP and SIP dips from it,
// print the addresses, and stop when standard input closes.
func serve(ctx context.Context, s dataSpec) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	d := generate(s)
	t0 := time.Now()
	ix := d.buildIndex()
	build := time.Since(t0)
	d = nil
	runtime.GC()
	debug.FreeOSMemory()
	httpAddr, err := serveHTTP(ctx, ix)
	if err != nil {
		return err
	}
	sipAddr, err := serveSIP(ctx, ix)
	if err != nil {
		return err
	}
	fmt.Printf("ready http=%s sip=%s build=%s\n", httpAddr, sipAddr, build)
	go func() {
		io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	<-ctx.Done()
	time.Sleep(100 * time.Millisecond) // let the servers close
	return nil
}
