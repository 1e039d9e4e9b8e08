package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/portorder"
)

// orderCSRs is AAA1's CSR file: ACCT-1 (Jane Roe, two lines) and ACCT-2
// (Doe Bakery, one line, with a PIN).
const orderCSRs = `account,tn,btn,authorized_names,business_name,number,street,city,state,postal_code,country,pin
ACCT-1,212-555-0100,2125550100,Jane Roe,,123,Main St,New York,NY,10001,US,
ACCT-1,2125550101,,,,,,,,,,
ACCT-2,2125550200,2125550200,John Doe,Doe Bakery,45,Broadway,New York,NY,10006,US,1234
`

// orderDoc is a --document of the order tests.
var orderDoc = "bill:bill.pdf:" + strings.Repeat("0f", 32) + ":1000"

// writeFile writes a test file and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestOrderCLI runs port orders through the command line: AAA1 loads its
// CSRs, CCC3 checks numbers, creates and submits an order that gets its FOC
// and SVs at once, and corrects a rejected one with a supp. The world's
// clock is Monday 16 November 2026, 10:00 in New York: a non-simple port
// is due on Friday the 20th at the earliest.
func TestOrderCLI(t *testing.T) {
	e := newTestEnv(t)

	out := e.mustRun(t, "alpha-soa", "csr", "load", "--spid", "AAA1", writeFile(t, "csr.csv", orderCSRs))
	wantLines(t, out,
		"stored 2 CSR(s) of AAA1, 3 number(s)",
		"ACCOUNT BTN NUMBERS NAMES ADDRESS",
		"ACCT-1 212-555-0100 2 Jane Roe 123 Main St, New York NY 10001",
		"ACCT-2 212-555-0200 1 John Doe; Doe Bakery 45 Broadway, New York NY 10006",
	)
	out = e.mustRun(t, "alpha-soa", "csr", "list", "--spid", "AAA1")
	wantLines(t, out, "ACCT-1 212-555-0100 2 Jane Roe 123 Main St, New York NY 10001")
	_, _, err := e.run("alpha-soa", "csr", "load", "--spid", "AAA1", writeFile(t, "bad.csv", "account,tn\nA9,2125550900\nA9,21255\n"))
	wantCode(t, err, npac.EINVALID)
	if !strings.Contains(err.Error(), "Line 3") {
		t.Errorf("bad CSV: %v, want line 3 named", err)
	}

	out = e.mustRun(t, "charlie-soa", "order", "check", "--spid", "CCC3", "--tns", "212-555-0100", "2125550200")
	wantLines(t, out,
		"TN PORTABLE LOSING PIN SIMPLE REASONS",
		"212-555-0100 yes AAA1 - no -",
		"212-555-0200 yes AAA1 - yes -",
	)

	create := []string{"order", "create", "--spid", "CCC3", "--tns", "212-555-0100,2125550101", "--lrn", "212-556-9999",
		"--name", "Jane Roe", "--account", "ACCT-1", "--btn", "2125550100", "--number", "123", "--street", "Main St",
		"--city", "New York", "--state", "NY", "--zip", "10001", "--due", "2026-11-20",
		"--loa-signer", "Jane Roe", "--loa-date", "2026-11-10", "--document", orderDoc, "--idempotency-key", "o-1"}
	out = e.mustRun(t, "charlie-soa", create...)
	wantLines(t, out,
		"order: 1",
		"status: draft",
		"losing → gaining: AAA1 → CCC3",
		"end user: Jane Roe",
		"account: ACCT-1 (BTN 212-555-0100)",
		"address: 123 Main St, New York NY 10001 US",
		"lrn: 212-556-9999",
		"desired due: 2026-11-20",
		"TN TYPE STATUS SV SV STATUS",
		"212-555-0100 wireline draft - -",
	)
	// The same key answers the same order.
	out = e.mustRun(t, "charlie-soa", create...)
	wantLines(t, out, "order: 1")

	out = e.mustRun(t, "charlie-soa", "order", "submit", "1")
	wantLines(t, out, "status: foc", "foc: 2026-11-20")
	out = e.mustRun(t, "charlie-soa", "order", "show", "1")
	wantLines(t, out,
		"status: foc",
		"foc: 2026-11-20",
		"212-555-0100 wireline foc 1 pending",
		"212-555-0101 wireline foc 2 pending",
	)
	out = e.mustRun(t, "charlie-soa", "order", "show", "1", "--json")
	var v orderView
	if err := json.Unmarshal([]byte(out), &v); err != nil || len(v.SVs) != 2 || v.FOC == nil {
		t.Fatalf("show --json: %v\n%s", err, out)
	}
	if n := e.svCount(t); n != 2 {
		t.Errorf("%d SVs, want one (concurred) per number", n)
	}
	_, _, err = e.run("bravo-soa", "order", "show", "1")
	wantCode(t, err, npac.ENOTFOUND)

	// An order from a file, with a street the CSR does not have and no PIN.
	file := writeFile(t, "order.json", `{
  "gaining_spid": "CCC3",
  "end_user": {"kind": "business", "name": "John Doe", "business_name": "Doe Bakery"},
  "service_address": {"number": "45", "street": "Broadway Ave", "city": "New York", "state": "NY", "postal_code": "10006", "country": "US"},
  "account": {"number": "ACCT-2", "btns": ["2125550200"]},
  "tns": [{"tn": "212-555-0200"}],
  "lrn": "2125569999",
  "desired_due": "2026-11-20",
  "loa": {"signed_by": "John Doe", "signed_at": "2026-11-10", "method": "electronic"},
  "documents": [{"kind": "bill", "name": "bill.pdf", "sha256": "`+strings.Repeat("0f", 32)+`", "size": 1000}]
}`)
	e.mustRun(t, "charlie-soa", "order", "create", "--file", file)
	out = e.mustRun(t, "charlie-soa", "order", "submit", "2")
	wantLines(t, out,
		"status: rejected",
		"address-mismatch: Service address mismatch",
		"pin-missing: PIN or passcode missing",
		"fix: The account has a port-out PIN or passcode. Ask the losing provider for it and add it to the order.",
	)
	// The losing SP sees the mismatches.
	out = e.mustRun(t, "alpha-soa", "order", "show", "2")
	if !strings.Contains(out, "mismatches with the CSR:") || !strings.Contains(out, "address-mismatch:") {
		t.Errorf("losing SP's show has no mismatches:\n%s", out)
	}
	// The supp corrects what the rejection named.
	out = e.mustRun(t, "charlie-soa", "order", "update", "2", "--street", "Broadway", "--pin", "1234")
	wantLines(t, out, "status: foc", "foc: 2026-11-20", "supps: 1", "simple port: yes")
	if strings.Contains(out, "rejected:") {
		t.Errorf("the supp still shows the rejection:\n%s", out)
	}

	out = e.mustRun(t, "alpha-soa", "order", "list", "--spid", "AAA1", "--side", "losing")
	wantLines(t, out,
		"ID STATUS LOSING GAINING NUMBERS FOC",
		"1 foc AAA1 CCC3 212-555-0100 +1 2026-11-20",
		"2 foc AAA1 CCC3 212-555-0200 2026-11-20",
	)
	_, _, err = e.run("alpha-soa", "order", "cancel", "2")
	wantCode(t, err, npac.EFORBIDDEN)
	out = e.mustRun(t, "charlie-soa", "order", "cancel", "2", "--note", "changed plans")
	wantLines(t, out, "status: canceled", "fee: cancel, tier >48h")
	_, _, err = e.run("charlie-soa", "order", "activate", "1")
	wantCode(t, err, portorder.EFOCNotReached)

	// An order no CSR covers is answered by hand.
	out = e.mustRun(t, "charlie-soa", append(create[:len(create)-2], "--tns", "2125550300", "--account", "ACCT-9", "--btn", "2125550300")...)
	wantLines(t, out, "order: 3", "status: draft")
	wantLines(t, e.mustRun(t, "charlie-soa", "order", "submit", "3"), "status: submitted")
	_, _, err = e.run("alpha-soa", "order", "answer", "3", "--reject", "unpaid-balance")
	wantCode(t, err, portorder.ERejectNotPermitted)
	out = e.mustRun(t, "alpha-soa", "order", "answer", "3", "--reject", "name-mismatch", "--note", "who?")
	wantLines(t, out, "status: rejected", "note: who?", "name-mismatch: Authorized name mismatch")

	out = e.mustRun(t, "charlie-soa", "order", "reject-codes")
	wantLines(t, out, "CODE PERMITTED FIELD TITLE", "unpaid-balance no - Negative balance or unpaid bill (not permitted)")

	e.mustRun(t, "alpha-soa", "csr", "delete", "--spid", "AAA1", "ACCT-2")
	_, _, err = e.run("alpha-soa", "csr", "delete", "--spid", "AAA1", "ACCT-2")
	wantCode(t, err, npac.ENOTFOUND)
}

