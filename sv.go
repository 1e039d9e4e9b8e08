package npac

import (
	"context"
	"net/url"
	"time"
)

// Status is the status of a subscription version.
type Status string

// The NANC subscription version statuses.
const (
	StatusPending           Status = "pending"
	StatusConflict          Status = "conflict"
	StatusCancelPending     Status = "cancel-pending"
	StatusSending           Status = "sending"
	StatusActive            Status = "active"
	StatusPartialFailure    Status = "partial-failure"
	StatusFailed            Status = "failed"
	StatusDisconnectPending Status = "disconnect-pending"
	StatusOld               Status = "old"
	StatusCanceled          Status = "canceled"
)

// Statuses lists every status.
var Statuses = []Status{StatusPending, StatusConflict, StatusCancelPending, StatusSending,
	StatusActive, StatusPartialFailure, StatusFailed, StatusDisconnectPending, StatusOld, StatusCanceled}

// Final reports whether no action moves an SV out of s.
func (s Status) Final() bool { return s == StatusOld || s == StatusCanceled }

// Slot says which of a TN's two live places an SV holds: at most one SV per
// TN is in the pending slot (pending, conflict, cancel-pending, and sending
// or failed before its first activation) and at most one in the active slot
// (active, partial-failure, disconnect-pending, and sending or failed while
// a modification or disconnect is broadcast). Old and canceled SVs hold
// none.
type Slot string

// Slots.
const (
	SlotNone    Slot = ""
	SlotPending Slot = "pending"
	SlotActive  Slot = "active"
)

// SVType is the kind of service the ported number carries (NANC 399).
type SVType string

// SV types.
const (
	SVWireline        SVType = "wireline"
	SVWireless        SVType = "wireless"
	SVVoIP            SVType = "voip"
	SVVoWiFi          SVType = "vowifi"
	SVPrepaidWireless SVType = "prepaid-wireless"
)

// Valid reports whether t is a known SV type.
func (t SVType) Valid() bool {
	switch t {
	case SVWireline, SVWireless, SVVoIP, SVVoWiFi, SVPrepaidWireless:
		return true
	}
	return false
}

// LNPType says what kind of port an SV records.
type LNPType string

// LNP types.
const (
	LNPInterProvider LNPType = "lspp" // between two providers
	LNPIntraProvider LNPType = "lisp" // within one provider, e.g. between switches
)

// Side is the part a provider plays in a port.
type Side string

// Sides.
const (
	SideNew Side = "new" // the gaining provider
	SideOld Side = "old" // the losing provider
)

// Conflict cause codes (NANC FRS; see docs/domain.md).
const (
	CauseLSRNotReceived  = 50 // LSR/WPR not received
	CauseFOCNotIssued    = 51 // initial FOC/WPRR not issued
	CauseDueDateMismatch = 52
	CauseVacantNumber    = 53
	CauseGeneralConflict = 54
	CauseCancelNotAcked  = 55 // NPAC set: old-SP cancel never acknowledged by the new SP
)

// RoutingData is the part of an SV that tells networks how to reach the
// number; it is what LSMSs receive.
type RoutingData struct {
	LRN                  LRN             `json:"lrn"`
	CLASS                *SignalingPoint `json:"class,omitempty"`
	LIDB                 *SignalingPoint `json:"lidb,omitempty"`
	CNAM                 *SignalingPoint `json:"cnam,omitempty"`
	ISVM                 *SignalingPoint `json:"isvm,omitempty"`
	WSMSC                *SignalingPoint `json:"wsmsc,omitempty"`
	BillingID            string          `json:"billing_id,omitempty"`
	EndUserLocationValue string          `json:"end_user_location_value,omitempty"`
	EndUserLocationType  string          `json:"end_user_location_type,omitempty"`
	SVType               SVType          `json:"sv_type"`
	AlternativeSPID      SPID            `json:"alternative_spid,omitempty"`
	VoiceURI             string          `json:"voice_uri,omitempty"`
	MMSURI               string          `json:"mms_uri,omitempty"`
	SMSURI               string          `json:"sms_uri,omitempty"`
}

