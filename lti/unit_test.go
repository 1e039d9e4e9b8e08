package lti

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/storetest"
)

// fakeClock is a settable clock for sessions and throttling.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestSessions runs the session table on a real store: lifetimes, flash
// messages, ending a user's sessions, the sweep of expired ones, and a
// second server on the same database seeing the same sessions.
func TestSessions(t *testing.T) {
	e := newEnv(t)
	clk := &fakeClock{t: time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)}
	ctx := context.Background()
	ss := newSessions(e.w.S, time.Hour, 12*time.Hour, clk.Now, slog.New(slog.DiscardHandler))
	u := &npac.User{ID: e.ids["bravo-soa"], Name: "bravo-soa"}
	create := func(u *npac.User) string {
		t.Helper()
		id, err := ss.create(ctx, u, "stamp")
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	id := create(u)
	s, ok := ss.get(ctx, id)
	if !ok || len(id) != 43 || len(s.CSRF) != 43 || id == s.CSRF || s.UserID != u.ID || s.Stamp != "stamp" {
		t.Fatalf("id %q, session %+v (%v): want two distinct 32-byte base64url tokens and the user", id, s, ok)
	}
	var stored int
	if err := e.w.S.DB().QueryRow(`SELECT COUNT(*) FROM web_sessions WHERE key = ? OR csrf = ?`, id, id).Scan(&stored); err != nil || stored != 0 {
		t.Fatalf("the store holds the cookie's ID (%d rows, %v)", stored, err)
	}
	if _, ok := ss.get(ctx, id+"x"); ok {
		t.Fatal("a wrong ID found a session")
	}
	// Another server on the database knows the session.
	other := newSessions(e.w.S, time.Hour, 12*time.Hour, clk.Now, slog.New(slog.DiscardHandler))
	if s2, ok := other.get(ctx, id); !ok || s2.CSRF != s.CSRF {
		t.Fatal("a second server does not see the session")
	}
	// Used every 59 minutes, it lives until its maximum age.
	for i := 0; i < 12; i++ {
		clk.Advance(59 * time.Minute)
		if _, ok := ss.get(ctx, id); !ok {
			t.Fatalf("session in use ended after %v", time.Duration(i+1)*59*time.Minute)
		}
	}
	clk.Advance(13 * time.Minute) // 12 h 1 min old
	if _, ok := ss.get(ctx, id); ok {
		t.Fatal("session outlived its maximum age")
	}
	// Idle for an hour: gone.
	id2 := create(u)
	clk.Advance(time.Hour)
	if _, ok := ss.get(ctx, id2); ok {
		t.Fatal("idle session lives on")
	}
	// Flash messages are read once, on any server.
	id3 := create(u)
	ss.setFlash(ctx, id3, "done")
	if got := other.takeFlash(ctx, id3); got != "done" {
		t.Fatalf("flash %q", got)
	}
	if got := ss.takeFlash(ctx, id3); got != "" {
		t.Fatalf("flash read twice: %q", got)
	}
	// endUser ends every session of the user but the one kept.
	id4 := create(u)
	alpha := create(&npac.User{ID: e.ids["alpha-soa"], Name: "alpha-soa"})
	ss.endUser(ctx, u.ID, id4)
	if _, ok := ss.get(ctx, id3); ok {
		t.Fatal("endUser kept a session")
	}
	if _, ok := ss.get(ctx, id4); !ok {
		t.Fatal("endUser ended the kept session")
	}
	if _, ok := ss.get(ctx, alpha); !ok {
		t.Fatal("endUser ended another user's session")
	}
	// An expired session nobody asks for again is swept by a later sign-in.
	clk.Advance(2 * time.Hour)
	create(u)
	if n := e.w.Count(t, "web_sessions"); n != 1 {
		t.Fatalf("%d sessions after the sweep, want only the new one", n)
	}
}

func TestSameToken(t *testing.T) {
	if sameToken("", "") || sameToken("a", "") || sameToken("a", "b") || !sameToken("abc", "abc") {
		t.Fatal("sameToken")
	}
}