// TestOrderCLIValidation checks that bad arguments are refused before any
// request.
func TestOrderCLIValidation(t *testing.T) {
	e := newTestEnv(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"order", "check", "--tns", "2125550100"}, "needs --spid"},
		{[]string{"order", "check", "--spid", "CCC3"}, "needs the numbers"},
		{[]string{"order", "check", "--spid", "CCC3", "--tns", "21255"}, "--tns"},
		{[]string{"order", "create", "--tns", "2125550100"}, "needs --spid"},
		{[]string{"order", "create", "--spid", "CCC3"}, "needs --tns"},
		{[]string{"order", "create", "--spid", "CCC3", "--tns", "2125550100", "--due", "Friday"}, "--due"},
		{[]string{"order", "create", "--spid", "CCC3", "--tns", "2125550100", "--document", "bill:x"}, "kind:name:sha256:size"},
		{[]string{"order", "create", "--spid", "CCC3", "--tns", "2125550100", "--type", "fax"}, "--type"},
		{[]string{"order", "create", "--spid", "CCC3", "--tns", "2125550100", "--loa-method", "fax"}, "--loa-method"},
		{[]string{"order", "create", "--file", "/nonexistent/order.json"}, "no such file"},
		{[]string{"order", "show"}, "needs one order id"},
		{[]string{"order", "show", "x"}, "not a port order ID"},
		{[]string{"order", "update", "1"}, "needs --file or a field"},
		{[]string{"order", "answer", "1"}, "--foc or --reject"},
		{[]string{"order", "answer", "1", "--foc", "2026-11-20", "--reject", "name-mismatch"}, "--foc or --reject"},
		{[]string{"order", "answer", "1", "--foc", "soon"}, "--foc"},
		{[]string{"order", "approve", "1"}, "one of --sent"},
		{[]string{"order", "approve", "1", "--yes", "--no"}, "one of --sent"},
		{[]string{"order", "list", "--side", "both"}, "--side"},
		{[]string{"order", "list", "--status", "pending"}, "not an order status"},
		{[]string{"csr", "load", "x.csv"}, "needs --spid"},
		{[]string{"csr", "load", "--spid", "AAA1"}, "needs one FILE.csv"},
		{[]string{"csr", "list", "--spid", "AAA1", "x"}, "takes no arguments"},
		{[]string{"csr", "delete", "--spid", "AAA1"}, "needs one ACCOUNT"},
	} {
		_, _, err := e.run("admin", c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("npac %s: error %v, want one mentioning %q", strings.Join(c.args, " "), err, c.want)
		}
	}
	if n := e.requests.Load(); n != 0 {
		t.Errorf("refused commands sent %d requests", n)
	}
	for _, cmd := range []string{"order", "csr"} {
		_, errOut, err := e.run("admin", cmd)
		if err == nil || !strings.Contains(errOut, "Usage: npac "+cmd) {
			t.Errorf("npac %s alone: %v, stderr %q; want the usage", cmd, err, errOut)
		}
	}
}
