package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	npac "github.com/opennpac/npac"
)

// auditIDs returns the IDs of records, in their order.
func auditIDs(recs []*npac.AuditRecord) []int64 {
	out := make([]int64, len(recs))
	for i, r := range recs {
		out[i] = r.ID
	}
	return out
}

// testAuditFilter reads the audit trail by action, newest first, and
// within ID bounds, paging both ways.
func testAuditFilter(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	for i := range 5 {
		l := npac.LRNRecord{LRN: npac.LRN(fmt.Sprintf("21255580%02d", i)), SPID: SPA, Region: npac.Northeast}
		if err := w.S.CreateLRN(w.Admin, &l); err != nil {
			t.Fatal(err)
		}
	}
	sv := w.Port(t, TN(97))

	all, err := w.S.Audit(w.Admin, npac.AuditFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 20 || !slices.IsSortedFunc(all, func(a, b *npac.AuditRecord) int { return int(a.ID - b.ID) }) {
		t.Fatalf("the whole trail: %d records, want 20 or more oldest first", len(all))
	}
	ids := auditIDs(all)
	newest := slices.Clone(ids)
	slices.Reverse(newest)

	// By action: the seeded LRNs and the five above, and nothing else.
	got, err := w.S.Audit(w.Admin, npac.AuditFilter{Action: "lrn.create"})
	if err != nil {
		t.Fatal(err)
	}
	var want []int64
	for _, r := range all {
		if r.Action == "lrn.create" {
			want = append(want, r.ID)
		}
	}
	if len(want) != 8 || !cmp.Equal(auditIDs(got), want) {
		t.Errorf("action lrn.create: got %v, want %v (8 records)", auditIDs(got), want)
	}
	if got, err := w.S.Audit(w.Admin, npac.AuditFilter{Action: "no.such-action"}); err != nil || len(got) != 0 {
		t.Errorf("an action nobody took: %d records (%v), want none", len(got), err)
	}

	// Newest first, paged backwards by BeforeID: every record once.
	var pages []int64
	f := npac.AuditFilter{Newest: true, Limit: 7}
	for range len(all) {
		recs, err := w.S.Audit(w.Admin, f)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, auditIDs(recs)...)
		if len(recs) < f.Limit {
			break
		}
		f.BeforeID = recs[len(recs)-1].ID
	}
	if diff := cmp.Diff(newest, pages); diff != "" {
		t.Errorf("newest-first pages (-want +got):\n%s", diff)
	}

	// Both bounds, either order.
	lo, hi := ids[3], ids[9]
	got, err = w.S.Audit(w.Admin, npac.AuditFilter{AfterID: lo, BeforeID: hi})
	if err != nil || !cmp.Equal(auditIDs(got), ids[4:9]) {
		t.Errorf("IDs between %d and %d, oldest first: got %v (%v), want %v", lo, hi, auditIDs(got), err, ids[4:9])
	}
	got, err = w.S.Audit(w.Admin, npac.AuditFilter{AfterID: lo, BeforeID: hi, Newest: true, Limit: 2})
	if err != nil || !cmp.Equal(auditIDs(got), []int64{ids[8], ids[7]}) {
		t.Errorf("IDs between %d and %d, newest first: got %v (%v), want %v", lo, hi, auditIDs(got), err, []int64{ids[8], ids[7]})
	}

	// With the other filters: one SV's trail, newest first, as its party.
	got, err = w.S.Audit(w.B, npac.AuditFilter{Entity: "sv", EntityID: fmt.Sprint(sv.ID), Newest: true})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, r := range got {
		actions = append(actions, r.Action)
	}
	if diff := cmp.Diff([]string{"sv.activate", "sv.concur", "sv.create"}, actions); diff != "" {
		t.Errorf("the SV's trail newest first (-want +got):\n%s", diff)
	}
	got, err = w.S.Audit(w.B, npac.AuditFilter{Entity: "sv", EntityID: fmt.Sprint(sv.ID), Action: "sv.concur"})
	if err != nil || len(got) != 1 || got[0].SPID != SPA || got[0].UserName != "alpha-soa" {
		t.Errorf("the SV's concurrence: %d records (%v), want the one alpha-soa made for %s", len(got), err, SPA)
	}
	// A provider's own actions by action; the filter widens nothing.
	got, err = w.S.Audit(w.B, npac.AuditFilter{SPID: SPB, Action: "sv.activate", Newest: true})
	if err != nil || len(got) != 1 || got[0].EntityID != fmt.Sprint(sv.ID) {
		t.Errorf("BBB2's activations: %d records (%v), want SV %d's", len(got), err, sv.ID)
	}
	_, err = w.S.Audit(w.B, npac.AuditFilter{Action: "lrn.create", Newest: true})
	WantCode(t, err, npac.EFORBIDDEN)
}
