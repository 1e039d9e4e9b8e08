package lti

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/numbering"
	"github.com/opennpac/npac/storetest"
)

// adminCounts returns the rows of the tables the provider and user pages
// write.
func (e *env) adminCounts(t testing.TB) [6]int {
	t.Helper()
	return [6]int{e.w.Count(t, "providers"), e.w.Count(t, "bureau_authorizations"), e.w.Count(t, "users"),
		e.w.Count(t, "tokens"), e.w.Count(t, "passwords"), e.w.Count(t, "audit")}
}

// adminRefused posts a form that must be refused (422) with want in the
// error next to field, writing nothing.
func adminRefused(t *testing.T, e *env, c *client, path string, form url.Values, field, want string) {
	t.Helper()
	before := e.adminCounts(t)
	st, _, body := c.post(path, form)
	if got := fieldError(body, field); st != http.StatusUnprocessableEntity || !strings.Contains(got, want) {
		t.Fatalf("POST %s %v: %d, error next to %s %q, want 422 and %q\n%s", path, form, st, field, got, want, body)
	}
	if after := e.adminCounts(t); after != before {
		t.Fatalf("a refused POST %s %v wrote: %v → %v", path, form, before, after)
	}
}

// with returns a copy of v with the key-value pairs kv set (a value of
// "-" deletes its key).
func with(v url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "-" {
			out.Del(kv[i])
		} else {
			out.Set(kv[i], kv[i+1])
		}
	}
	return out
}

