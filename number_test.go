package npac_test

import (
	"strings"
	"testing"

	npac "github.com/opennpac/npac"
)

func TestParseTN(t *testing.T) {
	tests := []struct {
		in, want string
		why      string // a fragment of the error message, for refusals
	}{
		{"6135550100", "6135550100", ""},
		{"(613) 555-0100", "6135550100", ""},
		{"+1 613 555 0100", "6135550100", ""},
		{"1-613-555-0100", "6135550100", ""},
		{"613.555.0100", "6135550100", ""},
		{"613555010", "", "10 digits"},
		{"61355501000", "", "10 digits"},
		{"613-555-01x0", "", "10 digits"},
		{"", "", "10 digits"},
		{"0135550100", "", "area code (NPA) 013 starts with 0"},
		{"1135550100", "", "area code (NPA) 113 starts with 1"},
		{"11135550100", "", "area code (NPA) 113 starts with 1"}, // the leading 1 of 11 digits is the country code
		{"2115550100", "", "N11"},
		{"9115550100", "", "N11"},
		{"6130550100", "", "exchange code (NXX) 055 starts with 0"},
		{"6131550100", "", "exchange code (NXX) 155 starts with 1"},
		{"6134110100", "", "exchange code (NXX) 411 is an N11"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := npac.ParseTN(tc.in)
			if tc.why == "" {
				if err != nil || string(got) != tc.want {
					t.Fatalf("got %q, %v; want %q", got, err, tc.want)
				}
				return
			}
			if npac.ErrorCode(err) != npac.EINVALID || !strings.Contains(npac.ErrorMessage(err), tc.why) {
				t.Fatalf("got %q, %v; want an invalid error mentioning %q", got, err, tc.why)
			}
		})
	}
	tn, _ := npac.ParseTN("6135550100")
	if tn.String() != "613-555-0100" || tn.NPANXX() != "613555" || tn.NPANXXX() != "6135550" {
		t.Errorf("got %s %s %s, want 613-555-0100 613555 6135550", tn, tn.NPANXX(), tn.NPANXXX())
	}
}

func TestParseCodes(t *testing.T) {
	ok := func(err error) bool { return err == nil }
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"NPA-NXX", func() error { _, err := npac.ParseNPANXX("613-555"); return err }(), true},
		{"NPA-NXX with N11 NPA", func() error { _, err := npac.ParseNPANXX("311555"); return err }(), false},
		{"NPA-NXX too short", func() error { _, err := npac.ParseNPANXX("61355"); return err }(), false},
		{"NPA-NXX-X", func() error { _, err := npac.ParseNPANXXX("613-555-1"); return err }(), true},
		{"NPA-NXX-X bad NXX", func() error { _, err := npac.ParseNPANXXX("6131551"); return err }(), false},
		{"LRN", func() error { _, err := npac.ParseLRN("613 555 0000"); return err }(), true},
		{"LRN with NXX 0", func() error { _, err := npac.ParseLRN("6130550000"); return err }(), false},
		{"SPID digits", func() error { _, err := npac.ParseSPID("0123"); return err }(), true},
		{"SPID letters lower-case", func() error { _, err := npac.ParseSPID("x00a"); return err }(), true},
		{"SPID too long", func() error { _, err := npac.ParseSPID("12345"); return err }(), false},
		{"SPID punctuation", func() error { _, err := npac.ParseSPID("12-4"); return err }(), false},
		{"region", func() error { _, err := npac.ParseRegion("ne"); return err }(), true},
		{"region unknown", func() error { _, err := npac.ParseRegion("XX"); return err }(), false},
	} {
		if ok(tc.err) != tc.want {
			t.Errorf("%s: got error %v, want ok=%t", tc.name, tc.err, tc.want)
		}
		if !tc.want && npac.ErrorCode(tc.err) != npac.EINVALID {
			t.Errorf("%s: got code %q, want invalid", tc.name, npac.ErrorCode(tc.err))
		}
	}
	if s, _ := npac.ParseSPID("x00a"); s != "X00A" {
		t.Errorf("got SPID %q, want upper-cased X00A", s)
	}
}

