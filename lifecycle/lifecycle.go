// Package lifecycle holds the NANC subscription version state machine: which
// provider may do what to an SV in which status, and what follows from it
// (notifications, timers, broadcasts). It does no I/O: a store loads the SV,
// asks the Machine for the transition, and carries out the Effects in the
// same transaction.
package lifecycle

import (
	"fmt"
	"strings"
	"time"

	npac "github.com/opennpac/npac"
	"github.com/opennpac/npac/calendar"
)

// Party names who a notification goes to.
type Party int

// Parties.
const (
	PartyNew        Party = iota + 1 // the SV's new SP
	PartyOld                         // the SV's old SP
	PartyBoth                        // both (once if they are the same)
	PartyCodeHolder                  // the holder of the TN's NPA-NXX
)

// Notice is a notification the store sends.
type Notice struct {
	To      Party
	Kind    npac.NoticeKind
	Message string
	// Status and OldStatus are set on status changes: the status the SV
	// entered and the one it left.
	Status    npac.Status
	OldStatus npac.Status
	Data      map[string]any
}

// Timer is a durable timer the store schedules for the SV.
type Timer struct {
	Kind npac.TimerKind
	At   time.Time
}

// Effects is what a transition asks the store to do besides saving the SV.
type Effects struct {
	Notices []Notice
	// ClearTimers lists kinds of the SV's unfired timers to drop.
	ClearTimers []npac.TimerKind
	// Timers are new timers to schedule.
	Timers []Timer
	// Broadcast is set when the SV entered sending: its data must go to
	// the LSMSs, and Conclude is called with the outcome.
	Broadcast bool
	// RetireActive is set when the TN's current active SV becomes old.
	RetireActive bool
	// ResendTo, with Broadcast, limits the broadcast to these providers'
	// LSMSs: the ones that failed the last one.
	ResendTo []npac.SPID
}

func (e *Effects) notify(to Party, kind npac.NoticeKind, msg string, data map[string]any) {
	e.Notices = append(e.Notices, Notice{To: to, Kind: kind, Message: msg, Data: data})
}

func (e *Effects) schedule(kind npac.TimerKind, at time.Time) {
	e.Timers = append(e.Timers, Timer{Kind: kind, At: at})
}

func (e *Effects) clear(kinds ...npac.TimerKind) {
	e.ClearTimers = append(e.ClearTimers, kinds...)
}

// allTimers lists every timer kind an SV may have.
var allTimers = []npac.TimerKind{npac.TimerT1, npac.TimerT2, npac.TimerCancelInitial, npac.TimerCancelFinal,
	npac.TimerConflictExpiration, npac.TimerPendingPurge, npac.TimerRelease}

// Machine applies the lifecycle rules with a set of tunables and a
// business-hour calendar per region.
type Machine struct {
	Tunables npac.Tunables
	// Calendar returns the business-hour calendar of a region.
	Calendar func(npac.Region) *calendar.Calendar
	// holidays are those New was given, for WithTunables.
	holidays calendar.Holidays
}

// New returns a Machine whose calendars count business hours from
// t.BusinessStart to t.BusinessEnd in each region's time zone, skipping
// weekends (unless t.Weekends) and the holidays h.
func New(t npac.Tunables, h calendar.Holidays) (*Machine, error) {
	cals := map[npac.Region]*calendar.Calendar{}
	for _, ri := range npac.Regions {
		loc, err := time.LoadLocation(ri.TimeZone)
		if err != nil {
			return nil, fmt.Errorf("lifecycle: time zone of region %s: %w", ri.Code, err)
		}
		c, err := calendar.New(loc, t.BusinessStart, t.BusinessEnd, h)
		if err != nil {
			return nil, fmt.Errorf("lifecycle: calendar: %w", err)
		}
		c.Weekends = t.Weekends
		cals[ri.Code] = c
	}
	for _, tt := range []npac.TimerType{npac.TimerShort, npac.TimerMedium, npac.TimerLong} {
		if _, ok := t.Timers[tt]; !ok {
			return nil, fmt.Errorf("lifecycle: no %s timer set", tt)
		}
	}
	return &Machine{Tunables: t, Calendar: func(r npac.Region) *calendar.Calendar { return cals[r] }, holidays: h}, nil
}

// WithTunables returns a Machine with the same holidays as m and the
// tunables t; m is left as it was.
func (m *Machine) WithTunables(t npac.Tunables) (*Machine, error) {
	return New(t.Clone(), m.holidays)
}

func (m *Machine) timers(sv *npac.SV) npac.TimerSet { return m.Tunables.Timers[sv.TimerType] }

// ref names an SV in messages: by ID and TN, or by TN before it is stored.
func ref(sv *npac.SV) string {
	if sv.ID == 0 {
		return "the SV for " + sv.TN.String()
	}
	return fmt.Sprintf("SV %d (%s)", sv.ID, sv.TN)
}

// setStatus moves the SV to st and notifies both sides.
func setStatus(sv *npac.SV, st npac.Status, now time.Time, e *Effects) {
	if sv.Status == st {
		return
	}
	old := sv.Status
	sv.Status = st
	sv.StatusChangedAt = now
	e.Notices = append(e.Notices, Notice{To: PartyBoth, Kind: npac.NoticeStatusChange, Status: st, OldStatus: old,
		Message: fmt.Sprintf("%s changed from %s to %s.", ref(sv), old, st)})
}

