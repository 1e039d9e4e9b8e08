package portorder

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/opennpac/npac"
	"github.com/opennpac/npac/calendar"
)

func loc(t testing.TB, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("LoadLocation(%s): %v", name, err)
	}
	return l
}

// at parses "2006-01-02 15:04" in the named zone.
func at(t testing.TB, zone, s string) time.Time {
	t.Helper()
	tm, err := time.ParseInLocation("2006-01-02 15:04", s, loc(t, zone))
	if err != nil {
		t.Fatalf("time %q: %v", s, err)
	}
	return tm
}

func date(t testing.TB, s string) calendar.Date {
	t.Helper()
	d, err := calendar.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// opm reads the OPM federal holiday list 2011-2022 from the shared data.
func opm(t testing.TB) calendar.List {
	t.Helper()
	f, err := os.Open("../../shared/data/us-holidays/opm_federal_holidays_2011-2022.csv")
	if err != nil {
		t.Fatalf("OPM holidays: %v", err)
	}
	defer f.Close()
	l, err := calendar.ReadCSV(f)
	if err != nil {
		t.Fatalf("OPM holidays: %v", err)
	}
	return l
}

func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want code %s", code)
	}
	if got := npac.ErrorCode(err); got != code {
		t.Fatalf("error code %s (%s), want %s", got, npac.ErrorMessage(err), code)
	}
	if msg := npac.ErrorMessage(err); len(msg) < 20 || !strings.HasSuffix(strings.TrimSpace(msg), ".") {
		t.Errorf("message %q is not an actionable sentence", msg)
	}
}

const goodSHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

// Base fixtures: a US wireline port in New York (NPAC Northeast,
// America/New_York) submitted Tuesday 2022-03-01 10:00 ET; non-simple, so
// the earliest due date is Monday 2022-03-07.
func usNow(t testing.TB) time.Time { return at(t, "America/New_York", "2022-03-01 10:00") }

func usOrder(t testing.TB) *Order {
	return &Order{
		ID:          "PO-1",
		GainingSPID: "GAIN",
		LosingSPID:  "LOSE",
		Status:      StatusDraft,
		EndUser:     EndUser{Kind: Person, Name: "John Q. Smith"},
		ServiceAddress: Address{Number: "123", Street: "Main St", Unit: "Apt 4", City: "Albany",
			State: "NY", PostalCode: "12207", Country: "US"},
		Account:    Account{Number: "ACC-1001", BTNs: []npac.TN{"5185550100"}},
		TNs:        []OrderTN{{TN: "5185550100", Type: TypeWireline, Status: StatusDraft}},
		DesiredDue: at(t, "America/New_York", "2022-03-07 00:00"),
		LOA:        LOA{SignedBy: "John Q. Smith", SignedAt: at(t, "America/New_York", "2022-02-25 15:00"), Method: LOAWet},
		Documents:  []Document{{Kind: DocBill, Name: "bill-2022-02.pdf", SHA256: goodSHA, Size: 120344}},
	}
}

func usCSR() *CSR {
	return &CSR{
		Account: "ACC1001",
		BTN:     "5185550100",
		TNs:     []CSRLine{{TN: "5185550100", Active: true}},
		ServiceAddress: Address{Number: "123", Street: "MAIN ST", Unit: "APT 4", City: "ALBANY",
			State: "NY", PostalCode: "12207-1234", Country: "US"},
		AuthorizedNames: []string{"JOHN Q SMITH", "JANE SMITH"},
	}
}
