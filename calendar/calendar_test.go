package calendar_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the tests need America/New_York, America/Chicago and Asia/Tehran

	"github.com/opennpac/npac/calendar"
)

func loadLocation(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func newCalendar(t *testing.T, loc *time.Location, start, end time.Duration, h calendar.Holidays) *calendar.Calendar {
	t.Helper()
	c, err := calendar.New(loc, start, end, h)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// nyCalendar is the calendar most tests use: 8:00–17:00 America/New_York,
// US federal holidays.
func nyCalendar(t *testing.T) (*calendar.Calendar, func(y int, m time.Month, d, h, min int) time.Time) {
	t.Helper()
	ny := loadLocation(t, "America/New_York")
	at := func(y int, m time.Month, d, h, min int) time.Time {
		return time.Date(y, m, d, h, min, 0, 0, ny)
	}
	return newCalendar(t, ny, 8*time.Hour, 17*time.Hour, calendar.USFederal()), at
}

const timeFormat = "2006-01-02 15:04:05 MST Mon"

func TestDate(t *testing.T) {
	ny := loadLocation(t, "America/New_York")
	utc := time.Date(2026, time.March, 10, 2, 30, 0, 0, time.UTC)
	if got, want := calendar.DateOf(utc), (calendar.Date{Year: 2026, Month: time.March, Day: 10}); got != want {
		t.Errorf("DateOf(%v) = %v, want %v", utc, got, want)
	}
	if got, want := calendar.DateOf(utc.In(ny)), (calendar.Date{Year: 2026, Month: time.March, Day: 9}); got != want {
		t.Errorf("DateOf(%v) = %v, want %v", utc.In(ny), got, want)
	}

	for _, tt := range []struct {
		d    calendar.Date
		want string
	}{
		{calendar.Date{Year: 2026, Month: time.March, Day: 9}, "2026-03-09"},
		{calendar.Date{Year: 2026, Month: time.December, Day: 31}, "2026-12-31"},
		{calendar.Date{Year: 12, Month: time.January, Day: 2}, "0012-01-02"},
	} {
		t.Run("String "+tt.want, func(t *testing.T) {
			if got := tt.d.String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}

	for _, tt := range []struct {
		in      string
		want    calendar.Date
		wantErr bool
	}{
		{in: "2026-03-09", want: calendar.Date{Year: 2026, Month: time.March, Day: 9}},
		{in: "2024-02-29", want: calendar.Date{Year: 2024, Month: time.February, Day: 29}},
		{in: "2026-02-29", wantErr: true},
		{in: "2026-3-09", wantErr: true},
		{in: "2026-03-09T00:00:00Z", wantErr: true},
		{in: "03/09/2026", wantErr: true},
		{in: "", wantErr: true},
	} {
		t.Run("ParseDate "+tt.in, func(t *testing.T) {
			got, err := calendar.ParseDate(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Errorf("got %v, nil; want error", got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %v, %v; want %v, nil", got, err, tt.want)
			}
			if got.String() != tt.in {
				t.Errorf("got String %q, want %q", got.String(), tt.in)
			}
		})
	}
}

func TestNew(t *testing.T) {
	ny := loadLocation(t, "America/New_York")
	tests := []struct {
		name       string
		loc        *time.Location
		start, end time.Duration
		wantErr    bool
	}{
		{"8 to 17", ny, 8 * time.Hour, 17 * time.Hour, false},
		{"whole day", ny, 0, 24 * time.Hour, false},
		{"nil location", nil, 8 * time.Hour, 17 * time.Hour, true},
		{"negative start", ny, -time.Hour, 17 * time.Hour, true},
		{"empty", ny, 8 * time.Hour, 8 * time.Hour, true},
		{"reversed", ny, 17 * time.Hour, 8 * time.Hour, true},
		{"end after midnight", ny, 8 * time.Hour, 24*time.Hour + time.Nanosecond, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := calendar.New(tt.loc, tt.start, tt.end, nil)
			if tt.wantErr {
				if err == nil {
					t.Errorf("got %+v, nil; want error", c)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			if c.Location != tt.loc || c.Start != tt.start || c.End != tt.end || c.Holidays != nil {
				t.Errorf("got %+v, want fields %v, %v, %v, nil", c, tt.loc, tt.start, tt.end)
			}
		})
	}
}

func TestBusinessDays(t *testing.T) {
	c, _ := nyCalendar(t)
	weekendsOnly := newCalendar(t, c.Location, c.Start, c.End, nil)
	d := func(y int, m time.Month, day int) calendar.Date { return calendar.Date{Year: y, Month: m, Day: day} }

	for _, tt := range []struct {
		cal  *calendar.Calendar
		d    calendar.Date
		want bool
	}{
		{c, d(2026, time.November, 25), true},  // Wednesday
		{c, d(2026, time.November, 26), false}, // Thanksgiving
		{weekendsOnly, d(2026, time.November, 26), true},
		{c, d(2026, time.November, 27), true},  // Friday
		{c, d(2026, time.November, 28), false}, // Saturday
		{c, d(2026, time.November, 29), false}, // Sunday
		{weekendsOnly, d(2026, time.November, 29), false},
		{c, d(2021, time.December, 31), false}, // New Year's Day 2022 observed
	} {
		t.Run(fmt.Sprintf("IsBusinessDay %v", tt.d), func(t *testing.T) {
			if got := tt.cal.IsBusinessDay(tt.d); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}

	for _, tt := range []struct {
		name     string
		cal      *calendar.Calendar
		from     calendar.Date
		wantNext calendar.Date
		wantPrev calendar.Date
	}{
		{"midweek", c, d(2026, time.March, 11), d(2026, time.March, 12), d(2026, time.March, 10)},
		{"Friday", c, d(2026, time.March, 13), d(2026, time.March, 16), d(2026, time.March, 12)},
		{"Monday", c, d(2026, time.March, 16), d(2026, time.March, 17), d(2026, time.March, 13)},
		{"Saturday", c, d(2026, time.March, 14), d(2026, time.March, 16), d(2026, time.March, 13)},
		{"Sunday", c, d(2026, time.March, 15), d(2026, time.March, 16), d(2026, time.March, 13)},
		{"before Thanksgiving", c, d(2026, time.November, 25), d(2026, time.November, 27), d(2026, time.November, 24)},
		{"Thanksgiving", c, d(2026, time.November, 26), d(2026, time.November, 27), d(2026, time.November, 25)},
		{"after Thanksgiving", c, d(2026, time.November, 27), d(2026, time.November, 30), d(2026, time.November, 25)},
		{"Thanksgiving weekends only", weekendsOnly, d(2026, time.November, 25), d(2026, time.November, 26), d(2026, time.November, 24)},
		{"year end", c, d(2021, time.December, 30), d(2022, time.January, 3), d(2021, time.December, 29)},
		{"year start", c, d(2022, time.January, 3), d(2022, time.January, 4), d(2021, time.December, 30)},
		{"MLK weekend", c, d(2026, time.January, 16), d(2026, time.January, 20), d(2026, time.January, 15)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.cal.NextBusinessDay(tt.from); got != tt.wantNext {
				t.Errorf("NextBusinessDay(%v): got %v, want %v", tt.from, got, tt.wantNext)
			}
			if got := tt.cal.PrevBusinessDay(tt.from); got != tt.wantPrev {
				t.Errorf("PrevBusinessDay(%v): got %v, want %v", tt.from, got, tt.wantPrev)
			}
		})
	}
}

// everyDay is a Holidays with no business days at all.
type everyDay struct{}

func (everyDay) Holiday(calendar.Date) (string, bool) { return "closed", true }

func TestNoBusinessDayPanics(t *testing.T) {
	c := newCalendar(t, time.UTC, 8*time.Hour, 17*time.Hour, everyDay{})
	for name, f := range map[string]func(){
		"NextBusinessDay": func() { c.NextBusinessDay(calendar.Date{Year: 2026, Month: time.January, Day: 1}) },
		"PrevBusinessDay": func() { c.PrevBusinessDay(calendar.Date{Year: 2026, Month: time.January, Day: 1}) },
		"Add":             func() { c.Add(time.Date(2026, time.January, 1, 9, 0, 0, 0, time.UTC), time.Hour) },
		"Add with Start > End": func() {
			// Not valid for New, but the fields are exported.
			bad := &calendar.Calendar{Location: time.UTC, Start: 17 * time.Hour, End: 8 * time.Hour}
			bad.Add(time.Date(2026, time.January, 1, 9, 0, 0, 0, time.UTC), time.Hour)
		},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "no business") {
					t.Errorf("got panic %v, want \"no business …\"", r)
				}
			}()
			f()
		})
	}
}

func TestAt(t *testing.T) {
	c, at := nyCalendar(t)
	tests := []struct {
		d    calendar.Date
		off  time.Duration
		want time.Time
	}{
		{calendar.Date{Year: 2026, Month: time.March, Day: 6}, 8 * time.Hour, time.Date(2026, time.March, 6, 13, 0, 0, 0, time.UTC)},
		{calendar.Date{Year: 2026, Month: time.March, Day: 9}, 8 * time.Hour, time.Date(2026, time.March, 9, 12, 0, 0, 0, time.UTC)},
		{calendar.Date{Year: 2026, Month: time.November, Day: 1}, 17 * time.Hour, time.Date(2026, time.November, 1, 22, 0, 0, 0, time.UTC)},
		{calendar.Date{Year: 2026, Month: time.March, Day: 8}, 12*time.Hour + 34*time.Minute + 56*time.Second + 789, at(2026, time.March, 8, 12, 34).Add(56*time.Second + 789)},
		{calendar.Date{Year: 2026, Month: time.December, Day: 31}, 24 * time.Hour, at(2027, time.January, 1, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v+%v", tt.d, tt.off), func(t *testing.T) {
			got := c.At(tt.d, tt.off)
			if !got.Equal(tt.want) {
				t.Errorf("got %v, want %v", got.Format(timeFormat), tt.want.Format(timeFormat))
			}
			if got.Location() != c.Location {
				t.Errorf("got location %v, want %v", got.Location(), c.Location)
			}
		})
	}
}

type addCase struct {
	name string
	t    time.Time
	d    time.Duration
	want time.Time
}

func nyAddCases(t *testing.T) []addCase {
	_, at := nyCalendar(t)
	h := time.Hour
	return []addCase{
		{"within one day", at(2026, time.March, 10, 9, 0), 3 * h, at(2026, time.March, 10, 12, 0)},
		{"to the minute", at(2026, time.March, 10, 9, 17), 2*h + 29*time.Minute, at(2026, time.March, 10, 11, 46)},
		{"exactly to End", at(2026, time.March, 10, 8, 0), 9 * h, at(2026, time.March, 10, 17, 0)},
		{"crossing end of day", at(2026, time.March, 10, 15, 0), 3 * h, at(2026, time.March, 11, 9, 0)},
		{"before Start", at(2026, time.March, 10, 6, 30), 2 * h, at(2026, time.March, 10, 10, 0)},
		{"at midnight", at(2026, time.March, 10, 0, 0), 2 * h, at(2026, time.March, 10, 10, 0)},
		{"after End", at(2026, time.March, 10, 19, 0), 2 * h, at(2026, time.March, 11, 10, 0)},
		{"at End", at(2026, time.March, 10, 17, 0), 2 * h, at(2026, time.March, 11, 10, 0)},
		{"on a Saturday", at(2026, time.March, 14, 10, 0), h + 30*time.Minute, at(2026, time.March, 16, 9, 30)},
		{"Friday after End", at(2026, time.March, 13, 18, 0), h, at(2026, time.March, 16, 9, 0)},
		{"spanning a weekend", at(2026, time.January, 9, 15, 0), 9 * h, at(2026, time.January, 12, 15, 0)},
		{"spanning a holiday", at(2026, time.November, 25, 15, 0), 9 * h, at(2026, time.November, 27, 15, 0)},
		{"spanning a holiday and a weekend", at(2026, time.November, 25, 15, 0), 18 * h, at(2026, time.November, 30, 15, 0)},
		{"Monday holiday", at(2026, time.January, 16, 15, 0), 9 * h, at(2026, time.January, 20, 15, 0)},
		{"observed on Friday in the previous year", at(2021, time.December, 30, 15, 0), 9 * h, at(2022, time.January, 3, 15, 0)},
		// 2026-03-08: clocks go forward an hour; the weekend is 71 hours long.
		{"DST starts", at(2026, time.March, 6, 15, 0), 9 * h, at(2026, time.March, 9, 15, 0)},
		// 2026-11-01: clocks go back an hour; the weekend is 73 hours long.
		{"DST ends", at(2026, time.October, 30, 15, 0), 9 * h, at(2026, time.November, 2, 15, 0)},
		// Thu 5h, Fri 9h, Mon 9h, Tue 7h.
		{"DST starts, longer", at(2026, time.March, 5, 12, 0), 30 * h, at(2026, time.March, 10, 15, 0)},
		// Wed 6/10 7h, Thu 9h, Fri 9h, Mon–Thu 36h, Fri 6/19 Juneteenth,
		// Mon–Wed 27h: 88h; Thu 6/25 2h more.
		{"90 hours", at(2026, time.June, 10, 10, 0), 90 * h, at(2026, time.June, 25, 10, 0)},
		// 2026 has 250 business days: 261 weekdays less 11 holidays, all
		// observed on weekdays (Independence Day on Friday 7/3). January 1
		// is one of them.
		{"one year", at(2026, time.January, 2, 8, 0), 250 * 9 * h, at(2026, time.December, 31, 17, 0)},
	}
}

func TestAdd(t *testing.T) {
	c, at := nyCalendar(t)
	cases := append(nyAddCases(t),
		addCase{"zero within hours", at(2026, time.March, 10, 9, 15), 0, at(2026, time.March, 10, 9, 15)},
		addCase{"zero at Start", at(2026, time.March, 10, 8, 0), 0, at(2026, time.March, 10, 8, 0)},
		addCase{"zero before Start", at(2026, time.March, 10, 7, 59), 0, at(2026, time.March, 10, 8, 0)},
		addCase{"zero at End", at(2026, time.March, 10, 17, 0), 0, at(2026, time.March, 11, 8, 0)},
		addCase{"zero on a Saturday", at(2026, time.March, 14, 12, 0), 0, at(2026, time.March, 16, 8, 0)},
		addCase{"zero on a holiday", at(2026, time.November, 26, 12, 0), 0, at(2026, time.November, 27, 8, 0)},
		addCase{"negative", at(2026, time.March, 10, 9, 15), -time.Hour, at(2026, time.March, 10, 9, 15)},
	)
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			got := c.Add(tt.t, tt.d)
			if !got.Equal(tt.want) {
				t.Errorf("Add(%v, %v): got %v, want %v", tt.t.Format(timeFormat), tt.d, got.Format(timeFormat), tt.want.Format(timeFormat))
			}
			if got.Location() != tt.t.Location() {
				t.Errorf("got location %v, want %v", got.Location(), tt.t.Location())
			}
		})
	}

	t.Run("result in input location", func(t *testing.T) {
		in := time.Date(2026, time.March, 13, 20, 0, 0, 0, time.UTC)   // Fri 16:00 EDT
		want := time.Date(2026, time.March, 16, 13, 0, 0, 0, time.UTC) // Mon 9:00 EDT
		got := c.Add(in, 2*time.Hour)
		if !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	t.Run("zero returns t unchanged", func(t *testing.T) {
		in := time.Date(2026, time.March, 10, 13, 15, 0, 0, time.UTC) // Tue 9:15 EDT
		if got := c.Add(in, 0); got != in {
			t.Errorf("got %v, want %v unchanged", got, in)
		}
	})
}

func TestBetween(t *testing.T) {
	c, at := nyCalendar(t)
	h := time.Hour
	tests := []struct {
		name string
		a, b time.Time
		want time.Duration
	}{
		{"same day", at(2026, time.March, 10, 9, 0), at(2026, time.March, 10, 12, 30), 3*h + 30*time.Minute},
		{"equal", at(2026, time.March, 10, 9, 0), at(2026, time.March, 10, 9, 0), 0},
		{"reversed", at(2026, time.March, 10, 12, 0), at(2026, time.March, 10, 9, 0), 0},
		{"outside hours", at(2026, time.March, 10, 17, 0), at(2026, time.March, 11, 8, 0), 0},
		{"whole day", at(2026, time.March, 10, 0, 0), at(2026, time.March, 11, 0, 0), 9 * h},
		{"weekend", at(2026, time.March, 13, 15, 0), at(2026, time.March, 16, 15, 0), 9 * h},
		{"Saturday only", at(2026, time.March, 14, 0, 0), at(2026, time.March, 15, 0, 0), 0},
		{"holiday", at(2026, time.November, 25, 15, 0), at(2026, time.November, 27, 15, 0), 9 * h},
		{"DST starts", at(2026, time.March, 6, 15, 0), at(2026, time.March, 9, 15, 0), 9 * h},
		{"DST ends", at(2026, time.October, 30, 15, 0), at(2026, time.November, 2, 15, 0), 9 * h},
		{"mixed locations", time.Date(2026, time.March, 13, 20, 0, 0, 0, time.UTC), at(2026, time.March, 16, 9, 0), 2 * h},
		{"2026", at(2026, time.January, 1, 0, 0), at(2027, time.January, 1, 0, 0), 250 * 9 * h},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.Between(tt.a, tt.b); got != tt.want {
				t.Errorf("Between(%v, %v): got %v, want %v", tt.a.Format(timeFormat), tt.b.Format(timeFormat), got, tt.want)
			}
		})
	}
}