// Side resolves which side an actor speaks for. sides are the sides whose
// SPID the actor may act for; as is what the caller asked for, if anything.
func Side(sv *npac.SV, sides []npac.Side, as npac.Side) (npac.Side, error) {
	if as != "" {
		if as != npac.SideNew && as != npac.SideOld {
			return "", npac.Errorf(npac.EINVALID, "as %q is not a side: use new or old.", as)
		}
		for _, s := range sides {
			if s == as {
				return as, nil
			}
		}
		return "", npac.Errorf(npac.ESVWrongActor, "You may not act as the %s SP (%s) of %s.", as, sv.SPIDOf(as), ref(sv))
	}
	switch {
	case len(sides) == 0:
		return "", npac.Errorf(npac.EFORBIDDEN, "You act for neither the old SP %s nor the new SP %s of %s.", sv.OldSPID, sv.NewSPID, ref(sv))
	case len(sides) == 1 || sv.OldSPID == sv.NewSPID:
		return sides[0], nil
	}
	return "", npac.Errorf(npac.EINVALID, "You may act for both sides of %s: say which with as=new or as=old.", ref(sv))
}

// need refuses an action unless the actor is on side want.
func need(sv *npac.SV, side, want npac.Side, what string) error {
	if side == want || sv.OldSPID == sv.NewSPID {
		return nil
	}
	return npac.Errorf(npac.ESVWrongActor, "Only the %s SP (%s) may %s %s.", want, sv.SPIDOf(want), what, ref(sv))
}

// wrongStatus is the refusal for an action the status does not allow.
func wrongStatus(sv *npac.SV, what string, allowed ...npac.Status) error {
	names := make([]string, len(allowed))
	for i, st := range allowed {
		names[i] = string(st)
	}
	list := strings.Join(names, ", ")
	if n := len(names); n > 1 {
		list = strings.Join(names[:n-1], ", ") + " or " + names[n-1]
	}
	return npac.Errorf(npac.ESVWrongStatus, "%s is %s; it can be %s only when %s.", ref(sv), sv.Status, what, list)
}

// ValidCause reports whether c is a conflict cause code a provider may give.
func ValidCause(c int) bool {
	return c >= npac.CauseLSRNotReceived && c <= npac.CauseGeneralConflict
}

// Create fills a new SV from the first create of a port, made by side. The
// caller has checked the network data (code open, LRN owner, current SP).
func (m *Machine) Create(sv *npac.SV, in npac.SVCreate, side npac.Side, now time.Time) (Effects, error) {
	var e Effects
	if in.TimerType == "" {
		in.TimerType = npac.TimerLong
	}
	if !in.TimerType.Valid() {
		return e, npac.Errorf(npac.EINVALID, "Timer type %q is unknown: use short, medium or long.", in.TimerType)
	}
	sv.TN, sv.NewSPID, sv.OldSPID = in.TN, in.NewSPID, in.OldSPID
	sv.TimerType = in.TimerType
	sv.PortToOriginal = in.PortToOriginal
	sv.LNPType = npac.LNPInterProvider
	sv.Status, sv.Slot = npac.StatusPending, npac.SlotPending
	sv.CreatedAt, sv.UpdatedAt, sv.StatusChangedAt = now, now, now
	sv.FailedSPs = []npac.SPID{}
	if err := m.fillSide(sv, in, side, now, &e); err != nil {
		return e, err
	}
	if sv.OldSPID == sv.NewSPID {
		// An intra-provider port needs no concurrence.
		sv.LNPType = npac.LNPIntraProvider
		sv.NewSPCreatedAt, sv.OldSPCreatedAt = &now, &now
		t := true
		sv.Authorization = &t
	}
	e.notify(PartyBoth, npac.NoticeObjectCreation, fmt.Sprintf("A port of %s was created by the %s SP: %s to %s, due %s.",
		sv.TN, side, sv.OldSPID, sv.NewSPID, sv.DueDate.Format(time.RFC3339)), nil)
	if !sv.Concurred() {
		t1 := m.Calendar(sv.Region).Add(now, m.timers(sv).T1)
		sv.T1ExpiresAt = &t1
		e.schedule(npac.TimerT1, t1)
		if side == npac.SideNew {
			e.notify(PartyOld, npac.NoticeConcurrenceRequest, fmt.Sprintf("The new SP %s asks to port %s; concur or place it in conflict by %s.",
				sv.NewSPID, sv.TN, t1.Format(time.RFC3339)), nil)
		}
	}
	if !sv.DueDate.IsZero() {
		e.schedule(npac.TimerPendingPurge, sv.DueDate.Add(m.Tunables.PendingPurge))
	}
	if sv.Status == npac.StatusConflict {
		e.schedule(npac.TimerConflictExpiration, now.Add(m.Tunables.ConflictExpiration))
	}
	return e, nil
}

