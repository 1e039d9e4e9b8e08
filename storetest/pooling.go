package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	npac "github.com/opennpac/npac"
)

// Pool blocks of the suite's world: in 212-555, held by SPB.
const (
	Block1 npac.NPANXXX = "2125551"
	Block2 npac.NPANXXX = "2125552"
)

// BlockTN returns the TN numbered i (0-999) of a block.
func BlockTN(b npac.NPANXXX, i int) npac.TN {
	return npac.TN(string(b) + string(rune('0'+i/100)) + string(rune('0'+i/10%10)) + string(rune('0'+i%10)))
}

// kinds keeps the messages of some kinds.
func kinds(ms []*npac.Message, ks ...npac.MessageKind) []*npac.Message {
	var out []*npac.Message
	for _, m := range ms {
		for _, k := range ks {
			if m.Kind == k {
				out = append(out, m)
			}
		}
	}
	return out
}

func (w *World) block(t testing.TB, b npac.NPANXXX) *npac.Block {
	t.Helper()
	got, err := w.S.Block(w.Admin, b)
	if err != nil {
		t.Fatalf("block %s: %v", b, err)
	}
	return got
}

// ackAll acknowledges everything in the log for each LSMS.
func (w *World) ackAll(t testing.TB, spids ...npac.SPID) {
	t.Helper()
	head, err := w.S.LogHead(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, sp := range spids {
		if err := w.S.Ack(w.Admin, sp, head); err != nil {
			t.Fatalf("ack %s: %v", sp, err)
		}
	}
}

func testBlocks(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	w.register(t, SPB, SPC)
	w.ackAll(t, SPB, SPC)
	head, _ := w.S.LogHead(context.Background())
	in := &npac.BlockCreate{NPANXXX: Block1, SPID: SPB, BlockRouting: npac.BlockRouting{LRN: LRNB}, EffectiveDate: Start.Add(time.Hour)}

	// Only the pooling administrator, or a holder's SOA its profile allows.
	_, err := w.S.CreateBlock(w.B, in)
	WantCode(t, err, npac.EFORBIDDEN)
	_, err = w.S.CreateBlock(w.Admin, &npac.BlockCreate{NPANXXX: Block1, SPID: SPB, BlockRouting: npac.BlockRouting{LRN: LRNC}})
	WantCode(t, err, npac.ELRNNotOwned)
	_, err = w.S.CreateBlock(w.Admin, &npac.BlockCreate{NPANXXX: "2125571", SPID: SPB, BlockRouting: npac.BlockRouting{LRN: LRNB}})
	WantCode(t, err, npac.ENPANXXNotPortable)
	_, err = w.S.CreateBlock(w.Admin, &npac.BlockCreate{NPANXXX: Block1, SPID: SPB, BlockRouting: npac.BlockRouting{LRN: LRNB}, EffectiveDate: Start.Add(-time.Hour)})
	WantCode(t, err, npac.EINVALID)
	if n := w.Count(t, "blocks"); n != 0 {
		t.Fatalf("refused creates wrote %d blocks", n)
	}

	bl, err := w.S.CreateBlock(w.Admin, in)
	if err != nil {
		t.Fatal(err)
	}
	if bl.Status != npac.StatusPending || bl.Region != npac.Northeast {
		t.Fatalf("block before its effective date: %s in %s, want pending in NE", bl.Status, bl.Region)
	}
	_, err = w.S.CreateBlock(w.Admin, in)
	WantCode(t, err, npac.ECONFLICT)
	if n, err := w.S.ActivateDueBlocks(context.Background(), w.Clock.Now(), 10); err != nil || n != 0 {
		t.Fatalf("before the effective date activated %d (%v), want 0", n, err)
	}
	// While pending, the block holder does not serve the block's numbers.
	_, err = w.S.CreateSV(w.C, NewCreate(BlockTN(Block1, 5), SPB, SPC, LRNC))
	WantCode(t, err, npac.EOldSPMismatch)

	w.Clock.Set(Start.Add(time.Hour))
	if n, err := w.S.ActivateDueBlocks(context.Background(), w.Clock.Now(), 10); err != nil || n != 1 {
		t.Fatalf("at the effective date activated %d (%v), want 1", n, err)
	}
	bl = w.block(t, Block1)
	if bl.Status != npac.StatusSending || bl.ActivationTimestamp == nil || bl.Broadcast == nil {
		t.Fatalf("activated block: %s, broadcast %+v", bl.Status, bl.Broadcast)
	}
	ms := kinds(w.messages(t, SPC, head), npac.MsgBlock, npac.MsgSV)
	if len(ms) != 1 || ms[0].Block != Block1 || ms[0].Route.LRN != LRNB || ms[0].Route.SPID != SPB || !ms[0].Route.Ported {
		t.Fatalf("LSMS messages: got %+v, want one block record of %s to %s", ms, Block1, LRNB)
	}
	w.ackAll(t, SPB, SPC)
	if bl = w.block(t, Block1); bl.Status != npac.StatusActive {
		t.Fatalf("after both acks the block is %s, want active", bl.Status)
	}
	if c := countKind(noticeKinds(t, w, w.B, SPB, 0), npac.NoticeBlockStatus); c != 2 {
		t.Errorf("block holder got %d block-status notices, want 2 (sending, active)", c)
	}

	// The block holder now serves the block: it is the old SP of a port.
	_, err = w.S.CreateSV(w.C, NewCreate(BlockTN(Block1, 5), SPA, SPC, LRNC))
	WantCode(t, err, npac.EOldSPMismatch)
	sv := w.MustCreate(t, w.C, NewCreate(BlockTN(Block1, 5), SPB, SPC, LRNC))
	w.MustCreate(t, w.B, OldCreate(BlockTN(Block1, 5), SPB, SPC))
	w.Clock.Set(DueDay.Add(14 * time.Hour))
	sv = w.MustAct(t, w.C, sv.ID, npac.Action{Kind: npac.ActActivate})
	w.ackAll(t, SPB, SPC)
	// Port-to-original returns it to the block holder, not the code holder.
	back := NewCreate(BlockTN(Block1, 5), SPC, SPA, LRNA)
	back.PortToOriginal, back.LRN = true, ""
	_, err = w.S.CreateSV(w.A, back)
	WantCode(t, err, npac.EPortToOriginalInvalid)
	// A disconnect tells the block holder, who gets the number back.
	before, _ := w.S.LastSeq(w.B, SPB)
	w.MustAct(t, w.C, sv.ID, npac.Action{Kind: npac.ActDisconnect})
	w.ackAll(t, SPB, SPC)
	if c := countKind(noticeKinds(t, w, w.B, SPB, before), npac.NoticeCustomerDisconnect); c != 1 {
		t.Errorf("block holder got %d customer-disconnect notices, want 1", c)
	}

	// Modify broadcasts the new routing.
	ssn := 0
	md := npac.BlockModify{CLASS: &npac.SignalingPoint{DPC: "001-002-003", SSN: &ssn}}
	bl, err = w.S.ModifyBlock(w.Admin, Block1, md)
	if err != nil {
		t.Fatal(err)
	}
	if bl.Status != npac.StatusSending || bl.Pending != "modify" || bl.CLASS == nil {
		t.Fatalf("modified block: %s %q %+v", bl.Status, bl.Pending, bl.CLASS)
	}
	_, err = w.S.ModifyBlock(w.Admin, Block1, md)
	WantCode(t, err, npac.ESVWrongStatus)
	w.ackAll(t, SPB, SPC)

	// The full image carries the block.
	var images []npac.NPANXXX
	if err := w.S.Image(w.LSMSB, SPB, func(int64, int64) error { return nil }, func(m *npac.Message) error {
		if m.Kind == npac.MsgBlock {
			images = append(images, m.Block)
			if m.Route.CLASS == nil {
				t.Errorf("image block has no CLASS pair after the modify")
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(images, []npac.NPANXXX{Block1}) {
		t.Errorf("image blocks: got %v, want [%s]", images, Block1)
	}

	// An LSMS that misses its deadline fails it; a resend goes to it alone.
	bl, err = w.S.ModifyBlock(w.Admin, Block1, npac.BlockModify{CLASS: &npac.SignalingPoint{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.S.Ack(w.LSMSB, SPB, bl.Broadcast.Seq); err != nil {
		t.Fatal(err)
	}
	w.Clock.Advance(time.Hour)
	if _, err := w.S.SweepDeliveries(context.Background(), w.Clock.Now(), 100); err != nil {
		t.Fatal(err)
	}
	bl = w.block(t, Block1)
	if bl.Status != npac.StatusPartialFailure || !cmp.Equal(bl.FailedSPs, []npac.SPID{SPC}) {
		t.Fatalf("after SPC missed its deadline: %s failed %v, want partial-failure [CCC3]", bl.Status, bl.FailedSPs)
	}
	_, err = w.S.ResendBlock(w.B, Block1)
	WantCode(t, err, npac.EFORBIDDEN)
	bl, err = w.S.ResendBlock(w.Admin, Block1)
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(bl.Broadcast.Targets, []npac.SPID{SPC}) {
		t.Errorf("resend targets: got %v, want [CCC3]", bl.Broadcast.Targets)
	}
	w.ackAll(t, SPC)
	if bl = w.block(t, Block1); bl.Status != npac.StatusActive || len(bl.FailedSPs) != 0 {
		t.Fatalf("after the resend: %s failed %v, want active", bl.Status, bl.FailedSPs)
	}

	// De-pooling broadcasts the delete; the block ends old.
	bl, err = w.S.DeleteBlock(w.Admin, Block1)
	if err != nil {
		t.Fatal(err)
	}
	if bl.Status != npac.StatusSending || bl.Pending != "delete" {
		t.Fatalf("de-pooled block: %s %q, want sending delete", bl.Status, bl.Pending)
	}
	last := kinds(w.messages(t, SPB, head), npac.MsgBlock, npac.MsgBlockDelete)
	if k := last[len(last)-1]; k.Kind != npac.MsgBlockDelete || k.Block != Block1 {
		t.Fatalf("last block message: %+v, want a delete of %s", k, Block1)
	}
	w.ackAll(t, SPB, SPC)
	_, err = w.S.Block(w.Admin, Block1)
	WantCode(t, err, npac.ENOTFOUND)
	old, err := w.S.Blocks(w.Admin, npac.BlockFilter{Status: npac.StatusOld})
	if err != nil || len(old) != 1 || old[0].ID != bl.ID {
		t.Fatalf("old blocks: %v (%v), want the de-pooled one", old, err)
	}
	images = nil
	if err := w.S.Image(w.LSMSB, SPB, func(int64, int64) error { return nil }, func(m *npac.Message) error {
		if m.Kind == npac.MsgBlock {
			images = append(images, m.Block)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(images) != 0 {
		t.Errorf("image after de-pooling has blocks %v", images)
	}
}

func testBlockRules(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	// A holder's SOA manages its blocks once its profile allows it.
	yes := true
	if _, err := w.S.UpdateProvider(w.Admin, SPB, npac.ProviderUpdate{SOABlocks: &yes}); err != nil {
		t.Fatal(err)
	}
	_, err := w.S.UpdateProvider(w.B, SPB, npac.ProviderUpdate{SOABlocks: &yes})
	WantCode(t, err, npac.EFORBIDDEN)
	bl, err := w.S.CreateBlock(w.B, &npac.BlockCreate{NPANXXX: Block2, SPID: SPB, BlockRouting: npac.BlockRouting{LRN: LRNB}})
	if err != nil {
		t.Fatal(err)
	}
	// No LSMS is registered, so the broadcast concludes at once.
	if bl.Status != npac.StatusActive {
		t.Fatalf("block with no LSMS registered: %s, want active", bl.Status)
	}
	_, err = w.S.CreateBlock(w.C, &npac.BlockCreate{NPANXXX: "2125553", SPID: SPB, BlockRouting: npac.BlockRouting{LRN: LRNB}})
	WantCode(t, err, npac.EFORBIDDEN)
	// Pending SVs in a block keep it from being pooled.
	w.MustCreate(t, w.B, NewCreate(BlockTN("2125553", 7), SPA, SPB, LRNB))
	_, err = w.S.CreateBlock(w.Admin, &npac.BlockCreate{NPANXXX: "2125553", SPID: SPB, BlockRouting: npac.BlockRouting{LRN: LRNB}})
	WantCode(t, err, npac.EInUse)
	// A pending block is removed at once, never broadcast.
	if _, err := w.S.CreateBlock(w.Admin, &npac.BlockCreate{NPANXXX: "2125554", SPID: SPB, BlockRouting: npac.BlockRouting{LRN: LRNB}, EffectiveDate: Start.Add(48 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	head, _ := w.S.LogHead(context.Background())
	if pend, err := w.S.DeleteBlock(w.Admin, "2125554"); err != nil || pend.Status != npac.StatusOld {
		t.Fatalf("de-pooling a pending block: %v (%v), want old", pend, err)
	}
	if h, _ := w.S.LogHead(context.Background()); h != head {
		t.Errorf("de-pooling a pending block logged %d messages", h-head)
	}
	_, err = w.S.ModifyBlock(w.B, Block2, npac.BlockModify{})
	WantCode(t, err, npac.EINVALID)
	// An active block cannot switch to the pseudo-LRN.
	pseudo := npac.PseudoLRN
	_, err = w.S.ModifyBlock(w.B, Block2, npac.BlockModify{LRN: &pseudo})
	WantCode(t, err, npac.EINVALID)
}

func testPseudoLRN(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	err := w.S.RegisterLSMS(w.Admin, &npac.LSMSRegistration{SPID: SPC, Regions: []npac.Region{npac.Northeast}, PseudoLRNFrom: []npac.SPID{SPB}})
	WantCode(t, err, npac.EINVALID)
	w.register(t, SPA)
	if err := w.S.RegisterLSMS(w.Admin, &npac.LSMSRegistration{SPID: SPC, Regions: []npac.Region{npac.Northeast}, PseudoLRN: true}); err != nil {
		t.Fatal(err)
	}
	reg, err := w.S.LSMS(w.Admin, SPC)
	if err != nil || !reg.PseudoLRN {
		t.Fatalf("registration: %+v (%v), want pseudo_lrn", reg, err)
	}
	head, _ := w.S.LogHead(context.Background())
	// A port with the pseudo-LRN (not a registered LRN) goes only to the
	// LSMS that opted in.
	sv := w.MustCreate(t, w.B, NewCreate(TN(600), SPA, SPB, npac.PseudoLRN))
	w.MustCreate(t, w.A, OldCreate(TN(600), SPA, SPB))
	w.Clock.Set(DueDay.Add(14 * time.Hour))
	sv = w.MustAct(t, w.B, sv.ID, npac.Action{Kind: npac.ActActivate})
	if sv.Broadcast == nil || !cmp.Equal(sv.Broadcast.Targets, []npac.SPID{SPC}) {
		t.Fatalf("pseudo-LRN broadcast targets: %+v, want [CCC3]", sv.Broadcast)
	}
	if ms := kinds(w.messages(t, SPA, head), npac.MsgSV); len(ms) != 0 {
		t.Errorf("LSMS without the opt-in got %d SV messages", len(ms))
	}
	if ms := kinds(w.messages(t, SPC, head), npac.MsgSV); len(ms) != 1 || ms[0].Route.LRN != npac.PseudoLRN {
		t.Errorf("LSMS with the opt-in got %+v, want the pseudo-LRN SV", ms)
	}
	w.ackAll(t, SPA, SPC)
	// Only from the providers it names, when it names some.
	if err := w.S.RegisterLSMS(w.Admin, &npac.LSMSRegistration{SPID: SPC, Regions: []npac.Region{npac.Northeast}, PseudoLRN: true, PseudoLRNFrom: []npac.SPID{SPA}}); err != nil {
		t.Fatal(err)
	}
	var images int
	if err := w.S.Image(w.Admin, SPC, func(int64, int64) error { return nil }, func(m *npac.Message) error {
		if m.Kind == npac.MsgSV {
			images++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if images != 0 {
		t.Errorf("image for an LSMS taking pseudo-LRN records from AAA1 only has %d of BBB2's", images)
	}
	// A real route cannot switch to the pseudo-LRN.
	real := w.Port(t, TN(601))
	w.ackAll(t, SPA, SPC)
	pseudo := npac.PseudoLRN
	_, err = w.S.Act(w.B, real.ID, npac.Action{Kind: npac.ActModify, Modify: &npac.SVModify{LRN: &pseudo}})
	WantCode(t, err, npac.EINVALID)
	// The pseudo-LRN cannot be registered as an LRN.
	err = w.S.CreateLRN(w.Admin, &npac.LRNRecord{LRN: npac.PseudoLRN, SPID: SPB, Region: npac.Northeast})
	WantCode(t, err, npac.EINVALID)
}

func testNPANXXEvents(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	w.register(t, SPB)
	head, _ := w.S.LogHead(context.Background())
	// The world's two codes opened at setup: every provider serving the
	// region heard of each, the bureau did not.
	for _, c := range []struct {
		ctx  context.Context
		spid npac.SPID
	}{{w.A, SPA}, {w.B, SPB}, {w.C, SPC}} {
		if n := countKind(noticeKinds(t, w, c.ctx, c.spid, 0), npac.NoticeCodeOpened); n != 2 {
			t.Errorf("%s got %d npa-nxx-opened notices, want 2", c.spid, n)
		}
	}
	if n := countKind(noticeKinds(t, w, w.Admin, Bureau, 0), npac.NoticeCodeOpened); n != 0 {
		t.Errorf("the service bureau got %d npa-nxx-opened notices, want 0", n)
	}
	// The first SV in a code sends the heads-up once, to SOAs and LSMSs.
	w.MustCreate(t, w.B, NewCreate(npac.TN(string(CodeA2)+"0001"), SPA, SPB, LRNB))
	w.MustCreate(t, w.B, NewCreate(npac.TN(string(CodeA2)+"0002"), SPA, SPB, LRNB))
	for _, c := range []struct {
		ctx  context.Context
		spid npac.SPID
	}{{w.A, SPA}, {w.B, SPB}, {w.C, SPC}} {
		if n := countKind(noticeKinds(t, w, c.ctx, c.spid, 0), npac.NoticeNewNPANXX); n != 1 {
			t.Errorf("%s got %d new-npa-nxx notices, want 1", c.spid, n)
		}
	}
	ms := kinds(w.messages(t, SPB, head), npac.MsgFirstPort)
	if len(ms) != 1 || ms[0].Code == nil || ms[0].Code.NPANXX != CodeA2 {
		t.Fatalf("LSMS first-port messages: %+v, want one for %s", ms, CodeA2)
	}
	c, err := w.S.Code(w.Admin, CodeA2)
	if err != nil || c.FirstPortAt == nil {
		t.Fatalf("code after its first port: %+v (%v), want first_port_at", c, err)
	}
	// Opening a closed code announces it.
	no, yes := false, true
	if _, err := w.S.UpdateCode(w.Admin, CodeA2, npac.CodeUpdate{Portable: &no}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.S.UpdateCode(w.Admin, CodeA2, npac.CodeUpdate{Portable: &yes}); err != nil {
		t.Fatal(err)
	}
	if n := countKind(noticeKinds(t, w, w.C, SPC, 0), npac.NoticeCodeOpened); n != 3 {
		t.Errorf("after reopening %s, SPC has %d npa-nxx-opened notices, want 3", CodeA2, n)
	}
}
