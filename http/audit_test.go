package http_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	npac "github.com/opennpac/npac"
)

// TestAuditOrderAndAction reads the audit trail newest first, paged with
// after, and by action.
func TestAuditOrderAndAction(t *testing.T) {
	e := newEnv(t)
	newTok, _ := e.fixture()
	for i := range 3 {
		e.do("POST", "/api/v1/svs", newTok, newCreate(fmt.Sprintf("212555%04d", 200+i))).ok(t, http.StatusCreated, nil)
	}
	type list struct {
		Items     []npac.AuditRecord `json:"items"`
		NextAfter string             `json:"next_after"`
	}
	var all list
	e.do("GET", "/api/v1/audit?limit=1000", e.admin, nil).ok(t, http.StatusOK, &all)
	var want []int64
	for _, r := range all.Items {
		want = append(want, r.ID)
	}
	slices.Reverse(want)

	// Newest first, three a page, each page's next_after as the next after.
	var got []int64
	path := "/api/v1/audit?order=newest&limit=3"
	for range len(want) {
		var p list
		e.do("GET", path, e.admin, nil).ok(t, http.StatusOK, &p)
		for _, r := range p.Items {
			got = append(got, r.ID)
		}
		if p.NextAfter == "" {
			break
		}
		if id := strconv.FormatInt(p.Items[len(p.Items)-1].ID, 10); p.NextAfter != id {
			t.Fatalf("next_after %s, want the page's last ID %s", p.NextAfter, id)
		}
		path = "/api/v1/audit?order=newest&limit=3&after=" + p.NextAfter
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("newest-first pages (-want +got):\n%s", diff)
	}

	// By action, as the provider that acted.
	var creates list
	e.do("GET", "/api/v1/audit?spid="+newSPID+"&action=sv.create&order=newest", newTok, nil).ok(t, http.StatusOK, &creates)
	var tns []string
	for _, r := range creates.Items {
		if r.Action != "sv.create" {
			t.Errorf("action filter let through %s", r.Action)
		}
		var sv npac.SV
		if err := json.Unmarshal(r.After, &sv); err != nil {
			t.Fatal(err)
		}
		tns = append(tns, string(sv.TN))
	}
	if diff := cmp.Diff([]string{"2125550202", "2125550201", "2125550200"}, tns); diff != "" {
		t.Errorf("the provider's creates, newest first (-want +got):\n%s", diff)
	}
	var oldest list
	e.do("GET", "/api/v1/audit?action=provider.create&order=oldest", e.admin, nil).ok(t, http.StatusOK, &oldest)
	if len(oldest.Items) != 2 || oldest.Items[0].EntityID != newSPID || oldest.Items[1].EntityID != oldSPID {
		t.Errorf("provider creations oldest first: %+v", oldest.Items)
	}
	e.do("GET", "/api/v1/audit?order=sideways", e.admin, nil).wantProblem(t, http.StatusBadRequest, npac.EINVALID)
}