// SV is a Subscription Version: the NPAC's record of one port of one TN.
type SV struct {
	ID     int64  `json:"id"`
	TN     TN     `json:"tn"`
	Region Region `json:"region"`
	Status Status `json:"status"`
	Slot   Slot   `json:"-"`
	// PriorStatus is the status a cancel-undo returns to.
	PriorStatus Status `json:"prior_status,omitempty"`
	// Pending names what a sending SV is broadcasting: activate, modify or
	// disconnect. It stays set on a failed or partially failed SV, for a
	// resend.
	Pending string `json:"pending_broadcast,omitempty"`

	OldSPID        SPID    `json:"old_spid"`
	NewSPID        SPID    `json:"new_spid"`
	LNPType        LNPType `json:"lnp_type"`
	PortToOriginal bool    `json:"port_to_original"`
	RoutingData

	// DueDate is the new SP's due date: activation is allowed from then.
	DueDate time.Time `json:"due_date"`
	// DueIsDay says the due dates name days (the wireline format, 00:00:00
	// GMT): set when either provider is wireline. Ports between wireless
	// providers carry a time.
	DueIsDay     bool       `json:"due_is_day"`
	OldSPDueDate *time.Time `json:"old_sp_due_date,omitempty"`
	TimerType    TimerType  `json:"timer_type"`

	// NewSPCreatedAt and OldSPCreatedAt are when each side sent its create.
	// Both set means the port is concurred.
	NewSPCreatedAt *time.Time `json:"new_sp_create_at,omitempty"`
	OldSPCreatedAt *time.Time `json:"old_sp_create_at,omitempty"`
	// Authorization is the old SP's authorization flag: nil until the old
	// SP speaks, false when it denied the port.
	Authorization *bool      `json:"authorization,omitempty"`
	CauseCode     int        `json:"cause_code,omitempty"`
	ConflictAt    *time.Time `json:"conflict_at,omitempty"`
	// ConflictUsed records that the old SP has placed the SV in conflict,
	// which it may do only once.
	ConflictUsed bool `json:"conflict_used"`

	T1ExpiresAt *time.Time `json:"t1_expires_at,omitempty"`
	T2ExpiresAt *time.Time `json:"t2_expires_at,omitempty"`

	CancelBy            Side       `json:"cancel_by,omitempty"`
	CancelRequestedAt   *time.Time `json:"cancel_requested_at,omitempty"`
	CancelAckNew        bool       `json:"cancel_ack_new,omitempty"`
	CancelAckOld        bool       `json:"cancel_ack_old,omitempty"`
	ActivationTimestamp *time.Time `json:"activation_timestamp,omitempty"`
	// CustomerDisconnectDate and EffectiveReleaseDate belong to a
	// disconnect.
	CustomerDisconnectDate *time.Time `json:"customer_disconnect_date,omitempty"`
	EffectiveReleaseDate   *time.Time `json:"effective_release_date,omitempty"`
	// FailedSPs lists the providers whose LSMS did not apply the last
	// broadcast.
	FailedSPs []SPID `json:"failed_spids"`
	// Broadcast is the delivery under way while the SV is sending.
	Broadcast *Broadcast `json:"broadcast,omitempty"`

	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
	StatusChangedAt time.Time `json:"status_changed_at"`
	// Version increases with every change.
	Version int `json:"version"`
}

// Concurred reports whether both sides have sent a create.
func (sv *SV) Concurred() bool { return sv.NewSPCreatedAt != nil && sv.OldSPCreatedAt != nil }

// SideOf returns the sides spid plays in the SV.
func (sv *SV) SideOf(spid SPID) []Side {
	var s []Side
	if sv.NewSPID == spid {
		s = append(s, SideNew)
	}
	if sv.OldSPID == spid {
		s = append(s, SideOld)
	}
	return s
}

// SPIDOf returns the SPID on a side of the SV.
func (sv *SV) SPIDOf(s Side) SPID {
	if s == SideOld {
		return sv.OldSPID
	}
	return sv.NewSPID
}

