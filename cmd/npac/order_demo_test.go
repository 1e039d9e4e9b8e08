package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/opennpac/npac/portorder"
)

// TestOrderOnDemo follows the demo's port order walkthrough with the CLI
// against a real npac serve --demo: check, create, submit → rejected with
// its fix, corrected by a supp → FOC with SVs, clock to the FOC date,
// activate → completed.
func TestOrderOnDemo(t *testing.T) {
	srv, tokens := startDemo(t)
	out := srv.stdout.String()
	due := regexp.MustCompile(`--due (\S+) --loa-signer`).FindStringSubmatch(out)
	advance := regexp.MustCompile(`clock advance (\S+)`).FindStringSubmatch(out)
	loa := regexp.MustCompile(`--loa-date (\S+)`).FindStringSubmatch(out)
	if due == nil || advance == nil || loa == nil {
		t.Fatalf("the demo printed no order walkthrough:\n%s", out)
	}
	rogers := func(args ...string) string {
		t.Helper()
		return cli(t, append(args, "--url", srv.url, "--token", tokens["rogers-soa"])...)
	}
	if got := rogers("order", "check", "--spid", "8821", "--tns", "6132210300,6132210301"); strings.Count(got, "  yes  ") != 2 {
		t.Fatalf("check:\n%s", got)
	}
	// The name on the order is not the CSR's: the CSR answers with a
	// rejection and its fix.
	var created struct {
		Items []portorder.Order `json:"items"`
	}
	raw := rogers("order", "create", "--json", "--spid", "8821", "--tns", "6132210300,6132210301", "--lrn", "6132180000",
		"--name", "M. Tremblay", "--account", "B-1001", "--btn", "6132210300", "--number", "45", "--street", "St 1St Av",
		"--city", "Ottawa", "--state", "ON", "--zip", "K1A 0B1", "--country", "CA", "--due", due[1],
		"--loa-signer", "Marie Tremblay", "--loa-date", loa[1], "--document", "bill:bill.pdf:"+demoBillSHA+":52100")
	if err := json.Unmarshal([]byte(raw), &created); err != nil || len(created.Items) != 1 {
		t.Fatalf("create: %v\n%s", err, raw)
	}
	id := created.Items[0].ID
	got := rogers("order", "submit", id)
	if !strings.Contains(got, "rejected") || !strings.Contains(got, "name-mismatch") {
		t.Fatalf("submit with the wrong name:\n%s", got)
	}
	got = rogers("order", "update", id, "--name", "Marie Tremblay")
	if !strings.Contains(got, "foc") {
		t.Fatalf("the corrected order has no FOC:\n%s", got)
	}
	// On the FOC date the order activates, and with no LSMS to wait for it
	// completes.
	cli(t, "clock", "advance", advance[1], "--url", srv.url, "--token", tokens["admin"])
	rogers("order", "activate", id)
	var view portorder.OrderView
	if err := json.Unmarshal([]byte(rogers("order", "show", "--json", id)), &view); err != nil {
		t.Fatal(err)
	}
	if view.Status != portorder.StatusCompleted || len(view.SVs) != 2 || view.SVs[0].Status != "active" {
		t.Fatalf("after activation: %s, SVs %+v; want completed with two active SVs", view.Status, view.SVs)
	}
}