// TestBetweenInvertsAdd checks Between(t, Add(t, d)) == d for the Add
// cases, and Add(a, Between(a, b)) == b for the Between cases whose b is
// within business hours.
func TestBetweenInvertsAdd(t *testing.T) {
	c, at := nyCalendar(t)
	for _, tt := range nyAddCases(t) {
		t.Run(tt.name, func(t *testing.T) {
			end := c.Add(tt.t, tt.d)
			if got := c.Between(tt.t, end); got != tt.d {
				t.Errorf("Between(%v, Add(…, %v) = %v): got %v, want %v",
					tt.t.Format(timeFormat), tt.d, end.Format(timeFormat), got, tt.d)
			}
		})
	}
	for _, tt := range []struct{ a, b time.Time }{
		{at(2026, time.March, 10, 9, 0), at(2026, time.March, 10, 12, 30)},
		{at(2026, time.March, 13, 15, 0), at(2026, time.March, 16, 15, 0)},
		{at(2026, time.March, 13, 3, 0), at(2026, time.March, 20, 16, 59)},
		{at(2026, time.November, 25, 15, 0), at(2026, time.November, 27, 15, 0)},
		{at(2026, time.October, 30, 15, 0), at(2026, time.November, 2, 15, 0)},
		{at(2026, time.December, 24, 22, 0), at(2027, time.January, 4, 8, 1)},
	} {
		t.Run(tt.a.Format(timeFormat), func(t *testing.T) {
			d := c.Between(tt.a, tt.b)
			if got := c.Add(tt.a, d); !got.Equal(tt.b) {
				t.Errorf("Add(%v, Between = %v): got %v, want %v",
					tt.a.Format(timeFormat), d, got.Format(timeFormat), tt.b.Format(timeFormat))
			}
		})
	}
}

