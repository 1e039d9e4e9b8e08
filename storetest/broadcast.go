package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	npac "github.com/opennpac/npac"
)

// register registers LSMSs for the providers in the Northeast region.
func (w *World) register(t testing.TB, spids ...npac.SPID) {
	t.Helper()
	for _, sp := range spids {
		if err := w.S.RegisterLSMS(w.Admin, &npac.LSMSRegistration{SPID: sp, Regions: []npac.Region{npac.Northeast}}); err != nil {
			t.Fatalf("register LSMS %s: %v", sp, err)
		}
	}
}

// messages reads every log message for spid's LSMS after seq.
func (w *World) messages(t testing.TB, spid npac.SPID, after int64) []*npac.Message {
	t.Helper()
	ms, _, err := w.S.Messages(w.Admin, spid, after, 5000)
	if err != nil {
		t.Fatalf("messages for %s: %v", spid, err)
	}
	return ms
}

// activatePending runs a concurred port of tn to SPB up to activation and
// returns the SV, which is sending while LSMSs are registered.
func (w *World) activatePending(t testing.TB, tn npac.TN) *npac.SV {
	t.Helper()
	sv := w.MustCreate(t, w.B, NewCreate(tn, SPA, SPB, LRNB))
	w.MustCreate(t, w.A, OldCreate(tn, SPA, SPB))
	if w.Clock.Now().Before(DueDay) {
		w.Clock.Set(DueDay.Add(14 * time.Hour))
	}
	return w.MustAct(t, w.B, sv.ID, npac.Action{Kind: npac.ActActivate})
}

func (w *World) sv(t testing.TB, id int64) *npac.SV {
	t.Helper()
	sv, err := w.S.SV(w.Admin, id)
	if err != nil {
		t.Fatal(err)
	}
	return sv
}

func testBroadcast(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	w.register(t, SPB, SPC)
	head, _ := w.S.LogHead(context.Background())
	sv := w.activatePending(t, TN(500))
	if sv.Status != npac.StatusSending || sv.Broadcast == nil {
		t.Fatalf("with LSMSs registered, activation left %s, want sending with a broadcast", sv.Status)
	}
	if diff := cmp.Diff([]npac.SPID{SPB, SPC}, sv.Broadcast.Pending); diff != "" {
		t.Fatalf("pending LSMSs (-want +got):\n%s", diff)
	}
	ms := kinds(w.messages(t, SPB, head), npac.MsgSV)
	if len(ms) != 1 || ms[0].Kind != npac.MsgSV || ms[0].TN != TN(500) || ms[0].Route.LRN != LRNB || ms[0].Route.SPID != SPB {
		t.Fatalf("SPB's messages after %d: got %+v, want one route of %s to %s", head, ms, TN(500), LRNB)
	}
	if err := w.S.Ack(w.LSMSB, SPB, ms[0].Seq); err != nil {
		t.Fatal(err)
	}
	if got := w.sv(t, sv.ID); got.Status != npac.StatusSending {
		t.Fatalf("after one of two acks got %s, want sending", got.Status)
	}
	WantCode(t, w.S.Ack(w.LSMSB, SPC, ms[0].Seq), npac.EFORBIDDEN)
	WantCode(t, w.S.Ack(w.Admin, SPC, ms[0].Seq+1000), npac.EINVALID)
	if err := w.S.Ack(w.Admin, SPC, ms[0].Seq); err != nil {
		t.Fatal(err)
	}
	got := w.sv(t, sv.ID)
	if got.Status != npac.StatusActive || got.Broadcast != nil || len(got.FailedSPs) != 0 {
		t.Fatalf("after both acks got %s broadcast %+v failed %v, want active", got.Status, got.Broadcast, got.FailedSPs)
	}
	if c := countKind(noticeKinds(t, w, w.B, SPB, 0), npac.NoticeStatusChange); c != 2 {
		t.Errorf("new SP got %d status changes, want 2 (sending, active)", c)
	}
	// An LSMS that filters the code out gets nothing, and is no target.
	if err := w.S.RegisterLSMS(w.Admin, &npac.LSMSRegistration{SPID: SPC, Regions: []npac.Region{npac.Northeast}, Exclude: []npac.NPANXX{CodeA}}); err != nil {
		t.Fatal(err)
	}
	sv2 := w.activatePending(t, TN(501))
	if diff := cmp.Diff([]npac.SPID{SPB}, sv2.Broadcast.Targets); diff != "" {
		t.Errorf("targets with SPC filtering %s (-want +got):\n%s", CodeA, diff)
	}
	if ms := w.messages(t, SPC, ms[0].Seq); len(ms) != 0 {
		t.Errorf("filtering LSMS got %d messages, want 0", len(ms))
	}
}