// fillSide records one side's create on the SV.
func (m *Machine) fillSide(sv *npac.SV, in npac.SVCreate, side npac.Side, now time.Time, e *Effects) error {
	if in.DueDate.IsZero() {
		return npac.Errorf(npac.EINVALID, "A create needs a due date.")
	}
	if side == npac.SideNew {
		if in.LRN == "" && !sv.PortToOriginal {
			return npac.Errorf(npac.EINVALID, "The new SP's create needs an LRN.")
		}
		if in.Authorization != nil || in.CauseCode != 0 {
			return npac.Errorf(npac.EINVALID, "The new SP does not send an authorization or cause code; those are the old SP's.")
		}
		sv.RoutingData = in.RoutingData
		sv.DueDate = m.normalizeDue(sv, in.DueDate)
		sv.NewSPCreatedAt = &now
		return nil
	}
	if in.LRN != "" || in.CLASS != nil || in.LIDB != nil || in.CNAM != nil || in.ISVM != nil || in.WSMSC != nil {
		return npac.Errorf(npac.EINVALID, "The old SP's create carries no routing data; the new SP sends it.")
	}
	due := m.normalizeDue(sv, in.DueDate)
	sv.OldSPDueDate = &due
	if sv.DueDate.IsZero() {
		sv.DueDate = due
	}
	sv.OldSPCreatedAt = &now
	auth := in.Authorization == nil || *in.Authorization
	sv.Authorization = &auth
	if auth {
		if in.CauseCode != 0 {
			return npac.Errorf(npac.EINVALID, "A cause code goes with authorization=false only.")
		}
		return nil
	}
	if !ValidCause(in.CauseCode) {
		return npac.Errorf(npac.EINVALID, "Denying a port (authorization=false) needs a cause code from 50 to 54.")
	}
	if err := m.conflictAllowed(sv, now); err != nil {
		return err
	}
	return m.placeConflict(sv, in.CauseCode, now, e)
}

// normalizeDue sets a due date in the wireline format, 00:00:00 GMT of its
// day, when the port is wireline or intermodal (sv.DueIsDay), as the NPAC
// does; a port between wireless providers keeps its time.
func (m *Machine) normalizeDue(sv *npac.SV, due time.Time) time.Time {
	due = due.UTC()
	if !sv.DueIsDay {
		return due
	}
	return time.Date(due.Year(), due.Month(), due.Day(), 0, 0, 0, 0, time.UTC)
}

// Concur records the second side's create on an SV the other side created.
func (m *Machine) Concur(sv *npac.SV, in npac.SVCreate, side npac.Side, now time.Time) (Effects, error) {
	var e Effects
	if in.NewSPID != sv.NewSPID || in.OldSPID != sv.OldSPID {
		return e, npac.Errorf(npac.ECreateMismatch, "%s ports from %s to %s; your create names %s to %s.",
			ref(sv), sv.OldSPID, sv.NewSPID, in.OldSPID, in.NewSPID)
	}
	if (side == npac.SideNew && sv.NewSPCreatedAt != nil) || (side == npac.SideOld && sv.OldSPCreatedAt != nil) {
		return e, npac.Errorf(npac.ESVAlreadyPending, "%s already has %s, %s; the %s SP has already sent its create.", sv.TN, ref(sv), sv.Status, side)
	}
	if sv.Status != npac.StatusPending && !(sv.Status == npac.StatusConflict && side == npac.SideNew) {
		return e, wrongStatus(sv, "concurred", npac.StatusPending)
	}
	if in.TimerType != "" {
		if !in.TimerType.Valid() {
			return e, npac.Errorf(npac.EINVALID, "Timer type %q is unknown: use short, medium or long.", in.TimerType)
		}
		sv.TimerType = sv.TimerType.Longer(in.TimerType)
	}
	if in.PortToOriginal != sv.PortToOriginal {
		return e, npac.Errorf(npac.ECreateMismatch, "%s has port-to-original=%t; your create says %t.", ref(sv), sv.PortToOriginal, in.PortToOriginal)
	}
	if err := m.fillSide(sv, in, side, now, &e); err != nil {
		return e, err
	}
	sv.UpdatedAt = now
	e.clear(npac.TimerT1, npac.TimerT2, npac.TimerPendingPurge)
	e.schedule(npac.TimerPendingPurge, sv.DueDate.Add(m.Tunables.PendingPurge))
	if sv.Status == npac.StatusConflict && side == npac.SideOld {
		e.schedule(npac.TimerConflictExpiration, now.Add(m.Tunables.ConflictExpiration))
	}
	e.notify(PartyBoth, npac.NoticeAttributeChange, fmt.Sprintf("The %s SP sent its create for %s; the port is concurred.", side, ref(sv)), nil)
	return e, nil
}

