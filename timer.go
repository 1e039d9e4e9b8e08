package npac

import (
	"context"
	"fmt"
	"time"
)

// TimerType selects the set of concurrence timers an SV runs on.
type TimerType string

// Timer types. Long is the default (wireline); short is for wireless ports;
// medium is for simple ports (FRS 1.2.19).
const (
	TimerShort  TimerType = "short"
	TimerMedium TimerType = "medium"
	TimerLong   TimerType = "long"
)

// rank orders timer types by length.
func (t TimerType) rank() int {
	switch t {
	case TimerShort:
		return 1
	case TimerMedium:
		return 2
	case TimerLong:
		return 3
	}
	return 0
}

// Valid reports whether t is a known timer type.
func (t TimerType) Valid() bool { return t.rank() > 0 }

// Longer returns the longer of two timer types: when the two sides of a
// port ask for different timers, the longer applies.
func (t TimerType) Longer(u TimerType) TimerType {
	if u.rank() > t.rank() {
		return u
	}
	return t
}

// TimerSet holds the windows of one timer type. Durations are business
// hours on the region's calendar, except ConflictRestriction, which is a
// time of day.
type TimerSet struct {
	// T1 is the initial concurrence window.
	T1 time.Duration `json:"t1"`
	// T2 is the final concurrence window.
	T2 time.Duration `json:"t2"`
	// CancelInitial and CancelFinal are the cancellation concurrence
	// windows a cancel-pending SV waits through for the other side's ack.
	CancelInitial time.Duration `json:"cancel_initial"`
	CancelFinal   time.Duration `json:"cancel_final"`
	// ConflictRestriction is the time of day, on the business day before
	// the due date, after which the old SP can no longer place the SV in
	// conflict.
	ConflictRestriction time.Duration `json:"conflict_restriction"`
	// ConflictResolutionNewSP is how long after a conflict the new SP must
	// wait before it may remove it.
	ConflictResolutionNewSP time.Duration `json:"conflict_resolution_new_sp"`
}

// Tunables are the NPAC's settings for the SV lifecycle.
type Tunables struct {
	Timers map[TimerType]TimerSet `json:"timers"`
	// BusinessStart and BusinessEnd bound each business day, as offsets
	// from local midnight in the region's time zone.
	BusinessStart time.Duration `json:"business_start"`
	BusinessEnd   time.Duration `json:"business_end"`
	// Weekends makes Saturday and Sunday business days.
	Weekends bool `json:"weekends"`
	// ConflictExpiration is how long (calendar time) an SV may stay in
	// conflict before it is canceled.
	ConflictExpiration time.Duration `json:"conflict_expiration"`
	// PendingPurge is how long after its due date a pending SV that was
	// never activated is purged (canceled).
	PendingPurge time.Duration `json:"pending_purge"`
	// BroadcastRetries and BroadcastInterval bound a broadcast: an LSMS
	// that has not acknowledged a message after Retries resends, one every
	// Interval, counts as failed for it.
	BroadcastRetries  int           `json:"broadcast_retries"`
	BroadcastInterval time.Duration `json:"broadcast_interval"`
	// LogRetention bounds how long the broadcast log keeps a message that
	// some LSMS has not acknowledged; an LSMS further behind re-syncs from
	// the full image.
	LogRetention time.Duration `json:"log_retention"`
}

// BroadcastDeadline is how long a broadcast waits for acknowledgements.
func (t Tunables) BroadcastDeadline() time.Duration {
	return time.Duration(t.BroadcastRetries) * t.BroadcastInterval
}

// DefaultTunables returns the settings OpenNPAC starts with. Long and short
// follow the NANC defaults (9 and 1 business hours); medium is our choice
// (see docs/domain.md).
func DefaultTunables() Tunables {
	h := time.Hour
	return Tunables{
		Timers: map[TimerType]TimerSet{
			TimerLong:   {T1: 9 * h, T2: 9 * h, CancelInitial: 9 * h, CancelFinal: 9 * h, ConflictRestriction: 12 * h, ConflictResolutionNewSP: 6 * h},
			TimerMedium: {T1: 3 * h, T2: 3 * h, CancelInitial: 3 * h, CancelFinal: 3 * h, ConflictRestriction: 12 * h, ConflictResolutionNewSP: 6 * h},
			TimerShort:  {T1: 1 * h, T2: 1 * h, CancelInitial: 1 * h, CancelFinal: 1 * h, ConflictRestriction: 12 * h, ConflictResolutionNewSP: 6 * h},
		},
		BusinessStart:      8 * h,
		BusinessEnd:        17 * h,
		ConflictExpiration: 30 * 24 * h,
		PendingPurge:       30 * 24 * h,
		// NANC FRS default 3 × 2 minutes (NANC 194).
		BroadcastRetries:  3,
		BroadcastInterval: 2 * time.Minute,
		LogRetention:      7 * 24 * h,
	}
}

