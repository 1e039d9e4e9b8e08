package http_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	npac "github.com/opennpac/npac"
	npachttp "github.com/opennpac/npac/http"
	"github.com/opennpac/npac/store"
)

// The data roles' field matrix: the fields of a port query answer each
// role sees, besides tn. It is written out here, not read from the store,
// so that a field added to a role's list by mistake fails a test.
var fieldMatrix = map[npac.Role][]string{
	npac.RolePTRS:           {"ported", "pooled", "spid", "provider_name", "lrn", "sv_type", "line_type", "code_holder", "region"},
	npac.RoleTCPA:           {"ported", "line_type", "last_ported_at", "region"},
	npac.RoleFraud:          {"ported", "spid", "provider_name", "sv_type", "line_type", "last_ported_at", "code_holder", "region"},
	npac.RoleLawEnforcement: {"ported", "spid", "provider_name", "contacts", "line_type", "last_ported_at", "code_holder", "region"},
	npac.RoleAdmin:          {"ported", "pooled", "spid", "provider_name", "contacts", "lrn", "sv_type", "line_type", "last_ported_at", "code_holder", "region"},
}

// neverSeen names, for each data role, fields whose leak would break its
// permitted use; the exact matrix checks imply these, and they are
// asserted on their own so that a failure says what leaked.
var neverSeen = map[npac.Role][]string{
	npac.RolePTRS:           {"contacts", "last_ported_at"},
	npac.RoleTCPA:           {"lrn", "spid", "provider_name", "contacts", "code_holder", "sv_type", "pooled"},
	npac.RoleFraud:          {"lrn", "contacts", "pooled"},
	npac.RoleLawEnforcement: {"lrn", "sv_type", "pooled"},
}

// historyFields are the keys of a port event each role sees; ptrs and
// tcpa read no history.
var historyFields = map[npac.Role][]string{
	npac.RoleFraud:          {"at", "type", "from", "to", "sv_type", "sv_id"},
	npac.RoleLawEnforcement: {"at", "type", "from", "to", "sv_type", "sv_id", "from_contacts", "to_contacts"},
	npac.RoleAdmin:          {"at", "type", "from", "to", "sv_type", "sv_id", "from_contacts", "to_contacts"},
}

// allRoles are the roles of the matrix, in a fixed order.
var allRoles = []npac.Role{npac.RolePTRS, npac.RoleTCPA, npac.RoleFraud, npac.RoleLawEnforcement, npac.RoleAdmin}

// Numbers of the lookup fixture.
const (
	portedTN   = "2125550100" // ported OLD1 → NEW1, wireline
	wirelessTN = "2125550200" // ported OLD1 → NEW1 as wireless
	plainTN    = "2125550101" // never ported: OLD1's, the code holder
	unknownTN  = "3125550100" // in no NPA-NXX the NPAC knows
)

// dataUser creates a user with one grant and returns its token and ID.
func (e *env) dataUser(name string, role npac.Role, regions ...string) (string, int64) {
	e.t.Helper()
	var out struct {
		User  npac.User  `json:"user"`
		Token npac.Token `json:"token"`
	}
	e.do("POST", "/api/v1/users", e.admin, map[string]any{
		"name": name, "grants": []map[string]any{{"role": role, "regions": regions}},
	}).ok(e.t, http.StatusCreated, &out)
	if len(out.User.Grants) != 1 || out.User.Grants[0].Role != role || len(out.User.Grants[0].Regions) != len(regions) {
		e.t.Fatalf("created %s: %+v, want one %s grant for %v", name, out.User, role, regions)
	}
	return out.Token.Secret, out.User.ID
}