// Act applies an action by side to the SV.
func (m *Machine) Act(sv *npac.SV, a npac.Action, side npac.Side, now time.Time) (Effects, error) {
	var (
		e   Effects
		err error
	)
	switch a.Kind {
	case npac.ActActivate:
		err = m.activate(sv, side, now, &e)
	case npac.ActConflict:
		err = m.conflict(sv, a, side, now, &e)
	case npac.ActResolveConflict:
		err = m.resolveConflict(sv, side, now, &e)
	case npac.ActCancel:
		err = m.cancel(sv, side, now, &e)
	case npac.ActCancelAck:
		err = m.cancelAck(sv, side, now, &e)
	case npac.ActCancelUndo:
		err = m.cancelUndo(sv, side, now, &e)
	case npac.ActDisconnect:
		err = m.disconnect(sv, a, side, now, &e)
	case npac.ActModify:
		err = m.modify(sv, a.Modify, side, now, &e)
	case npac.ActResend:
		err = m.resend(sv, now, &e)
	default:
		err = npac.Errorf(npac.EINVALID, "%q is not an SV action.", a.Kind)
	}
	if err == nil {
		sv.UpdatedAt = now
	}
	return e, err
}

func (m *Machine) activate(sv *npac.SV, side npac.Side, now time.Time, e *Effects) error {
	if err := need(sv, side, npac.SideNew, "activate"); err != nil {
		return err
	}
	if sv.Status != npac.StatusPending || sv.Slot != npac.SlotPending {
		return wrongStatus(sv, "activated", npac.StatusPending)
	}
	if now.Before(sv.DueDate) {
		return npac.Errorf(npac.ESVDueDateNotReached, "%s is due %s; it can be activated from then.", ref(sv), sv.DueDate.Format(time.RFC3339))
	}
	if sv.NewSPCreatedAt == nil {
		return npac.Errorf(npac.ESVNotConcurred, "%s has only the old SP's create; the new SP must send its create (with the LRN) first.", ref(sv))
	}
	if sv.OldSPCreatedAt == nil && (sv.T2ExpiresAt == nil || now.Before(*sv.T2ExpiresAt)) {
		when := "after T1 and T2 expire"
		if sv.T2ExpiresAt != nil {
			when = "from " + sv.T2ExpiresAt.Format(time.RFC3339)
		} else if sv.T1ExpiresAt != nil {
			when = fmt.Sprintf("once T1 (%s) and then T2 expire", sv.T1ExpiresAt.Format(time.RFC3339))
		}
		return npac.Errorf(npac.ESVNotConcurred, "The old SP %s has not concurred with %s; it can be activated %s.", sv.OldSPID, ref(sv), when)
	}
	sv.ActivationTimestamp = &now
	m.send(sv, "activate", now, e)
	e.clear(allTimers...)
	return nil
}

// resend broadcasts a failed or partially failed SV again to the LSMSs
// that did not apply it. The caller checks it is NPAC personnel.
func (m *Machine) resend(sv *npac.SV, now time.Time, e *Effects) error {
	if (sv.Status != npac.StatusFailed && sv.Status != npac.StatusPartialFailure) || sv.Pending == "" {
		return wrongStatus(sv, "resent", npac.StatusFailed, npac.StatusPartialFailure)
	}
	e.ResendTo = append([]npac.SPID{}, sv.FailedSPs...)
	m.send(sv, sv.Pending, now, e)
	return nil
}

// send moves the SV to sending for a broadcast of what.
func (m *Machine) send(sv *npac.SV, what string, now time.Time, e *Effects) {
	sv.Pending = what
	setStatus(sv, npac.StatusSending, now, e)
	e.Broadcast = true
}

// ConflictDeadline is when the old SP loses the right to place the SV in
// conflict: the conflict restriction time of day (region time) on the
// business day before the due day (the GMT date of the due date).
func (m *Machine) ConflictDeadline(sv *npac.SV) time.Time {
	cal := m.Calendar(sv.Region)
	due := calendar.DateOf(sv.DueDate.UTC())
	return cal.At(cal.PrevBusinessDay(due), m.timers(sv).ConflictRestriction)
}

func (m *Machine) conflict(sv *npac.SV, a npac.Action, side npac.Side, now time.Time, e *Effects) error {
	if err := need(sv, side, npac.SideOld, "place in conflict"); err != nil {
		return err
	}
	if sv.Status != npac.StatusPending || sv.Slot != npac.SlotPending {
		return wrongStatus(sv, "placed in conflict", npac.StatusPending)
	}
	if !ValidCause(a.CauseCode) {
		return npac.Errorf(npac.EINVALID, "A conflict needs a cause code from 50 to 54 (50 LSR not received, 51 FOC not issued, 52 due date mismatch, 53 vacant number, 54 general).")
	}
	if err := m.conflictAllowed(sv, now); err != nil {
		return err
	}
	f := false
	sv.Authorization = &f
	if sv.OldSPCreatedAt == nil {
		sv.OldSPCreatedAt = &now
	}
	e.schedule(npac.TimerConflictExpiration, now.Add(m.Tunables.ConflictExpiration))
	return m.placeConflict(sv, a.CauseCode, now, e)
}

// conflictAllowed refuses a conflict the old SP already used or placed
// after the conflict restriction window.
func (m *Machine) conflictAllowed(sv *npac.SV, now time.Time) error {
	if sv.ConflictUsed {
		return npac.Errorf(npac.EConflictAlreadyUsed, "The old SP has already placed %s in conflict once; it cannot do so again.", ref(sv))
	}
	if dl := m.ConflictDeadline(sv); !now.Before(dl) {
		return npac.Errorf(npac.EConflictWindowClosed, "The conflict window for %s closed at %s; contact the new SP %s instead.", ref(sv), dl.Format(time.RFC3339), sv.NewSPID)
	}
	return nil
}