func TestSignalingPoint(t *testing.T) {
	ssn := func(n int) *int { return &n }
	tests := []struct {
		name    string
		sp      npac.SignalingPoint
		wantDPC string
		bad     string
	}{
		{"dashed", npac.SignalingPoint{DPC: "1-2-3", SSN: ssn(0)}, "001-002-003", ""},
		{"nine digits", npac.SignalingPoint{DPC: "255000255", SSN: ssn(255)}, "255-000-255", ""},
		{"dotted", npac.SignalingPoint{DPC: "010.020.030", SSN: ssn(8)}, "010-020-030", ""},
		{"first octet zero", npac.SignalingPoint{DPC: "000-001-002", SSN: ssn(0)}, "", "first octet"},
		{"octet over 255", npac.SignalingPoint{DPC: "001-256-002", SSN: ssn(0)}, "", "000 to 255"},
		{"two octets", npac.SignalingPoint{DPC: "001-002", SSN: ssn(0)}, "", "three octets"},
		{"DPC without SSN", npac.SignalingPoint{DPC: "001-002-003"}, "", "pair"},
		{"SSN without DPC", npac.SignalingPoint{SSN: ssn(5)}, "", "pair"},
		{"SSN over 255", npac.SignalingPoint{DPC: "001-002-003", SSN: ssn(256)}, "", "0-255"},
		{"SSN negative", npac.SignalingPoint{DPC: "001-002-003", SSN: ssn(-1)}, "", "0-255"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sp := tc.sp
			err := sp.Validate("CLASS")
			if tc.bad == "" {
				if err != nil || sp.DPC != tc.wantDPC {
					t.Fatalf("got %q, %v; want %q", sp.DPC, err, tc.wantDPC)
				}
				return
			}
			if npac.ErrorCode(err) != npac.EINVALID || !strings.Contains(npac.ErrorMessage(err), tc.bad) {
				t.Fatalf("got %v, want an invalid error mentioning %q", err, tc.bad)
			}
		})
	}
}

func TestRoutingDataValidate(t *testing.T) {
	tests := []struct {
		name string
		rd   npac.RoutingData
		ok   bool
	}{
		{"defaults to wireline", npac.RoutingData{LRN: "6135550000"}, true},
		{"all fields", npac.RoutingData{LRN: "6135550000", BillingID: "AB12", EndUserLocationValue: "123456789012", EndUserLocationType: "01",
			SVType: npac.SVVoWiFi, AlternativeSPID: "x001", VoiceURI: "sip:+16135550100@example.net"}, true},
		{"unknown SV type", npac.RoutingData{SVType: "satellite"}, false},
		{"billing id too long", npac.RoutingData{BillingID: "ABCDE"}, false},
		{"EUL value letters", npac.RoutingData{EndUserLocationValue: "12A"}, false},
		{"EUL type three digits", npac.RoutingData{EndUserLocationType: "123"}, false},
		{"relative URI", npac.RoutingData{SMSURI: "example.net/sms"}, false},
		{"bad alternative SPID", npac.RoutingData{AlternativeSPID: "TOOLONG"}, false},
		{"bad LRN", npac.RoutingData{LRN: "0135550000"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rd := tc.rd
			err := rd.Validate()
			if (err == nil) != tc.ok {
				t.Fatalf("got %v, want ok=%t", err, tc.ok)
			}
			if tc.ok && rd.SVType == "" {
				t.Error("SV type not defaulted")
			}
		})
	}
}

func TestRegions(t *testing.T) {
	if len(npac.Regions) != 8 {
		t.Fatalf("got %d regions, want 7 US regions and Canada", len(npac.Regions))
	}
	seen := map[string]npac.Region{}
	for _, ri := range npac.Regions {
		for _, a := range ri.Areas {
			if prev, dup := seen[a]; dup {
				t.Errorf("%s is in both %s and %s", a, prev, ri.Code)
			}
			seen[a] = ri.Code
		}
	}
	for area, want := range map[string]npac.Region{"NJ": npac.MidAtlantic, "TX": npac.Southwest, "VT": npac.Northeast, "PR": npac.Southeast, "ON": npac.Canada} {
		if got, ok := npac.RegionOfArea(area); !ok || got != want {
			t.Errorf("region of %s: got %s, want %s", area, got, want)
		}
	}
	// Every state and DC is in some US region.
	for _, st := range strings.Fields("AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY") {
		if _, ok := seen[st]; !ok {
			t.Errorf("state %s is in no region", st)
		}
	}
}

func TestTimerTypeLonger(t *testing.T) {
	for _, tc := range []struct{ a, b, want npac.TimerType }{
		{npac.TimerShort, npac.TimerLong, npac.TimerLong},
		{npac.TimerMedium, npac.TimerShort, npac.TimerMedium},
		{npac.TimerLong, npac.TimerMedium, npac.TimerLong},
	} {
		if got := tc.a.Longer(tc.b); got != tc.want {
			t.Errorf("%s.Longer(%s): got %s, want %s", tc.a, tc.b, got, tc.want)
		}
	}
}
