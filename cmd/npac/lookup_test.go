package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/storetest"
)

// pinLine is the PIN line user pin prints.
var pinLine = regexp.MustCompile(`(?m)^pin:\s+(\d{8})$`)

// createUser creates a user through the command line, records its token
// under its name and returns its ID and the command's output.
func (e *testEnv) createUser(t *testing.T, name string, flags ...string) (int64, string) {
	t.Helper()
	out := e.mustRun(t, "admin", append([]string{"user", "create", "--name", name}, flags...)...)
	u, tok := userLine.FindStringSubmatch(out), tokenLine.FindStringSubmatch(out)
	if u == nil || tok == nil {
		t.Fatalf("user create printed no user or token:\n%s", out)
	}
	e.w.Tokens[name] = tok[1]
	id, _ := strconv.ParseInt(u[1], 10, 64)
	return id, out
}

// lookupWorld ports 212-555-0950 (wireline) and 212-555-0960 (to wireless
// service) from AAA1 to BBB2, gives BBB2 contacts, and creates a user of
// each data role in the Northeast, named after the role.
func lookupWorld(t *testing.T) (*testEnv, map[npac.Role]int64) {
	t.Helper()
	e := newTestEnv(t)
	w := e.w
	contacts := []npac.Contact{{Kind: "law-enforcement", Name: "Bravo subpoena desk", Phone: "2125550000"}}
	if _, err := w.S.UpdateProvider(w.Admin, storetest.SPB, npac.ProviderUpdate{Contacts: &contacts}); err != nil {
		t.Fatal(err)
	}
	w.Port(t, storetest.TN(950))
	in := storetest.NewCreate(storetest.TN(960), storetest.SPA, storetest.SPB, storetest.LRNB)
	in.SVType = npac.SVWireless
	sv := w.MustCreate(t, w.B, in)
	w.MustCreate(t, w.A, storetest.OldCreate(storetest.TN(960), storetest.SPA, storetest.SPB))
	w.MustAct(t, w.B, sv.ID, npac.Action{Kind: npac.ActActivate})
	ids := map[npac.Role]int64{}
	for _, r := range npac.DataRoles {
		var out string
		ids[r], out = e.createUser(t, string(r), "--role", string(r), "--regions", "NE")
		wantLines(t, out, "roles: "+string(r)+" NE")
	}
	return e, ids
}

