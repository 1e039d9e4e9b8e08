package lti

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/storetest"
)

var rangeRowRE = regexp.MustCompile(`<tr data-tn="([\d-]+)" data-result="([^"]*)">`)

// rangeResults returns each TN's result of a range page: "ok" or the
// error code.
func rangeResults(body string) map[string]string {
	out := map[string]string{}
	for _, m := range rangeRowRE.FindAllStringSubmatch(body, -1) {
		out[strings.ReplaceAll(m[1], "-", "")] = m[2]
	}
	return out
}

// rangeRefused posts a range form that must be refused with an error next
// to field, writing nothing and running nothing.
func rangeRefused(t *testing.T, e *env, c *client, path string, form url.Values, field string) {
	t.Helper()
	before := e.counts(t)
	st, _, body := c.post(path, form)
	if st != http.StatusUnprocessableEntity || !strings.Contains(body, `id="`+field+`-error"`) || strings.Contains(body, `id="range-results"`) {
		t.Fatalf("POST %s %v: %d, want 422 with an error next to %s\n%s", path, form, st, field, body)
	}
	if after := e.counts(t); after != before {
		t.Fatalf("a refused POST %s %v wrote: %v → %v", path, form, before, after)
	}
}

// rangeRan posts a range form that must run, and returns each TN's result.
func rangeRan(t *testing.T, c *client, path string, form url.Values) map[string]string {
	t.Helper()
	st, _, body := c.post(path, form)
	if st != http.StatusOK || !strings.Contains(body, `id="range-results"`) {
		t.Fatalf("POST %s %v: %d, want the results\n%s", path, form, st, body)
	}
	return rangeResults(body)
}

