package lti

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/storetest"
)

// netCounts returns the rows of the tables a network write touches.
func (e *env) netCounts(t testing.TB) [5]int {
	t.Helper()
	return [5]int{e.w.Count(t, "npanxx"), e.w.Count(t, "lrns"), e.w.Count(t, "blocks"), e.w.Count(t, "audit"), e.w.Count(t, "lsms_log")}
}

// netRefused posts a form that must be refused with an error next to
// field, writing nothing.
func netRefused(t *testing.T, e *env, c *client, path string, form url.Values, field string) {
	t.Helper()
	before := e.netCounts(t)
	st, _, body := c.post(path, form)
	if st != http.StatusUnprocessableEntity || !strings.Contains(body, `id="`+field+`-error"`) {
		t.Fatalf("POST %s %v: %d, want 422 with an error next to %s\n%s", path, form, st, field, body)
	}
	if after := e.netCounts(t); after != before {
		t.Fatalf("a refused POST %s %v wrote: %v → %v", path, form, before, after)
	}
}

// netDone posts a form that must succeed and go back to the list.
func netDone(t *testing.T, c *client, path string, form url.Values) {
	t.Helper()
	st, loc, body := c.post(path, form)
	if st != http.StatusSeeOther || loc != "/lti/network" {
		t.Fatalf("POST %s %v: %d %q\n%s", path, form, st, loc, body)
	}
}

