package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/calendar"
	apihttp "github.com/opennpac/npac/http"
	"github.com/opennpac/npac/lifecycle"
	"github.com/opennpac/npac/sqlite"
	"github.com/opennpac/npac/store"
	"github.com/opennpac/npac/storetest"
)

// testEnv is the real API over a real SQLite store, seeded with the
// storetest world: AAA1 holds 212-555 and 212-556, BBB2 and CCC3 have
// LRNs, and users alpha-soa, bravo-soa, charlie-soa and admin have
// tokens.
type testEnv struct {
	w   *storetest.World
	url string
	// requests counts the requests the server received.
	requests atomic.Int64
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	// The tests name server and token with flags; the environment must
	// not fill in what a test leaves out.
	t.Setenv("NPAC_URL", "")
	t.Setenv("NPAC_TOKEN", "")
	e := &testEnv{}
	e.w = storetest.NewWorld(t, func(t testing.TB) *store.Store {
		m, err := lifecycle.New(npac.DefaultTunables(), calendar.USFederal())
		if err != nil {
			t.Fatal(err)
		}
		st, err := sqlite.Open(t.TempDir(), m, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if err := st.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return st
	})
	st := e.w.S
	api := apihttp.For(st, slog.New(slog.DiscardHandler)).Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.requests.Add(1)
		api.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	e.url = srv.URL
	return e
}

// run runs the npac command line against the server as user (a name in
// the world's Tokens; "" for no token).
func (e *testEnv) run(user string, args ...string) (stdout, stderr string, err error) {
	return e.runCtx(context.Background(), user, args...)
}

func (e *testEnv) runCtx(ctx context.Context, user string, args ...string) (stdout, stderr string, err error) {
	args = append(append([]string{}, args...), "--url", e.url)
	if user != "" {
		args = append(args, "--token", e.w.Tokens[user])
	}
	var out, errOut bytes.Buffer
	err = run(ctx, args, &out, &errOut)
	return out.String(), errOut.String(), err
}

// mustRun runs a command that must succeed and returns its output.
func (e *testEnv) mustRun(t *testing.T, user string, args ...string) string {
	t.Helper()
	out, errOut, err := e.run(user, args...)
	if err != nil {
		t.Fatalf("npac %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// svCount returns the number of SVs in the store.
func (e *testEnv) svCount(t *testing.T) int { return e.w.Count(t, "svs") }

var idLine = regexp.MustCompile(`(?m)^id:\s+(\d+)$`)

// svID returns the id line of a printed SV.
func svID(t *testing.T, out string) int64 {
	t.Helper()
	m := idLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no id line in:\n%s", out)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

// wantLines fails unless every want matches a whole line of out (runs of
// spaces in out count as one).
func wantLines(t *testing.T, out string, wants ...string) {
	t.Helper()
	lines := map[string]bool{}
	for _, l := range strings.Split(out, "\n") {
		lines[strings.Join(strings.Fields(l), " ")] = true
	}
	for _, w := range wants {
		if !lines[w] {
			t.Errorf("output has no line %q; got:\n%s", w, out)
		}
	}
}

// wantCode fails unless err is a problem with the code, printed as
// "<detail> (<code>)".
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var ae *apiError
	if !errors.As(err, &ae) {
		t.Fatalf("got error %v, want a problem with code %s", err, code)
	}
	if ae.Code != code || err.Error() != ae.Detail+" ("+code+")" || ae.Detail == "" {
		t.Fatalf("got error %q (code %s), want \"<detail> (%s)\"", err, ae.Code, code)
	}
}

// portArgs are the flags of the world's port of tn from AAA1 to BBB2.
func portArgs(tn string) []string {
	return []string{"--tn", tn, "--old-spid", "AAA1", "--new-spid", "BBB2", "--due", "2026-11-18"}
}

func TestPortLifecycle(t *testing.T) {
	e := newTestEnv(t)

	out := e.mustRun(t, "bravo-soa", append([]string{"sv", "create", "--lrn", "212-555-9999"}, portArgs("212-555-0001")...)...)
	id := svID(t, out)
	wantLines(t, out,
		"tn: 212-555-0001",
		"status: pending",
		"old → new: AAA1 → BBB2",
		"lrn: 212-555-9999",
		"due: 2026-11-18",
		"waiting for: the old SP's concurrence (AAA1)",
	)
	if !strings.Contains(out, "\nt1 expires: ") {
		t.Errorf("a create waiting for concurrence does not show T1:\n%s", out)
	}

	// The new SP changes its routing data before the old SP concurs.
	out = e.mustRun(t, "bravo-soa", "sv", "modify", strconv.FormatInt(id, 10), "--billing-id", "AB12", "--cnam-dpc", "1.2.3", "--cnam-ssn", "7")
	if got := svID(t, out); got != id {
		t.Errorf("modify printed SV %d, want %d", got, id)
	}
	sv, err := e.w.S.SV(e.w.Admin, id)
	if err != nil {
		t.Fatal(err)
	}
	if sv.BillingID != "AB12" || sv.CNAM == nil || sv.CNAM.DPC != "001-002-003" || *sv.CNAM.SSN != 7 {
		t.Errorf("after modify got billing ID %q, CNAM %+v; want AB12 and 001-002-003/7", sv.BillingID, sv.CNAM)
	}

	out = e.mustRun(t, "alpha-soa", append([]string{"sv", "concur"}, portArgs("2125550001")...)...)
	if got := svID(t, out); got != id {
		t.Errorf("concur printed SV %d, want %d", got, id)
	}
	if strings.Contains(out, "waiting for") || strings.Contains(out, "t1 expires") {
		t.Errorf("a concurred SV still says it is waiting:\n%s", out)
	}
	// "none" removes a signaling point pair.
	e.mustRun(t, "bravo-soa", "sv", "modify", strconv.FormatInt(id, 10), "--cnam-dpc", "none")
	if sv, err = e.w.S.SV(e.w.Admin, id); err != nil || sv.CNAM != nil {
		t.Errorf("after --cnam-dpc none got CNAM %+v (%v), want none", sv.CNAM, err)
	}

	// Before the due date the NPAC refuses the activation.
	_, _, err = e.run("bravo-soa", "sv", "activate", strconv.FormatInt(id, 10))
	wantCode(t, err, npac.ESVDueDateNotReached)

	e.w.Clock.Set(storetest.DueDay.Add(14 * time.Hour))
	out = e.mustRun(t, "bravo-soa", "sv", "activate", strconv.FormatInt(id, 10))
	wantLines(t, out, "status: active", "activated: 2026-11-18T14:00:00Z")
	sv, err = e.w.S.SV(e.w.Admin, id)
	if err != nil {
		t.Fatal(err)
	}
	if sv.Status != npac.StatusActive {
		t.Fatalf("store has SV %d %s, want active", id, sv.Status)
	}

	// Another provider sees the active SV by TN.
	out = e.mustRun(t, "charlie-soa", "sv", "list", "--tn", "2125550001")
	wantLines(t, out,
		"ID TN STATUS OLD NEW LRN DUE",
		strconv.FormatInt(id, 10)+" 212-555-0001 active AAA1 BBB2 212-555-9999 2026-11-18",
	)

	out = e.mustRun(t, "bravo-soa", "sv", "disconnect", strconv.FormatInt(id, 10), "--disconnect-date", "2026-11-18T15:00:00Z",
		"--release-date", "2026-11-25")
	if sv, err = e.w.S.SV(e.w.Admin, id); err != nil {
		t.Fatal(err)
	}
	wantLines(t, out, "status: "+string(sv.Status), "disconnect: 2026-11-18T15:00:00Z", "release: 2026-11-25T00:00:00Z")
	if sv.Status != npac.StatusDisconnectPending {
		t.Errorf("store has SV %d %s after a disconnect with a future release date, want disconnect-pending", id, sv.Status)
	}

	out = e.mustRun(t, "bravo-soa", "sv", "show", strconv.FormatInt(id, 10), "--json")
	var got npac.SV
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("--json output is not JSON: %v\n%s", err, out)
	}
	if got.ID != id || got.Status != sv.Status || got.TN != "2125550001" {
		t.Errorf("--json gave SV %d %s %s, want %d 2125550001 %s", got.ID, got.TN, got.Status, id, sv.Status)
	}
}

func TestConflictAndResolve(t *testing.T) {
	e := newTestEnv(t)
	id := svID(t, e.mustRun(t, "bravo-soa", append([]string{"sv", "create", "--lrn", "2125559999"}, portArgs("2125550003")...)...))
	e.mustRun(t, "alpha-soa", append([]string{"sv", "concur"}, portArgs("2125550003")...)...)

	out := e.mustRun(t, "alpha-soa", "sv", "conflict", strconv.FormatInt(id, 10), "--cause-code", "50")
	wantLines(t, out, "status: conflict", "cause code: 50")

	out = e.mustRun(t, "alpha-soa", "sv", "resolve-conflict", strconv.FormatInt(id, 10))
	wantLines(t, out, "status: pending")
	sv, err := e.w.S.SV(e.w.Admin, id)
	if err != nil {
		t.Fatal(err)
	}
	if sv.Status != npac.StatusPending {
		t.Errorf("store has SV %d %s, want pending", id, sv.Status)
	}
}

func TestRange(t *testing.T) {
	e := newTestEnv(t)
	// 212-555-0011 already has a pending SV.
	taken := e.w.MustCreate(t, e.w.B, storetest.NewCreate("2125550011", storetest.SPA, storetest.SPB, storetest.LRNB))

	out, _, err := e.run("bravo-soa", "sv", "create", "--range", "2125550010-0012", "--old-spid", "AAA1", "--new-spid", "BBB2",
		"--lrn", "2125559999", "--due", "2026-11-18")
	var rf *rangeFailedError
	if !errors.As(err, &rf) || err.Error() != "1 of 3 TNs failed (see the results above)" {
		t.Fatalf("got error %v, want 1 of 3 TNs failed", err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 {
		t.Fatalf("got %d lines, want 3 results and a summary:\n%s", len(lines), out)
	}
	var ids []int64
	for _, tn := range []npac.TN{"2125550010", "2125550012"} {
		svs, err := e.w.S.SVs(e.w.Admin, npac.SVFilter{TN: tn})
		if err != nil || len(svs) != 1 {
			t.Fatalf("store has %d SVs for %s (%v), want 1", len(svs), tn, err)
		}
		ids = append(ids, svs[0].ID)
	}
	if want := tnLine("212-555-0010", ids[0], "pending"); lines[0] != want {
		t.Errorf("line 1 is %q, want %q", lines[0], want)
	}
	if want := "212-555-0011  error sv-already-pending: "; !strings.HasPrefix(lines[1], want) || len(lines[1]) == len(want) {
		t.Errorf("line 2 is %q, want %q and the detail", lines[1], want)
	}
	if want := tnLine("212-555-0012", ids[1], "pending"); lines[2] != want {
		t.Errorf("line 3 is %q, want %q", lines[2], want)
	}
	if lines[3] != "2 succeeded, 1 failed" {
		t.Errorf("summary is %q, want %q", lines[3], "2 succeeded, 1 failed")
	}

	// A range action: the new SP cancels its three creates.
	out = e.mustRun(t, "bravo-soa", "sv", "cancel", "--tns", "212-555-0010,2125550011,2125550012")
	if !strings.HasSuffix(out, "3 succeeded, 0 failed\n") {
		t.Errorf("range cancel output:\n%s\nwant 3 succeeded", out)
	}
	sv, err := e.w.S.SV(e.w.Admin, taken.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, tnLine("212-555-0011", taken.ID, string(sv.Status))) {
		t.Errorf("range cancel output does not show SV %d as %s:\n%s", taken.ID, sv.Status, out)
	}
}

func tnLine(tn string, id int64, status string) string {
	return tn + "  ok " + strconv.FormatInt(id, 10) + " " + status
}

func TestProblemError(t *testing.T) {
	e := newTestEnv(t)
	args := append([]string{"sv", "create", "--lrn", "2125559999"}, portArgs("2125550001")...)
	e.mustRun(t, "bravo-soa", args...)
	out, _, err := e.run("bravo-soa", args...)
	wantCode(t, err, npac.ESVAlreadyPending)
	if out != "" {
		t.Errorf("a refused create printed %q", out)
	}
	// Charlie may not act for Bravo.
	_, _, err = e.run("charlie-soa", append([]string{"sv", "create", "--lrn", "2125559999"}, portArgs("2125550002")...)...)
	wantCode(t, err, npac.ENotAuthorizedForSPID)
	_, _, err = e.run("bravo-soa", "sv", "show", "999")
	wantCode(t, err, npac.ENOTFOUND)
}

func TestLocalValidation(t *testing.T) {
	e := newTestEnv(t)
	create := func(extra ...string) []string {
		return append([]string{"sv", "create", "--old-spid", "AAA1", "--new-spid", "BBB2", "--lrn", "2125559999", "--due", "2026-11-18"}, extra...)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string // in the error
	}{
		{"short TN", create("--tn", "212555001"), `--tn: "212555001" is not a telephone number`},
		{"NPA 0", create("--tn", "0125550001"), "the area code (NPA) 012 starts with 0"},
		{"bad TN in list", create("--tns", "2125550001,2125550x02"), `--tns: "2125550x02" is not a telephone number`},
		{"span over two codes", create("--range", "2125550010-2125560012"), "different NPA-NXXs"},
		{"backward span", create("--range", "2125550012-0010"), "comes after"},
		{"no TN", create(), "needs the TN"},
		{"TN and range", create("--tn", "2125550001", "--range", "2125550010-0012"), "one of --tn, --tns and --range"},
		{"bad date", create("--tn", "2125550001", "--due", "2026-13-01"), `--due "2026-13-01" is not a date`},
		{"words for a date", create("--tn", "2125550001", "--due", "next tuesday"), "is not a date"},
		{"unknown side", create("--tn", "2125550001", "--as", "both"), `--as "both" is unknown`},
		{"bad SPID", create("--tn", "2125550001", "--old-spid", "AAAA1"), "--old-spid"},
		{"bad LRN", create("--tn", "2125550001", "--lrn", "123"), "--lrn"},
		{"DPC without SSN", create("--tn", "2125550001", "--class-dpc", "001-002-003"), "come in a pair"},
		{"bad DPC", create("--tn", "2125550001", "--class-dpc", "000-002-003", "--class-ssn", "0"), "first octet"},
		{"bad timer", create("--tn", "2125550001", "--timer-type", "eternal"), "--timer-type"},
		{"bad SV type", create("--tn", "2125550001", "--sv-type", "pager"), "--sv-type"},
		{"bad id", []string{"sv", "activate", "abc"}, `"abc" is not a subscription version ID`},
		{"id and TNs", []string{"sv", "cancel", "1", "--tns", "2125550001"}, "not both"},
		{"no id", []string{"sv", "activate"}, "needs an SV id"},
		{"conflict without cause", []string{"sv", "conflict", "1"}, "needs --cause-code"},
		{"empty modify", []string{"sv", "modify", "1"}, "needs something to change"},
		{"modify with a bad date", []string{"sv", "modify", "1", "--due", "18/11/2026"}, "is not a date"},
		{"unknown status", []string{"sv", "list", "--status", "gone"}, `--status "gone" is unknown`},
		{"bad list TN", []string{"sv", "list", "--tn", "555"}, "--tn"},
		{"user without role", []string{"user", "create", "--name", "x"}, "at least one --role"},
		{"role without SPID", []string{"user", "create", "--name", "x", "--role", "soa"}, "--role soa needs its --spid"},
		{"bad ttl", []string{"user", "token", "1", "--ttl", "-1h"}, "--ttl"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, svs := e.requests.Load(), e.svCount(t)
			_, _, err := e.run("admin", tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v, want one containing %q", err, tc.want)
			}
			if n := e.requests.Load() - before; n != 0 {
				t.Errorf("%d requests reached the server, want none", n)
			}
			if n := e.svCount(t); n != svs {
				t.Errorf("store has %d SVs, had %d", n, svs)
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	e := newTestEnv(t)
	for _, tc := range []struct {
		name       string
		args       []string
		wantStderr []string
	}{
		{"create help", []string{"sv", "create", "-h"}, []string{"Usage: npac sv create", "-old-spid", "-url", "-token", "-json", "-class-dpc"}},
		{"modify help", []string{"sv", "modify", "-h"}, []string{"Usage: npac sv modify", "none removes the CLASS pair", "-release-date"}},
		{"user create help", []string{"user", "create", "--help"}, []string{"Usage: npac user create", "-role", "-spid"}},
		{"sv alone", []string{"sv"}, []string{"Usage: npac sv <command>"}},
		{"unknown sv command", []string{"sv", "port"}, []string{`unknown command "port"`}},
		{"unknown user command", []string{"user", "delete"}, []string{`unknown command "delete"`}},
		{"unknown flag", []string{"sv", "list", "--colour"}, []string{"flag provided but not defined: -colour", "Usage: npac sv list"}},
		{"spid before role", []string{"user", "create", "--name", "x", "--spid", "BBB2"}, []string{"must follow the --role"}},
		{"unknown role", []string{"user", "create", "--name", "x", "--role", "god"}, []string{`role "god" is unknown`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.requests.Load()
			_, stderr, err := e.run("admin", tc.args...)
			if !errors.Is(err, flag.ErrHelp) {
				t.Errorf("got error %v, want flag.ErrHelp", err)
			}
			for _, w := range tc.wantStderr {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr has no %q:\n%s", w, stderr)
				}
			}
			if n := e.requests.Load() - before; n != 0 {
				t.Errorf("%d requests reached the server, want none", n)
			}
		})
	}
	// The token is not shown as a flag default.
	t.Setenv("NPAC_TOKEN", "npac_secret-in-env")
	_, stderr, _ := e.run("", "sv", "show", "-h")
	if strings.Contains(stderr, "secret-in-env") {
		t.Errorf("usage shows the token:\n%s", stderr)
	}
}

func TestMissingToken(t *testing.T) {
	e := newTestEnv(t)
	_, _, err := e.run("", "sv", "show", "1")
	if err == nil || !strings.Contains(err.Error(), "NPAC_TOKEN") {
		t.Errorf("got error %v, want one naming NPAC_TOKEN", err)
	}
	if n := e.requests.Load(); n != 0 {
		t.Errorf("%d requests reached the server, want none", n)
	}

	// NPAC_URL and NPAC_TOKEN configure the client.
	t.Setenv("NPAC_URL", e.url+"/")
	t.Setenv("NPAC_TOKEN", e.w.Tokens["alpha-soa"])
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"user", "me"}, &out, &errOut); err != nil {
		t.Fatalf("user me with the environment: %v\n%s", err, errOut.String())
	}
	wantLines(t, out.String(), "roles: soa AAA1")

	// A wrong token is the server's unauthorized.
	_, _, err = e.run("", "user", "me", "--token", "npac_nonsense")
	wantCode(t, err, npac.EUNAUTHORIZED)
}

func TestUnreachable(t *testing.T) {
	t.Setenv("NPAC_TOKEN", "")
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"sv", "show", "1", "--url", url, "--token", "npac_x"}, &out, &errOut)
	if err == nil {
		t.Fatal("no error from a closed server")
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "cannot reach the NPAC at "+url+": ") || !strings.HasSuffix(msg, "; is `npac serve` running?") {
		t.Errorf("got error %q, want \"cannot reach the NPAC at %s: …; is `npac serve` running?\"", msg, url)
	}

	err = run(context.Background(), []string{"sv", "show", "1", "--url", "localhost:8080", "--token", "npac_x"}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "not an http:// or https:// URL") {
		t.Errorf("got error %v for a URL without scheme, want one saying so", err)
	}
}

var tokenLine = regexp.MustCompile(`(?m)^token:\s+(\S+)$`)
var userLine = regexp.MustCompile(`(?m)^user:\s+(\d+) `)
var tokenIDLine = regexp.MustCompile(`(?m)^token id:\s+(\d+) `)

func TestUsers(t *testing.T) {
	e := newTestEnv(t)
	out := e.mustRun(t, "admin", "user", "create", "--name", "dave", "--role", "soa", "--spid", "ccc3", "--role", "lsms", "--spid", "CCC3")
	wantLines(t, out, "roles: soa CCC3, lsms CCC3", "token id: "+tokenIDLine.FindStringSubmatch(out)[1]+" initial")
	if !strings.Contains(out, "shown only once") {
		t.Errorf("user create does not say the token is shown once:\n%s", out)
	}
	m := tokenLine.FindStringSubmatch(out)
	if m == nil || !strings.HasPrefix(m[1], store.TokenPrefix) {
		t.Fatalf("no token in:\n%s", out)
	}
	e.w.Tokens["dave"] = m[1]
	uid := userLine.FindStringSubmatch(out)[1]

	out = e.mustRun(t, "dave", "user", "me")
	wantLines(t, out, "user: "+uid+" dave", "roles: soa CCC3, lsms CCC3")

	// Dave issues a second token for himself, which works.
	out = e.mustRun(t, "dave", "user", "token", uid, "--name", "ci", "--ttl", "720h")
	wantLines(t, out, "expires: "+storetest.Start.Add(720*time.Hour).UTC().Format(time.RFC3339))
	e.w.Tokens["dave-ci"] = tokenLine.FindStringSubmatch(out)[1]
	tid := tokenIDLine.FindStringSubmatch(out)[1]
	e.mustRun(t, "dave-ci", "user", "me")

	out = e.mustRun(t, "admin", "user", "revoke", uid, tid)
	wantLines(t, out, "revoked token "+tid+" of user "+uid)
	_, _, err := e.run("dave-ci", "user", "me")
	wantCode(t, err, npac.EUNAUTHORIZED)

	out = e.mustRun(t, "admin", "user", "disable", uid)
	wantLines(t, out, "state: disabled")
	_, _, err = e.run("dave", "user", "me")
	wantCode(t, err, npac.EUNAUTHORIZED)
	e.mustRun(t, "admin", "user", "enable", uid)
	e.mustRun(t, "dave", "user", "me")

	// Only NPAC personnel list users.
	_, _, err = e.run("dave", "user", "list")
	wantCode(t, err, npac.EFORBIDDEN)
	out = e.mustRun(t, "admin", "user", "list")
	if !regexp.MustCompile(`(?m)^` + uid + `\s+dave\s+soa CCC3, lsms CCC3\s+enabled\s`).MatchString(out) {
		t.Errorf("user list has no row for dave:\n%s", out)
	}

	out = e.mustRun(t, "admin", "user", "list", "--json")
	var page struct {
		Items []npac.User `json:"items"`
	}
	if err := json.Unmarshal([]byte(out), &page); err != nil || len(page.Items) != e.w.Count(t, "users") {
		t.Errorf("user list --json gave %d users (%v), want %d:\n%s", len(page.Items), err, e.w.Count(t, "users"), out)
	}

	out = e.mustRun(t, "admin", "user", "create", "--name", "ops", "--role", "npac-admin")
	wantLines(t, out, "roles: npac-admin")
}

func TestNotifications(t *testing.T) {
	e := newTestEnv(t)
	e.mustRun(t, "bravo-soa", append([]string{"sv", "create", "--lrn", "2125559999"}, portArgs("2125550001")...)...)
	want, err := e.w.S.Notifications(e.w.A, storetest.SPA, 0, 100)
	if err != nil || len(want) == 0 {
		t.Fatalf("store has %d notifications for AAA1 (%v), want some", len(want), err)
	}

	out, _, err := e.run("alpha-soa", "sv", "notifications")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(want), out)
	}
	for i, n := range want {
		// The port's notifications name its TN; the NPA-NXX announcements
		// (npa-nxx-opened, new-npa-nxx) name none.
		tn := "212-555-0001"
		if n.SVID == 0 {
			tn = "-"
		}
		if f := strings.Fields(lines[i]); len(f) < 4 || f[0] != strconv.FormatInt(n.Seq, 10) || f[2] != string(n.Kind) || f[3] != tn {
			t.Errorf("line %d is %q, want seq %d, kind %s, TN %s", i+1, lines[i], n.Seq, n.Kind, tn)
		}
	}

	last := want[len(want)-1].Seq
	out, errOut, err := e.run("alpha-soa", "sv", "notifications", "--after", strconv.FormatInt(last, 10), "--spid", "AAA1")
	if err != nil || out != "" || !strings.Contains(errOut, "no notifications after "+strconv.FormatInt(last, 10)) {
		t.Errorf("after the last: got %q, %q, %v; want nothing and a note", out, errOut, err)
	}
	out, _, err = e.run("alpha-soa", "sv", "notifications", "--after", strconv.FormatInt(last-1, 10), "--json")
	var page struct {
		Items   []npac.Notification `json:"items"`
		LastSeq int64               `json:"last_seq"`
	}
	if err != nil || json.Unmarshal([]byte(out), &page) != nil || len(page.Items) != 1 || page.Items[0].Seq != last || page.LastSeq != last {
		t.Errorf("--after %d --json: got %v\n%s\nwant the last notification", last-1, err, out)
	}

	// Charlie may not read Alpha's stream.
	_, _, err = e.run("charlie-soa", "sv", "notifications", "--spid", "AAA1")
	wantCode(t, err, npac.EFORBIDDEN)

	// --follow prints what arrives until canceled.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var fout, ferr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"sv", "notifications", "--follow", "--after", strconv.FormatInt(last, 10),
			"--url", e.url, "--token", e.w.Tokens["alpha-soa"]}, &fout, &ferr)
	}()
	time.Sleep(300 * time.Millisecond) // let the first long poll start waiting
	e.w.MustCreate(t, e.w.B, storetest.NewCreate(storetest.TN(2), storetest.SPA, storetest.SPB, storetest.LRNB))
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(fout.String(), "212-555-0002") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("--follow ended with %v, want nil when canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("--follow did not end when canceled")
	}
	got := fout.String()
	if !strings.Contains(got, "212-555-0002") || strings.Contains(got, "212-555-0001") {
		t.Errorf("--follow after %d printed:\n%s\nwant the new port's notifications only", last, got)
	}
	if !strings.HasPrefix(got, strconv.FormatInt(last+1, 10)+" ") {
		t.Errorf("--follow output starts %q, want seq %d", got, last+1)
	}
}

func TestParseFlags(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		pos     []string
		as      string
		jsonOut bool
	}{
		{args: []string{"42", "--as", "old"}, pos: []string{"42"}, as: "old"},
		{args: []string{"--as", "new", "42", "--json"}, pos: []string{"42"}, as: "new", jsonOut: true},
		{args: []string{"1", "2"}, pos: []string{"1", "2"}},
		{args: []string{"1", "--", "--as"}, pos: []string{"1", "--as"}},
		{args: nil, pos: nil},
	} {
		var stderr bytes.Buffer
		fs, g := newFlagSet("sv test", "sv test", "", &stderr)
		as := fs.String("as", "", "")
		pos, err := parseFlags(fs, tc.args)
		if err != nil || strings.Join(pos, " ") != strings.Join(tc.pos, " ") || *as != tc.as || g.json != tc.jsonOut {
			t.Errorf("parseFlags(%q) = %q, as %q, json %v, %v; want %q, as %q, json %v", tc.args, pos, *as, g.json, err, tc.pos, tc.as, tc.jsonOut)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader in two
// goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
