package npac

import (
	"context"
	"time"
)

// ProviderType says what kind of provider a SPID belongs to.
type ProviderType string

// Provider types.
const (
	ProviderWireline      ProviderType = "wireline"
	ProviderWireless      ProviderType = "wireless"
	ProviderVoIP          ProviderType = "voip"
	ProviderServiceBureau ProviderType = "service-bureau"
)

// Valid reports whether t is a known provider type.
func (t ProviderType) Valid() bool {
	switch t {
	case ProviderWireline, ProviderWireless, ProviderVoIP, ProviderServiceBureau:
		return true
	}
	return false
}

// Contact is a person or desk a provider can be reached at.
type Contact struct {
	Kind  string `json:"kind"` // e.g. "technical", "porting", "billing"
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// Provider is a service provider known to the NPAC, keyed by its SPID.
type Provider struct {
	SPID     SPID         `json:"spid"`
	Name     string       `json:"name"`
	Type     ProviderType `json:"type"`
	Regions  []Region     `json:"regions"`
	Contacts []Contact    `json:"contacts"`
	// Bureaus lists the service bureaus (by SPID) this provider authorized
	// to act for it.
	Bureaus []SPID `json:"bureaus"`
	// SOABlocks lets the provider's SOA create and manage the pool blocks
	// it holds (the SOA NPA-NXX-X indicator); otherwise only the pooling
	// administrator does.
	SOABlocks bool `json:"soa_blocks"`
	// AutoActivate has the NPAC activate the provider's port-in orders on
	// their FOC date; otherwise the provider activates them itself.
	AutoActivate bool `json:"auto_activate"`
	// Origin says how the provider came to be: "" when registered by NPAC
	// personnel, "import" when a numbering data import created it for an
	// OCN it found.
	Origin    string    `json:"origin,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Validate checks and normalizes a provider before it is stored.
func (p *Provider) Validate() error {
	spid, err := ParseSPID(string(p.SPID))
	if err != nil {
		return err
	}
	p.SPID = spid
	if p.Name == "" || len(p.Name) > 200 {
		return Errorf(EINVALID, "A provider needs a name of 1 to 200 characters.")
	}
	if !p.Type.Valid() {
		return Errorf(EINVALID, "Provider type %q is unknown: use wireline, wireless, voip or service-bureau.", p.Type)
	}
	if len(p.Regions) == 0 {
		return Errorf(EINVALID, "A provider serves at least one NPAC region.")
	}
	for i, r := range p.Regions {
		if p.Regions[i], err = ParseRegion(string(r)); err != nil {
			return err
		}
	}
	for i, b := range p.Bureaus {
		if p.Bureaus[i], err = ParseSPID(string(b)); err != nil {
			return err
		}
	}
	for _, c := range p.Contacts {
		if c.Kind == "" || c.Name == "" {
			return Errorf(EINVALID, "Every contact needs a kind and a name.")
		}
	}
	return nil
}

// ProviderUpdate changes a provider; nil fields stay as they are.
type ProviderUpdate struct {
	Name         *string    `json:"name"`
	Regions      *[]Region  `json:"regions"`
	Contacts     *[]Contact `json:"contacts"`
	Bureaus      *[]SPID    `json:"bureaus"`
	SOABlocks    *bool      `json:"soa_blocks"`
	AutoActivate *bool      `json:"auto_activate"`
}

// Role is what a user may do. Roles other than npac-admin are held for a
// SPID.
type Role string

// Roles.
const (
	// RoleAdmin is NPAC personnel: every action, for every SPID.
	RoleAdmin Role = "npac-admin"
	// RoleSOA acts for its SPID on subscription versions and network data.
	RoleSOA Role = "soa"
	// RoleLSMS receives broadcasts for its SPID.
	RoleLSMS Role = "lsms"
	// RoleServiceBureau acts for the SPIDs that authorized the bureau's SPID.
	RoleServiceBureau Role = "service-bureau"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	switch r {
	case RoleAdmin, RoleSOA, RoleLSMS, RoleServiceBureau:
		return true
	}
	return r.IsData()
}

// Grant gives a user a role: npac-admin for everything; soa, lsms and
// service-bureau for a SPID; a data role (ptrs, tcpa, fraud,
// law-enforcement) for regions.
type Grant struct {
	Role    Role     `json:"role"`
	SPID    SPID     `json:"spid,omitempty"`
	Regions []Region `json:"regions,omitempty"`
}

// User is a person or system that calls the NPAC with API tokens.
type User struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Grants    []Grant   `json:"grants"`
	CreatedAt time.Time `json:"created_at"`
	Disabled  bool      `json:"disabled"`
}

// Validate checks a user before it is stored.
func (u *User) Validate() error {
	if u.Name == "" || len(u.Name) > 100 {
		return Errorf(EINVALID, "A user needs a name of 1 to 100 characters.")
	}
	if len(u.Grants) == 0 {
		return Errorf(EINVALID, "A user needs at least one role.")
	}
	for i, g := range u.Grants {
		if !g.Role.Valid() {
			return Errorf(EINVALID, "Role %q is unknown: use npac-admin, soa, lsms, service-bureau, ptrs, tcpa, fraud or law-enforcement.", g.Role)
		}
		if g.Role == RoleAdmin {
			if g.SPID != "" || len(g.Regions) > 0 {
				return Errorf(EINVALID, "The npac-admin role is held for everything: leave its spid and regions empty.")
			}
			continue
		}
		if g.Role.IsData() {
			if g.SPID != "" {
				return Errorf(EINVALID, "The %s role is held for regions, not a SPID: leave its spid empty.", g.Role)
			}
			if len(g.Regions) == 0 {
				return Errorf(EINVALID, "The %s role is held for the regions whose data it may see: give at least one.", g.Role)
			}
			for j, r := range g.Regions {
				reg, err := ParseRegion(string(r))
				if err != nil {
					return err
				}
				u.Grants[i].Regions[j] = reg
			}
			continue
		}
		if len(g.Regions) > 0 {
			return Errorf(EINVALID, "The %s role is held for a SPID, not regions: leave its regions empty.", g.Role)
		}
		spid, err := ParseSPID(string(g.SPID))
		if err != nil {
			return Errorf(EINVALID, "The %s role is held for a SPID: %s", g.Role, ErrorMessage(err))
		}
		u.Grants[i].SPID = spid
	}
	return nil
}

// Token is an API token. The secret is shown once, when it is made; the
// store keeps only its hash.
type Token struct {
	ID        int64      `json:"id"`
	UserID    int64      `json:"user_id"`
	Name      string     `json:"name"`
	Secret    string     `json:"secret,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	LastUsed  *time.Time `json:"last_used_at,omitempty"`
}

// Actor is the authenticated caller of a service method, with the SPIDs
// its bureau grants reach resolved.
type Actor struct {
	User User
	// Bureau maps each SPID this actor may act for through a
	// service-bureau grant to the bureau SPID that was authorized.
	Bureau map[SPID]SPID
	// System is set for the NPAC's own work (the timer scheduler): it is
	// recorded in audit records as "system".
	System bool
}

// SystemActor is the actor of work the NPAC does on its own, such as timer
// expiries.
var SystemActor = &Actor{User: User{Name: "system"}, System: true}

// IsAdmin reports whether the actor is NPAC personnel.
func (a *Actor) IsAdmin() bool {
	if a.System {
		return true
	}
	for _, g := range a.User.Grants {
		if g.Role == RoleAdmin {
			return true
		}
	}
	return false
}

// Has reports whether the actor holds role r for spid directly.
func (a *Actor) Has(r Role, spid SPID) bool {
	for _, g := range a.User.Grants {
		if g.Role == r && g.SPID == spid {
			return true
		}
	}
	return false
}

// CanActFor reports whether the actor may act as the SOA of spid: as NPAC
// personnel, with a soa grant for it, or as a service bureau it authorized.
func (a *Actor) CanActFor(spid SPID) bool {
	if a.IsAdmin() || a.Has(RoleSOA, spid) {
		return true
	}
	_, ok := a.Bureau[spid]
	return ok
}

// SOASPIDs returns the SPIDs the actor may act for as an SOA, directly or
// as a bureau. It is empty for NPAC personnel, who act for any SPID.
func (a *Actor) SOASPIDs() []SPID {
	var out []SPID
	for _, g := range a.User.Grants {
		if g.Role == RoleSOA {
			out = append(out, g.SPID)
		}
	}
	for s := range a.Bureau {
		out = append(out, s)
	}
	return out
}

// CanRead reports whether the actor may read data and notifications
// addressed to spid: as an SOA for it, its LSMS, or NPAC personnel.
func (a *Actor) CanRead(spid SPID) bool {
	return a.CanActFor(spid) || a.Has(RoleLSMS, spid)
}

type actorKey struct{}

// NewContext returns a context carrying the actor.
func NewContext(ctx context.Context, a *Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx, or nil.
func ActorFrom(ctx context.Context) *Actor {
	a, _ := ctx.Value(actorKey{}).(*Actor)
	return a
}

// ProviderService manages service providers.
type ProviderService interface {
	// CreateProvider stores a new provider. Only NPAC personnel may.
	// Errors: invalid, conflict (SPID taken), forbidden.
	CreateProvider(ctx context.Context, p *Provider) error
	// Provider returns one provider. Errors: not-found.
	Provider(ctx context.Context, spid SPID) (*Provider, error)
	// Providers lists every provider, by SPID.
	Providers(ctx context.Context) ([]*Provider, error)
	// UpdateProvider changes a provider: NPAC personnel, or the provider's
	// own SOA (which may change contacts and bureaus only).
	// Errors: invalid, not-found, forbidden.
	UpdateProvider(ctx context.Context, spid SPID, upd ProviderUpdate) (*Provider, error)
}

// UserService manages users and their tokens.
type UserService interface {
	// CreateUser stores a user and returns its first token.
	// Only NPAC personnel may. Errors: invalid, forbidden, not-found (a
	// granted SPID is unknown).
	CreateUser(ctx context.Context, u *User) (*Token, error)
	// User returns one user. NPAC personnel, or the user itself.
	// Errors: not-found, forbidden.
	User(ctx context.Context, id int64) (*User, error)
	// Users lists every user. Only NPAC personnel may. Errors: forbidden.
	Users(ctx context.Context) ([]*User, error)
	// CreateToken issues another token for a user (NPAC personnel, or the
	// user itself). Errors: not-found, forbidden.
	CreateToken(ctx context.Context, userID int64, name string, ttl time.Duration) (*Token, error)
	// Tokens lists a user's tokens, without their secrets, oldest first:
	// NPAC personnel read anyone's, a user its own. Revoked tokens are
	// gone. Errors: forbidden, not-found.
	Tokens(ctx context.Context, userID int64) ([]*Token, error)
	// RevokeToken deletes a token. Errors: not-found, forbidden.
	RevokeToken(ctx context.Context, userID, tokenID int64) error
	// Authenticate resolves a token secret to its actor.
	// Errors: unauthorized.
	Authenticate(ctx context.Context, secret string) (*Actor, error)
	// SetDisabled disables or re-enables a user (NPAC personnel only).
	// Errors: not-found, forbidden.
	SetDisabled(ctx context.Context, id int64, disabled bool) (*User, error)
	// SetPassword sets the password a user signs in to the web UI with
	// (NPAC personnel, or the user itself); 12 characters or more.
	// Errors: invalid, not-found, forbidden.
	SetPassword(ctx context.Context, userID int64, password string) error
}
