package outbound

import (
	"context"

	"github.com/opennpac/npac"
)

// EndpointUpdate changes an endpoint; nil fields stay as they are. Any
// update clears a failing endpoint's failure state, so it is tried again
// at once.
type EndpointUpdate struct {
	URL   *string            `json:"url"`
	To    *[]string          `json:"to"`
	Kinds *[]npac.NoticeKind `json:"kinds"`
	// RotateSecret replaces a webhook's secret with a new one.
	RotateSecret bool `json:"rotate_secret"`
}

// EndpointService manages endpoints: NPAC personnel for every provider, a
// provider's SOA (or bureau) for its own.
type EndpointService interface {
	// CreateEndpoint adds an endpoint starting after the provider's newest
	// notification. A webhook's secret is generated when empty and
	// returned in Secret this once. Errors: invalid, forbidden, not-found.
	CreateEndpoint(ctx context.Context, ep *Endpoint) error
	// Endpoints lists a provider's endpoints. Errors: forbidden.
	Endpoints(ctx context.Context, spid npac.SPID) ([]*Endpoint, error)
	// Endpoint returns one endpoint. Errors: not-found, forbidden.
	Endpoint(ctx context.Context, id int64) (*Endpoint, error)
	// UpdateEndpoint changes an endpoint; a rotated secret is returned in
	// Secret this once. Errors: invalid, not-found, forbidden.
	UpdateEndpoint(ctx context.Context, id int64, upd EndpointUpdate) (*Endpoint, error)
	// DeleteEndpoint removes an endpoint. Errors: not-found, forbidden.
	DeleteEndpoint(ctx context.Context, id int64) error
	// ReplayEndpoint delivers the provider's notifications again from Seq
	// from on (at least 1), and clears the failure state. Errors: invalid,
	// not-found, forbidden.
	ReplayEndpoint(ctx context.Context, id int64, from int64) (*Endpoint, error)
}
