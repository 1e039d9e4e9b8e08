package portorder

import (
	"time"

	"github.com/opennpac/npac"
)

// Status is the status of a port order, and of each of its numbers.
type Status string

// Order statuses. The flow is draft → submitted → foc | rejected →
// activating → completed; a supp (supplement) moves a submitted, foc or
// rejected order back to submitted; canceled is reachable from every status
// that is not final. See Transition for the table.
const (
	StatusDraft      Status = "draft"      // being prepared by the gaining SP; not sent
	StatusSubmitted  Status = "submitted"  // LSR sent, awaiting the losing SP's answer
	StatusFOC        Status = "foc"        // the losing SP committed to a date (firm order commitment)
	StatusRejected   Status = "rejected"   // the losing SP rejected it; fix and supp, or cancel
	StatusActivating Status = "activating" // the FOC date came and the port is being activated
	StatusCompleted  Status = "completed"  // every number ported (or canceled individually)
	StatusCanceled   Status = "canceled"   // withdrawn by the gaining SP or expired
)

// Statuses lists every status in flow order.
var Statuses = []Status{StatusDraft, StatusSubmitted, StatusFOC, StatusRejected,
	StatusActivating, StatusCompleted, StatusCanceled}

// Final reports whether no action moves an order (or number) out of s.
func (s Status) Final() bool { return s == StatusCompleted || s == StatusCanceled }

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	for _, v := range Statuses {
		if v == s {
			return true
		}
	}
	return false
}

// EndUserKind says whether the end user is a person or a business.
type EndUserKind string

// End-user kinds.
const (
	Person   EndUserKind = "person"
	Business EndUserKind = "business"
)

// EndUser is the subscriber whose numbers are ported.
type EndUser struct {
	Kind EndUserKind `json:"kind"`
	// Name is the authorized name: the person the losing SP lists as having
	// control of the account. For a business this is still a person ("A
	// carrier will always have a person's name listed in a company as having
	// control of a number", seed 002 line 419).
	Name string `json:"name"`
	// BusinessName is the company name, for business end users.
	BusinessName string `json:"business_name,omitempty"`
}

// Address is a service address: where the line is, as the losing SP's
// Customer Service Record (CSR) lists it, not the billing address.
type Address struct {
	Number     string `json:"number"`         // civic number, "123" (Canada also "4-123": unit 4)
	Street     string `json:"street"`         // street name with suffix and directional, "Main St W"
	Unit       string `json:"unit,omitempty"` // secondary unit, "Apt 4"
	City       string `json:"city"`
	State      string `json:"state"`       // two-letter state or province code
	PostalCode string `json:"postal_code"` // US ZIP (or ZIP+4), Canadian A1A 1A1
	Country    string `json:"country"`     // "US" or "CA"
}

// Account is the end user's account at the losing SP.
type Account struct {
	Number string    `json:"number"`
	BTNs   []npac.TN `json:"btns"` // billing telephone numbers
	// PIN is the port-out PIN or passcode; required for US wireless
	// numbers (seed 002 line 226).
	PIN string `json:"pin,omitempty"`
	// IMEI is needed for a Canadian prepaid wireless number, whose account
	// number is the number itself (seed 002 line 230).
	IMEI string `json:"imei,omitempty"`
}

// TNType is the kind of service a number has at the losing SP.
type TNType string

// Number types.
const (
	TypeWireline TNType = "wireline"
	TypeWireless TNType = "wireless"
	TypeVoIP     TNType = "voip"
	TypePager    TNType = "pager"     // not portable (seed 002 line 110)
	TypeTollFree TNType = "toll-free" // moves by RespOrg change in the Somos registry, not through the NPAC
)

// Valid reports whether t is a known type; the empty type means unknown
// and is valid.
func (t TNType) Valid() bool {
	switch t {
	case "", TypeWireline, TypeWireless, TypeVoIP, TypePager, TypeTollFree:
		return true
	}
	return false
}

// OrderTN is one number of an order, with its own status.
type OrderTN struct {
	TN   npac.TN `json:"tn"`
	Type TNType  `json:"type,omitempty"`
	// LosingSPID is the number's current SP when it differs from the
	// order's (an order spanning several losing SPs, before Split).
	LosingSPID npac.SPID `json:"losing_spid,omitempty"`
	Status     Status    `json:"status"`
	// SVID is the NPAC subscription version created for this number, set by
	// the store once the SV exists.
	SVID int64 `json:"sv_id,omitempty"`
}

