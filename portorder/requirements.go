package portorder

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/opennpac/npac"
)

// Requirement is one pre-submit check. Fix says what to do when it is not
// met and is empty when it is.
type Requirement struct {
	Name string `json:"name"`
	Met  bool   `json:"met"`
	Fix  string `json:"fix,omitempty"`
}

// Requirement names, in the order Requirements returns them.
const (
	ReqProviders      = "providers"
	ReqNumbers        = "numbers"
	ReqAuthorizedName = "authorized-name"
	ReqBusinessName   = "business-name"
	ReqServiceAddress = "service-address"
	ReqNotPOBox       = "not-po-box"
	ReqAccountNumber  = "account-number"
	ReqBTN            = "btn"
	ReqWirelessID     = "wireless-pin"
	ReqRemaining      = "remaining-services"
	ReqLOA            = "loa"
	ReqDueDate        = "due-date"
	ReqBillOrCSR      = "bill-or-csr"
)

// Requirements lists every pre-submit check of o at now with the default
// rules; see Rules.Requirements.
func Requirements(o *Order, now time.Time) []Requirement {
	return DefaultRules().Requirements(o, now)
}

// Requirements lists every pre-submit check of o at now, met or not, in a
// fixed order; a check that does not apply (a PIN for a wireline port) is
// met. The desired due date is checked as if the LSR were received at now.
// Sources: the Plivo guide's list of what a port needs (seed 004 lines
// 22-32), the VoIP.ms FAQ (seed 002 lines 54-100, 224-232) and the FCC
// simple-port fields (porting-apis.md §5).
func (r Rules) Requirements(o *Order, now time.Time) []Requirement {
	r = r.norm()
	var out []Requirement
	check := func(name string, fixes []string) {
		out = append(out, Requirement{Name: name, Met: len(fixes) == 0, Fix: strings.Join(fixes, " ")})
	}
	check(ReqProviders, r.providerFixes(o))
	check(ReqNumbers, r.numberFixes(o))

	var f []string
	if strings.TrimSpace(o.EndUser.Name) == "" {
		f = append(f, "Give the authorized name: the person the losing provider lists as having control of the account (on a business account too).")
	}
	check(ReqAuthorizedName, f)

	f = nil
	switch o.EndUser.Kind {
	case Person:
	case Business:
		if strings.TrimSpace(o.EndUser.BusinessName) == "" {
			f = append(f, "Give the business name as the losing provider's CSR lists it.")
		}
	default:
		f = append(f, fmt.Sprintf("Set the end user kind to %q or %q (it is %q).", Person, Business, o.EndUser.Kind))
	}
	check(ReqBusinessName, f)

	check(ReqServiceAddress, addressFixes(o.ServiceAddress))
	f = nil
	if IsPOBox(o.ServiceAddress.line()) {
		f = append(f, "The service address "+quote(o.ServiceAddress.line())+" is a mailbox (PO Box, BP, CP or similar). A porting service address is where the line is installed, or for VoIP and mobile service the street address on record, never a mailbox: a post office box is a guaranteed mismatch. Give the street address from the losing provider's CSR.")
	}
	check(ReqNotPOBox, f)

	f = nil
	if strings.TrimSpace(o.Account.Number) == "" {
		f = append(f, "Give the account number at the losing provider (from its CSR or a recent bill; for a reseller's customer, the account at the upstream carrier).")
	}
	check(ReqAccountNumber, f)

	f = nil
	if len(o.Account.BTNs) == 0 {
		f = append(f, "Give at least one billing telephone number (BTN): the main number of the account at the losing provider.")
	}
	for _, b := range o.Account.BTNs {
		if p, err := npac.ParseTN(string(b)); err != nil || p != b {
			f = append(f, fmt.Sprintf("The BTN %q is not a 10-digit NANP number.", b))
		}
	}
	check(ReqBTN, f)

	check(ReqWirelessID, wirelessFixes(o))
	check(ReqRemaining, remainingFixes(o))
	check(ReqLOA, r.loaFixes(o, now))

	f = nil
	if err := r.CheckDue(o.DesiredDue, now, o.Simple, o.region(), now); err != nil {
		f = append(f, npac.ErrorMessage(err))
	}
	check(ReqDueDate, f)

	f = nil
	if !hasProof(o.Documents) {
		f = append(f, "Attach a recent bill (within the last 30 days) or the losing provider's CSR showing the account, the authorized name and the numbers, with its SHA-256 and size.")
	}
	check(ReqBillOrCSR, f)
	return out
}

