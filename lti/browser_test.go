package lti

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/storetest"
)

// The browser tests drive a real Chromium, headless, with chromedp. A
// missing Chromium fails them: install it (Debian: apt-get install
// chromium) or set NPAC_NO_BROWSER=1 to skip them. NPAC_CHROMIUM names
// the binary when it is not on PATH. With NPAC_SCREENSHOTS=1 they save
// the main pages to docs/screenshots/ as PNG.

// browserPath finds Chromium, or fails (or skips) the test.
func browserPath(t *testing.T) string {
	t.Helper()
	if os.Getenv("NPAC_NO_BROWSER") == "1" {
		t.Skip("NPAC_NO_BROWSER=1: the browser tests are skipped")
	}
	if p := os.Getenv("NPAC_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("Chromium is not installed, and the browser tests need it: install it (Debian: apt-get install chromium), " +
		"name it with NPAC_CHROMIUM, or set NPAC_NO_BROWSER=1 to skip these tests")
	return ""
}

// newBrowser starts one headless Chromium in a fresh profile, with the
// network features that would call out turned off, in a laptop-sized
// window and the Los Angeles time zone (so that pages show two zones: the
// region's and the browser's).
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	exe := browserPath(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1366, 900),
		chromedp.Env("TZ=America/Los_Angeles"),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("start Chromium %s: %v", exe, err)
	}
	return browser
}

// tab is one user's browser: its own browser context (cookies, storage)
// in the shared Chromium.
type tab struct {
	t    *testing.T
	name string
	ctx  context.Context
}

func newTab(t *testing.T, browser context.Context, name string) *tab {
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	return &tab{t: t, name: name, ctx: ctx}
}

// do runs steps, failing the test on an error.
func (b *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", b.name, err)
	}
}

// submit clicks a button that submits a form, waits for the page that
// answers, and returns its HTTP status (after redirects).
func (b *tab) submit(id string) int64 {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.ID(id)))
	if err != nil {
		b.t.Fatalf("%s: submit #%s: %v", b.name, id, err)
	}
	return resp.Status
}

func (b *tab) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("%s: text of %s: %v", b.name, sel, err)
	}
	return strings.TrimSpace(s)
}

func (b *tab) attr(sel, name string) string {
	b.t.Helper()
	r, err := chromedp.Run(b.ctx, chromedp.AttributeValue(chromedp.CSS(sel), name))
	if err != nil {
		b.t.Fatalf("%s: attribute %s of %s: %v", b.name, name, sel, err)
	}
	return r.Value
}

func (b *tab) eval(js string) bool {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](js))
	if err != nil {
		b.t.Fatalf("%s: eval %s: %v", b.name, js, err)
	}
	return v
}

// login signs in through the sign-in page.
func (b *tab) login(base, name, password string) {
	b.t.Helper()
	b.do(chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.ID("name")))
	b.do(chromedp.SendKeys(chromedp.ID("name"), name), chromedp.SendKeys(chromedp.ID("password"), password))
	if st := b.submit("login-submit"); st != 200 {
		b.t.Fatalf("%s: sign-in answered %d", b.name, st)
	}
	if got := b.text("#user-name"); got != name {
		b.t.Fatalf("%s: signed in as %q", b.name, got)
	}
}

