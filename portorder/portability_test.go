package portorder

import (
	"slices"
	"testing"

	"github.com/opennpac/npac"
)

func TestCheckTN(t *testing.T) {
	ok := TNInfo{Known: true, CodeOpen: true, NANP: true, Country: "US", Type: TypeWireline,
		LosingSPID: "LOSE", LosingType: npac.ProviderWireline, SingleLine: true}
	p := CheckTN("5185550100", ok)
	if !p.Portable || len(p.Reasons) != 0 || p.LosingSPID != "LOSE" || p.PINRequired || !p.Simple {
		t.Fatalf("portable number: %+v", p)
	}
	for _, c := range []struct {
		tn   npac.TN
		edit func(i *TNInfo)
		want []string
	}{
		{"5185550100", func(i *TNInfo) { i.CodeOpen = false }, []string{ReasonCodeNotPortable}},
		{"5185550100", func(i *TNInfo) { i.Known, i.CodeOpen = false, false }, []string{ReasonUnknown}},
		{"5185550100", func(i *TNInfo) { i.NANP = false }, []string{ReasonNotNANP}},
		{"8765550100", func(i *TNInfo) { i.Country = "JM" }, []string{ReasonDifferentCountry}},
		{"6135550100", func(i *TNInfo) { i.Country, i.GainingCountry = "CA", "US" }, []string{ReasonDifferentCountry}},
		{"5185550100", func(i *TNInfo) { i.Type = TypePager }, []string{ReasonTypeNotPortable}},
		{"8005550100", func(i *TNInfo) { i.Type = TypeTollFree }, []string{ReasonTypeNotPortable}},
		{"5185550100", func(i *TNInfo) { i.OpenOrder = "PO-7" }, []string{ReasonInOpenOrder}},
		{"0185550100", func(i *TNInfo) {}, []string{ReasonInvalid}},
		{"5185550100", func(i *TNInfo) { i.Type = TypePager; i.OpenOrder = "PO-7" }, []string{ReasonTypeNotPortable, ReasonInOpenOrder}},
	} {
		info := ok
		c.edit(&info)
		p := CheckTN(c.tn, info)
		var got []string
		for _, r := range p.Reasons {
			got = append(got, r.Code)
			if len(r.Message) < 20 {
				t.Errorf("%s: message %q", r.Code, r.Message)
			}
		}
		if p.Portable || !slices.Equal(got, c.want) || p.Simple {
			t.Errorf("%s %+v: portable %t reasons %v simple %t, want %v", c.tn, info, p.Portable, got, p.Simple, c.want)
		}
	}
	if ReasonCodeNotPortable != "npa-nxx-not-portable" {
		t.Error("reason code must match the NPAC's error code")
	}

	w := ok
	w.Type, w.LosingType = TypeWireless, npac.ProviderWireless
	if p := CheckTN("5185550100", w); !p.PINRequired || !p.Portable {
		t.Errorf("US wireless: %+v", p)
	}
	w.Country = "CA"
	if p := CheckTN("6135550100", w); p.PINRequired {
		t.Errorf("Canadian wireless needs the account number, not a PIN: %+v", p)
	}
	r := ok
	r.Reseller = true
	if p := CheckTN("5185550100", r); p.Simple || !p.Portable {
		t.Errorf("reseller: %+v", p)
	}
}
