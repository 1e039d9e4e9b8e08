package main

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	npac "github.com/opennpac/npac"
)

// TestImportCLI imports both real CNAC snapshots in order and checks the
// report names exactly the differences the files hold.
func TestImportCLI(t *testing.T) {
	e := newTestEnv(t)
	dir := filepath.Join("..", "..", "..", "shared", "data", "cnac-co-codes")
	older, newer := filepath.Join(dir, "COCodeStatus_ALL_2023-08-04.csv"), filepath.Join(dir, "COCodeStatus_ALL_2024-10-10.csv")

	_, _, err := e.run("bravo-soa", "import", older)
	wantCode(t, err, npac.EFORBIDDEN)
	out := e.mustRun(t, "admin", "import", "--dry-run", older)
	if !strings.Contains(out, "would import (dry run) cnac of 2023-08-04, 44000 rows") || !strings.Contains(out, "44000 added") {
		t.Fatalf("dry run:\n%s", out)
	}
	out = e.mustRun(t, "admin", "import", older, newer)
	for _, want := range []string{
		"COCodeStatus_ALL_2023-08-04.csv: imported cnac of 2023-08-04, 44000 rows",
		"COCodeStatus_ALL_2024-10-10.csv: imported cnac of 2024-10-10, 44000 rows",
		"0 added, 3028 changed (company 1895, exchange_area 886, ocn 889, remarks 795, status 2050), 0 removed, 40972 unchanged",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("import output lacks %q:\n%s", want, out)
		}
	}
	_, _, err = e.run("admin", "import", "--region", "XX", newer)
	if err == nil || !strings.Contains(err.Error(), "region") {
		t.Errorf("a bad --region: %v, want it refused before sending", err)
	}
	_, _, err = e.run("admin", "import", filepath.Join(dir, "SOURCE.md"))
	wantCode(t, err, npac.EINVALID)
}

// TestSplitCLI schedules and lists an NPA split.
func TestSplitCLI(t *testing.T) {
	e := newTestEnv(t)
	_, _, err := e.run("admin", "split", "create", "--old-npa", "212", "--new-npa", "646")
	if err == nil || !strings.Contains(err.Error(), "--nxx, --pdp-end") {
		t.Errorf("split create without its flags: %v", err)
	}
	out := e.mustRun(t, "admin", "split", "create", "--old-npa", "212", "--new-npa", "646", "--nxx", "555", "--pdp-end", "2099-01-01")
	if !strings.Contains(out, "212-555 to 646-555, permissive") || !strings.Contains(out, "moved 1 codes") {
		t.Fatalf("split create:\n%s", out)
	}
	out = e.mustRun(t, "alpha-soa", "split", "list")
	wantLines(t, out, "ID OLD NEW NXXS PDP START PDP END STATUS")
	if !strings.Contains(out, "permissive") {
		t.Errorf("split list:\n%s", out)
	}
}

// TestReportCLI prints a report as a table and as CSV.
func TestReportCLI(t *testing.T) {
	e := newTestEnv(t)
	e.mustRun(t, "bravo-soa", append([]string{"sv", "create", "--lrn", "2125559999"}, portArgs("2125550150")...)...)
	out := e.mustRun(t, "admin", "report", "open-svs")
	if !strings.Contains(out, "SV_ID") || !strings.Contains(out, "2125550150") {
		t.Errorf("open-svs table:\n%s", out)
	}
	out = e.mustRun(t, "bravo-soa", "report", "open-svs", "--csv")
	if !strings.HasPrefix(out, "sv_id,tn,status") || !strings.Contains(out, "2125550150,pending") {
		t.Errorf("open-svs CSV:\n%s", out)
	}
	_, _, err := e.run("admin", "report", "nonsense")
	wantCode(t, err, "invalid")
}

// TestUserPassword sets a web UI password from standard input.
func TestUserPassword(t *testing.T) {
	e := newTestEnv(t)
	defer func(r io.Reader) { passwordInput = r }(passwordInput)
	passwordInput = strings.NewReader("short\n")
	_, _, err := e.run("admin", "user", "password", "2")
	wantCode(t, err, "invalid")
	passwordInput = strings.NewReader("a long enough password\n")
	out := e.mustRun(t, "admin", "user", "password", "2")
	if !strings.Contains(out, "password set for user 2") {
		t.Errorf("output: %q", out)
	}
	if _, err := e.w.S.Login(context.Background(), "alpha-soa", "a long enough password"); err != nil {
		t.Errorf("sign in with the new password: %v", err)
	}
}
