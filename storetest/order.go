package storetest

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/portorder"
)

// The suite's port orders: numbers of 212-556 (held by SPA, wireline)
// ported to SPC (VoIP), with SPA's CSR of account A-100.
var (
	janeAddress = portorder.Address{Number: "350", Street: "5th Ave", City: "New York", State: "NY", PostalCode: "10118", Country: "US"}
	// OrderDue is the desired due date of the suite's orders: four
	// business days after Start (a non-simple port).
	OrderDue = time.Date(2026, 11, 20, 0, 0, 0, 0, NY)
)

// OrderTN returns the i-th number of the order tests' code, 212-556.
func OrderTN(i int) npac.TN { return npac.TN(string(CodeA2) + string(TN(i)[6:])) }

// JaneCSR is SPA's CSR of account A-100, listing the given numbers.
func JaneCSR(tns ...npac.TN) *portorder.CSR {
	c := &portorder.CSR{Account: "A-100", BTN: tns[0], ServiceAddress: janeAddress, AuthorizedNames: []string{"Jane Doe"}}
	for _, tn := range tns {
		c.TNs = append(c.TNs, portorder.CSRLine{TN: tn, Active: true})
	}
	return c
}

// JaneOrder is SPC's complete order for the numbers of Jane's account.
func JaneOrder(tns ...npac.TN) *portorder.Order {
	o := &portorder.Order{GainingSPID: SPC, EndUser: portorder.EndUser{Kind: portorder.Person, Name: "Jane Doe"},
		ServiceAddress: janeAddress, Account: portorder.Account{Number: "A-100", BTNs: []npac.TN{tns[0]}}, LRN: LRNC,
		DesiredDue: OrderDue, LOA: portorder.LOA{SignedBy: "Jane Doe", SignedAt: Start.Add(-24 * time.Hour), Method: portorder.LOAWet},
		Documents: []portorder.Document{{Kind: portorder.DocBill, Name: "bill.pdf", SHA256: strings.Repeat("ab", 32), Size: 1024}}}
	for _, tn := range tns {
		o.TNs = append(o.TNs, portorder.OrderTN{TN: tn})
	}
	return o
}

func (w *World) mustOrder(t testing.TB, o *portorder.Order) *portorder.Order {
	t.Helper()
	out, err := w.S.CreateOrder(w.C, o, "")
	if err != nil {
		t.Fatalf("create order: %v", err)
	}
	if len(out) != 1 {
		t.Fatalf("create order made %d orders, want 1", len(out))
	}
	return out[0]
}

func (w *World) view(t testing.TB, ctx context.Context, id string) *portorder.OrderView {
	t.Helper()
	v, err := w.S.Order(ctx, id)
	if err != nil {
		t.Fatalf("order %s: %v", id, err)
	}
	return v
}