// lookupFixture is the fixture with NEW1's contacts, two ports to NEW1
// (one to wireless service) and a user of each data role in the
// Northeast. It returns each role's token (npac-admin's is the admin's),
// each data user's ID and the new SP's SOA token.
func (e *env) lookupFixture() (tokens map[npac.Role]string, ids map[npac.Role]int64, soaTok string) {
	e.t.Helper()
	newTok, oldTok := e.fixture()
	e.do("PATCH", "/api/v1/providers/"+newSPID, e.admin, map[string]any{
		"contacts": []map[string]string{{"kind": "law-enforcement", "name": "Subpoena desk", "phone": "2125550000"}},
	}).ok(e.t, http.StatusOK, nil)
	for _, tn := range []string{portedTN, wirelessTN} {
		body := newCreate(tn)
		if tn == wirelessTN {
			body["sv_type"] = "wireless"
		}
		e.do("POST", "/api/v1/svs", newTok, body).ok(e.t, http.StatusCreated, nil)
		e.do("POST", "/api/v1/svs", oldTok, oldCreate(tn)).ok(e.t, http.StatusOK, nil)
	}
	e.clock.Set(time.Date(2025, 3, 5, 14, 0, 0, 0, time.UTC))
	var svs struct {
		Items []npac.SV `json:"items"`
	}
	e.do("GET", "/api/v1/svs", newTok, nil).ok(e.t, http.StatusOK, &svs)
	for _, sv := range svs.Items {
		e.do("POST", fmt.Sprintf("/api/v1/svs/%d/activate", sv.ID), newTok, nil).ok(e.t, http.StatusOK, nil)
	}
	tokens = map[npac.Role]string{npac.RoleAdmin: e.admin}
	ids = map[npac.Role]int64{}
	for _, r := range npac.DataRoles {
		tokens[r], ids[r] = e.dataUser("data-"+string(r), r, "NE")
	}
	return tokens, ids, newTok
}

// jsonKeys returns the sorted keys of a JSON object.
func jsonKeys(t *testing.T, raw []byte) []string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("not a JSON object: %s: %v", raw, err)
	}
	return slices.Sorted(maps.Keys(m))
}

// withTN returns the sorted keys of an answer with fields.
func withTN(fields []string) []string {
	return slices.Sorted(slices.Values(append([]string{"tn"}, fields...)))
}

// checkFields fails unless keys are exactly tn and role's fields, and
// none the role must never see.
func checkFields(t *testing.T, what string, role npac.Role, keys []string) {
	t.Helper()
	if want := withTN(fieldMatrix[role]); !slices.Equal(keys, want) {
		t.Errorf("%s as %s: keys %v, want exactly %v", what, role, keys, want)
	}
	for _, f := range neverSeen[role] {
		if slices.Contains(keys, f) {
			t.Errorf("%s as %s: %s leaked", what, role, f)
		}
	}
}

// portInfoResults decodes the results of a port query of several
// numbers as raw objects.
func portInfoResults(t *testing.T, r *resp) []json.RawMessage {
	t.Helper()
	var out struct {
		Results []json.RawMessage `json:"results"`
	}
	r.ok(t, http.StatusOK, &out)
	return out.Results
}

// resultError decodes the error of one result.
func resultError(t *testing.T, raw []byte) problem {
	t.Helper()
	var v struct {
		Error *problem `json:"error"`
	}
	if err := json.Unmarshal(raw, &v); err != nil || v.Error == nil {
		t.Fatalf("result %s has no error", raw)
	}
	return *v.Error
}

// openSession issues a PIN to the user and opens a session with it.
func (e *env) openSession(name string, id int64) npac.LookupSession {
	e.t.Helper()
	var pin struct {
		PIN string `json:"pin"`
	}
	e.do("POST", fmt.Sprintf("/api/v1/users/%d/pin", id), e.admin, nil).ok(e.t, http.StatusOK, &pin)
	var s npac.LookupSession
	r := e.do("POST", "/api/v1/lookup-sessions", "", map[string]string{"user": name, "pin": pin.PIN})
	r.ok(e.t, http.StatusCreated, &s)
	if s.ID == "" || s.User != name || s.MaxLookups != 20 || s.Used != 0 || r.header.Get("Cache-Control") != "no-store" {
		e.t.Fatalf("session %+v, Cache-Control %q", s, r.header.Get("Cache-Control"))
	}
	return s
}

// sessionGet looks up tn in a session.
func (e *env) sessionGet(session, tn string) *resp {
	e.t.Helper()
	return e.do("GET", "/api/v1/lookup-session/"+tn, "", nil, "Authorization", "Session "+session)
}

// tcpaRows posts a TCPA check and returns its CSV rows, header first.
func tcpaRows(t *testing.T, r *resp) [][]string {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("tcpa: status %d, body %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Fatalf("tcpa Content-Type %q", ct)
	}
	rows, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
	if err != nil {
		t.Fatalf("tcpa CSV: %v\n%s", err, r.body)
	}
	if len(rows) == 0 || !slices.Equal(rows[0], []string{"tn", "ported", "line_type", "error"}) {
		t.Fatalf("tcpa header %v, want tn,ported,line_type,error", rows)
	}
	return rows
}