// TestDSTInBusinessHours uses Asia/Tehran in 2022, where clocks changed at
// midnight on weekdays, with round-the-clock business hours: Tuesday
// 2022-03-22 was 23 hours long and Wednesday 2022-09-21 25 hours long.
func TestDSTInBusinessHours(t *testing.T) {
	tehran := loadLocation(t, "Asia/Tehran")
	c := newCalendar(t, tehran, 0, 24*time.Hour, nil)
	at := func(m time.Month, d, h int) time.Time { return time.Date(2022, m, d, h, 0, 0, 0, tehran) }
	h := time.Hour
	for _, tt := range []struct {
		name string
		t    time.Time
		d    time.Duration
		want time.Time
	}{
		// Mon 12h + Tue 23h = 35h; 1h more on Wednesday.
		{"short day", at(time.March, 21, 12), 36 * h, at(time.March, 23, 1)},
		{"whole short day", at(time.March, 21, 0), 47 * h, at(time.March, 23, 0)},
		// Tue 12h + Wed 25h = 37h; 1h more on Thursday.
		{"long day", at(time.September, 20, 12), 38 * h, at(time.September, 22, 1)},
		{"whole long day", at(time.September, 21, 0), 25 * h, at(time.September, 22, 0)},
		// 24h30m after Wed 00:00 +0430 is the second 23:30 of Wednesday, +0330.
		{"into the repeated hour", at(time.September, 21, 0), 24*h + 30*time.Minute, time.Date(2022, time.September, 21, 20, 0, 0, 0, time.UTC)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := c.Add(tt.t, tt.d)
			if !got.Equal(tt.want) {
				t.Errorf("Add(%v, %v): got %v, want %v", tt.t.Format(timeFormat), tt.d, got.Format(timeFormat), tt.want.Format(timeFormat))
			}
			if between := c.Between(tt.t, got); between != tt.d {
				t.Errorf("Between: got %v, want %v", between, tt.d)
			}
		})
	}
}