// TestProviderPages: the list (with a provider an import created), the
// create form and the edit form, each refusing bad input next to its field
// with the service's sentence and writing nothing.
func TestProviderPages(t *testing.T) {
	e := newEnv(t, frozen)
	cf := &numbering.CodeFile{Source: "nanpa-5xx", Date: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		Codes: []numbering.Code{{Line: 2, NPANXX: "500555", Status: "Assigned", OCN: "ZZ99", Company: "Zulu Telecom"}}}
	if _, err := e.w.S.ImportCodes(e.w.Admin, cf, numbering.ImportOptions{Region: npac.Northeast}); err != nil {
		t.Fatal(err)
	}
	admin := e.client(t)
	admin.login("admin", adminPassword)
	st, _, body := admin.get("/lti/providers")
	for _, want := range []string{
		`href="/lti/providers" aria-current="page"`,
		`data-spid="AAA1" data-origin="" data-soa-blocks="false"`,
		`data-spid="ZZ99" data-origin="import"`, `created by import`, `Zulu Telecom`,
		`<span class="spid" title="Bureau One">SB01</span>`, // BBB2's bureau
		`<time datetime="`,
	} {
		if st != http.StatusOK || !strings.Contains(body, want) {
			t.Fatalf("provider list: %d, no %q\n%s", st, want, body)
		}
	}

	good := url.Values{"spid": {"ddd4"}, "name": {"Delta Mobile"}, "type": {"wireless"}, "regions": {"NE", "MA"},
		"bureaus": {"SB01"}, "contacts": {"porting; Porting desk; porting@delta.example; 212-555-0100\r\ntechnical; NOC"}, "soa_blocks": {"1"}}
	for _, c := range []struct {
		name, field, want string
		form              url.Values
	}{
		{"bad SPID", "spid", `"D4" is not a SPID`, with(good, "spid", "D4")},
		{"no SPID", "spid", "Give the SPID", with(good, "spid", "")},
		{"SPID taken", "spid", "SPID AAA1 is already registered.", with(good, "spid", "AAA1")},
		{"no name", "name", "A provider needs a name of 1 to 200 characters.", with(good, "name", "")},
		{"no type", "type", `Provider type "" is unknown`, with(good, "type", "")},
		{"no region", "regions", "A provider serves at least one NPAC region.", with(good, "regions", "-")},
		{"bad region", "regions", `"ZZ" is not an NPAC region`, with(good, "regions", "ZZ")},
		{"bad bureau", "bureaus", `"S!" is not a SPID`, with(good, "bureaus", "S!")},
		{"unknown bureau", "bureaus", "Service bureau ZZZ9 is not a registered provider.", with(good, "bureaus", "ZZZ9")},
		{"bureau not a bureau", "bureaus", "AAA1 is a wireline provider, not a service bureau.", with(good, "bureaus", "SB01, AAA1")},
		{"contact without a name", "contacts", "Every contact needs a kind and a name.", with(good, "contacts", "porting;")},
		{"contact with too many parts", "contacts", "Line 2 of the contacts has 5 parts", with(good, "contacts", "a; b\na; b; c; d; e")},
	} {
		t.Run(c.name, func(t *testing.T) { adminRefused(t, e, admin, "/lti/providers", c.form, c.field, c.want) })
	}
	// A refused form keeps what was typed.
	if _, _, body := admin.post("/lti/providers", with(good, "spid", "AAA1")); !strings.Contains(body, `value="Delta Mobile"`) ||
		!strings.Contains(body, `id="region-MA" checked`) || !strings.Contains(body, `porting; Porting desk`) {
		t.Fatalf("the refused form lost its values:\n%s", body)
	}

	st, loc, body := admin.post("/lti/providers", good)
	if st != http.StatusSeeOther || loc != "/lti/providers/DDD4" {
		t.Fatalf("create provider: %d %q\n%s", st, loc, body)
	}
	got, err := e.w.S.Provider(e.w.Admin, "DDD4")
	if err != nil {
		t.Fatal(err)
	}
	want := &npac.Provider{SPID: "DDD4", Name: "Delta Mobile", Type: npac.ProviderWireless, Regions: []npac.Region{npac.Northeast, npac.MidAtlantic},
		Bureaus: []npac.SPID{storetest.Bureau}, SOABlocks: true, Contacts: []npac.Contact{
			{Kind: "porting", Name: "Porting desk", Email: "porting@delta.example", Phone: "212-555-0100"}, {Kind: "technical", Name: "NOC"}}}
	if d := cmp.Diff(want, got, cmpopts.IgnoreFields(npac.Provider{}, "CreatedAt", "UpdatedAt")); d != "" {
		t.Fatalf("created provider (-want +got):\n%s", d)
	}
	st, _, body = admin.get("/lti/providers/DDD4")
	for _, want := range []string{`id="flash"`, "Provider DDD4 (Delta Mobile) is registered.", "registered by NPAC personnel",
		`id="region-NE" checked`, `id="region-MA" checked`, `id="region-SE">`, `value="SB01"`, `id="soa_blocks" value="1" checked`,
		"porting; Porting desk; porting@delta.example; 212-555-0100\ntechnical; NOC</textarea>", "No user has a role for this provider."} {
		if st != http.StatusOK || !strings.Contains(body, want) {
			t.Fatalf("provider page: %d, no %q\n%s", st, want, body)
		}
	}
	// The new provider's name is shown at once where SPIDs are named.
	if _, _, body := admin.get("/lti/providers"); !strings.Contains(body, `data-spid="DDD4"`) {
		t.Fatalf("the list lacks the new provider:\n%s", body)
	}

	// Edit: refused input changes nothing.
	edit := url.Values{"name": {"Delta Wireless"}, "regions": {"MA"}, "bureaus": {""}, "contacts": {"porting; Desk"}, "auto_activate": {"1"}}
	for _, c := range []struct {
		name, field, want string
		form              url.Values
	}{
		{"no name", "name", "A provider needs a name of 1 to 200 characters.", with(edit, "name", "")},
		{"no region", "regions", "A provider serves at least one NPAC region.", with(edit, "regions", "-")},
		{"bureau not a bureau", "bureaus", "CCC3 is a voip provider, not a service bureau.", with(edit, "bureaus", "CCC3")},
		{"contact without a kind", "contacts", "Every contact needs a kind and a name.", with(edit, "contacts", "; Desk")},
	} {
		t.Run("edit "+c.name, func(t *testing.T) {
			adminRefused(t, e, admin, "/lti/providers/DDD4", c.form, c.field, c.want)
			if now, _ := e.w.S.Provider(e.w.Admin, "DDD4"); !cmp.Equal(now, got) {
				t.Fatalf("a refused edit changed the provider: %+v", now)
			}
		})
	}
	st, loc, body = admin.post("/lti/providers/DDD4", edit)
	if st != http.StatusSeeOther || loc != "/lti/providers/DDD4" {
		t.Fatalf("edit provider: %d %q\n%s", st, loc, body)
	}
	got, _ = e.w.S.Provider(e.w.Admin, "DDD4")
	want = &npac.Provider{SPID: "DDD4", Name: "Delta Wireless", Type: npac.ProviderWireless, Regions: []npac.Region{npac.MidAtlantic},
		Bureaus: []npac.SPID{}, AutoActivate: true, Contacts: []npac.Contact{{Kind: "porting", Name: "Desk"}}}
	if d := cmp.Diff(want, got, cmpopts.IgnoreFields(npac.Provider{}, "CreatedAt", "UpdatedAt")); d != "" {
		t.Fatalf("edited provider (-want +got):\n%s", d)
	}
	// An imported provider is completed the same way.
	if st, _, body := admin.post("/lti/providers/ZZ99", url.Values{"name": {"Zulu Telecom"}, "regions": {"NE"}, "contacts": {"porting; Zulu desk"}}); st != http.StatusSeeOther {
		t.Fatalf("edit the imported provider: %d\n%s", st, body)
	}
	if p, _ := e.w.S.Provider(e.w.Admin, "ZZ99"); len(p.Contacts) != 1 || p.Origin != "import" {
		t.Fatalf("imported provider after the edit: %+v", p)
	}

	// The provider page lists the users with a role for it.
	if _, _, body := admin.get("/lti/providers/BBB2"); !strings.Contains(body, `<code>soa@BBB2</code>`) || !strings.Contains(body, `<code>lsms@BBB2</code>`) {
		t.Fatalf("BBB2's users:\n%s", body)
	}
	for _, path := range []string{"/lti/providers/ZZZ8", "/lti/providers/x"} {
		if st, _, _ := admin.get(path); st != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, st)
		}
	}
	before := e.adminCounts(t)
	if st, _, _ := admin.post("/lti/providers/ZZZ8", edit); st != http.StatusNotFound || e.adminCounts(t) != before {
		t.Errorf("edit an unknown provider: %d, want 404 and nothing written", st)
	}
	if st, _, _ := admin.post("/lti/providers", with(good, "spid", "EEE5", "csrf", "forged")); st != http.StatusForbidden || e.adminCounts(t) != before {
		t.Errorf("create without the CSRF token: %d, want 403 and nothing written", st)
	}
}
