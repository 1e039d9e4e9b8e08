package lti

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	npac "github.com/opennpac/npac"
)

// TestBlockPage: a pool block's page shows its routing; its holder's SOA
// and NPAC personnel modify it, field by field, with refusals next to the
// field and nothing written; others see it read-only.
func TestBlockPage(t *testing.T) {
	e := newEnv(t, frozen)
	eff := e.w.Clock.Now().AddDate(0, 0, 7)
	if _, err := e.w.S.CreateBlock(e.w.Admin, &npac.BlockCreate{NPANXXX: "2125561", SPID: "AAA1",
		BlockRouting: npac.BlockRouting{LRN: "2125550000"}, EffectiveDate: eff}); err != nil {
		t.Fatal(err)
	}
	alpha := e.client(t)
	alpha.login("alpha-soa", alphaPassword)
	if _, _, body := alpha.get("/lti/network/blocks/2125561"); strings.Contains(body, `id="block-modify"`) {
		t.Error("the holder's SOA is offered a modify form without soa_blocks")
	}
	yes := true
	if _, err := e.w.S.UpdateProvider(e.w.Admin, "AAA1", npac.ProviderUpdate{SOABlocks: &yes}); err != nil {
		t.Fatal(err)
	}
	st, _, body := alpha.get("/lti/network/blocks/2125561")
	if st != http.StatusOK || !strings.Contains(body, `data-status="pending"`) || !strings.Contains(body, `id="block-modify"`) ||
		strings.Contains(body, `id="block-resend"`) || !strings.Contains(body, `name="effective" type="date" value="`+eff.UTC().Format(time.DateOnly)+`"`) {
		t.Fatalf("holder's block page: %d\n%s", st, body)
	}
	if st, _, _ := alpha.get("/lti/network/blocks/2129991"); st != http.StatusNotFound {
		t.Errorf("a block that does not exist: %d, want 404", st)
	}
	bravo := e.client(t)
	bravo.login("bravo-soa", bravoPassword)
	if st, _, body := bravo.get("/lti/network/blocks/2125561"); st != http.StatusOK || strings.Contains(body, `id="block-modify"`) {
		t.Errorf("another provider's view: %d, want the block without a modify form\n%s", st, body)
	}

	form := func(kv ...string) url.Values {
		v := url.Values{"lrn": {"212-555-0000"}, "sv_type": {"wireline"}, "effective": {eff.UTC().Format(time.DateOnly)}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	for _, bad := range []struct {
		form  url.Values
		field string
	}{
		{form("lrn", "212-555-9999"), "lrn"},            // BBB2's LRN
		{form("class_dpc", "001-002-003"), "class_ssn"}, // a DPC without its SSN
		{form("cnam_dpc", "999-1-1", "cnam_ssn", "8"), "cnam_dpc"},
		{form("lidb_dpc", "001-002-003", "lidb_ssn", "300"), "lidb_ssn"},
		{form("effective", "2026-02-30"), "effective"},
		{form("sv_type", "pager"), "sv_type"},
	} {
		netRefused(t, e, alpha, "/lti/network/blocks/2125561", bad.form, bad.field)
	}
	before := e.netCounts(t)
	if st, _, body := alpha.post("/lti/network/blocks/2125561", form()); st != http.StatusUnprocessableEntity || !strings.Contains(body, "Nothing was changed") {
		t.Errorf("a save without a change: %d\n%s", st, body)
	}
	if after := e.netCounts(t); after != before {
		t.Errorf("a save without a change wrote: %v → %v", before, after)
	}

	moved := eff.AddDate(0, 0, 1).UTC().Format(time.DateOnly)
	st, loc, body := alpha.post("/lti/network/blocks/2125561", form("class_dpc", "001-002-003", "class_ssn", "0", "sv_type", "wireless", "effective", moved))
	if st != http.StatusSeeOther || loc != "/lti/network/blocks/2125561" {
		t.Fatalf("modify: %d %q\n%s", st, loc, body)
	}
	b, err := e.w.S.Block(e.w.Admin, "2125561")
	if err != nil {
		t.Fatal(err)
	}
	if b.CLASS == nil || b.CLASS.DPC != "001-002-003" || b.CLASS.SSN == nil || *b.CLASS.SSN != 0 || b.SVType != npac.SVWireless ||
		b.EffectiveDate.UTC().Format(time.DateOnly) != moved || b.LRN != "2125550000" {
		t.Fatalf("after the modify: %+v", b)
	}
	if _, _, body := alpha.get("/lti/network/blocks/2125561"); !strings.Contains(body, `id="block-class">001-002-003 / 0<`) || !strings.Contains(body, "is modified") {
		t.Errorf("block page after the modify:\n%s", body)
	}
	// Clearing the pair removes it.
	if st, _, body := alpha.post("/lti/network/blocks/2125561", form("sv_type", "wireless", "effective", moved)); st != http.StatusSeeOther {
		t.Fatalf("remove CLASS: %d\n%s", st, body)
	}
	if b, _ := e.w.S.Block(e.w.Admin, "2125561"); b.CLASS != nil {
		t.Errorf("CLASS pair kept after clearing it: %+v", b.CLASS)
	}

	// A resend is for failed blocks, and for NPAC personnel.
	if st, _, _ := alpha.post("/lti/network/blocks/2125561/resend", url.Values{}); st != http.StatusForbidden {
		t.Errorf("provider resend: %d, want 403", st)
	}
	admin := e.client(t)
	admin.login("admin", adminPassword)
	if st, _, body := admin.post("/lti/network/blocks/2125561/resend", url.Values{}); st != http.StatusUnprocessableEntity || !strings.Contains(body, `id="resend-error"`) {
		t.Errorf("resend of a pending block: %d\n%s", st, body)
	}
}