// Clone returns a copy of t that shares no map with it.
func (t Tunables) Clone() Tunables {
	c := t
	c.Timers = make(map[TimerType]TimerSet, len(t.Timers))
	for k, v := range t.Timers {
		c.Timers[k] = v
	}
	return c
}

// Validate checks that t can run the lifecycle. A problem is an EINVALID
// error whose message starts with the field's JSON name and a colon, such
// as "business_end: …", so that a form can show it next to the field.
func (t Tunables) Validate() error {
	day := 24 * time.Hour
	bad := func(field, format string, args ...any) error {
		return Errorf(EINVALID, "%s: "+format, append([]any{field}, args...)...)
	}
	for tt := range t.Timers {
		if !tt.Valid() {
			return bad("timers", "timer type %q is unknown; the timer sets are short, medium and long.", tt)
		}
	}
	for _, tt := range []TimerType{TimerShort, TimerMedium, TimerLong} {
		ts, ok := t.Timers[tt]
		if !ok {
			return bad("timers", "the %s timer set is missing; give all three: short, medium and long.", tt)
		}
		for _, w := range []struct {
			name string
			d    time.Duration
		}{{"t1", ts.T1}, {"t2", ts.T2}, {"cancel_initial", ts.CancelInitial}, {"cancel_final", ts.CancelFinal}, {"conflict_resolution_new_sp", ts.ConflictResolutionNewSP}} {
			if w.d < time.Second || w.d > 30*day {
				return bad(string(tt)+"."+w.name, "%s is out of range; give between 1 second and 720 business hours.", w.d)
			}
		}
		if ts.ConflictRestriction < 0 || ts.ConflictRestriction > day {
			return bad(string(tt)+".conflict_restriction", "%s is not a time of day; give one from 00:00 to 24:00.", ts.ConflictRestriction)
		}
	}
	if t.BusinessStart < 0 || t.BusinessStart >= day {
		return bad("business_start", "%s is not a time of day; give one from 00:00 to 23:59.", t.BusinessStart)
	}
	if t.BusinessEnd <= t.BusinessStart || t.BusinessEnd > day {
		return bad("business_end", "the business day must end after it starts (%s) and by 24:00.", clock(t.BusinessStart))
	}
	if t.ConflictExpiration < time.Hour {
		return bad("conflict_expiration", "%s is too short; give at least 1 hour.", t.ConflictExpiration)
	}
	if t.PendingPurge < time.Hour {
		return bad("pending_purge", "%s is too short; give at least 1 hour.", t.PendingPurge)
	}
	if t.BroadcastRetries < 1 || t.BroadcastRetries > 100 {
		return bad("broadcast_retries", "%d is out of range; give from 1 to 100 resends.", t.BroadcastRetries)
	}
	if t.BroadcastInterval < time.Second || t.BroadcastInterval > day {
		return bad("broadcast_interval", "%s is out of range; give from 1 second to 24 hours.", t.BroadcastInterval)
	}
	if t.LogRetention <= t.BroadcastDeadline() {
		return bad("log_retention", "%s must be longer than a broadcast may wait for acknowledgements (%d × %s).", t.LogRetention, t.BroadcastRetries, t.BroadcastInterval)
	}
	return nil
}

// clock writes an offset from midnight as HH:MM.
func clock(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// TunablesService reads and changes the tunables the NPAC runs with.
type TunablesService interface {
	// Tunables returns the tunables in force. Anyone signed in reads them.
	Tunables(ctx context.Context) (Tunables, error)
	// SetTunables validates t, saves it and puts it in force at once:
	// timers scheduled from then on use it, timers already running keep
	// their due times. It returns what is now in force. Errors: invalid,
	// forbidden (NPAC personnel only).
	SetTunables(ctx context.Context, t Tunables) (Tunables, error)
}

// TimerKind names a durable timer the scheduler fires.
type TimerKind string

// Timer kinds.
const (
	TimerT1                 TimerKind = "t1"
	TimerT2                 TimerKind = "t2"
	TimerCancelInitial      TimerKind = "cancel-initial"
	TimerCancelFinal        TimerKind = "cancel-final"
	TimerConflictExpiration TimerKind = "conflict-expiration"
	TimerPendingPurge       TimerKind = "pending-purge"
	TimerRelease            TimerKind = "effective-release"
)

// SchedulerService fires durable timers that have come due.
type SchedulerService interface {
	// FireDue fires up to limit timers due at or before now, each exactly
	// once, and returns how many fired.
	FireDue(ctx context.Context, now time.Time, limit int) (int, error)
	// NextDue returns when the earliest unfired timer is due, or false
	// when there is none.
	NextDue(ctx context.Context) (time.Time, bool, error)
}
