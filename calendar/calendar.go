// Package calendar computes business-hour deadlines for OpenNPAC timers.
//
// NPAC timers such as "T1 = 9 business hours" expire at an absolute instant
// found by counting only business hours: the hours between a daily Start and
// End clock time in a region's time zone, on weekdays that are not holidays.
// A Calendar does that counting; Holidays supplies the non-business weekdays,
// either computed by rule (USFederal) or read from a list (List, ReadCSV).
//
// All day arithmetic is done on civil dates and each day's business hours are
// resolved with time.Date in the calendar's location, so results stay correct
// across daylight-saving changes, including days that are 23 or 25 hours long.
package calendar

import (
	"errors"
	"fmt"
	"time"
)

// Date is a civil date without time zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the civil date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// String returns d in the form "2006-01-02".
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// ParseDate parses a date in the form "2006-01-02".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("calendar: invalid date %q: %w", s, err)
	}
	return DateOf(t), nil
}

// noon returns d at 12:00 UTC; it is used for weekday and day arithmetic,
// which in UTC is free of daylight-saving effects. It also normalises dates
// such as January 32.
func (d Date) noon() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC)
}

func (d Date) weekday() time.Weekday { return d.noon().Weekday() }

func (d Date) addDays(n int) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC))
}

func (d Date) before(e Date) bool {
	if d.Year != e.Year {
		return d.Year < e.Year
	}
	if d.Month != e.Month {
		return d.Month < e.Month
	}
	return d.Day < e.Day
}

// maxNonBusinessDays bounds the search for a business day, so that a
// Holidays that marks every day as a holiday makes the calendar panic
// instead of looping forever.
const maxNonBusinessDays = 20 * 366

// Calendar counts business hours in one time zone.
//
// Business hours run from Start to End (local clock time) on every business
// day: Monday to Friday, unless Holidays reports the day as a holiday. The
// business interval of a day is half-open, [Start, End).
type Calendar struct {
	// Location is the time zone in which Start, End and dates are read.
	Location *time.Location
	// Start and End are offsets from local midnight of each business day,
	// e.g. 8h and 17h; 0 <= Start < End <= 24h.
	Start, End time.Duration
	// Holidays are the non-business weekdays; it may be nil, in which case
	// only weekends are non-business days.
	Holidays Holidays
	// Weekends makes Saturday and Sunday business days too (holidays still
	// are not): a seven-day calendar for round-the-clock operations.
	Weekends bool
}

// New returns a Calendar for loc with business hours from start to end on
// every business day. It reports an error if loc is nil or unless
// 0 <= start < end <= 24h. h may be nil (weekends only).
func New(loc *time.Location, start, end time.Duration, h Holidays) (*Calendar, error) {
	switch {
	case loc == nil:
		return nil, errors.New("calendar: nil location")
	case start < 0:
		return nil, fmt.Errorf("calendar: start %v is negative", start)
	case end > 24*time.Hour:
		return nil, fmt.Errorf("calendar: end %v is after 24h", end)
	case start >= end:
		return nil, fmt.Errorf("calendar: start %v is not before end %v", start, end)
	}
	return &Calendar{Location: loc, Start: start, End: end, Holidays: h}, nil
}

// IsBusinessDay reports whether d is a business day: Monday to Friday (or
// any day, with Weekends) and not a holiday.
func (c *Calendar) IsBusinessDay(d Date) bool {
	switch d.weekday() {
	case time.Saturday, time.Sunday:
		if !c.Weekends {
			return false
		}
	}
	if c.Holidays == nil {
		return true
	}
	_, holiday := c.Holidays.Holiday(d)
	return !holiday
}

// PrevBusinessDay returns the latest business day strictly before d.
// It panics if there is none within twenty years.
func (c *Calendar) PrevBusinessDay(d Date) Date {
	return c.stepBusinessDay(d, -1)
}

// NextBusinessDay returns the earliest business day strictly after d.
// It panics if there is none within twenty years.
func (c *Calendar) NextBusinessDay(d Date) Date {
	return c.stepBusinessDay(d, +1)
}

func (c *Calendar) stepBusinessDay(d Date, step int) Date {
	for range maxNonBusinessDays {
		d = d.addDays(step)
		if c.IsBusinessDay(d) {
			return d
		}
	}
	panic(fmt.Sprintf("calendar: no business day within %d days of %v", maxNonBusinessDays, d))
}

// At returns the instant of local clock time off (an offset from midnight,
// which may be 24h for the following midnight) on date d in c.Location.
// As with time.Date, a clock time skipped or repeated by a daylight-saving
// change resolves to one of the instants around it.
func (c *Calendar) At(d Date, off time.Duration) time.Time {
	h := off / time.Hour
	off -= h * time.Hour
	m := off / time.Minute
	off -= m * time.Minute
	s := off / time.Second
	off -= s * time.Second
	return time.Date(d.Year, d.Month, d.Day, int(h), int(m), int(s), int(off), c.Location)
}

// hours returns the business interval [start, end) of business day d.
// The interval may be empty if a daylight-saving change swallows it.
func (c *Calendar) hours(d Date) (start, end time.Time) {
	return c.At(d, c.Start), c.At(d, c.End)
}

// Add returns the instant when d business hours have elapsed after t.
//
// If t is outside business hours, counting starts at the next business-day
// Start. If d == 0, Add returns t unchanged when t is within business hours
// and the next Start otherwise. When the count is used up exactly at the end
// of a business day, Add returns that day's End rather than the next Start.
// A negative d is treated as 0. The result is in t's location.
//
// Add counts whole business days at a time, so its cost grows with the
// number of days spanned, not with d's resolution.
func (c *Calendar) Add(t time.Time, d time.Duration) time.Time {
	d = max(d, 0)
	cur := t.In(c.Location)
	day := DateOf(cur)
	if !c.IsBusinessDay(day) {
		day = c.NextBusinessDay(day)
		cur = c.At(day, c.Start)
	}
	// empty counts consecutive business days without business hours (a
	// Calendar built without New with Start >= End has only such days); it
	// guards against looping forever.
	for empty := 0; empty < maxNonBusinessDays; empty++ {
		start, end := c.hours(day)
		if cur.Before(start) {
			cur = start
		}
		if cur.Before(end) {
			left := end.Sub(cur)
			if d <= left {
				if d == 0 && cur.Equal(t) {
					return t
				}
				return cur.Add(d).In(t.Location())
			}
			d -= left
			empty = -1
		}
		day = c.NextBusinessDay(day)
		cur = c.At(day, c.Start)
	}
	panic(fmt.Sprintf("calendar: no business hours within %d business days after %v", maxNonBusinessDays, t))
}

// Between returns the business time elapsed from a to b: the total length
// of business hours within [a, b). It returns 0 if b is not after a.
// Between(t, c.Add(t, d)) == d for any t and d >= 0.
func (c *Calendar) Between(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	last := DateOf(b.In(c.Location))
	var total time.Duration
	for day := DateOf(a.In(c.Location)); !last.before(day); day = day.addDays(1) {
		if !c.IsBusinessDay(day) {
			continue
		}
		start, end := c.hours(day)
		if start.Before(a) {
			start = a
		}
		if end.After(b) {
			end = b
		}
		if end.After(start) {
			total += end.Sub(start)
		}
	}
	return total
}