// TestLookupRoleMatrix checks, for every role and every route that
// answers a number's data, exactly which fields the answer has.
func TestLookupRoleMatrix(t *testing.T) {
	e := newEnv(t)
	tokens, ids, soaTok := e.lookupFixture()

	// The written-out matrix is the store's.
	for _, r := range allRoles {
		if got := store.RoleFields(r); !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(fieldMatrix[r]))) {
			t.Errorf("store.RoleFields(%s) = %v, want %v", r, got, fieldMatrix[r])
		}
	}

	for _, role := range allRoles {
		tok := tokens[role]
		t.Run(string(role), func(t *testing.T) {
			// GET one number.
			r := e.do("GET", "/api/v1/lookup/212-555-0100", tok, nil)
			r.ok(t, http.StatusOK, nil)
			checkFields(t, "GET /lookup", role, jsonKeys(t, r.body))
			var info npac.PortInfo
			json.Unmarshal(r.body, &info)
			if info.TN != portedTN || info.Ported == nil || !*info.Ported || info.Region != npac.Northeast {
				t.Errorf("GET /lookup: %s", r.body)
			}

			// POST several: the ported number has every field of the
			// role; the number never ported has at most those; the
			// unknown one only its error.
			res := portInfoResults(t, e.do("POST", "/api/v1/lookup", tok, map[string]any{"tns": []string{portedTN, plainTN, unknownTN}}))
			if len(res) != 3 {
				t.Fatalf("POST /lookup: %d results, want 3", len(res))
			}
			checkFields(t, "POST /lookup", role, jsonKeys(t, res[0]))
			for _, k := range jsonKeys(t, res[1]) {
				if k != "tn" && !slices.Contains(fieldMatrix[role], k) {
					t.Errorf("POST /lookup of a number never ported, as %s: %s leaked", role, k)
				}
			}
			if k := jsonKeys(t, res[2]); !slices.Equal(k, []string{"error", "tn"}) {
				t.Errorf("unknown number as %s: keys %v, want error and tn", role, k)
			}
			if p := resultError(t, res[2]); p.Code != npac.ENOTFOUND || p.Status != http.StatusNotFound || p.Detail == "" {
				t.Errorf("unknown number as %s: error %+v, want not-found", role, p)
			}

			// History: fraud, law enforcement (with contacts) and NPAC
			// personnel; not ptrs or tcpa.
			r = e.do("GET", "/api/v1/lookup/"+portedTN+"/history", tok, nil)
			if want, ok := historyFields[role]; ok {
				var h struct {
					Items []json.RawMessage `json:"items"`
				}
				r.ok(t, http.StatusOK, &h)
				if len(h.Items) != 1 {
					t.Fatalf("history as %s: %s, want one port", role, r.body)
				}
				if k := jsonKeys(t, h.Items[0]); !slices.Equal(k, slices.Sorted(slices.Values(want))) {
					t.Errorf("history as %s: keys %v, want %v", role, k, want)
				}
				var ev npac.PortEvent
				json.Unmarshal(h.Items[0], &ev)
				if ev.Type != "port" || ev.From != oldSPID || ev.To != newSPID {
					t.Errorf("history as %s: %+v", role, ev)
				}
			} else {
				r.wantProblem(t, http.StatusForbidden, npac.EFORBIDDEN)
			}

			// Session lookups answer with the user's fields.
			if role != npac.RoleAdmin {
				s := e.openSession("data-"+string(role), ids[role])
				r = e.sessionGet(s.ID, portedTN)
				var ans struct {
					Result  json.RawMessage `json:"result"`
					Session json.RawMessage `json:"session"`
				}
				r.ok(t, http.StatusOK, &ans)
				checkFields(t, "session lookup", role, jsonKeys(t, ans.Result))
				if k := jsonKeys(t, ans.Session); !slices.Equal(k, []string{"expires_at", "id", "max_lookups", "used", "user"}) {
					t.Errorf("session as %s: keys %v", role, k)
				}
				if r.header.Get("Cache-Control") != "no-store" {
					t.Errorf("session lookup Cache-Control %q, want no-store", r.header.Get("Cache-Control"))
				}
			}

			// TCPA: tcpa and NPAC personnel, with its four columns only.
			r = e.do("POST", "/api/v1/tcpa?since=2025-01-01", tok, portedTN+"\n"+wirelessTN+"\n")
			if role != npac.RoleTCPA && role != npac.RoleAdmin {
				r.wantProblem(t, http.StatusForbidden, npac.EFORBIDDEN)
				return
			}
			rows := tcpaRows(t, r)
			want := [][]string{{portedTN, "false", "wireline", ""}, {wirelessTN, "true", "wireless", ""}}
			if !slices.EqualFunc(rows[1:], want, slices.Equal) {
				t.Errorf("tcpa as %s: %v, want %v", role, rows[1:], want)
			}
			r = e.do("POST", "/api/v1/tcpa?since=2025-01-01", tok, wirelessTN+"\nnonsense\n", "Accept", "application/x-ndjson")
			if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/x-ndjson" {
				t.Fatalf("tcpa NDJSON as %s: %d %q %s", role, r.status, r.header.Get("Content-Type"), r.body)
			}
			lines := strings.Split(strings.TrimSpace(string(r.body)), "\n")
			if len(lines) != 2 {
				t.Fatalf("tcpa NDJSON: %d lines, want 2:\n%s", len(lines), r.body)
			}
			if k := jsonKeys(t, []byte(lines[0])); !slices.Equal(k, []string{"line_type", "ported", "tn"}) {
				t.Errorf("tcpa NDJSON as %s: keys %v", role, k)
			}
			if k := jsonKeys(t, []byte(lines[1])); !slices.Equal(k, []string{"error", "line_type", "ported", "tn"}) {
				t.Errorf("tcpa NDJSON error line as %s: keys %v", role, k)
			}
		})
	}

	// The NPAC personnel hold no PIN: lookup sessions are for data users.
	var me struct {
		User npac.User `json:"user"`
	}
	e.do("GET", "/api/v1/me", e.admin, nil).ok(t, http.StatusOK, &me)
	e.do("POST", fmt.Sprintf("/api/v1/users/%d/pin", me.User.ID), e.admin, nil).wantProblem(t, http.StatusBadRequest, npac.EINVALID)

	// A provider's SOA holds no data role.
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/api/v1/lookup/" + portedTN, ""},
		{"POST", "/api/v1/lookup", `{"tns":["` + portedTN + `"]}`},
		{"GET", "/api/v1/lookup/" + portedTN + "/history", ""},
		{"POST", "/api/v1/tcpa?since=2025-01-01", portedTN + "\n"},
	} {
		var body any
		if c.body != "" {
			body = c.body
		}
		e.do(c.method, c.path, soaTok, body).wantProblem(t, http.StatusForbidden, npac.EFORBIDDEN)
	}

	// A data user reads numbers through the lookups only: the provider,
	// network and SV routes would show what its fields hide.
	for _, role := range npac.DataRoles {
		for _, path := range []string{"/api/v1/providers", "/api/v1/providers/" + newSPID, "/api/v1/lrns", "/api/v1/blocks", "/api/v1/npa-nxxs", "/api/v1/svs", "/api/v1/audit"} {
			p := e.do("GET", path, tokens[role], nil).wantProblem(t, http.StatusForbidden, npac.EFORBIDDEN)
			if !strings.Contains(p.Detail, "/api/v1/lookup") {
				t.Errorf("GET %s as %s: %q does not say where to look numbers up", path, role, p.Detail)
			}
		}
		e.do("POST", "/api/v1/portability", tokens[role], map[string]any{"spid": newSPID, "tns": []string{plainTN}}).
			wantProblem(t, http.StatusForbidden, npac.EFORBIDDEN)
		e.do("POST", fmt.Sprintf("/api/v1/users/%d/pin", ids[role]), tokens[role], nil).wantProblem(t, http.StatusForbidden, npac.EFORBIDDEN)
		var me struct {
			User npac.User `json:"user"`
		}
		e.do("GET", "/api/v1/me", tokens[role], nil).ok(t, http.StatusOK, &me)
		if me.User.ID != ids[role] {
			t.Errorf("me as %s: %+v", role, me.User)
		}
		e.do("GET", fmt.Sprintf("/api/v1/users/%d", ids[role]), tokens[role], nil).ok(t, http.StatusOK, nil)
	}

	// Every lookup is audited.
	var audit struct {
		Items []npac.AuditRecord `json:"items"`
	}
	e.do("GET", "/api/v1/audit?limit=1000", e.admin, nil).ok(t, http.StatusOK, &audit)
	seen := map[string]int{}
	for _, a := range audit.Items {
		seen[a.Action]++
	}
	for _, action := range []string{"lookup", "lookup.history", "lookup.tcpa", "lookup.session", "pin.issue"} {
		if seen[action] == 0 {
			t.Errorf("no %s in the audit trail: %v", action, seen)
		}
	}
}

