package npac

import (
	"context"
	"encoding/json"
	"time"
)

// AuditRecord is the trace one change leaves: who made it, acting for which
// SPID, when, to what, and the thing before and after.
type AuditRecord struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	UserID   int64     `json:"user_id,omitempty"`
	UserName string    `json:"user_name"`
	// SPID is the provider the actor acted for, if any.
	SPID   SPID   `json:"spid,omitempty"`
	Action string `json:"action"`
	// Entity and EntityID name what changed: "sv" and its ID, "provider"
	// and its SPID, and so on.
	Entity   string          `json:"entity"`
	EntityID string          `json:"entity_id"`
	Before   json.RawMessage `json:"before,omitempty"`
	After    json.RawMessage `json:"after,omitempty"`
}

// AuditFilter selects audit records. Zero fields match everything.
type AuditFilter struct {
	Entity   string
	EntityID string
	SPID     SPID
	// Action matches one action, such as "sv.activate" or "lrn.create".
	Action string
	// AfterID and BeforeID keep the records whose IDs are above AfterID
	// and below BeforeID.
	AfterID  int64
	BeforeID int64
	// Newest lists the newest records first: page backwards with
	// BeforeID, the last ID of the previous page.
	Newest bool
	Limit  int
}

// AuditService reads the audit trail. NPAC personnel read all of it; a
// provider reads the records of its own actions and of SVs it is party to.
type AuditService interface {
	// Audit returns matching records, oldest first or, with f.Newest,
	// newest first. Errors: invalid, forbidden, not-found (an SV named
	// by a provider).
	Audit(ctx context.Context, f AuditFilter) ([]*AuditRecord, error)
}
