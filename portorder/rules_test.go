package portorder

import (
	"strings"
	"testing"
	"time"

	"github.com/opennpac/npac"
	"github.com/opennpac/npac/calendar"
)

// The 13:00 cutoff is read in each region's own time zone: one instant is
// before the cutoff on the West Coast and after it in the Northeast.
func TestCutoffPerRegion(t *testing.T) {
	hol := opm(t)
	for _, c := range []struct {
		region   npac.Region
		zone     string
		received string // local time in zone
		simple   bool
		eligible string // local time in zone
		due      string
	}{
		// Tuesday 2022-03-08.
		{npac.WestCoast, "America/Los_Angeles", "2022-03-08 12:59", true, "2022-03-09 00:00", "2022-03-09"},
		{npac.WestCoast, "America/Los_Angeles", "2022-03-08 13:00", true, "2022-03-09 00:00", "2022-03-09"},
		{npac.WestCoast, "America/Los_Angeles", "2022-03-08 13:01", true, "2022-03-10 00:00", "2022-03-10"},
		{npac.Northeast, "America/New_York", "2022-03-08 12:59", true, "2022-03-09 00:00", "2022-03-09"},
		{npac.Northeast, "America/New_York", "2022-03-08 13:01", true, "2022-03-10 00:00", "2022-03-10"},
		// 12:59 in Los Angeles is 15:59 in New York: late for the Northeast.
		{npac.Northeast, "America/New_York", "2022-03-08 15:59", true, "2022-03-10 00:00", "2022-03-10"},
		{npac.Midwest, "America/Chicago", "2022-03-08 12:59", true, "2022-03-09 00:00", "2022-03-09"},
		{npac.Western, "America/Denver", "2022-03-08 13:01", true, "2022-03-10 00:00", "2022-03-10"},
		{npac.Canada, "America/Toronto", "2022-03-08 12:59", true, "2022-03-09 00:00", "2022-03-09"},
		// Non-simple: 4 business days, Tuesday → due Monday.
		{npac.Northeast, "America/New_York", "2022-03-08 12:59", false, "2022-03-12 00:00", "2022-03-14"},
		{npac.Northeast, "America/New_York", "2022-03-07 10:00", false, "2022-03-11 00:00", "2022-03-11"},
	} {
		received := at(t, c.zone, c.received)
		got := EarliestDue(received, c.simple, c.region, hol)
		want := at(t, c.zone, c.eligible)
		if !got.Equal(want) {
			t.Errorf("%s received %s %s simple=%t: EarliestDue = %s, want %s", c.region, c.received, c.zone, c.simple, got.In(want.Location()), want)
		}
		if d := EarliestDueDate(received, c.simple, c.region, hol); d != date(t, c.due) {
			t.Errorf("%s received %s: EarliestDueDate = %s, want %s", c.region, c.received, d, c.due)
		}
	}

	// The same instant, two regions.
	inst := at(t, "America/Los_Angeles", "2022-03-08 12:59")
	wc := EarliestDueDate(inst, true, npac.WestCoast, hol)
	ne := EarliestDueDate(inst, true, npac.Northeast, hol)
	if wc != date(t, "2022-03-09") || ne != date(t, "2022-03-10") {
		t.Errorf("same instant: WC %s NE %s", wc, ne)
	}
}

// US federal holidays from the OPM list: Thanksgiving 2021 (Thu Nov 25),
// Independence Day 2022 (Mon Jul 4) and 2021 (observed Mon Jul 5).
func TestHolidaysOPM(t *testing.T) {
	hol := opm(t)
	ny := func(s string) time.Time { return at(t, "America/New_York", s) }

	// Simple, received Wednesday before Thanksgiving: eligible Thursday
	// 00:00, but Thursday is a holiday, so due Friday.
	r := ny("2021-11-24 12:00")
	if got := EarliestDueDate(r, true, npac.Northeast, hol); got != date(t, "2021-11-26") {
		t.Errorf("Thanksgiving simple: %s", got)
	}
	err := CheckDue(ny("2021-11-25 00:00"), r, true, npac.Northeast, hol, r)
	wantCode(t, err, EDueDate)
	if !strings.Contains(npac.ErrorMessage(err), "Thanksgiving Day") {
		t.Errorf("message %q does not name the holiday", npac.ErrorMessage(err))
	}
	if err := CheckDue(ny("2021-11-26 00:00"), r, true, npac.Northeast, hol, r); err != nil {
		t.Errorf("Friday after Thanksgiving: %v", err)
	}
	// Non-simple from Monday skips Thursday: Tue, Wed, Fri → Monday 29th.
	if got := EarliestDueDate(ny("2021-11-22 10:00"), false, npac.Northeast, hol); got != date(t, "2021-11-29") {
		t.Errorf("Thanksgiving non-simple: %s", got)
	}

	// July 4 2022 is a Monday.
	r = ny("2022-07-01 12:00")
	if got := EarliestDueDate(r, true, npac.Northeast, hol); got != date(t, "2022-07-05") {
		t.Errorf("July 4 2022 on time: %s", got)
	}
	if got := EarliestDueDate(ny("2022-07-01 13:01"), true, npac.Northeast, hol); got != date(t, "2022-07-06") {
		t.Errorf("July 4 2022 late: %s", got)
	}
	err = CheckDue(ny("2022-07-04 00:00"), r, true, npac.Northeast, hol, r)
	wantCode(t, err, EDueDate)
	if !strings.Contains(npac.ErrorMessage(err), "Independence Day") {
		t.Errorf("message %q", npac.ErrorMessage(err))
	}
	// July 4 2021 was a Sunday, observed Monday July 5.
	r = ny("2021-07-01 09:00")
	wantCode(t, CheckDue(ny("2021-07-05 00:00"), r, true, npac.Northeast, hol, r), EDueDate)
	if err := CheckDue(ny("2021-07-06 00:00"), r, true, npac.Northeast, hol, r); err != nil {
		t.Errorf("July 6 2021: %v", err)
	}

	// Holidays come from the caller: the OPM file lacks 2021-12-31 (New
	// Year's Day 2022 observed; see its SOURCE.md), the rule-based list
	// has it.
	r = ny("2021-12-29 09:00")
	if err := CheckDue(ny("2021-12-31 00:00"), r, true, npac.Northeast, hol, r); err != nil {
		t.Errorf("OPM list: 2021-12-31 should be a business day: %v", err)
	}
	wantCode(t, CheckDue(ny("2021-12-31 00:00"), r, true, npac.Northeast, calendar.USFederal(), r), EDueDate)
}

