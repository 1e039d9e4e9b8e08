package portorder

import (
	"slices"
	"strings"
	"time"

	"github.com/opennpac/npac"
)

// CSRLine is one number on a Customer Service Record.
type CSRLine struct {
	TN     npac.TN `json:"tn"`
	Active bool    `json:"active"` // in service; disconnected numbers are not portable
	// BTN is the line's billing telephone number when it is not the
	// account's (an account may have several BTNs, seed 002 line 429).
	BTN npac.TN `json:"btn,omitempty"`
	// HuntGroup names the hunt group the line belongs to, if any.
	HuntGroup string `json:"hunt_group,omitempty"`
	// OpenOrder is the ID of another open port order holding the number.
	OpenOrder string `json:"open_order,omitempty"`
}

// CSR is the losing SP's Customer Service Record of the account: what an
// order is validated against (seed 002 line 210: "All of the information on
// this request must match the losing carrier's (CSR) in order for them to
// issue a FOC date").
type CSR struct {
	Account string    `json:"account"`
	BTN     npac.TN   `json:"btn"`
	TNs     []CSRLine `json:"tns"`
	// Services are services on the account other than numbers ("DSL
	// internet", "fax"); a port that leaves them is partial.
	Services []string `json:"services,omitempty"`
	// ComplexServices are complex switch translations on the lines
	// (Centrex, ISDN, AIN, remote call forwarding); see SimplePort.
	ComplexServices []string `json:"complex_services,omitempty"`
	ServiceAddress  Address  `json:"service_address"`
	// AuthorizedNames are the people with control of the account.
	AuthorizedNames []string `json:"authorized_names"`
	BusinessName    string   `json:"business_name,omitempty"`
	// Reseller is the reseller that sells the losing carrier's service to
	// the end user, if any.
	Reseller string `json:"reseller,omitempty"`
	// PIN is the port-out PIN or passcode; "" when none is assigned.
	PIN string `json:"pin,omitempty"`
	// Inactive says the account itself is not active.
	Inactive     bool `json:"inactive,omitempty"`
	Frozen       bool `json:"frozen,omitempty"`
	PendingOrder bool `json:"pending_order,omitempty"`
	// LastAuthorization is the latest authorization the losing SP holds
	// for the account (another port request, or the end user's
	// cancellation of this one); later than the order's LOA means a more
	// recent authorization.
	LastAuthorization time.Time `json:"last_authorization,omitzero"`
	// UNE says the lines are provided over unbundled network elements.
	UNE bool `json:"une,omitempty"`
}

// Finding is one mismatch Check found: a code of Codes, the number it is
// about (if any) and a detail sentence.
type Finding struct {
	Code   string  `json:"code"`
	TN     npac.TN `json:"tn,omitempty"`
	Detail string  `json:"detail"`
}

// Validate returns the rejection codes a losing SP holding csr gives o, in
// the order of Codes, each once; none means the order gets an FOC.
//
// Matching rules, by the country of the record's service address (else
// the order's; seed 002 lines 389-393):
//
//   - US: exact match after normalizing case, whitespace and punctuation:
//     "123 Main St." = "123 MAIN ST", but "123 Main St" ≠ "123 Main
//     Street" — "the smallest difference will cause a rejection" (line
//     393). Apartment and unit designators are words like any other, so
//     "Apt 4" ≠ "Unit 4".
//   - Canada: "Abbreviations are Not an exact reason for a rejection e.g.
//     Sending "45 St 1St Av" instead of "45 Street First Avenue" will not
//     clear the rejection since it remains the same address" (line 391).
//     Street suffixes, secondary unit designators and directionals are
//     compared by their USPS Publication 28 standard abbreviations (the
//     embedded tables, pub28/), ordinals by number (First = 1st = 1St =
//     1re), "St"/"Ste" before a name as Saint/Sainte ("St Clair",
//     "Ste-Foy") and otherwise as Street/Suite ("45 St 1St Av", "Main St
//     W", "Ste 200"), accents folded, province names as codes. A unit is
//     compared by its identifier only: "Unit 4" = "Apt 4" = "Suite 4" = "#4"
//     = "4-123 Main St" (Canada Post's unit-civic form), because the
//     designator word does not change which unit is meant and Canada Post
//     lets it be left out; "Unit 4" ≠ "Apt 5". This is a choice: a carrier
//     that compares designators would reject "Unit 4" against "Apt 4".
//   - Names, both countries: only letters and digits count (case,
//     whitespace and punctuation ignored; accents also in Canada); word
//     order counts. The authorized name must be one of the record's; the
//     business name is compared when the record has one or the end user is
//     a business.
//   - Postal codes: US ZIP on its first 5 digits (ZIP+4 tolerant), Canadian
//     codes ignoring case and space.
//
// Also: every number on the account and active, the account active, no
// other open order for a number, the BTNs, the PIN when the record has one
// (a PIN given when the record has none is ignored: seed 002 lines
// 461-465), a partial port listing every remaining number and service
// (hunt group members separately), no pending order or freeze, no
// authorization more recent than the LOA, and a wireless approval that
// expired or was declined.
func Validate(o *Order, csr *CSR) []string {
	var codes []string
	for _, f := range Check(o, csr) {
		if !slices.Contains(codes, f.Code) {
			codes = append(codes, f.Code)
		}
	}
	return sortCodes(codes)
}

