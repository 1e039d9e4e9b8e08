package lifecycle_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/lifecycle"
)

func TestNew(t *testing.T) {
	m := federal(t)
	for _, ri := range npac.Regions {
		c := m.Calendar(ri.Code)
		if c == nil {
			t.Errorf("Calendar(%s): got nil, want a calendar", ri.Code)
			continue
		}
		if got := c.Location.String(); got != ri.TimeZone {
			t.Errorf("Calendar(%s).Location: got %s, want %s", ri.Code, got, ri.TimeZone)
		}
		if c.Start != 8*hour || c.End != 17*hour {
			t.Errorf("Calendar(%s) hours: got %v–%v, want 8h0m0s–17h0m0s", ri.Code, c.Start, c.End)
		}
	}

	tun := npac.DefaultTunables()
	delete(tun.Timers, npac.TimerMedium)
	if _, err := lifecycle.New(tun, nil); err == nil {
		t.Error("New without a medium timer set: got nil error, want one")
	}
}

func TestCreateByNewSP(t *testing.T) {
	m := federal(t)
	sv, e := create(t, m, newCreate(due), npac.SideNew, created)

	wantStatus(t, sv, npac.StatusPending, npac.SlotPending)
	if sv.LNPType != npac.LNPInterProvider {
		t.Errorf("LNPType: got %q, want %q", sv.LNPType, npac.LNPInterProvider)
	}
	if sv.TimerType != npac.TimerLong {
		t.Errorf("TimerType: got %q, want %q (the default)", sv.TimerType, npac.TimerLong)
	}
	if sv.TN != tn || sv.NewSPID != newSP || sv.OldSPID != oldSP || sv.LRN != lrn {
		t.Errorf("port: got %s %s→%s LRN %s, want %s %s→%s LRN %s", sv.TN, sv.OldSPID, sv.NewSPID, sv.LRN, tn, oldSP, newSP, lrn)
	}
	if !sv.DueDate.Equal(due) {
		t.Errorf("DueDate: got %v, want %v", sv.DueDate, due)
	}
	wantTime(t, "NewSPCreatedAt", sv.NewSPCreatedAt, created)
	if sv.OldSPCreatedAt != nil || sv.Authorization != nil || sv.OldSPDueDate != nil {
		t.Errorf("old SP fields: got created %v, authorization %v, due %v; want all nil", sv.OldSPCreatedAt, sv.Authorization, sv.OldSPDueDate)
	}
	if sv.Concurred() {
		t.Error("Concurred: got true, want false")
	}
	wantTime(t, "T1ExpiresAt", sv.T1ExpiresAt, t1At)
	if sv.T2ExpiresAt != nil {
		t.Errorf("T2ExpiresAt: got %v, want nil", sv.T2ExpiresAt)
	}
	if !sv.CreatedAt.Equal(created) || !sv.StatusChangedAt.Equal(created) {
		t.Errorf("CreatedAt, StatusChangedAt: got %v, %v, want %v", sv.CreatedAt, sv.StatusChangedAt, created)
	}
	wantTimers(t, e,
		lifecycle.Timer{Kind: npac.TimerT1, At: t1At},
		lifecycle.Timer{Kind: npac.TimerPendingPurge, At: due.Add(thirtyDays)})
	wantNotices(t, e,
		note(lifecycle.PartyBoth, npac.NoticeObjectCreation),
		note(lifecycle.PartyOld, npac.NoticeConcurrenceRequest))
	wantCleared(t, e)
	if e.Broadcast || e.RetireActive {
		t.Errorf("Broadcast, RetireActive: got %t, %t, want false, false", e.Broadcast, e.RetireActive)
	}
}

