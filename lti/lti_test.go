package lti

import (
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/storetest"
)

func TestSignInAndOut(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	st, loc, _ := c.get("/lti/svs?status=pending")
	if st != http.StatusSeeOther || !strings.HasPrefix(loc, "/lti/login?") || !strings.Contains(loc, "next=%2Flti%2Fsvs%3Fstatus%3Dpending") {
		t.Fatalf("signed out, GET svs: %d %q", st, loc)
	}
	st, _, body := c.get(loc)
	if st != http.StatusOK || !strings.Contains(body, `name="next" value="/lti/svs?status=pending"`) {
		t.Fatalf("login page: %d\n%s", st, body)
	}
	// Wrong password, then unknown user: the same message.
	st, _, body = c.post("/lti/login", url.Values{"name": {"bravo-soa"}, "password": {"wrong-password-1"}})
	if st != http.StatusUnauthorized || !strings.Contains(body, "The user name or password is wrong") {
		t.Fatalf("wrong password: %d\n%s", st, body)
	}
	_, _, body2 := c.post("/lti/login", url.Values{"name": {"nobody"}, "password": {"wrong-password-1"}})
	if msg := "The user name or password is wrong, or the user is disabled."; !strings.Contains(body2, msg) {
		t.Fatalf("unknown user: %s", body2)
	}
	// A user with no password (an API-only user) cannot sign in.
	if st, _, _ := c.post("/lti/login", url.Values{"name": {"charlie-soa"}, "password": {"anything-at-all"}}); st != http.StatusUnauthorized {
		t.Fatalf("user without password: %d", st)
	}
	st, loc, _ = c.post("/lti/login", url.Values{"name": {"bravo-soa"}, "password": {bravoPassword}, "next": {"/lti/svs?status=pending"}})
	if st != http.StatusSeeOther || loc != "/lti/svs?status=pending" {
		t.Fatalf("login: %d %q", st, loc)
	}
	u, _ := url.Parse(e.srv.URL + "/lti/")
	var sess *http.Cookie
	for _, ck := range c.c.Jar.Cookies(u) {
		if ck.Name == sessionCookie {
			sess = ck
		}
	}
	if sess == nil || len(sess.Value) < 43 {
		t.Fatalf("no session cookie of 32 random bytes: %+v", sess)
	}
	st, _, body = c.get("/lti/")
	if st != http.StatusOK || !strings.Contains(body, `id="user-name">bravo-soa<`) || !strings.Contains(body, "soa BBB2") {
		t.Fatalf("home: %d\n%s", st, body)
	}
	st, loc, _ = c.post("/lti/logout", url.Values{})
	if st != http.StatusSeeOther || loc != "/lti/login?out=1" {
		t.Fatalf("logout: %d %q", st, loc)
	}
	if st, loc, _ := c.get("/lti/"); st != http.StatusSeeOther || !strings.HasPrefix(loc, "/lti/login") {
		t.Fatalf("after logout: %d %q", st, loc)
	}
	if n := e.w.Count(t, "web_sessions"); n != 0 {
		t.Fatalf("%d sessions after logout", n)
	}
}

