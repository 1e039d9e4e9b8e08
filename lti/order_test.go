package lti

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// A bad order form is answered with its errors next to the fields, and
// writes nothing; without JavaScript the typed name alone signs.
func TestOrderFormRefusesBadInput(t *testing.T) {
	e := newEnv(t, frozen)
	c := e.client(t)
	c.login("charlie-soa", charliePassword)
	if st, _, body := c.get("/lti/orders/new"); st != http.StatusOK || !strings.Contains(body, `enctype="multipart/form-data"`) {
		t.Fatalf("new order form: %d", st)
	}
	before := e.w.Count(t, "orders")
	form := url.Values{"gaining_spid": {"CCC3"}, "kind": {"person"}, "name": {"Jane Doe"}, "addr_number": {"350"},
		"addr_street": {"5th Ave"}, "addr_city": {"New York"}, "addr_state": {"NY"}, "addr_postal": {"10118"}, "addr_country": {"US"},
		"account": {"A-100"}, "tns": {"212-556-0900\n212-556-09"}, "loa_signer": {"Jane Doe"}, "loa_signature": {"data:image/gif;base64,AAAA"}}
	st, _, body := c.post("/lti/orders/new", form)
	if st != http.StatusUnprocessableEntity {
		t.Fatalf("bad order: %d", st)
	}
	for _, want := range []string{`id="tns-error">Line 2:`, `id="lrn-error"`, `id="loa_signer-error">The drawn signature is not a PNG image`} {
		if !strings.Contains(body, want) {
			t.Errorf("the refused form lacks %s", want)
		}
	}
	if got := e.w.Count(t, "orders"); got != before {
		t.Fatalf("the refused form wrote %d orders", got-before)
	}
	// Fixed, and signed with the typed name only: a draft.
	form.Set("tns", "212-556-0900")
	form.Set("lrn", "212-556-9999")
	form.Del("loa_signature")
	st, loc, body := c.post("/lti/orders/new", form)
	if st != http.StatusSeeOther || !strings.HasPrefix(loc, "/lti/orders/") {
		t.Fatalf("good order: %d %q\n%s", st, loc, body)
	}
	_, _, body = c.get(loc)
	for _, want := range []string{`data-status="draft"`, `id="unmet"`, `data-req="bill-or-csr"`, "LOA signed electronically by Jane Doe", "typed name)"} {
		if !strings.Contains(body, want) {
			t.Errorf("the draft page lacks %s", want)
		}
	}
}