// TestLookupRegions checks that a data user sees no number outside its
// regions: each number is refused in its place.
func TestLookupRegions(t *testing.T) {
	e := newEnv(t)
	e.lookupFixture()
	west := map[npac.Role]string{}
	westIDs := map[npac.Role]int64{}
	for _, r := range npac.DataRoles {
		west[r], westIDs[r] = e.dataUser("west-"+string(r), r, "WE")
	}
	for _, r := range npac.DataRoles {
		p := e.do("GET", "/api/v1/lookup/"+portedTN, west[r], nil).wantProblem(t, http.StatusForbidden, npac.EFORBIDDEN)
		if !strings.Contains(p.Detail, "NE") {
			t.Errorf("%s outside its regions: %q does not name the region", r, p.Detail)
		}
		res := portInfoResults(t, e.do("POST", "/api/v1/lookup", west[r], map[string]any{"tns": []string{portedTN, unknownTN}}))
		if k := jsonKeys(t, res[0]); !slices.Equal(k, []string{"error", "tn"}) {
			t.Errorf("POST /lookup outside %s's regions: keys %v, want error and tn", r, k)
		}
		if p := resultError(t, res[0]); p.Code != npac.EFORBIDDEN || p.Status != http.StatusForbidden {
			t.Errorf("POST /lookup outside %s's regions: %+v", r, p)
		}
		s := e.openSession("west-"+string(r), westIDs[r])
		var ans struct {
			Result  json.RawMessage    `json:"result"`
			Session npac.LookupSession `json:"session"`
		}
		e.sessionGet(s.ID, portedTN).ok(t, http.StatusOK, &ans)
		if k := jsonKeys(t, ans.Result); !slices.Equal(k, []string{"error", "tn"}) || resultError(t, ans.Result).Code != npac.EFORBIDDEN {
			t.Errorf("session lookup outside %s's regions: %s", r, ans.Result)
		}
		if ans.Session.Used != 1 || ans.Session.ID != s.ID {
			t.Errorf("a refused number in a session: %+v, want it counted", ans.Session)
		}
	}
	for _, r := range []npac.Role{npac.RoleFraud, npac.RoleLawEnforcement} {
		e.do("GET", "/api/v1/lookup/"+portedTN+"/history", west[r], nil).wantProblem(t, http.StatusForbidden, npac.EFORBIDDEN)
	}
	rows := tcpaRows(t, e.do("POST", "/api/v1/tcpa?since=2025-01-01", west[npac.RoleTCPA], wirelessTN+"\n"))
	if len(rows) != 2 || rows[1][0] != wirelessTN || rows[1][1] != "" || rows[1][2] != "" || !strings.Contains(rows[1][3], "region NE") {
		t.Errorf("tcpa outside the regions: %v", rows)
	}

	// With roles in two regions, a number shows only the fields of the
	// roles that cover it.
	var out struct {
		Token npac.Token `json:"token"`
	}
	e.do("POST", "/api/v1/users", e.admin, map[string]any{"name": "mixed", "grants": []map[string]any{
		{"role": "ptrs", "regions": []string{"WE"}}, {"role": "tcpa", "regions": []string{"ne"}},
	}}).ok(t, http.StatusCreated, &out)
	r := e.do("GET", "/api/v1/lookup/"+portedTN, out.Token.Secret, nil)
	r.ok(t, http.StatusOK, nil)
	checkFields(t, "ptrs in WE and tcpa in NE", npac.RoleTCPA, jsonKeys(t, r.body))

	// Grants of data roles are held for regions, not SPIDs.
	for _, g := range []map[string]any{
		{"role": "ptrs"},
		{"role": "ptrs", "spid": newSPID, "regions": []string{"NE"}},
		{"role": "ptrs", "regions": []string{"XX"}},
		{"role": "soa", "spid": newSPID, "regions": []string{"NE"}},
	} {
		e.do("POST", "/api/v1/users", e.admin, map[string]any{"name": "bad", "grants": []map[string]any{g}}).
			wantProblem(t, http.StatusBadRequest, npac.EINVALID)
	}
}

