package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	npac "github.com/opennpac/npac"
)

// freePort returns a port on 127.0.0.1 that was free a moment ago, for
// servers whose address must be known before they start (ENUM, SIP).
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	u, err := net.ListenPacket("udp", l.Addr().String())
	if err != nil {
		return freePort(t)
	}
	u.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// tokenRE finds the users and tokens in the demo's table.
var tokenRE = regexp.MustCompile(`(\S+-(?:soa|lsms)|\sadmin)\s+(npac_\S+)`)

// startDemo runs npac serve --demo (with extra flags) and returns it with the tokens its
// table printed, by user name (admin, bell-soa, bell-lsms, ...).
func startDemo(t *testing.T, extra ...string) (*server, map[string]string) {
	t.Helper()
	srv := startServer(t, append([]string{"serve", "--demo", "--listen", "127.0.0.1:0", "--scheduler-interval", "100ms"}, extra...)...)
	// Stdout and stderr travel separately: the table may arrive after the
	// log line that said the server is up.
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(srv.stdout.String(), "e164.arpa"); {
		if time.Now().After(deadline) {
			t.Fatalf("the demo did not print its instructions:\n%s", srv.stdout.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	tokens := map[string]string{}
	for _, m := range tokenRE.FindAllStringSubmatch(srv.stdout.String(), -1) {
		tokens[strings.TrimSpace(m[1])] = m[2]
	}
	for _, u := range []string{"admin", "bell-soa", "rogers-soa", "telus-soa", "bell-lsms", "rogers-lsms"} {
		if tokens[u] == "" {
			t.Fatalf("the demo printed no token for %s:\n%s", u, srv.stdout.String())
		}
	}
	return srv, tokens
}

// waitReady waits for an LSMS's /readyz to answer 200: its first sync done.
func waitReady(t *testing.T, what, url string, within time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(within); ; {
		resp, err := http.Get(url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not sync within %v", what, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// cli runs the npac command line in this process, as a user would.
func cli(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), args, &out, &errOut); err != nil {
		t.Fatalf("npac %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String()
}

// TestDemoWithTwoLSMS is the walkthrough of the README: serve --demo, two
// npac lsms processes, a port made with the CLI, and the number answered
// with its LRN by both LSMSs over HTTP within a second, and over ENUM (dig)
// and SIP (sipp).
func TestDemoWithTwoLSMS(t *testing.T) {
	for _, bin := range []string{"dig", "sipp"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("%s is needed (CI installs dnsutils and sip-tester): %v", bin, err)
		}
	}
	npacSrv, tokens := startDemo(t)
	type lsmsProc struct {
		name      string
		http      string
		enum, sip int
	}
	var procs []lsmsProc
	for _, name := range []string{"bell", "rogers"} {
		p := lsmsProc{name: name, enum: freePort(t), sip: freePort(t)}
		srv := startServer(t, "lsms", "--npac", npacSrv.url, "--token", tokens[name+"-lsms"], "--data", filepath.Join(t.TempDir(), name),
			"--http", "127.0.0.1:0", "--enum", fmt.Sprintf("127.0.0.1:%d", p.enum), "--sip", fmt.Sprintf("127.0.0.1:%d", p.sip))
		p.http = srv.url
		procs = append(procs, p)
	}
	for _, p := range procs {
		waitReady(t, "the "+p.name+" LSMS", p.http, 20*time.Second)
	}

	due := time.Now().UTC().Format("2006-01-02")
	out := cli(t, "sv", "create", "--url", npacSrv.url, "--token", tokens["rogers-soa"], "--json",
		"--tn", "6132210100", "--old-spid", "8051", "--new-spid", "8821", "--lrn", "6132180000", "--due", due)
	var sv npac.SV
	if err := json.Unmarshal([]byte(out), &sv); err != nil {
		t.Fatalf("create output: %v\n%s", err, out)
	}
	cli(t, "sv", "concur", "--url", npacSrv.url, "--token", tokens["bell-soa"], "--tn", "6132210100", "--old-spid", "8051", "--new-spid", "8821", "--due", due)
	cli(t, "sv", "activate", "--url", npacSrv.url, "--token", tokens["rogers-soa"], strconv.FormatInt(sv.ID, 10))
	activated := time.Now()

	// HTTP, on both LSMSs, within a second.
	for _, p := range procs {
		for {
			var ans struct {
				Ported bool     `json:"ported"`
				LRN    npac.LRN `json:"lrn"`
			}
			resp, err := http.Get(p.http + "/lnp/v1/6132210100")
			if err == nil {
				json.NewDecoder(resp.Body).Decode(&ans)
				resp.Body.Close()
			}
			if ans.Ported && ans.LRN == "6132180000" {
				break
			}
			if time.Since(activated) > time.Second {
				t.Fatalf("the %s LSMS did not answer the LRN over HTTP within a second of activation (last: %+v, %v)", p.name, ans, err)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	t.Logf("both LSMSs answered over HTTP %s after activation", time.Since(activated).Round(time.Millisecond))

	for _, p := range procs {
		// ENUM with the real dig.
		dig, err := exec.Command("dig", "@127.0.0.1", "-p", strconv.Itoa(p.enum), "+short", "+time=2", "+tries=1",
			"NAPTR", "0.0.1.0.1.2.2.3.1.6.1.e164.arpa").CombinedOutput()
		if err != nil || !strings.Contains(string(dig), "tel:+16132210100;npdi;rn=+16132180000") {
			t.Errorf("%s LSMS over ENUM: dig said %q (%v), want the tel URI with rn=+16132180000", p.name, dig, err)
		}
		// SIP with the real sipp: the scenario fails unless the 302's
		// Contact carries rn=+16132180000;npdi.
		dir := t.TempDir()
		sipp := exec.Command("sipp", "127.0.0.1:"+strconv.Itoa(p.sip), "-sf", "testdata/demo_dip.xml", "-s", "6132210100",
			"-m", "1", "-p", strconv.Itoa(freePort(t)), "-timeout", "10s", "-timeout_error", "-trace_err", "-error_file", filepath.Join(dir, "err.log"))
		var so bytes.Buffer
		sipp.Stdout, sipp.Stderr = &so, &so
		if err := sipp.Run(); err != nil {
			log, _ := os.ReadFile(filepath.Join(dir, "err.log"))
			t.Errorf("%s LSMS over SIP: sipp failed (%v): %s", p.name, err, log)
		}
	}
}
