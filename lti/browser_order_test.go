package lti

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/opennpac/npac/storetest"
)

// TestBrowserOrderJourney is journey 2: a rejected port order fixed and
// completed. Alpha (AAA1, the losing SP) loads the CSR of Jane Doe's
// account A-100 from a CSV file; Charlie (CCC3, the gaining SP) orders
// 212-556-0900 with the name "J. Doe", signs the LOA (typed name and a
// drawn signature) and attaches a bill, submits, and sees the rejection
// with its fix; edits the name and resubmits, gets the FOC; on the FOC
// date activates, and sees the order completed.
func TestBrowserOrderJourney(t *testing.T) {
	browser := newBrowser(t)
	e := newEnv(t)
	base := e.base
	alpha := newTab(t, browser, "alpha")
	charlie := newTab(t, browser, "charlie")
	dir := t.TempDir()
	csrFile := filepath.Join(dir, "csr.csv")
	bill := filepath.Join(dir, "bill.pdf")
	if err := os.WriteFile(csrFile, []byte("account,tn,btn,authorized_names,number,street,city,state,postal_code,country\n"+
		"A-100,212-556-0900,212-556-0900,Jane Doe,350,5th Ave,New York,NY,10118,US\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bill, []byte("%PDF-1.4 Jane Doe's bill from Alpha Telephone"), 0o644); err != nil {
		t.Fatal(err)
	}

	// Alpha loads its CSR.
	alpha.login(base, "alpha-soa", alphaPassword)
	alpha.do(chromedp.Navigate(base+"/csrs"), chromedp.WaitVisible(chromedp.ID("csr-upload")))
	alpha.do(chromedp.SetUploadFiles(chromedp.ID("file"), []string{csrFile}))
	if st := alpha.submit("csr-upload"); st != 200 {
		t.Fatalf("CSR upload: status %d", st)
	}
	if got := alpha.text(`#csr-list tr[data-account="A-100"]`); !strings.Contains(got, "Jane Doe") || !strings.Contains(got, "212-556-0900") {
		t.Fatalf("CSR list: %q", got)
	}

	// Charlie orders with the wrong name.
	charlie.login(base, "charlie-soa", charliePassword)
	charlie.do(chromedp.Navigate(base+"/orders"), chromedp.WaitVisible(chromedp.ID("new-order")))
	if _, err := chromedp.RunResponse(charlie.ctx, chromedp.Click(chromedp.ID("new-order"))); err != nil {
		t.Fatalf("open the new order form: %v", err)
	}
	charlie.do(chromedp.WaitVisible(chromedp.ID("order-save")),
		chromedp.SendKeys(chromedp.ID("name"), "J. Doe"),
		chromedp.SendKeys(chromedp.ID("addr_number"), "350"),
		chromedp.SendKeys(chromedp.ID("addr_street"), "5th Ave"),
		chromedp.SendKeys(chromedp.ID("addr_city"), "New York"),
		chromedp.SendKeys(chromedp.ID("addr_state"), "NY"),
		chromedp.SendKeys(chromedp.ID("addr_postal"), "10118"),
		chromedp.SendKeys(chromedp.ID("account"), "A-100"),
		chromedp.SendKeys(chromedp.ID("btn"), "212-556-0900"),
		chromedp.SendKeys(chromedp.ID("tns"), "212-556-0900"),
		chromedp.SendKeys(chromedp.ID("lrn"), "212-556-9999"),
		chromedp.SetValue(chromedp.ID("due_date"), "2026-11-20"),
		chromedp.SendKeys(chromedp.ID("loa_signer"), "Jane Doe"),
		chromedp.SetUploadFiles(chromedp.ID("doc"), []string{bill}),
	)
	// Draw a signature: the script shows the pad and fills the hidden field.
	if !charlie.eval(`(function () {
		var pad = document.getElementById("loa-pad"), r = pad.getBoundingClientRect();
		function ev(type, x, y) { pad.dispatchEvent(new PointerEvent(type, {bubbles: true, pointerId: 1, clientX: r.left + x, clientY: r.top + y})); }
		ev("pointerdown", 20, 60);
		for (var i = 1; i <= 30; i++) ev("pointermove", 20 + i * 9, 60 - 30 * Math.sin(i / 4));
		ev("pointerup", 290, 40);
		return document.getElementById("loa_signature").value.indexOf("data:image/png;base64,") === 0;
	})()`) {
		t.Fatal("the signature pad did not fill the hidden field")
	}
	charlie.shot("order-new", true)
	if st := charlie.submit("order-save"); st != 200 {
		t.Fatalf("save the draft: status %d", st)
	}
	id := charlie.text("#order-id")
	if st := charlie.attr("#order-status", "data-status"); st != "draft" {
		t.Fatalf("new order %s is %s", id, st)
	}
	if charlie.eval(`!!document.getElementById("unmet")`) {
		t.Fatalf("the complete draft has unmet requirements: %q", charlie.text("#unmet"))
	}
	if !charlie.eval(`!!document.querySelector('.doc[data-kind="loa"]') && !!document.querySelector('.doc[data-kind="bill"]')`) {
		t.Fatal("the draft does not list the LOA signature and the bill as documents")
	}

	// Submitted, it is validated against Alpha's CSR and rejected, with
	// the fix.
	if st := charlie.submit("order-submit"); st != 200 {
		t.Fatalf("submit: status %d", st)
	}
	if st := charlie.attr("#order-status", "data-status"); st != "rejected" {
		t.Fatalf("the order with the wrong name is %s", st)
	}
	if fix := charlie.text(`#rejection li[data-code="name-mismatch"] .fix`); !strings.Contains(fix, "exactly as the losing provider's CSR lists it") {
		t.Fatalf("rejection fix: %q", fix)
	}
	charlie.shot("order-rejected", true)

	// Alpha sees the same finding in its inbox.
	alpha.do(chromedp.Navigate(base+"/orders?side=losing"), chromedp.WaitVisible(chromedp.ID("order-list")))
	if st := alpha.attr(`#order-list tr[data-order="`+id+`"]`, "data-status"); st != "rejected" {
		t.Fatalf("Alpha's inbox shows %s", st)
	}

	// Charlie fixes the name and resubmits: the FOC.
	if _, err := chromedp.RunResponse(charlie.ctx, chromedp.Click(chromedp.ID("edit-resubmit"))); err != nil {
		t.Fatalf("open the supp form: %v", err)
	}
	if got := charlie.attr("#account", "value"); got != "A-100" {
		t.Fatalf("the supp form is not prefilled: account %q", got)
	}
	charlie.do(chromedp.Clear(chromedp.ID("name")), chromedp.SendKeys(chromedp.ID("name"), "Jane Doe"))
	if st := charlie.submit("order-save"); st != 200 {
		t.Fatalf("supp: status %d", st)
	}
	if st := charlie.attr("#order-status", "data-status"); st != "foc" {
		t.Fatalf("after the supp the order is %s: %s", st, charlie.text("main"))
	}
	if foc := charlie.text("#order-foc"); foc != "2026-11-20" {
		t.Fatalf("FOC %q", foc)
	}
	if st := cellText(t, charlie, `#order-tns tr[data-tn="212-556-0900"] .sv-status`); st != "pending" {
		t.Fatalf("the number's SV is %q", st)
	}

	// The cancel page names the fee tier before anything is canceled.
	charlie.do(chromedp.Navigate(base+"/orders/"+id+"/cancel"), chromedp.WaitVisible(chromedp.ID("cancel-confirm")))
	if tier := charlie.text("#fee-tier"); !strings.HasPrefix(tier, ">48h") {
		t.Fatalf("fee tier shown: %q", tier)
	}

	// On the FOC date it activates and completes.
	e.w.Clock.Set(storetest.OrderDue.Add(9 * time.Hour))
	charlie.do(chromedp.Navigate(base+"/orders/"+id), chromedp.WaitVisible(chromedp.ID("order-activate")))
	if st := charlie.submit("order-activate"); st != 200 {
		t.Fatalf("activate: status %d", st)
	}
	if st := charlie.attr("#order-status", "data-status"); st != "completed" {
		t.Fatalf("after activation the order is %s: %s", st, charlie.text("main"))
	}
	if st := cellText(t, charlie, `#order-tns tr[data-tn="212-556-0900"] .sv-status`); st != "active" {
		t.Fatalf("the number's SV is %q", st)
	}
	charlie.shot("order-detail", true)
	charlie.do(chromedp.Navigate(base+"/orders"), chromedp.WaitVisible(chromedp.ID("order-list")))
	if st := charlie.attr(`#order-list tr[data-order="`+id+`"]`, "data-status"); st != "completed" {
		t.Fatalf("orders list shows %s", st)
	}
	charlie.shot("orders", true)
}

// cellText returns the text of an element, visible or not (an empty
// cell), or "<missing>".
func cellText(t *testing.T, b *tab, sel string) string {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`(function () { var el = document.querySelector(`+"`"+sel+"`"+`); return el ? el.textContent.trim() : "<missing>"; })()`))
	if err != nil {
		t.Fatalf("%s: text of %s: %v", b.name, sel, err)
	}
	return v
}