// TestCookieAttributes checks the session cookie's attributes as sent.
func TestCookieAttributes(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	c.get("/lti/login")
	req, _ := http.NewRequest("POST", e.srv.URL+"/lti/login", strings.NewReader(url.Values{"name": {"alpha-soa"}, "password": {alphaPassword}, "csrf": {c.csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	u, _ := url.Parse(e.srv.URL + "/lti/")
	for _, ck := range c.c.Jar.Cookies(u) {
		req.AddCookie(ck)
	}
	resp, err := c.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var set string
	for _, v := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(v, sessionCookie+"=") {
			set = v
		}
	}
	for _, want := range []string{"Path=/lti/", "HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(set, want) {
			t.Errorf("session cookie %q lacks %s", set, want)
		}
	}
	if strings.Contains(set, "Secure") || strings.Contains(set, "Max-Age") {
		t.Errorf("plain-HTTP session cookie %q: want no Secure, no Max-Age", set)
	}
	for _, h := range []string{"Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("no %s header", h)
		}
	}
}

func TestCSRF(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	// The sign-in form's token must match its cookie.
	c.get("/lti/login")
	if st, _, _ := c.do("POST", "/lti/login", url.Values{"name": {"bravo-soa"}, "password": {bravoPassword}, "csrf": {"forged"}}); st != http.StatusForbidden {
		t.Fatalf("login with a forged token: %d", st)
	}
	other := e.client(t)
	if st, _, _ := other.do("POST", "/lti/login", url.Values{"name": {"bravo-soa"}, "password": {bravoPassword}, "csrf": {c.csrf}}); st != http.StatusForbidden {
		t.Fatalf("login with another browser's token: %d", st)
	}
	c.login("bravo-soa", bravoPassword)
	before := e.counts(t)
	create := url.Values{"side": {"new"}, "tn": {"2125550100"}, "new_spid": {"BBB2"}, "old_spid": {"AAA1"}, "lrn": {"2125559999"}, "due_date": {"2026-11-18"}}
	for name, form := range map[string]url.Values{
		"no token":    create,
		"wrong token": withValue(create, "csrf", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
	} {
		if st, _, _ := c.do("POST", "/lti/svs/new", form); st != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", name, st)
		}
	}
	if st, _, _ := c.do("POST", "/lti/svs/new", withValue(create, "csrf", c.csrf), "Origin", "http://evil.example"); st != http.StatusForbidden {
		t.Errorf("cross-origin post: %d, want 403", st)
	}
	if st, _, _ := c.do("POST", "/lti/logout", url.Values{}); st != http.StatusForbidden {
		t.Errorf("logout without token: %d, want 403", st)
	}
	if got := e.counts(t); got != before {
		t.Fatalf("refused posts wrote: %v → %v", before, got)
	}
	// With the token, from this origin, it works.
	st, loc, body := c.do("POST", "/lti/svs/new", withValue(create, "csrf", c.csrf), "Origin", e.srv.URL)
	if st != http.StatusSeeOther || !strings.HasPrefix(loc, "/lti/svs/") {
		t.Fatalf("create with token: %d %q\n%s", st, loc, body)
	}
}

func withValue(v url.Values, k, val string) url.Values {
	out := url.Values{}
	for kk, vv := range v {
		out[kk] = vv
	}
	out.Set(k, val)
	return out
}

// TestFormsRefuseBadInput posts bad forms: each answers 422 with the
// message next to the field it is about, and writes nothing.
func TestFormsRefuseBadInput(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	c.login("bravo-soa", bravoPassword)
	good := url.Values{"side": {"new"}, "tn": {"212-555-0100"}, "new_spid": {"BBB2"}, "old_spid": {"AAA1"}, "lrn": {"212-555-9999"},
		"sv_type": {"wireless"}, "due_date": {"2026-11-18"}}
	cases := []struct {
		name, field, value, want string
	}{
		{"short TN", "tn", "212-555-01", `"212-555-01" is not a telephone number: give 10 digits, NPA-NXX-XXXX.`},
		{"N11 exchange", "tn", "212-411-0100", "is an N11 service code"},
		{"unknown NPA-NXX", "tn", "613-555-0100", "is not registered in the NPAC"},
		{"bad SPID", "old_spid", "AA-1", `is not a SPID`},
		{"unregistered old SP", "old_spid", "ZZZ9", "Provider ZZZ9 is not registered in the NPAC."},
		{"wrong old SP", "old_spid", "CCC3", "is served by AAA1, not CCC3"},
		{"not my SPID", "new_spid", "CCC3", "You do not act for CCC3"},
		{"bad LRN", "lrn", "12345", "is not a valid LRN"},
		{"LRN of another SP", "lrn", "2125550000", "LRN 2125550000 belongs to AAA1, not to the new SP BBB2."},
		{"no LRN", "lrn", "", "needs an LRN"},
		{"bad date", "due_date", "18/11/2026", "is not a date"},
		{"bad time", "due_time", "25:99", "is not a time"},
		{"unknown SV type", "sv_type", "carrier-pigeon", "SV type"},
	}
	before := e.counts(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, _, body := c.post("/lti/svs/new", withValue(good, tc.field, tc.value))
			if st != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422\n%s", st, body)
			}
			msg := fieldError(body, tc.field)
			if !strings.Contains(msg, tc.want) {
				t.Fatalf("error next to %s = %q, want it to contain %q\n%s", tc.field, msg, tc.want, body)
			}
			if !strings.Contains(body, `id="`+tc.field+`" name="`+tc.field+`"`) || !strings.Contains(body, `aria-describedby="`+tc.field+`-error`) {
				t.Fatalf("field %s is not described by its error", tc.field)
			}
		})
	}
	if got := e.counts(t); got != before {
		t.Fatalf("refused forms wrote: %v → %v", before, got)
	}
	// Service errors no field owns go to the banner: a second create for
	// a TN whose port the new SP already sent.
	st, loc, _ := c.post("/lti/svs/new", good)
	if st != http.StatusSeeOther {
		t.Fatalf("good create: %d", st)
	}
	mid := e.counts(t)
	st, _, body := c.post("/lti/svs/new", withValue(good, "idem", "another-form"))
	if st != http.StatusUnprocessableEntity || !strings.Contains(body, `id="form-error"`) || !strings.Contains(html.UnescapeString(body), "the new SP has already sent its create") {
		t.Fatalf("duplicate create: %d\n%s", st, body)
	}
	if got := e.counts(t); got != mid {
		t.Fatalf("refused create wrote: %v → %v", mid, got)
	}
	// An action refused by the lifecycle: activation before the due date.
	st, _, body = c.post(loc+"/activate", url.Values{})
	if st != http.StatusUnprocessableEntity || !strings.Contains(body, `id="action-error"`) || !strings.Contains(body, "it can be activated from then") {
		t.Fatalf("early activation: %d\n%s", st, body)
	}
	// A bad date in the concur form of the old SP.
	a := e.client(t)
	a.login("alpha-soa", alphaPassword)
	st, _, body = a.post(loc+"/concur", url.Values{"due_date": {"2026-13-01"}})
	if msg := fieldError(body, "concur-due_date"); st != http.StatusUnprocessableEntity || !strings.Contains(msg, "is not a date") {
		t.Fatalf("bad concur date: %d %q\n%s", st, msg, body)
	}
	if got := e.counts(t); got != mid {
		t.Fatalf("refused actions wrote: %v → %v", mid, got)
	}
	// Filters refuse bad input too, next to the field.
	st, _, body = c.get("/lti/svs?tn=12")
	if st != http.StatusUnprocessableEntity || !strings.Contains(fieldError(body, "tn"), "is not a telephone number") {
		t.Fatalf("bad TN filter: %d\n%s", st, body)
	}
	st, _, body = c.get("/lti/svs?spid=CCC3")
	if st != http.StatusUnprocessableEntity || !strings.Contains(fieldError(body, "spid"), "not CCC3") {
		t.Fatalf("filter by another SPID: %d\n%s", st, body)
	}
}

