package lifecycle_test

import (
	"testing"
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/lifecycle"
)

func TestCancel(t *testing.T) {
	now := ny(2025, time.June, 5, 15, 0) // Thursday
	// 9 business hours after Thursday 15:00 is Friday 15:00.
	initial := ny(2025, time.June, 6, 15, 0)
	intra := func(t *testing.T, m *lifecycle.Machine) *npac.SV {
		in := newCreate(due)
		in.OldSPID = newSP
		sv, _ := create(t, m, in, npac.SideNew, created)
		return sv
	}
	deniedInCreate := func(t *testing.T, m *lifecycle.Machine) *npac.SV {
		sv, _ := create(t, m, denyCreate(due, npac.CauseGeneralConflict), npac.SideOld, created)
		return sv
	}
	conflict := func(t *testing.T, m *lifecycle.Machine) *npac.SV {
		return conflicted(t, m, npac.CauseGeneralConflict, concurAt.Add(hour))
	}
	tests := []struct {
		name       string
		setup      func(*testing.T, *lifecycle.Machine) *npac.SV
		side       npac.Side
		wantStatus npac.Status
		wantPrior  npac.Status
		notices    []notice
	}{
		{"one-sided, by the new SP that created it", pendingNew, npac.SideNew, npac.StatusCanceled, "",
			[]notice{statusChange(npac.StatusPending, npac.StatusCanceled)}},
		{"one-sided, by the old SP that created it", pendingOld, npac.SideOld, npac.StatusCanceled, "",
			[]notice{statusChange(npac.StatusPending, npac.StatusCanceled)}},
		{"concurred, by the new SP", concurred, npac.SideNew, npac.StatusCancelPending, npac.StatusPending,
			[]notice{statusChange(npac.StatusPending, npac.StatusCancelPending), note(lifecycle.PartyOld, npac.NoticeCancelPending)}},
		{"concurred, by the old SP", concurred, npac.SideOld, npac.StatusCancelPending, npac.StatusPending,
			[]notice{statusChange(npac.StatusPending, npac.StatusCancelPending), note(lifecycle.PartyNew, npac.NoticeCancelPending)}},
		{"conflict, by the new SP", conflict, npac.SideNew, npac.StatusCanceled, "",
			[]notice{statusChange(npac.StatusConflict, npac.StatusCanceled)}},
		{"conflict, by the old SP", conflict, npac.SideOld, npac.StatusCancelPending, npac.StatusConflict,
			[]notice{statusChange(npac.StatusConflict, npac.StatusCancelPending), note(lifecycle.PartyNew, npac.NoticeCancelPending)}},
		{"denied in the create, by the new SP", deniedInCreate, npac.SideNew, npac.StatusCanceled, "",
			[]notice{statusChange(npac.StatusConflict, npac.StatusCanceled)}},
		{"denied in the create, by the old SP", deniedInCreate, npac.SideOld, npac.StatusCanceled, "",
			[]notice{statusChange(npac.StatusConflict, npac.StatusCanceled)}},
		{"intra-provider", intra, npac.SideNew, npac.StatusCanceled, "",
			[]notice{statusChange(npac.StatusPending, npac.StatusCanceled)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := federal(t)
			sv := tt.setup(t, m)
			e := act(t, m, sv, do(npac.ActCancel), tt.side, now)
			wantNotices(t, e, tt.notices...)
			if sv.PriorStatus != tt.wantPrior {
				t.Errorf("PriorStatus: got %q, want %q", sv.PriorStatus, tt.wantPrior)
			}
			if tt.wantStatus == npac.StatusCanceled {
				wantStatus(t, sv, npac.StatusCanceled, npac.SlotNone)
				wantCleared(t, e, allTimerKinds...)
				wantTimers(t, e)
				return
			}
			wantStatus(t, sv, npac.StatusCancelPending, npac.SlotPending)
			if sv.CancelBy != tt.side {
				t.Errorf("CancelBy: got %q, want %q", sv.CancelBy, tt.side)
			}
			wantTime(t, "CancelRequestedAt", sv.CancelRequestedAt, now)
			if sv.CancelAckNew != (tt.side == npac.SideNew) || sv.CancelAckOld != (tt.side == npac.SideOld) {
				t.Errorf("CancelAckNew, CancelAckOld: got %t, %t, want only the canceler's", sv.CancelAckNew, sv.CancelAckOld)
			}
			wantTimers(t, e, lifecycle.Timer{Kind: npac.TimerCancelInitial, At: initial})
		})
	}
}

func TestCancelRefused(t *testing.T) {
	tests := []struct {
		name  string
		setup func(*testing.T, *lifecycle.Machine) *npac.SV
		side  npac.Side
		want  string
	}{
		{"one-sided, by the old SP that did not create it", pendingNew, npac.SideOld, npac.ESVWrongActor},
		{"one-sided, by the new SP that did not create it", pendingOld, npac.SideNew, npac.ESVWrongActor},
		// The other side's cancel in cancel-pending: see bug_test.go.
		{"cancel-pending, by the canceler again", func(t *testing.T, m *lifecycle.Machine) *npac.SV {
			return cancelPending(t, m, npac.StatusPending, npac.SideNew)
		}, npac.SideNew, npac.ESVWrongStatus},
		{"sending", sending(nil), npac.SideNew, npac.ESVWrongStatus},
		{"active", active, npac.SideNew, npac.ESVWrongStatus},
		{"disconnect-pending", func(t *testing.T, m *lifecycle.Machine) *npac.SV {
			return disconnectPending(t, m, later.Add(2*day))
		}, npac.SideNew, npac.ESVWrongStatus},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := federal(t)
			sv := tt.setup(t, m)
			st := sv.Status
			_, err := m.Act(sv, do(npac.ActCancel), tt.side, later)
			wantCode(t, err, tt.want)
			if sv.Status != st {
				t.Errorf("status: got %s, want %s unchanged", sv.Status, st)
			}
		})
	}
}

