package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/calendar"
	apihttp "github.com/opennpac/npac/http"
	"github.com/opennpac/npac/lifecycle"
	"github.com/opennpac/npac/lsms"
	"github.com/opennpac/npac/sqlite"
	"github.com/opennpac/npac/store"
)

// runBench runs a benchmark named by its first argument.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "broadcast" {
		fmt.Fprintln(stderr, "usage: npac bench broadcast [flags]   (npac bench broadcast -h for flags)")
		return flag.ErrHelp
	}
	return benchBroadcast(ctx, args[1:], stdout, stderr)
}

// benchBroadcast measures how long an activation takes to be applied by
// every LSMS: an NPAC (SQLite, HTTP API on loopback) and n reference LSMS
// agents, each with its own database, all in this process; activations
// paced at a fixed rate. An SV's latency is the time from its activation
// to the acknowledgement of its last LSMS, both recorded by the NPAC
// (activation_timestamp and status_changed_at).
func benchBroadcast(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("npac bench broadcast", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rate := fs.Int("rate", 500, "activations per second")
	dur := fs.Duration("duration", 10*time.Second, "how long to activate at that rate")
	nLSMS := fs.Int("lsms", 3, "number of LSMSs")
	if err := fs.Parse(args); err != nil {
		return err
	}
	n := int(float64(*rate) * dur.Seconds())
	if *rate <= 0 || n <= 0 || n > 400000 || *nLSMS < 1 || *nLSMS > 20 {
		return errors.New("give --rate > 0, --duration such that rate × duration is at most 400,000, and --lsms 1–20")
	}
	dir, err := os.MkdirTemp("", "npac-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	quiet := slog.New(slog.DiscardHandler)
	m, err := lifecycle.New(npac.DefaultTunables(), calendar.USFederal())
	if err != nil {
		return err
	}
	s, err := sqlite.Open(filepath.Join(dir, "npac"), m, quiet)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		return err
	}
	w, err := benchWorld(ctx, s, *nLSMS)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	api := apihttp.For(s, quiet)
	srv := &http.Server{Handler: api.Handler()}
	go srv.Serve(ln)
	defer srv.Close()
	url := "http://" + ln.Addr().String()

	actx, stopAgents := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { stopAgents(); wg.Wait() }()
	for i, tok := range w.lsmsTokens {
		st, err := lsms.OpenStore(filepath.Join(dir, fmt.Sprintf("lsms%d", i)))
		if err != nil {
			return err
		}
		defer st.Close()
		a := &lsms.Agent{NPAC: url, Token: tok, SPID: w.lsmsSPIDs[i], Store: st, Log: quiet}
		wg.Add(1)
		go func() { defer wg.Done(); a.Run(actx) }()
	}

	fmt.Fprintf(stdout, "preparing %d concurred ports…\n", n)
	tns := make([]npac.TN, n)
	for i := range tns {
		tns[i] = npac.TN(fmt.Sprintf("2125%02d%04d", 20+i/10000, i%10000))
	}
	ids := make([]int64, 0, n)
	for from := 0; from < n; from += npac.MaxRange {
		chunk := tns[from:min(from+npac.MaxRange, n)]
		res, err := s.CreateRange(w.newSP, npac.SVCreate{OldSPID: "AAA1", NewSPID: "BBB2", DueDate: w.due, RoutingData: npac.RoutingData{LRN: "2125209999"}}, chunk)
		if err != nil {
			return err
		}
		for _, r := range res {
			if r.Error != nil {
				return fmt.Errorf("create %s: %s", r.TN, r.Error.Message)
			}
			ids = append(ids, r.SV.ID)
		}
		if _, err := s.CreateRange(w.oldSP, npac.SVCreate{OldSPID: "AAA1", NewSPID: "BBB2", DueDate: w.due}, chunk); err != nil {
			return err
		}
	}

	fmt.Fprintf(stdout, "activating %d at %d/s with %d LSMSs…\n", n, *rate, *nLSMS)
	start := time.Now()
	tick := time.Second / time.Duration(*rate)
	sem := make(chan struct{}, 512)
	var (
		mu   sync.Mutex
		fail error
		aw   sync.WaitGroup
	)
	for i, id := range ids {
		if d := time.Until(start.Add(time.Duration(i) * tick)); d > 0 {
			time.Sleep(d)
		}
		sem <- struct{}{}
		aw.Add(1)
		go func() {
			defer func() { <-sem; aw.Done() }()
			if _, err := s.Act(w.newSP, id, npac.Action{Kind: npac.ActActivate}); err != nil {
				mu.Lock()
				fail = err
				mu.Unlock()
			}
		}()
	}
	aw.Wait()
	sent := time.Since(start)
	if fail != nil {
		return fail
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		left, err := s.SVs(w.admin, npac.SVFilter{Status: npac.StatusSending, Limit: 1})
		if err != nil {
			return err
		}
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			return errors.New("activations still sending after 2 minutes")
		}
		time.Sleep(50 * time.Millisecond)
	}
	var lat []time.Duration
	for after := int64(0); ; {
		page, err := s.SVs(w.admin, npac.SVFilter{Status: npac.StatusActive, AfterID: after, Limit: 1000})
		if err != nil {
			return err
		}
		if len(page) == 0 {
			break
		}
		for _, sv := range page {
			lat = append(lat, sv.StatusChangedAt.Sub(*sv.ActivationTimestamp))
		}
		after = page[len(page)-1].ID
	}
	if len(lat) != n {
		return fmt.Errorf("%d of %d SVs became active", len(lat), n)
	}
	slices.Sort(lat)
	q := func(p float64) time.Duration {
		return lat[min(len(lat)-1, int(p*float64(len(lat))))].Round(100 * time.Microsecond)
	}
	fmt.Fprintf(stdout, "activations: %d in %s (%.0f/s), each applied by %d LSMSs\n", n, sent.Round(time.Millisecond), float64(n)/sent.Seconds(), *nLSMS)
	fmt.Fprintf(stdout, "activation → applied by all LSMSs: p50 %s  p90 %s  p99 %s  max %s\n", q(0.50), q(0.90), q(0.99), lat[len(lat)-1].Round(100*time.Microsecond))
	return nil
}