func TestCreateByOldSP(t *testing.T) {
	m := federal(t)
	sv, e := create(t, m, oldCreate(due), npac.SideOld, created)

	wantStatus(t, sv, npac.StatusPending, npac.SlotPending)
	wantTime(t, "OldSPCreatedAt", sv.OldSPCreatedAt, created)
	wantTime(t, "OldSPDueDate", sv.OldSPDueDate, due)
	if !sv.DueDate.Equal(due) {
		t.Errorf("DueDate: got %v, want the old SP's %v until the new SP creates", sv.DueDate, due)
	}
	if sv.NewSPCreatedAt != nil {
		t.Errorf("NewSPCreatedAt: got %v, want nil", sv.NewSPCreatedAt)
	}
	if sv.Authorization == nil || !*sv.Authorization {
		t.Errorf("Authorization: got %v, want true (nil in the create means true)", sv.Authorization)
	}
	wantTime(t, "T1ExpiresAt", sv.T1ExpiresAt, t1At)
	wantTimers(t, e,
		lifecycle.Timer{Kind: npac.TimerT1, At: t1At},
		lifecycle.Timer{Kind: npac.TimerPendingPurge, At: due.Add(thirtyDays)})
	// The new SP learns of the port from the creation notice; it gets a
	// create request only when T1 expires.
	wantNotices(t, e, note(lifecycle.PartyBoth, npac.NoticeObjectCreation))
}

func TestCreateOldSPDenies(t *testing.T) {
	for cause := npac.CauseLSRNotReceived; cause <= npac.CauseGeneralConflict; cause++ {
		t.Run(strconv.Itoa(cause), func(t *testing.T) {
			m := federal(t)
			sv, e := create(t, m, denyCreate(due, cause), npac.SideOld, created)

			wantStatus(t, sv, npac.StatusConflict, npac.SlotPending)
			if sv.CauseCode != cause {
				t.Errorf("CauseCode: got %d, want %d", sv.CauseCode, cause)
			}
			if sv.Authorization == nil || *sv.Authorization {
				t.Errorf("Authorization: got %v, want false", sv.Authorization)
			}
			if !sv.ConflictUsed {
				t.Error("ConflictUsed: got false, want true")
			}
			wantTime(t, "ConflictAt", sv.ConflictAt, created)
			wantTimers(t, e,
				lifecycle.Timer{Kind: npac.TimerT1, At: t1At},
				lifecycle.Timer{Kind: npac.TimerPendingPurge, At: due.Add(thirtyDays)},
				lifecycle.Timer{Kind: npac.TimerConflictExpiration, At: created.Add(thirtyDays)})
			wantNotices(t, e,
				note(lifecycle.PartyBoth, npac.NoticeObjectCreation),
				statusChange(npac.StatusPending, npac.StatusConflict),
				note(lifecycle.PartyNew, npac.NoticeConflict))
			for _, n := range e.Notices {
				if n.Kind == npac.NoticeConflict && n.Data["cause_code"] != cause {
					t.Errorf("conflict notice cause_code: got %v, want %d", n.Data["cause_code"], cause)
				}
			}
		})
	}
}

func TestCreateIntraProvider(t *testing.T) {
	m := federal(t)
	in := newCreate(due)
	in.OldSPID = newSP
	sv, e := create(t, m, in, npac.SideNew, created)

	wantStatus(t, sv, npac.StatusPending, npac.SlotPending)
	if sv.LNPType != npac.LNPIntraProvider {
		t.Errorf("LNPType: got %q, want %q", sv.LNPType, npac.LNPIntraProvider)
	}
	if !sv.Concurred() {
		t.Error("Concurred: got false, want true (an intra-provider port needs no concurrence)")
	}
	if sv.Authorization == nil || !*sv.Authorization {
		t.Errorf("Authorization: got %v, want true", sv.Authorization)
	}
	if sv.T1ExpiresAt != nil {
		t.Errorf("T1ExpiresAt: got %v, want nil", sv.T1ExpiresAt)
	}
	wantTimers(t, e, lifecycle.Timer{Kind: npac.TimerPendingPurge, At: due.Add(thirtyDays)})
	wantNotices(t, e, note(lifecycle.PartyBoth, npac.NoticeObjectCreation))

	// No concurrence means the provider may activate on the due date, as
	// either side: it is both.
	for _, side := range []npac.Side{npac.SideNew, npac.SideOld} {
		sv, _ := create(t, m, in, npac.SideNew, created)
		act(t, m, sv, do(npac.ActActivate), side, dueAt)
		wantStatus(t, sv, npac.StatusSending, npac.SlotPending)
	}
}