// placeConflict puts the SV in conflict. A conflict the old SP places
// uses up its one conflict; one the NPAC places (cause 55) does not.
func (m *Machine) placeConflict(sv *npac.SV, cause int, now time.Time, e *Effects) error {
	sv.CauseCode = cause
	sv.ConflictAt = &now
	sv.ConflictUsed = sv.ConflictUsed || cause != npac.CauseCancelNotAcked
	setStatus(sv, npac.StatusConflict, now, e)
	who := "The old SP " + string(sv.OldSPID)
	if cause == npac.CauseCancelNotAcked {
		who = "The NPAC"
	}
	e.notify(PartyNew, npac.NoticeConflict, fmt.Sprintf("%s placed %s in conflict with cause code %d.", who, ref(sv), cause),
		map[string]any{"cause_code": cause})
	return nil
}

// RestrictedCause reports whether only the old SP may remove a conflict
// with this cause (NANC 375): LSR/WPR not received, FOC/WPRR not issued.
func RestrictedCause(c int) bool { return c == npac.CauseLSRNotReceived || c == npac.CauseFOCNotIssued }

func (m *Machine) resolveConflict(sv *npac.SV, side npac.Side, now time.Time, e *Effects) error {
	if sv.Status != npac.StatusConflict {
		return wrongStatus(sv, "removed from conflict", npac.StatusConflict)
	}
	if side == npac.SideNew && sv.OldSPID != sv.NewSPID {
		if RestrictedCause(sv.CauseCode) {
			return npac.Errorf(npac.EConflictRestricted, "%s is in conflict with cause code %d; only the old SP %s can remove that conflict.", ref(sv), sv.CauseCode, sv.OldSPID)
		}
		from := m.Calendar(sv.Region).Add(*sv.ConflictAt, m.timers(sv).ConflictResolutionNewSP)
		if now.Before(from) {
			return npac.Errorf(npac.EConflictRestricted, "The new SP may remove the conflict on %s from %s.", ref(sv), from.Format(time.RFC3339))
		}
	} else {
		t := true
		sv.Authorization = &t
	}
	sv.CauseCode = 0
	e.clear(npac.TimerConflictExpiration)
	setStatus(sv, npac.StatusPending, now, e)
	return nil
}

func (m *Machine) cancel(sv *npac.SV, side npac.Side, now time.Time, e *Effects) error {
	if sv.Status == npac.StatusCancelPending && side != sv.CancelBy {
		// Both sides canceled: that is the acknowledgement.
		return m.cancelAck(sv, side, now, e)
	}
	if (sv.Status != npac.StatusPending && sv.Status != npac.StatusConflict) || sv.Slot != npac.SlotPending {
		return wrongStatus(sv, "canceled", npac.StatusPending, npac.StatusConflict)
	}
	intra := sv.OldSPID == sv.NewSPID
	switch {
	case intra, sv.Status == npac.StatusConflict && side == npac.SideNew:
		return m.finishCancel(sv, now, e)
	case !sv.Concurred():
		if (side == npac.SideNew) != (sv.NewSPCreatedAt != nil) {
			return npac.Errorf(npac.ESVWrongActor, "Only the SP that created %s may cancel it; the old SP may place it in conflict instead.", ref(sv))
		}
		return m.finishCancel(sv, now, e)
	}
	sv.PriorStatus = sv.Status
	sv.CancelBy = side
	sv.CancelRequestedAt = &now
	sv.CancelAckNew, sv.CancelAckOld = side == npac.SideNew, side == npac.SideOld
	setStatus(sv, npac.StatusCancelPending, now, e)
	other := PartyOld
	if side == npac.SideOld {
		other = PartyNew
	}
	at := m.Calendar(sv.Region).Add(now, m.timers(sv).CancelInitial)
	e.schedule(npac.TimerCancelInitial, at)
	e.notify(other, npac.NoticeCancelPending, fmt.Sprintf("The %s SP canceled %s; acknowledge the cancellation.", side, ref(sv)), nil)
	return nil
}

func (m *Machine) finishCancel(sv *npac.SV, now time.Time, e *Effects) error {
	sv.Slot = npac.SlotNone
	sv.PriorStatus = ""
	e.clear(allTimers...)
	setStatus(sv, npac.StatusCanceled, now, e)
	return nil
}

func (m *Machine) cancelAck(sv *npac.SV, side npac.Side, now time.Time, e *Effects) error {
	if sv.Status != npac.StatusCancelPending {
		return wrongStatus(sv, "acknowledged as canceled", npac.StatusCancelPending)
	}
	if side == sv.CancelBy {
		return npac.Errorf(npac.ESVWrongActor, "The %s SP canceled %s; the other SP acknowledges it.", side, ref(sv))
	}
	if side == npac.SideNew {
		sv.CancelAckNew = true
	} else {
		sv.CancelAckOld = true
	}
	return m.finishCancel(sv, now, e)
}

