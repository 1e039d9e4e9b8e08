package bdd

import (
	"time"

	npac "github.com/opennpac/npac"
)

// Kind is a kind of BDD file, and of the records in it.
type Kind uint8

// Kinds of files. [Subscriptions] and [Any] are for a [Reader] only: they
// read lines of several kinds from one stream.
const (
	KindSV      Kind = iota + 1 // subscription versions
	KindNPB                     // number pool blocks
	KindLRN                     // LRNs (network data)
	KindNPANXX                  // NPA-NXX codes (network data)
	KindNPANXXX                 // NPA-NXX-X block holder data (network data)
	KindSPID                    // service providers (network data)

	// Subscriptions reads SV and NPB lines mixed.
	Subscriptions
	// Any reads lines of every kind mixed.
	Any
)

var kindNames = [...]string{"", "SV", "NPB", "LRN", "NPA-NXX", "NPA-NXX-X", "SPID", "SV or NPB", "any"}

// String returns the kind's name as in the file names: SV, NPB, LRN,
// NPA-NXX, NPA-NXX-X, SPID.
func (k Kind) String() string {
	if int(k) < len(kindNames) && k != 0 {
		return kindNames[k]
	}
	return "unknown"
}

// Reason is a record's download reason. The values are the codes written
// in the file.
type Reason uint8

// Download reasons.
const (
	ReasonNew              Reason = 0
	ReasonDelete           Reason = 1
	ReasonModified         Reason = 2
	ReasonAuditDiscrepancy Reason = 3
)

var reasonNames = [...]string{"new", "delete", "modified", "audit-discrepancy"}

// String returns the reason's name: new, delete, modified or
// audit-discrepancy.
func (r Reason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return "unknown"
}

// LNPPool is the LNP type of a pooled number's SV (npac defines lspp and
// lisp only).
const LNPPool npac.LNPType = "pool"

// SignalingPoint is a DPC/SSN pair. The zero value is no pair.
type SignalingPoint struct {
	// DPC is "NNN-NNN-NNN" (the writer also takes nine digits); "" means
	// no pair.
	DPC string
	// SSN is 0-255.
	SSN int
}

// Set reports whether the pair is present.
func (p SignalingPoint) Set() bool { return p.DPC != "" }

// NPAC returns the pair as npac stores it, nil when absent.
func (p SignalingPoint) NPAC() *npac.SignalingPoint {
	if p.DPC == "" {
		return nil
	}
	ssn := p.SSN
	return &npac.SignalingPoint{DPC: p.DPC, SSN: &ssn}
}

// point converts npac's pair; a pair without an SSN gets SSN 0.
func point(sp *npac.SignalingPoint) SignalingPoint {
	if sp == nil {
		return SignalingPoint{}
	}
	p := SignalingPoint{DPC: sp.DPC}
	if sp.SSN != nil {
		p.SSN = *sp.SSN
	}
	return p
}

// SVRecord is one subscription version line.
type SVRecord struct {
	VersionID int64
	TN        npac.TN
	LRN       npac.LRN
	// NewSPID is the new current service provider.
	NewSPID             npac.SPID
	ActivationTimestamp time.Time
	CLASS, LIDB, ISVM   SignalingPoint
	CNAM, WSMSC         SignalingPoint
	EULValue            string // end-user location value
	EULType             string // end-user location type
	BillingID           string
	LNPType             npac.LNPType
	DownloadReason      Reason
	SVType              npac.SVType
	AlternativeSPID     npac.SPID
	VoiceURI            string
	MMSURI              string
	SMSURI              string
}

// FromSV returns the record of an SV with the given download reason.
func FromSV(sv *npac.SV, reason Reason) SVRecord {
	r := SVRecord{
		VersionID: sv.ID, TN: sv.TN, LRN: sv.LRN, NewSPID: sv.NewSPID,
		CLASS: point(sv.CLASS), LIDB: point(sv.LIDB), ISVM: point(sv.ISVM), CNAM: point(sv.CNAM), WSMSC: point(sv.WSMSC),
		EULValue: sv.EndUserLocationValue, EULType: sv.EndUserLocationType, BillingID: sv.BillingID,
		LNPType: sv.LNPType, DownloadReason: reason, SVType: sv.SVType, AlternativeSPID: sv.AlternativeSPID,
		VoiceURI: sv.VoiceURI, MMSURI: sv.MMSURI, SMSURI: sv.SMSURI,
	}
	if sv.ActivationTimestamp != nil {
		r.ActivationTimestamp = sv.ActivationTimestamp.UTC()
	}
	return r
}

// Route returns the route the SV gives its TN: ported, served by the new
// current SP.
func (r *SVRecord) Route() *npac.Route {
	return &npac.Route{Ported: true, SPID: r.NewSPID, LRN: r.LRN, SVType: r.SVType,
		CLASS: r.CLASS.NPAC(), LIDB: r.LIDB.NPAC(), CNAM: r.CNAM.NPAC(), ISVM: r.ISVM.NPAC(), WSMSC: r.WSMSC.NPAC()}
}