func TestCreateTimerType(t *testing.T) {
	tests := []struct {
		in   npac.TimerType
		want npac.TimerType
		t1   time.Time
	}{
		{"", npac.TimerLong, t1At},
		{npac.TimerLong, npac.TimerLong, t1At},
		{npac.TimerMedium, npac.TimerMedium, created.Add(3 * hour)},
		{npac.TimerShort, npac.TimerShort, created.Add(hour)},
	}
	for _, tt := range tests {
		t.Run(string(tt.in), func(t *testing.T) {
			m := federal(t)
			in := newCreate(due)
			in.TimerType = tt.in
			sv, e := create(t, m, in, npac.SideNew, created)
			if sv.TimerType != tt.want {
				t.Errorf("TimerType: got %q, want %q", sv.TimerType, tt.want)
			}
			wantTime(t, "T1ExpiresAt", sv.T1ExpiresAt, tt.t1)
			if got := timerOf(t, e, npac.TimerT1); !got.Equal(tt.t1) {
				t.Errorf("T1 timer: got %v, want %v", got, tt.t1)
			}
		})
	}
}

func TestCreateDueDate(t *testing.T) {
	tests := []struct {
		name   string
		side   npac.Side
		svType npac.SVType
		// day is the store's DueIsDay: false only between two wireless
		// providers.
		day  bool
		in   time.Time
		want time.Time
	}{
		{"wireline afternoon", npac.SideNew, npac.SVWireline, true, ny(2025, time.June, 10, 15, 30), gmtDay(2025, time.June, 10)},
		// 21:00 in New York is already the next day in GMT.
		{"wireline evening is next GMT day", npac.SideNew, npac.SVWireline, true, ny(2025, time.June, 10, 21, 0), gmtDay(2025, time.June, 11)},
		{"intermodal wireless SV is due on a day", npac.SideNew, npac.SVWireless, true, ny(2025, time.June, 10, 15, 30), gmtDay(2025, time.June, 10)},
		{"old SP of a wireline port", npac.SideOld, "", true, ny(2025, time.June, 10, 15, 30), gmtDay(2025, time.June, 10)},
		{"wireless to wireless keeps its time", npac.SideNew, npac.SVWireless, false, ny(2025, time.June, 10, 15, 30), time.Date(2025, time.June, 10, 19, 30, 0, 0, time.UTC)},
		{"old SP of a wireless port keeps its time", npac.SideOld, "", false, ny(2025, time.June, 10, 15, 30), time.Date(2025, time.June, 10, 19, 30, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := federal(t)
			in := oldCreate(tt.in)
			if tt.side == npac.SideNew {
				in = newCreate(tt.in)
				in.SVType = tt.svType
			}
			sv, _ := createSV(t, m, &npac.SV{Region: npac.Northeast, DueIsDay: tt.day}, in, tt.side, created)
			if !sv.DueDate.Equal(tt.want) {
				t.Errorf("DueDate: got %v, want %v", sv.DueDate.UTC(), tt.want)
			}
			if tt.side == npac.SideOld {
				wantTime(t, "OldSPDueDate", sv.OldSPDueDate, tt.want)
			}
		})
	}
}

