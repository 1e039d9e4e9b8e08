// Command enumbench is the ENUM side of scripts/bench-enum.sh, which
// compares enum.Server with NSD serving the same numbers. It is a
// benchmark tool, not part of npac.
//
// The numbers are 1,000,000 NANP TNs, NPA-NXX 613-200 through 613-299,
// every line number of each; every third one is ported, to one of ten
// LRNs, 613-999-0000 through 613-999-0009; the others follow their code
// holder.
//
//	enumbench gen -zone FILE -queries FILE [-n 200000]
//
// writes the numbers as a static NSD zone for e164.arpa. whose records are
// those enum.Server answers, and n NAPTR queries for dnsperf, for numbers
// drawn at random (with a fixed seed).
//
//	enumbench serve -addr 127.0.0.1:5310
//
// loads the numbers into a routeindex, as an LSMS holds them (code holders
// and ported TNs only), serves them with enum.Server on UDP and TCP, and
// logs the load time and RSS; on SIGINT or SIGTERM it logs its RSS and
// peak RSS and exits.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/opennpac/npac"
	"github.com/opennpac/npac/enum"
	"github.com/opennpac/npac/routeindex"
)

const (
	npa      = "613"
	firstNXX = 200
	codes    = 100
	numbers  = codes * 10000
)

// tn returns the i-th number, 0 <= i < numbers.
func tn(i int) npac.TN {
	return npac.TN(npa + strconv.Itoa(firstNXX+i/10000) + fmt.Sprintf("%04d", i%10000))
}

// lrn returns the LRN of the i-th number, or "" when it is not ported.
func lrn(i int) npac.LRN {
	if i%3 != 0 {
		return ""
	}
	return npac.LRN("613999000" + strconv.Itoa(i%10))
}

// enumName returns the ENUM name of tn under e164.arpa., without the
// apex when rel is true.
func enumName(tn npac.TN, rel bool) string {
	d := "1" + string(tn)
	var b strings.Builder
	for i := len(d) - 1; i >= 0; i-- {
		b.WriteByte(d[i])
		if i > 0 {
			b.WriteByte('.')
		}
	}
	if !rel {
		b.WriteString(".e164.arpa.")
	}
	return b.String()
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: enumbench gen -zone FILE -queries FILE [-n N] | enumbench serve -addr HOST:PORT")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "gen":
		err = gen(os.Args[2:])
	case "serve":
		err = serve(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "enumbench:", err)
		os.Exit(1)
	}
}

func gen(args []string) error {
	fs := flag.NewFlagSet("gen", flag.ExitOnError)
	zone := fs.String("zone", "", "write the NSD zone file here")
	queries := fs.String("queries", "", "write the dnsperf queries here")
	n := fs.Int("n", 200000, "number of queries")
	fs.Parse(args)
	if *zone == "" || *queries == "" {
		return fmt.Errorf("gen needs -zone and -queries")
	}
	err := writeFile(*zone, func(w *bufio.Writer) {
		// The records enum.Server answers with TTL 0: SOA and NS at the
		// apex, one NAPTR per number.
		w.WriteString("$ORIGIN e164.arpa.\n$TTL 0\n")
		w.WriteString("@ IN SOA localhost. hostmaster.e164.arpa. 1 3600 600 86400 0\n")
		w.WriteString("@ IN NS localhost.\n")
		for i := range numbers {
			t := tn(i)
			w.WriteString(enumName(t, true))
			w.WriteString(` IN NAPTR 100 10 "u" "E2U+pstn:tel" "!^.*$!tel:+1`)
			w.WriteString(string(t))
			w.WriteString(";npdi")
			if l := lrn(i); l != "" {
				w.WriteString(";rn=+1")
				w.WriteString(string(l))
			}
			w.WriteString("!\" .\n")
		}
	})
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(6116, 1))
	return writeFile(*queries, func(w *bufio.Writer) {
		for range *n {
			w.WriteString(enumName(tn(rng.IntN(numbers)), false))
			w.WriteString(" NAPTR\n")
		}
	})
}

func writeFile(name string, f func(*bufio.Writer)) error {
	fh, err := os.Create(name)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(fh, 1<<20)
	f(w)
	if err := w.Flush(); err != nil {
		fh.Close()
		return err
	}
	return fh.Close()
}

func serve(args []string) error {
	start := time.Now()
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:5310", "UDP and TCP address to serve on")
	pprof := fs.String("pprof", "", "serve net/http/pprof on this address, such as 127.0.0.1:6060")
	fs.Parse(args)
	if *pprof != "" {
		go http.ListenAndServe(*pprof, nil)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))

	// As an LSMS holds them: each code with its holder, and a TN-level
	// route for each ported TN.
	ix := routeindex.New()
	for c := range codes {
		ix.SetCode(npac.NPANXX(npa+strconv.Itoa(firstNXX+c)), "0001")
	}
	changes := make([]routeindex.Change, 0, numbers/3+1)
	routes := make([]npac.Route, 10)
	for i := range routes {
		routes[i] = npac.Route{Ported: true, SPID: "0002", LRN: npac.LRN("613999000" + strconv.Itoa(i))}
	}
	for i := 0; i < numbers; i += 3 {
		changes = append(changes, routeindex.Change{TN: tn(i), Route: &routes[i%10]})
	}
	ix.Apply(changes)
	runtime.GC()
	log.Info("enumbench: loaded", "numbers", numbers, "ported", ix.Len(), "load", time.Since(start).Round(time.Millisecond),
		"index_bytes", ix.Bytes(), "rss_kib", status("VmRSS"))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s := &enum.Server{Resolver: ix, Log: log}
	err := s.ListenAndServe(ctx, *addr)
	log.Info("enumbench: exiting", "rss_kib", status("VmRSS"), "peak_rss_kib", status("VmHWM"))
	return err
}

// status returns a field of /proc/self/status, in KiB, or -1.
func status(field string) int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				if n, err := strconv.Atoi(f[0]); err == nil {
					return n
				}
			}
		}
	}
	return -1
}
