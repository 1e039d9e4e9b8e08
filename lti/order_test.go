package lti

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/opennpac/npac/portorder"
	"github.com/opennpac/npac/storetest"
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

// The order form's reseller and remaining services of a partial port:
// bad rows refused next to their fields with nothing written; saved, they
// make the order partial; the edit form shows them and can clear them.
func TestOrderFormRemainingServices(t *testing.T) {
	e := newEnv(t, frozen)
	c := e.client(t)
	c.login("charlie-soa", charliePassword)
	st, _, body := c.get("/lti/orders/new")
	for _, want := range []string{`name="reseller"`, `name="rem_rows" value="3"`, `id="rem_tn_2"`, `id="rem_action_0"`, `<option value="disconnect">`} {
		if st != http.StatusOK || !strings.Contains(body, want) {
			t.Fatalf("new order form: %d, lacks %s", st, want)
		}
	}
	form := func(kv ...string) url.Values {
		v := url.Values{"gaining_spid": {"CCC3"}, "kind": {"person"}, "name": {"Jane Doe"}, "addr_number": {"350"},
			"addr_street": {"5th Ave"}, "addr_city": {"New York"}, "addr_state": {"NY"}, "addr_postal": {"10118"}, "addr_country": {"US"},
			"account": {"A-100"}, "btn": {"212-556-0900"}, "tns": {"212-556-0900"}, "lrn": {"212-556-9999"}, "loa_signer": {"Jane Doe"},
			"reseller": {"Budget Tel"}, "rem_rows": {"3"},
			"rem_tn_0": {"212-556-0901"}, "rem_action_0": {"keep"},
			"rem_desc_1": {"DSL internet"}, "rem_action_1": {"disconnect"},
			"rem_action_2": {"keep"}} // an empty row: skipped
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	for _, tc := range []struct {
		name, field string
		form        url.Values
	}{
		{"bad number", "rem_tn_0", form("rem_tn_0", "212-556-09")},
		{"ported and remaining", "rem_tn_0", form("rem_tn_0", "2125560900")},
		{"listed twice", "rem_tn_1", form("rem_tn_1", "212-556-0901")},
		{"no action", "rem_action_1", form("rem_action_1", "")},
		{"a split's action", "rem_action_0", form("rem_action_0", "port")},
	} {
		before := e.w.Count(t, "orders")
		st, _, body := c.post("/lti/orders/new", tc.form)
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, `id="`+tc.field+`-error"`) {
			t.Fatalf("%s: %d, want 422 with an error next to %s\n%s", tc.name, st, tc.field, body)
		}
		if !strings.Contains(body, `value="Budget Tel"`) || !strings.Contains(body, `value="DSL internet"`) {
			t.Errorf("%s: the refused form lost its values", tc.name)
		}
		if got := e.w.Count(t, "orders"); got != before {
			t.Fatalf("%s: the refused form wrote %d orders", tc.name, got-before)
		}
	}

	st, loc, body := c.post("/lti/orders/new", form())
	if st != http.StatusSeeOther || !strings.HasPrefix(loc, "/lti/orders/") {
		t.Fatalf("order with remaining services: %d %q\n%s", st, loc, body)
	}
	id := strings.TrimPrefix(loc, "/lti/orders/")
	v, err := e.w.S.Order(e.w.C, id)
	if err != nil {
		t.Fatal(err)
	}
	want := []portorder.RemainingService{{TN: "2125560901", Action: portorder.Keep}, {Description: "DSL internet", Action: portorder.Disconnect}}
	if !v.Partial || v.Reseller != "Budget Tel" || !slices.Equal(v.Remaining, want) {
		t.Fatalf("stored order: partial %t, reseller %q, remaining %+v", v.Partial, v.Reseller, v.Remaining)
	}
	_, _, body = c.get(loc)
	for _, want := range []string{`id="order-reseller">Budget Tel`, `id="order-remaining"`, "DSL internet — disconnected", "212-556-0901</span> — kept"} {
		if !strings.Contains(body, want) {
			t.Errorf("the order page lacks %s", want)
		}
	}

	// The edit form shows them, with two empty rows; clearing them makes
	// the order whole again.
	st, _, body = c.get(loc + "/edit")
	for _, want := range []string{`name="rem_rows" value="4"`, `id="rem_tn_0" name="rem_tn_0" type="text" value="212-556-0901"`, `id="rem_desc_1" name="rem_desc_1" type="text" value="DSL internet"`, `id="rem_tn_3"`, `value="Budget Tel"`} {
		if st != http.StatusOK || !strings.Contains(body, want) {
			t.Fatalf("edit form: %d, lacks %s\n%s", st, want, body)
		}
	}
	st, _, body = c.post(loc+"/edit", form("reseller", "", "rem_tn_0", "", "rem_desc_1", ""))
	if st != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", st, body)
	}
	if v, err = e.w.S.Order(e.w.C, id); err != nil || v.Partial || len(v.Remaining) != 0 || v.Reseller != "" {
		t.Fatalf("after clearing: partial %t, remaining %+v, reseller %q (%v)", v.Partial, v.Remaining, v.Reseller, err)
	}
}

