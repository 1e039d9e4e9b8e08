package lti

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	npac "github.com/opennpac/npac"
)

var secretRE = regexp.MustCompile(`id="token-secret-(\d+)">([^<]+)<`)

// shownSecret returns the token ID and secret a page shows, or "" when it
// shows none.
func shownSecret(body string) (id, secret string) {
	m := secretRE.FindStringSubmatch(body)
	if m == nil {
		return "", ""
	}
	return m[1], m[2]
}

// authenticates reports whether a token secret is accepted now.
func (e *env) authenticates(t *testing.T, secret string) bool {
	t.Helper()
	_, err := e.w.S.Authenticate(context.Background(), secret)
	if err != nil && npac.ErrorCode(err) != npac.EUNAUTHORIZED {
		t.Fatal(err)
	}
	return err == nil
}

// TestAdminPagesForbidden: the provider and user pages, and every form on
// them, are NPAC personnel's; others get 403, write nothing and see no
// navigation entry.
func TestAdminPagesForbidden(t *testing.T) {
	e := newEnv(t, frozen)
	if err := e.w.S.SetPassword(e.w.Admin, e.ids["bravo-lsms"], "bravo-lsms-password"); err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(e.ids["bravo-soa"], 10)
	for name, pw := range map[string]string{"alpha-soa": alphaPassword, "bravo-lsms": "bravo-lsms-password"} {
		t.Run(name, func(t *testing.T) {
			c := e.client(t)
			c.login(name, pw)
			_, _, home := c.get("/lti/")
			if strings.Contains(home, `href="/lti/providers"`) || strings.Contains(home, `href="/lti/users"`) {
				t.Error("the navigation offers the provider or user pages")
			}
			for _, path := range []string{"/lti/providers", "/lti/providers/AAA1", "/lti/users", "/lti/users/" + id, "/lti/users/" + id + "/tokens/1/revoke"} {
				if st, _, _ := c.get(path); st != http.StatusForbidden {
					t.Errorf("GET %s: %d, want 403", path, st)
				}
			}
			before := e.adminCounts(t)
			for path, form := range map[string]url.Values{
				"/lti/providers":                        {"spid": {"EEE5"}, "name": {"Echo"}, "type": {"voip"}, "regions": {"NE"}},
				"/lti/providers/AAA1":                   {"name": {"Taken over"}, "regions": {"NE"}},
				"/lti/users":                            {"name": {"intruder"}, "grant1_role": {"npac-admin"}},
				"/lti/users/" + id + "/disable":         {},
				"/lti/users/" + id + "/password":        {"password": {"a-new-long-password"}, "confirm": {"a-new-long-password"}},
				"/lti/users/" + id + "/tokens":          {"token_name": {"stolen"}},
				"/lti/users/" + id + "/tokens/1/revoke": {},
			} {
				if st, _, _ := c.post(path, form); st != http.StatusForbidden {
					t.Errorf("POST %s: %d, want 403", path, st)
				}
			}
			if after := e.adminCounts(t); after != before {
				t.Errorf("refused POSTs wrote: %v → %v", before, after)
			}
		})
	}
	admin := e.client(t)
	admin.login("admin", adminPassword)
	if _, _, home := admin.get("/lti/"); !strings.Contains(home, `href="/lti/providers"`) || !strings.Contains(home, `href="/lti/users"`) {
		t.Error("the administrator's navigation lacks Providers or Users")
	}
}