// benchEnv is the benchmark's world: contexts for its actors and the
// LSMS tokens.
type benchEnv struct {
	admin, newSP, oldSP context.Context
	lsmsSPIDs           []npac.SPID
	lsmsTokens          []string
	due                 time.Time
}

// benchWorld seeds providers AAA1 (code holder of 212-520 to 212-559) and
// BBB2, and n LSMS providers L001… each with an LSMS registered for the
// Northeast.
func benchWorld(ctx context.Context, s *store.Store, n int) (*benchEnv, error) {
	tok, err := s.Bootstrap(ctx)
	if err != nil {
		return nil, err
	}
	login := func(secret string) (context.Context, error) {
		a, err := s.Authenticate(ctx, secret)
		if err != nil {
			return nil, err
		}
		return npac.NewContext(ctx, a), nil
	}
	e := &benchEnv{due: time.Now().UTC().Truncate(24 * time.Hour)}
	if e.admin, err = login(tok.Secret); err != nil {
		return nil, err
	}
	ne := []npac.Region{npac.Northeast}
	provs := []npac.Provider{{SPID: "AAA1", Name: "Alpha", Type: npac.ProviderWireline, Regions: ne}, {SPID: "BBB2", Name: "Bravo", Type: npac.ProviderWireline, Regions: ne}}
	for i := 0; i < n; i++ {
		provs = append(provs, npac.Provider{SPID: npac.SPID(fmt.Sprintf("L%03d", i+1)), Name: fmt.Sprintf("LSMS operator %d", i+1), Type: npac.ProviderWireline, Regions: ne})
	}
	for _, p := range provs {
		if err := s.CreateProvider(e.admin, &p); err != nil {
			return nil, err
		}
	}
	for c := 20; c < 60; c++ {
		if err := s.CreateCode(e.admin, &npac.CodeRecord{NPANXX: npac.NPANXX(fmt.Sprintf("2125%02d", c)), SPID: "AAA1", Region: npac.Northeast, Portable: true, EffectiveDate: time.Now().Add(-time.Hour)}); err != nil {
			return nil, err
		}
	}
	if err := s.CreateLRN(e.admin, &npac.LRNRecord{LRN: "2125209999", SPID: "BBB2", Region: npac.Northeast}); err != nil {
		return nil, err
	}
	user := func(name string, g npac.Grant) (string, error) {
		t, err := s.CreateUser(e.admin, &npac.User{Name: name, Grants: []npac.Grant{g}})
		if err != nil {
			return "", err
		}
		return t.Secret, nil
	}
	for _, u := range []struct {
		name string
		spid npac.SPID
		dst  *context.Context
	}{{"bravo", "BBB2", &e.newSP}, {"alpha", "AAA1", &e.oldSP}} {
		secret, err := user(u.name, npac.Grant{Role: npac.RoleSOA, SPID: u.spid})
		if err != nil {
			return nil, err
		}
		if *u.dst, err = login(secret); err != nil {
			return nil, err
		}
	}
	for _, p := range provs[2:] {
		secret, err := user("lsms-"+string(p.SPID), npac.Grant{Role: npac.RoleLSMS, SPID: p.SPID})
		if err != nil {
			return nil, err
		}
		if err := s.RegisterLSMS(e.admin, &npac.LSMSRegistration{SPID: p.SPID, Regions: ne}); err != nil {
			return nil, err
		}
		e.lsmsSPIDs, e.lsmsTokens = append(e.lsmsSPIDs, p.SPID), append(e.lsmsTokens, secret)
	}
	return e, nil
}
