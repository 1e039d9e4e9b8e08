package lti

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/portorder"
	"github.com/opennpac/npac/storetest"
)

// csrCount returns the rows of the tables a CSR deletion touches.
func (e *env) csrCount(t testing.TB) [3]int {
	t.Helper()
	return [3]int{e.w.Count(t, "csrs"), e.w.Count(t, "csr_tns"), e.w.Count(t, "audit")}
}

// TestCSRDelete: the losing SP deletes a CSR after a confirmation, and
// NPAC personnel may too; another provider and a forged form are refused
// with nothing written.
func TestCSRDelete(t *testing.T) {
	e := newEnv(t, frozen)
	jane := storetest.JaneCSR(storetest.OrderTN(1), storetest.OrderTN(2))
	odd := storetest.JaneCSR(storetest.OrderTN(3))
	odd.Account = "B/200 x"
	if err := e.w.S.PutCSRs(e.w.A, storetest.SPA, []*portorder.CSR{jane, odd}); err != nil {
		t.Fatal(err)
	}
	a := e.client(t)
	a.login("alpha-soa", alphaPassword)
	st, _, body := a.get("/lti/csrs")
	const janeURL = "/lti/csrs/AAA1/A-100/delete"
	const oddURL = "/lti/csrs/AAA1/B%2F200%20x/delete"
	if st != http.StatusOK || !strings.Contains(body, `href="`+janeURL+`"`) || !strings.Contains(body, `href="`+oddURL+`"`) {
		t.Fatalf("CSR list: %d\n%s", st, body)
	}
	before := e.csrCount(t)
	st, _, body = a.get(janeURL)
	if st != http.StatusOK || !strings.Contains(body, `id="delete-confirm"`) || !strings.Contains(body, "212-556-0001") {
		t.Fatalf("confirmation: %d\n%s", st, body)
	}
	if e.csrCount(t) != before {
		t.Fatal("the confirmation page wrote")
	}

	// Another provider sees no CSR and deletes nothing.
	c := e.client(t)
	c.login("charlie-soa", charliePassword)
	if st, _, body := c.get(janeURL); st != http.StatusForbidden || strings.Contains(body, `id="delete-confirm"`) || !strings.Contains(body, `id="delete-error"`) {
		t.Fatalf("another provider's confirmation: %d\n%s", st, body)
	}
	if st, _, body := c.post(janeURL, url.Values{}); st != http.StatusForbidden || !strings.Contains(body, `id="delete-error"`) || e.csrCount(t) != before {
		t.Fatalf("another provider's delete: %d\n%s", st, body)
	}
	if st, _, _ := a.post(janeURL, url.Values{"csrf": {"forged"}}); st != http.StatusForbidden || e.csrCount(t) != before {
		t.Fatalf("a delete without the CSRF token: %d", st)
	}

	// The owner deletes: back to the list, audited.
	st, loc, body := a.post(janeURL, url.Values{})
	if st != http.StatusSeeOther || loc != "/lti/csrs?spid=AAA1" {
		t.Fatalf("delete: %d %q\n%s", st, loc, body)
	}
	_, _, body = a.get(loc)
	if strings.Contains(body, `data-account="A-100"`) || !strings.Contains(body, `data-account="B/200 x"`) || !strings.Contains(body, "account A-100 is deleted") {
		t.Fatalf("the list after the delete:\n%s", body)
	}
	recs, err := e.w.S.Audit(e.w.Admin, npac.AuditFilter{Action: "csr.delete"})
	if err != nil || len(recs) != 1 || recs[0].UserName != "alpha-soa" || recs[0].EntityID != "AAA1/A-100" {
		t.Fatalf("audit of the delete: %+v %v", recs, err)
	}
	if st, _, body := a.post(janeURL, url.Values{}); st != http.StatusNotFound || !strings.Contains(body, `id="delete-error"`) {
		t.Fatalf("a second delete: %d\n%s", st, body)
	}
	if st, _, _ := a.get(janeURL); st != http.StatusNotFound {
		t.Fatalf("confirmation of a deleted CSR: %d, want 404", st)
	}

	// NPAC personnel delete the account whose name needs escaping.
	admin := e.client(t)
	admin.login("admin", adminPassword)
	if st, _, body := admin.get(oddURL); st != http.StatusOK || !strings.Contains(body, "B/200 x") {
		t.Fatalf("admin's confirmation: %d\n%s", st, body)
	}
	if st, _, body := admin.post(oddURL, url.Values{}); st != http.StatusSeeOther {
		t.Fatalf("admin's delete: %d\n%s", st, body)
	}
	if csrs, err := e.w.S.CSRs(e.w.A, storetest.SPA); err != nil || len(csrs) != 0 {
		t.Fatalf("CSRs left: %d %v", len(csrs), err)
	}
}
