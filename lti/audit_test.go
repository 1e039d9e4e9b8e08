package lti

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/storetest"
)

var auditRowRE = regexp.MustCompile(`data-audit="(\d+)"`)

// auditIDs returns the IDs of the audit rows of a page, in order.
func auditIDs(body string) []int64 {
	var out []int64
	for _, m := range auditRowRE.FindAllStringSubmatch(body, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		out = append(out, id)
	}
	return out
}

var olderRE = regexp.MustCompile(`href="([^"]+)" id="older-page"`)

// TestAuditPage: NPAC personnel only; newest first, 50 a page, every
// record once across the pages; filters; the before/after JSON in a
// <details>.
func TestAuditPage(t *testing.T) {
	e := newEnv(t, frozen)
	for i := range 60 {
		l := npac.LRNRecord{LRN: npac.LRN(fmt.Sprintf("21255501%02d", i)), SPID: storetest.SPA, Region: npac.Northeast}
		if err := e.w.S.CreateLRN(e.w.Admin, &l); err != nil {
			t.Fatal(err)
		}
	}
	sv := e.w.Port(t, storetest.TN(301))

	alpha := e.client(t)
	alpha.login("alpha-soa", alphaPassword)
	if _, _, body := alpha.get("/lti/"); strings.Contains(body, `href="/lti/audit"`) {
		t.Error("a provider's navigation offers the audit log")
	}
	if st, _, _ := alpha.get("/lti/audit"); st != http.StatusForbidden {
		t.Errorf("provider GET /lti/audit: %d, want 403", st)
	}

	admin := e.client(t)
	admin.login("admin", adminPassword)
	var all []int64
	for after := int64(0); ; {
		recs, err := e.w.S.Audit(e.w.Admin, npac.AuditFilter{AfterID: after, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			all = append(all, r.ID)
		}
		if len(recs) < 1000 {
			break
		}
		after = recs[len(recs)-1].ID
	}
	slices.Reverse(all)

	var got []int64
	path := "/lti/audit"
	for pages := 0; path != ""; pages++ {
		if pages > 10 {
			t.Fatal("too many pages")
		}
		st, _, body := admin.get(path)
		if st != http.StatusOK {
			t.Fatalf("GET %s: %d\n%s", path, st, body)
		}
		if pages == 0 && !strings.Contains(body, `href="/lti/audit" aria-current="page"`) {
			t.Error("the navigation does not mark Audit")
		}
		ids := auditIDs(body)
		if len(ids) > pageSize {
			t.Fatalf("%d rows on a page", len(ids))
		}
		got = append(got, ids...)
		path = ""
		if m := olderRE.FindStringSubmatch(body); m != nil {
			path = strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	if !slices.Equal(got, all) {
		t.Fatalf("pages list %d records %v…, want %d newest first %v…", len(got), got[:3], len(all), all[:3])
	}

	// Filters: the SV's records, with their JSON in a <details>.
	st, _, body := admin.get("/lti/audit?entity=sv&entity_id=" + strconv.FormatInt(sv.ID, 10))
	ids := auditIDs(body)
	if st != http.StatusOK || len(ids) == 0 || !strings.Contains(body, `<details id="audit-`+strconv.FormatInt(ids[0], 10)+`">`) ||
		!strings.Contains(body, `class="after"`) || strings.Contains(body, `data-entity="lrn"`) {
		t.Fatalf("SV filter: %d\n%s", st, body)
	}
	// The action filter (AuditFilter.Action): only the LRN creations.
	st, _, body = admin.get("/lti/audit?entity=lrn&action=lrn.create")
	if st != http.StatusOK || len(auditIDs(body)) != pageSize || strings.Contains(body, `data-entity="sv"`) ||
		strings.Count(body, `data-action="lrn.create"`) != pageSize || !strings.Contains(body, `id="older-page"`) {
		t.Fatalf("action filter: %d rows\n%s", len(auditIDs(body)), body)
	}
	st, _, body = admin.get("/lti/audit?action=no-such-action")
	if st != http.StatusOK || !strings.Contains(body, `id="audit-empty"`) {
		t.Fatalf("no match: %d\n%s", st, body)
	}
	st, _, body = admin.get("/lti/audit?spid=x!")
	if st != http.StatusUnprocessableEntity || !strings.Contains(body, `id="spid-error"`) {
		t.Fatalf("bad SPID: %d\n%s", st, body)
	}
}
