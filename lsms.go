package npac

import (
	"context"
	"time"
)

// LSMSRegistration says that a provider's LSMS receives the broadcasts of
// some regions, less the NPA-NXXs it filters out.
type LSMSRegistration struct {
	SPID    SPID     `json:"spid"`
	Regions []Region `json:"regions"`
	// Exclude lists NPA-NXXs whose messages the LSMS does not want.
	Exclude []NPANXX `json:"exclude"`
	// PseudoLRN opts the LSMS in to SVs and blocks that carry the
	// pseudo-LRN (NANC 442): from every provider, or only from those in
	// PseudoLRNFrom when it is not empty. Without it they are never sent.
	PseudoLRN     bool   `json:"pseudo_lrn"`
	PseudoLRNFrom []SPID `json:"pseudo_lrn_from,omitempty"`
	// AckedSeq is the last log sequence number the LSMS acknowledged.
	AckedSeq  int64     `json:"acked_seq"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Wants reports whether the LSMS receives messages of a region and code.
// An empty code (network data of a whole region) passes any filter.
func (l *LSMSRegistration) Wants(r Region, code NPANXX) bool {
	in := false
	for _, x := range l.Regions {
		in = in || x == r
	}
	if !in {
		return false
	}
	for _, x := range l.Exclude {
		if x == code {
			return false
		}
	}
	return true
}

// WantsPseudo reports whether the LSMS receives pseudo-LRN records of a
// provider.
func (l *LSMSRegistration) WantsPseudo(spid SPID) bool {
	if !l.PseudoLRN {
		return false
	}
	if len(l.PseudoLRNFrom) == 0 {
		return true
	}
	for _, s := range l.PseudoLRNFrom {
		if s == spid {
			return true
		}
	}
	return false
}

// Broadcast tracks a sending SV's delivery to the LSMSs.
type Broadcast struct {
	// Seq is the log message carrying it.
	Seq int64 `json:"seq"`
	// Targets are the providers whose LSMSs must apply it; Pending those
	// that have not acknowledged yet; Failed those whose retries ran out.
	Targets []SPID `json:"targets"`
	Pending []SPID `json:"pending"`
	Failed  []SPID `json:"failed"`
	// Deadline is when pending LSMSs count as failed.
	Deadline time.Time `json:"deadline"`
}

// MessageKind names a broadcast log message.
type MessageKind string

// Log message kinds.
const (
	// MsgSV sets a TN's route (activation or modification).
	MsgSV MessageKind = "sv"
	// MsgSVDelete removes a TN's route: a disconnect or a port back to
	// the code holder. The TN falls back to its block or code holder.
	MsgSVDelete MessageKind = "sv-delete"
	// MsgCode and MsgCodeDelete carry NPA-NXX network data.
	MsgCode       MessageKind = "npa-nxx"
	MsgCodeDelete MessageKind = "npa-nxx-delete"
	// MsgLRN and MsgLRNDelete carry LRN network data.
	MsgLRN       MessageKind = "lrn"
	MsgLRNDelete MessageKind = "lrn-delete"
	// MsgBlock sets a pool block's route, the default of its 1,000
	// numbers; MsgBlockDelete de-pools it, and its numbers fall back to
	// the code holder.
	MsgBlock       MessageKind = "block"
	MsgBlockDelete MessageKind = "block-delete"
	// MsgFirstPort is the heads-up that the first SV of an NPA-NXX was
	// created: ported numbers will soon need LNP queries in that code.
	// It changes no routing.
	MsgFirstPort MessageKind = "npa-nxx-first-port"
	// MsgSplit starts or ends the permissive dialing period of an NPA
	// split (Split).
	MsgSplit MessageKind = "npa-split"
)

// Message is one entry of the broadcast log, as an LSMS receives it. Seq
// orders all messages; an LSMS applies them in that order and
// acknowledges the last it applied.
type Message struct {
	Seq    int64       `json:"seq"`
	Kind   MessageKind `json:"kind"`
	Region Region      `json:"region"`
	// TN and Route are set for SV messages, with the SV's ID and when it
	// activated.
	TN                  TN         `json:"tn,omitempty"`
	SVID                int64      `json:"sv_id,omitempty"`
	Route               *Route     `json:"route,omitempty"`
	ActivationTimestamp *time.Time `json:"activation_timestamp,omitempty"`
	// Block and BlockID are set for block messages, with Route and
	// ActivationTimestamp.
	Block   NPANXXX `json:"npa_nxx_x,omitempty"`
	BlockID int64   `json:"block_id,omitempty"`
	// Split is set for split messages.
	Split *SplitNotice `json:"split,omitempty"`
	// Code and LRN carry network data.
	Code *CodeRecord `json:"npa_nxx,omitempty"`
	LRN  *LRNRecord  `json:"lrn,omitempty"`
	// Targets, when set, limits the message to these providers' LSMSs (a
	// resend to the ones that failed).
	Targets []SPID    `json:"targets,omitempty"`
	At      time.Time `json:"at"`
}

// NPANXX returns the code the message is about, or "" for none.
func (m *Message) NPANXX() NPANXX {
	switch {
	case m.TN != "":
		return m.TN.NPANXX()
	case m.Block != "":
		return m.Block.NPANXX()
	case m.Code != nil:
		return m.Code.NPANXX
	}
	return ""
}

// For reports whether the message goes to the LSMS registration l.
func (m *Message) For(l *LSMSRegistration) bool {
	if len(m.Targets) > 0 {
		found := false
		for _, t := range m.Targets {
			found = found || t == l.SPID
		}
		if !found {
			return false
		}
	}
	if m.Kind == MsgLRN || m.Kind == MsgLRNDelete {
		return l.Wants(m.Region, "")
	}
	if m.Route != nil && m.Route.LRN.IsPseudo() && !l.WantsPseudo(m.Route.SPID) {
		return false
	}
	return l.Wants(m.Region, m.NPANXX())
}

// LSMSService registers LSMSs and feeds them the broadcast log.
type LSMSService interface {
	// RegisterLSMS creates or replaces the LSMS registration of a
	// provider: NPAC personnel, the provider's SOA, or the LSMS itself.
	// Errors: invalid, not-found, forbidden.
	RegisterLSMS(ctx context.Context, l *LSMSRegistration) error
	// LSMS returns one registration (NPAC personnel, or the provider's SOA
	// or LSMS). Errors: not-found, forbidden.
	LSMS(ctx context.Context, spid SPID) (*LSMSRegistration, error)
	// LSMSs lists the registrations. NPAC personnel only.
	LSMSs(ctx context.Context) ([]*LSMSRegistration, error)
	// UnregisterLSMS removes a registration; broadcasts in flight to it
	// count as delivered. Errors: not-found, forbidden.
	UnregisterLSMS(ctx context.Context, spid SPID) error

	// Messages returns up to limit log messages for spid's LSMS after seq,
	// in order. The caller must act for spid as its LSMS (or be NPAC
	// personnel). Errors: forbidden, not-found (no registration),
	// log-truncated (after is older than the log keeps: re-sync from the
	// image).
	// next is the sequence number to read after next time: messages for
	// other LSMSs are passed over, so it may lie beyond the last returned.
	Messages(ctx context.Context, spid SPID, after int64, limit int) (msgs []*Message, next int64, err error)
	// Ack records that spid's LSMS applied every message up to seq.
	// Errors: forbidden, not-found, invalid (seq beyond the log).
	Ack(ctx context.Context, spid SPID, seq int64) error
	// Image streams the full routing state spid's LSMS should hold (its
	// regions' codes, LRNs and routed TNs) as of log sequence head, which
	// it returns first through start. Errors: forbidden, not-found.
	// total is about how many messages follow (the NPA-NXX filters are
	// not counted).
	Image(ctx context.Context, spid SPID, start func(head, total int64) error, each func(*Message) error) error
	// LogHead returns the newest log sequence number.
	LogHead(ctx context.Context) (int64, error)
	// SeqBefore returns the sequence number just before the first message
	// appended at or after t: the "after" that recovers from t on.
	SeqBefore(ctx context.Context, t time.Time) (int64, error)
	// LogChanged returns a channel closed at the next log append made by
	// this process, for streams to wake on.
	LogChanged() <-chan struct{}
}

// ELogTruncated: an LSMS asked for log messages older than the log keeps.
const ELogTruncated = "log-truncated"

// StreamLine is one line of an LSMS's NDJSON stream: a log message, a
// heartbeat, or, in the full image, the head it was read at and its end.
type StreamLine struct {
	Message   *Message   `json:"message,omitempty"`
	Heartbeat *Heartbeat `json:"heartbeat,omitempty"`
	Image     *ImageMark `json:"image,omitempty"`
}

// Heartbeat tells a connected LSMS the stream is alive. Cursor is the
// last log sequence the stream has read for it: with nothing of its own
// pending, the LSMS may acknowledge up to Cursor.
type Heartbeat struct {
	Cursor int64     `json:"cursor"`
	Head   int64     `json:"head"`
	At     time.Time `json:"at"`
}

// ImageMark opens (Head set, with about how many messages follow) and
// closes (End set, with the message count) a full image.
type ImageMark struct {
	Head  int64 `json:"head"`
	Total int64 `json:"total,omitempty"`
	End   bool  `json:"end,omitempty"`
	Count int64 `json:"count,omitempty"`
}