// Validate checks the routing data and canonicalizes its fields.
func (r *RoutingData) Validate() error {
	if r.LRN != "" {
		lrn, err := ParseLRN(string(r.LRN))
		if err != nil {
			return err
		}
		r.LRN = lrn
	}
	for _, p := range []struct {
		name string
		sp   *SignalingPoint
	}{{"CLASS", r.CLASS}, {"LIDB", r.LIDB}, {"CNAM", r.CNAM}, {"ISVM", r.ISVM}, {"WSMSC", r.WSMSC}} {
		if p.sp != nil {
			if err := p.sp.Validate(p.name); err != nil {
				return err
			}
		}
	}
	if r.SVType == "" {
		r.SVType = SVWireline
	}
	if !r.SVType.Valid() {
		return Errorf(EINVALID, "SV type %q is unknown: use wireline, wireless, voip, vowifi or prepaid-wireless.", r.SVType)
	}
	if !allDigits(r.BillingID, 0, 4) && !alnum(r.BillingID, 4) {
		return Errorf(EINVALID, "Billing ID %q is invalid: it is up to 4 letters or digits.", r.BillingID)
	}
	if !allDigits(r.EndUserLocationValue, 0, 12) {
		return Errorf(EINVALID, "End-user location value %q is invalid: it is up to 12 digits.", r.EndUserLocationValue)
	}
	if !allDigits(r.EndUserLocationType, 0, 2) {
		return Errorf(EINVALID, "End-user location type %q is invalid: it is up to 2 digits.", r.EndUserLocationType)
	}
	if r.AlternativeSPID != "" {
		s, err := ParseSPID(string(r.AlternativeSPID))
		if err != nil {
			return Errorf(EINVALID, "Alternative SPID: %s", ErrorMessage(err))
		}
		r.AlternativeSPID = s
	}
	for _, u := range []struct{ name, v string }{{"voice", r.VoiceURI}, {"MMS", r.MMSURI}, {"SMS", r.SMSURI}} {
		if u.v == "" {
			continue
		}
		p, err := url.Parse(u.v)
		if err != nil || p.Scheme == "" || len(u.v) > 255 {
			return Errorf(EINVALID, "The %s URI %q is invalid: give an absolute URI such as sip:+16135550100@example.net, at most 255 characters.", u.name, u.v)
		}
	}
	return nil
}