// BlockRecord is one number pool block line.
type BlockRecord struct {
	BlockID int64
	NPANXXX npac.NPANXXX
	LRN     npac.LRN
	// NewSPID is the block holder.
	NewSPID             npac.SPID
	ActivationTimestamp time.Time
	CLASS, LIDB, ISVM   SignalingPoint
	CNAM, WSMSC         SignalingPoint
	DownloadReason      Reason
	SVType              npac.SVType
	AlternativeSPID     npac.SPID
}

// FromBlock returns the record of a pool block with the given download
// reason.
func FromBlock(b *npac.Block, reason Reason) BlockRecord {
	r := BlockRecord{
		BlockID: b.ID, NPANXXX: b.NPANXXX, LRN: b.LRN, NewSPID: b.SPID,
		CLASS: point(b.CLASS), LIDB: point(b.LIDB), ISVM: point(b.ISVM), CNAM: point(b.CNAM), WSMSC: point(b.WSMSC),
		DownloadReason: reason, SVType: b.SVType, AlternativeSPID: b.AlternativeSPID,
	}
	if b.ActivationTimestamp != nil {
		r.ActivationTimestamp = b.ActivationTimestamp.UTC()
	}
	return r
}

// Route returns the route the block gives each of its numbers, as
// [npac.Block.Route] does.
func (r *BlockRecord) Route() *npac.Route {
	return &npac.Route{Ported: true, SPID: r.NewSPID, LRN: r.LRN, SVType: r.SVType,
		CLASS: r.CLASS.NPAC(), LIDB: r.LIDB.NPAC(), CNAM: r.CNAM.NPAC(), ISVM: r.ISVM.NPAC(), WSMSC: r.WSMSC.NPAC()}
}

// LRNRecord is one line of an LRN file.
type LRNRecord struct {
	SPID npac.SPID
	// ID is the NPAC's object ID of the LRN.
	ID        int64
	LRN       npac.LRN
	CreatedAt time.Time
}

// FromLRN returns the record of an LRN; id is its object ID (OpenNPAC
// keys LRNs by value and has none of its own).
func FromLRN(l *npac.LRNRecord, id int64) LRNRecord {
	return LRNRecord{SPID: l.SPID, ID: id, LRN: l.LRN, CreatedAt: l.CreatedAt.UTC()}
}

// CodeRecord is one line of an NPA-NXX file.
type CodeRecord struct {
	// SPID is the code holder.
	SPID          npac.SPID
	ID            int64
	NPANXX        npac.NPANXX
	CreatedAt     time.Time
	EffectiveDate time.Time
}

// FromCode returns the record of an NPA-NXX; id is its object ID.
func FromCode(c *npac.CodeRecord, id int64) CodeRecord {
	return CodeRecord{SPID: c.SPID, ID: id, NPANXX: c.NPANXX, CreatedAt: c.CreatedAt.UTC(), EffectiveDate: c.EffectiveDate.UTC()}
}

// CodeXRecord is one line of an NPA-NXX-X file: who holds a pool block.
type CodeXRecord struct {
	// SPID is the block holder.
	SPID          npac.SPID
	ID            int64
	NPANXXX       npac.NPANXXX
	CreatedAt     time.Time
	EffectiveDate time.Time
	// ModifiedAt is optional (zero: never modified).
	ModifiedAt time.Time
}

// FromCodeX returns the NPA-NXX-X record of a pool block.
func FromCodeX(b *npac.Block) CodeXRecord {
	r := CodeXRecord{SPID: b.SPID, ID: b.ID, NPANXXX: b.NPANXXX, CreatedAt: b.CreatedAt.UTC(), EffectiveDate: b.EffectiveDate.UTC()}
	if !b.UpdatedAt.IsZero() && !b.UpdatedAt.Equal(b.CreatedAt) {
		r.ModifiedAt = b.UpdatedAt.UTC()
	}
	return r
}

// SPIDRecord is one line of a SPID file.
type SPIDRecord struct {
	SPID npac.SPID
	Name string
	Type npac.ProviderType
}

// FromProvider returns the record of a provider.
func FromProvider(p *npac.Provider) SPIDRecord {
	return SPIDRecord{SPID: p.SPID, Name: p.Name, Type: p.Type}
}

// Record is what [Reader.Next] returns: the line number, the kind, and
// the one record of that kind (the other pointers are nil).
type Record struct {
	Line  int64
	Kind  Kind
	SV    *SVRecord
	Block *BlockRecord
	LRN   *LRNRecord
	Code  *CodeRecord
	CodeX *CodeXRecord
	SPID  *SPIDRecord
}
