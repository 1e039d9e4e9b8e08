package lti

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/storetest"
)

// TestBrowserAdminPages: the administrator opens the audit log from the
// navigation and expands a record to its before/after JSON (a <details>,
// no script), then the network page, where a bad NPA-NXX is refused next
// to its field and nothing is written.
func TestBrowserAdminPages(t *testing.T) {
	browser := newBrowser(t)
	e := newEnv(t)
	base := e.base
	e.w.Port(t, storetest.TN(310))
	if _, err := e.w.S.CreateBlock(e.w.Admin, &npac.BlockCreate{NPANXXX: "2125561", SPID: storetest.SPA, BlockRouting: npac.BlockRouting{LRN: storetest.LRNA}}); err != nil {
		t.Fatal(err)
	}
	admin := newTab(t, browser, "admin")
	admin.login(base, "admin", adminPassword)

	if _, err := chromedp.RunResponse(admin.ctx, chromedp.Click(chromedp.CSS(`nav a[href="/lti/audit"]`))); err != nil {
		t.Fatalf("open the audit log: %v", err)
	}
	admin.do(chromedp.WaitVisible(chromedp.ID("audit-list")))
	first := `#audit-list tbody tr:nth-child(2) details`
	admin.do(chromedp.Click(chromedp.CSS(first+" summary")), chromedp.WaitVisible(chromedp.CSS(first+" pre")))
	if !admin.eval(`document.querySelector('` + first + `').open`) {
		t.Fatal("the audit record did not expand")
	}
	admin.shot("audit", false)

	if _, err := chromedp.RunResponse(admin.ctx, chromedp.Click(chromedp.CSS(`nav a[href="/lti/network"]`))); err != nil {
		t.Fatalf("open the network page: %v", err)
	}
	admin.do(chromedp.WaitVisible(chromedp.ID("code-list")))
	if !admin.eval(`!!document.querySelector('#block-list tr[data-block="212-556-1"]')`) {
		t.Fatal("the pool block is not listed")
	}
	admin.do(chromedp.Click(chromedp.CSS(`details:has(#code-form) > summary`)))
	before := e.netCounts(t)
	admin.do(chromedp.SendKeys(chromedp.ID("code_npanxx"), "21-55"), chromedp.SendKeys(chromedp.ID("code_spid"), "AAA1"),
		chromedp.SetValue(chromedp.ID("code_region"), "NE"), chromedp.Click(chromedp.ID("code_portable")))
	if st := admin.submit("code-create"); st != 422 {
		t.Fatalf("bad NPA-NXX: status %d", st)
	}
	if got := admin.text("#code_npanxx-error"); !strings.Contains(got, "NPA-NXX") {
		t.Fatalf("error next to the NPA-NXX: %q", got)
	}
	if after := e.netCounts(t); after != before {
		t.Fatalf("a refused NPA-NXX wrote: %v → %v", before, after)
	}
	admin.shot("network", true)

	// The block's page: a DPC without its SSN is refused next to the SSN.
	if _, err := chromedp.RunResponse(admin.ctx, chromedp.Click(chromedp.ID("block-212-556-1"))); err != nil {
		t.Fatalf("open the block: %v", err)
	}
	admin.do(chromedp.WaitVisible(chromedp.ID("block-modify")), chromedp.SendKeys(chromedp.ID("cnam_dpc"), "001-002-003"))
	if st := admin.submit("block-save"); st != 422 {
		t.Fatalf("DPC without SSN: status %d", st)
	}
	if got := admin.text("#cnam_ssn-error"); !strings.Contains(got, "SSN") {
		t.Fatalf("error next to the CNAM SSN: %q", got)
	}
	admin.do(chromedp.SendKeys(chromedp.ID("cnam_ssn"), "8"))
	if st := admin.submit("block-save"); st != 200 {
		t.Fatalf("modify the block: status %d", st)
	}
	if got := admin.text("#block-cnam"); got != "001-002-003 / 8" {
		t.Fatalf("CNAM after the modify: %q", got)
	}
	admin.shot("block", true)

	// The tunables: a business day ending before it starts is refused.
	if _, err := chromedp.RunResponse(admin.ctx, chromedp.Click(chromedp.CSS(`nav a[href="/lti/tunables"]`))); err != nil {
		t.Fatalf("open the tunables: %v", err)
	}
	admin.do(chromedp.WaitVisible(chromedp.ID("tunables-form")), chromedp.SetValue(chromedp.ID("business_end"), "07:00"))
	if st := admin.submit("tunables-save"); st != 422 {
		t.Fatalf("business day ending before it starts: status %d", st)
	}
	if got := admin.text("#business_end-error"); !strings.Contains(got, "must end after it starts") {
		t.Fatalf("error next to the business day's end: %q", got)
	}
	admin.shot("tunables", true)
}
