package npac

import (
	"context"
	"time"
)

// CodeRecord is an NPA-NXX as the NPAC knows it: who holds the code, in
// which region, and from when it is open for porting.
type CodeRecord struct {
	NPANXX NPANXX `json:"npa_nxx"`
	// SPID is the code holder: the provider TNs in the code route to when
	// they are not ported.
	SPID          SPID      `json:"spid"`
	Region        Region    `json:"region"`
	EffectiveDate time.Time `json:"effective_date"`
	// Portable says the code is open for porting. Subscription versions can
	// be created in it only when it is and the effective date has come.
	Portable bool `json:"portable"`
	// FirstPortAt is when the first SV in the code was created, the
	// moment the NPAC sent the new NPA-NXX heads-up.
	FirstPortAt *time.Time `json:"first_port_at,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// OpenAt reports whether the code accepts ports at t.
func (c *CodeRecord) OpenAt(t time.Time) bool {
	return c.Portable && !t.Before(c.EffectiveDate)
}

// CodeUpdate changes an NPA-NXX; nil fields stay as they are.
type CodeUpdate struct {
	Portable      *bool      `json:"portable"`
	EffectiveDate *time.Time `json:"effective_date"`
}

// LRNRecord is a Location Routing Number owned by a provider in a region.
type LRNRecord struct {
	LRN       LRN       `json:"lrn"`
	SPID      SPID      `json:"spid"`
	Region    Region    `json:"region"`
	CreatedAt time.Time `json:"created_at"`
}

// NetworkService manages network data: NPA-NXX codes and LRNs. NPAC
// personnel manage all of it; an SOA manages its own SPID's records.
type NetworkService interface {
	// CreateCode stores an NPA-NXX. Errors: invalid, conflict (exists),
	// not-found (unknown SPID), forbidden.
	CreateCode(ctx context.Context, c *CodeRecord) error
	// Code returns one NPA-NXX. Errors: not-found.
	Code(ctx context.Context, code NPANXX) (*CodeRecord, error)
	// Codes lists NPA-NXXs, optionally of one SPID and/or region, in
	// order, after the given code, at most limit.
	Codes(ctx context.Context, f CodeFilter) ([]*CodeRecord, error)
	// UpdateCode opens or closes a code for porting or moves its
	// effective date. Errors: invalid, not-found, forbidden.
	UpdateCode(ctx context.Context, code NPANXX, upd CodeUpdate) (*CodeRecord, error)
	// DeleteCode removes an NPA-NXX. Errors: not-found, forbidden, in-use
	// (live SVs in the code).
	DeleteCode(ctx context.Context, code NPANXX) error

	// CreateLRN stores an LRN. Errors: invalid, conflict (exists),
	// not-found (unknown SPID), forbidden.
	CreateLRN(ctx context.Context, l *LRNRecord) error
	// LRN returns one LRN. Errors: not-found.
	LRN(ctx context.Context, lrn LRN) (*LRNRecord, error)
	// LRNs lists LRNs, optionally of one SPID and/or region.
	LRNs(ctx context.Context, f LRNFilter) ([]*LRNRecord, error)
	// DeleteLRN removes an LRN. Errors: not-found, forbidden, in-use (live
	// SVs route to it).
	DeleteLRN(ctx context.Context, lrn LRN) error
}

// CodeFilter selects NPA-NXXs.
type CodeFilter struct {
	SPID   SPID
	Region Region
	After  NPANXX
	Limit  int
}

// LRNFilter selects LRNs.
type LRNFilter struct {
	SPID   SPID
	Region Region
	After  LRN
	Limit  int
}
