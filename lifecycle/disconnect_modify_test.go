package lifecycle_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/lifecycle"
)

func TestDisconnect(t *testing.T) {
	now := later
	future := gmtDay(2025, time.June, 13)
	cdd := ny(2025, time.June, 11, 8, 0)
	tests := []struct {
		name     string
		cdd      *time.Time
		erd      *time.Time
		wantCDD  time.Time
		wantERD  time.Time
		deferred bool
	}{
		{"now, no dates", nil, nil, now, now, false},
		{"ERD in the past", &cdd, ptr(now.Add(-hour)), cdd, now, false},
		{"ERD now", nil, &now, now, now, false},
		{"ERD in the future", &cdd, &future, cdd, future, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := federal(t)
			sv := active(t, m)
			e := act(t, m, sv, npac.Action{Kind: npac.ActDisconnect, CustomerDisconnectDate: tt.cdd, EffectiveReleaseDate: tt.erd}, npac.SideNew, now)
			wantTime(t, "CustomerDisconnectDate", sv.CustomerDisconnectDate, tt.wantCDD)
			wantTime(t, "EffectiveReleaseDate", sv.EffectiveReleaseDate, tt.wantERD)
			wantCleared(t, e, npac.TimerRelease)
			codeHolder := note(lifecycle.PartyCodeHolder, npac.NoticeCustomerDisconnect)
			if tt.deferred {
				wantStatus(t, sv, npac.StatusDisconnectPending, npac.SlotActive)
				if e.Broadcast {
					t.Error("Broadcast: got true, want false before the release date")
				}
				wantTimers(t, e, lifecycle.Timer{Kind: npac.TimerRelease, At: future})
				wantNotices(t, e, codeHolder, statusChange(npac.StatusActive, npac.StatusDisconnectPending))

				// The release timer starts the broadcast.
				e = fire(t, m, sv, npac.TimerRelease, future, future.Add(time.Second))
				wantNotices(t, e, statusChange(npac.StatusDisconnectPending, npac.StatusSending))
			} else {
				// An immediate disconnect passes through disconnect-pending.
				wantTimers(t, e)
				wantNotices(t, e, codeHolder, statusChange(npac.StatusActive, npac.StatusDisconnectPending), statusChange(npac.StatusDisconnectPending, npac.StatusSending))
			}
			wantStatus(t, sv, npac.StatusSending, npac.SlotActive)
			if sv.Pending != "disconnect" {
				t.Errorf("Pending: got %q, want %q", sv.Pending, "disconnect")
			}
			if !e.Broadcast {
				t.Error("Broadcast: got false, want true")
			}
			e = conclude(t, m, sv, 0, nil, future.Add(time.Minute))
			wantStatus(t, sv, npac.StatusOld, npac.SlotNone)
			if e.RetireActive {
				t.Error("RetireActive: got true, want false (the disconnected SV is itself the active one)")
			}
		})
	}
}

func TestDisconnectNotice(t *testing.T) {
	m := federal(t)
	sv := active(t, m)
	e := act(t, m, sv, do(npac.ActDisconnect), npac.SideNew, later)
	for _, n := range e.Notices {
		if n.Kind != npac.NoticeCustomerDisconnect {
			continue
		}
		got, ok := n.Data["customer_disconnect_date"].(time.Time)
		if !ok || !got.Equal(later) {
			t.Errorf("customer_disconnect_date: got %v, want %v", n.Data["customer_disconnect_date"], later)
		}
		return
	}
	t.Error("no customer-disconnect notice")
}

func TestDisconnectRefused(t *testing.T) {
	tests := []struct {
		name  string
		setup func(*testing.T, *lifecycle.Machine) *npac.SV
		side  npac.Side
		want  string
	}{
		{"by the old SP", active, npac.SideOld, npac.ESVWrongActor},
		{"pending", concurred, npac.SideNew, npac.ESVWrongStatus},
		{"disconnect-pending", func(t *testing.T, m *lifecycle.Machine) *npac.SV {
			return disconnectPending(t, m, later.Add(2*day))
		}, npac.SideNew, npac.ESVWrongStatus},
		{"sending", sending(nil), npac.SideNew, npac.ESVWrongStatus},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := federal(t)
			sv := tt.setup(t, m)
			st := sv.Status
			_, err := m.Act(sv, do(npac.ActDisconnect), tt.side, later)
			wantCode(t, err, tt.want)
			if sv.Status != st || (st == npac.StatusActive && sv.CustomerDisconnectDate != nil) {
				t.Errorf("refused disconnect changed the SV: status %s→%s, CDD %v", st, sv.Status, sv.CustomerDisconnectDate)
			}
		})
	}
}