// TestLookupLimits checks the per-query and per-minute limits and their
// answers.
func TestLookupLimits(t *testing.T) {
	e := newEnvWith(t, func(st *store.Store) {
		st.LookupLimits[npac.RoleFraud] = store.LookupLimit{PerQuery: 100, PerMinute: 3}
	})
	tokens, _, _ := e.lookupFixture()

	// Law enforcement asks at most 100 numbers a query.
	var many []string
	for i := range 101 {
		many = append(many, fmt.Sprintf("212555%04d", i))
	}
	p := e.do("POST", "/api/v1/lookup", tokens[npac.RoleLawEnforcement], map[string]any{"tns": many}).wantProblem(t, http.StatusBadRequest, npac.EINVALID)
	if !strings.Contains(p.Detail, "100") {
		t.Errorf("101 numbers: %q does not name the limit", p.Detail)
	}
	if res := portInfoResults(t, e.do("POST", "/api/v1/lookup", tokens[npac.RoleLawEnforcement], map[string]any{"tns": many[:100]})); len(res) != 100 {
		t.Errorf("100 numbers: %d results", len(res))
	}
	e.do("POST", "/api/v1/lookup", tokens[npac.RolePTRS], map[string]any{"tns": []string{}}).wantProblem(t, http.StatusBadRequest, npac.EINVALID)
	p = e.do("POST", "/api/v1/lookup", tokens[npac.RolePTRS], map[string]any{"tns": []string{portedTN, "12"}}).wantProblem(t, http.StatusBadRequest, npac.EINVALID)
	if !strings.Contains(p.Detail, "tns[1]") {
		t.Errorf("a bad number: %q does not name it", p.Detail)
	}
	e.do("GET", "/api/v1/lookup/555", tokens[npac.RolePTRS], nil).wantProblem(t, http.StatusBadRequest, npac.EINVALID)
	e.do("GET", "/api/v1/lookup/"+unknownTN, tokens[npac.RolePTRS], nil).wantProblem(t, http.StatusNotFound, npac.ENOTFOUND)

	// Fraud here has 3 numbers a minute; the refusal says when the
	// minute is over, by the store's clock.
	e.clock.Set(time.Date(2025, 3, 5, 14, 0, 45, 0, time.UTC))
	fraud := tokens[npac.RoleFraud]
	portInfoResults(t, e.do("POST", "/api/v1/lookup", fraud, map[string]any{"tns": []string{portedTN, plainTN}}))
	e.do("GET", "/api/v1/lookup/"+portedTN+"/history", fraud, nil).ok(t, http.StatusOK, nil)
	r := e.do("GET", "/api/v1/lookup/"+portedTN, fraud, nil)
	p = r.wantProblem(t, http.StatusTooManyRequests, npac.ERateLimited)
	if got := r.header.Get("Retry-After"); got != "15" {
		t.Errorf("Retry-After %q, want 15 (the seconds left in the minute); detail %q", got, p.Detail)
	}
	e.do("GET", "/api/v1/lookup/"+portedTN+"/history", fraud, nil).wantProblem(t, http.StatusTooManyRequests, npac.ERateLimited)
	e.clock.Set(time.Date(2025, 3, 5, 14, 1, 0, 0, time.UTC))
	e.do("GET", "/api/v1/lookup/"+portedTN, fraud, nil).ok(t, http.StatusOK, nil)
	// Other users are not held back by fraud's minute.
	e.do("GET", "/api/v1/lookup/"+portedTN, tokens[npac.RolePTRS], nil).ok(t, http.StatusOK, nil)
}