// TestRangePage: creates for a list and a span, as the new SP and as the
// old SP, and actions on a range, each with its per-TN results; bad input
// refused next to its field with nothing written; who may use the page.
func TestRangePage(t *testing.T) {
	e := newEnv(t, frozen)
	b, a := e.client(t), e.client(t)
	b.login("bravo-soa", bravoPassword)
	a.login("alpha-soa", alphaPassword)
	st, _, body := b.get("/lti/ranges")
	if st != http.StatusOK || !strings.Contains(body, `href="/lti/ranges" aria-current="page"`) ||
		!strings.Contains(body, `id="range-create-form"`) || !strings.Contains(body, `id="range-act-form"`) {
		t.Fatalf("range page: %d\n%s", st, body)
	}
	create := func(kv ...string) url.Values {
		v := url.Values{"side": {"new"}, "idem": {"k1"}, "new_spid": {"BBB2"}, "old_spid": {"AAA1"}, "lrn": {"212-555-9999"},
			"sv_type": {"wireless"}, "due_date": {"2026-11-18"}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	rangeRefused(t, e, b, "/lti/ranges/create", create(), "tns")
	rangeRefused(t, e, b, "/lti/ranges/create", create("tns", "2125550600\n2125550x01"), "tns")
	rangeRefused(t, e, b, "/lti/ranges/create", create("tns", "2125550600,2125550600"), "tns") // the service refuses repeats
	rangeRefused(t, e, b, "/lti/ranges/create", create("tns", "2125550600", "span", "2125550601-0602"), "span")
	rangeRefused(t, e, b, "/lti/ranges/create", create("span", "2125550601-2125560602"), "span")
	rangeRefused(t, e, b, "/lti/ranges/create", create("span", "2125550602-0601"), "span")
	rangeRefused(t, e, b, "/lti/ranges/create", create("tns", "2125550600", "lrn", ""), "lrn")
	rangeRefused(t, e, b, "/lti/ranges/create", create("tns", "2125550600", "new_spid", "CCC3"), "new_spid")
	rangeRefused(t, e, b, "/lti/ranges/create", create("tns", "2125550600", "due_date", "Friday"), "due_date")

	// A list: each TN its own result, one refused (its code is not
	// registered), the others created.
	res := rangeRan(t, b, "/lti/ranges/create", create("tns", "212-555-0600\r\n2125550601, 2125550602\r\n2125570100"))
	if len(res) != 4 || res["2125550600"] != "ok" || res["2125550602"] != "ok" || res["2125570100"] == "ok" || res["2125570100"] == "" {
		t.Fatalf("list create results: %v", res)
	}
	for _, tn := range []npac.TN{"2125550600", "2125550601", "2125550602"} {
		if svs, err := e.w.S.SVs(e.w.Admin, npac.SVFilter{TN: tn}); err != nil || len(svs) != 1 || svs[0].Status != npac.StatusPending {
			t.Fatalf("SV of %s after the range create: %d %v", tn, len(svs), err)
		}
	}
	// A span, then the old SP concurs for it.
	res = rangeRan(t, b, "/lti/ranges/create", create("idem", "k2", "span", "212-555-0620-0624"))
	if len(res) != 5 || res["2125550620"] != "ok" || res["2125550624"] != "ok" {
		t.Fatalf("span create results: %v", res)
	}
	if _, _, body := a.get("/lti/ranges?side=old"); !strings.Contains(body, `Concur for each TN`) {
		t.Fatalf("the old side's range form:\n%s", body)
	}
	rangeRefused(t, e, a, "/lti/ranges/create", url.Values{"side": {"old"}, "old_spid": {"AAA1"}, "new_spid": {"BBB2"}, "lrn": {"2125550000"},
		"due_date": {"2026-11-18"}, "span": {"2125550620-0624"}}, "form") // the banner: the old side has no LRN field
	res = rangeRan(t, a, "/lti/ranges/create", url.Values{"side": {"old"}, "idem": {"k3"}, "old_spid": {"AAA1"}, "new_spid": {"BBB2"},
		"due_date": {"2026-11-18"}, "span": {"2125550620-0624"}})
	for tn, r := range res {
		if r != "ok" {
			t.Fatalf("concurrence of %s: %s", tn, r)
		}
	}

	// Before the conflict window closes, the old SP places two pending
	// SVs in conflict; the new SP cancels the third; a TN with no live SV
	// gets not-found.
	res = rangeRan(t, a, "/lti/ranges/act", url.Values{"act_action": {"conflict"}, "act_cause": {"54"}, "act_tns": {"2125550600 2125550601"}})
	if res["2125550600"] != "ok" || res["2125550601"] != "ok" {
		t.Fatalf("range conflict: %v", res)
	}
	res = rangeRan(t, b, "/lti/ranges/act", url.Values{"act_action": {"cancel"}, "act_tns": {"2125550602\n2125550699"}})
	if res["2125550602"] != "ok" || res["2125550699"] != npac.ENOTFOUND {
		t.Fatalf("range cancel: %v", res)
	}
	for tn, want := range map[npac.TN]npac.Status{"2125550600": npac.StatusConflict, "2125550602": npac.StatusCanceled} {
		if svs, err := e.w.S.SVs(e.w.Admin, npac.SVFilter{TN: tn}); err != nil || len(svs) != 1 || svs[0].Status != want {
			t.Errorf("SV of %s: %+v %v, want %s", tn, svs, err, want)
		}
	}

	// Actions: bad input refused next to its field.
	act := func(kv ...string) url.Values {
		v := url.Values{"act_action": {"activate"}, "act_span": {"2125550620-0624"}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	rangeRefused(t, e, b, "/lti/ranges/act", act("act_action", ""), "act_action")
	rangeRefused(t, e, b, "/lti/ranges/act", act("act_action", "resend"), "act_action")
	rangeRefused(t, e, b, "/lti/ranges/act", act("act_span", ""), "act_tns")
	rangeRefused(t, e, b, "/lti/ranges/act", act("act_cause", "54"), "act_cause")
	rangeRefused(t, e, b, "/lti/ranges/act", act("act_cdd", "2026-11-18"), "act_cdd")
	rangeRefused(t, e, b, "/lti/ranges/act", act("act_as", "both"), "act_as")
	rangeRefused(t, e, b, "/lti/ranges/act", act("act_action", "conflict"), "act_cause")
	rangeRefused(t, e, b, "/lti/ranges/act", act("act_action", "modify"), "act_lrn")
	rangeRefused(t, e, b, "/lti/ranges/act", act("act_action", "modify", "act_lrn", "123"), "act_lrn")
	rangeRefused(t, e, b, "/lti/ranges/act", act("act_action", "disconnect", "act_erd", "later"), "act_erd")

	// Before the due date every activation is refused with the
	// lifecycle's code; nothing changes.
	before := e.counts(t)
	res = rangeRan(t, b, "/lti/ranges/act", act())
	for tn, r := range res {
		if r != npac.ESVDueDateNotReached {
			t.Fatalf("early activation of %s: %s, want %s", tn, r, npac.ESVDueDateNotReached)
		}
	}
	if after := e.counts(t); after != before {
		t.Fatalf("refused activations wrote: %v → %v", before, after)
	}
	e.w.Clock.Set(storetest.DueDay.Add(14 * time.Hour))
	st, _, body = b.post("/lti/ranges/act", act())
	if st != http.StatusOK || !strings.Contains(body, `<span id="range-ok">5</span> done, <span id="range-failed">0</span> refused`) {
		t.Fatalf("activation: %d\n%s", st, body)
	}
	svs, err := e.w.S.SVs(e.w.Admin, npac.SVFilter{TN: "2125550622"})
	if err != nil || len(svs) != 1 || svs[0].Status == npac.StatusPending {
		t.Fatalf("SV of 2125550622 after the range activation: %+v %v", svs, err)
	}
	if !strings.Contains(body, `href="/lti/svs/`) {
		t.Error("the results do not link each SV")
	}

	// Without the CSRF token nothing runs; an LSMS user gets no page.
	before = e.counts(t)
	if st, _, _ := b.post("/lti/ranges/create", create("idem", "k4", "tns", "2125550650", "csrf", "forged")); st != http.StatusForbidden || e.counts(t) != before {
		t.Fatalf("range create without the CSRF token: %d", st)
	}
	if err := e.w.S.SetPassword(e.w.Admin, e.ids["bravo-lsms"], "bravo-lsms-password"); err != nil {
		t.Fatal(err)
	}
	lsms := e.client(t)
	lsms.login("bravo-lsms", "bravo-lsms-password")
	if _, _, body := lsms.get("/lti/"); strings.Contains(body, `href="/lti/ranges"`) {
		t.Error("an LSMS user's navigation offers Ranges")
	}
	if st, _, _ := lsms.get("/lti/ranges"); st != http.StatusForbidden {
		t.Errorf("LSMS user GET /lti/ranges: %d, want 403", st)
	}
	before = e.counts(t)
	if st, _, _ := lsms.post("/lti/ranges/act", act("act_action", "cancel")); st != http.StatusForbidden || e.counts(t) != before {
		t.Errorf("LSMS user POST /lti/ranges/act: %d, want 403 and nothing written", st)
	}
}
