package portorder

import (
	"fmt"
	"sync"
	"time"

	"github.com/opennpac/npac"
	"github.com/opennpac/npac/calendar"
)

// Error codes of this package, in addition to npac.EINVALID. Every error is
// an *npac.Error whose message says what to do.
const (
	EOrderWrongStatus   = "order-wrong-status"          // the order's status does not allow the action
	ERequirementsUnmet  = "order-requirements-unmet"    // Submit or Supp with unmet requirements
	EDueDate            = "due-date-invalid"            // a desired due date or FOC date breaks the time rules
	ERejectNotPermitted = "reject-reason-not-permitted" // a losing SP gave a reason the FCC/CRTC do not allow
	ECancelTooLate      = "cancel-too-late"             // cancel or supp inside the cutoff before the FOC
	ERejectionExpired   = "rejection-expired"           // supp after the rejection lapsed
	EFOCNotReached      = "foc-not-reached"             // activation before the FOC
	EApprovalRequired   = "wireless-approval-required"  // FOC for a wireless port the end user has not approved
)

// Tier is a fee tier for canceling or changing the date of an order after
// its FOC. A tier applies when more than Over remains before the FOC; tiers
// are tried in order and the last one applies when none does.
type Tier struct {
	Name string        `json:"name"`
	Over time.Duration `json:"over"`
}

// DefaultTiers are the Plivo porting guide's tiers (seed 004 lines
// 233-235): more than 48 hours before the confirmed port date, within 24 to
// 48 hours, and within 24 hours (including after the FOC). At exactly 48 h
// the "24-48h" tier applies and at exactly 24 h the "<24h" tier.
func DefaultTiers() []Tier {
	return []Tier{{">48h", 48 * time.Hour}, {"24-48h", 24 * time.Hour}, {"<24h", 0}}
}

// Rules holds every tunable of the port-order rules. The zero value of a
// field means its default, except Holidays (nil: weekends only, the
// calendar package's convention).
type Rules struct {
	// MaxTNs is the largest order that is not a project port (Plivo,
	// seed 004 line 191: "Porting more than 100 numbers is considered a
	// project porting request"). Default 100.
	MaxTNs int `json:"max_tns"`
	// CancelCutoff is how long before the FOC cancels and supps close.
	// Default 24 h (Bandwidth: no SUPP/cancel <24 h before FOC,
	// porting-apis.md §5; Plivo asks for 72 h, seed 004 line 105).
	CancelCutoff time.Duration `json:"cancel_cutoff"`
	// ApprovalWindow is how long a wireless end user has to answer the
	// losing carrier's SMS. Default 90 min (seed 002 line 399).
	ApprovalWindow time.Duration `json:"approval_window"`
	// RejectionExpiry is how long a rejection may stay uncorrected before
	// the order is canceled. Default 7 days (seed 002 line 469).
	RejectionExpiry time.Duration `json:"rejection_expiry"`
	// LOAMaxAge is the oldest an LOA may be at submission. Default 30 days
	// (Somos, Bandwidth 7424: signed LOA ≤30 days old; porting-apis.md §5).
	LOAMaxAge time.Duration `json:"loa_max_age"`
	// MaxDueDays is how many calendar days ahead a due date may be.
	// Default 30 (Bandwidth 7210, Somos; porting-apis.md §1).
	MaxDueDays int `json:"max_due_days"`
	// LSRCutoff is the local clock time by which an LSR counts as received
	// that business day. Default 13:00.
	LSRCutoff time.Duration `json:"lsr_cutoff"`
	// SimpleDays and NonSimpleDays are the porting intervals in business
	// days. Defaults 1 (47 CFR 52.35, simple ports) and 4.
	SimpleDays    int `json:"simple_days"`
	NonSimpleDays int `json:"non_simple_days"`
	// FeeTiers are the cancel/change fee tiers. Default DefaultTiers().
	FeeTiers []Tier `json:"fee_tiers,omitempty"`
	// Holidays are the non-business weekdays, one list for every region as
	// in the rest of OpenNPAC (docs/domain.md §7). DefaultRules uses
	// calendar.USFederal(); Canadian statutory holidays must be supplied by
	// the caller.
	Holidays calendar.Holidays `json:"-"`
}