func TestCancelAck(t *testing.T) {
	tests := []struct {
		name     string
		prior    npac.Status
		canceler npac.Side
		acker    npac.Side
		want     string
	}{
		{"new SP's cancel, old SP acks", npac.StatusPending, npac.SideNew, npac.SideOld, ""},
		{"old SP's cancel, new SP acks", npac.StatusPending, npac.SideOld, npac.SideNew, ""},
		{"old SP's cancel in conflict, new SP acks", npac.StatusConflict, npac.SideOld, npac.SideNew, ""},
		{"new SP acks its own cancel", npac.StatusPending, npac.SideNew, npac.SideNew, npac.ESVWrongActor},
		{"old SP acks its own cancel", npac.StatusPending, npac.SideOld, npac.SideOld, npac.ESVWrongActor},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := federal(t)
			sv := cancelPending(t, m, tt.prior, tt.canceler)
			e, err := m.Act(sv, do(npac.ActCancelAck), tt.acker, later)
			wantCode(t, err, tt.want)
			if tt.want != "" {
				wantStatus(t, sv, npac.StatusCancelPending, npac.SlotPending)
				return
			}
			wantStatus(t, sv, npac.StatusCanceled, npac.SlotNone)
			if !sv.CancelAckNew || !sv.CancelAckOld {
				t.Errorf("CancelAckNew, CancelAckOld: got %t, %t, want true, true", sv.CancelAckNew, sv.CancelAckOld)
			}
			wantCleared(t, e, allTimerKinds...)
			wantNotices(t, e, statusChange(npac.StatusCancelPending, npac.StatusCanceled))
		})
	}

	m := federal(t)
	sv := concurred(t, m)
	_, err := m.Act(sv, do(npac.ActCancelAck), npac.SideOld, later)
	wantCode(t, err, npac.ESVWrongStatus)
}

func TestCancelUndo(t *testing.T) {
	tests := []struct {
		name     string
		prior    npac.Status
		canceler npac.Side
		undoer   npac.Side
		want     string
	}{
		{"new SP undoes, back to pending", npac.StatusPending, npac.SideNew, npac.SideNew, ""},
		{"old SP undoes, back to pending", npac.StatusPending, npac.SideOld, npac.SideOld, ""},
		{"old SP undoes, back to conflict", npac.StatusConflict, npac.SideOld, npac.SideOld, ""},
		{"other side may not undo the new SP's cancel", npac.StatusPending, npac.SideNew, npac.SideOld, npac.ESVWrongActor},
		{"other side may not undo the old SP's cancel", npac.StatusConflict, npac.SideOld, npac.SideNew, npac.ESVWrongActor},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := federal(t)
			sv := cancelPending(t, m, tt.prior, tt.canceler)
			cause := sv.CauseCode
			e, err := m.Act(sv, do(npac.ActCancelUndo), tt.undoer, later)
			wantCode(t, err, tt.want)
			if tt.want != "" {
				wantStatus(t, sv, npac.StatusCancelPending, npac.SlotPending)
				return
			}
			wantStatus(t, sv, tt.prior, npac.SlotPending)
			if sv.CauseCode != cause {
				t.Errorf("CauseCode: got %d, want %d kept", sv.CauseCode, cause)
			}
			if sv.PriorStatus != "" || sv.CancelBy != "" || sv.CancelRequestedAt != nil || sv.CancelAckNew || sv.CancelAckOld {
				t.Errorf("cancel fields: got prior %q, by %q, at %v, acks %t/%t; want all cleared",
					sv.PriorStatus, sv.CancelBy, sv.CancelRequestedAt, sv.CancelAckNew, sv.CancelAckOld)
			}
			// The status restored gets its ending timer again (a timer
			// that came due during cancel-pending did nothing).
			rearmed := npac.TimerPendingPurge
			at := sv.DueDate.Add(m.Tunables.PendingPurge)
			if tt.prior == npac.StatusConflict {
				rearmed, at = npac.TimerConflictExpiration, sv.ConflictAt.Add(m.Tunables.ConflictExpiration)
			}
			wantCleared(t, e, npac.TimerCancelInitial, npac.TimerCancelFinal, rearmed)
			if len(e.Timers) != 1 || e.Timers[0].Kind != rearmed || !e.Timers[0].At.Equal(at) {
				t.Errorf("timers: got %+v, want %s at %v", e.Timers, rearmed, at)
			}
			wantNotices(t, e, statusChange(npac.StatusCancelPending, tt.prior))
		})
	}

	m := federal(t)
	sv := concurred(t, m)
	_, err := m.Act(sv, do(npac.ActCancelUndo), npac.SideNew, later)
	wantCode(t, err, npac.ESVWrongStatus)
}
