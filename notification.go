package npac

import (
	"context"
	"time"
)

// NoticeKind names a notification.
type NoticeKind string

// Notification kinds, after the NANC notifications they stand for.
const (
	// NoticeObjectCreation: an SV was created (to both SPs).
	NoticeObjectCreation NoticeKind = "sv-created"
	// NoticeConcurrenceRequest: the new SP created and the old SP should
	// concur (at create and again when T1 expires).
	NoticeConcurrenceRequest NoticeKind = "concurrence-request"
	// NoticeCreateRequest: the old SP created and the new SP should create
	// (when T1 expires).
	NoticeCreateRequest NoticeKind = "create-request"
	// NoticeT1Expired and NoticeT2Expired: a concurrence window closed.
	// After T2 the new SP may activate without the old SP's concurrence.
	NoticeT1Expired NoticeKind = "t1-expired"
	NoticeT2Expired NoticeKind = "t2-expired"
	// NoticeStatusChange: the SV's status changed (to both SPs).
	NoticeStatusChange NoticeKind = "status-change"
	// NoticeAttributeChange: the SV's data changed without a status change.
	NoticeAttributeChange NoticeKind = "attribute-change"
	// NoticeConflict: the old SP placed the SV in conflict (to the new SP).
	NoticeConflict NoticeKind = "conflict"
	// NoticeCancelPending: one side canceled and the other must acknowledge.
	NoticeCancelPending NoticeKind = "cancel-pending"
	// NoticeCancelWindowExpired: a cancellation concurrence window closed.
	NoticeCancelWindowExpired NoticeKind = "cancel-window-expired"
	// NoticeCustomerDisconnect: the current SP disconnected the number (to
	// the code holder, who gets the number back).
	NoticeCustomerDisconnect NoticeKind = "customer-disconnect"
	// NoticeBlockStatus: a pool block's status changed (to the block
	// holder).
	NoticeBlockStatus NoticeKind = "block-status"
	// NoticeNewNPANXX: the first SV of an NPA-NXX was created (to every
	// provider serving the region).
	NoticeNewNPANXX NoticeKind = "new-npa-nxx"
	// NoticeCodeOpened: an NPA-NXX opened for porting (to every provider
	// serving the region).
	NoticeCodeOpened NoticeKind = "npa-nxx-opened"
	// NoticeOrderStatus: a port order's status changed (to the gaining SP
	// and, once submitted, the losing SP).
	NoticeOrderStatus NoticeKind = "order-status"
)

// Notification is one message to one provider. Seq numbers each provider's
// stream from 1 without gaps, in commit order, so a reader resumes by
// asking for what comes after the last Seq it saw.
type Notification struct {
	Seq       int64          `json:"seq"`
	SPID      SPID           `json:"spid"`
	Kind      NoticeKind     `json:"kind"`
	SVID      int64          `json:"sv_id,omitempty"`
	TN        TN             `json:"tn,omitempty"`
	Status    Status         `json:"status,omitempty"`
	OldStatus Status         `json:"old_status,omitempty"`
	Message   string         `json:"message"`
	Data      map[string]any `json:"data,omitempty"`
	CreatedAt time.Time      `json:"created_at"`
}

// NotificationService reads providers' notification streams.
type NotificationService interface {
	// Notifications returns up to limit notifications for spid with Seq
	// greater than after, oldest first. The caller must be able to read
	// for spid. Errors: forbidden.
	Notifications(ctx context.Context, spid SPID, after int64, limit int) ([]*Notification, error)
	// LastSeq returns the newest Seq of spid's stream (0 when empty).
	LastSeq(ctx context.Context, spid SPID) (int64, error)
}