func testOrders(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	tn := OrderTN(900)
	if err := w.S.PutCSR(w.A, SPA, JaneCSR(tn)); err != nil {
		t.Fatal(err)
	}
	WantCode(t, w.S.PutCSR(w.C, SPA, JaneCSR(tn)), npac.EFORBIDDEN)

	p, err := w.S.CheckPortability(w.C, SPC, []npac.TN{tn, "3125550100"})
	if err != nil {
		t.Fatal(err)
	}
	if !p[0].Portable || p[0].LosingSPID != SPA || p[1].Portable {
		t.Fatalf("portability: %+v", p)
	}

	o := w.mustOrder(t, JaneOrder(tn))
	if o.Status != portorder.StatusDraft || o.LosingSPID != SPA || o.Region != npac.Northeast || o.TNs[0].Type != portorder.TypeWireline {
		t.Fatalf("new order: %+v", o)
	}
	// A draft is the gaining SP's alone; the number is now in an open order.
	_, err = w.S.Order(w.A, o.ID)
	WantCode(t, err, npac.ENOTFOUND)
	p, _ = w.S.CheckPortability(w.C, SPC, []npac.TN{tn})
	if p[0].Portable {
		t.Errorf("a number in an open order is portable: %+v", p[0])
	}
	_, err = w.S.CreateOrder(w.C, JaneOrder(tn), "")
	WantCode(t, err, "not-portable")

	// Submitting validates against SPA's CSR: a match gets its FOC and both
	// SPs' SVs, due on the FOC.
	o, err = w.S.SubmitOrder(w.C, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != portorder.StatusFOC || o.FOC == nil || !o.FOC.Equal(OrderDue) || o.TNs[0].SVID == 0 {
		t.Fatalf("submitted order: %s FOC %v SV %d, want an FOC on %s with an SV", o.Status, o.FOC, o.TNs[0].SVID, OrderDue)
	}
	sv := w.sv(t, o.TNs[0].SVID)
	if sv.Status != npac.StatusPending || sv.NewSPID != SPC || sv.OldSPID != SPA || sv.LRN != LRNC || sv.OldSPCreatedAt == nil {
		t.Fatalf("the order's SV: %+v, want a concurred pending port to SPC", sv)
	}
	v := w.view(t, w.A, o.ID)
	if len(v.SVs) != 1 || v.SVs[0].Status != npac.StatusPending || len(v.Validation) != 0 {
		t.Fatalf("the losing SP's view: %+v", v)
	}
	if n := countKind(noticeKinds(t, w, w.A, SPA, 0), npac.NoticeOrderStatus); n != 2 {
		t.Errorf("the losing SP got %d order notices, want 2 (submitted, foc)", n)
	}

	// Activation waits for the FOC date; then the order completes when its
	// SV is active.
	_, err = w.S.ActivateOrder(w.C, o.ID)
	WantCode(t, err, portorder.EFOCNotReached)
	w.Clock.Set(OrderDue.Add(9 * time.Hour))
	// With no LSMS registered the SVs activate at once, and so the order
	// completes in the same call.
	if o, err = w.S.ActivateOrder(w.C, o.ID); err != nil || o.Status != portorder.StatusCompleted {
		t.Fatalf("activate: %v (%v)", o, err)
	}
	if v := w.view(t, w.C, o.ID); v.Status != portorder.StatusCompleted || v.SVs[0].Status != npac.StatusActive {
		t.Fatalf("after activation: %s, SV %s; want completed with an active SV", v.Status, v.SVs[0].Status)
	}
	p, _ = w.S.CheckPortability(w.C, SPC, []npac.TN{tn})
	if !p[0].Portable || p[0].LosingSPID != SPC {
		t.Errorf("after the port the number is %+v, want served by SPC and free of orders", p[0])
	}
}

func testOrderRejections(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	ctx := context.Background()
	tn, other := OrderTN(910), OrderTN(911)
	if err := w.S.PutCSR(w.A, SPA, JaneCSR(tn)); err != nil {
		t.Fatal(err)
	}
	// A mismatched name is rejected with its code and fix; the supp with
	// the CSR's name gets the FOC.
	bad := JaneOrder(tn)
	bad.EndUser.Name = "J. Doe"
	o := w.mustOrder(t, bad)
	o, err := w.S.SubmitOrder(w.C, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != portorder.StatusRejected || o.Rejection == nil || !slices.Contains(o.Rejection.Codes, "name-mismatch") {
		t.Fatalf("order with the wrong name: %s %+v", o.Status, o.Rejection)
	}
	if rc := o.Rejection.Reasons(); len(rc) == 0 || rc[0].Fix == "" {
		t.Errorf("the rejection names no fix: %+v", rc)
	}
	fixed := JaneOrder(tn)
	if o, err = w.S.UpdateOrder(w.C, o.ID, fixed); err != nil {
		t.Fatal(err)
	}
	if o.Status != portorder.StatusFOC || o.TNs[0].SVID == 0 {
		t.Fatalf("after the supp: %s, want foc with an SV", o.Status)
	}
	// The losing SP overrides the automatic FOC, on permitted grounds: the
	// SVs are withdrawn. It may override its rejection with an FOC again.
	if o, err = w.S.AnswerOrder(w.A, o.ID, portorder.Reply{Codes: []string{"more-recent-authorization"}}); err != nil || o.Status != portorder.StatusRejected {
		t.Fatalf("reject after the FOC: %v (%v)", o, err)
	}
	if sv := w.sv(t, o.TNs[0].SVID); sv.Status != npac.StatusCanceled {
		t.Errorf("the SV of an order rejected after its FOC is %s, want canceled", sv.Status)
	}
	if o, err = w.S.AnswerOrder(w.A, o.ID, portorder.Reply{FOC: &OrderDue}); err != nil || o.Status != portorder.StatusFOC {
		t.Fatalf("FOC over the rejection: %v (%v)", o, err)
	}
	if sv := w.sv(t, o.TNs[0].SVID); sv.Status != npac.StatusPending {
		t.Errorf("the new SV is %s, want pending", sv.Status)
	}
	// Cancelling before the cutoff cancels the SVs and names the fee tier.
	if o, err = w.S.CancelOrder(w.C, o.ID, "customer changed their mind"); err != nil {
		t.Fatal(err)
	}
	if o.Status != portorder.StatusCanceled || o.CancelFeeTier() == "" {
		t.Fatalf("canceled order: %s, fee tier %q", o.Status, o.CancelFeeTier())
	}
	if sv := w.sv(t, o.TNs[0].SVID); sv.Status != npac.StatusCanceled {
		t.Errorf("the canceled order's SV is %s, want canceled", sv.Status)
	}
	// The numbers are free for a new order at once.
	again := w.mustOrder(t, JaneOrder(tn))
	if again, err = w.S.SubmitOrder(w.C, again.ID); err != nil || again.Status != portorder.StatusFOC {
		t.Fatalf("re-ordering after a cancel: %v (%v)", again, err)
	}
	if _, err := w.S.CancelOrder(w.C, again.ID, ""); err != nil {
		t.Fatal(err)
	}

	// With no CSR on file the losing SP answers by hand, within the
	// permitted grounds.
	noCSR := JaneOrder(other)
	noCSR.Account.Number = "B-200"
	manual := w.mustOrder(t, noCSR)
	if manual, err = w.S.SubmitOrder(w.C, manual.ID); err != nil || manual.Status != portorder.StatusSubmitted {
		t.Fatalf("submit without a CSR: %v (%v)", manual, err)
	}
	_, err = w.S.AnswerOrder(w.A, manual.ID, portorder.Reply{Codes: []string{"unpaid-balance"}})
	WantCode(t, err, portorder.ERejectNotPermitted)
	_, err = w.S.AnswerOrder(w.B, manual.ID, portorder.Reply{Codes: []string{"name-mismatch"}})
	WantCode(t, err, npac.ENOTFOUND)
	if manual, err = w.S.AnswerOrder(w.A, manual.ID, portorder.Reply{Codes: []string{"account-number-mismatch"}, Note: "no such account"}); err != nil {
		t.Fatal(err)
	}
	// A rejection nobody answers cancels the order after 7 days.
	w.Clock.Advance(8 * 24 * time.Hour)
	if n, err := w.S.AdvanceOrders(ctx, w.Clock.Now()); err != nil || n != 1 {
		t.Fatalf("advance after the rejection expired: %d (%v)", n, err)
	}
	if v := w.view(t, w.C, manual.ID); v.Status != portorder.StatusCanceled {
		t.Errorf("expired rejection left the order %s", v.Status)
	}
}

func testWirelessOrder(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	ctx := context.Background()
	// SPB (wireless) serves two ported numbers; SPC ports them away.
	a, c := w.Port(t, TN(920)), w.Port(t, TN(921))
	csr := JaneCSR(a.TN)
	csr.PIN = "4321"
	csr2 := JaneCSR(c.TN)
	csr2.Account, csr2.PIN = "A-101", "4321"
	for _, x := range []*portorder.CSR{csr, csr2} {
		if err := w.S.PutCSR(w.B, SPB, x); err != nil {
			t.Fatal(err)
		}
	}
	w.Clock.Set(Start.Add(7 * 24 * time.Hour)) // Monday 2026-11-23
	order := func(tn npac.TN, account string) *portorder.Order {
		o := JaneOrder(tn)
		o.Account.Number, o.Account.PIN = account, "4321"
		o.LOA.SignedAt = w.Clock.Now().Add(-time.Hour)
		o.DesiredDue = time.Date(2026, 11, 30, 0, 0, 0, 0, NY)
		return w.mustOrder(t, o)
	}
	o := order(a.TN, "A-100")
	if !o.Wireless || o.TNs[0].Type != portorder.TypeWireless {
		t.Fatalf("an order for a wireless number: %+v", o)
	}
	o, err := w.S.SubmitOrder(w.C, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != portorder.StatusSubmitted || o.Approval.State != portorder.ApprovalPending {
		t.Fatalf("a matching wireless order waits for the end user: %s, approval %q", o.Status, o.Approval.State)
	}
	// A supp of the same data waits for the end user again.
	if o, err = w.S.UpdateOrder(w.C, o.ID, o); err != nil || o.Approval.State != portorder.ApprovalPending {
		t.Fatalf("supp of a wireless order: %v (%v)", o, err)
	}
	if o, err = w.S.RecordApproval(w.B, o.ID, portorder.ApprovalEvent{Approved: true}); err != nil {
		t.Fatal(err)
	}
	if o.Status != portorder.StatusFOC {
		t.Fatalf("approved wireless order: %s, want foc", o.Status)
	}
	// No answer within 90 minutes is a rejection.
	silent := order(c.TN, "A-101")
	if _, err := w.S.SubmitOrder(w.C, silent.ID); err != nil {
		t.Fatal(err)
	}
	w.Clock.Advance(91 * time.Minute)
	if _, err := w.S.AdvanceOrders(ctx, w.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	v := w.view(t, w.C, silent.ID)
	if v.Status != portorder.StatusRejected || v.Rejection == nil || !slices.Contains(v.Rejection.Codes, portorder.CodeApprovalTimeout) {
		t.Fatalf("unanswered approval: %s %+v", v.Status, v.Rejection)
	}
}

func testOrderAutoActivate(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	ctx := context.Background()
	tns := []npac.TN{OrderTN(930), OrderTN(931)}
	if err := w.S.PutCSR(w.A, SPA, JaneCSR(tns...)); err != nil {
		t.Fatal(err)
	}
	o := w.mustOrder(t, JaneOrder(tns...))
	o, err := w.S.SubmitOrder(w.C, o.ID)
	if err != nil || o.Status != portorder.StatusFOC {
		t.Fatalf("submit: %v (%v)", o, err)
	}
	// The setting applies to orders that already have their FOC.
	yes := true
	if _, err := w.S.UpdateProvider(w.C, SPC, npac.ProviderUpdate{AutoActivate: &yes}); err != nil {
		t.Fatal(err)
	}
	if n, _ := w.S.AdvanceOrders(ctx, w.Clock.Now()); n != 0 {
		t.Fatalf("before the FOC the scheduler advanced %d orders", n)
	}
	w.Clock.Set(OrderDue.Add(time.Minute))
	for i := 0; i < 2; i++ {
		if _, err := w.S.AdvanceOrders(ctx, w.Clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	v := w.view(t, w.C, o.ID)
	if v.Status != portorder.StatusCompleted || len(v.SVs) != 2 {
		t.Fatalf("auto-activated order: %s with %d SVs, want completed with 2", v.Status, len(v.SVs))
	}
	// A large order is split into a project.
	var many []npac.TN
	for i := 0; i < 150; i++ {
		many = append(many, OrderTN(i))
	}
	parts, err := w.S.CreateOrder(w.C, JaneOrder(many...), "proj-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 2 || !parts[0].Project || parts[1].ParentID != parts[0].ID || len(parts[0].TNs)+len(parts[1].TNs) != 150 ||
		parts[0].LosingSPID != SPA || parts[1].LosingSPID != SPA {
		t.Fatalf("project split: %d parts", len(parts))
	}
	again, err := w.S.CreateOrder(w.C, JaneOrder(many...), "proj-1")
	if err != nil || len(again) != 2 || again[0].ID != parts[0].ID {
		t.Fatalf("retry with the same Idempotency-Key: %v (%v)", again, err)
	}
}

// testDeleteCSR: the losing SP (or NPAC personnel) deletes a CSR, which
// is audited and frees its numbers for another account; others are
// refused and nothing is written.
func testDeleteCSR(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	one, two := OrderTN(11), OrderTN(12)
	if err := w.S.PutCSR(w.A, SPA, JaneCSR(one, two)); err != nil {
		t.Fatal(err)
	}
	other := JaneCSR(one)
	other.Account = "A-200"
	WantCode(t, w.S.PutCSR(w.A, SPA, other), npac.ECONFLICT)

	audits := w.Count(t, "audit")
	for _, ctx := range []context.Context{w.B, w.C, w.SB, w.LSMSB} {
		WantCode(t, w.S.DeleteCSR(ctx, SPA, "A-100"), npac.EFORBIDDEN)
	}
	WantCode(t, w.S.DeleteCSR(w.A, SPA, "B-300"), npac.ENOTFOUND)
	WantCode(t, w.S.DeleteCSR(w.A, SPB, "A-100"), npac.EFORBIDDEN)
	if got := w.Count(t, "audit"); got != audits {
		t.Fatalf("refused deletes wrote %d audit records", got-audits)
	}
	if csrs, err := w.S.CSRs(w.A, SPA); err != nil || len(csrs) != 1 {
		t.Fatalf("after refused deletes: %d CSRs (%v), want 1", len(csrs), err)
	}

	if err := w.S.DeleteCSR(w.A, SPA, "A-100"); err != nil {
		t.Fatalf("the owner's delete: %v", err)
	}
	if csrs, err := w.S.CSRs(w.A, SPA); err != nil || len(csrs) != 0 {
		t.Fatalf("after the delete: %d CSRs (%v), want none", len(csrs), err)
	}
	recs, err := w.S.Audit(w.Admin, npac.AuditFilter{Entity: "csr", Action: "csr.delete"})
	if err != nil || len(recs) != 1 {
		t.Fatalf("csr.delete records: %d (%v), want 1", len(recs), err)
	}
	if r := recs[0]; r.EntityID != "AAA1/A-100" || r.SPID != SPA || r.UserName != "alpha-soa" ||
		!strings.Contains(string(r.Before), `"A-100"`) || len(r.After) != 0 {
		t.Errorf("csr.delete record: %s %s by %s for %s, before %s, after %s", r.Entity, r.EntityID, r.UserName, r.SPID, r.Before, r.After)
	}
	WantCode(t, w.S.DeleteCSR(w.A, SPA, "A-100"), npac.ENOTFOUND)

	// Its numbers are free for another account; NPAC personnel delete that.
	if err := w.S.PutCSR(w.A, SPA, other); err != nil {
		t.Fatalf("a number of the deleted CSR on another account: %v", err)
	}
	if err := w.S.DeleteCSR(w.Admin, SPA, "A-200"); err != nil {
		t.Fatalf("NPAC personnel's delete: %v", err)
	}
	if csrs, err := w.S.CSRs(w.Admin, SPA); err != nil || len(csrs) != 0 {
		t.Fatalf("after NPAC personnel's delete: %d CSRs (%v), want none", len(csrs), err)
	}
}
