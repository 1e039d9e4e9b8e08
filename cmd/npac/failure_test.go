package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/calendar"
	"github.com/opennpac/npac/lifecycle"
	"github.com/opennpac/npac/lsms"
	"github.com/opennpac/npac/sqlite"
	"github.com/opennpac/npac/storetest"
)

// failureRig is an NPAC process and an LSMS process (SPB's) on disk.
type failureRig struct {
	t                 *testing.T
	npacData, lsmsDir string
	tokens            map[string]string
	npac, lsms        *server
}

func newFailureRig(t *testing.T) *failureRig {
	dir := t.TempDir()
	r := &failureRig{t: t, npacData: filepath.Join(dir, "npac"), lsmsDir: filepath.Join(dir, "lsms")}
	r.tokens = seed(t, r.npacData)
	r.startNPAC()
	r.startLSMS()
	return r
}

// startNPAC starts the NPAC, on the address it had before if it ran
// already, so that the LSMS finds it again.
func (r *failureRig) startNPAC() {
	addr := "127.0.0.1:0"
	if r.npac != nil {
		addr = strings.TrimPrefix(r.npac.url, "http://")
	}
	r.npac = startServer(r.t, "serve", "--data", r.npacData, "--listen", addr, "--scheduler-interval", "100ms")
}

func (r *failureRig) startLSMS() {
	r.lsms = startServer(r.t, "lsms", "--npac", r.npac.url, "--token", r.tokens["bravo-lsms"], "--data", r.lsmsDir, "--http", "127.0.0.1:0")
}

// kill ends a process with SIGKILL: no shutdown code runs.
func kill(t *testing.T, s *server) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	s.cmd.Wait()
}

// cliErr runs the CLI and returns its output and error, for commands a
// crash may cut.
func cliErr(args ...string) (string, error) {
	var out bytes.Buffer
	err := run(context.Background(), args, &out, &out)
	return out.String(), err
}

// waitPorted waits until the LSMS holds more than lo ported TNs and
// reports false if it got to hi (or 20 s passed) first: a crash injected
// then lands in the middle of the broadcast.
func (r *failureRig) waitPorted(lo, hi int) bool {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		var st struct {
			Ported int `json:"ported_tns"`
		}
		if resp, err := http.Get(r.lsms.url + "/status"); err == nil {
			json.NewDecoder(resp.Body).Decode(&st)
			resp.Body.Close()
		}
		if st.Ported >= hi {
			return false
		}
		if st.Ported > lo {
			return true
		}
		time.Sleep(2 * time.Millisecond)
	}
	return false
}

// prepare creates and concurs ports of 212-556-0000 up to n-1 to SPB.
func (r *failureRig) prepare(n int) string {
	span := fmt.Sprintf("2125560000-%04d", n-1)
	for _, args := range [][]string{
		{"sv", "create", "--url", r.npac.url, "--token", r.tokens["bravo-soa"], "--range", span, "--old-spid", "AAA1", "--new-spid", "BBB2", "--lrn", "2125559999", "--due", "2026-11-01"},
		{"sv", "concur", "--url", r.npac.url, "--token", r.tokens["alpha-soa"], "--range", span, "--old-spid", "AAA1", "--new-spid", "BBB2", "--due", "2026-11-01"},
	} {
		if _, err := cliErr(args...); err != nil {
			r.t.Fatalf("npac %v: %v", args[:2], err)
		}
	}
	return span
}