// TestLookupSession checks PINs and limited sessions: public routes, the
// session in the Authorization header, and the 20 numbers.
func TestLookupSession(t *testing.T) {
	e := newEnv(t)
	tokens, ids, soaTok := e.lookupFixture()
	id := ids[npac.RolePTRS]

	// Only NPAC personnel issue PINs, and only to data users.
	e.do("POST", fmt.Sprintf("/api/v1/users/%d/pin", id), soaTok, nil).wantProblem(t, http.StatusForbidden, npac.EFORBIDDEN)
	e.do("POST", fmt.Sprintf("/api/v1/users/%d/pin", id), "", nil).wantProblem(t, http.StatusUnauthorized, npac.EUNAUTHORIZED)
	e.do("POST", "/api/v1/users/999/pin", e.admin, nil).wantProblem(t, http.StatusNotFound, npac.ENOTFOUND)
	e.do("POST", "/api/v1/users/x/pin", e.admin, nil).wantProblem(t, http.StatusBadRequest, npac.EINVALID)
	e.do("POST", fmt.Sprintf("/api/v1/users/%d/pin", id), e.admin, `{"pin":"1"}`).wantProblem(t, http.StatusBadRequest, npac.EINVALID)
	var users struct {
		Items []npac.User `json:"items"`
	}
	e.do("GET", "/api/v1/users", e.admin, nil).ok(t, http.StatusOK, &users)
	for _, u := range users.Items {
		if u.Name == "new-soa" {
			e.do("POST", fmt.Sprintf("/api/v1/users/%d/pin", u.ID), e.admin, nil).wantProblem(t, http.StatusBadRequest, npac.EINVALID)
		}
	}

	s := e.openSession("data-ptrs", id)
	// Opening needs a name and a PIN that match.
	e.do("POST", "/api/v1/lookup-sessions", "", map[string]string{"user": "data-ptrs"}).wantProblem(t, http.StatusBadRequest, npac.EINVALID)
	e.do("POST", "/api/v1/lookup-sessions", "", map[string]string{"user": "nobody", "pin": "12345678"}).wantProblem(t, http.StatusUnauthorized, npac.EUNAUTHORIZED)

	// The session is named in the Authorization header, not by a token.
	r := e.do("GET", "/api/v1/lookup-session/"+portedTN, "", nil)
	r.wantProblem(t, http.StatusUnauthorized, npac.EUNAUTHORIZED)
	if got := r.header.Get("WWW-Authenticate"); got != `Session realm="OpenNPAC"` {
		t.Errorf("WWW-Authenticate %q, want the Session scheme", got)
	}
	e.do("GET", "/api/v1/lookup-session/"+portedTN, tokens[npac.RolePTRS], nil).wantProblem(t, http.StatusUnauthorized, npac.EUNAUTHORIZED)
	e.sessionGet("ls_nonsense", portedTN).wantProblem(t, http.StatusUnauthorized, npac.EUNAUTHORIZED)
	e.sessionGet(s.ID, "12").wantProblem(t, http.StatusBadRequest, npac.EINVALID)

	// Twenty numbers, then a clear refusal.
	for i := 1; i <= 20; i++ {
		var ans struct {
			Result  npac.PortInfo      `json:"result"`
			Session npac.LookupSession `json:"session"`
		}
		tn := fmt.Sprintf("212555%04d", 100+i)
		e.sessionGet(s.ID, tn).ok(t, http.StatusOK, &ans)
		if ans.Result.TN != npac.TN(tn) || ans.Session.Used != i || ans.Session.MaxLookups != 20 || ans.Session.ID != s.ID || ans.Session.User != "data-ptrs" {
			t.Fatalf("lookup %d: %+v", i, ans)
		}
	}
	r = e.sessionGet(s.ID, portedTN)
	p := r.wantProblem(t, http.StatusTooManyRequests, npac.ELookupLimit)
	if !strings.Contains(p.Detail, "20 numbers") || !strings.Contains(p.Detail, "new session") {
		t.Errorf("the 21st number's refusal: %q, want it to name the 20 numbers and a new session", p.Detail)
	}
	if got := r.header.Get("Retry-After"); got != "" {
		t.Errorf("lookup-limit has Retry-After %q; waiting does not help", got)
	}

	// A session expires after a quarter of an hour.
	s2 := e.openSession("data-ptrs", id)
	e.sessionGet(s2.ID, portedTN).ok(t, http.StatusOK, nil)
	e.clock.Advance(16 * time.Minute)
	e.sessionGet(s2.ID, portedTN).wantProblem(t, http.StatusUnauthorized, npac.EUNAUTHORIZED)
}