func allDigits(s string, minLen, maxLen int) bool {
	if len(s) < minLen || len(s) > maxLen {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func alnum(s string, maxLen int) bool {
	if len(s) > maxLen {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z') {
			return false
		}
	}
	return true
}

// SVCreate is a create request from either side of a port. The new SP
// sends the routing data; the old SP sends its authorization (and a cause
// code when it denies).
type SVCreate struct {
	TN      TN   `json:"tn"`
	NewSPID SPID `json:"new_spid"`
	OldSPID SPID `json:"old_spid"`
	// As says which side the caller speaks for when it may act for both.
	As Side `json:"as,omitempty"`
	RoutingData
	DueDate        time.Time `json:"due_date"`
	TimerType      TimerType `json:"timer_type,omitempty"`
	PortToOriginal bool      `json:"port_to_original,omitempty"`
	// Authorization is the old SP's concurrence; nil means true.
	Authorization *bool `json:"authorization,omitempty"`
	CauseCode     int   `json:"cause_code,omitempty"`
	// IdempotencyKey makes a retried create return the first result.
	IdempotencyKey string `json:"-"`
}

// SPIDOf returns the SPID the create names for a side.
func (in *SVCreate) SPIDOf(s Side) SPID {
	if s == SideOld {
		return in.OldSPID
	}
	return in.NewSPID
}

// SVModify changes an SV; nil fields stay as they are. The new SP of a
// pending SV may change routing data and the due date; the old SP its own
// due date; the current SP of an active SV its routing data; the current SP
// of a disconnect-pending SV the disconnect dates.
type SVModify struct {
	LRN                    *LRN            `json:"lrn"`
	CLASS                  *SignalingPoint `json:"class"`
	LIDB                   *SignalingPoint `json:"lidb"`
	CNAM                   *SignalingPoint `json:"cnam"`
	ISVM                   *SignalingPoint `json:"isvm"`
	WSMSC                  *SignalingPoint `json:"wsmsc"`
	BillingID              *string         `json:"billing_id"`
	EndUserLocationValue   *string         `json:"end_user_location_value"`
	EndUserLocationType    *string         `json:"end_user_location_type"`
	SVType                 *SVType         `json:"sv_type"`
	AlternativeSPID        *SPID           `json:"alternative_spid"`
	VoiceURI               *string         `json:"voice_uri"`
	MMSURI                 *string         `json:"mms_uri"`
	SMSURI                 *string         `json:"sms_uri"`
	DueDate                *time.Time      `json:"due_date"`
	CustomerDisconnectDate *time.Time      `json:"customer_disconnect_date"`
	EffectiveReleaseDate   *time.Time      `json:"effective_release_date"`
}

// ActionKind names an operation on an existing SV.
type ActionKind string

// Actions on an SV.
const (
	ActModify          ActionKind = "modify"
	ActActivate        ActionKind = "activate"
	ActConflict        ActionKind = "conflict"
	ActResolveConflict ActionKind = "resolve-conflict"
	ActCancel          ActionKind = "cancel"
	ActCancelAck       ActionKind = "cancel-ack"
	ActCancelUndo      ActionKind = "cancel-undo"
	ActDisconnect      ActionKind = "disconnect"
	// ActResend broadcasts a failed or partially failed SV again to the
	// LSMSs that did not apply it. NPAC personnel only.
	ActResend ActionKind = "resend"
)

// Action is an operation on an SV with its parameters.
type Action struct {
	Kind ActionKind `json:"-"`
	// As says which side the caller speaks for when it may act for both.
	As        Side      `json:"as,omitempty"`
	CauseCode int       `json:"cause_code,omitempty"`
	Modify    *SVModify `json:"-"`
	// Disconnect parameters.
	CustomerDisconnectDate *time.Time `json:"customer_disconnect_date,omitempty"`
	EffectiveReleaseDate   *time.Time `json:"effective_release_date,omitempty"`
}

// SVFilter selects SVs. Zero fields match everything.
type SVFilter struct {
	TN     TN
	Status Status
	// SPID matches SVs where the provider is old or new SP.
	SPID SPID
	// After pages by ID.
	AfterID int64
	Limit   int
}

// RangeResult is the outcome for one TN of a range request: the SV, or the
// error that TN met.
type RangeResult struct {
	TN    TN     `json:"tn"`
	SV    *SV    `json:"sv,omitempty"`
	Error *Error `json:"error,omitempty"`
}

// MaxRange is the most TNs one range request may name.
const MaxRange = 10000

// SVService creates subscription versions and moves them through their
// lifecycle. Each call is one transaction; invalid input writes nothing.
type SVService interface {
	// CreateSV records one side's create. A create that matches the other
	// side's pending create concurs with it and returns that SV.
	// Errors: invalid, forbidden, spid-not-authorized, not-found,
	// npa-nxx-not-portable, lrn-not-owned, old-sp-mismatch,
	// sv-already-pending, create-mismatch, port-to-original-invalid,
	// idempotency-key-reused.
	CreateSV(ctx context.Context, in SVCreate) (*SV, error)
	// SV returns one SV. Errors: not-found, forbidden.
	SV(ctx context.Context, id int64) (*SV, error)
	// SVs lists SVs the caller may see.
	SVs(ctx context.Context, f SVFilter) ([]*SV, error)
	// Act performs an action on an SV and returns it afterwards.
	// Errors: invalid, not-found, forbidden, sv-wrong-actor,
	// sv-wrong-status, sv-not-concurred, sv-due-date-not-reached,
	// conflict-window-closed, conflict-already-used,
	// conflict-resolution-restricted, lrn-not-owned.
	Act(ctx context.Context, id int64, a Action) (*SV, error)
	// CreateRange creates SVs for up to MaxRange TNs with the same
	// parameters, one result per TN.
	CreateRange(ctx context.Context, in SVCreate, tns []TN) ([]RangeResult, error)
	// ActRange performs an action on the live SV of each of up to MaxRange
	// TNs, one result per TN.
	ActRange(ctx context.Context, tns []TN, a Action) ([]RangeResult, error)
}
