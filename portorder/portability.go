package portorder

import (
	"fmt"
	"strings"

	"github.com/opennpac/npac"
)

// TNInfo is what the caller knows about a number, from the NPAC's data and
// its own: CheckTN does no look-ups.
type TNInfo struct {
	// Known says the number is in an assigned code the caller knows.
	Known bool `json:"known"`
	// CodeOpen says the number's NPA-NXX is open for porting in the NPAC.
	CodeOpen bool `json:"code_open"`
	// NANP says the number is a North American Numbering Plan number.
	NANP bool `json:"nanp"`
	// Country is the number's country (ISO 3166 alpha-2: US, CA, or another
	// NANP country); "" means US.
	Country string `json:"country,omitempty"`
	// GainingCountry is the country the gaining SP serves the number in;
	// "" means the number's own country.
	GainingCountry string `json:"gaining_country,omitempty"`
	// Type is the number's kind of service (pager numbers are not portable).
	Type TNType `json:"type,omitempty"`
	// OpenOrder is the ID of an open port order already holding the number.
	OpenOrder string `json:"open_order,omitempty"`
	// LosingSPID is the number's current SP and LosingType its type.
	LosingSPID npac.SPID         `json:"losing_spid,omitempty"`
	LosingType npac.ProviderType `json:"losing_type,omitempty"`
	// SingleLine says the number is the only line of its account, and
	// Reseller that it is served through a reseller; both feed Simple.
	SingleLine bool `json:"single_line,omitempty"`
	Reseller   bool `json:"reseller,omitempty"`
}

// Reason is why a number is not portable.
type Reason struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Reason codes of CheckTN.
const (
	ReasonInvalid          = "invalid-number"
	ReasonUnknown          = "unknown-number"
	ReasonNotNANP          = "not-nanp"
	ReasonDifferentCountry = "different-country"
	ReasonCodeNotPortable  = npac.ENPANXXNotPortable // "npa-nxx-not-portable"
	ReasonTypeNotPortable  = "type-not-portable"
	ReasonInOpenOrder      = "in-open-order"
)

// Portability is the answer of a portability check.
type Portability struct {
	TN         npac.TN   `json:"tn"`
	Portable   bool      `json:"portable"`
	Reasons    []Reason  `json:"reasons,omitempty"`
	LosingSPID npac.SPID `json:"losing_spid,omitempty"`
	// PINRequired says the order will need the port-out PIN: US wireless
	// numbers (seed 002 line 226; Canadian wireless ports need the account
	// number instead, line 230).
	PINRequired bool `json:"pin_required"`
	// Simple says the port would be simple as far as the number alone
	// tells: portable, the only line of its account, no reseller, and not
	// toll-free. SimplePort decides with the CSR.
	Simple bool `json:"simple"`
}

// CheckTN checks whether tn can be ported, from info. Every reason found
// is listed: invalid-number (not 10 NANP digits), not-nanp, different-country
// ("Number porting is supported only within the boundaries of each
// country", seed 004 line 195), unknown-number, npa-nxx-not-portable (the
// code is not open for porting: rural carriers, no interconnection, seed
// 002 lines 126-128), type-not-portable (pagers, seed 002 line 110;
// toll-free numbers move by RespOrg change in the Somos registry, not
// through the NPAC), and in-open-order.
func CheckTN(tn npac.TN, info TNInfo) Portability {
	p := Portability{TN: tn, LosingSPID: info.LosingSPID}
	add := func(code, format string, args ...any) {
		p.Reasons = append(p.Reasons, Reason{Code: code, Message: fmt.Sprintf(format, args...)})
	}
	country := strings.ToUpper(strings.TrimSpace(info.Country))
	if country == "" {
		country = "US"
	}
	gaining := strings.ToUpper(strings.TrimSpace(info.GainingCountry))
	if parsed, err := npac.ParseTN(string(tn)); err != nil || parsed != tn {
		msg := fmt.Sprintf("%q is not a 10-digit NANP number.", tn)
		if err != nil {
			msg = npac.ErrorMessage(err)
		}
		add(ReasonInvalid, "%s Give the number as NPA-NXX-XXXX.", msg)
	}
	switch {
	case !info.NANP:
		add(ReasonNotNANP, "%s is not a North American number: only NANP numbers are ported through the NPAC; international numbers need the gaining provider's manual process.", tn)
	case gaining != "" && gaining != country:
		add(ReasonDifferentCountry, "%s is a %s number and cannot be ported to service in %s: numbers are ported only within their country. Rent a number in %s and forward calls to it instead.", tn, country, gaining, gaining)
	case country != "US" && country != "CA":
		add(ReasonDifferentCountry, "%s is a %s number: the NPAC ports US and Canadian numbers only.", tn, country)
	}
	switch {
	case !info.Known:
		add(ReasonUnknown, "%s is in no code we know of: check the number; if it is right, its code is not in the NPAC's data.", tn)
	case !info.CodeOpen:
		add(ReasonCodeNotPortable, "The code %s of %s is not open for porting: its rate center or carrier does not allow porting yet. Check again later, or keep the number with its current provider.", tn.NPANXX(), tn)
	}
	switch info.Type {
	case TypePager:
		add(ReasonTypeNotPortable, "%s is a pager number; pager numbers are not portable.", tn)
	case TypeTollFree:
		add(ReasonTypeNotPortable, "%s is a toll-free number: toll-free numbers move by a RespOrg change in the Somos toll-free registry, not through the NPAC. Ask the gaining RespOrg to request the change.", tn)
	}
	if info.OpenOrder != "" {
		add(ReasonInOpenOrder, "%s is already in open port order %s: wait for it to complete or cancel it first.", tn, info.OpenOrder)
	}
	p.Portable = len(p.Reasons) == 0
	wireless := info.Type == TypeWireless || info.LosingType == npac.ProviderWireless
	p.PINRequired = wireless && country == "US"
	p.Simple = p.Portable && info.SingleLine && !info.Reseller
	return p
}