// fieldError returns the text of the error shown with a field.
func fieldError(body, id string) string {
	marker := `<p class="error" id="` + id + `-error">`
	i := strings.Index(body, marker)
	if i < 0 {
		return ""
	}
	rest := body[i+len(marker):]
	return html.UnescapeString(rest[:strings.Index(rest, "</p>")])
}

// TestPortOverHTTP runs the whole journey without a browser (and without
// JavaScript): create, concur, activate, and both sides see it active.
func TestPortOverHTTP(t *testing.T) {
	e := newEnv(t)
	b, a := e.client(t), e.client(t)
	b.login("bravo-soa", bravoPassword)
	a.login("alpha-soa", alphaPassword)
	b.get("/lti/svs/new")
	st, loc, body := b.post("/lti/svs/new", url.Values{"side": {"new"}, "tn": {"2125550142"}, "new_spid": {"BBB2"}, "old_spid": {"AAA1"},
		"lrn": {"2125559999"}, "sv_type": {"wireless"}, "due_date": {"2026-11-18"}})
	if st != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", st, body)
	}
	_, _, body = a.get("/lti/")
	if !strings.Contains(body, `id="queue-concur"`) || !strings.Contains(body, `data-status="pending"`) {
		t.Fatalf("old SP's home does not ask for concurrence:\n%s", body)
	}
	a.get(loc)
	if st, _, body := a.post(loc+"/concur", url.Values{"due_date": {"2026-11-18"}}); st != http.StatusSeeOther {
		t.Fatalf("concur: %d\n%s", st, body)
	}
	e.w.Clock.Set(storetest.DueDay.Add(14 * time.Hour))
	b.get(loc)
	if st, _, body := b.post(loc+"/activate", url.Values{}); st != http.StatusSeeOther {
		t.Fatalf("activate: %d\n%s", st, body)
	}
	for _, c := range []*client{a, b} {
		_, _, body := c.get(loc)
		if !strings.Contains(body, `id="sv-status" data-status="active"`) {
			t.Fatalf("SV page after activation:\n%s", body)
		}
		if flash := strings.Contains(body, `id="flash">Activation of SV`); flash != (c == b) {
			t.Fatalf("flash shown %t to the wrong side", flash)
		}
		_, _, body = c.get("/lti/tn?tn=212-555-0142")
		if !strings.Contains(body, `id="tn-current"`) || !strings.Contains(body, "212-555-9999") {
			t.Fatalf("TN search after activation:\n%s", body)
		}
	}
	_, _, body = a.get("/lti/notifications")
	if !strings.Contains(body, `data-kind="status-change"`) || !strings.Contains(body, "st-active") {
		t.Fatalf("old SP's notifications:\n%s", body)
	}
	_, _, body = b.get(loc)
	for _, action := range []string{"create", "concur", "activate"} {
		if !strings.Contains(body, `data-action="`+action+`"`) {
			t.Errorf("history lacks %s", action)
		}
	}
}

