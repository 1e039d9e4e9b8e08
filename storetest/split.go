package storetest

import (
	"context"
	"testing"
	"time"

	npac "github.com/opennpac/npac"
)

// SplitTo is the NPA the suite's splits move 212-555 to.
const SplitTo = "646"

// Split schedules the split of 212-555 to 646-555 with its permissive
// dialing period from start to end.
func (w *World) Split(t testing.TB, start, end time.Time) *npac.Split {
	t.Helper()
	sp := &npac.Split{OldNPA: "212", NewNPA: SplitTo, NXXs: []string{"555"}, PDPStart: start, PDPEnd: end}
	if err := w.S.CreateSplit(w.Admin, sp); err != nil {
		t.Fatal(err)
	}
	return sp
}

// Advance runs the split scheduler at the clock's time.
func (w *World) Advance(t testing.TB) int {
	t.Helper()
	n, err := w.S.AdvanceSplits(context.Background(), w.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func testSplit(t *testing.T, b Backend) {
	w := NewWorld(t, b.Open)
	w.register(t, SPB)
	ported := w.Port(t, TN(700))
	if _, err := w.S.CreateBlock(w.Admin, &npac.BlockCreate{NPANXXX: Block1, SPID: SPB, BlockRouting: npac.BlockRouting{LRN: LRNB}}); err != nil {
		t.Fatal(err)
	}
	w.ackAll(t, SPB)
	start, end := w.Clock.Now().Add(time.Hour), w.Clock.Now().Add(30*24*time.Hour)

	for _, bad := range []struct {
		ctx  context.Context
		sp   npac.Split
		code string
	}{
		{w.B, npac.Split{OldNPA: "212", NewNPA: SplitTo, NXXs: []string{"555"}, PDPStart: start, PDPEnd: end}, npac.EFORBIDDEN},
		{w.Admin, npac.Split{OldNPA: "212", NewNPA: "212", NXXs: []string{"555"}, PDPStart: start, PDPEnd: end}, npac.EINVALID},
		{w.Admin, npac.Split{OldNPA: "212", NewNPA: SplitTo, PDPStart: start, PDPEnd: end}, npac.EINVALID},
		{w.Admin, npac.Split{OldNPA: "212", NewNPA: SplitTo, NXXs: []string{"555"}, PDPStart: end, PDPEnd: start}, npac.EINVALID},
		{w.Admin, npac.Split{OldNPA: "212", NewNPA: SplitTo, NXXs: []string{"557"}, PDPStart: start, PDPEnd: end}, npac.ENOTFOUND},
		{w.Admin, npac.Split{OldNPA: "212", NewNPA: "2x2", NXXs: []string{"555"}, PDPStart: start, PDPEnd: end}, npac.EINVALID},
	} {
		sp := bad.sp
		WantCode(t, w.S.CreateSplit(bad.ctx, &sp), bad.code)
	}
	if n := w.Count(t, "splits"); n != 0 {
		t.Fatalf("refused splits wrote %d rows", n)
	}

	sp := w.Split(t, start, end)
	if sp.Status != npac.SplitScheduled {
		t.Fatalf("split before its PDP: %s, want scheduled", sp.Status)
	}
	WantCode(t, w.S.CreateSplit(w.Admin, &npac.Split{OldNPA: "212", NewNPA: "917", NXXs: []string{"555"}, PDPStart: start, PDPEnd: end}), npac.ECONFLICT)
	if n := w.Advance(t); n != 0 {
		t.Fatalf("before the PDP the scheduler advanced %d splits", n)
	}
	head, _ := w.S.LogHead(context.Background())
	w.Clock.Set(start)
	if n := w.Advance(t); n != 1 {
		t.Fatalf("at the PDP's start the scheduler advanced %d splits, want 1", n)
	}
	list, err := w.S.Splits(w.Admin)
	if err != nil || len(list) != 1 {
		t.Fatalf("splits: %v (%v)", list, err)
	}
	sp = list[0]
	if sp.Status != npac.SplitPermissive || sp.Moved == nil || sp.Moved.Codes != 1 || sp.Moved.SVs != 1 || sp.Moved.Blocks != 1 {
		t.Fatalf("split after its PDP started: %s moved %+v, want permissive with 1 code, 1 SV, 1 block", sp.Status, sp.Moved)
	}
	newCode := npac.NPANXX(SplitTo + "555")
	c, err := w.S.Code(w.Admin, newCode)
	if err != nil || c.SPID != SPA || !c.Portable || c.FirstPortAt == nil {
		t.Fatalf("new code %s: %+v (%v), want a copy of %s", newCode, c, err, CodeA)
	}
	if _, err := w.S.Code(w.Admin, CodeA); err != nil {
		t.Fatalf("the old code is gone during the PDP: %v", err)
	}
	moved := w.sv(t, ported.ID)
	if want := npac.TN(SplitTo + "5550700"); moved.TN != want {
		t.Fatalf("ported SV's TN after the split: %s, want %s", moved.TN, want)
	}
	if _, err := w.S.Block(w.Admin, npac.NPANXXX(SplitTo+"5551")); err != nil {
		t.Fatalf("block under the new NPA: %v", err)
	}
	ms := kinds(w.messages(t, SPB, head), npac.MsgCode, npac.MsgSplit)
	if len(ms) != 2 || ms[0].Code.NPANXX != newCode || ms[1].Split == nil || ms[1].Split.Phase != "start" {
		t.Fatalf("LSMS messages at the PDP's start: %+v, want the new code then the split", ms)
	}
	var routes []npac.TN
	var splitSeen bool
	if err := w.S.Image(w.LSMSB, SPB, func(int64, int64) error { return nil }, func(m *npac.Message) error {
		switch m.Kind {
		case npac.MsgSV:
			routes = append(routes, m.TN)
		case npac.MsgSplit:
			splitSeen = true
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !splitSeen || len(routes) != 1 || routes[0] != moved.TN {
		t.Errorf("image during the PDP: routes %v, split %t; want %s and the split", routes, splitSeen, moved.TN)
	}
	// A create naming the old number creates the new one; the SV moved
	// can still be acted on.
	sv := w.MustCreate(t, w.B, NewCreate(TN(701), SPA, SPB, LRNB))
	if want := npac.TN(SplitTo + "5550701"); sv.TN != want {
		t.Errorf("create of %s during the PDP made %s, want %s", TN(701), sv.TN, want)
	}
	w.MustAct(t, w.B, moved.ID, npac.Action{Kind: npac.ActDisconnect})

	head, _ = w.S.LogHead(context.Background())
	w.Clock.Set(end)
	if n := w.Advance(t); n != 1 {
		t.Fatalf("at the PDP's end the scheduler advanced %d splits, want 1", n)
	}
	_, err = w.S.Code(w.Admin, CodeA)
	WantCode(t, err, npac.ENOTFOUND)
	ms = kinds(w.messages(t, SPB, head), npac.MsgCodeDelete, npac.MsgSplit)
	if len(ms) != 2 || ms[0].Code.NPANXX != CodeA || ms[1].Split.Phase != "end" {
		t.Fatalf("LSMS messages at the PDP's end: %+v, want the old code's delete then the split's end", ms)
	}
	_, err = w.S.CreateSV(w.B, NewCreate(TN(702), SPA, SPB, LRNB))
	WantCode(t, err, npac.ENPANXXNotPortable)
}
