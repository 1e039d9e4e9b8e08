package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/calendar"
	npachttp "github.com/opennpac/npac/http"
	"github.com/opennpac/npac/lifecycle"
	"github.com/opennpac/npac/sqlite"
	"github.com/opennpac/npac/store"
	"github.com/opennpac/npac/storetest"
)

// env is a real server on 127.0.0.1 over a real SQLite store.
type env struct {
	t     *testing.T
	url   string
	st    *store.Store
	clock *storetest.Clock
	admin string // the admin's token
	logs  *syncBuffer
}

// syncBuffer is a bytes.Buffer for concurrent writers.
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

// start is when every test's clock starts: Monday 3 March 2025, 10:00 in
// New York.
var start = time.Date(2025, 3, 3, 15, 0, 0, 0, time.UTC)

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, nil)
}

// newEnvWith is newEnv with setup run on the store before the server
// starts, for settings the server's goroutines read.
func newEnvWith(t *testing.T, setup func(*store.Store)) *env {
	t.Helper()
	ctx := context.Background()
	m, err := lifecycle.New(npac.DefaultTunables(), calendar.USFederal())
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	st, err := sqlite.Open(t.TempDir(), m, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := &storetest.Clock{}
	c.Set(start)
	st.Now = c.Now
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	tok, err := st.Bootstrap(ctx)
	if err != nil || tok == nil {
		t.Fatalf("bootstrap: token %v, error %v; want the first admin's token", tok, err)
	}
	if setup != nil {
		setup(st)
	}
	srv := npachttp.For(st, log)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &env{t: t, url: ts.URL, st: st, clock: c, admin: tok.Secret, logs: logs}
}

// resp is an answer, read whole.
type resp struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request. body is sent as is when it is a string, else as
// JSON (nil for none). hdr holds header name/value pairs.
func (e *env) do(method, path, token string, body any, hdr ...string) *resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return &resp{status: res.StatusCode, header: res.Header, body: b}
}

// ok checks the status and decodes the JSON body into v (if not nil).
func (r *resp) ok(t *testing.T, status int, v any) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if v == nil {
		return
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q, want application/json", ct)
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// problem is the JSON of a problem document.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

// wantProblem checks that r is a problem document with status and code, and
// returns it.
func (r *resp) wantProblem(t *testing.T, status int, code string) problem {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json", ct)
	}
	var p problem
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("decode problem %s: %v", r.body, err)
	}
	if p.Code != code || p.Status != status || p.Type != "https://opennpac.org/problems/"+code || p.Title == "" || p.Detail == "" {
		t.Fatalf("problem %+v, want code %s, status %d, type https://opennpac.org/problems/%s, a title and a detail", p, code, status, code)
	}
	return p
}

// Fixture names: a port of TNs in 212-555 (Northeast) from OLD1, the code
// holder, to NEW1, which owns LRN 212-555-9999.
const (
	newSPID = "NEW1"
	oldSPID = "OLD1"
	lrn     = "2125559999"
	dueDay  = "2025-03-05"
)

// fixture registers the providers, code, LRN and two SOA users, and
// returns the users' tokens.
func (e *env) fixture() (newTok, oldTok string) {
	e.t.Helper()
	for _, p := range []map[string]any{
		{"spid": newSPID, "name": "New Telco", "type": "wireline", "regions": []string{"NE"}},
		{"spid": oldSPID, "name": "Old Telco", "type": "wireline", "regions": []string{"ne"},
			"contacts": []map[string]string{{"kind": "porting", "name": "Desk", "email": "port@old.example"}}},
	} {
		e.do("POST", "/api/v1/providers", e.admin, p).ok(e.t, http.StatusCreated, nil)
	}
	e.do("POST", "/api/v1/npa-nxxs", e.admin, map[string]any{
		"npa_nxx": "212-555", "spid": oldSPID, "region": "NE", "effective_date": "2025-01-01", "portable": true,
	}).ok(e.t, http.StatusCreated, nil)
	e.do("POST", "/api/v1/lrns", e.admin, map[string]any{"lrn": lrn, "spid": newSPID, "region": "NE"}).ok(e.t, http.StatusCreated, nil)
	user := func(name, spid string) string {
		var out struct {
			User  npac.User  `json:"user"`
			Token npac.Token `json:"token"`
		}
		e.do("POST", "/api/v1/users", e.admin, map[string]any{
			"name": name, "grants": []map[string]string{{"role": "soa", "spid": spid}},
		}).ok(e.t, http.StatusCreated, &out)
		if out.Token.Secret == "" || out.User.ID == 0 {
			e.t.Fatalf("user %s: got %+v, want a user and a token secret", name, out)
		}
		return out.Token.Secret
	}
	return user("new-soa", newSPID), user("old-soa", oldSPID)
}

// newCreate is the new SP's create body for tn.
func newCreate(tn string) map[string]any {
	return map[string]any{"tn": tn, "new_spid": newSPID, "old_spid": oldSPID, "lrn": lrn, "due_date": dueDay}
}

// oldCreate is the old SP's create (concurrence) body for tn.
func oldCreate(tn string) map[string]any {
	return map[string]any{"tn": tn, "new_spid": newSPID, "old_spid": oldSPID, "due_date": dueDay}
}

// svCount returns how many SVs the admin sees.
func (e *env) svCount() int {
	e.t.Helper()
	var page struct {
		Items []npac.SV `json:"items"`
	}
	e.do("GET", "/api/v1/svs?limit=1000", e.admin, nil).ok(e.t, http.StatusOK, &page)
	return len(page.Items)
}