// RemainingAction says what happens to a service left behind by a partial
// port.
type RemainingAction string

// Remaining-service actions.
const (
	Keep       RemainingAction = "keep"
	Disconnect RemainingAction = "disconnect"
	// Port means the number is ported in another order (a sibling made by
	// Split); it is listed so the losing SP sees the whole account.
	Port RemainingAction = "port"
)

// RemainingService is a number or service that stays on the account at the
// losing SP in a partial port, and what to do with it (seed 002 lines
// 96-100, 441-447).
type RemainingService struct {
	TN          npac.TN         `json:"tn,omitempty"`
	Description string          `json:"description,omitempty"` // e.g. "DSL internet", "fax line"
	Action      RemainingAction `json:"action"`
}

// LOAMethod is how the letter of authorization was signed.
type LOAMethod string

// LOA methods.
const (
	LOAWet        LOAMethod = "wet"
	LOAElectronic LOAMethod = "electronic"
)

// LOA is the end user's letter of authorization.
type LOA struct {
	SignedBy string    `json:"signed_by"`
	SignedAt time.Time `json:"signed_at,omitzero"`
	Method   LOAMethod `json:"method"`
}

// DocumentKind is the kind of an attached document.
type DocumentKind string

// Document kinds.
const (
	DocBill  DocumentKind = "bill"
	DocCSR   DocumentKind = "csr"
	DocLOA   DocumentKind = "loa"
	DocOther DocumentKind = "other"
)

// Document is an attachment stored elsewhere; the order keeps its digest.
type Document struct {
	Kind   DocumentKind `json:"kind"`
	Name   string       `json:"name"`
	SHA256 string       `json:"sha256"` // 64 lower-case hex digits
	Size   int64        `json:"size"`
}

// ApprovalState is the state of a wireless end-user approval: the losing
// wireless carrier texts the number and the end user must reply within 90
// minutes (seed 002 lines 152, 232, 395-407).
type ApprovalState string

// Approval states.
const (
	ApprovalNone     ApprovalState = ""         // not a wireless port
	ApprovalWaiting  ApprovalState = "waiting"  // submitted; the losing carrier has not texted yet
	ApprovalPending  ApprovalState = "pending"  // texted; the window runs
	ApprovalApproved ApprovalState = "approved" // the end user replied yes
	ApprovalDeclined ApprovalState = "declined" // the end user replied no
	ApprovalExpired  ApprovalState = "expired"  // no reply within the window
)

// Approval tracks the wireless end-user approval.
type Approval struct {
	State      ApprovalState `json:"state,omitempty"`
	SentAt     time.Time     `json:"sent_at,omitzero"`
	Deadline   time.Time     `json:"deadline,omitzero"`
	AnsweredAt time.Time     `json:"answered_at,omitzero"`
}

// Rejection is the losing SP's answer refusing the order.
type Rejection struct {
	Codes []string  `json:"codes"` // from Codes, all Permitted
	Note  string    `json:"note,omitempty"`
	By    string    `json:"by,omitempty"`
	At    time.Time `json:"at"`
	// ExpiresAt is when an uncorrected rejection lapses and the order is
	// canceled (seed 002 line 469: "reply to us within 7 days").
	ExpiresAt time.Time `json:"expires_at"`
}

// Reasons returns the table entries of the rejection's codes.
func (r *Rejection) Reasons() []RejectCode {
	var out []RejectCode
	for _, c := range r.Codes {
		if rc, ok := Lookup(c); ok {
			out = append(out, rc)
		}
	}
	return out
}

// Fee records a fee tier that applied to a cancel or a due-date change
// after the FOC (Plivo porting guide, seed 004: ">48 h", "24–48 h", "<24 h").
type Fee struct {
	At     time.Time `json:"at"`
	Action Action    `json:"action"`
	Tier   string    `json:"tier"`
}

// Event is one entry of an order's history.
type Event struct {
	At     time.Time `json:"at"`
	Action Action    `json:"action"`
	From   Status    `json:"from,omitempty"`
	Status Status    `json:"status"`
	Actor  string    `json:"actor,omitempty"`
	Note   string    `json:"note,omitempty"`
}