func TestModifyPending(t *testing.T) {
	newDue := ny(2025, time.June, 12, 15, 0)
	tests := []struct {
		name    string
		setup   func(*testing.T, *lifecycle.Machine) *npac.SV
		side    npac.Side
		md      npac.SVModify
		check   func(*testing.T, *npac.SV)
		cleared []npac.TimerKind
		timers  []lifecycle.Timer
	}{
		{"new SP changes the LRN", concurred, npac.SideNew, npac.SVModify{LRN: ptr(lrn2)},
			func(t *testing.T, sv *npac.SV) {
				if sv.LRN != lrn2 {
					t.Errorf("LRN: got %q, want %q", sv.LRN, lrn2)
				}
			}, nil, nil},
		{"new SP adds CNAM", pendingNew, npac.SideNew, npac.SVModify{CNAM: &npac.SignalingPoint{DPC: "1.2.3", SSN: ptr(5)}},
			func(t *testing.T, sv *npac.SV) {
				if sv.CNAM == nil || sv.CNAM.DPC != "001-002-003" || *sv.CNAM.SSN != 5 {
					t.Errorf("CNAM: got %+v, want 001-002-003/5", sv.CNAM)
				}
			}, nil, nil},
		{"new SP in conflict changes the LRN", func(t *testing.T, m *lifecycle.Machine) *npac.SV {
			return conflicted(t, m, npac.CauseGeneralConflict, concurAt.Add(hour))
		}, npac.SideNew, npac.SVModify{LRN: ptr(lrn2)},
			func(t *testing.T, sv *npac.SV) {
				if sv.LRN != lrn2 || sv.Status != npac.StatusConflict {
					t.Errorf("LRN, status: got %q, %s, want %q, %s", sv.LRN, sv.Status, lrn2, npac.StatusConflict)
				}
			}, nil, nil},
		{"new SP moves the due date", concurred, npac.SideNew, npac.SVModify{DueDate: &newDue},
			func(t *testing.T, sv *npac.SV) {
				if want := gmtDay(2025, time.June, 12); !sv.DueDate.Equal(want) {
					t.Errorf("DueDate: got %v, want %v", sv.DueDate, want)
				}
				wantTime(t, "OldSPDueDate", sv.OldSPDueDate, due)
			},
			[]npac.TimerKind{npac.TimerPendingPurge},
			[]lifecycle.Timer{{Kind: npac.TimerPendingPurge, At: gmtDay(2025, time.June, 12).Add(thirtyDays)}}},
		{"old SP moves its own due date", concurred, npac.SideOld, npac.SVModify{DueDate: &newDue},
			func(t *testing.T, sv *npac.SV) {
				wantTime(t, "OldSPDueDate", sv.OldSPDueDate, gmtDay(2025, time.June, 12))
				if !sv.DueDate.Equal(due) {
					t.Errorf("DueDate: got %v, want the new SP's %v unchanged", sv.DueDate, due)
				}
			}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := federal(t)
			sv := tt.setup(t, m)
			st := sv.Status
			now := ny(2025, time.June, 5, 9, 0)
			e := act(t, m, sv, modify(tt.md), tt.side, now)
			tt.check(t, sv)
			if sv.Status != st {
				t.Errorf("status: got %s, want %s unchanged", sv.Status, st)
			}
			if !sv.UpdatedAt.Equal(now) {
				t.Errorf("UpdatedAt: got %v, want %v", sv.UpdatedAt, now)
			}
			if e.Broadcast {
				t.Error("Broadcast: got true, want false")
			}
			wantCleared(t, e, tt.cleared...)
			wantTimers(t, e, tt.timers...)
			wantNotices(t, e, note(lifecycle.PartyBoth, npac.NoticeAttributeChange))
		})
	}
}

