package http_test

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	npac "github.com/opennpac/npac"
)

// blockPage is a page of the block list.
type blockPage struct {
	Items     []npac.Block `json:"items"`
	NextAfter string       `json:"next_after"`
}

// okBlock checks the status of r and decodes a fresh block from it.
func okBlock(t *testing.T, r *resp, status int) npac.Block {
	t.Helper()
	var b npac.Block
	r.ok(t, status, &b)
	return b
}

// okBlocks checks that r is 200 and decodes a fresh page of blocks.
func okBlocks(t *testing.T, r *resp) blockPage {
	t.Helper()
	var p blockPage
	r.ok(t, http.StatusOK, &p)
	return p
}

// blockCount returns how many blocks, old ones included, the admin sees.
func (e *env) blockCount() int {
	e.t.Helper()
	return len(okBlocks(e.t, e.do("GET", "/api/v1/blocks?old=true&limit=1000", e.admin, nil)).Items)
}

// TestBlocks drives pool blocks over HTTP: who may pool, reading, listing,
// changing, de-pooling and the errors of each.
func TestBlocks(t *testing.T) {
	e := newEnv(t)
	newTok, oldTok := e.fixture()
	body := func(x string) map[string]any { return map[string]any{"npa_nxx_x": x, "spid": newSPID, "lrn": lrn} }

	// Bad NPA-NXX-Xs are refused before anything is written.
	for _, b := range []map[string]any{
		{"spid": newSPID, "lrn": lrn},
		body("212-555"),
		body("212-555-12"),
		body("112-555-1"),
		{"npa_nxx_x": "2125551", "spid": newSPID, "lrn": lrn, "effective_date": "soon"},
		{"npa_nxx_x": "2125551", "spid": newSPID, "lrn": lrn, "holder": newSPID},
	} {
		p := e.do("POST", "/api/v1/blocks", e.admin, b).wantProblem(t, http.StatusBadRequest, npac.EINVALID)
		t.Logf("%v: %s", b, p.Detail)
	}
	e.do("GET", "/api/v1/blocks/212-555", e.admin, nil).wantProblem(t, http.StatusBadRequest, npac.EINVALID)
	e.do("PATCH", "/api/v1/blocks/21255512", e.admin, map[string]any{"lrn": lrn}).wantProblem(t, http.StatusBadRequest, npac.EINVALID)
	if n := e.blockCount(); n != 0 {
		t.Fatalf("refused creates wrote %d blocks", n)
	}

	// The pooling administrator pools a block; with no LSMS to tell, it is
	// active at once.
	var b1 npac.Block
	r := e.do("POST", "/api/v1/blocks", e.admin, body("212-555-1"))
	r.ok(t, http.StatusCreated, &b1)
	if got := r.header.Get("Location"); got != "/api/v1/blocks/2125551" {
		t.Errorf("Location %q, want /api/v1/blocks/2125551", got)
	}
	if b1.NPANXXX != "2125551" || b1.SPID != newSPID || b1.LRN != lrn || b1.Status != npac.StatusActive || b1.Region != npac.Northeast ||
		b1.ActivationTimestamp == nil || b1.SVType != npac.SVWireline || b1.FailedSPs == nil {
		t.Fatalf("created block %+v, want active 2125551 of %s via %s in NE", b1, newSPID, lrn)
	}
	e.do("POST", "/api/v1/blocks", e.admin, body("2125551")).wantProblem(t, http.StatusConflict, npac.ECONFLICT)
	e.do("POST", "/api/v1/blocks", e.admin, map[string]any{"npa_nxx_x": "2125552", "spid": oldSPID, "lrn": lrn}).
		wantProblem(t, http.StatusUnprocessableEntity, npac.ELRNNotOwned)
	e.do("POST", "/api/v1/blocks", e.admin, map[string]any{"npa_nxx_x": "2125571", "spid": newSPID, "lrn": lrn}).
		wantProblem(t, http.StatusUnprocessableEntity, npac.ENPANXXNotPortable)

	// The block holder's SOA pools only once its profile allows it; no
	// other provider's SOA does.
	e.do("POST", "/api/v1/blocks", newTok, body("212-555-2")).wantProblem(t, http.StatusForbidden, npac.EFORBIDDEN)
	e.do("POST", "/api/v1/blocks", oldTok, body("212-555-2")).wantProblem(t, http.StatusForbidden, npac.EFORBIDDEN)
	if n := e.blockCount(); n != 1 {
		t.Fatalf("refused creates left %d blocks, want 1", n)
	}
	var prov npac.Provider
	e.do("GET", "/api/v1/providers/"+newSPID, e.admin, nil).ok(t, http.StatusOK, &prov)
	if prov.SOABlocks {
		t.Fatalf("a new provider has soa_blocks: %+v", prov)
	}
	e.do("PATCH", "/api/v1/providers/"+newSPID, e.admin, map[string]any{"soa_blocks": true}).ok(t, http.StatusOK, &prov)
	if !prov.SOABlocks {
		t.Fatalf("after PATCH soa_blocks=true: %+v", prov)
	}
	e.do("PATCH", "/api/v1/providers/"+newSPID, e.admin, map[string]any{"origin": "import"}).wantProblem(t, http.StatusBadRequest, npac.EINVALID)
	var b2 npac.Block
	e.do("POST", "/api/v1/blocks", newTok, map[string]any{
		"npa_nxx_x": "212-555-2", "spid": newSPID, "lrn": lrn, "effective_date": "2025-03-10",
		"cnam": map[string]any{"dpc": "1.2.3", "ssn": 7},
	}).ok(t, http.StatusCreated, &b2)
	if b2.Status != npac.StatusPending || !b2.EffectiveDate.Equal(time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC)) ||
		b2.CNAM == nil || b2.CNAM.DPC != "001-002-003" || b2.ActivationTimestamp != nil {
		t.Fatalf("scheduled block %+v, want pending from 2025-03-10 with CNAM 001-002-003/7", b2)
	}
	// The old SP's SOA still does not manage NEW1's block.
	e.do("PATCH", "/api/v1/blocks/2125552", oldTok, map[string]any{"lrn": lrn}).wantProblem(t, http.StatusForbidden, npac.EFORBIDDEN)

	// A provider created with soa_blocks has it.
	e.do("POST", "/api/v1/providers", e.admin, map[string]any{
		"spid": "POOL", "name": "Pool Telco", "type": "wireless", "regions": []string{"NE"}, "soa_blocks": true,
	}).ok(t, http.StatusCreated, &prov)
	if !prov.SOABlocks || prov.Origin != "" {
		t.Errorf("created provider %+v, want soa_blocks and no origin", prov)
	}

	// Everyone reads blocks.
	got := okBlock(t, e.do("GET", "/api/v1/blocks/212-555-1", oldTok, nil), http.StatusOK)
	if got.ID != b1.ID || got.Status != npac.StatusActive {
		t.Errorf("GET 212-555-1: %+v, want block %d active", got, b1.ID)
	}
	e.do("GET", "/api/v1/blocks/2125553", oldTok, nil).wantProblem(t, http.StatusNotFound, npac.ENOTFOUND)

	// Lists and their filters.
	p := okBlocks(t, e.do("GET", "/api/v1/blocks", oldTok, nil))
	if len(p.Items) != 2 || p.Items[0].ID != b1.ID || p.Items[1].ID != b2.ID || p.NextAfter != "" {
		t.Fatalf("list: %+v, want blocks %d and %d", p, b1.ID, b2.ID)
	}
	p = okBlocks(t, e.do("GET", "/api/v1/blocks?limit=1", oldTok, nil))
	if len(p.Items) != 1 || p.NextAfter != strconv.FormatInt(b1.ID, 10) {
		t.Fatalf("limit=1: %+v, want block %d and next_after", p, b1.ID)
	}
	p = okBlocks(t, e.do("GET", "/api/v1/blocks?limit=1&after="+p.NextAfter, oldTok, nil))
	if len(p.Items) != 1 || p.Items[0].ID != b2.ID {
		t.Fatalf("second page: %+v, want block %d", p, b2.ID)
	}
	for q, want := range map[string]int{
		"status=pending": 1, "status=active": 1, "status=old": 0, "spid=new1": 2, "spid=OLD1": 0,
		"npa_nxx=212-555": 2, "npa_nxx=212556": 0, "old=true": 2,
	} {
		p = okBlocks(t, e.do("GET", "/api/v1/blocks?"+q, oldTok, nil))
		if len(p.Items) != want {
			t.Errorf("list ?%s: %d blocks, want %d", q, len(p.Items), want)
		}
	}
	for _, q := range []string{"status=conflict", "status=bogus", "old=maybe", "spid=toolong", "npa_nxx=21", "after=x", "limit=0"} {
		e.do("GET", "/api/v1/blocks?"+q, oldTok, nil).wantProblem(t, http.StatusBadRequest, npac.EINVALID)
	}

	// Changes: a pending block moves its date and routing; an active one
	// its routing, which is broadcast (and, with no LSMS, done at once).
	got = okBlock(t, e.do("PATCH", "/api/v1/blocks/2125552", newTok, map[string]any{"effective_date": "2025-03-12", "cnam": map[string]any{}}), http.StatusOK)
	if got.Status != npac.StatusPending || !got.EffectiveDate.Equal(time.Date(2025, 3, 12, 0, 0, 0, 0, time.UTC)) || got.CNAM != nil {
		t.Errorf("modified pending block %+v, want pending from 2025-03-12 without CNAM", got)
	}
	e.do("PATCH", "/api/v1/blocks/2125551", e.admin, map[string]any{"effective_date": "2025-03-12"}).wantProblem(t, http.StatusBadRequest, npac.EINVALID)
	e.do("PATCH", "/api/v1/blocks/2125551", e.admin, map[string]any{"lrn": "2125550000"}).wantProblem(t, http.StatusUnprocessableEntity, npac.ELRNNotOwned)
	got = okBlock(t, e.do("PATCH", "/api/v1/blocks/2125551", e.admin, map[string]any{"lidb": map[string]any{"dpc": "9-9-9", "ssn": 0}, "sv_type": "wireless"}), http.StatusOK)
	if got.Status != npac.StatusActive || got.LIDB == nil || got.LIDB.DPC != "009-009-009" || got.SVType != npac.SVWireless {
		t.Errorf("modified active block %+v, want active with LIDB 009-009-009/0, wireless", got)
	}
	e.do("PATCH", "/api/v1/blocks/2125551", e.admin, nil).wantProblem(t, http.StatusBadRequest, npac.EINVALID)
	e.do("PATCH", "/api/v1/blocks/2125551", e.admin, `{"lrn": 5}`).wantProblem(t, http.StatusBadRequest, npac.EINVALID)
	e.do("PATCH", "/api/v1/blocks/2125553", e.admin, map[string]any{"lrn": lrn}).wantProblem(t, http.StatusNotFound, npac.ENOTFOUND)

	// Only NPAC personnel resend, and only a failed broadcast.
	e.do("POST", "/api/v1/blocks/2125551/resend", newTok, nil).wantProblem(t, http.StatusForbidden, npac.EFORBIDDEN)
	e.do("POST", "/api/v1/blocks/2125551/resend", e.admin, nil).wantProblem(t, http.StatusConflict, npac.ESVWrongStatus)
	e.do("POST", "/api/v1/blocks/2125551/resend", e.admin, `{"now": true}`).wantProblem(t, http.StatusBadRequest, npac.EINVALID)

	// De-pooling answers the block: a pending one goes old at once, and so
	// does an active one when no LSMS must apply it.
	e.do("DELETE", "/api/v1/blocks/2125552", oldTok, nil).wantProblem(t, http.StatusForbidden, npac.EFORBIDDEN)
	got = okBlock(t, e.do("DELETE", "/api/v1/blocks/2125552", newTok, nil), http.StatusOK)
	if got.ID != b2.ID || got.Status != npac.StatusOld {
		t.Errorf("de-pooled pending block %+v, want block %d old", got, b2.ID)
	}
	got = okBlock(t, e.do("DELETE", "/api/v1/blocks/2125551", e.admin, nil), http.StatusOK)
	if got.ID != b1.ID || got.Status != npac.StatusOld {
		t.Errorf("de-pooled active block %+v, want block %d old", got, b1.ID)
	}
	e.do("GET", "/api/v1/blocks/2125551", e.admin, nil).wantProblem(t, http.StatusNotFound, npac.ENOTFOUND)
	e.do("DELETE", "/api/v1/blocks/2125551", e.admin, nil).wantProblem(t, http.StatusNotFound, npac.ENOTFOUND)
	p = okBlocks(t, e.do("GET", "/api/v1/blocks", e.admin, nil))
	if len(p.Items) != 0 {
		t.Errorf("live blocks after de-pooling: %+v, want none", p.Items)
	}
	p = okBlocks(t, e.do("GET", "/api/v1/blocks?status=old", e.admin, nil))
	if len(p.Items) != 2 {
		t.Errorf("old blocks: %d, want 2", len(p.Items))
	}
	// The NPA-NXX-X can be pooled again.
	got = okBlock(t, e.do("POST", "/api/v1/blocks", e.admin, body("212-555-1")), http.StatusCreated)
	if got.ID == b1.ID || got.Status != npac.StatusActive {
		t.Errorf("re-pooled block %+v, want a new active block", got)
	}
}

