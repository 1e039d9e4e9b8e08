package npac

import (
	"context"
	"time"
)

// Split is an NPA split: some codes of an area code move to a new area
// code. From the start of the permissive dialing period (PDP) the NPAC
// keeps their SVs, pool blocks and network data under the new NPA, and
// numbers are answered under both NPAs; at its end the old NPA-NXXs are
// removed (SRS RN3-4.x, RR3-218/219 [S]).
type Split struct {
	ID     int64  `json:"id"`
	OldNPA string `json:"old_npa"`
	NewNPA string `json:"new_npa"`
	// NXXs are the central office codes that move, the same NXX under
	// both NPAs.
	NXXs     []string    `json:"nxxs"`
	PDPStart time.Time   `json:"pdp_start"`
	PDPEnd   time.Time   `json:"pdp_end"`
	Status   SplitStatus `json:"status"`
	// Moved counts what the start of the PDP moved.
	Moved     *SplitMoved `json:"moved,omitempty"`
	CreatedAt time.Time   `json:"created_at"`
	UpdatedAt time.Time   `json:"updated_at"`
}

// SplitStatus is where a split stands.
type SplitStatus string

// Split statuses.
const (
	SplitScheduled  SplitStatus = "scheduled"  // before the PDP
	SplitPermissive SplitStatus = "permissive" // during the PDP: both NPAs dial
	SplitComplete   SplitStatus = "complete"   // after the PDP: old NPA-NXXs removed
)

// SplitMoved counts the records a split moved to the new NPA.
type SplitMoved struct {
	Codes  int `json:"codes"`
	SVs    int `json:"svs"`
	Blocks int `json:"blocks"`
}

// Codes returns the pairs of old and new NPA-NXX the split moves.
func (s *Split) Codes() (old, new []NPANXX) {
	for _, x := range s.NXXs {
		old = append(old, NPANXX(s.OldNPA+x))
		new = append(new, NPANXX(s.NewNPA+x))
	}
	return old, new
}

// SplitNotice is what the broadcast log tells LSMSs of a split: at the
// start of the PDP (Phase "start") each LSMS moves its copy of the codes'
// routes and blocks to the new NPA and answers the old numbers too; at its
// end (Phase "end") it stops answering the old numbers.
type SplitNotice struct {
	SplitID int64    `json:"split_id"`
	OldNPA  string   `json:"old_npa"`
	NewNPA  string   `json:"new_npa"`
	NXXs    []string `json:"nxxs"`
	Phase   string   `json:"phase"`
}

// SplitService schedules NPA splits. NPAC personnel only.
type SplitService interface {
	// CreateSplit schedules a split. Errors: invalid, forbidden,
	// not-found (an old NPA-NXX is not registered), conflict (a new
	// NPA-NXX exists, or a code is already splitting).
	CreateSplit(ctx context.Context, s *Split) error
	// Splits lists splits by ID.
	Splits(ctx context.Context) ([]*Split, error)
	// AdvanceSplits starts the PDPs that are due and ends the ones that
	// are over, and returns how many it advanced.
	AdvanceSplits(ctx context.Context, now time.Time) (int, error)
}
