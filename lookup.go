package npac

import (
	"context"
	"io"
	"slices"
	"time"
)

// The data roles: read-only users of the NPAC's data under its permitted
// uses (numberportability.com "Permitted Use", npac-spec.md §6). Each is
// held for the regions whose data it may see, and sees only the fields its
// use allows.
const (
	// RolePTRS: routing, rating, billing and network maintenance.
	RolePTRS Role = "ptrs"
	// RoleTCPA: TCPA compliance (was a number ported between wireless and
	// wireline, and what is it now).
	RoleTCPA Role = "tcpa"
	// RoleFraud: fraud checks (porting history and provider).
	RoleFraud Role = "fraud"
	// RoleLawEnforcement: law enforcement and PSAPs (history and provider
	// contacts).
	RoleLawEnforcement Role = "law-enforcement"
)

// DataRoles lists the data roles.
var DataRoles = []Role{RolePTRS, RoleTCPA, RoleFraud, RoleLawEnforcement}

// IsData reports whether r is a read-only data role.
func (r Role) IsData() bool { return slices.Contains(DataRoles, r) }

// DataRegions returns the regions the actor may look up numbers in with
// role r: every region for NPAC personnel, none without the role.
func (a *Actor) DataRegions(r Role) []Region {
	if a.IsAdmin() {
		out := make([]Region, len(Regions))
		for i, ri := range Regions {
			out[i] = ri.Code
		}
		return out
	}
	var out []Region
	for _, g := range a.User.Grants {
		if g.Role == r {
			out = append(out, g.Regions...)
		}
	}
	return out
}

// PortInfo is a port query's answer for one number. Which fields are
// present depends on the caller's role: a field the role may not see is
// absent, not blank.
type PortInfo struct {
	TN TN `json:"tn"`
	// Ported says an SV routes the number; Pooled that a pool block does.
	Ported *bool `json:"ported,omitempty"`
	Pooled *bool `json:"pooled,omitempty"`
	// SPID is the provider serving the number now, with its name and,
	// for law enforcement, its contacts.
	SPID         SPID      `json:"spid,omitempty"`
	ProviderName string    `json:"provider_name,omitempty"`
	Contacts     []Contact `json:"contacts,omitempty"`
	LRN          LRN       `json:"lrn,omitempty"`
	SVType       SVType    `json:"sv_type,omitempty"`
	// LineType is wireless, wireline or voip: the SV type of a ported
	// number, else the serving provider's type.
	LineType string `json:"line_type,omitempty"`
	// LastPortedAt is the activation of the number's latest port.
	LastPortedAt *time.Time `json:"last_ported_at,omitempty"`
	// CodeHolder is the original code holder (the "not ported" answer's
	// provider).
	CodeHolder SPID   `json:"code_holder,omitempty"`
	Region     Region `json:"region,omitempty"`
	// Error is set instead of the answer when this number could not be
	// looked up (not-found: unknown NPA-NXX; forbidden: outside the
	// caller's regions).
	Error *Error `json:"error,omitempty"`
}

// PortEvent is one event of a number's porting history.
type PortEvent struct {
	At time.Time `json:"at"`
	// Type is port (between providers), intra-provider, port-to-original
	// or disconnect (the number went back to its block or code holder).
	Type   string `json:"type"`
	From   SPID   `json:"from"`
	To     SPID   `json:"to"`
	SVType SVType `json:"sv_type,omitempty"`
	SVID   int64  `json:"sv_id,omitempty"`
	// FromContacts and ToContacts are the providers' contacts, for law
	// enforcement only.
	FromContacts []Contact `json:"from_contacts,omitempty"`
	ToContacts   []Contact `json:"to_contacts,omitempty"`
}

// TCPAResult is the TCPA check of one number: whether it was ported
// between wireless and wireline service since the date asked, and its line
// type now.
type TCPAResult struct {
	TN TN `json:"tn"`
	// Ported says a port between wireless and wireline happened at or
	// after the date asked.
	Ported   bool   `json:"ported"`
	LineType string `json:"line_type"`
	// Error is set for a line that is not a number or a number the NPAC
	// does not know.
	Error string `json:"error,omitempty"`
}

// LookupSession is a limited lookup session (the IVR's rules): opened with
// a user's PIN, it answers at most MaxLookups numbers before it expires.
type LookupSession struct {
	ID         string    `json:"id"`
	User       string    `json:"user"`
	MaxLookups int       `json:"max_lookups"`
	Used       int       `json:"used"`
	ExpiresAt  time.Time `json:"expires_at"`
}

// LookupService answers the data roles' queries. Every call is audited.
type LookupService interface {
	// Lookup is the port query of up to the role's per-query limit of
	// numbers (law enforcement 100). Errors: forbidden (no data role),
	// invalid (too many numbers), rate-limited.
	Lookup(ctx context.Context, tns []TN) ([]*PortInfo, error)
	// History lists a number's port events, oldest first: fraud and law
	// enforcement (with contacts) and NPAC personnel. Errors: forbidden,
	// not-found, rate-limited.
	History(ctx context.Context, tn TN) ([]*PortEvent, error)
	// TCPA checks every number read from in (one per line) for a port
	// between wireless and wireline at or after since, calling out for
	// each in input order with a result that is valid only during the
	// call; it returns how many numbers it checked.
	// Errors: forbidden (no tcpa role), rate-limited.
	TCPA(ctx context.Context, since time.Time, in io.Reader, out func(*TCPAResult) error) (int, error)

	// IssuePIN gives a user with a data role a new lookup PIN, shown
	// once (NPAC personnel only). Errors: forbidden, not-found, invalid.
	IssuePIN(ctx context.Context, userID int64) (string, error)
	// OpenLookupSession opens a limited session with a user's name and
	// PIN; it needs no token. Errors: unauthorized.
	OpenLookupSession(ctx context.Context, user, pin string) (*LookupSession, error)
	// SessionLookup answers one number in a session. Errors:
	// unauthorized (unknown or expired session), lookup-limit (the
	// session's numbers are used up).
	SessionLookup(ctx context.Context, session string, tn TN) (*PortInfo, *LookupSession, error)
}