func testBroadcastFailure(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	w.register(t, SPA, SPB, SPC)
	first := w.Port(t, TN(510))
	for _, sp := range []npac.SPID{SPA, SPB, SPC} {
		if err := w.S.Ack(w.Admin, sp, first.Broadcast.Seq); err != nil {
			t.Fatal(err)
		}
	}
	if got := w.sv(t, first.ID); got.Status != npac.StatusActive {
		t.Fatalf("first port: got %s, want active", got.Status)
	}
	// A port onward to SPC that only SPB's LSMS applies in time.
	in := NewCreate(TN(510), SPB, SPC, LRNC)
	in.DueDate = w.Clock.Now()
	sv := w.MustCreate(t, w.C, in)
	w.MustCreate(t, w.B, npac.SVCreate{TN: TN(510), OldSPID: SPB, NewSPID: SPC, DueDate: in.DueDate})
	sv = w.MustAct(t, w.C, sv.ID, npac.Action{Kind: npac.ActActivate})
	if err := w.S.Ack(w.LSMSB, SPB, sv.Broadcast.Seq); err != nil {
		t.Fatal(err)
	}
	if n, err := w.S.SweepDeliveries(context.Background(), w.Clock.Now(), 100); err != nil || n != 0 {
		t.Fatalf("sweep before the deadline failed %d (%v), want 0", n, err)
	}
	w.Clock.Set(sv.Broadcast.Deadline)
	if n, err := w.S.SweepDeliveries(context.Background(), w.Clock.Now(), 100); err != nil || n != 2 {
		t.Fatalf("sweep at the deadline failed %d (%v), want 2", n, err)
	}
	got := w.sv(t, sv.ID)
	if got.Status != npac.StatusPartialFailure || !cmp.Equal(got.FailedSPs, []npac.SPID{SPA, SPC}) {
		t.Fatalf("got %s failed %v, want partial-failure failed [%s %s]", got.Status, got.FailedSPs, SPA, SPC)
	}
	if old := w.sv(t, first.ID); old.Status != npac.StatusOld {
		t.Errorf("a partially applied activation retires the earlier SV: got %s, want old", old.Status)
	}
	// Only NPAC personnel resend, and only to the LSMSs that failed.
	_, err := w.S.Act(w.C, sv.ID, npac.Action{Kind: npac.ActResend})
	WantCode(t, err, npac.EFORBIDDEN)
	re := w.MustAct(t, w.Admin, sv.ID, npac.Action{Kind: npac.ActResend})
	if re.Status != npac.StatusSending || !cmp.Equal(re.Broadcast.Targets, []npac.SPID{SPA, SPC}) {
		t.Fatalf("resend: got %s targets %v, want sending to [%s %s]", re.Status, re.Broadcast.Targets, SPA, SPC)
	}
	if ms := w.messages(t, SPB, re.Broadcast.Seq-1); len(ms) != 0 {
		t.Errorf("an LSMS that applied the broadcast got the resend: %+v", ms)
	}
	if ms := w.messages(t, SPC, re.Broadcast.Seq-1); len(ms) != 1 {
		t.Fatalf("a failed LSMS got %d resent messages, want 1", len(ms))
	}
	for _, sp := range []npac.SPID{SPA, SPC} {
		if err := w.S.Ack(w.Admin, sp, re.Broadcast.Seq); err != nil {
			t.Fatal(err)
		}
	}
	if got := w.sv(t, sv.ID); got.Status != npac.StatusActive || len(got.FailedSPs) != 0 {
		t.Errorf("after the resend got %s failed %v, want active with none failed", got.Status, got.FailedSPs)
	}
	// Every LSMS failing an activation leaves the earlier SV active.
	sv3 := w.activatePending(t, TN(511))
	w.Clock.Set(sv3.Broadcast.Deadline)
	w.S.SweepDeliveries(context.Background(), w.Clock.Now(), 100)
	if got := w.sv(t, sv3.ID); got.Status != npac.StatusFailed {
		t.Errorf("no LSMS applied: got %s, want failed", got.Status)
	}
}

