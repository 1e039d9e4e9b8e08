package lti

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/storetest"
)

// TestLSMSPage: the LSMS page and its Resend are NPAC personnel's; a
// resend without the CSRF token, or of an SV that has not failed, is
// refused and changes nothing.
func TestLSMSPage(t *testing.T) {
	e := newEnv(t, frozen)
	sv := failedBroadcast(t, e)
	id := strconv.FormatInt(sv.ID, 10)

	alpha := e.client(t)
	alpha.login("alpha-soa", alphaPassword)
	if _, _, body := alpha.get("/lti/"); strings.Contains(body, `href="/lti/lsms"`) {
		t.Error("a provider's navigation offers the LSMS page")
	}
	if st, _, _ := alpha.get("/lti/lsms"); st != http.StatusForbidden {
		t.Errorf("provider GET /lti/lsms: %d, want 403", st)
	}
	if st, _, _ := alpha.post("/lti/lsms/resend/"+id, url.Values{}); st != http.StatusForbidden {
		t.Errorf("provider resend: %d, want 403", st)
	}

	admin := e.client(t)
	admin.login("admin", adminPassword)
	st, _, body := admin.get("/lti/lsms")
	if st != http.StatusOK || !strings.Contains(body, `data-sv="`+id+`" data-status="partial-failure"`) ||
		!strings.Contains(body, `data-spid="AAA1" data-connected="false"`) || !strings.Contains(body, `id="resend-`+id+`"`) {
		t.Fatalf("LSMS page: %d\n%s", st, body)
	}
	if st, _, _ := admin.post("/lti/lsms/resend/"+id, url.Values{"csrf": {"forged"}}); st != http.StatusForbidden {
		t.Errorf("resend without the CSRF token: %d, want 403", st)
	}
	if got, _ := e.w.S.SV(e.w.Admin, sv.ID); got.Status != npac.StatusPartialFailure {
		t.Fatalf("a refused resend changed the SV to %s", got.Status)
	}

	// An SV that has not failed: the lifecycle's refusal on the page.
	ok := e.w.Port(t, storetest.TN(301))
	st, _, body = admin.post("/lti/lsms/resend/"+strconv.FormatInt(ok.ID, 10), url.Values{})
	if st != http.StatusUnprocessableEntity || !strings.Contains(body, `id="resend-error"`) {
		t.Fatalf("resend of a sending SV: %d\n%s", st, body)
	}
	if st, _, _ := admin.post("/lti/lsms/resend/x", url.Values{}); st != http.StatusNotFound {
		t.Errorf("resend of a bad ID: %d, want 404", st)
	}

	st, loc, _ := admin.post("/lti/lsms/resend/"+id, url.Values{})
	if st != http.StatusSeeOther || loc != "/lti/lsms" {
		t.Fatalf("resend: %d %q", st, loc)
	}
	if got, _ := e.w.S.SV(e.w.Admin, sv.ID); got.Status != npac.StatusSending {
		t.Fatalf("after the resend the SV is %s", got.Status)
	}
}