// TestUserPages: the user list, the create form with grants (the first
// token shown exactly once, to the session that made it), enable and
// disable, setting a password the user then signs in with, issuing and
// revoking tokens after a confirmation; each form refuses bad input next to
// its field with the service's sentence and writes nothing.
func TestUserPages(t *testing.T) {
	e := newEnv(t, frozen)
	admin := e.client(t)
	admin.login("admin", adminPassword)
	st, _, body := admin.get("/lti/users")
	for _, want := range []string{`href="/lti/users" aria-current="page"`, `data-name="bravo-soa" data-disabled="false"`,
		`<code>soa@BBB2</code>`, `<code>lsms@BBB2</code>`, `<code>service-bureau@SB01</code>`, `<code>npac-admin</code>`, `<time datetime="`} {
		if st != http.StatusOK || !strings.Contains(body, want) {
			t.Fatalf("user list: %d, no %q\n%s", st, want, body)
		}
	}

	good := url.Values{"name": {"delta-porting"}, "grant1_role": {"soa"}, "grant1_for": {"aaa1"}, "grant2_role": {"ptrs"}, "grant2_for": {"NE, MA"}}
	for _, c := range []struct {
		name, field, want string
		form              url.Values
	}{
		{"no name", "name", "A user needs a name of 1 to 100 characters.", with(good, "name", "")},
		{"name taken", "name", `A user named "bravo-soa" exists already.`, with(good, "name", "bravo-soa")},
		{"no role", "grant1_role", "A user needs at least one role.", with(good, "grant1_role", "", "grant1_for", "", "grant2_role", "", "grant2_for", "")},
		{"SPID without a role", "grant3_role", "Choose the role", with(good, "grant3_for", "CCC3")},
		{"unknown role", "grant1_role", `Role "king" is unknown`, with(good, "grant1_role", "king")},
		{"bad SPID", "grant1_for", `The soa role is held for a SPID: "A1" is not a SPID`, with(good, "grant1_for", "A1")},
		{"unregistered SPID", "grant3_for", "The lsms role names SPID ZZZ9, which is not a registered provider.", with(good, "grant3_role", "lsms", "grant3_for", "ZZZ9")},
		{"bureau role on a carrier", "grant3_for", "The service-bureau role is held for a service bureau's SPID; CCC3 is a voip provider.", with(good, "grant3_role", "service-bureau", "grant3_for", "CCC3")},
		{"admin for a SPID", "grant1_for", "The npac-admin role is held for everything", with(good, "grant1_role", "npac-admin")},
		{"data role without regions", "grant2_for", "The ptrs role is held for the regions whose data it may see: give at least one.", with(good, "grant2_for", "")},
		{"data role with a bad region", "grant2_for", `"XX" is not an NPAC region`, with(good, "grant2_for", "NE XX")},
	} {
		t.Run(c.name, func(t *testing.T) { adminRefused(t, e, admin, "/lti/users", c.form, c.field, c.want) })
	}

	// Created: to the user's page, which shows the first token once.
	st, loc, body := admin.post("/lti/users", good)
	m := regexp.MustCompile(`^/lti/users/(\d+)$`).FindStringSubmatch(loc)
	if st != http.StatusSeeOther || m == nil {
		t.Fatalf("create user: %d %q\n%s", st, loc, body)
	}
	uid, _ := strconv.ParseInt(m[1], 10, 64)
	u, err := e.w.S.User(e.w.Admin, uid)
	if err != nil {
		t.Fatal(err)
	}
	wantGrants := []npac.Grant{{Role: npac.RoleSOA, SPID: "AAA1"}, {Role: npac.RolePTRS, Regions: []npac.Region{npac.Northeast, npac.MidAtlantic}}}
	if u.Name != "delta-porting" || !cmp.Equal(u.Grants, wantGrants) {
		t.Fatalf("created user: %+v", u)
	}
	// Another administrator's session does not get the secret.
	other := e.client(t)
	other.login("admin", adminPassword)
	if _, _, body := other.get(loc); strings.Contains(body, `id="new-token"`) {
		t.Fatal("another session was shown the new token")
	}
	st, _, body = admin.get(loc)
	tokID, secret := shownSecret(body)
	if st != http.StatusOK || secret == "" || !strings.Contains(body, "shown only this once") || !strings.Contains(body, "User delta-porting is created") {
		t.Fatalf("the user's page does not show its first token: %d\n%s", st, body)
	}
	if !e.authenticates(t, secret) {
		t.Fatalf("the token shown (%s) is not accepted", secret)
	}
	if !strings.Contains(body, `data-token="`+tokID+`" data-revoked="false"`) || !strings.Contains(body, `id="revoke-`+tokID+`"`) {
		t.Fatalf("the token list lacks the first token %s:\n%s", tokID, body)
	}
	if _, _, body := admin.get(loc); strings.Contains(body, `id="new-token"`) || strings.Contains(body, secret) {
		t.Fatal("the token was shown twice")
	}
	if _, _, body := admin.get("/lti/users"); !strings.Contains(body, `<code>soa@AAA1</code>, <code>ptrs@NE,MA</code>`) {
		t.Fatalf("the list shows the new user's grants otherwise:\n%s", body)
	}

	// Password: refused input writes nothing; then the user signs in.
	pwPath := loc + "/password"
	pw := url.Values{"password": {"delta-password-1"}, "confirm": {"delta-password-1"}}
	adminRefused(t, e, admin, pwPath, with(pw, "password", "short", "confirm", "short"), "password", "The password is too short")
	adminRefused(t, e, admin, pwPath, with(pw, "password", "Delta-Porting", "confirm", "Delta-Porting"), "password", "The password must not be the user name.")
	adminRefused(t, e, admin, pwPath, with(pw, "confirm", "delta-password-2"), "confirm", "The two passwords differ.")
	adminRefused(t, e, admin, pwPath, with(pw, "password", ""), "password", "Give the new password.")
	st, loc2, _ := admin.post(pwPath, pw)
	if st != http.StatusSeeOther || loc2 != loc {
		t.Fatalf("set password: %d %q", st, loc2)
	}
	delta := e.client(t)
	delta.login("delta-porting", "delta-password-1")
	if _, _, home := delta.get("/lti/"); strings.Contains(home, `href="/lti/users"`) {
		t.Error("an SOA's navigation offers Users")
	}
	// One's own password is the Account page's.
	before := e.adminCounts(t)
	self := "/lti/users/" + strconv.FormatInt(e.ids["admin"], 10)
	if st, _, body := admin.post(self+"/password", url.Values{"password": {"admin-password-2"}, "confirm": {"admin-password-2"}}); st != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "Account page") || e.adminCounts(t) != before {
		t.Fatalf("set one's own password: %d\n%s", st, body)
	}

	// Disable ends the user's session and refuses its token; enable
	// accepts them again. An administrator does not disable itself.
	if st, loc2, _ := admin.post(loc+"/disable", url.Values{}); st != http.StatusSeeOther || loc2 != loc {
		t.Fatalf("disable: %d %q", st, loc2)
	}
	if u, _ := e.w.S.User(e.w.Admin, uid); !u.Disabled {
		t.Fatal("disable left the user enabled")
	}
	if st, loc2, _ := delta.get("/lti/"); st != http.StatusSeeOther || !strings.HasPrefix(loc2, "/lti/login") {
		t.Fatalf("a disabled user's session: %d %q", st, loc2)
	}
	if e.authenticates(t, secret) {
		t.Fatal("a disabled user's token is accepted")
	}
	if _, _, body := admin.get(loc); !strings.Contains(body, `id="user-state" data-disabled="true"`) || !strings.Contains(body, `id="user-enable"`) {
		t.Fatalf("user page after disable:\n%s", body)
	}
	if st, _, _ := admin.post(loc+"/enable", url.Values{}); st != http.StatusSeeOther {
		t.Fatalf("enable: %d", st)
	}
	if !e.authenticates(t, secret) {
		t.Fatal("an enabled user's token is refused")
	}
	before = e.adminCounts(t)
	if st, _, body := admin.post(self+"/disable", url.Values{}); st != http.StatusUnprocessableEntity || !strings.Contains(body, `id="action-error"`) || e.adminCounts(t) != before {
		t.Fatalf("disable oneself: %d\n%s", st, body)
	}
	if _, _, body := admin.get(self); strings.Contains(body, `id="user-disable"`) || strings.Contains(body, `id="password-form"`) {
		t.Fatalf("one's own page offers Disable or the password form:\n%s", body)
	}

	// Another token: refused input writes nothing; the secret is shown
	// once, with its expiry.
	tokPath := loc + "/tokens"
	adminRefused(t, e, admin, tokPath, url.Values{"token_name": {""}}, "token_name", "A token needs a name of 1 to 100 characters.")
	adminRefused(t, e, admin, tokPath, url.Values{"token_name": {"gateway"}, "token_days": {"soon"}}, "token_days", `"soon" is not a lifetime`)
	adminRefused(t, e, admin, tokPath, url.Values{"token_name": {"gateway"}, "token_days": {"0"}}, "token_days", `"0" is not a lifetime`)
	adminRefused(t, e, admin, tokPath, url.Values{"token_name": {strings.Repeat("x", 101)}}, "token_name", "A token needs a name of 1 to 100 characters.")
	if st, loc2, _ := admin.post(tokPath, url.Values{"token_name": {"gateway"}, "token_days": {"30"}}); st != http.StatusSeeOther || loc2 != loc {
		t.Fatalf("issue a token: %d %q", st, loc2)
	}
	_, _, body = admin.get(loc)
	tok2, secret2 := shownSecret(body)
	if secret2 == "" || tok2 == tokID || !strings.Contains(body, `“gateway”, expires <time datetime="2026-12-16T15:00:00Z"`) {
		t.Fatalf("the new token is not shown with its expiry:\n%s", body)
	}
	if !e.authenticates(t, secret2) {
		t.Fatal("the second token is refused")
	}
	_, _, body = admin.get(loc)
	if strings.Contains(body, secret2) {
		t.Fatal("the second token was shown twice")
	}
	// The list shows the live token's expiry and that it was used (the
	// authentication above).
	if row := between(body, `<tr data-token="`+tok2+`"`, "</tr>"); !strings.Contains(row, `<time datetime="2026-12-16T15:00:00Z"`) || strings.Count(row, "<time") != 3 {
		t.Fatalf("token %s's row lacks its expiry or last use:\n%s", tok2, row)
	}

	// Revoke: a confirmation first, which revokes nothing.
	revoke := loc + "/tokens/" + tok2 + "/revoke"
	st, _, body = admin.get(revoke)
	if st != http.StatusOK || !strings.Contains(body, `Revoke token `+tok2+` “gateway” of delta-porting?`) || !strings.Contains(body, `id="revoke-confirm"`) {
		t.Fatalf("revoke confirmation: %d\n%s", st, body)
	}
	if !e.authenticates(t, secret2) {
		t.Fatal("the confirmation page revoked the token")
	}
	if st, _, _ := admin.post(revoke, url.Values{"csrf": {"forged"}}); st != http.StatusForbidden || !e.authenticates(t, secret2) {
		t.Fatalf("revoke without the CSRF token: %d", st)
	}
	if st, loc2, _ := admin.post(revoke, url.Values{}); st != http.StatusSeeOther || loc2 != loc {
		t.Fatalf("revoke: %d %q", st, loc2)
	}
	if e.authenticates(t, secret2) {
		t.Fatal("a revoked token is accepted")
	}
	if !e.authenticates(t, secret) {
		t.Fatal("revoking one token refused another")
	}
	_, _, body = admin.get(loc)
	if !strings.Contains(body, `data-token="`+tok2+`" data-revoked="true"`) || strings.Contains(body, `id="revoke-`+tok2+`"`) {
		t.Fatalf("the token list does not show the revoked token:\n%s", body)
	}
	before = e.adminCounts(t)
	st, _, body = admin.post(revoke, url.Values{})
	if st != http.StatusNotFound || !strings.Contains(body, "User "+m[1]+" has no token "+tok2+".") || e.adminCounts(t) != before {
		t.Fatalf("revoke again: %d\n%s", st, body)
	}

	for _, path := range []string{"/lti/users/9999", "/lti/users/x", "/lti/users/9999/tokens/1/revoke", loc + "/tokens/x/revoke"} {
		if st, _, _ := admin.get(path); st != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, st)
		}
	}
	before = e.adminCounts(t)
	if st, _, _ := admin.post("/lti/users", with(good, "name", "echo-soa", "csrf", "forged")); st != http.StatusForbidden || e.adminCounts(t) != before {
		t.Errorf("create without the CSRF token: %d, want 403 and nothing written", st)
	}
}

// between returns the text of s from the first from to the next to after
// it, or "".
func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	j := strings.Index(s[i:], to)
	if j < 0 {
		return ""
	}
	return s[i : i+j]
}