// sortCodes orders codes as in Codes; unknown codes go last.
func sortCodes(codes []string) []string {
	rank := func(c string) int {
		for i, rc := range Codes {
			if rc.Code == c {
				return i
			}
		}
		return len(Codes)
	}
	slices.SortStableFunc(codes, func(a, b string) int { return rank(a) - rank(b) })
	return codes
}

// Check is Validate with details: one Finding per mismatch, per number
// where a number is concerned. The details describe the order, not the
// record, so they can be shown to the gaining SP. A nil csr is an empty
// record: nothing matches.
func Check(o *Order, csr *CSR) []Finding {
	if csr == nil {
		csr = &CSR{} // no record: nothing on the order can match
	}
	var fs []Finding
	add := func(code string, tn npac.TN, detail string) {
		fs = append(fs, Finding{Code: code, TN: tn, Detail: detail})
	}
	country, _ := sameCountry(o.ServiceAddress, csr.ServiceAddress)
	ca := country == "CA"

	if csr.Inactive {
		add(CodeAccountNotActive, "", "The account "+o.Account.Number+" is not active.")
	}
	lines := map[npac.TN]CSRLine{}
	for _, l := range csr.TNs {
		lines[l.TN] = l
	}
	inOrder := map[npac.TN]bool{}
	for _, t := range o.TNs {
		inOrder[t.TN] = true
		l, ok := lines[t.TN]
		switch {
		case !ok:
			add(CodeTNNotOnAccount, t.TN, t.TN.String()+" is not on the account.")
		case !l.Active:
			add(CodeTNNotActive, t.TN, t.TN.String()+" is disconnected or not in service.")
		}
		if ok && l.OpenOrder != "" && l.OpenOrder != o.ID {
			add(CodeDuplicate, t.TN, t.TN.String()+" is already in open order "+l.OpenOrder+".")
		}
	}

	// Names.
	if len(csr.AuthorizedNames) > 0 {
		if !nameIn(o.EndUser.Name, csr.AuthorizedNames, ca) {
			add(CodeName, "", "The authorized name "+quote(o.EndUser.Name)+" is not one the account lists.")
		}
		if o.LOA.SignedBy != "" && !nameIn(o.LOA.SignedBy, csr.AuthorizedNames, ca) {
			add(CodeSigner, "", "The LOA signer "+quote(o.LOA.SignedBy)+" is not authorized on the account.")
		}
	}
	if csr.BusinessName != "" || o.EndUser.Kind == Business {
		if nameKey(o.EndUser.BusinessName, ca) != nameKey(csr.BusinessName, ca) {
			add(CodeBusinessName, "", "The business name "+quote(o.EndUser.BusinessName)+" does not match the account.")
		}
	}

	// Address.
	if IsPOBox(o.ServiceAddress.line()) {
		add(CodePOBox, "", "The service address "+quote(o.ServiceAddress.line())+" is a mailbox, not a street address.")
	} else if !SameStreet(o.ServiceAddress, csr.ServiceAddress) {
		rule := "US addresses must match the record exactly"
		if ca {
			rule = "Canadian addresses are compared ignoring abbreviations"
		}
		add(CodeAddress, "", "The service address does not match the account's ("+rule+").")
	}
	if !SamePostalCode(o.ServiceAddress.PostalCode, csr.ServiceAddress.PostalCode, country) {
		add(CodePostalCode, "", "The postal code "+quote(o.ServiceAddress.PostalCode)+" does not match the account's.")
	}

	// Account.
	if k := nameKey(o.Account.Number, false); k == "" || k != nameKey(csr.Account, false) {
		add(CodeAccountNumber, "", "The account number "+quote(o.Account.Number)+" does not match.")
	}
	if csr.Reseller != "" && nameKey(o.Reseller, ca) != nameKey(csr.Reseller, ca) {
		add(CodeReseller, "", "The reseller "+quote(o.Reseller)+" does not match the account's.")
	}
	checkBTNs(o, csr, lines, add)
	if csr.PIN != "" {
		switch pin := strings.TrimSpace(o.Account.PIN); {
		case pin == "":
			add(CodePINMissing, "", "The account has a PIN and the order gives none.")
		case pin != strings.TrimSpace(csr.PIN):
			add(CodePIN, "", "The PIN does not match.")
		}
	}

	checkRemaining(o, csr, inOrder, add)

	if csr.PendingOrder {
		add(CodePendingOrder, "", "The account has an open order at the losing provider.")
	}
	if csr.Frozen {
		add(CodeFrozen, "", "The account has a port freeze.")
	}
	if !csr.LastAuthorization.IsZero() && (o.LOA.SignedAt.IsZero() || csr.LastAuthorization.After(o.LOA.SignedAt)) {
		add(CodeMoreRecentAuth, "", "The losing provider holds an authorization dated "+csr.LastAuthorization.Format(time.DateOnly)+", more recent than the LOA.")
	}
	switch o.Approval.State {
	case ApprovalExpired:
		add(CodeApprovalTimeout, "", "The end user did not answer the approval SMS in time.")
	case ApprovalDeclined:
		add(CodeApprovalDeclined, "", "The end user declined the approval SMS.")
	}
	return fs
}