func testBroadcastImage(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	w.register(t, SPB)
	ack := func(sv *npac.SV) {
		if sv.Broadcast != nil {
			if err := w.S.Ack(w.LSMSB, SPB, sv.Broadcast.Seq); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := 520; i < 525; i++ {
		ack(w.Port(t, TN(i)))
	}
	gone := w.sv(t, w.MustAct(t, w.B, w.svOf(t, TN(522)).ID, npac.Action{Kind: npac.ActDisconnect}).ID)
	ack(gone)
	var (
		head   int64
		routes []npac.TN
		codes  int
	)
	var total int64
	err := w.S.Image(w.LSMSB, SPB, func(h, n int64) error { head, total = h, n; return nil }, func(m *npac.Message) error {
		switch m.Kind {
		case npac.MsgSV:
			routes = append(routes, m.TN)
		case npac.MsgCode:
			codes++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []npac.TN{TN(520), TN(521), TN(523), TN(524)}; !cmp.Equal(routes, want) {
		t.Errorf("image routes: got %v, want %v", routes, want)
	}
	if codes != 2 {
		t.Errorf("image codes: got %d, want 2", codes)
	}
	if want := int64(len(routes) + codes + 3); total != want {
		t.Errorf("image total: got %d, want %d (routes, codes and 3 LRNs)", total, want)
	}
	if h, _ := w.S.LogHead(context.Background()); h != head {
		t.Errorf("image head %d, log head %d", head, h)
	}
	// Pruning drops what every LSMS acknowledged; reading before it is
	// refused with log-truncated.
	if _, err := w.S.PruneLog(context.Background(), w.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	_, _, err = w.S.Messages(w.LSMSB, SPB, 0, 10)
	WantCode(t, err, npac.ELogTruncated)
	if _, _, err := w.S.Messages(w.LSMSB, SPB, head, 10); err != nil {
		t.Errorf("reading from the head after pruning: %v", err)
	}
	// Unregistering settles what waited for it.
	sv := w.activatePending(t, TN(530))
	if err := w.S.UnregisterLSMS(w.Admin, SPB); err != nil {
		t.Fatal(err)
	}
	if got := w.sv(t, sv.ID); got.Status != npac.StatusActive {
		t.Errorf("after its only LSMS unregistered got %s, want active", got.Status)
	}
}

// svOf returns the TN's live SV.
func (w *World) svOf(t testing.TB, tn npac.TN) *npac.SV {
	t.Helper()
	list, err := w.S.SVs(w.Admin, npac.SVFilter{TN: tn, Status: npac.StatusActive})
	if err != nil || len(list) != 1 {
		t.Fatalf("active SV of %s: got %d (%v)", tn, len(list), err)
	}
	return list[0]
}

func testLogSince(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	w.register(t, SPB)
	w.activatePending(t, TN(540))
	w.Clock.Advance(time.Hour)
	mid := w.Clock.Now()
	second := w.activatePending(t, TN(541))
	after, err := w.S.SeqBefore(context.Background(), mid)
	if err != nil {
		t.Fatal(err)
	}
	ms := w.messages(t, SPB, after)
	if len(ms) != 1 || ms[0].TN != TN(541) || ms[0].Seq != second.Broadcast.Seq {
		t.Errorf("messages since %v: got %+v, want only the broadcast of %s", mid, ms, TN(541))
	}
	head, _ := w.S.LogHead(context.Background())
	if got, _ := w.S.SeqBefore(context.Background(), mid.Add(time.Hour)); got != head {
		t.Errorf("since a time after every message: got %d, want the head %d", got, head)
	}
}