func (m *Machine) cancelUndo(sv *npac.SV, side npac.Side, now time.Time, e *Effects) error {
	if sv.Status != npac.StatusCancelPending {
		return wrongStatus(sv, "un-canceled", npac.StatusCancelPending)
	}
	if side != sv.CancelBy {
		return npac.Errorf(npac.ESVWrongActor, "Only the %s SP, which canceled %s, may undo the cancel.", sv.CancelBy, ref(sv))
	}
	prior := sv.PriorStatus
	sv.PriorStatus, sv.CancelBy, sv.CancelRequestedAt = "", "", nil
	sv.CancelAckNew, sv.CancelAckOld = false, false
	e.clear(npac.TimerCancelInitial, npac.TimerCancelFinal)
	m.rearm(sv, prior, e)
	setStatus(sv, prior, now, e)
	return nil
}

// rearm schedules again the timer that ends an SV left in status: a timer
// that came due while the SV was cancel-pending did nothing, so the status
// restored needs its own. A past time fires on the scheduler's next run.
func (m *Machine) rearm(sv *npac.SV, status npac.Status, e *Effects) {
	switch status {
	case npac.StatusConflict:
		e.clear(npac.TimerConflictExpiration)
		e.schedule(npac.TimerConflictExpiration, sv.ConflictAt.Add(m.Tunables.ConflictExpiration))
	case npac.StatusPending:
		e.clear(npac.TimerPendingPurge)
		e.schedule(npac.TimerPendingPurge, sv.DueDate.Add(m.Tunables.PendingPurge))
	}
}

func (m *Machine) disconnect(sv *npac.SV, a npac.Action, side npac.Side, now time.Time, e *Effects) error {
	if err := need(sv, side, npac.SideNew, "disconnect"); err != nil {
		return err
	}
	if sv.Status != npac.StatusActive {
		return wrongStatus(sv, "disconnected", npac.StatusActive)
	}
	cdd := now
	if a.CustomerDisconnectDate != nil {
		cdd = a.CustomerDisconnectDate.UTC()
	}
	sv.CustomerDisconnectDate = &cdd
	e.notify(PartyCodeHolder, npac.NoticeCustomerDisconnect, fmt.Sprintf("The current SP %s disconnected %s; it returns to the code holder.", sv.NewSPID, sv.TN),
		map[string]any{"customer_disconnect_date": cdd})
	return m.release(sv, a.EffectiveReleaseDate, now, e)
}

// release disconnects now when erd is empty or past, else schedules it.
func (m *Machine) release(sv *npac.SV, erd *time.Time, now time.Time, e *Effects) error {
	e.clear(npac.TimerRelease)
	if erd != nil && erd.After(now) {
		t := erd.UTC()
		sv.EffectiveReleaseDate = &t
		if sv.Status == npac.StatusDisconnectPending {
			e.notify(PartyBoth, npac.NoticeAttributeChange, fmt.Sprintf("The effective release date of %s moved to %s.", ref(sv), t.Format(time.RFC3339)), nil)
		}
		setStatus(sv, npac.StatusDisconnectPending, now, e)
		e.schedule(npac.TimerRelease, t)
		return nil
	}
	sv.EffectiveReleaseDate = &now
	if sv.Status == npac.StatusActive {
		// An immediate disconnect passes through disconnect-pending.
		setStatus(sv, npac.StatusDisconnectPending, now, e)
	}
	m.send(sv, "disconnect", now, e)
	return nil
}

