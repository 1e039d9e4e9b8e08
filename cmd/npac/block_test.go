package main

import (
	"encoding/json"
	"strings"
	"testing"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/storetest"
)

// TestBlockCLI pools, shows, lists, changes and de-pools blocks through
// the command line. The world has no LSMS, so broadcasts conclude at once.
func TestBlockCLI(t *testing.T) {
	e := newTestEnv(t)

	// A block holder's SOA may not pool without soa_blocks.
	_, _, err := e.run("bravo-soa", "block", "create", "--block", "212-555-1", "--spid", "BBB2", "--lrn", "212-555-9999")
	wantCode(t, err, npac.EFORBIDDEN)

	out := e.mustRun(t, "admin", "block", "create", "--block", "212-555-1", "--spid", "bbb2", "--lrn", "2125559999",
		"--class", "1.2.3/7", "--sv-type", "wireless")
	wantLines(t, out,
		"block: 212-555-1",
		"status: active",
		"holder: BBB2",
		"region: NE",
		"lrn: 212-555-9999",
		"sv type: wireless",
		"class: 001-002-003/7",
	)
	if !strings.Contains(out, "\nactivated: ") {
		t.Errorf("an active block does not show its activation:\n%s", out)
	}
	b, err := e.w.S.Block(e.w.Admin, storetest.Block1)
	if err != nil {
		t.Fatal(err)
	}
	if b.SPID != storetest.SPB || b.LRN != storetest.LRNB || b.CLASS == nil || b.CLASS.DPC != "001-002-003" || b.SVType != npac.SVWireless {
		t.Fatalf("stored block %+v", b)
	}

	// Anyone shows it, by any spelling of its NPA-NXX-X.
	out = e.mustRun(t, "charlie-soa", "block", "show", "2125551")
	wantLines(t, out, "block: 212-555-1", "status: active", "holder: BBB2", "class: 001-002-003/7")
	out = e.mustRun(t, "charlie-soa", "block", "show", "212-555-1", "--json")
	var got npac.Block
	if err := json.Unmarshal([]byte(out), &got); err != nil || got.ID != b.ID || got.NPANXXX != storetest.Block1 {
		t.Fatalf("show --json: %v\n%s", err, out)
	}
	_, _, err = e.run("charlie-soa", "block", "show", "212-555-2")
	wantCode(t, err, npac.ENOTFOUND)

	// A pending block, scheduled for later.
	out = e.mustRun(t, "admin", "block", "create", "--block", "212-555-2", "--spid", "BBB2", "--lrn", "212-555-9999", "--effective", "2026-12-01T00:00:00Z")
	wantLines(t, out, "block: 212-555-2", "status: pending", "effective: 2026-12-01")

	out = e.mustRun(t, "alpha-soa", "block", "list")
	wantLines(t, out,
		"ID BLOCK STATUS HOLDER LRN EFFECTIVE",
		"1 212-555-1 active BBB2 212-555-9999 "+fmtTime(b.EffectiveDate),
		"2 212-555-2 pending BBB2 212-555-9999 2026-12-01",
	)
	out = e.mustRun(t, "alpha-soa", "block", "list", "--status", "pending", "--spid", "BBB2", "--npa-nxx", "212-555")
	if strings.Contains(out, "212-555-1") || !strings.Contains(out, "212-555-2") {
		t.Errorf("list --status pending:\n%s", out)
	}
	_, errOut, err := e.run("alpha-soa", "block", "list", "--spid", "CCC3")
	if err != nil || !strings.Contains(errOut, "no pool blocks") {
		t.Errorf("empty list: %v, stderr %q", err, errOut)
	}

	// Changes: routing of the active block, date of the pending one.
	out = e.mustRun(t, "admin", "block", "modify", "212-555-1", "--class", "none", "--cnam", "9-9-9/0")
	wantLines(t, out, "status: active", "cnam: 009-009-009/0")
	if strings.Contains(out, "class:") {
		t.Errorf("--class none left the CLASS pair:\n%s", out)
	}
	out = e.mustRun(t, "admin", "block", "modify", "2125552", "--effective", "2026-12-02")
	wantLines(t, out, "status: pending", "effective: 2026-12-02")

	// Resend is for failed broadcasts only.
	_, _, err = e.run("admin", "block", "resend", "212-555-1")
	wantCode(t, err, npac.ESVWrongStatus)

	// De-pooling answers the block, now old.
	out = e.mustRun(t, "admin", "block", "delete", "212-555-1")
	wantLines(t, out, "block: 212-555-1", "status: old")
	out = e.mustRun(t, "admin", "block", "list", "--old")
	wantLines(t, out, "1 212-555-1 old BBB2 212-555-9999 "+fmtTime(b.EffectiveDate))
}

// TestBlockCLIValidation checks that bad arguments are refused before any
// request.
func TestBlockCLIValidation(t *testing.T) {
	e := newTestEnv(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"block", "create", "--spid", "BBB2", "--lrn", "2125559999"}, "needs --block"},
		{[]string{"block", "create", "--block", "212-555", "--spid", "BBB2", "--lrn", "2125559999"}, "--block"},
		{[]string{"block", "create", "--block", "212-555-1", "--lrn", "2125559999"}, "needs --spid"},
		{[]string{"block", "create", "--block", "212-555-1", "--spid", "BBB2"}, "needs --lrn"},
		{[]string{"block", "create", "--block", "212-555-1", "--spid", "BBB2", "--lrn", "2125559999", "--class", "1.2.3"}, "DPC/SSN"},
		{[]string{"block", "create", "--block", "212-555-1", "--spid", "BBB2", "--lrn", "2125559999", "--class", "0.2.3/1"}, "--class"},
		{[]string{"block", "create", "--block", "212-555-1", "--spid", "BBB2", "--lrn", "2125559999", "--effective", "soon"}, "--effective"},
		{[]string{"block", "create", "--block", "212-555-1", "--spid", "BBB2", "--lrn", "2125559999", "--class", "none"}, "DPC/SSN"},
		{[]string{"block", "show"}, "needs one pool block"},
		{[]string{"block", "show", "21255"}, "NPA-NXX-X"},
		{[]string{"block", "show", "212-555-1", "212-555-2"}, "needs one pool block"},
		{[]string{"block", "modify", "212-555-1"}, "needs something to change"},
		{[]string{"block", "modify", "--lrn", "2125559999"}, "needs one pool block"},
		{[]string{"block", "list", "--status", "conflict"}, "not a block status"},
		{[]string{"block", "list", "--npa-nxx", "21"}, "--npa-nxx"},
		{[]string{"block", "delete"}, "needs one pool block"},
	} {
		_, _, err := e.run("admin", c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("npac %s: error %v, want one mentioning %q", strings.Join(c.args, " "), err, c.want)
		}
	}
	if n := e.requests.Load(); n != 0 {
		t.Errorf("refused commands sent %d requests", n)
	}
	_, errOut, err := e.run("admin", "block")
	if err == nil || !strings.Contains(errOut, "Usage: npac block") {
		t.Errorf("npac block alone: %v, stderr %q; want the usage", err, errOut)
	}
}