// TestAddMatchesBruteForce compares Add and Between with a reference that
// walks time in 15-minute steps and asks, for each step, whether its local
// wall clock is within business hours.
func TestAddMatchesBruteForce(t *testing.T) {
	const step = 15 * time.Minute
	ny := loadLocation(t, "America/New_York")
	tehran := loadLocation(t, "Asia/Tehran")
	tests := []struct {
		name  string
		cal   *calendar.Calendar
		first time.Time // of the range of start times, aligned to step
		days  int
	}{
		{"New York 8-17", newCalendar(t, ny, 8*time.Hour, 17*time.Hour, calendar.USFederal()),
			time.Date(2026, time.January, 1, 0, 0, 0, 0, ny), 365},
		{"New York 9:30-16:15", newCalendar(t, ny, 9*time.Hour+30*time.Minute, 16*time.Hour+15*time.Minute, calendar.USFederal()),
			time.Date(2021, time.December, 1, 0, 0, 0, 0, ny), 120},
		{"Tehran 0-24", newCalendar(t, tehran, 0, 24*time.Hour, nil),
			time.Date(2022, time.March, 1, 0, 0, 0, 0, tehran), 240},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.cal
			inHours := func(x time.Time) bool {
				l := x.In(c.Location)
				if !c.IsBusinessDay(calendar.DateOf(l)) {
					return false
				}
				clock := time.Duration(l.Hour())*time.Hour + time.Duration(l.Minute())*time.Minute
				return clock >= c.Start && clock < c.End
			}
			rng := rand.New(rand.NewPCG(1, 2))
			random := func() time.Time {
				return tt.first.Add(time.Duration(rng.IntN(tt.days*24*4)) * step)
			}
			for i := range 150 {
				start := random()
				d := time.Duration(1+rng.IntN(60*4)) * step
				want := start
				for left := d; left > 0; want = want.Add(step) {
					if inHours(want) {
						left -= step
					}
				}
				if got := c.Add(start, d); !got.Equal(want) {
					t.Errorf("case %d: Add(%v, %v): got %v, want %v", i, start.Format(timeFormat), d, got.Format(timeFormat), want.Format(timeFormat))
				}

				a := random()
				b := a.Add(time.Duration(rng.IntN(30*24*4)-3*24*4) * step)
				var wantBetween time.Duration
				for x := a; x.Before(b); x = x.Add(step) {
					if inHours(x) {
						wantBetween += step
					}
				}
				if got := c.Between(a, b); got != wantBetween {
					t.Errorf("case %d: Between(%v, %v): got %v, want %v", i, a.Format(timeFormat), b.Format(timeFormat), got, wantBetween)
				}
			}
		})
	}
}