// converge waits until no SV is sending, then stops both processes and
// checks the LSMS's copy equals what the NPAC published, that every SV
// is active, and that each became active exactly once.
func (r *failureRig) converge(n int) {
	t := r.t
	deadline := time.Now().Add(60 * time.Second)
	for {
		var page struct {
			Items []npac.SV `json:"items"`
		}
		code := r.npac.call(t, r.tokens["admin"], "GET", "/api/v1/svs?status=sending&limit=1", nil, &page)
		if code == http.StatusOK && len(page.Items) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("SVs still sending after 60s (status %d)", code)
		}
		time.Sleep(100 * time.Millisecond)
	}
	kill(t, r.lsms)
	kill(t, r.npac)

	m, err := lifecycle.New(npac.DefaultTunables(), calendar.USFederal())
	if err != nil {
		t.Fatal(err)
	}
	s, err := sqlite.Open(r.npacData, m, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	admin, err := s.Authenticate(context.Background(), r.tokens["admin"])
	if err != nil {
		t.Fatal(err)
	}
	ctx := npac.NewContext(context.Background(), admin)
	published := map[npac.TN]npac.LRN{}
	if err := s.Image(ctx, storetest.SPB, func(int64, int64) error { return nil }, func(m *npac.Message) error {
		if m.Kind == npac.MsgSV {
			published[m.TN] = m.Route.LRN
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(published) != n {
		t.Errorf("the NPAC publishes %d routes, want %d", len(published), n)
	}
	st, err := lsms.OpenStore(r.lsmsDir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	local := map[npac.TN]npac.LRN{}
	if err := st.Dump(context.Background(), func(tn npac.TN, rt *npac.Route) error { local[tn] = rt.LRN; return nil }); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(published, local); diff != "" {
		t.Errorf("the LSMS differs from the NPAC (-npac +lsms):\n%s", diff)
	}
	// Each SV was activated once: one activation in its audit trail.
	var svs, twice int
	if err := s.DB().QueryRow(`SELECT COUNT(DISTINCT entity_id) FROM audit WHERE action = 'sv.activate'`).Scan(&svs); err != nil {
		t.Fatal(err)
	}
	if err := s.DB().QueryRow(`SELECT COUNT(*) FROM (SELECT entity_id FROM audit WHERE action = 'sv.activate' GROUP BY entity_id HAVING COUNT(*) > 1) x`).Scan(&twice); err != nil {
		t.Fatal(err)
	}
	if svs != n || twice != 0 {
		t.Errorf("%d SVs were activated (want %d), %d of them more than once (want 0)", svs, n, twice)
	}
	for _, st := range []npac.Status{npac.StatusSending, npac.StatusFailed, npac.StatusPartialFailure, npac.StatusPending} {
		if list, _ := s.SVs(ctx, npac.SVFilter{Status: st, Limit: 1}); len(list) != 0 {
			t.Errorf("an SV is still %s", st)
		}
	}
}

// TestNPACKilledMidBroadcast kills the NPAC with SIGKILL while a range of
// activations is being broadcast, restarts it and activates what was not
// yet: the LSMS ends with exactly the NPAC's routes, each SV activated once.
func TestNPACKilledMidBroadcast(t *testing.T) {
	const n = 5000
	r := newFailureRig(t)
	span := r.prepare(n)
	done := make(chan error, 1)
	go func() {
		_, err := cliErr("sv", "activate", "--url", r.npac.url, "--token", r.tokens["bravo-soa"], "--range", span)
		done <- err
	}()
	if !r.waitPorted(100, n/2) {
		t.Fatal("could not catch the broadcast in flight")
	}
	kill(t, r.npac)
	<-done        // cut short by the kill
	r.startNPAC() // the LSMS reconnects to it on its own
	// Activate what the crash left pending; the others refuse (already
	// sending or active), which the range reports per TN.
	out, _ := cliErr("sv", "activate", "--url", r.npac.url, "--token", r.tokens["bravo-soa"], "--range", span)
	if ok := strings.Count(out, " ok "); ok == 0 || ok == n {
		t.Fatalf("after the restart %d of %d TNs were still to activate; the kill did not land mid-range", ok, n)
	}
	r.converge(n)
}

// TestLSMSKilledMidStream kills the LSMS with SIGKILL twice while it
// applies a range of activations: each restart resumes where its own
// database says, applying nothing twice and missing nothing.
func TestLSMSKilledMidStream(t *testing.T) {
	const n = 5000
	r := newFailureRig(t)
	span := r.prepare(n)
	done := make(chan error, 1)
	go func() {
		_, err := cliErr("sv", "activate", "--url", r.npac.url, "--token", r.tokens["bravo-soa"], "--range", span)
		done <- err
	}()
	for _, lo := range []int{100, n / 2} {
		if !r.waitPorted(lo, n) {
			t.Fatalf("could not catch the stream with more than %d and fewer than %d TNs applied", lo, n)
		}
		kill(t, r.lsms)
		r.startLSMS()
	}
	if err := <-done; err != nil {
		t.Fatalf("range activate: %v", err)
	}
	r.converge(n)
}

// TestOfflineLSMS10000 keeps the LSMS down while 10,000 ports activate;
// it comes back, gets what it missed, and matches the NPAC exactly.
func TestOfflineLSMS10000(t *testing.T) {
	const n = 10000
	r := newFailureRig(t)
	span := r.prepare(n)
	kill(t, r.lsms)
	out, err := cliErr("sv", "activate", "--url", r.npac.url, "--token", r.tokens["bravo-soa"], "--range", span)
	if err != nil || strings.Count(out, " ok ") != n {
		t.Fatalf("range activate: %d of %d ok (%v)", strings.Count(out, " ok "), n, err)
	}
	r.startLSMS()
	r.converge(n)
}