func TestCreateRefused(t *testing.T) {
	f, tr := false, true
	tests := []struct {
		name string
		side npac.Side
		edit func(*npac.SVCreate)
		now  time.Time
		want string
	}{
		{"no due date", npac.SideNew, func(in *npac.SVCreate) { in.DueDate = time.Time{} }, created, npac.EINVALID},
		{"old SP without due date", npac.SideOld, func(in *npac.SVCreate) { in.DueDate = time.Time{} }, created, npac.EINVALID},
		{"new SP without LRN", npac.SideNew, func(in *npac.SVCreate) { in.LRN = "" }, created, npac.EINVALID},
		{"new SP with authorization", npac.SideNew, func(in *npac.SVCreate) { in.Authorization = &tr }, created, npac.EINVALID},
		{"new SP with cause code", npac.SideNew, func(in *npac.SVCreate) { in.CauseCode = npac.CauseVacantNumber }, created, npac.EINVALID},
		{"unknown timer type", npac.SideNew, func(in *npac.SVCreate) { in.TimerType = "brief" }, created, npac.EINVALID},
		{"old SP with LRN", npac.SideOld, func(in *npac.SVCreate) { in.LRN = lrn }, created, npac.EINVALID},
		{"old SP with CNAM", npac.SideOld, func(in *npac.SVCreate) {
			in.CNAM = &npac.SignalingPoint{DPC: "001-002-003", SSN: ptr(0)}
		}, created, npac.EINVALID},
		{"old SP authorizes with cause", npac.SideOld, func(in *npac.SVCreate) { in.CauseCode = npac.CauseGeneralConflict }, created, npac.EINVALID},
		{"old SP denies without cause", npac.SideOld, func(in *npac.SVCreate) { in.Authorization = &f }, created, npac.EINVALID},
		{"old SP denies with cause 49", npac.SideOld, func(in *npac.SVCreate) { in.Authorization, in.CauseCode = &f, 49 }, created, npac.EINVALID},
		{"old SP denies with cause 55", npac.SideOld, func(in *npac.SVCreate) { in.Authorization, in.CauseCode = &f, npac.CauseCancelNotAcked }, created, npac.EINVALID},
		// Due Tue 2025-06-10: the window closes Mon 2025-06-09 12:00 New York.
		{"old SP denies after the conflict window", npac.SideOld, func(in *npac.SVCreate) {
			in.Authorization, in.CauseCode = &f, npac.CauseGeneralConflict
		}, ny(2025, time.June, 9, 12, 0), npac.EConflictWindowClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := federal(t)
			in := oldCreate(due)
			if tt.side == npac.SideNew {
				in = newCreate(due)
			}
			tt.edit(&in)
			sv := &npac.SV{Region: npac.Northeast}
			_, err := m.Create(sv, in, tt.side, tt.now)
			wantCode(t, err, tt.want)
		})
	}
}

func TestConcur(t *testing.T) {
	newDue := gmtDay(2025, time.June, 11)
	tests := []struct {
		name       string
		first      npac.Side
		firstIn    npac.SVCreate
		secondIn   npac.SVCreate
		wantDue    time.Time
		wantOldDue time.Time
		wantNewAt  time.Time
		wantOldAt  time.Time
	}{
		{"new SP first", npac.SideNew, newCreate(newDue), oldCreate(due), newDue, due, created, concurAt},
		// The SV's due date is the new SP's, whichever side created first.
		{"old SP first", npac.SideOld, oldCreate(due), newCreate(newDue), newDue, due, concurAt, created},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := federal(t)
			sv, _ := create(t, m, tt.firstIn, tt.first, created)
			second := npac.SideOld
			if tt.first == npac.SideOld {
				second = npac.SideNew
			}
			e := concur(t, m, sv, tt.secondIn, second, concurAt)

			wantStatus(t, sv, npac.StatusPending, npac.SlotPending)
			if !sv.Concurred() {
				t.Error("Concurred: got false, want true")
			}
			wantTime(t, "NewSPCreatedAt", sv.NewSPCreatedAt, tt.wantNewAt)
			wantTime(t, "OldSPCreatedAt", sv.OldSPCreatedAt, tt.wantOldAt)
			if !sv.DueDate.Equal(tt.wantDue) {
				t.Errorf("DueDate: got %v, want %v", sv.DueDate, tt.wantDue)
			}
			wantTime(t, "OldSPDueDate", sv.OldSPDueDate, tt.wantOldDue)
			if sv.LRN != lrn {
				t.Errorf("LRN: got %q, want %q", sv.LRN, lrn)
			}
			if sv.Authorization == nil || !*sv.Authorization {
				t.Errorf("Authorization: got %v, want true", sv.Authorization)
			}
			if !sv.UpdatedAt.Equal(concurAt) {
				t.Errorf("UpdatedAt: got %v, want %v", sv.UpdatedAt, concurAt)
			}
			wantCleared(t, e, npac.TimerT1, npac.TimerT2, npac.TimerPendingPurge)
			wantTimers(t, e, lifecycle.Timer{Kind: npac.TimerPendingPurge, At: tt.wantDue.Add(thirtyDays)})
			wantNotices(t, e, note(lifecycle.PartyBoth, npac.NoticeAttributeChange))
		})
	}
}