// TestT1WithOPMHolidays computes T1 (9 business hours) on a Midwest
// calendar, 8:00–17:00 America/Chicago, whose holidays are the OPM list.
func TestT1WithOPMHolidays(t *testing.T) {
	chicago := loadLocation(t, "America/Chicago")
	c := newCalendar(t, chicago, 8*time.Hour, 17*time.Hour, readOPM(t))
	at := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, chicago) }
	const t1 = 9 * time.Hour
	for _, tt := range []struct {
		name     string
		t, want  time.Time
		holidays int // holidays skipped
	}{
		{"weekend", at(2019, time.November, 22, 15), at(2019, time.November, 25, 15), 0},
		// Wed 15–17 2h, Thanksgiving 11-28, Fri 8–15 7h.
		{"Thanksgiving", at(2019, time.November, 27, 15), at(2019, time.November, 29, 15), 1},
		{"Christmas", at(2019, time.December, 24, 15), at(2019, time.December, 26, 15), 1},
		{"weekend and MLK Day", at(2019, time.January, 18, 15), at(2019, time.January, 22, 15), 1},
		{"Inauguration Day (OPM list)", at(2021, time.January, 19, 15), at(2021, time.January, 21, 15), 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := c.Add(tt.t, t1)
			if !got.Equal(tt.want) {
				t.Errorf("T1 from %v: got %v, want %v", tt.t.Format(timeFormat), got.Format(timeFormat), tt.want.Format(timeFormat))
			}
			skipped := 0
			days(calendar.DateOf(tt.t), calendar.DateOf(tt.want), func(d calendar.Date, _ time.Weekday) {
				if _, ok := c.Holidays.Holiday(d); ok {
					skipped++
				}
			})
			if skipped != tt.holidays {
				t.Errorf("got %d holidays skipped, want %d", skipped, tt.holidays)
			}
		})
	}
}

func TestWeekends(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	c, err := calendar.New(ny, 0, 24*time.Hour, calendar.List{{Year: 2026, Month: time.November, Day: 26}: "Thanksgiving Day"})
	if err != nil {
		t.Fatal(err)
	}
	c.Weekends = true
	sat := calendar.Date{Year: 2026, Month: time.November, Day: 21}
	if !c.IsBusinessDay(sat) {
		t.Errorf("with Weekends, got %v not a business day, want one", sat)
	}
	if c.IsBusinessDay(calendar.Date{Year: 2026, Month: time.November, Day: 26}) {
		t.Error("with Weekends, a holiday is still not a business day")
	}
	from := time.Date(2026, 11, 21, 10, 0, 0, 0, ny)
	if got, want := c.Add(from, 3*time.Second), from.Add(3*time.Second); !got.Equal(want) {
		t.Errorf("Add 3s on a Saturday: got %v, want %v", got, want)
	}
	if got, want := c.Add(time.Date(2026, 11, 25, 23, 0, 0, 0, ny), 2*time.Hour), time.Date(2026, 11, 27, 1, 0, 0, 0, ny); !got.Equal(want) {
		t.Errorf("Add across a holiday: got %v, want %v", got, want)
	}
}