func TestThrottle(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)}
	th := newThrottle(clk.Now)
	const addr, name = "192.0.2.1", "bravo-soa"
	for i := 1; i <= 4; i++ {
		th.fail(addr, name)
		if d := th.wait(addr, name); d != 0 {
			t.Fatalf("locked after %d failures: %v", i, d)
		}
	}
	// 5 failures lock for 1 s, then 2 s, 4 s… doubling.
	want := time.Second
	for i := 5; i <= 9; i++ {
		th.fail(addr, name)
		if d := th.wait(addr, name); d != want {
			t.Fatalf("after %d failures: wait %v, want %v", i, d, want)
		}
		clk.Advance(want)
		if d := th.wait(addr, name); d != 0 {
			t.Fatalf("still locked after the wait: %v", d)
		}
		want *= 2
	}
	// The name is locked whatever the address, and the address whatever
	// the name; the name case does not matter.
	th.fail(addr, name)
	if th.wait("198.51.100.7", "BRAVO-SOA") == 0 || th.wait(addr, "alpha-soa") == 0 {
		t.Fatal("lock does not follow the name or the address")
	}
	if th.wait("198.51.100.7", "alpha-soa") != 0 {
		t.Fatal("an unrelated address and name are locked")
	}
	// The lock is capped at 15 minutes.
	for i := 0; i < 40; i++ {
		th.fail(addr, name)
	}
	if d := th.wait(addr, name); d != 15*time.Minute {
		t.Fatalf("capped wait %v", d)
	}
	// Success clears the name, not the address.
	th.succeed(addr, name)
	if th.wait("198.51.100.7", name) != 0 {
		t.Fatal("success did not clear the name")
	}
	if th.wait(addr, "alpha-soa") == 0 {
		t.Fatal("success cleared the address")
	}
	// After an hour without failure the count starts again.
	clk.Advance(time.Hour)
	th.fail(addr, "carol")
	if th.wait(addr, "carol") != 0 {
		t.Fatal("old failures still count after an hour")
	}
}

// TestThrottleAttempts checks that attempts count from their start, so
// that parallel guesses cannot all pass before the first is judged, and
// that a successful sign-in takes back its own count.
func TestThrottleAttempts(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)}
	th := newThrottle(clk.Now)
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		passed int
	)
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if th.attempt("192.0.2.9", "bravo-soa") == 0 {
				mu.Lock()
				passed++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if passed != th.free {
		t.Fatalf("%d parallel attempts passed, want %d", passed, th.free)
	}
	// Good sign-ins by a user behind a shared address never lock it.
	th2 := newThrottle(clk.Now)
	for i := 0; i < 100; i++ {
		if d := th2.attempt("192.0.2.10", "alpha-soa"); d != 0 {
			t.Fatalf("sign-in %d locked: %v", i, d)
		}
		th2.succeed("192.0.2.10", "alpha-soa")
	}
	// The fifth attempt locks from its start; its success unlocks.
	th3 := newThrottle(clk.Now)
	for i := 0; i < 4; i++ {
		th3.attempt("192.0.2.11", "carol")
	}
	th3.attempt("192.0.2.11", "carol")
	if th3.wait("192.0.2.11", "carol") == 0 {
		t.Fatal("five attempts in flight do not lock")
	}
	th3.succeed("192.0.2.11", "carol")
	if d := th3.wait("192.0.2.11", "carol"); d != 0 {
		t.Fatalf("locked after the fifth attempt succeeded: %v", d)
	}
}

func TestThrottleBounded(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)}
	th := newThrottle(clk.Now)
	th.limit = 10
	for i := 0; i < 100; i++ {
		th.fail("192.0.2."+itoa(int64(i)), "user-"+itoa(int64(i)))
		clk.Advance(time.Second)
	}
	if len(th.byAddr) > 10 || len(th.byName) > 10 {
		t.Fatalf("tables grew past their limit: %d, %d", len(th.byAddr), len(th.byName))
	}
}

func TestAddrKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1:5555":              "192.0.2.1",
		"[::ffff:192.0.2.1]:80":       "192.0.2.1",
		"[2001:db8:1:2:3:4:5:6]:443":  "2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff::1]:9999": "2001:db8:1:2::/64",
		"not an address":              "not an address",
	} {
		if got := addrKey(in); got != want {
			t.Errorf("addrKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestPasswords checks the store's passwords (store/password.go) on real
// SQLite: the PHC string, the rules of SetPassword, and that Login denies
// every failure alike and builds the actor as Authenticate does.
func TestPasswords(t *testing.T) {
	e := newEnv(t)
	s := e.w.S
	var hash string
	if err := s.DB().QueryRow(`SELECT hash FROM passwords WHERE user_id = ?`, e.ids["bravo-soa"]).Scan(&hash); err != nil {
		t.Fatal(err)
	}
	phc := regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !phc.MatchString(hash) {
		t.Fatalf("stored hash %q is not an argon2id PHC string", hash)
	}
	// Rules.
	for _, tc := range []struct {
		ctxName string
		user    string
		pw      string
		code    string
	}{
		{"admin", "bravo-soa", "short", npac.EINVALID},
		{"admin", "bravo-soa", "bravo-soa", npac.EINVALID},
		{"admin", "bravo-soa", "  BRAVO-SOA  ", npac.EINVALID},
		{"B", "alpha-soa", "a-good-password", npac.EFORBIDDEN},
		{"admin", "nobody", "a-good-password", npac.ENOTFOUND},
	} {
		ctx := e.w.Admin
		if tc.ctxName == "B" {
			ctx = e.w.B
		}
		id := e.ids[tc.user]
		if tc.user == "nobody" {
			id = 9999
		}
		storetest.WantCode(t, s.SetPassword(ctx, id, tc.pw), tc.code)
	}
	// A user sets its own; twelve characters of any script count.
	if err := s.SetPassword(e.w.B, e.ids["bravo-soa"], "mot-de-passé"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Login(e.w.B, "bravo-soa", "mot-de-passé"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPassword(e.w.B, e.ids["bravo-soa"], bravoPassword); err != nil {
		t.Fatal(err)
	}
	// One message for every failure.
	var msgs []string
	for _, try := range [][2]string{{"bravo-soa", "wrong-password"}, {"nobody", "whatever-it-is"}, {"charlie-soa", "no-password-set"}, {"", ""}, {"bravo-soa", ""}} {
		_, err := s.Login(e.w.B, try[0], try[1])
		storetest.WantCode(t, err, npac.EUNAUTHORIZED)
		msgs = append(msgs, npac.ErrorMessage(err))
	}
	for _, m := range msgs[1:] {
		if m != msgs[0] {
			t.Fatalf("login failures differ: %q", msgs)
		}
	}
	// The bureau user's actor reaches its client, as with a token.
	if err := s.SetPassword(e.w.Admin, e.ids["bureau"], "bureau-password"); err != nil {
		t.Fatal(err)
	}
	a, err := s.Login(e.w.Admin, "bureau", "bureau-password")
	if err != nil {
		t.Fatal(err)
	}
	if !a.CanActFor(storetest.SPB) || a.CanActFor(storetest.SPA) {
		t.Fatalf("bureau actor: %+v", a.Bureau)
	}
	tokActor, err := s.Authenticate(e.w.Admin, e.w.Tokens["bureau"])
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Bureau) != len(tokActor.Bureau) || a.User.ID != tokActor.User.ID {
		t.Fatalf("password actor %+v, token actor %+v", a, tokActor)
	}
	// PasswordActor's stamp changes with the password; a disabled user
	// is refused.
	_, st1, err := s.PasswordActor(e.w.Admin, e.ids["bureau"])
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetPassword(e.w.Admin, e.ids["bureau"], "bureau-password"); err != nil {
		t.Fatal(err)
	}
	_, st2, _ := s.PasswordActor(e.w.Admin, e.ids["bureau"])
	if st1 == st2 || st1 == "" {
		t.Fatalf("stamps %q and %q", st1, st2)
	}
	if _, err := s.SetDisabled(e.w.Admin, e.ids["bureau"], true); err != nil {
		t.Fatal(err)
	}
	_, err = s.Login(e.w.Admin, "bureau", "bureau-password")
	storetest.WantCode(t, err, npac.EUNAUTHORIZED)
	_, _, err = s.PasswordActor(e.w.Admin, e.ids["bureau"])
	storetest.WantCode(t, err, npac.EUNAUTHORIZED)
	// Setting a password is audited, without the password or its hash.
	recs, err := s.Audit(e.w.Admin, npac.AuditFilter{Entity: "user", EntityID: itoa(e.ids["bureau"])})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range recs {
		if r.Action == "password.set" {
			n++
			if r.Before != nil || r.After != nil {
				t.Fatalf("password audit record carries data: %s %s", r.Before, r.After)
			}
		}
	}
	if n != 2 {
		t.Fatalf("%d password.set records, want 2", n)
	}
}

func TestSameOrigin(t *testing.T) {
	for _, tc := range []struct {
		hdr  []string
		want bool
	}{
		{nil, true},
		{[]string{"Origin", "http://npac.example:8080"}, true},
		{[]string{"Origin", "http://evil.example"}, false},
		{[]string{"Origin", "null"}, false},
		{[]string{"Sec-Fetch-Site", "cross-site"}, false},
		{[]string{"Sec-Fetch-Site", "same-origin", "Origin", "http://npac.example:8080"}, true},
		{[]string{"Origin", "https://npac.example", "X-Forwarded-Host", "npac.example"}, true},
		{[]string{"Origin", "https://evil.example", "X-Forwarded-Host", "npac.example"}, false},
	} {
		r := httptest.NewRequest("POST", "http://npac.example:8080/lti/login", nil)
		for i := 0; i+1 < len(tc.hdr); i += 2 {
			r.Header.Set(tc.hdr[i], tc.hdr[i+1])
		}
		if got := sameOrigin(r); got != tc.want {
			t.Errorf("sameOrigin(%q) = %t, want %t", tc.hdr, got, tc.want)
		}
	}
}
