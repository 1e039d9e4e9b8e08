package http_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	npac "github.com/opennpac/npac"
	npachttp "github.com/opennpac/npac/http"
)

// TestPort drives a whole port over HTTP: the new SP creates, the old SP
// concurs, the new SP activates on the due date, and both read the SV and
// their notifications.
func TestPort(t *testing.T) {
	e := newEnv(t)
	newTok, oldTok := e.fixture()

	var sv npac.SV
	r := e.do("POST", "/api/v1/svs", newTok, newCreate("(212) 555-0100"))
	r.ok(t, http.StatusCreated, &sv)
	if got, want := r.header.Get("Location"), fmt.Sprintf("/api/v1/svs/%d", sv.ID); got != want {
		t.Errorf("Location %q, want %q", got, want)
	}
	if sv.TN != "2125550100" || sv.Status != npac.StatusPending || sv.NewSPID != newSPID || sv.OldSPID != oldSPID || sv.LRN != lrn {
		t.Fatalf("created SV %+v, want pending 2125550100 %s→%s via %s", sv, oldSPID, newSPID, lrn)
	}
	if want := time.Date(2025, 3, 5, 0, 0, 0, 0, time.UTC); !sv.DueDate.Equal(want) {
		t.Errorf("due date %v, want %v (the date-only due_date at 00:00 UTC)", sv.DueDate, want)
	}
	if sv.Concurred() {
		t.Errorf("a new SV is concurred: %+v", sv)
	}

	// The old SP concurs: 200 with the same SV.
	e.clock.Set(start.Add(time.Hour))
	var concurred npac.SV
	r = e.do("POST", "/api/v1/svs", oldTok, oldCreate("2125550100"))
	r.ok(t, http.StatusOK, &concurred)
	if concurred.ID != sv.ID || !concurred.Concurred() {
		t.Fatalf("concur answered SV %d (concurred %t), want SV %d concurred", concurred.ID, concurred.Concurred(), sv.ID)
	}
	if got, want := r.header.Get("Location"), fmt.Sprintf("/api/v1/svs/%d", sv.ID); got != want {
		t.Errorf("Location %q, want %q", got, want)
	}

	// Not before the due date.
	e.do("POST", fmt.Sprintf("/api/v1/svs/%d/activate", sv.ID), newTok, nil).wantProblem(t, http.StatusConflict, npac.ESVDueDateNotReached)
	// Only the new SP activates.
	e.clock.Set(time.Date(2025, 3, 5, 14, 0, 0, 0, time.UTC))
	e.do("POST", fmt.Sprintf("/api/v1/svs/%d/activate", sv.ID), oldTok, nil).wantProblem(t, http.StatusConflict, npac.ESVWrongActor)

	var active npac.SV
	e.do("POST", fmt.Sprintf("/api/v1/svs/%d/activate", sv.ID), newTok, `{"as":"new"}`).ok(t, http.StatusOK, &active)
	if active.Status != npac.StatusActive || active.ActivationTimestamp == nil {
		t.Fatalf("after activate: status %s, activation %v; want active with a timestamp", active.Status, active.ActivationTimestamp)
	}

	var got npac.SV
	e.do("GET", fmt.Sprintf("/api/v1/svs/%d", sv.ID), oldTok, nil).ok(t, http.StatusOK, &got)
	if got.Status != npac.StatusActive || got.Version != active.Version {
		t.Errorf("GET: status %s version %d, want active version %d", got.Status, got.Version, active.Version)
	}
	var list struct {
		Items     []npac.SV `json:"items"`
		NextAfter string    `json:"next_after"`
	}
	e.do("GET", "/api/v1/svs?tn=212-555-0100&status=active", newTok, nil).ok(t, http.StatusOK, &list)
	if len(list.Items) != 1 || list.Items[0].ID != sv.ID || list.NextAfter != "" {
		t.Errorf("list by tn and status: %d items, next_after %q; want SV %d alone", len(list.Items), list.NextAfter, sv.ID)
	}

	// The old SP reads its notifications without naming its SPID, then
	// resumes after the first.
	type notices struct {
		Items   []npac.Notification `json:"items"`
		LastSeq int64               `json:"last_seq"`
	}
	var all notices
	e.do("GET", "/api/v1/notifications", oldTok, nil).ok(t, http.StatusOK, &all)
	if len(all.Items) < 3 {
		t.Fatalf("old SP has %d notifications, want at least 3 (created, concurrence request, status change)", len(all.Items))
	}
	kinds := map[npac.NoticeKind]bool{}
	for i, n := range all.Items {
		kinds[n.Kind] = true
		if n.Seq != int64(i+1) || n.SPID != oldSPID {
			t.Errorf("notification %d: seq %d spid %s, want seq %d spid %s", i, n.Seq, n.SPID, i+1, oldSPID)
		}
	}
	for _, k := range []npac.NoticeKind{npac.NoticeObjectCreation, npac.NoticeConcurrenceRequest, npac.NoticeStatusChange} {
		if !kinds[k] {
			t.Errorf("old SP got no %s notification; got %v", k, kinds)
		}
	}
	if want := all.Items[len(all.Items)-1].Seq; all.LastSeq != want {
		t.Errorf("last_seq %d, want %d", all.LastSeq, want)
	}
	var rest notices
	e.do("GET", "/api/v1/notifications?spid=old1&after=1", oldTok, nil).ok(t, http.StatusOK, &rest)
	if len(rest.Items) != len(all.Items)-1 || rest.Items[0].Seq != 2 {
		t.Errorf("after=1: %d items starting at %v, want %d starting at seq 2", len(rest.Items), rest.Items, len(all.Items)-1)
	}
	var page notices
	e.do("GET", "/api/v1/notifications?limit=1&after=2", oldTok, nil).ok(t, http.StatusOK, &page)
	if len(page.Items) != 1 || page.Items[0].Seq != 3 {
		t.Errorf("after=2&limit=1: got %v, want seq 3 alone", page.Items)
	}
	// Another provider's stream is not readable.
	e.do("GET", "/api/v1/notifications?spid=NEW1", oldTok, nil).wantProblem(t, http.StatusForbidden, npac.EFORBIDDEN)

	// The audit trail of the SV, as a party.
	var audit struct {
		Items []npac.AuditRecord `json:"items"`
	}
	e.do("GET", fmt.Sprintf("/api/v1/audit?entity=sv&entity_id=%d", sv.ID), newTok, nil).ok(t, http.StatusOK, &audit)
	var actions []string
	for _, a := range audit.Items {
		actions = append(actions, a.Action)
	}
	if got, want := strings.Join(actions, ","), "sv.create,sv.concur,sv.activate"; got != want {
		t.Errorf("audit actions %s, want %s", got, want)
	}
}