// Order is a port order (LSR): the gaining SP asks the losing SP to release
// numbers. The store persists it as JSON; the functions of this package
// change it in memory and never do I/O.
type Order struct {
	ID       string `json:"id"`
	ParentID string `json:"parent_id,omitempty"` // the order Split came from
	// GainingSPID is the new SP, LosingSPID the old one.
	GainingSPID npac.SPID `json:"gaining_spid"`
	LosingSPID  npac.SPID `json:"losing_spid"`
	// Region is the NPAC region whose time zone dates are counted in; when
	// empty it is derived from the service address's state or province.
	Region npac.Region `json:"region,omitempty"`
	Status Status      `json:"status"`

	EndUser        EndUser `json:"end_user"`
	ServiceAddress Address `json:"service_address"`
	Account        Account `json:"account"`
	// Reseller is the reseller the end user buys from, when the losing SP
	// is its upstream carrier (seed 002 line 439).
	Reseller string    `json:"reseller,omitempty"`
	TNs      []OrderTN `json:"tns"`
	// LRN is the gaining SP's location routing number the numbers will
	// route to: the LRN of the SVs the NPAC creates at the FOC.
	LRN npac.LRN `json:"lrn"`

	// Partial says numbers or services stay behind on the account;
	// Remaining lists them and what to do with them.
	Partial   bool               `json:"partial"`
	Remaining []RemainingService `json:"remaining,omitempty"`

	DesiredDue time.Time  `json:"desired_due,omitzero"`
	FOC        *time.Time `json:"foc,omitempty"`

	LOA       LOA        `json:"loa"`
	Documents []Document `json:"documents,omitempty"`
	Notes     string     `json:"notes,omitempty"`

	Project  bool `json:"project"`  // part of a project port (more TNs than Rules.MaxTNs)
	Simple   bool `json:"simple"`   // an FCC simple port: 1 business day interval
	Wireless bool `json:"wireless"` // needs the end user's SMS approval

	Rejection *Rejection `json:"rejection,omitempty"`
	Approval  Approval   `json:"approval,omitzero"`
	Fees      []Fee      `json:"fees,omitempty"`
	Supps     int        `json:"supps"` // how many supplements were sent

	History     []Event   `json:"history,omitempty"`
	CreatedAt   time.Time `json:"created_at,omitzero"`
	UpdatedAt   time.Time `json:"updated_at,omitzero"`
	SubmittedAt time.Time `json:"submitted_at,omitzero"` // last (re)submission: the LSR receipt the due date counts from
}

// CancelFeeTier returns the fee tier of the order's cancellation, or "" if
// it was not canceled after an FOC.
func (o *Order) CancelFeeTier() string {
	for _, f := range o.Fees {
		if f.Action == ActCancel {
			return f.Tier
		}
	}
	return ""
}

// isWireless reports whether the order needs wireless handling: flagged,
// or any number is wireless.
func (o *Order) isWireless() bool {
	if o.Wireless {
		return true
	}
	for _, t := range o.TNs {
		if t.Type == TypeWireless {
			return true
		}
	}
	return false
}

// region returns the order's region, or the one its service address is in.
func (o *Order) region() npac.Region {
	if o.Region != "" {
		return o.Region
	}
	if countryOf(o.ServiceAddress) == "CA" {
		return npac.Canada
	}
	r, _ := npac.RegionOfArea(o.ServiceAddress.State)
	return r
}

// Clone returns a deep copy of o.
func (o *Order) Clone() *Order {
	c := *o
	c.Account.BTNs = append([]npac.TN(nil), o.Account.BTNs...)
	c.TNs = append([]OrderTN(nil), o.TNs...)
	c.Remaining = append([]RemainingService(nil), o.Remaining...)
	c.Documents = append([]Document(nil), o.Documents...)
	c.Fees = append([]Fee(nil), o.Fees...)
	c.History = append([]Event(nil), o.History...)
	if o.FOC != nil {
		f := *o.FOC
		c.FOC = &f
	}
	if o.Rejection != nil {
		r := *o.Rejection
		r.Codes = append([]string(nil), o.Rejection.Codes...)
		c.Rejection = &r
	}
	return &c
}