func TestConcurOldSPDenies(t *testing.T) {
	m := federal(t)
	sv := pendingNew(t, m)
	e := concur(t, m, sv, denyCreate(due, npac.CauseDueDateMismatch), npac.SideOld, concurAt)

	wantStatus(t, sv, npac.StatusConflict, npac.SlotPending)
	if sv.CauseCode != npac.CauseDueDateMismatch {
		t.Errorf("CauseCode: got %d, want %d", sv.CauseCode, npac.CauseDueDateMismatch)
	}
	wantTimers(t, e,
		lifecycle.Timer{Kind: npac.TimerPendingPurge, At: due.Add(thirtyDays)},
		lifecycle.Timer{Kind: npac.TimerConflictExpiration, At: concurAt.Add(thirtyDays)})
	wantNotices(t, e,
		statusChange(npac.StatusPending, npac.StatusConflict),
		note(lifecycle.PartyNew, npac.NoticeConflict),
		note(lifecycle.PartyBoth, npac.NoticeAttributeChange))
}

// The new SP may still create a port the old SP denied in its create.
func TestConcurNewSPOnDeniedPort(t *testing.T) {
	m := federal(t)
	sv, _ := create(t, m, denyCreate(due, npac.CauseGeneralConflict), npac.SideOld, created)
	e := concur(t, m, sv, newCreate(due), npac.SideNew, concurAt)

	wantStatus(t, sv, npac.StatusConflict, npac.SlotPending)
	if !sv.Concurred() {
		t.Error("Concurred: got false, want true")
	}
	if sv.LRN != lrn {
		t.Errorf("LRN: got %q, want %q", sv.LRN, lrn)
	}
	wantCleared(t, e, npac.TimerT1, npac.TimerT2, npac.TimerPendingPurge)
	wantTimers(t, e, lifecycle.Timer{Kind: npac.TimerPendingPurge, At: due.Add(thirtyDays)})
}

func TestConcurTimerTypeLonger(t *testing.T) {
	tests := []struct {
		first, second, want npac.TimerType
	}{
		{npac.TimerShort, npac.TimerLong, npac.TimerLong},
		{npac.TimerLong, npac.TimerShort, npac.TimerLong},
		{npac.TimerShort, npac.TimerMedium, npac.TimerMedium},
		{npac.TimerMedium, npac.TimerShort, npac.TimerMedium},
		{npac.TimerMedium, npac.TimerLong, npac.TimerLong},
		{npac.TimerShort, npac.TimerShort, npac.TimerShort},
		{npac.TimerShort, "", npac.TimerShort},
	}
	for _, tt := range tests {
		t.Run(string(tt.first)+"+"+string(tt.second), func(t *testing.T) {
			m := federal(t)
			first := newCreate(due)
			first.TimerType = tt.first
			sv, _ := create(t, m, first, npac.SideNew, created)
			second := oldCreate(due)
			second.TimerType = tt.second
			concur(t, m, sv, second, npac.SideOld, concurAt)
			if sv.TimerType != tt.want {
				t.Errorf("TimerType: got %q, want %q", sv.TimerType, tt.want)
			}
		})
	}
}