// DefaultRules returns the defaults, with US federal holidays.
func DefaultRules() Rules {
	return Rules{
		MaxTNs:          100,
		CancelCutoff:    24 * time.Hour,
		ApprovalWindow:  90 * time.Minute,
		RejectionExpiry: 7 * 24 * time.Hour,
		LOAMaxAge:       30 * 24 * time.Hour,
		MaxDueDays:      30,
		LSRCutoff:       13 * time.Hour,
		SimpleDays:      1,
		NonSimpleDays:   4,
		FeeTiers:        DefaultTiers(),
		Holidays:        calendar.USFederal(),
	}
}

// norm returns r with zero fields replaced by their defaults.
func (r Rules) norm() Rules {
	d := DefaultRules()
	if r.MaxTNs <= 0 {
		r.MaxTNs = d.MaxTNs
	}
	if r.CancelCutoff <= 0 {
		r.CancelCutoff = d.CancelCutoff
	}
	if r.ApprovalWindow <= 0 {
		r.ApprovalWindow = d.ApprovalWindow
	}
	if r.RejectionExpiry <= 0 {
		r.RejectionExpiry = d.RejectionExpiry
	}
	if r.LOAMaxAge <= 0 {
		r.LOAMaxAge = d.LOAMaxAge
	}
	if r.MaxDueDays <= 0 {
		r.MaxDueDays = d.MaxDueDays
	}
	if r.LSRCutoff <= 0 {
		r.LSRCutoff = d.LSRCutoff
	}
	if r.SimpleDays <= 0 {
		r.SimpleDays = d.SimpleDays
	}
	if r.NonSimpleDays <= 0 {
		r.NonSimpleDays = d.NonSimpleDays
	}
	if len(r.FeeTiers) == 0 {
		r.FeeTiers = d.FeeTiers
	}
	return r
}

var locations sync.Map // npac.Region → *time.Location

// Location returns the time zone of an NPAC region (npac.RegionInfo's
// TimeZone), in which LSR cutoffs and due dates are read.
func Location(region npac.Region) (*time.Location, error) {
	if l, ok := locations.Load(region); ok {
		return l.(*time.Location), nil
	}
	ri, ok := region.Info()
	if !ok {
		return nil, npac.Errorf(npac.EINVALID, "%q is not an NPAC region: set the order's region to one of MA, MW, NE, SE, SW, WE, WC or CA, or give a service address in a state or province the NPAC covers.", region)
	}
	l, err := time.LoadLocation(ri.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("portorder: time zone %s of region %s: %w", ri.TimeZone, region, err)
	}
	locations.Store(region, l)
	return l, nil
}

// dayCalendar returns a whole-day business calendar for the region; an
// unknown region falls back to UTC (callers that can report errors check
// the region first).
func dayCalendar(region npac.Region, hol calendar.Holidays) *calendar.Calendar {
	loc, err := Location(region)
	if err != nil {
		loc = time.UTC
	}
	return &calendar.Calendar{Location: loc, Start: 0, End: 24 * time.Hour, Holidays: hol}
}

func clockOf(t time.Time) time.Duration {
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute +
		time.Duration(t.Second())*time.Second + time.Duration(t.Nanosecond())
}

func dateBefore(a, b calendar.Date) bool {
	return time.Date(a.Year, a.Month, a.Day, 0, 0, 0, 0, time.UTC).Before(time.Date(b.Year, b.Month, b.Day, 0, 0, 0, 0, time.UTC))
}

func addDays(d calendar.Date, n int) calendar.Date {
	return calendar.DateOf(time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC))
}

// earliest computes EarliestDue and the first business date on or after it.
func (r Rules) earliest(received time.Time, simple bool, region npac.Region, hol calendar.Holidays) (time.Time, calendar.Date) {
	r = r.norm()
	cal := dayCalendar(region, hol)
	local := received.In(cal.Location)
	day := calendar.DateOf(local)
	if !cal.IsBusinessDay(day) || clockOf(local) > r.LSRCutoff {
		day = cal.NextBusinessDay(day)
	}
	n := r.NonSimpleDays
	if simple {
		n = r.SimpleDays
	}
	for i := 1; i < n; i++ {
		day = cal.NextBusinessDay(day)
	}
	eligible := cal.At(day, 24*time.Hour) // 00:00 of the next calendar day
	due := calendar.DateOf(eligible)
	if !cal.IsBusinessDay(due) {
		due = cal.NextBusinessDay(due)
	}
	return eligible, due
}