// TestLookupCLI runs port queries and histories as each data role.
func TestLookupCLI(t *testing.T) {
	e, _ := lookupWorld(t)
	activated := storetest.DueDay.Add(14 * time.Hour).Format(time.RFC3339)

	// ptrs: routing fields, no contacts and no port date.
	out := e.mustRun(t, "ptrs", "lookup", "212-555-0950", "2125550951")
	wantLines(t, out,
		"TN PORTED POOLED SPID PROVIDER LRN SV TYPE LINE CODE HOLDER REGION",
		"212-555-0950 yes no BBB2 Bravo Wireless 212-555-9999 wireline wireline AAA1 NE",
		"212-555-0951 no no AAA1 Alpha Telephone - - wireline AAA1 NE",
	)
	if strings.Contains(out, "LAST PORTED") || strings.Contains(out, "contacts") {
		t.Errorf("ptrs sees the port date or contacts:\n%s", out)
	}

	// tcpa: whether and when it was ported, and its line; not who
	// serves it or how it routes.
	out = e.mustRun(t, "tcpa", "lookup", "212-555-0960")
	wantLines(t, out, "TN PORTED LINE LAST PORTED REGION", "212-555-0960 yes wireless "+activated+" NE")
	for _, leak := range []string{"BBB2", "Bravo", "212-555-9999", "AAA1"} {
		if strings.Contains(out, leak) {
			t.Errorf("tcpa sees %s:\n%s", leak, out)
		}
	}
	out = e.mustRun(t, "tcpa", "lookup", "212-555-0960", "--json")
	var res struct {
		Results []map[string]any `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Results) != 1 {
		t.Fatalf("lookup --json: %v\n%s", err, out)
	}
	if k := slices.Sorted(maps.Keys(res.Results[0])); !slices.Equal(k, []string{"last_ported_at", "line_type", "ported", "region", "tn"}) {
		t.Errorf("tcpa --json keys %v", k)
	}

	// Law enforcement: the provider and its contacts.
	out = e.mustRun(t, "law-enforcement", "lookup", "212-555-0950")
	wantLines(t, out,
		"TN PORTED SPID PROVIDER LINE LAST PORTED CODE HOLDER REGION",
		"212-555-0950 yes BBB2 Bravo Wireless wireline "+activated+" AAA1 NE",
		"contacts of BBB2 for 212-555-0950: law-enforcement: Bravo subpoena desk 2125550000",
	)

	// A number the NPAC does not know is answered in its row, and the
	// command fails.
	out, _, err := e.run("fraud", "lookup", "212-555-0950", "312-555-0100")
	var rf *rangeFailedError
	if !errors.As(err, &rf) || rf.failed != 1 || rf.total != 2 {
		t.Errorf("lookup with an unknown number: error %v, want 1 of 2 failed", err)
	}
	wantLines(t, out, "312-555-0100 - - - - - - - - not-found: 312-555-0100 is in no NPA-NXX the NPAC knows.")

	// A provider's SOA holds no data role.
	_, _, err = e.run("bravo-soa", "lookup", "212-555-0950")
	wantCode(t, err, npac.EFORBIDDEN)

	// History: fraud sees the ports, law enforcement with contacts; not
	// ptrs.
	out = e.mustRun(t, "fraud", "lookup", "history", "212-555-0950")
	wantLines(t, out, "AT TYPE FROM TO SV TYPE SV ID")
	if !regexp.MustCompile(`(?m)^`+activated+`\s+port\s+AAA1\s+BBB2\s+wireline\s+\d+$`).MatchString(out) || strings.Contains(out, "contacts") {
		t.Errorf("fraud history:\n%s", out)
	}
	out = e.mustRun(t, "law-enforcement", "lookup", "history", "212-555-0950")
	wantLines(t, out, "contacts of BBB2: law-enforcement: Bravo subpoena desk 2125550000")
	_, errOut, err := e.run("fraud", "lookup", "history", "212-555-0951")
	if err != nil || !strings.Contains(errOut, "212-555-0951 was never ported") {
		t.Errorf("history of a number never ported: %v, stderr %q", err, errOut)
	}
	_, _, err = e.run("ptrs", "lookup", "history", "212-555-0950")
	wantCode(t, err, npac.EFORBIDDEN)
}

// TestTCPACLI streams a TCPA check of a file to standard output.
func TestTCPACLI(t *testing.T) {
	e, _ := lookupWorld(t)
	file := filepath.Join(t.TempDir(), "numbers.txt")
	if err := os.WriteFile(file, []byte("# to call\n212-555-0960\n2125550950\n\nnot, a number\n2125550951\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := e.run("tcpa", "tcpa", "--since", "2026-01-01", file)
	if err != nil {
		t.Fatalf("tcpa: %v\n%s", err, errOut)
	}
	lines := strings.Split(out, "\n")
	want := []string{"tn,ported,line_type,error", "2125550960,true,wireless,", "2125550950,false,wireline,", `"not, a number",,,`, "2125550951,false,wireline,", ""}
	if len(lines) != len(want) {
		t.Fatalf("tcpa output:\n%s\nwant %d lines", out, len(want)-1)
	}
	for i := range want {
		if i == 3 {
			if !strings.HasPrefix(lines[i], want[i]) || len(lines[i]) == len(want[i]) {
				t.Errorf("line %d: %q, want %q and an error", i, lines[i], want[i])
			}
			continue
		}
		if lines[i] != want[i] {
			t.Errorf("line %d: %q, want %q", i, lines[i], want[i])
		}
	}
	if !strings.Contains(errOut, "4 numbers checked: 1 ported between wireless and wireline since 2026-01-01, 1 not checked") {
		t.Errorf("summary %q", errOut)
	}

	// After the port, nothing counts; NDJSON with --json.
	out = e.mustRun(t, "tcpa", "tcpa", "--since", "2026-11-19T00:00:00Z", file, "--json")
	var got []npac.TCPAResult
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var r npac.TCPAResult
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("--json line %q: %v", l, err)
		}
		got = append(got, r)
	}
	if len(got) != 4 || got[0].TN != "2125550960" || got[0].Ported || got[0].LineType != "wireless" || got[2].Error == "" {
		t.Errorf("tcpa --json: %+v", got)
	}

	// Only tcpa and NPAC personnel.
	_, _, err = e.run("ptrs", "tcpa", "--since", "2026-01-01", file)
	wantCode(t, err, npac.EFORBIDDEN)
	e.mustRun(t, "admin", "tcpa", "--since", "2026-01-01", file)

	// Bad arguments are refused before any request.
	n := e.requests.Load()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"tcpa", file}, "needs --since"},
		{[]string{"tcpa", "--since", "soon", file}, "--since"},
		{[]string{"tcpa", "--since", "2026-01-01"}, "needs one file"},
		{[]string{"tcpa", "--since", "2026-01-01", file, file}, "needs one file"},
		{[]string{"tcpa", "--since", "2026-01-01", filepath.Join(t.TempDir(), "none.txt")}, "no such file"},
	} {
		_, _, err := e.run("tcpa", c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("npac %s: error %v, want one mentioning %q", strings.Join(c.args, " "), err, c.want)
		}
	}
	if got := e.requests.Load(); got != n {
		t.Errorf("refused commands sent %d requests", got-n)
	}
}

// TestLookupSessionCLI issues a PIN and looks numbers up in a session,
// without a token, until the session's limit.
func TestLookupSessionCLI(t *testing.T) {
	e, ids := lookupWorld(t)
	id := strconv.FormatInt(ids[npac.RolePTRS], 10)

	_, _, err := e.run("bravo-soa", "user", "pin", id)
	wantCode(t, err, npac.EFORBIDDEN)
	out := e.mustRun(t, "admin", "user", "pin", id)
	m := pinLine.FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "shown only once") {
		t.Fatalf("user pin printed:\n%s", out)
	}
	pin := m[1]
	_, _, err = e.run("admin", "user", "pin", "1")
	wantCode(t, err, npac.EINVALID) // the admin holds no data role

	_, _, err = e.run("", "lookup", "session", "--user", "ptrs", "--pin", "00000000", "212-555-0950")
	wantCode(t, err, npac.EUNAUTHORIZED)

	// Two numbers, with the session's count.
	out = e.mustRun(t, "", "lookup", "session", "--user", "ptrs", "--pin", pin, "212-555-0950", "212-555-0951")
	wantLines(t, out,
		"212-555-0950 yes no BBB2 Bravo Wireless 212-555-9999 wireline wireline AAA1 NE",
		"212-555-0951 no no AAA1 Alpha Telephone - - wireline AAA1 NE",
	)
	if !strings.Contains(out, "session: 2 of 20 numbers used, expires ") {
		t.Errorf("session summary missing:\n%s", out)
	}

	// The 21st number stops the command with the NPAC's sentence, after
	// printing the 20 answers.
	var tns []string
	for i := 1; i <= 21; i++ {
		tns = append(tns, fmt.Sprintf("212-555-%04d", i))
	}
	out, _, err = e.run("", append([]string{"lookup", "session", "--user", "ptrs", "--pin", pin}, tns...)...)
	wantCode(t, err, npac.ELookupLimit)
	if !strings.Contains(err.Error(), "20 numbers") || !strings.Contains(err.Error(), "new session") {
		t.Errorf("the 21st number's refusal: %q", err)
	}
	wantLines(t, out, "212-555-0020 no no AAA1 Alpha Telephone wireline AAA1 NE")
	if strings.Contains(out, "212-555-0021") || !strings.Contains(out, "session: 20 of 20 numbers used") {
		t.Errorf("session output before the limit:\n%s", out)
	}

	// --json prints each answer as a line.
	out = e.mustRun(t, "", "lookup", "session", "--user", "ptrs", "--pin", pin, "212-555-0950", "--json")
	var ans struct {
		Result  map[string]any     `json:"result"`
		Session npac.LookupSession `json:"session"`
	}
	if err := json.Unmarshal([]byte(out), &ans); err != nil || ans.Result["lrn"] != "2125559999" || ans.Session.Used != 1 {
		t.Errorf("session --json: %v\n%s", err, out)
	}

	// Bad arguments are refused before any request.
	n := e.requests.Load()
	t.Setenv("NPAC_LOOKUP_PIN", "")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"lookup", "session", "--pin", pin, "212-555-0950"}, "needs --user"},
		{[]string{"lookup", "session", "--user", "ptrs", "212-555-0950"}, "needs --pin"},
		{[]string{"lookup", "session", "--user", "ptrs", "--pin", pin}, "at least one number"},
		{[]string{"lookup", "session", "--user", "ptrs", "--pin", pin, "555"}, "555"},
		{[]string{"lookup"}, "at least one number"},
		{[]string{"lookup", "212-555"}, "212-555"},
		{[]string{"lookup", "history"}, "needs one number"},
		{[]string{"lookup", "history", "2125550950", "2125550951"}, "needs one number"},
	} {
		_, _, err := e.run("ptrs", c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("npac %s: error %v, want one mentioning %q", strings.Join(c.args, " "), err, c.want)
		}
	}
	if got := e.requests.Load(); got != n {
		t.Errorf("refused commands sent %d requests", got-n)
	}
	// The PIN may come from the environment.
	t.Setenv("NPAC_LOOKUP_PIN", pin)
	e.mustRun(t, "", "lookup", "session", "--user", "ptrs", "212-555-0950")
}

// TestUserCreateDataRoles checks the --regions of data roles.
func TestUserCreateDataRoles(t *testing.T) {
	e := newTestEnv(t)
	_, out := e.createUser(t, "multi", "--role", "ptrs", "--regions", "ne, MA", "--role", "soa", "--spid", "BBB2", "--role", "fraud", "--regions", "WE")
	wantLines(t, out, "roles: ptrs NE,MA, soa BBB2, fraud WE")
	users, err := e.w.S.Users(e.w.Admin)
	if err != nil {
		t.Fatal(err)
	}
	u := users[len(users)-1]
	if u.Name != "multi" || len(u.Grants) != 3 || !slices.Equal(u.Grants[0].Regions, []npac.Region{npac.Northeast, npac.MidAtlantic}) || u.Grants[1].SPID != storetest.SPB {
		t.Errorf("stored user %+v", u)
	}

	n := e.requests.Load()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--role", "ptrs"}, "needs its --regions"},
		{[]string{"--role", "ptrs", "--spid", "BBB2"}, "held for regions, not a SPID"},
		{[]string{"--role", "soa", "--regions", "NE"}, "not held for regions"},
		{[]string{"--role", "npac-admin", "--regions", "NE"}, "not held for regions"},
		{[]string{"--regions", "NE", "--role", "ptrs"}, "must follow"},
		{[]string{"--role", "tcpa", "--regions", "NE", "--regions", "MA"}, "must follow"},
		{[]string{"--role", "tcpa", "--regions", "XX"}, "XX"},
		{[]string{"--role", "tcpa", "--regions", ""}, "region"},
		{[]string{"--role", "nosuch"}, "ptrs, tcpa, fraud or law-enforcement"},
	} {
		_, _, err := e.run("admin", append([]string{"user", "create", "--name", "bad"}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("npac user create %s: error %v, want one mentioning %q", strings.Join(c.args, " "), err, c.want)
		}
	}
	if got := e.requests.Load(); got != n {
		t.Errorf("refused commands sent %d requests", got-n)
	}
}