func TestModifyActive(t *testing.T) {
	m := federal(t)
	sv := active(t, m)
	e := act(t, m, sv, modify(npac.SVModify{LRN: ptr(lrn2), BillingID: ptr("AB12")}), npac.SideNew, later)
	wantStatus(t, sv, npac.StatusSending, npac.SlotActive)
	if sv.Pending != "modify" {
		t.Errorf("Pending: got %q, want %q", sv.Pending, "modify")
	}
	if sv.LRN != lrn2 || sv.BillingID != "AB12" {
		t.Errorf("LRN, BillingID: got %q, %q, want %q, %q", sv.LRN, sv.BillingID, lrn2, "AB12")
	}
	if !e.Broadcast {
		t.Error("Broadcast: got false, want true")
	}
	wantNotices(t, e, statusChange(npac.StatusActive, npac.StatusSending))

	e = conclude(t, m, sv, 0, nil, later)
	wantStatus(t, sv, npac.StatusActive, npac.SlotActive)
	if e.RetireActive {
		t.Error("RetireActive: got true, want false")
	}
	wantNotices(t, e, statusChange(npac.StatusSending, npac.StatusActive))
}

func TestModifyDisconnectPending(t *testing.T) {
	erd := gmtDay(2025, time.June, 13)
	now := ny(2025, time.June, 11, 12, 0)
	newCDD := ny(2025, time.June, 11, 9, 0)
	laterERD := gmtDay(2025, time.June, 16)

	t.Run("new customer disconnect date", func(t *testing.T) {
		m := federal(t)
		sv := disconnectPending(t, m, erd)
		e := act(t, m, sv, modify(npac.SVModify{CustomerDisconnectDate: &newCDD}), npac.SideNew, now)
		wantStatus(t, sv, npac.StatusDisconnectPending, npac.SlotActive)
		wantTime(t, "CustomerDisconnectDate", sv.CustomerDisconnectDate, newCDD)
		wantTime(t, "EffectiveReleaseDate", sv.EffectiveReleaseDate, erd)
		wantTimers(t, e)
		wantCleared(t, e)
		wantNotices(t, e, note(lifecycle.PartyBoth, npac.NoticeAttributeChange))
	})
	t.Run("later release date", func(t *testing.T) {
		m := federal(t)
		sv := disconnectPending(t, m, erd)
		e := act(t, m, sv, modify(npac.SVModify{EffectiveReleaseDate: &laterERD}), npac.SideNew, now)
		wantStatus(t, sv, npac.StatusDisconnectPending, npac.SlotActive)
		wantTime(t, "EffectiveReleaseDate", sv.EffectiveReleaseDate, laterERD)
		wantCleared(t, e, npac.TimerRelease)
		wantTimers(t, e, lifecycle.Timer{Kind: npac.TimerRelease, At: laterERD})
		if e.Broadcast {
			t.Error("Broadcast: got true, want false")
		}
	})
	t.Run("release date in the past disconnects now", func(t *testing.T) {
		m := federal(t)
		sv := disconnectPending(t, m, erd)
		e := act(t, m, sv, modify(npac.SVModify{EffectiveReleaseDate: ptr(now.Add(-hour))}), npac.SideNew, now)
		wantStatus(t, sv, npac.StatusSending, npac.SlotActive)
		if sv.Pending != "disconnect" {
			t.Errorf("Pending: got %q, want %q", sv.Pending, "disconnect")
		}
		wantTime(t, "EffectiveReleaseDate", sv.EffectiveReleaseDate, now)
		if !e.Broadcast {
			t.Error("Broadcast: got false, want true")
		}
		wantCleared(t, e, npac.TimerRelease)
		wantTimers(t, e)
		wantNotices(t, e, statusChange(npac.StatusDisconnectPending, npac.StatusSending))
		conclude(t, m, sv, 0, nil, now)
		wantStatus(t, sv, npac.StatusOld, npac.SlotNone)
	})
}

