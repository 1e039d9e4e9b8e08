package lti

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/calendar"
	"github.com/opennpac/npac/lifecycle"
	"github.com/opennpac/npac/sqlite"
	"github.com/opennpac/npac/store"
	"github.com/opennpac/npac/storetest"
)

// *store.Store is the interface's store.
var _ Store = (*store.Store)(nil)

// Passwords of the test world's users.
const (
	alphaPassword   = "alpha-password-1"
	bravoPassword   = "bravo-password-1"
	adminPassword   = "admin-password-1"
	charliePassword = "charlie-password-1"
)

// env is a real SQLite store seeded with the conformance suite's world
// (AAA1 holds 212-555; BBB2 and CCC3 compete), passwords for its users,
// and the interface on a real listener at 127.0.0.1.
type env struct {
	w   *storetest.World
	h   *handler
	srv *httptest.Server
	// base is the interface's URL, http://127.0.0.1:port/lti.
	base string
	ids  map[string]int64
}

// newEnv starts the environment; opts adjust the interface's options.
func newEnv(t testing.TB, opts ...func(*Options)) *env {
	t.Helper()
	m, err := lifecycle.New(npac.DefaultTunables(), calendar.USFederal())
	if err != nil {
		t.Fatal(err)
	}
	w := storetest.NewWorld(t, func(t testing.TB) *store.Store {
		s, err := sqlite.Open(t.TempDir(), m, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if err := s.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return s
	})
	e := &env{w: w, ids: map[string]int64{}}
	users, err := w.S.Users(w.Admin)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		e.ids[u.Name] = u.ID
	}
	for name, pw := range map[string]string{"alpha-soa": alphaPassword, "bravo-soa": bravoPassword, "admin": adminPassword, "charlie-soa": charliePassword} {
		if err := w.S.SetPassword(w.Admin, e.ids[name], pw); err != nil {
			t.Fatalf("set password of %s: %v", name, err)
		}
	}
	o := Options{Log: slog.New(slog.DiscardHandler), NPACNow: w.Clock.Now}
	for _, f := range opts {
		f(&o)
	}
	e.h, err = newHandler(w.S, o)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/lti/", e.h)
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	e.base = e.srv.URL + "/lti"
	return e
}

// frozen stops the clock of sessions and throttling, so that a lock
// cannot run out while a slow machine runs the test.
func frozen(o *Options) {
	at := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
	o.Now = func() time.Time { return at }
}

// counts returns the rows of the tables a write would touch.
func (e *env) counts(t testing.TB) [4]int {
	t.Helper()
	return [4]int{e.w.Count(t, "svs"), e.w.Count(t, "audit"), e.w.Count(t, "notifications"), e.w.Count(t, "timers")}
}

// client is a browser without JavaScript: a cookie jar that does not
// follow redirects, so that tests see them.
type client struct {
	t  testing.TB
	e  *env
	c  *http.Client
	mu sync.Mutex
	// csrf is the last CSRF token a page carried.
	csrf string
}

func (e *env) client(t testing.TB) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// do sends a request and returns the status, the Location and the body.
// It remembers the last CSRF token a page carried.
func (c *client) do(method, path string, form url.Values, hdr ...string) (int, string, string) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.e.srv.URL+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if m := csrfRE.FindSubmatch(b); m != nil {
		c.mu.Lock()
		c.csrf = string(m[1])
		c.mu.Unlock()
	}
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

func (c *client) get(path string) (int, string, string) { return c.do("GET", path, nil) }

// post sends a form with the last CSRF token seen, unless it has one.
func (c *client) post(path string, form url.Values) (int, string, string) {
	c.t.Helper()
	if _, ok := form["csrf"]; !ok {
		c.mu.Lock()
		form.Set("csrf", c.csrf)
		c.mu.Unlock()
	}
	return c.do("POST", path, form)
}

// login signs in and fails the test unless it works.
func (c *client) login(name, password string) {
	c.t.Helper()
	if st, _, _ := c.get("/lti/login"); st != http.StatusOK {
		c.t.Fatalf("GET login: %d", st)
	}
	st, loc, body := c.post("/lti/login", url.Values{"name": {name}, "password": {password}})
	if st != http.StatusSeeOther || loc != "/lti/" {
		c.t.Fatalf("login %s: %d %q\n%s", name, st, loc, body)
	}
	if st, _, _ := c.get("/lti/"); st != http.StatusOK {
		c.t.Fatalf("home after login: %d", st)
	}
}