// Daylight saving: the Friday before the March 2022 spring-forward (Sun
// Mar 13) and the November 2022 fall-back (Sun Nov 6).
func TestDST(t *testing.T) {
	hol := opm(t)
	utc := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	for _, c := range []struct {
		region   npac.Region
		zone     string
		received string
		simple   bool
		eligible string // UTC, showing the offset in force
		due      string
	}{
		// Before the cutoff on Friday: Saturday 00:00 EST (UTC-5).
		{npac.Northeast, "America/New_York", "2022-03-11 12:59", true, "2022-03-12T05:00:00Z", "2022-03-14"},
		// After it: day 1 is Monday; Tuesday 00:00 EDT (UTC-4).
		{npac.Northeast, "America/New_York", "2022-03-11 13:01", true, "2022-03-15T04:00:00Z", "2022-03-15"},
		// Non-simple across the change: Fri, Mon, Tue, Wed → Thursday 00:00 EDT.
		{npac.Northeast, "America/New_York", "2022-03-11 12:59", false, "2022-03-17T04:00:00Z", "2022-03-17"},
		// West Coast: 12:59 PST is 20:59 UTC.
		{npac.WestCoast, "America/Los_Angeles", "2022-03-11 12:59", true, "2022-03-12T08:00:00Z", "2022-03-14"},
		{npac.WestCoast, "America/Los_Angeles", "2022-03-11 13:01", true, "2022-03-15T07:00:00Z", "2022-03-15"},
		// Fall-back: Friday Nov 4 before the cutoff, Saturday 00:00 CDT (UTC-5).
		{npac.Midwest, "America/Chicago", "2022-11-04 12:30", true, "2022-11-05T05:00:00Z", "2022-11-07"},
		// After the cutoff: Mon, Tue, Wed, Thu → Friday Nov 11 00:00 CST
		// (UTC-6), which is Veterans Day, so due Monday Nov 14.
		{npac.Midwest, "America/Chicago", "2022-11-04 13:30", false, "2022-11-11T06:00:00Z", "2022-11-14"},
		// Received during the repeated hour on Sunday: counts from Monday.
		{npac.Midwest, "America/Chicago", "2022-11-06 01:30", true, "2022-11-08T06:00:00Z", "2022-11-08"},
	} {
		received := at(t, c.zone, c.received)
		got := EarliestDue(received, c.simple, c.region, hol)
		if !got.Equal(utc(c.eligible)) {
			t.Errorf("%s %s simple=%t: EarliestDue = %s, want %s", c.region, c.received, c.simple, got.UTC().Format(time.RFC3339), c.eligible)
		}
		if d := EarliestDueDate(received, c.simple, c.region, hol); d != date(t, c.due) {
			t.Errorf("%s %s: EarliestDueDate = %s, want %s", c.region, c.received, d, c.due)
		}
	}
}

