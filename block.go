package npac

import (
	"context"
	"time"
)

// PseudoLRN is the LRN value a subscription version or pool block carries
// when it publishes data other than voice routing (an alternative SPID, a
// messaging URI) without moving the number's voice routing (NANC 442). It
// is not registered as an LRN, and only LSMSs that opt in receive records
// that carry it.
const PseudoLRN LRN = "0000000000"

// IsPseudo reports whether l is the pseudo-LRN.
func (l LRN) IsPseudo() bool { return l == PseudoLRN }

// Block is a number pool block: the 1,000 numbers of an NPA-NXX-X that the
// pooling administrator assigned to a block holder. It is broadcast to the
// LSMSs as one record that routes every number of the block; a number of the
// block that is ported away has its own subscription version, which
// overrides the block.
//
// A block's status follows an SV's broadcast statuses: pending until its
// effective date, then sending, then active, partial-failure or failed.
// A modification or de-pooling is broadcast the same way; a de-pooled block
// ends old.
type Block struct {
	ID      int64   `json:"id"`
	NPANXXX NPANXXX `json:"npa_nxx_x"`
	Region  Region  `json:"region"`
	// SPID is the block holder.
	SPID   SPID   `json:"spid"`
	Status Status `json:"status"`
	// Pending names what a sending block is broadcasting: activate,
	// modify or delete. It stays set on a failed or partially failed
	// block, for a resend.
	Pending string `json:"pending_broadcast,omitempty"`
	BlockRouting
	EffectiveDate       time.Time  `json:"effective_date"`
	ActivationTimestamp *time.Time `json:"activation_timestamp,omitempty"`
	// Broadcast tracks delivery while the block is sending; FailedSPs
	// lists the SPs whose LSMS did not apply the last broadcast.
	Broadcast       *Broadcast `json:"broadcast,omitempty"`
	FailedSPs       []SPID     `json:"failed_spids"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	StatusChangedAt time.Time  `json:"status_changed_at"`
}

// BlockRouting is what a pool block tells networks: the fields of an SV's
// routing data that a block carries.
type BlockRouting struct {
	LRN             LRN             `json:"lrn"`
	CLASS           *SignalingPoint `json:"class,omitempty"`
	LIDB            *SignalingPoint `json:"lidb,omitempty"`
	CNAM            *SignalingPoint `json:"cnam,omitempty"`
	ISVM            *SignalingPoint `json:"isvm,omitempty"`
	WSMSC           *SignalingPoint `json:"wsmsc,omitempty"`
	SVType          SVType          `json:"sv_type"`
	AlternativeSPID SPID            `json:"alternative_spid,omitempty"`
}

// Validate checks the block routing and canonicalizes it. Every block
// routes to an LRN (or the pseudo-LRN).
func (r *BlockRouting) Validate() error {
	if r.LRN == "" {
		return Errorf(EINVALID, "A pool block needs the LRN its numbers route to.")
	}
	rd := RoutingData{LRN: r.LRN, CLASS: r.CLASS, LIDB: r.LIDB, CNAM: r.CNAM, ISVM: r.ISVM, WSMSC: r.WSMSC,
		SVType: r.SVType, AlternativeSPID: r.AlternativeSPID}
	if err := rd.Validate(); err != nil {
		return err
	}
	r.LRN, r.SVType, r.AlternativeSPID = rd.LRN, rd.SVType, rd.AlternativeSPID
	return nil
}

// Route is the route the block gives each of its numbers.
func (b *Block) Route() *Route {
	return &Route{Ported: true, SPID: b.SPID, LRN: b.LRN, SVType: b.SVType,
		CLASS: b.CLASS, LIDB: b.LIDB, CNAM: b.CNAM, ISVM: b.ISVM, WSMSC: b.WSMSC}
}

// InEffect reports whether the block holder serves the block's numbers in
// the NPAC: from an activation that at least one LSMS applied until a
// de-pooling completes. A block whose first broadcast is in flight or
// failed everywhere is not yet in effect.
func (b *Block) InEffect() bool {
	switch b.Status {
	case StatusActive, StatusPartialFailure:
		return true
	case StatusSending, StatusFailed:
		return b.Pending == "modify" || b.Pending == "delete"
	}
	return false
}

// BlockCreate schedules a pool block.
type BlockCreate struct {
	NPANXXX NPANXXX `json:"npa_nxx_x"`
	// SPID is the block holder.
	SPID SPID `json:"spid"`
	BlockRouting
	// EffectiveDate is when the block is activated and broadcast; zero or
	// past means at once.
	EffectiveDate time.Time `json:"effective_date"`
}

// BlockModify changes an active block's routing; nil fields stay as they
// are.
type BlockModify struct {
	LRN             *LRN            `json:"lrn"`
	CLASS           *SignalingPoint `json:"class"`
	LIDB            *SignalingPoint `json:"lidb"`
	CNAM            *SignalingPoint `json:"cnam"`
	ISVM            *SignalingPoint `json:"isvm"`
	WSMSC           *SignalingPoint `json:"wsmsc"`
	SVType          *SVType         `json:"sv_type"`
	AlternativeSPID *SPID           `json:"alternative_spid"`
	// EffectiveDate moves a block that is still pending.
	EffectiveDate *time.Time `json:"effective_date"`
}

// BlockFilter selects blocks.
type BlockFilter struct {
	SPID   SPID
	NPANXX NPANXX
	Status Status
	// Old includes de-pooled blocks.
	Old   bool
	After int64
	Limit int
}

// BlockService manages number pool blocks. The pooling administrator
// (npac-admin) manages every block; a block holder's SOA manages its own
// when its provider profile allows SOA block creation.
type BlockService interface {
	// CreateBlock schedules a block, or activates it at once when its
	// effective date has come. Errors: invalid, forbidden, not-found,
	// conflict (a block exists), lrn-not-owned, in-use (pending SVs in
	// the block).
	CreateBlock(ctx context.Context, in *BlockCreate) (*Block, error)
	// Block returns the live (not de-pooled) block of an NPA-NXX-X.
	// Errors: not-found.
	Block(ctx context.Context, b NPANXXX) (*Block, error)
	// Blocks lists blocks by ID.
	Blocks(ctx context.Context, f BlockFilter) ([]*Block, error)
	// ModifyBlock changes a pending or active block's routing and
	// broadcasts an active one. Errors: invalid, forbidden, not-found,
	// wrong-status.
	ModifyBlock(ctx context.Context, b NPANXXX, md BlockModify) (*Block, error)
	// DeleteBlock de-pools a block: a pending block is removed at once;
	// a block in effect is broadcast as deleted and ends old, its numbers
	// falling back to the code holder. Errors: forbidden, not-found,
	// wrong-status (a broadcast in flight).
	DeleteBlock(ctx context.Context, b NPANXXX) (*Block, error)
	// ResendBlock broadcasts a failed or partially failed block again to
	// the LSMSs that failed. NPAC personnel only.
	ResendBlock(ctx context.Context, b NPANXXX) (*Block, error)
	// ActivateDueBlocks activates the pending blocks whose effective date
	// has come, up to limit, and returns how many.
	ActivateDueBlocks(ctx context.Context, now time.Time, limit int) (int, error)
}