// An order over 100 numbers is split; each part lists the other part's
// numbers as ported in a sibling order, and editing a part keeps them.
func TestOrderFormKeepsSplitSiblings(t *testing.T) {
	e := newEnv(t, frozen)
	c := e.client(t)
	c.login("charlie-soa", charliePassword)
	c.get("/lti/orders/new")
	var tns []string
	for i := range 101 {
		tns = append(tns, string(storetest.OrderTN(100+i)))
	}
	st, loc, body := c.post("/lti/orders/new", url.Values{"gaining_spid": {"CCC3"}, "kind": {"person"}, "name": {"Jane Doe"},
		"addr_number": {"350"}, "addr_street": {"5th Ave"}, "addr_city": {"New York"}, "addr_state": {"NY"}, "addr_postal": {"10118"},
		"addr_country": {"US"}, "account": {"A-100"}, "tns": {strings.Join(tns, "\n")}, "lrn": {"212-556-9999"}, "loa_signer": {"Jane Doe"}})
	if st != http.StatusSeeOther {
		t.Fatalf("split order: %d\n%s", st, body)
	}
	id := strings.TrimPrefix(loc, "/lti/orders/")
	v, err := e.w.S.Order(e.w.C, id)
	if err != nil || len(v.TNs) != 100 || !v.Partial || len(v.Remaining) != 1 || v.Remaining[0].Action != portorder.Port {
		t.Fatalf("the first part of the split: %d numbers, remaining %+v (%v)", len(v.TNs), v.Remaining, err)
	}
	sibling := v.Remaining[0]
	_, _, body = c.get(loc + "/edit")
	if !strings.Contains(body, `id="remaining-siblings"`) || strings.Contains(body, `value="`+fmtTN(sibling.TN)+`"`) {
		t.Fatalf("edit form of a part:\n%s", body)
	}
	form := url.Values{}
	for k, val := range orderForm(v.Order).Values {
		if !strings.HasPrefix(k, "rem_") {
			form.Set(k, val)
		}
	}
	form.Set("rem_rows", "2")
	form.Set("rem_desc_0", "fax line")
	form.Set("rem_action_0", "keep")
	if st, _, body := c.post(loc+"/edit", form); st != http.StatusSeeOther {
		t.Fatalf("edit of a part: %d\n%s", st, body)
	}
	v, err = e.w.S.Order(e.w.C, id)
	want := []portorder.RemainingService{sibling, {Description: "fax line", Action: portorder.Keep}}
	if err != nil || !v.Partial || !slices.Equal(v.Remaining, want) {
		t.Fatalf("after the edit: %+v %v, want %+v", v.Remaining, err, want)
	}
}
