package lti

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	npac "github.com/opennpac/npac"
)

// TestBrowserProviderUserJourney: the administrator registers a provider
// (after a SPID already taken is refused next to its field, with nothing
// written), creates a user with an SOA grant for it, copies the first API
// token the page shows once, and sets the user's password; the new user
// then signs in and works as that provider's SOA.
func TestBrowserProviderUserJourney(t *testing.T) {
	browser := newBrowser(t)
	e := newEnv(t)
	base := e.base
	admin := newTab(t, browser, "admin")
	admin.login(base, "admin", adminPassword)

	// Providers: a taken SPID is refused, then the provider is registered.
	if _, err := chromedp.RunResponse(admin.ctx, chromedp.Click(chromedp.CSS(`nav a[href="/lti/providers"]`))); err != nil {
		t.Fatalf("open the providers: %v", err)
	}
	admin.do(chromedp.WaitVisible(chromedp.ID("provider-list")))
	admin.do(chromedp.Click(chromedp.CSS(`details:has(#provider-form) > summary`)))
	admin.do(chromedp.SendKeys(chromedp.ID("spid"), "AAA1"), chromedp.SendKeys(chromedp.ID("name"), "Delta Mobile"),
		chromedp.SetValue(chromedp.ID("type"), "wireless"), chromedp.Click(chromedp.ID("region-NE")),
		chromedp.SendKeys(chromedp.ID("contacts"), "porting; Delta porting desk; porting@delta.example"))
	before := e.adminCounts(t)
	if st := admin.submit("provider-create"); st != 422 {
		t.Fatalf("a taken SPID: status %d, want 422", st)
	}
	if got := admin.text("#spid-error"); got != "SPID AAA1 is already registered." {
		t.Fatalf("error next to the SPID: %q", got)
	}
	if after := e.adminCounts(t); after != before {
		t.Fatalf("the refused provider wrote: %v → %v", before, after)
	}
	if !admin.eval(`document.getElementById("region-NE").checked && document.getElementById("name").value === "Delta Mobile"`) {
		t.Fatal("the refused form lost what was typed")
	}
	admin.do(chromedp.Clear(chromedp.ID("spid")), chromedp.SendKeys(chromedp.ID("spid"), "DDD4"))
	if st := admin.submit("provider-create"); st != 200 {
		t.Fatalf("register the provider: status %d", st)
	}
	if got := admin.text("#provider-spid"); got != "DDD4" {
		t.Fatalf("provider page of %q", got)
	}
	if p, err := e.w.S.Provider(e.w.Admin, "DDD4"); err != nil || p.Name != "Delta Mobile" || len(p.Contacts) != 1 {
		t.Fatalf("registered provider: %+v %v", p, err)
	}
	admin.do(chromedp.Navigate(base+"/providers"), chromedp.WaitVisible(chromedp.ID("provider-list")))
	if !admin.eval(`!!document.querySelector('#provider-list tr[data-spid="DDD4"]')`) {
		t.Fatal("the new provider is not listed")
	}
	admin.shot("providers", true)

	// Users: an SOA of DDD4, its first token shown once.
	if _, err := chromedp.RunResponse(admin.ctx, chromedp.Click(chromedp.CSS(`nav a[href="/lti/users"]`))); err != nil {
		t.Fatalf("open the users: %v", err)
	}
	admin.do(chromedp.WaitVisible(chromedp.ID("user-list")))
	admin.do(chromedp.Click(chromedp.CSS(`details:has(#user-form) > summary`)))
	admin.do(chromedp.SendKeys(chromedp.ID("name"), "delta-soa"), chromedp.SetValue(chromedp.ID("grant1_role"), "soa"),
		chromedp.SendKeys(chromedp.ID("grant1_for"), "DDD4"))
	if st := admin.submit("user-create"); st != 200 {
		t.Fatalf("create the user: status %d", st)
	}
	if got := admin.text("#user-grants"); got != "soa@DDD4" {
		t.Fatalf("the new user's roles: %q", got)
	}
	secret := admin.text(`#new-token code.secret`)
	if !strings.HasPrefix(secret, "npac_") {
		t.Fatalf("the first token shown: %q", secret)
	}
	a, err := e.w.S.Authenticate(context.Background(), secret)
	if err != nil || a.User.Name != "delta-soa" || !a.Has(npac.RoleSOA, "DDD4") {
		t.Fatalf("the token shown authenticates as %+v, %v", a, err)
	}
	admin.shot("users", true)

	// Its password, for these pages.
	admin.do(chromedp.SendKeys(chromedp.ID("password"), "delta-desk-password"), chromedp.SendKeys(chromedp.ID("confirm"), "delta-desk-password"))
	if st := admin.submit("password-submit"); st != 200 {
		t.Fatalf("set the password: status %d", st)
	}
	if got := admin.text("#flash"); !strings.Contains(got, "The password is set") {
		t.Fatalf("after the password: %q", got)
	}
	if admin.eval(`!!document.getElementById("new-token")`) {
		t.Fatal("the token was shown a second time")
	}

	// The new user signs in, as DDD4's SOA, without the admin pages.
	delta := newTab(t, browser, "delta")
	delta.login(base, "delta-soa", "delta-desk-password")
	if got := delta.text(".who .roles"); got != "soa DDD4" {
		t.Fatalf("signed in with roles %q", got)
	}
	if delta.eval(`!!document.querySelector('nav a[href="/lti/users"], nav a[href="/lti/providers"]')`) {
		t.Fatal("the SOA's navigation offers the admin pages")
	}
	delta.do(chromedp.Navigate(base+"/svs/new"), chromedp.WaitVisible(chromedp.ID("create-submit")))
	if got := delta.attr("#new_spid option[selected]", "value"); got != "DDD4" {
		t.Fatalf("the new SV form offers %q as the new SP", got)
	}
}