func quote(s string) string { return "\u201c" + s + "\u201d" }

func nameIn(name string, names []string, ca bool) bool {
	k := nameKey(name, ca)
	if k == "" {
		return false
	}
	for _, n := range names {
		if nameKey(n, ca) == k {
			return true
		}
	}
	return false
}

// checkBTNs: every BTN the order gives must be one of the account's, and
// every number's BTN (its line's, else the account's) must be given.
func checkBTNs(o *Order, csr *CSR, lines map[npac.TN]CSRLine, add func(string, npac.TN, string)) {
	known := map[npac.TN]bool{}
	if csr.BTN != "" {
		known[csr.BTN] = true
	}
	for _, l := range csr.TNs {
		if l.BTN != "" {
			known[l.BTN] = true
		}
	}
	given := map[npac.TN]bool{}
	for _, b := range o.Account.BTNs {
		given[b] = true
		if !known[b] {
			add(CodeBTN, b, "The BTN "+b.String()+" is not a billing number of the account.")
		}
	}
	if len(o.Account.BTNs) == 0 && len(known) > 0 {
		add(CodeBTN, "", "The order gives no BTN.")
		return
	}
	for _, t := range o.TNs {
		l, ok := lines[t.TN]
		if !ok {
			continue
		}
		want := l.BTN
		if want == "" {
			want = csr.BTN
		}
		if want != "" && !given[want] {
			add(CodeBTN, t.TN, t.TN.String()+" is billed under another BTN than the order gives.")
		}
	}
}

// checkRemaining: a port that leaves active numbers or services on the
// account must be marked partial and list each of them; hunt-group members
// of a ported number are reported separately.
func checkRemaining(o *Order, csr *CSR, inOrder map[npac.TN]bool, add func(string, npac.TN, string)) {
	listed := map[npac.TN]bool{}
	var descs []string
	for _, r := range o.Remaining {
		if r.TN != "" {
			listed[r.TN] = true
		}
		if r.Description != "" {
			descs = append(descs, nameKey(r.Description, true))
		}
	}
	hunt := map[string]bool{}
	for _, l := range csr.TNs {
		if inOrder[l.TN] && l.HuntGroup != "" {
			hunt[l.HuntGroup] = true
		}
	}
	left, missing := false, false
	for _, l := range csr.TNs {
		if inOrder[l.TN] || !l.Active {
			continue
		}
		left = true
		if listed[l.TN] {
			continue
		}
		missing = true
		if l.HuntGroup != "" && hunt[l.HuntGroup] {
			add(CodeHuntGroup, l.TN, l.TN.String()+" is in hunt group "+quote(l.HuntGroup)+" with a ported number and is not listed.")
		} else {
			add(CodePartialPort, l.TN, l.TN.String()+" stays on the account and is not listed among the remaining services.")
		}
	}
	for _, s := range csr.Services {
		left = true
		k := nameKey(s, true)
		if !slices.ContainsFunc(descs, func(d string) bool { return k != "" && strings.Contains(d, k) }) {
			missing = true
			add(CodePartialPort, "", "The service "+quote(s)+" stays on the account and is not listed among the remaining services.")
		}
	}
	if left && !missing && !o.Partial {
		add(CodePartialPort, "", "Numbers or services stay on the account but the order is not marked partial.")
	}
}

// SimplePort reports whether porting o away from the account csr is a
// simple port in the FCC's 2009 definition (FCC 09-41; the interval is one
// business day, 47 CFR 52.35): a port that does not involve unbundled
// network elements, involves an account for a single line only, does not
// include complex switch translations (Centrex, ISDN, AIN services, remote
// call forwarding, or multiple services on the loop) and does not include
// a reseller.
//
// The exact inputs: csr.UNE is false; the account has exactly one number
// (len(csr.TNs) == 1) and the order ports exactly that number and is not
// partial; csr.ComplexServices is empty and csr.Services is empty (another
// service, such as DSL, on the loop makes it "multiple services"); and
// neither csr.Reseller nor o.Reseller is set. Number types and provider
// types play no part (a wireless or intermodal port can be simple).
func SimplePort(o *Order, csr *CSR) bool {
	return !csr.UNE &&
		len(csr.TNs) == 1 && len(o.TNs) == 1 && o.TNs[0].TN == csr.TNs[0].TN && !o.Partial &&
		len(csr.ComplexServices) == 0 && len(csr.Services) == 0 &&
		csr.Reseller == "" && o.Reseller == ""
}