// TestNetworkPage: NPA-NXXs, LRNs and pool blocks listed, created, opened
// and closed, deleted after a confirmation; bad input is refused next to
// its field and writes nothing.
func TestNetworkPage(t *testing.T) {
	e := newEnv(t, frozen)
	admin := e.client(t)
	admin.login("admin", adminPassword)
	st, _, body := admin.get("/lti/network")
	if st != http.StatusOK || !strings.Contains(body, `data-code="212555" data-portable="true"`) ||
		!strings.Contains(body, `data-lrn="2125559999"`) || !strings.Contains(body, `href="/lti/network" aria-current="page"`) {
		t.Fatalf("network page: %d\n%s", st, body)
	}
	if st, _, body := admin.get("/lti/network?spid=BBB2"); st != http.StatusOK || strings.Contains(body, `data-code="212555"`) ||
		strings.Contains(body, `data-lrn="2125550000"`) || !strings.Contains(body, `data-lrn="2125559999"`) {
		t.Fatalf("SPID filter: %d\n%s", st, body)
	}
	if st, _, body := admin.get("/lti/network?region=MW"); st != http.StatusOK || strings.Contains(body, `data-code="212555"`) {
		t.Fatalf("region filter: %d\n%s", st, body)
	}
	if st, _, body := admin.get("/lti/network?region=XX"); st != http.StatusUnprocessableEntity || !strings.Contains(body, `id="region-error"`) {
		t.Fatalf("bad region: %d\n%s", st, body)
	}

	// NPA-NXX: bad input next to its field, nothing written.
	code := func(kv ...string) url.Values {
		v := url.Values{"code_npanxx": {"212-557"}, "code_spid": {"AAA1"}, "code_region": {"NE"}, "code_effective": {"2026-11-01"}, "code_portable": {"1"}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	netRefused(t, e, admin, "/lti/network/codes", code("code_npanxx", "12"), "code_npanxx")
	netRefused(t, e, admin, "/lti/network/codes", code("code_npanxx", ""), "code_npanxx")
	netRefused(t, e, admin, "/lti/network/codes", code("code_npanxx", "212555"), "code_npanxx") // exists
	netRefused(t, e, admin, "/lti/network/codes", code("code_spid", "ZZZ9"), "code_spid")       // unknown provider
	netRefused(t, e, admin, "/lti/network/codes", code("code_region", ""), "code_region")
	netRefused(t, e, admin, "/lti/network/codes", code("code_effective", "soon"), "code_effective")
	netDone(t, admin, "/lti/network/codes", code())
	if c, err := e.w.S.Code(e.w.Admin, "212557"); err != nil || !c.Portable || c.SPID != storetest.SPA {
		t.Fatalf("created code: %+v %v", c, err)
	}
	// Close and open it.
	netDone(t, admin, "/lti/network/codes/212557/portable", url.Values{"portable": {"0"}})
	if c, _ := e.w.S.Code(e.w.Admin, "212557"); c.Portable {
		t.Fatal("Close left the code portable")
	}
	netDone(t, admin, "/lti/network/codes/212557/portable", url.Values{"portable": {"1"}})
	if c, _ := e.w.S.Code(e.w.Admin, "212557"); !c.Portable {
		t.Fatal("Open left the code closed")
	}
	if st, _, body := admin.post("/lti/network/codes/212999/portable", url.Values{"portable": {"1"}}); st != http.StatusUnprocessableEntity || !strings.Contains(body, `id="action-error"`) {
		t.Fatalf("open an unknown code: %d\n%s", st, body)
	}
	// Delete: a confirmation first, then the delete.
	st, _, body = admin.get("/lti/network/codes/212557/delete")
	if st != http.StatusOK || !strings.Contains(body, `id="delete-confirm"`) {
		t.Fatalf("delete confirmation: %d\n%s", st, body)
	}
	if _, err := e.w.S.Code(e.w.Admin, "212557"); err != nil {
		t.Fatal("the confirmation page deleted the code")
	}
	netDone(t, admin, "/lti/network/codes/212557/delete", url.Values{})
	if _, err := e.w.S.Code(e.w.Admin, "212557"); npac.ErrorCode(err) != npac.ENOTFOUND {
		t.Fatalf("deleted code: %v", err)
	}
	// A code with live SVs is kept, with the service's sentence.
	e.w.Port(t, storetest.TN(301))
	before := e.netCounts(t)
	st, _, body = admin.post("/lti/network/codes/212555/delete", url.Values{})
	if st != http.StatusUnprocessableEntity || !strings.Contains(body, `id="delete-error"`) || e.netCounts(t) != before {
		t.Fatalf("delete a code in use: %d\n%s", st, body)
	}
	if st, _, _ := admin.get("/lti/network/codes/x/delete"); st != http.StatusNotFound {
		t.Errorf("delete page of a bad code: %d, want 404", st)
	}

	// LRNs.
	lrn := func(kv ...string) url.Values {
		v := url.Values{"lrn_lrn": {"212-555-7777"}, "lrn_spid": {"AAA1"}, "lrn_region": {"NE"}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	netRefused(t, e, admin, "/lti/network/lrns", lrn("lrn_lrn", "123"), "lrn_lrn")
	netRefused(t, e, admin, "/lti/network/lrns", lrn("lrn_lrn", "2125559999"), "lrn_lrn") // exists
	netRefused(t, e, admin, "/lti/network/lrns", lrn("lrn_spid", "ZZZ9"), "lrn_spid")
	netRefused(t, e, admin, "/lti/network/lrns", lrn("lrn_region", "XX"), "lrn_region")
	netDone(t, admin, "/lti/network/lrns", lrn())
	if _, err := e.w.S.LRN(e.w.Admin, "2125557777"); err != nil {
		t.Fatalf("created LRN: %v", err)
	}
	netDone(t, admin, "/lti/network/lrns/2125557777/delete", url.Values{})
	if _, err := e.w.S.LRN(e.w.Admin, "2125557777"); npac.ErrorCode(err) != npac.ENOTFOUND {
		t.Fatalf("deleted LRN: %v", err)
	}

	// Pool blocks.
	blk := func(kv ...string) url.Values {
		v := url.Values{"block_x": {"212-556-1"}, "block_spid": {"AAA1"}, "block_lrn": {"212-555-0000"}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	netRefused(t, e, admin, "/lti/network/blocks", blk("block_x", "21255"), "block_x")
	netRefused(t, e, admin, "/lti/network/blocks", blk("block_x", "2129991"), "block_x") // code not registered
	netRefused(t, e, admin, "/lti/network/blocks", blk("block_lrn", ""), "block_lrn")
	netRefused(t, e, admin, "/lti/network/blocks", blk("block_lrn", "2125559999"), "block_lrn") // BBB2's LRN
	netRefused(t, e, admin, "/lti/network/blocks", blk("block_spid", "a"), "block_spid")
	netRefused(t, e, admin, "/lti/network/blocks", blk("block_effective", "2026-13-01"), "block_effective")
	netDone(t, admin, "/lti/network/blocks", blk())
	b, err := e.w.S.Block(e.w.Admin, "2125561")
	if err != nil {
		t.Fatalf("created block: %v", err)
	}
	st, _, body = admin.get("/lti/network")
	if st != http.StatusOK || !strings.Contains(body, `data-block="212-556-1"`) || !strings.Contains(body, `id="depool-212-556-1"`) {
		t.Fatalf("block list: %d\n%s", st, body)
	}
	netRefused(t, e, admin, "/lti/network/blocks", blk(), "block_x") // pooled already
	st, _, body = admin.get("/lti/network/blocks/2125561/delete")
	if st != http.StatusOK || !strings.Contains(body, "De-pool pool block 212-556-1") {
		t.Fatalf("de-pool confirmation: %d\n%s", st, body)
	}
	netDone(t, admin, "/lti/network/blocks/2125561/delete", url.Values{})
	if got, err := e.w.S.Blocks(e.w.Admin, npac.BlockFilter{Old: true}); err != nil || len(got) != 1 || got[0].ID != b.ID || (got[0].Pending != "delete" && got[0].Status != npac.StatusOld) {
		t.Fatalf("de-pooled block: %d %v", len(got), err)
	}

	// CSRF.
	before = e.netCounts(t)
	if st, _, _ := admin.post("/lti/network/codes", code("csrf", "forged")); st != http.StatusForbidden || e.netCounts(t) != before {
		t.Fatalf("create without the CSRF token: %d", st)
	}
}

// TestNetworkSOA: an SOA sees network data, manages its own SPID's and is
// refused another's next to the SPID field.
func TestNetworkSOA(t *testing.T) {
	e := newEnv(t, frozen)
	alpha := e.client(t)
	alpha.login("alpha-soa", alphaPassword)
	st, _, body := alpha.get("/lti/network")
	if st != http.StatusOK || !strings.Contains(body, `id="delete-code-212555"`) || strings.Contains(body, `id="delete-lrn-2125559999"`) {
		t.Fatalf("SOA network page: %d\n%s", st, body)
	}
	netRefused(t, e, alpha, "/lti/network/codes", url.Values{"code_npanxx": {"212558"}, "code_spid": {"BBB2"}, "code_region": {"NE"}}, "code_spid")
	netRefused(t, e, alpha, "/lti/network/lrns", url.Values{"lrn_lrn": {"2125558888"}, "lrn_spid": {"BBB2"}, "lrn_region": {"NE"}}, "lrn_spid")
	netDone(t, alpha, "/lti/network/lrns", url.Values{"lrn_lrn": {"2125558888"}, "lrn_spid": {"AAA1"}, "lrn_region": {"NE"}})
	before := e.netCounts(t)
	if st, _, body := alpha.post("/lti/network/lrns/2125559999/delete", url.Values{}); st != http.StatusUnprocessableEntity || !strings.Contains(body, `id="delete-error"`) || e.netCounts(t) != before {
		t.Fatalf("SOA deletes another's LRN: %d\n%s", st, body)
	}

	if err := e.w.S.SetPassword(e.w.Admin, e.ids["bravo-lsms"], "bravo-lsms-password"); err != nil {
		t.Fatal(err)
	}
	lsms := e.client(t)
	lsms.login("bravo-lsms", "bravo-lsms-password")
	if _, _, body := lsms.get("/lti/"); strings.Contains(body, `href="/lti/network"`) {
		t.Error("an LSMS user's navigation offers Network")
	}
	if st, _, _ := lsms.get("/lti/network"); st != http.StatusForbidden {
		t.Errorf("LSMS user GET /lti/network: %d, want 403", st)
	}
}
