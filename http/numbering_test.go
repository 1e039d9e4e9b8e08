package http_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/numbering"
)

// TestImport sends real numbering files through the API.
func TestImport(t *testing.T) {
	e := newEnv(t)
	_, oldTok := e.fixture()
	raw, err := os.ReadFile(filepath.Join("..", "..", "shared", "data", "cnac-co-codes", "COCodeStatus_ALL_2023-08-04.csv"))
	if err != nil {
		t.Fatalf("the shared CNAC data is needed beside the repository: %v", err)
	}
	e.do("POST", "/api/v1/imports", oldTok, string(raw)).wantProblem(t, http.StatusForbidden, npac.EFORBIDDEN)

	var rep numbering.Report
	e.do("POST", "/api/v1/imports?dry_run=true", e.admin, string(raw)).ok(t, http.StatusOK, &rep)
	if !rep.DryRun || rep.Source != "cnac" || rep.Added != 44000 || rep.ID != 0 {
		t.Fatalf("dry run: %s, dry %t, %d added, id %d; want a detected cnac dry run adding 44,000", rep.Source, rep.DryRun, rep.Added, rep.ID)
	}
	var list struct {
		Items []numbering.Report `json:"items"`
	}
	e.do("GET", "/api/v1/imports", e.admin, nil).ok(t, http.StatusOK, &list)
	if len(list.Items) != 0 {
		t.Fatalf("a dry run recorded %d imports", len(list.Items))
	}
	e.do("POST", "/api/v1/imports", e.admin, string(raw)).ok(t, http.StatusCreated, &rep)
	if rep.ID == 0 || rep.Added != 44000 || rep.Network.CodesCreated == 0 || len(rep.Changes) != numbering.MaxReportChanges || !rep.Truncated {
		t.Fatalf("import: id %d, %d added, %d codes created, %d changes listed (truncated %t)", rep.ID, rep.Added, rep.Network.CodesCreated, len(rep.Changes), rep.Truncated)
	}
	var code npac.CodeRecord
	e.do("GET", "/api/v1/npa-nxxs/613-221", e.admin, nil).ok(t, http.StatusOK, &code)
	if code.SPID != "8051" || code.Region != npac.Canada || !code.Portable {
		t.Errorf("613-221 after the import: %+v, want Bell Canada's (8051), open, in CA", code)
	}

	// A bad row names its line, and nothing is imported.
	bad := strings.Replace(string(raw), "204,201,", "204,2O1,", 1)
	p := e.do("POST", "/api/v1/imports", e.admin, bad).wantProblem(t, http.StatusBadRequest, npac.EINVALID)
	if !strings.Contains(p.Detail, "line 4:") {
		t.Errorf("bad row: %q, want it to name line 4", p.Detail)
	}
	e.do("POST", "/api/v1/imports?kind=nanpa-5xx", e.admin, "NPA\tNXX\tUse\tOCN\tCompany\n500\t200\tAS\t6010\tX\n").wantProblem(t, http.StatusBadRequest, npac.EINVALID)
	e.do("POST", "/api/v1/imports?kind=bogus", e.admin, "x").wantProblem(t, http.StatusBadRequest, npac.EINVALID)
	e.do("POST", "/api/v1/imports", e.admin, "hello\n").wantProblem(t, http.StatusBadRequest, npac.EINVALID)
	e.do("GET", "/api/v1/imports", e.admin, nil).ok(t, http.StatusOK, &list)
	if len(list.Items) != 1 || list.Items[0].Changes != nil {
		t.Errorf("import history: %d entries, want the one import without its changes", len(list.Items))
	}
}

// TestSplitRoutes schedules a split through the API.
func TestSplitRoutes(t *testing.T) {
	e := newEnv(t)
	_, oldTok := e.fixture()
	body := map[string]any{"old_npa": "212", "new_npa": "646", "nxxs": []string{"555"}, "pdp_end": "2099-01-01"}
	e.do("POST", "/api/v1/splits", oldTok, body).wantProblem(t, http.StatusForbidden, npac.EFORBIDDEN)
	e.do("POST", "/api/v1/splits", e.admin, map[string]any{"old_npa": "212", "new_npa": "646", "nxxs": []string{"555"}, "pdp_end": "2000-01-01"}).
		wantProblem(t, http.StatusBadRequest, npac.EINVALID)
	var sp npac.Split
	e.do("POST", "/api/v1/splits", e.admin, body).ok(t, http.StatusCreated, &sp)
	if sp.Status != npac.SplitPermissive || sp.Moved == nil || sp.Moved.Codes != 1 {
		t.Fatalf("split starting now: %+v, want permissive with one code moved", sp)
	}
	e.do("POST", "/api/v1/splits", e.admin, body).wantProblem(t, http.StatusConflict, npac.ECONFLICT)
	var list struct {
		Items []npac.Split `json:"items"`
	}
	e.do("GET", "/api/v1/splits", oldTok, nil).ok(t, http.StatusOK, &list)
	if len(list.Items) != 1 || list.Items[0].ID != sp.ID {
		t.Errorf("splits: %+v", list.Items)
	}
	var code npac.CodeRecord
	e.do("GET", "/api/v1/npa-nxxs/646555", oldTok, nil).ok(t, http.StatusOK, &code)
}