// TestTCPAStream checks a large TCPA check: every number answered, in the
// order sent, streamed.
func TestTCPAStream(t *testing.T) {
	e := newEnv(t)
	tokens, _, _ := e.lookupFixture()
	tcpa := tokens[npac.RoleTCPA]
	for _, c := range []string{"212-556", "212-557", "212-558", "212-559"} {
		e.do("POST", "/api/v1/npa-nxxs", e.admin, map[string]any{
			"npa_nxx": c, "spid": oldSPID, "region": "NE", "effective_date": "2025-01-01", "portable": true,
		}).ok(t, http.StatusCreated, nil)
	}
	// 50,000 numbers of five codes, in a shuffled order.
	tns := make([]string, 0, 50000)
	for c := 555; c <= 559; c++ {
		for i := range 10000 {
			tns = append(tns, fmt.Sprintf("212%d%04d", c, i))
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(tns), func(i, j int) { tns[i], tns[j] = tns[j], tns[i] })
	r := e.do("POST", "/api/v1/tcpa?since=2025-01-01T00:00:00Z", tcpa, strings.Join(tns, "\n")+"\n", "Content-Type", "text/plain")
	rows := tcpaRows(t, r)
	if r.header.Get("Content-Length") != "" {
		t.Errorf("a TCPA answer has Content-Length %s: it was buffered, not streamed", r.header.Get("Content-Length"))
	}
	if len(rows)-1 != len(tns) {
		t.Fatalf("%d answers, want %d", len(rows)-1, len(tns))
	}
	for i, tn := range tns {
		row := rows[i+1]
		if row[0] != tn || row[3] != "" {
			t.Fatalf("answer %d: %v, want %s without error (the order sent)", i, row, tn)
		}
		want := []string{tn, "false", "wireline", ""}
		if tn == wirelessTN {
			want = []string{tn, "true", "wireless", ""}
		}
		if !slices.Equal(row, want) {
			t.Errorf("answer %d: %v, want %v", i, row, want)
		}
	}

	// Lines that are not numbers are answered in their place; blank lines
	// and comments are skipped; since after the port, it does not count.
	r = e.do("POST", "/api/v1/tcpa?since=2025-03-06", tcpa, "# list\n"+wirelessTN+"\n\nnot, a number\n"+unknownTN+"\n")
	rows = tcpaRows(t, r)
	if len(rows) != 4 || !slices.Equal(rows[1], []string{wirelessTN, "false", "wireless", ""}) ||
		rows[2][0] != "not, a number" || rows[2][1] != "" || rows[2][3] == "" || rows[3][0] != unknownTN || rows[3][3] == "" {
		t.Errorf("mixed list: %q", rows)
	}
	// An empty list answers the header alone.
	if rows := tcpaRows(t, e.do("POST", "/api/v1/tcpa?since=2025-01-01", tcpa, "\n")); len(rows) != 1 {
		t.Errorf("empty list: %v", rows)
	}
	// since is required, and a date.
	for _, q := range []string{"", "?since=", "?since=yesterday", "?since=2025-13-01"} {
		e.do("POST", "/api/v1/tcpa"+q, tcpa, wirelessTN+"\n").wantProblem(t, http.StatusBadRequest, npac.EINVALID)
	}
	// A line too long to be a number is a list that cannot be read.
	e.do("POST", "/api/v1/tcpa?since=2025-01-01", tcpa, strings.Repeat("9", 70<<10)+"\n").wantProblem(t, http.StatusBadRequest, npac.EINVALID)

	// NDJSON: the same answers, one object a line.
	r = e.do("POST", "/api/v1/tcpa?since=2025-01-01", tcpa, strings.Join(tns[:1000], "\n"), "Accept", "text/csv;q=0.5, application/x-ndjson")
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("NDJSON: %d %q", r.status, r.header.Get("Content-Type"))
	}
	sc := bufio.NewScanner(bytes.NewReader(r.body))
	n := 0
	for sc.Scan() {
		var res npac.TCPAResult
		if err := json.Unmarshal(sc.Bytes(), &res); err != nil || string(res.TN) != tns[n] {
			t.Fatalf("NDJSON line %d: %s (%v), want %s", n, sc.Bytes(), err, tns[n])
		}
		n++
	}
	if n != 1000 {
		t.Errorf("NDJSON: %d lines, want 1000", n)
	}
	if !strings.Contains(r.header.Get("Vary"), "Accept") {
		t.Errorf("Vary %q, want Accept", r.header.Get("Vary"))
	}
}