// TestProblems checks the status and problem document of errors.
func TestProblems(t *testing.T) {
	e := newEnv(t)
	newTok, oldTok := e.fixture()
	var pending npac.SV
	e.do("POST", "/api/v1/svs", newTok, newCreate("2125550101")).ok(t, http.StatusCreated, &pending)

	t.Run("no token", func(t *testing.T) {
		r := e.do("GET", "/api/v1/me", "", nil)
		r.wantProblem(t, http.StatusUnauthorized, npac.EUNAUTHORIZED)
		if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("WWW-Authenticate %q, want Bearer…", r.header.Get("WWW-Authenticate"))
		}
	})
	t.Run("bad token", func(t *testing.T) {
		r := e.do("GET", "/api/v1/svs", "npac_nonsense", nil)
		r.wantProblem(t, http.StatusUnauthorized, npac.EUNAUTHORIZED)
		if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("WWW-Authenticate %q, want Bearer…", r.header.Get("WWW-Authenticate"))
		}
	})
	t.Run("not bearer", func(t *testing.T) {
		e.do("GET", "/api/v1/me", "", nil, "Authorization", "Basic YWRtaW46eA==").wantProblem(t, http.StatusUnauthorized, npac.EUNAUTHORIZED)
	})

	tests := []struct {
		name         string
		method, path string
		token        string
		body         any
		status       int
		code         string
		detail       string // a part of the detail, if set
	}{
		{"acting for another SPID", "POST", "/api/v1/svs", newTok,
			map[string]any{"tn": "2125550150", "new_spid": "OTHR", "old_spid": oldSPID, "lrn": lrn, "due_date": dueDay},
			http.StatusForbidden, npac.ENotAuthorizedForSPID, ""},
		{"admin only", "GET", "/api/v1/users", newTok, nil, http.StatusForbidden, npac.EFORBIDDEN, ""},
		{"unknown SV", "GET", "/api/v1/svs/999999", newTok, nil, http.StatusNotFound, npac.ENOTFOUND, "999999"},
		{"unknown route", "GET", "/api/v1/nothing-here", newTok, nil, http.StatusNotFound, npac.ENOTFOUND, "/api/v1/nothing-here"},
		{"unknown route unauthenticated", "GET", "/nothing", "", nil, http.StatusNotFound, npac.ENOTFOUND, ""},
		{"wrong method", "DELETE", "/api/v1/svs", newTok, nil, http.StatusMethodNotAllowed, "method-not-allowed", "GET, HEAD, POST"},
		{"unknown field", "POST", "/api/v1/svs", newTok,
			`{"tn":"2125550151","new_spid":"NEW1","old_spid":"OLD1","lrn":"2125559999","due_date":"2025-03-05","colour":"red"}`,
			http.StatusBadRequest, npac.EINVALID, `"colour"`},
		{"malformed JSON", "POST", "/api/v1/svs", newTok, `{"tn": "2125550151",`, http.StatusBadRequest, npac.EINVALID, "not valid JSON"},
		{"bad JSON character", "POST", "/api/v1/svs", newTok, `{"tn" 2125550151}`, http.StatusBadRequest, npac.EINVALID, "offset"},
		{"wrong type", "POST", "/api/v1/svs", newTok, `{"tn":"2125550151","new_spid":"NEW1","old_spid":"OLD1","cause_code":"x"}`,
			http.StatusBadRequest, npac.EINVALID, `"cause_code"`},
		{"two values", "POST", "/api/v1/svs", newTok, `{"tn":"2125550151"} {}`, http.StatusBadRequest, npac.EINVALID, "more than one"},
		{"empty body", "POST", "/api/v1/svs", newTok, "", http.StatusBadRequest, npac.EINVALID, "needs a JSON body"},
		{"bad due date", "POST", "/api/v1/svs", newTok,
			map[string]any{"tn": "2125550151", "new_spid": newSPID, "old_spid": oldSPID, "lrn": lrn, "due_date": "03/05/2025"},
			http.StatusBadRequest, npac.EINVALID, `"due_date" is not a time`},
		{"bad TN in body", "POST", "/api/v1/svs", newTok, newCreate("212-155-0100"), http.StatusBadRequest, npac.EINVALID, "212-155-0100"},
		{"bad LRN in path", "GET", "/api/v1/lrns/1125559999", newTok, nil, http.StatusBadRequest, npac.EINVALID, "1125559999"},
		{"bad NPA-NXX in path", "GET", "/api/v1/npa-nxxs/21255", newTok, nil, http.StatusBadRequest, npac.EINVALID, "21255"},
		{"bad SPID in path", "GET", "/api/v1/providers/TOOLONG", newTok, nil, http.StatusBadRequest, npac.EINVALID, "TOOLONG"},
		{"bad SV ID", "GET", "/api/v1/svs/abc", newTok, nil, http.StatusBadRequest, npac.EINVALID, "abc"},
		{"bad TN in query", "GET", "/api/v1/svs?tn=555", newTok, nil, http.StatusBadRequest, npac.EINVALID, "555"},
		{"bad status in query", "GET", "/api/v1/svs?status=done", newTok, nil, http.StatusBadRequest, npac.EINVALID, "done"},
		{"bad limit", "GET", "/api/v1/svs?limit=-1", newTok, nil, http.StatusBadRequest, npac.EINVALID, "limit"},
		{"already pending", "POST", "/api/v1/svs", newTok, newCreate("2125550101"), http.StatusConflict, npac.ESVAlreadyPending, ""},
		{"old SP mismatch", "POST", "/api/v1/svs", newTok,
			map[string]any{"tn": "2125550152", "new_spid": newSPID, "old_spid": newSPID, "lrn": lrn, "due_date": dueDay, "as": "new"},
			http.StatusUnprocessableEntity, npac.EOldSPMismatch, ""},
		{"code not portable", "POST", "/api/v1/svs", newTok, newCreate("3125550100"), http.StatusUnprocessableEntity, npac.ENPANXXNotPortable, ""},
		{"conflict without cause", "POST", fmt.Sprintf("/api/v1/svs/%d/conflict", pending.ID), oldTok, nil,
			http.StatusBadRequest, npac.EINVALID, "needs a JSON body"},
		{"modify without body", "PATCH", fmt.Sprintf("/api/v1/svs/%d", pending.ID), newTok, nil,
			http.StatusBadRequest, npac.EINVALID, "needs a JSON body"},
		{"notifications without spid", "GET", "/api/v1/notifications", e.admin, nil, http.StatusBadRequest, npac.EINVALID, "spid"},
		{"wait too long", "GET", "/api/v1/notifications?wait=61", oldTok, nil, http.StatusBadRequest, npac.EINVALID, "wait"},
		{"body too large", "POST", "/api/v1/svs", newTok, `{"tn":"` + strings.Repeat("1", 5<<20) + `"}`,
			http.StatusRequestEntityTooLarge, npac.ETOOLARGE, "MiB"},
		{"range too large", "POST", "/api/v1/sv-ranges/create", newTok,
			map[string]any{"tns": make([]string, npac.MaxRange+1), "new_spid": newSPID, "old_spid": oldSPID, "lrn": lrn, "due_date": dueDay},
			http.StatusRequestEntityTooLarge, npac.ETOOLARGE, "10000"},
		{"range with both forms", "POST", "/api/v1/sv-ranges/cancel", newTok,
			map[string]any{"tns": []string{"2125550101"}, "start_tn": "2125550101", "end_tn": "2125550102"},
			http.StatusBadRequest, npac.EINVALID, "not both"},
		{"range across codes", "POST", "/api/v1/sv-ranges/cancel", newTok,
			map[string]any{"start_tn": "2125550101", "end_tn": "2125560102"},
			http.StatusBadRequest, npac.EINVALID, "NPA-NXX"},
		{"range without TNs", "POST", "/api/v1/sv-ranges/cancel", newTok, `{"as":"new"}`, http.StatusBadRequest, npac.EINVALID, "tns"},
		{"range unknown field", "POST", "/api/v1/sv-ranges/activate", newTok, `{"tns":["2125550101"],"cause_code":50}`,
			http.StatusBadRequest, npac.EINVALID, `"cause_code"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.svCount()
			p := e.do(tt.method, tt.path, tt.token, tt.body).wantProblem(t, tt.status, tt.code)
			if !strings.Contains(p.Detail, tt.detail) {
				t.Errorf("detail %q, want it to mention %q", p.Detail, tt.detail)
			}
			if after := e.svCount(); after != before {
				t.Errorf("%d SVs after the refused request, want %d: it wrote something", after, before)
			}
		})
	}

	t.Run("allow header", func(t *testing.T) {
		r := e.do("PUT", "/api/v1/svs/1", newTok, nil)
		r.wantProblem(t, http.StatusMethodNotAllowed, "method-not-allowed")
		if got := r.header.Get("Allow"); !strings.Contains(got, "PATCH") || !strings.Contains(got, "GET") {
			t.Errorf("Allow %q, want GET and PATCH", got)
		}
	})

	t.Run("bad TN in range", func(t *testing.T) {
		before := e.svCount()
		body := map[string]any{"tns": []string{"2125550160", "2125550161", "212555016x", "2125550162"},
			"new_spid": newSPID, "old_spid": oldSPID, "lrn": lrn, "due_date": dueDay}
		p := e.do("POST", "/api/v1/sv-ranges/create", newTok, body).wantProblem(t, http.StatusBadRequest, npac.EINVALID)
		if !strings.Contains(p.Detail, "tns[2]") || !strings.Contains(p.Detail, "212555016x") {
			t.Errorf("detail %q, want it to name tns[2] and 212555016x", p.Detail)
		}
		if after := e.svCount(); after != before {
			t.Errorf("%d SVs after the refused range, want %d", after, before)
		}
	})
}

// TestIdempotency checks that a replayed create returns the first SV and a
// reused key with another body is refused.
func TestIdempotency(t *testing.T) {
	e := newEnv(t)
	newTok, _ := e.fixture()
	var first, again npac.SV
	e.do("POST", "/api/v1/svs", newTok, newCreate("2125550120"), "Idempotency-Key", "order-1").ok(t, http.StatusCreated, &first)
	e.do("POST", "/api/v1/svs", newTok, newCreate("2125550120"), "Idempotency-Key", "order-1").ok(t, http.StatusCreated, &again)
	if again.ID != first.ID {
		t.Errorf("replay answered SV %d, want %d", again.ID, first.ID)
	}
	var list struct {
		Items []npac.SV `json:"items"`
	}
	e.do("GET", "/api/v1/svs?tn=2125550120", newTok, nil).ok(t, http.StatusOK, &list)
	if len(list.Items) != 1 {
		t.Errorf("%d SVs for the TN after a replay, want 1", len(list.Items))
	}
	e.do("POST", "/api/v1/svs", newTok, newCreate("2125550121"), "Idempotency-Key", "order-1").
		wantProblem(t, http.StatusUnprocessableEntity, npac.EIDEMPOTENCY)
	// Without a key the same create is a second create, refused.
	e.do("POST", "/api/v1/svs", newTok, newCreate("2125550120")).wantProblem(t, http.StatusConflict, npac.ESVAlreadyPending)
}

// rangeResponse is the answer of a range request.
type rangeResponse struct {
	Results []struct {
		TN    npac.TN  `json:"tn"`
		SV    *npac.SV `json:"sv"`
		Error *problem `json:"error"`
	} `json:"results"`
	Succeeded int `json:"succeeded"`
	Failed    int `json:"failed"`
}

// TestRange creates over a span with one TN already pending, then acts on
// a list.
func TestRange(t *testing.T) {
	e := newEnv(t)
	newTok, oldTok := e.fixture()
	e.do("POST", "/api/v1/svs", newTok, newCreate("2125550112")).ok(t, http.StatusCreated, nil)

	body := map[string]any{"start_tn": "212-555-0110", "end_tn": "212-555-0114",
		"new_spid": newSPID, "old_spid": oldSPID, "lrn": lrn, "due_date": dueDay}
	var res rangeResponse
	e.do("POST", "/api/v1/sv-ranges/create", newTok, body, "Idempotency-Key", "range-1").ok(t, http.StatusOK, &res)
	if len(res.Results) != 5 || res.Succeeded != 4 || res.Failed != 1 {
		t.Fatalf("%d results, %d succeeded, %d failed; want 5, 4, 1: %+v", len(res.Results), res.Succeeded, res.Failed, res)
	}
	for i, r := range res.Results {
		want := npac.TN(fmt.Sprintf("212555011%d", i))
		if r.TN != want {
			t.Errorf("result %d is for %s, want %s", i, r.TN, want)
		}
		switch {
		case want == "2125550112":
			if r.SV != nil || r.Error == nil || r.Error.Code != npac.ESVAlreadyPending || r.Error.Status != http.StatusConflict || r.Error.Detail == "" {
				t.Errorf("result for the pending TN: sv %v, error %+v; want a sv-already-pending problem", r.SV, r.Error)
			}
		case r.Error != nil || r.SV == nil || r.SV.TN != want || r.SV.Status != npac.StatusPending:
			t.Errorf("result %d: sv %+v, error %+v; want a pending SV for %s", i, r.SV, r.Error, want)
		}
	}
	// A replay with the same key makes nothing new.
	before := e.svCount()
	var replay rangeResponse
	e.do("POST", "/api/v1/sv-ranges/create", newTok, body, "Idempotency-Key", "range-1").ok(t, http.StatusOK, &replay)
	if after := e.svCount(); after != before {
		t.Errorf("%d SVs after a replayed range, want %d", after, before)
	}
	for i, r := range replay.Results {
		if (r.SV == nil) != (res.Results[i].SV == nil) || (r.SV != nil && r.SV.ID != res.Results[i].SV.ID) {
			t.Errorf("replay result %d differs from the first: %+v vs %+v", i, r, res.Results[i])
		}
	}

	// The old SP places two of them in conflict, by list.
	var conf rangeResponse
	e.do("POST", "/api/v1/sv-ranges/conflict", oldTok, map[string]any{"tns": []string{"2125550110", "2125550199"}, "cause_code": 54}).
		ok(t, http.StatusOK, &conf)
	if conf.Succeeded != 1 || conf.Failed != 1 || conf.Results[0].SV == nil || conf.Results[0].SV.Status != npac.StatusConflict ||
		conf.Results[1].Error == nil || conf.Results[1].Error.Code != npac.ENOTFOUND {
		t.Errorf("range conflict: %+v; want 2125550110 in conflict and not-found for 2125550199", conf)
	}
}

// TestLists checks paging and the account routes.
func TestLists(t *testing.T) {
	e := newEnv(t)
	newTok, _ := e.fixture()
	for _, c := range []string{"212556", "212557"} {
		e.do("POST", "/api/v1/npa-nxxs", e.admin, map[string]any{"npa_nxx": c, "spid": oldSPID, "region": "NE"}).ok(t, http.StatusCreated, nil)
	}
	type codes struct {
		Items     []npac.CodeRecord `json:"items"`
		NextAfter string            `json:"next_after"`
	}
	var p1, p2, p3 codes
	e.do("GET", "/api/v1/npa-nxxs?limit=2", newTok, nil).ok(t, http.StatusOK, &p1)
	if len(p1.Items) != 2 || p1.NextAfter != "212556" {
		t.Fatalf("page 1: %d items, next_after %q; want 2 and 212556", len(p1.Items), p1.NextAfter)
	}
	e.do("GET", "/api/v1/npa-nxxs?limit=2&after="+p1.NextAfter, newTok, nil).ok(t, http.StatusOK, &p2)
	if len(p2.Items) != 1 || p2.Items[0].NPANXX != "212557" || p2.NextAfter != "" {
		t.Fatalf("page 2: %+v; want 212557 alone and no next_after", p2)
	}
	e.do("GET", "/api/v1/npa-nxxs?spid=new1", newTok, nil).ok(t, http.StatusOK, &p3)
	if len(p3.Items) != 0 || p3.Items == nil {
		t.Errorf("codes of NEW1: %+v, want an empty list", p3.Items)
	}
	var code npac.CodeRecord
	e.do("GET", "/api/v1/npa-nxxs/212-555", newTok, nil).ok(t, http.StatusOK, &code)
	if want := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC); !code.EffectiveDate.Equal(want) || !code.Portable {
		t.Errorf("code 212555: effective %v portable %t, want %v and true", code.EffectiveDate, code.Portable, want)
	}
	e.do("PATCH", "/api/v1/npa-nxxs/212557", e.admin, map[string]any{"portable": true, "effective_date": "2025-04-01T12:00:00Z"}).ok(t, http.StatusOK, &code)
	if want := time.Date(2025, 4, 1, 12, 0, 0, 0, time.UTC); !code.EffectiveDate.Equal(want) || !code.Portable {
		t.Errorf("patched code: effective %v portable %t, want %v and true", code.EffectiveDate, code.Portable, want)
	}
	e.do("DELETE", "/api/v1/npa-nxxs/212557", e.admin, nil).ok(t, http.StatusNoContent, nil)
	e.do("GET", "/api/v1/npa-nxxs/212557", e.admin, nil).wantProblem(t, http.StatusNotFound, npac.ENOTFOUND)

	var lrns struct {
		Items []npac.LRNRecord `json:"items"`
	}
	e.do("GET", "/api/v1/lrns?spid=NEW1&region=ne", newTok, nil).ok(t, http.StatusOK, &lrns)
	if len(lrns.Items) != 1 || lrns.Items[0].LRN != lrn {
		t.Errorf("LRNs of NEW1: %+v, want %s", lrns.Items, lrn)
	}

	var me struct {
		User      npac.User               `json:"user"`
		BureauFor map[npac.SPID]npac.SPID `json:"bureau_for"`
	}
	e.do("GET", "/api/v1/me", newTok, nil).ok(t, http.StatusOK, &me)
	if me.User.Name != "new-soa" || len(me.User.Grants) != 1 || me.User.Grants[0].SPID != newSPID || me.BureauFor == nil {
		t.Errorf("me: %+v, want new-soa with a soa grant for NEW1 and an empty bureau_for", me)
	}

	var regions struct {
		Items []npac.RegionInfo `json:"items"`
	}
	e.do("GET", "/api/v1/regions", newTok, nil).ok(t, http.StatusOK, &regions)
	if len(regions.Items) != len(npac.Regions) {
		t.Errorf("%d regions, want %d", len(regions.Items), len(npac.Regions))
	}

	var tun map[string]any
	e.do("GET", "/api/v1/tunables", newTok, nil).ok(t, http.StatusOK, &tun)
	long := tun["timers"].(map[string]any)["long"].(map[string]any)
	if long["t1_seconds"] != float64(9*3600) || tun["business_start_seconds"] != float64(8*3600) {
		t.Errorf("tunables %v, want long t1_seconds 32400 and business_start_seconds 28800", tun)
	}

	var provs struct {
		Items []npac.Provider `json:"items"`
	}
	e.do("GET", "/api/v1/providers", newTok, nil).ok(t, http.StatusOK, &provs)
	if len(provs.Items) != 2 || provs.Items[0].SPID != newSPID || provs.Items[1].SPID != oldSPID {
		t.Errorf("providers %+v, want NEW1 and OLD1", provs.Items)
	}
	var p npac.Provider
	e.do("PATCH", "/api/v1/providers/new1", newTok, map[string]any{"contacts": []map[string]string{{"kind": "technical", "name": "NOC"}}}).
		ok(t, http.StatusOK, &p)
	if len(p.Contacts) != 1 || p.Contacts[0].Name != "NOC" {
		t.Errorf("patched provider contacts %+v, want NOC", p.Contacts)
	}
	e.do("PATCH", "/api/v1/providers/NEW1", newTok, map[string]any{"name": "Renamed"}).wantProblem(t, http.StatusForbidden, npac.EFORBIDDEN)
}

// TestUsers drives the user and token routes.
func TestUsers(t *testing.T) {
	e := newEnv(t)
	e.fixture()
	var created struct {
		User  npac.User  `json:"user"`
		Token npac.Token `json:"token"`
	}
	r := e.do("POST", "/api/v1/users", e.admin, map[string]any{"name": "lsms-old", "grants": []map[string]string{{"role": "lsms", "spid": "old1"}}})
	r.ok(t, http.StatusCreated, &created)
	if got, want := r.header.Get("Location"), "/api/v1/users/"+strconv.FormatInt(created.User.ID, 10); got != want {
		t.Errorf("Location %q, want %q", got, want)
	}
	id := created.User.ID
	tok := created.Token.Secret

	// The LSMS reads its one SPID's notifications by default.
	e.do("GET", "/api/v1/notifications", tok, nil).ok(t, http.StatusOK, nil)

	var second npac.Token
	e.do("POST", fmt.Sprintf("/api/v1/users/%d/tokens", id), tok, map[string]any{"name": "second", "ttl_seconds": 3600}).ok(t, http.StatusCreated, &second)
	if second.Secret == "" || second.ExpiresAt == nil || !second.ExpiresAt.Equal(start.Add(time.Hour)) {
		t.Errorf("second token %+v, want a secret expiring at %v", second, start.Add(time.Hour))
	}
	e.do("GET", "/api/v1/me", second.Secret, nil).ok(t, http.StatusOK, nil)
	e.do("DELETE", fmt.Sprintf("/api/v1/users/%d/tokens/%d", id, second.ID), tok, nil).ok(t, http.StatusNoContent, nil)
	e.do("GET", "/api/v1/me", second.Secret, nil).wantProblem(t, http.StatusUnauthorized, npac.EUNAUTHORIZED)

	var u npac.User
	e.do("POST", fmt.Sprintf("/api/v1/users/%d/disable", id), e.admin, nil).ok(t, http.StatusOK, &u)
	if !u.Disabled {
		t.Errorf("disabled user %+v, want disabled", u)
	}
	e.do("GET", "/api/v1/me", tok, nil).wantProblem(t, http.StatusUnauthorized, npac.EUNAUTHORIZED)
	e.do("POST", fmt.Sprintf("/api/v1/users/%d/enable", id), e.admin, nil).ok(t, http.StatusOK, &u)
	e.do("GET", fmt.Sprintf("/api/v1/users/%d", id), tok, nil).ok(t, http.StatusOK, &u)
	if u.Disabled || u.Name != "lsms-old" {
		t.Errorf("re-enabled user %+v, want lsms-old enabled", u)
	}
	var users struct {
		Items []npac.User `json:"items"`
	}
	e.do("GET", "/api/v1/users", e.admin, nil).ok(t, http.StatusOK, &users)
	if len(users.Items) != 4 {
		t.Errorf("%d users, want 4 (admin, two SOAs, the LSMS)", len(users.Items))
	}
}

// TestLongPoll checks that a waiting notification read answers when news
// arrives, and with nothing when the wait is over.
func TestLongPoll(t *testing.T) {
	e := newEnv(t)
	newTok, oldTok := e.fixture()
	var empty struct {
		Items   []npac.Notification `json:"items"`
		LastSeq int64               `json:"last_seq"`
	}
	// Opening the fixture's code for porting was announced; nothing since.
	var opened struct {
		LastSeq int64 `json:"last_seq"`
	}
	e.do("GET", "/api/v1/notifications", oldTok, nil).ok(t, http.StatusOK, &opened)
	after := strconv.FormatInt(opened.LastSeq, 10)
	e.do("GET", "/api/v1/notifications?wait=1&after="+after, oldTok, nil).ok(t, http.StatusOK, &empty)
	if len(empty.Items) != 0 || empty.Items == nil || empty.LastSeq != opened.LastSeq {
		t.Fatalf("quiet stream: %+v, want an empty items list and last_seq %d", empty, opened.LastSeq)
	}

	done := make(chan *resp, 1)
	go func() {
		// The helpers call t.Fatal, which must not run off the test's
		// goroutine: report a transport error as status -1 instead.
		req, _ := http.NewRequest("GET", e.url+"/api/v1/notifications?wait=30&after="+after, nil)
		req.Header.Set("Authorization", "Bearer "+oldTok)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- &resp{status: -1, body: []byte(err.Error())}
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		done <- &resp{status: res.StatusCode, header: res.Header, body: b}
	}()
	e.do("POST", "/api/v1/svs", newTok, newCreate("2125550130")).ok(t, http.StatusCreated, nil)
	select {
	case r := <-done:
		var got struct {
			Items []npac.Notification `json:"items"`
		}
		r.ok(t, http.StatusOK, &got)
		if len(got.Items) == 0 || got.Items[0].Seq != opened.LastSeq+1 || got.Items[0].TN != "2125550130" {
			t.Errorf("long poll answered %+v, want the new port's notifications from seq %d", got.Items, opened.LastSeq+1)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the long poll did not answer when a notification arrived")
	}
}

// TestOperations checks the routes without authentication and the request
// ID.
func TestOperations(t *testing.T) {
	e := newEnv(t)
	r := e.do("GET", "/healthz", "", nil)
	if r.status != http.StatusOK || string(r.body) != "ok\n" || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
		t.Errorf("healthz: %d %q %q, want 200 ok text/plain", r.status, r.body, r.header.Get("Content-Type"))
	}
	r = e.do("GET", "/readyz", "", nil)
	if r.status != http.StatusOK {
		t.Errorf("readyz: %d %s, want 200", r.status, r.body)
	}
	r = e.do("GET", "/api/v1/openapi.yaml", "", nil)
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/yaml" || !strings.HasPrefix(string(r.body), "openapi: 3.1") {
		t.Errorf("openapi.yaml: %d %q, want 200 application/yaml starting openapi: 3.1", r.status, r.header.Get("Content-Type"))
	}
	if id := r.header.Get("X-Request-Id"); len(id) < 16 {
		t.Errorf("generated X-Request-Id %q, want a long random ID", id)
	}
	r = e.do("GET", "/healthz", "", nil, "X-Request-Id", "abc-123")
	if id := r.header.Get("X-Request-Id"); id != "abc-123" {
		t.Errorf("X-Request-Id %q, want the client's abc-123", id)
	}
	r = e.do("GET", "/healthz", "", nil, "X-Request-Id", "bad id")
	if id := r.header.Get("X-Request-Id"); id == "bad id" || id == "" {
		t.Errorf("X-Request-Id %q, want a new ID instead of the unsafe one", id)
	}
	if !strings.Contains(e.logs.String(), "path=/healthz status=200") {
		t.Errorf("access log has no line for /healthz: %s", e.logs.String())
	}

	// Not ready: 503 problem.
	srv := &npachttp.Server{Ready: func(context.Context) error { return errors.New("db down") }, Log: slog.New(slog.DiscardHandler)}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	res, err := http.Get(ts.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("readyz when not ready: %d %s, want 503 problem", res.StatusCode, res.Header.Get("Content-Type"))
	}
}

// failingSVs is an SVService whose SV fails with an internal error.
type failingSVs struct{ npac.SVService }

func (failingSVs) SV(context.Context, int64) (*npac.SV, error) {
	return nil, fmt.Errorf("sv: %w", errors.New("disk on fire"))
}

// TestInternalError checks that an internal error shows no detail and is
// logged once with the cause.
func TestInternalError(t *testing.T) {
	e := newEnv(t)
	logs := &syncBuffer{}
	srv := &npachttp.Server{SVs: failingSVs{}, Users: e.st, Log: slog.New(slog.NewTextHandler(logs, nil))}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	e2 := *e
	e2.url = ts.URL
	p := e2.do("GET", "/api/v1/svs/7", e.admin, nil).wantProblem(t, http.StatusInternalServerError, npac.EINTERNAL)
	if p.Detail != "Internal error." {
		t.Errorf("detail %q, want Internal error.", p.Detail)
	}
	if n := strings.Count(logs.String(), "disk on fire"); n != 1 {
		t.Errorf("the cause is logged %d times, want once: %s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "path=/api/v1/svs/7") || !strings.Contains(logs.String(), "method=GET") {
		t.Errorf("the internal error log names no method and path: %s", logs.String())
	}
}

// TestDecodeTimes checks the request time forms.
func TestDecodeTimes(t *testing.T) {
	e := newEnv(t)
	newTok, _ := e.fixture()
	var sv npac.SV
	body := newCreate("2125550140")
	body["due_date"] = "2025-03-06T17:30:00-05:00"
	e.do("POST", "/api/v1/svs", newTok, body).ok(t, http.StatusCreated, &sv)
	// A wireline due date is moved to its day, in UTC: 2025-03-06T22:30Z.
	if want := time.Date(2025, 3, 6, 0, 0, 0, 0, time.UTC); !sv.DueDate.Equal(want) {
		t.Errorf("due date %v, want %v", sv.DueDate, want)
	}
	var mod npac.SV
	e.do("PATCH", fmt.Sprintf("/api/v1/svs/%d", sv.ID), newTok, map[string]any{"due_date": "2025-03-10", "billing_id": "AB12"}).ok(t, http.StatusOK, &mod)
	if want := time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC); !mod.DueDate.Equal(want) || mod.BillingID != "AB12" {
		t.Errorf("modified: due %v billing %q, want %v and AB12", mod.DueDate, mod.BillingID, want)
	}
	raw := e.do("GET", fmt.Sprintf("/api/v1/svs/%d", sv.ID), newTok, nil)
	var m map[string]any
	raw.ok(t, http.StatusOK, &m)
	if m["due_date"] != "2025-03-10T00:00:00Z" {
		t.Errorf("due_date in JSON %v, want 2025-03-10T00:00:00Z", m["due_date"])
	}
}

// TestReports reads a report as JSON and as CSV.
func TestReports(t *testing.T) {
	e := newEnv(t)
	newTok, _ := e.fixture()
	var rep struct {
		Kind    string              `json:"kind"`
		Columns []string            `json:"columns"`
		Rows    []map[string]string `json:"rows"`
	}
	e.do("POST", "/api/v1/svs", newTok, newCreate("2125550140")).ok(t, http.StatusCreated, nil)
	e.do("GET", "/api/v1/reports/open-svs", e.admin, nil).ok(t, http.StatusOK, &rep)
	if rep.Kind != "open-svs" || len(rep.Rows) != 1 || rep.Rows[0]["tn"] != "2125550140" || rep.Rows[0]["status"] != "pending" {
		t.Fatalf("open SVs: %+v", rep)
	}
	r := e.do("GET", "/api/v1/reports/open-svs?format=csv", newTok, nil)
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") ||
		!strings.HasPrefix(string(r.body), "sv_id,tn,status,old_spid,new_spid,due_date,status_changed_at\n") || !strings.Contains(string(r.body), ",2125550140,pending,") {
		t.Fatalf("CSV report: %d %q", r.status, r.body)
	}
	e.do("GET", "/api/v1/reports/nonsense", e.admin, nil).wantProblem(t, http.StatusBadRequest, npac.EINVALID)
	e.do("GET", "/api/v1/reports/open-svs?from=yesterday", e.admin, nil).wantProblem(t, http.StatusBadRequest, npac.EINVALID)
	e.do("GET", "/api/v1/reports/open-svs?spid=OLD1", newTok, nil).wantProblem(t, http.StatusForbidden, npac.EFORBIDDEN)
}