// EarliestDue returns the instant from which a port whose LSR was received
// at received may be activated, with the default rules and the holidays
// hol, in the region's time zone (npac.Region.Info().TimeZone).
//
// An LSR received by 13:00 local time on a business day counts as received
// that day (day 1); one received later, or on a weekend or holiday, counts
// from the next business day. A simple port (47 CFR 52.35: one business
// day) is eligible at the midnight that ends day 1, i.e. 00:00 of the next
// calendar day; a non-simple port at the midnight that ends its 4th
// business day. "At or before 13:00:00" is on time.
//
// Interpretation: the issue says "eligible for activation at midnight that
// day"; we read that as the midnight ending the day of receipt (00:00 of the
// following calendar day), not the midnight that starts it. The alternative
// reading, "00:00 at the start of the next business day", differs only when
// the next calendar day is not a business day (a Friday receipt: Saturday
// 00:00 here, Monday 00:00 there). Because due dates must be business days
// (CheckDue), both readings give the same earliest due date
// (EarliestDueDate), which is what orders carry.
func EarliestDue(received time.Time, simple bool, region npac.Region, hol calendar.Holidays) time.Time {
	t, _ := DefaultRules().earliest(received, simple, region, hol)
	return t
}

// EarliestDueDate returns the first business day on or after EarliestDue:
// the earliest due date an order may carry.
func EarliestDueDate(received time.Time, simple bool, region npac.Region, hol calendar.Holidays) calendar.Date {
	_, d := DefaultRules().earliest(received, simple, region, hol)
	return d
}

// EarliestDue is EarliestDue with r's cutoff, intervals and holidays.
func (r Rules) EarliestDue(received time.Time, simple bool, region npac.Region) time.Time {
	t, _ := r.earliest(received, simple, region, r.Holidays)
	return t
}

// EarliestDueDate is EarliestDueDate with r's cutoff, intervals and
// holidays.
func (r Rules) EarliestDueDate(received time.Time, simple bool, region npac.Region) calendar.Date {
	_, d := r.earliest(received, simple, region, r.Holidays)
	return d
}

// CheckDue reports why due cannot be the due date of a port whose LSR was
// received at received, or nil. Its date is read in the region's time zone
// and must be a business day (not a weekend: seed 002 line 298; not one of
// hol), not before EarliestDueDate, and at most 30 days after now's date.
// Errors have code EDueDate (npac.EINVALID for an unknown region).
func CheckDue(due, received time.Time, simple bool, region npac.Region, hol calendar.Holidays, now time.Time) error {
	r := DefaultRules()
	r.Holidays = hol
	return r.CheckDue(due, received, simple, region, now)
}

// CheckDue is CheckDue with r's rules and holidays.
func (r Rules) CheckDue(due, received time.Time, simple bool, region npac.Region, now time.Time) error {
	r = r.norm()
	if _, err := Location(region); err != nil {
		return err
	}
	if due.IsZero() {
		return npac.Errorf(EDueDate, "No desired due date is given: give a business day on or after %s.", r.EarliestDueDate(received, simple, region))
	}
	cal := dayCalendar(region, r.Holidays)
	d := calendar.DateOf(due.In(cal.Location))
	_, earliest := r.earliest(received, simple, region, r.Holidays)
	kind := "non-simple"
	if simple {
		kind = "simple"
	}
	switch wd := due.In(cal.Location).Weekday(); {
	case wd == time.Saturday || wd == time.Sunday:
		return npac.Errorf(EDueDate, "The due date %s is a %s: ports are not activated on weekends. Choose a business day on or after %s.", d, wd, laterOf(earliest, cal.NextBusinessDay(d)))
	case !cal.IsBusinessDay(d):
		name, _ := cal.Holidays.Holiday(d)
		return npac.Errorf(EDueDate, "The due date %s is a holiday (%s): ports are not activated on holidays. Choose a business day on or after %s.", d, name, laterOf(earliest, cal.NextBusinessDay(d)))
	case dateBefore(d, earliest):
		return npac.Errorf(EDueDate, "The due date %s is too soon: a %s port whose LSR was received %s (%s time) can be due on %s at the earliest. Choose %s or a later business day.",
			d, kind, received.In(cal.Location).Format("Mon 2006-01-02 15:04"), cal.Location, earliest, earliest)
	}
	last := addDays(calendar.DateOf(now.In(cal.Location)), r.MaxDueDays)
	if dateBefore(last, d) {
		return npac.Errorf(EDueDate, "The due date %s is more than %d days out: choose a business day from %s to %s, or submit the order later.", d, r.MaxDueDays, earliest, last)
	}
	return nil
}

