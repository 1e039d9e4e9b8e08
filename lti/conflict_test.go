package lti

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/storetest"
)

// refusedAction posts an SV action that must be refused on the detail
// page with want in the element of id, writing nothing.
func refusedAction(t *testing.T, e *env, c *client, path string, form url.Values, id, want string) {
	t.Helper()
	before := e.counts(t)
	st, _, body := c.post(path, form)
	if st != http.StatusUnprocessableEntity || !strings.Contains(body, `id="`+id+`"`) || !strings.Contains(body, want) {
		t.Fatalf("POST %s %v: %d, want 422 with %q in #%s\n%s", path, form, st, want, id, body)
	}
	if after := e.counts(t); after != before {
		t.Fatalf("a refused POST %s wrote: %v → %v", path, before, after)
	}
}

// TestConflictForms: the old SP places a pending SV in conflict with a
// cause; the side the lifecycle allows resolves it; the forms show only
// to whom they apply, and refusals carry the lifecycle's sentence.
func TestConflictForms(t *testing.T) {
	e := newEnv(t, frozen)
	a, b := e.client(t), e.client(t)
	a.login("alpha-soa", alphaPassword)
	b.login("bravo-soa", bravoPassword)
	sv := e.w.MustCreate(t, e.w.B, storetest.NewCreate(storetest.TN(501), storetest.SPA, storetest.SPB, storetest.LRNB))
	path := fmt.Sprintf("/lti/svs/%d", sv.ID)

	if _, _, body := b.get(path); strings.Contains(body, `id="conflict"`) || strings.Contains(body, `id="resolve-conflict"`) {
		t.Fatal("the new SP is offered a conflict or a resolution of a pending SV")
	}
	_, _, body := a.get(path)
	if !strings.Contains(body, `id="conflict"`) || !strings.Contains(body, `<option value="54">`) || strings.Contains(body, `id="resolve-conflict"`) {
		t.Fatalf("the old SP's page of a pending SV lacks the conflict form:\n%s", body)
	}

	// Bad causes are refused next to the field; the new SP is refused
	// with the lifecycle's sentence; nothing is written.
	refusedAction(t, e, a, path+"/conflict", url.Values{}, "cause-error", "Choose the cause of the conflict.")
	refusedAction(t, e, a, path+"/conflict", url.Values{"cause": {"soon"}}, "cause-error", `&#34;soon&#34; is not a cause code`)
	refusedAction(t, e, a, path+"/conflict", url.Values{"cause": {"55"}}, "cause-error", "A conflict needs a cause code from 50 to 54")
	refusedAction(t, e, b, path+"/conflict", url.Values{"cause": {"54"}}, "action-error", "Only the old SP (AAA1) may place in conflict")

	st, loc, body := a.post(path+"/conflict", url.Values{"cause": {"50"}})
	if st != http.StatusSeeOther || loc != path {
		t.Fatalf("conflict: %d %q\n%s", st, loc, body)
	}
	got, err := e.w.S.SV(e.w.Admin, sv.ID)
	if err != nil || got.Status != npac.StatusConflict || got.CauseCode != 50 {
		t.Fatalf("after the conflict: %+v %v", got, err)
	}

	// Cause 50 is lifted by the old SP only: no form for the new SP,
	// and its POST refused.
	if _, _, body := b.get(path); strings.Contains(body, `id="resolve-conflict"`) {
		t.Error("the new SP is offered to resolve a cause-50 conflict")
	}
	refusedAction(t, e, b, path+"/resolve-conflict", url.Values{}, "action-error", "only the old SP AAA1 can remove that conflict")
	_, _, body = a.get(path)
	if !strings.Contains(body, `id="resolve-conflict"`) || strings.Contains(body, `id="conflict"`) || !strings.Contains(body, `id="flash">Conflict of SV`) {
		t.Fatalf("the old SP's page of the SV in conflict:\n%s", body)
	}
	if st, _, body := a.post(path+"/resolve-conflict", url.Values{}); st != http.StatusSeeOther {
		t.Fatalf("resolve: %d\n%s", st, body)
	}
	if got, _ := e.w.S.SV(e.w.Admin, sv.ID); got.Status != npac.StatusPending {
		t.Fatalf("after the resolution: %s, want pending", got.Status)
	}
	// One conflict per port: no form, and a crafted POST is refused.
	if _, _, body := a.get(path); strings.Contains(body, `id="conflict"`) {
		t.Error("the old SP is offered a second conflict")
	}
	refusedAction(t, e, a, path+"/conflict", url.Values{"cause": {"54"}}, "action-error", "has already placed")

	// A general conflict: the new SP may lift it after its waiting time.
	sv2 := e.w.MustCreate(t, e.w.B, storetest.NewCreate(storetest.TN(502), storetest.SPA, storetest.SPB, storetest.LRNB))
	path2 := fmt.Sprintf("/lti/svs/%d", sv2.ID)
	a.get(path2)
	if st, _, body := a.post(path2+"/conflict", url.Values{"cause": {"54"}}); st != http.StatusSeeOther {
		t.Fatalf("conflict 54: %d\n%s", st, body)
	}
	if _, _, body := b.get(path2); !strings.Contains(body, `id="resolve-conflict"`) {
		t.Fatalf("the new SP's page of a cause-54 conflict lacks the resolution:\n%s", body)
	}
	refusedAction(t, e, b, path2+"/resolve-conflict", url.Values{}, "action-error", "The new SP may remove the conflict")
	e.w.Clock.Set(storetest.Start.Add(24 * time.Hour))
	if st, _, body := b.post(path2+"/resolve-conflict", url.Values{}); st != http.StatusSeeOther {
		t.Fatalf("the new SP's resolution: %d\n%s", st, body)
	}
	if got, _ := e.w.S.SV(e.w.Admin, sv2.ID); got.Status != npac.StatusPending {
		t.Fatalf("after the new SP's resolution: %s, want pending", got.Status)
	}

	// Without the CSRF token, nothing happens.
	before := e.counts(t)
	if st, _, _ := a.post(path+"/conflict", url.Values{"cause": {"54"}, "csrf": {"forged"}}); st != http.StatusForbidden || e.counts(t) != before {
		t.Fatalf("conflict without the CSRF token: %d", st)
	}
}