func (m *Machine) modify(sv *npac.SV, md *npac.SVModify, side npac.Side, now time.Time, e *Effects) error {
	if md == nil {
		return npac.Errorf(npac.EINVALID, "A modify names at least one field to change.")
	}
	routing := md.LRN != nil || md.CLASS != nil || md.LIDB != nil || md.CNAM != nil || md.ISVM != nil || md.WSMSC != nil ||
		md.BillingID != nil || md.EndUserLocationValue != nil || md.EndUserLocationType != nil || md.SVType != nil ||
		md.AlternativeSPID != nil || md.VoiceURI != nil || md.MMSURI != nil || md.SMSURI != nil
	disc := md.CustomerDisconnectDate != nil || md.EffectiveReleaseDate != nil
	if !routing && !disc && md.DueDate == nil {
		return npac.Errorf(npac.EINVALID, "A modify names at least one field to change.")
	}
	switch {
	case sv.Slot == npac.SlotPending && (sv.Status == npac.StatusPending || sv.Status == npac.StatusConflict):
		if disc {
			return npac.Errorf(npac.EINVALID, "Disconnect dates belong to a disconnect-pending SV; %s is %s.", ref(sv), sv.Status)
		}
		if side == npac.SideOld && sv.OldSPID != sv.NewSPID {
			if routing {
				return npac.Errorf(npac.ESVWrongActor, "Only the new SP %s may change the routing data of %s.", sv.NewSPID, ref(sv))
			}
			due := m.normalizeDue(sv, *md.DueDate)
			sv.OldSPDueDate = &due
		} else {
			if sv.NewSPCreatedAt == nil {
				return npac.Errorf(npac.ESVNotConcurred, "The new SP has not created %s yet: send a create instead of a modify.", ref(sv))
			}
			if err := applyRouting(sv, md); err != nil {
				return err
			}
			if md.DueDate != nil {
				sv.DueDate = m.normalizeDue(sv, *md.DueDate)
				e.clear(npac.TimerPendingPurge)
				e.schedule(npac.TimerPendingPurge, sv.DueDate.Add(m.Tunables.PendingPurge))
			}
		}
		e.notify(PartyBoth, npac.NoticeAttributeChange, fmt.Sprintf("The %s SP modified %s.", side, ref(sv)), nil)
		return nil
	case sv.Status == npac.StatusActive:
		if err := need(sv, side, npac.SideNew, "modify the active"); err != nil {
			return err
		}
		if disc || md.DueDate != nil {
			return npac.Errorf(npac.EINVALID, "An active SV's due date and disconnect dates cannot be modified; change its routing data, or disconnect it.")
		}
		if err := applyRouting(sv, md); err != nil {
			return err
		}
		m.send(sv, "modify", now, e)
		return nil
	case sv.Status == npac.StatusDisconnectPending:
		if err := need(sv, side, npac.SideNew, "modify the disconnect of"); err != nil {
			return err
		}
		if routing || md.DueDate != nil {
			return npac.Errorf(npac.EINVALID, "Only the disconnect dates of a disconnect-pending SV can be modified.")
		}
		if md.CustomerDisconnectDate != nil {
			if md.CustomerDisconnectDate.IsZero() {
				return npac.Errorf(npac.EINVALID, "The customer disconnect date cannot be cleared (NANC 249).")
			}
			cdd := md.CustomerDisconnectDate.UTC()
			sv.CustomerDisconnectDate = &cdd
		}
		if md.EffectiveReleaseDate != nil {
			return m.release(sv, md.EffectiveReleaseDate, now, e)
		}
		e.notify(PartyBoth, npac.NoticeAttributeChange, fmt.Sprintf("The current SP modified the disconnect of %s.", ref(sv)), nil)
		return nil
	}
	return wrongStatus(sv, "modified", npac.StatusPending, npac.StatusConflict, npac.StatusActive, npac.StatusDisconnectPending)
}

