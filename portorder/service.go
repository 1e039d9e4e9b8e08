package portorder

import (
	"context"
	"time"

	"github.com/opennpac/npac"
)

// Service keeps port orders in the NPAC and links them to subscription
// versions. The gaining SP's SOA creates, changes, submits, activates and
// cancels its orders; the losing SP's SOA keeps CSRs, records the end
// user's approval and answers orders by hand; NPAC personnel may do all.
type Service interface {
	// CheckPortability answers, for each number, whether gaining can port
	// it and why not. Errors: invalid, forbidden.
	CheckPortability(ctx context.Context, gaining npac.SPID, tns []npac.TN) ([]Portability, error)

	// CreateOrder stores a draft. Each number's losing SP and type come
	// from the NPAC; an order over Rules.MaxTNs numbers, or over several
	// losing SPs, is split, and every part is returned. key, when set,
	// makes a retried create return the first result. Errors: invalid,
	// forbidden, not-portable (with the numbers and reasons).
	CreateOrder(ctx context.Context, o *Order, key string) ([]*Order, error)
	// Order returns an order, each number with its SV's status. The
	// gaining and losing SPs and NPAC personnel see it. Errors: not-found.
	Order(ctx context.Context, id string) (*OrderView, error)
	// Orders lists orders by ID.
	Orders(ctx context.Context, f Filter) ([]*Order, error)
	// UpdateOrder replaces a draft's data, or sends a supp of a submitted,
	// FOC or rejected order. Errors: invalid, forbidden, not-found,
	// order-wrong-status.
	UpdateOrder(ctx context.Context, id string, revised *Order) (*Order, error)
	// SubmitOrder sends a draft to the losing SP. When the losing SP keeps
	// a CSR for the account, the order is validated against it at once:
	// an FOC (after the end user's approval, for wireless) or a rejection.
	// Errors: order-requirements-unmet, order-wrong-status, forbidden.
	SubmitOrder(ctx context.Context, id string) (*Order, error)
	// AnswerOrder is the losing SP's answer by hand: an FOC on a date, or
	// a rejection with permitted codes. Errors: invalid,
	// reject-reason-not-permitted, due-date-invalid, order-wrong-status,
	// wireless-approval-required, forbidden.
	AnswerOrder(ctx context.Context, id string, r Reply) (*Order, error)
	// RecordApproval records the wireless end user's approval: sent (the
	// losing SP texted), or answered yes or no. Errors: as AnswerOrder.
	RecordApproval(ctx context.Context, id string, a ApprovalEvent) (*Order, error)
	// ActivateOrder activates the order's SVs on or after the FOC date.
	// Errors: foc-not-reached, order-wrong-status, forbidden.
	ActivateOrder(ctx context.Context, id string) (*Order, error)
	// CancelOrder withdraws an order (and cancels its SVs), before the
	// cutoff. Errors: cancel-too-late, order-wrong-status, forbidden.
	CancelOrder(ctx context.Context, id string, note string) (*Order, error)

	// PutCSR stores the losing SP's customer service record of an
	// account, replacing an earlier one. Errors: invalid, forbidden.
	PutCSR(ctx context.Context, spid npac.SPID, csr *CSR) error
	// PutCSRs stores several CSRs in one transaction (a bulk load):
	// numbers may move between the accounts given. Errors: invalid,
	// conflict (a number on another account not given), forbidden.
	PutCSRs(ctx context.Context, spid npac.SPID, csrs []*CSR) error
	// CSRs lists a provider's CSRs by account. Errors: forbidden.
	CSRs(ctx context.Context, spid npac.SPID) ([]*CSR, error)
	// DeleteCSR removes one. Errors: not-found, forbidden.
	DeleteCSR(ctx context.Context, spid npac.SPID, account string) error

	// AdvanceOrders does the time-driven work due at now: expired
	// approvals and rejections, activation on the FOC date for providers
	// that activate automatically, and completion when SVs are active.
	AdvanceOrders(ctx context.Context, now time.Time) (int, error)
}

// Filter selects orders: of a provider as the gaining or losing SP, in a
// status, after an ID.
type Filter struct {
	SPID npac.SPID
	// Side is "gaining" (the provider's port-ins), "losing" (its
	// port-outs) or "" for both.
	Side   string
	Status Status
	After  int64
	Limit  int
}

// Reply is the losing SP's answer to an order.
type Reply struct {
	// FOC commits to a date; Codes reject (exactly one of the two).
	FOC   *time.Time `json:"foc,omitempty"`
	Codes []string   `json:"codes,omitempty"`
	Note  string     `json:"note,omitempty"`
}

// ApprovalEvent is a wireless end user's approval step.
type ApprovalEvent struct {
	// Sent says the losing SP texted the end user; otherwise Approved is
	// the end user's answer.
	Sent     bool      `json:"sent,omitempty"`
	Approved bool      `json:"approved,omitempty"`
	At       time.Time `json:"at,omitzero"`
}

// OrderView is an order as its parties read it: with each number's SV
// status and broadcast, and, for the losing SP, the automatic validation
// against its CSR.
type OrderView struct {
	*Order
	SVs        []SVState     `json:"svs,omitempty"`
	Validation []Finding     `json:"validation,omitempty"`
	Unmet      []Requirement `json:"unmet,omitempty"`
}

// SVState is one number's subscription version as the order shows it.
type SVState struct {
	TN        npac.TN         `json:"tn"`
	SVID      int64           `json:"sv_id"`
	Status    npac.Status     `json:"status"`
	Broadcast *npac.Broadcast `json:"broadcast,omitempty"`
	FailedSPs []npac.SPID     `json:"failed_spids,omitempty"`
}