func TestModifyRefused(t *testing.T) {
	zero := time.Time{}
	dp := func(t *testing.T, m *lifecycle.Machine) *npac.SV {
		return disconnectPending(t, m, gmtDay(2025, time.June, 13))
	}
	tests := []struct {
		name  string
		setup func(*testing.T, *lifecycle.Machine) *npac.SV
		side  npac.Side
		md    *npac.SVModify
		want  string
	}{
		{"no modify", concurred, npac.SideNew, nil, npac.EINVALID},
		{"empty modify", concurred, npac.SideNew, &npac.SVModify{}, npac.EINVALID},
		{"pending, old SP changes the LRN", concurred, npac.SideOld, &npac.SVModify{LRN: ptr(lrn2)}, npac.ESVWrongActor},
		{"pending, old SP changes the LRN and its due date", concurred, npac.SideOld, &npac.SVModify{LRN: ptr(lrn2), DueDate: &due}, npac.ESVWrongActor},
		{"pending, disconnect dates", concurred, npac.SideNew, &npac.SVModify{CustomerDisconnectDate: &later}, npac.EINVALID},
		{"pending, LRN removed", concurred, npac.SideNew, &npac.SVModify{LRN: ptr(npac.LRN(""))}, npac.EINVALID},
		{"pending, bad LRN", concurred, npac.SideNew, &npac.SVModify{LRN: ptr(npac.LRN("123"))}, npac.EINVALID},
		{"pending, new SP has not created", pendingOld, npac.SideNew, &npac.SVModify{LRN: ptr(lrn2)}, npac.ESVNotConcurred},
		{"active, by the old SP", active, npac.SideOld, &npac.SVModify{LRN: ptr(lrn2)}, npac.ESVWrongActor},
		{"active, due date", active, npac.SideNew, &npac.SVModify{DueDate: &due}, npac.EINVALID},
		{"active, disconnect date", active, npac.SideNew, &npac.SVModify{EffectiveReleaseDate: &later}, npac.EINVALID},
		{"disconnect-pending, CDD cleared", dp, npac.SideNew, &npac.SVModify{CustomerDisconnectDate: &zero}, npac.EINVALID},
		{"disconnect-pending, routing", dp, npac.SideNew, &npac.SVModify{LRN: ptr(lrn2)}, npac.EINVALID},
		{"disconnect-pending, due date", dp, npac.SideNew, &npac.SVModify{DueDate: &due}, npac.EINVALID},
		{"disconnect-pending, by the old SP", dp, npac.SideOld, &npac.SVModify{CustomerDisconnectDate: &later}, npac.ESVWrongActor},
		{"cancel-pending", func(t *testing.T, m *lifecycle.Machine) *npac.SV {
			return cancelPending(t, m, npac.StatusPending, npac.SideNew)
		}, npac.SideNew, &npac.SVModify{LRN: ptr(lrn2)}, npac.ESVWrongStatus},
		{"sending", sending(nil), npac.SideNew, &npac.SVModify{LRN: ptr(lrn2)}, npac.ESVWrongStatus},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := federal(t)
			sv := tt.setup(t, m)
			st, l := sv.Status, sv.LRN
			_, err := m.Act(sv, npac.Action{Kind: npac.ActModify, Modify: tt.md}, tt.side, later)
			wantCode(t, err, tt.want)
			if sv.Status != st || sv.LRN != l {
				t.Errorf("refused modify changed the SV: status %s→%s, LRN %s→%s", st, sv.Status, l, sv.LRN)
			}
		})
	}
}

// Old and canceled SVs are final: every action is refused for their status,
// by a side that could otherwise take it.
func TestFinalStatusRefusals(t *testing.T) {
	actions := []struct {
		a    npac.Action
		side npac.Side
	}{
		{do(npac.ActActivate), npac.SideNew},
		{conflictWith(npac.CauseGeneralConflict), npac.SideOld},
		{do(npac.ActResolveConflict), npac.SideOld},
		{do(npac.ActCancel), npac.SideNew},
		{do(npac.ActCancel), npac.SideOld},
		{do(npac.ActCancelAck), npac.SideOld},
		{do(npac.ActCancelUndo), npac.SideNew},
		{do(npac.ActDisconnect), npac.SideNew},
		{modify(npac.SVModify{LRN: ptr(lrn2)}), npac.SideNew},
		{modify(npac.SVModify{CustomerDisconnectDate: &later}), npac.SideNew},
	}
	finals := []struct {
		status npac.Status
		setup  func(*testing.T, *lifecycle.Machine) *npac.SV
	}{
		{npac.StatusOld, old},
		{npac.StatusCanceled, canceled},
	}
	for _, f := range finals {
		for _, a := range actions {
			t.Run(string(f.status)+"/"+string(a.a.Kind)+"/"+string(a.side), func(t *testing.T) {
				m := federal(t)
				sv := f.setup(t, m)
				if sv.Status != f.status {
					t.Fatalf("setup: status %s, want %s", sv.Status, f.status)
				}
				before := *sv
				e, err := m.Act(sv, a.a, a.side, later.Add(day))
				wantCode(t, err, npac.ESVWrongStatus)
				if diff := cmp.Diff(before, *sv); diff != "" {
					t.Errorf("refused action changed the SV (-before +after):\n%s", diff)
				}
				if len(e.Notices) != 0 || len(e.Timers) != 0 || e.Broadcast {
					t.Errorf("refused action has effects: %+v", e)
				}
			})
		}
	}
}