// Unmet returns the requirements that are not met.
func Unmet(reqs []Requirement) []Requirement {
	var out []Requirement
	for _, q := range reqs {
		if !q.Met {
			out = append(out, q)
		}
	}
	return out
}

func (r Rules) providerFixes(o *Order) []string {
	var f []string
	g, gerr := npac.ParseSPID(string(o.GainingSPID))
	l, lerr := npac.ParseSPID(string(o.LosingSPID))
	if gerr != nil || g != o.GainingSPID {
		f = append(f, fmt.Sprintf("The gaining SPID %q is not a SPID: give the new provider's 4-character SPID.", o.GainingSPID))
	}
	if lerr != nil || l != o.LosingSPID {
		f = append(f, fmt.Sprintf("The losing SPID %q is not a SPID: give the current provider's 4-character SPID (a portability check names it).", o.LosingSPID))
	}
	if gerr == nil && lerr == nil && g == l {
		f = append(f, "The gaining and losing SPIDs are the same: a move within one provider is not a port order.")
	}
	for _, t := range o.TNs {
		if t.LosingSPID != "" && t.LosingSPID != o.LosingSPID {
			f = append(f, fmt.Sprintf("%s is held by %s, not by the order's losing provider %s: split the order per losing provider (Split).", t.TN, t.LosingSPID, o.LosingSPID))
			break
		}
	}
	return f
}

func (r Rules) numberFixes(o *Order) []string {
	var f []string
	if len(o.TNs) == 0 {
		return []string{"Add at least one number to port."}
	}
	if len(o.TNs) > r.MaxTNs {
		f = append(f, fmt.Sprintf("The order has %d numbers; more than %d is a project port: split it with Split into orders of at most %d numbers per losing provider.", len(o.TNs), r.MaxTNs, r.MaxTNs))
	}
	seen := map[npac.TN]bool{}
	for _, t := range o.TNs {
		if p, err := npac.ParseTN(string(t.TN)); err != nil || p != t.TN {
			msg := fmt.Sprintf("%q is not a NANP telephone number: give its 10 digits.", t.TN)
			if err != nil {
				msg = npac.ErrorMessage(err)
			}
			f = append(f, msg)
			continue
		}
		if seen[t.TN] {
			f = append(f, fmt.Sprintf("%s is in the order twice: remove the duplicate.", t.TN))
		}
		seen[t.TN] = true
		switch {
		case !t.Type.Valid():
			f = append(f, fmt.Sprintf("%s has unknown type %q: use wireline, wireless, voip, pager or toll-free.", t.TN, t.Type))
		case t.Type == TypePager:
			f = append(f, fmt.Sprintf("%s is a pager number, and pager numbers are not portable: remove it.", t.TN))
		}
	}
	return f
}

