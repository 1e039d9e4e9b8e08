package portorder

import (
	"slices"
	"testing"
	"time"

	"github.com/opennpac/npac"
)

func TestRequirementsMet(t *testing.T) {
	reqs := Requirements(usOrder(t), usNow(t))
	names := []string{ReqProviders, ReqNumbers, ReqAuthorizedName, ReqBusinessName, ReqServiceAddress, ReqNotPOBox,
		ReqAccountNumber, ReqBTN, ReqWirelessID, ReqRemaining, ReqLOA, ReqDueDate, ReqBillOrCSR}
	var got []string
	for _, q := range reqs {
		got = append(got, q.Name)
		if !q.Met || q.Fix != "" {
			t.Errorf("%s: met %t fix %q", q.Name, q.Met, q.Fix)
		}
	}
	if !slices.Equal(got, names) {
		t.Errorf("names %v", got)
	}
}

// Each check fails on its own for a realistic mistake.
func TestRequirementsUnmet(t *testing.T) {
	now := usNow(t)
	ny := func(s string) time.Time { return at(t, "America/New_York", s) }
	for _, c := range []struct {
		req    string
		mutate func(o *Order)
	}{
		{ReqProviders, func(o *Order) { o.LosingSPID = "GAIN" }},
		{ReqProviders, func(o *Order) { o.GainingSPID = "toolong" }},
		{ReqProviders, func(o *Order) { o.TNs[0].LosingSPID = "OTHR" }},
		{ReqNumbers, func(o *Order) { o.TNs = nil }},
		{ReqNumbers, func(o *Order) { o.TNs[0].TN = "0185550100" }},
		{ReqNumbers, func(o *Order) { o.TNs[0].TN = "518-555-0100" }},
		{ReqNumbers, func(o *Order) { o.TNs = append(o.TNs, o.TNs[0]) }},
		{ReqNumbers, func(o *Order) { o.TNs[0].Type = TypePager }},
		{ReqAuthorizedName, func(o *Order) { o.EndUser.Name = "  " }},
		{ReqBusinessName, func(o *Order) { o.EndUser.Kind = Business }},
		{ReqBusinessName, func(o *Order) { o.EndUser.Kind = "" }},
		{ReqServiceAddress, func(o *Order) { o.ServiceAddress.City = "" }},
		{ReqServiceAddress, func(o *Order) { o.ServiceAddress.PostalCode = "1220" }},
		{ReqServiceAddress, func(o *Order) { o.ServiceAddress.Country = "MX" }},
		{ReqServiceAddress, func(o *Order) {
			o.ServiceAddress = Address{Number: "1", Street: "Main St", City: "Ottawa", State: "Ontari", PostalCode: "K1A 0B1", Country: "CA"}
		}},
		{ReqNotPOBox, func(o *Order) { o.ServiceAddress.Street, o.ServiceAddress.Unit = "PO Box 12", "" }},
		{ReqNotPOBox, func(o *Order) {
			o.ServiceAddress = Address{Number: "1", Street: "CP 456", City: "Laval", State: "QC", PostalCode: "H7N 1A1", Country: "CA"}
		}},
		{ReqAccountNumber, func(o *Order) { o.Account.Number = "" }},
		{ReqBTN, func(o *Order) { o.Account.BTNs = nil }},
		{ReqBTN, func(o *Order) { o.Account.BTNs = []npac.TN{"123"} }},
		{ReqWirelessID, func(o *Order) { o.Wireless = true }},
		{ReqWirelessID, func(o *Order) {
			o.TNs[0].Type = TypeWireless
			o.Account.Number = "5185550100"
			o.ServiceAddress = Address{Number: "1", Street: "Main St", City: "Ottawa", State: "ON", PostalCode: "K1A 0B1", Country: "CA"}
			o.Region = npac.Canada
		}},
		{ReqRemaining, func(o *Order) { o.Partial = true }},
		{ReqRemaining, func(o *Order) { o.Remaining = []RemainingService{{Description: "DSL", Action: Keep}} }},
		{ReqRemaining, func(o *Order) {
			o.Partial = true
			o.Remaining = []RemainingService{{Description: "DSL", Action: "forget"}}
		}},
		{ReqRemaining, func(o *Order) {
			o.Partial = true
			o.Remaining = []RemainingService{{TN: "5185550100", Action: Keep}}
		}},
		{ReqLOA, func(o *Order) { o.LOA.SignedAt = ny("2022-01-28 10:00") }}, // 32 days old
		{ReqLOA, func(o *Order) { o.LOA.SignedAt = ny("2022-03-02 10:00") }}, // future
		{ReqLOA, func(o *Order) { o.LOA.SignedBy = "" }},
		{ReqLOA, func(o *Order) { o.LOA.Method = "fax" }},
		{ReqDueDate, func(o *Order) { o.DesiredDue = time.Time{} }},
		{ReqDueDate, func(o *Order) { o.DesiredDue = ny("2022-03-04 00:00") }}, // too soon
		{ReqDueDate, func(o *Order) { o.DesiredDue = ny("2022-05-02 00:00") }}, // too far
		{ReqDueDate, func(o *Order) { o.ServiceAddress.State = "ZZ" }},         // no region
		{ReqBillOrCSR, func(o *Order) { o.Documents = nil }},
		{ReqBillOrCSR, func(o *Order) { o.Documents[0].Kind = DocLOA }},
		{ReqBillOrCSR, func(o *Order) { o.Documents[0].SHA256 = "abc" }},
	} {
		o := usOrder(t)
		c.mutate(o)
		var unmet []string
		for _, q := range Requirements(o, now) {
			if !q.Met {
				unmet = append(unmet, q.Name)
				if len(q.Fix) < 20 {
					t.Errorf("%s: fix %q", q.Name, q.Fix)
				}
			}
		}
		if !slices.Contains(unmet, c.req) {
			t.Errorf("want %s unmet, got %v", c.req, unmet)
		}
		if err := Submit(o, "GAIN", now); npac.ErrorCode(err) != ERequirementsUnmet {
			t.Errorf("%s: Submit = %v", c.req, err)
		}
	}
	// LOA boundaries: exactly 30 days old is fine; a Canadian wireless port
	// with an ordinary account number needs no PIN; a US one with a PIN
	// passes.
	o := usOrder(t)
	o.LOA.SignedAt = now.Add(-30 * 24 * time.Hour)
	o.Wireless, o.Account.PIN = true, "2468"
	if u := Unmet(Requirements(o, now)); len(u) != 0 {
		t.Errorf("unmet %+v", u)
	}
	o = usOrder(t)
	o.TNs[0].Type = TypeWireless
	o.ServiceAddress = Address{Number: "1", Street: "Main St", City: "Ottawa", State: "Ontario", PostalCode: "k1a0b1", Country: "CA"}
	if u := Unmet(Requirements(o, now)); len(u) != 0 {
		t.Errorf("Canadian wireless: unmet %+v", u)
	}
	o.Account.Number, o.Account.IMEI = "5185550100", "490154203237518"
	if u := Unmet(Requirements(o, now)); len(u) != 0 {
		t.Errorf("Canadian prepaid with IMEI: unmet %+v", u)
	}
}