// shot saves a PNG of the tab to docs/screenshots/name.png when
// NPAC_SCREENSHOTS=1: the whole page, or only the window when the page is
// a long list.
func (b *tab) shot(name string, wholePage bool) {
	b.t.Helper()
	if os.Getenv("NPAC_SCREENSHOTS") != "1" {
		return
	}
	capture := chromedp.CaptureScreenshot()
	if wholePage {
		capture = chromedp.FullScreenshot(100)
	}
	shot, err := chromedp.Run(b.ctx, capture)
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := filepath.Join("..", "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), shot, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// TestBrowserPortJourney is journey 1: two SPs port a number in a real
// browser. Bravo (BBB2, the new SP) creates the SV, after a bad TN that
// the form refuses next to the field without writing anything; Alpha
// (AAA1, the old SP and code holder) concurs from its work queue; Bravo
// cannot activate before the due date, then on it activates, and both see
// the number active.
func TestBrowserPortJourney(t *testing.T) {
	browser := newBrowser(t)
	e := newEnv(t)
	base := e.base
	bravo := newTab(t, browser, "bravo")
	alpha := newTab(t, browser, "alpha")

	// Sign-in page.
	bravo.do(chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.ID("login-submit")))
	if !strings.HasSuffix(mustLocation(t, bravo), "/lti/login") {
		t.Fatalf("signed out, / went to %s", mustLocation(t, bravo))
	}
	bravo.shot("login", true)
	bravo.login(base, "bravo-soa", bravoPassword)

	// The create form refuses a bad TN next to the field, and writes
	// nothing.
	bravo.do(chromedp.Navigate(base+"/svs/new"), chromedp.WaitVisible(chromedp.ID("create-submit")))
	if got := bravo.attr("#new_spid option[selected]", "value"); got != "BBB2" {
		t.Fatalf("new SP preselected %q", got)
	}
	bravo.do(
		chromedp.SendKeys(chromedp.ID("tn"), "212-555-01"),
		chromedp.SendKeys(chromedp.ID("old_spid"), "AAA1"),
		chromedp.SendKeys(chromedp.ID("lrn"), "212-555-9999"),
		chromedp.SetValue(chromedp.ID("due_date"), "2026-11-18"),
	)
	before := e.counts(t)
	if st := bravo.submit("create-submit"); st != 422 {
		t.Fatalf("bad TN: status %d, want 422", st)
	}
	if msg := bravo.text("#tn-error"); !strings.Contains(msg, `"212-555-01" is not a telephone number`) {
		t.Fatalf("error next to the TN: %q", msg)
	}
	if bravo.attr("#tn", "aria-invalid") != "true" || !strings.Contains(bravo.attr("#tn", "aria-describedby"), "tn-error") {
		t.Fatal("the TN field is not marked invalid and described by its error")
	}
	if !bravo.eval(`document.getElementById("tn-error").closest(".field") === document.getElementById("tn").closest(".field")`) {
		t.Fatal("the TN error is not shown with the TN field")
	}
	if bravo.eval(`document.querySelectorAll(".error").length !== 1`) {
		t.Fatal("errors shown next to fields that were right")
	}
	if got := e.counts(t); got != before {
		t.Fatalf("the refused form wrote: %v → %v", before, got)
	}
	bravo.shot("create-sv", true)

	// The values typed stay; fix the TN and create.
	bravo.do(chromedp.Clear(chromedp.ID("tn")), chromedp.SendKeys(chromedp.ID("tn"), "212-555-0100"))
	if st := bravo.submit("create-submit"); st != 200 {
		t.Fatalf("create: status %d", st)
	}
	svID := bravo.text("#sv-id")
	if st := bravo.attr("#sv-status", "data-status"); st != "pending" {
		t.Fatalf("created SV %s is %s", svID, st)
	}
	if !strings.Contains(bravo.text("#flash"), "SV "+svID) {
		t.Fatalf("no confirmation: %q", bravo.text("#flash"))
	}

	// Alpha, the old SP, finds it in its work queue and concurs.
	alpha.login(base, "alpha-soa", alphaPassword)
	alpha.do(chromedp.WaitVisible(chromedp.ID("queue-concur")))
	alpha.shot("home", true)
	link := `#queue-concur-table a[href="/lti/svs/` + svID + `"]`
	if _, err := chromedp.RunResponse(alpha.ctx, chromedp.Click(chromedp.CSS(link))); err != nil {
		t.Fatalf("open SV from the queue: %v", err)
	}
	if st := alpha.submit("concur"); st != 200 {
		t.Fatalf("concur: status %d", st)
	}
	if got := alpha.text("#sv-concurred"); got != "yes" {
		t.Fatalf("after concurrence, concurred = %q", got)
	}

	// Bravo cannot activate before the due date: the lifecycle's message,
	// and nothing written.
	bravo.do(chromedp.Navigate(base+"/svs/"+svID), chromedp.WaitVisible(chromedp.ID("activate")))
	before = e.counts(t)
	if st := bravo.submit("activate"); st != 422 {
		t.Fatalf("early activation: status %d", st)
	}
	if msg := bravo.text("#action-error"); !strings.Contains(msg, "it can be activated from then") {
		t.Fatalf("early activation error: %q", msg)
	}
	if got := e.counts(t); got != before {
		t.Fatalf("the refused activation wrote: %v → %v", before, got)
	}

	// On the due date (the NPAC's clock), it activates.
	e.w.Clock.Set(storetest.DueDay.Add(14 * time.Hour))
	if st := bravo.submit("activate"); st != 200 {
		t.Fatalf("activate: status %d", st)
	}
	if st := bravo.attr("#sv-status", "data-status"); st != "active" {
		t.Fatalf("after activation the SV is %s", st)
	}
	// The script adds the browser's zone (Los Angeles) next to the
	// region's (New York).
	if local := bravo.text("#sv-history time[data-t] + .local"); !strings.Contains(local, "PST") {
		t.Fatalf("browser-zone time: %q", local)
	}
	bravo.shot("sv-detail", true)

	// A few other ports, so that the list shows what a desk sees.
	seedPorts(t, e)
	bravo.do(chromedp.Navigate(base+"/svs"), chromedp.WaitVisible(chromedp.ID("sv-list")))
	if st := bravo.attr(`#sv-list tr[data-sv="`+svID+`"]`, "data-status"); st != "active" {
		t.Fatalf("SV list shows %s", st)
	}
	bravo.shot("sv-list", true)

	// Alpha sees the number active, and the notification of it.
	alpha.do(chromedp.Navigate(base+"/tn?tn=2125550100"), chromedp.WaitVisible(chromedp.ID("tn-current")))
	if got := alpha.text("#tn-current"); !strings.Contains(got, "212-555-9999") || !strings.Contains(got, "active") {
		t.Fatalf("TN search, current routing: %q", got)
	}
	alpha.shot("tn-search", true)
	alpha.do(chromedp.Navigate(base+"/notifications"), chromedp.WaitVisible(chromedp.ID("notices")))
	if !alpha.eval(`!!document.querySelector('#notices tr[data-kind="status-change"] .st-active')`) {
		t.Fatal("no notification of the activation")
	}
	alpha.shot("notifications", false)

	// Signing out ends the session.
	if st := alpha.submit("logout"); st != 200 {
		t.Fatalf("logout: %d", st)
	}
	alpha.do(chromedp.Navigate(base + "/svs"))
	if !strings.Contains(mustLocation(t, alpha), "/lti/login") {
		t.Fatalf("signed out, /svs shows %s", mustLocation(t, alpha))
	}
}

func mustLocation(t *testing.T, b *tab) string {
	t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// seedPorts adds ports in several states through the services.
func seedPorts(t *testing.T, e *env) {
	t.Helper()
	w := e.w
	due := storetest.DueDay.AddDate(0, 0, 7)
	create := func(i int, ctx context.Context, old, newSP npac.SPID, lrn npac.LRN) *npac.SV {
		in := storetest.NewCreate(storetest.TN(i), old, newSP, lrn)
		in.DueDate = due
		return w.MustCreate(t, ctx, in)
	}
	for i := 101; i <= 104; i++ {
		create(i, w.B, storetest.SPA, storetest.SPB, storetest.LRNB)
	}
	sv := create(105, w.B, storetest.SPA, storetest.SPB, storetest.LRNB)
	oc := storetest.OldCreate(sv.TN, storetest.SPA, storetest.SPB)
	oc.DueDate = due
	w.MustCreate(t, w.A, oc)
	sv = create(106, w.B, storetest.SPA, storetest.SPB, storetest.LRNB)
	w.MustAct(t, w.B, sv.ID, npac.Action{Kind: npac.ActCancel})
	sv = create(107, w.B, storetest.SPA, storetest.SPB, storetest.LRNB)
	w.MustAct(t, w.A, sv.ID, npac.Action{Kind: npac.ActConflict, CauseCode: npac.CauseLSRNotReceived})
	create(108, w.C, storetest.SPA, storetest.SPC, storetest.LRNC)
}