// tcpaUser is a user service that knows one tcpa user, whatever the
// token.
type tcpaUser struct{ npac.UserService }

func (tcpaUser) Authenticate(ctx context.Context, secret string) (*npac.Actor, error) {
	return &npac.Actor{User: npac.User{ID: 7, Name: "tcpa", Grants: []npac.Grant{{Role: npac.RoleTCPA, Regions: []npac.Region{npac.Northeast}}}}}, nil
}

// brokenTCPA answers three numbers of a TCPA check, then fails.
type brokenTCPA struct{ npac.LookupService }

func (brokenTCPA) TCPA(ctx context.Context, since time.Time, in io.Reader, out func(*npac.TCPAResult) error) (int, error) {
	io.Copy(io.Discard, in)
	for i := range 3 {
		if err := out(&npac.TCPAResult{TN: npac.TN(fmt.Sprintf("212555%04d", i)), LineType: "wireline"}); err != nil {
			return i, err
		}
	}
	return 3, errors.New("database gone")
}

// TestTCPACutOff checks that a TCPA answer that fails after it began is
// cut off, not ended as if whole: a client must not take part of a list
// for all of it.
func TestTCPACutOff(t *testing.T) {
	logs := &syncBuffer{}
	srv := &npachttp.Server{Users: tcpaUser{}, Lookups: brokenTCPA{}, Log: slog.New(slog.NewTextHandler(logs, nil))}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	req, _ := http.NewRequest("POST", ts.URL+"/api/v1/tcpa?since=2025-01-01", strings.NewReader("2125550000\n"))
	req.Header.Set("Authorization", "Bearer x")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200 (the answer began)", res.StatusCode)
	}
	b, err := io.ReadAll(res.Body)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("reading a failed answer: %q, error %v; want it cut off (unexpected EOF)", b, err)
	}
	if !strings.Contains(logs.String(), "database gone") {
		t.Errorf("the failure is not logged:\n%s", logs)
	}
}