func TestCheckDue(t *testing.T) {
	hol := opm(t)
	ny := func(s string) time.Time { return at(t, "America/New_York", s) }
	now := ny("2022-03-01 10:00") // Tuesday
	for _, c := range []struct {
		due    string
		simple bool
		ok     bool
	}{
		{"2022-03-02 00:00", true, true},   // next day
		{"2022-03-01 00:00", true, false},  // today: too soon
		{"2022-03-05 00:00", true, false},  // Saturday
		{"2022-03-06 12:00", true, false},  // Sunday
		{"2022-03-04 00:00", false, false}, // non-simple: Friday too soon
		{"2022-03-07 00:00", false, true},  // non-simple: Monday, 4 business days
		{"2022-03-31 00:00", false, true},  // 30 days out
		{"2022-04-01 00:00", false, false}, // 31 days out
		{"2022-03-31 23:59", false, true},  // the date counts, not the time
	} {
		err := CheckDue(ny(c.due), now, c.simple, npac.Northeast, hol, now)
		if (err == nil) != c.ok {
			t.Errorf("CheckDue(%s, simple=%t) = %v, want ok=%t", c.due, c.simple, err, c.ok)
		}
		if err != nil {
			wantCode(t, err, EDueDate)
		}
	}
	// A due date given in UTC is read in the region's zone: 2022-03-05
	// 06:00 UTC is Friday 22:00 in Los Angeles but Saturday 01:00 in New
	// York.
	la := at(t, "America/Los_Angeles", "2022-03-01 10:00")
	due := time.Date(2022, 3, 5, 6, 0, 0, 0, time.UTC)
	if err := CheckDue(due, la, true, npac.WestCoast, hol, la); err != nil {
		t.Errorf("Friday evening PT: %v", err)
	}
	wantCode(t, CheckDue(due, la, true, npac.Northeast, hol, la), EDueDate)
	wantCode(t, CheckDue(due, la, true, "XX", hol, la), npac.EINVALID)
	wantCode(t, CheckDue(time.Time{}, la, true, npac.WestCoast, hol, la), EDueDate)
}

func TestCancelAndFees(t *testing.T) {
	foc := at(t, "America/New_York", "2022-03-07 00:00")
	if err := CancelAllowed(foc.Add(-25*time.Hour), foc, 0); err != nil {
		t.Errorf("25 h before: %v", err)
	}
	if err := CancelAllowed(foc.Add(-24*time.Hour), foc, 0); err != nil {
		t.Errorf("exactly 24 h before: %v", err)
	}
	wantCode(t, CancelAllowed(foc.Add(-23*time.Hour), foc, 0), ECancelTooLate)
	wantCode(t, CancelAllowed(foc.Add(time.Hour), foc, 0), ECancelTooLate)
	wantCode(t, CancelAllowed(foc.Add(-71*time.Hour), foc, 72*time.Hour), ECancelTooLate)

	for _, c := range []struct {
		before time.Duration
		tier   string
	}{
		{72 * time.Hour, ">48h"}, {48*time.Hour + time.Second, ">48h"}, {48 * time.Hour, "24-48h"},
		{30 * time.Hour, "24-48h"}, {24 * time.Hour, "<24h"}, {time.Hour, "<24h"}, {-time.Hour, "<24h"},
	} {
		if got := FeeTier(foc.Add(-c.before), foc, nil); got.Name != c.tier {
			t.Errorf("%v before FOC: tier %s, want %s", c.before, got.Name, c.tier)
		}
	}
	custom := []Tier{{"free", 7 * 24 * time.Hour}, {"paid", 0}}
	if got := FeeTier(foc.Add(-8*24*time.Hour), foc, custom); got.Name != "free" {
		t.Errorf("custom: %s", got.Name)
	}
	if got := FeeTier(foc.Add(-time.Hour), foc, custom); got.Name != "paid" {
		t.Errorf("custom: %s", got.Name)
	}
}

func TestWindowsAndRules(t *testing.T) {
	t0 := time.Date(2022, 3, 1, 15, 0, 0, 0, time.UTC)
	if got := ApprovalDeadline(t0); !got.Equal(t0.Add(90 * time.Minute)) {
		t.Errorf("ApprovalDeadline %v", got)
	}
	if got := RejectionExpires(t0); !got.Equal(t0.AddDate(0, 0, 7)) {
		t.Errorf("RejectionExpires %v", got)
	}
	r := Rules{ApprovalWindow: time.Hour, RejectionExpiry: 48 * time.Hour, LSRCutoff: 17 * time.Hour, SimpleDays: 2}
	if got := r.ApprovalDeadline(t0); !got.Equal(t0.Add(time.Hour)) {
		t.Errorf("custom ApprovalDeadline %v", got)
	}
	if got := r.RejectionExpires(t0); !got.Equal(t0.Add(48 * time.Hour)) {
		t.Errorf("custom RejectionExpires %v", got)
	}
	recv := at(t, "America/New_York", "2022-03-01 16:00") // Tuesday, before a 17:00 cutoff
	if got := r.EarliestDueDate(recv, true, npac.Northeast); got != date(t, "2022-03-03") {
		t.Errorf("custom cutoff and 2-day simple interval: %s", got)
	}
	d := DefaultRules()
	if d.MaxTNs != 100 || d.CancelCutoff != 24*time.Hour || d.ApprovalWindow != 90*time.Minute ||
		d.RejectionExpiry != 7*24*time.Hour || d.LSRCutoff != 13*time.Hour || d.MaxDueDays != 30 ||
		d.SimpleDays != 1 || d.NonSimpleDays != 4 || len(d.FeeTiers) != 3 || d.Holidays == nil {
		t.Errorf("DefaultRules = %+v", d)
	}
	if (Rules{}).norm().MaxTNs != 100 {
		t.Error("zero Rules do not default")
	}
}
