package calendar_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/opennpac/npac/calendar"
)

// dataFile returns the path of a file in the shared US holiday data set,
// ../shared/data/us-holidays relative to the module root. It fails the
// test if the file is missing.
func dataFile(t *testing.T, name string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the working directory")
		}
		dir = parent
	}
	path := filepath.Join(dir, "..", "shared", "data", "us-holidays", name)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("holiday data missing: %v", err)
	}
	return path
}

const opmFile = "opm_federal_holidays_2011-2022.csv"

// readOPM reads the OPM federal holiday list with ReadCSV.
func readOPM(t *testing.T) calendar.List {
	t.Helper()
	f, err := os.Open(dataFile(t, opmFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	l, err := calendar.ReadCSV(f)
	if err != nil {
		t.Fatalf("ReadCSV(%s): %v", opmFile, err)
	}
	return l
}

func date(t *testing.T, s string) calendar.Date {
	t.Helper()
	d, err := calendar.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// days calls f for every date from first to last inclusive.
func days(first, last calendar.Date, f func(d calendar.Date, wd time.Weekday)) {
	t := time.Date(first.Year, first.Month, first.Day, 12, 0, 0, 0, time.UTC)
	for d := calendar.DateOf(t); ; d = calendar.DateOf(t) {
		f(d, t.Weekday())
		if d == last {
			return
		}
		t = t.AddDate(0, 0, 1)
	}
}

func TestUSFederal(t *testing.T) {
	const (
		newYear     = "New Year's Day"
		mlk         = "Birthday of Martin Luther King, Jr."
		washington  = "Washington's Birthday"
		memorial    = "Memorial Day"
		juneteenth  = "Juneteenth National Independence Day"
		independent = "Independence Day"
		labor       = "Labor Day"
		columbus    = "Columbus Day"
		veterans    = "Veterans Day"
		thanks      = "Thanksgiving Day"
		christmas   = "Christmas Day"
	)
	tests := []struct {
		date calendar.Date
		want string // "" for not a holiday
	}{
		// New Year's Day 2022 is a Saturday: observed Friday 2021-12-31.
		{calendar.Date{Year: 2021, Month: time.December, Day: 31}, newYear},
		{calendar.Date{Year: 2022, Month: time.January, Day: 1}, ""},
		{calendar.Date{Year: 2022, Month: time.January, Day: 3}, ""},
		// New Year's Day 2023 is a Sunday: observed Monday 2023-01-02.
		{calendar.Date{Year: 2023, Month: time.January, Day: 1}, ""},
		{calendar.Date{Year: 2023, Month: time.January, Day: 2}, newYear},
		{calendar.Date{Year: 2022, Month: time.December, Day: 30}, ""},
		{calendar.Date{Year: 2022, Month: time.December, Day: 31}, ""},
		{calendar.Date{Year: 2026, Month: time.January, Day: 1}, newYear},
		// MLK Day from 1986 only.
		{calendar.Date{Year: 1985, Month: time.January, Day: 21}, ""},
		{calendar.Date{Year: 1986, Month: time.January, Day: 20}, mlk},
		{calendar.Date{Year: 2026, Month: time.January, Day: 19}, mlk},
		{calendar.Date{Year: 2026, Month: time.January, Day: 12}, ""},
		{calendar.Date{Year: 2026, Month: time.January, Day: 26}, ""},
		{calendar.Date{Year: 2026, Month: time.February, Day: 16}, washington},
		{calendar.Date{Year: 2026, Month: time.February, Day: 23}, ""},
		// Memorial Day: last Monday of May, whether the 25th or the 31st.
		{calendar.Date{Year: 2026, Month: time.May, Day: 25}, memorial},
		{calendar.Date{Year: 2027, Month: time.May, Day: 31}, memorial},
		{calendar.Date{Year: 2027, Month: time.May, Day: 24}, ""},
		// Juneteenth from 2021 only; 2021-06-19 is a Saturday, 2022-06-19 a Sunday.
		{calendar.Date{Year: 2020, Month: time.June, Day: 19}, ""},
		{calendar.Date{Year: 2021, Month: time.June, Day: 18}, juneteenth},
		{calendar.Date{Year: 2021, Month: time.June, Day: 19}, ""},
		{calendar.Date{Year: 2022, Month: time.June, Day: 20}, juneteenth},
		{calendar.Date{Year: 2026, Month: time.June, Day: 19}, juneteenth},
		// Independence Day 2026 is a Saturday, 2027 a Sunday.
		{calendar.Date{Year: 2026, Month: time.July, Day: 3}, independent},
		{calendar.Date{Year: 2026, Month: time.July, Day: 4}, ""},
		{calendar.Date{Year: 2026, Month: time.July, Day: 6}, ""},
		{calendar.Date{Year: 2027, Month: time.July, Day: 5}, independent},
		{calendar.Date{Year: 2027, Month: time.July, Day: 2}, ""},
		{calendar.Date{Year: 2026, Month: time.September, Day: 7}, labor},
		{calendar.Date{Year: 2026, Month: time.October, Day: 12}, columbus},
		{calendar.Date{Year: 2026, Month: time.October, Day: 5}, ""},
		{calendar.Date{Year: 2026, Month: time.November, Day: 11}, veterans},
		// Veterans Day 2028 is a Saturday.
		{calendar.Date{Year: 2028, Month: time.November, Day: 10}, veterans},
		{calendar.Date{Year: 2026, Month: time.November, Day: 26}, thanks},
		{calendar.Date{Year: 2026, Month: time.November, Day: 27}, ""},
		{calendar.Date{Year: 2026, Month: time.November, Day: 19}, ""},
		{calendar.Date{Year: 2026, Month: time.December, Day: 25}, christmas},
		// Christmas 2021 is a Saturday, 2022 a Sunday.
		{calendar.Date{Year: 2021, Month: time.December, Day: 24}, christmas},
		{calendar.Date{Year: 2022, Month: time.December, Day: 26}, christmas},
		{calendar.Date{Year: 2026, Month: time.December, Day: 24}, ""},
		// Unnormalised dates are read as time.Date would: 2022-01-00 is 2021-12-31.
		{calendar.Date{Year: 2022, Month: time.January, Day: 0}, newYear},
	}
	h := calendar.USFederal()
	for _, tt := range tests {
		t.Run(tt.date.String(), func(t *testing.T) {
			name, ok := h.Holiday(tt.date)
			if ok != (tt.want != "") || name != tt.want {
				t.Errorf("Holiday(%v) = %q, %v; want %q, %v", tt.date, name, ok, tt.want, tt.want != "")
			}
		})
	}
}

// TestUSFederalYearCount checks that every year has exactly the expected
// number of observed holidays, wherever the observed days fall.
func TestUSFederalYearCount(t *testing.T) {
	h := calendar.USFederal()
	for year := 1980; year <= 2060; year++ {
		t.Run(strconv.Itoa(year), func(t *testing.T) {
			// Observed days of year's holidays lie in [Dec 31 of year-1, Dec 31 of year],
			// but Dec 31 of year belongs to year+1 when Jan 1 of year+1 is a Saturday.
			first := calendar.Date{Year: year - 1, Month: time.December, Day: 31}
			last := calendar.Date{Year: year, Month: time.December, Day: 31}
			if time.Date(year, time.January, 1, 0, 0, 0, 0, time.UTC).Weekday() != time.Saturday {
				first = calendar.Date{Year: year, Month: time.January, Day: 1}
			}
			if time.Date(year+1, time.January, 1, 0, 0, 0, 0, time.UTC).Weekday() == time.Saturday {
				last.Day = 30
			}
			got := 0
			days(first, last, func(d calendar.Date, wd time.Weekday) {
				if _, ok := h.Holiday(d); ok {
					got++
					if wd == time.Saturday || wd == time.Sunday {
						t.Errorf("Holiday(%v) on a %v", d, wd)
					}
				}
			})
			want := 9
			if year >= 1986 {
				want++
			}
			if year >= 2021 {
				want++
			}
			if got != want {
				t.Errorf("got %d holidays in %d, want %d", got, year, want)
			}
		})
	}
}

// TestUSFederalOPM compares USFederal with the holidays OPM published for
// 2011–2022, in both directions, by date and by name.
func TestUSFederalOPM(t *testing.T) {
	opm := readOPM(t)

	// OPM rows that are not US federal holidays under USFederal's rules.
	// (The one-off closures by executive order, e.g. 2014-12-26, 2018-12-05,
	// 2019-12-24 and 2020-12-24, and the 2013 and 2017 Inauguration Days are
	// not in the OPM file, so they need no entry here.)
	opmOnly := map[calendar.Date]string{
		// Inauguration Day is a holiday only for federal employees in the
		// Washington, DC area (5 U.S.C. 6103(c)); 2021-01-20 was a Wednesday.
		date(t, "2021-01-20"): "Inauguration Day",
		// Scraping artefact: OPM's 2022 page lists New Year's Day 2022 as
		// observed on "Friday, December 31" (of 2021), and the scraper gave
		// it the page's year. 2022-12-31 is a Saturday and never a holiday;
		// New Year's Day 2023 (a Sunday) was observed on Monday 2023-01-02.
		date(t, "2022-12-31"): "New Year's Day",
	}
	// USFederal days in 2011–2022 that are not in the OPM file.
	usOnly := map[calendar.Date]string{
		// New Year's Day 2022 observed (January 1, 2022 is a Saturday): the
		// scraper skipped cells dated in another year than the page's, so
		// it appears only as the mis-dated 2022-12-31 row above.
		date(t, "2021-12-31"): "New Year's Day",
	}

	us := calendar.USFederal()
	days(date(t, "2011-01-01"), date(t, "2022-12-31"), func(d calendar.Date, _ time.Weekday) {
		opmName, inOPM := opm.Holiday(d)
		usName, inUS := us.Holiday(d)
		switch {
		case inOPM && inUS:
			if opmName != usName {
				t.Errorf("%v: got USFederal name %q, want OPM name %q", d, usName, opmName)
			}
		case inOPM:
			if want, ok := opmOnly[d]; !ok || want != opmName {
				t.Errorf("%v: OPM lists %q, USFederal has no holiday", d, opmName)
			}
		case inUS:
			if want, ok := usOnly[d]; !ok || want != usName {
				t.Errorf("%v: USFederal has %q, OPM lists no holiday", d, usName)
			}
		}
	})
	// Keep the exception lists exact: every entry must still be an exception.
	for d, name := range opmOnly {
		if got, ok := opm.Holiday(d); !ok || got != name {
			t.Errorf("opmOnly %v: got OPM %q, %v; want %q", d, got, ok, name)
		}
		if got, ok := us.Holiday(d); ok {
			t.Errorf("opmOnly %v: USFederal has %q, want no holiday", d, got)
		}
	}
	for d, name := range usOnly {
		if got, ok := us.Holiday(d); !ok || got != name {
			t.Errorf("usOnly %v: got USFederal %q, %v; want %q", d, got, ok, name)
		}
		if got, ok := opm.Holiday(d); ok {
			t.Errorf("usOnly %v: OPM has %q, want no holiday", d, got)
		}
	}
}

// TestUSFederalReserve compares USFederal with the Federal Reserve calendar
// for 2013–2028 built by 18F in 2018. The Fed observes the same holidays but
// does not move a Saturday holiday to the Friday before, and the data
// predates Juneteenth.
func TestUSFederalReserve(t *testing.T) {
	b, err := os.ReadFile(dataFile(t, "federal_reserve_calendar_2013-2028.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Day       string `json:"calendar_day"`
		IsHoliday int    `json:"is_holiday"`
	}
	if err := json.Unmarshal(b, &rows); err != nil {
		t.Fatal(err)
	}
	fed := map[calendar.Date]bool{}
	for _, r := range rows {
		fed[date(t, r.Day)] = r.IsHoliday == 1
	}
	holidays := 0
	for _, h := range fed {
		if h {
			holidays++
		}
	}
	if len(rows) != 5844 || len(fed) != 5844 || holidays != 160 {
		t.Fatalf("got %d rows, %d days, %d holidays; want 5844, 5844, 160", len(rows), len(fed), holidays)
	}

	us := calendar.USFederal()
	checked := 0
	days(date(t, "2013-01-01"), date(t, "2028-12-31"), func(d calendar.Date, wd time.Weekday) {
		isFed, ok := fed[d]
		if !ok {
			t.Errorf("%v missing from the Federal Reserve calendar", d)
			return
		}
		if wd == time.Saturday || wd == time.Sunday {
			return
		}
		name, isUS := us.Holiday(d)
		switch {
		case isFed && !isUS:
			// No exceptions: every weekday Fed holiday is a federal holiday.
			t.Errorf("%v: Federal Reserve holiday, USFederal has none", d)
		case isUS && !isFed:
			// Allowed only where the rules differ.
			next := calendar.DateOf(time.Date(d.Year, d.Month, d.Day+1, 0, 0, 0, 0, time.UTC))
			switch {
			case wd == time.Friday && fed[next]:
				// The Fed keeps the Saturday holiday on Saturday.
			case name == "Juneteenth National Independence Day":
				// Enacted in 2021, after the data was built.
			default:
				t.Errorf("%v: USFederal has %q, Federal Reserve has no holiday", d, name)
			}
		}
		if isFed {
			checked++
		}
	})
	// 160 Fed holidays, of which 10 fall on a Saturday (and none on a Sunday).
	if checked != 150 {
		t.Errorf("got %d weekday Federal Reserve holidays, want 150", checked)
	}
}

func TestReadCSVOPM(t *testing.T) {
	l := readOPM(t)
	if len(l) != 122 {
		t.Errorf("got %d holidays, want 122", len(l))
	}
	for _, tt := range []struct{ date, name string }{
		{"2011-01-17", "Birthday of Martin Luther King, Jr."},
		{"2015-07-03", "Independence Day"},
		{"2021-01-20", "Inauguration Day"},
		{"2021-06-18", "Juneteenth National Independence Day"},
		{"2022-12-31", "New Year's Day"},
	} {
		if got, ok := l.Holiday(date(t, tt.date)); !ok || got != tt.name {
			t.Errorf("Holiday(%s) = %q, %v; want %q, true", tt.date, got, ok, tt.name)
		}
	}
	if got, ok := l.Holiday(date(t, "2021-12-31")); ok {
		t.Errorf("Holiday(2021-12-31) = %q, true; want not listed", got)
	}
}

func TestReadCSV(t *testing.T) {
	d := func(s string) calendar.Date { return date(t, s) }
	tests := []struct {
		name string
		in   string
		want calendar.List
	}{
		{"empty", "", calendar.List{}},
		{"header only", "date,holiday\n", calendar.List{}},
		{"holiday header", "date,holiday\n2019-01-01,New Year's Day\n",
			calendar.List{d("2019-01-01"): "New Year's Day"}},
		{"name header", "Date, Name\n2019-01-01,New Year's Day\n",
			calendar.List{d("2019-01-01"): "New Year's Day"}},
		{"BOM header", "\ufeffdate,holiday\r\n2019-01-01,New Year's Day\r\n",
			calendar.List{d("2019-01-01"): "New Year's Day"}},
		{"no header", "2019-01-01,New Year's Day\n2019-12-25,Christmas Day",
			calendar.List{d("2019-01-01"): "New Year's Day", d("2019-12-25"): "Christmas Day"}},
		{"BOM no header", "\ufeff2019-01-01,New Year's Day\n",
			calendar.List{d("2019-01-01"): "New Year's Day"}},
		{"quoted and spaced", "2019-01-21, \"Birthday of Martin Luther King, Jr.\"\n\n 2019-02-18 ,Washington's Birthday \n",
			calendar.List{d("2019-01-21"): "Birthday of Martin Luther King, Jr.", d("2019-02-18"): "Washington's Birthday"}},
		{"duplicate date", "2013-01-21,Birthday of Martin Luther King Jr.\n2013-01-21,Inauguration Day\n2013-01-21,Inauguration Day\n",
			calendar.List{d("2013-01-21"): "Birthday of Martin Luther King Jr.; Inauguration Day"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := calendar.ReadCSV(strings.NewReader(tt.in))
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ReadCSV mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadCSVErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		line int
	}{
		{"bad month", "date,holiday\n2019-01-01,New Year's Day\n2019-13-01,Nothing\n", 3},
		{"bad day", "2019-01-01,New Year's Day\n2019-02-30,Nothing\n", 2},
		{"not a date", "2019-01-01,New Year's Day\nJan 21 2019,MLK\n", 2},
		{"one field", "2019-01-01\n", 1},
		{"three fields", "date,holiday\n2019-01-01,New Year's Day,extra\n", 2},
		{"empty name", "2019-01-01,New Year's Day\n\n2019-12-25,\n", 3},
		{"header not first", "2019-01-01,New Year's Day\ndate,holiday\n", 2},
		{"unknown header", "day,holiday\n2019-01-01,New Year's Day\n", 1},
		{"after multi-line name", "2019-01-01,\"New\nYear\"\n2019-01-32,x\n", 3},
		{"bare quote", "2019-01-01,New Year's Day\n2019-01-21,Martin \"Luther\" King\n", 2},
		{"unterminated quote", "2019-01-01,New Year's Day\n2019-01-21,\"MLK\n", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := calendar.ReadCSV(strings.NewReader(tt.in))
			if err == nil {
				t.Fatalf("got %v, nil; want error on line %d", l, tt.line)
			}
			if l != nil {
				t.Errorf("got list %v with error, want nil", l)
			}
			re := regexp.MustCompile(`\bline ` + strconv.Itoa(tt.line) + `\b`)
			if !re.MatchString(err.Error()) {
				t.Errorf("got error %q, want it to name line %d", err, tt.line)
			}
		})
	}
	t.Run("read error", func(t *testing.T) {
		if _, err := calendar.ReadCSV(iotest.ErrReader(iotest.ErrTimeout)); !errors.Is(err, iotest.ErrTimeout) {
			t.Errorf("got error %v, want %v", err, iotest.ErrTimeout)
		}
	})
}