// applyRouting copies the routing fields of md into the SV and validates the
// result.
func applyRouting(sv *npac.SV, md *npac.SVModify) error {
	r := sv.RoutingData
	set := func(dst **npac.SignalingPoint, src *npac.SignalingPoint) {
		if src == nil {
			return
		}
		if src.DPC == "" && src.SSN == nil {
			*dst = nil // an empty pair removes it
			return
		}
		// A copy: validation canonicalizes it, and a range applies one
		// modify to many SVs at once.
		c := *src
		*dst = &c
	}
	if md.LRN != nil {
		if sv.Slot == npac.SlotActive && md.LRN.IsPseudo() && !sv.LRN.IsPseudo() {
			return npac.Errorf(npac.EINVALID, "%s routes calls to LRN %s; it cannot switch to the pseudo-LRN, which LSMSs that did not opt in would never hear of. Disconnect it and port it again.", ref(sv), sv.LRN)
		}
		r.LRN = *md.LRN
	}
	set(&r.CLASS, md.CLASS)
	set(&r.LIDB, md.LIDB)
	set(&r.CNAM, md.CNAM)
	set(&r.ISVM, md.ISVM)
	set(&r.WSMSC, md.WSMSC)
	for _, f := range []struct {
		dst *string
		src *string
	}{{&r.BillingID, md.BillingID}, {&r.EndUserLocationValue, md.EndUserLocationValue}, {&r.EndUserLocationType, md.EndUserLocationType},
		{&r.VoiceURI, md.VoiceURI}, {&r.MMSURI, md.MMSURI}, {&r.SMSURI, md.SMSURI}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	if md.SVType != nil {
		r.SVType = *md.SVType
	}
	if md.AlternativeSPID != nil {
		r.AlternativeSPID = *md.AlternativeSPID
	}
	if r.LRN == "" && !sv.PortToOriginal {
		return npac.Errorf(npac.EINVALID, "The LRN cannot be removed from %s.", ref(sv))
	}
	if err := r.Validate(); err != nil {
		return err
	}
	sv.RoutingData = r
	return nil
}

// Conclude records the outcome of a broadcast: failed lists the SPs whose
// LSMS did not apply it, out of targets LSMSs in all.
func (m *Machine) Conclude(sv *npac.SV, targets int, failed []npac.SPID, now time.Time) (Effects, error) {
	var e Effects
	if sv.Status != npac.StatusSending {
		return e, wrongStatus(sv, "concluded", npac.StatusSending)
	}
	sv.FailedSPs = append([]npac.SPID{}, failed...)
	sv.Broadcast = nil
	allFailed := targets > 0 && len(failed) >= targets
	partial := len(failed) > 0 && !allFailed
	what := sv.Pending
	if len(failed) == 0 {
		sv.Pending = ""
	}
	sv.UpdatedAt = now
	switch {
	case allFailed:
		setStatus(sv, npac.StatusFailed, now, &e)
	case partial:
		if what == "activate" {
			sv.Slot = npac.SlotActive
			e.RetireActive = true
		}
		setStatus(sv, npac.StatusPartialFailure, now, &e)
	case what == "activate" && sv.PortToOriginal, what == "disconnect":
		// The number goes back to the code holder's default routing.
		e.RetireActive = what == "activate"
		sv.Slot = npac.SlotNone
		setStatus(sv, npac.StatusOld, now, &e)
	default:
		if what == "activate" {
			sv.Slot = npac.SlotActive
			e.RetireActive = true
		}
		setStatus(sv, npac.StatusActive, now, &e)
	}
	return e, nil
}

// Retire makes an active SV old because a newer SV for its TN activated.
func (m *Machine) Retire(sv *npac.SV, now time.Time) Effects {
	var e Effects
	sv.Slot = npac.SlotNone
	sv.UpdatedAt = now
	e.clear(allTimers...)
	setStatus(sv, npac.StatusOld, now, &e)
	return e
}

// Fire applies a timer of kind that came due at at. A timer whose guard no
// longer holds (the SV moved on) does nothing and reports false.
func (m *Machine) Fire(sv *npac.SV, kind npac.TimerKind, at, now time.Time) (Effects, bool) {
	var e Effects
	pendingish := sv.Slot == npac.SlotPending && (sv.Status == npac.StatusPending || sv.Status == npac.StatusConflict)
	cal := m.Calendar(sv.Region)
	set := m.timers(sv)
	switch kind {
	case npac.TimerT1:
		if !pendingish || sv.Concurred() {
			return e, false
		}
		t2 := cal.Add(at, set.T2)
		sv.T2ExpiresAt = &t2
		e.schedule(npac.TimerT2, t2)
		e.notify(PartyBoth, npac.NoticeT1Expired, fmt.Sprintf("T1 expired for %s; T2 expires %s.", ref(sv), t2.Format(time.RFC3339)),
			map[string]any{"t2_expires_at": t2})
		if sv.NewSPCreatedAt != nil {
			e.notify(PartyOld, npac.NoticeConcurrenceRequest, fmt.Sprintf("Second request: the new SP %s asks to port %s; concur or place it in conflict by %s.",
				sv.NewSPID, sv.TN, t2.Format(time.RFC3339)), nil)
		} else if sv.Status == npac.StatusConflict {
			e.notify(PartyNew, npac.NoticeCreateRequest, fmt.Sprintf("The old SP %s created a port of %s to you and placed it in conflict (cause %d); send your create and resolve the conflict with the old SP.",
				sv.OldSPID, sv.TN, sv.CauseCode), nil)
		} else {
			e.notify(PartyNew, npac.NoticeCreateRequest, fmt.Sprintf("The old SP %s released %s to you; send your create.", sv.OldSPID, sv.TN), nil)
		}
	case npac.TimerT2:
		if !pendingish || sv.Concurred() {
			return e, false
		}
		msg := fmt.Sprintf("T2 (the final concurrence window) expired for %s without concurrence.", ref(sv))
		if sv.NewSPCreatedAt != nil {
			msg += " The new SP may activate on the due date."
		}
		e.notify(PartyBoth, npac.NoticeT2Expired, msg, nil)
	case npac.TimerCancelInitial:
		if sv.Status != npac.StatusCancelPending {
			return e, false
		}
		final := cal.Add(at, set.CancelFinal)
		e.schedule(npac.TimerCancelFinal, final)
		other := PartyOld
		if sv.CancelBy == npac.SideOld {
			other = PartyNew
		}
		e.notify(other, npac.NoticeCancelWindowExpired, fmt.Sprintf("The initial cancellation window for %s closed; acknowledge the cancel by %s.",
			ref(sv), final.Format(time.RFC3339)), nil)
	case npac.TimerCancelFinal:
		if sv.Status != npac.StatusCancelPending {
			return e, false
		}
		if sv.CancelBy == npac.SideNew {
			_ = m.finishCancel(sv, now, &e)
		} else {
			// The new SP never acknowledged the old SP's cancel.
			sv.PriorStatus, sv.CancelBy, sv.CancelRequestedAt = "", "", nil
			sv.CancelAckNew, sv.CancelAckOld = false, false
			_ = m.placeConflict(sv, npac.CauseCancelNotAcked, now, &e)
			e.clear(npac.TimerConflictExpiration)
			e.schedule(npac.TimerConflictExpiration, now.Add(m.Tunables.ConflictExpiration))
		}
		e.notify(PartyBoth, npac.NoticeCancelWindowExpired, fmt.Sprintf("The final cancellation window for %s closed; it is now %s.", ref(sv), sv.Status), nil)
	case npac.TimerConflictExpiration:
		if sv.Status != npac.StatusConflict || sv.Slot != npac.SlotPending {
			return e, false
		}
		_ = m.finishCancel(sv, now, &e)
	case npac.TimerPendingPurge:
		if sv.Status != npac.StatusPending || sv.Slot != npac.SlotPending {
			return e, false
		}
		_ = m.finishCancel(sv, now, &e)
	case npac.TimerRelease:
		if sv.Status != npac.StatusDisconnectPending {
			return e, false
		}
		m.send(sv, "disconnect", now, &e)
	default:
		return e, false
	}
	sv.UpdatedAt = now
	return e, true
}