var (
	usZIP      = regexp.MustCompile(`^[0-9]{5}(-?[0-9]{4})?$`)
	usState    = regexp.MustCompile(`^[A-Za-z]{2}$`)
	caPostal   = regexp.MustCompile(`^[A-Za-z][0-9][A-Za-z] ?[0-9][A-Za-z][0-9]$`)
	sha256Text = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

func addressFixes(a Address) []string {
	var missing, f []string
	for _, p := range []struct{ name, v string }{
		{"civic number", a.Number}, {"street", a.Street}, {"city", a.City},
		{"state or province", a.State}, {"ZIP or postal code", a.PostalCode}, {"country", a.Country},
	} {
		if strings.TrimSpace(p.v) == "" {
			missing = append(missing, p.name)
		}
	}
	if len(missing) > 0 {
		f = append(f, "Complete the service address (where the line is, as on the losing provider's CSR, not the billing address): give the "+strings.Join(missing, ", ")+".")
	}
	pc := strings.TrimSpace(a.PostalCode)
	st := strings.TrimSpace(a.State)
	switch strings.ToUpper(strings.TrimSpace(a.Country)) {
	case "US":
		if pc != "" && !usZIP.MatchString(pc) {
			f = append(f, fmt.Sprintf("The ZIP code %q is not a US ZIP: give 5 digits, or ZIP+4.", pc))
		}
		if st != "" && !usState.MatchString(st) {
			f = append(f, fmt.Sprintf("The state %q is not a two-letter state code, such as NY.", st))
		}
	case "CA":
		if pc != "" && !caPostal.MatchString(pc) {
			f = append(f, fmt.Sprintf("The postal code %q is not a Canadian postal code: give A1A 1A1.", pc))
		}
		if st != "" && !provinceCodes[provinceKey(st)] {
			f = append(f, fmt.Sprintf("The province %q is not a Canadian province or territory: give its code, such as ON.", st))
		}
	case "":
	default:
		f = append(f, fmt.Sprintf("The country %q is not served: port orders cover US and CA numbers only; a number cannot be ported across countries.", a.Country))
	}
	return f
}

// wirelessFixes: US wireless ports need the PIN/passcode (seed 002 line
// 226); Canadian ones the account number, and the IMEI when the account
// number is the number itself, a prepaid account (line 230).
func wirelessFixes(o *Order) []string {
	if !o.isWireless() {
		return nil
	}
	if countryOf(o.ServiceAddress) == "CA" {
		acct := nameKey(o.Account.Number, false)
		for _, t := range o.TNs {
			if acct != "" && acct == string(t.TN) && strings.TrimSpace(o.Account.IMEI) == "" {
				return []string{"The account number is the wireless number itself (a prepaid account): give the phone's IMEI (dial *#06#)."}
			}
		}
		return nil
	}
	if strings.TrimSpace(o.Account.PIN) == "" {
		return []string{"Give the port-out PIN or passcode of the wireless account; ask the losing carrier for it if it is not known."}
	}
	return nil
}

func remainingFixes(o *Order) []string {
	var f []string
	if o.Partial && len(o.Remaining) == 0 {
		f = append(f, "A partial port must list every number and service that stays on the account (internet, fax, other numbers) and whether to keep it or disconnect it.")
	}
	if !o.Partial && len(o.Remaining) > 0 {
		f = append(f, "Remaining services are listed but the order is not marked partial: mark it partial or remove the list.")
	}
	inOrder := map[npac.TN]bool{}
	for _, t := range o.TNs {
		inOrder[t.TN] = true
	}
	for i, s := range o.Remaining {
		switch {
		case s.TN == "" && strings.TrimSpace(s.Description) == "":
			f = append(f, fmt.Sprintf("Remaining service %d names neither a number nor a service: describe it.", i+1))
		case s.TN != "" && inOrder[s.TN]:
			f = append(f, fmt.Sprintf("%s is both ported and listed as remaining: remove it from one list.", s.TN))
		}
		switch s.Action {
		case Keep, Disconnect, Port:
		default:
			f = append(f, fmt.Sprintf("Say whether remaining service %d is kept or disconnected (action %q, %q or %q).", i+1, Keep, Disconnect, Port))
		}
	}
	return f
}

func (r Rules) loaFixes(o *Order, now time.Time) []string {
	var f []string
	l := o.LOA
	if strings.TrimSpace(l.SignedBy) == "" {
		f = append(f, "Give who signed the letter of authorization (an authorized person on the account).")
	}
	switch {
	case l.SignedAt.IsZero():
		f = append(f, "Give the date the LOA was signed.")
	case l.SignedAt.After(now):
		f = append(f, fmt.Sprintf("The LOA is dated %s, in the future: give the date it was actually signed.", l.SignedAt.Format(time.DateOnly)))
	case now.Sub(l.SignedAt) > r.LOAMaxAge:
		f = append(f, fmt.Sprintf("The LOA was signed %s, more than %d days ago: have the end user sign a new one.", l.SignedAt.Format(time.DateOnly), int(r.LOAMaxAge/(24*time.Hour))))
	}
	switch l.Method {
	case LOAWet, LOAElectronic:
	default:
		f = append(f, fmt.Sprintf("Say how the LOA was signed: %q or %q (a hand signature avoids rejections).", LOAWet, LOAElectronic))
	}
	return f
}

func hasProof(docs []Document) bool {
	for _, d := range docs {
		if (d.Kind == DocBill || d.Kind == DocCSR) && sha256Text.MatchString(d.SHA256) && d.Size > 0 {
			return true
		}
	}
	return false
}