func TestConcurRefused(t *testing.T) {
	tests := []struct {
		name  string
		setup func(*testing.T, *lifecycle.Machine) *npac.SV
		in    npac.SVCreate
		side  npac.Side
		now   time.Time
		want  string
	}{
		{"other new SP", pendingOld, func() npac.SVCreate { in := newCreate(due); in.NewSPID = "3333"; return in }(),
			npac.SideNew, concurAt, npac.ECreateMismatch},
		{"other old SP", pendingNew, func() npac.SVCreate { in := oldCreate(due); in.OldSPID = "3333"; return in }(),
			npac.SideOld, concurAt, npac.ECreateMismatch},
		{"port-to-original differs", pendingNew, func() npac.SVCreate { in := oldCreate(due); in.PortToOriginal = true; return in }(),
			npac.SideOld, concurAt, npac.ECreateMismatch},
		{"new SP again", pendingNew, newCreate(due), npac.SideNew, concurAt, npac.ESVAlreadyPending},
		{"old SP again", pendingOld, oldCreate(due), npac.SideOld, concurAt, npac.ESVAlreadyPending},
		{"old SP after concurrence", concurred, oldCreate(due), npac.SideOld, concurAt, npac.ESVAlreadyPending},
		{"unknown timer type", pendingNew, func() npac.SVCreate { in := oldCreate(due); in.TimerType = "brief"; return in }(),
			npac.SideOld, concurAt, npac.EINVALID},
		{"old SP sends routing data", pendingNew, func() npac.SVCreate { in := oldCreate(due); in.LRN = lrn; return in }(),
			npac.SideOld, concurAt, npac.EINVALID},
		{"new SP without LRN", pendingOld, func() npac.SVCreate { in := newCreate(due); in.LRN = ""; return in }(),
			npac.SideNew, concurAt, npac.EINVALID},
		{"old SP denies after the conflict window", pendingNew, denyCreate(due, npac.CauseGeneralConflict),
			npac.SideOld, ny(2025, time.June, 9, 12, 0), npac.EConflictWindowClosed},
		{"canceled", canceled, oldCreate(due), npac.SideOld, later, npac.ESVWrongStatus},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := federal(t)
			sv := tt.setup(t, m)
			_, err := m.Concur(sv, tt.in, tt.side, tt.now)
			wantCode(t, err, tt.want)
		})
	}
}

func TestSide(t *testing.T) {
	port := &npac.SV{ID: 7, TN: tn, NewSPID: newSP, OldSPID: oldSP}
	intra := &npac.SV{ID: 8, TN: tn, NewSPID: newSP, OldSPID: newSP}
	both := []npac.Side{npac.SideNew, npac.SideOld}
	tests := []struct {
		name  string
		sv    *npac.SV
		sides []npac.Side
		as    npac.Side
		want  npac.Side
		code  string
	}{
		{"new SP", port, []npac.Side{npac.SideNew}, "", npac.SideNew, ""},
		{"old SP", port, []npac.Side{npac.SideOld}, "", npac.SideOld, ""},
		{"new SP as new", port, []npac.Side{npac.SideNew}, npac.SideNew, npac.SideNew, ""},
		{"new SP as old", port, []npac.Side{npac.SideNew}, npac.SideOld, "", npac.ESVWrongActor},
		{"old SP as new", port, []npac.Side{npac.SideOld}, npac.SideNew, "", npac.ESVWrongActor},
		{"both sides as new", port, both, npac.SideNew, npac.SideNew, ""},
		{"both sides as old", port, both, npac.SideOld, npac.SideOld, ""},
		{"both sides, ambiguous", port, both, "", "", npac.EINVALID},
		{"neither side", port, nil, "", "", npac.EFORBIDDEN},
		{"neither side as new", port, nil, npac.SideNew, "", npac.ESVWrongActor},
		{"as is not a side", port, both, "donor", "", npac.EINVALID},
		{"intra-provider needs no as", intra, both, "", npac.SideNew, ""},
		{"intra-provider as old", intra, both, npac.SideOld, npac.SideOld, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := lifecycle.Side(tt.sv, tt.sides, tt.as)
			wantCode(t, err, tt.code)
			if got != tt.want {
				t.Errorf("Side: got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestValidCause(t *testing.T) {
	for c := 45; c <= 60; c++ {
		want := c >= 50 && c <= 54
		if got := lifecycle.ValidCause(c); got != want {
			t.Errorf("ValidCause(%d): got %t, want %t", c, got, want)
		}
	}
}

func TestActUnknownKind(t *testing.T) {
	m := federal(t)
	sv := concurred(t, m)
	before := *sv
	_, err := m.Act(sv, do("transmogrify"), npac.SideNew, later)
	wantCode(t, err, npac.EINVALID)
	if diff := cmp.Diff(before, *sv); diff != "" {
		t.Errorf("SV changed by a refused action (-before +after):\n%s", diff)
	}
}
