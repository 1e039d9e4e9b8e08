package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/calendar"
	"github.com/opennpac/npac/lifecycle"
	"github.com/opennpac/npac/sqlite"
	"github.com/opennpac/npac/store"
	"github.com/opennpac/npac/storetest"
)

// The test binary doubles as npac: with NPAC_TEST_EXEC set it runs the
// command line in NPAC_TEST_ARGS (separated by ASCII unit separators) and exits.
func TestMain(m *testing.M) {
	if os.Getenv("NPAC_TEST_EXEC") == "1" {
		os.Args = append([]string{"npac"}, strings.Split(os.Getenv("NPAC_TEST_ARGS"), "\x1f")...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// server is an npac serve process started by a test.
type server struct {
	cmd    *exec.Cmd
	url    string
	stdout *syncBuffer
}

var urlRE = regexp.MustCompile(`url=(http://[0-9.:]+)`)

// npacBinary builds the npac binary once for the process tests: a real
// build, as a user runs it, without the race detector's instrumentation
// (which slows the embedded database twenty-fold). Without a Go toolchain
// it falls back to re-executing this test binary as npac.
var npacBinary = sync.OnceValue(func() string {
	dir, err := os.MkdirTemp("", "npac-bin-")
	if err != nil {
		return ""
	}
	bin := filepath.Join(dir, "npac")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building npac for the process tests failed, re-executing the test binary instead: %v\n%s", err, out)
		return ""
	}
	return bin
})

// startServer runs npac with args and waits until it serves.
func startServer(t *testing.T, args ...string) *server {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "NPAC_TEST_EXEC=1", "NPAC_TEST_ARGS="+strings.Join(args, "\x1f"))
	if bin := npacBinary(); bin != "" {
		cmd = exec.Command(bin, args...)
	}
	out := &syncBuffer{}
	cmd.Stdout = out
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := urlRE.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	select {
	case u := <-found:
		return &server{cmd: cmd, url: u, stdout: out}
	case <-time.After(20 * time.Second):
		t.Fatalf("npac %v did not start serving within 20s", args)
	}
	return nil
}

// call sends a JSON request and decodes the JSON answer into out.
func (s *server) call(t *testing.T, token, method, path string, body, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.url+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: decode: %v", method, path, err)
		}
	}
	return resp.StatusCode
}

// kinds counts the notification kinds in spid's stream.
func (s *server) kinds(t *testing.T, token string, spid npac.SPID) map[npac.NoticeKind]int {
	t.Helper()
	var page struct {
		Items []npac.Notification `json:"items"`
	}
	if code := s.call(t, token, "GET", "/api/v1/notifications?limit=1000&spid="+string(spid), nil, &page); code != 200 {
		t.Fatalf("notifications: status %d", code)
	}
	out := map[npac.NoticeKind]int{}
	for _, n := range page.Items {
		out[n.Kind]++
	}
	return out
}

// seed creates the storetest world in a SQLite data directory, as an
// administrator would before starting the server, and returns its tokens.
func seed(t *testing.T, dir string) map[string]string {
	m, err := lifecycle.New(npac.DefaultTunables(), calendar.USFederal())
	if err != nil {
		t.Fatal(err)
	}
	var s *store.Store
	w := storetest.NewWorld(t, func(t testing.TB) *store.Store {
		if s, err = sqlite.Open(dir, m, slog.New(slog.DiscardHandler)); err != nil {
			t.Fatal(err)
		}
		if err := s.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return s
	})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return w.Tokens
}

// TestKillDuringT2 kills the server with SIGKILL while an SV's T2 is
// pending and checks the restarted server fires T2 exactly once.
func TestKillDuringT2(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	tokens := seed(t, data)
	// Seven-day, round-the-clock business hours make T1 and T2 seconds
	// long whatever day the test runs.
	tun := filepath.Join(dir, "tunables.json")
	if err := os.WriteFile(tun, []byte(`{"weekends": true, "business_start": "00:00", "business_end": "24:00",
		"timers": {"long": {"t1": "1s", "t2": "3s"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"serve", "--data", data, "--listen", "127.0.0.1:0", "--tunables", tun, "--scheduler-interval", "50ms"}
	srv := startServer(t, args...)

	var sv npac.SV
	code := srv.call(t, tokens["bravo-soa"], "POST", "/api/v1/svs", map[string]any{
		"tn": string(storetest.TN(1)), "old_spid": storetest.SPA, "new_spid": storetest.SPB, "lrn": storetest.LRNB,
		"due_date": time.Now().UTC().Format("2006-01-02")}, &sv)
	if code != http.StatusCreated {
		t.Fatalf("create: status %d", code)
	}
	deadline := time.Now().Add(10 * time.Second)
	for srv.kinds(t, tokens["bravo-soa"], storetest.SPB)[npac.NoticeT1Expired] == 0 {
		if time.Now().After(deadline) {
			t.Fatal("T1 did not fire within 10s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	srv.cmd.Wait()
	var after npac.SV
	// T2 comes due while no server runs.
	time.Sleep(3500 * time.Millisecond)

	srv = startServer(t, args...)
	deadline = time.Now().Add(10 * time.Second)
	for srv.kinds(t, tokens["bravo-soa"], storetest.SPB)[npac.NoticeT2Expired] == 0 {
		if time.Now().After(deadline) {
			t.Fatal("T2 did not fire within 10s of the restart")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Many scheduler ticks later, still exactly once for each side.
	time.Sleep(500 * time.Millisecond)
	for _, c := range []struct {
		user string
		spid npac.SPID
	}{{"bravo-soa", storetest.SPB}, {"alpha-soa", storetest.SPA}} {
		if n := srv.kinds(t, tokens[c.user], c.spid)[npac.NoticeT2Expired]; n != 1 {
			t.Errorf("%s got %d T2 expiry notices, want exactly 1", c.spid, n)
		}
	}
	if code := srv.call(t, tokens["bravo-soa"], "POST", fmt.Sprintf("/api/v1/svs/%d/activate", sv.ID), map[string]any{}, &after); code != 200 || after.Status != npac.StatusActive {
		t.Errorf("activation after T2: status %d, SV %s; want 200 and active", code, after.Status)
	}
}