func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	e := newEnv(t)
	one, two := e.client(t), e.client(t)
	one.login("bravo-soa", bravoPassword)
	two.login("bravo-soa", bravoPassword)
	one.get("/lti/account")
	st, _, body := one.post("/lti/account", url.Values{"current": {"wrong-password"}, "password": {"new-password-123"}, "confirm": {"new-password-123"}})
	if st != http.StatusUnprocessableEntity || !strings.Contains(fieldError(body, "current"), "wrong") {
		t.Fatalf("wrong current password: %d", st)
	}
	st, _, body = one.post("/lti/account", url.Values{"current": {bravoPassword}, "password": {"short"}, "confirm": {"short"}})
	if st != http.StatusUnprocessableEntity || !strings.Contains(fieldError(body, "password"), "at least 12 characters") {
		t.Fatalf("short password: %d %q", st, fieldError(body, "password"))
	}
	st, _, _ = one.post("/lti/account", url.Values{"current": {bravoPassword}, "password": {"new-password-123"}, "confirm": {"new-password-123"}})
	if st != http.StatusSeeOther {
		t.Fatalf("change password: %d", st)
	}
	if st, _, _ := one.get("/lti/"); st != http.StatusOK {
		t.Fatalf("the changing browser was signed out: %d", st)
	}
	if st, loc, _ := two.get("/lti/"); st != http.StatusSeeOther || !strings.Contains(loc, "ended=1") {
		t.Fatalf("the other session lives on: %d %q", st, loc)
	}
	// A password set elsewhere (the API, an administrator) ends sessions
	// too: the stamp changed.
	three := e.client(t)
	three.login("alpha-soa", alphaPassword)
	if err := e.w.S.SetPassword(e.w.Admin, e.ids["alpha-soa"], "reset-by-admin-1"); err != nil {
		t.Fatal(err)
	}
	if st, _, _ := three.get("/lti/"); st != http.StatusSeeOther {
		t.Fatalf("session after an administrator's reset: %d", st)
	}
	// A disabled user's session ends.
	four := e.client(t)
	four.login("alpha-soa", "reset-by-admin-1")
	if _, err := e.w.S.SetDisabled(e.w.Admin, e.ids["alpha-soa"], true); err != nil {
		t.Fatal(err)
	}
	if st, _, _ := four.get("/lti/"); st != http.StatusSeeOther {
		t.Fatalf("session of a disabled user: %d", st)
	}
}

func TestLoginThrottledOverHTTP(t *testing.T) {
	e := newEnv(t, frozen)
	c := e.client(t)
	c.get("/lti/login")
	for i := 0; i < 5; i++ {
		if st, _, _ := c.post("/lti/login", url.Values{"name": {"bravo-soa"}, "password": {"guess-number-" + string(rune('a'+i))}}); st != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i, st)
		}
	}
	// Locked: even the right password is refused, from another address
	// too (the user name is locked).
	st, _, body := c.post("/lti/login", url.Values{"name": {"bravo-soa"}, "password": {bravoPassword}})
	if st != http.StatusTooManyRequests || !strings.Contains(body, "Too many failed sign-ins") {
		t.Fatalf("sign-in while locked: %d\n%s", st, body)
	}
	// Another user from the same address is locked too (the address is).
	if st, _, _ := c.post("/lti/login", url.Values{"name": {"alpha-soa"}, "password": {alphaPassword}}); st != http.StatusTooManyRequests {
		t.Fatalf("other user from a locked address: %d", st)
	}
}