// TestBlockBroadcast follows a block through an LSMS: sending until the
// LSMS acknowledges, with block-status notices to the holder.
func TestBlockBroadcast(t *testing.T) {
	e := newEnv(t)
	e.fixture()
	e.do("PUT", "/api/v1/lsms/"+newSPID, e.admin, map[string]any{"regions": []string{"NE"}}).ok(t, http.StatusOK, nil)
	var b npac.Block
	e.do("POST", "/api/v1/blocks", e.admin, map[string]any{"npa_nxx_x": "2125551", "spid": newSPID, "lrn": lrn}).ok(t, http.StatusCreated, &b)
	if b.Status != npac.StatusSending || b.Pending != "activate" || b.Broadcast == nil || !slices.Equal(b.Broadcast.Targets, []npac.SPID{newSPID}) {
		t.Fatalf("block with an LSMS to tell: %+v, want sending (activate) to %s", b, newSPID)
	}
	// A broadcast in flight cannot be de-pooled or changed.
	e.do("DELETE", "/api/v1/blocks/2125551", e.admin, nil).wantProblem(t, http.StatusConflict, npac.ESVWrongStatus)
	e.do("PATCH", "/api/v1/blocks/2125551", e.admin, map[string]any{"sv_type": "voip"}).wantProblem(t, http.StatusConflict, npac.ESVWrongStatus)

	head, err := e.st.LogHead(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	e.do("POST", "/api/v1/lsms/"+newSPID+"/ack", e.admin, map[string]any{"seq": head}).ok(t, http.StatusOK, nil)
	var acked npac.Block // fresh: absent fields must read as zero
	e.do("GET", "/api/v1/blocks/2125551", e.admin, nil).ok(t, http.StatusOK, &acked)
	if acked.Status != npac.StatusActive || acked.Pending != "" || acked.Broadcast != nil {
		t.Fatalf("after the ack: %+v, want active", acked)
	}
	var notices struct {
		Items []npac.Notification `json:"items"`
	}
	e.do("GET", "/api/v1/notifications?spid="+newSPID, e.admin, nil).ok(t, http.StatusOK, &notices)
	var statuses []npac.Status
	for _, n := range notices.Items {
		if n.Kind == npac.NoticeBlockStatus {
			statuses = append(statuses, n.Status)
		}
	}
	if want := []npac.Status{npac.StatusSending, npac.StatusActive}; !slices.Equal(statuses, want) {
		t.Errorf("block-status notices %v, want %v", statuses, want)
	}
}

// TestLSMSPseudoLRN checks that the LSMS registration takes the pseudo-LRN
// opt-in and gives it back.
func TestLSMSPseudoLRN(t *testing.T) {
	e := newEnv(t)
	e.fixture()
	var l npac.LSMSRegistration
	e.do("PUT", "/api/v1/lsms/"+newSPID, e.admin, map[string]any{"regions": []string{"NE"}}).ok(t, http.StatusOK, &l)
	if l.PseudoLRN || l.PseudoLRNFrom != nil {
		t.Fatalf("default registration %+v, want no pseudo-LRN opt-in", l)
	}
	e.do("PUT", "/api/v1/lsms/"+newSPID, e.admin, map[string]any{
		"regions": []string{"NE"}, "pseudo_lrn": true, "pseudo_lrn_from": []string{"old1"},
	}).ok(t, http.StatusOK, &l)
	if !l.PseudoLRN || !slices.Equal(l.PseudoLRNFrom, []npac.SPID{oldSPID}) {
		t.Fatalf("registration answered %+v, want pseudo_lrn from %s", l, oldSPID)
	}
	var got npac.LSMSRegistration
	e.do("GET", "/api/v1/lsms/"+newSPID, e.admin, nil).ok(t, http.StatusOK, &got)
	if !got.PseudoLRN || !slices.Equal(got.PseudoLRNFrom, []npac.SPID{oldSPID}) {
		t.Fatalf("GET answered %+v, want pseudo_lrn from %s", got, oldSPID)
	}
	// pseudo_lrn_from without the opt-in, or naming a bad SPID, is refused
	// and changes nothing.
	e.do("PUT", "/api/v1/lsms/"+newSPID, e.admin, map[string]any{"regions": []string{"NE"}, "pseudo_lrn_from": []string{oldSPID}}).
		wantProblem(t, http.StatusBadRequest, npac.EINVALID)
	e.do("PUT", "/api/v1/lsms/"+newSPID, e.admin, map[string]any{"regions": []string{"NE"}, "pseudo_lrn": true, "pseudo_lrn_from": []string{"bad spid"}}).
		wantProblem(t, http.StatusBadRequest, npac.EINVALID)
	e.do("PUT", "/api/v1/lsms/"+newSPID, e.admin, map[string]any{"regions": []string{"NE"}, "pseudo_lrn": "yes"}).
		wantProblem(t, http.StatusBadRequest, npac.EINVALID)
	got = npac.LSMSRegistration{}
	e.do("GET", "/api/v1/lsms/"+newSPID, e.admin, nil).ok(t, http.StatusOK, &got)
	if !got.PseudoLRN || !slices.Equal(got.PseudoLRNFrom, []npac.SPID{oldSPID}) {
		t.Fatalf("after refused updates: %+v, want pseudo_lrn from %s still", got, oldSPID)
	}
	// Opting out again.
	var out npac.LSMSRegistration
	e.do("PUT", "/api/v1/lsms/"+newSPID, e.admin, map[string]any{"regions": []string{"NE"}}).ok(t, http.StatusOK, &out)
	if out.PseudoLRN || len(out.PseudoLRNFrom) != 0 {
		t.Fatalf("after opting out: %+v", out)
	}
}
