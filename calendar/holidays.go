package calendar

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Holidays is a set of non-business days other than weekends.
type Holidays interface {
	// Holiday reports whether d is a holiday and, if so, its name.
	Holiday(d Date) (name string, ok bool)
}

// USFederal returns the US federal holidays computed by rule for any year,
// as observed by the federal government (5 U.S.C. 6103 and Executive Order
// 11582):
//
//   - New Year's Day, January 1
//   - Birthday of Martin Luther King, Jr., third Monday in January, from 1986
//   - Washington's Birthday, third Monday in February
//   - Memorial Day, last Monday in May
//   - Juneteenth National Independence Day, June 19, from 2021
//   - Independence Day, July 4
//   - Labor Day, first Monday in September
//   - Columbus Day, second Monday in October
//   - Veterans Day, November 11
//   - Thanksgiving Day, fourth Thursday in November
//   - Christmas Day, December 25
//
// A fixed-date holiday that falls on a Saturday is observed the Friday
// before, which may be in the previous year (January 1, 2022 is a Saturday,
// so December 31, 2021 is a holiday); one that falls on a Sunday is observed
// the Monday after. Holiday reports the observed day, under the holiday's
// name; the Saturday or Sunday itself is not reported.
//
// The current rules are applied to every year, except for the start years
// of Martin Luther King Jr. Day and Juneteenth; earlier rules (such as
// Veterans Day on the fourth Monday of October in 1971–1977) are not
// modelled. One-off closures by executive order and Inauguration Day, a
// holiday only in the Washington, DC area, are not included.
func USFederal() Holidays { return usFederal{} }

type usFederal struct{}

// fixedHoliday is a holiday on the same month and day every year.
type fixedHoliday struct {
	month time.Month
	day   int
	from  int // first year, or 0
	name  string
}

// weekdayHoliday is a holiday on the nth given weekday of a month; n == -1
// means the last one.
type weekdayHoliday struct {
	month   time.Month
	weekday time.Weekday
	n       int
	from    int // first year, or 0
	name    string
}

var usFixed = []fixedHoliday{
	{time.January, 1, 0, "New Year's Day"},
	{time.June, 19, 2021, "Juneteenth National Independence Day"},
	{time.July, 4, 0, "Independence Day"},
	{time.November, 11, 0, "Veterans Day"},
	{time.December, 25, 0, "Christmas Day"},
}

var usWeekday = []weekdayHoliday{
	{time.January, time.Monday, 3, 1986, "Birthday of Martin Luther King, Jr."},
	{time.February, time.Monday, 3, 0, "Washington's Birthday"},
	{time.May, time.Monday, -1, 0, "Memorial Day"},
	{time.September, time.Monday, 1, 0, "Labor Day"},
	{time.October, time.Monday, 2, 0, "Columbus Day"},
	{time.November, time.Thursday, 4, 0, "Thanksgiving Day"},
}

func (usFederal) Holiday(d Date) (string, bool) {
	n := d.noon()
	d = DateOf(n) // normalise
	wd := n.Weekday()

	// The fixed-date holiday observed on d, if any, falls on d itself on a
	// weekday, on the next day if d is a Friday (the holiday is a Saturday)
	// or on the previous day if d is a Monday (the holiday is a Sunday).
	var actual Date
	switch wd {
	case time.Saturday, time.Sunday:
		return "", false
	case time.Friday:
		actual = d.addDays(1)
	case time.Monday:
		actual = d.addDays(-1)
	}
	for _, h := range usFixed {
		if d.Year >= h.from && d.Month == h.month && d.Day == h.day {
			return h.name, true
		}
		if actual != (Date{}) && actual.Year >= h.from && actual.Month == h.month && actual.Day == h.day {
			return h.name, true
		}
	}

	for _, h := range usWeekday {
		if d.Year < h.from || d.Month != h.month || wd != h.weekday {
			continue
		}
		if h.n > 0 && (d.Day-1)/7+1 == h.n {
			return h.name, true
		}
		if h.n < 0 && d.addDays(7).Month != d.Month {
			return h.name, true
		}
	}
	return "", false
}

// List is a Holidays built from explicit dates, mapping each holiday to its
// name.
type List map[Date]string

// Holiday reports whether d is in l and, if so, its name.
func (l List) Holiday(d Date) (string, bool) {
	name, ok := l[d]
	return name, ok
}

// ReadCSV reads a List from CSV rows of the form "date,name", with dates
// in the form 2006-01-02. Names may be quoted and contain commas. An
// optional first line "date,holiday" or "date,name" is a header and is
// skipped; blank lines are ignored. If a date appears on more than one row,
// its distinct names are joined with "; ".
//
// A malformed row (wrong number of fields, invalid date or empty name) is an
// error naming its line number.
func ReadCSV(r io.Reader) (List, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // checked below, with the line number
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	l := List{}
	for first := true; ; first = false {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return l, nil
		}
		if err != nil {
			return nil, fmt.Errorf("calendar: reading holidays: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if first && len(rec) == 2 {
			head := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(rec[0], "\ufeff")))
			col := strings.ToLower(strings.TrimSpace(rec[1]))
			if head == "date" && (col == "holiday" || col == "name") {
				continue
			}
		}
		if len(rec) != 2 {
			return nil, fmt.Errorf("calendar: holidays line %d: got %d fields, want 2 (date,name)", line, len(rec))
		}
		date := strings.TrimSpace(rec[0])
		if first {
			date = strings.TrimPrefix(date, "\ufeff")
		}
		d, err := ParseDate(date)
		if err != nil {
			return nil, fmt.Errorf("calendar: holidays line %d: invalid date %q", line, date)
		}
		name := strings.TrimSpace(rec[1])
		if name == "" {
			return nil, fmt.Errorf("calendar: holidays line %d: empty name for %v", line, d)
		}
		switch prev, ok := l[d]; {
		case !ok:
			l[d] = name
		case !containsName(prev, name):
			l[d] = prev + "; " + name
		}
	}
}

func containsName(names, name string) bool {
	for n := range strings.SplitSeq(names, "; ") {
		if n == name {
			return true
		}
	}
	return false
}