// TestLoginBurst sends parallel guesses: at most five are judged.
func TestLoginBurst(t *testing.T) {
	e := newEnv(t, frozen)
	c := e.client(t)
	c.get("/lti/login")
	tok := c.csrf
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		codes = map[int]int{}
	)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, _, _ := c.post("/lti/login", url.Values{"name": {"bravo-soa"}, "password": {"parallel-guess"}, "csrf": {tok}})
			mu.Lock()
			codes[st]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if codes[http.StatusUnauthorized] != 5 || codes[http.StatusTooManyRequests] != 15 {
		t.Fatalf("20 parallel guesses answered %v, want 5 judged (401) and 15 refused (429)", codes)
	}
}

func TestNotFoundAndForbiddenSV(t *testing.T) {
	e := newEnv(t)
	sv := e.w.MustCreate(t, e.w.B, storetest.NewCreate(storetest.TN(7), storetest.SPA, storetest.SPB, storetest.LRNB))
	c := e.client(t)
	// Charlie is party to nothing: a pending SV of others is not found.
	if err := e.w.S.SetPassword(e.w.Admin, e.ids["charlie-soa"], "charlie-password"); err != nil {
		t.Fatal(err)
	}
	c.login("charlie-soa", "charlie-password")
	for _, p := range []string{"/lti/svs/" + itoa(sv.ID), "/lti/svs/999", "/lti/svs/x", "/lti/nothing"} {
		if st, _, _ := c.get(p); st != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, st)
		}
	}
	before := e.counts(t)
	if st, _, _ := c.post("/lti/svs/"+itoa(sv.ID)+"/cancel", url.Values{}); st != http.StatusNotFound {
		t.Errorf("cancel of another's SV: %d", st)
	}
	if got := e.counts(t); got != before {
		t.Fatalf("wrote: %v → %v", before, got)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestFieldOf(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{npac.Errorf(npac.ENPANXXNotPortable, "x"), "tn"},
		{npac.Errorf(npac.EOldSPMismatch, "x"), "old_spid"},
		{npac.Errorf(npac.ELRNNotOwned, "x"), "lrn"},
		{npac.Errorf(npac.EINVALID, "new_spid: \"x\" is not a SPID"), "new_spid"},
		{npac.Errorf(npac.EINVALID, `"1" is not a valid LRN: an LRN is a 10-digit NANP number ("1" is not a telephone number)`), "lrn"},
		{npac.Errorf(npac.EINVALID, `"1" is not a telephone number: give 10 digits.`), "tn"},
		{npac.Errorf(npac.EINVALID, "A create needs a due date."), "due_date"},
		{npac.Errorf(npac.ESVDueDateNotReached, "SV 1 is due 2026-11-18; it can be activated from then."), ""},
		{npac.Errorf(npac.EINVALID, "The customer disconnect date cannot be cleared (NANC 249)."), "cdd"},
		{npac.Errorf(npac.EINVALID, "The password is too short."), "password"},
		{npac.Errorf(npac.ECONFLICT, "The request lost a race."), ""},
		{npac.Errorf(npac.EINVALID, "A conflict needs a cause code from 50 to 54."), "cause"},
		{npac.Errorf(npac.EConflictRestricted, "SV 1 is in conflict with cause code 50; only the old SP AAA1 can remove that conflict."), ""},
		{npac.Errorf(npac.EConflictWindowClosed, "The conflict window for SV 1 closed."), ""},
	} {
		if got := fieldOf(tc.err); got != tc.want {
			t.Errorf("fieldOf(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestSafeNext(t *testing.T) {
	h := &handler{base: "/lti"}
	for in, want := range map[string]string{
		"":                     "/lti/",
		"/lti/svs?status=x":    "/lti/svs?status=x",
		"//evil.example/lti/":  "/lti/",
		"https://evil.example": "/lti/",
		"/api/v1/svs":          "/lti/",
		"/lti/login?next=x":    "/lti/",
		"/lti/\\evil":          "/lti/",
		"/lti/svs/1":           "/lti/svs/1",
	} {
		if got := h.safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