func laterOf(a, b calendar.Date) calendar.Date {
	if dateBefore(a, b) {
		return b
	}
	return a
}

// CancelAllowed reports, as an error with code ECancelTooLate, that an
// order with FOC foc may no longer be canceled or changed at now: less than
// cutoff remains before the FOC. It returns nil when the change is allowed
// (exactly cutoff before is still allowed). A cutoff of 0 means the
// default, 24 h.
func CancelAllowed(now, foc time.Time, cutoff time.Duration) error {
	if cutoff <= 0 {
		cutoff = DefaultRules().CancelCutoff
	}
	if foc.Sub(now) >= cutoff {
		return nil
	}
	return npac.Errorf(ECancelTooLate, "The FOC is %s; orders can be canceled or changed only until %s before it (%s), and it is now %s. Ask the losing provider directly whether it can still stop the port, or let it complete.",
		foc.Format(time.RFC3339), hoursText(cutoff), foc.Add(-cutoff).Format(time.RFC3339), now.In(foc.Location()).Format(time.RFC3339))
}

// hoursText writes a duration for people: "24 hours", "90 minutes".
func hoursText(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%d hours", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%d minutes", d/time.Minute)
	}
	return d.String()
}

// FeeTier returns the tier that applies to canceling or changing an order
// at now whose FOC is foc: the first tier with more than Over remaining,
// else the last tier. tiers nil means DefaultTiers().
func FeeTier(now, foc time.Time, tiers []Tier) Tier {
	if len(tiers) == 0 {
		tiers = DefaultTiers()
	}
	left := foc.Sub(now)
	for _, t := range tiers {
		if left > t.Over {
			return t
		}
	}
	return tiers[len(tiers)-1]
}

// ApprovalDeadline returns when a wireless end user who was texted at
// sentAt must have approved the port: 90 minutes later.
func ApprovalDeadline(sentAt time.Time) time.Time { return DefaultRules().ApprovalDeadline(sentAt) }

// ApprovalDeadline is ApprovalDeadline with r.ApprovalWindow.
func (r Rules) ApprovalDeadline(sentAt time.Time) time.Time {
	return sentAt.Add(r.norm().ApprovalWindow)
}

// RejectionExpires returns when a rejection made at rejectedAt lapses if it
// is not corrected: 7 days later.
func RejectionExpires(rejectedAt time.Time) time.Time {
	return DefaultRules().RejectionExpires(rejectedAt)
}

// RejectionExpires is RejectionExpires with r.RejectionExpiry.
func (r Rules) RejectionExpires(rejectedAt time.Time) time.Time {
	return rejectedAt.Add(r.norm().RejectionExpiry)
}

// AutoFOC is the FOC a losing SP's automatic validation gives an order:
// 00:00, in the order's region, of the later of the earliest due date
// (counted from the last submission) and the desired due date, moved to
// the next business day when it is not one.
func (r Rules) AutoFOC(o *Order) time.Time {
	r = r.norm()
	region := o.region()
	cal := dayCalendar(region, r.Holidays)
	_, day := r.earliest(o.SubmittedAt, o.Simple, region, r.Holidays)
	if !o.DesiredDue.IsZero() {
		day = laterOf(day, calendar.DateOf(o.DesiredDue.In(cal.Location)))
	}
	for !cal.IsBusinessDay(day) {
		day = cal.NextBusinessDay(day)
	}
	return cal.At(day, 0)
}
